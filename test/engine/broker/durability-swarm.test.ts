// Issue 5's promise, as a swarm test: with replication factor 3, min.insync.replicas=2, acks=all
// and clean elections, no acknowledged record is lost under random fault schedules with at most one
// broker down at a time (crashes that lose the page cache, restarts, slow links, controller crashes).
// One seed draws the schedule; the failure message names it.
//
// Isolations are left out of the property, deliberately: this network model drops a message sent
// across a cut, where TCP would retransmit it once a short partition heals. A follower whose fetch
// was dropped waits replica.socket.timeout.ms (30 s) before asking again, so an isolation of one
// second takes followers out of the ISR long after it ended, and "one broker down at a time" no
// longer holds. What that leads to is a real Kafka outcome, kept as a named regression test below:
// the ISR shrinks to the leader, the leader crashes and loses its unflushed writes, and comes back
// as the only eligible leader (the unclean-shutdown gap that KIP-966 closes).
// After the chaos, everything is healed and restarted: every acknowledged record must still be in
// its partition leader's log, and each partition's in-sync replicas must agree below the high
// watermark. A control run with acks=1 and lagging followers shows the checker can fail.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import { Prng } from '../../../src/engine/sim/prng';
import { SWARM_BROKERS, expectReplicasAgree, runFaultSchedule } from './fault-schedule';

const SECOND = 1_000_000;
const BROKERS = SWARM_BROKERS;

function runSwarm(seed: number, options: { isolations: boolean } = { isolations: false }): Engine {
  const prng = new Prng(seed, 'durability-swarm');
  const engine = createEngine(
    {
      config: { 'replica.lag.time.max.ms': 8_000 },
      topics: [{ name: 'orders', partitions: 4, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }],
      producers: [{ topic: 'orders', recordsPerSecond: 800, acks: 'all', 'linger.ms': 5, 'delivery.timeout.ms': 300_000 }],
    },
    seed,
  );
  engine.runFor(8 * SECOND);
  // At most one broker impaired at a time: crashed, or cut off from everyone. Slow links and
  // controller crashes come on top; they do not take a replica away.
  runFaultSchedule(engine, prng, { isolates: options.isolations ? (draw) => draw.int(2) !== 0 : null, slowLinkMsMax: 400 });
  engine.runFor(40 * SECOND);

  const durability = engine.durability();
  expect(durability.acknowledgedRecords, `seed ${seed}: records were acknowledged`).toBeGreaterThan(10_000);
  if (options.isolations) return engine;
  expect(durability.losses.map((loss) => loss.cause), `seed ${seed}: no acknowledged record lost`).toEqual([]);
  // The in-sync replicas of each partition agree below the high watermark.
  const image = engine.metadataOf(engine.activeController()!)!;
  for (const state of image.partitions()) {
    expectReplicasAgree(engine, seed, state, state.isr);
  }
  return engine;
}

describe('no acknowledged record is lost with RF=3, min.insync.replicas=2, acks=all and clean elections', () => {
  it.each(Array.from({ length: 10 }, (_, index) => 500 + index * 11).filter((seed) => process.env.ONLY_SEED === undefined || String(seed) === process.env.ONLY_SEED))('seed %i', (seed) => {
    runSwarm(seed);
  });

  it('regression, seed 500 with isolations: the last in-sync replica crashes with unflushed writes, and the loss is explained (KIP-966)', () => {
    const engine = runSwarm(500, { isolations: true });
    const losses = engine.durability().losses;
    expect(losses.length).toBeGreaterThan(0);
    expect(losses[0]!.cause).toMatch(/its leader crashed while it was the only in-sync replica and lost the writes its operating system had not flushed/);
    expect(losses[0]!.cause).toMatch(/KIP-966/);
  });

  it('the checker can fail: acks=1 with lagging followers and a leader crash loses records', () => {
    const engine = createEngine(
      { topics: [{ name: 'orders', partitions: 1, replicationFactor: 3 }], producers: [{ topic: 'orders', recordsPerSecond: 2_000, acks: 1, 'linger.ms': 5 }] },
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
