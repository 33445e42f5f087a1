// Goal: the engine's public face keeps its promises: a default cluster laid out as documented;
// runs that are a pure function of config, seed and inputs (however the time is chunked); probes
// that show a partition from each side and its healing; faults applied now or at a scheduled time;
// and bad configs, faults and seeds refused with sentences naming the path and the value, leaving
// the engine exactly as it was.
// Method: whole engines on fixed seeds, run for a few simulated seconds (the default probe pings
// every 1s and gives up after 3s); assertions read snapshots, metrics, traces and error texts.

import { describe, expect, it } from 'vitest';
import { ValidationError, createEngine, type Engine, type MemberView, type PeerView } from '../../src/engine/api';

const SECOND_US = 1_000_000;
const ZONE_A = ['controller-1', 'broker-1', 'broker-4'];
const ZONE_B = ['controller-2', 'broker-2', 'broker-5'];
const ZONE_C = ['controller-3', 'broker-3', 'broker-6'];
const ALL = [...ZONE_A, ...ZONE_B, ...ZONE_C];
const PLACEMENT_ORDER = ['controller-1', 'controller-2', 'controller-3', 'broker-1', 'broker-2', 'broker-3', 'broker-4', 'broker-5', 'broker-6'];

/** What `observer`'s probe thinks of each peer. */
function peersOf(engine: Engine, observer: string): Map<string, PeerView['health']> {
  const process = engine.snapshot().processes.find((candidate) => candidate.id === observer);
  const view = process?.view as MemberView | null | undefined;
  if (view === null || view === undefined) throw new Error(`${observer} has no view (crashed?)`);
  return new Map(view.probe!.peers.map((peer) => [peer.id, peer.health]));
}

function healthOf(engine: Engine, observer: string, peers: readonly string[]): PeerView['health'][] {
  const seen = peersOf(engine, observer);
  return peers.map((peer) => seen.get(peer)!);
}

function notesMatching(engine: Engine, pattern: RegExp): string[] {
  return engine
    .snapshot({ notableFrom: 0 })
    .notable.filter((entry) => entry.kind === 'note' && pattern.test(entry.label))
    .map((entry) => entry.label);
}

/** The whole observable state, for "nothing changed" checks. */
function fingerprint(engine: Engine): unknown {
  const snapshot = engine.snapshot();
  return {
    hash: engine.traceHash,
    events: engine.eventCount,
    now: engine.nowUs,
    inputs: engine.recordedInputs().length,
    pending: snapshot.pendingEvents,
    faults: snapshot.network.faults,
    processes: engine.processes(),
    notable: engine.snapshot().notable.length,
  };
}

function validationErrorOf(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}

describe('the default cluster', () => {
  it('has 3 controllers and 6 brokers, dealt round robin over zone-a, zone-b and zone-c', () => {
    const engine = createEngine();
    expect(engine.seed).toBe(1);
    expect(engine.config.zones).toEqual(['zone-a', 'zone-b', 'zone-c']);
    expect(engine.processes().map((info) => `${info.id} ${info.role} ${info.zone} ${info.status}`)).toEqual([
      'controller-1 controller zone-a up',
      'controller-2 controller zone-b up',
      'controller-3 controller zone-c up',
      'broker-1 broker zone-a up',
      'broker-2 broker zone-b up',
      'broker-3 broker zone-c up',
      'broker-4 broker zone-a up',
      'broker-5 broker zone-b up',
      'broker-6 broker zone-c up',
    ]);
  });

  it('deals processes over named zones in the order given', () => {
    const engine = createEngine({ zones: ['east', 'west'], controllers: 1, brokers: 3 });
    expect(engine.processes().map((info) => `${info.id}@${info.zone}`)).toEqual(['controller-1@east', 'broker-1@east', 'broker-2@west', 'broker-3@east']);
  });

  it('takes a zone count and names the zones', () => {
    expect(createEngine({ zones: 5 }).config.zones).toEqual(['zone-a', 'zone-b', 'zone-c', 'zone-d', 'zone-e']);
  });

  it('converts config units to µs and bytes', () => {
    const { network, probe } = createEngine({ network: { crossZoneLatencyMs: 1.25, nicGbps: 8, lossPercent: 0.5 }, probe: { intervalMs: 200, timeoutMs: 700 } }).config;
    expect(network).toMatchObject({ crossZoneLatencyUs: 1_250, intraZoneLatencyUs: 100, nicBytesPerSecond: 1_000_000_000, lossPerMillion: 5_000 });
    expect(probe).toEqual({ intervalUs: 200_000, timeoutUs: 700_000 });
  });
});

