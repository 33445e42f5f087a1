// Replication as Kafka does it, end to end through the engine: produce with acks, followers that
// fetch, the high watermark, the ISR shrinking and expanding, divergent suffixes truncated, and the
// durability oracle reporting exactly the losses a configuration allows, with their cause.
// Method: small clusters with one producer; faults at chosen times; assertions on broker logs,
// metrics, the producer's view and the oracle.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import { METRICS } from '../../../src/engine/scenario/metrics';
import { logOf, partitionState } from '../inspect';

const SECOND = 1_000_000;

function metric(engine: Engine, name: string): number {
  return METRICS.get(name)!.read(engine, undefined);
}

function producerView(engine: Engine) {
  return engine.processViews().find(({ id }) => id === 'producer-1')!.view.producer!;
}

function cluster(options: { acks: 'all' | 1; minIsr?: number; lagMs?: number; rate?: number; seed?: number }): Engine {
  return createEngine(
    {
      config: { 'replica.lag.time.max.ms': options.lagMs ?? 30_000 },
      topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': options.minIsr ?? 1 } }],
      producers: [{ topic: 'orders', recordsPerSecond: options.rate ?? 1_000, acks: options.acks, 'linger.ms': 5, startMs: 6_000 }],
    },
    options.seed ?? 21,
  );
}

