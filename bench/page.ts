// The page's performance in real Chromium (issue 7, item 9): the lesson large-cluster.json (30
// brokers, 1,000 partitions RF 3, producers and a consumer group) played at 10x, measured two ways
// in two page loads, so that one measurement does not slow the other:
//
//   frame time   main-thread work per frame Chromium produced, from a performance trace: the
//                renderer main thread's top-level tasks between one AnimationFrame's start and the
//                next (a long task makes a long frame), p50/p95/max, in two clocks. Thread time
//                (the trace's tdur: while the thread ran) is the page's own work per frame, and the
//                target judges it: p95 under 16 ms. Wall time adds the time the thread was ready but
//                waited for a core; on the 2-core machines this runs on, the same cores run the
//                worker (~a third of one), Chromium's raster and V8 compile threads, the display
//                compositor drawing every frame in software (no GPU: ~a quarter of a core) and this
//                bench's own Node processes, so wall time is 1.5 to 2x thread time at its tail and
//                tells the host's load as much as the page's cost. Beside them: tasks over 50 ms,
//                the share of time the thread was busy, and the gap between requestAnimationFrame
//                callbacks (p95 near 16.7 ms: no frame skipped).
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
// The build keeps functions' names (rolldown's keepNames), so the renders page counts components by
// name: the 15 most rendered per commit are printed for the urgent and the deferred commits.
// `--detail` explains the slow frames instead of timing them: the traced page also stamps each
// React commit into the trace (console.timeStamp: urgent or deferred, the components it rendered)
// and the trace adds V8's sampling profiler; for each frame over 16 ms it prints the commits it
// held, the trace events by name (inclusive ms), each Layout's objects, then the JavaScript's self
// time by source file and function (mapped through dist/'s source maps). `--invalidations` adds
// invalidation tracking: the nodes that dirtied layout and style (it makes DOM writes far dearer).
// `--dist=DIR` serves a build kept earlier, so A and B runs can be interleaved without rebuilding;
// `--build-to=DIR` makes such a build (as the bench builds: keepNames) and stops.
// Beside wall time, each frame's thread time (the trace's tdur: while the thread ran) and the
// rendering phases' thread time per painted frame are printed: on this shared machine a busy core
// stretches wall time 2-3x, thread time far less. The renderer's thread pool is summed too (raster per painted
// frame; V8's background compile and GC jobs, posted by the page's isolate and the worker's alike): the
// same 2 cores run it, and "raster" must not be read off the pool's total (compile jobs were most of it).
// `--jit` adds V8's deoptimisations and optimised-code installs per thread and second (jitActivity).
// `--layerize` adds how many Layerize passes were full layerizations (layerizeActivity); `--css=FILE`
// injects a style sheet into every page it opens (a probe: what hiding or changing a part would
// save, before writing it; such a run measures the build plus that CSS, never the build alone).
// `--pointer=none` clicks 10x and Play from script, so the pointer never rests on the page (a probe of
// the hover's hit test Chromium runs after each layout; the default leaves it on Play, as a person does).
// `--explain=trace.json` analyses a trace kept with PAGE_BENCH_TRACE. Frame times under --detail
// carry that instrumentation: compare them only with each other.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { chromium, type Browser, type Page } from '@playwright/test';
import { build, preview } from 'vite';
import { clockMs } from '../test/e2e/clock';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LESSON = 'large-cluster';
/** Simulated seconds played before measuring: the cluster forms and the load starts. */
const WARM_UP_MS = 4_000;
/** How long each measurement lasts, in wall time. */
const MEASURE_MS = 12_000;
/** How often the measurement reads the page's clock (a text read; the rate counts only the time the lesson played). */
const CLOCK_SAMPLE_MS = 500;
/** The target for the p95 of the main thread's own time per frame (issue 7, item 9): a 60 Hz frame. */
const FRAME_TARGET_MS = 16;
/** The target for the largest worker-to-page message (issue 7, item 9). */
const MESSAGE_TARGET_BYTES = 100 * 1024;
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
 * Host elements reconciled are counted apart (a fiber new, or given a new props object, which a
 * bailed-out subtree keeps; a text only when it changed): what React diffed, though most write nothing.
 * Each is also counted for the component that rendered it (its nearest component ancestor).
 */
const RENDER_RECORDER = `(() => {
  const stats = { on: false, commits: 0, rendered: 0, mutations: 0, byClass: {}, stamp: false, stopObserving: () => {} };
  globalThis.__renderStats = stats;
  const COMPONENT_TAGS = new Set([0, 1, 11, 14, 15]);
  // A component's name (the bench builds with keepNames, so production names survive minifying).
  const nameOf = (fiber) => {
    const type = fiber.type;
    if (type === null || type === undefined) return '?';
    if (typeof type === 'function') return type.displayName || type.name || '?';
    const inner = type.type ?? type.render;
    return type.displayName || (inner && (inner.displayName || inner.name)) || '?';
  };
  const HOST_TAGS = new Set([5, 6]);
  let hosts = 0;
  let hostsByOwner = new Map();
  // The component whose render produced a host element: its nearest component ancestor.
  const ownerOf = (fiber) => {
    let up = fiber.return;
    while (up && !COMPONENT_TAGS.has(up.tag)) up = up.return;
    return up ? nameOf(up) : '?';
  };
  const walk = (first, names) => {
    const stack = [first];
    let rendered = 0;
    while (stack.length > 0) {
      const fiber = stack.pop();
      const before = fiber.alternate;
      if (COMPONENT_TAGS.has(fiber.tag) && (before === null || (fiber.flags & 1) === 1)) {
        rendered++;
        const name = nameOf(fiber);
        names.set(name, (names.get(name) ?? 0) + 1);
      } else if (HOST_TAGS.has(fiber.tag) && (before === null || fiber.memoizedProps !== before.memoizedProps)) {
        hosts++;
        const owner = ownerOf(fiber);
        hostsByOwner.set(owner, (hostsByOwner.get(owner) ?? 0) + 1);
      }
      if (fiber.sibling) stack.push(fiber.sibling);
      if (fiber.child && !(before !== null && fiber.child === before.child)) stack.push(fiber.child);
    }
    return rendered;
  };
  // A commit is the deferred one when the panels drawn from the deferred state rendered in it:
  // DeferredPanels (LaterPanels in builds before it took the deferred copy itself, rendering in
  // urgent commits too); the urgent one when App rendered (a frame arrived); otherwise 'other' (a
  // component's own update: a timer, a hover, a panel refreshing while held off screen).
  let sawDeferredPanels = false;
  const classOf = (names) => {
    sawDeferredPanels ||= names.has('DeferredPanels');
    if (names.has(sawDeferredPanels ? 'DeferredPanels' : 'LaterPanels')) return 'deferred';
    return names.has('App') ? 'urgent' : 'other';
  };
  let observer = null;
  globalThis.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    renderers: new Map(), supportsFiber: true, isDisabled: false,
    inject(renderer) { const id = this.renderers.size + 1; this.renderers.set(id, renderer); return id; },
    onCommitFiberRoot(_id, root) {
      if (!stats.on) return;
      const names = new Map();
      hosts = 0;
      hostsByOwner = new Map();
      const rendered = root.current.child ? walk(root.current.child, names) : 0;
      // This commit's DOM mutations are the records pending now (React calls the hook after its layout effects).
      const mutations = observer === null ? 0 : observer.takeRecords().length;
      const cls = classOf(names);
      const entry = (stats.byClass[cls] ??= { commits: 0, rendered: 0, mutations: 0, hosts: 0, names: {}, hostOwners: {}, renderedEach: [], mutationsEach: [] });
      stats.commits++; stats.rendered += rendered; stats.mutations += mutations;
      entry.commits++; entry.rendered += rendered; entry.mutations += mutations; entry.hosts += hosts;
      entry.renderedEach.push(rendered); entry.mutationsEach.push(mutations);
      for (const [name, count] of names) entry.names[name] = (entry.names[name] ?? 0) + count;
      for (const [name, count] of hostsByOwner) entry.hostOwners[name] = (entry.hostOwners[name] ?? 0) + count;
      // In the traced page, each commit is stamped into the performance trace (a TimeStamp event).
      if (stats.stamp) {
        const top = [...names].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([name, count]) => name + 'x' + count).join(' ');
        console.timeStamp('react-commit ' + cls + ' rendered=' + rendered + ' mutations=' + mutations + ' | ' + top);
      }
    },
    onCommitFiberUnmount() {}, onPostCommitFiberRoot() {}, checkDCE() {},
  };
  observer = new MutationObserver((records) => { if (stats.on) stats.mutations += records.length; });
  stats.stopObserving = () => { observer.disconnect(); observer = null; };
  const start = () => observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})()`;

