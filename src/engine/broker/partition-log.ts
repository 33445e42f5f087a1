// One replica's log of one partition, on one broker's disk: a list of segments holding batches at
// offsets, the leader epoch that wrote each, and the leader epoch cache Kafka keeps beside it
// (leader-epoch-checkpoint) to answer "where did epoch E end in your log?" (KIP-101), which finds a
// follower's divergence.
//
// Segments, as Kafka's LogSegment: the last segment is the active one, the only one written. It
// rolls (is closed, and a new one opens at the log end) when the next batch would overflow
// segment.bytes, or when that batch's timestamp is more than segment.ms after the segment's first
// batch (LogSegment.shouldRoll / timeWaitedForRoll, KIP-33). A closed segment is immutable and
// known by its base offset (Kafka names its files by it): tiered storage (issue 6) uploads closed
// segments. Only a truncation below a closed segment's end replaces it, by a new active segment.
//
// Retention, as Kafka's UnifiedLog.deleteOldSegments, run by the broker every
// log.retention.check.interval.ms: whole segments go from the oldest, while past retention.ms (by
// the largest timestamp in the segment) or beyond retention.bytes, never at or past the high
// watermark, never the active segment; the log start offset moves to the first segment left.
// Timestamps are the producer's (message.timestamp.type=CreateTime, Kafka's default).
//
// Tiered storage (KIP-405, Kafka's UnifiedLog with remote storage): with remote.storage.enable
// the log has two starts. The log start offset is where the whole log begins, remote part included;
// the local log start offset is where this disk's segments begin. Local retention
// (local.retention.ms / .bytes) deletes a closed segment only once the remote tier holds it
// (its last offset at or below highestOffsetInRemoteStorage, UnifiedLog.deleteOldSegments'
// isSegmentEligibleForDeletion); that moves only the local log start. The remote tier's segment
// metadata (RemoteLogSegmentMetadata) is kept here too, as each broker's cache of Kafka's
// __remote_log_metadata topic: see remote-log-manager.ts for how it travels.
//
// Durability, as Kafka's defaults have it: Kafka never fsyncs (flush.messages and flush.ms are
// unbounded) and leaves writeback to the operating system, which writes back pages that have been
// dirty for 30 s, every 5 s (Linux dirty_expire_centisecs / dirty_writeback_centisecs). A machine
// crash or a power loss loses what was not written back; replication, not the disk, is what
// protects acknowledged data.
//
// Flushes (fsync) happen only when a topic asks for them, as Kafka's UnifiedLog does:
//   flush.messages  after an append leaves at least that many messages unflushed
//                   (UnifiedLog.append: `if (unflushedMessages >= config.flushInterval) flush()`);
//   flush.ms        when the broker's log flusher finds the last flush that long ago
//                   (LogManager.flushDirtyLogs, run by ReplicaManager's flush timer here);
//   a roll          flushes the segment it closes (UnifiedLog.roll schedules
//                   flushUptoOffsetExclusive(newSegment.baseOffset) at once).
// A flush makes everything up to the offset durable at once. What it costs the disk is charged by
// the broker's DiskWriteQueue (storage/disk.ts), not here. Unflushed bytes are counted as they
// change, so views never walk the log.
// This file never reads a clock: times arrive as arguments.

import { objectList } from '../sim/lists';
import type { TimeUs } from '../sim/time';
import type { CachedSegment, PageCache } from '../storage/page-cache';
import { RemoteSegmentTable } from '../storage/remote-segments';
import type { LogBatch } from './protocol';

/** Linux's dirty_expire_centisecs (3000): a page is written back once dirty this long. */
export const OS_DIRTY_EXPIRE_US = 30_000_000;
/** Linux's dirty_writeback_centisecs (500): the writeback thread wakes this often. */
export const OS_WRITEBACK_INTERVAL_US = 5_000_000;
/**
 * A safety bound, not Kafka's: batches one replica keeps at most. Retention is what bounds a log;
 * with Kafka's defaults (7 days, 1 GiB segments) a long session at high rate would still fill the
 * host's memory, so the retention check also deletes the oldest closed segments (below the high
 * watermark) while the log holds more than this. Counted apart (`deletedBySafetyBound`).
 */
export const BATCHES_MAX = 200_000;

/** Kafka keeps the last 5 batches per producer to recognise retried duplicates (ProducerStateEntry). */
export const PRODUCER_BATCHES_KEPT = 5;

const HOUR_US = 3_600_000_000;

/** Batches a lookup walks back from a segment's end before it searches the segment (Segment.indexNearEnd). */
const NEAR_END_BATCHES = 8;

/**
 * PartitionLog.read's scratch list, shared by every log: a read is synchronous and never nests, and
 * the list is empty between reads. Keeping it saves each read the growth of a fresh array.
 */
const readScratch: LogBatch[] = [];

/** readCommitted's answer with no batch. */
const NO_BATCHES_READ: readonly LogBatch[] = [];

/** producerBatches' answer for a producer the log has no batch of. */
const NO_PRODUCER_BATCHES: readonly ProducerBatchRef[] = [];

/** A topic's log settings (topic config, else the broker's log.* default), in µs and bytes. */
export interface LogConfig {
  /** segment.bytes (log.segment.bytes, 1 GiB). */
  readonly segmentBytes: number;
  /** segment.ms (log.roll.ms / log.roll.hours, 168 h). */
  readonly segmentUs: TimeUs;
  /** retention.ms (log.retention.ms / log.retention.hours, 168 h); negative: no limit. */
  readonly retentionUs: TimeUs;
  /** retention.bytes (log.retention.bytes, -1); negative: no limit. */
  readonly retentionBytes: number;
  /** KIP-405 remote.storage.enable: closed segments are uploaded and local retention applies (absent: false). */
  readonly remoteStorageEnable?: boolean;
  /** KIP-405 local.retention.ms, resolved (-2 already replaced by retention.ms); negative: no limit. */
  readonly localRetentionUs?: TimeUs;
  /** KIP-405 local.retention.bytes, resolved (-2 already replaced by retention.bytes); negative: no limit. */
  readonly localRetentionBytes?: number;
  /** flush.messages (log.flush.interval.messages): fsync once this many messages are unflushed; absent: never (Kafka's Long.MAX_VALUE). */
  readonly flushIntervalMessages?: number;
  /** flush.ms (log.flush.interval.ms): the log flusher fsyncs a log last flushed this long ago; absent: never. */
  readonly flushUs?: TimeUs;
}