describe('replication', () => {
  it('followers copy the leader: every in-sync replica holds the same batches below the high watermark', () => {
    const engine = cluster({ acks: 'all' });
    engine.runFor(15 * SECOND);
    const state = partitionState(engine);
    const leaderLog = logOf(engine, state.leader!);
    const hw = engine.processViews().find(({ id }) => id === state.leader)!.view.replicas!;
    expect(hw.leaderOf).toBe(1);
    expect(leaderLog.endOffset).toBeGreaterThan(5_000);
    for (const follower of state.isr.filter((id) => id !== state.leader)) {
      const log = logOf(engine, follower);
      const upTo = Math.min(log.endOffset, leaderLog.endOffset) - 200; // both fetched well past this
      const ids = (l: typeof log) => l.read(0, Number.POSITIVE_INFINITY).filter((b) => b.baseOffset < upTo).map((b) => `${b.baseOffset}:${b.batchId}:${b.epoch}`);
      expect(ids(log)).toEqual(ids(leaderLog));
    }
    expect(producerView(engine).recordsAcked).toBeGreaterThan(8_000);
    expect(metric(engine, 'UnderReplicatedPartitions')).toBe(0);
  });

  it('acks=all with min.insync.replicas=2 loses nothing when the leader crashes', () => {
    const engine = cluster({ acks: 'all', minIsr: 2 });
    engine.runFor(15 * SECOND);
    engine.inject({ kind: 'crash', process: partitionState(engine).leader! });
    engine.runFor(25 * SECOND);
    const durability = engine.durability();
    expect(durability.acknowledgedRecords).toBeGreaterThan(5_000);
    expect(durability.lostRecords).toBe(0);
    expect(metric(engine, 'UnavailablePartitionsCount')).toBe(0);
  });

  it('acks=1 with lagging followers loses what only the leader had, and says why', () => {
    const engine = cluster({ acks: 1, rate: 2_000 });
    engine.runFor(12 * SECOND);
    const leader = partitionState(engine).leader!;
    for (const follower of partitionState(engine).replicas.filter((id) => id !== leader)) {
      engine.inject({ kind: 'slow-link', from: leader, to: follower, extraLatencyMs: 300, bothWays: false });
    }
    engine.runFor(4 * SECOND);
    engine.inject({ kind: 'crash', process: leader });
    engine.runFor(15 * SECOND);
    const durability = engine.durability();
    expect(durability.lostRecords).toBeGreaterThan(0);
    expect(durability.losses[0]!.cause).toMatch(/with acks=1, was lost: the leader acknowledged it before any follower had copied it/);
  });

  it('refuses acks=all writes with NOT_ENOUGH_REPLICAS once the ISR is below min.insync.replicas, naming who left', () => {
    const engine = cluster({ acks: 'all', minIsr: 3, lagMs: 5_000 });
    engine.runFor(12 * SECOND);
    const state = partitionState(engine);
    const follower = state.replicas.find((id) => id !== state.leader)!;
    engine.inject({ kind: 'cut-link', from: state.leader!, to: follower });
    engine.runFor(15 * SECOND);
    expect(partitionState(engine).isr).not.toContain(follower);
    expect(metric(engine, 'UnderMinIsrPartitionCount')).toBe(1);
    const error = producerView(engine).lastError!;
    expect(error.detail).toMatch(new RegExp(`NOT_ENOUGH_REPLICAS: acks=all needs 3 in-sync replicas \\(min.insync.replicas\\), orders-0 has 2 .*: ${follower} left the ISR at`));
    // Heal: the follower catches up and rejoins; writes are accepted again.
    engine.inject({ kind: 'heal' });
    const acked = producerView(engine).recordsAcked;
    engine.runFor(40 * SECOND);
    expect(partitionState(engine).isr).toContain(follower);
    expect(metric(engine, 'IsrShrinks')).toBeGreaterThanOrEqual(1);
    expect(metric(engine, 'IsrExpands')).toBeGreaterThanOrEqual(1);
    expect(producerView(engine).recordsAcked).toBeGreaterThan(acked);
  });

  it('an idle partition keeps a silent follower in the ISR; the first write it misses drops it', () => {
    // Kafka's ReplicaState.isCaughtUp: a follower whose log ends where the leader's does is in
    // sync, however long ago it last fetched. Only once the leader's log moves on does
    // replica.lag.time.max.ms start to count against it.
    const engine = createEngine(
      {
        config: { 'replica.lag.time.max.ms': 5_000 },
        topics: [{ name: 'orders', partitions: 1, replicationFactor: 3 }],
        producers: [{ topic: 'orders', recordsPerSecond: 200, acks: 1, startMs: 40_000 }],
      },
      21,
    );
    engine.runFor(10 * SECOND);
    const state = partitionState(engine);
    const follower = state.replicas.find((id) => id !== state.leader)!;
    engine.inject({ kind: 'cut-link', from: state.leader!, to: follower });
    engine.runFor(28 * SECOND); // to 38 s: 28 s without a fetch, more than five times the lag limit
    expect(partitionState(engine).isr).toContain(follower);
    expect(metric(engine, 'IsrShrinks')).toBe(0);
    engine.runFor(12 * SECOND); // the producer starts at 40 s; the follower cannot follow
    expect(partitionState(engine).isr).not.toContain(follower);
    expect(partitionState(engine).isr).toHaveLength(2);
    expect(metric(engine, 'IsrShrinks')).toBe(1);
  });

  it('a follower whose fetch fails waits replica.fetch.backoff.ms before asking that broker again', () => {
    // Follower A cannot reach the controllers, so its metadata stays at the old leader L. L crashes,
    // B takes over, L restarts as a follower: A's fetches to L now fail (NOT_LEADER_OR_FOLLOWER).
    // Kafka's fetcher delays the partition by replica.fetch.backoff.ms instead of asking at once.
    const engine = createEngine({ topics: [{ name: 'orders', partitions: 1, replicationFactor: 3 }] }, 21);
    engine.runFor(10 * SECOND);
    const state = partitionState(engine);
    const [leader, follower] = [state.leader!, state.replicas.find((id) => id !== state.leader)!];
    for (const controller of ['controller-1', 'controller-2', 'controller-3']) engine.inject({ kind: 'cut-link', from: follower, to: controller });
    engine.inject({ kind: 'crash', process: leader });
    engine.runFor(15 * SECOND);
    expect(partitionState(engine).leader).not.toBe(leader);
    engine.inject({ kind: 'restart', process: leader });
    engine.runFor(30 * SECOND); // A's fetch to the crashed L times out (replica.socket.timeout.ms) and is sent again
    let fetches = 0;
    const until = engine.nowUs + 10 * SECOND;
    while (engine.nowUs < until) {
      const entry = engine.step();
      if (entry === null) break;
      if (entry.kind === 'deliver' && entry.process === leader && entry.peer === follower && entry.label === 'ReplicaFetch') fetches++;
    }
    // One fetch a second (replica.fetch.backoff.ms = 1000), not one per round trip.
    expect(fetches).toBeGreaterThanOrEqual(8);
    expect(fetches).toBeLessThanOrEqual(11);
  });

  it('a returning leader truncates the suffix that diverged from the new leader, then matches it', () => {
    const engine = cluster({ acks: 1, rate: 2_000 });
    engine.runFor(12 * SECOND);
    const old = partitionState(engine).leader!;
    for (const follower of partitionState(engine).replicas.filter((id) => id !== old)) {
      engine.inject({ kind: 'slow-link', from: old, to: follower, extraLatencyMs: 300, bothWays: false });
    }
    engine.runFor(4 * SECOND);
    // A clean shutdown would flush; a crash right after a forced flush keeps the unreplicated tail on disk.
    logOf(engine, old).flush();
    engine.inject({ kind: 'crash', process: old });
    engine.inject({ kind: 'heal' });
    engine.runFor(15 * SECOND);
    engine.inject({ kind: 'restart', process: old });
    engine.runFor(20 * SECOND);
    expect(metric(engine, 'TruncatedRecords')).toBeGreaterThan(0);
    expect(engine.notableLog().some((entry) => entry.label.startsWith(`${old} truncated`) && entry.label.includes('diverged from leader'))).toBe(true);
    const leader = partitionState(engine).leader!;
    const upTo = logOf(engine, leader).endOffset - 500;
    const ids = (broker: string) => logOf(engine, broker).read(0, Number.POSITIVE_INFINITY).filter((b) => b.baseOffset < upTo).map((b) => b.batchId);
    expect(ids(old)).toEqual(ids(leader));
    expect(partitionState(engine).isr).toContain(old);
  });

  it('a crash loses the page cache: what the OS had not written back after 30 s', () => {
    const engine = cluster({ acks: 'all', rate: 500 });
    engine.runFor(50 * SECOND);
    const follower = partitionState(engine).replicas.find((id) => id !== partitionState(engine).leader)!;
    const before = logOf(engine, follower).endOffset;
    const flushed = logOf(engine, follower).flushedEndOffset;
    expect(flushed).toBeGreaterThan(0);
    expect(flushed).toBeLessThan(before); // the last 30 s are still dirty
    engine.inject({ kind: 'crash', process: follower });
    expect(logOf(engine, follower).endOffset).toBe(flushed);
  });

  it('idempotence: a retried batch is written once', () => {
    const engine = cluster({ acks: 'all', minIsr: 2 });
    engine.runFor(10 * SECOND);
    const leader = partitionState(engine).leader!;
    // Responses from the leader to the producer are lost for a while: the producer retries batches the leader already wrote.
    engine.inject({ kind: 'lossy-link', from: leader, to: 'producer-1', lossPercent: 100, bothWays: false });
    engine.runFor(35 * SECOND);
    engine.inject({ kind: 'heal' });
    engine.runFor(40 * SECOND);
    const batches = logOf(engine, leader).read(0, Number.POSITIVE_INFINITY);
    const ids = batches.map((batch) => batch.batchId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(engine.durability().lostRecords).toBe(0);
  });
});

describe('follower fetches wait for records, not for the high watermark', () => {
  // Goal: Kafka's leader holds a follower's fetch (replica.fetch.min.bytes 1) until records are
  // readable at its log end; a high watermark move alone completes nothing (DelayedFetch.tryComplete
  // with LOG_END isolation). So once the producer stops, the followers learn the last high watermark
  // only when their parked fetch expires (replica.fetch.wait.max.ms, 500 ms).
  // Method: produce for 2 s, stop; look at every replica's high watermark just after the last
  // batch was committed, then again after the wait.
  it('a follower learns the last high watermark when its parked fetch expires', () => {
    const engine = createEngine(
      {
        topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }],
        producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all', 'linger.ms': 5, startMs: 6_000, stopMs: 8_000 }],
      },
      21,
    );
    engine.runFor(8_100_000);
    const before = engine.inspectPartition('orders', 0)!;
    const leader = before.replicas.find((replica) => replica.leader)!;
    expect(producerView(engine).recordsAcked).toBe(2_000);
    expect(leader.highWatermark).toBe(leader.logEndOffset); // everything produced is committed
    const followers = before.replicas.filter((replica) => !replica.leader);
    expect(followers).toHaveLength(2);
    for (const follower of followers) {
      expect(follower.logEndOffset).toBe(leader.logEndOffset); // it has every record ...
      expect(follower.highWatermark!).toBeLessThan(leader.highWatermark!); // ... but not the news that they are committed
    }
    engine.runFor(500_000);
    for (const follower of engine.inspectPartition('orders', 0)!.replicas) expect(follower.highWatermark).toBe(leader.highWatermark);
  });
});

describe('AlterPartition lost on the way', () => {
  it('is retried: the ISR still shrinks when the request reached a controller that died', () => {
    const engine = cluster({ acks: 'all', lagMs: 4_000 });
    engine.runFor(12 * SECOND);
    const state = partitionState(engine);
    const follower = state.replicas.find((id) => id !== state.leader)!;
    engine.inject({ kind: 'cut-link', from: state.leader!, to: follower });
    // The moment the leader decides to drop the follower, the active controller dies: the request is lost.
    const decided = engine.runUntilCondition(
      (e) => e.notableLog().some((entry) => entry.label.startsWith(`${state.leader} drops ${follower} from the ISR`)),
      { maxTimeUs: engine.nowUs + 20 * SECOND },
    );
    expect(decided).toBe(true);
    engine.inject({ kind: 'crash', process: '@active-controller' });
    engine.runFor(30 * SECOND);
    expect(partitionState(engine).isr).not.toContain(follower);
    expect(partitionState(engine).leader).toBe(state.leader);
  });
});
