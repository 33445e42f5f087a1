// Compare mode's charts: each chart overlays both runs, side A solid and side B dashed, in
// Okabe-Ito colours, with a legend naming the side ("p99 · A: dataReplication=isr"). Drawn with
// uPlot, like the single view's MetricsPanel: one uPlot per chart for its life, fed with setData.
//
// Owns: aligning the two sides' points on one time axis (both sample every simulated second, so the
// times coincide; a second one side has not reached yet is a gap), and a screen-reader table per
// chart of the newest points with each series' maximum (`data-max`), which the browser test reads.
// Never: computes a metric (the engines do) or keeps points of its own (series-store.ts does).

import { useCallback, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { column, type ChartData } from '../series-store';
import { ChartEmpty, ChartTable, timeChartOptions, useUplot, type Aligned } from './chart-parts';

const CHART_HEIGHT_PX = 200;

/** Okabe-Ito: per metric, side A's colour and side B's; B also dashes, so sides differ without colour. */
const PAIRS = [
  ['#0072b2', '#d55e00'],
  ['#009e73', '#e69f00'],
] as const;
const SIDE_B_DASH = [7, 4];
const MB = 1 / 1_000_000;

interface MetricSpec {
  readonly series: string;
  readonly label: string;
  readonly scale?: number;
  readonly stepped?: boolean;
  readonly digits: number;
}

interface OverlaySpec {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly log?: boolean;
  readonly counts?: boolean;
  readonly metrics: readonly MetricSpec[];
  /** Shown only once either side has a non-zero point of this series. */
  readonly onlyWith?: string;
}

export const OVERLAYS: readonly OverlaySpec[] = [
  { id: 'latency', title: 'Produce latency p99, per second', yLabel: 'ms (log scale)', log: true, metrics: [{ series: 'producer.latencyMsP99', label: 'produce p99', digits: 1 }] },
  { id: 'throughput', title: 'Throughput in (BytesInPerSec)', yLabel: 'MB/s', metrics: [{ series: 'BytesInPerSec', label: 'BytesInPerSec', scale: MB, digits: 2 }] },
  {
    id: 'partitions',
    title: 'Partition health',
    yLabel: 'partitions',
    counts: true,
    metrics: [
      { series: 'UnderReplicatedPartitions', label: 'UnderReplicatedPartitions', stepped: true, digits: 0 },
      { series: 'OfflinePartitionsCount', label: 'OfflinePartitionsCount', stepped: true, digits: 0 },
    ],
  },
  {
    id: 'consumers',
    title: 'Consumer lag (records-lag-max)',
    yLabel: 'records',
    counts: true,
    onlyWith: 'records-consumed-rate',
    metrics: [{ series: 'records-lag-max', label: 'records-lag-max', stepped: true, digits: 0 }],
  },
];

interface Line {
  /** "producer.latencyMsP99@A". */
  readonly key: string;
  readonly label: string;
  readonly color: string;
  readonly dash?: number[];
  readonly stepped: boolean;
  readonly digits: number;
}


/** Both sides' points on one time axis: the union of their sample times, a gap where a side has none. */
export function alignSides(spec: OverlaySpec, sides: readonly [ChartData, ChartData]): Aligned {
  const times = [...new Set([...sides[0].times, ...sides[1].times])].sort((a, b) => a - b);
  const lines: (number | null)[][] = [];
  for (const metric of spec.metrics) {
    for (const data of sides) {
      const values = column(data, metric.series);
      const byTime = new Map<number, number | null>();
      data.times.forEach((time, index) => byTime.set(time, values[index] ?? null));
      lines.push(
        times.map((time) => {
          const value = byTime.get(time);
          if (value === null || value === undefined) return null;
          if (spec.log === true && value <= 0) return null;
          return value * (metric.scale ?? 1);
        }),
      );
    }
  }
  return [times, ...lines];
}

function linesOf(spec: OverlaySpec, sideNames: readonly [string, string]): Line[] {
  return spec.metrics.flatMap((metric, index) =>
    ([0, 1] as const).map((side) => ({
      key: `${metric.series}@${side === 0 ? 'A' : 'B'}`,
      label: `${metric.label} · ${side === 0 ? 'A' : 'B'}: ${sideNames[side]}`,
      color: PAIRS[index % PAIRS.length]![side],
      ...(side === 1 ? { dash: SIDE_B_DASH } : {}),
      stepped: metric.stepped === true,
      digits: metric.digits,
    })),
  );
}

function optionsFor(spec: OverlaySpec, lines: readonly Line[], width: number): uPlot.Options {
  return timeChartOptions({ heightPx: CHART_HEIGHT_PX, yAxisPx: 56, ...spec }, lines, width);
}

interface Props {
  readonly sides: readonly [ChartData, ChartData];
  readonly sideNames: readonly [string, string];
}

export function CompareCharts({ sides, sideNames }: Props) {
  const shown = OVERLAYS.filter(
    (spec) => spec.onlyWith === undefined || sides.some((data) => column(data, spec.onlyWith!).some((value) => value !== null && value > 0)),
  );
  return (
    <section className="panel metrics" aria-label="Both runs' metrics">
      <header className="panel-head">
        <h2>Both runs</h2>
        <span className="muted">solid: side A ({sideNames[0]}) · dashed: side B ({sideNames[1]}) · sampled every simulated second</span>
      </header>
      <div className="charts">
        {shown.map((spec) => (
          <OverlayChart key={spec.id} spec={spec} sides={sides} sideNames={sideNames} />
        ))}
      </div>
    </section>
  );
}

function OverlayChart({ spec, sides, sideNames }: { spec: OverlaySpec; sides: readonly [ChartData, ChartData]; sideNames: readonly [string, string] }) {
  const host = useRef<HTMLDivElement>(null);
  const lines = useMemo(() => linesOf(spec, sideNames), [spec, sideNames]);
  const aligned = useMemo(() => alignSides(spec, sides), [spec, sides]);
  const options = useCallback((width: number) => optionsFor(spec, lines, width), [spec, lines]);
  useUplot(host, options, aligned, CHART_HEIGHT_PX);
  return (
    <figure className="chart" data-testid={`compare-chart-${spec.id}`} data-points={aligned[0].length}>
      <figcaption>{spec.title}</figcaption>
      <div ref={host} className="chart-canvas" aria-hidden="true" />
      <ChartEmpty points={aligned[0].length} />
      <ChartTable testId={`compare-table-${spec.id}`} caption={`${spec.title}, both runs: the newest points`} columns={lines} aligned={aligned} />
    </figure>
  );
}
