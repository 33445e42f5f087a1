// Holds each row of a list panel while the panel is away from the viewport and the run plays, as
// use-held-while-hidden.ts holds a whole panel, but each row on its own phase of the refresh
// interval (issue 7, item 9). The partitions panel held whole refreshed all its changed rows in one
// deferred commit once a second (at 30 brokers and 10x ~96 rows and ~144 replica bars: 250
// components and their DOM writes in one frame, among the slowest frames of a run); row by row,
// each deferred commit refreshes the few rows whose phase came (48 rows over ~30 commits a second:
// one or two), and no row shows a value older than HIDDEN_REFRESH_MS, as before.
//
// Owns: one IntersectionObserver per list, a map of the rows held (bounded by the rows drawn),
// and a timer that refreshes the rows once frames stop coming.
// Never: holds a row on screen (or within HIDDEN_MARGIN_PX of it), or delays a paused run's value.

import { startTransition, useEffect, useReducer, useRef, type RefObject } from 'react';
import { HIDDEN_REFRESH_MS, WAKE_GRACE_MS, useOnScreen } from './use-held-while-hidden';

/** A row as shown, and the refresh period (of its own phase) it was taken in. */
export interface HeldRow<T> {
  readonly value: T;
  readonly period: number;
}

/** Row `index` of `count`'s refresh period at `nowMs`: periods last HIDDEN_REFRESH_MS, each row's offset by its place in the list. */
export function periodOf(index: number, count: number, nowMs: number): number {
  return Math.floor((nowMs + (index / Math.max(1, count)) * HIDDEN_REFRESH_MS) / HIDDEN_REFRESH_MS);
}

/**
 * The pure decision: the rows to show and the rows held for next time. A row shows its newest value
 * when the list is on screen, the run is not playing, the row is new, or its period has turned since
 * the value shown was taken; otherwise the value shown before. `held` is not changed.
 */
export function nextRows<T>(
  held: ReadonlyMap<string, HeldRow<T>>,
  rows: readonly T[],
  keyOf: (row: T) => string,
  at: { readonly nowMs: number; readonly visible: boolean; readonly live: boolean },
): { shown: T[]; held: Map<string, HeldRow<T>>; pending: boolean } {
  const next = new Map<string, HeldRow<T>>();
  const shown: T[] = [];
  let pending = false;
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]!;
    const key = keyOf(row);
    const period = periodOf(index, rows.length, at.nowMs);
    const before = held.get(key);
    const kept = before !== undefined && !at.visible && at.live && before.period === period ? before : { value: row, period };
    next.set(key, kept);
    shown.push(kept.value);
    if (kept.value !== row) pending = true;
  }
  return { shown, held: next, pending };
}

/**
 * `rows` while `element` is on screen or `live` is false (paused: exact); otherwise each row as
 * last shown, each refreshed with the newest at most every HIDDEN_REFRESH_MS on its own phase.
 * Rows keep the newest order and membership at once; only their values are held.
 */
export function useRowsHeldWhileHidden<T>(rows: readonly T[], keyOf: (row: T) => string, element: RefObject<Element | null>, live: boolean): readonly T[] {
  const visible = useOnScreen(element);
  const held = useRef<ReadonlyMap<string, HeldRow<T>>>(new Map());
  const [, wake] = useReducer((count: number) => count + 1, 0);
  // Decided in render (a ref, not state), as use-held-while-hidden.ts does: a held row costs no second render.
  const decision = nextRows(held.current, rows, keyOf, { nowMs: performance.now(), visible, live });
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
