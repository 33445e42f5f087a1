// Fetches that miss the broker's page cache wait for the disk (page-cache.ts says what is resident).
//
// A fetch (a consumer's Fetch, a follower's ReplicaFetch: catching up, or a new replica copying a
// partition after a reassignment) is checked before it is handled: for each partition it reads from
// this broker's log, the closed segments the read would touch that are not resident are page cache
// misses. Then the request waits, as Kafka's request handler blocks in FileRecords reads (and
// sendfile blocks on the missing pages): the device reads the missed bytes, reads one after
// another (DiskDevice.readUs: the access latency plus the bytes at the device's bandwidth), and the
// request is handled when the last completes. By then the segments are resident again, so the
// handler reads them from memory; their bodies, if they were in the ColdStore, come back through
// the cold tier's read barrier: `need` at the completion time when the read starts, `take` when it
// completes. The completion time is simulated, never the store's: the answer leaves at the same
// simulated time in heap and store mode.
//
// Reads are charged per missed segment, up to the fetch's max bytes (a read from the middle of a
// segment is charged as from its start: a bound, not an exact count). Reads share the device with
// its writes and fsyncs: one queue in arrival order (disk.ts DeviceQueue), so a read behind a slow
// write or an fsync waits for it, and the writes behind a read storm wait for the reads.
//
// Two more requests wait here the same way (so nothing reads an evicted body without waiting):
// a follower's ReplicaFetchResponse that truncates strictly inside an evicted segment (submitTruncations),
// and a parked consumer fetch woken to read a segment evicted while it waited (consumer-fetch.ts).
//
// Never: handles a request before its reads complete, or holds more than READS_QUEUED_MAX requests
// (more are dropped: the client times out and fetches again). The queue is memory: a crash loses it
// (page-cache.ts lets go of the bodies it held).

import { TopicSlots } from '../broker/topic-slots';
import { emptyList } from '../sim/lists';
import type { ConsumerFetchRequest } from '../broker/group-protocol';
import type { PartitionLog } from '../broker/partition-log';
import type { ReplicaFetchRequest, ReplicaFetchResponse } from '../broker/protocol';
import type { Effects, Message } from '../sim/process';
import { DeviceQueue, type DeviceOperation, type DiskDevice } from './disk';
import type { CachedSegment, PageCache } from './page-cache';

/** Requests waiting for disk reads at most; more are dropped (the client's request times out, and it fetches again). */
export const READS_QUEUED_MAX = 10_000;
/**
 * Kafka's index.interval.bytes default (log.index.interval.bytes, 4096): the offset index has an
 * entry at least every this many bytes of log, so finding an offset's position reads at most this
 * much of the segment past the index entry. What a truncation's read of an evicted segment costs.
 */
export const INDEX_INTERVAL_BYTES = 4_096;

export interface LocalReadsView {
  /** Requests that waited for a disk read this life, and those waiting now. */
  readonly requestsDelayed: number;
  readonly waiting: number;
  readonly dropped: number;
  /** Follower truncations that waited for a read of an evicted segment (the cut fell inside it). */
  readonly truncationReads: number;
}

export class LocalReads {
  private delayed = 0;
  private dropped = 0;
  private truncationReads = 0;

  constructor(
    private readonly device: DiskDevice,
    private readonly cache: PageCache,
    private readonly logs: ReadonlyMap<string, PartitionLog>,
    /** replica.fetch.max.bytes: what a follower's fetch reads per partition at most. */
    private readonly replicaFetchMaxBytes: number,
    /** The device's queue, shared with the broker's writes (disk.ts); its own when alone (tests). */
    readonly queue = new DeviceQueue(),
  ) {}

  /**
   * The logs found so far, by topic and partition number (topic-slots.ts): an array index per
   * fetched partition instead of a Map lookup by "topic-partition" (~330 k fetches a simulated
   * minute at the reference load). Valid for this object's life, which is its broker's: within a
   * life `logs` only grows (replica-manager.ts makes a partition's log once and keeps it; a replaced
   * disk's logs are cleared while its broker is down, and the next life builds a new LocalReads).
   */
  private readonly found = new TopicSlots<PartitionLog>();

  /** submit's scratch: the segments one request touches and what each is charged (emptied per request). */
  private readonly touched: CachedSegment[] = [];
  private readonly charges: number[] = [];
  private bytes = 0;
  private misses = 0;

  /** Whether a consumer's fetch would read a closed segment the page cache does not hold (nothing counted). */
  wouldMiss(request: ConsumerFetchRequest): boolean {
    for (const part of request.partitions) {
      const segments = this.logOf(part.topic, part.partition, part.key)?.segmentsReadFrom(part.fetchOffset, request.partitionMaxBytes) ?? null;
      if (segments !== null && segments.some((segment) => segment.closed && !segment.resident)) return true;
    }
    return false;
  }

