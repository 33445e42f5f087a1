// Builds the physical cluster from a validated config: controllers and brokers placed in zones.
// Each process's logic routes every input to the component that owns it:
//   controller  network probe + KRaft voter (RaftNode) + QuorumController
//   broker      network probe + KRaft observer (RaftNode) following the metadata log into its
//               own MetadataImage + BrokerLifecycle (registration, heartbeats, shutdown, ISR)
// A process's disk holds its copy of the metadata log (and snapshots, epoch, vote).
// In controllerMode "zookeeper" (the contrast): one ZooKeeper server, and brokers that each run a
// LegacyBroker (session, the race for /controller, the controller role when they win it).

import { BrokerLifecycle, type LifecycleView } from './broker/lifecycle';
import { ConsumerFetchHandler, type ConsumerFetchView } from './broker/consumer-fetch';
import { GroupCoordinator, type CoordinatorView } from './broker/group-coordinator';
import { isGroupRequest, type ConsumerFetchRequest, type ListOffsetsRequest } from './broker/group-protocol';
import { isDataRequest, type DataRequest, type ReplicaFetchResponse } from './broker/protocol';
import { ReplicaManager, type DataDisk, type ReplicaCounters, type ReplicaView } from './broker/replica-manager';
import { Consumer, type ConsumerCounters, type ConsumerLedger, type ConsumerSettings, type ConsumerView } from './clients/consumer';
import { Producer, type ProducerLedger, type ProducerView } from './clients/producer';
import { dataReplicationOf, logConfigOf, normalizeAcks, type ConsumerConfig, type EngineConfig, type ProducerConfig, type TopicConfig } from './config';
import type { LogConfig } from './broker/partition-log';
import { QuorumController, type ControllerReading, type ControllerView } from './controller/controller';
import { MetadataImage, type ImageData } from './controller/image';
import {
  isControllerRequest,
  isControllerResponse,
  type AlterConfigsCommand,
  type AlterPartitionResponse,
  type BrokerHeartbeatResponse,
  type BrokerRegistrationResponse,
  type ReplicaLogEndRequest,
  type ReplicaLogEndResponse,
} from './controller/messages';
import type { MetadataRecord } from './controller/records';
import { recordBytes } from './controller/records';
import { LegacyBroker, isLegacyUpdate, type LegacyBrokerView } from './legacy/broker';
import { ZooKeeperServer, isZkMessage, type ZooKeeperDisk, type ZooKeeperView } from './legacy/zookeeper';
import { NetworkProbe, PROBE_TIMER, isProbeMessage, type ProbeView } from './net/probe';
import { RaftLog, type LogEntry } from './raft/log';
import { isRaftMessage, type RaftMessage } from './raft/messages';
import { RaftNode, type RaftConfig, type RaftDisk, type RaftView } from './raft/node';
import { OPERATOR, type Kernel } from './sim/kernel';
import type { Effects, Message, ProcessLogic } from './sim/process';
import { US_PER_MS } from './sim/time';
import { DISK_READ_TIMER, DISK_WRITE_TIMER, DeviceQueue, DiskDevice, DiskWriteQueue, type DiskQueueView } from './storage/disk';
import { LocalReads } from './storage/local-reads';
import { PageCache } from './storage/page-cache';
import { ColdTier } from './storage/cold-tier';
import { ObjectIndex, ObjectStore, isObjectRequest, type ObjectResponse, type ObjectStoreDisk, type ObjectStoreView } from './storage/object-store';
import { RemoteLogManager, type RemoteLogView } from './broker/remote-log-manager';
import type { LatencyHistogram } from './metrics/histogram';

export interface MemberView extends Record<string, unknown> {
  /** Cluster members (controllers, brokers, ZooKeeper) probe each other; clients do not. */
  readonly probe?: ProbeView;
  /** Producers only. */
  readonly producer?: ProducerView;
  /** Consumers only. */
  readonly consumer?: ConsumerView;
  /** Brokers only: the groups it coordinates. */
  readonly coordinator?: CoordinatorView;
  /** Brokers only: consumer fetches served. */
  readonly consumerFetch?: ConsumerFetchView;
  /** Brokers with remote.log.storage.system.enable: KIP-405 uploads, remote deletes and remote reads. */
  readonly remoteLog?: RemoteLogView;
  /** KRaft mode only. */
  readonly raft?: RaftView;
  /** ZooKeeper mode: a broker's session and controller role. */
  readonly legacy?: LegacyBrokerView;
  /** ZooKeeper mode: the ZooKeeper server. */
  readonly zookeeper?: ZooKeeperView;
  /** Controllers only. */
  readonly controller?: ControllerView;
  /** Brokers only. */
  readonly broker?: LifecycleView;
  /** Brokers only: the partitions it hosts, as leader and follower. */
  readonly replicas?: ReplicaView;
  /** Brokers only: the disk its logs are written to, and the writes waiting on it. */
  readonly disk?: DiskQueueView;
  /** The object store only. */
  readonly objectStore?: ObjectStoreView;
}

/**
 * What the metrics' series read of a running process each simulated second (metrics/catalog.ts):
 * the few numbers, from the components that keep them, without building its view. Each part is
 * the one its view carries under the same name (a broker's `replicas`, a consumer's `consumer`).
 */
