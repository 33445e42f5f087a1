// A broker's replicas (Kafka's ReplicaManager, Partition, ReplicaFetcherThread and DelayedProduce,
// in one component). The metadata log says which partitions this broker leads or follows, in which
// leader epoch; this component does the rest:
//
//   leader    appends produced batches at its log end in its leader epoch; answers followers'
//             fetches, checking their (fetchOffset, lastFetchedEpoch) against its log (KIP-320:
//             a diverging follower is told where its epoch ended, and truncates); advances the high
//             watermark to the smallest log end in the ISR; answers acks=all produces once the high
//             watermark passes them, with NOT_ENOUGH_REPLICAS(_AFTER_APPEND) when the ISR is
//             smaller than min.insync.replicas; shrinks the ISR of followers not caught up for
//             replica.lag.time.max.ms and expands it when they catch up to the high watermark, by
//             AlterPartition to the controller (the change takes effect when committed).
//   follower  fetches from its leader (one fetch in flight per leader broker, long-polled there),
//             appends what it gets, truncates on divergence, and takes the leader's high watermark.
//
// Logs and the producer-id counter are on the broker's disk; the rest is volatile and rebuilt from
// metadata after a restart. Idempotence: a batch whose producer id and sequence the log already
// has is answered with its first offset, not written twice.

import type { MetadataImage, PartitionState } from '../controller/image';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../controller/messages';
import type { Effects, Message } from '../sim/process';
import { formatSpan, type TimeUs } from '../sim/time';
import { OS_WRITEBACK_INTERVAL_US, PartitionLog } from './partition-log';
import {
  DATA_HEADER_BYTES,
  type DataRequest,
  type ErrorCode,
  type FetchPartitionRequest,
  type FetchPartitionResponse,
  type InitProducerIdResponse,
  type LogBatch,
  type MetadataResponse,
  type ProducePartitionResult,
  type ProduceRequest,
  type ProduceResponse,
  type ReplicaFetchRequest,
  type ReplicaFetchResponse,
} from './protocol';

const TIMER_ISR_CHECK = 'rm:isr-check';
const TIMER_WRITEBACK = 'rm:writeback';
const TIMER_PRODUCE_TIMEOUT = 'rm:produce-timeout';
const TIMER_FETCH_PARK = 'rm:fetch-park:';
const TIMER_FETCH_RETRY = 'rm:fetch-retry:';
const TIMER_FETCH_BACKOFF = 'rm:fetch-backoff:';
/** An AlterPartition without an answer this long is given up and retried at the next ISR check. */
export const ALTER_PARTITION_RETRY_US = 10_000_000;
/** Produce requests waiting for the ISR, at most (Kafka's purgatory is bounded by memory). */
export const PARKED_PRODUCES_MAX = 100_000;

export interface ReplicaSettings {
  /** replica.lag.time.max.ms (30000). */
  readonly replicaLagMaxUs: TimeUs;
  /** replica.fetch.wait.max.ms (500). */
  readonly fetchMaxWaitUs: TimeUs;
  /** replica.fetch.max.bytes (1 MiB), per partition. */
  readonly fetchMaxBytes: number;
  /** replica.socket.timeout.ms (30000): a fetch without an answer is sent again. */
  readonly fetchTimeoutUs: TimeUs;
  /** replica.fetch.backoff.ms (1000): a partition whose fetch failed waits this long before it is fetched again. */
  readonly fetchBackoffUs: TimeUs;
  /** min.insync.replicas for a topic (topic config, else the broker default). */
  readonly minInsyncReplicas: (topic: string) => number;
}

/** What a broker keeps on disk for the data plane. */
export interface DataDisk {
  readonly logs: Map<string, PartitionLog>;
  producerIdCounter: number;
}

interface FollowerProgress {
  /** Its log end as its last fetch said, or null before it fetched in this leader epoch. */
  leo: number | null;
  lastCaughtUpUs: TimeUs;
  lastFetchUs: TimeUs;
  /** The leader's log end when this follower last fetched (Kafka's lastFetchLeaderLogEndOffset). */
  lastFetchLeaderLeo: number;
  sentHighWatermark: number;
}

interface LeaderPartition {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  leaderEpoch: number;
  partitionEpoch: number;
  /** The committed ISR (from metadata). */
  isr: readonly string[];
  readonly replicas: readonly string[];
  readonly followers: Map<string, FollowerProgress>;
  highWatermark: number;
  epochStartOffset: number;
  /** Followers being added to the ISR by an AlterPartition not yet committed (KIP-497: counted for the HW). */
  readonly pendingAdds: Set<string>;
  alterInFlight: boolean;
  /** When the AlterPartition in flight was sent: without an answer by ALTER_PARTITION_RETRY_US it is given up and retried. */
  alterSentUs: TimeUs;
  /** The last follower dropped from the ISR, for people reading an error. */
  lastShrink: { readonly broker: string; readonly atUs: TimeUs } | null;
}

interface FollowerPartition {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  leader: string;
  leaderEpoch: number;
  highWatermark: number;
  /** Not fetched before this time: its last fetch failed (replica.fetch.backoff.ms). */
  delayedUntilUs: TimeUs;
}

