// The metrics a scenario can name in a condition or an expectation: one registry, so validation,
// the runner, the report and the docs all read the same list. Each later layer (KRaft,
// replication, storage) adds its metrics here, with Kafka's names where Kafka has one.

import type { Engine, MemberView } from '../api';
import type { ControllerView } from '../controller/controller';
import type { ReplicaCounters } from '../broker/replica-manager';

export interface MetricDefinition {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  /** True when the metric is about one process, named by the predicate's "process". */
  readonly perProcess: boolean;
  read(engine: Engine, process: string | undefined): number;
}

/** The probe of every running cluster member (clients do not probe). */
function probeViews(engine: Engine): { readonly id: string; readonly probe: NonNullable<MemberView['probe']> }[] {
  return engine.processViews().flatMap(({ id, view }) => (view.probe === undefined ? [] : [{ id, probe: view.probe }]));
}

function processView(engine: Engine, id: string): MemberView | null {
  return engine.processViews().find((entry) => entry.id === id)?.view ?? null;
}

function sumReplicas(engine: Engine, pick: (view: NonNullable<MemberView['replicas']>) => number): number {
  let total = 0;
  // Only the brokers' replica views are built, not every process's whole view.
  for (const view of engine.replicaViews()) total += pick(view);
  return total;
}

/** Summed over the running brokers' replica counters: no log is walked (a check reads these every 100 ms). */
function sumCounters(engine: Engine, pick: (counters: ReplicaCounters) => number): number {
  let total = 0;
  for (const counters of engine.replicaCounters()) total += pick(counters);
  return total;
}

function sumRemote(engine: Engine, pick: (view: NonNullable<MemberView['remoteLog']>) => number): number {
  let total = 0;
  for (const { view } of engine.processViews()) if (view.remoteLog !== undefined) total += pick(view.remoteLog);
  return total;
}

function objectStoreView(engine: Engine): NonNullable<MemberView['objectStore']> | null {
  for (const { view } of engine.processViews()) if (view.objectStore !== undefined) return view.objectStore;
  return null;
}

function sumProducers(engine: Engine, pick: (view: NonNullable<MemberView['producer']>) => number): number {
  let total = 0;
  for (const { view } of engine.processViews()) if (view.producer !== undefined) total += pick(view.producer);
  return total;
}

function consumerViews(engine: Engine): NonNullable<MemberView['consumer']>[] {
  return engine.processViews().flatMap(({ view }) => (view.consumer === undefined ? [] : [view.consumer]));
}

/** The groups coordinators hold now (each group is held by the leader of its __consumer_offsets partition). */
function groupViews(engine: Engine): NonNullable<MemberView['coordinator']>['groups'][number][] {
  return engine.processViews().flatMap(({ view }) => view.coordinator?.groups ?? []);
}

/** What the metadata says about the cluster, whichever controller design runs it. */
type ClusterTruth = Pick<ControllerView, 'brokers' | 'fencedBrokers' | 'topics' | 'partitions' | 'offlinePartitions' | 'leaderCounts'> & {
  readonly activeControllers: number;
};

/**
 * KRaft: the committed metadata of the active controller; while none is active (an election), of
 * the running controller that has applied the most. Kafka reports these metrics from the active
 * controller only; a simulation can tell the truth during a failover too.
 * ZooKeeper mode: the partition states stored in ZooKeeper, and the brokers with a live session.
 */
export function clusterTruth(engine: Engine, views: readonly { readonly id: string; readonly view: MemberView }[] = engine.controlViews()): ClusterTruth | null {
  const activeControllers = views.filter(({ view }) => view.controller?.active === true || view.legacy?.controllerState === 'active').length;
  const zookeeper = views.find(({ view }) => view.zookeeper !== undefined)?.view.zookeeper;
  if (zookeeper !== undefined) {
    const brokers = engine.processes().filter((process) => process.role === 'broker').length;
    return {
      activeControllers,
      brokers,
      fencedBrokers: brokers - zookeeper.liveBrokers.length,
      topics: 0,
      partitions: zookeeper.partitions,
      offlinePartitions: zookeeper.offlinePartitions,
      leaderCounts: zookeeper.leaderCounts,
    };
  }
  const best = truthController(views, ({ view }) => view.controller);
  if (best === null) return null;
  return { ...best, activeControllers };
}

