// Cold bytes in IndexedDB (fake-indexeddb here; real Chromium in test/e2e/persist.spec.ts). Goal:
// the object store's segments of a saved session are written behind the run into the session's own
// database, store "objects", and read back when the run needs them; the run is the same run as one
// that keeps them in the heap, also after a reload (resume) and a rewind; a full disk, and a record
// that is damaged or missing, are said in words and the run goes on in memory.
// Method: the adapter alone for its writes, reads and failures; then the worker's host with a
// tiered cluster whose late consumer reads old segments, awaiting the writes between stretches so
// that reads must come from the database (the barrier is proven hit), against a host without store.
import 'fake-indexeddb/auto';
import { openDB, type IDBPDatabase } from 'idb';
import { describe, expect, it } from 'vitest';
import { encodeBatches } from '../../src/engine/storage/segment-codec';
import type { LogBatch } from '../../src/engine/broker/protocol';
import { COLD_WRITE_BATCH_MAX, COLD_WRITE_BEHIND_BYTES_MAX, DamagedColdObjectError, IdbColdStore, type HostColdStore } from '../../src/worker/cold-store-idb';
import { MemoryColdStore, createEngine, type ColdStore } from '../../src/engine/api';
import { EngineHost, type ColdStoreFactory, type Frame, type HostClock, type HostScheduler, type Outcome } from '../../src/worker/host';
import { IdbSessionStore, SESSION_DB_PREFIX, describeStorageFailure } from '../../src/worker/sessions';

const SECOND = 1_000_000;
const TIERED = {
  config: { 'remote.log.storage.system.enable': true, 'remote.log.manager.task.interval.ms': 2_000, 'log.retention.check.interval.ms': 2_000 },
  topics: [{ name: 'orders', partitions: 2, replicationFactor: 3, config: { 'min.insync.replicas': 2, 'segment.ms': 2_000, 'retention.ms': 600_000, 'remote.storage.enable': true, 'local.retention.ms': 4_000 } }],
  producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all' as const, 'linger.ms': 5, startMs: 6_000 }],
  consumers: [{ topic: 'orders', 'group.id': 'audit', 'auto.offset.reset': 'earliest' as const, startMs: 40_000 }],
};

const body = (base: number): LogBatch[] => [{ baseOffset: base, records: 1, bytes: 100, epoch: 1, producerId: -1, baseSequence: -1, batchId: `p/${base}`, appendedUs: base, createdUs: base }];

async function objectsOf(sessionId: string): Promise<Map<string, unknown>> {
  const db = await openDB(`${SESSION_DB_PREFIX}${sessionId}`);
  const tx = db.transaction('objects');
  const keys = (await tx.store.getAllKeys()) as string[];
  const values = (await tx.store.getAll()) as unknown[];
  db.close();
  return new Map(keys.map((key, index) => [key, values[index]]));
}

/** A wall clock that never moves and a scheduler that runs nothing: runs move by runFor. */
const still: HostClock & HostScheduler = { now: () => 0, schedule: () => undefined };

function hostWith(options: { store?: IdbSessionStore | null; cold?: ColdStoreFactory | null; scheduler?: HostScheduler }): { host: EngineHost; frames: Frame[] } {
  let wallMs = Date.UTC(2026, 10, 30, 12, 0, 0);
  const host = new EngineHost(still, options.scheduler ?? still, options.store ?? null, () => (wallMs += 1_000), options.cold ?? null);
  const frames: Frame[] = [];
  host.subscribe((frame) => void frames.push(frame));
  return { host, frames };
}

const idbCold: ColdStoreFactory = (id, onFailure) => new IdbColdStore(id, onFailure);

/** Runs the scheduled host slices in `tasks` (and the loads between them) until `promise` settles. */
async function driveTasks<T>(tasks: (() => void)[], promise: Promise<T>): Promise<T> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let guard = 0; guard < 1_000_000 && !settled; guard++) {
    const task = tasks.shift();
    if (task !== undefined) task();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return promise;
}

