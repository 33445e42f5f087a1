// The engine's public face, the same in Node, in a Web Worker and in an edge runtime: build a
// cluster from a validated config and a seed, run it, step it, break it, and read it.
//
// Everything here is synchronous and deterministic: the same config, seed and inputs (faults at
// simulated times) give the same trace hash on every host. User actions are applied at the
// engine's current simulated time and recorded, so a run can be replayed exactly.

import { NO_READING, buildCluster, type ChangeLoadCommand, type MemberDisk, type MemberReading, type MemberView, type ProducerDisk } from './cluster';
import type { PartitionLog } from './broker/partition-log';
import { ReplicaManager, type ReplicaCounters, type ReplicaView } from './broker/replica-manager';
import type { MetadataImage, PartitionState } from './controller/image';
import { describeRecord } from './controller/records';
import { inspectPartition, type PartitionDetail } from './inspect';
import { checkSeed, resolveConfig, type EngineConfig } from './config';
import type { AlterConfigsCommand, ShutdownCommand } from './controller/messages';
import { ACTIVE_CONTROLLER, describeFault, objectStoreProblem, parseFault, targetProblem, toNetworkFault, type Fault } from './faults';
import { isLoadAction } from './load-actions';
import { LoadControl } from './load-control';
import { OBJECT_STORE_ID, type ObjectStoreDisk } from './storage/object-store';
import type { PageCacheView } from './storage/page-cache';
import { ColdTier, type ColdStore, type ColdTierView } from './storage/cold-tier';
import { ConsumptionChecker, type ConsumptionStatus } from './check/consumption';
import { DurabilityOracle, type DurabilityStatus, type PartitionTruth } from './check/durability';
import { Network, type NetworkFault, type NetworkStats } from './net/network';
import { Kernel, type ProcessInfo, type TraceEntry } from './sim/kernel';
import { Prng } from './sim/prng';
import { US_PER_MS, type TimeUs } from './sim/time';
import type { LatencyHistogram } from './metrics/histogram';
import { buildSample, kafkaSeries, type ClusterSample } from './metrics/catalog';
import { SAMPLE_PERIOD_US, SeriesRecorder, type SeriesFrame, type SeriesPoints } from './metrics/series';

export { ValidationError } from './validation';
export { MemoryColdStore, COLD_CACHE_OBJECTS_MAX, type ColdStore, type ColdTierView } from './storage/cold-tier';
export { LOCAL_KEY_PREFIX, PAGE_CACHE_BYTES_DEFAULT, type PageCacheView } from './storage/page-cache';
export { CorruptObjectError } from './storage/segment-codec';
export type { EngineConfigInput } from './config';
export type { Fault, FaultInput } from './faults';
export type { TraceEntry } from './sim/kernel';
export type { MemberReading, MemberView } from './cluster';
export type { PartitionDetail, ReplicaDetail } from './inspect';
export type { PeerView, ProbeView } from './net/probe';
export type { SeriesFrame, SeriesMeta, SeriesPoints } from './metrics/series';
export { CROSS_ZONE_USD_PER_GB_EACH_WAY } from './metrics/catalog';

export interface EngineOptions {
  /**
   * Where the object store's object bodies go (storage/cold-tier.ts): absent, they stay in the heap.
   * A store that cannot read at once makes runs stop at the read barrier (`held`, `coldWaiting`)
   * until the host hands the bytes back with `provideCold`. Never changes simulated outcomes.
   */
  readonly coldStore?: ColdStore;
  /**
   * Record metrics as time series, sampled every simulated second (default true). Sampling only
   * reads: the trace is the same without it; only `series()` and windowed metrics need it.
   */
  readonly series?: boolean;
  /**
   * Let the durability check keep each partition's truth between checks while nothing it is read
   * from has changed (default true; see Engine.truthCacheFor). Never changes an outcome: false reads
   * every partition's afresh at every check, which the tests compare it with.
   */
  readonly durabilityTruthCache?: boolean;
}

/** Bound on the recorded inputs of one run (user and scenario actions, not events). */
export const INPUTS_MAX = 100_000;
/** Bound on trace entries returned in one snapshot. */
export const SNAPSHOT_TRACE_MAX = 256;
/**
 * Partitions carried by one snapshot (the first ones, topic by topic). Each costs ~400 bytes of
 * every frame the page gets, and a row per replica on the page: 48 fill the partitions panel, and
 * keep a 1,000-partition cluster's frames under 100 KB. The page asks for any other by name.
 */
export const SNAPSHOT_PARTITIONS_MAX = 48;

export interface ReplicaSnapshot {
  readonly broker: string;
  /** Its log end offset (records appended), from its disk; null when it has no log for the partition yet. */
  readonly logEndOffset: number | null;
  /** How much of that log is on disk for sure (the rest is in the page cache). */
  readonly flushedOffset: number | null;
  readonly inIsr: boolean;
  readonly running: boolean;
}

export interface PartitionSnapshot {
  readonly topic: string;
  readonly partition: number;
  readonly leader: string | null;
  readonly leaderEpoch: number;
  /** The leader's high watermark: what consumers may read. */
  readonly highWatermark: number | null;
  readonly replicas: readonly ReplicaSnapshot[];
  /** RECOVERING after an unclean election (KIP-704). */
  readonly unclean: boolean;
}

/** Loss reports carried by one snapshot (the first ones; all are counted). */
export const SNAPSHOT_LOSSES_MAX = 5;
/** Topics carried by one snapshot (the first ones, the person's before the internal ones). */
export const SNAPSHOT_TOPICS_MAX = 200;

export interface TopicSnapshot {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Kafka's internal topics (__consumer_offsets). */
  readonly internal: boolean;
}

/** Metadata log entries carried by one snapshot (the newest). */
export const SNAPSHOT_METADATA_LOG_MAX = 30;

export interface MetadataLogEntry {
  readonly offset: number;
  readonly epoch: number;
  readonly text: string;
  readonly bytes: number;
  /** Below the high watermark of the controller it was read from. */
  readonly committed: boolean;
}

export interface MetadataLogView {
  /** The controller whose log this is: the quorum leader, else the running controller with the longest log. */
  readonly source: string | null;
  readonly logStartOffset: number;
  readonly endOffset: number;
  readonly highWatermark: number;
  readonly snapshotEndOffset: number | null;
  readonly entries: readonly MetadataLogEntry[];
}

export interface RecordedInput {
  readonly atUs: TimeUs;
  readonly fault: Fault;
}

export interface ProcessSnapshot extends ProcessInfo {
  readonly isolated: boolean;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** The process's own summary; null while crashed. */
  readonly view: MemberView | null;
  /** KRaft brokers: their disk, read from the durable state (so it shows while the broker is down). */
  readonly storage?: BrokerStorageView;
}

/** A broker's log directory: space (as KIP-827's DescribeLogDirs TotalBytes / UsableBytes) and durability. */
export interface BrokerStorageView {
  /** log.dir.capacity.bytes. */
  readonly capacityBytes: number;
  /** Bytes the partition logs take. */
  readonly logBytes: number;
  /** Bytes other files take (the fill-disk fault). */
  readonly filledBytes: number;
  /** Of logBytes, those still only in the page cache: a power loss would lose them. */
  readonly unflushedBytes: number;
  /** The log directory's last failure (a write did not fit), until the broker starts again. */
  readonly logDirFailure: { readonly atUs: TimeUs; readonly reason: string } | null;
  /** The machine's OS page cache over closed segments: hits, misses (disk reads), and where evicted bodies are. */
  readonly pageCache: PageCacheView;
}