/**
 * Of the controllers in `members` (`controllerOf` gives a member's, or undefined), the one whose
 * committed metadata is the truth (clusterTruth): the first active one; while none is, the one that
 * applied the most (the first of equals). Null without any. Also read by the metrics' series, on
 * the controllers' readings rather than their views (metrics/catalog.ts).
 */
export function truthController<M, C extends { readonly active: boolean; readonly appliedOffset: number }>(members: readonly M[], controllerOf: (member: M) => C | undefined): C | null {
  let best: C | null = null;
  for (const member of members) {
    const controller = controllerOf(member);
    if (controller === undefined) continue;
    if (controller.active) return controller;
    if (best === null || controller.appliedOffset > best.appliedOffset) best = controller;
  }
  return best;
}

/**
 * Metrics read from the engine's time series (metrics/catalog.ts): the value of the last completed
 * simulated second, so an expectation can say "p99 under 50 ms" about now rather than since the
 * start. An engine created without series reads 0.
 */
function windowed(entries: readonly (readonly [name: string, unit: string, description: string])[]): MetricDefinition[] {
  return entries.map(([name, unit, description]) => ({
    name,
    unit,
    description,
    perProcess: false,
    read: (engine: Engine) => {
      const value = engine.seriesLatest(name);
      return value === null || Number.isNaN(value) ? 0 : value;
    },
  }));
}

