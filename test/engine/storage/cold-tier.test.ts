// Cold bytes out of the heap: the object store's bodies go to a ColdStore, encoded, and the run is
// the same run whether they stay in the heap, sit in a store that reads at once, or in one that must
// be asked (IndexedDB): a read that waits is held at its moment and delivered at that same moment.
// Method: a tiered partition with a consumer that starts late and reads old offsets from the object
// store; the same seeds run in the three modes and must give the same trace hash. The asked-for
// store never reads at once, so every remote read stops the run at the barrier (counted: the rare
// path is proven hit); the test plays the host, loading the waiting keys between run calls.
import { describe, expect, it } from 'vitest';
import { MemoryColdStore, createEngine, type ColdStore, type Engine } from '../../../src/engine/api';
import { COLD_CACHE_OBJECTS_MAX, ColdTier } from '../../../src/engine/storage/cold-tier';
import { decodeBatches } from '../../../src/engine/storage/segment-codec';
import type { LogBatch } from '../../../src/engine/broker/protocol';
import { AskedStore } from './asked-store';

const SECOND = 1_000_000;

function tieredEngine(seed: number, coldStore?: ColdStore): Engine {
  return createEngine(
    {
      config: { 'remote.log.storage.system.enable': true, 'remote.log.manager.task.interval.ms': 2_000, 'log.retention.check.interval.ms': 2_000 },
      topics: [{ name: 'orders', partitions: 2, replicationFactor: 3, config: { 'min.insync.replicas': 2, 'segment.ms': 2_000, 'retention.ms': 600_000, 'remote.storage.enable': true, 'local.retention.ms': 4_000 } }],
      producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all', 'linger.ms': 5, startMs: 6_000 }],
      consumers: [{ topic: 'orders', 'group.id': 'audit', 'auto.offset.reset': 'earliest', startMs: 40_000 }],
    },
    seed,
    { series: false, ...(coldStore === undefined ? {} : { coldStore }) },
  );
}

/** Runs to `untilUs` as a host would: whenever the run is held, it loads the waiting keys and goes on. */
function runLoading(engine: Engine, store: AskedStore, untilUs: number): { holds: number; heldAtUs: number[] } {
  const heldAtUs: number[] = [];
  let guard = 0;
  while (engine.nowUs < untilUs || engine.held) {
    engine.runUntil(Math.max(untilUs, engine.nowUs));
    if (!engine.held) break;
    heldAtUs.push(engine.nowUs);
    const waiting = engine.coldWaiting();
    expect(waiting.length, 'a held run names what it waits for').toBeGreaterThan(0);
    for (const key of waiting) expect(engine.provideCold(key, store.objects.get(key)!)).toBe(true);
    expect(++guard).toBeLessThan(10_000);
  }
  return { holds: heldAtUs.length, heldAtUs };
}

function remoteReads(engine: Engine): number {
  let reads = 0;
  for (const { view } of engine.processViews()) reads += view.remoteLog?.remoteReads ?? 0;
  return reads;
}

describe('cold bytes out of the heap', () => {
  it('gives the same trace with bodies in the heap, in a store that reads at once, and in one that must be asked (three seeds)', () => {
    for (const seed of [1, 2, 3]) {
      const heap = tieredEngine(seed);
      heap.runUntil(70 * SECOND);
      const memoryStore = new MemoryColdStore();
      const memory = tieredEngine(seed, memoryStore);
      memory.runUntil(70 * SECOND);
      const askedStore = new AskedStore();
      const asked = tieredEngine(seed, askedStore);
      const { holds } = runLoading(asked, askedStore, 70 * SECOND);

      expect(remoteReads(heap), `seed ${seed}: the late consumer read from the object store`).toBeGreaterThan(0);
      expect(holds, `seed ${seed}: every remote read that missed the cache held the run`).toBeGreaterThan(0);
      expect(memory.traceHash, `seed ${seed}`).toBe(heap.traceHash);
      expect(asked.traceHash, `seed ${seed}`).toBe(heap.traceHash);
      expect(asked.eventCount).toBe(heap.eventCount);
      // The bodies left the heap: the memory store holds every object, encoded, and the tier wrote them.
      const view = memory.coldView();
      expect(view.mode).toBe('store');
      expect(memoryStore.size).toBe(heap.processViews().find(({ id }) => id === 'object-store')!.view.objectStore!.objects);
      expect(view.bytesWritten).toBeGreaterThan(0);
      expect(heap.coldView()).toMatchObject({ mode: 'heap', bytesWritten: 0 });
      expect(asked.coldView().loadsProvided).toBe(holds === 0 ? 0 : asked.coldView().loadsProvided);
    }
  });

  it('holds a read that waits at its moment: the clock stops before the answer, and the answer leaves at that same time once loaded', () => {
    const store = new AskedStore();
    const engine = tieredEngine(4, store);
    // Run until the first hold.
    let guard = 0;
    while (!engine.held) {
      engine.runFor(SECOND);
      expect(++guard, 'the late consumer makes the leader read from the object store within 60 s').toBeLessThan(60);
    }
    const heldAt = engine.nowUs;
    const events = engine.eventCount;
    const waiting = engine.coldWaiting();
    // Held: however often it is asked to run, nothing happens until the bodies arrive.
    expect(engine.runFor(5 * SECOND)).toBe(0);
    expect(engine.step()).toBeNull();
    expect(engine.nowUs).toBe(heldAt);
    expect(engine.eventCount).toBe(events);
    for (const key of waiting) expect(engine.provideCold(key, store.objects.get(key)!)).toBe(true);
    expect(engine.provideCold(waiting[0]!, store.objects.get(waiting[0]!)!), 'a second copy is refused: nothing waits for it').toBe(false);
    // The next event is the object store's answer timer, at or after the moment the run stopped.
    const next = engine.step();
    expect(next).toMatchObject({ kind: 'timer', process: 'object-store' });
    expect(next!.timeUs).toBeGreaterThanOrEqual(heldAt);

    // The same moment in a run that never waits: the answer left at the same simulated time.
    const heap = tieredEngine(4);
    heap.runUntilCondition((e) => e.eventCount >= events, { maxTimeUs: 120 * SECOND });
    const answer = heap.step();
    expect(answer).toEqual(next);
  });

  it('refuses damaged bytes by name and keeps the run held, so nothing wrong is ever delivered', () => {
    const store = new AskedStore();
    const engine = tieredEngine(5, store);
    while (!engine.held) engine.runFor(SECOND);
    const [key] = engine.coldWaiting();
    const damaged = store.objects.get(key!)!.slice();
    damaged[damaged.length - 1] = damaged[damaged.length - 1]! ^ 0xff;
    expect(() => engine.provideCold(key!, damaged)).toThrow(/a stored segment is damaged: its CRC-32C/);
    expect(engine.coldWaiting()).toContain(key);
    expect(engine.runFor(SECOND)).toBe(0);
    expect(engine.held).toBe(true);
  });
});