export interface Snapshot {
  readonly seed: number;
  readonly timeUs: TimeUs;
  readonly events: number;
  readonly pendingEvents: number;
  readonly traceHash: string;
  readonly zones: readonly { readonly id: string; readonly isolated: boolean }[];
  readonly processes: readonly ProcessSnapshot[];
  readonly network: NetworkStats & { readonly faults: readonly NetworkFault[] };
  readonly metadataLog: MetadataLogView;
  /** Partitions as the committed metadata and the brokers' disks have them (at most SNAPSHOT_PARTITIONS_MAX). */
  readonly partitions: readonly PartitionSnapshot[];
  /** All partitions, when there are more than the snapshot carries. */
  readonly partitionsTotal: number;
  /** Topics as the committed metadata has them (at most SNAPSHOT_TOPICS_MAX): what producers, consumers and forms can name. */
  readonly topics: readonly TopicSnapshot[];
  /** The durability oracle's findings: acknowledged records, and any lost (the first few, with their cause). */
  readonly durability: DurabilityStatus;
  /** Notable events with index >= the `notableFrom` asked for (at most SNAPSHOT_TRACE_MAX, newest). */
  readonly notable: readonly TraceEntry[];
  /** All kinds of events with index >= `traceFrom` (at most SNAPSHOT_TRACE_MAX, newest). */
  readonly recent: readonly TraceEntry[];
  /** Time-series points with sample index >= `seriesFrom` (null when series are off). */
  readonly series: SeriesFrame | null;
}

export interface Metrics {
  readonly timeUs: TimeUs;
  readonly events: number;
  readonly messages: number;
  readonly bytes: number;
  readonly crossZoneBytes: number;
  readonly droppedByPartition: number;
  readonly droppedByLoss: number;
  readonly lostToCrash: number;
  readonly processesUp: number;
  readonly processesCrashed: number;
}

export interface TraceExport {
  readonly seed: number;
  readonly traceHash: string;
  readonly events: number;
  readonly inputs: readonly RecordedInput[];
  readonly recent: readonly TraceEntry[];
}

export interface RunLimits {
  /** Stop after this many events even if simulated time remains (the clock stays at the last event). */
  readonly maxEvents?: number;
}

/** A partition leader's side, as the durability oracle's check reads it (once per broker per check). */
/** What picks the controller of truth reads of a process: its view, or in KRaft mode its reading (ControllerReading is part of ControllerView). */
type ControllerSource = Pick<MemberReading, 'controller'> & Pick<MemberView, 'legacy'>;

/** What Engine.truthCacheFor keeps: the truths read, and what they were read from. */
interface TruthCache {
  image: MetadataImage | null;
  imageVersion: number;
  /** Per broker, in process order: incarnation, leaders' generation (-1: not running), own broker epoch, logs held. */
  readonly signature: number[];
  readonly truths: Map<string, PartitionTruth | null>;
}

interface LeaderSide {
  readonly replicas: ReplicaManager | null;
  /** The broker epoch the metadata registered for it. */
  readonly registeredBrokerEpoch: number | null;
  /** The broker epoch the broker itself holds (read once per check: it cannot change within one). */
  readonly ownBrokerEpoch: number | null;
  readonly logs: ReadonlyMap<string, PartitionLog>;
}

export class Engine {
  readonly config: EngineConfig;
  readonly seed: number;
  private readonly kernel: Kernel;
  private readonly network: Network;
  private readonly inputs: RecordedInput[] = [];
  /** Whether a reader holds the moment (holdViews); and the views built since, null until built. */
  private holdingViews = false;
  private heldViews: readonly { readonly id: string; readonly view: MemberView }[] | null = null;
  /** Watches every acknowledged batch, outside the protocol. */
  private readonly oracle = new DurabilityOracle();
  /** The durability check's partition truths kept between checks (truthCacheFor); null when options.durabilityTruthCache is false. */
  private readonly truths: TruthCache | null;
  /** Watches what every consumer reads, outside the protocol; tells the oracle which batches were read. */
  private readonly consumption = new ConsumptionChecker(this.oracle);
  /** Metrics over time, fed by the kernel's read-only observer; null when options.series is false. */
  private readonly recorder: SeriesRecorder<ClusterSample> | null;
  /** Load actions (add and remove clients, create topics) and the register of clients. */
  private readonly load: LoadControl;
  /** The object store's bodies: in the heap, or in options.coldStore behind the read barrier. */
  private readonly cold: ColdTier;

  constructor(configInput: unknown, seed: number, options: EngineOptions = {}) {
    this.seed = checkSeed(seed);
    this.config = resolveConfig(configInput);
    const prng = new Prng(this.seed);
    this.network = new Network({ zones: this.config.zones, ...this.config.network }, prng.fork('network'));
    this.kernel = new Kernel(this.network, prng.fork('kernel'));
    this.cold = new ColdTier(options.coldStore ?? null);
    const kernel = this.kernel;
    this.cold.onHold = (holdUs) => kernel.setHold(holdUs);
    buildCluster(this.kernel, this.config, this.oracle, this.consumption, this.cold);
    this.load = new LoadControl(this.kernel, this.config, { producer: this.oracle, consumer: this.consumption }, this);
    this.truths = options.durabilityTruthCache === false ? null : { image: null, imageVersion: -1, signature: [], truths: new Map() };
    if (options.series === false) {
      this.recorder = null;
    } else {
      const recorder = new SeriesRecorder<ClusterSample>(kafkaSeries());
      this.recorder = recorder;
      this.kernel.observeEvery(SAMPLE_PERIOD_US, (boundaryUs) => recorder.sample(buildSample(this, boundaryUs), boundaryUs));
    }
  }

  get nowUs(): TimeUs {
    return this.kernel.nowUs;
  }

  get eventCount(): number {
    return this.kernel.eventCount;
  }

  get traceHash(): string {
    return this.kernel.traceHash;
  }

  /**
   * True when the last run call stopped short at the cold tier's read barrier: an answer due then
   * needs object bodies not loaded yet (`coldWaiting`). Load them, `provideCold` each, and run on.
   */
  get held(): boolean {
    return this.kernel.held;
  }

  /** Keys of object bodies the run needs and the store could not read at once: the host loads them. */
  coldWaiting(): string[] {
    return this.cold.waiting();
  }

  /**
   * Hands back the bytes of a waiting body (what the ColdStore was given for `key`). Returns false
   * when nothing waits for it any more. Throws CorruptObjectError when the bytes are damaged; the
   * run stays held then.
   */
  provideCold(key: string, bytes: Uint8Array): boolean {
    return this.cold.provide(key, bytes);
  }

  /**
   * Whether this run still has a body under `key` in its ColdStore (put, not deleted). A host whose
   * store outlives a run (a rewind that branches, a resume) deletes the keys no run has: orphans.
   */
  coldKeyLive(key: string): boolean {
    return this.cold.isLive(key);
  }

  /** What the cold tier did: bytes written to the store, reads, what waits. */
  coldView(): ColdTierView {
    return this.cold.view();
  }

