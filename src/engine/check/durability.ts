// The durability oracle: outside the protocol, it watches every batch a producer was told was
// written (acks=1 or all) and reports any that the partition's log no longer holds: the leader's
// log is the truth consumers read, so an acknowledged batch missing from it, or replaced by other
// records at its offset, is lost for good (followers will truncate to match the leader).
//
// Efficient by construction: with one leader in one leader epoch, nothing that leader acknowledged
// can vanish; so a partition's acknowledged batches are checked again only when its leader or
// leader epoch changes, and batches acknowledged since the last check are checked once (an old
// leader that has not learnt it was replaced still acknowledges acks=1 writes the new leader will
// never have). Each loss is explained with the cause the configuration allowed.
//
// Retention is not loss: records below the leader's log start offset were deleted on purpose
// (retention.ms / retention.bytes, only ever below the high watermark). At every check, batches
// wholly below it are retired: counted, and no longer tracked, which also bounds the ledger.
//
// Tiering is not loss either (KIP-405): on a tiered topic, a batch below the leader's local log
// start whose offsets a remote segment holds (COPY_SEGMENT_FINISHED in the leader's remote segment
// metadata) is still in the log, in the object store, which never loses an acknowledged PUT; it
// is checked again, like any batch, until total retention moves the log start past it.

import type { ErrorCode, Acks, ProducedBatch } from '../broker/protocol';
import type { PartitionLog } from '../broker/partition-log';
import { listHas } from '../sim/lists';
import { formatSpan, type TimeUs } from '../sim/time';

/** Acknowledged batches tracked at most; the oldest are forgotten (and counted) beyond it. */
export const TRACKED_BATCHES_MAX = 1_000_000;
/** Loss reports kept at most (all losses are counted). */
export const LOSS_REPORTS_MAX = 1_000;
/** Batches remembered as read by consumers at most (beyond it, the lowest offsets of the partition just read are forgotten first). */
export const READ_BATCHES_MAX = 1_000_000;
/** Entries dropped from the front of a partition's reads before its arrays are compacted (amortizes the copy). */
const READS_COMPACT_MIN = 256;
/** Readers named per batch at most. */
const READERS_PER_BATCH_MAX = 8;
/** Distinct reader lists shared at most (DurabilityOracle.readerLists); beyond it, a batch gets a list of its own. */
export const READER_LISTS_MAX = 10_000;

/** One acknowledged batch, as a loss report explains it (built only for a loss: the watch keeps fields, not objects). */
interface AckedBatch {
  readonly batchId: string;
  readonly baseOffset: number;
  readonly records: number;
  readonly acks: Acks;
  readonly ackedUs: TimeUs;
}

export interface LossReport {
  readonly batchId: string;
  readonly topic: string;
  readonly partition: number;
  readonly baseOffset: number;
  readonly records: number;
  readonly acks: Acks;
  readonly ackedUs: TimeUs;
  readonly detectedUs: TimeUs;
  /** One sentence: what happened and which setting allowed it. */
  readonly cause: string;
  /** Consumers that had read the batch before it vanished (empty: none did). */
  readonly readBy: readonly string[];
}

/** What the oracle needs to know of a partition now. */
export interface PartitionTruth {
  readonly leader: string | null;
  readonly leaderEpoch: number;
  /** The leader's log (its disk), or null when there is no leader. */
  readonly log: PartitionLog | null;
  readonly minInsyncReplicas: number;
  /** True when the current leader was chosen by unclean election. */
  readonly uncleanElection: boolean;
  /** The ISR when the leader was elected, as far as the metadata says. */
  readonly isr: readonly string[];
}

export interface DurabilityStatus {
  readonly acknowledgedBatches: number;
  readonly acknowledgedRecords: number;
  readonly failedBatches: number;
  readonly lostBatches: number;
  readonly lostRecords: number;
  readonly losses: readonly LossReport[];
  readonly forgottenBatches: number;
  /** Acknowledged batches deleted by retention (below the leader's log start): kept as long as promised, not lost. */
  readonly retiredBatches: number;
}

