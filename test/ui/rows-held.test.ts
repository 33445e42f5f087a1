// Rows held while their panel is off screen (ui/rows-held.ts), as the partitions panel shows 48
// partitions at 30 brokers and 10x: a new value for every row in every frame (~30 a second).
// Held whole, all 48 rows changed in the one frame a second the panel refreshed; row by row,
// each frame refreshes one or two, and no row shows a value older than the refresh interval.
import { describe, expect, it } from 'vitest';
import { nextRows, periodOf, type HeldRow } from '../../src/ui/rows-held';
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
function play(held: ReadonlyMap<string, HeldRow<Row>>, fromMs: number, durationMs: number, at: { visible: boolean; live: boolean }) {
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
    const onScreen = play(new Map(), 0, 500, { visible: true, live: true });
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
    const away = play(new Map(), 0, 2_000, { visible: false, live: true });
    const paused = nextRows(away.held, frameAt(2_000), keyOf, { nowMs: 2_000, visible: false, live: false });
    expect(paused.shown.every((row) => row.atMs === 2_000)).toBe(true);
    expect(paused.pending).toBe(false);
    const grown = [...frameAt(2_010), { key: 'orders-new', atMs: 2_010 }];
    const withNew = nextRows(away.held, grown, keyOf, { nowMs: 2_010, visible: false, live: true });
    expect(withNew.shown.at(-1)).toBe(grown.at(-1));
    expect(withNew.pending).toBe(true);
    // The held map keeps only the rows drawn.
    expect(nextRows(withNew.held, grown.slice(0, 2), keyOf, { nowMs: 2_020, visible: false, live: true }).held.size).toBe(2);
  });

  it('spread the rows over the interval: each row on a phase of its own', () => {
    const turns = Array.from({ length: ROWS }, (_, index) => periodOf(index, ROWS, 999) - periodOf(index, ROWS, 0));
    // Between 0 and 999 ms each row's period turns once, save the first, whose turn is at 1,000 ms.
    expect(turns.filter((turned) => turned === 1)).toHaveLength(ROWS - 1);
  });
});
