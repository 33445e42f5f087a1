// Load actions: the inputs that change what the clients do and which topics exist, while the
// cluster runs: add or remove a producer or a consumer, restart a producer with new settings,
// create a topic. They travel the same path as faults (faults.ts puts them in its union), so they
// are recorded with their simulated time, saved with sessions, replayed on rewind, shown on the
// timeline and accepted in a scenario's timed steps.
//
// This file owns their shapes (Kafka's config names and defaults, reused from config.ts), their
// sentences for the event log, and Kafka's checks on a new topic (name, collisions, replication
// factor) with Kafka's error codes and messages. It never touches the kernel: the engine
// (load-control.ts) applies them.

import { z } from 'zod';
import { TOPIC_PARTITIONS_MAX, consumerSchema, normalizeAcks, producerSchema } from './config';
import { integerIn, strictObject } from './validation';

const processId = z.string({ error: 'a process name, like "producer-1"' }).min(1, { error: 'a process name, like "producer-1"' });

/** Bound on a topic name as typed: Kafka refuses more than 249 characters (Topic.MAX_NAME_LENGTH) with its own message. */
const TOPIC_NAME_TYPED_MAX = 1_000;
export const TOPIC_NAME_LENGTH_MAX = 249;
/** A replication factor is an int16 in CreateTopics; Kafka then refuses more than the usable brokers. */
const REPLICATION_FACTOR_MAX = 32_767;

export const loadActionSchemas = [
  /** A new producer process (a generated id, producer-N, unless given), with Kafka's producer defaults. */
  producerSchema.pick({ id: true, topic: true, zone: true, recordsPerSecond: true, recordBytes: true, acks: true, 'linger.ms': true, 'batch.size': true }).extend({
    kind: z.literal('add-producer'),
  }),
  /** The application closes its producer (KafkaProducer.close: what it holds is still sent), and the process ends. */
  strictObject({ kind: z.literal('remove-producer'), process: processId }),
  /**
   * New record size and/or acks for a producer. Kafka's producer reads its config once, so the
   * application closes it and opens a new one: a new life of the process, a new producer id.
   */
  strictObject({
    kind: z.literal('change-producer'),
    process: processId,
    recordBytes: producerSchema.shape.recordBytes.unwrap().optional(),
    acks: producerSchema.shape.acks.unwrap().optional(),
  }),
  /** A new consumer process in a group (a generated id, consumer-N, unless given), with Kafka's consumer defaults. */
  consumerSchema.pick({ id: true, topic: true, 'group.id': true, zone: true, 'partition.assignment.strategy': true, 'auto.offset.reset': true }).extend({
    kind: z.literal('add-consumer'),
  }),
  /** KafkaConsumer.close: commits its positions, sends LeaveGroup (the group rebalances at once), and the process ends. */
  strictObject({ kind: z.literal('remove-consumer'), process: processId }),
  /**
   * CreateTopics, sent to the active controller. Defaults are the broker's: num.partitions (1) and
   * default.replication.factor (1) (Kafka's ServerLogConfigs / ReplicationConfigs); min.insync.replicas
   * unset means the cluster's. The name is checked by Kafka's rules, not by the shape, so a bad one
   * gets Kafka's INVALID_TOPIC_EXCEPTION.
   */
  strictObject({
    kind: z.literal('create-topic'),
    name: z.string({ error: 'a topic name' }).max(TOPIC_NAME_TYPED_MAX, { error: `a topic name (Kafka allows ${TOPIC_NAME_LENGTH_MAX} characters)` }),
    partitions: integerIn(1, TOPIC_PARTITIONS_MAX).default(1),
    replicationFactor: integerIn(1, REPLICATION_FACTOR_MAX).default(1),
    'min.insync.replicas': integerIn(1, REPLICATION_FACTOR_MAX).optional(),
    'remote.storage.enable': z.boolean({ error: 'true or false' }).optional(),
  }),
] as const;

export const LOAD_ACTION_KINDS = ['add-producer', 'remove-producer', 'change-producer', 'add-consumer', 'remove-consumer', 'create-topic'] as const;
export type LoadActionKind = (typeof LOAD_ACTION_KINDS)[number];

export type AddProducer = z.output<(typeof loadActionSchemas)[0]>;
export type RemoveProducer = z.output<(typeof loadActionSchemas)[1]>;
export type ChangeProducer = z.output<(typeof loadActionSchemas)[2]>;
export type AddConsumer = z.output<(typeof loadActionSchemas)[3]>;
export type RemoveConsumer = z.output<(typeof loadActionSchemas)[4]>;
export type CreateTopic = z.output<(typeof loadActionSchemas)[5]>;
export type LoadAction = AddProducer | RemoveProducer | ChangeProducer | AddConsumer | RemoveConsumer | CreateTopic;

export function isLoadAction(input: { readonly kind: string }): input is LoadAction {
  return (LOAD_ACTION_KINDS as readonly string[]).includes(input.kind);
}

function acksText(acks: AddProducer['acks']): string {
  const value = normalizeAcks(acks);
  return value === -1 ? 'all' : String(value);
}