describe('determinism', () => {
  it('the same seed gives the same trace hash after 10s; another seed does not', () => {
    const first = createEngine({}, 1);
    first.runFor(10 * SECOND_US);
    const again = createEngine({}, 1);
    again.runFor(10 * SECOND_US);
    const other = createEngine({}, 2);
    other.runFor(10 * SECOND_US);
    expect(first.eventCount).toBeGreaterThan(1_000);
    expect(again.traceHash).toBe(first.traceHash);
    expect(again.eventCount).toBe(first.eventCount);
    expect(other.traceHash).not.toBe(first.traceHash);
  });

  it('10s in one go and 10s in 100 chunks give the same run', () => {
    const whole = createEngine({}, 7);
    whole.runFor(10 * SECOND_US);
    const chunked = createEngine({}, 7);
    for (let i = 0; i < 100; i++) chunked.runFor(SECOND_US / 10);
    expect(chunked.nowUs).toBe(10 * SECOND_US);
    expect(chunked.traceHash).toBe(whole.traceHash);
    expect(chunked.eventCount).toBe(whole.eventCount);
    expect(chunked.metrics()).toEqual(whole.metrics());
  });

  it('runUntilCondition, step and runUntil agree with runFor', () => {
    const reference = createEngine({}, 3);
    reference.runFor(2 * SECOND_US);
    const mixed = createEngine({}, 3);
    const first = mixed.step();
    expect(first).toMatchObject({ index: 0, timeUs: 0, kind: 'start', process: 'controller-1' });
    expect(mixed.runUntilCondition((engine) => engine.eventCount >= 300, { maxTimeUs: 2 * SECOND_US })).toBe(true);
    expect(mixed.eventCount).toBe(300);
    expect(mixed.nowUs).toBeLessThan(2 * SECOND_US);
    mixed.runUntil(2 * SECOND_US);
    expect(mixed.traceHash).toBe(reference.traceHash);
  });

  it('a run replays exactly from its seed and recorded inputs', () => {
    const original = createEngine({}, 4);
    original.runFor(2 * SECOND_US);
    original.inject({ kind: 'isolate', process: 'broker-3' });
    original.runFor(1_500_000);
    original.inject({ kind: 'crash', process: 'controller-1' });
    original.runFor(3 * SECOND_US);
    original.inject({ kind: 'heal' });
    original.runFor(SECOND_US);

    const replay = createEngine({}, 4);
    for (const input of original.recordedInputs()) {
      replay.runUntil(input.atUs);
      replay.inject(input.fault);
    }
    replay.runUntil(original.nowUs);
    expect(replay.recordedInputs()).toEqual(original.recordedInputs());
    expect(replay.traceHash).toBe(original.traceHash);
  });

  it('a fault scheduled ahead is recorded at its time, like one injected then', () => {
    const injected = createEngine({}, 4);
    injected.runFor(2 * SECOND_US);
    injected.inject({ kind: 'isolate', process: 'broker-3' });
    injected.runFor(3 * SECOND_US);
    const scheduled = createEngine({}, 4);
    scheduled.schedule(2 * SECOND_US, { kind: 'isolate', process: 'broker-3' });
    scheduled.runFor(5 * SECOND_US);
    expect(scheduled.recordedInputs()).toEqual(injected.recordedInputs());
    expect(scheduled.snapshot().network.faults).toEqual(injected.snapshot().network.faults);
  });

  it('rejects bad run durations and times', () => {
    const engine = createEngine();
    expect(() => engine.runFor(-1)).toThrow('duration: got -1; expected a whole, non-negative number of microseconds');
    expect(() => engine.runFor(1.5)).toThrow(RangeError);
    expect(() => engine.runUntil(Number.NaN)).toThrow('time: got NaN; expected a whole, non-negative number of microseconds');
    expect(engine.nowUs).toBe(0);
  });
});

