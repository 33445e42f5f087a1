// Goal: load actions change a running cluster as Kafka's clients and admin do, through the same
// recorded path as faults: a producer added at run time gets a fresh id and produces; a removed
// producer sends what it holds and stops for good; a producer reopened with new acks is a new
// producer (new id, new settings); a removed consumer leaves its group with LeaveGroup so the group
// rebalances before any session timeout; CreateTopics makes partitions and refuses what Kafka
// refuses, with Kafka's error codes; and the same inputs at the same times give the same trace.
// Method: small KRaft clusters on fixed seeds, run for simulated seconds; what happened is read
// from process views, snapshots, the event log and trace hashes, never from hard-coded figures.

import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/api';
import type { ConsumerView } from '../../src/engine/clients/consumer';
import type { ProducerView } from '../../src/engine/clients/producer';
import { createTopicProblem, topicNameProblem } from '../../src/engine/load-actions';
import { parseScenario } from '../../src/engine/scenario/validate';
import { ScenarioRun } from '../../src/engine/scenario/runner';
import { logOf } from './inspect';

const S = 1_000_000;

const base = {
  zones: 3,
  controllers: 1,
  brokers: 3,
  config: { 'group.initial.rebalance.delay.ms': 1_000 },
  topics: [{ name: 'orders', partitions: 6, replicationFactor: 3 }],
};

function producer(engine: Engine, id: string): ProducerView | undefined {
  return engine.processViews().find((entry) => entry.id === id)?.view.producer;
}

function consumer(engine: Engine, id: string): ConsumerView | undefined {
  return engine.processViews().find((entry) => entry.id === id)?.view.consumer;
}

function statusOf(engine: Engine, id: string): string | undefined {
  return engine.processes().find((process) => process.id === id)?.status;
}

function notes(engine: Engine, pattern: RegExp): string[] {
  return engine.notableLog().filter((entry) => pattern.test(entry.label)).map((entry) => entry.label);
}

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected a refusal');
}

describe('add-producer', () => {
  it('adds producer-1 to a cluster without producers, in the first zone, and it produces', () => {
    const engine = createEngine(base, 7);
    engine.runFor(3 * S);
    const applied = engine.inject({ kind: 'add-producer', topic: 'orders', recordsPerSecond: 200 });
    expect(applied).toMatchObject({ kind: 'add-producer', id: 'producer-1', zone: 'zone-a', recordBytes: 1_024, acks: 'all' });
    // The recorded input carries the generated id and zone, so a replay makes the same process.
    expect(engine.recordedInputs().at(-1)!.fault).toEqual(applied);
    engine.runFor(4 * S);
    const view = producer(engine, 'producer-1')!;
    expect(view.recordsAcked).toBeGreaterThan(0);
    expect(view.topic).toBe('orders');
    expect(notes(engine, /^add producer-1 to orders: 200 records\/s/)).toHaveLength(1);
  });

  it('gives the next free id, and refuses a taken id, an unknown topic or zone, changing nothing', () => {
    const engine = createEngine({ ...base, producers: [{ topic: 'orders', recordsPerSecond: 10 }] }, 7);
    engine.runFor(2 * S);
    expect(engine.check({ kind: 'add-producer', topic: 'orders', recordsPerSecond: 10 })).toMatchObject({ id: 'producer-2', zone: 'zone-b' });
    const before = engine.traceHash;
    expect(errorOf(() => engine.inject({ kind: 'add-producer', id: 'broker-1', topic: 'orders', recordsPerSecond: 10 }))).toMatch(/a process named "broker-1" exists already/);
    expect(errorOf(() => engine.inject({ kind: 'add-producer', topic: 'payments', recordsPerSecond: 10 }))).toMatch(/no topic "payments"; topics are orders/);
    expect(errorOf(() => engine.inject({ kind: 'add-producer', topic: 'orders', zone: 'zone-z', recordsPerSecond: 10 }))).toMatch(/no zone "zone-z"; zones are zone-a, zone-b, zone-c/);
    expect(errorOf(() => engine.inject({ kind: 'add-producer', topic: 'orders', recordsPerSecond: -1 }))).toMatch(/recordsPerSecond/);
    expect(errorOf(() => engine.inject({ kind: 'add-producer', topic: 'orders', recordsPerSecond: 1, 'linger.ms': 100_000 }))).toMatch(/delivery\.timeout\.ms/);
    expect(engine.traceHash).toBe(before);
    expect(engine.recordedInputs()).toHaveLength(0);
  });
});