/**
 * One partition's acknowledged batches, oldest first, as parallel arrays (index i is one batch):
 * the numbers sit unboxed in the arrays and the id is the producer's string, so a tracked batch
 * costs five array slots and keeps neither the producer's ProducedBatch nor an object of its own
 * (they were ~150 bytes and two objects per batch, for as long as retention keeps it: every
 * scavenge copied them once and the old generation held them).
 */
interface PartitionWatch {
  readonly topic: string;
  readonly partition: number;
  /** "topic-partition". */
  readonly key: string;
  readonly baseOffsets: number[];
  readonly records: number[];
  readonly batchIds: string[];
  readonly acks: Acks[];
  readonly ackedUs: TimeUs[];
  /** How many batches, from the front, were checked against verifiedLeader in verifiedEpoch. */
  verifiedCount: number;
  verifiedLeader: string | null;
  verifiedEpoch: number;
}

/** KIP-405: the log's remote tier holds these offsets (a copied segment), below its local log start. */
function inRemoteTier(log: PartitionLog, baseOffset: number, records: number): boolean {
  if (!log.tiered || baseOffset >= log.localLogStartOffset) return false;
  return log.remoteSegments().holds(baseOffset, baseOffset + records - 1);
}

/**
 * Who read one partition's batches: parallel arrays sorted by base offset, from `first` (entries
 * before it were retired or forgotten). A batch written at an offset again after a truncation
 * (another batch at an offset already read) sits right after the one it replaced. Consumers read
 * at the tail, so a read is nearly always the last entry or a push, never a lookup in one large table.
 */
interface PartitionReads {
  readonly baseOffsets: number[];
  readonly endOffsets: number[];
  readonly batchIds: string[];
  /** The consumer that read it, or the consumers (most batches have one reader per group), oldest first: a shared, immutable list. */
  readonly readers: (string | readonly string[])[];
  first: number;
  /**
   * The last entry's base offset and batch id (-1 and '' while empty), kept beside `first`: a read,
   * nearly always at the tail, compares with them before it touches a column's backing store
   * (rarely in the CPU's cache).
   */
  tailBaseOffset: number;
  tailBatchId: string;
}

export class DurabilityOracle {
  /** In the order first acknowledged (the order checks and reports follow): walked by index at every check (1,000 at 30 brokers, 10+ checks a simulated second). */
  private readonly partitions: PartitionWatch[] = [];
  /**
   * The same watches by topic, then partition number: an acknowledgement (one per batch) finds its
   * watch without building the "topic-partition" string and hashing it. Bounded like `partitions`.
   */
  private readonly watchesByTopic = new Map<string, (PartitionWatch | undefined)[]>();
  /**
   * The topic watchOf last found and its watches, and the same for readsOf: an acknowledgement and
   * a read (one each per batch) find their topic without a Map lookup while it is the last one
   * (the reference has one topic; neither map ever drops a topic, so the lists stay theirs).
   */
  private watchesTopic: string | null = null;
  private watchesOfTopic: (PartitionWatch | undefined)[] = [];
  private tracked = 0;
  private forgotten = 0;
  private retired = 0;
  private acknowledgedRecords = 0;
  private failedCount = 0;
  private lostRecords = 0;
  private lostBatches = 0;
  private readonly losses: LossReport[] = [];
  private readonly lostIds = new Set<string>();
  /** Topic -> partition -> who read its batches (kept per partition, so a read touches only that partition's recent entries). */
  private readonly reads = new Map<string, (PartitionReads | undefined)[]>();
  /** The topic `read` was last given and its partitions' reads: consumers read one topic, so most reads skip the Map. */
  private lastReadTopic: string | null = null;
  private lastReadPartitions: (PartitionReads | undefined)[] = [];
  private readsHeldCount = 0;
  /**
   * Reader lists, shared by every batch the same consumers read in the same order: from a batch's
   * reader (a string) or list, the list with one more reader. The groups read every batch, in
   * nearly the same order, so a few lists serve the whole ledger instead of one array per batch
   * read twice or more (72 bytes and two objects each, and the smaller list before it as garbage).
   */
  private readonly readerLists = new Map<string | readonly string[], Map<string, readonly string[]>>();
  private readerListCount = 0;