/** A sentence for the event log and the timeline. */
export function describeLoadAction(action: LoadAction): string {
  switch (action.kind) {
    case 'add-producer':
      return `add ${action.id ?? 'a producer'} to ${action.topic}: ${action.recordsPerSecond} records/s of ${action.recordBytes} bytes, acks=${acksText(action.acks)}${action.zone === undefined ? '' : `, in ${action.zone}`}`;
    case 'remove-producer':
      return `remove ${action.process}: the application closes it (what it still holds is sent first), then it stops`;
    case 'change-producer': {
      const changes = [
        ...(action.recordBytes === undefined ? [] : [`records of ${action.recordBytes} bytes`]),
        ...(action.acks === undefined ? [] : [`acks=${acksText(action.acks)}`]),
      ];
      return `restart ${action.process} with ${changes.join(' and ') || 'the same settings'}: Kafka's producer cannot change its config while it runs, so the application closes it and opens a new one (new producer id; records it had not sent are dropped)`;
    }
    case 'add-consumer':
      return `add ${action.id ?? 'a consumer'} to group ${action['group.id']} reading ${action.topic}${action.zone === undefined ? '' : `, in ${action.zone}`}`;
    case 'remove-consumer':
      return `remove ${action.process}: it commits its positions and leaves its group (LeaveGroup), so the group rebalances`;
    case 'create-topic': {
      const minIsr = action['min.insync.replicas'];
      const extras = [
        ...(minIsr === undefined ? [] : [`min.insync.replicas=${minIsr}`]),
        ...(action['remote.storage.enable'] === true ? ['remote.storage.enable=true'] : []),
      ];
      return `create topic ${action.name}: ${action.partitions} partition${action.partitions === 1 ? '' : 's'}, replication factor ${action.replicationFactor}${extras.length === 0 ? '' : `, ${extras.join(', ')}`}`;
    }
  }
}

/** Kafka's answer to a CreateTopics it refuses: the error code and Kafka's own message. */
export interface CreateTopicProblem {
  readonly code: 'INVALID_TOPIC_EXCEPTION' | 'TOPIC_ALREADY_EXISTS' | 'INVALID_REPLICATION_FACTOR' | 'INVALID_CONFIG' | 'INVALID_PARTITIONS';
  readonly message: string;
}

/**
 * Kafka's Topic.validate (clients, org.apache.kafka.common.internals.Topic): not empty, not "." or
 * "..", at most 249 characters, only ASCII alphanumerics, '.', '_' and '-'. Its messages verbatim.
 */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > TOPIC_NAME_LENGTH_MAX) return `Topic name is invalid: the length of '${name}' is longer than the max allowed length ${TOPIC_NAME_LENGTH_MAX}`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `Topic name is invalid: '${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`;
  return null;
}

/**
 * What Kafka's controller says to a CreateTopics (ReplicationControlManager.createTopics and
 * createTopic): the name by Topic.validate, then TOPIC_ALREADY_EXISTS ("Topic 'x' already
 * exists."), a name that differs from an existing one only by '.' versus '_' (Topic.hasCollision:
 * both map to the same metric name) INVALID_TOPIC_EXCEPTION, and a replication factor above the
 * usable (unfenced) brokers INVALID_REPLICATION_FACTOR with StripedReplicaPlacer's message;
 * remote.storage.enable without the broker's remote.log.storage.system.enable is INVALID_CONFIG
 * (LogConfig.validateRemoteStorageOnlyIfSystemEnabled). Null when Kafka would create it.
 *
 * Kafka accepts a min.insync.replicas above the replication factor; acks=all produces to it then
 * fail with NOT_ENOUGH_REPLICAS, which the event log says when the topic is created.
 */
export function createTopicProblem(
  topic: Pick<CreateTopic, 'name' | 'partitions' | 'replicationFactor' | 'remote.storage.enable'>,
  existing: Iterable<string>,
  usableBrokers: number,
  remoteStorageSystemEnabled: boolean,
): CreateTopicProblem | null {
  const invalid = topicNameProblem(topic.name);
  if (invalid !== null) return { code: 'INVALID_TOPIC_EXCEPTION', message: invalid };
  const collisionKey = topic.name.replaceAll('.', '_');
  for (const name of existing) {
    if (name === topic.name) return { code: 'TOPIC_ALREADY_EXISTS', message: `Topic '${topic.name}' already exists.` };
    if (name.replaceAll('.', '_') === collisionKey) return { code: 'INVALID_TOPIC_EXCEPTION', message: `Topic '${topic.name}' collides with existing topic: ${name}` };
  }
  if (topic.partitions < 1) return { code: 'INVALID_PARTITIONS', message: 'Number of partitions was set to an invalid non-positive value.' };
  if (topic.replicationFactor > usableBrokers) {
    return {
      code: 'INVALID_REPLICATION_FACTOR',
      message: `Unable to replicate the partition ${topic.replicationFactor} time(s): The target replication factor of ${topic.replicationFactor} cannot be reached because only ${usableBrokers} broker(s) are registered.`,
    };
  }
  if (topic['remote.storage.enable'] === true && !remoteStorageSystemEnabled) {
    return { code: 'INVALID_CONFIG', message: 'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.' };
  }
  return null;
}
