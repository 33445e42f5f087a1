// The series the engine records, with Kafka's names where Kafka has the metric: one registration
// per series. Each definition reads a ClusterSample (built once per simulated second from the
// processes' readings: the few numbers the series need, no process's view); none of them changes
// anything or runs per record.
//
// Owns: the list of series, the assumed price of cross-zone traffic, and the election tracker
// (which diffs the committed metadata once per sample).
// Never: reads anything but the sample it is given, or keeps an unbounded history.
//
// A client's latency series read the histograms its process logic returns from histograms(), by
// family: "produce" (producers), "end-to-end" (consumers).

import type { Engine, MemberReading } from '../api';
import type { ProcessInfo } from '../sim/kernel';
import type { TimeUs } from '../sim/time';
import { truthController } from '../scenario/metrics';
import type { LatencyHistogram } from './histogram';
import type { GaugeSeries, LatencySeries, RateSeries, SampleContext, SeriesDefinition } from './series';

import { CROSS_ZONE_USD_PER_BYTE, CROSS_ZONE_USD_PER_GB_EACH_WAY } from './pricing';

export { CROSS_ZONE_USD_PER_BYTE, CROSS_ZONE_USD_PER_GB_EACH_WAY } from './pricing';

/** One running process as the series read it: its readings, under its process-and-life key. */
export interface SampledMember {
  readonly id: string;
  /** `broker-2#3`: the process and its life, a rate's source (a restart counts from 0 again). */
  readonly key: string;
  readonly reading: MemberReading;
}

/** What every series reads at one sample: built once, whatever the number of series. */
export interface ClusterSample {
  readonly engine: Engine;
  readonly boundaryUs: TimeUs;
  readonly processes: readonly ProcessInfo[];
  /** Each running process's readings, in process order (Engine.memberReadings): no view is built for them. */
  readonly members: readonly SampledMember[];
  /** Network bytes so far (Engine.metrics()). */
  readonly crossZoneBytes: number;
}

export function buildSample(engine: Engine, boundaryUs: TimeUs): ClusterSample {
  const processes = engine.processes();
  const members = engine.memberReadings(processes).map(({ id, life, reading }) => ({ id, key: `${id}#${life}`, reading }));
  return { engine, boundaryUs, processes, members, crossZoneBytes: engine.metrics().crossZoneBytes };
}

type Context = SampleContext<ClusterSample>;

function gauge(name: string, unit: string, description: string, read: (sample: ClusterSample) => number): GaugeSeries<ClusterSample> {
  return { kind: 'gauge', name, unit, description, read: (context: Context) => read(context.source) };
}

function rate(
  name: string,
  unit: string,
  description: string,
  counters: (sample: ClusterSample) => Iterable<readonly [string, number]>,
  scale?: number,
): RateSeries<ClusterSample> {
  return { kind: 'rate', name, unit, description, counters: (context: Context) => counters(context.source), ...(scale === undefined ? {} : { scale }) };
}

function latency(name: string, perMille: number, family: string, description: string): LatencySeries<ClusterSample> {
  return {
    kind: 'latency',
    name,
    unit: 'ms',
    description,
    perMille,
    family,
    histograms: (context: Context) => {
      const out: (readonly [string, LatencyHistogram])[] = [];
      for (const { id, key } of context.source.members) {
        const histogram = context.source.engine.latencyHistograms(id)?.get(family);
        if (histogram !== undefined) out.push([key, histogram]);
      }
      return out;
    },
  };
}

/** A counter of every running process that has it, keyed by process and life (a restart counts from 0 again). */
export function perLife(sample: ClusterSample, pick: (reading: MemberReading) => number | undefined): [string, number][] {
  const out: [string, number][] = [];
  for (const { key, reading } of sample.members) {
    const value = pick(reading);
    if (value !== undefined) out.push([key, value]);
  }
  return out;
}

function sumReadings(sample: ClusterSample, pick: (reading: MemberReading) => number | undefined): number {
  let total = 0;
  for (const { reading } of sample.members) total += pick(reading) ?? 0;
  return total;
}

/** Bound on the partitions whose leader the election tracker remembers. */
export const ELECTION_TRACKED_PARTITIONS_MAX = 100_000;
/** Bound on the stopped processes whose stop time the election tracker remembers. */
const STOPS_TRACKED_MAX = 1024;

