// What a topology card's refresh turn costs the renderer, on the paused page (issue 7, item 9;
// docs/architecture.md, "a message frame attributed"). Plays large-cluster.json 6 s at 10x in
// Debian's Chromium (1440x900, as bench/page.ts), pauses, then in each of `--frames` animation
// frames changes the texts a refresh turn of `--cards` broker cards changes (the storage line's
// words, the tiering line's, the figures: `--what=storage,tier,fig`; the last digit of each text
// node that holds one, never a hidden copy that sizes a box), traced. Prints the Layouts (objects to lay
// out, thread time) and the thread time of each rendering phase, with the full layerizations.
// Deterministic in what it changes, so the objects are a count; the times are the host's.
//
//   npx vite preview --outDir DIR --port N   then   npx tsx bench/card-turn.ts --url=http://127.0.0.1:N/ [--css=FILE] [--cards=13] [--frames=60]
import { openPlayingLesson } from './lesson-browser';
import { clockMs } from '../test/e2e/clock';
import type { TraceEvent } from './page';

const option = (name: string): string | undefined => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const url = option('url');
if (url === undefined) throw new Error('usage: npx tsx bench/card-turn.ts --url=http://127.0.0.1:PORT/ [--css=FILE] [--cards=13] [--frames=60] [--what=storage,tier,fig]');
const cards = Number(option('cards') ?? 13);
const frames = Number(option('frames') ?? 60);
const what = (option('what') ?? 'storage,tier,fig').split(',');

const { browser, page } = await openPlayingLesson(url, option('css'));
while ((await clockMs(page)) < 6_000) await page.waitForTimeout(200);
await page.getByRole('button', { name: 'Pause', exact: true }).click();
await page.waitForTimeout(1_500);
await browser.startTracing(page, { categories: ['devtools.timeline', 'blink', 'disabled-by-default-devtools.timeline'] });
await page.waitForTimeout(300);
// The page's part, as text: tsx's build names functions with a helper (__name) the page does not have.
const texts = await page.evaluate(`(async () => {
  const what = ${JSON.stringify(what)};
  const texts = [];
  for (const card of [...document.querySelectorAll('article.card-broker')].slice(0, ${cards})) {
    const pick = (selector) => {
      for (const element of card.querySelectorAll(selector)) {
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
          if (/[0-9]/.test(node.data) && node.parentElement.closest('.stable-sizer, .stat-row-sizer') === null && !texts.includes(node)) texts.push(node);
        }
      }
    };
    if (what.includes('storage')) pick('.storage-line .stat-row span');
    if (what.includes('tier')) pick('.tier-row > span');
    if (what.includes('fig')) pick('.card-figures dd');
  }
  for (let frame = 0; frame < ${frames}; frame++) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    for (const node of texts) node.data = node.data.replace(/[0-9](?=[^0-9]*$)/, String((frame * 7 + 3) % 10));
  }
  await new Promise((resolve) => requestAnimationFrame(resolve));
  await new Promise((resolve) => requestAnimationFrame(resolve));
  return texts.length;
})()`);
await page.waitForTimeout(300);
const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
await browser.close();

const events = trace.traceEvents;
let main: { pid: number; tid: number; count: number } | null = null;
for (const thread of events.filter((event) => event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'CrRendererMain')) {
  const count = events.filter((event) => event.pid === thread.pid && event.tid === thread.tid && event.ph === 'X').length;
  if (main === null || count > main.count) main = { pid: thread.pid, tid: thread.tid, count };
}
if (main === null) throw new Error('no renderer main thread in the trace');
const mine = events.filter((event) => event.pid === main.pid && event.tid === main.tid && event.ph === 'X').sort((a, b) => a.ts - b.ts);
const outermost = (list: readonly TraceEvent[]): TraceEvent[] => {
  const out: TraceEvent[] = [];
  let end = -1;
  for (const event of list) {
    if (event.ts >= end) {
      out.push(event);
      end = event.ts + (event.dur ?? 0);
    }
  }
  return out;
};
const threadMs = (list: readonly TraceEvent[]): number => list.reduce((sum, event) => sum + (event.tdur ?? event.dur ?? 0), 0) / 1_000;
const phase = (name: string): TraceEvent[] => outermost(mine.filter((event) => event.name === name));
const layouts = phase('Layout');
const objects = layouts.map((layout) => layout.args?.beginData?.dirtyObjects ?? 0).sort((a, b) => a - b);
const layoutMs = layouts.map((layout) => (layout.tdur ?? layout.dur ?? 0) / 1_000).sort((a, b) => a - b);
const layerize = phase('Layerize');
const full = layerize.filter((pass) => mine.some((event) => event.name === 'PaintArtifactCompositor::Update' && event.ts >= pass.ts && event.ts < pass.ts + (pass.dur ?? 0))).length;
const median = (sorted: readonly number[]): number => sorted[Math.floor(sorted.length / 2)] ?? 0;
console.log(`card turn: ${String(texts)} texts changed in each of ${frames} frames (${cards} broker cards: ${what.join(', ')})`);
console.log(`  layouts ${layouts.length} (below the document ${layouts.filter((layout) => layout.args?.beginData?.partialLayout === true).length}); objects to lay out p50 ${median(objects)}, max ${objects.at(-1) ?? 0}; thread time per layout p50 ${median(layoutMs).toFixed(2)} ms`);
console.log(
  `  thread time over the frames: UpdateLayoutTree ${threadMs(phase('UpdateLayoutTree')).toFixed(1)}, Layout ${threadMs(layouts).toFixed(1)}, PrePaint ${threadMs(phase('PrePaint')).toFixed(1)}, Paint ${threadMs(phase('Paint')).toFixed(1)}, Layerize ${threadMs(layerize).toFixed(1)} ms (full layerizations ${full} of ${layerize.length})`,
);
