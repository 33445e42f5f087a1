// The page's performance in real Chromium (issue 7, item 9): the lesson large-cluster.json (30
// brokers, 1,000 partitions RF 3, producers and a consumer group) played at 10x, measured two ways
// in two page loads, so that one measurement does not slow the other:
//
//   frame time   main-thread work per frame Chromium produced, from a performance trace: the
//                renderer main thread's top-level tasks between one AnimationFrame's start and the
//                next (a long task makes a long frame), p50/p95/max. Target: p95 under 16 ms.
//                Beside it: tasks over 50 ms, the share of time the thread was busy, and the gap
//                between requestAnimationFrame callbacks (p95 near 16.7 ms: no frame skipped).
//   messages     the size of every message the worker posts to the page (frames, answers), as
//                JSON text, recorded by a listener wrapped around the page's message ports before
//                the page's own code runs. Target: the largest under 100 KB.
//
//   renders      what does not depend on the machine's load (it is shared, so times vary 3x from
//                one run to the next): React commits per second, the components each commit
//                rendered (counted as React DevTools does, from a stand-in for its global hook),
//                the DOM mutation records per commit (a MutationObserver), and from the trace the
//                objects each Layout had to lay out.
//
// Builds the page (vite build) unless `--no-build`, serves dist/ with vite preview on a free port,
// and drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_PATH) with Playwright; it never
// downloads a browser. Run alone with `npx tsx bench/page.ts`; `npm run bench` runs it last.
// PAGE_BENCH_TRACE=/tmp/trace.json keeps the performance trace, for Chrome's Performance panel.

import { writeFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from '@playwright/test';
import { build, preview } from 'vite';
import { clockMs } from '../test/e2e/clock';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LESSON = 'large-cluster';
/** Simulated seconds played before measuring: the cluster forms and the load starts. */
const WARM_UP_MS = 4_000;
/** How long each measurement lasts, in wall time. */
const MEASURE_MS = 12_000;
/** A task this long blocks input noticeably (the browser's own long-task threshold, 50 ms). */
const LONG_TASK_US = 50_000;

// Scripts run in the page are strings: tsx would wrap functions sent there with helpers the page lacks.
/** Records the gap between requestAnimationFrame callbacks in __rafIntervals. */
const RAF_RECORDER = `(() => {
  const intervals = [];
  globalThis.__rafIntervals = intervals;
  let last = performance.now();
  const tick = (now) => { intervals.push(now - last); last = now; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
})()`;
/**
 * Wraps every 'message' listener the page adds to a MessagePort or a Worker (comlink's frames
 * arrive on a port it hands the worker) to record in __messageSizes the JSON size of what arrives.
 */
const MESSAGE_RECORDER = `(() => {
  const sizes = [];
  globalThis.__messageSizes = sizes;
  for (const proto of [MessagePort.prototype, Worker.prototype]) {
    const add = proto.addEventListener;
    proto.addEventListener = function (type, listener, options) {
      if (type === 'message' && typeof listener === 'function') {
        const target = this;
        const wrapped = (event) => {
          try { sizes.push(JSON.stringify(event.data)?.length ?? 0); } catch { sizes.push(-1); }
          return listener.call(target, event);
        };
        return add.call(this, type, wrapped, options);
      }
      return add.call(this, type, listener, options);
    };
  }
})()`;

/**
 * Counts React commits and the components each rendered, and DOM mutations, from the time
 * `__renderStats.on` is set. React calls a DevTools global hook, when one is installed before it
 * loads, with every committed root (production builds too); a component rendered in a commit when
 * its fiber has the PerformedWork flag (1), and a subtree whose children are the same fibers as
 * before was not visited (React DevTools' own test). Memo wrappers count as a component of their own.
 */
const RENDER_RECORDER = `(() => {
  const stats = { on: false, commits: 0, rendered: 0, mutations: 0 };
  globalThis.__renderStats = stats;
  const COMPONENT_TAGS = new Set([0, 1, 11, 14, 15]);
  const walk = (first) => {
    const stack = [first];
    while (stack.length > 0) {
      const fiber = stack.pop();
      const before = fiber.alternate;
      if (COMPONENT_TAGS.has(fiber.tag) && (before === null || (fiber.flags & 1) === 1)) stats.rendered++;
      if (fiber.sibling) stack.push(fiber.sibling);
      if (fiber.child && !(before !== null && fiber.child === before.child)) stack.push(fiber.child);
    }
  };
  globalThis.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    renderers: new Map(), supportsFiber: true, isDisabled: false,
    inject(renderer) { const id = this.renderers.size + 1; this.renderers.set(id, renderer); return id; },
    onCommitFiberRoot(_id, root) { if (!stats.on) return; stats.commits++; if (root.current.child) walk(root.current.child); },
    onCommitFiberUnmount() {}, onPostCommitFiberRoot() {}, checkDCE() {},
  };
  const observer = new MutationObserver((records) => { if (stats.on) stats.mutations += records.length; });
  const start = () => observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})()`;

export interface PageBenchResult {
  readonly frameWorkMs: { readonly p50: number; readonly p95: number; readonly max: number; readonly frames: number; readonly perSecond: number };
  readonly longTasks: { readonly count: number; readonly maxMs: number };
  readonly mainThreadBusyShare: number;
  readonly rafIntervalMs: { readonly p50: number; readonly p95: number };
  readonly messages: { readonly count: number; readonly largestBytes: number; readonly p95Bytes: number };
  /** Load-independent: React commits, components rendered and DOM mutations per commit, DOM size. */
  readonly renders: {
    readonly commitsPerSecond: number;
    readonly componentsPerCommit: number;
    readonly mutationsPerCommit: number;
    readonly domElements: number;
  };
  /** From the trace: Layouts, and the objects each had to lay out (p50, max). */
  readonly layouts: { readonly count: number; readonly dirtyObjectsP50: number; readonly dirtyObjectsMax: number };
  readonly simulatedSecondsPerWallSecond: number;
  readonly chromium: string;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

async function openAndPlay(browser: Browser, baseUrl: string, instrument: 'messages' | 'renders' | null): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
  // Wraps every 'message' listener the page adds to a MessagePort or a Worker (comlink's frames
  // arrive on a port it transfers to the worker) to record the size of what arrives.
  if (instrument === 'messages') await page.addInitScript(MESSAGE_RECORDER);
  if (instrument === 'renders') await page.addInitScript(RENDER_RECORDER);
  await page.goto(`${baseUrl}?scenario=${LESSON}`);
  await page.getByRole('radio', { name: '10×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  const deadline = Date.now() + 120_000;
  while ((await clockMs(page)) < WARM_UP_MS) {
    if (Date.now() > deadline) throw new Error(`the simulated clock did not reach ${WARM_UP_MS} ms within 2 minutes`);
    await page.waitForTimeout(200);
  }
  return page;
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly args?: { readonly name?: string; readonly beginData?: { readonly dirtyObjects?: number } };
}

/**
 * The page's main thread in the trace (the renderer main thread that worked most): its work in each
 * frame Chromium produced (top-level tasks' time between one AnimationFrame's start and the next:
 * a long task makes one long frame, and fewer frames), its long tasks, and the share of time busy.
 */
function mainThreadWork(trace: { traceEvents: TraceEvent[] }): { perFrameMs: number[]; framesPerSecond: number; longTasksMs: number[]; busyShare: number; layoutDirtyObjects: number[] } {
  const mains = trace.traceEvents.filter((event) => event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'CrRendererMain');
  let best: { pid: number; tid: number; tasks: TraceEvent[]; busyUs: number } | null = null;
  for (const main of mains) {
    // Chromium names its scheduler's top-level task ThreadControllerImpl::RunTask (RunTask in older builds).
    const tasks = trace.traceEvents.filter(
      (event) => event.pid === main.pid && event.tid === main.tid && event.ph === 'X' && (event.name === 'ThreadControllerImpl::RunTask' || event.name === 'RunTask'),
    );
    const busyUs = tasks.reduce((sum, task) => sum + task.dur!, 0);
    if (best === null || busyUs > best.busyUs) best = { pid: main.pid, tid: main.tid, tasks, busyUs };
  }
  if (best === null || best.tasks.length === 0) throw new Error("the trace holds no task of the page's main thread");
  const frameStarts = trace.traceEvents
    .filter((event) => event.pid === best.pid && event.tid === best.tid && event.name === 'AnimationFrame' && event.ph === 'b')
    .map((event) => event.ts)
    .sort((a, b) => a - b);
  if (frameStarts.length < 2) throw new Error('the trace holds fewer than two animation frames: was the page drawing?');
  const perFrameUs = new Array<number>(frameStarts.length - 1).fill(0);
  for (const task of best.tasks) {
    const taskEnd = task.ts + task.dur!;
    // The frames this task overlaps (binary search for the first), each credited with the overlap.
    let low = 0;
    let high = frameStarts.length - 2;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (frameStarts[mid]! <= task.ts) low = mid;
      else high = mid - 1;
    }
    for (let frame = low; frame < perFrameUs.length && frameStarts[frame]! < taskEnd; frame++) {
      const overlap = Math.min(taskEnd, frameStarts[frame + 1]!) - Math.max(task.ts, frameStarts[frame]!);
      if (overlap > 0) perFrameUs[frame]! += overlap;
    }
  }
  const spanUs = frameStarts.at(-1)! - frameStarts[0]!;
  const layoutDirtyObjects = trace.traceEvents
    .filter((event) => event.pid === best.pid && event.tid === best.tid && event.name === 'Layout' && event.ph === 'X')
    .map((event) => event.args?.beginData?.dirtyObjects ?? 0);
  return {
    layoutDirtyObjects,
    perFrameMs: perFrameUs.map((us) => us / 1000),
    framesPerSecond: (perFrameUs.length * 1_000_000) / spanUs,
    longTasksMs: best.tasks.filter((task) => task.dur! > LONG_TASK_US).map((task) => task.dur! / 1000),
    busyShare: best.busyUs / (Math.max(...best.tasks.map((task) => task.ts + task.dur!)) - Math.min(...best.tasks.map((task) => task.ts))),
  };
}

export async function runPageBench(options: { buildFirst?: boolean } = {}): Promise<PageBenchResult> {
  if (options.buildFirst ?? true) await build({ logLevel: 'warn' });
  const server = await preview({ preview: { port: 0, host: '127.0.0.1', strictPort: false }, logLevel: 'warn' });
  const address = server.httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('vite preview did not report a port');
  const baseUrl = `http://127.0.0.1:${address.port}/`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // 1. Frame time, uninstrumented but for the trace.
    const page = await openAndPlay(browser, baseUrl, null);
    await page.evaluate(RAF_RECORDER);
    const simStartMs = await clockMs(page);
    const wallStart = performance.now();
    await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline'] });
    await page.waitForTimeout(MEASURE_MS);
    const traceBuffer = await browser.stopTracing();
    const simulatedSecondsPerWallSecond = ((await clockMs(page)) - simStartMs) / (performance.now() - wallStart);
    const intervals = (await page.evaluate('globalThis.__rafIntervals.slice(1)')) as number[];
    if (process.env.PAGE_BENCH_TRACE !== undefined) writeFileSync(process.env.PAGE_BENCH_TRACE, traceBuffer);
    const work = mainThreadWork(JSON.parse(traceBuffer.toString('utf8')) as { traceEvents: TraceEvent[] });
    await page.close();

    // 2. Message sizes, in a page of its own with the listener wrapped.
    const measured = await openAndPlay(browser, baseUrl, 'messages');
    await measured.waitForTimeout(MEASURE_MS);
    const sizes = (await measured.evaluate('globalThis.__messageSizes')) as number[];
    await measured.close();

    // 3. React commits, components rendered and DOM mutations, in a page of its own.
    const counted = await openAndPlay(browser, baseUrl, 'renders');
    await counted.evaluate('globalThis.__renderStats.on = true');
    const countStart = performance.now();
    await counted.waitForTimeout(MEASURE_MS);
    const stats = (await counted.evaluate(
      `(() => { const s = globalThis.__renderStats; s.on = false; return { commits: s.commits, rendered: s.rendered, mutations: s.mutations, dom: document.getElementsByTagName('*').length }; })()`,
    )) as { commits: number; rendered: number; mutations: number; dom: number };
    const countSeconds = (performance.now() - countStart) / 1000;
    await counted.close();
    const perCommit = (value: number) => value / Math.max(1, stats.commits);

    return {
      frameWorkMs: { p50: percentile(work.perFrameMs, 0.5), p95: percentile(work.perFrameMs, 0.95), max: Math.max(...work.perFrameMs), frames: work.perFrameMs.length, perSecond: work.framesPerSecond },
      longTasks: { count: work.longTasksMs.length, maxMs: Math.max(0, ...work.longTasksMs) },
      mainThreadBusyShare: work.busyShare,
      rafIntervalMs: { p50: percentile(intervals, 0.5), p95: percentile(intervals, 0.95) },
      messages: { count: sizes.length, largestBytes: Math.max(0, ...sizes), p95Bytes: percentile(sizes, 0.95) },
      renders: {
        commitsPerSecond: stats.commits / countSeconds,
        componentsPerCommit: perCommit(stats.rendered),
        mutationsPerCommit: perCommit(stats.mutations),
        domElements: stats.dom,
      },
      layouts: { count: work.layoutDirtyObjects.length, dirtyObjectsP50: percentile(work.layoutDirtyObjects, 0.5), dirtyObjectsMax: Math.max(0, ...work.layoutDirtyObjects) },
      simulatedSecondsPerWallSecond,
      chromium: browser.version(),
    };
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
}

export function formatPageBench(result: PageBenchResult): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  return [
    `  main-thread work per frame    p50 ${result.frameWorkMs.p50.toFixed(1)} ms, p95 ${result.frameWorkMs.p95.toFixed(1)} ms, max ${result.frameWorkMs.max.toFixed(1)} ms over ${result.frameWorkMs.frames} frames (${result.frameWorkMs.perSecond.toFixed(0)} per second)   (target: p95 < 16 ms)`,
    `  long tasks (> 50 ms)          ${result.longTasks.count}, the longest ${result.longTasks.maxMs.toFixed(0)} ms; main thread busy ${(result.mainThreadBusyShare * 100).toFixed(0)}% of the time`,
    `  requestAnimationFrame gap     p50 ${result.rafIntervalMs.p50.toFixed(1)} ms, p95 ${result.rafIntervalMs.p95.toFixed(1)} ms (16.7 ms: no frame skipped)`,
    `  worker-to-page messages       largest ${kb(result.messages.largestBytes)}, p95 ${kb(result.messages.p95Bytes)}, ${result.messages.count} messages   (target: largest < 100 KB)`,
    `  React (load-independent)      ${result.renders.commitsPerSecond.toFixed(1)} commits/s; per commit ${result.renders.componentsPerCommit.toFixed(0)} components rendered, ${result.renders.mutationsPerCommit.toFixed(0)} DOM mutation records (per second ${(result.renders.componentsPerCommit * result.renders.commitsPerSecond).toFixed(0)} and ${(result.renders.mutationsPerCommit * result.renders.commitsPerSecond).toFixed(0)}); ${result.renders.domElements} DOM elements`,
    `  layouts                       ${result.layouts.count}, objects to lay out p50 ${result.layouts.dirtyObjectsP50}, max ${result.layouts.dirtyObjectsMax}`,
    `  simulation while drawn        ${result.simulatedSecondsPerWallSecond.toFixed(1)} simulated s per wall s (asked: 10x)`,
    `  browser                       Chromium ${result.chromium}`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runPageBench({ buildFirst: !process.argv.includes('--no-build') });
  console.log(`page: ${LESSON}.json (30 brokers, 1,000 partitions RF 3) at 10x in Chromium, ${MEASURE_MS / 1000} s measured`);
  console.log(formatPageBench(result));
}
