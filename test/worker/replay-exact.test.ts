// Goal: a shared moment a few events past a lesson's timeline action reopens exactly. The action is
// one queue entry that counts two events (its script, and the fault it injects), so a replay that
// gave the kernel a budget of "the events left" ran one event past the count and refused the link
// ("the run reaches 3833 events ..., not the link's 3832"). Method: the straggler lesson with ISR,
// broker-2 crashed at 6 s, run to the 12 s action (slow the link broker-1 ↔ broker-2), stepped one to
// three events past it, shared, and opened in a fresh host; the moment is checked to lie within
// REPLAY_EXACT_EVENTS of that action, so the one-entry-at-a-time path is the one that replayed it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScenarioRun } from '../../src/engine/scenario/runner';
import { parseScenarioText } from '../../src/engine/scenario/validate';
import { EngineHost } from '../../src/worker/host';
import { REPLAY_EXACT_EVENTS } from '../../src/worker/timeline';

const raw = JSON.parse(readFileSync('public/scenarios/isr-vs-quorum-straggler.json', 'utf8')) as { cluster: object };
const isr = JSON.stringify({ ...raw, cluster: { ...raw.cluster, dataReplication: 'isr' } });

describe('a shared moment just past a timeline action', () => {
  for (const steps of [1, 3]) {
    it(`reopens exactly ${steps} event${steps === 1 ? '' : 's'} past the 12 s action, with a crash replayed before it`, async () => {
      const host = new EngineHost();
      expect(host.loadScenario(isr, { id: 'isr-vs-quorum-straggler' }).ok).toBe(true);
      host.runFor(6_000_000);
      expect(host.inject({ kind: 'crash', process: 'broker-2' })).toEqual({ ok: true, value: 'crash' });
      host.runFor(6_000_000);
      for (let i = 0; i < steps; i++) host.step();
      const shared = host.momentToShare();
      if (!shared.ok) throw new Error(shared.error);
      // The rare path: the action's note is among the last REPLAY_EXACT_EVENTS events before the moment
      // (the same run, as a ScenarioRun, read back from its trace).
      const reference = new ScenarioRun(parseScenarioText(isr));
      reference.advance(6_000_000);
      reference.engine.inject({ kind: 'crash', process: 'broker-2' });
      reference.advance(12_000_000);
      for (let i = 0; i < steps; i++) reference.engine.step();
      expect([reference.engine.eventCount, reference.engine.traceHash]).toEqual([shared.value.events, shared.value.traceHash]);
      const near = reference.engine.snapshot({ traceFrom: shared.value.events - REPLAY_EXACT_EVENTS }).recent;
      expect(near.find((entry) => entry.label.startsWith('slow the link broker-1'))).toMatchObject({ timeUs: 12_000_000, kind: 'note' });

      const other = new EngineHost();
      other.loadScenario(isr, { id: 'isr-vs-quorum-straggler' });
      const opened = await other.openMoment(shared.value.inputs, { atUs: shared.value.atUs, events: shared.value.events });
      expect(opened).toEqual({ ok: true, value: { atUs: shared.value.atUs, events: shared.value.events, traceHash: shared.value.traceHash } });
    });
  }
});
