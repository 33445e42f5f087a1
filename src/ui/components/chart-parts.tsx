// What the single view's charts (MetricsPanel) and compare mode's overlays (CompareCharts) share:
// a uPlot kept for the chart's life and fed with setData, the options of a time chart, and the
// screen-reader table of the newest points with each series' maximum (`data-max`, which the
// browser tests read).
//
// Never: builds a chart's options or decides its lines (each chart does), or keeps points.

import { memo, useEffect, useRef, type RefObject } from 'react';
import uPlot from 'uplot';
import { HELD_PHASE_MS, useThrottledWhileLive } from '../use-held-while-hidden';

/** Points on one time axis: seconds, then one column per line (null: a gap). */
export type Aligned = [number[], ...(number | null)[][]];

/** Rows in each chart's table of newest points. */
const TABLE_ROWS = 5;
/** Seconds of simulated time a chart shows (the newest ones). */
export const CHART_WINDOW_S = 180;
/**
 * The time axis spans at least this many seconds: a run's first seconds (or none, before Play) fill
 * it from the left. Spanning only the samples, a chart with none spanned 0..1 s and labelled its
 * ticks "0 s 0 s 0 s 1 s 1 s 1 s".
 */
const TIME_AXIS_MIN_S = 10;
/** The time axis's steps, in whole seconds (never a tick between two seconds). */
const TIME_AXIS_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200];
const AXIS_FONT = '11px system-ui, sans-serif';

/** What shapes a chart's time axis and left axis. */
export interface ChartFrame {
  readonly heightPx: number;
  readonly yLabel: string;
  readonly yAxisPx: number;
  /** A log scale with powers of ten labelled. */
  readonly log?: boolean;
  /** Counts: the axis starts at 0, shows at least 0..1, and steps by whole numbers. */
  readonly counts?: boolean;
}

/** A line as uPlot draws it. */
export interface LineStyle {
  readonly label: string;
  readonly color: string;
  readonly dash?: number[];
  readonly stepped?: boolean;
  readonly digits: number;
  /** A uPlot scale other than the left axis's ("y"), for a right-hand axis. */
  readonly axisScale?: string;
}

/**
 * The options every time chart here shares: the last CHART_WINDOW_S simulated seconds, the left
 * axis (linear from 0, counts, or log), the legend showing values, and one series per line.
 * `extraScales` and `extraAxes` add what a chart has beyond that (a right-hand axis).
 */
export function timeChartOptions(
  frame: ChartFrame,
  lines: readonly LineStyle[],
  width: number,
  extra: { readonly scales?: uPlot.Scales; readonly axes?: uPlot.Axis[] } = {},
): uPlot.Options {
  const seconds = (_: uPlot, splits: number[]) => splits.map((split) => `${Math.round(split)} s`);
  const window = (_: uPlot, _min: number, max: number): uPlot.Range.MinMax => [Math.max(0, max - CHART_WINDOW_S), Math.max(max, TIME_AXIS_MIN_S)];
  const countRange = (_: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, Math.max(1, Math.ceil(max * 1.15))];
  return {
    width,
    height: frame.heightPx,
    pxAlign: 0,
    cursor: { drag: { x: false, y: false } },
    legend: { show: true, live: true },
    scales: {
      x: { time: false, range: window },
      y: frame.log ? { distr: 3, log: 10 } : frame.counts ? { range: countRange } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
      ...extra.scales,
    },
    axes: [
      { label: 'simulated time', labelSize: 14, labelGap: 0, size: 26, font: AXIS_FONT, labelFont: AXIS_FONT, values: seconds, incrs: TIME_AXIS_STEPS_S, stroke: '#4a5568' },
      {
        label: frame.yLabel,
        labelSize: 18,
        font: AXIS_FONT,
        labelFont: AXIS_FONT,
        stroke: '#4a5568',
        size: frame.yAxisPx,
        // Counts step by whole numbers.
        ...(frame.counts === true ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000] } : {}),
        // A log axis labels and rules powers of ten only (1, 10, 100 ms...), not every step between.
        ...(frame.log === true ? { filter: powersOfTen, grid: { filter: powersOfTen, stroke: '#e6eaf0', width: 1 }, ticks: { filter: powersOfTen } } : {}),
      },
      ...(extra.axes ?? []).map((axis) => ({ labelSize: 18, font: AXIS_FONT, labelFont: AXIS_FONT, stroke: '#4a5568', ...axis })),
    ],
    series: [
      { label: 'time', value: (_u, value: number | null | undefined) => (value === null || value === undefined ? '—' : `${value} s`) },
      ...lines.map((line) => ({
        label: line.label,
        stroke: line.color,
        width: 2,
        ...(line.dash === undefined ? {} : { dash: line.dash }),
        ...(line.axisScale === undefined ? {} : { scale: line.axisScale }),
        ...(line.stepped === true ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
        spanGaps: false,
        points: { show: false },
        value: (_u: uPlot, value: number | null | undefined) => (value === null || value === undefined ? '—' : value.toFixed(line.digits)),
      })),
    ],
  };
}

/**
 * Said over a chart that has no point yet (before Play, or in a run's first simulated second): an
 * empty frame alone, a log chart without even its left axis, read as broken.
 */