describe('network probes', () => {
  it('after 5s every process reaches every peer, with a measured round trip', () => {
    const engine = createEngine({}, 1);
    engine.runFor(5 * SECOND_US);
    for (const process of engine.snapshot().processes) {
      const view = process.view!;
      expect(view.probe!.peers.map((peer) => peer.id)).toEqual(PLACEMENT_ORDER.filter((id) => id !== process.id));
      expect(view.probe).toMatchObject({ reachable: 8, unreachable: 0 });
      for (const peer of view.probe!.peers) {
        expect(peer.health, `${process.id} -> ${peer.id}`).toBe('reachable');
        expect(peer.rttUs).toBeGreaterThan(0);
        expect(peer.rttUs).toBeLessThan(5_000); // at most two cross-zone hops with jitter
      }
    }
    expect(engine.metrics()).toMatchObject({ droppedByPartition: 0, droppedByLoss: 0, lostToCrash: 0, processesUp: 9 });
  });

  it('in a big cluster list only the peers they cannot reach, with counts and round trips for the rest', () => {
    // 3 controllers + 18 brokers: 20 peers each, more than a view lists (PROBE_VIEW_PEERS_MAX).
    const engine = createEngine({ brokers: 18 }, 1);
    engine.runFor(5 * SECOND_US);
    const probeOf = (id: string) => engine.snapshot().processes.find((process) => process.id === id)!.view!.probe!;
    const healthy = probeOf('broker-1');
    expect(healthy).toMatchObject({ reachable: 20, unreachable: 0, peersTotal: 20, peers: [] });
    expect(healthy.rttMedianUs).toBeGreaterThan(0);
    expect(healthy.rttMaxUs).toBeGreaterThanOrEqual(healthy.rttMedianUs!);

    engine.inject({ kind: 'isolate', process: 'broker-2' });
    engine.runFor(6 * SECOND_US);
    const seen = probeOf('broker-1');
    expect(seen).toMatchObject({ reachable: 19, unreachable: 1, peersTotal: 20 });
    expect(seen.peers).toEqual([{ id: 'broker-2', health: 'unreachable', rttUs: expect.any(Number) }]);
  });

  it('see an isolated zone from both sides, note the loss, and recover after heal', () => {
    const engine = createEngine({}, 1);
    engine.runFor(5 * SECOND_US);
    engine.inject({ kind: 'isolate-zone', zone: 'zone-b' });
    expect(engine.snapshot().zones).toEqual([
      { id: 'zone-a', isolated: false },
      { id: 'zone-b', isolated: true },
      { id: 'zone-c', isolated: false },
    ]);
    engine.runFor(6 * SECOND_US);

    for (const observer of ZONE_A) {
      expect(healthOf(engine, observer, ZONE_B), observer).toEqual(['unreachable', 'unreachable', 'unreachable']);
      expect(healthOf(engine, observer, ZONE_C), observer).toEqual(['reachable', 'reachable', 'reachable']);
    }
    expect(healthOf(engine, 'broker-2', [...ZONE_A, ...ZONE_C])).toEqual(new Array(6).fill('unreachable'));
    expect(healthOf(engine, 'broker-2', ['controller-2', 'broker-5'])).toEqual(['reachable', 'reachable']);
    const controller1Lost = notesMatching(engine, /^controller-1 lost contact with /);
    expect(controller1Lost).toEqual(['controller-1 lost contact with controller-2, broker-2, broker-5 (no reply for 3s)']);
    expect(notesMatching(engine, / lost contact with /)).toHaveLength(9);
    expect(engine.metrics().droppedByPartition).toBeGreaterThan(0);

    engine.inject({ kind: 'heal' });
    expect(engine.snapshot().network.faults).toEqual([]);
    engine.runFor(2 * SECOND_US);
    for (const process of engine.snapshot().processes) {
      expect(process.view!.probe, process.id).toMatchObject({ reachable: 8, unreachable: 0 });
    }
    expect(notesMatching(engine, /^controller-1 reached broker-2 again \(round trip [\d.]+ms\)$/)).toHaveLength(1);
  });

  it('a process isolated alone loses everyone, and everyone loses it', () => {
    const engine = createEngine({}, 2);
    engine.runFor(3 * SECOND_US);
    engine.inject({ kind: 'isolate', process: 'broker-6' });
    engine.runFor(6 * SECOND_US);
    expect(peersOf(engine, 'broker-6').size).toBe(8);
    expect([...peersOf(engine, 'broker-6').values()].every((health) => health === 'unreachable')).toBe(true);
    for (const observer of ALL.filter((id) => id !== 'broker-6')) {
      expect(peersOf(engine, observer).get('broker-6'), observer).toBe('unreachable');
      expect(peersOf(engine, observer).get('broker-3'), observer).toBe(observer === 'broker-3' ? undefined : 'reachable');
    }
    expect(engine.snapshot().processes.find((process) => process.id === 'broker-6')?.isolated).toBe(true);
  });
});