/** runFor in stretches, awaiting the writes between them (so later reads come from the database); returns the stretches that waited for a read. */
async function runInStretches(host: EngineHost, totalUs: number, stretchUs: number): Promise<number> {
  let waited = 0;
  for (let doneUs = 0; doneUs < totalUs; doneUs += stretchUs) {
    const outcome: Outcome<number> | Promise<Outcome<number>> = host.runFor(stretchUs);
    if (outcome instanceof Promise) waited++;
    const settled = await outcome;
    expect(settled.ok, settled.ok ? '' : settled.error).toBe(true);
    await host.flushSessions();
  }
  return waited;
}

describe('the IndexedDB cold store', () => {
  it('writes behind in batches, reads what is not written yet at once, and reads the rest back from the session database', async () => {
    const writer = new IdbColdStore('adapter-roundtrip');
    const bodies = Array.from({ length: COLD_WRITE_BATCH_MAX + 10 }, (_, index) => encodeBatches(body(index)));
    bodies.forEach((bytes, index) => writer.put(`orders-0/${index}-1.log`, bytes));
    writer.delete('orders-0/3-1.log');
    expect(writer.readNow('orders-0/5-1.log')).toBe(bodies[5]);
    expect(writer.backlogBytes).toBe(bodies.reduce((sum, bytes) => sum + bytes.length, 0) - bodies[3]!.length);
    await writer.flush();
    expect(writer.backlogBytes).toBe(0);
    expect(writer.objectsWritten).toBe(bodies.length - 1);
    expect(writer.readNow('orders-0/5-1.log'), 'written: no longer held in the heap').toBeUndefined();
    writer.close();

    const stored = await objectsOf('adapter-roundtrip');
    expect(stored.size).toBe(bodies.length - 1);
    expect(stored.has('orders-0/3-1.log')).toBe(false);
    const reader = new IdbColdStore('adapter-roundtrip');
    expect(await reader.load('orders-0/70-1.log')).toEqual(bodies[70]);
    await expect(reader.load('orders-0/3-1.log')).rejects.toThrow(new DamagedColdObjectError('orders-0/3-1.log', 'it is not in the database'));
    reader.close();
  });

  it('a full disk (QuotaExceededError) is said once, and every body from then on stays readable, in memory', async () => {
    const failures: unknown[] = [];
    const quota = new DOMException('quota', 'QuotaExceededError');
    const full = {
      transaction: () => ({ store: { put: () => undefined, delete: () => undefined }, done: Promise.reject(quota) }),
      get: () => Promise.resolve(undefined),
      close: () => undefined,
    } as unknown as IDBPDatabase;
    const store = new IdbColdStore('adapter-full', (error) => failures.push(error), () => Promise.resolve(full));
    store.put('a', encodeBatches(body(1)));
    await store.flush();
    store.put('b', encodeBatches(body(2)));
    await store.flush();
    expect(failures).toEqual([quota]);
    expect(describeStorageFailure(store.failure)).toContain('QuotaExceededError');
    expect(await store.load('a')).toEqual(encodeBatches(body(1)));
    expect(store.readNow('b')).toEqual(encodeBatches(body(2)));
    store.delete('b');
    expect(store.readNow('b')).toBeUndefined();
  });

  it('refuses a record that is not bytes, by key', async () => {
    const writer = new IdbColdStore('adapter-damaged');
    writer.put('k', encodeBatches(body(1)));
    await writer.flush();
    writer.close();
    const db = await openDB(`${SESSION_DB_PREFIX}adapter-damaged`);
    await db.put('objects', { not: 'bytes' }, 'k');
    db.close();
    const reader = new IdbColdStore('adapter-damaged');
    await expect(reader.load('k')).rejects.toThrow('the saved body of k is damaged (it holds object, not bytes)');
    reader.close();
  });
});