  /** A consumer read this batch (check/consumption.ts): a loss report will say so. */
  read(batch: ReadBatch, reader: string): void {
    const reads = this.readsOf(batch.topic, batch.partition);
    const baseOffset = batch.baseOffset;
    const end = reads.baseOffsets.length;
    // The tail first: every group reads the newest batches, so the batch is the last entry (a later
    // group's read, two in three) or one past it (the first group's: a push, found without a search
    // of the ~300 entries a partition holds, as the entries are sorted by base offset).
    let at: number;
    if (end === reads.first || reads.tailBaseOffset < baseOffset) at = -end - 1;
    else if (reads.tailBaseOffset === baseOffset && reads.tailBatchId === batch.batchId) at = end - 1;
    else at = find(reads, baseOffset, batch.batchId);
    if (at < 0) {
      at = -at - 1;
      insertRead(reads, at, baseOffset, baseOffset + batch.records, batch.batchId, reader);
      if (++this.readsHeldCount > READ_BATCHES_MAX) this.forgetReads(reads, reads.first + 1, false);
      return;
    }
    const known = reads.readers[at]!;
    if (typeof known === 'string' ? known !== reader : known.length < READERS_PER_BATCH_MAX && !listHas(known, reader)) {
      reads.readers[at] = this.readerListOf(known, reader);
    }
  }

  /** `known` (a reader or a list) with `reader` added last: the shared list, made once (see readerLists). */
  private readerListOf(known: string | readonly string[], reader: string): readonly string[] {
    let next = this.readerLists.get(known);
    let list = next?.get(reader);
    if (list !== undefined) return list;
    // A new array of the exact length: a push would grow the array to room for ~20 readers.
    list = typeof known === 'string' ? [known, reader] : [...known, reader];
    if (this.readerListCount >= READER_LISTS_MAX) return list;
    if (next === undefined) this.readerLists.set(known, (next = new Map()));
    next.set(reader, list);
    this.readerListCount++;
    return list;
  }

  /** Distinct reader lists shared so far (bounded by READER_LISTS_MAX). */
  get readerListsHeld(): number {
    return this.readerListCount;
  }

  /** Batches remembered as read (bounded by READ_BATCHES_MAX; retention retires them). */
  get readsHeld(): number {
    return this.readsHeldCount;
  }

  private readsOf(topic: string, partition: number): PartitionReads {
    let byPartition = this.lastReadPartitions;
    if (topic !== this.lastReadTopic) {
      // Written only on a change of topic (a store of a pointer into this long-lived object takes a write barrier).
      const known = this.reads.get(topic);
      if (known === undefined) this.reads.set(topic, (byPartition = []));
      else byPartition = known;
      this.lastReadTopic = topic;
      this.lastReadPartitions = byPartition;
    }
    while (byPartition.length <= partition) byPartition.push(undefined);
    let reads = byPartition[partition];
    if (reads === undefined) byPartition[partition] = reads = { baseOffsets: [], endOffsets: [], batchIds: [], readers: [], first: 0, tailBaseOffset: -1, tailBatchId: '' };
    return reads;
  }

  /** Who read this batch, as far as remembered: for a loss report. */
  private readersOf(topic: string, partition: number, baseOffset: number, batchId: string): readonly string[] {
    const reads = this.reads.get(topic)?.[partition];
    if (reads === undefined) return [];
    const at = find(reads, baseOffset, batchId);
    if (at < 0) return [];
    const known = reads.readers[at]!;
    return typeof known === 'string' ? [known] : known;
  }

  /**
   * Drops the entries before `to` (retired or forgotten), compacting the arrays once enough went:
   * at every retirement (`atRetirement`: about a minute of the partition's reads, once per check),
   * else once half of the arrays is dead (one entry at a time past READ_BATCHES_MAX: amortized).
   * Compacting at each retirement keeps the arrays at the ledger's size, not up to twice it, and
   * removes less than half of them, so their backing stores are never trimmed and grown again.
   */
  private forgetReads(reads: PartitionReads, to: number, atRetirement: boolean): void {
    if (to <= reads.first) return;
    this.readsHeldCount -= to - reads.first;
    // Entries before `first` are never read again (find starts there): let go of their batch ids and
    // reader arrays now, so that until the next compaction they hold numbers only.
    for (let index = reads.first; index < to; index++) {
      reads.batchIds[index] = '';
      reads.readers[index] = '';
    }
    reads.first = to;
    if (to >= READS_COMPACT_MIN && (atRetirement || to * 2 >= reads.baseOffsets.length)) {
      dropFrontOf(reads.baseOffsets, to);
      dropFrontOf(reads.endOffsets, to);
      dropFrontOf(reads.batchIds, to);
      dropFrontOf(reads.readers, to);
      reads.first = 0;
    }
  }

