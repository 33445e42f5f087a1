// Goal: compare mode's conductor keeps two engines on one simulated clock, gives a fault to both
// or to neither, stops both at a presenter's pause and at the lesson's end, and names the side that
// sets the pace. Method: two real EngineHosts in this thread behind a client that speaks like the
// page's EngineClient, and a fake wall clock where each side's work costs what we say it does.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareSetups, COMPARE_PRESETS, type ComparePlan } from '../../src/ui/compare';
import { CompareSession, type CompareClient, type CompareClock } from '../../src/ui/compare-session';
import type { Setup } from '../../src/ui/engine-client';
import { FREE_PLAY_CONFIG } from '../../src/ui/free-play';
import { ScenarioRun } from '../../src/engine/scenario/runner';
import { parseScenarioText } from '../../src/engine/scenario/validate';
import { EngineHost } from '../../src/worker/host';
import { hostClient } from './host-client';

class FakeClock implements CompareClock {
  wallMs = 0;
  now(): number {
    return this.wallMs;
  }
  /** A frame is 16 ms later, and a macrotask away, so tests get to look between rounds. */
  nextFrame(): Promise<void> {
    this.wallMs += 16;
    return new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** A host's client whose runs each cost `wallMsPerSimSecond` of fake wall time. */
function timedClient(host: EngineHost, clock: FakeClock, wallMsPerSimSecond: number): CompareClient {
  // Both workers run at once: each finishes its cost after the moment it was asked, not after the other.
  return hostClient(host, async (durationUs: number) => {
    const askedMs = clock.wallMs;
    const outcome = host.runFor(durationUs);
    await new Promise((resolve) => setTimeout(resolve, 0));
    clock.wallMs = Math.max(clock.wallMs, askedMs + (durationUs / 1_000_000) * wallMsPerSimSecond);
    return outcome;
  });
}

function conductor(plan: ComparePlan, costs: readonly [number, number] = [1, 1]) {
  const clock = new FakeClock();
  const hosts = [new EngineHost(), new EngineHost()] as const;
  const session = new CompareSession(plan, (side) => timedClient(hosts[side], clock, costs[side]), clock);
  return { clock, hosts, session };
}

function planFor(base: Exclude<Setup, { kind: 'resume' }>, presetId: string): ComparePlan {
  const plan = compareSetups(base, preset(presetId));
  if (!plan.ok) throw new Error(plan.error);
  return plan.value;
}

const preset = (id: string) => COMPARE_PRESETS.find((candidate) => candidate.id === id)!.spec;
const lesson = (id: string) => ({ kind: 'scenario' as const, id, text: readFileSync(`public/scenarios/${id}.json`, 'utf8'), seed: null });

async function until(condition: () => boolean, roundsMax = 20_000): Promise<void> {
  for (let round = 0; round < roundsMax && !condition(); round++) await new Promise((resolve) => setTimeout(resolve, 0));
  if (!condition()) throw new Error('the condition never held');
}

describe('compare mode drives two engines in lock-step', () => {
  it('ISR and quorum reach every moment together, the slower side named, and both stop at the lesson end', async () => {
    const plan = planFor(lesson('isr-vs-quorum-straggler'), 'replication');
    const { hosts, session } = conductor(plan, [20, 60]);
    await session.start();
    expect(session.current.status).toBe('paused');
    session.setSpeed('max');
    session.play();
    await until(() => session.current.timeUs >= 20_000_000);
    session.pause();
    await until(() => session.current.status === 'paused');
    // Between rounds, both engines stand at the conductor's moment.
    const [a, b] = hosts.map((host) => host.snapshot());
    expect(a!.timeUs).toBe(session.current.timeUs);
    expect(b!.timeUs).toBe(session.current.timeUs);
    expect(a!.traceHash).not.toBe(b!.traceHash);
    expect(session.current.pacedBy).toBe(null); // cleared on pause
    session.play();
    await until(() => session.current.pacedBy !== null || session.current.status !== 'playing');
    expect(session.current.pacedBy).toBe(1); // side B costs three times as much
    await until(() => session.current.status === 'ended');
    expect(session.current.timeUs).toBe(90_000_000);
    expect(hosts[0].scenarioReport()?.complete).toBe(true);
    expect(hosts[1].scenarioReport()?.complete).toBe(true);
    // The lesson's point, seen by the conductor's two runs: the straggler costs ISR, not the quorum.
    const p99 = (host: EngineHost) => host.scenarioReport()!.expectations.find((expectation) => expectation.name.startsWith('produce p99'))!.passed;
    expect([p99(hosts[0]), p99(hosts[1])]).toEqual([false, true]);
    // However the conductor sliced the run, each side is the run its file gives on its own (as the CLI runs it).
    plan.sides.forEach((side, index) => {
      if (side.kind !== 'scenario') throw new Error('a lesson side');
      const alone = new ScenarioRun(parseScenarioText(side.text), { pauses: 'record' }).runToEnd();
      expect(hosts[index]!.traceHash()).toBe(alone.traceHash);
    });
  });

  it('at 1x, a side slower than real time sets the pace, and the page is told which', async () => {
    const { session } = conductor(planFor(lesson('isr-vs-quorum-straggler'), 'replication'), [100, 3_000]);
    await session.start();
    session.play();
    await until(() => session.current.pacedBy !== null);
    expect(session.current.pacedBy).toBe(1);
    expect(session.current.wallMsPerSimSecond[1]!).toBeGreaterThan(session.current.wallMsPerSimSecond[0]!);
    session.pause();
  });

  it('a step moves side A one event and brings side B to the same moment', async () => {
    const { hosts, session } = conductor(planFor(lesson('isr-vs-quorum-straggler'), 'replication'));
    await session.start();
    // The first events all happen at time zero; step until simulated time moves.
    for (let i = 0; i < 500 && session.current.timeUs === 0; i++) await session.step();
    expect(session.current.timeUs).toBeGreaterThan(0);
    expect(hosts[0].snapshot().events).toBeGreaterThan(0);
    expect(hosts[0].snapshot().timeUs).toBe(session.current.timeUs);
    expect(hosts[1].snapshot().timeUs).toBe(session.current.timeUs);
  });

  it("stops both sides at the lesson's presenter pause, with the presenter's note", async () => {
    const { hosts, session } = conductor(planFor(lesson('zone-outage'), 'lag'));
    await session.start();
    session.setSpeed('max');
    session.play();
    await until(() => session.current.status === 'paused');
    expect(session.current.timeUs).toBe(15_000_000);
    expect(session.current.pausedFor).toContain('Ask the room');
    expect(hosts[0].snapshot().timeUs).toBe(15_000_000);
    expect(hosts[1].snapshot().timeUs).toBe(15_000_000);
  });
});

describe("compare mode follows a lesson's steps, paced by side A", () => {
  it('Next stops both sides at each caption, Previous rebuilds the earlier step on both, and a fault there drops the later ones', async () => {
    const { hosts, session } = conductor(planFor(lesson('isr-vs-quorum-straggler'), 'replication'));
    await session.start();
    await session.nextStep();
    // The first caption is "at 6s": both engines stand there, with every event due by then run.
    expect(session.current.timeUs).toBe(6_000_000);
    for (const host of hosts) expect(host.snapshot().timeUs).toBe(6_000_000);
    const hashesAtFirst = hosts.map((host) => host.traceHash());
    await session.nextStep();
    expect(session.current.timeUs).toBe(12_000_000);
    await session.inject({ kind: 'crash', process: 'broker-6' });
    await session.nextStep();
    expect(session.current.timeUs).toBe(30_000_000);
    expect(session.current.headUs).toBe(30_000_000);
    for (const host of hosts) expect(host.snapshot().timeUs).toBe(30_000_000);
    expect(session.current.faults.map((fault) => fault.atUs)).toEqual([12_000_000]);

    // Previous: both rebuild the first step's moment exactly (the trace hash there is the original's).
    await session.seek(6_000_000);
    expect(session.current.timeUs).toBe(6_000_000);
    expect(session.current.headUs).toBe(30_000_000);
    expect(hosts.map((host) => host.traceHash())).toEqual(hashesAtFirst);
    // Rewound, the later fault is still listed (Next would show it again) ...
    expect(session.current.faults).toHaveLength(1);
    // ... Next goes to the step already seen on both sides, nothing dropped ...
    await session.nextStep();
    expect(session.current.timeUs).toBe(12_000_000);
    for (const host of hosts) expect(host.snapshot().timeUs).toBe(12_000_000);
    expect(session.current.faults).toHaveLength(1);
    // ... and a fault at an earlier moment branches both: the later one is gone from the list.
    await session.seek(6_000_000);
    await session.inject({ kind: 'isolate', process: 'broker-5' });
    expect(session.current.notice).toBeNull();
    expect(session.current.faults).toEqual([{ atUs: 6_000_000, kind: 'isolate', what: 'isolate broker-5 from every other process' }]);
    expect(session.current.headUs).toBe(6_000_000);
    for (const host of hosts) expect(host.snapshot().processes.find((process) => process.id === 'broker-6')!.status).toBe('up');
  });

  it('Next stops at a presenter pause with its note, on both sides', async () => {
    const { hosts, session } = conductor(planFor(lesson('zone-outage'), 'lag'));
    await session.start();
    for (let i = 0; i < 10 && session.current.pausedFor === null; i++) await session.nextStep();
    expect(session.current.timeUs).toBe(15_000_000);
    expect(session.current.pausedFor).toContain('Ask the room');
    expect(hosts.map((host) => host.snapshot().timeUs)).toEqual([15_000_000, 15_000_000]);
  });
});

describe('a fault in compare mode reaches both sides or neither', () => {
  it('a crash reaches both engines at the same simulated moment', async () => {
    const { hosts, session } = conductor(planFor(lesson('isr-vs-quorum-straggler'), 'replication'));
    await session.start();
    session.setSpeed('max');
    session.play();
    await until(() => session.current.timeUs >= 8_000_000);
    session.pause();
    await session.inject({ kind: 'crash', process: 'broker-6' });
    expect(session.current.notice).toBeNull();
    expect(session.current.faults).toEqual([{ atUs: session.current.timeUs, kind: 'crash', what: 'crash broker-6' }]);
    for (const host of hosts) expect(host.snapshot().processes.find((process) => process.id === 'broker-6')!.status).toBe('crashed');
  });

  it('a fault one side cannot take changes neither, and the notice names the side and the reason', async () => {
    const { hosts, session } = conductor(planFor({ kind: 'free', config: FREE_PLAY_CONFIG, seed: 1 }, 'controller'));
    await session.start();
    await session.step();
    const before = hosts.map((host) => host.traceHash());
    await session.inject({ kind: 'crash', process: 'controller-1' });
    expect(session.current.notice).toMatch(/^Not applied to either side, so that both stay comparable: side B \(controllerMode=zookeeper\) cannot take it: fault "crash": no process "controller-1"/);
    expect(hosts.map((host) => host.traceHash())).toEqual(before);
    expect(hosts[0].snapshot().processes.find((process) => process.id === 'controller-1')!.status).toBe('up');
    expect(session.current.faults).toEqual([]);
    // Refused by both: said so.
    await session.inject({ kind: 'crash', process: 'broker-99' });
    expect(session.current.notice).toMatch(/^Neither side can take it: side A .*; side B /);
  });
});
