// The broker's page cache over closed segments, and local segments out of the heap.
//
// Goal: the simulated page cache decides what a fetch costs (a miss waits for a disk read), and the
// host's heap holds only what the cache holds: evicted segments' batch lists go to the ColdStore
// and come back through the read barrier, at the same simulated time as if they had stayed.
// Method: first the cache by itself with hand-made segments (hits, misses, the order of eviction,
// what is always resident, the barrier); then whole runs where a consumer starts late and reads a
// log that no longer fits in a small page cache, in heap mode, with a store that reads at once, and
// with one that must be asked (as IndexedDB): the same seed must give the same trace hash. Last, the
// two rare paths that used to load an evicted body without waiting (and threw with such a store): a
// follower truncating inside an evicted segment, and a parked fetch woken after its segment left.
import { describe, expect, it } from 'vitest';
import { MemoryColdStore, createEngine, type ColdStore, type Engine, type PageCacheView } from '../../../src/engine/api';
import type { LogBatch } from '../../../src/engine/broker/protocol';
import { ColdTier } from '../../../src/engine/storage/cold-tier';
import { PageCache, type CachedSegment } from '../../../src/engine/storage/page-cache';
import { runTieringHour } from '../../../bench/tiering-hour';
import { logOf, partitionState } from '../inspect';
import { AskedStore } from './asked-store';

const SECOND = 1_000_000;

function batchesFrom(base: number): LogBatch[] {
  return [{ baseOffset: base, records: 1, bytes: 100, epoch: 1, producerId: -1, baseSequence: -1, batchId: `p/${base}`, appendedUs: base, createdUs: base }];
}

/** A closed segment of `bytes`, as partition-log.ts's Segment presents itself to the cache. */
function segment(cache: PageCache, base: number, bytes: number, options: { offloadable?: () => boolean } = {}): CachedSegment {
  return {
    storeKey: cache.keyFor('t-0', base),
    bytes,
    closed: true,
    resident: false,
    body: batchesFrom(base),
    stored: false,
    dropped: false,
    readsPending: 0,
    offloadable: options.offloadable ?? (() => true),
  };
}