/** Components printed per kind of commit, the most rendered first. */
const TOP_COMPONENTS = 15;

/** What the renders page gathers per kind of commit (urgent, deferred). */
interface CommitClassStats {
  readonly commits: number;
  readonly rendered: number;
  readonly mutations: number;
  /** Host elements and texts reconciled (new, or given new props). */
  readonly hosts: number;
  readonly names: Record<string, number>;
  /** Host elements reconciled, by the component that rendered them. */
  readonly hostOwners: Record<string, number>;
  /** Each commit's components rendered and DOM mutation records, in order (the measurement's ~600 commits). */
  readonly renderedEach: number[];
  readonly mutationsEach: number[];
}

export interface PageBenchResult {
  readonly frameWorkMs: { readonly p50: number; readonly p95: number; readonly max: number; readonly frames: number; readonly perSecond: number };
  /** The same frames' main-thread time counted only while the thread ran (trace `tdur`): less sensitive to the shared machine's load than `frameWorkMs`. */
  readonly frameThreadMs: { readonly p50: number; readonly p95: number; readonly max: number };
  /** Thread time per frame that painted, by rendering phase. */
  readonly rendering: RenderingPhases;
  /** The renderer's thread pool (thread time): raster, V8's background compilers and GC, the rest. */
  readonly pool: RendererPool;
  /** The main thread's script and message handling (thread time), per second and per frame. */
  readonly script: ScriptTime;
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
    /** The urgent commits (App rendered), the deferred ones (DeferredPanels rendered) and others, each with its most rendered components. */
    readonly byClass: readonly {
      readonly kind: string;
      readonly commits: number;
      readonly componentsPerCommit: number;
      readonly mutationsPerCommit: number;
      /** Host elements and texts React reconciled per commit (diffed; most write nothing). */
      readonly hostsPerCommit: number;
      /** p95 and largest of a commit's components rendered and DOM mutation records: a burst shows here, not in the mean. */
      readonly components: { readonly p95: number; readonly max: number };
      readonly mutations: { readonly p95: number; readonly max: number };
      readonly topPerCommit: readonly { readonly name: string; readonly perCommit: number }[];
      /** Host elements reconciled per commit by the component that rendered them, the most first. */
      readonly hostOwnersPerCommit: readonly { readonly name: string; readonly perCommit: number }[];
    }[];
  };
  /** The frames over 16 ms and the slowest 5%, their thread time split into GC, rendering, script and other; the page's GC. */
  readonly tail: FrameTail;
  /** `--detail` only: the slow frames explained from the trace. */
  readonly slowFrames: string | null;
  /** `--jit` only: V8's deoptimisations and optimised code installed, per thread and second of the trace. */
  readonly jit: string | null;
  /** `--layerize` only: Layerize passes that re-layerized the whole page, and their cost. */
  readonly layerize: LayerizeActivity | null;
  /** From the trace: Layouts, and the objects each had to lay out (p50, max). */
  readonly layouts: { readonly count: number; readonly dirtyObjectsP50: number; readonly dirtyObjectsMax: number };
  readonly simulatedSecondsPerWallSecond: number;
  /** Wall seconds of the measurement the lesson played (it ends at 60 simulated s), and the worker thread's share of them from the trace. */
  readonly played: { readonly wallS: number; readonly worker: WorkerShare | null };
  readonly chromium: string;
}

interface WorkerShare {
  readonly threadShare: number;
  readonly wallShare: number;
  readonly tasksPerSecond: number;
  readonly taskP95Ms: number;
}

/**
 * The engine's worker thread (Chromium's "DedicatedWorker thread") over the first `spanUs` of the
 * trace: its top-level tasks' thread time and wall time as shares of the span, tasks per second
 * (slices, the page's acknowledgements, commands) and the task p95. Null when the trace has no worker.
 */
