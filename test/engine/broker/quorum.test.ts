// The majority-quorum contrast (config "dataReplication": "quorum"): what Raft, Paxos and
// BookKeeper's ack quorum do, set against Kafka's ISR on the same cluster.
// Method: the pure rules (the majority high watermark, the up-to-date order) against naive
// versions over many random cases; then small clusters with one producer, a straggler or crashes
// at chosen times, asserting on the metadata, the producer's view, broker logs and the oracle.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import { isControlBatch, majorityHighWatermark } from '../../../src/engine/broker/replica-manager';
import type { MemberDisk } from '../../../src/engine/cluster';
import { resolveConfig } from '../../../src/engine/config';
import { compareLogEnds, majorityOf } from '../../../src/engine/controller/controller';
import { Prng } from '../../../src/engine/sim/prng';
import { logOf } from '../inspect';

const SECOND = 1_000_000;

function partitionState(engine: Engine) {
  return { ...engine.metadataOf(engine.activeController()!)!.partition('orders', 0)! };
}

function producerView(engine: Engine) {
  return engine.processViews().find(({ id }) => id === 'producer-1')!.view.producer!;
}

function cluster(mode: 'isr' | 'quorum', options: { startMs?: number; seed?: number; replicationFactor?: number } = {}): Engine {
  return createEngine(
    {
      dataReplication: mode,
      config: { 'replica.lag.time.max.ms': 5_000 },
      topics: [{ name: 'orders', partitions: 1, replicationFactor: options.replicationFactor ?? 3 }],
      // A short request.timeout.ms: a request to a crashed leader gets no answer, and the producer looks for the new one sooner.
      producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all', 'linger.ms': 5, 'request.timeout.ms': 5_000, startMs: options.startMs ?? 6_000 }],
    },
    options.seed ?? 7,
  );
}

describe('the majority rules, against naive versions', () => {
  it('the high watermark is the largest offset that more than half of the replicas have reached', () => {
    const prng = new Prng(5, 'majority-hw');
    for (let round = 0; round < 5_000; round++) {
      const replicas = prng.int(7) + 1;
      const leaderEnd = prng.int(100);
      const followers = Array.from({ length: replicas - 1 }, () => prng.int(102) - 1);
      const ends = [leaderEnd, ...followers];
      // Naive: the largest offset o such that at least a majority of logs end at or past o.
      let naive = -1;
      for (let offset = -1; offset <= 100; offset++) if (ends.filter((end) => end >= offset).length >= majorityOf(replicas)) naive = offset;
      expect(majorityHighWatermark(leaderEnd, followers), `ends ${ends.join(',')}`).toBe(naive);
    }
  });

  it('one slow follower of three does not hold the high watermark back; two do', () => {
    expect(majorityHighWatermark(100, [98, 3])).toBe(98);
    expect(majorityHighWatermark(100, [3, 7])).toBe(7);
    expect(majorityHighWatermark(100, [-1, -1, 60, 90])).toBe(60); // five replicas: three must have it
  });

  it('the most up-to-date log has the later last epoch, then the longer log (Raft thesis §3.6.1)', () => {
    expect(compareLogEnds({ lastEpoch: 3, logEndOffset: 10 }, { lastEpoch: 2, logEndOffset: 500 })).toBeGreaterThan(0);
    expect(compareLogEnds({ lastEpoch: 2, logEndOffset: 10 }, { lastEpoch: 2, logEndOffset: 11 })).toBeLessThan(0);
    expect(compareLogEnds({ lastEpoch: 2, logEndOffset: 11 }, { lastEpoch: 2, logEndOffset: 11 })).toBe(0);
    expect([1, 2, 3, 4, 5, 6].map(majorityOf)).toEqual([1, 2, 2, 3, 3, 4]);
  });

  it('the config takes "isr" (the default) or "quorum", and names the field for anything else', () => {
    expect(resolveConfig({}).dataReplication).toBe('isr');
    expect(resolveConfig({ dataReplication: 'quorum' }).dataReplication).toBe('quorum');
    expect(() => resolveConfig({ dataReplication: 'raft' })).toThrow(/dataReplication/);
    expect(() => resolveConfig({ dataReplication: 'quorum', controllerMode: 'zookeeper' })).toThrow(/dataReplication.*KRaft/s);
  });
});

