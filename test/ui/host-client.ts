// A stand-in for the page's EngineClient over an EngineHost in this thread, for tests of compare
// mode's conductor (compare-session.test.ts, compare-link.test.ts). Owns: speaking the client's
// shape (Outcomes, async) over the host's calls. Never: spawns a worker or reads a clock; a test that
// times the workers passes its own runFor.
import type { CompareClient } from '../../src/ui/compare-session';
import { EMPTY_STATE, type OpenMoment, type Setup } from '../../src/ui/engine-client';
import type { EngineHost } from '../../src/worker/host';

type RunFor = CompareClient['runFor'];

export function hostClient(host: EngineHost, runFor: RunFor = async (durationUs) => host.runFor(durationUs)): CompareClient {
  return {
    start: async (setup: Setup) => {
      const outcome =
        setup.kind === 'free'
          ? host.create(setup.config, setup.seed)
          : setup.kind === 'scenario'
            ? host.loadScenario(setup.text, setup.seed === null ? { id: setup.id } : { id: setup.id, seed: setup.seed })
            : null;
      if (outcome === null || !outcome.ok) return { ok: false, error: outcome?.ok === false ? outcome.error : 'cannot resume here', problems: [] };
      return { ok: true, value: { setup: setup as Exclude<Setup, { kind: 'resume' }>, scenario: null, problem: null } };
    },
    runFor,
    step: async () => host.step(),
    checkFault: async (fault: unknown) => host.checkFault(fault),
    inject: async (fault: unknown) => host.inject(fault),
    nextStep: () => host.nextStep(),
    seek: (atUs: number) => host.seek(atUs),
    openMoment: (moment: OpenMoment) => host.openMoment(moment.inputs, moment.events === null ? { atUs: moment.atUs } : { atUs: moment.atUs, events: moment.events }),
    momentToShare: async () => host.momentToShare(),
    dispose: () => undefined,
    subscribe: () => () => undefined,
    getVersion: () => 0,
    current: EMPTY_STATE,
  } as CompareClient;
}