export interface MemberReading {
  readonly replicas?: ReplicaCounters;
  readonly consumer?: ConsumerCounters;
  /** Controllers: which one holds the metadata's truth (scenario/metrics.ts truthController), and its offline partitions. */
  readonly controller?: ControllerReading;
  /** ZooKeeper mode: the ZooKeeper server's partitions without a leader. */
  readonly zookeeper?: Pick<ZooKeeperView, 'offlinePartitions'>;
}

/** The reading of a process the series read nothing of (producers, ZooKeeper-mode brokers, the object store). */
export const NO_READING: MemberReading = Object.freeze({});

/** The disk of a controller or broker: its copy of the metadata log and quorum state. */
export interface MemberDisk {
  readonly id: string;
  readonly raft: RaftDisk<MetadataRecord, ImageData>;
  /** Brokers: their partition logs. */
  readonly data: DataDisk;
  /** Brokers: the device the logs are written to (a slow-disk fault degrades it). */
  readonly device: DiskDevice;
  /** Brokers: the machine's OS page cache over its closed segments (lost in a crash or power loss, kept by a halt). */
  readonly pageCache: PageCache;
}

/**
 * min.insync.replicas for a topic: its own Config record, else the cluster's, else the static
 * setting. The produce path does not ask this per batch: a led partition keeps the answer until the
 * image replays another record (replica-manager.ts LeaderPartition.minIsr).
 */
export function minInsyncReplicasOf(image: MetadataImage, staticValue: number): (topic: string) => number {
  // The config keys are built once per topic.
  const keys = new Map<string, string>();
  return (topic) => {
    let key = keys.get(topic);
    if (key === undefined) {
      key = `topic:${topic}/min.insync.replicas`;
      keys.set(topic, key);
    }
    const value = image.configs.get(key) ?? image.configs.get('cluster/min.insync.replicas');
    return value === undefined ? staticValue : Number(value);
  };
}

/** The topic settings a CreateTopics may carry as Config records that shape a log (see load-actions.ts create-topic). */
const LOG_CONFIG_NAMES = ['remote.storage.enable'] as const;

/**
 * Segment and retention settings per topic: the topic's own (static config), else, for a topic
 * created while the cluster runs, its Config records in the broker's metadata image, else the
 * broker's log.* defaults. Asked once per new replica log.
 */
function logConfigsOf(config: EngineConfig, image: MetadataImage): (topic: string) => LogConfig {
  const byTopic = new Map<string, LogConfig>();
  for (const topic of config.topics) byTopic.set(topic.name, logConfigOf(config.kafka, topic.config));
  const fallback = logConfigOf(config.kafka, undefined);
  return (topic) => {
    const known = byTopic.get(topic);
    if (known !== undefined) return known;
    const own: Record<string, boolean> = {};
    for (const name of LOG_CONFIG_NAMES) {
      const value = image.configs.get(`topic:${topic}/${name}`);
      if (value !== undefined) own[name] = value === 'true';
    }
    return Object.keys(own).length === 0 ? fallback : logConfigOf(config.kafka, own as TopicConfig);
  };
}

/** Whether any log of the cluster (a topic, or the broker default for the others) has flush.ms or flush.messages. */
function flushConfigured(config: EngineConfig): { readonly byTime: boolean; readonly byMessages: boolean } {
  const configs = [logConfigOf(config.kafka, undefined), ...config.topics.map((topic) => logConfigOf(config.kafka, topic.config))];
  return { byTime: configs.some((log) => log.flushUs !== undefined), byMessages: configs.some((log) => log.flushIntervalMessages !== undefined) };
}

type MetadataMessage = RaftMessage<MetadataRecord, ImageData>;

export function raftConfigOf(config: EngineConfig): RaftConfig {
  const kafka = config.kafka;
  return {
    voters: config.placements.filter((placement) => placement.role === 'controller').map((placement) => placement.id),
    electionTimeoutUs: kafka['controller.quorum.election.timeout.ms'] * US_PER_MS,
    electionBackoffMaxUs: kafka['controller.quorum.election.backoff.max.ms'] * US_PER_MS,
    fetchTimeoutUs: kafka['controller.quorum.fetch.timeout.ms'] * US_PER_MS,
    requestTimeoutUs: kafka['controller.quorum.request.timeout.ms'] * US_PER_MS,
    fetchMaxWaitUs: 500 * US_PER_MS,
    fetchMaxBytes: 1024 * 1024,
    snapshotEveryRecords: config.metadataSnapshotEveryRecords,
  };
}

function leaderChange(epoch: number, leader: string, voters: readonly string[]): { record: MetadataRecord; bytes: number } {
  const record: MetadataRecord = { type: 'LeaderChange', epoch, leader, voters };
  return { record, bytes: recordBytes(record) };
}

class ControllerMember implements ProcessLogic<Message> {
  private readonly probe: NetworkProbe;
  readonly raft: RaftNode<MetadataRecord, ImageData>;
  readonly controller: QuorumController;

