// Metrics as time series: a recorder that samples every registered series once per simulated
// second and keeps the points in bounded rings (SERIES_POINTS_MAX at one second, then
// COARSE_POINTS_MAX coarse points of COARSE_SAMPLES each for longer runs).
//
// Owns: the rings, the previous value of every counter (to turn counts into rates) and of every
// latency histogram (to turn cumulative histograms into per-interval percentiles).
// Never: changes the engine, enters the trace, or runs per record. It is fed by the kernel's
// read-only observer (Kernel.observeEvery), so a run traces the same with or without it.
//
// Three kinds of series, each registered once (see catalog.ts):
// - gauge: a value now (UnderReplicatedPartitions);
// - rate: a counter per source (process and life), turned into "per second" over the interval,
//   so a restarted broker whose counters began again at 0 is never a negative rate;
// - latency: per-interval percentiles of the histograms of one family ("produce"), merged over
//   every client that has one: the bucket counts added since the last sample.

import { LatencyHistogram } from './histogram';
import type { TimeUs } from '../sim/time';

/** One sample per simulated second. */
export const SAMPLE_PERIOD_US = 1_000_000;
/** Points kept per series at one second: the last 10 minutes. */
export const SERIES_POINTS_MAX = 600;
/** A coarse point sums up this many one-second samples (10 s). */
export const COARSE_SAMPLES = 10;
/** Coarse points kept per series: the last 2 hours at 10 s. */
export const COARSE_POINTS_MAX = 720;
/** Bound on registered series (each costs two rings). */
export const SERIES_MAX = 64;

export type SeriesKind = 'gauge' | 'rate' | 'latency';

/** What a series sample may read: built once per sample, so every series sees the same moment. */
export interface SampleContext<Source> {
  readonly source: Source;
  readonly boundaryUs: TimeUs;
}

interface SeriesInfo {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
}

export interface GaugeSeries<Source> extends SeriesInfo {
  readonly kind: 'gauge';
  read(context: SampleContext<Source>): number;
}

export interface RateSeries<Source> extends SeriesInfo {
  readonly kind: 'rate';
  /**
   * Each source's counter since it began: [key, count]. The key names a source and its life
   * (`broker-2#3`); a key not seen before counts from 0, a key that disappears is forgotten.
   */
  counters(context: SampleContext<Source>): Iterable<readonly [string, number]>;
  /** Multiplies the rate (e.g. dollars per byte); 1 when absent. */
  readonly scale?: number;
}

export interface LatencySeries<Source> extends SeriesInfo {
  readonly kind: 'latency';
  /** Thousandths: 500 for p50, 990 for p99, 999 for p99.9. */
  readonly perMille: number;
  /** The family whose histograms are merged ("produce"); series of one family share the window. */
  readonly family: string;
  histograms(context: SampleContext<Source>): Iterable<readonly [string, LatencyHistogram]>;
}

export type SeriesDefinition<Source> = GaugeSeries<Source> | RateSeries<Source> | LatencySeries<Source>;

export interface SeriesMeta {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  readonly kind: SeriesKind;
}

/** Points of one series, oldest first; a value is NaN when it could not be measured (a latency window without samples). */
export interface SeriesPoints {
  readonly name: string;
  readonly unit: string;
  readonly timesUs: readonly TimeUs[];
  readonly values: readonly number[];
}

/** New one-second points since a sample index, for a frame: every series, the same times. */
export interface SeriesFrame {
  /** The index of the first point carried (points are numbered from 0 since the run began). */
  readonly fromIndex: number;
  /** The index the next frame should ask from. */
  readonly nextIndex: number;
  readonly timesUs: readonly TimeUs[];
  /** By series, in the order of `meta`. */
  readonly values: readonly (readonly number[])[];
  readonly meta: readonly SeriesMeta[];
}

/** A bounded ring of numbers numbered from 0. */
class Ring {
  private readonly values: Float64Array;
  total = 0;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity);
  }

  push(value: number): void {
    this.values[this.total % this.capacity] = value;
    this.total++;
  }

  /** The oldest index still kept. */
  get firstIndex(): number {
    return Math.max(0, this.total - this.capacity);
  }

  at(index: number): number {
    return this.values[index % this.capacity]!;
  }

  read(fromIndex: number): number[] {
    const out: number[] = [];
    for (let index = Math.max(fromIndex, this.firstIndex); index < this.total; index++) out.push(this.at(index));
    return out;
  }
}

interface SeriesState<Source> {
  readonly definition: SeriesDefinition<Source>;
  readonly fine: Ring;
  readonly coarse: Ring;
  /** rate: each source's count at the last sample. */
  previousCounts: Map<string, number>;
}

interface LatencyWindow {
  /** Each source's bucket counts at the last sample. */
  previous: Map<string, Float64Array>;
  readonly window: LatencyHistogram;
  /** The boundary the window was last filled for. */
  filledForUs: TimeUs;
}

export class SeriesRecorder<Source> {
  private readonly series: SeriesState<Source>[] = [];
  private readonly byName = new Map<string, SeriesState<Source>>();
  private readonly windows = new Map<string, LatencyWindow>();
  private readonly times = new Ring(SERIES_POINTS_MAX);
  private readonly coarseTimes = new Ring(COARSE_POINTS_MAX);

  constructor(definitions: readonly SeriesDefinition<Source>[] = []) {
    for (const definition of definitions) this.register(definition);
  }