  // ---- the producer's ledger ------------------------------------------------------------------

  sent(_batch: ProducedBatch, _atUs: TimeUs): void {}

  acknowledged(batch: ProducedBatch, baseOffset: number, acks: Acks, atUs: TimeUs): void {
    if (acks === 0) return; // acks=0 promises nothing: there is nothing to lose
    const watch = this.watchOf(batch.topic, batch.partition);
    watch.baseOffsets.push(baseOffset);
    watch.records.push(batch.records);
    watch.batchIds.push(batch.batchId);
    watch.acks.push(acks);
    watch.ackedUs.push(atUs);
    this.acknowledgedRecords += batch.records;
    this.tracked++;
    if (this.tracked > TRACKED_BATCHES_MAX) this.forgetOldest();
  }

  private watchOf(topic: string, partition: number): PartitionWatch {
    let watches = topic === this.watchesTopic ? this.watchesOfTopic : this.watchesByTopic.get(topic);
    if (watches === undefined) {
      watches = [];
      this.watchesByTopic.set(topic, watches);
    }
    this.watchesTopic = topic;
    this.watchesOfTopic = watches;
    let watch = watches[partition];
    if (watch === undefined) {
      watch = { topic, partition, key: `${topic}-${partition}`, baseOffsets: [], records: [], batchIds: [], acks: [], ackedUs: [], verifiedCount: 0, verifiedLeader: null, verifiedEpoch: -1 };
      // Filled up to `partition` first, so the array stays packed (no holes, no dictionary mode).
      while (watches.length < partition) watches.push(undefined);
      watches[partition] = watch;
      this.partitions.push(watch);
    }
    return watch;
  }

  failed(_batch: ProducedBatch, _error: ErrorCode, _detail: string, _atUs: TimeUs): void {
    this.failedCount++;
  }

  // ---- checking -------------------------------------------------------------------------------

  /** Checks every partition whose leadership changed since its last check. */
  /** `truthOf` is given the partition's key (`topic-partition`) too, so it need not build it again per partition. */
  check(nowUs: TimeUs, truthOf: (topic: string, partition: number, key: string) => PartitionTruth | null): void {
    const partitions = this.partitions;
    for (let index = 0; index < partitions.length; index++) {
      const watch = partitions[index]!;
      if (watch.baseOffsets.length === 0) continue;
      const key = watch.key;
      const truth = truthOf(watch.topic, watch.partition, key);
      if (truth === null || truth.leader === null || truth.log === null) continue; // unavailable is not lost
      this.retire(watch, truth.log.logStartOffset);
      if (watch.baseOffsets.length === 0) continue;
      const sameLeadership = truth.leader === watch.verifiedLeader && truth.leaderEpoch === watch.verifiedEpoch;
      if (sameLeadership && watch.verifiedCount === watch.baseOffsets.length) continue;
      watch.verifiedLeader = truth.leader;
      watch.verifiedEpoch = truth.leaderEpoch;
      this.verify(key, watch, truth, nowUs, sameLeadership ? watch.verifiedCount : 0);
    }
  }

  /** Batches wholly below the leader's log start were deleted by retention: they leave the ledger. */
  private retire(watch: PartitionWatch, logStartOffset: number): void {
    const { baseOffsets, records } = watch;
    let count = 0;
    while (count < baseOffsets.length && baseOffsets[count]! + records[count]! <= logStartOffset) count++;
    if (count === 0) return;
    // What consumers read below the log start is of no more use either: a deleted batch cannot be lost.
    const reads = this.reads.get(watch.topic)?.[watch.partition];
    if (reads !== undefined) {
      let to = reads.first;
      while (to < reads.endOffsets.length && reads.endOffsets[to]! <= logStartOffset) to++;
      this.forgetReads(reads, to, true);
    }
    dropFront(watch, count);
    watch.verifiedCount = Math.max(0, watch.verifiedCount - count);
    this.tracked -= count;
    this.retired += count;
  }

