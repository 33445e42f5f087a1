// Retention through the whole engine: brokers delete old segments every
// log.retention.check.interval.ms, followers take their leader's log start from fetch answers, a
// follower that fell below it recovers by OFFSET_OUT_OF_RANGE (truncate fully, restart at the
// leader's log start, as Kafka's ReplicaFetcherThread), the durability oracle does not count what
// retention deleted as lost, and a long run under steady load holds a bounded number of batches.
// Method: small clusters with short retention; faults at chosen times; assertions on broker logs,
// replica views, notes and the oracle.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import { logConfigOf, resolveConfig } from '../../../src/engine/config';
import { logOf, partitionState } from '../inspect';

const SECOND = 1_000_000;

function replicaView(engine: Engine, broker: string) {
  return engine.processViews().find(({ id }) => id === broker)!.view.replicas!;
}

/** One partition, RF 3, 1,000 records/s from 6 s; 2 s segments; retention as given; checked every 10 s. */
function cluster(retentionMs: number, seed = 5): Engine {
  return createEngine(
    {
      config: { 'log.retention.check.interval.ms': 10_000 },
      topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 2, 'segment.ms': 2_000, 'retention.ms': retentionMs } }],
      producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all', 'linger.ms': 5, startMs: 6_000 }],
    },
    seed,
  );
}

describe('retention in a cluster', () => {
  it('every replica deletes old segments at its retention check and keeps about retention.ms of records', () => {
    const engine = cluster(10_000);
    engine.runFor(61 * SECOND); // checks at 30, 40, 50, 60 s
    const state = partitionState(engine);
    for (const broker of state.replicas) {
      const log = logOf(engine, broker);
      expect(log.stats.deletedSegments, broker).toBeGreaterThan(5);
      // Kept: the last 10 s (retention.ms), plus up to one check interval and one segment more.
      const keptSeconds = (log.endOffset - log.logStartOffset) / 1_000;
      expect(keptSeconds, broker).toBeGreaterThan(10);
      expect(keptSeconds, broker).toBeLessThan(10 + 10 + 2 + 1);
      const oldest = log.segmentViews()[0]!;
      expect(oldest.baseOffset, broker).toBe(log.logStartOffset);
    }
    expect(replicaView(engine, state.leader!).retentionDeletedSegments).toBeGreaterThan(5);
    expect(engine.durability().lostRecords).toBe(0);
  });

  it('a follower takes its leader\'s log start from a fetch answer, before its own retention task has run', () => {
    // Retention 15 s. A follower shuts down cleanly (its log flushed) at 25 s; the leader's check at
    // 40 s deletes what is older than 25 s, which leaves its log start below the follower's end.
    // The follower restarts at 41 s; its own first retention check would come only at 71 s.
    const engine = cluster(15_000);
    engine.runFor(25 * SECOND);
    const leader = partitionState(engine).leader!;
    const follower = partitionState(engine).replicas.find((id) => id !== leader)!;
    engine.inject({ kind: 'shutdown', process: follower });
    engine.runFor(16 * SECOND);
    const leaderStart = logOf(engine, leader).logStartOffset;
    const followerEnd = logOf(engine, follower).endOffset;
    expect(leaderStart).toBeGreaterThan(0);
    expect(leaderStart).toBeLessThan(followerEnd); // in range: no OFFSET_OUT_OF_RANGE here
    expect(logOf(engine, follower).logStartOffset).toBeLessThan(leaderStart);
    engine.inject({ kind: 'restart', process: follower });
    engine.runFor(15 * SECOND); // to 56 s: registered, following, fetching
    const log = logOf(engine, follower);
    expect(replicaView(engine, follower).retentionDeletedSegments).toBe(0); // its own task has not run in this life
    expect(log.logStartOffset).toBeGreaterThanOrEqual(leaderStart);
    expect(log.logStartOffset).toBe(logOf(engine, partitionState(engine).leader!).logStartOffset);
    expect(log.segmentViews()[0]!.baseOffset).toBeLessThan(log.logStartOffset); // learnt, not yet deleted
    expect(replicaView(engine, follower).outOfRangeResets).toBe(0);
  });

  it('a follower below its leader\'s log start gets OFFSET_OUT_OF_RANGE, truncates fully and restarts there; then a failover loses nothing', () => {
    // Retention 5 s. The follower shuts down at 15 s; by 41 s the leader has deleted everything
    // older than about 30 s, far past the follower's log end.
    const engine = cluster(5_000);
    engine.runFor(15 * SECOND);
    const leader = partitionState(engine).leader!;
    const follower = partitionState(engine).replicas.find((id) => id !== leader)!;
    engine.inject({ kind: 'shutdown', process: follower });
    engine.runFor(26 * SECOND);
    const followerEnd = logOf(engine, follower).endOffset;
    expect(logOf(engine, leader).logStartOffset).toBeGreaterThan(followerEnd);
    engine.inject({ kind: 'restart', process: follower });
    engine.runFor(20 * SECOND);
    expect(replicaView(engine, follower).outOfRangeResets).toBe(1); // the path was taken, once
    const note = engine.notableLog().find((entry) => entry.label.includes('OFFSET_OUT_OF_RANGE'));
    expect(note?.label).toContain(`${follower} fell behind the log start of orders-0 on leader ${leader}`);
    const log = logOf(engine, follower);
    expect(log.logStartOffset).toBeGreaterThan(followerEnd);
    expect(log.endOffset).toBeGreaterThan(logOf(engine, leader).endOffset - 2_000); // caught up again
    expect(partitionState(engine).isr).toContain(follower);

    // The leader dies: a new leader whose log starts far past batches acknowledged long ago. Those
    // were deleted by retention, not lost.
    engine.inject({ kind: 'crash', process: leader });
    engine.runFor(20 * SECOND);
    expect(partitionState(engine).leader).not.toBe(leader);
    const durability = engine.durability();
    expect(durability.retiredBatches).toBeGreaterThan(1_000);
    expect(durability.lostRecords).toBe(0);
    expect(durability.losses).toEqual([]);
  });

  it('holds a bounded number of batches under steady load: what retention deletes balances what is produced', () => {
    const engine = createEngine(
      {
        config: { 'log.retention.check.interval.ms': 15_000 },
        topics: [{ name: 'orders', partitions: 6, replicationFactor: 3, config: { 'segment.bytes': 262_144, 'retention.ms': 30_000 } }],
        producers: [{ topic: 'orders', recordsPerSecond: 3_000, acks: 'all', 'linger.ms': 5 }],
      },
      9,
    );
    const held: number[] = [];
    for (let step = 0; step < 16; step++) {
      engine.runFor(15 * SECOND);
      engine.durability(); // the oracle retires what retention deleted, as the page asks every frame
      held.push(engine.processViews().reduce((sum, { view }) => sum + (view.replicas?.batches ?? 0), 0));
    }
    // After the first minute (retention 30 s + a check interval + a segment), the count plateaus.
    const plateau = held.slice(4);
    expect(Math.min(...plateau)).toBeGreaterThan(1_000);
    expect(Math.max(...plateau)).toBeLessThan(Math.min(...plateau) * 1.6);
    expect(held.at(-1)!).toBeLessThan(held[4]! * 1.3); // four minutes later: no growth
    const durability = engine.durability();
    expect(durability.lostRecords).toBe(0);
    expect(durability.acknowledgedBatches - durability.retiredBatches - durability.lostBatches - durability.forgottenBatches).toBeLessThan(held.at(-1)!); // the oracle's ledger is bounded too
  });
});