const definitions: MetricDefinition[] = [
  {
    name: 'processes.up',
    description: 'controllers and brokers running',
    unit: 'processes',
    perProcess: false,
    read: (engine) => engine.metrics().processesUp,
  },
  {
    name: 'processes.crashed',
    description: 'controllers and brokers crashed and not yet restarted',
    unit: 'processes',
    perProcess: false,
    read: (engine) => engine.metrics().processesCrashed,
  },
  {
    name: 'process.up',
    description: '1 while the named process runs, 0 while it is crashed',
    unit: '0 or 1',
    perProcess: true,
    read: (engine, process) => (engine.processes().find((info) => info.id === process)?.status === 'up' ? 1 : 0),
  },
  {
    name: 'network.messages',
    description: 'messages sent through the network so far',
    unit: 'messages',
    perProcess: false,
    read: (engine) => engine.metrics().messages,
  },
  {
    name: 'network.bytes',
    description: 'bytes sent through the network so far',
    unit: 'bytes',
    perProcess: false,
    read: (engine) => engine.metrics().bytes,
  },
  {
    name: 'network.crossZoneBytes',
    description: 'bytes sent from one availability zone to another so far (billed by cloud providers)',
    unit: 'bytes',
    perProcess: false,
    read: (engine) => engine.metrics().crossZoneBytes,
  },
  {
    name: 'network.crossZonePercent',
    description: 'the share of all bytes sent so far that crossed from one zone to another',
    unit: '%',
    perProcess: false,
    read: (engine) => {
      const metrics = engine.metrics();
      return metrics.bytes === 0 ? 0 : (100 * metrics.crossZoneBytes) / metrics.bytes;
    },
  },
  {
    name: 'network.dropped',
    description: 'messages refused by a partition or lost on a lossy link so far',
    unit: 'messages',
    perProcess: false,
    read: (engine) => {
      const metrics = engine.metrics();
      return metrics.droppedByPartition + metrics.droppedByLoss;
    },
  },
  {
    name: 'probe.unreachablePairs',
    description: 'pairs (running process, peer) where the process has had no probe reply for probe.timeoutMs',
    unit: 'pairs',
    perProcess: false,
    read: (engine) => probeViews(engine).reduce((sum, entry) => sum + entry.probe.unreachable, 0),
  },
  {
    name: 'probe.reachablePairs',
    description: 'pairs (running process, peer) where the process hears the peer',
    unit: 'pairs',
    perProcess: false,
    read: (engine) => probeViews(engine).reduce((sum, entry) => sum + entry.probe.reachable, 0),
  },
  {
    name: 'probe.unreachablePeers',
    description: 'peers the named process cannot hear (0 while it is crashed)',
    unit: 'peers',
    perProcess: true,
    read: (engine, process) => processView(engine, process!)?.probe?.unreachable ?? 0,
  },
  {
    name: 'probe.rttMsMax',
    description: 'the longest last-measured probe round trip between any two running processes',
    unit: 'ms',
    perProcess: false,
    read: (engine) => {
      let max = 0;
      for (const entry of probeViews(engine)) max = Math.max(max, entry.probe.rttMaxUs ?? 0);
      return max / 1_000;
    },
  },
  {
    name: 'ActiveControllerCount',
    description: 'controllers acting as the active controller (Kafka: kafka.controller ActiveControllerCount, summed); 1 when healthy',
    unit: 'controllers',
    perProcess: false,
    read: (engine) => clusterTruth(engine)?.activeControllers ?? 0,
  },
  {
    name: 'OfflinePartitionsCount',
    description: 'partitions without a leader, in the committed metadata (Kafka: OfflinePartitionsCount)',
    unit: 'partitions',
    perProcess: false,
    read: (engine) => clusterTruth(engine)?.offlinePartitions ?? 0,
  },
  {
    name: 'UnavailablePartitionsCount',
    description:
      'partitions that cannot be written now: no leader, or a leader whose broker is not running (the metadata may not know yet); the truth a client sees',
    unit: 'partitions',
    perProcess: false,
    read: (engine) => {
      const truth = clusterTruth(engine);
      if (truth === null) return 0;
      const up = new Set(engine.processes().filter((process) => process.status === 'up').map((process) => process.id));
      let unavailable = truth.offlinePartitions;
      for (const [broker, count] of Object.entries(truth.leaderCounts)) if (!up.has(broker)) unavailable += count;
      return unavailable;
    },
  },
  {
    name: 'FencedBrokerCount',
    description: 'registered brokers that are fenced (Kafka: FencedBrokerCount); in ZooKeeper mode, brokers without a live session',
    unit: 'brokers',
    perProcess: false,
    read: (engine) => clusterTruth(engine)?.fencedBrokers ?? 0,
  },
  {
    name: 'ActiveBrokerCount',
    description: 'registered brokers that are not fenced (Kafka: ActiveBrokerCount)',
    unit: 'brokers',
    perProcess: false,
    read: (engine) => {
      const truth = clusterTruth(engine);
      return truth === null ? 0 : truth.brokers - truth.fencedBrokers;
    },
  },
  {
    name: 'GlobalTopicCount',
    description: 'topics in the committed metadata (Kafka: GlobalTopicCount)',
    unit: 'topics',
    perProcess: false,
    read: (engine) => clusterTruth(engine)?.topics ?? 0,
  },
  {
    name: 'GlobalPartitionCount',
    description: 'partitions in the committed metadata (Kafka: GlobalPartitionCount)',
    unit: 'partitions',
    perProcess: false,
    read: (engine) => clusterTruth(engine)?.partitions ?? 0,
  },
  {
    name: 'raft.epoch',
    description: 'the highest quorum epoch any running controller has reached',
    unit: 'epoch',
    perProcess: false,
    read: (engine) => Math.max(0, ...engine.processViews().filter(({ view }) => view.raft?.isVoter === true).map(({ view }) => view.raft!.epoch)),
  },
  {
    name: 'raft.leaders',
    description: 'running controllers in the leader role (more than one means a stale leader has not yet stepped down)',
    unit: 'controllers',
    perProcess: false,
    read: (engine) => engine.processViews().filter(({ view }) => view.raft?.role === 'leader').length,
  },
  {
    name: 'raft.highWatermark',
    description: 'the highest committed offset of the metadata log known to any running process',
    unit: 'offset',
    perProcess: false,
    read: (engine) => Math.max(0, ...engine.processViews().map(({ view }) => view.raft?.highWatermark ?? 0)),
  },
  {
    name: 'broker.fenced',
    description: '1 while the named broker is fenced (or unregistered) in its own view, 0 while it runs',
    unit: '0 or 1',
    perProcess: true,
    read: (engine, process) => (processView(engine, process!)?.broker?.fenced === false ? 0 : 1),
  },
  {
    name: 'UnderReplicatedPartitions',
    description: 'partitions whose ISR is smaller than their replica set, summed over leaders (Kafka: UnderReplicatedPartitions)',
    unit: 'partitions',
    perProcess: false,
    read: (engine) => sumCounters(engine, (counters) => counters.underReplicated),
  },
  {
    name: 'UnderMinIsrPartitionCount',
    description: 'partitions whose ISR is below min.insync.replicas: acks=all writes are refused (Kafka: UnderMinIsrPartitionCount)',
    unit: 'partitions',
    perProcess: false,
    read: (engine) => sumCounters(engine, (counters) => counters.underMinIsr),
  },
  {
    name: 'IsrShrinks',
    description: 'ISR shrinks so far, summed over brokers (Kafka: IsrShrinksPerSec, as a count)',
    unit: 'shrinks',
    perProcess: false,
    read: (engine) => sumCounters(engine, (counters) => counters.isrShrinks),
  },
  {
    name: 'IsrExpands',
    description: 'ISR expansions so far, summed over brokers (Kafka: IsrExpandsPerSec, as a count)',
    unit: 'expansions',
    perProcess: false,
    read: (engine) => sumCounters(engine, (counters) => counters.isrExpands),
  },
  {
    name: 'TruncatedRecords',
    description: 'records followers removed from their logs because they diverged from a new leader',
    unit: 'records',
    perProcess: false,
    read: (engine) => sumCounters(engine, (counters) => counters.truncatedRecords),
  },
  {
    name: 'producer.recordsAcked',
    description: 'records producers were told are written, summed',
    unit: 'records',
    perProcess: false,
    read: (engine) => sumProducers(engine, (view) => view.recordsAcked),
  },
  {
    name: 'producer.recordsFailed',
    description: 'records producers gave up on (delivery.timeout.ms, a non-retriable error, or a full buffer), summed',
    unit: 'records',
    perProcess: false,
    read: (engine) => sumProducers(engine, (view) => view.recordsFailed),
  },
  {
    name: 'producer.latencyMsP99Cumulative',
    description: 'the 99th percentile of produce latency (first record created to acknowledged) since each producer started, the worst producer',
    unit: 'ms',
    perProcess: false,
    read: (engine) => Math.max(0, ...engine.processViews().flatMap(({ view }) => (view.producer === undefined ? [] : [view.producer.latencyUs.p99 / 1_000]))),
  },
  ...windowed([
    ['producer.latencyMsP50', 'ms', 'the median produce latency over the last simulated second, all producers merged (0 when nothing was acknowledged)'],
    ['producer.latencyMsP99', 'ms', 'the 99th percentile of produce latency over the last simulated second, all producers merged (0 when nothing was acknowledged)'],
    ['producer.latencyMsP999', 'ms', 'the 99.9th percentile of produce latency over the last simulated second, all producers merged (0 when nothing was acknowledged)'],
    ['BytesInPerSec', 'bytes/s', 'bytes producers wrote to partition leaders over the last second (Kafka: BytesInPerSec)'],
    ['MessagesInPerSec', 'records/s', 'records appended by leaders for producers over the last second (Kafka: MessagesInPerSec)'],
    ['ReplicationBytesOutPerSec', 'bytes/s', 'record bytes leaders sent to followers over the last second (Kafka: ReplicationBytesOutPerSec)'],
    ['FailedProduceRequestsPerSec', 'requests/s', 'partition writes refused by leaders over the last second (Kafka: FailedProduceRequestsPerSec)'],
    ['IsrShrinksPerSec', 'shrinks/s', 'ISR shrinks over the last second (Kafka: IsrShrinksPerSec)'],
    ['IsrExpandsPerSec', 'expansions/s', 'ISR expansions over the last second (Kafka: IsrExpandsPerSec)'],
    ['LeaderElectionRateAndTimeMs', 'elections/s', 'partition leader elections over the last second (Kafka: LeaderElectionRateAndTimeMs, its rate)'],
    ['LeaderElectionTimeMsMax', 'ms', 'the longest time a partition elected in the last second had been without its crashed leader (to within 1 s)'],
    ['crossZone.bytesPerSec', 'bytes/s', 'bytes that crossed from one zone to another over the last second'],
    ['crossZone.costUsdPerHour', 'USD/h', 'the hourly cost of the last second\'s cross-zone traffic at $0.01/GB each way'],
    ['records-consumed-rate', 'records/s', 'records consumers read over the last second, all consumers (Kafka: records-consumed-rate, summed)'],
    ['consumer.e2eLatencyMsP99', 'ms', 'the 99th percentile of end-to-end latency (record created to read) over the last second, all consumers merged'],
  ]),
  {
    name: 'consumer.recordsConsumed',
    description: 'records consumers have read, summed (a record read again after a rebalance counts again)',
    unit: 'records',
    perProcess: false,
    read: (engine) => consumerViews(engine).reduce((sum, view) => sum + view.recordsConsumed, 0),
  },
  {
    name: 'records-lag-max',
    description: "Kafka's consumer metric: the largest lag (high watermark - position) of any partition a consumer owns, over all consumers",
    unit: 'records',
    perProcess: false,
    read: (engine) => Math.max(0, ...consumerViews(engine).map((view) => view.recordsLagMax)),
  },
  {
    name: 'consumer.e2eLatencyMsP99Cumulative',
    description: 'the 99th percentile of end-to-end latency (batch created by the producer to read by a consumer) since each consumer started, the worst consumer',
    unit: 'ms',
    perProcess: false,
    read: (engine) => Math.max(0, ...consumerViews(engine).map((view) => view.e2eLatencyUs.p99 / 1_000)),
  },
  {
    name: 'consumer.rebalances',
    description: "rebalances consumers completed (an assignment received), summed (Kafka's consumer metric rebalance-total)",
    unit: 'rebalances',
    perProcess: false,
    read: (engine) => consumerViews(engine).reduce((sum, view) => sum + view.rebalances, 0),
  },
  {
    name: 'consumer.invariantViolations',
    description: 'records a consumer read backwards within a leader epoch, or above the high watermark (the consumption checker; 0 unless there is a bug)',
    unit: 'violations',
    perProcess: false,
    read: (engine) => engine.consumptionStatus().violations,
  },
  {
    name: 'group.members',
    description: 'members of consumer groups as their coordinators hold them, summed over groups',
    unit: 'members',
    perProcess: false,
    read: (engine) => groupViews(engine).reduce((sum, group) => sum + group.members.length, 0),
  },
  {
    name: 'group.stable',
    description: 'consumer groups in the Stable state',
    unit: 'groups',
    perProcess: false,
    read: (engine) => groupViews(engine).filter((group) => group.state === 'Stable').length,
  },
  {
    name: 'durability.lostRecords',
    description: 'acknowledged records no longer in their partition leader\'s log: lost for good (the durability oracle)',
    unit: 'records',
    perProcess: false,
    read: (engine) => engine.durability().lostRecords,
  },
  {
    name: 'durability.acknowledgedRecords',
    description: 'records acknowledged with acks=1 or all, which the durability oracle watches',
    unit: 'records',
    perProcess: false,
    read: (engine) => engine.durability().acknowledgedRecords,
  },
  {
    name: 'RemoteCopyRequests',
    description: 'segments uploaded to the object store by partition leaders so far (KIP-405; Kafka: RemoteCopyRequestsPerSec, as a count of successes)',
    unit: 'segments',
    perProcess: false,
    read: (engine) => sumRemote(engine, (view) => view.segmentsCopied),
  },
  {
    name: 'RemoteCopyErrors',
    description: 'segment uploads that failed so far, to be retried with back-off (Kafka: RemoteCopyErrorsPerSec, as a count)',
    unit: 'uploads',
    perProcess: false,
    read: (engine) => sumRemote(engine, (view) => view.copyFailures),
  },
  {
    name: 'RemoteFetchRequests',
    description: 'remote segments read from the object store for consumers of old offsets (Kafka: RemoteFetchRequestsPerSec, as a count of GetObjects answered)',
    unit: 'reads',
    perProcess: false,
    read: (engine) => sumRemote(engine, (view) => view.remoteReads),
  },
  {
    name: 'broker.localBytes',
    description: 'bytes of partition logs on broker disks, summed over brokers (with tiering: only the local tail)',
    unit: 'bytes',
    perProcess: false,
    read: (engine) => sumReplicas(engine, (view) => view.bytes),
  },
  {
    name: 'broker.unflushedBytes',
    description: 'bytes of partition logs still only in brokers\' page caches, summed over brokers: what a power loss of every broker would take (Kafka does not fsync by default)',
    unit: 'bytes',
    perProcess: false,
    read: (engine) => engine.brokerStorage().reduce((sum, broker) => sum + broker.storage.unflushedBytes, 0),
  },
  {
    name: 'LogFlushCount',
    description: "fsyncs brokers made for flush.messages and flush.ms in their current lives (Kafka's LogFlushRateAndTimeMs, as a count)",
    unit: 'flushes',
    perProcess: false,
    read: (engine) => sumCounters(engine, (counters) => counters.logFlushes),
  },
  {
    name: 'OfflineLogDirectoryCount',
    description: "log directories that failed (a write did not fit on a full disk), summed over brokers, until each broker starts again (Kafka's LogManager metric; a broker whose only directory failed halts)",
    unit: 'directories',
    perProcess: false,
    read: (engine) => engine.brokerStorage().filter((broker) => broker.storage.logDirFailure !== null).length,
  },
  {
    name: 'ReplicationBytesIn',
    description: 'record bytes the named broker\'s followers copied from their leaders in its current life (Kafka: ReplicationBytesInPerSec, as a count)',
    unit: 'bytes',
    perProcess: true,
    read: (engine, process) => processView(engine, process!)?.replicas?.replicationBytesIn ?? 0,
  },
  {
    name: 'objectStore.objects',
    description: 'objects the object store holds (0 without one)',
    unit: 'objects',
    perProcess: false,
    read: (engine) => objectStoreView(engine)?.objects ?? 0,
  },
  {
    name: 'objectStore.bytes',
    description: 'bytes the object store holds',
    unit: 'bytes',
    perProcess: false,
    read: (engine) => objectStoreView(engine)?.bytes ?? 0,
  },
  {
    name: 'objectStore.errors',
    description: 'object store requests answered with an error (503 during an outage, 404 for a missing key)',
    unit: 'requests',
    perProcess: false,
    read: (engine) => objectStoreView(engine)?.errors ?? 0,
  },
  {
    name: 'objectStore.dollarsPerMonth',
    description: 'what the object store costs a month at S3 Standard list prices: the bytes held now, plus requests at their rate so far',
    unit: 'dollars',
    perProcess: false,
    read: (engine) => {
      const view = objectStoreView(engine);
      return view === null ? 0 : view.storageDollarsPerMonth + view.requestDollarsPerMonth;
    },
  },
  {
    name: 'events',
    description: 'simulation events so far',
    unit: 'events',
    perProcess: false,
    read: (engine) => engine.eventCount,
  },
];

export const METRICS: ReadonlyMap<string, MetricDefinition> = new Map(definitions.map((metric) => [metric.name, metric]));

export function metricNames(): string[] {
  return [...METRICS.keys()];
}
