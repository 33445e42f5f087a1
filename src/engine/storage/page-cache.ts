// A broker machine's OS page cache over its closed local log segments, and where a segment's batch
// list lives when the cache no longer holds it.
//
// Kafka does not cache log data itself: it appends to segment files and serves fetches from them
// with FileRecords.writeTo -> FileChannel.transferTo (sendfile), so what is fast is what the
// operating system's page cache holds (Kafka's documentation, "Don't fear the filesystem": "rather
// than maintain as much as possible in-memory ... all data is immediately written to a persistent
// log on the filesystem ... transferred into the kernel's pagecache"). A consumer at the tail reads
// pages just written; a lagging consumer or a new replica reads old segments from the device, and
// those page cache misses compete for the disk (the Kora paper, VLDB 2023, section 5: lagging
// consumers cause cache misses and disk reads that slow the brokers' other traffic, one reason Kora
// tiers old data to object storage).
//
// The simulated cache, per broker machine, at segment granularity:
//   resident     the active segment of every log (written now, always in memory: it is not counted
//                against the capacity, a simplification) and the closed segments most recently
//                written (rolled) or read, least recently used first out, up to `capacityBytes`
//                (os.page.cache.bytes: the machine's RAM left to the OS page cache).
//   evicted      a closed segment beyond the capacity: it is on the device only. A fetch that reads
//                it is a page cache miss (local-reads.ts): it waits for a disk read, then the
//                segment is resident again (most recently used).
//   crash        a machine crash or power loss empties the cache (memory is gone); a halted broker
//                process (its OS still up) keeps it.
// Every closed segment is durable (Kafka's roll flushes the segment it closes), so an evicted
// segment is always written back.
//
// The heap (what the host keeps, never what the simulation sees): with a ColdStore (store mode), an
// evicted segment's batch list is encoded and put under `local/<broker>/<topic>-<partition>/<base>.<serial>`
// and leaves the heap; a miss brings it back through the cold tier's read barrier (ColdTier.need at
// the read's completion time, take when it completes). In heap mode nothing is encoded, and the
// simulated residency, the misses and their disk reads are the same: the trace does not depend on
// the mode. A segment stays in the heap while evicted when the store must not have it yet: a tiered
// log's segment not yet uploaded (the upload reads its batches), an internal topic's (the group
// coordinator reads __consumer_offsets synchronously), or one a pending read holds; `sweep` retries.
//
// No synchronous path reaches an evicted body (bodyOf throws if one does and the store cannot read
// at once): fetches are checked before they are handled (local-reads.ts), and so are a parked
// consumer fetch when it is woken (consumer-fetch.ts toDisk: it waits for the disk read like a fresh
// fetch, since the page is not in memory) and a follower's truncation to an offset strictly inside
// an evicted segment (local-reads.ts submitTruncations: the ReplicaFetchResponse waits for the read,
// as Kafka's LogSegment.truncateTo reads the segment to find the cut). Deferring the response was
// chosen over keeping a batch index in the heap: it reuses the read barrier, keeps a truncated
// segment's kept batches in the heap as the new active segment (as before), and costs no memory per
// evicted segment; the cost is a disk read on a rare path, the same in every mode. Epochs at an
// offset in an evicted segment come from the leader epoch cache (partition-log.ts epochAt), and a
// completed produce does not read its batch back (residentBatchAt). Both also hold in heap mode.
//
// Never: decides anything simulated from where a body is (heap or store), evicts an active segment,
// or holds more than `capacityBytes` of closed segments resident.

import type { LogBatch } from '../broker/protocol';
import type { TimeUs } from '../sim/time';
import type { ColdTier } from './cold-tier';

/**
 * The default os.page.cache.bytes: 18 GiB. An assumption, named: Kafka's documentation (Operations,
 * "Hardware and OS") describes brokers of 24 GB of memory with a 6 GB heap (its recommended
 * -Xmx6g), the rest left to the OS page cache; 24 - 6 = 18 GiB. Large enough that the lessons'
 * segments never leave it, so only a lagging reader of a long log sees misses.
 */
export const PAGE_CACHE_BYTES_DEFAULT = 18 * 1_073_741_824;

/** The prefix of local segment keys in the ColdStore (object store keys never start with it). */
export const LOCAL_KEY_PREFIX = 'local/';