export function ChartEmpty({ points }: { points: number }) {
  return points > 0 ? null : <p className="chart-empty">No samples yet: a point comes every simulated second.</p>;
}

/** A log axis labels powers of ten only. */
export function powersOfTen(_u: uPlot, splits: number[]): (number | null)[] {
  return splits.map((split) => (Number.isInteger(Math.round(Math.log10(split) * 1e6) / 1e6) ? split : null));
}

/** The largest value kept (for tests and screen readers: "at worst"); '' when none. */
export function maxOf(values: readonly (number | null)[]): number | '' {
  let max: number | null = null;
  for (const value of values) if (value !== null && (max === null || value > max)) max = value;
  return max ?? '';
}

/**
 * One uPlot for as long as `optionsFor` stays the same (memoise it), as wide as `host`; each new
 * `aligned` redraws the same chart while it is on screen (or near it). The legend shows the newest
 * values unless the pointer is over it.
 *
 * A chart away from the viewport is not redrawn: drawing a canvas's text forces the browser to
 * bring the page's style and layout up to date in the middle of React's commit, which cost the
 * page ~10% of its main-thread time at 30 brokers with the charts below the fold (bench/page.ts
 * profile). An IntersectionObserver (with a margin, so a chart scrolled to is drawn before it
 * shows) redraws it with the newest points as it comes back.
 */
export function useUplot(host: RefObject<HTMLDivElement | null>, optionsFor: (width: number) => uPlot.Options, aligned: Aligned, heightPx: number): void {
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(aligned);
  latest.current = aligned;
  /** The data the chart last drew, and whether it is near the viewport. */
  const drawn = useRef<Aligned | null>(null);
  const visible = useRef(true);

  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const chart = new uPlot(optionsFor(Math.max(200, element.clientWidth)), latest.current, element);
    plot.current = chart;
    drawn.current = latest.current;
    if (latest.current[0].length > 0) chart.setLegend({ idx: latest.current[0].length - 1 });
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(200, element.clientWidth), height: heightPx }));
    observer.observe(element);
    const seen = new IntersectionObserver(
      (entries) => {
        visible.current = entries.at(-1)?.isIntersecting ?? visible.current;
        if (visible.current && drawn.current !== latest.current) draw(chart, latest.current, drawn);
      },
      { rootMargin: `${CHART_VISIBLE_MARGIN_PX}px 0px` },
    );
    seen.observe(element);
    return () => {
      observer.disconnect();
      seen.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [host, optionsFor, heightPx]);

  useEffect(() => {
    const chart = plot.current;
    if (chart === null || !visible.current) return;
    draw(chart, aligned, drawn);
  }, [aligned]);
}

/** How far from the viewport a chart still counts as on screen, in CSS pixels. */
const CHART_VISIBLE_MARGIN_PX = 300;

function draw(chart: uPlot, aligned: Aligned, drawn: { current: Aligned | null }): void {
  chart.setData(aligned);
  drawn.current = aligned;
  const newest = aligned[0].length - 1;
  if (newest >= 0 && (chart.cursor.left === undefined || chart.cursor.left < 0)) chart.setLegend({ idx: newest });
}

export interface TableColumn {
  /** The series' key, in `data-series`. */
  readonly key: string;
  readonly label: string;
  readonly digits: number;
}

/**
 * The newest points as a table for screen readers, hidden from sight, with each series' kept
 * maximum (`data-max`, exact in every frame: the tests and "at worst" read it). While the run plays
 * (`live`) its rows are rebuilt at most once a second, not per frame: nobody sees them, a screen
 * reader reading them gets points at most a second old, and paused they are exact (issue 7, item 9).
 */
export const ChartTable = memo(function ChartTable({
  testId,
  caption,
  columns,
  aligned,
  live = false,
}: {
  testId: string;
  caption: string;
  columns: readonly TableColumn[];
  aligned: Aligned;
  live?: boolean;
}) {
  const rows = useThrottledWhileLive(aligned, live, HELD_PHASE_MS.metrics);
  return (
    // A table ignores the 1px box of .visually-hidden: a wrapper holds it, a relayout boundary
    // (perf.css, `.chart > .chart-table-box`): its rows, rebuilt about once a second, are laid out
    // without the page.
    <div className="visually-hidden chart-table-box">
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">simulated s</th>
            {columns.map((column, index) => (
              <th key={column.key} scope="col" data-series={column.key} data-max={maxOf(aligned[index + 1]!)}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <TableRows columns={columns} aligned={rows} />
      </table>
    </div>
  );
});

/** The newest TABLE_ROWS points; memoised, so a throttled table's rows are not rebuilt between refreshes. */
const TableRows = memo(function TableRows({ columns, aligned }: { columns: readonly TableColumn[]; aligned: Aligned }) {
  const times = aligned[0];
  const first = Math.max(0, times.length - TABLE_ROWS);
  return (
    <tbody>
      {times.slice(first).map((time, offset) => (
        <tr key={time}>
          <th scope="row">{time}</th>
          {columns.map((column, index) => {
            const value = aligned[index + 1]![first + offset];
            return (
              <td key={column.key} data-series={column.key} data-value={value ?? ''}>
                {value === null || value === undefined ? '—' : value.toFixed(column.digits)}
              </td>
            );
          })}
        </tr>
      ))}
    </tbody>
  );
});