interface ParkedProduce {
  readonly from: string;
  readonly request: ProduceRequest;
  readonly results: (ProducePartitionResult | null)[];
  /** Per batch: the offset the high watermark must pass, or -1 once answered. */
  readonly requiredOffsets: number[];
  readonly deadlineUs: TimeUs;
}

interface ParkedFetch {
  readonly from: string;
  readonly request: ReplicaFetchRequest;
}

export interface ReplicaView {
  readonly leaderOf: number;
  readonly followerOf: number;
  readonly underReplicated: number;
  readonly underMinIsr: number;
  readonly records: number;
  readonly bytes: number;
  readonly unflushedRecords: number;
  readonly isrShrinks: number;
  readonly isrExpands: number;
  readonly truncatedRecords: number;
  readonly parkedProduces: number;
  /**
   * Kafka's BrokerTopicMetrics as counts since this life began (kafka.server.ReplicaManager
   * appendToLocalLog marks them): bytes and records leaders appended for producers (BytesInPerSec,
   * MessagesInPerSec), partition appends refused (FailedProduceRequestsPerSec), and record bytes
   * sent to followers (ReplicationBytesOutPerSec). The metrics layer turns them into rates.
   */
  readonly bytesIn: number;
  readonly messagesIn: number;
  readonly failedProduceRequests: number;
  readonly replicationBytesOut: number;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

const NO_BATCHES: readonly LogBatch[] = [];

function fetchError(part: FetchPartitionRequest, error: ErrorCode): FetchPartitionResponse {
  return { topic: part.topic, partition: part.partition, error, highWatermark: -1, batches: NO_BATCHES, divergingEpoch: null };
}

export class ReplicaManager {
  private readonly leaders = new Map<string, LeaderPartition>();
  private readonly followers = new Map<string, FollowerPartition>();
  private parkedProduces: ParkedProduce[] = [];
  private readonly parkedFetches = new Map<string, ParkedFetch>();
  /** Leader broker -> when the fetch to it was sent (null: none in flight). */
  private readonly fetchInFlight = new Map<string, TimeUs | null>();
  private isrShrinks = 0;
  private isrExpands = 0;
  private truncatedRecords = 0;
  /** BrokerTopicMetrics counters (see ReplicaView): one addition per batch or response, never per record. */
  private bytesIn = 0;
  private messagesIn = 0;
  private failedProduceRequests = 0;
  private replicationBytesOut = 0;
  /**
   * False until the broker has registered and caught up with the metadata as of its registration
   * (it is RUNNING). Before that its metadata may be stale: a broker restarted after losing its
   * unflushed writes would otherwise act as a leader it no longer is, and make its followers
   * truncate committed records. Kafka's broker likewise publishes metadata to its ReplicaManager
   * only after that catch-up.
   */
  private serving = false;

  constructor(
    private readonly self: string,
    private readonly settings: ReplicaSettings,
    private readonly disk: DataDisk,
    private readonly image: MetadataImage,
    private readonly brokerEpoch: () => number | null,
  ) {}

  start(fx: Effects<Message>): void {
    fx.setTimer(TIMER_ISR_CHECK, Math.round(this.settings.replicaLagMaxUs / 2));
    fx.setTimer(TIMER_WRITEBACK, OS_WRITEBACK_INTERVAL_US);
  }

  /** The broker's durable logs lose what the OS had not written back (a crash). */
  static onCrash(disk: DataDisk): void {
    for (const log of disk.logs.values()) log.loseUnflushed();
  }

  logOf(topic: string, partition: number): PartitionLog {
    const key = partitionKey(topic, partition);
    let log = this.disk.logs.get(key);
    if (log === undefined) {
      log = new PartitionLog(topic, partition);
      this.disk.logs.set(key, log);
    }
    return log;
  }

  // ---- roles from metadata --------------------------------------------------------------------

  /** The broker is RUNNING: take the role the (now current) metadata gives each hosted partition. */
  startServing(fx: Effects<Message>): void {
    if (this.serving) return;
    this.serving = true;
    for (const state of this.image.partitions()) if (state.replicas.includes(this.self)) this.onPartitionState(state, fx);
  }

  /** A partition's committed metadata changed (or was replayed at start): take the role it gives. */
  onPartitionState(state: PartitionState, fx: Effects<Message>): void {
    if (!this.serving) return;
    const key = partitionKey(state.topic, state.partition);
    const hosted = state.replicas.includes(this.self);
    if (state.leader === this.self) {
      this.becomeLeader(key, state, fx);
    } else if (hosted && state.leader !== null && this.image.isUsableBroker(state.leader)) {
      this.becomeFollower(key, state, fx);
    } else {
      this.stopReplica(key, fx);
    }
  }

