// The engine's configuration: its schema, defaults and validation. A config either validates whole
// or the engine is not built; each problem names the field, the value and what is allowed.
//
// Names: Kafka's own where Kafka has the setting (later layers add acks, min.insync.replicas, ...);
// our own camelCase with the unit last where Kafka has none (crossZoneLatencyMs).

import { z } from 'zod';
import type { LogConfig } from './broker/partition-log';
import { REGIONAL, type NetworkConfig } from './net/network';
import { OBJECT_STORE_ID } from './storage/object-store';
import { PAGE_CACHE_BYTES_DEFAULT } from './storage/page-cache';
import { US_PER_MS } from './sim/time';
import { integerIn, numberIn, oneOf, parseOrThrow, strictObject } from './validation';

export const ZONES_MAX = 6;
export const CONTROLLERS_MAX = 9;
export const BROKERS_MAX = 64;
export const SEED_MAX = 0xffff_ffff;

const zoneName = z
  .string({ error: 'a zone name' })
  .regex(/^[a-z][a-z0-9-]{0,31}$/, { error: 'a zone name of lowercase letters, digits and dashes, like "zone-a"' });

const networkSchema = strictObject({
  intraZoneLatencyMs: numberIn(0, 1_000, 'ms').default(0.1),
  crossZoneLatencyMs: numberIn(0, 1_000, 'ms').default(0.6),
  regionalLatencyMs: numberIn(0, 1_000, 'ms').default(0.5),
  jitterMs: numberIn(0, 1_000, 'ms').default(0.05),
  nicGbps: numberIn(0.001, 400, 'Gbit/s').default(10),
  lossPercent: numberIn(0, 100, '%').default(0),
});

/** The emulated object store (S3-like), present when remote.log.storage.system.enable is true. */
const objectStoreSchema = strictObject({
  /** First-byte latency of a request (S3 is typically tens of ms). */
  requestLatencyMs: numberIn(0, 60_000, 'ms').default(20),
  /** Bytes per second one request moves (one S3 connection gives about 100 MB/s). */
  throughputMBps: numberIn(0.001, 100_000, 'MB/s').default(100),
});

const probeSchema = strictObject({
  intervalMs: integerIn(10, 60_000, 'ms').default(1_000),
  timeoutMs: integerIn(10, 600_000, 'ms').default(3_000),
}).superRefine((probe, ctx) => {
  // An explicit input: a refine with a path would report the whole probe object as the value.
  if (probe.timeoutMs > probe.intervalMs) return;
  ctx.addIssue({
    code: 'custom',
    path: ['timeoutMs'],
    input: probe.timeoutMs,
    message: `a timeoutMs longer than intervalMs (${probe.intervalMs}), so that a peer has a chance to answer`,
  });
});

/** Kafka's floor for segment.bytes: LegacyRecord.RECORD_OVERHEAD_V0 (14). */
export const LOG_SEGMENT_BYTES_MIN = 14;
const INT32_MAX = 2_147_483_647;
/** Longest log time setting accepted: 100 years, so that it converts to µs exactly. */
const LOG_MS_MAX = 3_153_600_000_000;
const LOG_HOURS_MAX = 876_000;

/**
 * Kafka's own settings, by Kafka's names, with Kafka's defaults. Only settings the engine models
 * are accepted: a setting that would silently do nothing is refused by name.
 */
