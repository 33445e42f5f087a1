// The host's pacing and frame flow, with a fake wall clock and a hand-run scheduler, so the
// figures are exact: at speed S, simulated time follows S x wall time; a page that has not drawn
// gets no new frame; a host that cannot keep up re-anchors and says it is behind.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineHost, type Frame, type HostClock, type HostScheduler } from '../../src/worker/host';

class FakeWorld implements HostClock, HostScheduler {
  wallMs = 1_000;
  private tasks: { dueMs: number; task: () => void }[] = [];
  /** Wall time each `now()` call costs: a slow machine. */
  costPerReadMs = 0;

  now(): number {
    this.wallMs += this.costPerReadMs;
    return this.wallMs;
  }

  schedule(task: () => void, delayMs: number): void {
    this.tasks.push({ dueMs: this.wallMs + delayMs, task });
  }

  /** Advances the wall clock to `ms` later, running every task that falls due, in order. */
  advance(ms: number): void {
    const endMs = this.wallMs + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      this.tasks.sort((a, b) => a.dueMs - b.dueMs);
      const next = this.tasks[0];
      if (next === undefined || next.dueMs > endMs) break;
      this.tasks.shift();
      this.wallMs = Math.max(this.wallMs, next.dueMs);
      next.task();
    }
    this.wallMs = Math.max(this.wallMs, endMs);
  }
}