  private becomeLeader(key: string, state: PartitionState, fx: Effects<Message>): void {
    const existing = this.leaders.get(key);
    if (existing !== undefined && existing.leaderEpoch === state.leaderEpoch) {
      // Same leadership, new ISR or partition epoch: the committed ISR is the truth from now on.
      existing.isr = state.isr;
      existing.partitionEpoch = state.partitionEpoch;
      for (const id of [...existing.pendingAdds]) if (state.isr.includes(id)) existing.pendingAdds.delete(id);
      existing.alterInFlight = false;
      this.maybeAdvanceHighWatermark(existing, fx);
      return;
    }
    const follower = this.followers.get(key);
    this.followers.delete(key);
    const log = this.logOf(state.topic, state.partition);
    log.assignEpoch(state.leaderEpoch);
    const followers = new Map<string, FollowerProgress>();
    for (const id of state.replicas) {
      if (id === this.self) continue;
      // Kafka starts ISR members as caught up at the moment of leadership, so none is dropped at once.
      followers.set(id, { leo: null, lastCaughtUpUs: state.isr.includes(id) ? fx.nowUs : 0, lastFetchUs: 0, lastFetchLeaderLeo: -1, sentHighWatermark: -1 });
    }
    this.leaders.set(key, {
      key,
      topic: state.topic,
      partition: state.partition,
      log,
      leaderEpoch: state.leaderEpoch,
      partitionEpoch: state.partitionEpoch,
      isr: state.isr,
      replicas: state.replicas,
      followers,
      highWatermark: Math.min(follower?.highWatermark ?? existing?.highWatermark ?? 0, log.endOffset),
      epochStartOffset: log.endOffset,
      pendingAdds: new Set(),
      alterInFlight: false,
      alterSentUs: 0,
      lastShrink: null,
    });
  }

  private becomeFollower(key: string, state: PartitionState, fx: Effects<Message>): void {
    const wasLeader = this.leaders.get(key);
    if (wasLeader !== undefined) {
      this.leaders.delete(key);
      this.failParkedFor(key, 'NOT_LEADER_OR_FOLLOWER', `${this.self} is no longer the leader of ${key} (leader epoch ${state.leaderEpoch}: ${state.leader})`, fx);
    }
    const existing = this.followers.get(key);
    if (existing !== undefined && existing.leaderEpoch === state.leaderEpoch && existing.leader === state.leader) return;
    this.followers.set(key, {
      key,
      topic: state.topic,
      partition: state.partition,
      log: this.logOf(state.topic, state.partition),
      leader: state.leader!,
      leaderEpoch: state.leaderEpoch,
      highWatermark: Math.min(existing?.highWatermark ?? wasLeader?.highWatermark ?? 0, this.logOf(state.topic, state.partition).endOffset),
      delayedUntilUs: 0,
    });
    this.sendFetch(state.leader!, fx);
  }

  private stopReplica(key: string, fx: Effects<Message>): void {
    if (this.leaders.delete(key)) this.failParkedFor(key, 'NOT_LEADER_OR_FOLLOWER', `${this.self} no longer leads ${key}`, fx);
    this.followers.delete(key);
  }

  // ---- requests ------------------------------------------------------------------------------

  handleRequest(from: string, request: DataRequest, fx: Effects<Message>): void {
    switch (request.type) {
      case 'Metadata':
        return this.handleMetadata(from, request.topics, fx);
      case 'InitProducerId': {
        const number = Number(/(\d+)$/.exec(this.self)?.[1] ?? 0);
        const response: InitProducerIdResponse = {
          type: 'InitProducerIdResponse',
          bytes: DATA_HEADER_BYTES,
          error: 'NONE',
          producerId: number * 1_000_000 + ++this.disk.producerIdCounter,
        };
        fx.send(from, response);
        return;
      }
      case 'Produce':
        return this.handleProduce(from, request, fx);
      case 'ReplicaFetch':
        return this.handleReplicaFetch(from, request, fx);
    }
  }

  private handleMetadata(from: string, topics: readonly string[], fx: Effects<Message>): void {
    const partitions: MetadataResponse['partitions'][number][] = [];
    for (const name of topics) {
      const topic = this.image.topicsByName.get(name);
      if (topic === undefined) continue;
      for (const state of topic.partitions) {
        partitions.push({ topic: name, partition: state.partition, leader: state.leader, leaderEpoch: state.leaderEpoch, replicas: state.replicas, isr: state.isr });
      }
    }
    const brokers = [...this.image.brokers.values()].filter((broker) => !broker.fenced).map((broker) => broker.id);
    const response: MetadataResponse = { type: 'MetadataResponse', bytes: DATA_HEADER_BYTES + partitions.length * 24, brokers, partitions };
    fx.send(from, response);
  }

