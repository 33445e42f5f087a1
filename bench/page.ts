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

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  const stats = { on: false, commits: 0, rendered: 0, mutations: 0, byCommit: [], sources: {} };
  globalThis.__renderStats = stats;
  const COMPONENT_TAGS = new Set([0, 1, 11, 14, 15]);
  // A component's name as React DevTools shows it: displayName or the function's name (a memo
  // wrapper with a comparator, tag 14, as memo(Name)); with the first characters of its source,
  // so that the bench can map a minified name back to the source's through the build's source map.
  const names = new Map();
  const nameOf = (fiber) => {
    const type = fiber.type;
    let known = names.get(type);
    if (known !== undefined) return known;
    let fn = fiber.tag === 14 ? type.type : type;
    if (fn && typeof fn === 'object' && typeof fn.render === 'function') fn = fn.render;
    let own = (type && type.displayName) || (fn && (fn.displayName || fn.name)) || 'anonymous';
    if (typeof fn === 'function' && !(type && type.displayName) && !fn.displayName) {
      // Minified names repeat across scopes: two functions of one name get a suffix each.
      const source = String(fn).slice(0, 80);
      let unique = own;
      for (let n = 2; stats.sources[unique] !== undefined && stats.sources[unique] !== source; n++) unique = own + '~' + n;
      stats.sources[unique] = source;
      own = unique;
    }
    known = fiber.tag === 14 ? 'memo(' + own + ')' : own;
    names.set(type, known);
    return known;
  };
  const walk = (first) => {
    const counts = new Map();
    let total = 0;
    const stack = [first];
    while (stack.length > 0) {
      const fiber = stack.pop();
      const before = fiber.alternate;
      if (COMPONENT_TAGS.has(fiber.tag) && (before === null || (fiber.flags & 1) === 1)) {
        total++;
        const name = nameOf(fiber);
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      if (fiber.sibling) stack.push(fiber.sibling);
      if (fiber.child && !(before !== null && fiber.child === before.child)) stack.push(fiber.child);
    }
    stats.rendered += total;
    stats.byCommit.push({ total, counts: [...counts] });
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
    /**
     * Per message from the worker (a frame of data, but for a few answers): what drawing one frame
     * costs, however React splits it into commits (urgent, cascaded, deferred).
     */
    readonly componentsPerMessage: number;
    readonly mutationsPerMessage: number;
  };
  /** Components rendered by name: per commit, and per commit among the largest tenth. */
  readonly renderedByName: RenderedByName;
  /** From the trace: what the browser did in the frames over 16 ms. */
  readonly slowFrames: SlowFrames;
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
  // The renders page counts the worker's messages too (frames, mostly): components per frame of data.
  if (instrument === 'renders') await page.addInitScript(`${MESSAGE_RECORDER};${RENDER_RECORDER}`);
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
  readonly args?: {
    readonly name?: string;
    readonly beginData?: { readonly dirtyObjects?: number };
    readonly endData?: { readonly layoutRoots?: readonly { readonly nodeName?: string }[] };
    readonly data?: { readonly nodeName?: string; readonly clip?: readonly number[]; readonly reason?: string };
  };
}

/** What the browser did in the frames over the budget: event time by name, Layout roots, Paint rects, layout invalidations. */
export interface SlowFrames {
  readonly count: number;
  /** Main-thread trace events' time in those frames, by name (nested events counted in each of their names), ms. */
  readonly msByEvent: readonly (readonly [string, number])[];
  /** Each Layout's root (`#document` for a whole-page layout) and the objects it laid out. */
  readonly layouts: readonly { readonly root: string; readonly dirtyObjects: number }[];
  /** Each Paint's node and the area of its rect, px². */
  readonly paints: readonly { readonly node: string; readonly areaPx: number }[];
  /** LayoutInvalidationTracking (only with PAGE_BENCH_INVALIDATIONS=1): node and reason, counted. */
  readonly invalidations: readonly (readonly [string, number])[];
}

/** A frame over this much main-thread work misses a 60 Hz display's frame. */
const FRAME_BUDGET_US = 16_000;

/**
 * The page's main thread in the trace (the renderer main thread that worked most): its work in each
 * frame Chromium produced (top-level tasks' time between one AnimationFrame's start and the next:
 * a long task makes one long frame, and fewer frames), its long tasks, and the share of time busy.
 */