describe('acks=all with one slow follower', () => {
  function straggle(mode: 'isr' | 'quorum') {
    // The producer starts when the follower turns slow, so its whole histogram is the straggling window.
    const engine = cluster(mode, { startMs: 10_000 });
    engine.runFor(10 * SECOND);
    const state = partitionState(engine);
    const slow = state.replicas.find((id) => id !== state.leader)!;
    engine.inject({ kind: 'slow-link', from: state.leader!, to: slow, extraLatencyMs: 3_000 });
    engine.runFor(4 * SECOND);
    const early = producerView(engine).latencyUs;
    engine.runFor(6 * SECOND);
    return { engine, state, slow, early, window: producerView(engine).latencyUs };
  }

  it('quorum: commits as soon as the leader and the fast follower have a batch; the straggler costs nothing', () => {
    const { engine, slow, early, window } = straggle('quorum');
    expect(early.count).toBeGreaterThan(100);
    expect(early.p99).toBeLessThan(50_000); // ms, not the slow link's 6 s round trip
    expect(window.p99).toBeLessThan(50_000);
    expect(producerView(engine).recordsAcked).toBeGreaterThan(9_000);
    // The straggler lags by seconds, yet the high watermark is past what it has.
    expect(logOf(engine, slow).endOffset).toBeLessThan(engine.processViews().find(({ view }) => (view.replicas?.leaderOf ?? 0) > 0)!.view.replicas!.records);
  });

  it('isr: acks=all waits for the straggler until replica.lag.time.max.ms drops it from the ISR', () => {
    const { engine, state, slow, early, window } = straggle('isr');
    expect(early.count).toBeLessThan(window.count);
    expect(window.p99).toBeGreaterThan(2_000_000); // batches waited for the slow follower's round trip
    expect(window.p50).toBeLessThan(50_000); // until it was dropped; then the two fast replicas set the pace
    expect(partitionState(engine).isr).not.toContain(slow);
    expect(engine.notableLog().some((entry) => entry.label.startsWith(`${state.leader} drops ${slow} from the ISR`))).toBe(true);
  });

  it('quorum: the ISR is still tracked for display, and min.insync.replicas does not refuse writes', () => {
    const engine = createEngine(
      {
        dataReplication: 'quorum',
        config: { 'replica.lag.time.max.ms': 5_000 },
        topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 3 } }],
        producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all', 'linger.ms': 5, startMs: 6_000 }],
      },
      7,
    );
    engine.runFor(10 * SECOND);
    const state = partitionState(engine);
    const slow = state.replicas.find((id) => id !== state.leader)!;
    engine.inject({ kind: 'slow-link', from: state.leader!, to: slow, extraLatencyMs: 3_000 });
    engine.runFor(12 * SECOND);
    expect(partitionState(engine).isr).not.toContain(slow); // shown: the ISR shrank
    const acked = producerView(engine).recordsAcked;
    engine.runFor(3 * SECOND);
    expect(producerView(engine).recordsAcked - acked).toBeGreaterThan(2_500); // ISR 2 < min.insync.replicas 3, and writes still succeed
    expect(producerView(engine).recordsFailed).toBe(0);
  });
});

