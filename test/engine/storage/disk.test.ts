// A slow disk makes a straggler, as in the Kora paper: the device's queue in isolation (healthy
// writes pass at once, degraded ones wait their turn, in order, within a bound), then one device
// for reads and writes (a read behind a slow write waits for it, an fsync behind a read storm waits
// for the reads, a slow disk slows reads too), then through the engine: a follower with a slow disk
// falls behind and leaves the ISR after replica.lag.time.max.ms and rejoins once healed; a leader
// with a slow disk answers producers late; a slow disk stays slow across a restart; bad targets are
// refused by name.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import type { Effects, Message } from '../../../src/engine/sim/process';
import type { PartitionLog } from '../../../src/engine/broker/partition-log';
import { DISK_READ_TIMER, DISK_WRITE_TIMER, DeviceQueue, DiskDevice, DiskWriteQueue, HEALTHY_DISK_BYTES_PER_SECOND, HEALTHY_FSYNC_LATENCY_US, WRITES_QUEUED_MAX, type DeviceOperation } from '../../../src/engine/storage/disk';
import { LocalReads } from '../../../src/engine/storage/local-reads';
import { PageCache, type CachedSegment } from '../../../src/engine/storage/page-cache';
import { METRICS } from '../../../src/engine/scenario/metrics';

const SECOND = 1_000_000;

/** Effects that record timers and notes; the test moves the clock by hand. */
function fakeEffects() {
  const timers: { key: string; afterUs: number; setAtUs: number }[] = [];
  const notes: string[] = [];
  const fx = {
    self: 'broker-1',
    nowUs: 0,
    setTimer: (key: string, afterUs: number) => timers.push({ key, afterUs, setAtUs: fx.nowUs }),
    note: (text: string) => notes.push(text),
  };
  return { fx: fx as unknown as Effects<Message> & { nowUs: number }, timers, notes };
}

const write = (bytes: number, type = 'Produce'): Message => ({ type, bytes });

describe('the disk write queue', () => {
  it('a healthy disk takes every write at once: nothing is queued, no timer is set', () => {
    const { fx, timers } = fakeEffects();
    const queue = new DiskWriteQueue(new DiskDevice());
    expect(queue.submit('producer-1', write(1_000_000), fx)).toBe(false);
    expect(timers).toEqual([]);
    expect(queue.view(0).queuedWrites).toBe(0);
  });

  it('a degraded disk serves writes one after another: latency plus bytes at its bandwidth, in order', () => {
    const { fx, timers } = fakeEffects();
    const device = new DiskDevice();
    device.degrade({ extraLatencyUs: 10_000, bytesPerSecond: 1_000_000 }); // 10 ms + 1 µs a byte
    const queue = new DiskWriteQueue(device);
    expect(queue.submit('a', write(5_000), fx)).toBe(true); // done at 15 ms
    expect(queue.submit('b', write(1_000), fx)).toBe(true); // starts at 15 ms, done at 26 ms
    expect(timers).toEqual([{ key: DISK_WRITE_TIMER, afterUs: 15_000, setAtUs: 0 }]);
    expect(queue.view(0)).toMatchObject({ degraded: true, queuedWrites: 2, backlogMs: 26, extraLatencyMs: 10, throughputMBps: 1 });

    const delivered: string[] = [];
    fx.nowUs = 15_000;
    queue.handleTimer(fx, (from) => delivered.push(from));
    expect(delivered).toEqual(['a']);
    expect(timers.at(-1)).toEqual({ key: DISK_WRITE_TIMER, afterUs: 11_000, setAtUs: 15_000 });
    fx.nowUs = 26_000;
    queue.handleTimer(fx, (from) => delivered.push(from));
    expect(delivered).toEqual(['a', 'b']);
    expect(queue.view(26_000).queuedWrites).toBe(0);
  });

  it('after a heal, writes still queue behind the ones waiting, so order holds', () => {
    const { fx } = fakeEffects();
    const device = new DiskDevice();
    device.degrade({ extraLatencyUs: 50_000, bytesPerSecond: null });
    const queue = new DiskWriteQueue(device);
    queue.submit('slow', write(10), fx);
    device.restore();
    expect(queue.submit('fast', write(10), fx)).toBe(true); // behind "slow", at no extra cost
    const delivered: string[] = [];
    fx.nowUs = 50_000;
    queue.handleTimer(fx, (from) => delivered.push(from));
    expect(delivered).toEqual(['slow', 'fast']);
    expect(queue.submit('later', write(10), fx)).toBe(false); // empty and healthy again: at once
  });

  it(`holds at most ${WRITES_QUEUED_MAX} writes, and says so when it drops one`, () => {
    const { fx, notes } = fakeEffects();
    const device = new DiskDevice();
    device.degrade({ extraLatencyUs: 1_000_000, bytesPerSecond: null });
    const queue = new DiskWriteQueue(device);
    for (let index = 0; index < WRITES_QUEUED_MAX + 3; index++) queue.submit('p', write(1), fx);
    expect(queue.view(0)).toMatchObject({ queuedWrites: WRITES_QUEUED_MAX, droppedWrites: 3 });
    expect(notes).toEqual([`broker-1's disk has ${WRITES_QUEUED_MAX} writes waiting; it drops Produce from p (1 so far)`]);
  });
});