function mainThreadWork(trace: { traceEvents: TraceEvent[] }): {
  perFrameMs: number[];
  framesPerSecond: number;
  longTasksMs: number[];
  busyShare: number;
  layoutDirtyObjects: number[];
  slow: SlowFrames;
} {
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
  const slow = slowFramesOf(
    trace.traceEvents.filter((event) => event.pid === best.pid && event.tid === best.tid),
    frameStarts,
    perFrameUs,
  );
  return {
    slow,
    layoutDirtyObjects,
    perFrameMs: perFrameUs.map((us) => us / 1000),
    framesPerSecond: (perFrameUs.length * 1_000_000) / spanUs,
    longTasksMs: best.tasks.filter((task) => task.dur! > LONG_TASK_US).map((task) => task.dur! / 1000),
    busyShare: best.busyUs / (Math.max(...best.tasks.map((task) => task.ts + task.dur!)) - Math.min(...best.tasks.map((task) => task.ts))),
  };
}

/** The events of the main thread (`events`) that start in a frame whose work exceeded the budget, summed. */
function slowFramesOf(events: readonly TraceEvent[], frameStarts: readonly number[], perFrameUs: readonly number[]): SlowFrames {
  const slowIndex = perFrameUs.flatMap((us, index) => (us > FRAME_BUDGET_US ? [index] : []));
  const inSlowFrame = (ts: number): boolean => {
    let low = 0;
    let high = frameStarts.length - 2;
    if (ts < frameStarts[0]! || ts >= frameStarts.at(-1)!) return false;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (frameStarts[mid]! <= ts) low = mid;
      else high = mid - 1;
    }
    return perFrameUs[low]! > FRAME_BUDGET_US;
  };
  const byEvent = new Map<string, number>();
  const layouts: { root: string; dirtyObjects: number }[] = [];
  const paints: { node: string; areaPx: number }[] = [];
  const invalidations = new Map<string, number>();
  for (const event of events) {
    if (!inSlowFrame(event.ts)) continue;
    if (event.ph === 'X' && event.name !== 'ThreadControllerImpl::RunTask' && event.name !== 'RunTask') {
      byEvent.set(event.name, (byEvent.get(event.name) ?? 0) + event.dur! / 1000);
    }
    if (event.name === 'Layout' && event.ph === 'X') {
      const roots = event.args?.endData?.layoutRoots ?? [];
      layouts.push({ root: roots.map((root) => root.nodeName ?? '?').join(' + ') || '?', dirtyObjects: event.args?.beginData?.dirtyObjects ?? 0 });
    }
    if (event.name === 'Paint' && event.ph === 'X') {
      const clip = event.args?.data?.clip ?? [];
      const width = clip.length >= 8 ? Math.abs(clip[2]! - clip[0]!) : 0;
      const height = clip.length >= 8 ? Math.abs(clip[5]! - clip[1]!) : 0;
      paints.push({ node: event.args?.data?.nodeName ?? '?', areaPx: width * height });
    }
    if (event.name === 'LayoutInvalidationTracking') {
      const key = `${event.args?.data?.nodeName ?? '?'} (${event.args?.data?.reason ?? '?'})`;
      invalidations.set(key, (invalidations.get(key) ?? 0) + 1);
    }
  }
  const sorted = <K,>(map: Map<K, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return { count: slowIndex.length, msByEvent: sorted(byEvent), layouts, paints, invalidations: sorted(invalidations) };
}

/**
 * The components React rendered, by name, from the render recorder's per-commit counts: the mean
 * per commit, and the same over the largest tenth of commits (the urgent commits that make slow
 * frames). Minified names are mapped back to the source's with the build's source maps.
 */
export interface RenderedByName {
  readonly perCommit: readonly (readonly [string, number])[];
  readonly perLargeCommit: readonly (readonly [string, number])[];
  readonly largeCommits: number;
  readonly largeCommitMinComponents: number;
}

function renderedByName(byCommit: readonly { total: number; counts: [string, number][] }[], rename: (name: string) => string): RenderedByName {
  const mean = (commits: readonly { counts: [string, number][] }[]) => {
    const sums = new Map<string, number>();
    for (const commit of commits) for (const [name, count] of commit.counts) sums.set(rename(name), (sums.get(rename(name)) ?? 0) + count);
    return [...sums].map(([name, sum]) => [name, sum / Math.max(1, commits.length)] as const).sort((a, b) => b[1] - a[1]);
  };
  const large = [...byCommit].sort((a, b) => b.total - a.total).slice(0, Math.max(1, Math.ceil(byCommit.length / 10)));
  return { perCommit: mean(byCommit), perLargeCommit: mean(large), largeCommits: large.length, largeCommitMinComponents: large.at(-1)?.total ?? 0 };
}

