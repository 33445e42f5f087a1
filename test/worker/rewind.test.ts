// Rewind and branch in the worker's host. Goal: a rewind shows an earlier moment exactly (the trace
// hash and the snapshot the original run had there), going back to the furthest moment restores the
// run as it was, and acting after a rewind starts a new future: the later actions are dropped, on
// the timeline and in the saved session, which resumes the branch exactly after a reload.
// Method: the host with a hand-run scheduler (a rewind rebuilds in slices), fake-indexeddb for the
// store; the original's state at each moment is read while it runs, before anything is rewound.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeFault, parseFault } from '../../src/engine/faults';
import { ScenarioRun } from '../../src/engine/scenario/runner';
import { parseScenarioText } from '../../src/engine/scenario/validate';
import { EngineHost, LATER_ACTIONS_SENT_MAX, type Frame, type HostClock, type HostScheduler, type Outcome, type SeekResult } from '../../src/worker/host';
import { IdbSessionStore, type SessionStore } from '../../src/worker/sessions';

const SECOND = 1_000_000;
const CONFIG = {
  topics: [{ name: 'orders', partitions: 6, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }],
  producers: [{ topic: 'orders', recordsPerSecond: 500, acks: 'all' as const, startMs: 2_000 }],
};

/** A wall clock that advances `costPerReadMs` per read, and a scheduler run by hand. */
class World implements HostClock, HostScheduler {
  wallMs = 0;
  costPerReadMs = 0;
  tasks: (() => void)[] = [];
  now(): number {
    this.wallMs += this.costPerReadMs;
    return this.wallMs;
  }
  schedule(task: () => void): void {
    this.tasks.push(task);
  }
  /** Runs queued tasks (and those they queue) until `promise` settles; returns the slices it took. */
  async until<T>(promise: Promise<T>): Promise<{ value: T; slices: number }> {
    let settled = false;
    void promise.then(() => (settled = true));
    let slices = 0;
    for (let guard = 0; guard < 100_000 && !settled; guard++) {
      const task = this.tasks.shift();
      if (task === undefined) await Promise.resolve();
      else {
        slices++;
        task();
      }
      await Promise.resolve();
    }
    return { value: await promise, slices };
  }
}

function setUp(store: SessionStore | null = null): { world: World; host: EngineHost; frames: Frame[] } {
  const world = new World();
  let wallClockMs = Date.UTC(2026, 10, 30, 12, 0, 0);
  const host = new EngineHost(world, world, store, () => (wallClockMs += 1_000));
  const frames: Frame[] = [];
  host.subscribe((frame) => void frames.push(frame));
  return { world, host, frames };
}

async function seek(world: World, host: EngineHost, atUs: number): Promise<SeekResult> {
  const { value } = await world.until(host.seek(atUs));
  if (!value.ok) throw new Error(value.error);
  return value.value;
}

/** Lets the frames queued behind the page's (immediate) draws go out. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const statusOf = (host: EngineHost, id: string) => host.snapshot().processes.find((process) => process.id === id)?.status;
/** An action in the words the timeline uses. */
const words = (fault: unknown) => describeFault(parseFault(fault));
const last = (frames: Frame[]) => frames.at(-1)!;

