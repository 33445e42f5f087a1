// Swarm test of the whole KRaft control plane (TigerBeetle's VOPR habit): one seed draws a random
// fault schedule (controllers crash and restart, at most one down at a time; brokers crash and
// restart; processes and zones are cut off and healed), while invariants are checked every 100 ms:
//   - at most one leader per epoch, ever (SingleLeader, as Kafka's RaftEventSimulationTest);
//   - a committed metadata record is never lost or changed (every record below a controller's
//     high watermark equals the first committed record seen at that offset);
// then a liveness phase: heal, restart everything, run on: exactly one active controller, and
// every controller and broker that has caught up holds the same metadata image.
// Each failure message names its seed; a failing seed becomes a named regression test here.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import type { MemberDisk } from '../../../src/engine/cluster';
import type { MetadataImage } from '../../../src/engine/controller/image';
import { Prng } from '../../../src/engine/sim/prng';

const SECOND = 1_000_000;
const CHAOS_US = 40 * SECOND;
const SAMPLE_US = 100_000;

function digest(image: MetadataImage): string {
  const brokers = [...image.brokers.values()].map((b) => `${b.id}:${b.brokerEpoch}:${b.fenced}`).sort();
  const partitions = [...image.partitions()].map((p) => `${p.partition}:${p.isr.join(',')}|${p.leader}|${p.leaderEpoch}`);
  return JSON.stringify({ brokers, partitions });
}

interface Checker {
  readonly leaderOfEpoch: Map<number, string>;
  readonly committed: Map<number, string>;
}

function checkSafety(engine: Engine, checker: Checker, seed: number): void {
  for (const { id, view } of engine.processViews()) {
    const raft = view.raft;
    if (raft === undefined || !raft.isVoter) continue;
    if (raft.role === 'leader') {
      const known = checker.leaderOfEpoch.get(raft.epoch);
      if (known !== undefined && known !== id) throw new Error(`seed ${seed}: two leaders in epoch ${raft.epoch}: ${known} and ${id}`);
      checker.leaderOfEpoch.set(raft.epoch, id);
    }
    // Every record this controller holds below its high watermark is committed: it must never differ.
    const log = (engine as unknown as { kernel: { durableOf(id: string): MemberDisk } }).kernel.durableOf(id).raft.log;
    const from = Math.max(log.logStartOffset, raft.highWatermark - 50);
    for (let offset = from; offset < Math.min(raft.highWatermark, log.endOffset); offset++) {
      const entry = log.entryAt(offset)!;
      const text = `${entry.epoch}:${JSON.stringify(entry.record)}`;
      const first = checker.committed.get(offset);
      if (first === undefined) checker.committed.set(offset, text);
      else if (first !== text) throw new Error(`seed ${seed}: committed record at offset ${offset} changed on ${id}: ${first} became ${text}`);
    }
  }
}

function runSwarm(seed: number): void {
  const prng = new Prng(seed, 'swarm');
  const engine = createEngine({ topics: [{ name: 'orders', partitions: 24, replicationFactor: 3 }] }, seed);
  const controllers = ['controller-1', 'controller-2', 'controller-3'];
  const brokers = ['broker-1', 'broker-2', 'broker-3', 'broker-4', 'broker-5', 'broker-6'];
  const checker: Checker = { leaderOfEpoch: new Map(), committed: new Map() };
  const status = (id: string) => engine.processes().find((process) => process.id === id)!.status;
  engine.runFor(6 * SECOND);
  while (engine.nowUs < CHAOS_US) {
    const roll = prng.int(100);
    if (roll < 20) {
      const down = controllers.filter((id) => status(id) !== 'up');
      if (down.length > 0) engine.inject({ kind: 'restart', process: prng.pick(down) });
      else engine.inject({ kind: 'crash', process: prng.pick(controllers) });
    } else if (roll < 40) {
      const target = prng.pick(brokers);
      engine.inject({ kind: status(target) === 'up' ? 'crash' : 'restart', process: target });
    } else if (roll < 55) {
      engine.inject({ kind: 'isolate', process: prng.pick([...controllers, ...brokers]) });
    } else if (roll < 62) {
      engine.inject({ kind: 'isolate-zone', zone: prng.pick(['zone-a', 'zone-b', 'zone-c']) });
    } else if (roll < 80) {
      engine.inject({ kind: 'heal' });
    }
    const until = engine.nowUs + (prng.int(4) + 1) * SECOND;
    while (engine.nowUs < until) {
      engine.runFor(SAMPLE_US);
      checkSafety(engine, checker, seed);
    }
  }
  // Liveness: heal, restart everything, and let the cluster settle.
  engine.inject({ kind: 'heal' });
  for (const id of [...controllers, ...brokers]) if (status(id) !== 'up') engine.inject({ kind: 'restart', process: id });
  for (let i = 0; i < 300; i++) {
    engine.runFor(SAMPLE_US);
    checkSafety(engine, checker, seed);
  }
  const active = engine.processViews().filter(({ view }) => view.controller?.active === true);
  expect(active.length, `seed ${seed}: active controllers after healing`).toBe(1);
  const images = [...controllers, ...brokers].map((id) => engine.metadataOf(id)!);
  const highest = Math.max(...images.map((image) => image.nextOffset));
  const caughtUp = images.filter((image) => image.nextOffset >= highest - 2);
  expect(caughtUp.length, `seed ${seed}: members caught up after healing`).toBeGreaterThanOrEqual(7);
  expect(new Set(caughtUp.map(digest)).size, `seed ${seed}: images converge after healing`).toBe(1);
  expect(engine.metadataOf(active[0]!.id)!.brokers.size, `seed ${seed}: every broker registered`).toBe(6);
  expect([...engine.metadataOf(active[0]!.id)!.brokers.values()].every((broker) => !broker.fenced), `seed ${seed}: every broker unfenced`).toBe(true);
}

describe('KRaft control plane under random faults', () => {
  const seeds = Array.from({ length: 16 }, (_, index) => 1_000 + index * 7);
  it.each(seeds)('seed %i: one leader per epoch, committed metadata never changes, and the cluster heals', (seed) => {
    runSwarm(seed);
  });
});