/** Why a log lost its unflushed tail: the machine crashed (the page cache went with it), or the power went. */
export type UnflushedLossCause = 'crash' | 'power-loss';

/** Kafka's defaults: 1 GiB segments rolled after 7 days, kept 7 days, no size limit. */
export const DEFAULT_LOG_CONFIG: LogConfig = { segmentBytes: 1_073_741_824, segmentUs: 168 * HOUR_US, retentionUs: 168 * HOUR_US, retentionBytes: -1 };

/** RemoteLogSegmentMetadata's states (KIP-405 RemoteLogSegmentState), in the order a segment goes through them. */
export type RemoteSegmentState = 'COPY_SEGMENT_STARTED' | 'COPY_SEGMENT_FINISHED' | 'DELETE_SEGMENT_STARTED' | 'DELETE_SEGMENT_FINISHED';

/** KIP-405's RemoteLogSegmentMetadata: one segment in the remote tier. Immutable: a state change makes a new one. */
export interface RemoteLogSegmentMetadata {
  /** The object's key: "topic-partition/baseOffset-leaderEpoch.log". */
  readonly objectKey: string;
  readonly baseOffset: number;
  /** The segment's last offset, inclusive (as Kafka's RemoteLogSegmentMetadata.endOffset). */
  readonly endOffset: number;
  /** The leader epoch of the broker that copied it. */
  readonly leaderEpoch: number;
  /** The leader epochs in the segment and where each starts (segmentLeaderEpochs). */
  readonly segmentLeaderEpochs: readonly EpochEntry[];
  readonly segmentSizeInBytes: number;
  /** The largest batch timestamp in it (total retention.ms counts from this). */
  readonly maxTimestampUs: TimeUs;
  readonly state: RemoteSegmentState;
}

export interface ProducerBatchRef {
  readonly baseSequence: number;
  readonly records: number;
  readonly baseOffset: number;
}

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** A segment as others may see it: read-only. Closed segments never change. */
export interface SegmentView {
  /** "topic-partition@baseOffset", as Kafka names segment files by base offset. */
  readonly id: string;
  readonly baseOffset: number;
  /** The offset after its last batch. */
  readonly endOffset: number;
  readonly bytes: number;
  readonly batchCount: number;
  /** Timestamp of its first batch (Kafka's rollingBasedTimestamp), or null while empty. */
  readonly firstTimestampUs: TimeUs | null;
  /** The largest batch timestamp in it (retention.ms counts from this), or null while empty. */
  readonly largestTimestampUs: TimeUs | null;
  readonly closed: boolean;
  readonly batches: readonly LogBatch[];
}

class Segment implements SegmentView, CachedSegment {
  /** The batches; null while the segment is evicted and its body is in the ColdStore (page-cache.ts). */
  body: LogBatch[] | null = objectList<LogBatch>();
  bytes = 0;
  endOffset: number;
  firstTimestampUs: TimeUs | null = null;
  largestTimestampUs: TimeUs | null = null;
  closed = false;
  /** Kept beside the body so counts and the epoch at its end never need it. */
  batchCount = 0;
  lastEpoch = 0;
  lastBatchBaseOffset = 0;
  // The page cache's state (page-cache.ts); without a cache a segment is always resident.
  resident = true;
  stored = false;
  dropped = false;
  readsPending = 0;

  constructor(
    readonly id: string,
    readonly baseOffset: number,
    readonly storeKey: string,
    private readonly owner: PartitionLog,
  ) {
    this.endOffset = baseOffset;
    // Fields first changed minutes into a run (a roll, the page cache's eviction and drop), stored
    // once more here so that V8 knows them mutable before any code is optimized (see markedMutable).
    this.closed = true;
    this.closed = false;
    this.resident = false;
    this.resident = true;
    this.dropped = true;
    this.dropped = false;
    const body = this.body;
    this.body = null;
    this.body = body;
  }

  /** The batches, loaded at once if the body is in the store (reads that must wait go through local-reads.ts). */
  get batches(): readonly LogBatch[] {
    return this.body ?? this.owner.loadBody(this);
  }

  offloadable(): boolean {
    return this.owner.segmentOffloadable(this);
  }

  push(batch: LogBatch): void {
    this.body!.push(batch);
    this.batchCount++;
    this.lastEpoch = batch.epoch;
    this.lastBatchBaseOffset = batch.baseOffset;
    this.bytes += batch.bytes;
    this.endOffset = batch.baseOffset + batch.records;
    if (this.firstTimestampUs === null) this.firstTimestampUs = batch.createdUs;
    if (this.largestTimestampUs === null || batch.createdUs > this.largestTimestampUs) this.largestTimestampUs = batch.createdUs;
  }

  /** Kafka's LogSegment.shouldRoll for the next batch (index limits aside: there are no index files here). */
  shouldRoll(batch: LogBatch, config: LogConfig): boolean {
    if (this.batchCount === 0) return false;
    return this.bytes > config.segmentBytes - batch.bytes || batch.createdUs - this.firstTimestampUs! > config.segmentUs;
  }

  /**
   * indexContaining, looking back from the last batch first: followers (the leader checks the epoch
   * before their fetch offset) and readers at the tail ask about offsets a few batches from the end,
   * where a binary search over a few hundred batches would touch eight of them.
   */
  indexNearEnd(offset: number, batches: readonly LogBatch[]): number {
    const last = batches.length - 1;
    for (let index = last; index >= 0 && index > last - NEAR_END_BATCHES; index--) {
      const batch = batches[index]!;
      if (offset >= batch.baseOffset) return offset < batch.baseOffset + batch.records ? index : -1; // past it: in no batch
    }
    return this.indexContaining(offset, batches);
  }

  /** Index of the batch containing `offset`, by binary search; -1 if none. */
  indexContaining(offset: number, batches: readonly LogBatch[] = this.batches): number {
    let low = 0;
    let high = batches.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const batch = batches[mid]!;
      if (offset < batch.baseOffset) high = mid - 1;
      else if (offset >= batch.baseOffset + batch.records) low = mid + 1;
      else return mid;
    }
    return -1;
  }
}

/** What one retention check deleted. */
export interface RetentionResult {
  readonly segments: number;
  readonly records: number;
  readonly bytes: number;
}