export const kafkaConfigSchema = strictObject({
  'controller.quorum.election.timeout.ms': integerIn(10, 600_000, 'ms').default(1_000),
  'controller.quorum.election.backoff.max.ms': integerIn(0, 600_000, 'ms').default(1_000),
  'controller.quorum.fetch.timeout.ms': integerIn(10, 600_000, 'ms').default(2_000),
  'controller.quorum.request.timeout.ms': integerIn(10, 600_000, 'ms').default(2_000),
  'broker.heartbeat.interval.ms': integerIn(10, 600_000, 'ms').default(2_000),
  'broker.session.timeout.ms': integerIn(10, 3_600_000, 'ms').default(9_000),
  'metadata.max.idle.interval.ms': integerIn(10, 600_000, 'ms').default(500),
  'unclean.leader.election.enable': z.boolean({ error: 'true or false' }).default(false),
  'min.insync.replicas': integerIn(1, BROKERS_MAX).default(1),
  'replica.lag.time.max.ms': integerIn(10, 3_600_000, 'ms').default(30_000),
  'replica.fetch.wait.max.ms': integerIn(0, 600_000, 'ms').default(500),
  'replica.fetch.max.bytes': integerIn(1_024, 1_073_741_824, 'bytes').default(1_048_576),
  'replica.socket.timeout.ms': integerIn(10, 3_600_000, 'ms').default(30_000),
  'replica.fetch.backoff.ms': integerIn(0, 600_000, 'ms').default(1_000),
  /** KIP-227: incremental fetch sessions a broker keeps for its followers' fetches (0: none; every fetch is then FULL). */
  'max.incremental.fetch.session.cache.slots': integerIn(0, 1_000_000).default(1_000),
  /** KIP-405: brokers may keep older segments in remote storage; here, the object store process. */
  'remote.log.storage.system.enable': z.boolean({ error: 'true or false' }).default(false),
  /** KIP-405 (RemoteLogManagerConfig): how often each leader's RLMTask copies segments and expires remote ones (30 s). */
  'remote.log.manager.task.interval.ms': integerIn(1, LOG_MS_MAX, 'ms').default(30_000),
  /** The group coordinator's settings (Kafka's broker defaults). */
  'offsets.topic.num.partitions': integerIn(1, 1_000).default(50),
  'offsets.topic.replication.factor': integerIn(1, BROKERS_MAX).default(3),
  'offsets.commit.timeout.ms': integerIn(1, 600_000, 'ms').default(5_000),
  'group.initial.rebalance.delay.ms': integerIn(0, 600_000, 'ms').default(3_000),
  // Log segments and retention (Kafka's LogConfig / ServerLogConfigs). The *.ms setting wins over
  // *.hours when both are given, as in Kafka (log.retention.ms > log.retention.hours).
  'log.segment.bytes': integerIn(LOG_SEGMENT_BYTES_MIN, INT32_MAX, 'bytes').default(1_073_741_824),
  'log.roll.ms': integerIn(1, LOG_MS_MAX, 'ms').optional(),
  'log.roll.hours': integerIn(1, LOG_HOURS_MAX, 'h').default(168),
  'log.retention.ms': integerIn(-1, LOG_MS_MAX, 'ms (-1: no limit)').optional(),
  'log.retention.hours': integerIn(-1, LOG_HOURS_MAX, 'h (-1: no limit)').default(168),
  'log.retention.bytes': integerIn(-1, Number.MAX_SAFE_INTEGER, 'bytes (-1: no limit)').default(-1),
  'log.retention.check.interval.ms': integerIn(1, LOG_MS_MAX, 'ms').default(300_000),
  // Flushing (Kafka's ServerLogConfigs): all three default to Long.MAX_VALUE, i.e. Kafka never
  // fsyncs and relies on replication and the OS's writeback. Unset here means the same. As in
  // Kafka, log.flush.interval.ms falls back to log.flush.scheduler.interval.ms, and flush.ms is
  // only checked when the log flusher runs: 30 s after start (InitialTaskDelayMs), then every
  // log.flush.scheduler.interval.ms (LogManager.startup schedules "kafka-log-flusher" so).
  'log.flush.interval.messages': integerIn(1, Number.MAX_SAFE_INTEGER, 'messages').optional(),
  'log.flush.interval.ms': integerIn(0, LOG_MS_MAX, 'ms').optional(),
  'log.flush.scheduler.interval.ms': integerIn(1, LOG_MS_MAX, 'ms').optional(),
  /**
   * The size of each broker's log directory volume (log.dir). Not a Kafka setting: Kafka takes it
   * from the file system, and reports it as DescribeLogDirs' TotalBytes / UsableBytes (KIP-827). The
   * name follows log.dir, the directory it sizes. Default 1 TiB: a common cloud block volume for a
   * broker (an AWS gp3 EBS volume of that size is typical); with tiered storage Kora keeps only the
   * log's tail on it. Segments here are metadata, not bytes: the capacity is only counted.
   */
  'log.dir.capacity.bytes': integerIn(1_048_576, Number.MAX_SAFE_INTEGER, 'bytes').default(1_099_511_627_776),
  /**
   * The RAM each broker machine leaves to the OS page cache, which holds the closed log segments most
   * recently written or read (storage/page-cache.ts); a fetch of an evicted segment waits for a disk
   * read. Not a Kafka setting (Kafka leaves caching to the OS): the name says what it sizes. Default
   * 18 GiB: Kafka's documented 24 GB broker with its 6 GB heap (PAGE_CACHE_BYTES_DEFAULT).
   */
  'os.page.cache.bytes': integerIn(0, Number.MAX_SAFE_INTEGER, 'bytes').default(PAGE_CACHE_BYTES_DEFAULT),
  /** Only in controllerMode "zookeeper". */
  'zookeeper.session.timeout.ms': integerIn(10, 3_600_000, 'ms').default(18_000),
});

