// What bench/page.ts reads from Chromium's trace (issue 7, item 9), on hand-made traces whose sums
// are known. Goals: the renderer's thread pool is told apart into raster, V8's compile jobs and
// V8's GC jobs, so "raster" is never read off the pool's total again (compile jobs were most of
// it); and a rendering phase traced inside another of its name (Chromium's Paint of a layer inside
// the document's Paint) is counted once (summing both had printed Paint per painted frame double);
// and a Layerize pass is told a full layerization when it holds a PaintArtifactCompositor::Update;
// and the main thread's script is counted once however its events nest, without the layouts it forced;
// and the slow frames' thread time splits into GC, rendering, script and the rest, each counted once
// however they nest (a scavenge inside a script's forced layout is GC's, not the layout's nor the script's).
import { describe, expect, it } from 'vitest';
import { frameTailOf, layerizeActivity, renderingPhasesOf, rendererPoolOf, scriptOf } from '../../bench/page';

const RENDERER = 10;
const MAIN = 1;
const POOL_A = 2;
const POOL_B = 3;
const OTHER_PROCESS = 20;

function task(name: string, pid: number, tid: number, ts: number, tdur: number, srcFunc?: string) {
  return { name, ph: 'X', pid, tid, ts, dur: tdur + 50, tdur, ...(srcFunc === undefined ? {} : { args: { src_func: srcFunc } }) };
}

describe("the renderer's thread pool in bench/page.ts", () => {
  // Frames from 1 s to 3 s of trace time (µs): two seconds measured.
  const frameStarts = [1_000_000, 2_000_000, 3_000_000];
  const trace = {
    traceEvents: [
      // Raster: a pool task that runs a tile task inside it (both top-level events, as Chromium traces them).
      task('ThreadPool_RunTask', RENDERER, POOL_A, 1_100_000, 3_000, 'Start'),
      task('TaskGraphRunner::RunTask', RENDERER, POOL_A, 1_100_010, 2_900),
      task('ThreadPool_RunTask', RENDERER, POOL_B, 2_500_000, 1_000, 'Start'),
      task('TaskGraphRunner::RunTask', RENDERER, POOL_B, 2_500_010, 1_000),
      // V8's compile jobs, TurboFan's and Maglev's.
      task('ThreadPool_RunTask', RENDERER, POOL_A, 1_200_000, 4_000, 'void v8::internal::OptimizingCompileTaskExecutor::EnsureStarted()'),
      task('ThreadPool_RunTask', RENDERER, POOL_B, 1_300_000, 2_000, 'v8::internal::maglev::MaglevConcurrentDispatcher::MaglevConcurrentDispatcher(Isolate *)'),
      // V8's GC job, and something else.
      task('ThreadPool_RunTask', RENDERER, POOL_A, 2_100_000, 1_500, 'void v8::internal::ConcurrentMarking::TryScheduleJob(GarbageCollector, TaskPriority)'),
      task('ThreadPool_RunTask', RENDERER, POOL_B, 2_200_000, 600, 'WriteNowWithBackgroundDataProducer'),
      // Not counted: before the first frame, at the last frame's start, on the main thread, in another process.
      task('TaskGraphRunner::RunTask', RENDERER, POOL_A, 900_000, 9_000),
      task('ThreadPool_RunTask', RENDERER, POOL_A, 3_000_000, 9_000, 'Start'),
      task('ThreadPool_RunTask', RENDERER, MAIN, 1_500_000, 9_000, 'void v8::internal::OptimizingCompileTaskExecutor::EnsureStarted()'),
      task('TaskGraphRunner::RunTask', OTHER_PROCESS, POOL_A, 1_500_000, 9_000),
    ],
  };

  it('sums raster per painted frame and per second, and V8 compile, GC and the rest per second', () => {
    const pool = rendererPoolOf(trace, { pid: RENDERER, tid: MAIN }, frameStarts, 2);
    // 2.9 + 1.0 ms of raster over 2 painted frames, in 2 tile tasks.
    expect(pool.rasterMsPerPaintedFrame).toBeCloseTo(1.95, 6);
    expect(pool.tileTasksPerPaintedFrame).toBe(1);
    // Per second of the 2 s measured: raster 3.9 ms, compile 6.0 ms, GC 1.5 ms; other: the pool's
    // 12.1 ms less raster, compile and GC (the raster pools' wrappers' 0.1 ms and the 0.6 ms task).
    expect(pool.msPerSecond.raster).toBeCloseTo(1.95, 6);
    expect(pool.msPerSecond.compile).toBeCloseTo(3.0, 6);
    expect(pool.msPerSecond.gc).toBeCloseTo(0.75, 6);
    expect(pool.msPerSecond.other).toBeCloseTo(0.35, 6);
  });

  it('reads no painted frame as no raster per frame, rather than dividing by zero', () => {
    const pool = rendererPoolOf({ traceEvents: [] }, { pid: RENDERER, tid: MAIN }, frameStarts, 0);
    expect(pool.rasterMsPerPaintedFrame).toBe(0);
    expect(pool.msPerSecond).toEqual({ raster: 0, compile: 0, gc: 0, other: 0 });
  });
});

