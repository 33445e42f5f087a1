// Metrics over simulated time: produce latency percentiles, throughput, partition health, and
// cross-zone traffic with its cost, drawn with uPlot (canvas, tiny, fast for time series).
//
// Owns: one uPlot per chart, created once when the chart mounts and fed with setData when a frame
// brings new points (never re-created per frame, never updated per event); a screen-reader table
// of the newest points per chart, which the browser tests read too.
// Never: computes a metric (the engine does), or keeps points of its own (series-store.ts does).

import { memo, useCallback, useMemo, useRef, type Ref } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { column, type ChartData } from '../series-store';
import { CROSS_ZONE_USD_PER_GB } from '../format';
import { ChartEmpty, ChartTable, timeChartOptions, useUplot, type Aligned } from './chart-parts';

export { CHART_WINDOW_S } from './chart-parts';

/** Okabe-Ito colours (distinguishable with colour blindness), plus dashes so lines differ without colour too. */
const BLUE = '#0072b2';
const ORANGE = '#e69f00';
const VERMILLION = '#d55e00';
const GREEN = '#009e73';
const PURPLE = '#cc79a7';

interface LineSpec {
  readonly series: string;
  readonly label: string;
  readonly color: string;
  readonly dash?: number[];
  /** Engine value to plotted value (bytes/s to MB/s). */
  readonly scale?: number;
  /** The right-hand axis. */
  readonly right?: boolean;
  /** Draw as steps (counts). */
  readonly stepped?: boolean;
  readonly digits: number;
}

interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly yRightLabel?: string;
  readonly log?: boolean;
  /** Counts: the axis starts at 0 and shows at least 0..1. */
  readonly counts?: boolean;
  readonly lines: readonly LineSpec[];
  /** Shown only once this series has a point that is not 0 (the consumers chart, in runs with consumers). */
  readonly onlyWith?: string;
  /** A sentence under the title from the newest points. */
  readonly summary?: (data: ChartData) => string | null;
}

const MB = 1 / 1_000_000;

const CHARTS: readonly ChartSpec[] = [
  {
    id: 'latency',
    title: 'Produce and end-to-end latency, per second',
    yLabel: 'ms (log scale)',
    log: true,
    lines: [
      { series: 'producer.latencyMsP50', label: 'p50', color: BLUE, digits: 1 },
      { series: 'producer.latencyMsP99', label: 'p99', color: ORANGE, dash: [6, 3], digits: 1 },
      { series: 'producer.latencyMsP999', label: 'p99.9', color: VERMILLION, dash: [2, 3], digits: 1 },
      { series: 'consumer.e2eLatencyMsP99', label: 'end-to-end p99', color: PURPLE, dash: [1, 2], digits: 1 },
    ],
  },
  {
    id: 'throughput',
    title: 'Throughput',
    yLabel: 'MB/s',
    lines: [
      { series: 'BytesInPerSec', label: 'BytesInPerSec', color: BLUE, scale: MB, digits: 2 },
      { series: 'ReplicationBytesOutPerSec', label: 'ReplicationBytesOutPerSec', color: GREEN, dash: [6, 3], scale: MB, digits: 2 },
    ],
  },
  {
    id: 'partitions',
    title: 'Partition health',
    yLabel: 'partitions · elections/s',
    counts: true,
    lines: [
      { series: 'UnderReplicatedPartitions', label: 'UnderReplicatedPartitions', color: ORANGE, stepped: true, digits: 0 },
      { series: 'OfflinePartitionsCount', label: 'OfflinePartitionsCount', color: VERMILLION, dash: [6, 3], stepped: true, digits: 0 },
      { series: 'LeaderElectionRateAndTimeMs', label: 'Leader elections/s', color: PURPLE, dash: [2, 3], stepped: true, digits: 0 },
    ],
  },
  {
    id: 'cross-zone',
    title: 'Cross-zone traffic and its cost',
    yLabel: 'MB/s',
    yRightLabel: 'USD so far',
    lines: [
      { series: 'crossZone.bytesPerSec', label: 'cross-zone MB/s', color: BLUE, scale: MB, digits: 2 },
      { series: 'crossZone.costUsd', label: 'USD so far', color: VERMILLION, dash: [6, 3], right: true, digits: 6 },
    ],
    summary: (data) => {
      const perHour = column(data, 'crossZone.costUsdPerHour').at(-1);
      return perHour === null || perHour === undefined ? null : `at the last second's rate: $${perHour.toFixed(4)} per hour`;
    },
  },
  {
    id: 'consumers',
    title: 'Consumers',
    yLabel: 'records · records/s',
    counts: true,
    onlyWith: 'records-consumed-rate',
    lines: [
      { series: 'records-lag-max', label: 'records-lag-max', color: ORANGE, stepped: true, digits: 0 },
      { series: 'records-consumed-rate', label: 'records consumed/s', color: GREEN, dash: [6, 3], digits: 0 },
    ],
  },
];