describe('the cold tier by itself', () => {
  const body = (base: number): LogBatch[] => [{ baseOffset: base, records: 1, bytes: 100, epoch: 1, producerId: -1, baseSequence: -1, batchId: `p/${base}`, appendedUs: base, createdUs: base }];

  it('serves a GET that started before a DELETE, and deletes the bytes from the store only once the answer took them', () => {
    const store = new AskedStore();
    const tier = new ColdTier(store);
    const holds: number[] = [];
    tier.onHold = (holdUs) => holds.push(holdUs);
    tier.put('a', body(1));
    tier.need('a', 500);
    expect(holds).toEqual([500]);
    tier.delete('a');
    expect(store.objects.has('a'), 'pinned by the pending answer').toBe(true);
    expect(tier.provide('a', store.objects.get('a')!)).toBe(true);
    expect(holds).toEqual([500, Number.POSITIVE_INFINITY]);
    expect(tier.take('a')).toEqual(body(1));
    expect(store.objects.has('a')).toBe(false);
    expect(() => tier.take('a')).toThrow(/never asked for; the read barrier was bypassed/);
  });

  it('keeps at most COLD_CACHE_OBJECTS_MAX decoded bodies, and serves repeated reads from them', () => {
    const store = new AskedStore();
    const tier = new ColdTier(store);
    for (let i = 0; i <= COLD_CACHE_OBJECTS_MAX; i++) {
      tier.put(`k${i}`, body(i));
      tier.need(`k${i}`, i);
      tier.provide(`k${i}`, store.objects.get(`k${i}`)!);
      tier.take(`k${i}`);
    }
    expect(tier.view().cachedObjects).toBe(COLD_CACHE_OBJECTS_MAX);
    tier.need(`k${COLD_CACHE_OBJECTS_MAX}`, 100); // the newest: still cached, no wait
    expect(tier.waiting()).toEqual([]);
    tier.need('k0', 100); // the oldest went first
    expect(tier.waiting()).toEqual(['k0']);
    expect(tier.view().cacheHits).toBe(1);
  });

  it('forgets what a crashed object store waited for, so its run is never held by an answer that will not come', () => {
    const store = new AskedStore();
    const tier = new ColdTier(store);
    let hold = 0;
    tier.onHold = (holdUs) => (hold = holdUs);
    tier.put('a', body(1));
    tier.need('a', 10);
    tier.delete('a');
    tier.dropNeeds();
    expect(hold).toBe(Number.POSITIVE_INFINITY);
    expect(tier.waiting()).toEqual([]);
    expect(store.objects.has('a'), 'the delete it postponed is done').toBe(false);
  });

  it('stores the encoded body only: the bytes in the store decode to the batches put', () => {
    const store = new MemoryColdStore();
    const tier = new ColdTier(store);
    tier.put('a', body(7));
    expect(decodeBatches(store.readNow('a')!)).toEqual(body(7));
    expect(tier.view()).toMatchObject({ objectsWritten: 1, bytesWritten: store.bytes });
  });
});
