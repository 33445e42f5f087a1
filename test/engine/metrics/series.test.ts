// Goal: metrics over time tell the truth without touching the run. The recorder keeps bounded
// rings, turns counters into per-second rates (a restarted broker never makes a rate negative),
// and computes latency percentiles per interval, not since the start. The kernel's observer sees
// the same states however a host slices the run, and a run traces the same with or without it.
// In a whole cluster, the series see what a learner should: bytes in while a producer writes,
// under-replicated partitions after a leader crash, an election and how long it took, refused
// writes, and what cross-zone traffic costs.
// Method: a recorder fed by hand for the arithmetic; whole engines on fixed seeds for the rest.

import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import { CROSS_ZONE_USD_PER_BYTE, CROSS_ZONE_USD_PER_GB_EACH_WAY } from '../../../src/engine/metrics/catalog';
import { LatencyHistogram } from '../../../src/engine/metrics/histogram';
import { COARSE_POINTS_MAX, COARSE_SAMPLES, SAMPLE_PERIOD_US, SERIES_POINTS_MAX, SeriesRecorder } from '../../../src/engine/metrics/series';
import { METRICS } from '../../../src/engine/scenario/metrics';
import { ScenarioRun } from '../../../src/engine/scenario/runner';
import { parseScenario } from '../../../src/engine/scenario/validate';
import { Kernel } from '../../../src/engine/sim/kernel';
import { Network } from '../../../src/engine/net/network';
import { Prng } from '../../../src/engine/sim/prng';

const SECOND_US = 1_000_000;

interface Fake {
  counters: [string, number][];
  gauge: number;
  histograms: [string, LatencyHistogram][];
}

function recorderOver(): SeriesRecorder<Fake> {
  return new SeriesRecorder<Fake>([
    { kind: 'gauge', name: 'gauge', unit: 'things', description: 'a gauge', read: ({ source }) => source.gauge },
    { kind: 'rate', name: 'rate', unit: 'things/s', description: 'a rate', counters: ({ source }) => source.counters },
    { kind: 'latency', name: 'p50', unit: 'ms', description: 'median', perMille: 500, family: 'f', histograms: ({ source }) => source.histograms },
    { kind: 'latency', name: 'p99', unit: 'ms', description: 'p99', perMille: 990, family: 'f', histograms: ({ source }) => source.histograms },
  ]);
}

