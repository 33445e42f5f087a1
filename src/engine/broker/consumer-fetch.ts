// A broker's answer to consumers' Fetch and ListOffsets (Kafka's ReplicaManager.fetchMessages with a
// consumer's FetchParams, DelayedFetch and handleListOffsetRequest). A consumer reads from the
// partition's leader and never past the high watermark (FetchIsolation.HIGH_WATERMARK): records
// the ISR does not all have yet may still be truncated away, so a consumer must not see them.
//
//   errors   NOT_LEADER_OR_FOLLOWER (this broker does not lead it), FENCED_LEADER_EPOCH (the
//            consumer's leader epoch is older than the leader's), UNKNOWN_LEADER_EPOCH (newer),
//            OFFSET_OUT_OF_RANGE (below the log start, or above the log end: Kafka's LocalLog.read
//            throws OffsetOutOfRangeException only there; an offset above the high watermark but
//            within the log, as a consumer may hold after a failover to a leader whose high
//            watermark is behind, reads nothing and waits), UNKNOWN_TOPIC_OR_PARTITION.
//   long poll  a fetch with fewer than fetch.min.bytes available waits up to fetch.max.wait.ms;
//            any high watermark advance on one of its partitions answers it (DelayedFetch.tryComplete).
//
//   remote   on a tiered topic (KIP-405) an offset below the leader's local log start is read
//            from the object store through the RemoteLogManager (Kafka's RemoteLogReader): a
//            cached segment answers at once; otherwise the fetch is parked (DelayedRemoteFetch)
//            until the object arrives or fetch.max.wait.ms passes (then it is answered empty and
//            the consumer asks again).
//
// One timer for all parked fetches: it is armed for the earliest deadline of a fetch still parked
// (fetch.max.wait.ms after it parked), and, when it fires, answers every fetch whose deadline has
// come, in deadline order (then arrival), and is armed for the next. A fetch answered early leaves
// its entry in the deadline queue, dropped when reached (or when such entries outnumber the live
// ones): no timer is set and cancelled per fetch.
//
// Never: reads past the high watermark, keeps more than PARKED_CONSUMER_FETCHES_MAX fetches, or
// walks all parked fetches on a high watermark advance (they are indexed by partition).

import type { Effects, Message } from '../sim/process';
import {
  EARLIEST_TIMESTAMP,
  type ConsumerFetchPartition,
  type ConsumerFetchPartitionResponse,
  type ConsumerFetchRequest,
  type ConsumerFetchResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
} from './group-protocol';
import type { MetadataImage } from '../controller/image';
import type { PartitionLog } from './partition-log';
import { DATA_HEADER_BYTES, type ErrorCode, type LogBatch } from './protocol';
import type { ReplicaManager } from './replica-manager';
import type { RemoteLogManager } from './remote-log-manager';

const TIMER_PARK = 'cf:park';
/** Consumer fetches waiting on one broker at most; beyond it a fetch is answered at once, empty. */
export const PARKED_CONSUMER_FETCHES_MAX = 10_000;
/** Bytes a partition's entry adds to a fetch response, besides its batches. */
const PARTITION_RESPONSE_BYTES = 32;

const NO_BATCHES: readonly LogBatch[] = [];

function failure(part: ConsumerFetchPartition, error: ErrorCode, highWatermark: number, logStartOffset: number, leaderEpoch: number): ConsumerFetchPartitionResponse {
  return { topic: part.topic, partition: part.partition, error, highWatermark, logStartOffset, leaderEpoch, batches: NO_BATCHES };
}

interface ParkedConsumerFetch {
  readonly id: number;
  readonly from: string;
  readonly request: ConsumerFetchRequest;
  /** When fetch.max.wait.ms runs out for it. */
  readonly deadlineUs: number;
}

export interface ConsumerFetchView {
  readonly fetchesServed: number;
  readonly fetchesParked: number;
  readonly bytesServed: number;
  /** Batches left out of an answer because they were above the high watermark (written, not yet committed). */
  readonly batchesHeldBack: number;
  /** Entries in the wake-up index (partition, parked fetch): bounded by the parked fetches' partitions. */
  readonly indexedEntries: number;
  /** Parked fetches that, woken, would read a segment evicted while they waited: they waited for the disk read. */
  readonly wokenToDisk: number;
}