function workerShare(trace: { traceEvents: TraceEvent[] }, spanUs: number): WorkerShare | null {
  const named = trace.traceEvents.find((event) => event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'DedicatedWorker thread');
  if (named === undefined || spanUs <= 0) return null;
  const startUs = trace.traceEvents.reduce((first, event) => (event.ph === 'X' && event.ts > 0 && event.ts < first ? event.ts : first), Number.POSITIVE_INFINITY);
  const tasks = trace.traceEvents.filter(
    (event) => event.pid === named.pid && event.tid === named.tid && event.ph === 'X' && event.name === 'ThreadControllerImpl::RunTask' && event.ts - startUs < spanUs,
  );
  const threadUs = tasks.reduce((sum, task) => sum + (task.tdur ?? 0), 0);
  const wallUs = tasks.reduce((sum, task) => sum + (task.dur ?? 0), 0);
  return { threadShare: threadUs / spanUs, wallShare: wallUs / spanUs, tasksPerSecond: tasks.length / (spanUs / 1e6), taskP95Ms: percentile(tasks.map((task) => (task.dur ?? 0) / 1_000), 0.95) };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

/**
 * How the run is started: 'mouse' clicks 10x and Play and leaves the pointer resting on Play, as a
 * person does (Chromium then updates :hover after each layout with a fake mouse move that hit tests
 * the page at the start of the next frame); 'none' dispatches their click events from script, so
 * the pointer never enters the page (a probe of what the resting pointer costs, never the default).
 */
export type PointerMode = 'mouse' | 'none';

async function openAndPlay(browser: Browser, baseUrl: string, instrument: 'messages' | 'renders' | null, css: string | null, pointer: PointerMode = 'mouse'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
  // Wraps every 'message' listener the page adds to a MessagePort or a Worker (comlink's frames
  // arrive on a port it transfers to the worker) to record the size of what arrives.
  if (instrument === 'messages') await page.addInitScript(MESSAGE_RECORDER);
  if (instrument === 'renders') await page.addInitScript(RENDER_RECORDER);
  await page.goto(`${baseUrl}?scenario=${LESSON}`);
  if (css !== null) await page.addStyleTag({ content: css });
  if (pointer === 'none') {
    // A click event dispatched to each control once it is enabled: no mouse event reaches Chromium.
    for (const control of [page.getByRole('radio', { name: '10×' }), page.getByRole('button', { name: 'Play', exact: true })]) {
      await page.waitForFunction((element) => element !== null && !(element as HTMLButtonElement).disabled, await control.elementHandle());
      await control.dispatchEvent('click');
    }
  } else {
    await page.getByRole('radio', { name: '10×' }).click();
    await page.getByRole('button', { name: 'Play', exact: true }).click();
  }
  const deadline = Date.now() + 120_000;
  while ((await clockMs(page)) < WARM_UP_MS) {
    if (Date.now() > deadline) throw new Error(`the simulated clock did not reach ${WARM_UP_MS} ms within 2 minutes`);
    await page.waitForTimeout(200);
  }
  return page;
}

interface ProfileNode {
  readonly id: number;
  readonly parent?: number;
  readonly callFrame: { readonly functionName: string; readonly url?: string; readonly lineNumber: number; readonly columnNumber: number };
}

/** A Chrome trace event, as the page's probes read them (bench/card-turn.ts too). */
export interface TraceEvent {
  readonly id?: string;
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  /** Thread time: the part of `dur` the thread was running (not waiting for a core). */
  readonly tdur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly args?: {
    readonly name?: string;
    /** ThreadPool_RunTask: the function that posted the task. */
    readonly src_func?: string;
    readonly beginData?: { readonly dirtyObjects?: number; readonly totalObjects?: number; readonly partialLayout?: boolean };
    readonly endData?: { readonly layoutRoots?: readonly { readonly nodeId?: number; readonly depth?: number }[] };
    readonly data?: {
      readonly startTime?: number;
      readonly cpuProfile?: { readonly nodes?: readonly ProfileNode[]; readonly samples?: readonly number[] };
      readonly timeDeltas?: readonly number[];
      readonly message?: string; readonly nodeName?: string; readonly reason?: string; readonly invalidationSet?: unknown; readonly changedClass?: string; readonly changedAttribute?: string };
  };
}

/** The rendering pipeline's phases as the trace names them, in order. */
const RENDERING_PHASES = ['UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize'] as const;

/**
 * What the main thread spent in each rendering phase (thread time) in the frames that painted,
 * per such frame: the cost a frame pays for changing anything on the page, beside the script.
 */
export interface RenderingPhases {
  readonly paintedFrames: number;
  readonly perPaintedFrameMs: Readonly<Record<(typeof RENDERING_PHASES)[number], number>>;
}

export function renderingPhasesOf(trace: { traceEvents: TraceEvent[] }, thread: { pid: number; tid: number }, frameStarts: readonly number[]): RenderingPhases {
  const totals = new Map<string, number>(RENDERING_PHASES.map((phase) => [phase, 0]));
  const painted = new Set<number>();
  const phases = trace.traceEvents
    .filter((event) => event.pid === thread.pid && event.tid === thread.tid && event.ph === 'X' && totals.has(event.name))
    .filter((event) => event.ts >= frameStarts[0]! && event.ts < frameStarts.at(-1)!)
    .sort((a, b) => a.ts - b.ts);
  // A phase's event inside another of the same name is counted in the outer one: Chromium traces a
  // Paint for each layer it repaints inside the document's Paint (summing both had doubled Paint).
  const outerEndUs = new Map<string, number>();
  for (const event of phases) {
    if (event.ts < (outerEndUs.get(event.name) ?? -Infinity)) continue;
    outerEndUs.set(event.name, event.ts + (event.dur ?? 0));
    totals.set(event.name, totals.get(event.name)! + (event.tdur ?? event.dur ?? 0));
    if (event.name === 'Paint') painted.add(frameIndexAt(frameStarts, event.ts));
  }
  const per = (phase: string) => totals.get(phase)! / 1000 / Math.max(1, painted.size);
  return {
    paintedFrames: painted.size,
    perPaintedFrameMs: { UpdateLayoutTree: per('UpdateLayoutTree'), Layout: per('Layout'), PrePaint: per('PrePaint'), Paint: per('Paint'), Layerize: per('Layerize') },
  };
}

/**
 * What the renderer's thread pool ran while measured (thread time), from the trace's top-level
 * events: raster (TaskGraphRunner::RunTask: tiles rastered in software, as the bench runs Chromium
 * without a GPU), V8's background compilers (TurboFan and Maglev jobs: the page's isolate and the
 * worker's share the process's pool) and V8's background GC, and the rest. Per second, and raster
 * per frame that painted: a painted frame's cost beside the main thread's, on the same 2 cores.
 */
export interface RendererPool {
  readonly rasterMsPerPaintedFrame: number;
  readonly tileTasksPerPaintedFrame: number;
  readonly msPerSecond: { readonly raster: number; readonly compile: number; readonly gc: number; readonly other: number };
}

/** ThreadPool_RunTask's posting function, for V8's compile jobs and GC jobs. */
const V8_COMPILE_TASK = /OptimizingCompile|maglev|Maglev|Baseline|Compile/;
const V8_GC_TASK = /Marking|Scaveng|Sweep|Evacuat|Cppgc|MarkCompact|Heap|Weak|Pointers/;

export function rendererPoolOf(trace: { traceEvents: TraceEvent[] }, thread: { pid: number; tid: number }, frameStarts: readonly number[], paintedFrames: number): RendererPool {
  const from = frameStarts[0]!;
  const to = frameStarts.at(-1)!;
  let rasterUs = 0;
  let tileTasks = 0;
  let compileUs = 0;
  let gcUs = 0;
  let poolUs = 0;
  for (const event of trace.traceEvents) {
    if (event.pid !== thread.pid || event.tid === thread.tid || event.ph !== 'X' || event.ts < from || event.ts >= to) continue;
    const us = event.tdur ?? event.dur ?? 0;
    if (event.name === 'TaskGraphRunner::RunTask') {
      rasterUs += us;
      tileTasks++;
    } else if (event.name === 'ThreadPool_RunTask') {
      poolUs += us;
      const posted = event.args?.src_func ?? '';
      if (V8_COMPILE_TASK.test(posted)) compileUs += us;
      else if (V8_GC_TASK.test(posted)) gcUs += us;
    }
  }
  const seconds = (to - from) / 1e6;
  const perSecond = (us: number) => us / 1000 / Math.max(seconds, 1e-9);
  return {
    rasterMsPerPaintedFrame: rasterUs / 1000 / Math.max(1, paintedFrames),
    tileTasksPerPaintedFrame: tileTasks / Math.max(1, paintedFrames),
    // Raster tasks run inside ThreadPool_RunTask on the pool's threads: the rest is what is neither.
    msPerSecond: { raster: perSecond(rasterUs), compile: perSecond(compileUs), gc: perSecond(gcUs), other: perSecond(Math.max(0, poolUs - rasterUs - compileUs - gcUs)) },
  };
}

/**
 * The main thread's script (thread time): the outermost events that run the page's JavaScript or
 * hand it a message (a worker's frame arrives as SimpleWatcher::OnHandleReady: the structured
 * clone's deserialization, then comlink's listener as a FunctionCall), less the rendering phases
 * forced inside them (a layout read from script is Layout's, counted in the phases). Per second and
 * per frame, so that work cut per frame shows apart from a page that drew fewer frames.
 */
export interface ScriptTime {
  readonly msPerSecond: number;
  readonly msPerFrame: number;
}

const SCRIPT_EVENTS = new Set([
  'SimpleWatcher::OnHandleReady',
  'FunctionCall',
  'RunMicrotasks',
  'TimerFire',
  'FireAnimationFrame',
  'EventDispatch',
  'V8.Execute',
  'EvaluateScript',
  'FireIdleCallback',
]);

export function scriptOf(trace: { traceEvents: TraceEvent[] }, thread: { pid: number; tid: number }, frameStarts: readonly number[]): ScriptTime {
  const from = frameStarts[0]!;
  const to = frameStarts.at(-1)!;
  const events = trace.traceEvents
    .filter((event) => event.pid === thread.pid && event.tid === thread.tid && event.ph === 'X' && event.ts >= from && event.ts < to)
    .filter((event) => SCRIPT_EVENTS.has(event.name) || (RENDERING_PHASES as readonly string[]).includes(event.name))
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  let scriptUs = 0;
  let scriptEndUs = -Infinity;
  let phaseEndUs = -Infinity;
  for (const event of events) {
    const us = event.tdur ?? event.dur ?? 0;
    const end = event.ts + (event.dur ?? 0);
    if (SCRIPT_EVENTS.has(event.name)) {
      if (event.ts < scriptEndUs) continue;
      scriptEndUs = end;
      scriptUs += us;
    } else if (event.ts < scriptEndUs && event.ts >= phaseEndUs) {
      // A rendering phase forced inside script (the outermost one only: Paint holds Paints).
      phaseEndUs = end;
      scriptUs -= us;
    }
  }
  const frames = Math.max(1, frameStarts.length - 1);
  return { msPerSecond: scriptUs / 1000 / Math.max((to - from) / 1e6, 1e-9), msPerFrame: scriptUs / 1000 / frames };
}

/**
 * The page's main thread in the trace (the renderer main thread that worked most): its work in each
 * frame Chromium produced (top-level tasks' time between one AnimationFrame's start and the next:
 * a long task makes one long frame, and fewer frames), its long tasks, and the share of time busy.
 */
function mainThreadWork(trace: { traceEvents: TraceEvent[] }): {
  perFrameMs: number[];
  perFrameThreadMs: number[];
  renderingPhases: RenderingPhases;
  pool: RendererPool;
  script: ScriptTime;
  framesPerSecond: number;
  longTasksMs: number[];
  /** The tasks over LONG_TASK_US of wall time, in order. */
  longTaskEvents: TraceEvent[];
  busyShare: number;
  layoutDirtyObjects: number[];
  thread: { pid: number; tid: number };
  frameStartsUs: number[];
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
  const perFrameThreadUs = new Array<number>(frameStarts.length - 1).fill(0);
  for (const task of best.tasks) {
    // Thread time goes to the frame the task starts in (a trace gives no thread time for part of a task).
    const first = frameIndexAt(frameStarts, task.ts);
    if (task.ts >= frameStarts[0]! && task.ts < frameStarts.at(-1)!) perFrameThreadUs[first]! += task.tdur ?? task.dur!;
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
  const renderingPhases = renderingPhasesOf(trace, best, frameStarts);
  return {
    renderingPhases,
    pool: rendererPoolOf(trace, best, frameStarts, renderingPhases.paintedFrames),
    script: scriptOf(trace, best, frameStarts),
    perFrameThreadMs: perFrameThreadUs.map((us) => us / 1000),
    layoutDirtyObjects,
    thread: { pid: best.pid, tid: best.tid },
    frameStartsUs: frameStarts,
    perFrameMs: perFrameUs.map((us) => us / 1000),
    framesPerSecond: (perFrameUs.length * 1_000_000) / spanUs,
    longTasksMs: best.tasks.filter((task) => task.dur! > LONG_TASK_US).map((task) => task.dur! / 1000),
    longTaskEvents: best.tasks.filter((task) => task.dur! > LONG_TASK_US).sort((a, b) => a.ts - b.ts),
    busyShare: best.busyUs / (Math.max(...best.tasks.map((task) => task.ts + task.dur!)) - Math.min(...best.tasks.map((task) => task.ts))),
  };
}

/** Frames over this much main-thread work are explained in `--detail` mode (a 60 Hz frame). */
const SLOW_FRAME_MS = 16;
/** Slow frames printed one by one in `--detail` mode (the worst first); all count in the summary. */
const SLOW_FRAMES_PRINTED = 12;

/** The frame `ts` falls in: the last of `starts` (frame start times, ascending) at or before it. */
function frameIndexAt(starts: readonly number[], ts: number): number {
  let low = 0;
  let high = starts.length - 2;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= ts) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * The tail of the frame-time distribution, attributed (issue 7, item 9: p95 is the slowest 5% of
 * frames, not the average). Each frame's thread time (a task's `tdur` goes to the frame it starts
 * in, as `perFrameThreadMs` counts it) is split into disjoint parts from the main thread's events:
 * *gc* (V8's collections run on this thread, the page's isolate: scavenges, incremental marking
 * steps and the mark-compact pause with its embedder tracing of Blink's heap; the outermost such
 * event), *rendering* (the outermost rendering phases, wherever they run, less the GC inside them),
 * *script* (the outermost script events as `scriptOf` counts them, less the phases and the GC inside
 * them) and *other* (the rest of the frame's tasks: the message's IPC, scheduling, commits of
 * layers). For the frames over `SLOW_FRAME_MS` and for the slowest 5% (the frames at or over the
 * p95), the mean of each part and how many frames each part dominates; and the page's GC on this
 * thread over the measurement: scavenges and mark-compacts, their count and thread time.
 */
export interface FrameTail {
  readonly slow: TailPart;
  readonly worst5: TailPart;
  /** The main thread's tasks over 50 ms of wall time, each split the same way (its thread time). */
  readonly longTasks: TailPart;
  readonly gc: {
    readonly seconds: number;
    readonly scavenges: number;
    readonly scavengeMs: number;
    readonly markCompacts: number;
    readonly markCompactMs: number;
    /** Incremental marking steps outside a mark-compact pause (they run inside tasks, between them). */
    readonly incrementalMs: number;
  };
}

export interface TailPart {
  readonly frames: number;
  /** Mean thread time per frame (or task) of the set, by part. */
  readonly meanMs: { readonly total: number; readonly gc: number; readonly rendering: number; readonly script: number; readonly other: number };
  /** Frames (or tasks) of the set whose largest part is each one. */
  readonly dominated: { readonly gc: number; readonly rendering: number; readonly script: number; readonly other: number };
  /** Frames (or tasks) of the set holding any GC on this thread. */
  readonly withGc: number;
}

const TAIL_PARTS = ['gc', 'rendering', 'script', 'other'] as const;

function isGcEvent(name: string): boolean {
  return name === 'MinorGC' || name === 'MajorGC' || name.startsWith('V8.GC_') || name.startsWith('BlinkGC.') || name.startsWith('CppGC.');
}

/** The outermost of `events` (sorted by start, the longer first on a tie): those not inside the one before. */
function outermost(events: readonly TraceEvent[]): TraceEvent[] {
  const kept: TraceEvent[] = [];
  let endUs = -Infinity;
  for (const event of events) {
    if (event.ts < endUs) continue;
    kept.push(event);
    endUs = event.ts + (event.dur ?? 0);
  }
  return kept;
}

const threadUsOf = (event: TraceEvent) => event.tdur ?? event.dur ?? 0;
const inside = (event: TraceEvent, outer: TraceEvent) => event.ts >= outer.ts && event.ts < outer.ts + (outer.dur ?? 0);

/**
 * Each slot's (a frame's, a task's) GC, rendering and script thread time in ms, disjoint: every
 * outermost event goes to the slot `slotOf` gives its start (-1: none).
 */
function splitBySlot(
  parts: { readonly gcs: readonly TraceEvent[]; readonly phases: readonly TraceEvent[]; readonly scripts: readonly TraceEvent[] },
  slots: number,
  slotOf: (ts: number) => number,
): { gc: number[]; rendering: number[]; script: number[] } {
  const split = { gc: new Array<number>(slots).fill(0), rendering: new Array<number>(slots).fill(0), script: new Array<number>(slots).fill(0) };
  const add = (into: number[], ts: number, us: number) => {
    const slot = slotOf(ts);
    if (slot >= 0) into[slot]! += us / 1000;
  };
  for (const gc of parts.gcs) add(split.gc, gc.ts, threadUsOf(gc));
  for (const phase of parts.phases) {
    add(split.rendering, phase.ts, threadUsOf(phase) - parts.gcs.filter((gc) => inside(gc, phase)).reduce((sum, gc) => sum + threadUsOf(gc), 0));
  }
  for (const script of parts.scripts) {
    const phasesInside = parts.phases.filter((phase) => inside(phase, script));
    const gcOutsidePhases = parts.gcs.filter((gc) => inside(gc, script) && !phasesInside.some((phase) => inside(gc, phase)));
    const ownUs = threadUsOf(script) - [...phasesInside, ...gcOutsidePhases].reduce((sum, event) => sum + threadUsOf(event), 0);
    add(split.script, script.ts, Math.max(0, ownUs));
  }
  return split;
}

function summarise(set: readonly number[], totalMs: readonly number[], split: { gc: number[]; rendering: number[]; script: number[] }): TailPart {
  const meanMs = { total: 0, gc: 0, rendering: 0, script: 0, other: 0 };
  const dominated = { gc: 0, rendering: 0, script: 0, other: 0 };
  let withGc = 0;
  for (const slot of set) {
    const part = { gc: split.gc[slot]!, rendering: split.rendering[slot]!, script: split.script[slot]!, other: 0 };
    part.other = Math.max(0, totalMs[slot]! - part.gc - part.rendering - part.script);
    meanMs.total += totalMs[slot]! / set.length;
    for (const name of TAIL_PARTS) meanMs[name] += part[name] / set.length;
    dominated[TAIL_PARTS.reduce((best, name) => (part[name] > part[best] ? name : best), TAIL_PARTS[0])]++;
    if (part.gc > 0) withGc++;
  }
  return { frames: set.length, meanMs, dominated, withGc };
}

export function frameTailOf(
  trace: { traceEvents: TraceEvent[] },
  thread: { pid: number; tid: number },
  frameStarts: readonly number[],
  perFrameThreadMs: readonly number[],
  longTasks: readonly TraceEvent[] = [],
): FrameTail {
  const from = frameStarts[0]!;
  const to = frameStarts.at(-1)!;
  const events = trace.traceEvents
    .filter((event) => event.pid === thread.pid && event.tid === thread.tid && event.ph === 'X' && event.ts >= from && event.ts < to)
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const parts = {
    gcs: outermost(events.filter((event) => isGcEvent(event.name))),
    phases: outermost(events.filter((event) => (RENDERING_PHASES as readonly string[]).includes(event.name))),
    scripts: outermost(events.filter((event) => SCRIPT_EVENTS.has(event.name))),
  };
  const byFrame = splitBySlot(parts, perFrameThreadMs.length, (ts) => frameIndexAt(frameStarts, ts));
  const tasks = longTasks.filter((task) => task.ts >= from && task.ts < to);
  const byTask = splitBySlot(parts, tasks.length, (ts) => tasks.findIndex((task) => ts >= task.ts && ts < task.ts + (task.dur ?? 0)));
  const indices = perFrameThreadMs.map((_, frame) => frame);
  const p95 = percentile(perFrameThreadMs, 0.95);
  const sum = (list: readonly TraceEvent[]) => list.reduce((total, event) => total + threadUsOf(event), 0) / 1000;
  const named = (name: string) => parts.gcs.filter((event) => event.name === name);
  return {
    slow: summarise(indices.filter((frame) => perFrameThreadMs[frame]! > SLOW_FRAME_MS), perFrameThreadMs, byFrame),
    worst5: summarise(indices.filter((frame) => perFrameThreadMs[frame]! >= p95), perFrameThreadMs, byFrame),
    longTasks: summarise(tasks.map((_, index) => index), tasks.map((task) => threadUsOf(task) / 1000), byTask),
    gc: {
      seconds: (to - from) / 1e6,
      scavenges: named('MinorGC').length,
      scavengeMs: sum(named('MinorGC')),
      markCompacts: named('MajorGC').length,
      markCompactMs: sum(named('MajorGC')),
      incrementalMs: sum(parts.gcs.filter((event) => event.name.startsWith('V8.GC_MC_INCREMENTAL'))),
    },
  };
}

export function formatFrameTail(tail: FrameTail): string {
  const part = (label: string, set: TailPart, unit: string) =>
    `  ${label.padEnd(30)}${set.frames} ${unit}, mean ${set.meanMs.total.toFixed(1)} ms: GC ${set.meanMs.gc.toFixed(1)}, rendering ${set.meanMs.rendering.toFixed(1)}, script ${set.meanMs.script.toFixed(1)}, other ${set.meanMs.other.toFixed(1)} ms; largest part GC ${set.dominated.gc}, rendering ${set.dominated.rendering}, script ${set.dominated.script}, other ${set.dominated.other}; ${set.withGc} hold GC`;
  const { gc } = tail;
  return [
    part('frames over 16 ms (thread)', tail.slow, 'frames'),
    part('slowest 5% (at or over p95)', tail.worst5, 'frames'),
    part('long tasks, thread time', tail.longTasks, 'tasks'),
    `  page's GC on the main thread  ${(gc.scavengeMs + gc.markCompactMs + gc.incrementalMs).toFixed(0)} ms of thread time in ${gc.seconds.toFixed(1)} s: ${gc.scavenges} scavenges ${gc.scavengeMs.toFixed(0)} ms, ${gc.markCompacts} mark-compacts ${gc.markCompactMs.toFixed(0)} ms, incremental marking ${gc.incrementalMs.toFixed(0)} ms`,
  ].join('\n');
}

/**
 * `--detail`: what each frame over SLOW_FRAME_MS held, from the trace: the React commits stamped in
 * it (urgent or deferred, and what they rendered), the main thread's events by name (inclusive
 * time, so nested events count in their parents too), each Layout's dirty and total objects and
 * roots, and the nodes invalidation tracking names for dirtied layout and style. Then the same over
 * all slow frames together.
 */
function explainSlowFrames(trace: { traceEvents: TraceEvent[] }, work: ReturnType<typeof mainThreadWork>): string {
  const { pid, tid } = work.thread;
  const starts = work.frameStartsUs;
  const events = trace.traceEvents.filter((event) => event.pid === pid && event.tid === tid && event.ts >= starts[0]! && event.ts < starts.at(-1)!);
  const frameOf = (ts: number): number => frameIndexAt(starts, ts);
  const slow = work.perFrameMs.map((ms, frame) => ({ ms, frame })).filter((entry) => entry.ms > SLOW_FRAME_MS);
  const slowSet = new Set(slow.map((entry) => entry.frame));
  interface Tally { commits: string[]; byName: Map<string, number>; layouts: string[]; layoutNodes: Map<string, number>; styleNodes: Map<string, number> }
  const fresh = (): Tally => ({ commits: [], byName: new Map(), layouts: [], layoutNodes: new Map(), styleNodes: new Map() });
  const perFrame = new Map<number, Tally>();
  const all = fresh();
  const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);
  for (const event of events) {
    const frame = frameOf(event.ts);
    if (!slowSet.has(frame)) continue;
    const tally = perFrame.get(frame) ?? fresh();
    perFrame.set(frame, tally);
    for (const target of [tally, all]) {
      if (event.name === 'TimeStamp' && event.args?.data?.message?.startsWith('react-commit ')) target.commits.push(event.args.data.message.slice('react-commit '.length));
      else if (event.name === 'LayoutInvalidationTracking') add(target.layoutNodes, `${event.args?.data?.nodeName ?? '?'} (${event.args?.data?.reason ?? '?'})`, 1);
      else if (event.name === 'StyleRecalcInvalidationTracking' || event.name === 'StyleInvalidatorInvalidationTracking')
        add(target.styleNodes, `${event.args?.data?.nodeName ?? '?'} (${event.args?.data?.reason ?? event.args?.data?.changedClass ?? event.args?.data?.changedAttribute ?? '?'})`, 1);
      if (event.ph !== 'X' || event.dur === undefined || event.name === 'ThreadControllerImpl::RunTask' || event.name === 'RunTask') continue;
      add(target.byName, event.name, event.dur / 1000);
      if (event.name === 'Layout') {
        const roots = (event.args?.endData?.layoutRoots ?? []).map((root) => `node ${root.nodeId ?? '?'} depth ${root.depth ?? '?'}`).join(', ');
        target.layouts.push(`${(event.dur / 1000).toFixed(1)} ms, ${event.args?.beginData?.dirtyObjects ?? '?'}/${event.args?.beginData?.totalObjects ?? '?'} objects, roots ${roots || '?'}`);
      }
    }
  }
  const top = (map: Map<string, number>, count: number, unit: string) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, value]) => `${name} ${unit === 'ms' ? value.toFixed(1) + ' ms' : value}`).join('; ');
  const describe = (tally: Tally, indent: string): string[] => [
    `${indent}commits: ${tally.commits.length === 0 ? 'none' : ''}`,
    ...tally.commits.map((commit) => `${indent}  ${commit}`),
    `${indent}events (inclusive): ${top(tally.byName, 14, 'ms')}`,
    `${indent}layouts: ${tally.layouts.length === 0 ? 'none' : tally.layouts.slice(0, 6).join(' | ')}${tally.layouts.length > 6 ? ` | … ${tally.layouts.length - 6} more` : ''}`,
    `${indent}layout dirtied by: ${top(tally.layoutNodes, 10, 'n') || 'nothing tracked'}`,
    `${indent}style dirtied by: ${top(tally.styleNodes, 10, 'n') || 'nothing tracked'}`,
  ];
  const kinds = new Map<string, number>();
  for (const commit of all.commits) add(kinds, commit.split(' ')[0]!, 1);
  const lines = [
    `  slow frames (> ${SLOW_FRAME_MS} ms): ${slow.length} of ${work.perFrameMs.length}; commits in them: ${top(kinds, 4, 'n') || 'none'}`,
    ...[...slow].sort((a, b) => b.ms - a.ms).slice(0, SLOW_FRAMES_PRINTED).flatMap(({ ms, frame }) => [
      `  frame ${frame} at +${((starts[frame]! - starts[0]!) / 1000).toFixed(0)} ms: ${ms.toFixed(1)} ms`,
      ...describe(perFrame.get(frame) ?? fresh(), '    '),
    ]),
    `  all slow frames together:`,
    ...describe({ ...all, commits: [], layouts: all.layouts.slice(0, 6) }, '    '),
  ];
  return lines.join('\n');
}

