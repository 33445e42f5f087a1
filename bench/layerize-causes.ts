// What asks Chromium for full layerizations while the lesson plays (issue 7, item 9;
// docs/architecture.md, "what still asks for full layerizations, attributed"). Chromium re-layerizes
// the whole page (PaintArtifactCompositor::Update, ~4 ms at 30 brokers) when the paint chunks' count
// changes, a repainted chunk's bounds change, or a paint property node changes beyond composited
// values; a pass without it hands the repainted layers over (~0.5 ms). This plays large-cluster.json
// at 10x in Debian's Chromium (1440x900, as bench/page.ts), traces a few seconds with the `blink` and
// `disabled-by-default-blink.invalidation` categories, gives each Layerize pass the layout objects
// PrePaint invalidated since the pass before (PaintInvalidator::InvalidatePaint(), which names them)
// and whether the layout tree was rebuilt (elements inserted), and prints the objects found before
// full passes, with how many other passes they came before too: one that comes only before full
// passes is a suspect, to be changed alone on the paused page to confirm it.
//
//   npx vite preview --outDir DIR --port N   then   npx tsx bench/layerize-causes.ts --url=http://127.0.0.1:N/ [--seconds=8] [--css=FILE]
import { openPlayingLesson } from './lesson-browser';

/** Stands for "the layout tree was rebuilt before this pass" among the objects (elements were inserted). */
export const REBUILT = '(layout tree rebuilt: elements inserted)';

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly args?: { readonly name?: string; readonly object?: string };
}

/** One object's count before full passes and before the other passes. */
export interface Suspect {
  readonly object: string;
  readonly beforeFull: number;
  readonly beforeOther: number;
}

export interface Causes {
  readonly passes: number;
  readonly fullPasses: number;
  /** Objects seen before at least one full pass, those never seen before another pass first, then by count. */
  readonly suspects: readonly Suspect[];
}

/** An object's description without the numbers that differ between instances (ids, sizes). */
function kindOf(object: string): string {
  return object.replace(/\d+(\.\d+)?/g, '#');
}

/** The renderer's main thread: the thread named CrRendererMain with the most Layerize passes. */
function mainThreadOf(events: readonly TraceEvent[]): { pid: number; tid: number } | null {
  const passes = new Map<string, number>();
  for (const event of events) if (event.name === 'Layerize') passes.set(`${event.pid}:${event.tid}`, (passes.get(`${event.pid}:${event.tid}`) ?? 0) + 1);
  let best: { pid: number; tid: number } | null = null;
  let bestPasses = -1;
  for (const event of events) {
    if (event.name !== 'thread_name' || event.args?.name !== 'CrRendererMain') continue;
    const count = passes.get(`${event.pid}:${event.tid}`) ?? 0;
    if (count > bestPasses) [best, bestPasses] = [{ pid: event.pid, tid: event.tid }, count];
  }
  return best;
}

/** Each Layerize pass given the objects invalidated since the pass before; the objects ranked as suspects. */
export function causesOf(trace: { traceEvents: readonly TraceEvent[] }): Causes {
  const main = mainThreadOf(trace.traceEvents);
  if (main === null) return { passes: 0, fullPasses: 0, suspects: [] };
  const events = trace.traceEvents.filter((event) => event.pid === main.pid && event.tid === main.tid).slice().sort((a, b) => a.ts - b.ts);
  const updates = events.filter((event) => event.ph === 'X' && event.name === 'PaintArtifactCompositor::Update');
  const counts = new Map<string, { beforeFull: number; beforeOther: number }>();
  let passes = 0;
  let fullPasses = 0;
  let seen = new Set<string>();
  for (const event of events) {
    if (event.name === 'PaintInvalidator::InvalidatePaint()' && event.args?.object !== undefined) seen.add(kindOf(event.args.object));
    else if (event.name === 'Document::rebuildLayoutTree') seen.add(REBUILT);
    else if (event.ph === 'X' && event.name === 'Layerize') {
      const end = event.ts + (event.dur ?? 0);
      const full = updates.some((update) => update.ts >= event.ts && update.ts < end);
      passes++;
      if (full) fullPasses++;
      for (const object of seen) {
        const count = counts.get(object) ?? { beforeFull: 0, beforeOther: 0 };
        if (full) count.beforeFull++;
        else count.beforeOther++;
        counts.set(object, count);
      }
      seen = new Set();
    }
  }
  const suspects = [...counts.entries()]
    .filter(([, count]) => count.beforeFull > 0)
    .map(([object, count]) => ({ object, ...count }))
    .sort((a, b) => Number(a.beforeOther > 0) - Number(b.beforeOther > 0) || b.beforeFull - a.beforeFull || a.object.localeCompare(b.object));
  return { passes, fullPasses, suspects };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.argv.find((arg) => arg.startsWith('--url='))?.slice('--url='.length);
  const css = process.argv.find((arg) => arg.startsWith('--css='))?.slice('--css='.length);
  const seconds = Number(process.argv.find((arg) => arg.startsWith('--seconds='))?.slice('--seconds='.length) ?? 8);
  if (url === undefined) throw new Error('usage: npx tsx bench/layerize-causes.ts --url=http://127.0.0.1:PORT/ [--seconds=8] [--css=FILE]');
  const { browser, page } = await openPlayingLesson(url, css);
  await page.waitForTimeout(5_000);
  await browser.startTracing(page, { categories: ['devtools.timeline', 'blink', 'disabled-by-default-blink.invalidation'] });
  await page.waitForTimeout(seconds * 1_000);
  const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
  await browser.close();
  const causes = causesOf(trace);
  console.log(`${causes.passes} Layerize passes in ${seconds} s of play, ${causes.fullPasses} full; objects PrePaint invalidated before them (before full / before other passes):`);
  for (const suspect of causes.suspects.slice(0, 40)) console.log(`  ${String(suspect.beforeFull).padStart(4)} / ${String(suspect.beforeOther).padEnd(4)} ${suspect.object}`);
}