  constructor(id: string, config: EngineConfig, peers: readonly string[], disk: MemberDisk) {
    this.probe = new NetworkProbe(config.probe, peers);
    const kafka = config.kafka;
    this.controller = new QuorumController(
      id,
      {
        brokerSessionTimeoutUs: kafka['broker.session.timeout.ms'] * US_PER_MS,
        idleIntervalUs: kafka['metadata.max.idle.interval.ms'] * US_PER_MS,
        uncleanLeaderElection: kafka['unclean.leader.election.enable'],
        dataReplication: dataReplicationOf(config),
        topics: config.topics,
        expectedBrokers: config.placements.filter((placement) => placement.role === 'broker').length,
        remoteStorageSystemEnabled: kafka['remote.log.storage.system.enable'],
      },
      (records, fx) => this.raft.append(records, fx),
    );
    const image = this.controller.image;
    this.raft = new RaftNode<MetadataRecord, ImageData>(
      id,
      raftConfigOf(config),
      disk.raft,
      {
        apply: (entry: LogEntry<MetadataRecord>, fx) => this.controller.applyCommitted(entry, fx),
        load: (snapshot) => image.load(snapshot.data, snapshot.endOffset),
        snapshot: () => image.snapshot(),
      },
      leaderChange,
      {
        onBecomeLeader: (epoch) => this.controller.onBecomeLeader(epoch),
        onResign: (_epoch, fx) => this.controller.onResign(fx),
      },
    );
  }

  start(fx: Effects<Message>): void {
    this.probe.start(fx);
    this.raft.start(fx);
  }

  receive(from: string, message: Message, fx: Effects<Message>): void {
    if (isRaftMessage(message)) return this.raft.handleMessage(from, message as MetadataMessage, fx);
    if (isControllerRequest(message)) return this.controller.handleRequest(from, message, fx);
    if (message.type === 'ReplicaLogEndResponse') return this.controller.handleReplicaLogEndResponse(message as ReplicaLogEndResponse, fx);
    if (isProbeMessage(message)) return this.probe.handleMessage(from, message, fx);
    if (from === OPERATOR && message.type === 'IncrementalAlterConfigs') return this.controller.handleAlterConfigs(message as AlterConfigsCommand, fx);
    throw new Error(`${fx.self}: no component handles ${message.type} (from ${from})`);
  }

  timer(key: string, fx: Effects<Message>): void {
    if (key === PROBE_TIMER) return this.probe.handleTimer(fx);
    if (this.raft.handleTimer(key, fx)) return;
    if (this.controller.handleTimer(key, fx)) return;
    throw new Error(`${fx.self}: no component owns the timer "${key}"`);
  }

  /** The metrics' reading (MemberReading): what picks the controller of truth, not the whole view. */
  reading(): MemberReading {
    return { controller: this.controller.reading() };
  }

  view(): MemberView {
    return { probe: this.probe.view(), raft: this.raft.view(), controller: this.controller.view() };
  }

  /** The committed metadata this controller has applied. */
  metadata(): MetadataImage {
    return this.controller.image;
  }
}

class BrokerMember implements ProcessLogic<Message> {
  private readonly probe: NetworkProbe;
  readonly image = new MetadataImage();
  readonly raft: RaftNode<MetadataRecord, ImageData>;
  readonly lifecycle: BrokerLifecycle;
  readonly replicas: ReplicaManager;
  /** The disk's one queue: its writes, fsyncs and reads in arrival order (storage/disk.ts). */
  private readonly device: DeviceQueue;
  /** Requests that write to the logs wait here while the disk is slow. */
  private readonly writes: DiskWriteQueue;
  /** Fetches that miss the page cache wait here for their disk reads. */
  private readonly reads: LocalReads;
  readonly consumerFetch: ConsumerFetchHandler;
  readonly coordinator: GroupCoordinator;
  /** KIP-405's RemoteLogManager: only when remote.log.storage.system.enable is true. */
  readonly remoteLog: RemoteLogManager | null;
  /** Some log has flush.messages: writes ask what fsync they trigger (none otherwise, so the hot path is unchanged). */
  private readonly flushByMessages: boolean;