/**
 * Counts partition leader elections by diffing the committed metadata at each sample (Kafka's
 * ControllerStats LeaderElectionRateAndTimeMs, a timer: a rate and a duration). A partition that
 * got a new leader since the last sample is one election; its time is how long its previous
 * leader's broker had been down when the sample saw the new leader (an upper bound, to within one
 * sample period). Elections away from a running broker (shutdown, an ISR change) count without a time.
 */
class ElectionTracker {
  /** By topic, each partition's leader at the last sample (index = partition). */
  private readonly leaders = new Map<string, (string | null)[]>();
  private trackedPartitions = 0;
  private readonly stoppedAtUs = new Map<string, TimeUs>();
  private notableFrom = 0;
  private updatedForUs = -1;
  elections = 0;
  timeMsMax = 0;

  update(sample: ClusterSample): void {
    if (this.updatedForUs === sample.boundaryUs) return;
    this.updatedForUs = sample.boundaryUs;
    this.timeMsMax = 0;
    const engine = sample.engine;
    for (const entry of engine.notableSince(this.notableFrom)) {
      this.notableFrom = entry.index + 1;
      if (entry.kind === 'crash' && entry.process !== null) {
        if (this.stoppedAtUs.size >= STOPS_TRACKED_MAX) this.stoppedAtUs.clear();
        this.stoppedAtUs.set(entry.process, entry.timeUs);
      }
    }
    const up = new Set(sample.processes.filter((info) => info.status === 'up').map((info) => info.id));
    for (const id of [...this.stoppedAtUs.keys()]) if (up.has(id)) this.stoppedAtUs.delete(id);
    const controller = activeControllerOf(sample);
    const image = controller === null ? null : engine.metadataOf(controller);
    if (image === null) return;
    for (const [name, topic] of image.topicsByName) {
      let leaders = this.leaders.get(name);
      if (leaders === undefined) {
        // The first sight of a topic (its creation) is not an election.
        if (this.trackedPartitions + topic.partitions.length > ELECTION_TRACKED_PARTITIONS_MAX) continue;
        leaders = topic.partitions.map((state) => state.leader);
        this.trackedPartitions += leaders.length;
        this.leaders.set(name, leaders);
        continue;
      }
      for (const state of topic.partitions) {
        const before = leaders[state.partition];
        leaders[state.partition] = state.leader;
        if (before === undefined || state.leader === null || state.leader === before) continue;
        this.elections++;
        const stoppedUs = before === null ? undefined : this.stoppedAtUs.get(before);
        if (stoppedUs !== undefined) this.timeMsMax = Math.max(this.timeMsMax, (sample.boundaryUs - stoppedUs) / 1_000);
      }
    }
  }
}

/**
 * OfflinePartitionsCount as clusterTruth (scenario/metrics.ts) tells it, from the readings: in
 * ZooKeeper mode the ZooKeeper server's, else the controller of truth's (0 with none running).
 */
function offlinePartitionsOf(sample: ClusterSample): number {
  const zookeeper = sample.members.find(({ reading }) => reading.zookeeper !== undefined)?.reading.zookeeper;
  if (zookeeper !== undefined) return zookeeper.offlinePartitions;
  return truthController(sample.members, ({ reading }) => reading.controller)?.offlinePartitions ?? 0;
}

/** The active KRaft controller in the sample's readings (the newest epoch wins, as Engine.activeController), or null. */
function activeControllerOf(sample: ClusterSample): string | null {
  let best: { id: string; epoch: number } | null = null;
  for (const { id, reading } of sample.members) {
    const controller = reading.controller;
    if (controller?.active === true && (best === null || controller.activeEpoch! > best.epoch)) best = { id, epoch: controller.activeEpoch! };
  }
  return best?.id ?? null;
}