describe('crash and restart', () => {
  it('a crashed process has no view, peers lose it, its mail is lost; a restart brings it back fresh', () => {
    const engine = createEngine({}, 1);
    engine.runFor(3 * SECOND_US);
    engine.inject({ kind: 'crash', process: 'broker-1' });
    const crashed = engine.snapshot().processes.find((process) => process.id === 'broker-1')!;
    expect(crashed).toMatchObject({ status: 'crashed', crashes: 1, view: null });
    expect(engine.metrics()).toMatchObject({ processesUp: 8, processesCrashed: 1 });
    expect(engine.snapshot().notable.at(-1)).toMatchObject({ timeUs: 3 * SECOND_US, kind: 'crash', process: 'broker-1', label: 'broker-1 crashed' });

    engine.runFor(5 * SECOND_US);
    expect(peersOf(engine, 'controller-2').get('broker-1')).toBe('unreachable');
    expect(engine.metrics().lostToCrash).toBeGreaterThan(0);

    engine.inject({ kind: 'restart', process: 'broker-1' });
    expect(engine.processes().find((info) => info.id === 'broker-1')).toMatchObject({ status: 'up', crashes: 1 });
    // A new life knows nothing of its peers until they answer.
    engine.runFor(0);
    expect(engine.snapshot().processes.find((process) => process.id === 'broker-1')!.view!.probe).toMatchObject({ reachable: 0, unreachable: 0 });
    engine.runFor(3 * SECOND_US);
    expect(peersOf(engine, 'controller-2').get('broker-1')).toBe('reachable');
    expect([...peersOf(engine, 'broker-1').values()].every((health) => health === 'reachable')).toBe(true);
    expect(engine.recordedInputs()).toEqual([
      { atUs: 3 * SECOND_US, fault: { kind: 'crash', process: 'broker-1' } },
      { atUs: 8 * SECOND_US, fault: { kind: 'restart', process: 'broker-1' } },
    ]);
  });
});

