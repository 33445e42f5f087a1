// Holds each row of a list panel while the panel is away from the viewport and the run plays, as
// use-held-while-hidden.ts holds a whole panel, but each row on its own phase of the refresh
// interval (issue 7, item 9). The partitions panel held whole refreshed all its changed rows in one
// deferred commit once a second (at 30 brokers and 10x ~96 rows and ~144 replica bars: 250
// components and their DOM writes in one frame, among the slowest frames of a run); row by row,
// each deferred commit refreshes the few rows whose phase came (48 rows over ~30 commits a second:
// one or two).
//
// A render refreshes at most `refreshBudget` of the rows due (refresh-budget.ts: 1.5 times the rows
// a render brings due at the renders' measured interval, 3 of 48 at 30 a second), those due
// longest first; the others wait for the next renders. Before the bound a render refreshed every
// row whose period turned since the render before, so after a gap 30 to 60 replica bars (10 to 20
// rows) came in one deferred commit (`bench/page.ts --detail`; the twenty-first session). The
// staleness bound: a row's value comes due HIDDEN_REFRESH_MS at most after it was taken and
// refreshes within maxWaitFrames(rows, budget) renders of coming due (16 at 48 rows and 3), so no
// row shows a value older than HIDDEN_REFRESH_MS plus that many renders; once renders stop, the
// timer shows every row's newest value.
//
// Owns: one IntersectionObserver per list, a map of the rows held (bounded by the rows drawn), the
// renders' last intervals, and a timer that refreshes the rows once frames stop coming.
// Never: holds a row on screen (or within HIDDEN_MARGIN_PX of it), or delays a paused run's value.

import { startTransition, useEffect, useReducer, useRef, type RefObject } from 'react';
import { frameIntervalMs, longestDue, nextIntervalsMs, refreshBudget } from './refresh-budget';
import { HIDDEN_REFRESH_MS, WAKE_GRACE_MS, useOnScreen } from './use-held-while-hidden';

/** The share of the rows a render may refresh before the renders' interval is known (two playing renders). */
const ROWS_SHARE_UNKNOWN = 1 / 3;

/** A row as shown, and the wall time (ms) from which it is due for a refresh: the end of the period (of its own phase) it was taken in. */
export interface HeldRow<T> {
  readonly value: T;
  readonly dueMs: number;
}

/** The rows held, and the clock of the renders that held them. */
export interface HeldRows<T> {
  readonly rows: ReadonlyMap<string, HeldRow<T>>;
  /** The wall time of the last playing render (null: none, or the last was paused). */
  readonly nowMs: number | null;
  /** The playing renders' last intervals (refresh-budget.ts's nextIntervalsMs). */
  readonly intervalsMs: readonly number[];
}

/** No rows held yet. */
export function noRowsHeld<T>(): HeldRows<T> {
  return { rows: new Map(), nowMs: null, intervalsMs: [] };
}

/** Row `index` of `count`'s refresh period at `nowMs`: periods last HIDDEN_REFRESH_MS, each row's offset by its place in the list. */
export function periodOf(index: number, count: number, nowMs: number): number {
  return Math.floor((nowMs + (index / Math.max(1, count)) * HIDDEN_REFRESH_MS) / HIDDEN_REFRESH_MS);
}

/** When row `index` of `count`, taken at `nowMs`, is due again: the end of its period. */
export function rowDueMs(index: number, count: number, nowMs: number): number {
  return (periodOf(index, count, nowMs) + 1) * HIDDEN_REFRESH_MS - (index / Math.max(1, count)) * HIDDEN_REFRESH_MS;
}

/**
 * The pure decision: the rows to show and the rows held for next time. A row shows its newest value
 * when the list is on screen, the run is not playing, `flush` is asked (frames stopped coming) or the
 * row is new; when its period has turned since the value shown was taken, it shows the newest value
 * if it is among the `budget` rows due longest; otherwise the value shown before. `held` is not changed.
 */
export function nextRows<T>(
  held: HeldRows<T>,
  rows: readonly T[],
  keyOf: (row: T) => string,
  at: { readonly nowMs: number; readonly visible: boolean; readonly live: boolean; readonly flush?: boolean },
): { shown: T[]; held: HeldRows<T>; pending: boolean; budget: number } {
  const exact = at.visible || !at.live || at.flush === true;
  const intervalsMs = nextIntervalsMs(held.intervalsMs, at.live && held.nowMs !== null ? at.nowMs - held.nowMs : null);
  const budget = refreshBudget(rows.length, frameIntervalMs(intervalsMs), HIDDEN_REFRESH_MS, ROWS_SHARE_UNKNOWN);
  const next = new Map<string, HeldRow<T>>();
  const shown: T[] = [];
  /** The rows due: their places in `rows`, and since when. */
  const dueIndices: number[] = [];
  const dueSinceMs: number[] = [];
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]!;
    const key = keyOf(row);
    const before = held.rows.get(key);
    let kept: HeldRow<T>;
    if (exact || before === undefined) kept = { value: row, dueMs: rowDueMs(index, rows.length, at.nowMs) };
    else {
      kept = before;
      // A value that did not change needs no refresh; it stays due, and refreshes once it changes.
      if (before.value !== row && at.nowMs >= before.dueMs) {
        dueIndices.push(index);
        dueSinceMs.push(before.dueMs);
      }
    }
    next.set(key, kept);
    shown.push(kept.value);
  }
  const chosen = longestDue(dueSinceMs, budget);
  dueIndices.forEach((index, dueIndex) => {
    if (chosen !== null && !chosen.has(dueIndex)) return;
    const row = rows[index]!;
    next.set(keyOf(row), { value: row, dueMs: rowDueMs(index, rows.length, at.nowMs) });
    shown[index] = row;
  });
  let pending = false;
  for (let index = 0; index < rows.length && !pending; index++) pending = shown[index] !== rows[index];
  return { shown, held: { rows: next, nowMs: at.live ? at.nowMs : null, intervalsMs }, pending, budget };
}

/**
 * `rows` while `element` is on screen or `live` is false (paused: exact); otherwise each row as
 * last shown, each refreshed with the newest at most every HIDDEN_REFRESH_MS on its own phase, at
 * most `refreshBudget` rows a render. Rows keep the newest order and membership at once; only their
 * values are held.
 */
export function useRowsHeldWhileHidden<T>(rows: readonly T[], keyOf: (row: T) => string, element: RefObject<Element | null>, live: boolean): readonly T[] {
  const visible = useOnScreen(element);
  const held = useRef<HeldRows<T>>(noRowsHeld());
  const [wakes, wake] = useReducer((count: number) => count + 1, 0);
  // A render the timer woke (frames stopped coming) shows every row's newest value.
  const wakesSeen = useRef(wakes);
  const flush = wakes !== wakesSeen.current;
  wakesSeen.current = wakes;
  // Decided in render (a ref, not state), as use-held-while-hidden.ts does: a held row costs no second render.
  const decision = nextRows(held.current, rows, keyOf, { nowMs: performance.now(), visible, live, flush });
  held.current = decision.held;

  // Rows older than the newest: refresh them once frames stop coming (each new frame re-arms this).
  const { pending } = decision;
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(() => startTransition(wake), HIDDEN_REFRESH_MS + WAKE_GRACE_MS);
    return () => clearTimeout(timer);
  }, [pending, rows]);
  return decision.shown;
}
