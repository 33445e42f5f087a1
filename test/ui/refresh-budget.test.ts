// The budget of held refreshes a frame may make (ui/refresh-budget.ts): the frames' interval is the
// median of the last few playing intervals, so one slow frame does not raise the budget of the
// frames after it (a moving average did: one 200 ms frame among 32 ms ones raised it ~2.3x for the
// next frame), while a page that stays slow raises it within half the window; the budget is 1.5
// times a frame's share of the items, and the longest due go first.
import { describe, expect, it } from 'vitest';
import { FRAME_GAP_MS_MAX, FRAME_WINDOW, frameIntervalMs, longestDue, maxWaitFrames, nextIntervalsMs, refreshBudget } from '../../src/ui/refresh-budget';

describe("a frame's budget of held refreshes", () => {
  it('the interval is the median of the last FRAME_WINDOW playing intervals: one slow frame leaves it, a slow page moves it', () => {
    let intervals: readonly number[] = [];
    for (let frame = 0; frame < 10; frame++) intervals = nextIntervalsMs(intervals, 32);
    expect(intervals).toHaveLength(FRAME_WINDOW);
    expect(frameIntervalMs(intervals)).toBe(32);
    intervals = nextIntervalsMs(intervals, 400);
    expect(frameIntervalMs(intervals)).toBe(32);
    // Not intervals: a gap past FRAME_GAP_MS_MAX, none at all (an exact frame), a clock that did not move.
    for (const gap of [FRAME_GAP_MS_MAX + 1, null, 0]) expect(nextIntervalsMs(intervals, gap)).toBe(intervals);
    // A page that stays at 100 ms a frame: the median moves once half the window is slow.
    for (let frame = 0; frame < 3; frame++) intervals = nextIntervalsMs(intervals, 100);
    expect(frameIntervalMs(intervals)).toBe(100);
    expect(frameIntervalMs([])).toBe(0);
  });

  it('is 1.5 times the items a frame brings due, at least one, at most all; a share of them before an interval is known', () => {
    expect(refreshBudget(40, 32, 250, 1 / 3)).toBe(8);
    expect(refreshBudget(40, 100, 300, 1 / 3)).toBe(20);
    expect(refreshBudget(48, 33, 1_000, 1 / 3)).toBe(3);
    expect(refreshBudget(2, 1, 1_000, 1 / 3)).toBe(1);
    expect(refreshBudget(5, 2_000, 250, 1 / 3)).toBe(5);
    expect(refreshBudget(40, 0, 250, 1 / 3)).toBe(14);
    expect(refreshBudget(0, 32, 250, 1 / 3)).toBe(0);
    expect(maxWaitFrames(40, 8)).toBe(5);
    expect(maxWaitFrames(48, 3)).toBe(16);
  });

  it('chooses the items due longest, ties in list order, and all when they fit', () => {
    expect(longestDue([5, 1, 3], 3)).toBeNull();
    expect([...longestDue([5, 1, 3, 1, 0], 3)!].sort()).toEqual([1, 3, 4]);
    expect([...longestDue([2, 2, 2, 2], 2)!].sort()).toEqual([0, 1]);
  });
});