describe('scheduled faults', () => {
  it('apply at exactly the scheduled time, and are recorded then', () => {
    const engine = createEngine({}, 1);
    const at = 2_500_000;
    const fault = engine.schedule(at, { kind: 'crash', process: 'broker-2' });
    expect(fault).toEqual({ kind: 'crash', process: 'broker-2' });
    expect(engine.recordedInputs()).toEqual([]);
    engine.runUntil(at - 1);
    expect(engine.processes().find((info) => info.id === 'broker-2')?.status).toBe('up');
    engine.runUntil(at);
    expect(engine.processes().find((info) => info.id === 'broker-2')?.status).toBe('crashed');
    expect(engine.recordedInputs()).toEqual([{ atUs: at, fault }]);
    const notable = engine.snapshot().notable.map((entry) => `${entry.timeUs} ${entry.kind} ${entry.label}`);
    expect(notable.slice(-1)).toEqual([`${at} crash broker-2 crashed`]);
    expect(engine.snapshot().recent.some((entry) => entry.kind === 'control' && entry.label === 'crash broker-2' && entry.timeUs === at)).toBe(true);
  });

  it('fill in defaults: a scheduled cut-link is cut both ways', () => {
    const engine = createEngine({}, 1);
    engine.schedule(SECOND_US, { kind: 'cut-link', from: 'broker-1', to: 'broker-2' });
    engine.runFor(SECOND_US);
    expect(engine.snapshot().network.faults).toEqual([{ kind: 'cut-link', from: 'broker-1', to: 'broker-2', bothWays: true }]);
  });

  it('refuse unknown targets, bad faults and past or negative times now, scheduling nothing', () => {
    const engine = createEngine({}, 1);
    engine.runFor(SECOND_US);
    const before = fingerprint(engine);
    expect(() => engine.schedule(2 * SECOND_US, { kind: 'crash', process: 'broker-42' })).toThrow(/fault "crash": no process "broker-42"/);
    expect(() => engine.schedule(2 * SECOND_US, { kind: 'isolate-zone', zone: 'zone-q' })).toThrow(/no zone "zone-q"/);
    expect(() => engine.schedule(2 * SECOND_US, { kind: 'teleport' })).toThrow(ValidationError);
    expect(() => engine.schedule(SECOND_US - 1, { kind: 'heal' })).toThrow('kernel: cannot schedule "heal every network and disk fault" at 999999µs; now is 1000000µs');
    expect(() => engine.schedule(-5, { kind: 'heal' })).toThrow('time: got -5; expected a whole, non-negative number of microseconds');
    expect(fingerprint(engine)).toEqual(before);
  });
});

describe('a scheduled fault that no longer applies when its time comes', () => {
  it('is skipped with a note naming why, and the run goes on to its end', () => {
    const engine = createEngine({}, 9);
    engine.schedule(2 * SECOND_US, { kind: 'crash', process: 'broker-4' });
    engine.runFor(SECOND_US);
    engine.inject({ kind: 'crash', process: 'broker-4' }); // crashed by hand first
    engine.runFor(4 * SECOND_US);
    expect(engine.nowUs).toBe(5 * SECOND_US);
    const skipped = engine.snapshot().notable.filter((entry) => entry.label.startsWith('skipped'));
    expect(skipped.map((entry) => [entry.timeUs, entry.label])).toEqual([
      [2 * SECOND_US, 'skipped "crash broker-4": broker-4 is already crashed; restart it first'],
    ]);
    expect(engine.recordedInputs()).toHaveLength(1);
  });
});

describe('lives and drops', () => {
  it('incarnation counts lives: 1 at boot, still 1 while crashed, 2 after the restart', () => {
    const engine = createEngine({}, 2);
    const life = () => engine.processes().find((process) => process.id === 'broker-1')!.incarnation;
    expect(life()).toBe(1);
    engine.inject({ kind: 'crash', process: 'broker-1' });
    expect(life()).toBe(1);
    engine.inject({ kind: 'restart', process: 'broker-1' });
    expect(life()).toBe(2);
  });

  it('a message refused by a partition at send time is traced as a drop', () => {
    const engine = createEngine({}, 2);
    engine.inject({ kind: 'isolate', process: 'broker-6' });
    engine.runFor(2 * SECOND_US);
    const drops = engine.exportTrace().recent.filter((entry) => entry.kind === 'drop');
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.every((entry) => entry.process === 'broker-6' || entry.peer === 'broker-6')).toBe(true);
    expect(engine.metrics().droppedByPartition).toBe(drops.length);
  });
});