export class ConsumerFetchHandler {
  private readonly parked = new Map<number, ParkedConsumerFetch>();
  /** Partition key -> ids of parked fetches naming it (answered when its high watermark moves); ids of answered fetches linger until the next look. */
  private readonly parkedByPartition = new Map<string, number[]>();
  private nextParkId = 1;
  /** Parked fetches by (deadline, id), from `deadlinesHead` on; entries of fetches answered early stay until reached or compacted. */
  private deadlines: ParkedConsumerFetch[] = [];
  private deadlinesHead = 0;
  /** When the park timer is due, or null when it is not armed. */
  private parkTimerDueUs: number | null = null;
  private served = 0;
  private bytesServed = 0;
  private batchesHeldBack = 0;

  /**
   * Set by the broker: hands a request to the disk reads (local-reads.ts) if it reads a segment the
   * page cache no longer holds, and true then (it comes back through handleFetch once read).
   */
  awaitDisk: ((from: string, request: ConsumerFetchRequest, fx: Effects<Message>) => boolean) | null = null;
  /** Parked fetches that, woken, read a segment evicted while they waited, and so waited for the disk. */
  private wokenToDisk = 0;

  constructor(
    private readonly replicas: ReplicaManager,
    private readonly image: MetadataImage,
    private readonly remote: RemoteLogManager | null = null,
  ) {}

  handleFetch(from: string, request: ConsumerFetchRequest, fx: Effects<Message>): void {
    const answer = this.answer(request, fx);
    if (answer.bytes >= request.minBytes || answer.hasError || request.maxWaitUs === 0 || this.parked.size >= PARKED_CONSUMER_FETCHES_MAX) {
      this.respond(from, request, answer.partitions, answer.bytes, fx);
      return;
    }
    const id = this.nextParkId++;
    const parked: ParkedConsumerFetch = { id, from, request, deadlineUs: fx.nowUs + request.maxWaitUs };
    this.parked.set(id, parked);
    for (const part of request.partitions) {
      const ids = this.parkedByPartition.get(part.key);
      if (ids === undefined) this.parkedByPartition.set(part.key, [id]);
      else ids.push(id);
    }
    this.enqueueDeadline(parked);
    if (this.parkTimerDueUs === null || parked.deadlineUs < this.parkTimerDueUs) {
      this.parkTimerDueUs = parked.deadlineUs;
      fx.setTimer(TIMER_PARK, request.maxWaitUs);
    }
  }

