// Holds a panel's input while the panel is away from the viewport and the run plays, refreshing it
// at most every HIDDEN_REFRESH_MS (issue 7, item 9). The panels below the topology are off screen
// most of the time, yet at 30 brokers and 10x each frame re-rendered ~60 partition rows, five
// screen-reader tables and the metadata log's arriving rows, and their DOM writes (styles,
// aria-labels, titles, text) were the largest part of the deferred commit although the browser
// neither lays out nor paints them there (perf.css, content-visibility). Held, they cost nothing
// between refreshes and stay correct to the second for a screen reader, which reads them off screen.
//
// Owns: one IntersectionObserver per panel and a timer that shows the newest value once the
// interval has passed even when no new value comes (a run paused off screen converges at once:
// `live` false shows every value as it comes).
// Never: holds a panel on screen (or within HIDDEN_MARGIN_PX of it), or delays a paused run's value.

import { startTransition, useEffect, useReducer, useRef, useState, type RefObject } from 'react';

/** A hidden panel shows a value at most this old while the run plays. */
export const HIDDEN_REFRESH_MS = 1_000;
/**
 * The timer's wait beyond the refresh: while frames arrive (a few per second even under load), the
 * first render past the refresh shows the newest value and cancels the timer, so the timer adds
 * no render of its own; it fires only when frames stopped coming. At 250 ms it still fired about
 * twice a second at 30 brokers (the deferred renders came ~400 ms apart), each a commit of its own.
 */
export const WAKE_GRACE_MS = 1_000;
/**
 * How far from the viewport a panel still counts as on screen (it is drawn before it shows): a few
 * frames of scrolling. At 300 px the KRaft row, 231 px below the fold at 1440x900, counted as shown
 * and re-rendered its voters and arriving records in every frame that nobody saw.
 */
export const HIDDEN_MARGIN_PX = 100;

/**
 * Where in each HIDDEN_REFRESH_MS period a held panel takes its turn, in milliseconds (issue 7, item
 * 9: at most one large deferred commit per frame). A panel held whole refreshes when the period of
 * its phase turns, as a partition row does on its own (rows-held.ts). Without phases every held panel
 * took the newest value in the same deferred commit, once a second for ever (they mount together,
 * and each refresh restarted their seconds together): the KRaft row (the quorum's voters and the
 * metadata log's rows), the charts with their screen-reader tables and the network panel, in one
 * frame with that frame's cards. The KRaft row's two panels keep one turn: they share a grid row,
 * and one refresh lays it out and re-layerizes once.
 */
export const HELD_PHASE_MS = { kraft: 0, metrics: HIDDEN_REFRESH_MS / 3, network: (2 * HIDDEN_REFRESH_MS) / 3 } as const;

/** The refresh period of phase `phaseMs` that `nowMs` lies in: periods last HIDDEN_REFRESH_MS and start at the phase. */
export function heldPeriodOf(nowMs: number, phaseMs: number): number {
  return Math.floor((nowMs - phaseMs) / HIDDEN_REFRESH_MS);
}

/** What a panel shows, and since when (performance.now() milliseconds). */
export interface Held<T> {
  readonly value: T;
  readonly atMs: number;
}

/**
 * The pure decision: what to show now, and in how many milliseconds to look again (null: the
 * newest value is shown). The newest value shows at once when the panel is on screen or the run is
 * not playing; otherwise once the period of the panel's phase (HELD_PHASE_MS) has turned since the
 * value shown was taken: at most once a period, never older than a period and a frame.
 */
export function nextHeld<T>(
  held: Held<T> | null,
  value: T,
  at: { readonly nowMs: number; readonly visible: boolean; readonly live: boolean; readonly phaseMs: number },
): { held: Held<T>; waitMs: number | null } {
  const next =
    held === null || at.visible || !at.live || heldPeriodOf(at.nowMs, at.phaseMs) > heldPeriodOf(held.atMs, at.phaseMs) ? { value, atMs: at.nowMs } : held;
  const turnMs = (heldPeriodOf(next.atMs, at.phaseMs) + 1) * HIDDEN_REFRESH_MS + at.phaseMs;
  return { held: next, waitMs: next.value === value ? null : Math.max(0, turnMs - at.nowMs) };
}

