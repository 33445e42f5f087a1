// One replica's log of one partition, on one broker's disk: batches at offsets, the leader epoch
// that wrote each, and the leader epoch cache Kafka keeps beside it (leader-epoch-checkpoint) to
// answer "where did epoch E end in your log?" (KIP-101), which finds a follower's divergence.
//
// Durability, as Kafka's defaults have it: Kafka never fsyncs (flush.messages and flush.ms are
// unbounded) and leaves writeback to the operating system, which writes back pages that have been
// dirty for 30 s, every 5 s (Linux dirty_expire_centisecs / dirty_writeback_centisecs). A crash
// loses what was not written back; replication, not the disk, is what protects acknowledged data.
// Bounded by the retention of the layers above (for now, a cap on batches kept: BATCHES_MAX).

import type { TimeUs } from '../sim/time';
import type { LogBatch } from './protocol';

/** Linux's dirty_expire_centisecs (3000): a page is written back once dirty this long. */
export const OS_DIRTY_EXPIRE_US = 30_000_000;
/** Linux's dirty_writeback_centisecs (500): the writeback thread wakes this often. */
export const OS_WRITEBACK_INTERVAL_US = 5_000_000;
/** Batches one replica keeps at most until retention exists (the oldest are dropped). */
export const BATCHES_MAX = 200_000;

/** Kafka keeps the last 5 batches per producer to recognise retried duplicates (ProducerStateEntry). */
export const PRODUCER_BATCHES_KEPT = 5;

export interface ProducerBatchRef {
  readonly baseSequence: number;
  readonly records: number;
  readonly baseOffset: number;
}

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

export class PartitionLog {
  private batches: LogBatch[] = [];
  private startOffset = 0;
  /** The offset the next batch gets (kept, not recomputed: followers and fetches ask for it constantly). */
  private end = 0;
  /** Everything below this offset is on disk for sure; above it lives in the page cache. */
  private flushedOffset = 0;
  /** The leader epoch cache: the first offset written in each epoch, ascending. */
  private epochs: EpochEntry[] = [];
  /** Per producer id, its newest batches (Kafka's producer state, rebuilt from the log after a truncation). */
  private producers = new Map<number, ProducerBatchRef[]>();
  private totalBytes = 0;
  private recordsLostToCrashes = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get logStartOffset(): number {
    return this.startOffset;
  }

  get endOffset(): number {
    return this.end;
  }

  get flushedEndOffset(): number {
    return this.flushedOffset;
  }

  get latestEpoch(): number {
    return this.epochs.at(-1)?.epoch ?? 0;
  }