/**
 * A broker's disk as cluster.ts builds it: one DeviceQueue under the write queue and the reads, and
 * one partition whose only closed segment (`segmentBytes`, evicted: a read of it misses) every
 * fetch reads. The log is the one method LocalReads asks of a PartitionLog.
 */
function oneDevice(segmentBytes: number) {
  const device = new DiskDevice();
  const queue = new DeviceQueue();
  const cache = new PageCache(0, null, 'local/broker-1/');
  const segment: CachedSegment = { storeKey: cache.keyFor('t-0', 0), bytes: segmentBytes, closed: true, resident: false, body: [], stored: false, dropped: false, readsPending: 0, offloadable: () => false };
  const log = { segmentsReadFrom: () => [segment] } as unknown as PartitionLog;
  const writes = new DiskWriteQueue(device, queue);
  const logs = new Map([['t-0', log]]);
  const reads = new LocalReads(device, cache, logs, 1_048_576, queue);
  const fetch: Message = { type: 'Fetch', bytes: 100, partitions: [{ topic: 't', partition: 0, key: 't-0', fetchOffset: 0 }], partitionMaxBytes: segmentBytes } as Message;
  const { fx, timers, notes } = fakeEffects();
  /** Runs the device to `untilUs`: every timer due fires, in order; returns what was delivered, and when. */
  const delivered: { from: string; type: string; atUs: number }[] = [];
  const runUntil = (untilUs: number) => {
    while (timers.length > 0 && timers[0]!.setAtUs + timers[0]!.afterUs <= untilUs) {
      const timer = timers.shift()!;
      fx.nowUs = timer.setAtUs + timer.afterUs;
      queue.handleTimer(fx, (op: DeviceOperation) =>
        op.segments === null ? delivered.push({ from: op.from, type: op.message.type, atUs: fx.nowUs }) : reads.complete(op, (from, message) => delivered.push({ from, type: message.type, atUs: fx.nowUs })),
      );
    }
    fx.nowUs = untilUs;
  };
  return { device, queue, writes, reads, logs, log, fetch, fx, timers, notes, delivered, runUntil };
}

/** How long the device takes to read `bytes` when healthy: gp3's access latency plus the bytes at its bandwidth. */
const healthyReadUs = (bytes: number) => HEALTHY_FSYNC_LATENCY_US + Math.ceil((bytes * SECOND) / HEALTHY_DISK_BYTES_PER_SECOND);