describe('the series recorder', () => {
  it('keeps the last SERIES_POINTS_MAX seconds and a coarse point per COARSE_SAMPLES seconds, within their bounds', () => {
    const recorder = recorderOver();
    const source: Fake = { counters: [], gauge: 0, histograms: [] };
    const samples = SERIES_POINTS_MAX + 250;
    for (let second = 1; second <= samples; second++) {
      source.gauge = second;
      recorder.sample(source, second * SAMPLE_PERIOD_US);
    }
    const fine = recorder.points('gauge');
    expect(fine.values.length).toBe(SERIES_POINTS_MAX);
    expect(fine.values[0]).toBe(samples - SERIES_POINTS_MAX + 1);
    expect(fine.values.at(-1)).toBe(samples);
    expect(fine.timesUs.at(-1)).toBe(samples * SAMPLE_PERIOD_US);
    // A coarse gauge point is the worst of its seconds.
    const coarse = recorder.points('gauge', 'coarse');
    expect(coarse.values.length).toBe(Math.floor(samples / COARSE_SAMPLES));
    expect(coarse.values[0]).toBe(COARSE_SAMPLES);
    expect(coarse.values.length).toBeLessThanOrEqual(COARSE_POINTS_MAX);
    // A frame asking from a point long gone gets what is kept, and says where it starts.
    const frame = recorder.frame(0);
    expect(frame.fromIndex).toBe(samples - SERIES_POINTS_MAX);
    expect(frame.nextIndex).toBe(samples);
    expect(frame.values[0]!.length).toBe(SERIES_POINTS_MAX);
    expect(recorder.frame(samples).timesUs).toEqual([]);
  });

  it('turns counters into rates per second, and counts a restarted source (a new key) from zero', () => {
    const recorder = recorderOver();
    const source: Fake = { counters: [['broker-1#1', 100], ['broker-2#1', 50]], gauge: 0, histograms: [] };
    recorder.sample(source, SECOND_US);
    source.counters = [['broker-1#1', 400], ['broker-2#1', 50]];
    recorder.sample(source, 2 * SECOND_US);
    // broker-2 restarted: its counter began again at 0 and reached 30; broker-1 is unchanged.
    source.counters = [['broker-1#1', 400], ['broker-2#2', 30]];
    recorder.sample(source, 3 * SECOND_US);
    expect(recorder.points('rate').values).toEqual([150, 300, 30]);
  });

  it('computes latency percentiles over each interval, not since the start', () => {
    const recorder = recorderOver();
    const histogram = new LatencyHistogram();
    const source: Fake = { counters: [], gauge: 0, histograms: [['producer-1#1', histogram]] };
    for (let i = 0; i < 1_000; i++) histogram.record(1_000); // 1 ms
    recorder.sample(source, SECOND_US);
    for (let i = 0; i < 100; i++) histogram.record(200_000); // 200 ms
    recorder.sample(source, 2 * SECOND_US);
    recorder.sample(source, 3 * SECOND_US); // nothing acknowledged in this second
    const p50 = recorder.points('p50').values;
    expect(p50[0]).toBeCloseTo(1, 0);
    // The second interval holds only the slow batches; the cumulative median is still 1 ms.
    expect(p50[1]).toBeGreaterThan(190);
    expect(p50[1]).toBeLessThanOrEqual(200 * 1.04);
    expect(histogram.percentile(500)).toBeLessThan(1_100);
    expect(Number.isNaN(p50[2])).toBe(true);
    expect(recorder.points('p99').values[1]).toBeGreaterThan(190);
  });

  it('refuses a series registered twice, or after sampling began, naming it', () => {
    const recorder = recorderOver();
    expect(() => recorder.register({ kind: 'gauge', name: 'gauge', unit: '', description: '', read: () => 0 })).toThrow(/"gauge" is already registered/);
    recorder.sample({ counters: [], gauge: 0, histograms: [] }, SECOND_US);
    expect(() => recorder.register({ kind: 'gauge', name: 'late', unit: '', description: '', read: () => 0 })).toThrow(/"late": register series before the first sample/);
    expect(() => recorder.points('nope')).toThrow(/no series "nope"; series are gauge, rate, p50, p99/);
  });
});

describe("the kernel's observer", () => {
  function kernelWithTicks(observe = true): { kernel: Kernel; seen: string[] } {
    const kernel = new Kernel(new Network({ zones: ['zone-a'], intraZoneLatencyUs: 100, crossZoneLatencyUs: 1_000, regionalLatencyUs: 500, jitterUs: 0, nicBytesPerSecond: 1_000_000_000, lossPerMillion: 0 }, new Prng(1).fork('network')), new Prng(1).fork('kernel'));
    const seen: string[] = [];
    let ticks = 0;
    // Events at 0.5 s, 1 s (exactly on a boundary) and 2.5 s.
    for (const atUs of [500_000, 1_000_000, 2_500_000]) kernel.schedule(atUs, `tick@${atUs}`, () => ticks++);
    if (observe) kernel.observeEvery(SECOND_US, (boundaryUs) => seen.push(`${boundaryUs}: ${ticks} ticks, clock ${kernel.nowUs}`));
    return { kernel, seen };
  }

  it('looks at each boundary after the events before it and before those at it, however the run is sliced', () => {
    const whole = kernelWithTicks();
    whole.kernel.runUntil(3 * SECOND_US);
    const sliced = kernelWithTicks();
    for (const untilUs of [999_999, 1_000_000, 1_700_000, 3_000_000]) sliced.kernel.runUntil(untilUs);
    const stepped = kernelWithTicks();
    while (stepped.kernel.step());
    stepped.kernel.runUntil(3 * SECOND_US);
    const expected = ['1000000: 1 ticks, clock 1000000', '2000000: 2 ticks, clock 2000000', '3000000: 3 ticks, clock 3000000'];
    expect(whole.seen).toEqual(expected);
    expect(sliced.seen).toEqual(expected);
    expect(stepped.seen).toEqual(expected);
    // The observer is not an event: it leaves no trace.
    const unobserved = kernelWithTicks(false);
    unobserved.kernel.runUntil(3 * SECOND_US);
    expect(unobserved.seen).toEqual([]);
    expect(whole.kernel.traceHash).toBe(unobserved.kernel.traceHash);
    expect(whole.kernel.eventCount).toBe(3);
  });
});