  get batchCount(): number {
    return this.batches.length;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  epochCache(): readonly EpochEntry[] {
    return this.epochs;
  }

  /** A producer's newest batches in this log, oldest first (at most PRODUCER_BATCHES_KEPT). */
  producerBatches(producerId: number): readonly ProducerBatchRef[] {
    return this.producers.get(producerId) ?? [];
  }

  private remember(batch: LogBatch): void {
    if (batch.producerId < 0) return;
    const list = this.producers.get(batch.producerId) ?? [];
    list.push({ baseSequence: batch.baseSequence, records: batch.records, baseOffset: batch.baseOffset });
    if (list.length > PRODUCER_BATCHES_KEPT) list.shift();
    this.producers.set(batch.producerId, list);
  }

  /** As a new leader: the epoch starts at the current end (Kafka's leaderEpochCache.assign on become-leader). */
  assignEpoch(epoch: number): void {
    const last = this.epochs.at(-1);
    if (last !== undefined && last.epoch >= epoch) return;
    this.epochs.push({ epoch, startOffset: this.endOffset });
  }

  /** Appends a batch at exactly the log end (the leader assigns the offset; a follower copies it). */
  append(batch: LogBatch): void {
    if (batch.baseOffset !== this.endOffset) {
      throw new Error(`${this.topic}-${this.partition}: append at ${batch.baseOffset}, but the log ends at ${this.endOffset}`);
    }
    if (batch.epoch < this.latestEpoch) {
      // A follower copying older-epoch batches past an epoch it led without writing in it: that
      // empty epoch goes (Kafka's LeaderEpochFileCache.assign drops non-monotonic entries).
      this.epochs = this.epochs.filter((entry) => entry.epoch <= batch.epoch || entry.startOffset < batch.baseOffset);
    }
    this.assignEpoch(batch.epoch);
    this.batches.push(batch);
    this.end = batch.baseOffset + batch.records;
    this.totalBytes += batch.bytes;
    this.remember(batch);
    if (this.batches.length > BATCHES_MAX) {
      const dropped = this.batches.shift()!;
      this.totalBytes -= dropped.bytes;
      this.startOffset = dropped.baseOffset + dropped.records;
    }
  }

  /** Batches from `offset` (which must start a batch or be the end), up to `maxBytes` (at least one batch). */
  read(offset: number, maxBytes: number): LogBatch[] {
    const result: LogBatch[] = [];
    let index = this.indexOf(offset);
    let bytes = 0;
    for (; index >= 0 && index < this.batches.length; index++) {
      const batch = this.batches[index]!;
      if (result.length > 0 && bytes + batch.bytes > maxBytes) break;
      result.push(batch);
      bytes += batch.bytes;
    }
    return result;
  }

  /** The batch holding `offset`, if this log has it. */
  batchAt(offset: number): LogBatch | undefined {
    const index = this.indexContaining(offset);
    return index < 0 ? undefined : this.batches[index];
  }

  /** Epoch of the record just before `offset` (0 at the log start of an empty history). */
  epochBefore(offset: number): number | null {
    if (offset === 0) return 0;
    const last = this.batches.length === 0 ? undefined : this.batches[this.batches.length - 1]!;
    if (last !== undefined && offset === this.end) return last.epoch; // the common case: the log end
    const batch = this.batchAt(offset - 1);
    if (batch !== undefined) return batch.epoch;
    return offset === this.startOffset ? this.epochAtOrBefore(offset - 1) : null;
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
    if (offset >= this.endOffset) return 0;
    const endBefore = this.endOffset;
    const keep = this.batches.findIndex((batch) => batch.baseOffset + batch.records > offset);
    if (keep >= 0) {
      // A truncation point inside a batch drops the whole batch: batches are atomic.
      for (const batch of this.batches.slice(keep)) this.totalBytes -= batch.bytes;
      this.batches.length = keep;
      const last = this.batches.at(-1);
      this.end = last === undefined ? this.startOffset : last.baseOffset + last.records;
      // Producer state is rebuilt from what is left (Kafka reloads it from the log after a truncation).
      this.producers = new Map();
      for (const batch of this.batches.slice(Math.max(0, this.batches.length - 10_000))) this.remember(batch);
    }
    // Kafka's LeaderEpochFileCache.truncateFromEnd: epochs that start at or after the new end go.
    const end = this.endOffset;
    this.epochs = this.epochs.filter((entry) => entry.startOffset < end);
    this.flushedOffset = Math.min(this.flushedOffset, this.endOffset);
    return endBefore - this.endOffset;
  }

  /** The OS writes back batches dirty for OS_DIRTY_EXPIRE_US (called every OS_WRITEBACK_INTERVAL_US). */
  writeBack(nowUs: TimeUs): void {
    for (let index = this.indexContaining(this.flushedOffset); index >= 0 && index < this.batches.length; index++) {
      const batch = this.batches[index]!;
      if (nowUs - batch.appendedUs < OS_DIRTY_EXPIRE_US) break;
      this.flushedOffset = batch.baseOffset + batch.records;
    }
  }

  /** fsync: everything is on disk now (a controlled shutdown flushes its logs). */
  flush(): void {
    this.flushedOffset = this.endOffset;
  }

  /** A crash: what the OS had not written back is gone. Returns the records lost. */
  loseUnflushed(): number {
    const lost = this.truncateTo(this.flushedOffset);
    this.recordsLostToCrashes += lost;
    return lost;
  }

  /** Records this replica ever lost to crashes (unflushed writes). */
  get lostToCrashes(): number {
    return this.recordsLostToCrashes;
  }

  private epochAtOrBefore(offset: number): number {
    let epoch = 0;
    for (const entry of this.epochs) if (entry.startOffset <= offset) epoch = entry.epoch;
    return epoch;
  }

  /** Index of the batch starting exactly at `offset`; the batch count when `offset` is the end; else -1. */
  private indexOf(offset: number): number {
    if (offset === this.endOffset) return this.batches.length;
    const index = this.indexContaining(offset);
    return index >= 0 && this.batches[index]!.baseOffset === offset ? index : -1;
  }

  /** Index of the batch containing `offset`, by binary search; -1 if none. */
  private indexContaining(offset: number): number {
    let low = 0;
    let high = this.batches.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const batch = this.batches[mid]!;
      if (offset < batch.baseOffset) high = mid - 1;
      else if (offset >= batch.baseOffset + batch.records) low = mid + 1;
      else return mid;
    }
    return -1;
  }
}