  constructor(id: string, zone: string, config: EngineConfig, peers: readonly string[], private readonly disk: MemberDisk) {
    this.probe = new NetworkProbe(config.probe, peers);
    this.device = new DeviceQueue();
    this.writes = new DiskWriteQueue(disk.device, this.device);
    this.reads = new LocalReads(disk.device, disk.pageCache, disk.data.logs, config.kafka['replica.fetch.max.bytes'], this.device);
    const flushing = flushConfigured(config);
    this.flushByMessages = flushing.byMessages;
    const image = this.image;
    const kafka = config.kafka;
    this.replicas = new ReplicaManager(
      id,
      {
        replicaLagMaxUs: kafka['replica.lag.time.max.ms'] * US_PER_MS,
        fetchMaxWaitUs: kafka['replica.fetch.wait.max.ms'] * US_PER_MS,
        fetchMaxBytes: kafka['replica.fetch.max.bytes'],
        fetchTimeoutUs: kafka['replica.socket.timeout.ms'] * US_PER_MS,
        fetchBackoffUs: kafka['replica.fetch.backoff.ms'] * US_PER_MS,
        fetchSessionCacheSlots: kafka['max.incremental.fetch.session.cache.slots'],
        minInsyncReplicas: minInsyncReplicasOf(image, kafka['min.insync.replicas']),
        dataReplication: dataReplicationOf(config),
        logConfig: logConfigsOf(config, image),
        retentionCheckIntervalUs: kafka['log.retention.check.interval.ms'] * US_PER_MS,
        ...(kafka['log.flush.scheduler.interval.ms'] === undefined ? {} : { flushSchedulerIntervalUs: kafka['log.flush.scheduler.interval.ms'] * US_PER_MS }),
        space: disk.device,
        pageCache: disk.pageCache,
      },
      disk.data,
      image,
      () => this.lifecycle.currentBrokerEpoch,
    );
    const replicas = this.replicas;
    replicas.flushMsConfigured = flushing.byTime;
    // The log flusher's fsyncs occupy the disk: writes after them wait.
    replicas.onScheduledFlush = (bytes, fx) => this.writes.occupy(bytes, fx);
    this.remoteLog = kafka['remote.log.storage.system.enable']
      ? new RemoteLogManager(id, { taskIntervalUs: kafka['remote.log.manager.task.interval.ms'] * US_PER_MS }, () => replicas.ledPartitions())
      : null;
    this.consumerFetch = new ConsumerFetchHandler(this.replicas, image, this.remoteLog, kafka['max.incremental.fetch.session.cache.slots']);
    // A parked fetch woken to read a segment the page cache evicted meanwhile waits for the disk read.
    this.consumerFetch.awaitDisk = (from, request, fx) => this.reads.wouldMiss(request) && this.reads.submit(from, request, fx);
    this.coordinator = new GroupCoordinator(
      id,
      {
        offsetsTopicPartitions: kafka['offsets.topic.num.partitions'],
        offsetsTopicReplicationFactor: kafka['offsets.topic.replication.factor'],
        initialRebalanceDelayUs: kafka['group.initial.rebalance.delay.ms'] * US_PER_MS,
        offsetCommitTimeoutUs: kafka['offsets.commit.timeout.ms'] * US_PER_MS,
      },
      this.replicas,
      image,
    );
    if (this.remoteLog !== null) {
      this.remoteLog.onRemoteData = (key, fx) => {
        const leader = replicas.leaderRead(key);
        if (leader !== null) this.consumerFetch.onLeaderHighWatermark(leader, fx);
      };
      this.remoteLog.onLogStartMoved = (key) => this.consumerFetch.onLogStartMoved(key);
    }
    this.replicas.onLogStartMoved = (key) => this.consumerFetch.onLogStartMoved(key);
    this.replicas.onHighWatermark = (leader, fx) => {
      this.consumerFetch.onLeaderHighWatermark(leader, fx);
      this.coordinator.onHighWatermark(leader.key, leader.highWatermark, fx);
    };
    this.lifecycle = new BrokerLifecycle(
      id,
      {
        rack: zone,
        heartbeatIntervalUs: config.kafka['broker.heartbeat.interval.ms'] * US_PER_MS,
        requestTimeoutUs: config.kafka['controller.quorum.request.timeout.ms'] * US_PER_MS,
      },
      image,
      () => this.raft.view().appliedOffset,
      (fx) => this.replicas.startServing(fx),
      // A clean shutdown flushes every log (LogManager.shutdown: log.flush before the clean-shutdown marker).
      () => {
        for (const log of disk.data.logs.values()) log.flush();
      },
    );
    this.raft = new RaftNode<MetadataRecord, ImageData>(
      id,
      raftConfigOf(config),
      disk.raft,
      {
        apply: (entry, fx) => {
          image.replay(entry.record, entry.offset);
          const record = entry.record;
          if (record.type === 'Partition' || record.type === 'PartitionChange') {
            const state = image.topicsById.get(record.topicId)?.partitions[record.partition];
            if (state !== undefined && state.replicas.includes(id)) this.replicas.onPartitionState(state, fx);
          }
        },
        load: (snapshot) => image.load(snapshot.data, snapshot.endOffset),
        snapshot: () => image.snapshot(),
      },
      leaderChange,
      {
        onLeaderChange: (leader, _epoch, fx) => {
          this.replicas.controller = leader;
          this.lifecycle.onControllerChange(leader, fx);
        },
      },
    );
  }

  start(fx: Effects<Message>): void {
    // Kafka checks its log directories at startup (LogManager.createAndValidateLogDirs): a directory
    // that failed in the last life is tried again; if the disk is still full the next write fails again.
    this.disk.device.failure = null;
    this.disk.pageCache.abandonReads(); // a halted life's reads never completed
    this.probe.start(fx);
    this.lifecycle.start(fx);
    this.replicas.start(fx);
    this.remoteLog?.start(fx);
    this.raft.start(fx);
  }

  receive(from: string, message: Message, fx: Effects<Message>, type: string = message.type): void {
    // The four data-plane types (nearly all of a broker's mail in the reference) go straight to their
    // handler by one switch: the same waits and handlers as the general path below (dispatchAfterWrites,
    // then dispatch), without its repeated type compares and two calls per message. The type is the
    // kernel's (see ProcessLogic.receive): a broker's mail has dozens of shapes.
    switch (type) {
      case 'Fetch':
        // A fetch that reads segments the page cache no longer holds waits for the disk (local-reads.ts).
        if (this.reads.submit(from, message, fx)) return;
        this.consumerFetch.handleFetch(from, message as ConsumerFetchRequest, fx);
        break;
      case 'ReplicaFetch':
        if (this.reads.submit(from, message, fx)) return;
        this.replicas.handleRequest(from, message as DataRequest, fx);
        break;
      case 'Produce':
        if (this.waitsForWrite(from, message, fx)) return;
        this.replicas.handleRequest(from, message as DataRequest, fx);
        break;
      case 'ReplicaFetchResponse':
        if (this.waitsForWrite(from, message, fx)) return;
        this.dispatchAfterWrites(from, message, fx);
        break;
      default:
        this.dispatch(from, message, fx);
    }
    this.haltIfLogDirFailed(fx);
  }