export const TOPIC_PARTITIONS_MAX = 100_000;

export const topicSchema = strictObject({
  name: z
    .string({ error: 'a topic name' })
    .regex(/^[a-zA-Z0-9._-]{1,249}$/, { error: 'a topic name of 1 to 249 letters, digits, dots, dashes or underscores (as Kafka allows)' }),
  partitions: integerIn(1, TOPIC_PARTITIONS_MAX),
  replicationFactor: integerIn(1, BROKERS_MAX),
  /** This topic's replication rule (our name, see the cluster's dataReplication); default: the cluster's. */
  dataReplication: oneOf(['isr', 'quorum']).optional(),
  /** Topic-level settings, Kafka's names; they override the cluster's. */
  config: strictObject({
    'min.insync.replicas': integerIn(1, BROKERS_MAX).optional(),
    'unclean.leader.election.enable': z.boolean({ error: 'true or false' }).optional(),
    'segment.bytes': integerIn(LOG_SEGMENT_BYTES_MIN, INT32_MAX, 'bytes').optional(),
    'segment.ms': integerIn(1, LOG_MS_MAX, 'ms').optional(),
    'retention.ms': integerIn(-1, LOG_MS_MAX, 'ms (-1: no limit)').optional(),
    'retention.bytes': integerIn(-1, Number.MAX_SAFE_INTEGER, 'bytes (-1: no limit)').optional(),
    /** KIP-405: tier this topic's closed segments to the object store (needs remote.log.storage.system.enable). */
    'remote.storage.enable': z.boolean({ error: 'true or false' }).optional(),
    /** KIP-405: how long segments stay on local disk once uploaded; -2 (default): retention.ms (RemoteLogManagerConfig's log.local.retention.ms). */
    'local.retention.ms': integerIn(-2, LOG_MS_MAX, 'ms (-2: as retention.ms, -1: no limit)').optional(),
    /** KIP-405: local bytes kept per partition once uploaded; -2 (default): retention.bytes. */
    'local.retention.bytes': integerIn(-2, Number.MAX_SAFE_INTEGER, 'bytes (-2: as retention.bytes, -1: no limit)').optional(),
    /** fsync after this many unflushed messages (Kafka's LogConfig: at least 1; default log.flush.interval.messages, never). */
    'flush.messages': integerIn(1, Number.MAX_SAFE_INTEGER, 'messages').optional(),
    /** fsync a log last flushed this long ago, when the log flusher runs (at least 0; default log.flush.interval.ms, never). */
    'flush.ms': integerIn(0, LOG_MS_MAX, 'ms').optional(),
  }).prefault({}),
});

/** A producer client, with Kafka's producer config names and defaults (Kafka 3.x). */
export const producerSchema = strictObject({
  /** Defaults to producer-1, producer-2, ... in order. */
  id: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, { error: 'a process name of lowercase letters, digits and dashes, like "producer-1"' }).optional(),
  topic: z.string({ error: 'the name of a topic of the cluster' }),
  /** Defaults to the zones in turn. */
  zone: z.string().optional(),
  recordsPerSecond: numberIn(0.001, 10_000_000, 'records/s'),
  recordBytes: integerIn(1, 10_485_760, 'bytes').default(1_024),
  acks: z.union([z.literal('all'), z.literal(-1), z.literal(1), z.literal(0), z.literal('1'), z.literal('0'), z.literal('-1')], {
    error: 'one of "all" (or -1), 1, or 0',
  }).default('all'),
  'linger.ms': integerIn(0, 600_000, 'ms').default(0),
  'batch.size': integerIn(1, 67_108_864, 'bytes').default(16_384),
  'delivery.timeout.ms': integerIn(1, 86_400_000, 'ms').default(120_000),
  'request.timeout.ms': integerIn(1, 3_600_000, 'ms').default(30_000),
  'retry.backoff.ms': integerIn(0, 600_000, 'ms').default(100),
  /** Kafka 3.x enables idempotence by default; it needs acks=all, so it is on only with acks=all unless set. */
  'enable.idempotence': z.boolean({ error: 'true or false' }).optional(),
  'max.in.flight.requests.per.connection': integerIn(1, 100).default(5),
  startMs: integerIn(0, 86_400_000, 'ms').default(0),
  stopMs: integerIn(0, 86_400_000, 'ms').optional(),
});