  /** Runs `durationUs` of simulated time (or until `maxEvents`). Returns the events processed. */
  runFor(durationUs: TimeUs, limits: RunLimits = {}): number {
    checkTime(durationUs, 'duration');
    return this.kernel.runUntil(this.kernel.nowUs + durationUs, limits.maxEvents);
  }

  /** Runs until simulated time `timeUs` (or until `maxEvents`). Returns the events processed. */
  runUntil(timeUs: TimeUs, limits: RunLimits = {}): number {
    checkTime(timeUs, 'time');
    return this.kernel.runUntil(timeUs, limits.maxEvents);
  }

  /**
   * Runs event by event until `condition` holds, checking it after each event; gives up (returns
   * false) at `maxTimeUs` of simulated time or after `maxEvents`.
   */
  runUntilCondition(condition: (engine: Engine) => boolean, bounds: { maxTimeUs: TimeUs; maxEvents?: number }): boolean {
    const maxEvents = bounds.maxEvents ?? 10_000_000;
    for (let processed = 0; processed < maxEvents; processed++) {
      if (condition(this)) return true;
      const next = this.kernel.nextEventTimeUs();
      if (next === null || next > bounds.maxTimeUs) {
        this.kernel.runUntil(Math.max(this.kernel.nowUs, bounds.maxTimeUs));
        return condition(this);
      }
      if (!this.kernel.step() && this.kernel.held) return condition(this); // at the read barrier: the caller loads and asks again
    }
    return condition(this);
  }

  /** Processes exactly one event and returns its trace entry, or null when nothing is pending (or the run is `held`). */
  step(): TraceEntry | null {
    const before = this.kernel.traceLength;
    // Skipped stale timers leave no trace: keep stepping until something visible happened.
    while (this.kernel.traceLength === before) {
      if (!this.kernel.step()) return null;
    }
    return this.kernel.recentTrace(this.kernel.traceLength - 1, 1)[0] ?? null;
  }

  /**
   * Applies a fault now and returns it as applied ("@active-controller" replaced by the process it
   * meant). Throws a ValidationError or a plain Error naming what is wrong; nothing changes then.
   */
  inject(input: unknown): Fault {
    return this.apply(parseFault(input));
  }

  /**
   * Checks a fault exactly as `inject` would refuse it (its shape, its targets, a crash of a process
   * that is down, a restart of one that is up) and returns it as it would apply, changing nothing.
   * Compare mode asks both engines first, so a fault one side cannot take is applied to neither.
   */
  check(input: unknown): Fault {
    const fault = this.resolve(parseFault(input));
    this.checkTargets(fault);
    if (fault.kind === 'power-loss' && fault.process !== undefined && this.kernel.processes().find((process) => process.id === fault.process)!.status === 'crashed') {
      throw new Error(`${fault.process} is already crashed (its machine is down); restart it first`);
    }
    if (fault.kind === 'fill-disk') this.fillBytesFor(fault);
    if (fault.kind === 'crash' || fault.kind === 'restart') {
      const status = this.kernel.processes().find((process) => process.id === fault.process)!.status;
      if (fault.kind === 'crash' && status !== 'up') throw new Error(`${fault.process} is already ${status}; restart it first`);
      if (fault.kind === 'restart' && status === 'up') throw new Error(`${fault.process} is running; only a crashed or stopped process can be restarted`);
    }
    if (this.inputs.length >= INPUTS_MAX) throw new Error(`this run has recorded ${INPUTS_MAX} actions, the most it keeps; start a new run`);
    return fault;
  }

