// The local tier's durability and space: Kafka's flush rules (flush.messages, flush.ms, a roll),
// what a machine crash, a power loss and a halted process each cost the page cache, and a full disk
// (the log directory goes offline, KAFKA_STORAGE_ERROR, the broker halts, leadership moves).
// Method: PartitionLog alone for the rules; small engines with one producer for the stories,
// reading the brokers' disks directly (test/engine/inspect.ts) and the event log.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import { PartitionLog, DEFAULT_LOG_CONFIG, type LogConfig } from '../../../src/engine/broker/partition-log';
import type { LogBatch } from '../../../src/engine/broker/protocol';
import { logOf, partitionState } from '../inspect';

const SECOND = 1_000_000;

function batchAt(offset: number, atUs: number, records = 10, bytes = 1_000): LogBatch {
  return { baseOffset: offset, records, bytes, epoch: 0, producerId: -1, baseSequence: -1, batchId: `b${offset}`, appendedUs: atUs, createdUs: atUs };
}

function cluster(options: { topicConfig?: Record<string, unknown>; config?: Record<string, unknown>; acks?: 'all' | 1; rate?: number; minIsr?: number } = {}): Engine {
  return createEngine(
    {
      config: options.config ?? {},
      topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': options.minIsr ?? 2, ...options.topicConfig } }],
      producers: [{ topic: 'orders', recordsPerSecond: options.rate ?? 1_000, acks: options.acks ?? 'all', 'linger.ms': 5, startMs: 6_000 }],
    },
    21,
  );
}

function statusOf(engine: Engine, id: string): string {
  return engine.snapshot().processes.find((process) => process.id === id)!.status;
}

function producer(engine: Engine) {
  return engine.processViews().find(({ id }) => id === 'producer-1')!.view.producer!;
}

describe('flush rules on one log (Kafka UnifiedLog / LogManager)', () => {
  const config = (extra: Partial<LogConfig>): LogConfig => ({ ...DEFAULT_LOG_CONFIG, ...extra });

  it('flush.messages: an append that leaves that many messages unflushed is due, and a flush makes everything durable at once', () => {
    const log = new PartitionLog('orders', 0, config({ flushIntervalMessages: 25 }));
    log.append(batchAt(0, 0));
    log.append(batchAt(10, 1));
    expect(log.unflushedMessages).toBe(20);
    expect(log.flushDueByMessages).toBe(false);
    log.append(batchAt(20, 2));
    expect(log.flushDueByMessages).toBe(true); // 30 >= 25, as UnifiedLog.append checks
    expect(log.unflushedBytes).toBe(3_000);
    expect(log.flushAt(5)).toBe(3_000);
    expect(log.flushedEndOffset).toBe(30);
    expect(log.unflushedBytes).toBe(0);
    expect(log.lastFlushTimeUs).toBe(5);
    expect(log.loseUnflushed('power-loss')).toBe(0); // nothing left to lose
    expect(log.endOffset).toBe(30);
  });

  it('flush.ms: due once the last flush is that old and something is dirty; never without the setting', () => {
    const log = new PartitionLog('orders', 0, config({ flushUs: 2 * SECOND }));
    log.append(batchAt(0, 1 * SECOND)); // the flush clock starts with the log's first write
    expect(log.flushDueByTime(2 * SECOND)).toBe(false);
    expect(log.flushDueByTime(3 * SECOND)).toBe(true);
    log.flushAt(3 * SECOND);
    expect(log.flushDueByTime(6 * SECOND)).toBe(false); // clean: nothing to flush
    const unset = new PartitionLog('orders', 0, DEFAULT_LOG_CONFIG);
    unset.append(batchAt(0, 0));
    expect(unset.flushDueByTime(1_000_000 * SECOND)).toBe(false);
    expect(unset.flushDueByMessages).toBe(false);
  });

  it('a roll flushes the segment it closes; a power loss then costs only the new active segment', () => {
    const log = new PartitionLog('orders', 0, config({ segmentBytes: 2_500 }));
    log.append(batchAt(0, 0));
    log.append(batchAt(10, 1));
    log.append(batchAt(20, 2)); // overflows 2,500 bytes: rolls first
    expect(log.segmentViews().length).toBe(2);
    expect(log.flushedEndOffset).toBe(20);
    expect(log.unflushedBytes).toBe(1_000);
    expect(log.loseUnflushed('power-loss')).toBe(10);
    expect(log.lostToPowerLoss).toBe(10);
    expect(log.lostToCrashes).toBe(10);
  });

  it('writeback and truncation keep the unflushed byte count exact', () => {
    const log = new PartitionLog('orders', 0, DEFAULT_LOG_CONFIG);
    for (let index = 0; index < 5; index++) log.append(batchAt(index * 10, index * SECOND));
    log.writeBack(32 * SECOND); // batches written at 0, 1 and 2 s have been dirty for 30 s
    expect(log.flushedEndOffset).toBe(30);
    expect(log.unflushedBytes).toBe(2_000);
    log.truncateTo(40);
    expect(log.unflushedBytes).toBe(1_000);
    log.truncateTo(20);
    expect(log.unflushedBytes).toBe(0);
  });
});

