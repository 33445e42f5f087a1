// One partition's remote segment metadata (KIP-405's RemoteLogSegmentMetadata, as each broker's
// cache of the __remote_log_metadata topic holds it), stored compactly: a table of columns in typed
// arrays, one row per remote segment, oldest first.
//
// Kafka keeps per remote segment: its id (here the object key, which is derived: the partition,
// the base offset and the copying leader's epoch, "topic-partition/baseOffset-leaderEpoch.log"),
// start and end offset, max timestamp, the leader epoch -> start offset map (segmentLeaderEpochs),
// its size and its state. A segment almost always holds one epoch, starting at its base offset, so
// only that epoch is a column; the rare segment with more keeps its full map in a sparse side table.
// About 37 bytes a segment instead of the ~1 KB of objects, strings and arrays a list of records took.
//
// A table is immutable, as the list of records was: every change makes a new table (copying the
// columns, as the list was copied), so a table sent in a replica fetch answer and shared by the
// followers that store it never changes under them, and "did the list change since I sent it" stays
// an identity comparison (replica-manager.ts).
//
// Never: changes a table in place, or keeps a record object per segment (`at` and the iterator build
// one for the caller, and nobody here keeps it).

import type { EpochEntry, RemoteLogSegmentMetadata, RemoteSegmentState } from '../broker/partition-log';
import type { TimeUs } from '../sim/time';

const STATES: readonly RemoteSegmentState[] = ['COPY_SEGMENT_STARTED', 'COPY_SEGMENT_FINISHED', 'DELETE_SEGMENT_STARTED', 'DELETE_SEGMENT_FINISHED'];
const STATE_CODE: ReadonlyMap<RemoteSegmentState, number> = new Map(STATES.map((state, index) => [state, index]));
const COPY_FINISHED = 1;
const DELETE_STARTED = 2;
const NO_EXTRA_EPOCHS: ReadonlyMap<number, readonly EpochEntry[]> = new Map();

/** The object key of a remote segment: RemoteLogManager's "topic-partition/baseOffset-leaderEpoch.log". */
export function remoteObjectKey(partitionKey: string, baseOffset: number, leaderEpoch: number): string {
  // join builds one flat string; a template literal builds a tree of pieces (V8's ConsString), and
  // the object store, the cold tier and its store each keep this key for as long as the object lives.
  return [partitionKey, '/', baseOffset, '-', leaderEpoch, '.log'].join('');
}

interface Columns {
  readonly base: Float64Array;
  readonly end: Float64Array;
  readonly maxTimestamp: Float64Array;
  readonly leaderEpoch: Int32Array;
  /** The first (usually the only) entry of segmentLeaderEpochs: its epoch; its start is the base offset. */
  readonly firstEpoch: Int32Array;
  /** segmentSizeInBytes: at most segment.bytes, a Java int. */
  readonly size: Int32Array;
  readonly state: Uint8Array;
}

function columns(length: number): Columns {
  return {
    base: new Float64Array(length),
    end: new Float64Array(length),
    maxTimestamp: new Float64Array(length),
    leaderEpoch: new Int32Array(length),
    firstEpoch: new Int32Array(length),
    size: new Int32Array(length),
    state: new Uint8Array(length),
  };
}

/** Every empty table's columns (a log without remote segments costs no arrays). */
const NO_COLUMNS = columns(0);

export class RemoteSegmentTable implements Iterable<RemoteLogSegmentMetadata> {
  /** The last offset of the last COPY_SEGMENT_FINISHED segment, or -1 (KIP-405's highestOffsetInRemoteStorage). */
  readonly highestCopiedOffset: number;

  private constructor(
    /** "topic-partition": the object keys' prefix. */
    readonly partitionKey: string,
    private readonly c: Columns,
    /** Rows whose segment holds more than one leader epoch: their full segmentLeaderEpochs. */
    private readonly extraEpochs: ReadonlyMap<number, readonly EpochEntry[]>,
  ) {
    let highest = -1;
    for (let row = 0; row < c.base.length; row++) if (c.state[row] === COPY_FINISHED && c.end[row]! > highest) highest = c.end[row]!;
    this.highestCopiedOffset = highest;
  }

  static empty(partitionKey: string): RemoteSegmentTable {
    return new RemoteSegmentTable(partitionKey, NO_COLUMNS, NO_EXTRA_EPOCHS);
  }