interface Props {
  /**
   * The points to draw: while the run plays, off screen, they may be up to a second old (held by
   * App's DeferredPanels, use-held-while-hidden.ts); their canvases are not drawn there anyway (useUplot).
   */
  readonly data: ChartData;
  /** The run plays (the screen-reader tables are refreshed on their turns, ChartTable). */
  readonly live?: boolean;
  /** The panel's section, which its parent watches to know whether it is on screen. */
  readonly sectionRef?: Ref<HTMLElement>;
}

/**
 * The charts. Memoised: its parent decides which points it shows and gives a held panel the same
 * data, so the deferred commits in which it holds skip it (issue 7, item 9: it rendered in each of
 * them only to decide to hold, and reconciled its head and the charts' box).
 */
export const MetricsPanel = memo(function MetricsPanel({ data, live = false, sectionRef }: Props) {
  return (
    <section ref={sectionRef} className="panel metrics" aria-label="Metrics">
      <header className="panel-head">
        <h2>Metrics</h2>
        <span className="muted">
          sampled every simulated second · cross-zone priced at ${CROSS_ZONE_USD_PER_GB}/GB each way (AWS)
        </span>
      </header>
      <div className="charts">
        {CHARTS.filter((spec) => spec.onlyWith === undefined || column(data, spec.onlyWith).some((value) => value !== null && value > 0)).map((spec) => (
          <TimeChart key={spec.id} spec={spec} data={data} live={live} />
        ))}
      </div>
    </section>
  );
});


function alignedOf(spec: ChartSpec, data: ChartData): Aligned {
  const lines = spec.lines.map((line) => column(data, line.series).map((value) => (value === null ? null : spec.log && value <= 0 ? null : value * (line.scale ?? 1))));
  return [data.times as number[], ...lines];
}

function optionsFor(spec: ChartSpec, width: number): uPlot.Options {
  const lines = spec.lines.map((line) => ({ ...line, ...(line.right === true ? { axisScale: 'usd' } : {}) }));
  if (spec.yRightLabel === undefined) return timeChartOptions({ heightPx: 190, yAxisPx: 52, ...spec }, lines, width);
  return timeChartOptions({ heightPx: 190, yAxisPx: 52, ...spec }, lines, width, {
    scales: { usd: { range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, max > 0 ? max * 1.15 : 0.01] } },
    axes: [{ scale: 'usd', side: 1, label: spec.yRightLabel, size: 60, grid: { show: false } }],
  });
}

/** Memoised: a panel held while hidden (use-held-while-hidden.ts) passes the same data, and its charts skip. */
const TimeChart = memo(function TimeChart({ spec, data, live }: { spec: ChartSpec; data: ChartData; live: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const aligned = useMemo(() => alignedOf(spec, data), [spec, data]);
  // One uPlot for the chart's life (spec is a constant); new points redraw the same chart.
  const options = useCallback((width: number) => optionsFor(spec, width), [spec]);
  useUplot(host, options, aligned, 190);
  const summary = spec.summary?.(data) ?? null;
  const times = aligned[0];
  const rows = times.length;
  const columns = useMemo(() => spec.lines.map((line) => ({ key: line.series, label: line.label, digits: line.digits })), [spec]);
  return (
    <figure className="chart" data-testid={`chart-${spec.id}`} data-points={rows} data-last-time-s={rows === 0 ? '' : times[rows - 1]}>
      <figcaption>
        {spec.title}
        {summary !== null && <span className="chart-summary"> · {summary}</span>}
      </figcaption>
      <div ref={host} className="chart-canvas" aria-hidden="true" />
      <ChartEmpty points={rows} />
      <ChartTable testId={`chart-table-${spec.id}`} caption={`${spec.title}: the newest points`} columns={columns} aligned={aligned} live={live} />
    </figure>
  );
});
