// Goal: consumers and groups behave as Kafka's do, end to end on the real engine: a group forms
// through FindCoordinator, JoinGroup and SyncGroup; the coordinator's states follow the classic
// protocol (a leave rebalances at once, a crash after session.timeout.ms); committed offsets survive
// a coordinator crash (a new coordinator loads them from __consumer_offsets); consumers never read
// above the high watermark; two groups on one topic each read everything; lag rises and falls; a
// broker crash under producer and consumers loses nothing; an unclean election that removes records
// a consumer had read is reported as such.
// Method: small clusters (1 controller, 3 brokers, one zone where timing matters) with short
// session timeouts, run with createEngine; what happened is read from process views, metrics, the
// consumption checker and the durability oracle, never from hard-coded figures.

import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import { javaStringHashCode, kafkaAbs, offsetsPartitionFor } from '../../../src/engine/broker/group-protocol';
import { CONSUMER_VIEW_PARTITIONS_MAX, type ConsumerView } from '../../../src/engine/clients/consumer';
import { METRICS } from '../../../src/engine/scenario/metrics';
import { parseScenarioText } from '../../../src/engine/scenario/validate';
import { ScenarioRun } from '../../../src/engine/scenario/runner';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const S = 1_000_000;

function consumers(engine: Engine): Map<string, ConsumerView> {
  return new Map(engine.processViews().flatMap(({ id, view }) => (view.consumer === undefined ? [] : [[id, view.consumer] as const])));
}

function groups(engine: Engine): { broker: string; groupId: string; state: string; generationId: number; members: number }[] {
  return engine.processViews().flatMap(({ id, view }) =>
    (view.coordinator?.groups ?? []).map((group) => ({ broker: id, groupId: group.groupId, state: group.state, generationId: group.generationId, members: group.members.length })),
  );
}

function metric(engine: Engine, name: string): number {
  return METRICS.get(name)!.read(engine, undefined);
}

function acked(engine: Engine): number {
  return metric(engine, 'producer.recordsAcked');
}

const base = {
  zones: 1,
  controllers: 1,
  brokers: 3,
  config: { 'group.initial.rebalance.delay.ms': 1_000 },
  topics: [{ name: 'orders', partitions: 6, replicationFactor: 3 }],
};

const member = (extra: Record<string, unknown> = {}) => ({
  topic: 'orders',
  'group.id': 'billing',
  'session.timeout.ms': 6_000,
  'heartbeat.interval.ms': 1_000,
  'auto.offset.reset': 'earliest',
  ...extra,
});

describe('the group id hashes to a partition of __consumer_offsets as Kafka computes it', () => {
  it("implements Java's String.hashCode, overflow included", () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99_162_322);
    // A known string whose hash is Integer.MIN_VALUE: Kafka's Utils.abs maps it to 0, not to a negative number.
    expect(javaStringHashCode('polygenelubricants')).toBe(-2_147_483_648);
    expect(kafkaAbs(javaStringHashCode('polygenelubricants'))).toBe(0);
    expect(offsetsPartitionFor('polygenelubricants', 50)).toBe(0);
    expect(offsetsPartitionFor('hello', 50)).toBe(99_162_322 % 50);
  });
});

