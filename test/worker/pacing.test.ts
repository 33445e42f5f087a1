// Paced play when work costs wall time. The fake world's clock moves with the events the engine
// runs (a fixed cost per event, as a real worker's CPU does), and can stall (a descheduled worker,
// a long garbage collection). Two promises of EngineHost's pacing are checked:
//  - a slice yields within about PACED_SLICE_WALL_MS however far behind the run is, so commands
//    and the page's acknowledgements are served between slices (one call once ran 20,000 events);
//  - a stall is made up while the engine gains on its target, up to LAG_KEPT_MAX_MS of it; only
//    the excess is given up (the whole lag was once thrown away after one long chunk of work).
import { describe, expect, it } from 'vitest';
import { EngineHost, LAG_KEPT_MAX_MS, PACED_SLICE_WALL_MS, type HostClock, type HostScheduler } from '../../src/worker/host';

class CostlyWorld implements HostClock, HostScheduler {
  private baseMs = 1_000;
  private eventsAtBase = 0;
  private tasks: { dueMs: number; task: () => void }[] = [];
  events: () => number = () => 0;

  constructor(private readonly costPerEventMs: number) {}

  now(): number {
    return this.baseMs + (this.events() - this.eventsAtBase) * this.costPerEventMs;
  }

  schedule(task: () => void, delayMs: number): void {
    this.tasks.push({ dueMs: this.now() + delayMs, task });
  }

  /** Wall time passes without the worker running (it was descheduled). */
  stall(ms: number): void {
    this.sync(this.now() + ms);
  }

  /** Runs every task due up to `ms` from now, in order; the clock moves with their events. */
  advance(ms: number): void {
    const endMs = this.now() + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      this.tasks.sort((a, b) => a.dueMs - b.dueMs);
      const next = this.tasks[0];
      if (next === undefined || next.dueMs > endMs || this.now() > endMs) break;
      this.tasks.shift();
      this.sync(Math.max(this.now(), next.dueMs));
      next.task();
    }
    this.sync(Math.max(this.now(), endMs));
  }

  private sync(ms: number): void {
    this.baseMs = ms;
    this.eventsAtBase = this.events();
  }
}

/** A host on a costly world, recording each slice's wall time (from the world's clock). */
function setUp(costPerEventMs: number): { world: CostlyWorld; host: EngineHost; slicesMs: number[] } {
  const world = new CostlyWorld(costPerEventMs);
  const host = new EngineHost(world, world);
  world.events = () => {
    try {
      return host.headMoment().events;
    } catch {
      return 0; // no engine yet
    }
  };
  const slicesMs: number[] = [];
  const tick = host.tick.bind(host);
  host.tick = () => {
    const startMs = world.now();
    tick();
    slicesMs.push(world.now() - startMs);
  };
  return { world, host, slicesMs };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('EngineHost pacing when work costs wall time', () => {
  it('far behind after a stall, each slice still yields within about PACED_SLICE_WALL_MS', () => {
    // The default cluster runs ~260 events per simulated second; at 0.01 ms each, 10x costs ~26 ms per wall second.
    const { world, host, slicesMs } = setUp(0.01);
    host.create({}, 1);
    host.setSpeed(10);
    host.play();
    world.advance(1_000);
    world.stall(5_000); // 50 simulated seconds due at once: ~13,000 events
    slicesMs.length = 0;
    world.advance(1_000);
    host.pause();
    expect(slicesMs.length).toBeGreaterThan(5);
    // A slice checks the clock every SLICE_EVENTS_MAX events (~10 ms of work here), so it ends within that of its budget.
    expect(Math.max(...slicesMs)).toBeLessThanOrEqual(PACED_SLICE_WALL_MS + 10 + 1);
  });

  it('a stall of up to LAG_KEPT_MAX_MS is made up in full while the engine gains on its target', () => {
    // ~260 events per simulated second at 0.01 ms each: the engine can run ~380x, so at 100x it gains.
    const { world, host } = setUp(0.01);
    host.create({}, 1);
    host.setSpeed(100);
    host.play();
    world.advance(1_000);
    // ~99 simulated seconds fall due at once. Sliced at SLICE_WALL_MS, the run is far behind after
    // its first slice; it must not give any of it up while it gains (the old host made it up in
    // one 200 ms call that answered nothing meanwhile).
    world.stall(LAG_KEPT_MAX_MS - 10);
    world.advance(1_010);
    host.pause();
    // 3 wall seconds at 100x, every second of it, within a couple of sleeps between slices.
    expect(host.headMoment().atUs / 1_000_000).toBeGreaterThan(300 - 2);
    expect(host.pacingStats().lagCutMs).toBe(0);
  });

  it('a longer stall gives up only its excess over LAG_KEPT_MAX_MS', () => {
    const { world, host } = setUp(0.01);
    host.create({}, 1);
    host.setSpeed(100);
    host.play();
    world.advance(1_000);
    world.stall(3_000);
    world.advance(2_000);
    host.pause();
    // 6 wall seconds at 100x, less the 2 s of the stall beyond LAG_KEPT_MAX_MS.
    const givenUpS = ((3_000 - LAG_KEPT_MAX_MS) * 100) / 1_000;
    const simulatedS = host.headMoment().atUs / 1_000_000;
    expect(simulatedS).toBeGreaterThan(600 - givenUpS - 2);
    // The first slice after the stall runs before the lag is measured: up to its work more
    // (PACED_SLICE_WALL_MS and a chunk at 0.01 ms an event: ~5,000 events, under 20 simulated s here).
    expect(simulatedS).toBeLessThanOrEqual(600 - givenUpS + 20);
  });

  it('slices that end short of their target do not show as behind; a lag that stays does', async () => {
    const { world, host } = setUp(0.12);
    const frames: boolean[] = [];
    host.subscribe((frame) => void frames.push(frame.behind));
    host.create({}, 1);
    host.setSpeed(10);
    host.play();
    for (let i = 0; i < 20; i++) {
      world.advance(100);
      await settle(); // the page drew the last frame
    }
    expect(frames.length).toBeGreaterThan(15);
    expect(frames.some((behind) => behind)).toBe(false);
    world.stall(LAG_KEPT_MAX_MS); // a slice makes up only part of it: more than BEHIND_LAG_MS remains
    world.advance(1);
    await settle();
    expect(frames.at(-1)).toBe(true);
    world.advance(1_000); // caught up again
    await settle();
    expect(frames.at(-1)).toBe(false);
    host.pause();
  });
});