  /** A table of these records, in this order (tests, and building from a list). */
  static of(partitionKey: string, records: readonly RemoteLogSegmentMetadata[]): RemoteSegmentTable {
    const c = columns(records.length);
    const extra = new Map<number, readonly EpochEntry[]>();
    records.forEach((record, row) => RemoteSegmentTable.fill(partitionKey, c, extra, row, record));
    return new RemoteSegmentTable(partitionKey, c, extra.size === 0 ? NO_EXTRA_EPOCHS : extra);
  }

  private static fill(partitionKey: string, c: Columns, extra: Map<number, readonly EpochEntry[]>, row: number, record: RemoteLogSegmentMetadata): void {
    const key = remoteObjectKey(partitionKey, record.baseOffset, record.leaderEpoch);
    if (record.objectKey !== key) throw new Error(`remote segments of ${partitionKey}: the object key "${record.objectKey}" is not ${key}`);
    if (!Number.isInteger(record.segmentSizeInBytes) || record.segmentSizeInBytes < 0 || record.segmentSizeInBytes > 0x7fff_ffff) {
      throw new Error(`remote segments of ${partitionKey}: segmentSizeInBytes ${record.segmentSizeInBytes} is not a size Kafka's int holds`);
    }
    const epochs = record.segmentLeaderEpochs;
    c.base[row] = record.baseOffset;
    c.end[row] = record.endOffset;
    c.maxTimestamp[row] = record.maxTimestampUs;
    c.leaderEpoch[row] = record.leaderEpoch;
    c.firstEpoch[row] = epochs[0]?.epoch ?? record.leaderEpoch;
    c.size[row] = record.segmentSizeInBytes;
    c.state[row] = STATE_CODE.get(record.state)!;
    // One epoch starting at the base offset is the column; anything else keeps its whole map.
    if (epochs.length !== 1 || epochs[0]!.startOffset !== record.baseOffset) extra.set(row, epochs.map(({ epoch, startOffset }) => ({ epoch, startOffset })));
  }

  /** Bytes of column storage per segment (the structural bound tested in remote-segments.test.ts). */
  static readonly BYTES_PER_SEGMENT = 3 * Float64Array.BYTES_PER_ELEMENT + 3 * Int32Array.BYTES_PER_ELEMENT + Uint8Array.BYTES_PER_ELEMENT;

  /** Segments whose epoch map is kept whole (more than one epoch): rare. */
  get segmentsWithEpochMaps(): number {
    return this.extraEpochs.size;
  }

  get length(): number {
    return this.c.base.length;
  }

  baseOffset(row: number): number {
    return this.c.base[row]!;
  }

  endOffset(row: number): number {
    return this.c.end[row]!;
  }

  leaderEpoch(row: number): number {
    return this.c.leaderEpoch[row]!;
  }

  sizeInBytes(row: number): number {
    return this.c.size[row]!;
  }

  maxTimestampUs(row: number): TimeUs {
    return this.c.maxTimestamp[row]!;
  }

  state(row: number): RemoteSegmentState {
    return STATES[this.c.state[row]!]!;
  }

  objectKey(row: number): string {
    return remoteObjectKey(this.partitionKey, this.c.base[row]!, this.c.leaderEpoch[row]!);
  }

  segmentLeaderEpochs(row: number): readonly EpochEntry[] {
    return this.extraEpochs.get(row) ?? [{ epoch: this.c.firstEpoch[row]!, startOffset: this.c.base[row]! }];
  }

  /** Row `row` as a record (built now; the table keeps none). */
  at(row: number): RemoteLogSegmentMetadata {
    return {
      objectKey: this.objectKey(row),
      baseOffset: this.c.base[row]!,
      endOffset: this.c.end[row]!,
      leaderEpoch: this.c.leaderEpoch[row]!,
      segmentLeaderEpochs: this.segmentLeaderEpochs(row),
      segmentSizeInBytes: this.c.size[row]!,
      maxTimestampUs: this.c.maxTimestamp[row]!,
      state: this.state(row),
    };
  }

  *[Symbol.iterator](): Iterator<RemoteLogSegmentMetadata> {
    for (let row = 0; row < this.length; row++) yield this.at(row);
  }

  /** The row of the segment stored under (baseOffset, leaderEpoch), i.e. its object key; -1 if none. */
  rowOf(baseOffset: number, leaderEpoch: number): number {
    for (let row = 0; row < this.length; row++) if (this.c.base[row] === baseOffset && this.c.leaderEpoch[row] === leaderEpoch) return row;
    return -1;
  }