describe('flushing in a running cluster', () => {
  function everyZoneLosesPower(engine: Engine): void {
    for (const zone of ['zone-a', 'zone-b', 'zone-c']) engine.inject({ kind: 'power-loss', zone });
  }

  function restartServers(engine: Engine): void {
    for (const id of ['controller-1', 'controller-2', 'controller-3', 'broker-1', 'broker-2', 'broker-3', 'broker-4', 'broker-5', 'broker-6']) engine.inject({ kind: 'restart', process: id });
  }

  it('without flushing, every replica losing power together loses acknowledged records, and the oracle names the power loss', () => {
    const engine = cluster();
    engine.runFor(15 * SECOND);
    everyZoneLosesPower(engine);
    restartServers(engine);
    engine.runFor(40 * SECOND);
    const durability = engine.durability();
    expect(durability.lostRecords).toBeGreaterThan(5_000); // every write since the producer started at 6 s: none was 30 s old, none written back
    expect(durability.losses[0]!.cause).toMatch(/with acks=all, was lost: its in-sync replicas lost power together.*flush\.messages=1, or a replica in a zone that kept power, would have kept it/);
  });

  it('flush.messages=1 fsyncs every append: every replica losing power together loses no acknowledged record', () => {
    const engine = cluster({ topicConfig: { 'flush.messages': 1 } });
    engine.runFor(15 * SECOND);
    const state = partitionState(engine);
    for (const id of state.replicas) {
      const log = logOf(engine, id);
      expect(log.flushCount).toBeGreaterThan(100);
      expect(log.endOffset - log.flushedEndOffset).toBeLessThan(50); // at most a fetch in flight since
    }
    expect(engine.notableLog().some((entry) => / flushed orders-0 to disk up to offset \d+ \(flush\.messages; fsync #1 /.test(entry.label))).toBe(true);
    const leaderBefore = logOf(engine, state.leader!);
    const flushedBefore = leaderBefore.flushedEndOffset;
    everyZoneLosesPower(engine);
    expect(logOf(engine, state.leader!).endOffset).toBe(flushedBefore);
    restartServers(engine);
    engine.runFor(40 * SECOND);
    expect(engine.durability().acknowledgedRecords).toBeGreaterThan(5_000);
    expect(engine.durability().lostRecords).toBe(0);
  });

  it('the fsync costs disk time: produce latency rises with flush.messages=1, and a slow disk makes each fsync slow', () => {
    const p99 = (engine: Engine) => producer(engine).latencyUs.p99;
    const plain = cluster({ rate: 500 });
    plain.runFor(12 * SECOND);
    const flushing = cluster({ rate: 500, topicConfig: { 'flush.messages': 1 } });
    flushing.runFor(12 * SECOND);
    expect(p99(flushing)).toBeGreaterThan(p99(plain) + 900); // at least the 1 ms fsync of the leader (and of the followers' copies)
    const leader = partitionState(flushing).leader!;
    const disk = flushing.processViews().find(({ id }) => id === leader)!.view.disk!;
    expect(disk.flushes).toBeGreaterThan(100);
    expect(disk.flushTimeMsMax).toBeLessThan(5);
    flushing.inject({ kind: 'slow-disk', process: leader, extraLatencyMs: 40 });
    flushing.runFor(5 * SECOND);
    const slow = flushing.processViews().find(({ id }) => id === leader)!.view.disk!;
    expect(slow.flushTimeMsMax).toBeGreaterThanOrEqual(41); // the device's 1 ms plus the slow disk's 40 ms
    expect(p99(flushing)).toBeGreaterThan(80_000); // each produce waits for its write and its fsync on the slow disk
  });

  it('flush.ms is checked by the log flusher: 30 s after start, then every log.flush.scheduler.interval.ms', () => {
    const scheduled = cluster({ topicConfig: { 'flush.ms': 2_000 }, config: { 'log.flush.scheduler.interval.ms': 1_000 } });
    scheduled.runFor(36 * SECOND);
    const leader = partitionState(scheduled).leader!;
    const log = logOf(scheduled, leader);
    expect(log.flushCount).toBeGreaterThanOrEqual(3); // at 30 s, then about every 2 s
    expect(log.unflushedMessages).toBeLessThan(3_500); // never more than ~3 s of writes (1,000/s) dirty
    // Kafka's default scheduler interval is Long.MAX_VALUE: the flusher runs once, at 30 s, and never again.
    const unscheduled = cluster({ topicConfig: { 'flush.ms': 2_000 } });
    unscheduled.runFor(36 * SECOND);
    expect(logOf(unscheduled, partitionState(unscheduled).leader!).flushCount).toBe(1);
  });

  it('refuses flush settings out of Kafka\'s ranges, naming the path and the range', () => {
    expect(() => cluster({ topicConfig: { 'flush.messages': 0 } })).toThrow(/topics\[0\]\.config\.flush\.messages: got 0; expected an integer from 1 to/);
    expect(() => cluster({ topicConfig: { 'flush.ms': -1 } })).toThrow(/flush\.ms: got -1; expected an integer from 0 to/);
    expect(() => cluster({ config: { 'log.flush.interval.messages': 0 } })).toThrow(/config\.log\.flush\.interval\.messages: got 0/);
    expect(() => cluster({ config: { 'log.dir.capacity.bytes': 10 } })).toThrow(/config\.log\.dir\.capacity\.bytes: got 10; expected an integer from 1048576/);
  });
});

describe('a machine crash, a power loss and a halted process', () => {
  it('a zone power loss takes every machine in it down with its unwritten pages; the brokers elsewhere keep the data', () => {
    const engine = cluster();
    engine.runFor(20 * SECOND);
    const before = logOf(engine, 'broker-1');
    const flushed = before.flushedEndOffset;
    expect(before.endOffset).toBeGreaterThan(flushed);
    engine.inject({ kind: 'power-loss', zone: 'zone-a' });
    for (const id of ['controller-1', 'broker-1', 'broker-4', 'producer-1']) expect(statusOf(engine, id)).toBe('crashed');
    expect(statusOf(engine, 'broker-2')).toBe('up');
    expect(logOf(engine, 'broker-1').endOffset).toBe(flushed);
    expect(logOf(engine, 'broker-1').lostToPowerLoss).toBeGreaterThan(0);
    expect(engine.notableLog().some((entry) => /^zone-a loses power: .*: \d+ unflushed records gone from broker disks$/.test(entry.label))).toBe(true);
    engine.runFor(20 * SECOND);
    expect(engine.durability().lostRecords).toBe(0);
  });

  it('a power loss needs exactly one target, and refuses a machine already down', () => {
    const engine = cluster();
    expect(() => engine.inject({ kind: 'power-loss' })).toThrow(/process: .*either "process" \(one machine\) or "zone"/);
    expect(() => engine.inject({ kind: 'power-loss', process: 'broker-1', zone: 'zone-a' })).toThrow(/not both/);
    expect(() => engine.inject({ kind: 'power-loss', zone: 'zone-z' })).toThrow(/no zone "zone-z"; zones are zone-a, zone-b, zone-c/);
    engine.inject({ kind: 'crash', process: 'broker-2' });
    expect(() => engine.inject({ kind: 'power-loss', process: 'broker-2' })).toThrow(/already crashed/);
  });
});

describe('a full disk (KIP-112: the log directory goes offline)', () => {
  it('the leader\'s next write fails: KAFKA_STORAGE_ERROR, the broker halts, leadership moves, nothing acknowledged is lost', () => {
    const engine = cluster();
    engine.runFor(12 * SECOND);
    const leader = partitionState(engine).leader!;
    const endBefore = logOf(engine, leader).endOffset;
    engine.inject({ kind: 'fill-disk', process: leader });
    engine.runFor(1 * SECOND);
    expect(statusOf(engine, leader)).toBe('stopped');
    const notes = engine.notableLog().map((entry) => entry.label);
    expect(notes.some((label) => label.startsWith(`${leader}'s disk is full: appending`) && label.includes('KAFKA_STORAGE_ERROR') && label.includes('the broker halts'))).toBe(true);
    expect(notes).toContain(`${leader} stopped: halted (Exit.halt): all log dirs have failed, its only log directory went offline when the disk was full`);
    expect(producer(engine).recentErrors.some((error) => error.code === 'KAFKA_STORAGE_ERROR')).toBe(true);
    // A halt ends the process, not the machine: the page cache is whole.
    expect(logOf(engine, leader).endOffset).toBeGreaterThanOrEqual(endBefore);
    expect(logOf(engine, leader).endOffset).toBeGreaterThan(logOf(engine, leader).flushedEndOffset);
    const storage = engine.snapshot().processes.find((process) => process.id === leader)!.storage!;
    expect(storage.logDirFailure?.reason).toMatch(/disk is full/);
    expect(storage.logBytes + storage.filledBytes).toBeGreaterThan(storage.capacityBytes - 20_000);
    engine.runFor(20 * SECOND);
    const moved = partitionState(engine);
    expect(moved.leader).not.toBe(leader);
    expect(moved.leader).not.toBeNull();
    expect(engine.durability().lostRecords).toBe(0);
    // Heal frees the space; the broker stays down until restarted, then rejoins.
    engine.inject({ kind: 'heal', target: leader });
    expect(engine.notableLog().some((entry) => entry.label === `${leader}'s disk has free space again; it halted when the disk was full and stays down until restarted`)).toBe(true);
    engine.inject({ kind: 'restart', process: leader });
    engine.runFor(25 * SECOND);
    expect(statusOf(engine, leader)).toBe('up');
    expect(partitionState(engine).isr).toContain(leader);
    expect(engine.durability().lostRecords).toBe(0);
  });

  it('with freeBytes the broker runs until its logs grow into the space left, then halts; a follower halts on a fetched write', () => {
    const engine = cluster();
    engine.runFor(10 * SECOND);
    const state = partitionState(engine);
    const follower = state.replicas.find((id) => id !== state.leader)!;
    engine.inject({ kind: 'fill-disk', process: follower, freeBytes: 2_000_000 }); // about 2 s of 1 KB records at 1,000/s
    engine.runFor(1 * SECOND);
    expect(statusOf(engine, follower)).toBe('up');
    engine.runFor(3 * SECOND);
    expect(statusOf(engine, follower)).toBe('stopped');
    expect(engine.notableLog().some((entry) => entry.label.startsWith(`${follower}'s disk is full: copying`))).toBe(true);
    expect(engine.snapshot().processes.find((process) => process.id === state.leader)!.status).toBe('up');
  });

  it('refuses to fill a controller\'s disk, or to leave more free than there is', () => {
    const engine = cluster();
    expect(() => engine.inject({ kind: 'fill-disk', process: 'controller-1' })).toThrow(/controller-1 is a controller; fill-disk is for brokers/);
    expect(() => engine.inject({ kind: 'fill-disk', process: 'broker-1', freeBytes: 2 ** 41 })).toThrow(/broker-1 has \d+ bytes free .*freeBytes must be less than that/);
    expect(() => engine.check({ kind: 'fill-disk', process: 'broker-1', freeBytes: 2 ** 41 })).toThrow(/freeBytes must be less than that/); // compare mode asks first
    expect(engine.snapshot().processes.find((process) => process.id === 'broker-1')!.storage!.filledBytes).toBe(0);
  });
});

describe('a full disk on a broker that takes no writes', () => {
  it('halts within 5 s anyway: its high watermark checkpoint cannot be rewritten', () => {
    const engine = createEngine({ topics: [{ name: 'orders', partitions: 3, replicationFactor: 3 }] }, 5);
    engine.runFor(8 * SECOND);
    engine.inject({ kind: 'fill-disk', process: 'broker-2' });
    engine.runFor(5 * SECOND + 1);
    expect(statusOf(engine, 'broker-2')).toBe('stopped');
    expect(engine.notableLog().some((entry) => entry.label.startsWith("broker-2's disk is full: rewriting its high watermark checkpoint (replication-offset-checkpoint)"))).toBe(true);
  });
});

describe('a controlled shutdown', () => {
  it('flushes every log before it exits (Kafka\'s LogManager.shutdown), so a power loss afterwards costs nothing', () => {
    const engine = cluster();
    engine.runFor(12 * SECOND);
    const state = partitionState(engine);
    const follower = state.replicas.find((id) => id !== state.leader)!;
    expect(logOf(engine, follower).unflushedMessages).toBeGreaterThan(0);
    engine.inject({ kind: 'shutdown', process: follower });
    engine.runUntilCondition((e) => statusOf(e, follower) === 'stopped', { maxTimeUs: engine.nowUs + 20 * SECOND });
    expect(logOf(engine, follower).unflushedMessages).toBe(0);
    const end = logOf(engine, follower).endOffset;
    engine.inject({ kind: 'power-loss', process: follower });
    expect(logOf(engine, follower).endOffset).toBe(end);
  });

  it('a broker halted by a full disk keeps its page cache, and a later power loss takes what its OS had not written back', () => {
    const engine = cluster();
    engine.runFor(12 * SECOND);
    const leader = partitionState(engine).leader!;
    engine.inject({ kind: 'fill-disk', process: leader });
    engine.runFor(1 * SECOND);
    expect(statusOf(engine, leader)).toBe('stopped');
    const log = logOf(engine, leader);
    const haltedEnd = log.endOffset;
    const written = log.flushedEndOffset;
    expect(haltedEnd).toBeGreaterThan(written);
    // 40 s later its OS has written back everything (older than 30 s): a power loss costs nothing.
    engine.runFor(40 * SECOND);
    engine.inject({ kind: 'power-loss', process: leader });
    expect(logOf(engine, leader).endOffset).toBe(haltedEnd);
  });
});