/**
 * A consumer client in a group, with Kafka's consumer config names and defaults (Kafka 3.x, the
 * classic group protocol). It does not model an application's poll loop, so max.poll.interval.ms
 * is only the rebalance timeout it sends.
 */
export const consumerSchema = strictObject({
  /** Defaults to consumer-1, consumer-2, ... in order. */
  id: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, { error: 'a process name of lowercase letters, digits and dashes, like "consumer-1"' }).optional(),
  topic: z.string({ error: 'the name of a topic of the cluster' }),
  'group.id': z.string({ error: 'a group id' }).regex(/^[a-zA-Z0-9._-]{1,249}$/, { error: 'a group id of 1 to 249 letters, digits, dots, dashes or underscores' }),
  /** Defaults to the zones in turn. */
  zone: z.string().optional(),
  'partition.assignment.strategy': oneOf(['range', 'cooperative-sticky']).default('range'),
  'session.timeout.ms': integerIn(1_000, 3_600_000, 'ms').default(45_000),
  'heartbeat.interval.ms': integerIn(1, 3_600_000, 'ms').default(3_000),
  'max.poll.interval.ms': integerIn(1_000, 3_600_000, 'ms').default(300_000),
  'enable.auto.commit': z.boolean({ error: 'true or false' }).default(true),
  'auto.commit.interval.ms': integerIn(1, 3_600_000, 'ms').default(5_000),
  'auto.offset.reset': oneOf(['latest', 'earliest', 'none']).default('latest'),
  'fetch.max.wait.ms': integerIn(0, 600_000, 'ms').default(500),
  'fetch.min.bytes': integerIn(1, 104_857_600, 'bytes').default(1),
  'max.partition.fetch.bytes': integerIn(1, 104_857_600, 'bytes').default(1_048_576),
  'request.timeout.ms': integerIn(1, 3_600_000, 'ms').default(30_000),
  'retry.backoff.ms': integerIn(0, 600_000, 'ms').default(100),
  startMs: integerIn(0, 86_400_000, 'ms').default(0),
  stopMs: integerIn(0, 86_400_000, 'ms').optional(),
});