/** What the cache needs of a segment (partition-log.ts's Segment implements it). */
export interface CachedSegment {
  /** The ColdStore key of its body, fixed when it was created. */
  readonly storeKey: string;
  readonly bytes: number;
  readonly closed: boolean;
  /** Simulated: in the page cache. */
  resident: boolean;
  /** Its batch list, or null while it is only in the ColdStore. */
  body: LogBatch[] | null;
  /** Its body was put in the ColdStore (it is immutable: put once, deleted with the segment). */
  stored: boolean;
  /** Deleted from its log (retention, truncation, a replaced disk). */
  dropped: boolean;
  /** Disk reads in flight that will bring it back (they hold its body in the heap). */
  readsPending: number;
  /** Whether its body may go to the ColdStore now (internal topic, tiered and not uploaded: no). */
  offloadable(): boolean;
}

/** What the page and the bench see of one broker's page cache. */
export interface PageCacheView {
  readonly capacityBytes: number;
  /** Closed segments resident, and their bytes (active segments are always resident, not counted). */
  readonly residentSegments: number;
  readonly residentBytes: number;
  /** Reads of closed segments that found them resident, and those that missed (each waited for a disk read). */
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  /** Bytes read from the device by misses. */
  readonly bytesReadFromDisk: number;
  /** Evicted segments whose batch list is in the ColdStore, not the heap (store mode). */
  readonly segmentsOutOfHeap: number;
  /** Evicted segments still in the heap, waiting to be allowed out (not uploaded yet, internal topic). */
  readonly segmentsHeldInHeap: number;
  /** Bodies read back without waiting at the barrier (a synchronous path met an evicted segment). */
  readonly syncLoads: number;
}

export class PageCache {
  /** Resident closed segments, least recently used first. */
  private readonly lru = new Set<CachedSegment>();
  private residentBytes = 0;
  /** Evicted but kept in the heap until `offloadable` (store mode only). */
  private readonly heldInHeap = new Set<CachedSegment>();
  /** Segments with disk reads in flight. */
  private readonly reading = new Set<CachedSegment>();
  /** Of those, how many reads asked the cold tier for the body (each takes it once, or gives it up). */
  private readonly needed = new Map<CachedSegment, number>();
  private serial = 0;
  private outOfHeap = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private bytesRead = 0;
  private syncLoads = 0;

  constructor(
    readonly capacityBytes: number,
    /** Where bodies go; null or heap mode: they stay. */
    private readonly tier: ColdTier | null,
    /** "local/<broker>/": the key space of this machine's segments. */
    private readonly keyPrefix: string,
  ) {}

  /** A new segment's store key (the serial keeps a recreated base offset from meeting an old key). */
  keyFor(topicPartition: string, baseOffset: number): string {
    return `${this.keyPrefix}${topicPartition}/${baseOffset}.${this.serial++}`;
  }

  private get storing(): boolean {
    return this.tier !== null && this.tier.mode === 'store';
  }

  /** A segment just closed (rolled): its pages were just written, it is the most recently used. */
  closed(segment: CachedSegment): void {
    this.admit(segment);
    this.evictOverflow();
    if (this.heldInHeap.size > 0) this.sweep();
  }

  /** A read of a closed segment (a fetch, a truncation, a retention check): a hit moves it last. */
  touch(segment: CachedSegment): void {
    if (!segment.closed || segment.dropped) return;
    if (segment.resident) {
      this.lru.delete(segment);
      this.lru.add(segment);
      return;
    }
    // A read that did not wait for the disk (not a fetch): it costs nothing in simulated time, but
    // the segment is resident from now on, in both modes alike.
    this.misses++;
    this.bodyOf(segment);
    this.admit(segment);
    this.evictOverflow();
  }

  /** Whether a read of this segment would be a hit, counting the hit (a fetch asks before reading). */
  hit(segment: CachedSegment): boolean {
    if (!segment.closed || segment.resident) {
      if (segment.closed) this.hits++;
      return true;
    }
    return false;
  }

  /** A miss: a disk read of `bytes` completes at `doneUs`; its body is held, or asked of the store by then. */
  beginRead(segment: CachedSegment, bytes: number, doneUs: TimeUs): void {
    this.misses++;
    this.bytesRead += bytes;
    segment.readsPending++;
    this.reading.add(segment);
    this.heldInHeap.delete(segment);
    if (segment.body === null) {
      this.tier!.need(segment.storeKey, doneUs);
      this.needed.set(segment, (this.needed.get(segment) ?? 0) + 1);
    }
  }

  /** A resident segment a waiting request will read: its body stays in the heap until the request is handled. */
  hold(segment: CachedSegment): void {
    segment.readsPending++;
    this.reading.add(segment);
  }