describe('the page cache by itself', () => {
  it('keeps the most recently written or read segments up to its capacity, and evicts the least recently used first', () => {
    const cache = new PageCache(300, null, 'local/b1/');
    const [a, b, c] = [segment(cache, 0, 100), segment(cache, 10, 100), segment(cache, 20, 100)];
    for (const s of [a, b, c]) cache.closed(s);
    expect([a.resident, b.resident, c.resident]).toEqual([true, true, true]);
    cache.touch(a); // read: a is now the most recently used, b the least
    const d = segment(cache, 30, 100);
    cache.closed(d);
    expect(b.resident, 'the least recently used went first').toBe(false);
    expect([a.resident, c.resident, d.resident]).toEqual([true, true, true]);
    expect(cache.hit(a)).toBe(true);
    expect(cache.hit(b), 'an evicted segment is a miss').toBe(false);
    expect(cache.view()).toMatchObject({ residentSegments: 3, residentBytes: 300, evictions: 1, hits: 1 });
    // Heap mode: the evicted body stays where it was; nothing is encoded.
    expect(b.body).not.toBeNull();
    expect(b.stored).toBe(false);
  });

  it('always holds the active segment: only closed segments are admitted or evicted', () => {
    const cache = new PageCache(0, null, 'local/b1/');
    const active = { ...segment(cache, 0, 500), closed: false, resident: true };
    expect(cache.hit(active), 'the active segment is always a hit').toBe(true);
    cache.touch(active);
    expect(active.resident).toBe(true);
    const closed = segment(cache, 10, 100);
    cache.closed(closed);
    expect(closed.resident, 'a zero-byte cache holds no closed segment').toBe(false);
    expect(active.resident).toBe(true);
  });

  it('in store mode, puts an evicted segment once under its local key, and deletes the key with the segment', () => {
    const store = new MemoryColdStore();
    const tier = new ColdTier(store);
    const cache = new PageCache(100, tier, 'local/b1/');
    const a = segment(cache, 0, 100);
    const b = segment(cache, 10, 100);
    cache.closed(a);
    cache.closed(b);
    expect(a.body, 'evicted: its batch list left the heap').toBeNull();
    expect([...store.keys()]).toEqual([a.storeKey]);
    expect(a.storeKey).toMatch(/^local\/b1\/t-0\/0\.\d+$/);
    expect(tier.view()).toMatchObject({ localObjectsWritten: 1 });
    // Read back (a miss), then evicted again: the store already holds it, nothing is written again.
    cache.beginRead(a, 100, 50);
    cache.finishRead(a);
    cache.endRead(a);
    expect(a.body).toEqual(batchesFrom(0));
    expect(b.resident, 'a came back as the most recently used; b went').toBe(false);
    cache.touch(b);
    expect(a.body).toBeNull();
    expect(tier.view().localObjectsWritten, 'immutable: put once').toBe(2);
    cache.drop(a);
    cache.drop(b);
    expect(store.size, 'retention or truncation deletes the keys').toBe(0);
  });

  it('keeps an evicted body in the heap while the store must not have it (a tiered segment not uploaded), and lets it go once it may', () => {
    const store = new MemoryColdStore();
    const cache = new PageCache(100, new ColdTier(store), 'local/b1/');
    let uploaded = false;
    const a = segment(cache, 0, 100, { offloadable: () => uploaded });
    cache.closed(a);
    cache.closed(segment(cache, 10, 100));
    expect(a.resident).toBe(false);
    expect(a.body, 'not uploaded: the upload still reads it').not.toBeNull();
    expect(cache.view().segmentsHeldInHeap).toBe(1);
    uploaded = true;
    cache.closed(segment(cache, 20, 100)); // a roll sweeps
    expect(a.body).toBeNull();
    expect(cache.view()).toMatchObject({ segmentsHeldInHeap: 0, segmentsOutOfHeap: 2 });
  });

  it('a miss whose body is in a store that must be asked holds the run until it is loaded, and a crash lets go of it', () => {
    const store = new AskedStore();
    const tier = new ColdTier(store);
    const holds: number[] = [];
    tier.onHold = (holdUs) => holds.push(holdUs);
    const cache = new PageCache(100, tier, 'local/b1/');
    const a = segment(cache, 0, 100);
    const other = segment(cache, 10, 100);
    cache.closed(a);
    cache.closed(other);
    expect(a.body).toBeNull();
    cache.beginRead(a, 100, 7_000);
    expect(holds, 'the kernel stops before the read completes').toEqual([7_000]);
    expect(tier.waiting()).toEqual([a.storeKey]);
    expect(() => cache.finishRead(a), 'completing before the host loaded it would bypass the barrier').toThrow(/read barrier was bypassed/);
    expect(tier.provide(a.storeKey, store.objects.get(a.storeKey)!)).toBe(true);
    cache.beginRead(a, 100, 9_000); // a second read of the same segment needs nothing more
    cache.finishRead(a);
    cache.finishRead(a);
    expect(a.body).toEqual(batchesFrom(0));
    cache.endRead(a);
    cache.endRead(a);
    expect(other.body, 'a came back; the other segment was evicted to the store').toBeNull();
    // A read the crash interrupts: its pin goes, and the run is not held for it.
    cache.beginRead(other, 100, 12_000);
    expect(holds.at(-1)).toBe(12_000);
    cache.crash();
    expect(holds.at(-1), 'nothing waits for the crashed broker').toBe(Number.POSITIVE_INFINITY);
    expect(tier.waiting()).toEqual([]);
    expect(cache.view().residentSegments, 'a crash empties the cache').toBe(0);
  });
});

// ---- whole runs ---------------------------------------------------------------------------------

/** 1 MB/s into 1 MiB segments, a 4 MB page cache, and a consumer that starts at 30 s from the earliest offset. */
function laggingEngine(seed: number, options: { pageCacheBytes?: number; coldStore?: ColdStore; tiered?: boolean } = {}): Engine {
  const tiered = options.tiered === true;
  return createEngine(
    {
      config: {
        'os.page.cache.bytes': options.pageCacheBytes ?? 4_000_000,
        'log.retention.check.interval.ms': 2_000,
        ...(tiered ? { 'remote.log.storage.system.enable': true, 'remote.log.manager.task.interval.ms': 2_000 } : {}),
      },
      topics: [
        {
          name: 'orders',
          partitions: 2,
          replicationFactor: 3,
          config: { 'min.insync.replicas': 2, 'segment.bytes': 1_048_576, 'retention.ms': 600_000, ...(tiered ? { 'remote.storage.enable': true, 'local.retention.ms': 20_000 } : {}) },
        },
      ],
      producers: [{ topic: 'orders', recordsPerSecond: 1_000, recordBytes: 1_000, acks: 'all', 'linger.ms': 5 }],
      consumers: [{ topic: 'orders', 'group.id': 'audit', 'auto.offset.reset': 'earliest', startMs: 30_000 }],
    },
    seed,
    { series: false, ...(options.coldStore === undefined ? {} : { coldStore: options.coldStore }) },
  );
}

