// The metrics a scenario can name in a condition or an expectation: one registry, so validation,
// the runner, the report and the docs all read the same list. Each later layer (KRaft,
// replication, storage) adds its metrics here, with Kafka's names where Kafka has one.

import type { Engine, MemberView } from '../api';

export interface MetricDefinition {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  /** True when the metric is about one process, named by the predicate's "process". */
  readonly perProcess: boolean;
  read(engine: Engine, process: string | undefined): number;
}

function probeViews(engine: Engine): readonly { readonly id: string; readonly view: MemberView }[] {
  return engine.processViews();
}

function processView(engine: Engine, id: string): MemberView | null {
  return probeViews(engine).find((entry) => entry.id === id)?.view ?? null;
}

/**
 * The controller whose committed metadata speaks for the cluster: the active one; while none is
 * active (an election), the running controller that has applied the most. Kafka reports these
 * metrics from the active controller only; a simulation can tell the truth during failover too.
 */
function authoritative(engine: Engine): NonNullable<MemberView['controller']> | null {
  let best: NonNullable<MemberView['controller']> | null = null;
  for (const { view } of engine.processViews()) {
    const controller = view.controller;
    if (controller === undefined) continue;
    if (controller.active) return controller;
    if (best === null || controller.appliedOffset > best.appliedOffset) best = controller;
  }
  return best;
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
    read: (engine) => probeViews(engine).reduce((sum, entry) => sum + entry.view.probe.unreachable, 0),
  },
  {
    name: 'probe.reachablePairs',
    description: 'pairs (running process, peer) where the process hears the peer',
    unit: 'pairs',
    perProcess: false,
    read: (engine) => probeViews(engine).reduce((sum, entry) => sum + entry.view.probe.reachable, 0),
  },
  {
    name: 'probe.unreachablePeers',
    description: 'peers the named process cannot hear (0 while it is crashed)',
    unit: 'peers',
    perProcess: true,
    read: (engine, process) => processView(engine, process!)?.probe.unreachable ?? 0,
  },
  {
    name: 'probe.rttMsMax',
    description: 'the longest last-measured probe round trip between any two running processes',
    unit: 'ms',
    perProcess: false,
    read: (engine) => {
      let max = 0;
      for (const entry of probeViews(engine)) {
        for (const peer of entry.view.probe.peers) {
          if (peer.health === 'reachable' && peer.rttUs !== null) max = Math.max(max, peer.rttUs);
        }
      }
      return max / 1_000;
    },
  },
  {
    name: 'ActiveControllerCount',
    description: 'controllers acting as the active controller (Kafka: kafka.controller ActiveControllerCount, summed); 1 when healthy',
    unit: 'controllers',
    perProcess: false,
    read: (engine) => engine.processViews().filter(({ view }) => view.controller?.active === true).length,
  },
  {
    name: 'OfflinePartitionsCount',
    description: 'partitions without a leader, in the committed metadata (Kafka: OfflinePartitionsCount)',
    unit: 'partitions',
    perProcess: false,
    read: (engine) => authoritative(engine)?.offlinePartitions ?? 0,
  },
  {
    name: 'FencedBrokerCount',
    description: 'registered brokers that are fenced (Kafka: FencedBrokerCount)',
    unit: 'brokers',
    perProcess: false,
    read: (engine) => authoritative(engine)?.fencedBrokers ?? 0,
  },
  {
    name: 'ActiveBrokerCount',
    description: 'registered brokers that are not fenced (Kafka: ActiveBrokerCount)',
    unit: 'brokers',
    perProcess: false,
    read: (engine) => {
      const controller = authoritative(engine);
      return controller === null ? 0 : controller.brokers - controller.fencedBrokers;
    },
  },
  {
    name: 'GlobalTopicCount',
    description: 'topics in the committed metadata (Kafka: GlobalTopicCount)',
    unit: 'topics',
    perProcess: false,
    read: (engine) => authoritative(engine)?.topics ?? 0,
  },
  {
    name: 'GlobalPartitionCount',
    description: 'partitions in the committed metadata (Kafka: GlobalPartitionCount)',
    unit: 'partitions',
    perProcess: false,
    read: (engine) => authoritative(engine)?.partitions ?? 0,
  },
  {
    name: 'raft.epoch',
    description: 'the highest quorum epoch any running controller has reached',
    unit: 'epoch',
    perProcess: false,
    read: (engine) => Math.max(0, ...engine.processViews().filter(({ view }) => view.raft.isVoter).map(({ view }) => view.raft.epoch)),
  },
  {
    name: 'raft.leaders',
    description: 'running controllers in the leader role (more than one means a stale leader has not yet stepped down)',
    unit: 'controllers',
    perProcess: false,
    read: (engine) => engine.processViews().filter(({ view }) => view.raft.role === 'leader').length,
  },
  {
    name: 'raft.highWatermark',
    description: 'the highest committed offset of the metadata log known to any running process',
    unit: 'offset',
    perProcess: false,
    read: (engine) => Math.max(0, ...engine.processViews().map(({ view }) => view.raft.highWatermark)),
  },
  {
    name: 'broker.fenced',
    description: '1 while the named broker is fenced (or unregistered) in its own view, 0 while it runs',
    unit: '0 or 1',
    perProcess: true,
    read: (engine, process) => (processView(engine, process!)?.broker?.fenced === false ? 0 : 1),
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
