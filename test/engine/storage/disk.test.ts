// A slow disk makes a straggler, as in the Kora paper: the device's queue in isolation (healthy
// writes pass at once, degraded ones wait their turn, in order, within a bound), then through the
// engine: a follower with a slow disk falls behind and leaves the ISR after replica.lag.time.max.ms
// and rejoins once healed; a leader with a slow disk answers producers late; a slow disk stays
// slow across a restart; bad targets are refused by name.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import type { Effects, Message } from '../../../src/engine/sim/process';
import { DISK_WRITE_TIMER, DiskDevice, DiskWriteQueue, WRITES_QUEUED_MAX } from '../../../src/engine/storage/disk';
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
