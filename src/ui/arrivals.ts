// When each metadata log row first appeared on the page, so that a row whose arrival highlight
// (the `mlog-arrive` animation, ARRIVAL_HIGHLIGHT_MS) is over can be marked settled (issue 7, item
// 9). perf.css skips a settled row while it is away from the viewport (content-visibility: auto;
// not while the list is windowed as the run plays: MetadataLogPanel's MlogList):
// at 30 brokers the log's 120 rows were ~445 of the ~2,500 display items Chromium re-records in
// every painted frame, and each arrival moved them all; rows still highlighting stay unskipped,
// since a skippable (paint-contained) row repainted in every animation frame while it animated.
//
// A row that first appears while the log is away from the viewport is settled at once: its
// highlight would run where nobody sees it, and a background-colour animation is the main thread's
// work in every frame it runs (a style recalculation and a repaint per row). At 30 brokers and 10x
// the log, held off screen, took up to ~40 new rows a second, so ~30 rows were always highlighting
// below the fold (the trace's style invalidations: "Animation", ~30 rows a frame).
//
// Owns: a first-seen time per row key, for the keys of the rows drawn now (older keys are
// forgotten, so it holds at most as many entries as rows are drawn), and the settled set last
// returned.
// Never: reads a clock itself (the caller passes the time), or marks a row settled before its
// highlight has run its course, unless the row arrived unseen or is no arrival at all.

/** The arrival highlight's length: styles.css's `animation: mlog-arrive 1.8s`. */
export const ARRIVAL_HIGHLIGHT_MS = 1_800;

export class Arrivals {
  private firstSeenMs = new Map<string, number>();
  private lastSettled: ReadonlySet<string> = new Set();

  /**
   * Records the rows drawn now (`keys`, newest first, at `nowMs`) and returns the keys of those
   * whose highlight is over. A key seen for the first time now is settled at once when `unseen`
   * (the log is away from the viewport) or when it lies below a key seen before (an older row
   * drawn now, not an arrival); otherwise it highlights. Keys no longer drawn are dropped.
   * The set returned last time comes back (the same object) while the settled keys are the same,
   * so the panel's body, memoised on it, is not rendered again while nothing settles.
   */
  settled(keys: readonly string[], nowMs: number, unseen = false): ReadonlySet<string> {
    const next = new Map<string, number>();
    const done = new Set<string>();
    // Rows arrive at the top (`keys` is newest first): a new key below a key seen before is an older
    // row drawn now (the cap rose: the log neared the viewport, or the run paused), not an arrival.
    let belowKnown = false;
    for (const key of keys) {
      const known = this.firstSeenMs.get(key);
      const first = known ?? (unseen || belowKnown ? -Infinity : nowMs);
      if (known !== undefined) belowKnown = true;
      next.set(key, first);
      if (nowMs - first >= ARRIVAL_HIGHLIGHT_MS) done.add(key);
    }
    this.firstSeenMs = next;
    if (sameKeys(done, this.lastSettled)) return this.lastSettled;
    this.lastSettled = done;
    return done;
  }

  /** Rows tracked: at most the rows drawn last time. */
  get size(): number {
    return this.firstSeenMs.size;
  }
}

/** True when the two sets hold the same keys (compared in place: this runs in every frame's render). */
function sameKeys(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const key of a) if (!b.has(key)) return false;
  return true;
}
