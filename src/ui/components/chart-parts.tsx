// What the single view's charts (MetricsPanel) and compare mode's overlays (CompareCharts) share:
// a uPlot kept for the chart's life and fed with setData, a log axis's ticks, and the
// screen-reader table of the newest points with each series' maximum (`data-max`, which the
// browser tests read).
//
// Never: builds a chart's options or decides its lines (each chart does), or keeps points.

import { useEffect, useRef, type RefObject } from 'react';
import uPlot from 'uplot';

/** Points on one time axis: seconds, then one column per line (null: a gap). */
export type Aligned = [number[], ...(number | null)[][]];

/** Rows in each chart's table of newest points. */
const TABLE_ROWS = 5;

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
 * `aligned` redraws the same chart. The legend shows the newest values unless the pointer is over it.
 */
export function useUplot(host: RefObject<HTMLDivElement | null>, optionsFor: (width: number) => uPlot.Options, aligned: Aligned, heightPx: number): void {
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(aligned);
  latest.current = aligned;

  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const chart = new uPlot(optionsFor(Math.max(200, element.clientWidth)), latest.current, element);
    plot.current = chart;
    if (latest.current[0].length > 0) chart.setLegend({ idx: latest.current[0].length - 1 });
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(200, element.clientWidth), height: heightPx }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [host, optionsFor, heightPx]);

  useEffect(() => {
    const chart = plot.current;
    if (chart === null) return;
    chart.setData(aligned);
    const newest = aligned[0].length - 1;
    if (newest >= 0 && (chart.cursor.left === undefined || chart.cursor.left < 0)) chart.setLegend({ idx: newest });
  }, [aligned]);
}

export interface TableColumn {
  /** The series' key, in `data-series`. */
  readonly key: string;
  readonly label: string;
  readonly digits: number;
}

/** The newest points as a table for screen readers, hidden from sight. */
export function ChartTable({ testId, caption, columns, aligned }: { testId: string; caption: string; columns: readonly TableColumn[]; aligned: Aligned }) {
  const times = aligned[0];
  const first = Math.max(0, times.length - TABLE_ROWS);
  return (
    // A table ignores the 1px box of .visually-hidden: a wrapper holds it.
    <div className="visually-hidden">
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
      </table>
    </div>
  );
}