  /** True when `message` waits for disk reads (it is handed back by the timer); false: handle it now. */
  submit(from: string, message: Message, fx: Effects<Message>): boolean {
    // Every closed segment the reads may touch is held (its body stays in the heap) until the
    // request is handled: one resident now may be evicted by then, by other reads completing.
    // The walk fills two scratch arrays (no closure or array per fetch: this runs for every fetch
    // a leader answers); only a request that waits keeps copies of them.
    emptyList(this.touched);
    emptyList(this.charges);
    this.bytes = 0;
    this.misses = 0;
    if (message.type === 'Fetch') {
      const request = message as ConsumerFetchRequest;
      for (const part of request.partitions) this.consider(this.logOf(part.topic, part.partition, part.key), part.fetchOffset, request.partitionMaxBytes);
    } else if (message.type === 'ReplicaFetch') {
      for (const part of (message as ReplicaFetchRequest).partitions) this.consider(this.logOf(part.topic, part.partition, part.key), part.fetchOffset, this.replicaFetchMaxBytes);
    }
    if (this.misses === 0 || this.touched.length === 0) return false;
    return this.wait(from, message, this.touched.slice(), this.charges.slice(), this.bytes, fx);
  }

  /** submit's walk over one partition's segments from `fetchOffset`: each closed segment once, charged a read on a miss. */
  private consider(log: PartitionLog | undefined, fetchOffset: number, maxBytes: number): void {
    const segments = log === undefined ? null : log.segmentsReadFrom(fetchOffset, maxBytes);
    if (segments === null) return;
    for (const segment of segments) {
      if (this.touched.includes(segment)) continue;
      this.touched.push(segment);
      const charge = this.cache.hit(segment) ? 0 : Math.min(segment.bytes, maxBytes);
      if (charge > 0) this.misses++;
      this.charges.push(charge);
      this.bytes += charge;
    }
  }

  /**
   * A follower's ReplicaFetchResponse that makes it truncate (a diverging epoch, KIP-101/279) to
   * an offset strictly inside a closed segment the page cache no longer holds: the truncation must
   * read that segment (Kafka's LogSegment.truncateTo finds the cut's file position with
   * translateOffset: the offset index, then a scan of at most index.interval.bytes of the log), so
   * the response waits for that read, as a fetch that misses does. True when it waits.
   */
  submitTruncations(from: string, response: ReplicaFetchResponse, fx: Effects<Message>): boolean {
    let touched: CachedSegment[] | null = null;
    const charges: number[] = [];
    let bytes = 0;
    for (const part of response.partitions) {
      if (part.divergingEpoch === null || part.error !== 'NONE') continue;
      const log = this.logOf(part.topic, part.partition, part.key);
      if (log === undefined) continue;
      // The cut replica-manager.ts's handleReplicaFetchResponse will make (the same formula).
      const to = Math.min(part.divergingEpoch.endOffset, log.endOffsetForEpoch(part.divergingEpoch.epoch).endOffset);
      const segment = log.evictedSegmentToTruncate(to);
      if (segment === null || (touched !== null && touched.includes(segment))) continue;
      (touched ??= []).push(segment);
      const charge = Math.min(segment.bytes, INDEX_INTERVAL_BYTES);
      charges.push(charge);
      bytes += charge;
    }
    if (touched === null) return false;
    this.truncationReads++;
    return this.wait(from, response, touched, charges, bytes, fx);
  }

  /** A partition's log on this broker, if it has one (see `found`); `key` is its "topic-partition", asked of `logs` only until the log is found. */
  private logOf(topic: string, partition: number, key: string): PartitionLog | undefined {
    const found = this.found.at(topic, partition);
    if (found !== undefined) return found;
    const log = this.logs.get(key);
    if (log !== undefined) this.found.set(topic, partition, log); // not made yet: asked again next time
    return log;
  }


  private wait(from: string, message: Message, segments: readonly CachedSegment[], charges: readonly number[], bytes: number, fx: Effects<Message>): boolean {
    if (this.queue.readsWaiting >= READS_QUEUED_MAX) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1_000 === 0) fx.note(`${fx.self} has ${READS_QUEUED_MAX} fetches waiting for disk reads; it drops ${message.type} from ${from} (${this.dropped} so far)`);
      return true;
    }
    const doneUs = this.queue.enqueue(from, message, this.device.readUs(bytes), segments, fx);
    segments.forEach((segment, index) => (charges[index]! > 0 ? this.cache.beginRead(segment, charges[index]!, doneUs) : this.cache.hold(segment)));
    this.delayed++;
    return true;
  }

  /** A read the device completed (DeviceQueue's timer): the request is handled, its segments resident again. */
  complete(read: DeviceOperation, deliver: (from: string, message: Message) => void): void {
    const segments = read.segments ?? [];
    for (const segment of segments) this.cache.finishRead(segment);
    deliver(read.from, read.message);
    for (const segment of segments) this.cache.endRead(segment);
  }

  /** The device timer when only reads use the queue (tests). */
  handleTimer(fx: Effects<Message>, deliver: (from: string, message: Message) => void): void {
    this.queue.handleTimer(fx, (operation) => this.complete(operation, deliver));
  }

  view(): LocalReadsView {
    return { requestsDelayed: this.delayed, waiting: this.queue.readsWaiting, dropped: this.dropped, truncationReads: this.truncationReads };
  }
}