  private handleProduce(from: string, request: ProduceRequest, fx: Effects<Message>): void {
    const results: (ProducePartitionResult | null)[] = [];
    const required: number[] = [];
    for (const batch of request.batches) {
      const key = partitionKey(batch.topic, batch.partition);
      const leader = this.leaders.get(key);
      const answer = (error: ErrorCode, detail: string, baseOffset = -1): void => {
        if (error !== 'NONE') this.failedProduceRequests++;
        results.push({ topic: batch.topic, partition: batch.partition, batchId: batch.batchId, error, baseOffset, detail });
        required.push(-1);
      };
      if (leader === undefined) {
        const state = this.image.partition(batch.topic, batch.partition);
        if (state === undefined) answer('UNKNOWN_TOPIC_OR_PARTITION', `UNKNOWN_TOPIC_OR_PARTITION: ${this.self} knows no partition ${key}`);
        else answer('NOT_LEADER_OR_FOLLOWER', `NOT_LEADER_OR_FOLLOWER: ${this.self} does not lead ${key}; its leader is ${state.leader ?? 'none (offline)'} in leader epoch ${state.leaderEpoch}`);
        continue;
      }
      const minIsr = this.settings.minInsyncReplicas(batch.topic);
      if (request.acks === -1 && leader.isr.length < minIsr) {
        answer('NOT_ENOUGH_REPLICAS', this.notEnoughReplicas(leader, minIsr));
        continue;
      }
      const log = this.logOf(batch.topic, batch.partition);
      if (batch.producerId >= 0) {
        const recent = log.producerBatches(batch.producerId);
        const previous = recent.at(-1) ?? null;
        if (previous !== null && batch.baseSequence <= previous.baseSequence) {
          // A retry of a batch already written (idempotence): answer with where it was written.
          const original = recent.find((ref) => ref.baseSequence === batch.baseSequence) ?? null;
          if (original !== null) {
            if (request.acks === -1 && leader.highWatermark < original.baseOffset + original.records) {
              results.push(null);
              required.push(original.baseOffset + original.records);
            } else {
              answer('NONE', 'a duplicate of a batch already written; not written again', original.baseOffset);
            }
            continue;
          }
        }
        // Kafka accepts only sequence 0 from a producer id the partition has not seen: a later batch
        // must not be written while an earlier one is still being retried.
        const expected = previous === null ? 0 : previous.baseSequence + previous.records;
        if (batch.baseSequence !== expected) {
          answer('OUT_OF_ORDER_SEQUENCE_NUMBER', `OUT_OF_ORDER_SEQUENCE_NUMBER: ${key} expected sequence ${expected} from producer ${batch.producerId}, got ${batch.baseSequence}`);
          continue;
        }
      }
      const written: LogBatch = {
        baseOffset: log.endOffset,
        records: batch.records,
        bytes: batch.bytes,
        epoch: leader.leaderEpoch,
        producerId: batch.producerId,
        baseSequence: batch.baseSequence,
        batchId: batch.batchId,
        appendedUs: fx.nowUs,
        createdUs: batch.createdUs,
      };
      log.append(written);
      this.bytesIn += written.bytes;
      this.messagesIn += written.records;
      if (request.acks === -1) {
        results.push(null);
        required.push(written.baseOffset + written.records);
      } else {
        answer('NONE', 'written by the leader', written.baseOffset);
      }
    }
    const grown = new Set<LeaderPartition>();
    for (const batch of request.batches) {
      const leader = this.leaders.get(partitionKey(batch.topic, batch.partition));
      if (leader !== undefined) grown.add(leader);
    }
    for (const leader of grown) {
      this.maybeAdvanceHighWatermark(leader, fx);
      this.wakeParkedFetches(fx, leader);
    }
    if (request.acks === 0) return; // fire and forget: Kafka sends no response
    const parked: ParkedProduce = { from, request, results, requiredOffsets: required, deadlineUs: fx.nowUs + request.timeoutUs };
    if (!this.tryCompleteProduce(parked, fx)) {
      if (this.parkedProduces.length >= PARKED_PRODUCES_MAX) {
        this.respondProduce(parked, 'REQUEST_TIMED_OUT', `REQUEST_TIMED_OUT: ${this.self} already holds ${PARKED_PRODUCES_MAX} produce requests waiting for their ISR`, fx);
        return;
      }
      this.parkedProduces.push(parked);
      fx.setTimer(TIMER_PRODUCE_TIMEOUT, Math.max(1, this.parkedProduces[0]!.deadlineUs - fx.nowUs));
    }
  }

  private notEnoughReplicas(leader: LeaderPartition, minIsr: number): string {
    const shrink = leader.lastShrink;
    const because = shrink === null ? '' : `: ${shrink.broker} left the ISR at ${formatSpan(shrink.atUs)}`;
    return `NOT_ENOUGH_REPLICAS: acks=all needs ${minIsr} in-sync replicas (min.insync.replicas), ${leader.key} has ${leader.isr.length} (${leader.isr.join(', ')})${because}`;
  }

