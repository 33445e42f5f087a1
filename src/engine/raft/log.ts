// A replicated log as KRaft keeps it: entries with an offset and the leader epoch that wrote
// them, a log start offset that moves forward when a snapshot replaces a prefix, and the epoch
// arithmetic that followers use to find where they diverge from the leader (KIP-595, following
// Kafka's LeaderEpochFileCache.endOffsetFor).
//
// Durable: it lives in a process's disk and survives crashes (KRaft flushes its log before
// acknowledging). Bounded: a snapshot every so many records lets the prefix go.

export interface LogEntry<R> {
  readonly offset: number;
  readonly epoch: number;
  readonly record: R;
  readonly bytes: number;
}

export interface Snapshot<S> {
  /** The snapshot covers every offset below this one. */
  readonly endOffset: number;
  /** Epoch of the last entry it covers. */
  readonly epoch: number;
  readonly data: S;
  readonly bytes: number;
}

/** A (epoch, end offset) pair; compared epoch first, as Raft compares logs. */
export interface OffsetAndEpoch {
  readonly offset: number;
  readonly epoch: number;
}

export function compareOffsetAndEpoch(a: OffsetAndEpoch, b: OffsetAndEpoch): number {
  return a.epoch !== b.epoch ? a.epoch - b.epoch : a.offset - b.offset;
}

export class RaftLog<R, S = unknown> {
  private entries: LogEntry<R>[] = [];
  private startOffset = 0;
  /** Epoch of the entry just before the log start (0 at offset 0): it outlives the snapshot that covered it. */
  private startEpoch = 0;
  private snapshotValue: Snapshot<S> | null = null;

  get logStartOffset(): number {
    return this.startOffset;
  }

  get endOffset(): number {
    return this.startOffset + this.entries.length;
  }

  get snapshot(): Snapshot<S> | null {
    return this.snapshotValue;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Epoch of the last entry (or of the snapshot when the log is empty); 0 for an empty log. */
  get lastEpoch(): number {
    const last = this.entries.at(-1);
    if (last !== undefined) return last.epoch;
    return this.snapshotValue?.epoch ?? 0;
  }

  lastOffsetAndEpoch(): OffsetAndEpoch {
    return { offset: this.endOffset, epoch: this.lastEpoch };
  }

  entryAt(offset: number): LogEntry<R> | undefined {
    return this.entries[offset - this.startOffset];
  }

  /** Appends entries that continue the log exactly. */
  append(entries: readonly LogEntry<R>[]): void {
    for (const entry of entries) {
      if (entry.offset !== this.endOffset) {
        throw new Error(`raft log: append at offset ${entry.offset}, but the log ends at ${this.endOffset}`);
      }
      if (entry.epoch < this.lastEpoch) {
        throw new Error(`raft log: epoch ${entry.epoch} at offset ${entry.offset} is older than the last epoch ${this.lastEpoch}`);
      }
      this.entries.push(entry);
    }
  }

  /**
   * Removes every entry at or after `offset`. Never below the snapshot: a snapshot holds only
   * committed entries, and committed entries never diverge.
   */
  truncateTo(offset: number): number {
    const floor = Math.max(this.startOffset, this.snapshotValue?.endOffset ?? 0);
    if (offset < floor) {
      throw new Error(`raft log: cannot truncate to ${offset}, below the committed floor ${floor}`);
    }
    const removed = Math.max(0, this.endOffset - offset);
    if (removed > 0) this.entries.length = offset - this.startOffset;
    return removed;
  }

  /** Entries from `offset`, up to `maxBytes` (at least one entry when any is there). */
  read(offset: number, maxBytes: number): LogEntry<R>[] {
    if (offset < this.startOffset) {
      throw new Error(`raft log: cannot read from ${offset}, below the log start ${this.startOffset}; that prefix is in the snapshot`);
    }
    const result: LogEntry<R>[] = [];
    let bytes = 0;
    for (let index = offset - this.startOffset; index < this.entries.length; index++) {
      const entry = this.entries[index]!;
      if (result.length > 0 && bytes + entry.bytes > maxBytes) break;
      result.push(entry);
      bytes += entry.bytes;
    }
    return result;
  }

  /**
   * The end offset of `epoch` in this log, as Kafka's endOffsetForEpoch: the largest epoch not
   * above `epoch` that this log has, and the offset where the next higher epoch starts (or the log
   * end). A follower whose last fetched epoch ended later than this must truncate back to it.
   */
  endOffsetForEpoch(epoch: number): OffsetAndEpoch {
    // Epochs never decrease along the log: scanning back, the first entry at or below `epoch` is
    // the last entry of the epoch we want, and its epoch's end is just after it.
    for (let index = this.entries.length - 1; index >= 0; index--) {
      const entry = this.entries[index]!;
      if (entry.epoch <= epoch) return { epoch: entry.epoch, offset: entry.offset + 1 };
    }
    const snapshot = this.snapshotValue;
    if (snapshot !== null && snapshot.epoch <= epoch) return { epoch: snapshot.epoch, offset: snapshot.endOffset };
    if (this.startEpoch <= epoch) return { epoch: this.startEpoch, offset: this.startOffset };
    return { epoch: 0, offset: this.startOffset };
  }

  /** Epoch of the entry just before `offset`, from the log, its start or the snapshot; null if unknown. */
  epochBefore(offset: number): number | null {
    if (offset === 0) return 0;
    if (offset === this.startOffset) return this.startEpoch;
    const entry = offset - 1 >= this.startOffset ? this.entryAt(offset - 1) : undefined;
    if (entry !== undefined) return entry.epoch;
    if (this.snapshotValue !== null && this.snapshotValue.endOffset === offset) return this.snapshotValue.epoch;
    return null;
  }

  /** Records a snapshot of the state up to `endOffset`; the entries stay until compactTo. */
  takeSnapshot(snapshot: Snapshot<S>): void {
    if (snapshot.endOffset > this.endOffset || snapshot.endOffset < this.startOffset) {
      throw new Error(`raft log: snapshot at ${snapshot.endOffset} is outside the log [${this.startOffset}, ${this.endOffset}]`);
    }
    this.snapshotValue = snapshot;
  }

  /** Drops the entries below `offset`, which a snapshot must already cover. */
  compactTo(offset: number): void {
    const snapshotEnd = this.snapshotValue?.endOffset ?? 0;
    if (offset > snapshotEnd) throw new Error(`raft log: cannot drop entries below ${offset}; the snapshot ends at ${snapshotEnd}`);
    if (offset <= this.startOffset) return;
    this.startEpoch = this.entryAt(offset - 1)!.epoch;
    this.entries = this.entries.slice(offset - this.startOffset);
    this.startOffset = offset;
  }

  /** Replaces the whole log with a snapshot fetched from the leader (the follower was too far behind). */
  installSnapshot(snapshot: Snapshot<S>): void {
    this.entries = [];
    this.startOffset = snapshot.endOffset;
    this.startEpoch = snapshot.epoch;
    this.snapshotValue = snapshot;
  }

  /** Total bytes of the entries kept. */
  bytes(): number {
    let total = 0;
    for (const entry of this.entries) total += entry.bytes;
    return total;
  }

  /** The newest `count` entries, oldest first (for viewers). */
  tail(count: number): readonly LogEntry<R>[] {
    return this.entries.slice(Math.max(0, this.entries.length - count));
  }
}
