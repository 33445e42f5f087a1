// The random fault schedule the durability swarms share (ISR and quorum modes): until 70 s, at
// most one broker impaired at a time (crashed, or isolated when `isolates` draws it), slow
// links between brokers, crashes of the active controller, and heals; then everything healed and
// restarted. The caller's PRNG draws it, so one seed names one schedule.
import { expect } from 'vitest';
import type { Engine } from '../../../src/engine/api';
import type { PartitionState } from '../../../src/engine/controller/image';
import { logsOf } from '../inspect';
import type { Prng } from '../../../src/engine/sim/prng';

const SECOND = 1_000_000;
export const SWARM_BROKERS = ['broker-1', 'broker-2', 'broker-3', 'broker-4', 'broker-5', 'broker-6'];

export interface FaultScheduleOptions {
  /** Draws whether an impairment is an isolation rather than a crash (null: always a crash, no draw). */
  readonly isolates: ((prng: Prng) => boolean) | null;
  /** The largest extra latency a slow link gets. */
  readonly slowLinkMsMax: number;
}

export function runFaultSchedule(engine: Engine, prng: Prng, options: FaultScheduleOptions): void {
  const status = (id: string) => engine.processes().find((process) => process.id === id)!.status;
  let impaired: { broker: string; how: 'crash' | 'isolate' } | null = null;
  while (engine.nowUs < 70 * SECOND) {
    const roll = prng.int(100);
    if (roll < 40) {
      if (impaired === null) {
        const broker = prng.pick(SWARM_BROKERS);
        const how = options.isolates !== null && options.isolates(prng) ? 'isolate' : 'crash';
        engine.inject(how === 'crash' ? { kind: 'crash', process: broker } : { kind: 'isolate', process: broker });
        impaired = { broker, how };
      } else {
        engine.inject(impaired.how === 'crash' ? { kind: 'restart', process: impaired.broker } : { kind: 'heal', target: impaired.broker });
        impaired = null;
      }
    } else if (roll < 55) {
      const [a, b] = [prng.pick(SWARM_BROKERS), prng.pick(SWARM_BROKERS)];
      if (a !== b) engine.inject({ kind: 'slow-link', from: a, to: b, extraLatencyMs: prng.range(5, options.slowLinkMsMax) });
    } else if (roll < 62) {
      if (engine.activeController() !== null) engine.inject({ kind: 'crash', process: '@active-controller' });
    } else if (roll < 80) {
      // Heal the slow links (and the impaired broker's isolation, if that is what it is).
      engine.inject({ kind: 'heal' });
      if (impaired?.how === 'isolate') impaired = null;
      for (const id of ['controller-1', 'controller-2', 'controller-3']) if (status(id) !== 'up') engine.inject({ kind: 'restart', process: id });
    }
    engine.runFor((prng.int(5) + 1) * SECOND);
  }
  engine.inject({ kind: 'heal' });
  for (const id of engine.processes().map((process) => process.id)) if (status(id) !== 'up') engine.inject({ kind: 'restart', process: id });
}

/**
 * The given replicas of a partition hold the same batches as its leader below the leader's log end
 * minus `slackOffsets` (past that, followers may still be fetching).
 */
export function expectReplicasAgree(engine: Engine, seed: number, state: PartitionState, replicas: readonly string[], slackOffsets = 2_000): void {
  const key = `${state.topic}-${state.partition}`;
  const upTo = logsOf(engine, state.leader!).get(key)!.endOffset - slackOffsets;
  const ids = (broker: string) =>
    logsOf(engine, broker)
      .get(key)!
      .read(0, Number.POSITIVE_INFINITY)
      .filter((batch) => batch.baseOffset < upTo)
      .map((batch) => `${batch.baseOffset}:${batch.batchId}`);
  for (const replica of replicas) expect(ids(replica), `seed ${seed}: ${replica} agrees with leader ${state.leader} on ${key}`).toEqual(ids(state.leader!));
}