/**
 * As useHeldUnlessShown, for a panel whose parent decides what it shows (App's DeferredPanels): the
 * element comes as a value, from the panel's callback ref, since the panel may mount after the
 * parent (a ref read once in the parent's first effect would still be empty), and the parent passes
 * a held panel the same props, so that it skips the deferred commits in which it holds.
 */
export function useHeldWhileHiddenAt<T>(value: T, element: Element | null, live: boolean, phaseMs: number): T {
  return useHeldUnlessShown(value, useElementOnScreen(element), live, phaseMs);
}

/**
 * As useOnScreen, for an element given as a value: true until the observer of this very element
 * says otherwise (a panel mounted again starts on screen, as a panel's own useOnScreen does).
 */
export function useElementOnScreen(element: Element | null): boolean {
  const [seen, setSeen] = useState<{ readonly element: Element; readonly visible: boolean } | null>(null);
  useEffect(() => (element === null ? undefined : observeNearScreen(element, (visible) => setSeen({ element, visible }))), [element]);
  return seen === null || seen.element !== element ? true : seen.visible;
}

/** Whether `element` is on screen or within HIDDEN_MARGIN_PX of it (true until the observer says otherwise, and where there is none). */
export function useOnScreen(element: RefObject<Element | null>): boolean {
  const [visible, setVisible] = useState(true);
  useEffect(() => {
    const target = element.current;
    return target === null ? undefined : observeNearScreen(target, setVisible);
  }, [element]);
  return visible;
}

/**
 * Tells `onChange` whether `target` is on screen or within HIDDEN_MARGIN_PX of it, each time that
 * changes; returns what stops it (nothing to stop where there is no IntersectionObserver).
 */
function observeNearScreen(target: Element, onChange: (visible: boolean) => void): (() => void) | undefined {
  if (typeof IntersectionObserver === 'undefined') return undefined;
  const observer = new IntersectionObserver((entries) => onChange(entries.at(-1)?.isIntersecting ?? true), { rootMargin: `${HIDDEN_MARGIN_PX}px 0px` });
  observer.observe(target);
  return () => observer.disconnect();
}

/**
 * `value` when `live` is false (paused: exact), otherwise refreshed once a HIDDEN_REFRESH_MS period
 * of phase `phaseMs` turns: for what nobody sees, on screen or not (a chart's screen-reader table).
 */
export function useThrottledWhileLive<T>(value: T, live: boolean, phaseMs: number): T {
  return useHeldUnlessShown(value, false, live, phaseMs);
}

/**
 * `value` while the panel is on screen (`onScreen`, from useOnScreen or useElementOnScreen, which
 * the panel may use for more: the metadata log's rows arriving off screen do not highlight) or
 * `live` is false (paused: exact); otherwise the value last shown, replaced by the newest once a
 * HIDDEN_REFRESH_MS period of phase `phaseMs` turns.
 */
export function useHeldUnlessShown<T>(value: T, onScreen: boolean, live: boolean, phaseMs: number): T {
  const held = useRef<Held<T> | null>(null);
  const [, wake] = useReducer((count: number) => count + 1, 0);

  // Decided in render (a ref, not state) so a held frame costs no second render; a render React
  // throws away may move the held value forward early, which shows a newer value, never a wrong one.
  const decision = nextHeld(held.current, value, { nowMs: performance.now(), visible: onScreen, live, phaseMs });
  held.current = decision.held;

  // A newer value than the one shown: show it once the interval has passed, even if no frame comes
  // (as background work, like the deferred panels' own renders).
  const { waitMs } = decision;
  useEffect(() => {
    if (waitMs === null) return;
    const timer = setTimeout(() => startTransition(wake), waitMs + WAKE_GRACE_MS);
    return () => clearTimeout(timer);
  }, [waitMs, value]);
  return decision.held.value;
}