  /** The disk read completed: the segment is resident (most recently used), its body in the heap. */
  finishRead(segment: CachedSegment): void {
    const needs = this.needed.get(segment) ?? 0;
    if (needs > 0) {
      if (needs === 1) this.needed.delete(segment);
      else this.needed.set(segment, needs - 1);
      const batches = this.tier!.take(segment.storeKey);
      if (segment.body === null && !segment.dropped) {
        segment.body = batches as LogBatch[]; // closed segments never change
        this.outOfHeap--;
      }
    }
    if (!segment.dropped && !segment.resident) this.admit(segment);
  }

  /** The request that waited for the read was handled: the segment may be evicted again. */
  endRead(segment: CachedSegment): void {
    if (segment.readsPending > 0 && --segment.readsPending === 0) this.reading.delete(segment);
    this.evictOverflow();
  }

  /** A segment left its log: out of the cache, and its body out of the store. */
  drop(segment: CachedSegment): void {
    if (segment.dropped) return;
    segment.dropped = true;
    if (segment.resident && segment.closed) {
      this.lru.delete(segment);
      this.residentBytes -= segment.bytes;
      segment.resident = false;
    }
    this.heldInHeap.delete(segment);
    if (segment.body === null) this.outOfHeap--;
    if (segment.stored) this.tier!.delete(segment.storeKey);
  }

  /** The machine crashed or lost power: the cache is empty, and reads in flight are gone with the process. */
  crash(): void {
    this.abandonReads();
    for (const segment of [...this.lru]) this.evict(segment);
  }

  /** A new process life: disk reads the last one started will never complete. */
  abandonReads(): void {
    for (const [segment, needs] of this.needed) for (let index = 0; index < needs; index++) this.tier!.unneed(segment.storeKey);
    this.needed.clear();
    for (const segment of this.reading) {
      segment.readsPending = 0;
      if (!segment.resident && !segment.dropped) this.offload(segment);
    }
    this.reading.clear();
  }

  /** A segment's batches, loaded at once when its body is in the store (a read that did not wait). */
  bodyOf(segment: CachedSegment): LogBatch[] {
    if (segment.body !== null) return segment.body;
    const batches = this.tier!.readLocalNow(segment.storeKey);
    if (batches === null) {
      throw new Error(`local segment ${segment.storeKey} is evicted from the simulated page cache and its body is not readable at once from the cold store; a read of it must wait for a disk read (local-reads.ts)`);
    }
    this.syncLoads++;
    segment.body = batches as LogBatch[];
    this.outOfHeap--;
    return segment.body;
  }

  /** An observer's look at a body (the durability checker): read at once if the store can, never kept. */
  peekBody(segment: CachedSegment): readonly LogBatch[] | null {
    return segment.body ?? this.tier!.readLocalNow(segment.storeKey);
  }

  /** Evicted segments held in the heap go to the store once they may (called after rolls). */
  sweep(): void {
    for (const segment of this.heldInHeap) {
      if (segment.resident || segment.dropped || segment.readsPending > 0) {
        this.heldInHeap.delete(segment);
        continue;
      }
      if (segment.offloadable()) {
        this.heldInHeap.delete(segment);
        this.moveOut(segment);
      }
    }
  }

  view(): PageCacheView {
    return {
      capacityBytes: this.capacityBytes,
      residentSegments: this.lru.size,
      residentBytes: this.residentBytes,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      bytesReadFromDisk: this.bytesRead,
      segmentsOutOfHeap: this.outOfHeap,
      segmentsHeldInHeap: this.heldInHeap.size,
      syncLoads: this.syncLoads,
    };
  }

  private admit(segment: CachedSegment): void {
    segment.resident = true;
    this.lru.add(segment);
    this.residentBytes += segment.bytes;
  }

  private evictOverflow(): void {
    if (this.residentBytes <= this.capacityBytes) return;
    for (const segment of this.lru) {
      if (this.residentBytes <= this.capacityBytes) return;
      this.evict(segment);
    }
  }

  private evict(segment: CachedSegment): void {
    this.lru.delete(segment);
    this.residentBytes -= segment.bytes;
    segment.resident = false;
    this.evictions++;
    this.offload(segment);
  }

  /** An evicted segment's body leaves the heap when the store may have it; else it waits in `heldInHeap`. */
  private offload(segment: CachedSegment): void {
    if (!this.storing || segment.body === null) return;
    if (segment.readsPending > 0) return; // the read's end admits it again
    if (!segment.offloadable()) {
      this.heldInHeap.add(segment);
      return;
    }
    this.moveOut(segment);
  }

  private moveOut(segment: CachedSegment): void {
    if (!segment.stored) {
      this.tier!.put(segment.storeKey, segment.body!);
      segment.stored = true;
    }
    segment.body = null;
    this.outOfHeap++;
  }
}