/**
 * Maps names minified by the build back to the source's: each component's first characters of
 * source are found in the built scripts and the build's source map names the identifier there
 * (`name@file:line` when the map has no name for it).
 */
async function sourceNames(sources: Readonly<Record<string, string>>): Promise<(name: string) => string> {
  const { SourceMapConsumer } = await import('source-map-js');
  const assets = 'dist/assets';
  const scripts = readdirSync(assets)
    .filter((file) => file.endsWith('.js') && existsSync(`${assets}/${file}.map`))
    .map((file) => ({ text: readFileSync(`${assets}/${file}`, 'utf8'), map: new SourceMapConsumer(JSON.parse(readFileSync(`${assets}/${file}.map`, 'utf8'))) }));
  const resolved = new Map<string, string>();
  for (const [name, source] of Object.entries(sources)) {
    for (const script of scripts) {
      const at = script.text.indexOf(source);
      if (at < 0) continue;
      // The identifier: after `function ` (a declaration or a named expression), else the start.
      const identifierAt = source.startsWith('function ') ? at + 'function '.length : source.startsWith('class ') ? at + 'class '.length : at;
      const before = script.text.slice(0, identifierAt);
      const line = before.split('\n').length;
      const column = identifierAt - (before.lastIndexOf('\n') + 1);
      const original = script.map.originalPositionFor({ line, column });
      const file = original.source?.split('/').at(-1) ?? '?';
      // A function expression the build left nameless (memo(function Name ...)): the name on its source line.
      const line_ = original.source === null ? undefined : script.map.sourceContentFor(original.source, true)?.split('\n')[original.line - 1];
      const onLine = line_ === undefined ? null : /function\s+([A-Za-z_$][\w$]*)/.exec(line_)?.[1] ?? null;
      const label = original.name !== null && original.name !== undefined && original.name.length > 2 ? original.name : (onLine ?? name.replace(/~\d+$/, ''));
      resolved.set(name, `${label}@${file}:${original.line ?? '?'}`);
      break;
    }
  }
  return (name) => {
    const memo = /^memo\((.*)\)$/.exec(name);
    if (memo !== null) return `memo(${resolved.get(memo[1]!) ?? memo[1]})`;
    return resolved.get(name) ?? name;
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
    // PAGE_BENCH_INVALIDATIONS=1 also records which nodes invalidated layout (it costs time, so not by default).
    const invalidations = process.env.PAGE_BENCH_INVALIDATIONS === '1' ? ['disabled-by-default-devtools.timeline.invalidationTracking'] : [];
    await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline', ...invalidations] });
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
    await counted.evaluate('globalThis.__renderStats.on = true; globalThis.__messagesAtStart = globalThis.__messageSizes.length');
    const countStart = performance.now();
    await counted.waitForTimeout(MEASURE_MS);
    const stats = (await counted.evaluate(
      `(() => { const s = globalThis.__renderStats; s.on = false; return { commits: s.commits, rendered: s.rendered, mutations: s.mutations, dom: document.getElementsByTagName('*').length, byCommit: s.byCommit, sources: s.sources, messages: globalThis.__messageSizes.length - globalThis.__messagesAtStart }; })()`,
    )) as { commits: number; rendered: number; mutations: number; dom: number; byCommit: { total: number; counts: [string, number][] }[]; sources: Record<string, string>; messages: number };
    const countSeconds = (performance.now() - countStart) / 1000;
    await counted.close();
    const perCommit = (value: number) => value / Math.max(1, stats.commits);
    const rename = await sourceNames(stats.sources);
    const byName = renderedByName(stats.byCommit, rename);
    // PAGE_BENCH_COMMITS=<file> keeps every commit's components by name, for a closer look.
    if (process.env.PAGE_BENCH_COMMITS !== undefined) {
      const commits = stats.byCommit.map((commit) => ({ total: commit.total, counts: commit.counts.map(([name, count]) => [rename(name), count]) }));
      writeFileSync(process.env.PAGE_BENCH_COMMITS, JSON.stringify(commits));
    }

    // 4. Only with PAGE_BENCH_PROFILE=<file>: a CPU profile (Chrome's .cpuprofile) of the page, in a page of its own.
    const profilePath = process.env.PAGE_BENCH_PROFILE;
    if (profilePath !== undefined) {
      const profiled = await openAndPlay(browser, baseUrl, null);
      const cdp = await profiled.context().newCDPSession(profiled);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
      await profiled.waitForTimeout(MEASURE_MS);
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(profilePath, JSON.stringify(profile));
      await profiled.close();
    }

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
        componentsPerMessage: stats.rendered / Math.max(1, stats.messages),
        mutationsPerMessage: stats.mutations / Math.max(1, stats.messages),
      },
      renderedByName: byName,
      slowFrames: work.slow,
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
    `  React (load-independent)      ${result.renders.commitsPerSecond.toFixed(1)} commits/s; per commit ${result.renders.componentsPerCommit.toFixed(0)} components rendered, ${result.renders.mutationsPerCommit.toFixed(0)} DOM mutation records (per second ${(result.renders.componentsPerCommit * result.renders.commitsPerSecond).toFixed(0)} and ${(result.renders.mutationsPerCommit * result.renders.commitsPerSecond).toFixed(0)}; per worker message ${result.renders.componentsPerMessage.toFixed(0)} and ${result.renders.mutationsPerMessage.toFixed(0)}); ${result.renders.domElements} DOM elements`,
    `  layouts                       ${result.layouts.count}, objects to lay out p50 ${result.layouts.dirtyObjectsP50}, max ${result.layouts.dirtyObjectsMax}`,
    ...formatDetail(result),
    `  simulation while drawn        ${result.simulatedSecondsPerWallSecond.toFixed(1)} simulated s per wall s (asked: 10x)`,
    `  browser                       Chromium ${result.chromium}`,
  ].join('\n');
}