export const engineConfigSchema = strictObject({
  zones: z
    .union([integerIn(1, ZONES_MAX), z.array(zoneName).min(1).max(ZONES_MAX)], {
      error: `a zone count from 1 to ${ZONES_MAX}, or a list of 1 to ${ZONES_MAX} zone names`,
    })
    .default(3)
    .superRefine((zones, ctx) => {
      if (typeof zones === 'number') return;
      const repeated = zones.filter((zone, index) => zones.indexOf(zone) !== index);
      if (repeated.length === 0) return;
      ctx.addIssue({
        code: 'custom',
        input: repeated[0],
        message: 'zone names that are all different; this one is listed more than once',
      });
    }),
  controllers: integerIn(1, CONTROLLERS_MAX).default(3),
  brokers: integerIn(1, BROKERS_MAX).default(6),
  network: networkSchema.prefault({}),
  probe: probeSchema.prefault({}),
  objectStore: objectStoreSchema.prefault({}),
  config: kafkaConfigSchema.prefault({}),
  /** "kraft": a Raft quorum of controllers; "zookeeper": the legacy controller inside a broker, elected through ZooKeeper. */
  controllerMode: oneOf(['kraft', 'zookeeper']).default('kraft'),
  /**
   * How data partitions commit (our name: Kafka has only "isr"). "isr": Kafka's rule, a record is
   * committed when every in-sync replica has it, acks=all also needs min.insync.replicas.
   * "quorum": the contrast (Raft, BookKeeper's ack quorum): committed when a majority of the
   * replicas has it, leaders elected by a majority; min.insync.replicas does not apply.
   */
  dataReplication: oneOf(['isr', 'quorum']).default('isr'),
  topics: z.array(topicSchema).max(1_000).default([]),
  producers: z.array(producerSchema).max(100).default([]),
  consumers: z.array(consumerSchema).max(100).default([]),
  /** Metadata log records between snapshots (Kafka counts bytes: metadata.log.max.record.bytes.between.snapshots). */
  metadataSnapshotEveryRecords: integerIn(10, 10_000_000).default(20_000),
}).superRefine((config, ctx) => {
  const names = new Set<string>();
  let partitions = 0;
  config.topics.forEach((topic, index) => {
    if (topic.replicationFactor > config.brokers) {
      ctx.addIssue({
        code: 'custom',
        path: ['topics', index, 'replicationFactor'],
        input: topic.replicationFactor,
        message: `at most the number of brokers (${config.brokers}): each replica needs its own broker`,
      });
    }
    const minIsr = topic.config['min.insync.replicas'];
    if (minIsr !== undefined && minIsr > topic.replicationFactor) {
      ctx.addIssue({
        code: 'custom',
        path: ['topics', index, 'config', 'min.insync.replicas'],
        input: minIsr,
        message: `at most the replication factor (${topic.replicationFactor}); otherwise no acks=all write could ever succeed`,
      });
    }
    checkTieredStorage(config, topic, index, ctx);
    if (topic.dataReplication === 'quorum' && config.controllerMode === 'zookeeper') {
      ctx.addIssue({ code: 'custom', path: ['topics', index, 'dataReplication'], input: 'quorum', message: '"isr" in ZooKeeper mode: the majority-quorum contrast runs on the KRaft controller' });
    }
    if (names.has(topic.name)) {
      ctx.addIssue({ code: 'custom', path: ['topics', index, 'name'], input: topic.name, message: 'a name no other topic has' });
    }
    names.add(topic.name);
    partitions += topic.partitions;
  });
  const zoneNames = typeof config.zones === 'number' ? defaultZoneNames(config.zones) : config.zones;
  const ids = new Set<string>();
  config.producers.forEach((producer, index) => {
    if (!names.has(producer.topic)) {
      ctx.addIssue({ code: 'custom', path: ['producers', index, 'topic'], input: producer.topic, message: `a topic of the cluster (${[...names].join(', ') || 'none: add one under "topics"'})` });
    }
    if (producer.zone !== undefined && !zoneNames.includes(producer.zone)) {
      ctx.addIssue({ code: 'custom', path: ['producers', index, 'zone'], input: producer.zone, message: `one of the zones (${zoneNames.join(', ')})` });
    }
    const id = producerId(producer, index);
    if (ids.has(id)) ctx.addIssue({ code: 'custom', path: ['producers', index, 'id'], input: id, message: 'a name no other producer has' });
    ids.add(id);
    const acks = normalizeAcks(producer.acks);
    if (producer['enable.idempotence'] === true && acks !== -1) {
      ctx.addIssue({ code: 'custom', path: ['producers', index, 'enable.idempotence'], input: true, message: 'false with acks 0 or 1 (Kafka requires acks=all for idempotence)' });
    }
    if (producer.stopMs !== undefined && producer.stopMs <= producer.startMs) {
      ctx.addIssue({ code: 'custom', path: ['producers', index, 'stopMs'], input: producer.stopMs, message: `a time after startMs (${producer.startMs})` });
    }
  });
  config.consumers.forEach((consumer, index) => {
    if (!names.has(consumer.topic)) {
      ctx.addIssue({ code: 'custom', path: ['consumers', index, 'topic'], input: consumer.topic, message: `a topic of the cluster (${[...names].join(', ') || 'none: add one under "topics"'})` });
    }
    if (consumer.zone !== undefined && !zoneNames.includes(consumer.zone)) {
      ctx.addIssue({ code: 'custom', path: ['consumers', index, 'zone'], input: consumer.zone, message: `one of the zones (${zoneNames.join(', ')})` });
    }
    const id = consumer.id ?? `consumer-${index + 1}`;
    if (ids.has(id)) ctx.addIssue({ code: 'custom', path: ['consumers', index, 'id'], input: id, message: 'a name no other producer or consumer has' });
    ids.add(id);
    if (consumer['heartbeat.interval.ms'] >= consumer['session.timeout.ms']) {
      ctx.addIssue({
        code: 'custom',
        path: ['consumers', index, 'heartbeat.interval.ms'],
        input: consumer['heartbeat.interval.ms'],
        message: `less than session.timeout.ms (${consumer['session.timeout.ms']}), as Kafka requires (typically a third of it)`,
      });
    }
    if (consumer.stopMs !== undefined && consumer.stopMs <= consumer.startMs) {
      ctx.addIssue({ code: 'custom', path: ['consumers', index, 'stopMs'], input: consumer.stopMs, message: `a time after startMs (${consumer.startMs})` });
    }
  });
  if (config.controllerMode === 'zookeeper' && config.consumers.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['consumers'], input: config.consumers.length, message: 'no consumers in ZooKeeper mode: it models only the controller, for the failover contrast' });
  }
  if (config.controllerMode === 'zookeeper' && config.config['remote.log.storage.system.enable']) {
    ctx.addIssue({ code: 'custom', path: ['config', 'remote.log.storage.system.enable'], input: true, message: 'false in ZooKeeper mode: it models only the controller, for the failover contrast' });
  }
  if (config.dataReplication === 'quorum' && config.controllerMode === 'zookeeper') {
    ctx.addIssue({ code: 'custom', path: ['dataReplication'], input: 'quorum', message: '"isr" in ZooKeeper mode: the majority-quorum contrast runs on the KRaft controller' });
  }
  if (config.controllerMode === 'zookeeper' && config.producers.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['producers'], input: config.producers.length, message: 'no producers in ZooKeeper mode: it models only the controller, for the failover contrast' });
  }
  if (partitions > TOPIC_PARTITIONS_MAX) {
    ctx.addIssue({ code: 'custom', path: ['topics'], input: partitions, message: `at most ${TOPIC_PARTITIONS_MAX} partitions in all` });
  }
});

