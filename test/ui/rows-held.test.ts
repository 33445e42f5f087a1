// Rows held while their panel is off screen (ui/rows-held.ts), as the partitions panel shows 48
// partitions at 30 brokers and 10x: a new value for every row in every frame (~30 a second).
// Held whole, all 48 rows changed in the one frame a second the panel refreshed; row by row,
// each frame refreshes one or two, and no row shows a value older than the refresh interval.
import { describe, expect, it } from 'vitest';
import { nextRows, noRowsHeld, periodOf, type HeldRows } from '../../src/ui/rows-held';
import { maxWaitFrames } from '../../src/ui/refresh-budget';
import { HIDDEN_REFRESH_MS } from '../../src/ui/use-held-while-hidden';

interface Row {
  readonly key: string;
  /** When the frame carrying this value arrived (ms). */
  readonly atMs: number;
}

const ROWS = 48;
const FRAME_MS = 33;
const keyOf = (row: Row): string => row.key;
const frameAt = (atMs: number): Row[] => Array.from({ length: ROWS }, (_, index) => ({ key: `orders-${index}`, atMs }));

/** Plays frames from `fromMs` for `durationMs`, returning what each render showed. */
function play(held: HeldRows<Row>, fromMs: number, durationMs: number, at: { visible: boolean; live: boolean }) {
  const renders: { nowMs: number; shown: Row[]; changed: number }[] = [];
  let current = held;
  let previous: Row[] | null = null;
  for (let nowMs = fromMs; nowMs < fromMs + durationMs; nowMs += FRAME_MS) {
    const decision = nextRows(current, frameAt(nowMs), keyOf, { nowMs, ...at });
    current = decision.held;
    const changed = previous === null ? ROWS : decision.shown.filter((row, index) => row !== previous![index]).length;
    renders.push({ nowMs, shown: decision.shown, changed });
    previous = decision.shown;
  }
  return { renders, held: current };
}