  /**
   * What writes to the logs (a leader's produce, a follower's fetched batches) waits for the disk,
   * and for the fsync it triggers (flush.messages). True when it waits (the write queue hands it back).
   */
  private waitsForWrite(from: string, message: Message, fx: Effects<Message>): boolean {
    const fsyncBytes = this.flushByMessages ? this.replicas.fsyncBytesFor(message) : 0;
    return this.writes.submit(from, message, fx, fsyncBytes);
  }

  /**
   * What the write queue lets through: a follower's ReplicaFetchResponse that truncates into a
   * segment the page cache evicted waits for that read first (local-reads.ts submitTruncations).
   */
  private dispatchAfterWrites(from: string, message: Message, fx: Effects<Message>): void {
    if (message.type === 'ReplicaFetchResponse' && this.reads.submitTruncations(from, message as ReplicaFetchResponse, fx)) return;
    this.dispatch(from, message, fx);
  }

  /**
   * Kafka's LogManager.handleLogDirFailure with no log directory left online: Exit.halt(1). The
   * process ends at once, without a controlled shutdown (the controller fences it after
   * broker.session.timeout.ms). Only the process dies: the machine's page cache survives.
   */
  private haltIfLogDirFailed(fx: Effects<Message>): void {
    if (this.replicas.logDirOffline === null) return;
    fx.exit('halted (Exit.halt): all log dirs have failed, its only log directory went offline when the disk was full');
  }

  private dispatch(from: string, message: Message, fx: Effects<Message>): void {
    // The data plane's hot messages first, by one switch on the type (in the reference bench they
    // are nearly all of a broker's mail): the handlers the chain below picks for them (no Raft type
    // is among them), without its set lookups.
    switch (message.type) {
      case 'Fetch':
        return this.consumerFetch.handleFetch(from, message as ConsumerFetchRequest, fx);
      case 'ReplicaFetch':
      case 'Produce':
        return this.replicas.handleRequest(from, message as DataRequest, fx);
      case 'ReplicaFetchResponse':
        return this.replicas.handleReplicaFetchResponse(from, message as ReplicaFetchResponse, fx);
    }
    if (isRaftMessage(message)) return this.raft.handleMessage(from, message as MetadataMessage, fx);
    if (isDataRequest(message)) return this.replicas.handleRequest(from, message, fx);
    if (message.type === 'Fetch') return this.consumerFetch.handleFetch(from, message as ConsumerFetchRequest, fx);
    if (message.type === 'ListOffsets') return this.consumerFetch.handleListOffsets(from, message as ListOffsetsRequest, fx);
    if (isGroupRequest(message)) return this.coordinator.handleRequest(from, message, fx);
    if (message.type === 'ReplicaFetchResponse') return this.replicas.handleReplicaFetchResponse(from, message as ReplicaFetchResponse, fx);
    if (message.type === 'ObjectStoreResponse' && this.remoteLog !== null) return this.remoteLog.handleResponse(message as ObjectResponse, fx);
    if (message.type === 'AlterPartitionResponse') return this.replicas.handleAlterPartitionResponse(message as AlterPartitionResponse);
    if (message.type === 'ReplicaLogEnd') return this.replicas.handleReplicaLogEnd(from, message as ReplicaLogEndRequest, fx);
    if (isControllerResponse(message)) return this.lifecycle.handleResponse(from, message as BrokerRegistrationResponse | BrokerHeartbeatResponse, fx);
    if (isProbeMessage(message)) return this.probe.handleMessage(from, message, fx);
    if (from === OPERATOR && message.type === 'ControlledShutdown') return this.lifecycle.requestShutdown(fx);
    throw new Error(`${fx.self}: no component handles ${message.type} (from ${from})`);
  }

  timer(key: string, fx: Effects<Message>): void {
    this.handleTimer(key, fx);
    this.haltIfLogDirFailed(fx);
  }

  private handleTimer(key: string, fx: Effects<Message>): void {
    if (key === PROBE_TIMER) return this.probe.handleTimer(fx);
    if (key === DISK_WRITE_TIMER || key === DISK_READ_TIMER) {
      return this.device.handleTimer(fx, (op) => (op.segments === null ? this.dispatchAfterWrites(op.from, op.message, fx) : this.reads.complete(op, (from, message) => this.dispatch(from, message, fx))));
    }
    if (this.raft.handleTimer(key, fx)) return;
    if (this.lifecycle.handleTimer(key, fx)) return;
    if (this.replicas.handleTimer(key, fx)) return;
    if (this.remoteLog?.handleTimer(key, fx) === true) return;
    if (this.consumerFetch.handleTimer(key, fx)) return;
    if (this.coordinator.handleTimer(key, fx)) return;
    throw new Error(`${fx.self}: no component owns the timer "${key}"`);
  }

  /** The metrics' reading (MemberReading): this broker's replica counters, not its whole view. */
  reading(): MemberReading {
    return { replicas: this.replicas.counters() };
  }

  view(nowUs: number): MemberView {
    const coordinator = this.coordinator.view();
    const consumerFetch = this.consumerFetch.view(); // built once (it was built twice per view: a check, then the copy sent)
    return {
      probe: this.probe.view(),
      raft: this.raft.view(),
      broker: this.lifecycle.view(),
      replicas: this.replicas.view(),
      disk: this.writes.view(nowUs),
      // Only brokers that ever coordinated a group say so: views of clusters without consumers stay as they were.
      ...(coordinator.loads > 0 ? { coordinator } : {}),
      ...(consumerFetch.fetchesServed > 0 ? { consumerFetch } : {}),
      ...(this.remoteLog !== null ? { remoteLog: this.remoteLog.view() } : {}),
    };
  }