describe('log configuration', () => {
  it('takes the topic\'s setting, else the broker\'s, with *.ms over *.hours as Kafka does', () => {
    const config = resolveConfig({ config: { 'log.retention.hours': 1, 'log.roll.ms': 60_000, 'log.segment.bytes': 1_048_576 }, topics: [{ name: 'a', partitions: 1, replicationFactor: 1, config: { 'retention.bytes': 5_000 } }] });
    expect(logConfigOf(config.kafka, config.topics[0]!.config)).toEqual({ segmentBytes: 1_048_576, segmentUs: 60 * SECOND, retentionUs: 3_600 * SECOND, retentionBytes: 5_000 });
    const defaults = resolveConfig({});
    expect(logConfigOf(defaults.kafka, undefined)).toEqual({ segmentBytes: 1_073_741_824, segmentUs: 168 * 3_600 * SECOND, retentionUs: 168 * 3_600 * SECOND, retentionBytes: -1 });
    expect(defaults.kafka['log.retention.check.interval.ms']).toBe(300_000);
    const unlimited = resolveConfig({ config: { 'log.retention.ms': 5_000, 'log.retention.hours': -1 } });
    expect(logConfigOf(unlimited.kafka, { 'retention.ms': -1 }).retentionUs).toBe(-1);
    expect(logConfigOf(unlimited.kafka, {}).retentionUs).toBe(5 * SECOND);
  });

  it('refuses a segment smaller than Kafka allows, naming the path and the limit', () => {
    expect(() => createEngine({ topics: [{ name: 'a', partitions: 1, replicationFactor: 1, config: { 'segment.bytes': 10, 'retention.ms': -2 } }] }, 1)).toThrow(
      /topics\[0\]\.config\.segment\.bytes: got 10; expected an integer from 14 to 2147483647 bytes[\s\S]*topics\[0\]\.config\.retention\.ms: got -2; expected an integer from -1/,
    );
  });
});
