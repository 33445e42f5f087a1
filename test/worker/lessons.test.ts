// Guided lessons and shared moments in the worker's host. Goal: Next stops exactly where each of a
// lesson's captions and pauses happens (the state a rewind to that time shows), walks forward
// through steps already seen while rewound without dropping anything, and gives way to any other
// command; a shared moment (time, event count, the person's actions) opens in a fresh host with the
// same clock and trace hash, and a moment the run cannot reach is refused with the reason.
// Method: real library lessons in the host with a hand-run scheduler; the reference for each
// moment is a separate ScenarioRun advanced to it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScenarioRun } from '../../src/engine/scenario/runner';
import { parseScenarioText } from '../../src/engine/scenario/validate';
import { EngineHost, type Frame, type HostClock, type HostScheduler, type Outcome, type StepResult } from '../../src/worker/host';

const SECOND = 1_000_000;
const lesson = (id: string) => readFileSync(`public/scenarios/${id}.json`, 'utf8');

/** A wall clock that advances 1 ms per read, and a scheduler run by hand. */
class World implements HostClock, HostScheduler {
  wallMs = 0;
  tasks: (() => void)[] = [];
  slices = 0;
  now(): number {
    return (this.wallMs += 1);
  }
  schedule(task: () => void): void {
    this.tasks.push(task);
  }
  async until<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    void promise.then(() => (settled = true));
    for (let guard = 0; guard < 200_000 && !settled; guard++) {
      const task = this.tasks.shift();
      if (task !== undefined) {
        this.slices++;
        task();
      }
      await Promise.resolve();
    }
    return promise;
  }
}

function setUp(): { world: World; host: EngineHost; frames: Frame[] } {
  const world = new World();
  const host = new EngineHost(world, world);
  const frames: Frame[] = [];
  host.subscribe((frame) => void frames.push(frame));
  return { world, host, frames };
}

async function next(world: World, host: EngineHost): Promise<StepResult> {
  const outcome: Outcome<StepResult> = await world.until(host.nextStep());
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.value;
}

/** The trace hash a lesson's run has once every event due by `atUs` ran. */
function referenceHash(text: string, atUs: number): string {
  const run = new ScenarioRun(parseScenarioText(text), { pauses: 'record' });
  run.advance(atUs);
  return run.engine.traceHash;
}

const captionTimes = (host: EngineHost) => host.scenarioReport()!.captions.map((caption) => caption.atMs);

describe('Next step', () => {
  it('walks a lesson caption by caption, stopping exactly where each happened, the "when" step included', async () => {
    const { world, host, frames } = setUp();
    const text = lesson('broker-crash');
    const loaded = host.loadScenario(text, { id: 'broker-crash' });
    expect(loaded.ok && loaded.value.lessonSteps).toBe(4);
    const stops: number[] = [];
    for (let step = 1; step <= 4; step++) {
      const result = await next(world, host);
      expect(result.reached).toBe(true);
      expect(captionTimes(host)).toHaveLength(step);
      // It stopped at the moment the newest caption appeared, paused, with the state a rewind there shows.
      expect(result.atUs).toBe(captionTimes(host).at(-1)! * 1_000);
      expect(host.traceHash()).toBe(referenceHash(text, result.atUs));
      stops.push(result.atUs);
    }
    // 2 s, 10 s, the moment all eight peers gave up on broker-3 (a "when" step, on a 100 ms check), 20 s.
    expect(stops[0]).toBe(2 * SECOND);
    expect(stops[1]).toBe(10 * SECOND);
    expect(stops[2]).toBeGreaterThan(13 * SECOND);
    expect(stops[2]! % 100_000).toBe(0);
    expect(stops[3]).toBe(20 * SECOND);
    expect(frames.at(-1)!.playing).toBe(false);
    // No step is left: Next runs to the end and says it reached none.
    const end = await next(world, host);
    expect(end).toEqual({ atUs: 30 * SECOND, reached: false });
    expect(host.scenarioReport()!.complete).toBe(true);
  });

  it('stops on a caption due at 0 s, and on a presenter pause with its note shown', async () => {
    const { world, host, frames } = setUp();
    host.loadScenario(lesson('zone-outage'), { id: 'zone-outage' });
    expect(await next(world, host)).toEqual({ atUs: 0, reached: true });
    expect(captionTimes(host)).toEqual([0]);
    await next(world, host); // 10 s: zone-b cut off
    await next(world, host); // the first unreachable pair
    const pause = await next(world, host);
    expect(pause).toEqual({ atUs: 15 * SECOND, reached: true });
    expect(frames.at(-1)!.scenario!.pausedFor).toContain('Ask the room');
  });

  it('while rewound, goes forward through the steps already seen without dropping anything, then runs on', async () => {
    const { world, host, frames } = setUp();
    const text = lesson('broker-crash');
    host.loadScenario(text, { id: 'broker-crash' });
    host.runFor(12 * SECOND);
    host.inject({ kind: 'crash', process: 'broker-5' });
    host.runFor(10 * SECOND); // the furthest moment: 22 s, with the person's crash at 12 s
    await world.until(host.seek(5 * SECOND));
    expect((await next(world, host)).atUs).toBe(10 * SECOND);
    expect(frames.at(-1)!.timeline.rewound).not.toBeNull(); // still rewound: the later crash is kept
    expect(frames.at(-1)!.timeline.rewound!.laterActionCount).toBe(1);
    const when = await next(world, host);
    expect(when.atUs).toBeGreaterThan(13 * SECOND);
    expect((await next(world, host)).atUs).toBe(20 * SECOND);
    // No step between 20 s and the furthest moment (22 s): back there first, then on to the end.
    const end = await next(world, host);
    expect(end).toEqual({ atUs: 30 * SECOND, reached: false });
    expect(frames.at(-1)!.timeline.branched).toBeNull(); // nothing was dropped on the way
    expect(host.snapshot().processes.find((process) => process.id === 'broker-5')!.status).toBe('crashed');
  });

  it('gives way to any other command: a pause ends it where it got to', async () => {
    const { world, host } = setUp();
    host.loadScenario(lesson('broker-crash'), { id: 'broker-crash' });
    const pending = host.nextStep();
    world.tasks.shift()!(); // one slice: 12 ms of wall time
    host.pause();
    const result = await pending;
    expect(result.ok && result.value.reached).toBe(false);
    expect(world.tasks.length).toBeGreaterThan(0);
    world.tasks.shift()!(); // the next slice was queued before the pause: it does nothing
    expect(captionTimes(host)).toEqual([]);
  });

  it('free play has no steps, and says so', async () => {
    const { host } = setUp();
    host.create({}, 1);
    expect(await host.nextStep()).toMatchObject({ ok: false, error: expect.stringContaining('free play has no lesson steps') });
  });
});