/** Runs to `untilUs` as a host would: whenever the run is held, it loads the waiting keys and goes on. */
function runLoading(engine: Engine, store: AskedStore, untilUs: number): { holds: number; localHolds: number } {
  let holds = 0;
  let localHolds = 0;
  let guard = 0;
  while (engine.nowUs < untilUs || engine.held) {
    engine.runUntil(Math.max(untilUs, engine.nowUs));
    if (!engine.held) break;
    holds++;
    const waiting = engine.coldWaiting();
    if (waiting.some((key) => key.startsWith('local/'))) localHolds++;
    for (const key of waiting) expect(engine.provideCold(key, store.objects.get(key)!)).toBe(true);
    expect(++guard).toBeLessThan(10_000);
  }
  return { holds, localHolds };
}

function pageCaches(engine: Engine): PageCacheView[] {
  return engine.snapshot().processes.flatMap((process) => (process.storage === undefined ? [] : [process.storage.pageCache]));
}

function sum(engine: Engine, field: keyof PageCacheView): number {
  return pageCaches(engine).reduce((total, view) => total + view[field], 0);
}

describe('local segments out of the heap, in whole runs', () => {
  it('a lagging consumer misses the page cache: its fetches wait for disk reads, which the default cache would not need', () => {
    const small = laggingEngine(1);
    small.runUntil(50 * SECOND);
    const large = laggingEngine(1, { pageCacheBytes: 18 * 2 ** 30 });
    large.runUntil(50 * SECOND);
    expect(sum(small, 'misses'), 'the consumer read segments the cache had evicted').toBeGreaterThan(0);
    expect(sum(small, 'bytesReadFromDisk')).toBeGreaterThan(1_000_000);
    expect(sum(large, 'misses'), 'with 18 GiB everything this run wrote stays resident').toBe(0);
    expect(sum(large, 'evictions')).toBe(0);
    expect(small.traceHash, 'disk reads take simulated time: the run differs').not.toBe(large.traceHash);
    expect(small.durability().lostRecords).toBe(0);
  });

  it('gives the same trace with evicted segments in the heap, in a store that reads at once, and in one that must be asked (two seeds)', () => {
    for (const seed of [1, 2]) {
      const heap = laggingEngine(seed);
      heap.runUntil(50 * SECOND);
      const memoryStore = new MemoryColdStore();
      const memory = laggingEngine(seed, { coldStore: memoryStore });
      memory.runUntil(50 * SECOND);
      const askedStore = new AskedStore();
      const asked = laggingEngine(seed, { coldStore: askedStore });
      const { localHolds } = runLoading(asked, askedStore, 50 * SECOND);

      expect(sum(heap, 'misses'), `seed ${seed}: reads missed`).toBeGreaterThan(0);
      expect(localHolds, `seed ${seed}: a miss on a segment out of the heap held the run until the host loaded it`).toBeGreaterThan(0);
      expect(memory.traceHash, `seed ${seed}`).toBe(heap.traceHash);
      expect(asked.traceHash, `seed ${seed}`).toBe(heap.traceHash);
      expect(asked.eventCount).toBe(heap.eventCount);
      expect(sum(heap, 'segmentsOutOfHeap'), 'heap mode encodes nothing').toBe(0);
      expect(sum(memory, 'segmentsOutOfHeap'), 'store mode: evicted segments left the heap').toBeGreaterThan(0);
      expect(sum(memory, 'syncLoads'), 'every read of an evicted body waited at the barrier').toBe(0);
      expect(sum(asked, 'syncLoads')).toBe(0);
      expect(memory.coldView().localBytesWritten).toBeGreaterThan(0);
    }
  });

  it('gives the same trace in the three modes when a broker crashes (its page cache lost) and restarts while a consumer lags', () => {
    const play = (engine: Engine, store: AskedStore | null): void => {
      const until = (us: number): void => {
        if (store === null) engine.runUntil(us);
        else runLoading(engine, store, us);
      };
      until(36 * SECOND);
      engine.inject({ kind: 'crash', process: 'broker-1' });
      until(42 * SECOND);
      engine.inject({ kind: 'restart', process: 'broker-1' });
      until(60 * SECOND);
    };
    const heap = laggingEngine(6);
    play(heap, null);
    const memory = laggingEngine(6, { coldStore: new MemoryColdStore() });
    play(memory, null);
    const askedStore = new AskedStore();
    const asked = laggingEngine(6, { coldStore: askedStore });
    play(asked, askedStore);
    expect(sum(heap, 'misses')).toBeGreaterThan(0);
    expect(memory.traceHash).toBe(heap.traceHash);
    expect(asked.traceHash).toBe(heap.traceHash);
    expect(asked.coldView().waiting, 'nothing is left waiting for the crashed life').toBe(0);
    expect(heap.durability().lostRecords).toBe(0);
  });

  it('a read that misses is delivered at the same simulated time whether the body was in the heap or had to be loaded', () => {
    const store = new AskedStore();
    const engine = laggingEngine(3, { coldStore: store });
    let guard = 0;
    while (!(engine.held && engine.coldWaiting().some((key) => key.startsWith('local/')))) {
      if (engine.held) for (const key of engine.coldWaiting()) engine.provideCold(key, store.objects.get(key)!);
      engine.runFor(SECOND);
      expect(++guard, 'the lagging consumer misses within 60 s').toBeLessThan(60);
    }
    const heldAt = engine.nowUs;
    const events = engine.eventCount;
    expect(engine.runFor(SECOND), 'held: nothing runs until the body arrives').toBe(0);
    for (const key of engine.coldWaiting()) engine.provideCold(key, store.objects.get(key)!);
    let next = engine.step();
    while (next !== null && !(next.kind === 'timer' && next.label === 'disk:read')) next = engine.step();
    expect(next, 'the disk read completes').not.toBeNull();
    expect(next!.timeUs).toBeGreaterThanOrEqual(heldAt);

    const heap = laggingEngine(3);
    heap.runUntilCondition((e) => e.eventCount >= events, { maxTimeUs: 120 * SECOND });
    let same = heap.step();
    while (same !== null && !(same.kind === 'timer' && same.label === 'disk:read')) same = heap.step();
    expect(same).toEqual(next);
  });

  it('retention deletes evicted segments and their keys; the store holds only what the logs still have', () => {
    const store = new MemoryColdStore();
    const engine = laggingEngine(4, { coldStore: store, tiered: true });
    engine.runUntil(90 * SECOND);
    const localKeys = [...store.keys()].filter((key) => key.startsWith('local/'));
    const outOfHeap = sum(engine, 'segmentsOutOfHeap');
    expect(engine.coldView().localObjectsWritten, 'segments were evicted and stored').toBeGreaterThan(localKeys.length);
    // Local retention (20 s) deleted most of what was evicted: every key left belongs to a segment still on a disk.
    expect(localKeys.length).toBeGreaterThanOrEqual(outOfHeap);
    const live = new Set<string>();
    for (const process of engine.snapshot().processes) if (process.storage !== undefined) live.add(process.id);
    for (const key of localKeys) expect(live.has(key.split('/')[1]!)).toBe(true);
    expect(engine.durability().lostRecords).toBe(0);
  });

  it('a power loss keeps evicted segments (they were written back), and a replaced disk deletes its keys', () => {
    const store = new AskedStore();
    const engine = laggingEngine(5, { coldStore: store });
    runLoading(engine, store, 25 * SECOND);
    const broker = engine.snapshot().processes.find((process) => process.storage !== undefined && process.storage.pageCache.segmentsOutOfHeap > 0)!;
    const prefix = `local/${broker.id}/`;
    const before = store.localKeys().filter((key) => key.startsWith(prefix));
    expect(before.length, `${broker.id} evicted segments to the store`).toBeGreaterThan(0);
    engine.inject({ kind: 'power-loss', process: broker.id });
    const after = store.localKeys().filter((key) => key.startsWith(prefix));
    expect(after, 'written-back segments survive a power loss').toEqual(expect.arrayContaining(before));
    const crashed = engine.snapshot().processes.find((process) => process.id === broker.id)!.storage!.pageCache;
    expect(crashed.residentSegments, 'the power took the page cache: every closed segment is evicted').toBe(0);
    expect(after.length).toBe(crashed.segmentsOutOfHeap);
    engine.inject({ kind: 'restart', process: broker.id });
    runLoading(engine, store, 60 * SECOND);
    // The late consumer read everything from the start, including what the restarted broker had evicted.
    expect(engine.durability().lostRecords).toBe(0);
    expect(sum(engine, 'syncLoads')).toBe(0);

    engine.inject({ kind: 'replace-disk', process: broker.id });
    expect(store.localKeys().filter((key) => key.startsWith(prefix)), 'a new disk: none of the old one\'s segments are left').toEqual([]);
    engine.inject({ kind: 'restart', process: broker.id });
    runLoading(engine, store, 80 * SECOND);
    expect(engine.durability().lostRecords).toBe(0);
  });
});

