// What the inspect panel reads out of a frame, as pure functions the tests call directly: the
// selected thing looked up in the current snapshot (so a rewind or a crash updates it, and a thing
// that went away says so), a broker's replicas derived from the snapshot's partitions (frames carry
// no per-broker partition lists), and per-second rates from the cumulative counters in views.
//
// Never: keeps a snapshot, or asks the worker for anything (App does, for one partition's detail).

import type { PartitionDetail, PartitionSnapshot, ProcessSnapshot, Snapshot } from '../engine/api';
import type { Selection } from './selection';

export interface BrokerReplica {
  readonly topic: string;
  readonly partition: number;
  /** `orders-0`. */
  readonly name: string;
  /** This broker leads it now, follows it, or holds a replica of a partition with no leader. */
  readonly role: 'leader' | 'follower' | 'offline';
  readonly inIsr: boolean;
  /** This replica's log end offset (null: no log on its disk yet). */
  readonly logEndOffset: number | null;
  /** The partition's high watermark, as its leader has it. */
  readonly highWatermark: number | null;
  readonly leader: string | null;
  readonly leaderEpoch: number;
}

export interface BrokerReplicas {
  readonly led: readonly BrokerReplica[];
  readonly followed: readonly BrokerReplica[];
  readonly offline: readonly BrokerReplica[];
  /** False when the snapshot carries only some of the cluster's partitions: the lists may be short. */
  readonly complete: boolean;
}

/**
 * The replicas `broker` holds among the partitions the snapshot carries, by role, each list in
 * the snapshot's order (topic, then partition).
 */
export function brokerReplicas(partitions: readonly PartitionSnapshot[], partitionsTotal: number, broker: string): BrokerReplicas {
  const led: BrokerReplica[] = [];
  const followed: BrokerReplica[] = [];
  const offline: BrokerReplica[] = [];
  for (const partition of partitions) {
    const replica = partition.replicas.find((candidate) => candidate.broker === broker);
    if (replica === undefined) continue;
    const role = partition.leader === null ? 'offline' : partition.leader === broker ? 'leader' : 'follower';
    const entry: BrokerReplica = {
      topic: partition.topic,
      partition: partition.partition,
      name: `${partition.topic}-${partition.partition}`,
      role,
      inIsr: replica.inIsr,
      logEndOffset: replica.logEndOffset,
      highWatermark: partition.highWatermark,
      leader: partition.leader,
      leaderEpoch: partition.leaderEpoch,
    };
    (role === 'leader' ? led : role === 'follower' ? followed : offline).push(entry);
  }
  return { led, followed, offline, complete: partitions.length >= partitionsTotal };
}

export type Found<T> = { readonly found: true; readonly value: T } | { readonly found: false; readonly why: string };

/** The selected process in this frame, or why it is not there. */
export function findProcess(snapshot: Snapshot, id: string): Found<ProcessSnapshot> {
  const process = snapshot.processes.find((candidate) => candidate.id === id);
  if (process !== undefined) return { found: true, value: process };
  return { found: false, why: `${id} is not part of this cluster (it has ${snapshot.processes.length} processes); it may belong to another lesson.` };
}

/** A partition as the page knows it: the frame's summary (if carried) and the worker's detail (if it answered for it). */
export interface PartitionView {
  readonly summary: PartitionSnapshot | null;
  readonly detail: PartitionDetail | null;
}

/**
 * The selected partition in this frame. The worker's detail counts when it answers this very
 * partition; until it does, the snapshot's summary stands in. Not found: the worker answered that
 * the metadata has no such partition.
 */
export function findPartition(
  snapshot: Snapshot,
  inspected: { readonly target: { readonly topic: string; readonly partition: number }; readonly detail: PartitionDetail | null } | null,
  topic: string,
  partition: number,
): Found<PartitionView> | { readonly found: 'pending' } {
  const summary = snapshot.partitions.find((candidate) => candidate.topic === topic && candidate.partition === partition) ?? null;
  const answered = inspected !== null && inspected.target.topic === topic && inspected.target.partition === partition;
  if (answered && inspected.detail !== null) return { found: true, value: { summary, detail: inspected.detail } };
  if (summary !== null) return { found: true, value: { summary, detail: null } };
  if (!answered) return { found: 'pending' };
  const topics = [...new Set(snapshot.partitions.map((candidate) => candidate.topic))];
  return {
    found: false,
    why: `${topic}-${partition} is not in the cluster's metadata${topics.length > 0 ? ` (its topics include ${topics.slice(0, 5).join(', ')})` : ' (no partitions yet)'}; it may belong to another lesson, or the metadata is not readable now.`,
  };
}

/** The zone in this frame, with its processes, or why it is not there. */
export function findZone(snapshot: Snapshot, id: string): Found<{ readonly isolated: boolean; readonly processes: readonly ProcessSnapshot[] }> {
  const zone = snapshot.zones.find((candidate) => candidate.id === id);
  if (zone === undefined) return { found: false, why: `${id} is not one of this cluster's zones (${snapshot.zones.map((z) => z.id).join(', ')}).` };
  return { found: true, value: { isolated: zone.isolated, processes: snapshot.processes.filter((process) => process.zone === id) } };
}