  /** Completes what can be: a batch is done once the high watermark passes it (Kafka's DelayedProduce). */
  private tryCompleteProduce(parked: ParkedProduce, fx: Effects<Message>): boolean {
    let pending = false;
    parked.request.batches.forEach((batch, index) => {
      const required = parked.requiredOffsets[index]!;
      if (required < 0) return;
      const key = partitionKey(batch.topic, batch.partition);
      const leader = this.leaders.get(key);
      if (leader === undefined) {
        parked.results[index] = { topic: batch.topic, partition: batch.partition, batchId: batch.batchId, error: 'NOT_LEADER_OR_FOLLOWER', baseOffset: -1, detail: `NOT_LEADER_OR_FOLLOWER: ${this.self} lost the leadership of ${key} before the ISR had the batch` };
        parked.requiredOffsets[index] = -1;
        return;
      }
      if (leader.highWatermark < required) {
        pending = true;
        return;
      }
      const minIsr = this.settings.minInsyncReplicas(batch.topic);
      const written = this.logOf(batch.topic, batch.partition).batchAt(required - 1);
      parked.results[index] =
        leader.isr.length >= minIsr
          ? { topic: batch.topic, partition: batch.partition, batchId: batch.batchId, error: 'NONE', baseOffset: written?.baseOffset ?? required - batch.records, detail: 'written by every in-sync replica' }
          : {
              topic: batch.topic,
              partition: batch.partition,
              batchId: batch.batchId,
              error: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
              baseOffset: -1,
              detail: `NOT_ENOUGH_REPLICAS_AFTER_APPEND: written, but ${key}'s ISR shrank to ${leader.isr.length} (${leader.isr.join(', ')}), below min.insync.replicas ${minIsr}`,
            };
      parked.requiredOffsets[index] = -1;
    });
    if (pending) return false;
    this.sendProduceResponse(parked, fx);
    return true;
  }

  private respondProduce(parked: ParkedProduce, error: ErrorCode, detail: string, fx: Effects<Message>): void {
    parked.request.batches.forEach((batch, index) => {
      if (parked.requiredOffsets[index]! >= 0) {
        parked.results[index] = { topic: batch.topic, partition: batch.partition, batchId: batch.batchId, error, baseOffset: -1, detail };
        parked.requiredOffsets[index] = -1;
      }
    });
    this.sendProduceResponse(parked, fx);
  }

  private sendProduceResponse(parked: ParkedProduce, fx: Effects<Message>): void {
    const response: ProduceResponse = {
      type: 'ProduceResponse',
      bytes: DATA_HEADER_BYTES + parked.results.length * 24,
      correlationId: parked.request.correlationId,
      results: parked.results as ProducePartitionResult[],
    };
    fx.send(parked.from, response);
  }

  private completeParkedProduces(fx: Effects<Message>): void {
    if (this.parkedProduces.length === 0) return;
    this.parkedProduces = this.parkedProduces.filter((parked) => !this.tryCompleteProduce(parked, fx));
  }

  private failParkedFor(key: string, error: ErrorCode, detail: string, fx: Effects<Message>): void {
    if (this.parkedProduces.length === 0) return;
    for (const parked of this.parkedProduces) {
      parked.request.batches.forEach((batch, index) => {
        if (parked.requiredOffsets[index]! >= 0 && partitionKey(batch.topic, batch.partition) === key) {
          parked.results[index] = { topic: batch.topic, partition: batch.partition, batchId: batch.batchId, error, baseOffset: -1, detail };
          parked.requiredOffsets[index] = -1;
        }
      });
    }
    this.completeParkedProduces(fx);
  }

  // ---- replica fetch, leader side -------------------------------------------------------------

  private handleReplicaFetch(from: string, request: ReplicaFetchRequest, fx: Effects<Message>): void {
    const responses = this.answerFetch(request, fx);
    if (responses.length === 0 && request.partitions.length > 0) {
      // Long poll: nothing new for this follower; hold the fetch until something is, or the wait ends.
      this.parkedFetches.set(request.replicaId, { from, request });
      fx.setTimer(`${TIMER_FETCH_PARK}${request.replicaId}`, this.settings.fetchMaxWaitUs);
      return;
    }
    this.sendFetchResponse(from, request.replicaId, responses, fx);
  }

  /**
   * Answers each partition of a follower's fetch, leaving out the ones with nothing new for it:
   * no records, no divergence, no error, and a high watermark it already has (as Kafka's
   * incremental fetch sessions do, KIP-227).
   */
  private answerFetch(request: ReplicaFetchRequest, fx: Effects<Message>): FetchPartitionResponse[] {
    const responses: FetchPartitionResponse[] = [];
    for (const part of request.partitions) {
      const response = this.answerPartitionFetch(request.replicaId, part, fx);
      if (response.error === 'NONE' && response.batches.length === 0 && response.divergingEpoch === null) {
        const progress = this.leaders.get(part.key)?.followers.get(request.replicaId);
        if (progress !== undefined && progress.sentHighWatermark === response.highWatermark) continue;
      }
      responses.push(response);
    }
    return responses;
  }

  private sendFetchResponse(to: string, replicaId: string, partitions: FetchPartitionResponse[], fx: Effects<Message>): void {
    let bytes = DATA_HEADER_BYTES;
    for (const part of partitions) {
      bytes += 24;
      for (const batch of part.batches) bytes += batch.bytes;
      const leader = this.leaders.get(partitionKey(part.topic, part.partition));
      const progress = leader?.followers.get(replicaId);
      if (progress !== undefined) progress.sentHighWatermark = part.highWatermark;
    }
    this.replicationBytesOut += bytes - DATA_HEADER_BYTES - 24 * partitions.length;
    const response: ReplicaFetchResponse = { type: 'ReplicaFetchResponse', bytes, partitions };
    fx.send(to, response);
  }