describe('the one-hour tiering bench (bench/tiering-hour.ts), briefly', () => {
  it('keeps local segments out of the heap: each broker holds at most its page cache of closed segments, the rest is in the file store', () => {
    // One simulated minute of the reference load (not timed: the machine is shared) with an 8 MiB
    // page cache, so segments are evicted within the minute; `npm run bench` runs the hour.
    const pageCacheBytes = 8 * 1_048_576;
    const result = runTieringHour({ minutes: 1, cold: 'file', pageCacheBytes, reportEveryMinutes: 1 });
    expect(result.localObjectsWritten, 'evicted segments were written to the store').toBeGreaterThan(0);
    expect(result.segmentsOutOfHeap).toBeGreaterThan(0);
    expect(result.residentBytesMax, 'no broker holds more than its page cache').toBeLessThanOrEqual(pageCacheBytes);
    expect(result.coldBytesWritten).toBeGreaterThan(result.localBytesWritten);
    expect(result.lostRecords).toBe(0);
    expect(result.recordsAcked).toBeGreaterThan(1_000_000);
  }, 600_000);
});

// ---- no synchronous read of an evicted segment (the paths that reached PageCache.bodyOf) --------

/**
 * One partition on three brokers, acks=1 at 1 MB/s into 1 MiB segments, a 4 MB page cache and
 * unclean leader election: the run a follower truncates deep into its old segments in.
 */