/** The heading of a selection's section: "Broker broker-2", "Partition orders-3", "Zone zone-b". */
export function selectionTitle(selection: Selection, snapshot: Snapshot): string {
  if (selection.kind === 'partition') return `Partition ${selection.topic}-${selection.partition}`;
  if (selection.kind === 'zone') return `Zone ${selection.id}`;
  const process = snapshot.processes.find((candidate) => candidate.id === selection.id);
  if (process === undefined) return `Process ${selection.id}`;
  // A client is a producer or a consumer (its view says which while it runs).
  const kind = process.view?.producer !== undefined ? 'Producer' : process.view?.consumer !== undefined ? 'Consumer' : ROLE_NAMES[process.role];
  return `${kind} ${selection.id}`;
}

const ROLE_NAMES: Record<ProcessSnapshot['role'], string> = {
  controller: 'Controller',
  broker: 'Broker',
  zookeeper: 'ZooKeeper',
  client: 'Client',
  objectStore: 'Object store',
};

/**
 * Per-second rates from cumulative counters, measured over windows of at least `windowUs` of
 * simulated time. A counter that restarts (a new life of the process, or a rewind to earlier
 * time) starts a new window instead of giving a negative rate.
 */
export interface RateWindow {
  /** Which counters these are: the process and its life. */
  readonly key: string;
  readonly startUs: number;
  readonly start: Readonly<Record<string, number>>;
  /** The rates of the last whole window; null until one has passed. */
  readonly rates: Readonly<Record<string, number>> | null;
}

export const RATE_WINDOW_US = 1_000_000;

export function advanceRates(window: RateWindow | null, key: string, nowUs: number, counters: Readonly<Record<string, number>>, windowUs = RATE_WINDOW_US): RateWindow {
  if (rateWindowOpen(window, key, nowUs, windowUs)) return window!;
  if (window === null || window.key !== key || nowUs < window.startUs) return { key, startUs: nowUs, start: counters, rates: null };
  const elapsedUs = nowUs - window.startUs;
  const rates: Record<string, number> = {};
  for (const [name, value] of Object.entries(counters)) {
    const before = window.start[name];
    rates[name] = before === undefined || value < before ? 0 : ((value - before) * 1_000_000) / elapsedUs;
  }
  return { key, startUs: nowUs, start: counters, rates };
}

/** Whether `window` is still gathering at `nowUs` (the same life, not rewound past its start, younger than `windowUs`): advanceRates keeps it as it is. */
export function rateWindowOpen(window: RateWindow | null, key: string, nowUs: number, windowUs = RATE_WINDOW_US): boolean {
  return window !== null && window.key === key && nowUs >= window.startUs && nowUs - window.startUs < windowUs;
}

/**
 * A broker's cumulative counters this life (BrokerTopicMetrics as counts, consumer fetches
 * served), whose per-second rates the panel shows; null for anything else or while it is down.
 */
export function brokerCounters(process: ProcessSnapshot): Readonly<Record<string, number>> | null {
  const replicas = process.view?.replicas;
  if (replicas === undefined) return null;
  const fetches = process.view?.consumerFetch;
  return {
    bytesIn: replicas.bytesIn,
    messagesIn: replicas.messagesIn,
    replicationBytesOut: replicas.replicationBytesOut,
    replicationBytesIn: replicas.replicationBytesIn,
    failedProduceRequests: replicas.failedProduceRequests,
    bytesOut: fetches?.bytesServed ?? 0,
    fetches: fetches?.fetchesServed ?? 0,
  };
}

/**
 * Every running broker's rate window moved on to this frame, so a broker inspected while paused
 * shows the rates of the last second before the pause. A broker down has none.
 */
export function advanceBrokerRates(windows: ReadonlyMap<string, RateWindow>, snapshot: Snapshot, windowUs = RATE_WINDOW_US): ReadonlyMap<string, RateWindow> {
  // This runs in every frame for every broker, whether a panel shows the rates or not (issue 7, item
  // 9): a window still open is kept without building the broker's counters, and the map itself
  // while every window is kept and no broker came or went (~30 counter objects and a map a frame
  // at 30 brokers, for a window that closes about once a simulated second).
  const next = new Map<string, RateWindow>();
  let changed = false;
  for (const process of snapshot.processes) {
    if (process.view?.replicas === undefined) continue;
    const key = `${process.id}#${process.incarnation}`;
    const window = windows.get(process.id) ?? null;
    const advanced = rateWindowOpen(window, key, snapshot.timeUs, windowUs) ? window! : advanceRates(window, key, snapshot.timeUs, brokerCounters(process)!, windowUs);
    changed ||= advanced !== window;
    next.set(process.id, advanced);
  }
  return changed || next.size !== windows.size ? next : windows;
}

/** Kafka's acks values in words. */
export function acksLabel(acks: -1 | 0 | 1): string {
  return acks === -1 ? 'all (-1)' : String(acks);
}