describe('one device for reads and writes', () => {
  it('a read behind a large write on a slow disk waits for the write, then takes its own time', () => {
    const disk = oneDevice(1_000_000);
    disk.device.degrade({ extraLatencyUs: 10_000, bytesPerSecond: 1_000_000 }); // 10 ms + 1 µs a byte
    expect(disk.writes.submit('broker-2', write(5_000_000, 'ReplicaFetchResponse'), disk.fx)).toBe(true); // done at 5.01 s
    expect(disk.reads.submit('consumer-1', disk.fetch, disk.fx), 'the segment is not resident: a miss').toBe(true);
    const readUs = disk.device.readUs(1_000_000); // 1 ms + 10 ms + 1 s
    expect(readUs).toBe(1_011_000);
    expect(disk.timers, 'one timer: the device, named for the write at its head').toEqual([{ key: DISK_WRITE_TIMER, afterUs: 5_010_000, setAtUs: 0 }]);
    disk.runUntil(10 * SECOND);
    expect(disk.delivered).toEqual([
      { from: 'broker-2', type: 'ReplicaFetchResponse', atUs: 5_010_000 },
      { from: 'consumer-1', type: 'Fetch', atUs: 5_010_000 + readUs },
    ]);
    expect(disk.queue.readsWaiting + disk.queue.writesWaiting).toBe(0);

    // Alone (a queue of its own, as reads had before), the read would not have waited.
    const alone = oneDevice(1_000_000);
    alone.device.degrade({ extraLatencyUs: 10_000, bytesPerSecond: 1_000_000 });
    alone.reads.submit('consumer-1', alone.fetch, alone.fx);
    alone.runUntil(10 * SECOND);
    expect(alone.delivered).toEqual([{ from: 'consumer-1', type: 'Fetch', atUs: readUs }]);
  });

  it('a catch-up read storm delays the fsyncs behind it; a buffered write on a healthy disk still lands in the page cache at once', () => {
    const disk = oneDevice(4_194_304);
    // Three fetches that miss, one after another: each reads a 4 MiB segment (~35 ms).
    for (let index = 0; index < 3; index++) expect(disk.reads.submit(`consumer-${index}`, disk.fetch, disk.fx)).toBe(true);
    expect(disk.timers[0]!.key, 'the device timer, named for the read at its head').toBe(DISK_READ_TIMER);
    const readsDoneUs = 3 * healthyReadUs(4_194_304);
    // A produce that triggers flush.messages: its fsync waits for the reads ahead of it.
    expect(disk.writes.submit('producer-1', write(1_000), disk.fx, 1_000)).toBe(true);
    const fsyncUs = disk.device.fsyncUs(1_000);
    // A produce with no fsync on a healthy disk: the OS page cache takes it... but a write is queued
    // ahead of it (the fsync), so it keeps its place behind that one.
    expect(disk.writes.submit('producer-2', write(1_000), disk.fx)).toBe(true);
    expect(disk.writes.view(0)).toMatchObject({ queuedWrites: 2, backlogMs: (readsDoneUs + fsyncUs) / 1_000, flushes: 1 });
    disk.runUntil(SECOND);
    expect(disk.delivered.map(({ from, atUs }) => [from, atUs])).toEqual([
      ['consumer-0', healthyReadUs(4_194_304)],
      ['consumer-1', 2 * healthyReadUs(4_194_304)],
      ['consumer-2', readsDoneUs],
      ['producer-1', readsDoneUs + fsyncUs],
      ['producer-2', readsDoneUs + fsyncUs],
    ]);

    // With no write ahead, a buffered write passes while reads wait: Linux does not block write(2) behind reads.
    const storm = oneDevice(4_194_304);
    storm.reads.submit('consumer-0', storm.fetch, storm.fx);
    expect(storm.writes.submit('producer-1', write(1_000), storm.fx)).toBe(false);
  });

  it('the log flusher’s fsync (flush.ms) starts after the reads queued before it, and the reads after it wait for it', () => {
    const disk = oneDevice(1_250_000); // 10 ms at 125 MB/s
    disk.reads.submit('consumer-0', disk.fetch, disk.fx);
    disk.writes.occupy(12_500_000, disk.fx); // 100 ms of dirty pages
    disk.reads.submit('consumer-1', disk.fetch, disk.fx);
    disk.runUntil(SECOND);
    const readUs = healthyReadUs(1_250_000);
    expect(disk.delivered.map(({ from, atUs }) => [from, atUs])).toEqual([
      ['consumer-0', readUs],
      ['consumer-1', readUs + disk.device.fsyncUs(12_500_000) + readUs],
    ]);
  });

  it('a log made after a fetch asked for it is read at the next fetch (the reads find logs by partition number, remembering only those found)', () => {
    const disk = oneDevice(1_000_000);
    disk.logs.delete('t-0'); // the broker has not made the partition's log yet (a replica being added)
    expect(disk.reads.submit('broker-2', disk.fetch, disk.fx), 'no log: nothing to read, handled at once').toBe(false);
    disk.logs.set('t-0', disk.log);
    expect(disk.reads.submit('broker-2', disk.fetch, disk.fx), 'its closed segment is not resident: the fetch waits for the read').toBe(true);
    expect(disk.reads.submit('broker-2', disk.fetch, disk.fx), 'found by number from then on').toBe(true);
    expect(disk.reads.view().requestsDelayed).toBe(2);
  });

  it('a slow disk slows reads as well as writes: its latency and bandwidth on each read', () => {
    const healthy = oneDevice(1_000_000);
    const slow = oneDevice(1_000_000);
    slow.device.degrade({ extraLatencyUs: 40_000, bytesPerSecond: 200_000 });
    for (const disk of [healthy, slow]) {
      disk.reads.submit('consumer-0', disk.fetch, disk.fx);
      disk.runUntil(10 * SECOND);
    }
    expect(healthy.delivered[0]!.atUs).toBe(healthyReadUs(1_000_000)); // 9 ms
    expect(slow.delivered[0]!.atUs).toBe(HEALTHY_FSYNC_LATENCY_US + 40_000 + 5 * SECOND);
  });
});