/**
 * KIP-405's topic checks (Kafka's LogConfig.validateRemoteStorageOnlyIfSystemEnabled and
 * validateRemoteStorageRetentionSize / validateRemoteStorageRetentionTime): remote.storage.enable
 * needs the broker's remote.log.storage.system.enable, and the local retention (time and size) may
 * not exceed the total retention unless that is unlimited (-1).
 */
function checkTieredStorage(config: { config: KafkaConfig }, topic: z.output<typeof topicSchema>, index: number, ctx: z.RefinementCtx): void {
  const own = topic.config;
  if (own['remote.storage.enable'] && !config.config['remote.log.storage.system.enable']) {
    ctx.addIssue({
      code: 'custom',
      path: ['topics', index, 'config', 'remote.storage.enable'],
      input: true,
      message: 'false unless the cluster sets config."remote.log.storage.system.enable": true (Kafka refuses tiered topics on brokers without remote storage)',
    });
  }
  const kafka = config.config;
  const retentionMs = own['retention.ms'] ?? kafka['log.retention.ms'] ?? (kafka['log.retention.hours'] < 0 ? -1 : kafka['log.retention.hours'] * 3_600_000);
  const localMs = own['local.retention.ms'] ?? -2;
  if (localMs >= 0 && retentionMs >= 0 && localMs > retentionMs) {
    ctx.addIssue({ code: 'custom', path: ['topics', index, 'config', 'local.retention.ms'], input: localMs, message: `at most retention.ms (${retentionMs}), or -2 to use it: local segments cannot outlive the log` });
  }
  if (localMs === -1 && retentionMs >= 0) {
    ctx.addIssue({ code: 'custom', path: ['topics', index, 'config', 'local.retention.ms'], input: localMs, message: `a limit at most retention.ms (${retentionMs}), or -2 to use it: -1 (no limit) would outlive the log` });
  }
  const retentionBytes = own['retention.bytes'] ?? kafka['log.retention.bytes'];
  const localBytes = own['local.retention.bytes'] ?? -2;
  if (retentionBytes >= 0 && (localBytes === -1 || localBytes > retentionBytes)) {
    ctx.addIssue({ code: 'custom', path: ['topics', index, 'config', 'local.retention.bytes'], input: localBytes, message: `at most retention.bytes (${retentionBytes}), or -2 to use it: local segments cannot outgrow the log` });
  }
}

