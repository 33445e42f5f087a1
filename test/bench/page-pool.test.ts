// bench/page.ts's thread pool line (issue 7, item 9). Goal: the renderer's thread pool is told
// apart into raster, V8's compile jobs and V8's GC jobs, so "raster" is never read off the pool's
// total again (compile jobs were most of it). Method: a hand-made trace with one renderer whose
// main thread, pool threads and a second process each run known tasks, inside and outside the
// measured frames; the sums must come out exactly.
import { describe, expect, it } from 'vitest';
import { rendererPoolOf } from '../../bench/page';

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