/**
 * One partition whose producer fsyncs every write (flush.messages=1), and a consumer that starts at
 * 30 s from the earliest offset: with a small page cache its catch-up reads miss (a read storm on
 * the leader's disk); with the default cache they do not.
 */
function stormEngine(pageCacheBytes: number): Engine {
  return createEngine(
    {
      config: { 'os.page.cache.bytes': pageCacheBytes },
      topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 2, 'segment.bytes': 1_048_576, 'flush.messages': 1 } }],
      producers: [{ topic: 'orders', recordsPerSecond: 1_000, recordBytes: 1_000, acks: 'all', 'linger.ms': 5, startMs: 8_000 }],
      consumers: [{ topic: 'orders', 'group.id': 'audit', 'auto.offset.reset': 'earliest', startMs: 30_000 }],
    },
    3,
    { series: false },
  );
}

describe('one device, through the engine', () => {
  it("a consumer's catch-up read storm on the leader's disk delays the fsyncs of flush.messages=1: produce latency rises", () => {
    const storm = stormEngine(2_000_000);
    const calm = stormEngine(18 * 2 ** 30);
    for (const engine of [storm, calm]) engine.runFor(29 * SECOND);
    expect(producer(storm).latencyUs.max, 'before the consumer starts, the runs are alike').toBe(producer(calm).latencyUs.max);
    for (const engine of [storm, calm]) engine.runFor(16 * SECOND);
    const misses = storm.snapshot().processes.reduce((total, process) => total + (process.storage?.pageCache?.misses ?? 0), 0);
    expect(misses, "the catch-up read segments the small cache had evicted").toBeGreaterThan(10);
    // A 1 MiB read holds the device ~9 ms; an fsync queued behind it waits that long (measured:
    // p99 9.7 -> 15.4 ms, max 10.8 -> 32 ms; with reads on a queue of their own, as before, both
    // runs' produce latencies were the same).
    expect(producer(storm).latencyUs.max).toBeGreaterThan(producer(calm).latencyUs.max + 5_000);
    expect(producer(storm).latencyUs.p99).toBeGreaterThan(producer(calm).latencyUs.p99);
    expect(metric(storm, 'durability.lostRecords')).toBe(0);
  });
});

function metric(engine: Engine, name: string): number {
  return METRICS.get(name)!.read(engine, undefined);
}

function cluster(acks: 'all' | 1 = 'all', seed = 5): Engine {
  return createEngine(
    {
      config: { 'replica.lag.time.max.ms': 5_000 },
      topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }],
      producers: [{ topic: 'orders', recordsPerSecond: 2_000, acks, 'linger.ms': 5, startMs: 6_000 }],
    },
    seed,
  );
}

function partition(engine: Engine) {
  return engine.metadataOf(engine.activeController()!)!.partition('orders', 0)!;
}

function producer(engine: Engine) {
  return engine.processViews().find(({ id }) => id === 'producer-1')!.view.producer!;
}

function disk(engine: Engine, id: string) {
  return engine.processViews().find((entry) => entry.id === id)!.view.disk!;
}