/** How many names each list shows: the top 15 (more may be shown, never fewer). */
const TOP_NAMES = 15;

function formatDetail(result: PageBenchResult): string[] {
  const list = (entries: readonly (readonly [string, number])[], digits: number) =>
    entries
      .slice(0, TOP_NAMES)
      .map(([name, value]) => `${name} ${value.toFixed(digits)}`)
      .join(', ');
  const slow = result.slowFrames;
  const roots = new Map<string, { count: number; objects: number[] }>();
  for (const layout of slow.layouts) {
    const entry = roots.get(layout.root) ?? { count: 0, objects: [] };
    entry.count++;
    entry.objects.push(layout.dirtyObjects);
    roots.set(layout.root, entry);
  }
  const paints = new Map<string, { count: number; areaMaxPx: number }>();
  for (const paint of slow.paints) {
    const entry = paints.get(paint.node) ?? { count: 0, areaMaxPx: 0 };
    entry.count++;
    entry.areaMaxPx = Math.max(entry.areaMaxPx, paint.areaPx);
    paints.set(paint.node, entry);
  }
  const named = result.renderedByName;
  return [
    `  components per commit, by name (mean over all commits): ${list(named.perCommit, 1)}`,
    `  components per commit in the largest ${named.largeCommits} commits (${named.largeCommitMinComponents}+ components): ${list(named.perLargeCommit, 1)}`,
    `  frames over 16 ms             ${slow.count}; main-thread events in them, ms (by name, nested counted in each): ${list(slow.msByEvent, 0)}`,
    `    their Layouts (root: count, objects p50/max): ${[...roots].map(([root, entry]) => `${root}: ${entry.count}, ${percentile(entry.objects, 0.5)}/${Math.max(...entry.objects)}`).join('; ') || 'none'}`,
    `    their Paints (node: count, largest rect): ${[...paints].sort((a, b) => b[1].count - a[1].count).slice(0, TOP_NAMES).map(([node, entry]) => `${node}: ${entry.count}, ${Math.round(entry.areaMaxPx / 1000)}k px²`).join('; ') || 'none'}`,
    ...(slow.invalidations.length > 0 ? [`    layout invalidations in them (node (reason): count): ${list(slow.invalidations, 0)}`] : []),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runPageBench({ buildFirst: !process.argv.includes('--no-build') });
  console.log(`page: ${LESSON}.json (30 brokers, 1,000 partitions RF 3) at 10x in Chromium, ${MEASURE_MS / 1000} s measured`);
  console.log(formatPageBench(result));
}