describe('rewind', () => {
  it('shows an earlier moment exactly: the trace hash and snapshot the original had there, actions included', async () => {
    const { world, host, frames } = setUp();
    host.create(CONFIG, 7);
    host.runFor(3 * SECOND);
    const at3 = { hash: host.traceHash(), snapshot: host.snapshot() };
    host.runFor(1 * SECOND);
    expect(host.inject({ kind: 'crash', process: 'broker-2' }).ok).toBe(true);
    const at4 = { hash: host.traceHash(), events: host.snapshot().events };
    host.runFor(6 * SECOND);
    const at10 = { hash: host.traceHash(), snapshot: host.snapshot() };

    const back = await seek(world, host, 3 * SECOND);
    expect(back).toMatchObject({ completed: true, atUs: 3 * SECOND, traceHash: at3.hash, atHead: false });
    expect(host.snapshot()).toEqual(at3.snapshot);
    expect(statusOf(host, 'broker-2')).toBe('up');
    expect(last(frames).timeline.rewound).toEqual({ atUs: 3 * SECOND, laterActions: [{ atUs: 4 * SECOND, text: words({ kind: 'crash', process: 'broker-2' }) }], laterActionCount: 1 });
    expect(last(frames).timeline.headUs).toBe(10 * SECOND);

    // The action taken at 4 s belongs to the moment 4 s: it is replayed, at its event count.
    const at4Again = await seek(world, host, 4 * SECOND);
    expect(at4Again.traceHash).toBe(at4.hash);
    expect(at4Again.events).toBe(at4.events);
    expect(statusOf(host, 'broker-2')).toBe('crashed');

    // Back to the furthest moment: the run as it was, no longer rewound, nothing dropped.
    const ahead = await seek(world, host, 10 * SECOND);
    expect(ahead).toMatchObject({ atHead: true, traceHash: at10.hash });
    expect(host.snapshot()).toEqual(at10.snapshot);
    expect(last(frames).timeline.rewound).toBeNull();
    expect(last(frames).timeline.branched).toBeNull();
  });

  it('refuses a moment outside the run, naming the value and the range', async () => {
    const { host } = setUp();
    host.create(CONFIG, 7);
    host.runFor(2 * SECOND);
    for (const bad of [-1, 2 * SECOND + 1, 1.5, Number.NaN]) {
      const outcome = await host.seek(bad);
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error).toContain(`expected a whole number of microseconds from 0 to ${2 * SECOND}`);
    }
  });

  it('branching drops the later actions and their markers; the run goes on from the moment', async () => {
    const { world, host, frames } = setUp();
    host.create(CONFIG, 11);
    host.runFor(4 * SECOND);
    host.inject({ kind: 'crash', process: 'broker-1' });
    host.runFor(3 * SECOND);
    host.inject({ kind: 'isolate-zone', zone: 'zone-c' });
    host.runFor(3 * SECOND);
    await settle();
    const markersBefore = timelineOf(frames);
    expect(markersBefore.filter((marker) => marker.kind === 'you').map((marker) => marker.text)).toEqual([words({ kind: 'crash', process: 'broker-1' }), words({ kind: 'isolate-zone', zone: 'zone-c' })]);

    await seek(world, host, 5 * SECOND);
    expect(last(frames).timeline.rewound!.laterActions.map((action) => action.text)).toEqual([words({ kind: 'isolate-zone', zone: 'zone-c' })]);
    // Nothing is dropped by looking: the markers are those of the whole run.
    expect(timelineOf(frames)).toEqual(markersBefore);

    expect(host.inject({ kind: 'crash', process: 'broker-4' }).ok).toBe(true);
    await settle();
    const after = last(frames).timeline;
    expect(after.branched).toEqual({ atUs: 5 * SECOND, droppedActions: 1 });
    expect(after.rewound).toBeNull();
    expect(after.headUs).toBe(5 * SECOND);
    const markers = timelineOf(frames);
    expect(markers.every((marker) => marker.atUs <= 5 * SECOND)).toBe(true);
    expect(markers.filter((marker) => marker.kind === 'you').map((marker) => marker.text)).toEqual([words({ kind: 'crash', process: 'broker-1' }), words({ kind: 'crash', process: 'broker-4' })]);
    // The old future is gone: its furthest moment can no longer be reached by seeking.
    expect((await host.seek(10 * SECOND)).ok).toBe(false);

    // The new future is the run that would have happened with these actions from the start.
    host.runFor(2 * SECOND);
    const direct = setUp();
    direct.host.create(CONFIG, 11);
    direct.host.runFor(4 * SECOND);
    direct.host.inject({ kind: 'crash', process: 'broker-1' });
    direct.host.runFor(1 * SECOND);
    direct.host.inject({ kind: 'crash', process: 'broker-4' });
    direct.host.runFor(2 * SECOND);
    expect(host.traceHash()).toBe(direct.host.traceHash());
    expect(statusOf(host, 'broker-4')).toBe('crashed');
  });

  it('a frame names at most LATER_ACTIONS_SENT_MAX later actions, and counts them all', async () => {
    const { world, host, frames } = setUp();
    host.create(CONFIG, 4);
    host.runFor(1 * SECOND);
    for (let index = 0; index < LATER_ACTIONS_SENT_MAX + 2; index++) {
      host.inject({ kind: index % 2 === 0 ? 'crash' : 'restart', process: 'broker-3' });
      host.runFor(SECOND / 10);
    }
    await seek(world, host, SECOND / 2);
    const rewound = last(frames).timeline.rewound!;
    expect(rewound.laterActions).toHaveLength(LATER_ACTIONS_SENT_MAX);
    expect(rewound.laterActionCount).toBe(LATER_ACTIONS_SENT_MAX + 2);
  });

  it('the saved session follows the branch and a reload resumes it exactly', async () => {
    const store = new IdbSessionStore();
    for (const session of await store.list()) await store.remove(session.id);
    const before = setUp(store);
    before.host.create(CONFIG, 5);
    before.host.runFor(3 * SECOND);
    before.host.inject({ kind: 'crash', process: 'broker-3' });
    before.host.runFor(3 * SECOND);
    before.host.inject({ kind: 'restart', process: 'broker-3' });
    before.host.runFor(2 * SECOND);
    before.host.inject({ kind: 'crash', process: 'broker-5' });
    before.host.runFor(2 * SECOND);
    before.host.pause();
    await before.host.flushSessions();
    const id = last(before.frames).session.id!;

    // Rewound but not branched: a reload would still resume the run as it was (10 s, 3 actions).
    await seek(before.world, before.host, 4 * SECOND);
    before.host.pause();
    await before.host.flushSessions();
    expect((await store.load(id)).meta).toMatchObject({ simulatedUs: 10 * SECOND, inputs: 3 });

    // The branch: a different action at 4 s, then 3 s of the new future.
    before.host.inject({ kind: 'isolate', process: 'broker-2' });
    before.host.runFor(3 * SECOND);
    before.host.pause();
    await before.host.flushSessions();
    const saved = await store.load(id);
    expect(saved.meta).toMatchObject({ simulatedUs: 7 * SECOND, inputs: 2 });
    expect(saved.inputs.map((input) => input.fault)).toEqual([
      { kind: 'crash', process: 'broker-3' },
      { kind: 'isolate', process: 'broker-2' },
    ]);

    const after = setUp(store);
    const resumed = await after.host.resumeSession(id);
    expect(resumed.ok).toBe(true);
    expect(after.host.traceHash()).toBe(before.host.traceHash());
    expect(last(after.frames).session.message).toBeNull();
    expect(statusOf(after.host, 'broker-3')).toBe('crashed');
    expect(statusOf(after.host, 'broker-5')).toBe('up');
    // And the resumed branch can itself be rewound to before its own action.
    await seek(after.world, after.host, 3 * SECOND + 500_000);
    expect(last(after.frames).timeline.rewound!.laterActions.map((action) => action.text)).toEqual([words({ kind: 'isolate', process: 'broker-2' })]);
  });

  it('a lesson resumes exactly when an action was taken at a moment where a stale timer was skipped', async () => {
    // Regression: at 2 s of broker-crash, the 407th event shares its moment with a cancelled timer
    // that the kernel skips. The replay stopped at the 406th event when a slice popped only that
    // timer, and replayed the action one event early: a different run after every reload.
    const store = new IdbSessionStore();
    for (const session of await store.list()) await store.remove(session.id);
    const text = readFileSync('public/scenarios/broker-crash.json', 'utf8');
    const before = setUp(store);
    before.host.loadScenario(text, { id: 'broker-crash' });
    before.host.runFor(2 * SECOND);
    expect(before.host.snapshot().events).toBe(407);
    before.host.inject({ kind: 'crash', process: 'broker-1' });
    before.host.runFor(3 * SECOND);
    before.host.pause();
    await before.host.flushSessions();
    const after = setUp(store);
    expect((await after.host.resumeSession(last(before.frames).session.id!)).ok).toBe(true);
    expect(after.host.traceHash()).toBe(before.host.traceHash());
  });

  it('rewinding a lesson shows the captions of the moment, and its trace is the lesson run straight to it', async () => {
    const text = readFileSync('public/scenarios/broker-crash.json', 'utf8');
    const { world, host, frames } = setUp();
    expect(host.loadScenario(text, { id: 'broker-crash' }).ok).toBe(true);
    host.runFor(25 * SECOND);
    await settle();
    const run = last(frames).run;
    await seek(world, host, 12 * SECOND);

    const straight = new ScenarioRun(parseScenarioText(text), { pauses: 'stop' });
    while (straight.engine.nowUs < 12 * SECOND || straight.advance(12 * SECOND)) straight.advance(12 * SECOND);
    expect(host.traceHash()).toBe(straight.engine.traceHash);
    expect(statusOf(host, 'broker-3')).toBe('crashed');

    // The page starts its moments afresh with the new run number: only what happened by 12 s.
    const rebuilt = frames.filter((frame) => frame.run !== run && frame.run === last(frames).run);
    const captions = rebuilt.flatMap((frame) => frame.scenario?.moments ?? []).filter((moment) => moment.kind === 'caption');
    expect(captions.map((moment) => moment.atUs)).toEqual([2 * SECOND, 10 * SECOND]);
    expect(captions[1]!.text).toContain('broker-3 crashed');
    // The timeline still holds the lesson's later steps (the restart at 20 s), until it branches.
    expect(timelineOf(frames).some((marker) => marker.kind === 'lesson' && marker.atUs === 20 * SECOND)).toBe(true);
    expect(timelineOf(frames).some((marker) => marker.kind === 'fencing')).toBe(true);
  });

  it('rebuilds in slices, reports how far it got, and refuses actions until the moment is shown', async () => {
    const { world, host, frames } = setUp();
    host.create(CONFIG, 9);
    host.runFor(20 * SECOND);
    world.costPerReadMs = 4; // every slice ends after ~3 reads of the clock
    const pending = host.seek(15 * SECOND);
    const refused = host.inject({ kind: 'crash', process: 'broker-1' });
    expect(!refused.ok && refused.error).toContain('rebuilding');
    const { value, slices } = await world.until(pending);
    expect(value.ok).toBe(true);
    expect(slices).toBeGreaterThan(3);
    const progress = frames.flatMap((frame) => (frame.timeline.rebuilding === null ? [] : [frame.timeline.rebuilding.reachedUs]));
    expect(progress.length).toBeGreaterThan(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(last(frames).timeline.rebuilding).toBeNull();
  });

  it('forward while rewound, the engine shown goes on (no rebuild from zero), to the same state', async () => {
    const { world, host, frames } = setUp();
    host.create(CONFIG, 9);
    host.runFor(16 * SECOND);
    host.inject({ kind: 'crash', process: 'broker-6' });
    host.runFor(2 * SECOND);
    const at18 = { hash: host.traceHash(), snapshot: host.snapshot() };
    host.runFor(2 * SECOND);
    world.costPerReadMs = 4;
    const back = await world.until(host.seek(15 * SECOND));
    const forward = await world.until(host.seek(18 * SECOND));
    // 3 s replayed instead of 18 s: far fewer slices than the rebuild from zero to 15 s took.
    expect(forward.slices * 3).toBeLessThan(back.slices);
    expect(forward.value.ok && forward.value.value.traceHash).toBe(at18.hash);
    expect(host.snapshot()).toEqual(at18.snapshot);
    expect(statusOf(host, 'broker-6')).toBe('crashed');
    expect(last(frames).timeline.rewound!.laterActions).toEqual([]);
  });

  it('a lesson rewound forward still shows every caption up to its moment', async () => {
    const text = readFileSync('public/scenarios/broker-crash.json', 'utf8');
    const { world, host, frames } = setUp();
    host.loadScenario(text, { id: 'broker-crash' });
    host.runFor(25 * SECOND);
    await seek(world, host, 5 * SECOND);
    await settle();
    const before = last(frames).run;
    await seek(world, host, 12 * SECOND);
    await settle();
    const rebuilt = frames.filter((frame) => frame.run !== before && frame.run === last(frames).run);
    const captions = rebuilt.flatMap((frame) => frame.scenario?.moments ?? []).filter((moment) => moment.kind === 'caption');
    expect(captions.map((moment) => moment.atUs)).toEqual([2 * SECOND, 10 * SECOND]);
  });

  it('a second rewind takes over from one still rebuilding', async () => {
    const { world, host } = setUp();
    host.create(CONFIG, 9);
    host.runFor(10 * SECOND);
    world.costPerReadMs = 4;
    const first = host.seek(8 * SECOND);
    world.tasks.shift()!(); // one slice of the first
    const second = host.seek(2 * SECOND);
    const firstResult: Outcome<SeekResult> = await first;
    expect(firstResult.ok && firstResult.value.completed).toBe(false);
    const { value } = await world.until(second);
    expect(value.ok && value.value).toMatchObject({ completed: true, atUs: 2 * SECOND });
    expect(host.snapshot().timeUs).toBe(2 * SECOND);
  });
});

/** The timeline as the page accumulates it from frames (replaced when the epoch changes). */
function timelineOf(frames: Frame[]) {
  let epoch = -1;
  let markers: Frame['timeline']['markers'][number][] = [];
  for (const frame of frames) {
    if (frame.timeline.epoch !== epoch) {
      epoch = frame.timeline.epoch;
      markers = [];
    }
    markers.push(...frame.timeline.markers);
  }
  return markers;
}