  /** The committed metadata this broker has applied. */
  metadata(): MetadataImage {
    return this.image;
  }
}

class LegacyBrokerMember implements ProcessLogic<Message> {
  private readonly probe: NetworkProbe;
  private readonly broker: LegacyBroker;

  constructor(id: string, zone: string, config: EngineConfig, peers: readonly string[]) {
    this.probe = new NetworkProbe(config.probe, peers);
    this.broker = new LegacyBroker(id, {
      rack: zone,
      sessionTimeoutUs: config.kafka['zookeeper.session.timeout.ms'] * US_PER_MS,
      uncleanLeaderElection: config.kafka['unclean.leader.election.enable'],
      topics: config.topics,
      expectedBrokers: config.placements.filter((placement) => placement.role === 'broker').length,
    });
  }

  start(fx: Effects<Message>): void {
    this.probe.start(fx);
    this.broker.start(fx);
  }

  receive(from: string, message: Message, fx: Effects<Message>): void {
    if (isZkMessage(message)) return this.broker.handleZk(message, fx);
    if (isLegacyUpdate(message)) return this.broker.handleUpdate(message);
    if (isProbeMessage(message)) return this.probe.handleMessage(from, message, fx);
    throw new Error(`${fx.self}: no component handles ${message.type} (from ${from})`);
  }

  timer(key: string, fx: Effects<Message>): void {
    if (key === PROBE_TIMER) return this.probe.handleTimer(fx);
    if (this.broker.handleTimer(key, fx)) return;
    throw new Error(`${fx.self}: no component owns the timer "${key}"`);
  }

  view(): MemberView {
    return { probe: this.probe.view(), legacy: this.broker.view() };
  }
}

class ZooKeeperMember implements ProcessLogic<Message> {
  private readonly probe: NetworkProbe;
  private readonly server: ZooKeeperServer;

  constructor(config: EngineConfig, peers: readonly string[], disk: ZooKeeperDisk) {
    this.probe = new NetworkProbe(config.probe, peers);
    this.server = new ZooKeeperServer(config.kafka['zookeeper.session.timeout.ms'] * US_PER_MS, disk);
  }

  start(fx: Effects<Message>): void {
    this.probe.start(fx);
    this.server.start(fx);
  }

  receive(from: string, message: Message, fx: Effects<Message>): void {
    if (isZkMessage(message)) return this.server.handleMessage(from, message, fx);
    if (isProbeMessage(message)) return this.probe.handleMessage(from, message, fx);
    throw new Error(`${fx.self}: no component handles ${message.type} (from ${from})`);
  }

  timer(key: string, fx: Effects<Message>): void {
    if (key === PROBE_TIMER) return this.probe.handleTimer(fx);
    if (this.server.handleTimer(key, fx)) return;
    throw new Error(`${fx.self}: no component owns the timer "${key}"`);
  }

  /** The metrics' reading (MemberReading): the partitions without a leader, not the whole view. */
  reading(): MemberReading {
    return { zookeeper: { offlinePartitions: this.server.offlinePartitions() } };
  }

  view(nowUs: number): MemberView {
    return { probe: this.probe.view(), zookeeper: this.server.view(nowUs) };
  }
}

function buildLegacyCluster(kernel: Kernel, config: EngineConfig): void {
  const ids = config.placements.map((placement) => placement.id);
  for (const placement of config.placements) {
    const peers = ids.filter((id) => id !== placement.id);
    if (placement.role === 'zookeeper') {
      const disk: ZooKeeperDisk = { controllerEpoch: 0, partitions: new Map(), racks: new Map() };
      kernel.addProcess<ZooKeeperDisk, Message>({
        id: placement.id,
        role: 'zookeeper',
        zone: placement.zone,
        durable: disk,
        create: (saved) => new ZooKeeperMember(config, peers, saved),
      });
    } else {
      kernel.addProcess<Record<string, never>, Message>({
        id: placement.id,
        role: 'broker',
        zone: placement.zone,
        durable: {},
        create: () => new LegacyBrokerMember(placement.id, placement.zone, config, peers),
      });
    }
  }
}

class ObjectStoreMember implements ProcessLogic<Message> {
  constructor(private readonly store: ObjectStore) {}

  start(fx: Effects<Message>): void {
    this.store.start(fx);
  }

  receive(from: string, message: Message, fx: Effects<Message>): void {
    if (isObjectRequest(message)) return this.store.handleRequest(from, message, fx);
    throw new Error(`${fx.self}: no component handles ${message.type} (from ${from})`);
  }

  timer(key: string, fx: Effects<Message>): void {
    if (this.store.handleTimer(key, fx)) return;
    throw new Error(`${fx.self}: no component owns the timer "${key}"`);
  }

  view(nowUs: number): MemberView {
    return { objectStore: this.store.view(nowUs) };
  }
}

/** A load change for a client, from outside (the change-load fault). */
export interface ChangeLoadCommand extends Message {
  readonly type: 'ChangeLoad';
  readonly recordsPerSecond: number;
}