/** The engine's series, fresh for one engine (the election tracker keeps state). */
export function kafkaSeries(): SeriesDefinition<ClusterSample>[] {
  const elections = new ElectionTracker();
  return [
    rate('BytesInPerSec', 'bytes/s', 'bytes producers wrote to partition leaders, per second (Kafka: BrokerTopicMetrics BytesInPerSec, summed over brokers)', (sample) =>
      perLife(sample, (reading) => reading.replicas?.bytesIn),
    ),
    rate('MessagesInPerSec', 'records/s', 'records appended by partition leaders for producers, per second (Kafka: BrokerTopicMetrics MessagesInPerSec)', (sample) =>
      perLife(sample, (reading) => reading.replicas?.messagesIn),
    ),
    rate('ReplicationBytesOutPerSec', 'bytes/s', 'record bytes leaders sent to their followers, per second (Kafka: BrokerTopicMetrics ReplicationBytesOutPerSec)', (sample) =>
      perLife(sample, (reading) => reading.replicas?.replicationBytesOut),
    ),
    rate(
      'FailedProduceRequestsPerSec',
      'requests/s',
      'partition writes a leader refused (not the leader, not enough in-sync replicas, out of order), per second (Kafka: BrokerTopicMetrics FailedProduceRequestsPerSec)',
      (sample) => perLife(sample, (reading) => reading.replicas?.failedProduceRequests),
    ),
    rate('IsrShrinksPerSec', 'shrinks/s', 'ISR shrinks per second, summed over brokers (Kafka: ReplicaManager IsrShrinksPerSec)', (sample) =>
      perLife(sample, (reading) => reading.replicas?.isrShrinks),
    ),
    rate('IsrExpandsPerSec', 'expansions/s', 'ISR expansions per second, summed over brokers (Kafka: ReplicaManager IsrExpandsPerSec)', (sample) =>
      perLife(sample, (reading) => reading.replicas?.isrExpands),
    ),
    gauge('UnderReplicatedPartitions', 'partitions', 'partitions whose ISR is smaller than their replica set, summed over leaders (Kafka: UnderReplicatedPartitions)', (sample) =>
      sumReadings(sample, (reading) => reading.replicas?.underReplicated),
    ),
    gauge('OfflinePartitionsCount', 'partitions', 'partitions without a leader in the committed metadata (Kafka: OfflinePartitionsCount)', (sample) =>
      offlinePartitionsOf(sample),
    ),
    rate('LeaderElectionRateAndTimeMs', 'elections/s', 'partition leader elections per second, seen in the committed metadata (Kafka: ControllerStats LeaderElectionRateAndTimeMs, its rate)', (sample) => {
      elections.update(sample);
      return [['cluster', elections.elections]];
    }),
    gauge(
      'LeaderElectionTimeMsMax',
      'ms',
      'the longest time, among partitions that got a new leader in the interval, since their old leader crashed (LeaderElectionRateAndTimeMs, its time; to within 1 s)',
      (sample) => {
        elections.update(sample);
        return elections.timeMsMax;
      },
    ),
    latency('producer.latencyMsP50', 500, 'produce', 'the median produce latency (first record created to acknowledged) over the last second, all producers'),
    latency('producer.latencyMsP99', 990, 'produce', 'the 99th percentile of produce latency over the last second, all producers'),
    latency('producer.latencyMsP999', 999, 'produce', 'the 99.9th percentile of produce latency over the last second, all producers'),
    rate('records-consumed-rate', 'records/s', 'records consumers read, per second, all consumers (Kafka consumer metric records-consumed-rate, summed)', (sample) =>
      perLife(sample, (reading) => reading.consumer?.recordsConsumed),
    ),
    gauge('records-lag-max', 'records', 'the largest lag of any consumer on any partition: high watermark minus its position (Kafka consumer metric records-lag-max)', (sample) => {
      let max = 0;
      for (const { reading } of sample.members) max = Math.max(max, reading.consumer?.recordsLagMax ?? 0);
      return max;
    }),
    latency('consumer.e2eLatencyMsP99', 990, 'end-to-end', 'the 99th percentile of end-to-end latency (record created to read by a consumer) over the last second, all consumers'),
    rate('crossZone.bytesPerSec', 'bytes/s', 'bytes sent from one availability zone to another, per second', (sample) => [['network', sample.crossZoneBytes]]),
    rate(
      'crossZone.costUsdPerHour',
      'USD/h',
      `what that traffic would cost per hour at $${CROSS_ZONE_USD_PER_GB_EACH_WAY}/GB each way (AWS inter-AZ pricing)`,
      (sample) => [['network', sample.crossZoneBytes]],
      CROSS_ZONE_USD_PER_BYTE * 3_600,
    ),
    gauge('crossZone.costUsd', 'USD', `cross-zone traffic so far, at $${CROSS_ZONE_USD_PER_GB_EACH_WAY}/GB each way`, (sample) => sample.crossZoneBytes * CROSS_ZONE_USD_PER_BYTE),
  ];
}