describe('config validation', () => {
  it('refuses brokers: 0, naming the path and the value', () => {
    const error = validationErrorOf(() => createEngine({ brokers: 0 }));
    expect(error.message).toBe('engine config is invalid (1 problem):\n  - brokers: got 0; expected an integer from 1 to 64');
    expect(error.problems).toEqual([{ path: 'brokers', message: 'got 0; expected an integer from 1 to 64' }]);
  });

  it('refuses an unknown key, naming it and the keys that are allowed', () => {
    expect(validationErrorOf(() => createEngine({ brokerz: 3 })).message).toContain(
      '  - brokerz: this key is not known here; allowed keys are zones, controllers, brokers, network, probe',
    );
    expect(validationErrorOf(() => createEngine({ network: { latencyMs: 3 } })).message).toContain('  - network.latencyMs: this key is not known here; allowed keys are intraZoneLatencyMs,');
  });

  it.each([
    [{ brokers: 'six' }, 'brokers: got "six"; expected an integer from 1 to 64'],
    [{ controllers: 2.5 }, 'controllers: got 2.5; expected an integer from 1 to 9'],
    [{ network: 5 }, 'network: got 5; expected an object'],
    [{ network: { crossZoneLatencyMs: '1ms' } }, 'network.crossZoneLatencyMs: got "1ms"; expected a number from 0 to 1000 ms'],
    [{ network: { lossPercent: 101 } }, 'network.lossPercent: got 101; expected a number from 0 to 100 %'],
    [{ zones: true }, 'zones: got true; expected a zone count from 1 to 6, or a list of 1 to 6 zone names'],
    [{ zones: 7 }, 'zones: got 7; expected an integer from 1 to 6'],
    [{ zones: ['zone-a', 'Zone B'] }, 'zones[1]: got "Zone B"; expected a zone name of lowercase letters, digits and dashes, like "zone-a"'],
    [{ zones: ['zone-a', 'zone-b', 'zone-a'] }, 'zones: got "zone-a"; expected zone names that are all different; this one is listed more than once'],
    [{ probe: { intervalMs: 1_000, timeoutMs: 1_000 } }, 'probe.timeoutMs: got 1000; expected a timeoutMs longer than intervalMs (1000)'],
    [{ probe: { intervalMs: 2_000, timeoutMs: 1_500 } }, 'probe.timeoutMs: got 1500; expected a timeoutMs longer than intervalMs (2000)'],
    [[], '(root): got a list of 0; expected an object'],
    ['big', '(root): got "big"; expected an object'],
  ])('refuses %j: "%s"', (config, problem) => {
    const error = validationErrorOf(() => createEngine(config));
    expect(error.message).toContain(`  - ${problem}`);
    expect(error.problems).toHaveLength(1);
  });

  it('reports every bad field in one error', () => {
    const error = validationErrorOf(() =>
      createEngine({ brokers: 0, controllers: 'three', zones: ['a', 'a'], network: { jitterMs: -1, extra: true }, probe: { intervalMs: 5 } }),
    );
    expect(error.problems.map((problem) => problem.path)).toEqual(['zones', 'controllers', 'brokers', 'network.jitterMs', 'network.extra', 'probe.intervalMs']);
    expect(error.message).toMatch(/^engine config is invalid \(6 problems\):\n/);
    expect(error.message).toContain('  - controllers: got "three"; expected an integer from 1 to 9');
    expect(error.message).toContain('  - network.jitterMs: got -1; expected a number from 0 to 1000 ms');
    expect(error.message).toContain('  - probe.intervalMs: got 5; expected an integer from 10 to 60000 ms');
  });

  it('accepts a missing or null config as all defaults', () => {
    expect(createEngine(undefined).processes()).toHaveLength(9);
    expect(createEngine(null).config.source).toEqual(createEngine({}).config.source);
  });
});