export class PartitionLog {
  /**
   * Where peekBatchAt last found a batch (its segment's base offset and its index in the body): its
   * next question is usually the batch after. Numbers, not the segment: a segment deleted since is
   * not kept in memory for it.
   */
  private peekedSegmentBase = -1;
  private peekedIndex = -1;
  /** Oldest first; never empty: the last is the active segment. */
  private segments: Segment[];
  /**
   * The last of `segments`, kept in a field (syncActive after every change to the list's end): every
   * append asks it twice, and `segments[segments.length - 1]` costs two loads that miss the CPU's cache.
   */
  private activeSegment: Segment;
  /** The local log start offset: the first offset on this disk (KIP-405's localLogStartOffset). */
  private startOffset = 0;
  /** The log start offset, remote tier included; equal to startOffset unless the log is tiered. */
  private globalStart = 0;
  /** The remote tier's segments, oldest first, as this broker knows them (an immutable table, replaced whole). */
  private remote: RemoteSegmentTable;
  /** Epoch of the record just before the log start (0 at offset 0; -1 after a full truncation: unknown). */
  private epochBeforeStart = 0;
  /** The offset the next batch gets (kept, not recomputed: followers and fetches ask for it constantly). */
  private end = 0;
  /** Epoch of the last batch, or null while the log holds none (kept for epochBefore(end), asked at every fetch). */
  private lastBatchEpoch: number | null = null;
  /** Everything below this offset is on disk for sure; above it lives in the page cache (Kafka's recoveryPoint). */
  private flushedOffset = 0;
  /** Bytes of the batches at and above flushedOffset (kept as they change). */
  private dirtyBytes = 0;
  /** When the log was last flushed (Kafka's lastFlushTime), or -1 before its first append. */
  private lastFlushUs: TimeUs = -1;
  private flushes = 0;
  private recordsLostToPowerLoss = 0;
  /** The leader epoch cache: the first offset written in each epoch, ascending. Replaced or pushed to only through setEpochs / assignEpoch. */
  private epochs: EpochEntry[] = [];
  /** The last entry's epoch (-1 when empty), kept with `epochs`: every append asks it, and the array is rarely in the CPU's cache. */
  private lastEntryEpoch = -1;
  /** Per producer id, its newest batches (Kafka's producer state, rebuilt from the log after a truncation). */
  private producers = new Map<number, ProducerBatchRef[]>();
  /**
   * The producer of the batch remembered last and its list in `producers` (-1, null: none): a
   * partition's consecutive batches mostly come from one producer, so an append and a produce's
   * sequence check find its list without a Map lookup. Reset with `producers` (resetProducers).
   */
  private lastProducerId = -1;
  private lastProducerList: ProducerBatchRef[] | null = null;
  private totalBytes = 0;
  private totalBatches = 0;
  private recordsLostToCrashes = 0;
  private rolls = 0;
  private deletedSegments = 0;
  private deletedRecords = 0;
  private deletedBySafety = 0;
  /**
   * The last read of the active segment alone (its offset, its byte limit, the list it returned),
   * kept until the log next changes (forgetReads): at the tail one appended batch is read by each
   * follower and each consumer group, all from the same offset (the reference reads 338,000 times
   * a simulated minute, 264,000 of them a repeat of the read before on the same log), and a repeat
   * returns the same list. Only a read of the active segment is kept: a read of a closed one moves
   * it in the page cache (touch), which a repeat must do again. Readers never change the list.
   */
  private sharedReadOffset = -1;
  private sharedReadMaxBytes = -1;
  private sharedRead: readonly LogBatch[] | null = null;
  /** readCommitted's last answer from the active segment, likewise (its high watermark and the batches it held back too). */
  private committedOffset = -1;
  private committedMaxBytes = -1;
  private committedHighWatermark = -1;
  private committedRead: readonly LogBatch[] | null = null;
  private committedHeldBack = 0;
  /** Batches above the high watermark that the last readCommitted read and left out. */
  heldBackByLastRead = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly config: LogConfig = DEFAULT_LOG_CONFIG,
    /** The broker machine's page cache (page-cache.ts); null: every segment is always resident (tests, no broker). */
    private readonly cache: PageCache | null = null,
  ) {
    this.internal = topic.startsWith('__');
    this.segments = [this.newSegment(0)];
    this.activeSegment = this.segments[0]!;
    this.remote = RemoteSegmentTable.empty(`${topic}-${partition}`);
    this.markedMutable();
  }

  /**
   * Stores once more (first another value, then their own) the fields that first change only when
   * retention first deletes a segment (minutes into a run). V8 treats a field as constant until a
   * store changes it, and optimized code may rely on that (loads kept across calls); the first
   * change then throws that code away. In the reference bench the first retention deletion (and the
   * first roll, for Segment's fields) deoptimized ~25 hot functions at once, the leader's and the
   * follower's fetch handlers among them, each compiled again. Stored here, before any code is
   * optimized, they are mutable from the first log on. Values are unchanged.
   */
  private markedMutable(): void {
    this.startOffset = -1;
    this.startOffset = 0;
    this.globalStart = -1;
    this.globalStart = 0;
    this.epochBeforeStart = -1;
    this.epochBeforeStart = 0;
    const epochs = this.epochs;
    this.epochs = [];
    this.epochs = epochs;
    // The kept reads' fields (sharedRead), which change at the first read. A byte limit may be
    // Infinity (the group coordinator reads its whole log): a double from the start, so that the
    // first such read does not change every log's hidden class under optimized code.
    this.sharedReadOffset = 0;
    this.sharedReadOffset = -1;
    this.sharedReadMaxBytes = Number.POSITIVE_INFINITY;
    this.sharedReadMaxBytes = -1;
    this.sharedRead = NO_BATCHES_READ;
    this.sharedRead = null;
    this.committedOffset = 0;
    this.committedOffset = -1;
    this.committedMaxBytes = Number.POSITIVE_INFINITY;
    this.committedMaxBytes = -1;
    this.committedHighWatermark = 0;
    this.committedHighWatermark = -1;
    this.committedRead = NO_BATCHES_READ;
    this.committedRead = null;
    this.committedHeldBack = 1;
    this.committedHeldBack = 0;
    this.heldBackByLastRead = 1;
    this.heldBackByLastRead = 0;
  }

  /** Internal topics (__consumer_offsets) are read synchronously by the group coordinator: their bodies stay in the heap. */
  private readonly internal: boolean;

  /** A segment's body when it is in the store: read at once (page-cache.ts counts it; throws if the store cannot). */
  loadBody(segment: Segment): LogBatch[] {
    return this.cache!.bodyOf(segment);
  }

  /** Whether an evicted segment's body may leave the heap now: not internal, and uploaded when tiered (the upload reads it). */
  segmentOffloadable(segment: Segment): boolean {
    if (this.internal) return false;
    return !this.tiered || segment.endOffset - 1 <= this.highestOffsetInRemoteStorage;
  }

  /**
   * The closed segments a read from `offset` of up to `maxBytes` may touch (a fetch asks before it
   * reads: those the page cache does not hold are misses, local-reads.ts), or null when it reads
   * only the active segment, which is always resident.
   */
  segmentsReadFrom(offset: number, maxBytes: number): CachedSegment[] | null {
    if (this.cache === null || offset < this.startOffset || offset >= this.end || offset >= this.active.baseOffset) return null;
    const touched: CachedSegment[] = [];
    // The first segment counts as empty: where `offset` falls in it is not known without its body,
    // so the walk goes at least as far as the read will (one segment more at worst).
    let bytes = 0;
    for (let index = Math.max(0, this.segmentIndexOf(offset)), first = true; index < this.segments.length - 1 && bytes <= maxBytes; index++, first = false) {
      const segment = this.segments[index]!;
      touched.push(segment);
      if (!first) bytes += segment.bytes;
    }
    return touched;
  }

  /** The log start offset (Kafka's logStartOffset): the whole log's, remote tier included. */
  get logStartOffset(): number {
    return this.globalStart;
  }

  /** The local log start offset (KIP-405): the first offset still on this disk. */
  get localLogStartOffset(): number {
    return this.startOffset;
  }

  get tiered(): boolean {
    return this.config.remoteStorageEnable === true;
  }

  /** The remote tier's segments as this broker knows them, oldest first. */
  remoteSegments(): RemoteSegmentTable {
    return this.remote;
  }

  /** Replaces this broker's copy of the remote segment metadata (the leader's RemoteLogManager, or a follower learning it). */
  setRemoteSegments(segments: RemoteSegmentTable): void {
    this.remote = segments;
  }

  /** KIP-405's highestOffsetInRemoteStorage: the last offset of the last copied segment, or -1. */
  get highestOffsetInRemoteStorage(): number {
    return this.remote.highestCopiedOffset;
  }

  get endOffset(): number {
    return this.end;
  }

  get flushedEndOffset(): number {
    return this.flushedOffset;
  }

  /** Kafka's unflushedMessages: logEndOffset - recoveryPoint. */
  get unflushedMessages(): number {
    return this.end - this.flushedOffset;
  }

  /** Bytes in the page cache that no flush or writeback has put on disk yet. */
  get unflushedBytes(): number {
    return this.dirtyBytes;
  }

  /** Flushes (fsyncs) this log made: by flush.messages, flush.ms, a roll, or a controlled shutdown. */
  get flushCount(): number {
    return this.flushes;
  }

  /** When this log was last flushed; -1 before its first append. */
  get lastFlushTimeUs(): TimeUs {
    return this.lastFlushUs;
  }

  get latestEpoch(): number {
    return this.lastEntryEpoch < 0 ? 0 : this.lastEntryEpoch;
  }

  get batchCount(): number {
    return this.totalBatches;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** The segments, oldest first; the last is the active one. */
  segmentViews(): readonly SegmentView[] {
    return this.segments;
  }

  /** Segments rolled, and segments and records deleted by retention (and the safety bound) in this log's life on disk. */
  get stats(): { readonly rolls: number; readonly deletedSegments: number; readonly deletedRecords: number; readonly deletedBySafetyBound: number } {
    return { rolls: this.rolls, deletedSegments: this.deletedSegments, deletedRecords: this.deletedRecords, deletedBySafetyBound: this.deletedBySafety };
  }

  epochCache(): readonly EpochEntry[] {
    return this.epochs;
  }

  /** A producer's newest batches in this log, oldest first (at most PRODUCER_BATCHES_KEPT). */
  producerBatches(producerId: number): readonly ProducerBatchRef[] {
    if (producerId === this.lastProducerId) return this.lastProducerList!;
    return this.producers.get(producerId) ?? NO_PRODUCER_BATCHES;
  }

  private newSegment(baseOffset: number): Segment {
    const key = this.cache === null ? '' : this.cache.keyFor(`${this.topic}-${this.partition}`, baseOffset);
    return new Segment(`${this.topic}-${this.partition}@${baseOffset}`, baseOffset, key, this);
  }

  /** A read of a closed segment: the page cache moves it last (or makes it resident again). */
  private touch(segment: Segment): void {
    if (segment.closed && this.cache !== null) this.cache.touch(segment);
  }

  private get active(): Segment {
    return this.activeSegment;
  }

  /** Takes the active segment again from the list, after its end changed. */
  private syncActive(): void {
    this.activeSegment = this.segments[this.segments.length - 1]!;
  }

  private remember(batch: LogBatch): void {
    if (batch.producerId < 0) return;
    // The batch itself serves as the reference (it carries the sequence, count and offset): no copy per append.
    let list = batch.producerId === this.lastProducerId ? this.lastProducerList : this.producers.get(batch.producerId);
    if (list === undefined || list === null) {
      list = [batch];
      this.producers.set(batch.producerId, list);
    } else {
      list.push(batch);
      if (list.length > PRODUCER_BATCHES_KEPT) list.shift();
    }
    this.lastProducerId = batch.producerId;
    this.lastProducerList = list;
  }

  /** Forgets every producer's batches (they are rebuilt from the log, or the log restarts empty). */
  private resetProducers(): void {
    this.producers = new Map();
    this.lastProducerId = -1;
    this.lastProducerList = null;
  }

  private setEpochs(epochs: EpochEntry[]): void {
    this.epochs = epochs;
    this.lastEntryEpoch = epochs.length === 0 ? -1 : epochs[epochs.length - 1]!.epoch;
  }

  /** As a new leader: the epoch starts at the current end (Kafka's leaderEpochCache.assign on become-leader). */
  assignEpoch(epoch: number): void {
    if (this.lastEntryEpoch >= epoch) return; // never true of an empty cache (-1)
    this.epochs.push({ epoch, startOffset: this.endOffset });
    this.lastEntryEpoch = epoch;
  }

  /** Appends a batch at exactly the log end (the leader assigns the offset; a follower copies it), rolling first if due. */
  append(batch: LogBatch): void {
    if (batch.baseOffset !== this.end) {
      throw new Error(`${this.topic}-${this.partition}: append at ${batch.baseOffset}, but the log ends at ${this.end}`);
    }
    this.forgetReads();
    if (batch.epoch < this.latestEpoch) {
      // A follower copying older-epoch batches past an epoch it led without writing in it: that
      // empty epoch goes (Kafka's LeaderEpochFileCache.assign drops non-monotonic entries).
      this.setEpochs(this.epochs.filter((entry) => entry.epoch <= batch.epoch || entry.startOffset < batch.baseOffset));
    }
    this.assignEpoch(batch.epoch);
    if (this.active.shouldRoll(batch, this.config)) this.roll();
    if (this.lastFlushUs < 0) this.lastFlushUs = batch.appendedUs; // Kafka starts lastFlushTime when the log is created
    this.active.push(batch);
    this.end = batch.baseOffset + batch.records;
    this.lastBatchEpoch = batch.epoch;
    this.dirtyBytes += batch.bytes;
    this.totalBytes += batch.bytes;
    this.totalBatches++;
    this.remember(batch);
  }

  /**
   * Closes the active segment and opens a new one at the log end (Kafka's UnifiedLog.roll), which
   * flushes the closed segment (flushUptoOffsetExclusive(newSegment.baseOffset), scheduled at once).
   */
  roll(): void {
    if (this.active.batchCount === 0) return; // an empty active segment stays the active one
    this.forgetReads();
    const closing = this.active;
    closing.closed = true;
    this.segments.push(this.newSegment(this.end));
    this.syncActive();
    this.cache?.closed(closing);
    this.rolls++;
    if (this.flushedOffset < this.end) {
      this.flushedOffset = this.end;
      this.dirtyBytes = 0;
    }
  }

  /**
   * Batches from `offset` (which must start a batch or be the end), up to `maxBytes` (at least one
   * batch): a list of exactly those, shared with the same read again until the log changes (see
   * sharedRead): read-only for every reader.
   */
  read(offset: number, maxBytes: number): readonly LogBatch[] {
    const shared = this.sharedRead;
    if (shared !== null && offset === this.sharedReadOffset && maxBytes === this.sharedReadMaxBytes) return shared;
    const result = this.readFresh(offset, maxBytes);
    if (offset >= this.activeSegment.baseOffset) {
      this.sharedReadOffset = offset;
      this.sharedReadMaxBytes = maxBytes;
      this.sharedRead = result;
    }
    return result;
  }

  /**
   * A consumer's read (isolation by the high watermark): the batches from the one holding `offset`
   * (a committed offset may fall inside a batch), only those wholly below `highWatermark` (a batch
   * is committed as a whole). A consumer's offset is nearly always a batch's base (the end of the
   * batch it read last), so the log is read from it first, and the batch holding it looked up only
   * if that finds nothing (the same segments are touched in the page cache either way). Shared as
   * `read`'s lists are (the groups of a partition read it at the same offset at each high
   * watermark move); `heldBackByLastRead` is how many batches read were above the high watermark.
   */
  readCommitted(offset: number, maxBytes: number, highWatermark: number): readonly LogBatch[] {
    const shared = this.committedRead;
    if (shared !== null && offset === this.committedOffset && maxBytes === this.committedMaxBytes && highWatermark === this.committedHighWatermark) {
      this.heldBackByLastRead = this.committedHeldBack;
      return shared;
    }
    let readFrom = offset;
    let read = this.read(offset, maxBytes);
    if (read.length === 0) {
      const holding = this.batchAt(offset);
      if (holding === undefined || holding.baseOffset === offset) {
        read = NO_BATCHES_READ;
      } else {
        readFrom = holding.baseOffset;
        read = this.read(readFrom, maxBytes);
      }
    }
    let keep = read.length;
    while (keep > 0 && read[keep - 1]!.baseOffset + read[keep - 1]!.records > highWatermark) keep--;
    const heldBack = read.length - keep;
    const committed = keep === read.length ? read : keep === 0 ? NO_BATCHES_READ : read.slice(0, keep);
    this.heldBackByLastRead = heldBack;
    if (readFrom >= this.activeSegment.baseOffset) {
      this.committedOffset = offset;
      this.committedMaxBytes = maxBytes;
      this.committedHighWatermark = highWatermark;
      this.committedRead = committed;
      this.committedHeldBack = heldBack;
    }
    return committed;
  }

  /** The log changed: no read is repeated from a kept list. */
  private forgetReads(): void {
    this.sharedRead = null;
    this.committedRead = null;
  }

  /** read's walk into a new array. */
  private readFresh(offset: number, maxBytes: number): LogBatch[] {
    const scratch = readScratch;
    while (scratch.length > 0) scratch.pop(); // empty already, unless a read threw (a body the store could not load)
    this.collect(offset, maxBytes, scratch);
    // A copy of its exact size (a read is usually one or two batches; pushing into a new array allocated room for 17).
    const result = scratch.slice();
    while (scratch.length > 0) scratch.pop(); // popped, not `length = 0`, which drops the backing store
    return result;
  }

  /** read's walk: pushes the batches it returns onto `result` (empty on entry). */
  private collect(offset: number, maxBytes: number, result: LogBatch[]): void {
    if (offset < this.startOffset || offset >= this.end) return;
    let segmentIndex = this.segmentIndexOf(offset);
    if (segmentIndex < 0) return;
    const first = this.segments[segmentIndex]!;
    this.touch(first);
    const firstBatches = first.batches;
    let index = first.indexNearEnd(offset, firstBatches);
    if (index < 0 || firstBatches[index]!.baseOffset !== offset) return;
    let bytes = 0;
    for (; segmentIndex < this.segments.length; segmentIndex++, index = 0) {
      const segment = this.segments[segmentIndex]!;
      if (index === 0) {
        if (result.length > 0 && bytes >= maxBytes) return; // full: the next segment is not read
        this.touch(segment);
      }
      const batches = segment.batches;
      for (; index < batches.length; index++) {
        const batch = batches[index]!;
        if (result.length > 0 && bytes + batch.bytes > maxBytes) return;
        result.push(batch);
        bytes += batch.bytes;
      }
    }
  }

  /** The batch holding `offset`, if this log has it (nothing below the log start). */
  batchAt(offset: number): LogBatch | undefined {
    if (offset < this.startOffset) return undefined;
    const segmentIndex = this.segmentIndexOf(offset);
    if (segmentIndex < 0) return undefined;
    const segment = this.segments[segmentIndex]!;
    this.touch(segment);
    const batches = segment.batches;
    const index = segment.indexNearEnd(offset, batches); // asked mostly near the end (a completed produce's batch)
    return index < 0 ? undefined : batches[index];
  }

  /**
   * The batch holding `offset` for an observer (the durability checker): no page cache touch, and
   * `unreadable` when its segment's body is in a store that cannot read at once.
   */
  peekBatchAt(offset: number): LogBatch | undefined | 'unreadable' {
    if (offset < this.startOffset) return undefined;
    const segmentIndex = this.segmentIndexOf(offset);
    if (segmentIndex < 0) return undefined;
    const segment = this.segments[segmentIndex]!;
    const batches = segment.body ?? this.cache!.peekBody(segment);
    if (batches === null) return 'unreadable';
    // The checker asks in offset order: the batch after the last one found is tried first (one
    // batch read instead of a binary search's dozen over a segment of thousands). Checked against
    // the body as it is now, so a truncation since cannot make it answer a batch no longer there.
    const next = this.peekedIndex + 1;
    const index = segment.baseOffset === this.peekedSegmentBase && next < batches.length && batches[next]!.baseOffset === offset ? next : segment.indexContaining(offset, batches);
    if (index < 0) return undefined;
    this.peekedSegmentBase = segment.baseOffset;
    this.peekedIndex = index;
    return batches[index];
  }

  /** The epoch of the batch holding `offset`; a segment's last batch is answered without its body. */
  private epochAt(offset: number): number | undefined {
    if (offset < this.startOffset) return undefined;
    const segmentIndex = this.segmentIndexOf(offset);
    if (segmentIndex < 0) return undefined;
    const segment = this.segments[segmentIndex]!;
    if (segment.batchCount > 0 && offset >= segment.lastBatchBaseOffset && offset < segment.endOffset) return segment.lastEpoch;
    // A segment out of the page cache is not read for it (its body may not be readable at once):
    // the leader epoch cache answers, as Kafka's lookups by epoch do (LeaderEpochFileCache).
    if (!segment.resident) return offset < segment.endOffset ? this.epochAtOrBefore(offset) : undefined;
    // batchAt(offset)'s read, searched from the segment's end (the offsets asked are near the log end).
    this.touch(segment);
    const batches = segment.batches;
    const index = segment.indexNearEnd(offset, batches);
    return index < 0 ? undefined : batches[index]!.epoch;
  }

  /**
   * The batch holding `offset` only if its segment is in the page cache (no read from the device,
   * no touch of an evicted one): undefined otherwise. For answers that need not read the log.
   */
  residentBatchAt(offset: number): LogBatch | undefined {
    if (offset < this.startOffset) return undefined;
    const segmentIndex = this.segmentIndexOf(offset);
    if (segmentIndex < 0 || !this.segments[segmentIndex]!.resident) return undefined;
    return this.batchAt(offset);
  }

  /**
   * The closed segment a truncation to `offset` must read, if it is out of the page cache: the one
   * holding the cut strictly inside it (a cut on or below a segment's base drops it whole, unread).
   * Null when the truncation reads nothing evicted. The follower's ReplicaFetchResponse that asks
   * for it waits for that disk read first (local-reads.ts), as a fetch does.
   */
  evictedSegmentToTruncate(offset: number): CachedSegment | null {
    const target = Math.max(offset, this.startOffset);
    if (this.cache === null || target >= this.end || target >= this.active.baseOffset) return null;
    const segmentIndex = this.segmentIndexOf(target);
    if (segmentIndex < 0) return null;
    const segment = this.segments[segmentIndex]!;
    if (segment.baseOffset >= target || segment.endOffset <= target || segment.resident) return null;
    return segment;
  }

  /**
   * Epoch of the record just before `offset` (0 at the start of an empty history; at the log start,
   * the epoch of the last record deleted, or -1 when unknown after a full truncation).
   */
  epochBefore(offset: number): number | null {
    if (offset === 0) return 0;
    if (offset === this.end && this.lastBatchEpoch !== null) return this.lastBatchEpoch; // the common case: the log end
    const epoch = this.epochAt(offset - 1);
    if (epoch !== undefined) return epoch;
    return offset === this.startOffset ? this.epochBeforeStart : null;
  }

  /**
   * Kafka's OffsetsForLeaderEpoch answer (LeaderEpochFileCache.endOffsetFor): the largest epoch not
   * above `epoch` that this log has, and the offset where the next epoch starts (or the log end).
   */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    for (let index = this.epochs.length - 1; index >= 0; index--) {
      const entry = this.epochs[index]!;
      if (entry.epoch <= epoch) {
        const next = this.epochs[index + 1];
        return { epoch: entry.epoch, endOffset: next === undefined ? this.endOffset : next.startOffset };
      }
    }
    return { epoch: 0, endOffset: this.startOffset };
  }

  /** Removes every record at or after `offset`; returns how many records went. */
  truncateTo(offset: number): number {
    if (offset >= this.end) return 0;
    this.forgetReads();
    const endBefore = this.end;
    const target = Math.max(offset, this.startOffset);
    // Segments that start at or past the point go whole; the one holding it keeps the batches before it.
    while (this.segments.length > 1 && this.active.baseOffset >= target) {
      this.dropSegment(this.segments.pop()!);
      this.syncActive();
    }
    const last = this.active;
    // A segment that ends at or below the point keeps all it has: its batches are not read.
    let keep = -1;
    if (last.endOffset > target) {
      this.touch(last);
      keep = last.batches.findIndex((batch) => batch.baseOffset + batch.records > target);
    }
    if (keep >= 0) {
      // A truncation point inside a batch drops the whole batch: batches are atomic. A closed
      // segment is never changed: its kept batches move to a new active segment.
      const kept = last.batches.slice(0, keep);
      const replacement = this.newSegment(last.baseOffset);
      this.dropSegment(last);
      for (const batch of kept) {
        replacement.push(batch);
        this.totalBytes += batch.bytes;
        this.totalBatches++;
      }
      this.segments[this.segments.length - 1] = replacement;
    } else if (last.closed) {
      this.segments.push(this.newSegment(last.endOffset)); // the cut fell on a segment boundary: a new active segment opens there
    }
    this.syncActive();
    this.end = this.active.batchCount > 0 ? this.active.endOffset : this.active.baseOffset;
    this.lastBatchEpoch = this.epochAt(this.end - 1) ?? null;
    // Producer state is rebuilt from what is left (Kafka reloads it from the log after a truncation).
    this.resetProducers();
    for (const batch of this.newestBatches(10_000)) this.remember(batch);
    // Kafka's LeaderEpochFileCache.truncateFromEnd: epochs that start at or after the new end go.
    const end = this.end;
    this.setEpochs(this.epochs.filter((entry) => entry.startOffset < end));
    this.flushedOffset = Math.min(this.flushedOffset, this.end);
    this.dirtyBytes = this.bytesFrom(this.flushedOffset);
    return endBefore - this.end;
  }

  /**
   * Kafka's truncateFullyAndStartAt: everything goes and the log restarts empty at `offset` (a
   * follower that fell below its leader's log start). Returns the records removed.
   */
  truncateFullyAndStartAt(offset: number): number {
    this.forgetReads();
    const removed = this.end - this.startOffset;
    for (const segment of this.segments) this.dropSegment(segment);
    this.segments = [this.newSegment(offset)];
    this.syncActive();
    this.startOffset = offset;
    this.globalStart = offset;
    this.epochBeforeStart = -1;
    this.end = offset;
    this.lastBatchEpoch = null;
    this.flushedOffset = offset;
    this.dirtyBytes = 0;
    this.setEpochs([]); // Kafka's leaderEpochCache.clearAndFlush
    this.resetProducers();
    return removed;
  }

  /**
   * Kafka's maybeIncrementLogStartOffset: records below `offset` are no longer readable (a follower
   * takes its leader's log start); whole segments below it go at the next retention check
   * (deleteLogStartOffsetBreachedSegments). Never past `highWatermark`. Returns whether it moved.
   */
  maybeIncrementLogStartOffset(offset: number, highWatermark: number): boolean {
    if (offset <= this.globalStart || offset > highWatermark || offset > this.end) return false;
    this.globalStart = offset;
    if (offset > this.startOffset) this.setStart(offset);
    else this.truncateEpochsFromStart(offset); // tiered: only the remote part moved (the epoch cache covers the whole log)
    return true;
  }

  /**
   * KIP-405's follower path after OFFSET_MOVED_TO_TIERED_STORAGE (Kafka's
   * TierStateMachine.buildRemoteLogAuxState): everything local goes; the log restarts empty at the
   * leader's local log start, its log start is the leader's, and the leader epoch cache is rebuilt
   * from the remote segments' epochs up to the local start. Returns the records removed.
   */
  restartTieredAt(localLogStart: number, logStart: number, remoteEpochs: readonly EpochEntry[]): number {
    const removed = this.truncateFullyAndStartAt(localLogStart);
    this.globalStart = Math.min(logStart, localLogStart);
    const epochs: EpochEntry[] = [];
    for (const entry of remoteEpochs) {
      if (entry.startOffset >= localLogStart) break;
      const last = epochs[epochs.length - 1];
      if (last !== undefined && last.epoch >= entry.epoch) continue;
      epochs.push(entry);
    }
    this.setEpochs(epochs);
    this.epochBeforeStart = epochs.length === 0 ? -1 : epochs[epochs.length - 1]!.epoch;
    return removed;
  }

  /**
   * One retention check (Kafka's UnifiedLog.deleteOldSegments): deletes, oldest first, closed
   * segments whose whole content is below `highWatermark` and that are past retention.ms by their
   * largest timestamp, beyond retention.bytes, entirely below the log start offset, or beyond the
   * safety bound BATCHES_MAX. Stops at the first segment that must stay. Moves the log start.
   */
  deleteOldSegments(nowUs: TimeUs, highWatermark: number): RetentionResult {
    // Tiered (KIP-405): local retention applies, and only to segments the remote tier holds.
    const tiered = this.tiered;
    const retentionUs = tiered ? (this.config.localRetentionUs ?? this.config.retentionUs) : this.config.retentionUs;
    const retentionBytes = tiered ? (this.config.localRetentionBytes ?? this.config.retentionBytes) : this.config.retentionBytes;
    const highestRemote = tiered ? this.highestOffsetInRemoteStorage : -1;
    let sizeOverBytes = retentionBytes < 0 ? 0 : this.totalBytes - retentionBytes;
    let batchesOver = this.totalBatches - BATCHES_MAX;
    let count = 0;
    let records = 0;
    let bytes = 0;
    while (this.segments.length > 1) {
      const segment = this.segments[0]!;
      const next = this.segments[1]!;
      // Never at or past the high watermark, so the log start never passes it (deletableSegments' upper bound).
      if (next.baseOffset > highWatermark) break;
      const uploaded = tiered && segment.endOffset - 1 <= highestRemote;
      const pastTime = (!tiered || uploaded) && retentionUs >= 0 && segment.largestTimestampUs !== null && nowUs - segment.largestTimestampUs > retentionUs;
      const pastSize = (!tiered || uploaded) && sizeOverBytes - segment.bytes >= 0;
      const belowStart = next.baseOffset <= this.globalStart;
      const pastSafety = batchesOver > 0;
      if (!pastTime && !pastSize && !belowStart && !pastSafety) break;
      if (!pastTime && !pastSize && !belowStart) this.deletedBySafety++;
      sizeOverBytes -= segment.bytes;
      batchesOver -= segment.batchCount;
      count++;
      // Below the start: already gone from the log. Uploaded: still in the log, in the remote tier.
      if (!uploaded) records += Math.max(0, segment.endOffset - Math.max(segment.baseOffset, this.globalStart));
      bytes += segment.bytes;
      this.dropSegment(segment);
      this.segments.shift();
      this.setStart(Math.max(this.startOffset, next.baseOffset));
      if (tiered && !uploaded && next.baseOffset > this.globalStart) {
        this.globalStart = next.baseOffset; // the safety bound deleted what no tier holds: the log itself starts later
        this.truncateEpochsFromStart(next.baseOffset);
      }
    }
    this.deletedSegments += count;
    this.deletedRecords += records;
    return { segments: count, records, bytes };
  }

  /** The OS writes back batches dirty for OS_DIRTY_EXPIRE_US (called every OS_WRITEBACK_INTERVAL_US). */
  writeBack(nowUs: TimeUs): void {
    if (this.flushedOffset >= this.end) return;
    let segmentIndex = this.segmentIndexOf(Math.max(this.flushedOffset, this.startOffset));
    if (segmentIndex < 0) return;
    let index = this.segments[segmentIndex]!.indexContaining(Math.max(this.flushedOffset, this.startOffset));
    for (; segmentIndex < this.segments.length && index >= 0; segmentIndex++, index = 0) {
      const batches = this.segments[segmentIndex]!.batches;
      for (; index < batches.length; index++) {
        const batch = batches[index]!;
        if (nowUs - batch.appendedUs < OS_DIRTY_EXPIRE_US) return;
        this.flushedOffset = batch.baseOffset + batch.records;
        this.dirtyBytes -= batch.bytes;
      }
    }
  }

  /** fsync: everything is on disk now (a controlled shutdown flushes its logs, LogManager.shutdown; quorum mode flushes every append). */
  flush(): void {
    this.flushedOffset = this.endOffset;
    this.dirtyBytes = 0;
  }

  /**
   * Kafka's UnifiedLog.flush, asked by flush.messages or flush.ms: everything up to the log end is
   * durable from now, and the flush clock restarts. Returns the bytes it wrote (0: nothing was dirty).
   */
  flushAt(nowUs: TimeUs): number {
    const bytes = this.dirtyBytes;
    this.lastFlushUs = nowUs;
    if (this.flushedOffset >= this.end) return 0;
    this.flush();
    this.flushes++;
    return bytes;
  }

  /** flush.messages: whether the append just made leaves this log due for a flush (UnifiedLog.append's check). */
  get flushDueByMessages(): boolean {
    const interval = this.config.flushIntervalMessages;
    return interval !== undefined && this.end - this.flushedOffset >= interval;
  }

  /** flush.ms: whether the log flusher would flush this log now (LogManager.flushDirtyLogs' check). */
  flushDueByTime(nowUs: TimeUs): boolean {
    const flushUs = this.config.flushUs;
    return flushUs !== undefined && this.lastFlushUs >= 0 && nowUs - this.lastFlushUs >= flushUs && this.flushedOffset < this.end;
  }

  /**
   * The machine crashed or lost power: what the OS had not written back is gone. Returns the
   * records lost.
   */
  loseUnflushed(cause: UnflushedLossCause = 'crash'): number {
    const lost = this.truncateTo(this.flushedOffset);
    this.recordsLostToCrashes += lost;
    if (cause === 'power-loss') this.recordsLostToPowerLoss += lost;
    return lost;
  }

  /** Records this replica ever lost to crashes and power losses (unflushed writes). */
  get lostToCrashes(): number {
    return this.recordsLostToCrashes;
  }

  /** Of those, the records lost to power losses. */
  get lostToPowerLoss(): number {
    return this.recordsLostToPowerLoss;
  }

  private setStart(offset: number): void {
    if (offset === this.startOffset) return;
    this.forgetReads();
    this.epochBeforeStart = this.epochAt(offset - 1) ?? this.epochAtOrBefore(offset - 1);
    this.startOffset = offset;
    if (this.flushedOffset < offset) {
      this.flushedOffset = offset;
      this.dirtyBytes = this.bytesFrom(offset);
    }
    if (this.tiered) return; // the log start did not move: the epoch cache still covers the remote tier
    this.globalStart = offset;
    this.truncateEpochsFromStart(offset);
  }

  /**
   * Kafka's LeaderEpochFileCache.truncateFromStart: entries before the new log start go, except the
   * latest of them, which now starts at the log start.
   */
  private truncateEpochsFromStart(offset: number): void {
    let firstKept = 0;
    while (firstKept + 1 < this.epochs.length && this.epochs[firstKept + 1]!.startOffset <= offset) firstKept++;
    const first = this.epochs[firstKept];
    if (first !== undefined && first.startOffset < offset) {
      this.setEpochs([{ epoch: first.epoch, startOffset: offset }, ...this.epochs.slice(firstKept + 1)]);
    } else if (firstKept > 0) {
      this.setEpochs(this.epochs.slice(firstKept));
    }
  }

  private dropSegment(segment: Segment): void {
    this.totalBytes -= segment.bytes;
    this.totalBatches -= segment.batchCount;
    this.cache?.drop(segment);
  }

  /** The disk is replaced: every segment goes, with its body in the store (the log itself is discarded by the caller). */
  discardSegments(): void {
    for (const segment of this.segments) this.dropSegment(segment);
  }

  /** Bytes of the batches at and above `offset` (walks from the end: used after truncations, not per append). */
  private bytesFrom(offset: number): number {
    let bytes = 0;
    for (let index = this.segments.length - 1; index >= 0; index--) {
      const segment = this.segments[index]!;
      if (segment.baseOffset >= offset) {
        bytes += segment.bytes; // whole: no need for its body
        continue;
      }
      if (segment.endOffset <= offset) return bytes; // wholly below: nothing of it counts
      const batches = segment.batches;
      for (let inner = batches.length - 1; inner >= 0; inner--) {
        const batch = batches[inner]!;
        if (batch.baseOffset < offset) return bytes;
        bytes += batch.bytes;
      }
    }
    return bytes;
  }

  private newestBatches(count: number): LogBatch[] {
    const result: LogBatch[] = [];
    for (let index = this.segments.length - 1; index >= 0 && result.length < count; index--) {
      // Producer state is rebuilt from what the page cache holds: an evicted segment is not read.
      if (!this.segments[index]!.resident) break;
      const batches = this.segments[index]!.batches;
      for (let inner = batches.length - 1; inner >= 0 && result.length < count; inner--) result.push(batches[inner]!);
    }
    return result.reverse();
  }

  private epochAtOrBefore(offset: number): number {
    let epoch = 0;
    for (const entry of this.epochs) if (entry.startOffset <= offset) epoch = entry.epoch;
    return epoch;
  }

  /** Index of the segment whose range may hold `offset` (the last with baseOffset <= offset); -1 if none. */
  private segmentIndexOf(offset: number): number {
    const segments = this.segments;
    if (segments[segments.length - 1]!.baseOffset <= offset) return segments.length - 1; // the active segment: most reads and checks are at the tail
    let low = 0;
    let high = segments.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (segments[mid]!.baseOffset <= offset) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }
}