  private verify(key: string, watch: PartitionWatch, truth: PartitionTruth, nowUs: TimeUs, from: number): void {
    const log = truth.log!;
    // Compacts in place from `from`: batches before it were checked already, under this leadership.
    const { baseOffsets, records, batchIds, acks, ackedUs } = watch;
    const length = baseOffsets.length;
    let kept = from;
    for (let index = from; index < length; index++) {
      const baseOffset = baseOffsets[index]!;
      const batchId = batchIds[index]!;
      // peekBatchAt: an observer does not touch the simulated page cache; a local segment whose body
      // a store cannot read at once (IndexedDB) counts as holding it (it is closed, hence immutable).
      const held = baseOffset < log.logStartOffset || inRemoteTier(log, baseOffset, records[index]!) ? 'unreadable' : log.peekBatchAt(baseOffset);
      if (held === 'unreadable' || (held !== undefined && held.batchId === batchId)) {
        if (kept !== index) {
          baseOffsets[kept] = baseOffset;
          records[kept] = records[index]!;
          batchIds[kept] = batchId;
          acks[kept] = acks[index]!;
          ackedUs[kept] = ackedUs[index]!;
        }
        kept++;
        continue;
      }
      this.lostBatches++;
      this.lostRecords += records[index]!;
      if (this.losses.length < LOSS_REPORTS_MAX && !this.lostIds.has(batchId)) {
        this.lostIds.add(batchId);
        const acked: AckedBatch = { batchId, baseOffset, records: records[index]!, acks: acks[index]!, ackedUs: ackedUs[index]! };
        const readBy = this.readersOf(watch.topic, watch.partition, baseOffset, batchId);
        const cause = this.explain(key, acked, truth, held === undefined ? `its log ends at ${log.endOffset}` : `another batch is at offset ${baseOffset}`);
        this.losses.push({
          batchId,
          topic: watch.topic,
          partition: watch.partition,
          baseOffset,
          records: acked.records,
          acks: acked.acks,
          ackedUs: acked.ackedUs,
          detectedUs: nowUs,
          cause: readBy.length === 0 ? cause : `${cause}; consumers had already read it: ${readBy.join(', ')}`,
          readBy: [...readBy],
        });
      }
    }
    this.tracked -= length - kept;
    // Only when a batch was lost: setting an array's length, even to its own, lets V8 trim its
    // backing store to the length (it does when over half is spare), and the next pushes would copy
    // the whole column into a new one (~10 MB a simulated minute in the reference).
    if (kept < length) {
      baseOffsets.length = kept;
      records.length = kept;
      batchIds.length = kept;
      acks.length = kept;
      ackedUs.length = kept;
    }
    watch.verifiedCount = kept;
  }

  private explain(key: string, acked: AckedBatch, truth: PartitionTruth, what: string): string {
    const lost = `batch ${acked.batchId} (${key}, offsets ${acked.baseOffset}..${acked.baseOffset + acked.records - 1}), acknowledged at ${formatSpan(acked.ackedUs)}`;
    const now = `${truth.leader} now leads leader epoch ${truth.leaderEpoch} and does not have it (${what})`;
    if (acked.acks === 1) {
      return `${lost} with acks=1, was lost: the leader acknowledged it before any follower had copied it, then lost leadership; ${now}`;
    }
    if (truth.uncleanElection) {
      return `${lost} with acks=all, was lost: unclean.leader.election.enable let ${truth.leader}, which was not in the ISR, become leader; ${now}`;
    }
    if (truth.log !== null && truth.log.lostToPowerLoss > 0) {
      return (
        `${lost} with acks=all, was lost: its in-sync replicas lost power together, and each lost the writes its operating system had not yet written to disk ` +
        `(flush.messages and flush.ms unset: Kafka does not fsync by default). acks=all survives replicas failing one at a time, not all at once; ` +
        `flush.messages=1, or a replica in a zone that kept power, would have kept it; ${now}`
      );
    }
    if (truth.log !== null && truth.log.lostToCrashes > 0) {
      return (
        `${lost} with acks=all, was lost: its leader crashed while it was the only in-sync replica and lost the writes its operating system had not flushed ` +
        `(Kafka does not fsync by default); it stayed the only eligible leader, and the copies on former ISR members could not be used ` +
        `(Kafka's unclean-shutdown gap, closed by KIP-966 Eligible Leader Replicas); ${now}`
      );
    }
    if (truth.minInsyncReplicas <= 1) {
      return `${lost} with acks=all, was lost: min.insync.replicas=${truth.minInsyncReplicas} let the leader acknowledge it while it was the only in-sync replica, and that copy was lost; ${now}`;
    }
    return `${lost} with acks=all and min.insync.replicas=${truth.minInsyncReplicas}, was lost with no setting to allow it: this is a bug in the simulation; ${now}`;
  }

