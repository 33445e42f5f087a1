// The majority rule's promise, as a swarm test (modelled on durability-swarm.test.ts): with
// dataReplication "quorum", replication factor 3 and acks=all, no acknowledged record is lost under
// random fault schedules with at most one broker crashed or isolated at a time (a minority of every
// partition), on top of slow links and controller crashes. Unlike ISR mode, isolations stay in the
// property: a replica cut off longer than the fault (its dropped fetch waits
// replica.socket.timeout.ms) makes a partition unavailable for a while, never lose a record, since
// a commit needs a majority and an election hears from one. One seed draws the schedule; the
// failure message names it (ONLY_SEED=n runs one; QUORUM_SWARM_SEEDS=n runs n seeds instead of 10).
// After the chaos everything is healed and restarted: every acknowledged record must be in its
// partition leader's log, the replicas must agree below the high watermark, and the producer must
// have made progress after the heal (liveness).
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import { nestedFetchAnswersSeen } from '../../../src/engine/broker/replica-manager';
import { Prng } from '../../../src/engine/sim/prng';
import { SWARM_BROKERS, expectReplicasAgree, runFaultSchedule } from './fault-schedule';

const SECOND = 1_000_000;
const BROKERS = SWARM_BROKERS;

function ackedRecords(engine: Engine): number {
  return engine.processViews().find(({ id }) => id === 'producer-1')!.view.producer!.recordsAcked;
}

function runQuorumSwarm(seed: number): { engine: Engine; elections: number } {
  const prng = new Prng(seed, 'quorum-swarm');
  const engine = createEngine(
    {
      dataReplication: 'quorum',
      config: { 'replica.lag.time.max.ms': 8_000 },
      topics: [{ name: 'orders', partitions: 4, replicationFactor: 3 }],
      producers: [{ topic: 'orders', recordsPerSecond: 800, acks: 'all', 'linger.ms': 5, 'request.timeout.ms': 5_000, 'delivery.timeout.ms': 300_000 }],
    },
    seed,
  );
  engine.runFor(8 * SECOND);
  runFaultSchedule(engine, prng, { isolates: (draw) => draw.int(3) === 0, slowLinkMsMax: 3_000 });
  engine.runFor(40 * SECOND);
  const ackedAfterHeal = ackedRecords(engine);
  engine.runFor(20 * SECOND);

  const durability = engine.durability();
  expect(durability.acknowledgedRecords, `seed ${seed}: records were acknowledged`).toBeGreaterThan(10_000);
  expect(durability.losses.map((loss) => loss.cause), `seed ${seed}: no acknowledged record lost`).toEqual([]);
  expect(ackedRecords(engine) - ackedAfterHeal, `seed ${seed}: healed, the producer makes progress`).toBeGreaterThan(5_000);
  const image = engine.metadataOf(engine.activeController()!)!;
  for (const state of image.partitions()) {
    expect(state.leader, `seed ${seed}: orders-${state.partition} has a leader after the heal`).not.toBeNull();
    expectReplicasAgree(engine, seed, state, state.replicas);
  }
  const elections = engine.notableLog().filter((entry) => entry.label.includes('by majority')).length;
  return { engine, elections };
}

describe('quorum mode: no acknowledged record is lost with a minority of replicas down at a time', () => {
  const seeds = Array.from({ length: Number(process.env.QUORUM_SWARM_SEEDS ?? 10) }, (_, index) => 700 + index * 13).filter((seed) => process.env.ONLY_SEED === undefined || String(seed) === process.env.ONLY_SEED);
  let elections = 0;
  it.each(seeds)('seed %i', (seed) => {
    elections += runQuorumSwarm(seed).elections;
  });

  it('the swarm exercised majority elections (the path under test was taken)', () => {
    if (seeds.length < 10) return; // one seed alone (ONLY_SEED) may elect rarely
    expect(elections).toBeGreaterThan(10);
  });

  it('the swarm answered a parked fetch inside another follower\'s answer (a leader\'s nested answer lists, replica-manager answerScratch), and lost nothing', () => {
    if (seeds.length < 10) return; // rare: about once in the ten seeds
    expect(nestedFetchAnswersSeen()).toBeGreaterThan(0);
  });

  it('the checker can fail in quorum mode too: acks=1 answers before a majority has the batch, and a leader crash loses records', () => {
    const engine = createEngine(
      {
        dataReplication: 'quorum',
        topics: [{ name: 'orders', partitions: 1, replicationFactor: 3 }],
        producers: [{ topic: 'orders', recordsPerSecond: 2_000, acks: 1, 'linger.ms': 5 }],
      },
      21,
    );
    engine.runFor(12 * SECOND);
    const leader = engine.metadataOf(engine.activeController()!)!.partition('orders', 0)!.leader!;
    for (const broker of BROKERS.filter((id) => id !== leader)) engine.inject({ kind: 'slow-link', from: leader, to: broker, extraLatencyMs: 300, bothWays: false });
    engine.runFor(4 * SECOND);
    engine.inject({ kind: 'crash', process: leader });
    engine.runFor(20 * SECOND);
    expect(engine.durability().lostRecords).toBeGreaterThan(0);
  });
});