describe('a slow disk through the engine', () => {
  it('a follower with a slow disk falls behind, leaves the ISR, and rejoins once its disk is healed', () => {
    // acks=1: the leader takes records at full speed whatever its followers do.
    const engine = cluster(1);
    engine.runFor(10 * SECOND);
    const state = partition(engine);
    expect(state.isr).toHaveLength(3);
    const follower = state.replicas.find((id) => id !== state.leader)!;

    // 40 ms a write, 200 KB/s: far slower than the ~2 MB/s the leader takes in.
    engine.inject({ kind: 'slow-disk', process: follower, extraLatencyMs: 40, throughputMBps: 0.2 });
    engine.runFor(3 * SECOND);
    expect(disk(engine, follower).queuedWrites).toBeGreaterThan(0);
    expect(partition(engine).isr).toContain(follower); // not yet: replica.lag.time.max.ms is 5 s
    engine.runFor(10 * SECOND);
    expect(partition(engine).isr).not.toContain(follower);
    expect(metric(engine, 'UnderReplicatedPartitions')).toBe(1);
    expect(engine.notableLog().some((entry) => entry.label.includes(`drops ${follower} from the ISR of orders-0`))).toBe(true);

    engine.inject({ kind: 'heal', target: follower });
    engine.runFor(15 * SECOND);
    expect(disk(engine, follower)).toMatchObject({ degraded: false, queuedWrites: 0 });
    expect(partition(engine).isr).toContain(follower);
    expect(metric(engine, 'UnderReplicatedPartitions')).toBe(0);
    expect(metric(engine, 'durability.lostRecords')).toBe(0);
  });

  it('with acks=all, a slow follower throttles its partition yet stays in the ISR: the straggler Kafka does not remove', () => {
    // Kafka counts a follower caught up when it fetches up to where the leader's log ended at its
    // previous fetch (Replica.updateFetchState). With acks=all the producer waits for the
    // straggler, so the leader's log grows only as fast as the straggler copies it: the follower
    // is always "caught up", never leaves the ISR, and the whole partition runs at its pace. This
    // is why Kora detects stragglers itself rather than relying on replica.lag.time.max.ms.
    const engine = cluster('all');
    engine.runFor(10 * SECOND);
    const state = partition(engine);
    const follower = state.replicas.find((id) => id !== state.leader)!;
    const ackedBefore = producer(engine).recordsAcked;
    engine.runFor(5 * SECOND);
    const healthyPerSecond = (producer(engine).recordsAcked - ackedBefore) / 5;
    expect(healthyPerSecond).toBeGreaterThan(1_900);

    engine.inject({ kind: 'slow-disk', process: follower, extraLatencyMs: 40, throughputMBps: 0.2 });
    engine.runFor(5 * SECOND);
    const ackedSlowStart = producer(engine).recordsAcked;
    engine.runFor(20 * SECOND);
    const slowPerSecond = (producer(engine).recordsAcked - ackedSlowStart) / 20;
    expect(slowPerSecond).toBeLessThan(healthyPerSecond / 5);
    expect(partition(engine).isr).toContain(follower);
    expect(metric(engine, 'IsrShrinks')).toBe(0);
    expect(producer(engine).queuedRecords).toBeGreaterThan(10_000); // the rest waits in the producer
  });

  it("a leader with a slow disk answers producers late: acks=all latency grows by the disk's delay", () => {
    const healthy = cluster();
    const slowed = cluster();
    for (const engine of [healthy, slowed]) engine.runFor(10 * SECOND);
    const leader = partition(slowed).leader!;
    slowed.inject({ kind: 'slow-disk', process: leader, extraLatencyMs: 30 });
    for (const engine of [healthy, slowed]) engine.runFor(10 * SECOND);
    expect(producer(healthy).latencyUs.p99).toBeLessThan(20_000);
    expect(producer(slowed).latencyUs.p99).toBeGreaterThan(30_000);
    expect(metric(slowed, 'durability.lostRecords')).toBe(0);
  });

  it('a slow disk stays slow across a restart of its broker; a heal of its zone restores it', () => {
    const engine = cluster();
    engine.runFor(8 * SECOND);
    engine.inject({ kind: 'slow-disk', process: 'broker-2', extraLatencyMs: 5 });
    engine.inject({ kind: 'crash', process: 'broker-2' });
    engine.runFor(SECOND);
    engine.inject({ kind: 'restart', process: 'broker-2' });
    engine.runFor(SECOND);
    expect(disk(engine, 'broker-2')).toMatchObject({ degraded: true, extraLatencyMs: 5 });
    const zone = engine.processes().find((process) => process.id === 'broker-2')!.zone;
    engine.inject({ kind: 'heal', target: zone });
    expect(disk(engine, 'broker-2').degraded).toBe(false);
  });

  it('refuses a slow disk for a process that has no partition logs, naming what would do', () => {
    const engine = cluster();
    expect(() => engine.inject({ kind: 'slow-disk', process: 'controller-1', extraLatencyMs: 5 })).toThrow(
      'fault "slow-disk": controller-1 is a controller; slow-disk is for brokers, whose partition logs are written to disk',
    );
    expect(() => engine.inject({ kind: 'slow-disk', process: 'broker-9', extraLatencyMs: 5 })).toThrow('fault "slow-disk": no process "broker-9"');
    expect(engine.recordedInputs()).toEqual([]);
  });
});