export type EngineConfigInput = z.input<typeof engineConfigSchema>;
export type KafkaConfig = z.output<typeof kafkaConfigSchema>;
export type TopicConfig = z.output<typeof topicSchema>['config'];
export type ProducerConfig = z.output<typeof producerSchema>;
export type ConsumerConfig = z.output<typeof consumerSchema>;
type ParsedConfig = z.output<typeof engineConfigSchema>;

export interface ProcessPlacement {
  readonly id: string;
  readonly role: 'controller' | 'broker' | 'zookeeper' | 'client' | 'objectStore';
  readonly zone: string;
}

/** A validated config with every default filled in and every unit converted to µs or bytes. */
export interface EngineConfig {
  readonly zones: readonly string[];
  readonly placements: readonly ProcessPlacement[];
  /** The network's settings, converted to µs and bytes (the zones are above). */
  readonly network: Omit<NetworkConfig, 'zones'>;
  readonly probe: { readonly intervalUs: number; readonly timeoutUs: number };
  /** The object store's service levels, converted (it exists only with remote.log.storage.system.enable). */
  readonly objectStore: { readonly requestLatencyUs: number; readonly bytesPerSecond: number };
  /** Kafka's settings, validated, with defaults filled in. */
  readonly kafka: KafkaConfig;
  readonly topics: ParsedConfig['topics'];
  readonly producers: ParsedConfig['producers'];
  readonly consumers: ParsedConfig['consumers'];
  readonly metadataSnapshotEveryRecords: number;
  readonly controllerMode: 'kraft' | 'zookeeper';
  /** How data partitions commit and elect leaders: Kafka's ISR, or a majority quorum (the contrast). */
  readonly dataReplication: DataReplication;
  /** The input as validated, defaults included, for display and for sharing. */
  readonly source: ParsedConfig;
}

export type DataReplication = 'isr' | 'quorum';

/** Each topic's replication rule: its own dataReplication, else the cluster's. */
export function dataReplicationOf(config: Pick<EngineConfig, 'dataReplication' | 'topics'>): (topic: string) => DataReplication {
  const byTopic = new Map<string, DataReplication>();
  for (const topic of config.topics) byTopic.set(topic.name, topic.dataReplication ?? config.dataReplication);
  return (topic) => byTopic.get(topic) ?? config.dataReplication;
}

/**
 * A topic's log settings: its own, else the broker's log.* defaults (Kafka's LogConfig, with
 * log.roll.ms over log.roll.hours and log.retention.ms over log.retention.hours), in µs and bytes.
 */
export function logConfigOf(kafka: KafkaConfig, topic: TopicConfig | undefined): LogConfig {
  const own = topic ?? {};
  const rollMs = own['segment.ms'] ?? kafka['log.roll.ms'] ?? kafka['log.roll.hours'] * 3_600_000;
  const brokerRetentionMs = kafka['log.retention.ms'] ?? (kafka['log.retention.hours'] < 0 ? -1 : kafka['log.retention.hours'] * 3_600_000);
  const retentionMs = own['retention.ms'] ?? brokerRetentionMs;
  const retentionBytes = own['retention.bytes'] ?? kafka['log.retention.bytes'];
  // Flushing: the topic's own, else the broker's (log.flush.interval.ms, else
  // log.flush.scheduler.interval.ms, as KafkaConfig.logFlushIntervalMs does); unset: never.
  const flushMessages = own['flush.messages'] ?? kafka['log.flush.interval.messages'];
  const flushMs = own['flush.ms'] ?? kafka['log.flush.interval.ms'] ?? kafka['log.flush.scheduler.interval.ms'];
  const base: LogConfig = {
    segmentBytes: own['segment.bytes'] ?? kafka['log.segment.bytes'],
    segmentUs: rollMs * US_PER_MS,
    retentionUs: retentionMs < 0 ? -1 : retentionMs * US_PER_MS,
    retentionBytes,
    ...(flushMessages === undefined ? {} : { flushIntervalMessages: flushMessages }),
    ...(flushMs === undefined ? {} : { flushUs: flushMs * US_PER_MS }),
  };
  if (topic?.['remote.storage.enable'] !== true || !kafka['remote.log.storage.system.enable']) return base;
  // KIP-405: -2 means "as the total retention" (UnifiedLog.localRetentionMs / localRetentionSize).
  const localMs = (topic['local.retention.ms'] ?? -2) === -2 ? retentionMs : topic['local.retention.ms']!;
  const localBytes = (topic['local.retention.bytes'] ?? -2) === -2 ? retentionBytes : topic['local.retention.bytes']!;
  return { ...base, remoteStorageEnable: true, localRetentionUs: localMs < 0 ? -1 : localMs * US_PER_MS, localRetentionBytes: localBytes };
}

