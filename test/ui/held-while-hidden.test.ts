// A panel off screen while the run plays shows its input at most a second old, and costs nothing
// in between; on screen, or paused, it shows every value as it comes (use-held-while-hidden.ts).
import { describe, expect, it } from 'vitest';
import { HELD_PHASE_MS, HIDDEN_REFRESH_MS, nextHeld, type Held } from '../../src/ui/use-held-while-hidden';

/** Feeds values at the given times and returns what the panel showed after each. */
function play(frames: readonly { value: number; nowMs: number; visible: boolean; live: boolean }[], phaseMs = 0): { shown: number[]; waits: (number | null)[] } {
  let held: Held<number> | null = null;
  const shown: number[] = [];
  const waits: (number | null)[] = [];
  for (const frame of frames) {
    const decision: { held: Held<number>; waitMs: number | null } = nextHeld(held, frame.value, { ...frame, phaseMs });
    held = decision.held;
    shown.push(decision.held.value);
    waits.push(decision.waitMs);
  }
  return { shown, waits };
}

describe('a panel held while hidden', () => {
  it('off screen and playing, shows a new value at most once per HIDDEN_REFRESH_MS, and says when to look again', () => {
    const frames = [0, 100, 200, 900, 1_000, 1_100].map((nowMs, index) => ({ value: index, nowMs, visible: false, live: true }));
    const { shown, waits } = play(frames);
    // The first value shows at once; the next ones wait until a second has passed since it.
    expect(shown).toEqual([0, 0, 0, 0, 4, 4]);
    expect(waits).toEqual([null, HIDDEN_REFRESH_MS - 100, HIDDEN_REFRESH_MS - 200, HIDDEN_REFRESH_MS - 900, null, HIDDEN_REFRESH_MS - 100]);
  });

  it('with no new frame, the timer it asked for shows the newest value once the second has passed', () => {
    let held: Held<string> | null = nextHeld(null, 'first', { nowMs: 0, visible: false, live: true, phaseMs: 0 }).held;
    const waiting = nextHeld(held, 'second', { nowMs: 300, visible: false, live: true, phaseMs: 0 });
    expect(waiting.held.value).toBe('first');
    held = waiting.held;
    // The wake-up re-renders with the same newest value at the time asked for.
    const woken = nextHeld(held, 'second', { nowMs: 300 + waiting.waitMs!, visible: false, live: true, phaseMs: 0 });
    expect(woken.held.value).toBe('second');
    expect(woken.waitMs).toBeNull();
  });

  it('on screen, every value shows as it comes', () => {
    const frames = [0, 16, 33, 50].map((nowMs, index) => ({ value: index, nowMs, visible: true, live: true }));
    expect(play(frames).shown).toEqual([0, 1, 2, 3]);
  });

  it('paused (not live), a hidden panel is exact at once: a screen reader reads the moment shown', () => {
    const frames = [
      { value: 0, nowMs: 0, visible: false, live: true },
      { value: 1, nowMs: 100, visible: false, live: true },
      { value: 2, nowMs: 150, visible: false, live: false },
    ];
    expect(play(frames).shown).toEqual([0, 0, 2]);
  });

  it('scrolled back into view, the newest value shows at once', () => {
    const frames = [
      { value: 0, nowMs: 0, visible: false, live: true },
      { value: 1, nowMs: 100, visible: false, live: true },
      { value: 1, nowMs: 120, visible: true, live: true },
    ];
    expect(play(frames).shown).toEqual([0, 0, 1]);
  });

  it('on a phase, refreshes when the period of its phase turns, and says when that is', () => {
    const frames = [0, 100, 200, 333, 400, 1_300, 1_340].map((nowMs, index) => ({ value: index, nowMs, visible: false, live: true }));
    const { shown, waits } = play(frames, 333);
    // Taken at 0 (in the period that began at -667), the next turn is at 333, then 1,333.
    expect(shown).toEqual([0, 0, 0, 3, 3, 3, 6]);
    expect(waits).toEqual([null, 233, 133, null, 933, 33, null]);
  });

  it('takes the panels in turns: at 30 frames a second, no frame refreshes two held panels, and none shows a value older than a period and a frame', () => {
    // The held panels mount in one commit and render in every deferred commit (App's DeferredPanels):
    // without phases they all refreshed in the same commit, once a second, for ever.
    const phases = Object.values(HELD_PHASE_MS);
    expect(new Set(phases).size).toBe(phases.length);
    const held: (Held<number> | null)[] = phases.map(() => null);
    const frameMs = 33;
    let refreshesInOneFrameMax = 0;
    let ageMaxMs = 0;
    const refreshes = phases.map(() => 0);
    for (let frame = 0; frame < 300; frame++) {
      const nowMs = 5_017 + frame * frameMs;
      let refreshed = 0;
      phases.forEach((phaseMs, panel) => {
        const before = held[panel];
        const decision = nextHeld(before ?? null, frame, { nowMs, visible: false, live: true, phaseMs });
        held[panel] = decision.held;
        if (frame > 0 && decision.held !== before) {
          refreshed++;
          refreshes[panel]!++;
        }
        ageMaxMs = Math.max(ageMaxMs, nowMs - decision.held.atMs);
      });
      refreshesInOneFrameMax = Math.max(refreshesInOneFrameMax, refreshed);
    }
    expect(refreshesInOneFrameMax).toBe(1);
    expect(ageMaxMs).toBeLessThanOrEqual(HIDDEN_REFRESH_MS + frameMs);
    // About 9.9 s played: each panel refreshed once a second, no more.
    for (const count of refreshes) {
      expect(count).toBeGreaterThanOrEqual(9);
      expect(count).toBeLessThanOrEqual(10);
    }
  });
});