  /** The first COPY_SEGMENT_FINISHED segment holding `offset` (reads take the first: copies may overlap); -1 if none. */
  rowHolding(offset: number): number {
    for (let row = 0; row < this.length; row++) if (this.c.state[row] === COPY_FINISHED && this.c.base[row]! <= offset && offset <= this.c.end[row]!) return row;
    return -1;
  }

  /** Whether a copied segment (COPY_SEGMENT_FINISHED, or DELETE_SEGMENT_STARTED: still stored) holds offsets first..last. */
  holds(firstOffset: number, lastOffset: number): boolean {
    for (let row = 0; row < this.length; row++) {
      const state = this.c.state[row];
      if ((state === COPY_FINISHED || state === DELETE_STARTED) && this.c.base[row]! <= firstOffset && lastOffset <= this.c.end[row]!) return true;
    }
    return false;
  }

  /** Bytes of every segment, whatever its state (retention.bytes counts them). */
  totalBytes(): number {
    let bytes = 0;
    for (let row = 0; row < this.length; row++) bytes += this.c.size[row]!;
    return bytes;
  }

  /** Bytes of the COPY_SEGMENT_FINISHED segments. */
  copiedBytes(): number {
    let bytes = 0;
    for (let row = 0; row < this.length; row++) if (this.c.state[row] === COPY_FINISHED) bytes += this.c.size[row]!;
    return bytes;
  }

  /** This table with `record` added last. Its object key must be this partition's. */
  append(record: RemoteLogSegmentMetadata): RemoteSegmentTable {
    const row = this.length;
    const next = this.copyRows(row + 1, (from) => from);
    const extra = new Map(this.extraEpochs);
    RemoteSegmentTable.fill(this.partitionKey, next, extra, row, record);
    return new RemoteSegmentTable(this.partitionKey, next, extra.size === this.extraEpochs.size ? this.extraEpochs : extra);
  }

  /** This table with row `row` in state `state` (a new table even when `row` is -1: a copy). */
  withState(row: number, state: RemoteSegmentState): RemoteSegmentTable {
    const next = this.copyRows(this.length, (from) => from);
    if (row >= 0 && row < this.length) next.state[row] = STATE_CODE.get(state)!;
    return new RemoteSegmentTable(this.partitionKey, next, this.extraEpochs);
  }

  /** This table without row `row` (a new table even when `row` is -1: a copy). */
  without(row: number): RemoteSegmentTable {
    return this.keeping((_, index) => index !== row);
  }

  /** This table without its segments in `state`; itself when none is. */
  withoutState(state: RemoteSegmentState): RemoteSegmentTable {
    const code = STATE_CODE.get(state)!;
    if (!this.c.state.includes(code)) return this;
    return this.keeping((rowState) => rowState !== code);
  }

  private keeping(keep: (stateCode: number, row: number) => boolean): RemoteSegmentTable {
    const kept: number[] = [];
    for (let row = 0; row < this.length; row++) if (keep(this.c.state[row]!, row)) kept.push(row);
    const next = this.copyRows(kept.length, (to) => kept[to]!);
    let extra = NO_EXTRA_EPOCHS;
    if (this.extraEpochs.size > 0) {
      const moved = new Map<number, readonly EpochEntry[]>();
      kept.forEach((from, to) => {
        const epochs = this.extraEpochs.get(from);
        if (epochs !== undefined) moved.set(to, epochs);
      });
      extra = moved;
    }
    return new RemoteSegmentTable(this.partitionKey, next, extra);
  }

  /** New columns of `length` rows, row `to` copied from row `source(to)` (rows past this table's stay zero). */
  private copyRows(length: number, source: (to: number) => number): Columns {
    const next = columns(length);
    const c = this.c;
    for (let to = 0; to < length; to++) {
      const from = source(to);
      if (from >= c.base.length) continue;
      next.base[to] = c.base[from]!;
      next.end[to] = c.end[from]!;
      next.maxTimestamp[to] = c.maxTimestamp[from]!;
      next.leaderEpoch[to] = c.leaderEpoch[from]!;
      next.firstEpoch[to] = c.firstEpoch[from]!;
      next.size[to] = c.size[from]!;
      next.state[to] = c.state[from]!;
    }
    return next;
  }
}