describe('rows held while their panel is off screen', () => {
  it('refresh a few rows per frame while playing, none older than the refresh interval', () => {
    // On screen first: every row exact; then scrolled away while the run plays.
    const onScreen = play(noRowsHeld(), 0, 500, { visible: true, live: true });
    expect(onScreen.renders.every((render) => render.shown.every((row) => row.atMs === render.nowMs))).toBe(true);
    const away = play(onScreen.held, 500, 5_000, { visible: false, live: true });
    const steady = away.renders.slice(1);
    const most = Math.max(...steady.map((render) => render.changed));
    // 48 rows over ~30 frames a second: at most a couple per frame (held whole: 48 at once, then none).
    expect(most).toBeLessThanOrEqual(3);
    expect(steady.reduce((sum, render) => sum + render.changed, 0) / (steady.length * FRAME_MS / 1_000)).toBeGreaterThan(ROWS * 0.9);
    for (const render of away.renders) {
      for (const row of render.shown) expect(render.nowMs - row.atMs).toBeLessThanOrEqual(HIDDEN_REFRESH_MS + FRAME_MS);
    }
    // Something was held: a render showed rows older than its frame.
    expect(away.renders.some((render) => render.shown.some((row) => row.atMs < render.nowMs))).toBe(true);
  });

  it('show every row exact when paused, and new rows at once', () => {
    const away = play(noRowsHeld(), 0, 2_000, { visible: false, live: true });
    const paused = nextRows(away.held, frameAt(2_000), keyOf, { nowMs: 2_000, visible: false, live: false });
    expect(paused.shown.every((row) => row.atMs === 2_000)).toBe(true);
    expect(paused.pending).toBe(false);
    const grown = [...frameAt(2_010), { key: 'orders-new', atMs: 2_010 }];
    const withNew = nextRows(away.held, grown, keyOf, { nowMs: 2_010, visible: false, live: true });
    expect(withNew.shown.at(-1)).toBe(grown.at(-1));
    expect(withNew.pending).toBe(true);
    // The held map keeps only the rows drawn.
    expect(nextRows(withNew.held, grown.slice(0, 2), keyOf, { nowMs: 2_020, visible: false, live: true }).held.rows.size).toBe(2);
  });

  it('spread the rows over the interval: each row on a phase of its own', () => {
    const turns = Array.from({ length: ROWS }, (_, index) => periodOf(index, ROWS, 999) - periodOf(index, ROWS, 0));
    // Between 0 and 999 ms each row's period turns once, save the first, whose turn is at 1,000 ms.
    expect(turns.filter((turned) => turned === 1)).toHaveLength(ROWS - 1);
  });

  // A gap (a slow frame, a slow worker task, a GC) of N periods used to bring due every row whose
  // period turned in it, all 48 from a gap of a second, in one deferred commit (30 to 60 replica bars
  // in the page bench's slow frames); now a render refreshes at most its budget, due longest first.
  /** The budget at FRAME_MS: 1.5 times the rows a render brings due (48 * 33 / 1,000 = 1.6), as refresh-budget.ts sizes it. */
  const STEADY_BUDGET = Math.ceil((1.5 * ROWS * FRAME_MS) / HIDDEN_REFRESH_MS);

  it('after a gap of a third of a period to 20 periods a render refreshes at most the budget, and every row within maxWaitFrames renders', () => {
    expect(STEADY_BUDGET).toBe(3);
    expect(maxWaitFrames(ROWS, STEADY_BUDGET)).toBe(16);
    for (const gapMs of [HIDDEN_REFRESH_MS / 3, HIDDEN_REFRESH_MS, 2 * HIDDEN_REFRESH_MS + 7, 20 * HIDDEN_REFRESH_MS]) {
      const away = play(noRowsHeld(), 0, 3_000, { visible: false, live: true });
      const lastMs = away.renders.at(-1)!.nowMs;
      let held = away.held;
      const firstRefresh = new Map<string, number>();
      /** The rows whose period turned in the gap: due at the render after it. */
      const dueAfterGap = frameAt(0).filter((row) => held.rows.get(row.key)!.dueMs <= lastMs + gapMs).map((row) => row.key);
      for (let render = 0; render < 30; render++) {
        const nowMs = lastMs + gapMs + render * FRAME_MS;
        const rows = frameAt(nowMs);
        const decision = nextRows(held, rows, keyOf, { nowMs, visible: false, live: true });
        const refreshed = decision.shown.filter((row) => row.atMs === nowMs);
        expect(decision.budget, `gap ${gapMs} ms, render ${render}`).toBe(STEADY_BUDGET);
        expect(refreshed.length, `gap ${gapMs} ms, render ${render}`).toBeLessThanOrEqual(STEADY_BUDGET);
        // Due longest first: no row left waiting was taken after a row refreshed (the oldest values go first).
        const waiting = decision.shown.filter((row) => row.atMs < nowMs && held.rows.get(row.key)!.dueMs <= nowMs);
        if (waiting.length > 0 && refreshed.length > 0) {
          expect(Math.max(...refreshed.map((row) => held.rows.get(row.key)!.dueMs))).toBeLessThanOrEqual(Math.min(...waiting.map((row) => held.rows.get(row.key)!.dueMs)));
        }
        for (const row of refreshed) if (!firstRefresh.has(row.key)) firstRefresh.set(row.key, render);
        held = decision.held;
      }
      // Every row whose period turned in the gap (a third of them or more) refreshed within maxWaitFrames renders of it.
      expect(dueAfterGap.length, `gap ${gapMs} ms`).toBeGreaterThanOrEqual(Math.min(ROWS, Math.floor((gapMs / HIDDEN_REFRESH_MS) * ROWS)));
      for (const key of dueAfterGap) expect(firstRefresh.get(key), `${key}, gap ${gapMs} ms`).toBeLessThan(maxWaitFrames(ROWS, STEADY_BUDGET));
    }
  });

  it('played on after gaps, no row shows a value older than the refresh interval plus maxWaitFrames renders', () => {
    let held = play(noRowsHeld(), 0, 2_000, { visible: false, live: true }).held;
    let nowMs = 2_000;
    const boundMs = HIDDEN_REFRESH_MS + maxWaitFrames(ROWS, STEADY_BUDGET) * FRAME_MS;
    for (const gapMs of [HIDDEN_REFRESH_MS, 3 * HIDDEN_REFRESH_MS]) {
      nowMs += gapMs;
      for (let render = 0; render < 90; render++, nowMs += FRAME_MS) {
        const decision = nextRows(held, frameAt(nowMs), keyOf, { nowMs, visible: false, live: true });
        held = decision.held;
        if (render < maxWaitFrames(ROWS, STEADY_BUDGET)) continue;
        for (const row of decision.shown) expect(nowMs - row.atMs, `${row.key} ${render} renders after a gap of ${gapMs} ms`).toBeLessThanOrEqual(boundMs);
      }
    }
  });

  it('with a backlog waiting, paused, on screen or woken by the timer shows every row exact', () => {
    const away = play(noRowsHeld(), 0, 2_000, { visible: false, live: true });
    const gapMs = 2_000 + 2 * HIDDEN_REFRESH_MS;
    const backlog = nextRows(away.held, frameAt(gapMs), keyOf, { nowMs: gapMs, visible: false, live: true });
    expect(backlog.shown.filter((row) => row.atMs < gapMs)).toHaveLength(ROWS - STEADY_BUDGET);
    expect(backlog.pending).toBe(true);
    for (const at of [{ visible: false, live: false }, { visible: true, live: true }, { visible: false, live: true, flush: true }]) {
      const exact = nextRows(backlog.held, frameAt(gapMs + 5), keyOf, { nowMs: gapMs + 5, ...at });
      expect(exact.shown.every((row) => row.atMs === gapMs + 5), JSON.stringify(at)).toBe(true);
      expect(exact.pending).toBe(false);
    }
  });
});
