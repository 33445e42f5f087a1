// How many held items a frame may refresh (issue 7, item 9), for the topology's cards
// (card-refresh.ts) and the partitions panel's rows held off screen (rows-held.ts). Their figures
// come due on phases of a wall-time period; without a bound a frame refreshed whatever fell due
// since the frame before, so after any gap (a slow frame, a slow worker task, a GC) a third to two
// thirds of the cards or rows came due in one frame (11 to 20 broker cards in one commit where ~5
// were meant, 30 to 60 replica bars in one deferred commit, `bench/page.ts --detail`), which made
// that frame slow and so the next gap. Here a frame refreshes at most `refreshBudget` of the items
// due, those due longest first, and the rest wait for the next frames.
//
// The bound: an item due waits behind at most the other count - 1 items (each refreshed one is due
// again only a period later, behind it), so it refreshes within ceil(count / budget) frames of
// coming due (`maxWaitFrames`). At a steady frame rate the budget is REFRESH_BUDGET_SLACK times
// the items a frame brings due, so nothing waits and each item refreshes as often as before.
//
// Owns: the frames' interval (the median of the last FRAME_WINDOW playing intervals: one slow frame
// does not move it, a page that stays slow does within half the window) and the budget. Pure: the
// wall clock comes in as an argument. Never: decides what is state (never held) or reads a clock.

/** Playing intervals kept to estimate the page's frame interval. */
export const FRAME_WINDOW = 7;

/** A gap between two playing frames longer than this (a tab in the background, a long rebuild) is not a frame interval. */
export const FRAME_GAP_MS_MAX = 1_000;

/**
 * The budget's margin over the items a frame brings due at the measured rate: a backlog after a
 * gap drains at (slack - 1) of a frame's share per frame, and a frame whose phases bunch (the
 * shares are ceilings of fractions) is not cut.
 */
export const REFRESH_BUDGET_SLACK = 1.5;

/**
 * The playing intervals after a frame `gapMs` after the one before (null: the frame before was not
 * a playing one, or this one is not): the newest FRAME_WINDOW, oldest first. A gap out of range is
 * not an interval; the list is the same object when nothing is added.
 */
export function nextIntervalsMs(intervalsMs: readonly number[], gapMs: number | null): readonly number[] {
  if (gapMs === null || gapMs <= 0 || gapMs > FRAME_GAP_MS_MAX) return intervalsMs;
  const next = intervalsMs.length < FRAME_WINDOW ? intervalsMs.slice() : intervalsMs.slice(1);
  next.push(gapMs);
  return next;
}

/** The page's frame interval: the median of the intervals (the lower middle of an even count); 0 when there are none. */
export function frameIntervalMs(intervalsMs: readonly number[]): number {
  if (intervalsMs.length === 0) return 0;
  const sorted = intervalsMs.slice().sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1]!;
}

/**
 * The most items of `count` whose figures a frame refreshes, each item due once per `periodMs`,
 * frames `frameMs` apart: REFRESH_BUDGET_SLACK times the items a frame brings due (count * frameMs
 * / periodMs), at least one; before an interval is known (`frameMs` 0), `unknownShare` of them.
 */
export function refreshBudget(count: number, frameMs: number, periodMs: number, unknownShare: number): number {
  if (count <= 0) return 0;
  const share = frameMs > 0 ? Math.min(1, frameMs / periodMs) * REFRESH_BUDGET_SLACK : unknownShare;
  return Math.min(count, Math.max(1, Math.ceil(count * share)));
}

/** The most frames an item due waits for its refresh, `budget` refreshes a frame among `count` items. */
export function maxWaitFrames(count: number, budget: number): number {
  return Math.ceil(count / Math.max(1, budget));
}

/**
 * Which of the items due this frame refresh: all when they are `budget` or fewer, else the
 * `budget` due longest (the smallest `dueMs`; ties in list order). Returns the indices (into
 * `dueMs`) chosen, as a set; `null` means all.
 */
export function longestDue(dueMs: readonly number[], budget: number): ReadonlySet<number> | null {
  if (dueMs.length <= budget) return null;
  const order = dueMs.map((_, index) => index).sort((a, b) => dueMs[a]! - dueMs[b]! || a - b);
  return new Set(order.slice(0, budget));
}