describe('the rendering phases per painted frame in bench/page.ts', () => {
  const frameStarts = [1_000_000, 1_016_000, 1_032_000, 1_048_000];
  it("counts a layer's Paint inside the document's Paint once, and divides by the frames that painted", () => {
    const trace = {
      traceEvents: [
        // Frame 0 paints: the document's Paint (3 ms) holds two layers' Paints (0.5 and 1 ms).
        task('Layout', RENDERER, MAIN, 1_001_000, 2_000),
        task('Paint', RENDERER, MAIN, 1_004_000, 3_000),
        task('Paint', RENDERER, MAIN, 1_004_100, 500),
        task('Paint', RENDERER, MAIN, 1_005_000, 1_000),
        task('Layerize', RENDERER, MAIN, 1_008_000, 1_000),
        // Frame 1 paints nothing; frame 2 paints once (1 ms), after a Layout of 4 ms.
        task('Layout', RENDERER, MAIN, 1_033_000, 4_000),
        task('Paint', RENDERER, MAIN, 1_038_000, 1_000),
        // Not counted: another thread's Paint, and a Paint after the last frame's start.
        task('Paint', RENDERER, POOL_A, 1_004_000, 9_000),
        task('Paint', RENDERER, MAIN, 1_048_000, 9_000),
      ],
    };
    const phases = renderingPhasesOf(trace, { pid: RENDERER, tid: MAIN }, frameStarts);
    expect(phases.paintedFrames).toBe(2);
    expect(phases.perPaintedFrameMs.Paint).toBeCloseTo(2, 6);
    expect(phases.perPaintedFrameMs.Layout).toBeCloseTo(3, 6);
    expect(phases.perPaintedFrameMs.Layerize).toBeCloseTo(0.5, 6);
    expect(phases.perPaintedFrameMs.PrePaint).toBe(0);
  });
});