describe('a consumer group on the real engine', () => {
  it('forms, rebalances when a member joins, at once when one leaves, and session.timeout.ms after one crashes', () => {
    const engine = createEngine(
      {
        ...base,
        producers: [{ topic: 'orders', recordsPerSecond: 200, 'linger.ms': 5 }],
        consumers: [member(), member(), member({ startMs: 15_000 }), member({ stopMs: 25_000 })],
      },
      3,
    );
    // A run without consumers has no __consumer_offsets; here the first FindCoordinator creates it.
    expect(engine.runUntilCondition((e) => groups(e).some((g) => g.state === 'Stable'), { maxTimeUs: 14 * S })).toBe(true);
    const first = groups(engine)[0]!;
    expect(first).toMatchObject({ groupId: 'billing', state: 'Stable', members: 3 });
    // consumer-4 stops at 25 s; consumer-3 joins at 15 s.
    engine.runUntil(20 * S);
    const joined = groups(engine)[0]!;
    expect(joined.members).toBe(4);
    expect(joined.generationId).toBeGreaterThan(first.generationId);
    // A LeaveGroup rebalances at once: within a heartbeat interval or two, not a session timeout.
    engine.runUntil(27 * S);
    const left = groups(engine)[0]!;
    expect(left).toMatchObject({ state: 'Stable', members: 3 });
    expect(left.generationId).toBeGreaterThan(joined.generationId);
    // A crash is noticed only after session.timeout.ms (6 s) without heartbeats.
    engine.inject({ kind: 'crash', process: 'consumer-1' });
    engine.runUntil(31 * S);
    expect(groups(engine)[0]!.members).toBe(3);
    engine.runUntil(40 * S);
    const after = groups(engine)[0]!;
    expect(after).toMatchObject({ state: 'Stable', members: 2 });
    // The survivors own all six partitions between them, and read on.
    const views = [...consumers(engine).entries()].filter(([id]) => id === 'consumer-2' || id === 'consumer-3');
    expect(views.flatMap(([, view]) => view.partitions.map((p) => p.partition)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(engine.consumptionStatus().violations).toBe(0);
  });

  it('resumes from committed offsets after the coordinator crashes: the new coordinator loads them from its log', () => {
    const engine = createEngine(
      {
        ...base,
        producers: [{ topic: 'orders', recordsPerSecond: 300, 'linger.ms': 5, stopMs: 45_000 }],
        consumers: [
          member({ id: 'early-1', stopMs: 20_000 }),
          member({ id: 'early-2', stopMs: 20_000 }),
          // The second wave would skip records with "latest", or read them twice with "earliest": it must do neither.
          member({ id: 'late-1', startMs: 30_000, 'auto.offset.reset': 'latest' }),
          member({ id: 'late-2', startMs: 30_000, 'auto.offset.reset': 'latest' }),
        ],
      },
      8,
    );
    engine.runUntil(19 * S);
    const coordinator = groups(engine)[0]!.broker;
    engine.runUntil(22 * S);
    engine.inject({ kind: 'crash', process: coordinator });
    engine.runUntil(60 * S);
    const after = groups(engine);
    expect(after.length).toBe(1);
    expect(after[0]!.broker).not.toBe(coordinator);
    const loaded = engine.snapshot({ notableFrom: 0 }).notable.some((entry) => entry.label.includes('loaded 1 group'));
    expect(loaded).toBe(true);
    const views = consumers(engine);
    const early = views.get('early-1')!.recordsConsumed + views.get('early-2')!.recordsConsumed;
    const late = views.get('late-1')!.recordsConsumed + views.get('late-2')!.recordsConsumed;
    expect(early).toBeGreaterThan(0);
    expect(late).toBeGreaterThan(0);
    // Every acknowledged record read exactly once across the two waves: the late wave started where the early one committed.
    expect(early + late).toBe(acked(engine));
    expect(engine.consumptionStatus().violations).toBe(0);
  });

  it('never reads above the high watermark, though the leader has more (followers slowed, acks=1)', () => {
    const engine = createEngine(
      {
        ...base,
        topics: [{ name: 'orders', partitions: 1, replicationFactor: 3 }],
        producers: [{ topic: 'orders', recordsPerSecond: 500, acks: 1, 'linger.ms': 2 }],
        consumers: [member({ 'fetch.max.wait.ms': 50 })],
      },
      4,
    );
    engine.runUntil(8 * S);
    const leader = engine.snapshot({}).partitions.find((p) => p.topic === 'orders')!.leader!;
    for (const follower of ['broker-1', 'broker-2', 'broker-3'].filter((id) => id !== leader)) {
      engine.inject({ kind: 'slow-link', from: leader, to: follower, extraLatencyMs: 200, bothWays: true });
    }
    engine.runUntil(20 * S);
    const heldBack = engine.processViews().reduce((sum, { view }) => sum + (view.consumerFetch?.batchesHeldBack ?? 0), 0);
    // The rare path was hit: the leader had batches the consumer was not given, because the ISR did not have them yet.
    expect(heldBack).toBeGreaterThan(0);
    const status = engine.consumptionStatus();
    expect(status.recordsChecked).toBeGreaterThan(0);
    expect(status.violations).toBe(0);
  });

  it('keeps its long-poll index bounded on idle partitions: fetches that expire leave it', () => {
    const engine = createEngine({ ...base, producers: [{ topic: 'orders', recordsPerSecond: 100, stopMs: 5_000 }], consumers: [member(), member()] }, 5);
    engine.runUntil(60 * S);
    const views = engine.processViews().flatMap(({ view }) => (view.consumerFetch === undefined ? [] : [view.consumerFetch]));
    // Fetches have expired about every fetch.max.wait.ms (500 ms) for 50 s on every broker.
    expect(views.reduce((sum, view) => sum + view.fetchesServed, 0)).toBeGreaterThan(200);
    // At most the partitions of the fetches parked right now: 2 consumers x 6 partitions.
    for (const view of views) expect(view.indexedEntries).toBeLessThanOrEqual(12);
  });

  it('fans out: two groups on one topic each read every record', () => {
    const engine = createEngine(
      {
        ...base,
        producers: [{ topic: 'orders', recordsPerSecond: 400, 'linger.ms': 5, stopMs: 15_000 }],
        consumers: [member({ 'group.id': 'billing' }), member({ 'group.id': 'billing' }), member({ 'group.id': 'audit' })],
      },
      5,
    );
    engine.runUntil(25 * S);
    const views = consumers(engine);
    const billing = views.get('consumer-1')!.recordsConsumed + views.get('consumer-2')!.recordsConsumed;
    const audit = views.get('consumer-3')!.recordsConsumed;
    expect(acked(engine)).toBeGreaterThan(0);
    expect(billing).toBe(acked(engine));
    expect(audit).toBe(acked(engine));
    expect(views.get('consumer-3')!.partitions.length).toBe(6);
    expect(metric(engine, 'group.stable')).toBe(2);
  });

  it('lists every owned partition but details only the most lagging CONSUMER_VIEW_PARTITIONS_MAX, so a big topic keeps views small', () => {
    const engine = createEngine(
      {
        ...base,
        topics: [{ name: 'orders', partitions: CONSUMER_VIEW_PARTITIONS_MAX + 8, replicationFactor: 1 }],
        producers: [{ topic: 'orders', recordsPerSecond: 2_000, 'linger.ms': 5 }],
        consumers: [member()],
      },
      3,
    );
    engine.runUntil(15 * S);
    const view = consumers(engine).get('consumer-1')!;
    expect(view.phase).toBe('stable');
    expect(view.owned).toEqual(Array.from({ length: CONSUMER_VIEW_PARTITIONS_MAX + 8 }, (_, index) => index));
    expect(view.partitions).toHaveLength(CONSUMER_VIEW_PARTITIONS_MAX);
    const detailed = view.partitions.map((partition) => partition.partition);
    expect(detailed).toEqual([...detailed].sort((a, b) => a - b));
    // The most lagging partition is among those detailed.
    expect(view.recordsLagMax).toBe(Math.max(...view.partitions.map((partition) => partition.lag)));
  });

  it('shows lag (records-lag-max) rising when a consumer starts behind, and falling to zero as it catches up', () => {
    const engine = createEngine(
      {
        ...base,
        producers: [{ topic: 'orders', recordsPerSecond: 1_000, 'linger.ms': 5 }],
        consumers: [member({ startMs: 10_000, 'max.partition.fetch.bytes': 2_048 })],
      },
      6,
    );
    expect(engine.runUntilCondition((e) => metric(e, 'records-lag-max') > 500, { maxTimeUs: 20 * S })).toBe(true);
    expect(engine.runUntilCondition((e) => metric(e, 'records-lag-max') < 50, { maxTimeUs: 40 * S })).toBe(true);
    expect(metric(engine, 'consumer.e2eLatencyMsP99Cumulative')).toBeGreaterThan(0);
  });

  it('cooperative-sticky: a joining member costs the others only what moves, in two rebalances', () => {
    const engine = createEngine(
      {
        ...base,
        producers: [{ topic: 'orders', recordsPerSecond: 200, 'linger.ms': 5 }],
        consumers: [
          member({ 'partition.assignment.strategy': 'cooperative-sticky' }),
          member({ 'partition.assignment.strategy': 'cooperative-sticky' }),
          member({ 'partition.assignment.strategy': 'cooperative-sticky', startMs: 15_000 }),
        ],
      },
      9,
    );
    engine.runUntil(14 * S);
    const before = consumers(engine);
    const owned1 = before.get('consumer-1')!.partitions.map((p) => p.partition);
    const owned2 = before.get('consumer-2')!.partitions.map((p) => p.partition);
    expect(owned1.length + owned2.length).toBe(6);
    engine.runUntil(30 * S);
    const after = consumers(engine);
    const now1 = after.get('consumer-1')!.partitions.map((p) => p.partition);
    const now2 = after.get('consumer-2')!.partitions.map((p) => p.partition);
    const now3 = after.get('consumer-3')!.partitions.map((p) => p.partition);
    expect([now1.length, now2.length, now3.length]).toEqual([2, 2, 2]);
    // Sticky: what the old members still have is a subset of what they had.
    for (const p of now1) expect(owned1).toContain(p);
    for (const p of now2) expect(owned2).toContain(p);
    // Two rebalances after the join: one that revokes, one that hands on (the newcomer saw both).
    expect(after.get('consumer-3')!.rebalances).toBe(2);
    const revoked = engine.snapshot({ notableFrom: 0 }).notable.filter((entry) => entry.label.includes('revoked'));
    expect(revoked.length).toBeGreaterThan(0);
  });

  it('keeps reading through a broker crash, and every acknowledged record is read', () => {
    const engine = createEngine(
      {
        ...base,
        producers: [{ topic: 'orders', recordsPerSecond: 500, 'linger.ms': 5, stopMs: 30_000 }],
        consumers: [member(), member(), member()],
      },
      12,
    );
    engine.runUntil(12 * S);
    engine.inject({ kind: 'crash', process: 'broker-2' });
    engine.runUntil(50 * S);
    const views = [...consumers(engine).values()];
    const partitions = views.flatMap((view) => view.partitions);
    expect(partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const p of partitions) expect(p.lag, `partition ${p.partition}`).toBe(0);
    // At least once: every acknowledged record read, some perhaps twice after a rebalance.
    expect(views.reduce((sum, view) => sum + view.recordsConsumed, 0)).toBeGreaterThanOrEqual(acked(engine));
    expect(engine.durability().lostRecords).toBe(0);
    expect(engine.consumptionStatus().violations).toBe(0);
  });

  it('an unclean election that removes records a consumer read: the durability report says they were read, and the consumer resets', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const text = readFileSync(`${root}public/scenarios/unclean-election-loss.json`, 'utf8');
    const scenario = JSON.parse(text) as { duration: string; load: { consumers?: unknown[] } };
    // Longer: the consumer's fetch to the crashed leader waits out request.timeout.ms (30 s) first.
    scenario.duration = '90s';
    scenario.load.consumers = [{ topic: 'orders', 'group.id': 'billing', 'auto.offset.reset': 'earliest' }];
    const run = new ScenarioRun(parseScenarioText(JSON.stringify(scenario), 'unclean-election-loss.json + a consumer'));
    run.runToEnd();
    const engine = run.engine;
    const losses = engine.durability().losses;
    expect(losses.length).toBeGreaterThan(0);
    const read = losses.filter((loss) => loss.readBy.length > 0);
    expect(read.length).toBeGreaterThan(0);
    expect(read[0]!.cause).toContain('consumers had already read it: consumer-1 (group billing)');
    // Its position was past the new leader's log: OFFSET_OUT_OF_RANGE, then auto.offset.reset.
    const reset = engine.snapshot({ notableFrom: 0 }).notable.some((entry) => entry.label.includes('out of range'));
    expect(reset).toBe(true);
    expect(engine.consumptionStatus().violations).toBe(0);
  });
});