  private answerPartitionFetch(replicaId: string, part: FetchPartitionRequest, fx: Effects<Message>): FetchPartitionResponse {
    const leader = this.leaders.get(part.key);
    if (leader === undefined) return fetchError(part, 'NOT_LEADER_OR_FOLLOWER');
    if (part.currentLeaderEpoch < leader.leaderEpoch) return fetchError(part, 'FENCED_LEADER_EPOCH');
    if (part.currentLeaderEpoch > leader.leaderEpoch) return fetchError(part, 'UNKNOWN_LEADER_EPOCH');
    const log = leader.log;
    const progress = leader.followers.get(replicaId);
    if (progress === undefined) return fetchError(part, 'NOT_LEADER_OR_FOLLOWER');
    // KIP-320: the follower's last epoch must end where the leader's log says it does.
    if (part.fetchOffset > log.endOffset || log.epochBefore(part.fetchOffset) !== part.lastFetchedEpoch) {
      const diverging = log.endOffsetForEpoch(part.lastFetchedEpoch);
      return { topic: part.topic, partition: part.partition, error: 'NONE', highWatermark: leader.highWatermark, batches: [], divergingEpoch: diverging };
    }
    // Kafka's Replica.updateFetchState: caught up if it reached the leader's end now, or the end
    // the leader had when it last fetched.
    const leaderEnd = log.endOffset;
    if (part.fetchOffset >= leaderEnd) progress.lastCaughtUpUs = Math.max(progress.lastCaughtUpUs, fx.nowUs);
    else if (part.fetchOffset >= progress.lastFetchLeaderLeo) progress.lastCaughtUpUs = Math.max(progress.lastCaughtUpUs, progress.lastFetchUs);
    progress.lastFetchLeaderLeo = leaderEnd;
    progress.lastFetchUs = fx.nowUs;
    progress.leo = part.fetchOffset;
    this.maybeExpandIsr(leader, replicaId, fx);
    this.maybeAdvanceHighWatermark(leader, fx);
    const batches = part.fetchOffset === leaderEnd ? NO_BATCHES : log.read(part.fetchOffset, this.settings.fetchMaxBytes);
    return { topic: part.topic, partition: part.partition, error: 'NONE', highWatermark: leader.highWatermark, batches, divergingEpoch: null };
  }

  /** Answers parked fetches: those of `only`'s followers, or all of them. */
  private wakeParkedFetches(fx: Effects<Message>, only?: LeaderPartition): void {
    if (this.parkedFetches.size === 0) return;
    const ids = only === undefined ? [...this.parkedFetches.keys()] : [...only.followers.keys()].filter((id) => this.parkedFetches.has(id));
    for (const id of ids) {
      const fetch = this.parkedFetches.get(id)!;
      this.parkedFetches.delete(id);
      fx.cancelTimer(`${TIMER_FETCH_PARK}${id}`);
      this.sendFetchResponse(fetch.from, id, this.answerFetch(fetch.request, fx), fx);
    }
  }

  /** The high watermark: the smallest log end among the ISR (and replicas being added to it). */
  private maybeAdvanceHighWatermark(leader: LeaderPartition, fx: Effects<Message>): void {
    let candidate = leader.log.endOffset;
    for (const id of leader.isr) {
      if (id !== this.self) candidate = Math.min(candidate, leader.followers.get(id)?.leo ?? -1);
    }
    for (const id of leader.pendingAdds) candidate = Math.min(candidate, leader.followers.get(id)?.leo ?? -1);
    if (candidate > leader.highWatermark) {
      leader.highWatermark = candidate;
      this.completeParkedProduces(fx);
      this.wakeParkedFetches(fx, leader);
    }
  }

  // ---- ISR changes ----------------------------------------------------------------------------

  private maybeExpandIsr(leader: LeaderPartition, replicaId: string, fx: Effects<Message>): void {
    if (leader.isr.includes(replicaId) || leader.pendingAdds.has(replicaId) || leader.alterInFlight) return;
    const leo = leader.followers.get(replicaId)?.leo ?? null;
    // Caught up: at or past the high watermark, and past this leader epoch's start (Kafka's isFollowerInSync).
    if (leo === null || leo < leader.highWatermark || leo < leader.epochStartOffset) return;
    if (!this.image.isUsableBroker(replicaId)) return; // KIP-841: never a fenced broker
    leader.pendingAdds.add(replicaId);
    this.alterIsr(leader, leader.replicas.filter((id) => leader.isr.includes(id) || id === replicaId), fx);
    this.isrExpands++;
  }