/** The application closes its client (remove-producer, remove-consumer): from outside, like ChangeLoad. */
export interface CloseClientCommand extends Message {
  readonly type: 'CloseClient';
}

/**
 * What a client's machine keeps across lives: the load it was last told to make, the settings the
 * application last opened its producer with (change-producer), and whether the application closed
 * it for good (remove-producer / remove-consumer: a restart is refused).
 */
export interface ProducerDisk {
  recordsPerSecond: number | null;
  recordBytes?: number;
  acks?: ProducerConfig['acks'];
  /** Producers opened anew by change-producer so far: their request ids start apart, so a late answer to the old one is never taken for the new one's. */
  reopened?: number;
  removed?: boolean;
}

/** Request ids of a producer opened anew start this far apart (one life sends far fewer). */
const CORRELATION_IDS_PER_OPENING = 1_000_000_000;

class ProducerMember implements ProcessLogic<Message> {
  private readonly producer: Producer;

  constructor(producer: Producer) {
    this.producer = producer;
  }

  start(fx: Effects<Message>): void {
    this.producer.start(fx);
  }

  receive(from: string, message: Message, fx: Effects<Message>, type: string = message.type): void {
    if (from === OPERATOR && type === 'ChangeLoad') return this.producer.setRate((message as ChangeLoadCommand).recordsPerSecond, fx);
    if (from === OPERATOR && type === 'CloseClient') return this.producer.close(fx);
    if (this.producer.handleMessage(from, message, fx, type)) return;
    throw new Error(`${fx.self}: no component handles ${message.type} (from ${from})`);
  }

  timer(key: string, fx: Effects<Message>): void {
    if (this.producer.handleTimer(key, fx)) return;
    throw new Error(`${fx.self}: no component owns the timer "${key}"`);
  }

  view(): MemberView {
    return { producer: this.producer.view() };
  }

  /** Latency histograms by family, read by the metrics layer (see metrics/series.ts, HistogramSource). */
  histograms(): ReadonlyMap<string, LatencyHistogram> {
    return new Map([['produce', this.producer.latencyHistogram()]]);
  }
}

function brokerIds(config: EngineConfig): string[] {
  return config.placements.filter((placement) => placement.role === 'broker').map((placement) => placement.id);
}

function buildProducer(config: EngineConfig, settings: ProducerConfig, id: string, ledger: ProducerLedger, disk: ProducerDisk): Producer {
  // A producer reopened by change-producer takes the settings it was reopened with.
  const acks = normalizeAcks(disk.acks ?? settings.acks);
  return new Producer(
    {
      id,
      topic: settings.topic,
      bootstrap: brokerIds(config),
      acks,
      recordsPerSecond: disk.recordsPerSecond ?? settings.recordsPerSecond,
      recordBytes: disk.recordBytes ?? settings.recordBytes,
      lingerUs: settings['linger.ms'] * US_PER_MS,
      batchBytes: settings['batch.size'],
      deliveryTimeoutUs: settings['delivery.timeout.ms'] * US_PER_MS,
      requestTimeoutUs: settings['request.timeout.ms'] * US_PER_MS,
      retryBackoffUs: settings['retry.backoff.ms'] * US_PER_MS,
      // Kafka 3.x turns idempotence on by default, which needs acks=all (change-producer refuses other acks with an explicit true).
      idempotence: settings['enable.idempotence'] ?? acks === -1,
      maxInFlight: settings['max.in.flight.requests.per.connection'],
      startUs: settings.startMs * US_PER_MS,
      stopUs: settings.stopMs === undefined ? null : settings.stopMs * US_PER_MS,
      firstCorrelationId: (disk.reopened ?? 0) * CORRELATION_IDS_PER_OPENING,
    },
    ledger,
  );
}

class ConsumerMember implements ProcessLogic<Message> {
  constructor(private readonly consumer: Consumer) {}

  start(fx: Effects<Message>): void {
    this.consumer.start(fx);
  }

  receive(from: string, message: Message, fx: Effects<Message>, type: string = message.type): void {
    if (from === OPERATOR && type === 'CloseClient') {
      this.consumer.closeNow(fx);
      fx.exit('the application closed its consumer');
      return;
    }
    if (this.consumer.handleMessage(from, message, fx, type)) return;
    throw new Error(`${fx.self}: no component handles ${message.type} (from ${from})`);
  }

  timer(key: string, fx: Effects<Message>): void {
    if (this.consumer.handleTimer(key, fx)) return;
    throw new Error(`${fx.self}: no component owns the timer "${key}"`);
  }

  /** Latency histograms by family, read by the metrics layer (see metrics/series.ts). */
  histograms(): ReadonlyMap<string, LatencyHistogram> {
    return new Map([['end-to-end', this.consumer.latencyHistogram()]]);
  }

  /** The metrics' reading (MemberReading): this consumer's counters, not its whole view. */
  reading(nowUs: number): MemberReading {
    return { consumer: this.consumer.counters(nowUs) };
  }

  view(nowUs: number): MemberView {
    return { consumer: this.consumer.view(nowUs) };
  }
}

function buildConsumer(config: EngineConfig, settings: ConsumerConfig, id: string, ledger: ConsumerLedger): Consumer {
  return new Consumer(consumerSettingsOf(settings, id, brokerIds(config)), ledger);
}