/** One partition led by broker-1 (the first replica placed), a producer with acks=all, min.insync.replicas=2. */
const LOADED = {
  brokers: 3,
  topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }],
  producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all', 'linger.ms': 5, startMs: 5_000 }],
};

function leaderOf(engine: Engine): string {
  return engine.snapshot().partitions[0]!.leader!;
}

function crashLeaderStory(options: { series?: boolean } = {}, slices: readonly number[] = [40 * SECOND_US]): Engine {
  const engine = createEngine(LOADED, 7, options);
  engine.runUntil(12 * SECOND_US);
  engine.inject({ kind: 'crash', process: leaderOf(engine) });
  for (const untilUs of slices) engine.runUntil(untilUs);
  return engine;
}

describe('series of a whole cluster', () => {
  it('never changes the run: the trace hash is the same with and without sampling', () => {
    const sampled = crashLeaderStory();
    const unsampled = crashLeaderStory({ series: false });
    expect(sampled.series('BytesInPerSec').values.length).toBe(40);
    expect(() => unsampled.series('BytesInPerSec')).toThrow(/records no series/);
    expect(sampled.traceHash).toBe(unsampled.traceHash);
    expect(sampled.eventCount).toBe(unsampled.eventCount);
  });

  it('gives the same points however the host slices the run', () => {
    const whole = crashLeaderStory();
    const slices: number[] = [];
    for (let atUs = 12 * SECOND_US + 333_333; atUs < 40 * SECOND_US; atUs += 777_777) slices.push(atUs);
    const sliced = crashLeaderStory({}, [...slices, 40 * SECOND_US]);
    for (const name of whole.seriesNames()) expect(sliced.series(name)).toEqual(whole.series(name));
  });

  it('shows a producer writing, a leader crash, the partition under-replicated, and one election with its time', () => {
    const engine = crashLeaderStory();
    const at = (name: string, second: number): number => engine.series(name).values[second - 1]!;
    // 1,000 records/s of 1 KB from 5 s: about 1 MB/s into the leader, twice that out to its followers.
    expect(at('MessagesInPerSec', 8)).toBeGreaterThan(900);
    expect(at('MessagesInPerSec', 8)).toBeLessThan(1_100);
    expect(at('BytesInPerSec', 8)).toBeGreaterThan(900 * 1_024);
    expect(at('ReplicationBytesOutPerSec', 8)).toBeGreaterThan(1.8 * at('BytesInPerSec', 8) * 0.9);
    expect(at('producer.latencyMsP99', 8)).toBeGreaterThan(0);
    expect(at('UnderReplicatedPartitions', 8)).toBe(0);
    // The crashed leader's broker is fenced after broker.session.timeout.ms (9 s): a new leader
    // from the ISR, which now misses the dead broker.
    const urp = engine.series('UnderReplicatedPartitions').values;
    expect(Math.max(...urp.slice(20))).toBe(1);
    const elections = engine.series('LeaderElectionRateAndTimeMs').values;
    expect(elections.reduce((sum, value) => sum + value, 0)).toBe(1);
    const electedAt = elections.indexOf(1);
    const timeMs = engine.series('LeaderElectionTimeMsMax').values[electedAt]!;
    // The session (broker.session.timeout.ms, 9 s) counts from the dead broker's last heartbeat,
    // up to broker.heartbeat.interval.ms (2 s) before the crash; the sample adds up to 1 s.
    expect(timeMs).toBeGreaterThanOrEqual(6_000);
    expect(timeMs).toBeLessThanOrEqual(10_000);
    // The registry reads the last completed second.
    expect(METRICS.get('UnderReplicatedPartitions')!.read(engine, undefined)).toBe(1);
    // The producer is stalled now (its requests to the dead leader wait request.timeout.ms): no
    // batch acknowledged in the last second reads as 0 in an expectation, NaN (a gap) on a chart.
    expect(Number.isNaN(engine.seriesLatest('producer.latencyMsP99'))).toBe(true);
    expect(METRICS.get('producer.latencyMsP99')!.read(engine, undefined)).toBe(0);
    const steady = createEngine(LOADED, 7);
    steady.runUntil(9 * SECOND_US);
    expect(METRICS.get('producer.latencyMsP99')!.read(steady, undefined)).toBe(steady.series('producer.latencyMsP99').values[8]);
    expect(METRICS.get('producer.latencyMsP99')!.read(steady, undefined)).toBeGreaterThan(0);
  });

  it('counts writes refused for want of in-sync replicas as FailedProduceRequestsPerSec', () => {
    const engine = createEngine(LOADED, 7);
    engine.runUntil(8 * SECOND_US);
    const leader = leaderOf(engine);
    for (const broker of ['broker-1', 'broker-2', 'broker-3']) if (broker !== leader) engine.inject({ kind: 'crash', process: broker });
    engine.runUntil(60 * SECOND_US);
    const failed = engine.series('FailedProduceRequestsPerSec').values;
    expect(failed.slice(0, 8).every((value) => value === 0)).toBe(true);
    expect(Math.max(...failed)).toBeGreaterThan(0);
    // The controller took the fenced followers out of the ISR (not the leader: IsrShrinksPerSec counts the leader's own shrinks).
    expect(engine.seriesLatest('UnderReplicatedPartitions')).toBe(1);
    const windowed = METRICS.get('FailedProduceRequestsPerSec')!.read(engine, undefined);
    expect(windowed).toBe(failed.at(-1));
  });

  it('prices cross-zone traffic at $0.01/GB each way', () => {
    const engine = createEngine(LOADED, 7);
    engine.runUntil(10 * SECOND_US);
    expect(CROSS_ZONE_USD_PER_GB_EACH_WAY).toBe(0.01);
    const bytes = engine.metrics().crossZoneBytes;
    expect(engine.seriesLatest('crossZone.costUsd')).toBeCloseTo(bytes * 2 * 0.01 / 1e9, 12);
    const perSecond = engine.seriesLatest('crossZone.bytesPerSec')!;
    expect(perSecond).toBeGreaterThan(0);
    expect(engine.seriesLatest('crossZone.costUsdPerHour')).toBeCloseTo(perSecond * CROSS_ZONE_USD_PER_BYTE * 3_600, 9);
  });

  it('hands a frame only the points it has not sent', () => {
    const engine = createEngine(LOADED, 7);
    engine.runUntil(3 * SECOND_US);
    const first = engine.snapshot({ seriesFrom: 0 }).series!;
    expect(first.timesUs).toEqual([SECOND_US, 2 * SECOND_US, 3 * SECOND_US]);
    expect(first.meta.map((meta) => meta.name)).toEqual(engine.seriesNames());
    engine.runUntil(4 * SECOND_US + 500_000);
    const next = engine.snapshot({ seriesFrom: first.nextIndex }).series!;
    expect(next.fromIndex).toBe(3);
    expect(next.timesUs).toEqual([4 * SECOND_US]);
    expect(next.values.every((values) => values.length === 1)).toBe(true);
    // Without seriesFrom, a snapshot carries no points.
    expect(engine.snapshot().series!.timesUs).toEqual([]);
  });
});