/** Functions printed by self time in `--detail` mode. */
const HOT_FUNCTIONS = 25;

/**
 * `--detail`: where the main thread's JavaScript went in the slow frames, from V8's sampling
 * profiler in the trace: self time by function and by source file, the built code's positions
 * mapped back to the sources through dist/'s source maps.
 */
/** Where `--detail` reads source maps from: dist/, or the --dist=DIR served. */
let distDirOfMaps = 'dist';

function hotFunctions(trace: { traceEvents: TraceEvent[] }, work: ReturnType<typeof mainThreadWork>, slowFrames: ReadonlySet<number>): string {
  const { pid, tid } = work.thread;
  const starts = work.frameStartsUs;
  const profileIds = new Set(trace.traceEvents.filter((event) => event.name === 'Profile' && event.pid === pid && event.tid === tid).map((event) => event.id));
  const profileStart = new Map(trace.traceEvents.filter((event) => event.name === 'Profile' && profileIds.has(event.id)).map((event) => [event.id, event.args?.data?.startTime ?? event.ts]));
  const nodes = new Map<number, ProfileNode>();
  const selfUs = new Map<number, number>();
  const last = new Map<string | undefined, number>();
  const inSlowFrame = (ts: number): boolean => {
    if (ts < starts[0]! || ts >= starts.at(-1)!) return false;
    return slowFrames.has(frameIndexAt(starts, ts));
  };
  for (const event of trace.traceEvents) {
    if (event.name !== 'ProfileChunk' || !profileIds.has(event.id)) continue;
    for (const node of event.args?.data?.cpuProfile?.nodes ?? []) nodes.set(node.id, node);
    const samples = event.args?.data?.cpuProfile?.samples ?? [];
    const deltas = event.args?.data?.timeDeltas ?? [];
    let ts = last.get(event.id) ?? profileStart.get(event.id) ?? event.ts;
    for (let index = 0; index < samples.length; index++) {
      const delta = deltas[index] ?? 0;
      ts += delta;
      if (inSlowFrame(ts)) selfUs.set(samples[index]!, (selfUs.get(samples[index]!) ?? 0) + Math.max(0, delta));
    }
    last.set(event.id, ts);
  }
  const maps = new Map<string, TraceMap | null>();
  const mapFor = (url: string): TraceMap | null => {
    if (!maps.has(url)) {
      const file = `${distDirOfMaps}/${url.replace(/^https?:\/\/[^/]+\//, '').split('?')[0]}.map`;
      maps.set(url, url.endsWith('.js') && existsSync(file) ? new TraceMap(readFileSync(file, 'utf8')) : null);
    }
    return maps.get(url)!;
  };
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)?.callFrame;
    if (frame === undefined) continue;
    totalUs += us;
    const url = frame.url ?? '';
    const map = url === '' ? null : mapFor(url);
    const original = map === null ? null : originalPositionFor(map, { line: frame.lineNumber + 1, column: frame.columnNumber });
    const file = original?.source?.replace(/^(\.\.\/)+/, '') ?? (url === '' ? '(native)' : url.replace(/^https?:\/\/[^/]+\//, ''));
    const key = `${frame.functionName || original?.name || '(anonymous)'} ${file}${original?.line === undefined || original.line === null ? '' : `:${original.line}`}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const top = (map: Map<string, number>, count: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([key, us]) => `    ${(us / 1000).toFixed(1).padStart(7)} ms  ${key}`);
  return [`  JavaScript sampled in slow frames: ${(totalUs / 1000).toFixed(0)} ms; self time by source file:`, ...top(byFile, 15), `  by function:`, ...top(byFunction, HOT_FUNCTIONS)].join('\n');
}

export async function runPageBench(
  options: { buildFirst?: boolean; detail?: boolean; distDir?: string; jit?: boolean; layerize?: boolean; css?: string; pointer?: PointerMode } = {},
): Promise<PageBenchResult> {
  // keepNames: the renders page names the components it counts (a few bytes per function).
  if (options.buildFirst ?? true) await build({ logLevel: 'warn', build: { rolldownOptions: { output: { keepNames: true } } } });
  const detail = options.detail ?? false;
  const css = options.css ?? null;
  const pointer = options.pointer ?? 'mouse';
  distDirOfMaps = options.distDir ?? 'dist';
  const server = await preview({
    preview: { port: 0, host: '127.0.0.1', strictPort: false },
    logLevel: 'warn',
    ...(options.distDir === undefined ? {} : { build: { outDir: options.distDir } }),
  });
  const address = server.httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('vite preview did not report a port');
  const baseUrl = `http://127.0.0.1:${address.port}/`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // 1. Frame time, uninstrumented but for the trace.
    const page = await openAndPlay(browser, baseUrl, detail ? 'renders' : null, css, pointer);
    await page.evaluate(RAF_RECORDER);
    // The traced page stamps commits but records no mutations: a MutationObserver on the whole document makes each DOM write dearer.
    if (detail) await page.evaluate('globalThis.__renderStats.stopObserving(); globalThis.__renderStats.on = true; globalThis.__renderStats.stamp = true');
    const simStartMs = await clockMs(page);
    const wallStart = performance.now();
    // Invalidation tracking records a stack per DOM write, so it inflates their time: only with --invalidations.
    const categories = [
      'toplevel',
      'devtools.timeline',
      ...(detail ? ['v8.execute', 'disabled-by-default-v8.cpu_profiler'] : []),
      ...(detail && process.argv.includes('--invalidations') ? ['disabled-by-default-devtools.timeline.invalidationTracking'] : []),
      ...(options.jit === true ? ['v8', 'disabled-by-default-v8.compile'] : []),
      // PaintArtifactCompositor::Update (a full layerization, inside Layerize) is traced in `blink`.
      ...(options.layerize === true ? ['blink'] : []),
    ];
    await browser.startTracing(page, { categories });
    // The clock is read every CLOCK_SAMPLE_MS, and the rate counts only the time the lesson played:
    // it runs 150 simulated s, so at 10x it plays through the 12 s measured; when it ran 60 s it
    // ended ~5.5 s in, and dividing by all 12 s read 4.4x.
    const played = { simMs: 0, wallMs: 0 };
    while (performance.now() - wallStart < MEASURE_MS) {
      await page.waitForTimeout(Math.min(CLOCK_SAMPLE_MS, MEASURE_MS - (performance.now() - wallStart)));
      const simMs = await clockMs(page);
      if (simMs !== simStartMs + played.simMs) Object.assign(played, { simMs: simMs - simStartMs, wallMs: performance.now() - wallStart });
    }
    const traceBuffer = await browser.stopTracing();
    const simulatedSecondsPerWallSecond = played.simMs / Math.max(1, played.wallMs);
    const intervals = (await page.evaluate('globalThis.__rafIntervals.slice(1)')) as number[];
    if (process.env.PAGE_BENCH_TRACE !== undefined) writeFileSync(process.env.PAGE_BENCH_TRACE, traceBuffer);
    const parsed = JSON.parse(traceBuffer.toString('utf8')) as { traceEvents: TraceEvent[] };
    const work = mainThreadWork(parsed);
    const slowSet = new Set(work.perFrameMs.flatMap((ms, frame) => (ms > SLOW_FRAME_MS ? [frame] : [])));
    const slowFrames = detail ? `${explainSlowFrames(parsed, work)}\n${hotFunctions(parsed, work, slowSet)}` : null;
    await page.close();

    // 2. Message sizes, in a page of its own with the listener wrapped.
    const measured = await openAndPlay(browser, baseUrl, 'messages', css, pointer);
    await measured.waitForTimeout(MEASURE_MS);
    const sizes = (await measured.evaluate('globalThis.__messageSizes')) as number[];
    await measured.close();

    // 3. React commits, components rendered and DOM mutations, in a page of its own.
    const counted = await openAndPlay(browser, baseUrl, 'renders', css, pointer);
    await counted.evaluate('globalThis.__renderStats.on = true');
    const countStart = performance.now();
    await counted.waitForTimeout(MEASURE_MS);
    const stats = (await counted.evaluate(
      `(() => { const s = globalThis.__renderStats; s.on = false; return { commits: s.commits, rendered: s.rendered, mutations: s.mutations, byClass: s.byClass, dom: document.getElementsByTagName('*').length }; })()`,
    )) as { commits: number; rendered: number; mutations: number; byClass: Record<string, CommitClassStats>; dom: number };
    const countSeconds = (performance.now() - countStart) / 1000;
    await counted.close();
    const perCommit = (value: number) => value / Math.max(1, stats.commits);

    return {
      frameWorkMs: { p50: percentile(work.perFrameMs, 0.5), p95: percentile(work.perFrameMs, 0.95), max: Math.max(...work.perFrameMs), frames: work.perFrameMs.length, perSecond: work.framesPerSecond },
      frameThreadMs: { p50: percentile(work.perFrameThreadMs, 0.5), p95: percentile(work.perFrameThreadMs, 0.95), max: Math.max(...work.perFrameThreadMs) },
      rendering: work.renderingPhases,
      pool: work.pool,
      script: work.script,
      longTasks: { count: work.longTasksMs.length, maxMs: Math.max(0, ...work.longTasksMs) },
      mainThreadBusyShare: work.busyShare,
      rafIntervalMs: { p50: percentile(intervals, 0.5), p95: percentile(intervals, 0.95) },
      messages: { count: sizes.length, largestBytes: Math.max(0, ...sizes), p95Bytes: percentile(sizes, 0.95) },
      renders: {
        commitsPerSecond: stats.commits / countSeconds,
        componentsPerCommit: perCommit(stats.rendered),
        mutationsPerCommit: perCommit(stats.mutations),
        domElements: stats.dom,
        byClass: Object.entries(stats.byClass)
          .sort((a, b) => a[0].localeCompare(b[0]))
          .map(([kind, entry]) => ({
            kind,
            commits: entry.commits,
            componentsPerCommit: entry.rendered / Math.max(1, entry.commits),
            mutationsPerCommit: entry.mutations / Math.max(1, entry.commits),
            hostsPerCommit: entry.hosts / Math.max(1, entry.commits),
            components: { p95: percentile(entry.renderedEach, 0.95), max: Math.max(0, ...entry.renderedEach) },
            mutations: { p95: percentile(entry.mutationsEach, 0.95), max: Math.max(0, ...entry.mutationsEach) },
            topPerCommit: Object.entries(entry.names)
              .sort((a, b) => b[1] - a[1])
              .slice(0, TOP_COMPONENTS)
              .map(([name, count]) => ({ name, perCommit: count / Math.max(1, entry.commits) })),
            hostOwnersPerCommit: Object.entries(entry.hostOwners)
              .sort((a, b) => b[1] - a[1])
              .slice(0, TOP_COMPONENTS)
              .map(([name, count]) => ({ name, perCommit: count / Math.max(1, entry.commits) })),
          })),
      },
      tail: frameTailOf(parsed, work.thread, work.frameStartsUs, work.perFrameThreadMs, work.longTaskEvents),
      slowFrames,
      jit: options.jit === true ? jitActivity(parsed) : null,
      layerize: options.layerize === true ? layerizeActivity(parsed, work.thread, work.frameStartsUs) : null,
      layouts: { count: work.layoutDirtyObjects.length, dirtyObjectsP50: percentile(work.layoutDirtyObjects, 0.5), dirtyObjectsMax: Math.max(0, ...work.layoutDirtyObjects) },
      simulatedSecondsPerWallSecond,
      played: { wallS: played.wallMs / 1_000, worker: workerShare(parsed, played.wallMs * 1_000) },
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
    `  main-thread work per frame    thread time p50 ${result.frameThreadMs.p50.toFixed(1)} ms, p95 ${result.frameThreadMs.p95.toFixed(1)} ms, max ${result.frameThreadMs.max.toFixed(1)} ms over ${result.frameWorkMs.frames} frames (${result.frameWorkMs.perSecond.toFixed(0)} per second)   (target: p95 < ${FRAME_TARGET_MS} ms: ${result.frameThreadMs.p95 < FRAME_TARGET_MS ? 'met' : 'not met'})`,
    `  main-thread wall per frame    p50 ${result.frameWorkMs.p50.toFixed(1)} ms, p95 ${result.frameWorkMs.p95.toFixed(1)} ms, max ${result.frameWorkMs.max.toFixed(1)} ms   (adds the time the thread waited for a core, shared with the worker, raster, the software compositor and this bench: the host's load as much as the page)`,
    `  rendering per painted frame   ${RENDERING_PHASES.map((phase) => `${phase} ${result.rendering.perPaintedFrameMs[phase].toFixed(1)}`).join(', ')} ms of thread time (${result.rendering.paintedFrames} frames painted)`,
    `  script (main thread)          ${result.script.msPerFrame.toFixed(1)} ms per frame, ${result.script.msPerSecond.toFixed(0)} ms per second of thread time (the page's JavaScript and the worker's messages, less layouts it forced)`,
    `  raster and V8 threads         raster ${result.pool.rasterMsPerPaintedFrame.toFixed(1)} ms per painted frame (${result.pool.tileTasksPerPaintedFrame.toFixed(1)} tile tasks); per second: raster ${result.pool.msPerSecond.raster.toFixed(0)} ms, V8 compile jobs ${result.pool.msPerSecond.compile.toFixed(0)} ms (page and worker), V8 GC ${result.pool.msPerSecond.gc.toFixed(0)} ms, other ${result.pool.msPerSecond.other.toFixed(0)} ms   (the renderer's thread pool, thread time)`,
    formatFrameTail(result.tail),
    `  long tasks (> 50 ms)          ${result.longTasks.count}, the longest ${result.longTasks.maxMs.toFixed(0)} ms; main thread busy ${(result.mainThreadBusyShare * 100).toFixed(0)}% of the time`,
    `  requestAnimationFrame gap     p50 ${result.rafIntervalMs.p50.toFixed(1)} ms, p95 ${result.rafIntervalMs.p95.toFixed(1)} ms (16.7 ms: no frame skipped)`,
    `  worker-to-page messages       largest ${kb(result.messages.largestBytes)}, p95 ${kb(result.messages.p95Bytes)}, ${result.messages.count} messages   (target: largest < ${kb(MESSAGE_TARGET_BYTES)}: ${result.messages.largestBytes < MESSAGE_TARGET_BYTES ? 'met' : 'not met'})`,
    `  React (load-independent)      ${result.renders.commitsPerSecond.toFixed(1)} commits/s; per commit ${result.renders.componentsPerCommit.toFixed(0)} components rendered, ${result.renders.mutationsPerCommit.toFixed(0)} DOM mutation records (per second ${(result.renders.componentsPerCommit * result.renders.commitsPerSecond).toFixed(0)} and ${(result.renders.mutationsPerCommit * result.renders.commitsPerSecond).toFixed(0)}); ${result.renders.domElements} DOM elements`,
    ...result.renders.byClass.map(
      (entry) =>
        `    ${entry.kind.padEnd(9)} ${entry.commits} commits; per commit ${entry.componentsPerCommit.toFixed(0)} components (p95 ${entry.components.p95}, max ${entry.components.max}), ${entry.mutationsPerCommit.toFixed(0)} mutations (p95 ${entry.mutations.p95}, max ${entry.mutations.max}), ${entry.hostsPerCommit.toFixed(0)} elements reconciled; top: ${entry.topPerCommit
          .map((component) => `${component.name} ${component.perCommit.toFixed(1)}`)
          .join(', ')}\n              elements reconciled per commit by the component rendering them: ${entry.hostOwnersPerCommit
          .map((component) => `${component.name} ${component.perCommit.toFixed(1)}`)
          .join(', ')}`,
    ),
    `  layouts                       ${result.layouts.count}, objects to lay out p50 ${result.layouts.dirtyObjectsP50}, max ${result.layouts.dirtyObjectsMax}`,
    `  simulation while drawn        ${result.simulatedSecondsPerWallSecond.toFixed(1)} simulated s per wall s (asked: 10x), over the ${result.played.wallS.toFixed(1)} s the lesson played of the ${MEASURE_MS / 1000} s measured`,
    ...(result.played.worker === null
      ? []
      : [
          `  worker thread while played    ${(result.played.worker.threadShare * 100).toFixed(0)}% of a core (thread time), busy ${(result.played.worker.wallShare * 100).toFixed(0)}% of the wall time, ${result.played.worker.tasksPerSecond.toFixed(0)} tasks/s, task p95 ${result.played.worker.taskP95Ms.toFixed(1)} ms wall`,
        ]),
    `  browser                       Chromium ${result.chromium}`,
    ...(result.jit === null ? [] : [result.jit]),
    ...(result.layerize === null
      ? []
      : [
          `  layerize (--layerize)         full layerizations ${result.layerize.fullPasses} (${result.rendering.paintedFrames} frames painted, ${result.layerize.passes} Layerize passes); a full one ${result.layerize.fullMeanMs.toFixed(2)} ms, another ${result.layerize.repaintMeanMs.toFixed(2)} ms of thread time`,
        ]),
    ...(result.slowFrames === null ? [] : ['  (--detail: the traced page was instrumented; its frame times compare only with other --detail runs)', result.slowFrames]),
  ].join('\n');
}

/**
 * `--jit`: whether V8 is still compiling while the lesson plays. The renderer's thread pool spends
 * ~200 ms of every wall second on V8 compile jobs (see `rendererPoolOf`), on the same 2 cores as the
 * page and the worker; this tells whose they are and whether they fade (warm-up) or go on (code that
 * is deoptimised and optimised again, e.g. a handler fed objects of several shapes). Counted on each
 * isolate's own thread, where V8 does the work whatever thread compiled: V8.DeoptimizeCode (a
 * function's optimised code thrown away) and the installs of optimised code (TurboFan:
 * V8.OptimizeConcurrentFinalize; Maglev: V8.FinalizeMaglevConcurrentCompilation), per second of the
 * trace. The trace's `v8` and `disabled-by-default-v8.compile` categories make V8's work dearer: the
 * frame times of a --jit run compare only with other --jit runs.
 */
export function jitActivity(trace: { traceEvents: TraceEvent[] }): string {
  const threads = new Map<string, string>();
  for (const event of trace.traceEvents) {
    if (event.ph === 'M' && event.name === 'thread_name' && (event.args?.name === 'CrRendererMain' || event.args?.name === 'DedicatedWorker thread')) {
      threads.set(`${event.pid}:${event.tid}`, event.args.name === 'CrRendererMain' ? 'page' : 'worker');
    }
  }
  const kinds: Record<string, string> = {
    'V8.DeoptimizeCode': 'deopts',
    'V8.OptimizeConcurrentFinalize': 'TurboFan installs',
    'V8.FinalizeMaglevConcurrentCompilation': 'Maglev installs',
  };
  const timed = trace.traceEvents.filter((event) => event.ts > 0);
  let startUs = Number.POSITIVE_INFINITY;
  let endUs = 0;
  for (const event of timed) {
    startUs = Math.min(startUs, event.ts);
    endUs = Math.max(endUs, event.ts);
  }
  const seconds = Math.max(1, Math.ceil((endUs - startUs) / 1e6));
  const counts = new Map<string, number[]>();
  for (const event of timed) {
    const kind = kinds[event.name];
    const thread = threads.get(`${event.pid}:${event.tid}`);
    if (kind === undefined || thread === undefined) continue;
    const key = `${thread} ${kind}`;
    const row = counts.get(key) ?? new Array<number>(seconds).fill(0);
    row[Math.min(seconds - 1, Math.floor((event.ts - startUs) / 1e6))]! += 1;
    counts.set(key, row);
  }
  const lines = [...counts.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([key, row]) => `    ${key.padEnd(26)} ${String(row.reduce((sum, n) => sum + n, 0)).padStart(5)}  by second: ${row.join(' ')}`);
  return [`  V8 JIT (--jit; per thread, ${seconds} s of trace)`, ...(lines.length > 0 ? lines : ['    none recorded'])].join('\n');
}

/** `--layerize`: the main thread's Layerize passes while measured, split by whether they re-layerized the page. */
export interface LayerizeActivity {
  readonly passes: number;
  /** Passes holding a PaintArtifactCompositor::Update: every paint chunk of the page layerized again. */
  readonly fullPasses: number;
  /** Thread time of a full pass and of the others (which only hand the repainted layers over), mean. */
  readonly fullMeanMs: number;
  readonly repaintMeanMs: number;
}

/**
 * How many of the main thread's Layerize passes were full layerizations. Chromium re-layerizes
 * the whole page (PaintArtifactCompositor::Update: every paint chunk merged into layers again)
 * when paint chunks or paint properties changed beyond composited values (a transform, clip or
 * effect node added, removed or changed, as an element with `contain: paint` moving does), and
 * otherwise only hands the repainted layers to the compositor; the first costs with every chunk
 * on the page, the second with what changed. Needs the trace's `blink` category.
 */
export function layerizeActivity(trace: { traceEvents: TraceEvent[] }, thread: { pid: number; tid: number }, frameStarts: readonly number[]): LayerizeActivity {
  const onThread = (name: string) =>
    trace.traceEvents
      .filter((event) => event.pid === thread.pid && event.tid === thread.tid && event.ph === 'X' && event.name === name)
      .filter((event) => event.ts >= frameStarts[0]! && event.ts < frameStarts.at(-1)!);
  const updates = onThread('PaintArtifactCompositor::Update');
  let fullPasses = 0;
  let fullUs = 0;
  let repaintUs = 0;
  const passes = onThread('Layerize');
  for (const pass of passes) {
    const end = pass.ts + (pass.dur ?? 0);
    const threadUs = pass.tdur ?? pass.dur ?? 0;
    if (updates.some((update) => update.ts >= pass.ts && update.ts < end)) {
      fullPasses++;
      fullUs += threadUs;
    } else {
      repaintUs += threadUs;
    }
  }
  return {
    passes: passes.length,
    fullPasses,
    fullMeanMs: fullUs / 1000 / Math.max(1, fullPasses),
    repaintMeanMs: repaintUs / 1000 / Math.max(1, passes.length - fullPasses),
  };
}

/** `--explain=trace.json`: the `--detail` analysis of a trace kept earlier (built from today's dist/). */
function explainKeptTrace(file: string): string {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[] };
  const work = mainThreadWork(parsed);
  const slowSet = new Set(work.perFrameMs.flatMap((ms, frame) => (ms > SLOW_FRAME_MS ? [frame] : [])));
  const { pool, renderingPhases } = work;
  const summary = [
    `  thread time per frame p95 ${percentile(work.perFrameThreadMs, 0.95).toFixed(1)} ms; rendering per painted frame ${RENDERING_PHASES.map((phase) => `${phase} ${renderingPhases.perPaintedFrameMs[phase].toFixed(1)}`).join(', ')} ms (${renderingPhases.paintedFrames} painted)`,
    `  raster ${pool.rasterMsPerPaintedFrame.toFixed(1)} ms per painted frame (${pool.tileTasksPerPaintedFrame.toFixed(1)} tile tasks); per second: raster ${pool.msPerSecond.raster.toFixed(0)}, V8 compile ${pool.msPerSecond.compile.toFixed(0)}, V8 GC ${pool.msPerSecond.gc.toFixed(0)}, other ${pool.msPerSecond.other.toFixed(0)} ms`,
  ];
  summary.push(formatFrameTail(frameTailOf(parsed, work.thread, work.frameStartsUs, work.perFrameThreadMs, work.longTaskEvents)));
  return `${summary.join('\n')}\n${explainSlowFrames(parsed, work)}\n${hotFunctions(parsed, work, slowSet)}`;
}