describe('a shared moment', () => {
  it('opens in a fresh host with the same clock, event count and trace hash, the actions replayed', async () => {
    const { host } = setUp();
    host.loadScenario(lesson('broker-crash'), { id: 'broker-crash' });
    host.runFor(4 * SECOND);
    host.inject({ kind: 'crash', process: 'broker-2' });
    host.runFor(3 * SECOND);
    host.step(); // between two events at one time, perhaps: the event count pins it
    host.step();
    const shared = host.momentToShare();
    if (!shared.ok) throw new Error(shared.error);
    expect(shared.value.inputs).toHaveLength(1);

    const other = setUp();
    other.host.loadScenario(lesson('broker-crash'), { id: 'broker-crash' });
    const opened = await other.host.openMoment(shared.value.inputs, { atUs: shared.value.atUs, events: shared.value.events });
    expect(opened).toEqual({ ok: true, value: { atUs: shared.value.atUs, events: shared.value.events, traceHash: shared.value.traceHash } });
    await new Promise((resolve) => setTimeout(resolve, 0)); // the frames queued behind the page's draws
    const markers = other.frames.flatMap((frame) => frame.timeline.markers);
    expect(markers.filter((marker) => marker.kind === 'you').map((marker) => marker.atUs)).toEqual([4 * SECOND]);
    // The opened run rewinds like any other: its action is replayed before the crash is undone.
    await other.world.until(other.host.seek(2 * SECOND));
    expect(other.host.snapshot().processes.find((process) => process.id === 'broker-2')!.status).toBe('up');
  });

  it('shared while rewound: the moment shown, with only the actions taken up to it', async () => {
    const { world, host } = setUp();
    host.loadScenario(lesson('broker-crash'), { id: 'broker-crash' });
    host.runFor(3 * SECOND);
    host.inject({ kind: 'crash', process: 'broker-2' });
    host.runFor(3 * SECOND);
    host.inject({ kind: 'crash', process: 'broker-4' });
    host.runFor(3 * SECOND);
    await world.until(host.seek(4_500_000));
    const shared = host.momentToShare();
    if (!shared.ok) throw new Error(shared.error);
    expect(shared.value.atUs).toBe(4_500_000);
    expect(shared.value.inputs.map((input) => (input.fault as { process: string }).process)).toEqual(['broker-2']);
    const other = setUp();
    other.host.loadScenario(lesson('broker-crash'), { id: 'broker-crash' });
    const opened = await other.host.openMoment(shared.value.inputs, { atUs: shared.value.atUs, events: shared.value.events });
    expect(opened.ok && opened.value.traceHash).toBe(shared.value.traceHash);
  });

  it('refuses a moment past the lesson, an event count the run does not reach, and a second opening', async () => {
    const { host } = setUp();
    host.loadScenario(lesson('broker-crash'), { id: 'broker-crash' });
    expect(await host.openMoment([], { atUs: 31 * SECOND })).toMatchObject({ ok: false, error: expect.stringContaining("past the scenario's end at 30000 ms") });
    expect(await host.openMoment([], { atUs: SECOND, events: 10_000_000 })).toMatchObject({ ok: false, error: expect.stringMatching(/reaches \d+ events at 1000 ms, not the link's 10000000/) });
    const fresh = setUp();
    fresh.host.loadScenario(lesson('broker-crash'), { id: 'broker-crash' });
    expect((await fresh.host.openMoment([], { atUs: SECOND })).ok).toBe(true);
    expect(await fresh.host.openMoment([], { atUs: 2 * SECOND })).toMatchObject({ ok: false, error: 'a moment opens only on a run just loaded' });
  });
});