function setUp(): { world: FakeWorld; host: EngineHost; frames: Frame[]; draw: () => void } {
  const world = new FakeWorld();
  const host = new EngineHost(world, world);
  const frames: Frame[] = [];
  let release: (() => void) | null = null;
  host.subscribe(
    (frame) =>
      new Promise<void>((resolve) => {
        frames.push(frame);
        release = resolve;
      }),
  );
  const draw = (): void => {
    const done = release;
    release = null;
    done?.();
  };
  return { world, host, frames, draw };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('EngineHost pacing', () => {
  it('at 1x, two wall seconds of play are two simulated seconds', async () => {
    const { world, host } = setUp();
    expect(host.create({}, 1).ok).toBe(true);
    host.play();
    world.advance(2_000);
    host.pause();
    const timeUs = host.snapshot().timeUs;
    // Ticks come every 16 ms, so the clock is within one tick of 2 s.
    expect(timeUs).toBeGreaterThan(2_000_000 - 16_000 - 1);
    expect(timeUs).toBeLessThanOrEqual(2_000_000);
  });

  it('at 100x, one wall second of play is a hundred simulated seconds', () => {
    const { world, host } = setUp();
    host.create({}, 1);
    host.setSpeed(100);
    host.play();
    world.advance(1_000);
    host.pause();
    const seconds = host.snapshot().timeUs / 1_000_000;
    expect(seconds).toBeGreaterThan(98);
    expect(seconds).toBeLessThanOrEqual(100);
  });

  it('pause stops the clock, and step runs exactly one event', () => {
    const { world, host } = setUp();
    host.create({}, 1);
    host.play();
    world.advance(500);
    host.pause();
    const paused = host.snapshot();
    world.advance(5_000);
    expect(host.snapshot().timeUs).toBe(paused.timeUs);
    const entry = host.step();
    expect(entry).not.toBeNull();
    expect(host.snapshot().events).toBe(paused.events + 1);
  });

  it('a machine too slow for the speed re-anchors and reports that it is behind', async () => {
    const { world, host, frames, draw } = setUp();
    host.create({ brokers: 64, probe: { intervalMs: 10, timeoutMs: 50 } }, 1); // ~1M events per simulated second
    world.costPerReadMs = 5; // every look at the clock costs 5 ms: the host gets little done per slice
    host.setSpeed(100);
    host.play();
    for (let i = 0; i < 20; i++) {
      world.advance(50);
      draw();
      await settle();
    }
    host.pause();
    expect(frames.some((frame) => frame.behind)).toBe(true);
    // Far less than 100x the wall time was simulated, and the host did not try to make it all up.
    const wallSeconds = (world.wallMs - 1_000) / 1_000;
    expect(host.snapshot().timeUs / 1_000_000).toBeLessThan(wallSeconds * 100);
  });

  it('sends no new frame until the page has drawn the last one', async () => {
    const { world, host, frames, draw } = setUp();
    host.create({}, 1);
    host.play();
    world.advance(1_000);
    const sent = frames.length;
    world.advance(1_000);
    expect(frames.length).toBe(sent); // the page is still drawing frame `sent`
    draw();
    await settle();
    expect(frames.length).toBe(sent + 1);
    expect(frames.at(-1)!.snapshot.timeUs).toBeGreaterThan(frames[sent - 1]!.snapshot.timeUs);
  });

  it('carries notable events in frames exactly once', async () => {
    const { world, host, frames, draw } = setUp();
    host.create({}, 1);
    host.setSpeed(10);
    host.play();
    for (let i = 0; i < 40; i++) {
      if (i === 5) host.inject({ kind: 'isolate-zone', zone: 'zone-c' });
      world.advance(100);
      draw();
      await settle();
    }
    const notes = frames.flatMap((frame) => frame.snapshot.notable);
    const indices = notes.map((entry) => entry.index);
    expect(new Set(indices).size).toBe(indices.length);
    expect(notes.some((entry) => entry.label.includes('cut zone-c off'))).toBe(true);
    expect(notes.some((entry) => entry.label.includes('lost contact'))).toBe(true);
  });

  it('carries each time-series point in frames exactly once, and the series names only with the first', async () => {
    const { world, host, frames, draw } = setUp();
    host.create({}, 1);
    host.setSpeed(10);
    host.play();
    for (let i = 0; i < 30; i++) {
      world.advance(100);
      draw();
      await settle();
    }
    const carried = frames.flatMap((frame) => frame.snapshot.series?.timesUs ?? []);
    // 30 x 100 ms of wall time at 10x: about 30 simulated seconds, one point each, none twice.
    expect(carried.length).toBeGreaterThanOrEqual(25);
    expect(new Set(carried).size).toBe(carried.length);
    expect(carried).toEqual([...carried].sort((a, b) => a - b));
    const withNames = frames.filter((frame) => (frame.snapshot.series?.meta.length ?? 0) > 0);
    expect(withNames.length).toBeGreaterThanOrEqual(1);
    expect(withNames.at(-1)!.snapshot.series!.timesUs.length).toBeGreaterThan(0);
    const firstPointFrame = frames.findIndex((frame) => (frame.snapshot.series?.timesUs.length ?? 0) > 0);
    expect(frames.slice(firstPointFrame + 1).every((frame) => frame.snapshot.series!.meta.length === 0)).toBe(true);
  });

  it('refuses a bad speed and commands before an engine exists, by name', () => {
    const host = new EngineHost(new FakeWorld(), new FakeWorld());
    expect(() => host.play()).toThrow(/no engine yet: call create/);
    host.create({}, 1);
    expect(() => host.setSpeed(3 as never)).toThrow(/speed: got 3; expected one of 1, 10, 100, max/);
  });
});

describe('EngineHost with a scenario', () => {
  const zoneOutage = readFileSync('public/scenarios/zone-outage.json', 'utf8');
  const golden = JSON.parse(readFileSync('test/golden/zone-outage.golden.json', 'utf8')) as { traceHash: string };

  it('refuses a bad scenario whole, listing every problem, and keeps the engine it had', () => {
    const { host } = setUp();
    host.create({}, 1);
    const before = host.traceHash();
    const bad = host.loadScenario({ name: 'x', duration: '10', timeline: [{ at: '5s', action: { kind: 'crash', process: 'broker-9' } }] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.map((problem) => problem.path)).toEqual(['duration']);
    const worse = host.loadScenario({ name: 'x', duration: '10s', timeline: [{ at: '5s', action: { kind: 'crash', process: 'broker-9' } }, { at: '20s', caption: 'late' }] });
    expect(worse.ok).toBe(false);
    if (!worse.ok) expect(worse.problems.map((problem) => problem.path)).toEqual(['timeline[0].action.process', 'timeline[1].at']);
    expect(host.traceHash()).toBe(before);
  });

  it('stops at the presenter pause, then plays on to the end with the golden trace', async () => {
    const { world, host, frames, draw } = setUp();
    const loaded = host.loadScenario(zoneOutage);
    expect(loaded.ok && loaded.value.name).toBe('A zone goes dark');
    host.setSpeed('max');
    host.play();
    for (let i = 0; i < 200 && host.snapshot().timeUs < 15_000_000; i++) {
      world.advance(20);
      draw();
      await settle();
    }
    draw();
    await settle();
    // Stopped exactly at the pause step, with the presenter's note in the frame.
    expect(host.snapshot().timeUs).toBe(15_000_000);
    const paused = frames.at(-1)!;
    expect(paused.playing).toBe(false);
    expect(paused.scenario?.pausedFor).toMatch(/^Ask the room/);

    host.play();
    for (let i = 0; i < 400 && !frames.at(-1)!.scenario!.done; i++) {
      world.advance(20);
      draw();
      await settle();
    }
    const last = frames.at(-1)!;
    expect(last.scenario!.done).toBe(true);
    expect(last.playing).toBe(false);
    expect(last.snapshot.timeUs).toBe(40_000_000);
    expect(last.scenario!.report!.passed).toBe(true);
    expect(host.traceHash()).toBe(golden.traceHash);
    // Every caption reached the page exactly once, in order.
    const captions = frames.flatMap((frame) => frame.scenario!.moments).filter((moment) => moment.kind === 'caption');
    expect(captions.map((moment) => moment.atUs)).toEqual([0, 10_000_000, 13_100_000, 25_000_000]);
    // A finished scenario does not play again.
    host.play();
    expect(frames.at(-1)!.playing).toBe(false);
  });

  it('a seed override gives another run of the same scenario', () => {
    const { host } = setUp();
    host.loadScenario(zoneOutage, { seed: 12345 });
    host.runFor(40_000_000);
    expect(host.traceHash()).not.toBe(golden.traceHash);
    expect(host.scenarioReport()!.seed).toBe(12345);
  });
});

describe('the final frame of a scenario', () => {
  it('shows every expectation decided, end-of-run ones included', async () => {
    const { world, host, frames, draw } = setUp();
    host.loadScenario({
      name: 'end checks',
      duration: '3s',
      expectations: [{ name: 'everyone up at the end', metric: 'processes.crashed', op: '==', value: 0 }],
    });
    host.setSpeed('max');
    host.play();
    for (let i = 0; i < 100 && !(frames.at(-1)?.scenario?.done ?? false); i++) {
      world.advance(20);
      draw();
      await settle();
    }
    const last = frames.at(-1)!.scenario!;
    expect(last.done).toBe(true);
    expect(last.expectations.map((expectation) => expectation.passed)).toEqual([true]);
  });
});