  /** Adds a series; its points start at the next sample. */
  register(definition: SeriesDefinition<Source>): void {
    if (this.byName.has(definition.name)) throw new Error(`series "${definition.name}" is already registered`);
    if (this.series.length >= SERIES_MAX) throw new Error(`series "${definition.name}": at most ${SERIES_MAX} series can be registered`);
    if (this.times.total > 0) throw new Error(`series "${definition.name}": register series before the first sample, so every series has the same times`);
    const state: SeriesState<Source> = { definition, fine: new Ring(SERIES_POINTS_MAX), coarse: new Ring(COARSE_POINTS_MAX), previousCounts: new Map() };
    this.series.push(state);
    this.byName.set(definition.name, state);
    if (definition.kind === 'latency' && !this.windows.has(definition.family)) {
      this.windows.set(definition.family, { previous: new Map(), window: new LatencyHistogram(), filledForUs: -1 });
    }
  }

  /** Samples every series at `boundaryUs` (one interval of SAMPLE_PERIOD_US after the last). */
  sample(source: Source, boundaryUs: TimeUs): void {
    const context: SampleContext<Source> = { source, boundaryUs };
    for (const state of this.series) state.fine.push(this.valueOf(state, context));
    this.times.push(boundaryUs);
    if (this.times.total % COARSE_SAMPLES === 0) this.rollUp(boundaryUs);
  }

  private valueOf(state: SeriesState<Source>, context: SampleContext<Source>): number {
    const definition = state.definition;
    switch (definition.kind) {
      case 'gauge':
        return definition.read(context);
      case 'rate': {
        let added = 0;
        const seen = new Map<string, number>();
        for (const [key, count] of definition.counters(context)) {
          const before = state.previousCounts.get(key) ?? 0;
          added += count >= before ? count - before : count;
          seen.set(key, count);
        }
        state.previousCounts = seen;
        return (added / (SAMPLE_PERIOD_US / 1_000_000)) * (definition.scale ?? 1);
      }
      case 'latency': {
        const window = this.fillWindow(definition, context);
        return window.view().count === 0 ? Number.NaN : window.percentile(definition.perMille) / 1_000;
      }
    }
  }

  /** Merges what every histogram of the family counted since the last sample (once per sample per family). */
  private fillWindow(definition: LatencySeries<Source>, context: SampleContext<Source>): LatencyHistogram {
    const state = this.windows.get(definition.family)!;
    if (state.filledForUs === context.boundaryUs) return state.window;
    state.window.clear();
    const seen = new Map<string, Float64Array>();
    for (const [key, histogram] of definition.histograms(context)) {
      const previous = state.previous.get(key) ?? new Float64Array(LatencyHistogram.BUCKETS);
      histogram.addDeltaSince(previous, state.window);
      seen.set(key, previous);
    }
    state.previous = seen;
    state.filledForUs = context.boundaryUs;
    return state.window;
  }

  /** A coarse point per COARSE_SAMPLES samples: the mean of a rate, the worst of a gauge or a percentile. */
  private rollUp(boundaryUs: TimeUs): void {
    const from = this.times.total - COARSE_SAMPLES;
    for (const state of this.series) {
      let sum = 0;
      let max = Number.NaN;
      for (let index = from; index < this.times.total; index++) {
        const value = state.fine.at(index);
        sum += Number.isNaN(value) ? 0 : value;
        if (!Number.isNaN(value) && !(value <= max)) max = value;
      }
      state.coarse.push(state.definition.kind === 'rate' ? sum / COARSE_SAMPLES : max);
    }
    this.coarseTimes.push(boundaryUs);
  }

  // ---- reading ------------------------------------------------------------------------------

  names(): string[] {
    return this.series.map((state) => state.definition.name);
  }

  meta(): SeriesMeta[] {
    return this.series.map(({ definition }) => ({ name: definition.name, unit: definition.unit, description: definition.description, kind: definition.kind }));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Samples taken since the run began. */
  get samples(): number {
    return this.times.total;
  }

  /** A series' points kept, oldest first: one per second (fine) or one per COARSE_SAMPLES seconds (coarse). */
  points(name: string, resolution: 'fine' | 'coarse' = 'fine'): SeriesPoints {
    const state = this.stateOf(name);
    const ring = resolution === 'fine' ? state.fine : state.coarse;
    const times = resolution === 'fine' ? this.times : this.coarseTimes;
    return { name, unit: state.definition.unit, timesUs: times.read(ring.firstIndex), values: ring.read(ring.firstIndex) };
  }

  /** The newest value of a series (the last completed interval), or null before the first sample. */
  latest(name: string): number | null {
    const state = this.stateOf(name);
    return state.fine.total === 0 ? null : state.fine.at(state.fine.total - 1);
  }

  /** Every series' points from sample `fromIndex` on (at most SERIES_POINTS_MAX: older ones are gone). */
  frame(fromIndex: number): SeriesFrame {
    const first = Math.max(fromIndex, this.times.firstIndex);
    return {
      fromIndex: first,
      nextIndex: this.times.total,
      timesUs: this.times.read(first),
      values: this.series.map((state) => state.fine.read(first)),
      meta: this.meta(),
    };
  }

  private stateOf(name: string): SeriesState<Source> {
    const state = this.byName.get(name);
    if (state === undefined) throw new Error(`no series "${name}"; series are ${this.names().join(', ')}`);
    return state;
  }
}