describe('what the IndexedDB adapter writes, against what the engine hands it', () => {
  it('writes every body the engine puts (object bodies and evicted local segments), less those deleted before their write', async () => {
    // Goal: the bench counts the bytes the engine hands its ColdStore (ColdTierView.bytesWritten);
    // this measures what IdbColdStore actually writes to (fake) IndexedDB for the same run. Method:
    // a tiered cluster with a late consumer and a 2 MB page cache, so both kinds of keys are written
    // and read back; the run is driven as the host does (loads when held, writes awaited per stretch).
    const idb = new IdbColdStore('bytes-relation');
    // Counts the bytes a change makes unnecessary before they were written: a delete, or a new put,
    // of a key whose bytes still wait (readNow answers only for those: nothing failed here).
    let superseded = 0;
    const counting: ColdStore = {
      put: (key, bytes) => {
        superseded += idb.readNow(key)?.length ?? 0;
        idb.put(key, bytes);
      },
      delete: (key) => {
        superseded += idb.readNow(key)?.length ?? 0;
        idb.delete(key);
      },
      readNow: (key) => idb.readNow(key),
    };
    const config = { ...TIERED, config: { ...TIERED.config, 'os.page.cache.bytes': 2_000_000 } };
    const engine = createEngine(config, 19, { series: false, coldStore: counting });
    for (let stretch = 0; stretch < 14; stretch++) {
      const untilUs = (stretch + 1) * 5 * SECOND;
      while (engine.nowUs < untilUs || engine.held) {
        engine.runUntil(Math.max(untilUs, engine.nowUs));
        if (!engine.held) break;
        for (const key of engine.coldWaiting()) engine.provideCold(key, await idb.load(key));
      }
      await idb.flush();
    }
    const handed = engine.coldView();
    expect(handed.localBytesWritten, 'evicted local segments were handed over').toBeGreaterThan(0);
    expect(handed.bytesWritten - handed.localBytesWritten, 'and object bodies').toBeGreaterThan(0);
    // Every put is written once flushed, unless a delete or a new put of its key came first (the
    // write-behind keeps the latest change): written = handed - superseded, to the byte.
    expect(superseded, 'local retention deleted segments before their write').toBeGreaterThan(0);
    expect(idb.bytesWritten).toBe(handed.bytesWritten - superseded);
    console.log(`IndexedDB adapter: handed ${handed.bytesWritten} bytes (${handed.localBytesWritten} of local segments), wrote ${idb.bytesWritten} (${((100 * idb.bytesWritten) / handed.bytesWritten).toFixed(1)}%)`);
    const stored = await objectsOf('bytes-relation');
    let live = 0;
    for (const key of stored.keys()) if (engine.coldKeyLive(key)) live++;
    expect(live, 'the database holds exactly the keys the run still has').toBe(stored.size);
    idb.close();
  });
});