  private forgetOldest(): void {
    let oldest: PartitionWatch | null = null;
    for (const watch of this.partitions) {
      if (watch.baseOffsets.length > 0 && (oldest === null || watch.ackedUs[0]! < oldest.ackedUs[0]!)) oldest = watch;
    }
    if (oldest === null) return;
    dropFront(oldest, 1);
    oldest.verifiedCount = Math.max(0, oldest.verifiedCount - 1);
    this.tracked--;
    this.forgotten++;
  }

  status(): DurabilityStatus {
    return {
      acknowledgedBatches: this.tracked + this.lostBatches + this.forgotten + this.retired,
      acknowledgedRecords: this.acknowledgedRecords,
      failedBatches: this.failedCount,
      lostBatches: this.lostBatches,
      lostRecords: this.lostRecords,
      losses: this.losses,
      forgottenBatches: this.forgotten,
      retiredBatches: this.retired,
    };
  }
}

/** What a read names of the batch read (a LogBatch of the log read, with its partition). */
export interface ReadBatch {
  readonly topic: string;
  readonly partition: number;
  readonly baseOffset: number;
  readonly records: number;
  readonly batchId: string;
}

/** Drops a watch's `count` oldest batches. */
function dropFront(watch: PartitionWatch, count: number): void {
  dropFrontOf(watch.baseOffsets, count);
  dropFrontOf(watch.records, count);
  dropFrontOf(watch.batchIds, count);
  dropFrontOf(watch.acks, count);
  dropFrontOf(watch.ackedUs, count);
}

/**
 * Moves the column's entries after `count` to its front, in place. Not splice: splice returns the
 * removed entries as a new array, which for a retirement (about a minute of a partition's batches,
 * ~6 KB a column) V8 allocates straight into the old generation (3 MB a simulated minute of garbage
 * for the full GCs in the reference). Setting the length trims the backing store only when over
 * half of it would be spare; a retirement removes less than that of a ledger at its steady size.
 */
function dropFrontOf<T>(column: T[], count: number): void {
  const length = column.length - count;
  for (let index = 0; index < length; index++) column[index] = column[index + count]!;
  column.length = length;
}

/** The index of the entry for (baseOffset, batchId) at or after `reads.first`, or -(insertion index) - 1: after the entries at that offset. */
function find(reads: PartitionReads, baseOffset: number, batchId: string): number {
  const offsets = reads.baseOffsets;
  let low = reads.first;
  let high = offsets.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (offsets[middle]! < baseOffset) low = middle + 1;
    else high = middle;
  }
  for (; low < offsets.length && offsets[low] === baseOffset; low++) if (reads.batchIds[low] === batchId) return low;
  return -low - 1;
}

function insertRead(reads: PartitionReads, at: number, baseOffset: number, endOffset: number, batchId: string, reader: string): void {
  if (at === reads.baseOffsets.length) {
    reads.baseOffsets.push(baseOffset);
    reads.endOffsets.push(endOffset);
    reads.batchIds.push(batchId);
    reads.readers.push(reader);
    reads.tailBaseOffset = baseOffset;
    reads.tailBatchId = batchId;
    return;
  }
  // Rare: a batch below the newest read (another group reading a batch the first never fetched, or a batch written again after a truncation).
  reads.baseOffsets.splice(at, 0, baseOffset);
  reads.endOffsets.splice(at, 0, endOffset);
  reads.batchIds.splice(at, 0, batchId);
  reads.readers.splice(at, 0, reader);
}