  /** Into the deadline queue, after every entry due at or before it (ids grow, so ties keep arrival order). */
  private enqueueDeadline(parked: ParkedConsumerFetch): void {
    const queue = this.deadlines;
    if (queue.length - this.deadlinesHead > 2 * this.parked.size + 64) {
      // Mostly fetches answered early: keep the live ones (the bound: twice the parked fetches, plus 64).
      this.deadlines = queue.slice(this.deadlinesHead).filter((entry) => this.parked.get(entry.id) === entry);
      this.deadlinesHead = 0;
    }
    const live = this.deadlines;
    let low = this.deadlinesHead;
    let high = live.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (live[middle]!.deadlineUs <= parked.deadlineUs) low = middle + 1;
      else high = middle;
    }
    if (low === live.length) live.push(parked);
    else live.splice(low, 0, parked);
  }

  /**
   * The high watermark of a led partition moved: parked fetches on it are answered if they now
   * have fetch.min.bytes. Cheap first: a fetch whose offset on this partition is still at the high
   * watermark gained nothing. The index is cleaned lazily: ids of fetches already answered are dropped here.
   */
  onHighWatermark(key: string, highWatermark: number, fx: Effects<Message>): void {
    const ids = this.parkedByPartition.get(key);
    if (ids === undefined) return;
    let kept = 0;
    for (const id of ids) {
      const parked = this.parked.get(id);
      if (parked === undefined) continue;
      let part: ConsumerFetchPartition | undefined;
      for (const candidate of parked.request.partitions) {
        if (candidate.key === key) {
          part = candidate;
          break;
        }
      }
      if (part === undefined || part.fetchOffset >= highWatermark) {
        ids[kept++] = id;
        continue;
      }
      if (this.toDisk(parked, fx)) continue; // out of the index: it is no longer parked (its deadline entry is dropped when reached)
      const answer = this.answer(parked.request, fx);
      if (answer.bytes < parked.request.minBytes && !answer.hasError) {
        ids[kept++] = id;
        continue;
      }
      this.parked.delete(id);
      this.respond(parked.from, parked.request, answer.partitions, answer.bytes, fx);
    }
    if (kept === 0) this.parkedByPartition.delete(key);
    else ids.length = kept;
  }

  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (key !== TIMER_PARK) return false;
    this.parkTimerDueUs = null;
    // Every fetch whose fetch.max.wait.ms is over, in deadline order; then the timer for the next one still parked.
    while (this.deadlinesHead < this.deadlines.length) {
      const parked = this.deadlines[this.deadlinesHead]!;
      if (this.parked.get(parked.id) !== parked) {
        this.deadlinesHead++; // answered early
        continue;
      }
      if (parked.deadlineUs > fx.nowUs) {
        this.parkTimerDueUs = parked.deadlineUs;
        fx.setTimer(TIMER_PARK, parked.deadlineUs - fx.nowUs);
        break;
      }
      this.deadlinesHead++;
      this.expire(parked, fx);
    }
    if (this.deadlinesHead === this.deadlines.length) {
      this.deadlines.length = 0;
      this.deadlinesHead = 0;
    }
    return true;
  }

  /** A parked fetch's fetch.max.wait.ms is over: answered with what it has (or sent to the disk reads). */
  private expire(parked: ParkedConsumerFetch, fx: Effects<Message>): void {
    this.parked.delete(parked.id);
    // Out of the index too: a partition whose high watermark never moves would otherwise keep its id forever.
    for (const part of parked.request.partitions) {
      const ids = this.parkedByPartition.get(part.key);
      if (ids === undefined) continue;
      const at = ids.indexOf(parked.id);
      if (at >= 0) ids.splice(at, 1);
      if (ids.length === 0) this.parkedByPartition.delete(part.key);
    }
    if (this.toDisk(parked, fx)) return;
    const answer = this.answer(parked.request, fx);
    this.respond(parked.from, parked.request, answer.partitions, answer.bytes, fx);
  }

  /**
   * A parked fetch about to be answered whose read would touch a segment evicted while it waited
   * (the page is not in memory: Kafka's read would block on the device, as a fresh fetch's does):
   * it leaves the parked set and waits for the disk read like a fresh fetch, with what is left of
   * its fetch.max.wait.ms, so once read it is answered if it has fetch.min.bytes or its wait is
   * over, else parked again for the rest. Its body is then in the heap whatever the store: no
   * synchronous load of an evicted segment (page-cache.ts bodyOf) can be reached from a wake.
   */
  private toDisk(parked: ParkedConsumerFetch, fx: Effects<Message>): boolean {
    if (this.awaitDisk === null) return false;
    // Only a partition the answer reads from the local log can touch a segment (Kafka's LocalLog.read).
    const readsLocal = parked.request.partitions.some((part) => {
      const leader = this.replicas.leaderRead(part.key);
      return leader !== null && part.fetchOffset < leader.highWatermark && part.fetchOffset >= leader.log.localLogStartOffset;
    });
    if (!readsLocal) return false;
    const request: ConsumerFetchRequest = { ...parked.request, maxWaitUs: Math.max(0, parked.deadlineUs - fx.nowUs) };
    if (!this.awaitDisk(parked.from, request, fx)) return false;
    this.parked.delete(parked.id);
    this.wokenToDisk++;
    return true;
  }

  handleListOffsets(from: string, request: ListOffsetsRequest, fx: Effects<Message>): void {
    const partitions = request.partitions.map((part) => {
      const leader = this.replicas.leaderRead(`${part.topic}-${part.partition}`);
      if (leader === null) {
        const error: ErrorCode = this.image.partition(part.topic, part.partition) === undefined ? 'UNKNOWN_TOPIC_OR_PARTITION' : 'NOT_LEADER_OR_FOLLOWER';
        return { topic: part.topic, partition: part.partition, error, offset: -1, leaderEpoch: -1 };
      }
      // Earliest: the log start. Latest, for a read_uncommitted consumer: the high watermark
      // (Kafka's Partition.fetchOffsetForTimestamp answers the HW, not the log end).
      const offset = part.timestamp === EARLIEST_TIMESTAMP ? leader.log.logStartOffset : leader.highWatermark;
      return { topic: part.topic, partition: part.partition, error: 'NONE' as const, offset, leaderEpoch: leader.leaderEpoch };
    });
    const response: ListOffsetsResponse = { type: 'ListOffsetsResponse', bytes: DATA_HEADER_BYTES + partitions.length * 24, correlationId: request.correlationId, partitions };
    fx.send(from, response);
  }

  view(): ConsumerFetchView {
    let indexedEntries = 0;
    for (const ids of this.parkedByPartition.values()) indexedEntries += ids.length;
    return { fetchesServed: this.served, fetchesParked: this.parked.size, bytesServed: this.bytesServed, batchesHeldBack: this.batchesHeldBack, indexedEntries, wokenToDisk: this.wokenToDisk };
  }

  private answer(request: ConsumerFetchRequest, fx: Effects<Message>): { partitions: ConsumerFetchPartitionResponse[]; bytes: number; hasError: boolean } {
    const partitions: ConsumerFetchPartitionResponse[] = [];
    let bytes = 0;
    let hasError = false;
    for (const part of request.partitions) {
      if (this.nothingNew(part)) continue; // the common case, answered without building an empty entry
      const response = this.answerPartition(part, request.partitionMaxBytes, fx);
      if (response.error !== 'NONE') hasError = true;
      else if (response.batches.length === 0) continue; // nothing new: left out, as Kafka's fetch sessions do (KIP-227)
      for (const batch of response.batches) bytes += batch.bytes;
      partitions.push(response);
    }
    return { partitions, bytes, hasError };
  }

  /**
   * True when answerPartition would answer this partition without an error and without batches, so
   * the answer leaves it out: this broker leads it in the consumer's leader epoch and the consumer
   * is at the high watermark, in the local log.
   */
  private nothingNew(part: ConsumerFetchPartition): boolean {
    const leader = this.replicas.leaderRead(part.key);
    if (leader === null || part.fetchOffset !== leader.highWatermark || part.currentLeaderEpoch > leader.leaderEpoch) return false;
    if (part.currentLeaderEpoch >= 0 && part.currentLeaderEpoch < leader.leaderEpoch) return false;
    const log = leader.log;
    return part.fetchOffset >= log.logStartOffset && !(part.fetchOffset < log.localLogStartOffset && this.remote !== null);
  }

  private answerPartition(part: ConsumerFetchPartition, maxBytes: number, fx: Effects<Message>): ConsumerFetchPartitionResponse {
    const leader = this.replicas.leaderRead(part.key);
    if (leader === null) return failure(part, this.image.partition(part.topic, part.partition) === undefined ? 'UNKNOWN_TOPIC_OR_PARTITION' : 'NOT_LEADER_OR_FOLLOWER', -1, -1, -1);
    if (part.currentLeaderEpoch >= 0 && part.currentLeaderEpoch < leader.leaderEpoch) return failure(part, 'FENCED_LEADER_EPOCH', -1, -1, leader.leaderEpoch);
    if (part.currentLeaderEpoch > leader.leaderEpoch) return failure(part, 'UNKNOWN_LEADER_EPOCH', -1, -1, leader.leaderEpoch);
    const log = leader.log;
    const highWatermark = leader.highWatermark;
    // Kafka's LocalLog.read: out of range below the log start or past the log end; from the high
    // watermark up to the log end it reads nothing (emptyFetchDataInfo), and the fetch waits.
    if (part.fetchOffset < log.logStartOffset || part.fetchOffset > log.endOffset) {
      return failure(part, 'OFFSET_OUT_OF_RANGE', highWatermark, log.logStartOffset, leader.leaderEpoch);
    }
    let batches = NO_BATCHES;
    if (part.fetchOffset < log.localLogStartOffset && this.remote !== null) {
      // KIP-405: only in the object store. Null: being fetched; the fetch parks (nothing to answer yet).
      batches = this.remote.read(part.key, log, part.fetchOffset, maxBytes, fx) ?? NO_BATCHES;
    } else if (part.fetchOffset < highWatermark) {
      const read = this.readFrom(log, part.fetchOffset, maxBytes);
      // Only batches wholly below the high watermark (a batch is committed as a whole).
      let keep = read.length;
      while (keep > 0 && read[keep - 1]!.baseOffset + read[keep - 1]!.records > highWatermark) keep--;
      if (keep < read.length) this.batchesHeldBack += read.length - keep;
      batches = keep === read.length ? read : read.slice(0, keep);
    }
    return { topic: part.topic, partition: part.partition, error: 'NONE', highWatermark, logStartOffset: log.logStartOffset, leaderEpoch: leader.leaderEpoch, batches };
  }

  /** Reads from the batch holding `offset` (a committed offset may fall inside a batch). */
  private readFrom(log: PartitionLog, offset: number, maxBytes: number): LogBatch[] {
    const holding = log.batchAt(offset);
    return log.read(holding === undefined ? offset : holding.baseOffset, maxBytes);
  }

  private respond(to: string, request: ConsumerFetchRequest, partitions: ConsumerFetchPartitionResponse[], bytes: number, fx: Effects<Message>): void {
    this.served++;
    this.bytesServed += bytes;
    const response: ConsumerFetchResponse = {
      type: 'FetchResponse',
      bytes: DATA_HEADER_BYTES + partitions.length * PARTITION_RESPONSE_BYTES + bytes,
      correlationId: request.correlationId,
      partitions,
    };
    fx.send(to, response);
  }
}
