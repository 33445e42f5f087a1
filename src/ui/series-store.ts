// The page's copy of the engine's time series, grown frame by frame from the new points each frame
// carries, in the columnar shape uPlot draws (times in simulated seconds, then one array per
// series). Bounded by CHART_POINTS_MAX; pure, so it is tested in Node.
//
// Never: holds more than CHART_POINTS_MAX points per series, or mutates an array it handed out
// (a new ChartData per change, so React and uPlot see a new value).

import type { SeriesFrame, SeriesMeta } from '../engine/api';

/** Points kept per series on the page: the engine's 10 minutes at 1 s. */
export const CHART_POINTS_MAX = 600;

export interface ChartData {
  readonly meta: readonly SeriesMeta[];
  /** Simulated seconds. */
  readonly times: readonly number[];
  /** By series, in meta's order; null where a value was not measured (NaN in the engine). */
  readonly values: readonly (readonly (number | null)[])[];
  /** The sample index of the next point expected. */
  readonly nextIndex: number;
}

export const EMPTY_CHART_DATA: ChartData = { meta: [], times: [], values: [], nextIndex: 0 };

/** Adds a frame's new points; a frame with meta starts a new run (the host sends meta only then). */
export function mergeSeries(previous: ChartData, frame: SeriesFrame | null): ChartData {
  if (frame === null) return previous;
  const base = frame.meta.length > 0 ? { ...EMPTY_CHART_DATA, meta: frame.meta } : previous;
  if (frame.timesUs.length === 0) return base === previous ? previous : { ...base, nextIndex: frame.nextIndex };
  // Points the page already has (a repeated frame) are skipped; a gap (points lost) is accepted as it is.
  const skip = Math.max(0, base.nextIndex - frame.fromIndex);
  if (skip >= frame.timesUs.length) return base;
  const trim = <T,>(list: readonly T[]): readonly T[] => (list.length > CHART_POINTS_MAX ? list.slice(list.length - CHART_POINTS_MAX) : list);
  const times = trim(base.times.concat(frame.timesUs.slice(skip).map((us) => us / 1_000_000)));
  const values = base.meta.map((_, series) => {
    const added = (frame.values[series] ?? []).slice(skip).map((value) => (Number.isNaN(value) ? null : value));
    return trim((base.values[series] ?? []).concat(added));
  });
  return { meta: base.meta, times, values, nextIndex: frame.nextIndex };
}

/** The points of one series by name, aligned with `times` (empty when the engine has no such series). */
export function column(data: ChartData, name: string): readonly (number | null)[] {
  const index = data.meta.findIndex((meta) => meta.name === name);
  return index < 0 ? [] : (data.values[index] ?? []);
}