const explainArg = process.argv.find((arg) => arg.startsWith('--explain='));
const buildToArg = process.argv.find((arg) => arg.startsWith('--build-to='));
if (import.meta.url === `file://${process.argv[1]}` && buildToArg !== undefined) {
  // --build-to=DIR: build the page as the bench does (keepNames) into DIR and stop, for later --dist=DIR runs.
  const outDir = buildToArg.slice('--build-to='.length);
  await build({ logLevel: 'warn', build: { outDir, emptyOutDir: true, rolldownOptions: { output: { keepNames: true } } } });
  console.log(`built the page into ${outDir}`);
} else if (import.meta.url === `file://${process.argv[1]}` && explainArg !== undefined) {
  console.log(explainKeptTrace(explainArg.slice('--explain='.length)));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  // --dist=DIR serves a build kept earlier (A/B runs interleaved without rebuilding); it implies --no-build.
  const distDir = process.argv.find((arg) => arg.startsWith('--dist='))?.slice('--dist='.length);
  const cssFile = process.argv.find((arg) => arg.startsWith('--css='))?.slice('--css='.length);
  const pointerArg = process.argv.find((arg) => arg.startsWith('--pointer='))?.slice('--pointer='.length);
  if (pointerArg !== undefined && pointerArg !== 'none' && pointerArg !== 'mouse') {
    throw new Error(`--pointer=${pointerArg}: the pointer is 'mouse' (the default: clicked, left resting on Play) or 'none' (clicked from script)`);
  }
  const pointer: PointerMode = pointerArg ?? 'mouse';
  const result = await runPageBench({
    buildFirst: !process.argv.includes('--no-build') && distDir === undefined,
    detail: process.argv.includes('--detail'),
    distDir,
    jit: process.argv.includes('--jit'),
    layerize: process.argv.includes('--layerize'),
    ...(cssFile === undefined ? {} : { css: readFileSync(cssFile, 'utf8') }),
    pointer,
  });
  if (pointer === 'none') console.log('  (--pointer=none: 10x and Play clicked from script, the pointer never on the page; a probe of the resting pointer)');
  if (cssFile !== undefined) console.log(`  (--css=${cssFile}: every page had that style sheet injected; this measures the build plus it)`);
  console.log(`page: ${LESSON}.json (30 brokers, 1,000 partitions RF 3) at 10x in Chromium, ${MEASURE_MS / 1000} s measured`);
  console.log(formatPageBench(result));
}