// `--layerize`: a Layerize pass holding a PaintArtifactCompositor::Update re-layerized every paint
// chunk of the page; the others only handed repainted layers over. Told apart by nesting in time.
describe("bench/page.ts's count of full layerizations", () => {
  const frameStarts = [1_000_000, 2_000_000, 3_000_000];
  it('counts the passes holding a full update, and the mean thread time of each kind', () => {
    const trace = {
      traceEvents: [
        task('Layerize', RENDERER, MAIN, 1_100_000, 4_000),
        task('PaintArtifactCompositor::Update', RENDERER, MAIN, 1_100_010, 3_900),
        task('Layerize', RENDERER, MAIN, 1_500_000, 1_000),
        task('Layerize', RENDERER, MAIN, 2_100_000, 2_000),
        task('PaintArtifactCompositor::Update', RENDERER, MAIN, 2_100_010, 1_900),
        task('Layerize', RENDERER, MAIN, 2_500_000, 500),
        // Not counted: after the last frame's start, and another thread's.
        task('Layerize', RENDERER, MAIN, 3_100_000, 9_000),
        task('PaintArtifactCompositor::Update', RENDERER, MAIN, 3_100_010, 8_000),
        task('Layerize', RENDERER, POOL_A, 1_200_000, 9_000),
      ],
    };
    const activity = layerizeActivity(trace, { pid: RENDERER, tid: MAIN }, frameStarts);
    expect(activity.passes).toBe(4);
    expect(activity.fullPasses).toBe(2);
    expect(activity.fullMeanMs).toBeCloseTo(3.0, 6);
    expect(activity.repaintMeanMs).toBeCloseTo(0.75, 6);
  });

  it('reads a trace without Layerize passes as none, rather than dividing by zero', () => {
    expect(layerizeActivity({ traceEvents: [] }, { pid: RENDERER, tid: MAIN }, frameStarts)).toEqual({ passes: 0, fullPasses: 0, fullMeanMs: 0, repaintMeanMs: 0 });
  });
});

// The main thread's script: a worker's message (its deserialization and the listener inside it) and
// the page's other JavaScript, each counted once by its outermost event, less the rendering phases
// forced inside (counted in the phases), so a cut in per-frame script is read apart from rendering.
describe("bench/page.ts's script time", () => {
  const frameStarts = [1_000_000, 1_500_000, 2_000_000, 3_000_000];
  it('sums the outermost script events less the layouts forced inside them, per second and per frame', () => {
    const trace = {
      traceEvents: [
        // A message: 2.0 ms, its listener (1.5 ms) inside it, a forced Layout (0.3 ms, holding another Layout) inside that.
        task('SimpleWatcher::OnHandleReady', RENDERER, MAIN, 1_100_000, 2_000),
        task('FunctionCall', RENDERER, MAIN, 1_100_010, 1_500),
        task('Layout', RENDERER, MAIN, 1_100_100, 300),
        task('Layout', RENDERER, MAIN, 1_100_110, 100),
        // React's commit in a microtask: 1.0 ms.
        task('RunMicrotasks', RENDERER, MAIN, 2_200_000, 1_000),
        // Not script: the frame's own rendering; not counted: another thread's, after the last frame's start.
        task('Paint', RENDERER, MAIN, 2_300_000, 5_000),
        task('FunctionCall', RENDERER, POOL_A, 1_200_000, 9_000),
        task('FunctionCall', RENDERER, MAIN, 3_100_000, 9_000),
      ],
    };
    const script = scriptOf(trace, { pid: RENDERER, tid: MAIN }, frameStarts);
    // 2.0 - 0.3 + 1.0 = 2.7 ms over 2 s and 3 frames.
    expect(script.msPerSecond).toBeCloseTo(1.35, 6);
    expect(script.msPerFrame).toBeCloseTo(0.9, 6);
  });
});