describe('a saved session keeps its segments in IndexedDB', () => {
  it('runs the same run as the heap, reads segments back from the database, and a reload resumes it exactly', async () => {
    const store = new IdbSessionStore();
    const saved = hostWith({ store, cold: idbCold });
    const heap = hostWith({});
    saved.host.create(TIERED, 11);
    heap.host.create(TIERED, 11);
    const waited = await runInStretches(saved.host, 70 * SECOND, 5 * SECOND);
    heap.host.runFor(70 * SECOND);
    expect(waited, 'some stretches had to wait for segments read back from IndexedDB').toBeGreaterThan(0);
    expect(saved.host.traceHash()).toBe(heap.host.traceHash());

    saved.host.pause();
    await saved.host.flushSessions();
    const id = saved.frames.at(-1)!.session.id!;
    const objects = await objectsOf(id);
    const storeView = saved.host.snapshot().processes.find((process) => process.id === 'object-store')!.view!.objectStore!;
    expect(objects.size, 'every object of the object store is in the session database').toBeGreaterThanOrEqual(storeView.objects);
    for (const value of objects.values()) expect(value).toBeInstanceOf(Uint8Array);

    // A reload: a new host resumes the session from the same database, and goes on as the original.
    const reloaded = hostWith({ store, cold: idbCold });
    const resumed = await reloaded.host.resumeSession(id);
    expect(resumed.ok).toBe(true);
    expect(reloaded.host.traceHash()).toBe(saved.host.traceHash());
    expect(reloaded.frames.at(-1)!.session.message).toBeNull();
    await runInStretches(reloaded.host, 20 * SECOND, 5 * SECOND);
    heap.host.runFor(20 * SECOND);
    expect(reloaded.host.traceHash()).toBe(heap.host.traceHash());
  });

  it('a rewind rebuilds an earlier moment from the session database exactly, and going back to the furthest moment restores the run', async () => {
    const store = new IdbSessionStore();
    const tasks: (() => void)[] = [];
    const scheduler: HostScheduler = { schedule: (task) => void tasks.push(task) };
    const saved = hostWith({ store, cold: idbCold, scheduler });
    const heap = hostWith({});
    saved.host.create(TIERED, 13);
    heap.host.create(TIERED, 13);
    heap.host.runFor(50 * SECOND);
    const at50 = heap.host.traceHash();
    heap.host.runFor(16 * SECOND);
    await runInStretches(saved.host, 66 * SECOND, 6 * SECOND);
    expect(saved.host.traceHash()).toBe(heap.host.traceHash());
    const drive = <T>(promise: Promise<T>): Promise<T> => driveTasks(tasks, promise);
    const back = await drive(saved.host.seek(50 * SECOND));
    expect(back.ok && back.value.traceHash).toBe(at50);
    const head = await drive(saved.host.seek(66 * SECOND));
    expect(head.ok && head.value).toMatchObject({ atHead: true, traceHash: heap.host.traceHash() });
  });

  it('a rewind that branches deletes the keys the abandoned future wrote, so the database holds exactly what the branch has', async () => {
    // Goal: after a branch, no key of the abandoned future stays in the session's "objects" store.
    // Method: run 66 s (writes flushed), rewind to 30 s and branch there with a fault; the keys the
    // database holds must then be those a run that took the branch from the start holds (a
    // MemoryColdStore behind a plain engine), and some keys must have gone (the rare path is hit).
    const store = new IdbSessionStore();
    const tasks: (() => void)[] = [];
    const scheduler: HostScheduler = { schedule: (task) => void tasks.push(task) };
    const saved = hostWith({ store, cold: idbCold, scheduler });
    saved.host.create(TIERED, 17);
    await runInStretches(saved.host, 66 * SECOND, 6 * SECOND);
    await saved.host.flushSessions();
    const id = saved.frames.at(-1)!.session.id!;
    const before = await objectsOf(id);
    const drive = <T>(promise: Promise<T>): Promise<T> => driveTasks(tasks, promise);
    const back = await drive(saved.host.seek(30 * SECOND));
    expect(back.ok).toBe(true);
    const fault = { kind: 'crash', process: 'broker-2' };
    expect(saved.host.inject(fault).ok, 'acting while rewound branches').toBe(true);
    await saved.host.flushSessions();
    const after = await objectsOf(id);

    const reference = new MemoryColdStore();
    const twin = createEngine(TIERED, 17, { series: false, coldStore: reference });
    twin.runUntil(30 * SECOND);
    twin.inject(fault);
    expect(saved.host.coldKeysPruned, 'the abandoned future had written keys').toBeGreaterThan(0);
    expect(before.size).toBeGreaterThan(after.size);
    expect([...after.keys()].sort()).toEqual([...reference.keys()].sort());
    // The branch goes on from there, the same as a run that took it from the start.
    await runInStretches(saved.host, 10 * SECOND, 5 * SECOND);
    twin.runUntil(40 * SECOND);
    expect(saved.host.traceHash()).toBe(twin.traceHash);
  });

  it('a segment damaged in the database is said in words, and the run is rebuilt in memory and goes on the same', async () => {
    const store = new IdbSessionStore();
    const tasks: (() => void)[] = [];
    const scheduler: HostScheduler = { schedule: (task) => void tasks.push(task) };
    const saved = hostWith({ store, cold: idbCold, scheduler });
    const heap = hostWith({});
    saved.host.create(TIERED, 12);
    heap.host.create(TIERED, 12);
    await runInStretches(saved.host, 38 * SECOND, 2 * SECOND);
    heap.host.runFor(38 * SECOND);
    // Every segment in the database is damaged now: the late consumer's first remote read finds out.
    const id = saved.frames.at(-1)!.session.id!;
    const db = await openDB(`${SESSION_DB_PREFIX}${id}`);
    for (const key of (await db.getAllKeys('objects')) as string[]) {
      const bytes = (await db.get('objects', key)) as Uint8Array;
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      await db.put('objects', bytes, key);
    }
    db.close();
    const outcome = await saved.host.runFor(20 * SECOND);
    expect(outcome).toMatchObject({ ok: false, error: expect.stringContaining('a stored segment is damaged: its CRC-32C') });
    // The rebuild runs in slices on the scheduler: run them until it is done.
    for (let guard = 0; guard < 100_000 && tasks.length > 0; guard++) {
      tasks.shift()!();
      await Promise.resolve();
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    const message = saved.frames.at(-1)!.session.message ?? '';
    expect(message).toContain('A segment saved in IndexedDB could not be read back');
    expect(message).toContain('rebuilt at this moment with its segments in memory');
    // In memory now, it goes on exactly as a run that never used the store.
    const rebuiltAt = saved.host.snapshot().timeUs;
    heap.host.runFor(rebuiltAt - heap.host.snapshot().timeUs);
    expect(saved.host.traceHash()).toBe(heap.host.traceHash());
    const more = await saved.host.runFor(20 * SECOND);
    heap.host.runFor(20 * SECOND);
    expect(more.ok).toBe(true);
    expect(saved.host.traceHash()).toBe(heap.host.traceHash());
  });

  it('while more than COLD_WRITE_BEHIND_BYTES_MAX wait to be written, the run waits for the writes instead of filling the heap', async () => {
    const memory = new MemoryColdStore();
    let release: () => void = () => undefined;
    let flushes = 0;
    const slow: HostColdStore = {
      backlogBytes: COLD_WRITE_BEHIND_BYTES_MAX + 1,
      bytesWritten: 0,
      objectsWritten: 0,
      failure: null,
      put: (key, bytes) => memory.put(key, bytes),
      delete: (key) => memory.delete(key),
      readNow: (key) => memory.readNow(key),
      load: (key) => Promise.resolve(memory.readNow(key)!),
      prune: () => Promise.resolve(0),
      flush() {
        flushes++;
        return new Promise<void>((resolve) => {
          release = () => {
            (slow as { backlogBytes: number }).backlogBytes = 0;
            resolve();
          };
        });
      },
      close: () => undefined,
    };
    const tasks: (() => void)[] = [];
    let wallMs = 0;
    const clock: HostClock = { now: () => (wallMs += 1) };
    const host = new EngineHost(clock, { schedule: (task) => void tasks.push(task) }, new IdbSessionStore(), () => Date.UTC(2026, 10, 30), () => slow);
    host.subscribe(() => undefined);
    host.create(TIERED, 14);
    host.setSpeed('max');
    host.play();
    const runTasks = async () => {
      for (let i = 0; i < 20 && tasks.length > 0; i++) {
        tasks.shift()!();
        await Promise.resolve();
      }
    };
    await runTasks();
    expect(host.snapshot().timeUs, 'nothing ran while the writes were behind').toBe(0);
    expect(flushes).toBe(1);
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await runTasks();
    expect(host.snapshot().timeUs, 'once written, the run goes on').toBeGreaterThan(0);
    host.pause();
  });
});