  private checkIsrExpiry(fx: Effects<Message>): void {
    for (const leader of this.leaders.values()) {
      if (leader.alterInFlight) {
        // The request or its answer was lost (a controller failover, a cut link): try again, as
        // Kafka's AlterPartitionManager does, rather than freezing this partition's ISR.
        if (fx.nowUs - leader.alterSentUs < ALTER_PARTITION_RETRY_US) continue;
        leader.alterInFlight = false;
        leader.pendingAdds.clear();
      }
      // Kafka's ReplicaState.isCaughtUp (core/.../cluster/Replica.scala): a follower whose log
      // ends where the leader's does is in sync however long ago it fetched, so an idle
      // partition keeps a silent follower; fencing by the controller is what removes a dead one.
      const leaderEnd = leader.log.endOffset;
      const lagging = leader.isr.filter((id) => {
        if (id === this.self) return false;
        const progress = leader.followers.get(id);
        if (progress === undefined) return true;
        return progress.leo !== leaderEnd && fx.nowUs - progress.lastCaughtUpUs > this.settings.replicaLagMaxUs;
      });
      if (lagging.length === 0) continue;
      leader.lastShrink = { broker: lagging[0]!, atUs: fx.nowUs };
      this.isrShrinks++;
      fx.note(`${this.self} drops ${lagging.join(', ')} from the ISR of ${leader.key}: not caught up for ${formatSpan(this.settings.replicaLagMaxUs)} (replica.lag.time.max.ms)`);
      this.alterIsr(leader, leader.isr.filter((id) => !lagging.includes(id)), fx);
    }
  }

  private alterIsr(leader: LeaderPartition, newIsr: readonly string[], fx: Effects<Message>): void {
    const controller = this.controller;
    const brokerEpoch = this.brokerEpoch();
    if (controller === null || brokerEpoch === null) {
      leader.pendingAdds.clear();
      return;
    }
    leader.alterInFlight = true;
    leader.alterSentUs = fx.nowUs;
    const request: AlterPartitionRequest = {
      type: 'AlterPartition',
      bytes: DATA_HEADER_BYTES + 32,
      brokerId: this.self,
      brokerEpoch,
      topic: leader.topic,
      partition: leader.partition,
      leaderEpoch: leader.leaderEpoch,
      partitionEpoch: leader.partitionEpoch,
      newIsr,
    };
    fx.send(controller, request);
  }

  /** The active controller, as the broker's metadata fetcher knows it; set by the broker. */
  controller: string | null = null;

  handleAlterPartitionResponse(response: AlterPartitionResponse): void {
    const leader = this.leaders.get(partitionKey(response.topic, response.partition));
    if (leader === undefined) return;
    if (response.error !== 'NONE') {
      // Refused (a newer partition epoch, an ineligible replica): drop the pending change; the next check retries.
      leader.alterInFlight = false;
      leader.pendingAdds.clear();
    }
    // On NONE the change arrives through the metadata log, and becomeLeader takes it.
  }

  // ---- replica fetch, follower side -----------------------------------------------------------

  private sendFetch(leaderId: string, fx: Effects<Message>): void {
    const inFlight = this.fetchInFlight.get(leaderId) ?? null;
    if (inFlight !== null && fx.nowUs - inFlight < this.settings.fetchTimeoutUs) return;
    // A restarted broker follows before it has registered again: its fetches carry no broker epoch yet (-1).
    const brokerEpoch = this.brokerEpoch() ?? -1;
    const partitions: FetchPartitionRequest[] = [];
    let delayedUntilUs = Number.POSITIVE_INFINITY;
    for (const follower of this.followers.values()) {
      if (follower.leader !== leaderId) continue;
      if (follower.delayedUntilUs > fx.nowUs) {
        delayedUntilUs = Math.min(delayedUntilUs, follower.delayedUntilUs);
        continue;
      }
      const log = follower.log;
      partitions.push({
        topic: follower.topic,
        partition: follower.partition,
        key: follower.key,
        fetchOffset: log.endOffset,
        lastFetchedEpoch: log.epochBefore(log.endOffset) ?? log.latestEpoch,
        currentLeaderEpoch: follower.leaderEpoch,
      });
    }
    if (partitions.length === 0) {
      this.fetchInFlight.delete(leaderId);
      // Kafka's fetcher thread waits out the back-off when nothing is fetchable.
      if (delayedUntilUs !== Number.POSITIVE_INFINITY) fx.setTimer(`${TIMER_FETCH_BACKOFF}${leaderId}`, delayedUntilUs - fx.nowUs);
      return;
    }
    this.fetchInFlight.set(leaderId, fx.nowUs);
    const request: ReplicaFetchRequest = { type: 'ReplicaFetch', bytes: DATA_HEADER_BYTES + partitions.length * 32, replicaId: this.self, brokerEpoch, partitions };
    fx.send(leaderId, request);
    fx.setTimer(`${TIMER_FETCH_RETRY}${leaderId}`, this.settings.fetchTimeoutUs);
  }