describe("bench/page.ts's attribution of the slow frames", () => {
  // Four frames of 100 ms each (µs); their thread time as mainThreadWork counts it (ms).
  const frameStarts = [1_000_000, 1_100_000, 1_200_000, 1_300_000, 1_400_000];
  const perFrameThreadMs = [30, 20, 5, 40];
  const trace = {
    traceEvents: [
      // Frame 0 (30 ms): a message's script 12 ms holding a forced Layout of 4 ms that holds a 3 ms scavenge,
      // and a 2 ms incremental marking step in the script itself; then the frame's Paint, 10 ms.
      task('SimpleWatcher::OnHandleReady', RENDERER, MAIN, 1_000_000, 12_000),
      task('Layout', RENDERER, MAIN, 1_001_000, 4_000),
      task('MinorGC', RENDERER, MAIN, 1_001_100, 3_000),
      task('V8.GC_SCAVENGER', RENDERER, MAIN, 1_001_110, 2_900),
      task('V8.GC_MC_INCREMENTAL', RENDERER, MAIN, 1_008_000, 2_000),
      task('Paint', RENDERER, MAIN, 1_050_000, 10_000),
      // Frame 1 (20 ms): a mark-compact of 15 ms between tasks, its embedder tracing inside it.
      task('MajorGC', RENDERER, MAIN, 1_110_000, 15_000),
      task('V8.GC_MC_INCREMENTAL_EMBEDDER_TRACING', RENDERER, MAIN, 1_110_100, 6_000),
      // Frame 2 (5 ms, not slow): 5 ms of script.
      task('FunctionCall', RENDERER, MAIN, 1_210_000, 5_000),
      // Frame 3 (40 ms): Layout 25 ms, script 5 ms; 10 ms of other work.
      task('Layout', RENDERER, MAIN, 1_310_000, 25_000),
      task('RunMicrotasks', RENDERER, MAIN, 1_350_000, 5_000),
      // Not counted: another thread's scavenge.
      task('MinorGC', RENDERER, POOL_A, 1_010_000, 9_000),
    ],
  };
  // A long task (over 50 ms of wall time, 40 ms of thread time) holding frame 3's Layout and script.
  const longTask = { name: 'ThreadControllerImpl::RunTask', ph: 'X', pid: RENDERER, tid: MAIN, ts: 1_305_000, dur: 60_000, tdur: 40_000 };
  const tail = frameTailOf(trace, { pid: RENDERER, tid: MAIN }, frameStarts, perFrameThreadMs, [longTask]);

  it('splits each slow frame once into GC, rendering, script and the rest', () => {
    // Frames 0, 1 and 3 are over 16 ms. GC: 3 + 2 (frame 0) + 15 (frame 1) = 20 ms; rendering:
    // Layout 4 - 3 + Paint 10 (frame 0) + Layout 25 (frame 3) = 36 ms; script: 12 - 4 - 2 (frame 0)
    // + 5 (frame 3) = 11 ms; other: 30 - 20 = 10 (frame 0: 5 + 11 + 6 + 8 = 30), 5 (frame 1), 10 (frame 3).
    expect(tail.slow.frames).toBe(3);
    expect(tail.slow.meanMs.total).toBeCloseTo(30, 6);
    expect(tail.slow.meanMs.gc).toBeCloseTo(20 / 3, 6);
    expect(tail.slow.meanMs.rendering).toBeCloseTo(36 / 3, 6);
    expect(tail.slow.meanMs.script).toBeCloseTo(11 / 3, 6);
    expect(tail.slow.meanMs.other).toBeCloseTo((8 + 5 + 10) / 3, 6);
    // Frame 0's largest part is rendering (11 ms), frame 1's GC (15), frame 3's rendering (25).
    expect(tail.slow.dominated).toEqual({ gc: 1, rendering: 2, script: 0, other: 0 });
    expect(tail.slow.withGc).toBe(2);
  });

  it('takes the slowest 5% as the frames at or over the p95', () => {
    // Of 4 frames the p95 is the third-slowest's index rule: sorted [5, 20, 30, 40], index floor(3 * 0.95) = 2: 30 ms.
    expect(tail.worst5.frames).toBe(2);
    expect(tail.worst5.meanMs.total).toBeCloseTo(35, 6);
  });

  it('splits each long task the same way, from its own thread time', () => {
    expect(tail.longTasks.frames).toBe(1);
    expect(tail.longTasks.meanMs).toEqual({ total: 40, gc: 0, rendering: 25, script: 5, other: 10 });
    expect(tail.longTasks.dominated).toEqual({ gc: 0, rendering: 1, script: 0, other: 0 });
  });

  it("counts the page's scavenges, mark-compacts and incremental marking on the main thread only", () => {
    expect(tail.gc.seconds).toBeCloseTo(0.4, 6);
    expect(tail.gc.scavenges).toBe(1);
    expect(tail.gc.scavengeMs).toBeCloseTo(3, 6);
    expect(tail.gc.markCompacts).toBe(1);
    expect(tail.gc.markCompactMs).toBeCloseTo(15, 6);
    expect(tail.gc.incrementalMs).toBeCloseTo(2, 6);
  });
});