describe('bad faults', () => {
  const refusals: [string, unknown, RegExp | string][] = [
    ['an unknown kind', { kind: 'explode' }, 'kind: got "explode"; expected a fault kind: one of "crash", "power-loss", "fill-disk", "replace-disk", "restart"'],
    ['a missing field', { kind: 'crash' }, 'process: got nothing; expected a process name, like "broker-1"'],
    ['an unknown key', { kind: 'crash', process: 'broker-1', now: true }, 'now: this key is not known here; allowed keys are kind, process'],
    ['an out-of-range loss', { kind: 'lossy-link', from: 'broker-1', to: 'broker-2', lossPercent: 150 }, 'lossPercent: got 150; expected a number from 0 to 100 %'],
    ['an unknown process', { kind: 'crash', process: 'broker-99' }, 'fault "crash": no process "broker-99"; processes are controller-1, controller-2, controller-3, broker-1,'],
    ['an unknown link end', { kind: 'slow-link', from: 'broker-1', to: 'ghost', extraLatencyMs: 5 }, 'fault "slow-link": no process "ghost"'],
    ['an unknown zone', { kind: 'isolate-zone', zone: 'zone-z' }, 'fault "isolate-zone": no zone "zone-z"; zones are zone-a, zone-b, zone-c'],
    ['a link to itself', { kind: 'cut-link', from: 'broker-1', to: 'broker-1' }, 'network: a link joins two processes; got "broker-1" twice'],
    ['a heal of nothing known', { kind: 'heal', target: 'zone-q' }, 'fault "heal": "zone-q" is neither a process nor a zone'],
    ['crashing a crashed process', { kind: 'crash', process: 'broker-3' }, 'broker-3 is already crashed; restart it first'],
    ['restarting a running process', { kind: 'restart', process: 'broker-2' }, 'broker-2 is running; only a crashed or stopped process can be restarted'],
  ];

  it.each(refusals)('%s is refused and leaves the engine unchanged', (_name, fault, message) => {
    const engine = createEngine({}, 1);
    engine.runFor(2 * SECOND_US);
    engine.inject({ kind: 'crash', process: 'broker-3' });
    engine.inject({ kind: 'slow-link', from: 'broker-4', to: 'broker-5', extraLatencyMs: 2 });
    engine.runFor(SECOND_US);
    const before = fingerprint(engine);
    expect(() => engine.inject(fault)).toThrow(message);
    expect(fingerprint(engine)).toEqual(before);
    expect(engine.recordedInputs()).toHaveLength(2);
    // And the run goes on exactly as if nothing had been tried.
    const twin = createEngine({}, 1);
    twin.runFor(2 * SECOND_US);
    twin.inject({ kind: 'crash', process: 'broker-3' });
    twin.inject({ kind: 'slow-link', from: 'broker-4', to: 'broker-5', extraLatencyMs: 2 });
    twin.runFor(2 * SECOND_US);
    engine.runFor(SECOND_US);
    expect(engine.traceHash).toBe(twin.traceHash);
  });

  it('schema problems come as a ValidationError, target problems as a plain Error', () => {
    const engine = createEngine();
    expect(() => engine.inject({ kind: 'explode' })).toThrow(ValidationError);
    const targetError = (() => {
      try {
        engine.inject({ kind: 'crash', process: 'broker-99' });
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(targetError).toBeInstanceOf(Error);
    expect(targetError).not.toBeInstanceOf(ValidationError);
  });
});

describe('seeds', () => {
  it.each([-1, 1.5, 2 ** 32, Number.NaN, Number.POSITIVE_INFINITY])('refuses seed %s, naming it', (seed) => {
    expect(() => createEngine({}, seed)).toThrow(RangeError);
    expect(() => createEngine({}, seed)).toThrow(`seed: got ${seed}; expected an integer from 0 to 4294967295`);
  });

  it('refuses a seed that is not a number', () => {
    expect(() => createEngine({}, '7' as unknown as number)).toThrow('seed: got 7; expected an integer from 0 to 4294967295');
  });

  it('accepts 0 and 2^32 - 1, and they give different runs', () => {
    const low = createEngine({}, 0);
    const high = createEngine({}, 2 ** 32 - 1);
    low.runFor(SECOND_US);
    high.runFor(SECOND_US);
    expect(low.seed).toBe(0);
    expect(high.seed).toBe(2 ** 32 - 1);
    expect(low.traceHash).not.toBe(high.traceHash);
  });
});

describe('traces and exports', () => {
  it('exportTrace carries the seed, hash, inputs and newest events', () => {
    const engine = createEngine({}, 5);
    engine.runFor(SECOND_US);
    engine.inject({ kind: 'isolate', process: 'controller-3' });
    engine.runFor(SECOND_US);
    const exported = engine.exportTrace();
    expect(exported).toMatchObject({ seed: 5, traceHash: engine.traceHash, events: engine.eventCount });
    expect(exported.inputs).toEqual([{ atUs: SECOND_US, fault: { kind: 'isolate', process: 'controller-3' } }]);
    expect(exported.recent.at(-1)?.index).toBe(engine.eventCount - 1);
    expect(engine.snapshot().recent).toHaveLength(256);
    expect(engine.snapshot({ traceFrom: engine.eventCount - 2 }).recent.map((entry) => entry.index)).toEqual([engine.eventCount - 2, engine.eventCount - 1]);
  });
});