function uncleanEngine(seed: number, coldStore?: ColdStore): Engine {
  return createEngine(
    {
      config: { 'os.page.cache.bytes': 4_000_000, 'unclean.leader.election.enable': true },
      topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 1, 'segment.bytes': 1_048_576 } }],
      producers: [{ topic: 'orders', recordsPerSecond: 1_000, recordBytes: 1_000, acks: 1, 'linger.ms': 5 }],
    },
    seed,
    { series: false, ...(coldStore === undefined ? {} : { coldStore }) },
  );
}

describe('no read of an evicted segment waits for nothing (issue 6: the synchronous paths)', () => {
  it('a follower truncating to an offset inside an evicted segment (after an unclean election) waits for its disk read: same trace in the three modes', () => {
    // Broker X stops at 8 s (a controlled shutdown: it flushes, so its log ends inside a segment, and
    // it leaves the ISR); the two others crash at 45 s; X comes back and is elected uncleanly with
    // the log it had at 8 s; the old replicas restart with an empty page cache (a crash empties it)
    // and truncate to X's end, inside one of their closed segments, evicted.
    const play = (engine: Engine, store: AskedStore | null): { truncations: string[]; cutInsideClosedSegment: boolean } => {
      const until = (us: number): void => {
        if (store === null) engine.runUntil(us);
        else runLoading(engine, store, us);
      };
      until(8 * SECOND);
      const replicas = partitionState(engine).replicas;
      const leader = partitionState(engine).leader!;
      const behind = replicas.find((broker) => broker !== leader)!;
      engine.inject({ kind: 'shutdown', process: behind });
      until(45 * SECOND);
      for (const broker of replicas) if (broker !== behind) engine.inject({ kind: 'crash', process: broker });
      until(46 * SECOND);
      engine.inject({ kind: 'restart', process: behind });
      until(52 * SECOND);
      // Where the old replicas will cut: the unclean leader's end, strictly inside one of their closed segments.
      const cut = logOf(engine, behind).endOffset;
      const cutInsideClosedSegment = replicas
        .filter((broker) => broker !== behind)
        .every((broker) => logOf(engine, broker).segmentViews().slice(0, -1).some((view) => view.baseOffset < cut && cut < view.endOffset));
      for (const broker of replicas) if (broker !== behind) engine.inject({ kind: 'restart', process: broker });
      until(70 * SECOND);
      return { cutInsideClosedSegment, truncations: engine.snapshot({ notableFrom: 0 }).notable.filter((entry) => entry.kind === 'note' && entry.label.includes('diverged from leader')).map((entry) => entry.label) };
    };
    const heap = uncleanEngine(4);
    const heapRun = play(heap, null);
    const memory = uncleanEngine(4, new MemoryColdStore());
    play(memory, null);
    const askedStore = new AskedStore();
    const asked = uncleanEngine(4, askedStore);
    const askedRun = play(asked, askedStore);

    expect(heapRun.truncations.length, 'the old replicas truncated to the unclean leader').toBeGreaterThan(0);
    expect(heapRun.cutInsideClosedSegment, 'the cut falls strictly inside a closed segment of each old replica').toBe(true);
    expect(askedRun.truncations).toEqual(heapRun.truncations);
    expect(sum(asked, 'syncLoads'), 'no body was loaded without waiting at the barrier').toBe(0);
    expect(memory.traceHash).toBe(heap.traceHash);
    expect(asked.traceHash).toBe(heap.traceHash);
  });

  it('a consumer parked long enough for its segment to be evicted waits for the disk read when woken: same trace in the three modes', () => {
    // A follower (not the group coordinator) crashes at 13 s: it stays in the ISR until
    // replica.lag.time.max.ms passes, so the high watermark stands still while the leader (acks=1)
    // rolls a segment a second. The consumer,
    // at the high watermark, parks for up to fetch.max.wait.ms (40 s here); the segment it will read
    // is evicted meanwhile (4 MB of page cache). When the ISR shrinks the high watermark moves and
    // wakes it: its read misses, as a fresh fetch's would.
    const build = (coldStore?: ColdStore): Engine =>
      createEngine(
        {
          config: { 'os.page.cache.bytes': 4_000_000 },
          topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 1, 'segment.bytes': 1_048_576 } }],
          producers: [{ topic: 'orders', recordsPerSecond: 1_000, recordBytes: 1_000, acks: 1, 'linger.ms': 5 }],
          consumers: [{ topic: 'orders', 'group.id': 'tail', 'fetch.max.wait.ms': 40_000 }],
        },
        5,
        { series: false, ...(coldStore === undefined ? {} : { coldStore }) },
      );
    const play = (engine: Engine, store: AskedStore | null): void => {
      const until = (us: number): void => {
        if (store === null) engine.runUntil(us);
        else runLoading(engine, store, us);
      };
      until(13 * SECOND); // the consumer has joined its group and reads at the tail
      const state = partitionState(engine);
      const coordinator = engine.snapshot().processes.find((process) => process.id === 'consumer-1')!.view!.consumer!.coordinator;
      engine.inject({ kind: 'crash', process: state.replicas.find((broker) => broker !== state.leader && broker !== coordinator)! });
      until(40 * SECOND);
    };
    const wokenToDisk = (engine: Engine): number =>
      engine.snapshot().processes.reduce((total, process) => total + (process.view?.consumerFetch?.wokenToDisk ?? 0), 0);
    const heap = build();
    play(heap, null);
    const memory = build(new MemoryColdStore());
    play(memory, null);
    const askedStore = new AskedStore();
    const asked = build(askedStore);
    play(asked, askedStore);

    expect(wokenToDisk(heap), 'a woken parked fetch found its segment evicted and waited for the disk').toBeGreaterThan(0);
    expect(wokenToDisk(asked)).toBe(wokenToDisk(heap));
    expect(sum(asked, 'syncLoads'), 'no body was loaded without waiting at the barrier').toBe(0);
    expect(memory.traceHash).toBe(heap.traceHash);
    expect(asked.traceHash).toBe(heap.traceHash);
  });
});