describe('remove-producer', () => {
  it('closes the producer: what it held is acknowledged, then it stops, and it cannot be restarted', () => {
    const engine = createEngine({ ...base, producers: [{ topic: 'orders', recordsPerSecond: 500, 'linger.ms': 200 }] }, 3);
    engine.runFor(5 * S);
    engine.inject({ kind: 'remove-producer', process: 'producer-1' });
    engine.runFor(2 * S);
    expect(statusOf(engine, 'producer-1')).toBe('stopped');
    expect(notes(engine, /producer-1 is closed: every record it held was acknowledged or given up on/)).toHaveLength(1);
    const durability = engine.durability();
    expect(durability.lostRecords).toBe(0);
    expect(errorOf(() => engine.inject({ kind: 'restart', process: 'producer-1' }))).toMatch(/producer-1 was removed/);
    expect(errorOf(() => engine.inject({ kind: 'remove-producer', process: 'producer-1' }))).toMatch(/was removed already/);
    expect(errorOf(() => engine.inject({ kind: 'remove-producer', process: 'broker-1' }))).toMatch(/broker-1 is not a producer; producers are producer-1/);
  });

  it('a producer closed before it ever learned its partitions drops what it held, says so, and stops', () => {
    const engine = createEngine(base, 3);
    engine.runFor(3 * S);
    engine.inject({ kind: 'add-producer', topic: 'orders', recordsPerSecond: 1_000 });
    // Cut off before its first metadata answer: the records it makes wait for partitions it never learns
    // (they are counted when it next wakes: here, at the close).
    engine.inject({ kind: 'isolate', process: 'producer-1' });
    engine.runFor(2 * S);
    expect(producer(engine, 'producer-1')!.metadataKnown).toBe(false);
    engine.inject({ kind: 'remove-producer', process: 'producer-1' });
    engine.runFor(1 * S);
    expect(notes(engine, /producer-1 closes before it ever learned orders's partitions: [1-9]\d* records it held are dropped/)).toHaveLength(1);
    expect(statusOf(engine, 'producer-1')).toBe('stopped');
  });
});

describe('change-producer', () => {
  it('reopens the producer with acks=1: a new life, a new producer id, the new settings, and the log says why', () => {
    const engine = createEngine({ ...base, producers: [{ topic: 'orders', recordsPerSecond: 100 }] }, 5);
    engine.runFor(4 * S);
    const before = producer(engine, 'producer-1')!;
    expect(before.acks).toBe(-1);
    expect(before.producerId).not.toBeNull();
    engine.inject({ kind: 'change-producer', process: 'producer-1', acks: 1, recordBytes: 4_096 });
    engine.runFor(3 * S);
    const after = producer(engine, 'producer-1')!;
    expect(after.acks).toBe(1);
    expect(after.recordBytes).toBe(4_096);
    // acks=1 turns Kafka's default idempotence off: no producer id.
    expect(after.producerId).toBe(-1);
    expect(after.recordsAcked).toBeGreaterThan(0);
    expect(engine.processes().find((process) => process.id === 'producer-1')!.incarnation).toBe(2);
    expect(notes(engine, /restart producer-1 with records of 4096 bytes and acks=1: Kafka's producer cannot change its config while it runs/)).toHaveLength(1);
    expect(errorOf(() => engine.inject({ kind: 'change-producer', process: 'producer-1' }))).toMatch(/give "recordBytes" or "acks"/);
  });

  it('refuses acks other than all for a producer that sets enable.idempotence=true, as Kafka refuses the config', () => {
    const engine = createEngine({ ...base, producers: [{ topic: 'orders', recordsPerSecond: 10, 'enable.idempotence': true }] }, 5);
    expect(errorOf(() => engine.check({ kind: 'change-producer', process: 'producer-1', acks: 0 }))).toMatch(/enable\.idempotence=true, which needs acks=all/);
  });
});

describe('add-consumer and remove-consumer', () => {
  it('a removed consumer leaves with LeaveGroup: the group rebalances at once and the other owns every partition', () => {
    const member = { topic: 'orders', 'group.id': 'billing', 'session.timeout.ms': 45_000, 'auto.offset.reset': 'earliest' } as const;
    const engine = createEngine({ ...base, producers: [{ topic: 'orders', recordsPerSecond: 100 }], consumers: [member] }, 11);
    engine.runFor(6 * S);
    const added = engine.inject({ kind: 'add-consumer', topic: 'orders', 'group.id': 'billing' });
    expect(added).toMatchObject({ id: 'consumer-2', zone: 'zone-b' });
    engine.runFor(8 * S);
    const split = [consumer(engine, 'consumer-1')!, consumer(engine, 'consumer-2')!];
    expect(split.every((view) => view.phase === 'stable' && view.partitions.length > 0)).toBe(true);
    const generation = split[0]!.generationId;
    engine.inject({ kind: 'remove-consumer', process: 'consumer-2' });
    // Far less than session.timeout.ms (45 s): the leave, not an expiry, moved the partitions.
    engine.runFor(5 * S);
    expect(statusOf(engine, 'consumer-2')).toBe('stopped');
    const survivor = consumer(engine, 'consumer-1')!;
    expect(survivor.phase).toBe('stable');
    expect(survivor.generationId).toBeGreaterThan(generation);
    expect(survivor.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(notes(engine, /consumer-2 leaves group billing/)).toHaveLength(1);
    expect(engine.consumptionStatus().violations).toBe(0);
  });
});

describe('create-topic', () => {
  it('creates the topic through the active controller: its partitions appear with their replicas', () => {
    const engine = createEngine(base, 2);
    engine.runFor(3 * S);
    engine.inject({ kind: 'create-topic', name: 'payments', partitions: 4, replicationFactor: 2, 'min.insync.replicas': 2 });
    engine.runFor(1 * S);
    const snapshot = engine.snapshot();
    expect(snapshot.topics.find((topic) => topic.name === 'payments')).toEqual({ name: 'payments', partitions: 4, replicationFactor: 2, internal: false });
    const partitions = snapshot.partitions.filter((partition) => partition.topic === 'payments');
    expect(partitions).toHaveLength(4);
    expect(partitions.every((partition) => partition.leader !== null && partition.replicas.length === 2)).toBe(true);
    expect(engine.metadataOf(engine.activeController()!)!.configs.get('topic:payments/min.insync.replicas')).toBe('2');
    expect(notes(engine, /created payments: 4 partitions, replication factor 2/)).toHaveLength(1);
    // A producer can be added to it at once.
    engine.inject({ kind: 'add-producer', topic: 'payments', recordsPerSecond: 50 });
    engine.runFor(3 * S);
    expect(producer(engine, 'producer-1')!.recordsAcked).toBeGreaterThan(0);
  });

  it("refuses with Kafka's codes and messages, and changes nothing", () => {
    const engine = createEngine(base, 2);
    engine.runFor(3 * S);
    const before = engine.traceHash;
    expect(errorOf(() => engine.inject({ kind: 'create-topic', name: 'orders', partitions: 1, replicationFactor: 1 }))).toBe("create-topic: TOPIC_ALREADY_EXISTS: Topic 'orders' already exists.");
    expect(errorOf(() => engine.inject({ kind: 'create-topic', name: 'big', partitions: 1, replicationFactor: 4 }))).toBe(
      'create-topic: INVALID_REPLICATION_FACTOR: Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached because only 3 broker(s) are registered.',
    );
    expect(errorOf(() => engine.inject({ kind: 'create-topic', name: 'bad name', partitions: 1, replicationFactor: 1 }))).toBe(
      "create-topic: INVALID_TOPIC_EXCEPTION: Topic name is invalid: 'bad name' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
    );
    expect(errorOf(() => engine.inject({ kind: 'create-topic', name: 'tiered', 'remote.storage.enable': true }))).toMatch(/INVALID_CONFIG: Tiered Storage functionality is disabled/);
    expect(engine.traceHash).toBe(before);
    expect(engine.recordedInputs()).toHaveLength(0);
  });

  it('counts only usable brokers: with one crashed and fenced, replication factor 3 is refused', () => {
    const engine = createEngine({ ...base, config: { 'broker.session.timeout.ms': 2_000 } }, 2);
    engine.runFor(3 * S);
    engine.inject({ kind: 'crash', process: 'broker-3' });
    engine.runFor(4 * S);
    expect(errorOf(() => engine.check({ kind: 'create-topic', name: 'later', partitions: 1, replicationFactor: 3 }))).toMatch(/only 2 broker\(s\) are registered/);
  });

  it('a tiered topic created at run time gets remote.storage.enable on its replicas (the broker reads the Config record)', () => {
    const engine = createEngine({ ...base, config: { 'remote.log.storage.system.enable': true } }, 2);
    engine.runFor(3 * S);
    engine.inject({ kind: 'create-topic', name: 'archive', partitions: 1, replicationFactor: 3, 'remote.storage.enable': true });
    engine.runFor(2 * S);
    const leader = engine.snapshot().partitions.find((partition) => partition.topic === 'archive')!.leader!;
    expect(logOf(engine, leader, 'archive-0').config.remoteStorageEnable).toBe(true);
    expect(logOf(engine, leader, 'orders-0') === undefined || logOf(engine, leader, 'orders-0').config.remoteStorageEnable !== true).toBe(true);
  });

  it("checks names by Kafka's Topic.validate and collisions by Topic.hasCollision", () => {
    expect(topicNameProblem('')).toBe("Topic name is illegal, it can't be empty");
    expect(topicNameProblem('..')).toBe('Topic name cannot be "." or ".."');
    expect(topicNameProblem('a'.repeat(250))).toMatch(/longer than the max allowed length 249/);
    expect(topicNameProblem('orders.v2_x-1')).toBeNull();
    expect(createTopicProblem({ name: 'a.b', partitions: 1, replicationFactor: 1 }, ['a_b'], 3, false)).toEqual({
      code: 'INVALID_TOPIC_EXCEPTION',
      message: "Topic 'a.b' collides with existing topic: a_b",
    });
  });
});

describe('determinism', () => {
  const script = (engine: Engine): void => {
    engine.runFor(3 * S);
    engine.inject({ kind: 'create-topic', name: 'payments', partitions: 3, replicationFactor: 3 });
    engine.inject({ kind: 'add-producer', topic: 'payments', recordsPerSecond: 300, acks: 1 });
    engine.inject({ kind: 'add-consumer', topic: 'payments', 'group.id': 'audit', 'auto.offset.reset': 'earliest' });
    engine.runFor(4 * S);
    engine.inject({ kind: 'change-producer', process: 'producer-1', acks: 'all' });
    engine.runFor(2 * S);
    engine.inject({ kind: 'remove-consumer', process: 'consumer-1' });
    engine.inject({ kind: 'remove-producer', process: 'producer-1' });
    engine.runFor(3 * S);
  };

  it('the same load actions at the same times give the same trace, and replaying the recorded inputs gives it again', () => {
    const first = createEngine(base, 21);
    const second = createEngine(base, 21);
    script(first);
    script(second);
    expect(second.traceHash).toBe(first.traceHash);
    // A replay from the recorded inputs alone (as sessions and rewind do).
    const replay = createEngine(base, 21);
    for (const input of first.recordedInputs()) {
      // Actions taken together stay together: running "until" their moment again would first run
      // what the previous one scheduled at that moment (the host replays to event counts for this).
      if (replay.nowUs < input.atUs) replay.runUntil(input.atUs);
      replay.inject(input.fault);
    }
    replay.runUntil(first.nowUs);
    expect(replay.traceHash).toBe(first.traceHash);
    expect(first.recordedInputs().map((input) => input.fault.kind)).toEqual([
      'create-topic',
      'add-producer',
      'add-consumer',
      'change-producer',
      'remove-consumer',
      'remove-producer',
    ]);
  });
});

describe('in a scenario', () => {
  const scenario = (timeline: unknown[]) => ({ name: 'load', duration: '20s', cluster: base, timeline });

  it('timed steps create a topic, add clients to it and remove them; the run does it', () => {
    const valid = parseScenario(
      scenario([
        // Once the brokers are unfenced (at 2 s they are not yet: that step would be skipped with INVALID_REPLICATION_FACTOR).
        { at: '4s', action: { kind: 'create-topic', name: 'payments', partitions: 2, replicationFactor: 3 } },
        { at: '5s', action: [{ kind: 'add-producer', topic: 'payments', recordsPerSecond: 100 }, { kind: 'add-consumer', topic: 'payments', 'group.id': 'g' }] },
        { at: '10s', action: [{ kind: 'remove-consumer', process: 'consumer-1' }, { kind: 'change-producer', process: 'producer-1', acks: 1 }] },
      ]),
    );
    const run = new ScenarioRun(valid);
    run.runToEnd();
    const engine = run.engine;
    expect(engine.recordedInputs().map((input) => input.fault.kind)).toEqual(['create-topic', 'add-producer', 'add-consumer', 'remove-consumer', 'change-producer']);
    expect(producer(engine, 'producer-1')!.acks).toBe(1);
    expect(statusOf(engine, 'consumer-1')).toBe('stopped');
  });

  it('names the path of a step whose action names what does not exist', () => {
    expect(() =>
      parseScenario(
        scenario([
          { at: '1s', action: { kind: 'add-producer', topic: 'nope', recordsPerSecond: 1 } },
          { at: '2s', action: { kind: 'remove-consumer', process: 'consumer-9' } },
          { at: '3s', action: { kind: 'create-topic', name: 'orders' } },
        ]),
      ),
    ).toThrowError(/timeline\[0\]\.action\.topic: no topic "nope"[\s\S]*timeline\[1\]\.action\.process: no consumer "consumer-9"[\s\S]*timeline\[2\]\.action\.name: TOPIC_ALREADY_EXISTS/);
  });
});