  /**
   * Schedules a fault at a future simulated time. It is validated now; if it no longer applies when
   * its time comes (crashing a process that is already down), it is skipped with a note in the log.
   */
  schedule(atUs: TimeUs, input: unknown): Fault {
    checkTime(atUs, 'time');
    const fault = parseFault(input);
    // A load action may name what an earlier action will make (a topic, a producer): it is checked when it applies.
    if (!isLoadAction(fault)) this.checkTargets(fault);
    this.kernel.schedule(atUs, describeFault(fault), () => {
      // The world may have moved on since scheduling (the process already crashed): say so and go
      // on, rather than stopping the run halfway through an event.
      try {
        this.apply(fault);
      } catch (error) {
        this.kernel.announce(`skipped "${describeFault(fault)}": ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    return fault;
  }

  /**
   * Runs `script` at `atUs`, ordered with every other event (time, then scheduling order). For
   * scenario runners and tests: the script must be as deterministic as the engine, reading only
   * the engine it is given. `label` names it in the trace (and so in the trace hash).
   */
  scheduleScript(atUs: TimeUs, label: string, script: (engine: Engine) => void): void {
    checkTime(atUs, 'time');
    this.kernel.schedule(atUs, label, () => script(this));
  }

  /** Makes the current run call return right after the event being handled. */
  requestStop(): void {
    this.kernel.requestStop();
  }

  /** The notable events still kept (the newest NOTABLE_RING_CAPACITY), oldest first. */
  notableLog(): TraceEntry[] {
    return this.kernel.notableTrace();
  }

  /** Adds a line to the event log (and so to the trace), attributed to no process. */
  announce(text: string): void {
    this.kernel.announce(text);
  }

  recordedInputs(): readonly RecordedInput[] {
    return this.inputs;
  }

  processes(): ProcessInfo[] {
    return this.kernel.processes();
  }

  /**
   * Each running process's own summary (crashed processes have none). Cheaper than a snapshot.
   * While a reader holds the moment (holdViews), built once and shared: read-only, do not change it.
   */
  processViews(): readonly { readonly id: string; readonly view: MemberView }[] {
    if (this.heldViews !== null) return this.heldViews;
    const views: { id: string; view: MemberView }[] = [];
    for (const info of this.kernel.processes()) {
      const view = this.kernel.viewOf(info.id);
      if (view !== null) views.push({ id: info.id, view: view as MemberView });
    }
    if (this.holdingViews) this.heldViews = views;
    return views;
  }

  /**
   * What the metrics' series read of each running process (MemberReading: a broker's replica
   * counters, a consumer's), in process order, the processes processViews() lists, each with its
   * life: the few numbers the series need, without building the views (once per simulated second).
   */
  memberReadings(processes: readonly ProcessInfo[] = this.kernel.processes()): { readonly id: string; readonly life: number; readonly reading: MemberReading }[] {
    const nowUs = this.kernel.nowUs;
    const readings: { id: string; life: number; reading: MemberReading }[] = [];
    for (const info of processes) {
      const logic = this.kernel.logicOf(info.id) as { reading?: (nowUs: TimeUs) => MemberReading } | null;
      if (logic === null) continue;
      readings.push({ id: info.id, life: info.incarnation, reading: logic.reading?.(nowUs) ?? NO_READING });
    }
    return readings;
  }

  /**
   * Each running broker's replica view (the `replicas` part of its process view, the same object a
   * full view would carry), in process order, without building the rest of each view (a
   * checkpoint summing UnderReplicatedPartitions built all 36 views at 30 brokers for it).
   */
  replicaViews(): ReplicaView[] {
    const held = this.heldViews;
    if (held !== null) return held.flatMap(({ view }) => (view.replicas === undefined ? [] : [view.replicas]));
    return this.runningReplicaManagers().map((replicas) => replicas.view());
  }

  /**
   * Each running broker's replica counters (ReplicaManager.counters: ISR counts over its led
   * partitions and its running totals), in process order, as replicaViews() lists the brokers,
   * without walking any log: what a scenario's checks sum every 100 ms (UnderReplicatedPartitions,
   * UnderMinIsrPartitionCount and the ISR and truncation totals).
   */
  replicaCounters(): ReplicaCounters[] {
    return this.runningReplicaManagers().map((replicas) => replicas.counters());
  }

  /** The running brokers' replica managers, in process order. */
  private runningReplicaManagers(): ReplicaManager[] {
    const managers: ReplicaManager[] = [];
    for (const info of this.kernel.processes()) {
      if (info.role !== 'broker') continue;
      const replicas = (this.kernel.logicOf(info.id) as { replicas?: ReplicaManager } | null)?.replicas;
      if (replicas !== undefined) managers.push(replicas);
    }
    return managers;
  }

  /**
   * The views of the running processes that hold the metadata's truth: controllers, the ZooKeeper
   * server, and in ZooKeeper mode the brokers (one of them is the controller); in process order,
   * as processViews() has them. What clusterTruth reads, without building every broker's and client's view.
   */
  controlViews(): readonly { readonly id: string; readonly view: MemberView }[] {
    const held = this.heldViews;
    const legacyBrokers = this.config.controllerMode !== 'kraft';
    if (held !== null) return held.filter(({ view }) => view.controller !== undefined || view.zookeeper !== undefined || view.legacy !== undefined);
    const views: { id: string; view: MemberView }[] = [];
    for (const info of this.kernel.processes()) {
      if (info.role !== 'controller' && info.role !== 'zookeeper' && !(legacyBrokers && info.role === 'broker')) continue;
      const view = this.kernel.viewOf(info.id) as MemberView | null;
      if (view !== null) views.push({ id: info.id, view });
    }
    return views;
  }

  /**
   * For a reader of one moment that reads many metrics (a scenario checkpoint): while held,
   * processViews() builds each process's view once, not once per metric (36 views at 30 brokers).
   * Simulated time cannot move while held (the checkpoint runs inside one event); a fault applied
   * meanwhile drops what was built. Releasing drops it too.
   */
  holdViews(holding: boolean): void {
    this.holdingViews = holding;
    this.heldViews = null;
  }

  /** Each KRaft broker's log directory, read from its disk (so it answers while the broker is down). */
  brokerStorage(): { readonly id: string; readonly status: string; readonly storage: BrokerStorageView }[] {
    if (this.config.controllerMode !== 'kraft') return [];
    return this.kernel
      .processes()
      .filter((info) => info.role === 'broker')
      .map((info) => ({ id: info.id, status: info.status, storage: storageOf(this.kernel.durableOf(info.id) as MemberDisk) }));
  }

  /** `seriesFrom`: the first series sample to carry (the frame's nextIndex last time); by default none. */
  snapshot(options: { notableFrom?: number; traceFrom?: number; seriesFrom?: number } = {}): Snapshot {
    const stats = this.network.stats();
    // Each process's view is built once per snapshot: the metadata log's source is picked from the same views.
    const views: { readonly id: string; readonly view: MemberView }[] = [];
    const viewById = new Map<string, MemberView>();
    const processes = this.kernel.processes().map((info, index) => {
      const bytes = this.network.endpointBytes(index);
      const view = this.kernel.viewOf(info.id) as MemberView | null;
      if (view !== null) {
        views.push({ id: info.id, view });
        viewById.set(info.id, view);
      }
      return {
        ...info,
        isolated: this.network.isIsolated(info.id),
        bytesSent: bytes.sent,
        bytesReceived: bytes.received,
        view,
        ...(info.role === 'broker' && this.config.controllerMode === 'kraft' ? { storage: storageOf(this.kernel.durableOf(info.id) as MemberDisk) } : {}),
      };
    });
    // The authoritative metadata, found once from the views just built (it was looked up three times, each building the controllers' views again).
    const image = this.authoritativeImage((id) => viewById.get(id) ?? null);
    return {
      seed: this.seed,
      timeUs: this.kernel.nowUs,
      events: this.kernel.eventCount,
      pendingEvents: this.kernel.pendingEvents,
      traceHash: this.kernel.traceHash,
      zones: this.config.zones.map((id) => ({ id, isolated: this.network.isIsolated(id) })),
      processes,
      network: { ...stats, faults: [...this.network.activeFaults()] },
      metadataLog: this.metadataLog(SNAPSHOT_METADATA_LOG_MAX, views),
      ...this.partitionsForSnapshot(image),
      topics: this.topicsForSnapshot(image),
      durability: this.durabilityForSnapshot(image),
      notable: this.kernel.notableTrace(options.notableFrom ?? 0, SNAPSHOT_TRACE_MAX),
      recent: this.kernel.recentTrace(options.traceFrom ?? 0, SNAPSHOT_TRACE_MAX),
      series: this.recorder === null ? null : this.recorder.frame(options.seriesFrom ?? this.recorder.samples),
    };
  }

  /** The names of the recorded series (empty when series are off). */
  seriesNames(): string[] {
    return this.recorder?.names() ?? [];
  }

  /**
   * A series' points, oldest first: one per simulated second for the last 10 minutes ('fine'), or
   * one per 10 s for the last 2 hours ('coarse'). Throws naming the series that exist.
   */
  series(name: string, resolution: 'fine' | 'coarse' = 'fine'): SeriesPoints {
    if (this.recorder === null) throw new Error(`series "${name}": this engine records no series (created with { series: false })`);
    return this.recorder.points(name, resolution);
  }

  /** The newest value of a series (its last completed second), or null before the first sample or without series. */
  seriesLatest(name: string): number | null {
    return this.recorder?.has(name) === true ? this.recorder.latest(name) : null;
  }

  /** A process's latency histograms by family ("produce"), for the metrics layer; null when it has none or is down. */
  latencyHistograms(id: string): ReadonlyMap<string, LatencyHistogram> | null {
    const logic = this.kernel.logicOf(id) as { histograms?: () => ReadonlyMap<string, LatencyHistogram> } | null;
    return logic?.histograms?.() ?? null;
  }

  /** Notable entries with index >= fromIndex still kept, oldest first. */
  notableSince(fromIndex: number): TraceEntry[] {
    return this.kernel.notableTrace(fromIndex);
  }

  metrics(): Metrics {
    const stats = this.network.stats();
    const processes = this.kernel.processes();
    const up = processes.filter((process) => process.status === 'up').length;
    return {
      timeUs: this.kernel.nowUs,
      events: this.kernel.eventCount,
      messages: stats.messagesTotal,
      bytes: stats.bytesTotal,
      crossZoneBytes: stats.crossZoneBytes,
      droppedByPartition: stats.droppedByPartition,
      droppedByLoss: stats.droppedByLoss,
      lostToCrash: this.kernel.lostToCrash,
      processesUp: up,
      processesCrashed: processes.length - up,
    };
  }

  exportTrace(): TraceExport {
    return {
      seed: this.seed,
      traceHash: this.kernel.traceHash,
      events: this.kernel.eventCount,
      inputs: [...this.inputs],
      recent: this.kernel.recentTrace(),
    };
  }

  // ---- internals ----------------------------------------------------------------------------

  private checkTargets(fault: Fault): void {
    const needProcess = (id: string): void => {
      if (id === ACTIVE_CONTROLLER) return; // resolved when the fault applies
      if (!this.kernel.hasProcess(id)) {
        const names = this.kernel.processes().map((process) => process.id);
        throw new Error(`fault "${fault.kind}": no process "${id}"; processes are ${names.join(', ')}`);
      }
    };
    if (isLoadAction(fault)) {
      this.load.check(fault);
      return;
    }
    switch (fault.kind) {
      case 'crash':
      case 'restart':
      case 'isolate':
        needProcess(fault.process);
        if (fault.kind === 'restart' && this.load.isRemoved(fault.process)) {
          throw new Error(`fault "restart": ${fault.process} was removed (the application closed it); add a new client instead`);
        }
        return;
      case 'power-loss':
        if (fault.zone !== undefined) {
          if (!this.config.zones.includes(fault.zone)) throw new Error(`fault "power-loss": no zone "${fault.zone}"; zones are ${this.config.zones.join(', ')}`);
          return;
        }
        needProcess(fault.process!);
        return;
      case 'shutdown':
      case 'replace-disk':
      case 'slow-disk':
      case 'fill-disk':
      case 'change-load': {
        needProcess(fault.process);
        const role = this.kernel.processes().find((process) => process.id === fault.process)!.role;
        const isProducer = this.load.isProducer(fault.process);
        const problem = targetProblem(fault, { role, isProducer }, this.config.controllerMode);
        if (problem !== null) throw new Error(`fault "${fault.kind}": ${problem}`);
        if (fault.kind === 'change-load' && this.load.isRemoved(fault.process)) throw new Error(`fault "change-load": ${fault.process} was removed; add a new producer instead`);
        return;
      }
      case 'isolate-zone':
        if (!this.config.zones.includes(fault.zone)) {
          throw new Error(`fault "isolate-zone": no zone "${fault.zone}"; zones are ${this.config.zones.join(', ')}`);
        }
        return;
      case 'alter-config':
        if (this.config.controllerMode !== 'kraft') {
          throw new Error('fault "alter-config": dynamic configs go through the KRaft controller; this cluster runs in ZooKeeper mode');
        }
        if (fault.topic !== undefined && !this.config.topics.some((topic) => topic.name === fault.topic)) {
          throw new Error(`fault "alter-config": no topic "${fault.topic}"; topics are ${this.config.topics.map((topic) => topic.name).join(', ') || 'none'}`);
        }
        return;
      case 'heal':
        if (fault.target !== undefined && !this.kernel.hasProcess(fault.target) && !this.config.zones.includes(fault.target)) {
          throw new Error(`fault "heal": "${fault.target}" is neither a process nor a zone; leave target out to heal everything`);
        }
        return;
      case 'object-store-outage':
      case 'slow-object-store': {
        const problem = objectStoreProblem(this.kernel.hasProcess(OBJECT_STORE_ID));
        if (problem !== null) throw new Error(`fault "${fault.kind}": ${problem}`);
        return;
      }
      default:
        needProcess(fault.from);
        needProcess(fault.to);
    }
  }

  /**
   * The committed metadata a running KRaft controller or broker has applied (null while it is
   * down, and in ZooKeeper mode). For tests and inspection: its image is live, do not change it.
   */
  metadataOf(id: string): MetadataImage | null {
    const logic = this.kernel.logicOf(id) as { metadata?: () => MetadataImage } | null;
    return logic?.metadata?.() ?? null;
  }

  /**
   * One partition in detail (each replica's log end, high watermark, log starts; the topic settings
   * that matter), as the committed metadata and the brokers have it now; null when there is no such
   * partition (or no metadata: ZooKeeper mode, every controller down). Read-only.
   */
  inspectPartition(topic: string, partition: number): PartitionDetail | null {
    const image = this.authoritativeImageNow();
    if (image === null) return null;
    const running = new Set(this.kernel.processes().filter((process) => process.status === 'up').map((process) => process.id));
    return inspectPartition(
      {
        config: this.config,
        image,
        running: (broker) => running.has(broker),
        logOf: (broker, key) => (this.kernel.durableOf(broker) as MemberDisk).data.logs.get(key) ?? null,
        replicasOf: (broker) => (this.kernel.logicOf(broker) as { replicas?: ReplicaManager } | null)?.replicas ?? null,
      },
      topic,
      partition,
    );
  }

  /** What the consumption checker found: records read by consumers, and any read backwards or above the high watermark. */
  consumptionStatus(): ConsumptionStatus {
    return this.consumption.status();
  }

  /**
   * What the durability oracle found so far: acknowledged records, and every one lost with its
   * cause. Checks partitions whose leadership changed since the last call.
   */
  durability(): DurabilityStatus {
    return this.durabilityWith(this.authoritativeImageNow());
  }

  /**
   * The committed metadata of the active controller, or of the most advanced one while none is
   * active; null in ZooKeeper mode or with every controller down. `viewOf`: a process's view now.
   */
  private authoritativeImage(viewOf: (id: string) => MemberView | null): MetadataImage | null {
    const controller = this.activeControllerIn(viewOf) ?? this.mostAdvancedControllerIn(viewOf);
    return controller === null ? null : this.metadataOf(controller);
  }

  /** authoritativeImage now: the image of authoritativeController(). */
  private authoritativeImageNow(): MetadataImage | null {
    const controller = this.authoritativeController();
    return controller === null ? null : this.metadataOf(controller);
  }

  /**
   * The controller whose committed metadata is the truth now, as authoritativeImage picks it (the
   * active one of the highest epoch, else the one that applied the most; the first of equals), read
   * in KRaft mode from the controllers' readings (active, epoch, offset applied) rather than their
   * views, which list every registration and the quorum's state: the durability check asks at every
   * scenario checkpoint (10 a simulated second) and every frame. In ZooKeeper mode, or while a
   * reader holds the views, from the views.
   */
  authoritativeController(): string | null {
    // The same rule either way; in KRaft mode each controller's reading stands in for its view.
    const viewOf: (id: string) => ControllerSource | null =
      this.config.controllerMode !== 'kraft' || this.heldViews !== null
        ? this.currentViewOf()
        : (id) => {
            const reading = (this.kernel.logicOf(id) as { reading?: () => MemberReading } | null)?.reading?.();
            return reading === undefined ? null : { controller: reading.controller };
          };
    return this.activeControllerIn(viewOf) ?? this.mostAdvancedControllerIn(viewOf);
  }

  /** How to read a process's view now: from the views a reader holds (holdViews), else built. */
  private currentViewOf(): (id: string) => MemberView | null {
    const held = this.heldViews;
    if (held === null) return (id) => this.kernel.viewOf(id) as MemberView | null;
    const byId = new Map(held.map((entry) => [entry.id, entry.view]));
    return (id) => byId.get(id) ?? null;
  }

  private durabilityWith(image: MetadataImage | null): DurabilityStatus {
    // The authoritative metadata and the running brokers are looked up once per check, not once
    // per partition: with 1,000 partitions that is the difference between a frame and a second.
    // Built at the first partition whose truth is read afresh (none, most checks: truthCacheFor).
    let running: ReadonlySet<string> | null = null;
    // min.insync.replicas is looked up once per topic per check (two Map reads on built keys each time otherwise).
    const minIsrByTopic = new Map<string, number>();
    // Each leader's replica manager, registered broker epoch and logs, looked up once per check
    // (~30 brokers lead 1,000 partitions): null for a broker that is not running.
    const leaders = new Map<string, LeaderSide | null>();
    const read = (topic: string, partition: number, key: string): PartitionTruth | null => {
      running ??= new Set(this.kernel.processes().filter((process) => process.status === 'up').map((process) => process.id));
      return this.partitionTruth(image, running, minIsrByTopic, leaders, topic, partition, key);
    };
    const kept = this.truthCacheFor(image);
    if (kept === null) this.oracle.check(this.kernel.nowUs, read);
    else {
      this.oracle.check(this.kernel.nowUs, (topic, partition, key) => {
        let truth = kept.get(key);
        if (truth === undefined) {
          truth = read(topic, partition, key);
          kept.set(key, truth);
        }
        return truth;
      });
    }
    return this.oracle.status();
  }

  /**
   * The partitions whose truth the durability check keeps (truthCacheFor) differs from one read
   * afresh now, one line each; empty when every kept truth is current. An invariant for tests:
   * reads only (it may drop the kept truths, as the next check would).
   */
  staleKeptTruths(): string[] {
    const image = this.authoritativeImageNow();
    const kept = this.truthCacheFor(image);
    if (kept === null) return [];
    const running = new Set(this.kernel.processes().filter((process) => process.status === 'up').map((process) => process.id));
    const stale: string[] = [];
    const describe = (truth: PartitionTruth | null): string =>
      truth === null
        ? 'none'
        : `leader ${truth.leader} epoch ${truth.leaderEpoch} log ${truth.log === null ? 'none' : 'held'} min.isr ${truth.minInsyncReplicas} unclean ${truth.uncleanElection} isr ${truth.isr.join(',')}`;
    for (const [key, truth] of kept) {
      const cut = key.lastIndexOf('-');
      const fresh = this.partitionTruth(image, running, new Map(), new Map(), key.slice(0, cut), Number(key.slice(cut + 1)), key);
      const same =
        truth === null || fresh === null
          ? truth === fresh
          : truth.leader === fresh.leader &&
            truth.leaderEpoch === fresh.leaderEpoch &&
            truth.log === fresh.log &&
            truth.minInsyncReplicas === fresh.minInsyncReplicas &&
            truth.uncleanElection === fresh.uncleanElection &&
            truth.isr === fresh.isr;
      if (!same) stale.push(`${key}: kept ${describe(truth)}; now ${describe(fresh)}`);
    }
    return stale;
  }

  /**
   * The partition truths the durability check read since the last change to anything partitionTruth
   * reads, to use again; emptied when something changed. partitionTruth is a function of: the
   * authoritative image (its identity and MetadataImage.version: every partition, registration and
   * config record bumps it), which processes run (status and incarnation: a restarted broker is a
   * new replica manager), each broker's leaderships (ReplicaManager.leadersGenerationNow, bumped at
   * every change to the partitions it leads, epochs included), its own broker epoch, and its logs
   * (PartitionLog objects are only ever added to a disk's map, or all removed when a broker is
   * replaced: its size tells). What the oracle then reads of a log (its start, its batches) is read
   * live. At 30 brokers and 1,000 partitions, reading every truth was ~0.5-1 ms a check, and checks
   * come 10 times a simulated second (a scenario's checkpoints) plus once a frame; between
   * leadership changes most checks now read none. Null when the cache is off.
   */
  private truthCacheFor(image: MetadataImage | null): Map<string, PartitionTruth | null> | null {
    const cache = this.truths;
    if (cache === null) return null;
    const signature = cache.signature;
    let length = 0;
    let changed = cache.image !== image || cache.imageVersion !== (image?.version ?? -1);
    const put = (value: number): void => {
      if (signature[length] !== value) {
        changed = true;
        signature[length] = value;
      }
      length++;
    };
    // Without an image (ZooKeeper mode, every controller down) every truth is null, whatever the brokers do.
    for (const info of image === null ? [] : this.kernel.processes()) {
      if (info.role !== 'broker') continue;
      put(info.incarnation);
      const replicas = info.status === 'up' ? ((this.kernel.logicOf(info.id) as { replicas?: ReplicaManager } | null)?.replicas ?? null) : null;
      put(replicas === null ? -1 : replicas.leadersGenerationNow);
      put(replicas?.registeredBrokerEpoch() ?? -2);
      put((this.kernel.durableOf(info.id) as MemberDisk).data.logs.size);
    }
    if (signature.length !== length) {
      changed = true;
      signature.length = length;
    }
    if (changed) {
      cache.image = image;
      cache.imageVersion = image?.version ?? -1;
      cache.truths.clear();
    }
    return cache.truths;
  }

  private partitionsForSnapshot(image: MetadataImage | null): { partitions: PartitionSnapshot[]; partitionsTotal: number } {
    if (image === null) return { partitions: [], partitionsTotal: 0 };
    const running = new Set(this.kernel.processes().filter((process) => process.status === 'up').map((process) => process.id));
    const partitions: PartitionSnapshot[] = [];
    // The person's topics first; internal ones (__consumer_offsets) only in the room left. Two
    // passes that stop once the snapshot is full, rather than copying every partition per frame.
    for (const internal of [false, true]) {
      for (const state of image.partitions()) {
        if (partitions.length >= SNAPSHOT_PARTITIONS_MAX) break;
        if (state.topic.startsWith('__') !== internal) continue;
        partitions.push(this.partitionSnapshot(state, running));
      }
    }
    return { partitions, partitionsTotal: image.partitionCount };
  }

  private topicsForSnapshot(image: MetadataImage | null): TopicSnapshot[] {
    if (image === null) return [];
    const topics: TopicSnapshot[] = [];
    for (const internal of [false, true]) {
      for (const topic of image.topicsByName.values()) {
        if (topics.length >= SNAPSHOT_TOPICS_MAX) break;
        if (topic.name.startsWith('__') !== internal) continue;
        topics.push({ name: topic.name, partitions: topic.partitions.length, replicationFactor: topic.partitions[0]?.replicas.length ?? 0, internal });
      }
    }
    return topics;
  }

  private partitionSnapshot(state: PartitionState, running: ReadonlySet<string>): PartitionSnapshot {
    const key = `${state.topic}-${state.partition}`;
    const replicas = state.replicas.map((broker) => {
      const log = (this.kernel.durableOf(broker) as MemberDisk).data.logs.get(key);
      return {
        broker,
        logEndOffset: log?.endOffset ?? null,
        flushedOffset: log?.flushedEndOffset ?? null,
        inIsr: state.isr.includes(broker),
        running: running.has(broker),
      };
    });
    const leaderLogic = state.leader === null ? null : (this.kernel.logicOf(state.leader) as { replicas?: { leaderHighWatermark(topic: string, partition: number): number | null } } | null);
    return {
      topic: state.topic,
      partition: state.partition,
      leader: state.leader,
      leaderEpoch: state.leaderEpoch,
      highWatermark: leaderLogic?.replicas?.leaderHighWatermark(state.topic, state.partition) ?? null,
      replicas,
      unclean: state.leaderRecoveryState === 'RECOVERING',
    };
  }

  private durabilityForSnapshot(image: MetadataImage | null): Snapshot['durability'] {
    const status = this.durabilityWith(image);
    return { ...status, losses: status.losses.slice(0, SNAPSHOT_LOSSES_MAX) };
  }

  /** A partition as the committed metadata has it, with its leader's log if the leader is running. */
  private partitionTruth(
    image: MetadataImage | null,
    runningBrokers: ReadonlySet<string>,
    minIsrByTopic: Map<string, number>,
    leaders: Map<string, LeaderSide | null>,
    topic: string,
    partition: number,
    key: string,
  ): PartitionTruth | null {
    const state = image?.partition(topic, partition);
    if (image === null || image === undefined || state === undefined) return null;
    let side: LeaderSide | null = null;
    if (state.leader !== null) {
      const known = leaders.get(state.leader);
      if (known !== undefined) side = known;
      else {
        if (runningBrokers.has(state.leader)) {
          const replicas = (this.kernel.logicOf(state.leader) as { replicas?: ReplicaManager } | null)?.replicas ?? null;
          side = {
            replicas,
            registeredBrokerEpoch: image.brokers.get(state.leader)?.brokerEpoch ?? null,
            ownBrokerEpoch: replicas?.registeredBrokerEpoch() ?? null,
            logs: (this.kernel.durableOf(state.leader) as MemberDisk).data.logs,
          };
        }
        leaders.set(state.leader, side);
      }
    }
    // The leader's log is the truth once it leads this leader epoch itself (until then it may still
    // copy from the old leader) and is the incarnation the metadata registered (a restarted broker
    // replays its old leadership before the controller moves it away).
    const leaderEpoch = side?.replicas?.leaderEpochOf(topic, partition) ?? null;
    const leaderUp = leaderEpoch !== null && leaderEpoch === state.leaderEpoch && side!.ownBrokerEpoch === side!.registeredBrokerEpoch;
    let minInsyncReplicas = minIsrByTopic.get(topic);
    if (minInsyncReplicas === undefined) {
      const minIsr = image.configs.get(`topic:${topic}/min.insync.replicas`) ?? image.configs.get('cluster/min.insync.replicas');
      minInsyncReplicas = minIsr === undefined ? this.config.kafka['min.insync.replicas'] : Number(minIsr);
      minIsrByTopic.set(topic, minInsyncReplicas);
    }
    return {
      leader: leaderUp ? state.leader : null,
      leaderEpoch: state.leaderEpoch,
      log: leaderUp ? (side!.logs.get(key) ?? null) : null,
      minInsyncReplicas,
      uncleanElection: state.leaderRecoveryState === 'RECOVERING',
      isr: state.isr,
    };
  }

  private mostAdvancedControllerIn(viewOf: (id: string) => ControllerSource | null): string | null {
    let best: { id: string; offset: number } | null = null;
    for (const info of this.kernel.processes()) {
      if (info.role !== 'controller') continue;
      const view = viewOf(info.id);
      if (view === null) continue;
      const id = info.id;
      const applied = view.controller?.appliedOffset;
      if (applied !== undefined && (best === null || applied > best.offset)) best = { id, offset: applied };
    }
    return best?.id ?? null;
  }

  /** The newest entries of the metadata log, as the quorum leader (or the most advanced controller) has it; `views`: the running processes' views, when the caller has built them already. */
  metadataLog(limit: number, views: readonly { readonly id: string; readonly view: MemberView }[] = this.processViews()): MetadataLogView {
    let source: { id: string; raft: NonNullable<MemberView['raft']> } | null = null;
    for (const { id, view } of views) {
      const raft = view.raft;
      if (raft === undefined || !raft.isVoter) continue;
      if (raft.role === 'leader') {
        source = { id, raft };
        break;
      }
      if (source === null || raft.logEndOffset > source.raft.logEndOffset) source = { id, raft };
    }
    // ZooKeeper mode has no metadata log; neither does a quorum with every controller down.
    if (source === null) return { source: null, logStartOffset: 0, endOffset: 0, highWatermark: 0, snapshotEndOffset: null, entries: [] };
    const log = (this.kernel.durableOf(source.id) as MemberDisk).raft.log;
    const highWatermark = source.raft.highWatermark;
    return {
      source: source.id,
      logStartOffset: log.logStartOffset,
      endOffset: log.endOffset,
      highWatermark,
      snapshotEndOffset: log.snapshot?.endOffset ?? null,
      entries: log.tail(limit).map((entry) => ({
        offset: entry.offset,
        epoch: entry.epoch,
        text: describeRecord(entry.record),
        bytes: entry.bytes,
        committed: entry.offset < highWatermark,
      })),
    };
  }

  /**
   * The id of the active controller now (in ZooKeeper mode, the broker holding the role), or null
   * while none is active. A leader cut off from the quorum may still believe it is active until it
   * resigns; the controller of the newest epoch is the real one.
   */
  activeController(): string | null {
    return this.activeControllerIn(this.currentViewOf());
  }

  private activeControllerIn(viewOf: (id: string) => ControllerSource | null): string | null {
    let best: { id: string; epoch: number } | null = null;
    // Only controllers (and, in ZooKeeper mode, brokers) can hold the role: other views are not built.
    const holders = this.config.controllerMode === 'kraft' ? 'controller' : 'broker';
    for (const info of this.kernel.processes()) {
      if (info.role !== holders) continue;
      const view = viewOf(info.id);
      if (view === null) continue;
      const id = info.id;
      const epoch = view.controller?.active === true ? view.controller.activeEpoch! : view.legacy?.controllerState === 'active' ? view.legacy.controllerEpoch : null;
      if (epoch !== null && (best === null || epoch > best.epoch)) best = { id, epoch };
    }
    return best?.id ?? null;
  }

  /** The bytes of other files a fill-disk fault adds; throws when the disk has no more than freeBytes free. */
  private fillBytesFor(fault: Extract<Fault, { kind: 'fill-disk' }>): number {
    const disk = this.kernel.durableOf(fault.process) as MemberDisk;
    const used = ReplicaManager.localBytes(disk.data);
    const free = disk.device.capacityBytes - used - disk.device.filledBytes;
    if (fault.freeBytes >= free) {
      throw new Error(`fault "fill-disk": ${fault.process} has ${free} bytes free (log.dir.capacity.bytes ${disk.device.capacityBytes}, logs ${used}); freeBytes must be less than that`);
    }
    return free - fault.freeBytes;
  }

  /**
   * A power loss: every machine it reaches dies with the pages its OS had not written back. A
   * running process is crashed after its logs lose their unwritten tail (so the loss is attributed
   * to the power, not to a crash). A broker that halted earlier (its process down, its OS up) has had
   * its OS writing back meanwhile, then loses the rest. A crashed machine has nothing left to lose.
   */
  private applyPowerLoss(fault: Extract<Fault, { kind: 'power-loss' }>): void {
    const targets = this.kernel.processes().filter((process) => (fault.zone !== undefined ? process.zone === fault.zone : process.id === fault.process));
    if (fault.process !== undefined && targets[0]!.status === 'crashed') throw new Error(`${fault.process} is already crashed (its machine is down); restart it first`);
    let lost = 0;
    for (const process of targets) {
      if (process.status === 'crashed') continue;
      const durable = this.kernel.durableOf(process.id);
      const data = process.role === 'broker' && this.config.controllerMode === 'kraft' ? (durable as MemberDisk).data : null;
      if (data !== null) {
        if (process.status === 'stopped') {
          ReplicaManager.osWriteBack(data, this.kernel.nowUs);
          (durable as MemberDisk).pageCache.crash(); // its OS was up: the page cache goes with the power (a running one's goes with its crash)
        }
        lost += ReplicaManager.onCrash(data, 'power-loss');
      }
      if (process.status === 'up') this.kernel.crash(process.id);
    }
    this.kernel.announce(`${describeFault(fault)}: ${lost} unflushed record${lost === 1 ? '' : 's'} gone from broker disks`);
  }

  /** Restores the disks of the brokers `target` names (one broker, a zone's brokers, or all), and the object store. */
  private healDisks(target: string | undefined): void {
    if (this.kernel.hasProcess(OBJECT_STORE_ID) && (target === undefined || target === OBJECT_STORE_ID)) {
      const store = this.kernel.durableOf(OBJECT_STORE_ID) as ObjectStoreDisk;
      store.outage = false;
      store.extraLatencyUs = 0;
    }
    for (const process of this.kernel.processes()) {
      if (process.role !== 'broker' || this.config.controllerMode !== 'kraft') continue;
      if (target !== undefined && target !== process.id && target !== process.zone) continue;
      const device = (this.kernel.durableOf(process.id) as MemberDisk).device;
      device.restore();
      if (device.filledBytes > 0) {
        device.filledBytes = 0;
        // The space is back, but a broker that halted stays down: Kafka does not restart itself.
        if (process.status !== 'up' && device.failure !== null) this.kernel.announce(`${process.id}'s disk has free space again; it halted when the disk was full and stays down until restarted`);
      }
    }
  }

  /** Replaces "@active-controller" with the process it means now. */
  private resolve(fault: Fault): Fault {
    // A load action's generated id and zone are chosen now, and recorded, so a replay makes the same processes.
    if (isLoadAction(fault)) return this.load.check(fault);
    if (!('process' in fault) || fault.process !== ACTIVE_CONTROLLER) return fault;
    const active = this.activeController();
    if (active === null) throw new Error(`fault "${fault.kind}": no controller is active right now (an election is under way); try again in a moment`);
    return { ...fault, process: active };
  }

  private apply(requested: Fault): Fault {
    this.heldViews = null; // the views held were of the moment before this fault
    const fault = this.resolve(requested);
    this.checkTargets(fault);
    if (this.inputs.length >= INPUTS_MAX) {
      throw new Error(`this run has recorded ${INPUTS_MAX} actions, the most it keeps; start a new run`);
    }
    switch (fault.kind) {
      case 'crash':
        this.kernel.crash(fault.process);
        break;
      case 'replace-disk': {
        // The machine dies (a crash) and its data disk is a new, empty one: every partition log is
        // gone, so on restart its replicas copy again from their leaders. The metadata log
        // (metadata.log.dir, often its own volume) is kept: the broker replays it as before; what
        // this fault measures is the data the replicas re-copy.
        if (this.kernel.processes().find((process) => process.id === fault.process)!.status === 'up') this.kernel.crash(fault.process);
        const replaced = this.kernel.durableOf(fault.process) as MemberDisk;
        for (const log of replaced.data.logs.values()) log.discardSegments(); // their bodies leave the cold store
        replaced.data.logs.clear();
        this.kernel.announce(describeFault(fault));
        break;
      }
      case 'restart':
        this.kernel.restart(fault.process);
        break;
      case 'power-loss':
        this.applyPowerLoss(fault);
        break;
      case 'fill-disk':
        (this.kernel.durableOf(fault.process) as MemberDisk).device.filledBytes += this.fillBytesFor(fault);
        this.kernel.announce(describeFault(fault));
        break;
      case 'alter-config': {
        const controller = this.activeController();
        if (controller === null) throw new Error('fault "alter-config": no controller is active right now (an election is under way); try again in a moment');
        const command: AlterConfigsCommand = {
          type: 'IncrementalAlterConfigs',
          bytes: 0,
          resource: fault.topic === undefined ? 'cluster' : `topic:${fault.topic}`,
          name: fault.name,
          value: fault.value === null ? null : String(fault.value),
        };
        this.kernel.command(controller, command);
        this.kernel.announce(describeFault(fault));
        break;
      }
      case 'shutdown': {
        const command: ShutdownCommand = { type: 'ControlledShutdown', bytes: 0 };
        this.kernel.command(fault.process, command);
        this.kernel.announce(describeFault(fault));
        break;
      }
      case 'slow-disk':
        (this.kernel.durableOf(fault.process) as MemberDisk).device.degrade({
          extraLatencyUs: Math.round(fault.extraLatencyMs * US_PER_MS),
          bytesPerSecond: fault.throughputMBps === undefined ? null : fault.throughputMBps * 1e6,
        });
        this.kernel.announce(describeFault(fault));
        break;
      case 'change-load': {
        // The producer's machine keeps the new rate, so a restart does not undo the change.
        (this.kernel.durableOf(fault.process) as ProducerDisk).recordsPerSecond = fault.recordsPerSecond;
        const running = this.kernel.processes().find((process) => process.id === fault.process)!.status === 'up';
        if (running) {
          const command: ChangeLoadCommand = { type: 'ChangeLoad', bytes: 0, recordsPerSecond: fault.recordsPerSecond };
          this.kernel.command(fault.process, command);
        }
        this.kernel.announce(describeFault(fault));
        break;
      }
      case 'object-store-outage':
        (this.kernel.durableOf(OBJECT_STORE_ID) as ObjectStoreDisk).outage = true;
        this.kernel.announce(describeFault(fault));
        break;
      case 'slow-object-store':
        (this.kernel.durableOf(OBJECT_STORE_ID) as ObjectStoreDisk).extraLatencyUs = Math.round(fault.extraLatencyMs * US_PER_MS);
        this.kernel.announce(describeFault(fault));
        break;
      case 'heal':
        this.network.heal(fault.target);
        this.healDisks(fault.target);
        this.kernel.announce(describeFault(fault));
        break;
      case 'add-producer':
      case 'remove-producer':
      case 'change-producer':
      case 'add-consumer':
      case 'remove-consumer':
      case 'create-topic':
        // Said first, so the log reads "add producer-4 ..." before producer-4's own first words.
        this.kernel.announce(describeFault(fault));
        this.load.apply(fault);
        break;
      default:
        this.network.inject(toNetworkFault(fault)!);
        this.kernel.announce(describeFault(fault));
    }
    this.inputs.push({ atUs: this.kernel.nowUs, fault });
    return fault;
  }
}

function storageOf(disk: MemberDisk): BrokerStorageView {
  let logBytes = 0;
  let unflushedBytes = 0;
  for (const log of disk.data.logs.values()) {
    logBytes += log.bytes;
    unflushedBytes += log.unflushedBytes;
  }
  const device = disk.device;
  return { capacityBytes: device.capacityBytes, logBytes, filledBytes: device.filledBytes, unflushedBytes, logDirFailure: device.failure, pageCache: disk.pageCache.view() };
}

function checkTime(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${what}: got ${value}; expected a whole, non-negative number of microseconds`);
  }
}

/** Builds an engine; throws a ValidationError naming every problem of the config. */
export function createEngine(config: unknown = {}, seed = 1, options: EngineOptions = {}): Engine {
  return new Engine(config, seed, options);
}