/** Kafka's acks values, as the protocol carries them: -1 for "all". */
export function normalizeAcks(acks: 'all' | -1 | 1 | 0 | '1' | '0' | '-1'): -1 | 1 | 0 {
  return acks === 'all' || acks === -1 || acks === '-1' ? -1 : acks === 1 || acks === '1' ? 1 : 0;
}

/** A producer's process name: its own, else producer-1, producer-2, ... by its place in the list. */
export function producerId(producer: { readonly id?: string | undefined }, index: number): string {
  return producer.id ?? `producer-${index + 1}`;
}

/** "zone-a", "zone-b", ... */
export function defaultZoneNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `zone-${String.fromCharCode(97 + index)}`);
}

/** Spreads processes of one role over the zones in turn: the first in zone-a, the second in zone-b. */
function place(role: 'controller' | 'broker', count: number, zones: readonly string[]): ProcessPlacement[] {
  // Every role is spread over the zones in turn.
  return Array.from({ length: count }, (_, index) => ({
    id: `${role}-${index + 1}`,
    role,
    zone: zones[index % zones.length]!,
  }));
}

export function resolveConfig(input: unknown): EngineConfig {
  const parsed = parseOrThrow(engineConfigSchema, input ?? {}, 'engine config');
  const zones = typeof parsed.zones === 'number' ? defaultZoneNames(parsed.zones) : [...parsed.zones];
  const net = parsed.network;
  return {
    zones,
    // In ZooKeeper mode the controller role lives in a broker and one ZooKeeper server replaces the quorum.
    placements:
      parsed.controllerMode === 'kraft'
        ? [
            ...place('controller', parsed.controllers, zones),
            ...place('broker', parsed.brokers, zones),
            // A regional service, in no zone: every broker reaches it at the regional latency.
            ...(parsed.config['remote.log.storage.system.enable'] ? [{ id: OBJECT_STORE_ID, role: 'objectStore' as const, zone: REGIONAL }] : []),
            ...parsed.producers.map((producer, index) => ({
              id: producerId(producer, index),
              role: 'client' as const,
              zone: producer.zone ?? zones[index % zones.length]!,
            })),
            ...parsed.consumers.map((consumer, index) => ({
              id: consumer.id ?? `consumer-${index + 1}`,
              role: 'client' as const,
              zone: consumer.zone ?? zones[index % zones.length]!,
            })),
          ]
        : [{ id: 'zookeeper', role: 'zookeeper', zone: zones[0]! }, ...place('broker', parsed.brokers, zones)],
    controllerMode: parsed.controllerMode,
    dataReplication: parsed.dataReplication,
    network: {
      intraZoneLatencyUs: Math.round(net.intraZoneLatencyMs * US_PER_MS),
      crossZoneLatencyUs: Math.round(net.crossZoneLatencyMs * US_PER_MS),
      regionalLatencyUs: Math.round(net.regionalLatencyMs * US_PER_MS),
      jitterUs: Math.round(net.jitterMs * US_PER_MS),
      nicBytesPerSecond: Math.round((net.nicGbps * 1e9) / 8),
      lossPerMillion: Math.round(net.lossPercent * 10_000),
    },
    probe: { intervalUs: parsed.probe.intervalMs * US_PER_MS, timeoutUs: parsed.probe.timeoutMs * US_PER_MS },
    objectStore: {
      requestLatencyUs: Math.round(parsed.objectStore.requestLatencyMs * US_PER_MS),
      bytesPerSecond: parsed.objectStore.throughputMBps * 1e6,
    },
    kafka: parsed.config,
    topics: parsed.topics,
    producers: parsed.producers,
    consumers: parsed.consumers,
    metadataSnapshotEveryRecords: parsed.metadataSnapshotEveryRecords,
    source: parsed,
  };
}

/** Checks a seed: a whole number from 0 to 2^32 - 1, so it is the same in every host. */
export function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > SEED_MAX) {
    throw new RangeError(`seed: got ${String(seed)}; expected an integer from 0 to ${SEED_MAX}`);
  }
  return seed;
}