/** A consumer's Kafka-named config (ms, Kafka's defaults from the schema) as the client takes it (µs). */
export function consumerSettingsOf(settings: ConsumerConfig, id: string, bootstrap: readonly string[]): ConsumerSettings {
  return {
    id,
    groupId: settings['group.id'],
    topic: settings.topic,
    bootstrap,
    assignmentStrategy: settings['partition.assignment.strategy'],
    sessionTimeoutUs: settings['session.timeout.ms'] * US_PER_MS,
    heartbeatIntervalUs: settings['heartbeat.interval.ms'] * US_PER_MS,
    rebalanceTimeoutUs: settings['max.poll.interval.ms'] * US_PER_MS,
    autoCommit: settings['enable.auto.commit'],
    autoCommitIntervalUs: settings['auto.commit.interval.ms'] * US_PER_MS,
    autoOffsetReset: settings['auto.offset.reset'],
    fetchMaxWaitUs: settings['fetch.max.wait.ms'] * US_PER_MS,
    fetchMinBytes: settings['fetch.min.bytes'],
    maxPartitionFetchBytes: settings['max.partition.fetch.bytes'],
    requestTimeoutUs: settings['request.timeout.ms'] * US_PER_MS,
    retryBackoffUs: settings['retry.backoff.ms'] * US_PER_MS,
    startUs: settings.startMs * US_PER_MS,
    stopUs: settings.stopMs === undefined ? null : settings.stopMs * US_PER_MS,
  };
}

/** A consumer ledger that watches nothing. */
const NO_CONSUMER_LEDGER: ConsumerLedger = { consumed: () => undefined, positioned: () => undefined };

/** Adds a producer process (at boot, or while the cluster runs: add-producer); it starts now. */
export function addProducerProcess(kernel: Kernel, config: EngineConfig, settings: ProducerConfig, placement: { id: string; zone: string }, ledger: ProducerLedger): void {
  kernel.addProcess<ProducerDisk, Message>({
    id: placement.id,
    role: 'client',
    zone: placement.zone,
    durable: { recordsPerSecond: null },
    create: (saved) => new ProducerMember(buildProducer(config, settings, placement.id, ledger, saved)),
  });
}

/** Adds a consumer process (at boot, or while the cluster runs: add-consumer); it starts now. */
export function addConsumerProcess(kernel: Kernel, config: EngineConfig, settings: ConsumerConfig, placement: { id: string; zone: string }, ledger: ConsumerLedger): void {
  kernel.addProcess<ProducerDisk, Message>({
    id: placement.id,
    role: 'client',
    zone: placement.zone,
    // A consumer's machine keeps nothing but whether it was removed.
    durable: { recordsPerSecond: null },
    create: () => new ConsumerMember(buildConsumer(config, settings, placement.id, ledger)),
  });
}

export function buildCluster(
  kernel: Kernel,
  config: EngineConfig,
  ledger: ProducerLedger,
  consumerLedger: ConsumerLedger = NO_CONSUMER_LEDGER,
  bodies: ColdTier = new ColdTier(null),
): void {
  if (config.controllerMode === 'zookeeper') {
    buildLegacyCluster(kernel, config);
    return;
  }
  // Controllers and brokers probe each other; clients and the object store do not take part.
  const ids = config.placements.filter((placement) => placement.role === 'controller' || placement.role === 'broker').map((placement) => placement.id);
  let clientIndex = 0;
  for (const placement of config.placements) {
    if (placement.role === 'objectStore') {
      kernel.addProcess<ObjectStoreDisk, Message>({
        id: placement.id,
        role: 'objectStore',
        zone: placement.zone,
        durable: { objects: new ObjectIndex(), bodies, bytes: 0, outage: false, extraLatencyUs: 0 },
        // Its pending answers die with it: nothing waits for their bodies any more.
        onCrash: (saved) => saved.bodies.dropNeeds(),
        create: (saved) => new ObjectStoreMember(new ObjectStore(config.objectStore, saved)),
      });
      continue;
    }
    if (placement.role === 'client') {
      // Clients are placed producers first, then consumers (resolveConfig).
      const index = clientIndex++;
      if (index < config.producers.length) addProducerProcess(kernel, config, config.producers[index]!, placement, ledger);
      else addConsumerProcess(kernel, config, config.consumers[index - config.producers.length]!, placement, consumerLedger);
      continue;
    }
    const peers = ids.filter((id) => id !== placement.id);
    const disk: MemberDisk = {
      id: placement.id,
      raft: { log: new RaftLog<MetadataRecord, ImageData>(), quorum: { epoch: 0, votedFor: null } },
      data: { logs: new Map(), producerIdCounter: 0 },
      device: new DiskDevice(config.kafka['log.dir.capacity.bytes']),
      pageCache: new PageCache(config.kafka['os.page.cache.bytes'], bodies, `local/${placement.id}/`),
    };
    kernel.addProcess<MemberDisk, Message>({
      id: placement.id,
      role: placement.role === 'controller' ? 'controller' : 'broker',
      zone: placement.zone,
      durable: disk,
      // A crash loses what the OS had not written back of the partition logs (Kafka does not fsync).
      onCrash: (saved) => {
        saved.pageCache.crash(); // the machine's memory is gone
        ReplicaManager.onCrash(saved.data);
      },
      create: (saved) =>
        placement.role === 'controller'
          ? new ControllerMember(placement.id, config, peers, saved)
          : new BrokerMember(placement.id, placement.zone, config, peers, saved),
    });
  }
}