describe('leader election by majority', () => {
  it('elects the most up-to-date replica of the majority, not the first in replica order', () => {
    const engine = cluster('quorum');
    engine.runFor(10 * SECOND);
    const state = partitionState(engine);
    const [first, second] = state.replicas.filter((id) => id !== state.leader) as [string, string];
    // The first survivor in replica order (the one ISR mode would pick) falls far behind.
    engine.inject({ kind: 'slow-link', from: state.leader!, to: first, extraLatencyMs: 3_000 });
    engine.runFor(8 * SECOND);
    engine.inject({ kind: 'crash', process: state.leader! });
    engine.runFor(15 * SECOND);
    const after = partitionState(engine);
    expect(after.leader).toBe(second);
    const election = engine.notableLog().find((entry) => entry.label.includes(`elected ${second} leader of orders-0 by majority`));
    expect(election, 'the election note').toBeDefined();
    // Both answered, and the answers differ: the rare path where the order matters was taken.
    const offsets = [...election!.label.matchAll(/offset (\d+)/g)].map((match) => Number(match[1]));
    expect(offsets).toHaveLength(2);
    expect(offsets[0]).not.toBe(offsets[1]);
    expect(engine.durability().lostRecords).toBe(0);
    // The producer carries on under the new leader, and the lagging replica catches up from it.
    const acked = producerView(engine).recordsAcked;
    engine.runFor(10 * SECOND);
    expect(producerView(engine).recordsAcked - acked).toBeGreaterThan(5_000);
    expect(engine.durability().lostRecords).toBe(0);
  });

  it('with two of three replicas down there is no leader; one back makes a majority and it elects', () => {
    const engine = cluster('quorum');
    engine.runFor(10 * SECOND);
    const state = partitionState(engine);
    const [first, second] = state.replicas.filter((id) => id !== state.leader) as [string, string];
    engine.inject({ kind: 'crash', process: state.leader! });
    engine.inject({ kind: 'crash', process: first });
    engine.runFor(30 * SECOND);
    expect(partitionState(engine).leader).toBeNull();
    expect(engine.notableLog().some((entry) => entry.label.includes('by majority'))).toBe(false);
    // The survivor is usable and has every record, but it is one of three: not a majority.
    expect(engine.metadataOf(engine.activeController()!)!.isUsableBroker(second)).toBe(true);
    const acked = producerView(engine).recordsAcked;
    engine.runFor(5 * SECOND);
    expect(producerView(engine).recordsAcked).toBe(acked);
    engine.inject({ kind: 'restart', process: first });
    engine.runFor(20 * SECOND);
    expect(partitionState(engine).leader).not.toBeNull();
    expect(producerView(engine).recordsAcked).toBeGreaterThan(acked + 5_000);
    expect(engine.durability().lostRecords).toBe(0);
  });

  it('contrast: ISR mode keeps the partition available on its last in-sync replica', () => {
    const engine = cluster('isr');
    engine.runFor(10 * SECOND);
    const state = partitionState(engine);
    const [first, second] = state.replicas.filter((id) => id !== state.leader) as [string, string];
    engine.inject({ kind: 'crash', process: state.leader! });
    engine.inject({ kind: 'crash', process: first });
    engine.runFor(30 * SECOND);
    expect(partitionState(engine).leader).toBe(second);
    const acked = producerView(engine).recordsAcked;
    engine.runFor(5 * SECOND);
    expect(producerView(engine).recordsAcked).toBeGreaterThan(acked + 4_000);
  });
});

describe('a topic may choose its own rule', () => {
  it('one cluster, two topics on the same three brokers: with two down, the ISR topic has a leader, the quorum topic none', () => {
    const engine = createEngine(
      {
        brokers: 3,
        topics: [
          { name: 'orders', partitions: 1, replicationFactor: 3 },
          { name: 'payments', partitions: 1, replicationFactor: 3, dataReplication: 'quorum' },
        ],
        producers: [
          { topic: 'orders', recordsPerSecond: 500, acks: 'all', 'linger.ms': 5, startMs: 6_000 },
          { topic: 'payments', recordsPerSecond: 500, acks: 'all', 'linger.ms': 5, startMs: 6_000 },
        ],
      },
      3,
    );
    engine.runFor(10 * SECOND);
    const image = () => engine.metadataOf(engine.activeController()!)!;
    const kernel = (engine as unknown as { kernel: { durableOf(id: string): MemberDisk } }).kernel;
    const firstBatch = (topic: string) => kernel.durableOf(image().partition(topic, 0)!.leader!).data.logs.get(`${topic}-0`)!.read(0, 1)[0]!;
    // Only the quorum topic's leader wrote a leader-change control batch at the start of its epoch.
    expect(isControlBatch(firstBatch('payments'))).toBe(true);
    expect(isControlBatch(firstBatch('orders'))).toBe(false);
    for (const broker of ['broker-1', 'broker-2']) engine.inject({ kind: 'crash', process: broker });
    engine.runFor(20 * SECOND);
    expect(image().partition('orders', 0)!.leader).toBe('broker-3');
    expect(image().partition('payments', 0)!.leader).toBeNull();
    expect(engine.durability().lostRecords).toBe(0);
  });

  it('refuses a quorum topic in ZooKeeper mode, naming the topic', () => {
    expect(() => resolveConfig({ controllerMode: 'zookeeper', topics: [{ name: 't', partitions: 1, replicationFactor: 1, dataReplication: 'quorum' }] })).toThrow(/topics\[0\]\.dataReplication/);
  });
});