  handleReplicaFetchResponse(from: string, response: ReplicaFetchResponse, fx: Effects<Message>): void {
    this.fetchInFlight.set(from, null);
    fx.cancelTimer(`${TIMER_FETCH_RETRY}${from}`);
    for (const part of response.partitions) {
      const key = partitionKey(part.topic, part.partition);
      const follower = this.followers.get(key);
      if (follower === undefined || follower.leader !== from) continue;
      if (part.error !== 'NONE') {
        // Kafka's AbstractFetcherThread delays a partition whose fetch failed (a leader that is no
        // longer one, an epoch this broker has not seen yet) by replica.fetch.backoff.ms, rather
        // than asking again at once while its metadata catches up.
        follower.delayedUntilUs = fx.nowUs + this.settings.fetchBackoffUs;
        continue;
      }
      const log = follower.log;
      if (part.divergingEpoch !== null) {
        const ours = log.endOffsetForEpoch(part.divergingEpoch.epoch);
        const to = Math.min(part.divergingEpoch.endOffset, ours.endOffset);
        const removed = log.truncateTo(to);
        if (removed > 0) {
          this.truncatedRecords += removed;
          fx.note(`${this.self} truncated ${removed} record${removed === 1 ? '' : 's'} of ${key} from offset ${to}: they diverged from leader ${from} (leader epoch ${follower.leaderEpoch})`);
        }
        continue;
      }
      for (const batch of part.batches) if (batch.baseOffset === log.endOffset) log.append(batch);
      follower.highWatermark = Math.min(part.highWatermark, log.endOffset);
    }
    this.sendFetch(from, fx);
  }

  // ---- timers ---------------------------------------------------------------------------------

  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (key === TIMER_ISR_CHECK) {
      this.checkIsrExpiry(fx);
      fx.setTimer(TIMER_ISR_CHECK, Math.round(this.settings.replicaLagMaxUs / 2));
    } else if (key === TIMER_WRITEBACK) {
      for (const log of this.disk.logs.values()) log.writeBack(fx.nowUs);
      fx.setTimer(TIMER_WRITEBACK, OS_WRITEBACK_INTERVAL_US);
    } else if (key === TIMER_PRODUCE_TIMEOUT) {
      const expired = this.parkedProduces.filter((parked) => parked.deadlineUs <= fx.nowUs);
      this.parkedProduces = this.parkedProduces.filter((parked) => parked.deadlineUs > fx.nowUs);
      for (const parked of expired) {
        this.respondProduce(parked, 'REQUEST_TIMED_OUT', `REQUEST_TIMED_OUT: the in-sync replicas did not all have the batch within ${formatSpan(parked.request.timeoutUs)}`, fx);
      }
      if (this.parkedProduces.length > 0) fx.setTimer(TIMER_PRODUCE_TIMEOUT, Math.max(1, this.parkedProduces[0]!.deadlineUs - fx.nowUs));
    } else if (key.startsWith(TIMER_FETCH_PARK)) {
      const replicaId = key.slice(TIMER_FETCH_PARK.length);
      const parked = this.parkedFetches.get(replicaId);
      if (parked !== undefined) {
        this.parkedFetches.delete(replicaId);
        this.sendFetchResponse(parked.from, replicaId, this.answerFetch(parked.request, fx), fx);
      }
    } else if (key.startsWith(TIMER_FETCH_BACKOFF)) {
      this.sendFetch(key.slice(TIMER_FETCH_BACKOFF.length), fx);
    } else if (key.startsWith(TIMER_FETCH_RETRY)) {
      const leaderId = key.slice(TIMER_FETCH_RETRY.length);
      this.fetchInFlight.set(leaderId, null);
      this.sendFetch(leaderId, fx);
    } else {
      return false;
    }
    return true;
  }

  // ---- views ----------------------------------------------------------------------------------

  /** The leader epoch this broker leads a partition in (null: it does not lead it), with the broker epoch it registered with. */
  leadership(topic: string, partition: number): { readonly leaderEpoch: number; readonly brokerEpoch: number | null } | null {
    const leader = this.leaders.get(partitionKey(topic, partition));
    return leader === undefined ? null : { leaderEpoch: leader.leaderEpoch, brokerEpoch: this.brokerEpoch() };
  }

  leaderHighWatermark(topic: string, partition: number): number | null {
    return this.leaders.get(partitionKey(topic, partition))?.highWatermark ?? null;
  }

  view(): ReplicaView {
    let underReplicated = 0;
    let underMinIsr = 0;
    for (const leader of this.leaders.values()) {
      if (leader.isr.length < leader.replicas.length) underReplicated++;
      if (leader.isr.length < this.settings.minInsyncReplicas(leader.topic)) underMinIsr++;
    }
    let records = 0;
    let bytes = 0;
    let unflushed = 0;
    for (const log of this.disk.logs.values()) {
      records += log.endOffset - log.logStartOffset;
      unflushed += log.endOffset - log.flushedEndOffset;
      bytes += log.bytes;
    }
    return {
      leaderOf: this.leaders.size,
      followerOf: this.followers.size,
      underReplicated,
      underMinIsr,
      records,
      bytes,
      unflushedRecords: unflushed,
      isrShrinks: this.isrShrinks,
      isrExpands: this.isrExpands,
      truncatedRecords: this.truncatedRecords,
      bytesIn: this.bytesIn,
      messagesIn: this.messagesIn,
      failedProduceRequests: this.failedProduceRequests,
      replicationBytesOut: this.replicationBytesOut,
      parkedProduces: this.parkedProduces.length,
    };
  }
}
