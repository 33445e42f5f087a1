// Goal: the page's copy of the series grows only by the new points each frame brings, stays within
// CHART_POINTS_MAX, skips points it already has, starts over when a new run sends its names, and
// turns unmeasured values (NaN) into gaps.
// Method: frames made by a real engine's recorder (Engine.snapshot with seriesFrom), as the host sends them.

import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/api';
import { CHART_POINTS_MAX, EMPTY_CHART_DATA, column, mergeSeries } from '../../src/ui/series-store';

const SECOND_US = 1_000_000;
const LOADED = {
  brokers: 3,
  topics: [{ name: 'orders', partitions: 1, replicationFactor: 3 }],
  producers: [{ topic: 'orders', recordsPerSecond: 200, acks: 'all', startMs: 3_000 }],
};

describe('the series store of the page', () => {
  it('adds each frame\'s new points once, and shows an interval without acknowledgements as a gap', () => {
    const engine = createEngine(LOADED, 3);
    engine.runUntil(2 * SECOND_US);
    const first = engine.snapshot({ seriesFrom: 0 }).series!;
    let data = mergeSeries(EMPTY_CHART_DATA, first);
    expect(data.times).toEqual([1, 2]);
    // Before the producer starts, no latency was measured: gaps, not zeros.
    expect(column(data, 'producer.latencyMsP99')).toEqual([null, null]);
    engine.runUntil(6 * SECOND_US);
    const second = engine.snapshot({ seriesFrom: first.nextIndex }).series!;
    // The host sends names only with a run's first points.
    data = mergeSeries(data, { ...second, meta: [] });
    expect(data.times).toEqual([1, 2, 3, 4, 5, 6]);
    expect(column(data, 'producer.latencyMsP99').at(-1)).toBeGreaterThan(0);
    expect(column(data, 'BytesInPerSec')).toEqual(engine.series('BytesInPerSec').values);
    // The same frame again (a repeated delivery) adds nothing.
    expect(mergeSeries(data, { ...second, meta: [] }).times).toEqual(data.times);
    // A new run sends its names again: the store starts over.
    const restarted = mergeSeries(data, first);
    expect(restarted.times).toEqual([1, 2]);
  });

  it('keeps at most CHART_POINTS_MAX points per series', () => {
    const engine = createEngine({ brokers: 1, controllers: 1, zones: 1 }, 1);
    let data = EMPTY_CHART_DATA;
    let next = 0;
    for (let second = 0; second < CHART_POINTS_MAX + 40; second += 20) {
      engine.runUntil((second + 20) * SECOND_US);
      const frame = engine.snapshot({ seriesFrom: next }).series!;
      data = mergeSeries(data, next === 0 ? frame : { ...frame, meta: [] });
      next = frame.nextIndex;
    }
    expect(data.times.length).toBe(CHART_POINTS_MAX);
    expect(data.times.at(-1)).toBe(CHART_POINTS_MAX + 40);
    for (const values of data.values) expect(values.length).toBe(CHART_POINTS_MAX);
  });
});