describe('windowed metrics in a scenario', () => {
  it('lets expectations speak of the last second: latency, records in, refused writes', () => {
    const scenario = parseScenario({
      name: 'windowed metrics',
      duration: '15s',
      cluster: { zones: 3, controllers: 3, brokers: 3 },
      topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }],
      load: { producers: [{ topic: 'orders', recordsPerSecond: 1000, acks: 'all', 'linger.ms': 5, start: '5s' }] },
      timeline: [],
      expectations: [
        { name: 'fast before the crash', metric: 'producer.latencyMsP99', op: '<', value: 50, by: '10s' },
        { name: 'a second of 1,000 records/s', metric: 'MessagesInPerSec', op: '>', value: 900, by: '10s' },
        { name: 'a claim of slowness fails', metric: 'producer.latencyMsP99', op: '>', value: 1000, by: '12s' },
        { name: 'no write refused', metric: 'FailedProduceRequestsPerSec', op: '==', value: 0, always: true },
      ],
    });
    const report = new ScenarioRun(scenario).runToEnd();
    expect(report.expectations.map((verdict) => [verdict.name, verdict.passed])).toEqual([
      ['fast before the crash', true],
      ['a second of 1,000 records/s', true],
      ['a claim of slowness fails', false],
      ['no write refused', true],
    ]);
  });
});
