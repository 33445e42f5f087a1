// The catalog of what a person can do to the cluster from the page: every fault the engine takes
// (Break) and every load action (Load), each with the kind of target it acts on, the fields its
// form asks for (units, and Kafka's defaults where Kafka has one), when it makes sense for a target
// in its current state, and how its values become the engine's input. The tool bar, the context
// menus and their forms are all built from this one list, so adding a fault kind is one entry here.
//
// Plain data and pure functions over a snapshot: no React, no worker calls. Whether the engine
// takes an input is the engine's to say (Engine.check, through the host); `enabled` only hides
// what cannot make sense (restarting a process that runs), so a menu stays short.

import type { ProcessSnapshot, Snapshot } from '../engine/api';
import { OBJECT_STORE_ID } from '../engine/storage/object-store';
import type { Selection } from './selection';

/** What an action acts on. "cluster": nothing in particular (heal everything, create a topic, add a client). */
export type TargetKind = 'broker' | 'controller' | 'server' | 'client' | 'producer' | 'consumer' | 'objectStore' | 'zone' | 'cluster';

export type FieldValue = string | boolean;

export interface FieldSpec {
  /** The engine input's key. */
  readonly name: string;
  readonly label: string;
  readonly type: 'number' | 'text' | 'select' | 'checkbox';
  /** Shown after the field: "ms", "records/s". */
  readonly unit?: string;
  /** Why the default is what it is, or what the field means. */
  readonly help?: string;
  /** Left empty, the key is left out of the input (the engine's default applies). */
  readonly optional?: boolean;
  /** The starting value, from the snapshot and the target when it depends on them. */
  readonly initial: (context: ActionContext) => FieldValue;
  /** For selects: [value, label] pairs. */
  readonly options?: (context: ActionContext) => readonly (readonly [string, string])[];
}

export interface ActionContext {
  readonly snapshot: Snapshot;
  /** The process or zone acted on; null for cluster-wide actions. */
  readonly targetId: string | null;
}

export interface ActionSpec {
  /** Unique in the catalog (a fault kind can have more than one entry: heal a process, heal a zone). */
  readonly id: string;
  readonly group: 'break' | 'load';
  readonly label: string;
  /** One line on what it does, for tooltips and screen readers. */
  readonly help: string;
  readonly target: TargetKind;
  readonly fields: readonly FieldSpec[];
  /** Whether it makes sense for this target now (it exists in this cluster, it is up, ...). */
  readonly enabled: (context: ActionContext) => boolean;
  /** The field an engine refusal without a path is about (Kafka's error code names it), else null. */
  readonly problemField?: (message: string) => string | null;
  /** The engine input from the target and the form's values (already converted: numbers are numbers). */
  readonly build: (targetId: string | null, values: Readonly<Record<string, FieldValue | number>>) => Record<string, unknown>;
}

// ---- reading the snapshot ---------------------------------------------------------------------

export function processOf(snapshot: Snapshot, id: string | null): ProcessSnapshot | undefined {
  return id === null ? undefined : snapshot.processes.find((process) => process.id === id);
}

/** A client process is a producer or a consumer by what it last said; a stopped one, by its name. */
export function clientKind(process: ProcessSnapshot): 'producer' | 'consumer' | null {
  if (process.role !== 'client') return null;
  if (process.view?.producer !== undefined) return 'producer';
  if (process.view?.consumer !== undefined) return 'consumer';
  return process.id.startsWith('consumer') ? 'consumer' : 'producer';
}

export function isKraft(snapshot: Snapshot): boolean {
  return snapshot.processes.some((process) => process.role === 'controller');
}

/** Whether `process` is a target of that kind. */
export function matchesTarget(kind: TargetKind, process: ProcessSnapshot): boolean {
  switch (kind) {
    case 'broker':
      return process.role === 'broker';
    case 'controller':
      return process.role === 'controller';
    case 'server':
      return process.role === 'broker' || process.role === 'controller' || process.role === 'zookeeper';
    case 'client':
      return process.role === 'client';
    case 'producer':
    case 'consumer':
      return clientKind(process) === kind;
    case 'objectStore':
      return process.role === 'objectStore';
    default:
      return false;
  }
}

/** The targets of an action's kind in the snapshot, as [id, label] (zones for zone actions). */
export function targetsOf(spec: ActionSpec, snapshot: Snapshot): { id: string; enabled: boolean }[] {
  if (spec.target === 'cluster') return [];
  if (spec.target === 'zone') return snapshot.zones.map((zone) => ({ id: zone.id, enabled: spec.enabled({ snapshot, targetId: zone.id }) }));
  return snapshot.processes.filter((process) => matchesTarget(spec.target, process)).map((process) => ({ id: process.id, enabled: spec.enabled({ snapshot, targetId: process.id }) }));
}

/** The catalog's actions for what a context menu was opened on. */
export function actionsFor(selection: Selection, snapshot: Snapshot): ActionSpec[] {
  if (selection.kind === 'zone') return ACTIONS.filter((spec) => spec.target === 'zone');
  if (selection.kind === 'partition') return [];
  const process = processOf(snapshot, selection.id);
  if (process === undefined) return [];
  return ACTIONS.filter((spec) => spec.target !== 'cluster' && spec.target !== 'zone' && matchesTarget(spec.target, process));
}

const up = (context: ActionContext): boolean => processOf(context.snapshot, context.targetId)?.status === 'up';
const topicOptions = (context: ActionContext) => context.snapshot.topics.filter((topic) => !topic.internal).map((topic) => [topic.name, `${topic.name} (${topic.partitions} partitions)`] as const);
const zoneOptions = (auto: boolean) => (context: ActionContext) => [...(auto ? [['', 'the next in turn'] as const] : []), ...context.snapshot.zones.map((zone) => [zone.id, zone.id] as const)];
const processOptions = (context: ActionContext) =>
  context.snapshot.processes.filter((process) => process.role !== 'objectStore' && process.id !== context.targetId).map((process) => [process.id, process.id] as const);
const ACKS_OPTIONS = [
  ['all', 'all (-1): every in-sync replica has it'],
  ['1', '1: the leader wrote it'],
  ['0', '0: fire and forget'],
] as const;
const acksValue = (value: FieldValue | number | undefined): string | number => (value === 'all' ? 'all' : Number(value));
const producerView = (context: ActionContext) => processOf(context.snapshot, context.targetId)?.view?.producer;
const firstTopic = (context: ActionContext): string => topicOptions(context)[0]?.[0] ?? '';

// ---- the catalog ------------------------------------------------------------------------------

export const ACTIONS: readonly ActionSpec[] = [
  // Break
  {
    id: 'crash',
    group: 'break',
    label: 'Crash',
    help: 'The process dies at once: its memory and timers are gone, its disk survives (what the OS had not written back is lost).',
    target: 'server',
    fields: [],
    enabled: up,
    build: (process) => ({ kind: 'crash', process }),
  },
  {
    id: 'crash-client',
    group: 'break',
    label: 'Crash',
    help: 'The client process dies at once; what it held and had not sent is gone. A consumer leaves no word: its group notices after session.timeout.ms.',
    target: 'client',
    fields: [],
    enabled: up,
    build: (process) => ({ kind: 'crash', process }),
  },
  {
    id: 'restart',
    group: 'break',
    label: 'Restart',
    help: 'A crashed or stopped process starts again from its disk.',
    target: 'server',
    fields: [],
    enabled: (context) => processOf(context.snapshot, context.targetId)?.status !== 'up',
    build: (process) => ({ kind: 'restart', process }),
  },
  {
    id: 'restart-client',
    group: 'break',
    label: 'Restart',
    help: 'A crashed client starts again (a removed one cannot: add a new one).',
    target: 'client',
    fields: [],
    enabled: (context) => processOf(context.snapshot, context.targetId)?.status === 'crashed',
    build: (process) => ({ kind: 'restart', process }),
  },
  {
    id: 'shutdown',
    group: 'break',
    label: 'Controlled shutdown',
    help: 'The broker asks the controller to move its partition leadership away, then stops cleanly.',
    target: 'broker',
    fields: [],
    enabled: (context) => up(context) && isKraft(context.snapshot),
    build: (process) => ({ kind: 'shutdown', process }),
  },
  {
    id: 'isolate',
    group: 'break',
    label: 'Isolate',
    help: 'Cut every link of this process: it keeps running but reaches no one.',
    target: 'server',
    fields: [],
    enabled: (context) => processOf(context.snapshot, context.targetId)?.isolated === false,
    build: (process) => ({ kind: 'isolate', process }),
  },
  {
    id: 'isolate-client',
    group: 'break',
    label: 'Isolate',
    help: 'Cut every link of this client: it keeps running but reaches no broker.',
    target: 'client',
    fields: [],
    enabled: (context) => processOf(context.snapshot, context.targetId)?.isolated === false && up(context),
    build: (process) => ({ kind: 'isolate', process }),
  },
  {
    id: 'heal-process',
    group: 'break',
    label: 'Heal',
    help: 'End the network faults of this process, and its slow disk.',
    target: 'server',
    fields: [],
    enabled: (context) => {
      const process = processOf(context.snapshot, context.targetId);
      if (process === undefined) return false;
      const onLink = context.snapshot.network.faults.some((fault) => 'from' in fault && (fault.from === process.id || fault.to === process.id));
      return process.isolated || onLink || process.view?.disk?.degraded === true;
    },
    build: (target) => ({ kind: 'heal', target }),
  },
  {
    id: 'slow-disk',
    group: 'break',
    label: 'Slow disk',
    help: 'Every write to this broker\'s disk takes longer (and, with a bandwidth, queues): it becomes a straggler.',
    target: 'broker',
    fields: [
      { name: 'extraLatencyMs', label: 'Added latency', type: 'number', unit: 'ms', help: 'Added to every write.', initial: () => '40' },
      { name: 'throughputMBps', label: 'Bandwidth', type: 'number', unit: 'MB/s', optional: true, help: 'Empty: only the latency is added.', initial: () => '0.2' },
    ],
    enabled: (context) => isKraft(context.snapshot) && processOf(context.snapshot, context.targetId)?.view?.disk?.degraded !== true,
    build: (process, values) => ({ kind: 'slow-disk', process, extraLatencyMs: values.extraLatencyMs, ...(values.throughputMBps === undefined ? {} : { throughputMBps: values.throughputMBps }) }),
  },
  {
    id: 'replace-disk',
    group: 'break',
    label: 'Replace machine (empty disk)',
    help: 'The broker\'s machine fails and is replaced: down, its partition logs gone, until restarted; then its replicas copy again.',
    target: 'broker',
    fields: [],
    enabled: (context) => isKraft(context.snapshot),
    build: (process) => ({ kind: 'replace-disk', process }),
  },
  {
    id: 'fill-disk',
    group: 'break',
    label: 'Fill disk',
    help: 'Other files fill the broker\'s disk: its next log write fails, its only log directory goes offline, and the broker halts (Kafka\'s LogManager.handleLogDirFailure).',
    target: 'broker',
    fields: [{ name: 'freeBytes', label: 'Left free', type: 'number', unit: 'bytes', help: '0: completely full.', initial: () => '0' }],
    enabled: (context) => isKraft(context.snapshot),
    build: (process, values) => ({ kind: 'fill-disk', process, freeBytes: values.freeBytes }),
  },
  {
    id: 'power-loss',
    group: 'break',
    label: 'Power loss',
    help: 'The machine loses power: it dies with every page its operating system had not yet written to disk (a crash keeps what the OS wrote back).',
    target: 'server',
    fields: [],
    enabled: (context) => processOf(context.snapshot, context.targetId)?.status === 'up',
    build: (process) => ({ kind: 'power-loss', process }),
  },
  {
    id: 'slow-link',
    group: 'break',
    label: 'Slow a link',
    help: 'Messages between two processes take longer.',
    target: 'server',
    fields: [
      { name: 'to', label: 'To', type: 'select', options: processOptions, initial: (context) => processOptions(context)[0]?.[0] ?? '' },
      { name: 'extraLatencyMs', label: 'Added latency', type: 'number', unit: 'ms', initial: () => '50' },
      { name: 'bothWays', label: 'Both ways', type: 'checkbox', initial: () => true },
    ],
    enabled: () => true,
    build: (from, values) => ({ kind: 'slow-link', from, to: values.to, extraLatencyMs: values.extraLatencyMs, bothWays: values.bothWays }),
  },
  {
    id: 'cut-link',
    group: 'break',
    label: 'Cut a link',
    help: 'Two processes can no longer reach each other (or one way only).',
    target: 'server',
    fields: [
      { name: 'to', label: 'To', type: 'select', options: processOptions, initial: (context) => processOptions(context)[0]?.[0] ?? '' },
      { name: 'bothWays', label: 'Both ways', type: 'checkbox', initial: () => true },
    ],
    enabled: () => true,
    build: (from, values) => ({ kind: 'cut-link', from, to: values.to, bothWays: values.bothWays }),
  },
  {
    id: 'lossy-link',
    group: 'break',
    label: 'Lose messages on a link',
    help: 'A share of the messages between two processes is lost.',
    target: 'server',
    fields: [
      { name: 'to', label: 'To', type: 'select', options: processOptions, initial: (context) => processOptions(context)[0]?.[0] ?? '' },
      { name: 'lossPercent', label: 'Loss', type: 'number', unit: '%', initial: () => '10' },
      { name: 'bothWays', label: 'Both ways', type: 'checkbox', initial: () => true },
    ],
    enabled: () => true,
    build: (from, values) => ({ kind: 'lossy-link', from, to: values.to, lossPercent: values.lossPercent, bothWays: values.bothWays }),
  },
  {
    id: 'isolate-zone',
    group: 'break',
    label: 'Cut the zone off',
    help: 'Every process in the zone loses contact with every process outside it.',
    target: 'zone',
    fields: [],
    enabled: (context) => context.snapshot.zones.find((zone) => zone.id === context.targetId)?.isolated === false,
    build: (zone) => ({ kind: 'isolate-zone', zone }),
  },
  {
    id: 'power-loss-zone',
    group: 'break',
    label: 'Zone power loss',
    help: 'Every machine in the zone loses power at once, with its unwritten pages: what acks=all does and does not protect.',
    target: 'zone',
    fields: [],
    enabled: () => true,
    build: (zone) => ({ kind: 'power-loss', zone }),
  },
  {
    id: 'heal-zone',
    group: 'break',
    label: 'Heal the zone',
    help: 'End the network faults of the zone and the disk faults of its brokers.',
    target: 'zone',
    fields: [],
    enabled: () => true,
    build: (target) => ({ kind: 'heal', target }),
  },
  {
    id: 'object-store-outage',
    group: 'break',
    label: 'Object store outage',
    help: 'Every request to the object store is answered 503 ServiceUnavailable until healed.',
    target: 'objectStore',
    fields: [],
    enabled: (context) => processOf(context.snapshot, context.targetId)?.view?.objectStore?.outage === false,
    build: () => ({ kind: 'object-store-outage' }),
  },
  {
    id: 'slow-object-store',
    group: 'break',
    label: 'Slow object store',
    help: 'Every object store request takes longer.',
    target: 'objectStore',
    fields: [{ name: 'extraLatencyMs', label: 'Added latency', type: 'number', unit: 'ms', initial: () => '500' }],
    enabled: () => true,
    build: (_target, values) => ({ kind: 'slow-object-store', extraLatencyMs: values.extraLatencyMs }),
  },
  {
    id: 'heal-object-store',
    group: 'break',
    label: 'End the outage or slow period',
    help: 'The object store answers normally again.',
    target: 'objectStore',
    fields: [],
    enabled: (context) => {
      const store = processOf(context.snapshot, context.targetId)?.view?.objectStore;
      return store !== undefined && (store.outage || store.extraLatencyMs > 0);
    },
    build: () => ({ kind: 'heal', target: OBJECT_STORE_ID }),
  },
  {
    id: 'heal-all',
    group: 'break',
    label: 'Heal everything',
    help: 'End every network and disk fault (crashed processes stay down: restart them).',
    target: 'cluster',
    fields: [],
    enabled: () => true,
    build: () => ({ kind: 'heal' }),
  },
  // Load
  {
    id: 'add-producer',
    group: 'load',
    label: 'Add a producer',
    help: 'A new producer process writes to a topic at a steady rate, with Kafka\'s producer defaults.',
    target: 'cluster',
    fields: [
      { name: 'topic', label: 'Topic', type: 'select', options: topicOptions, initial: firstTopic },
      { name: 'recordsPerSecond', label: 'Rate', type: 'number', unit: 'records/s', initial: () => '100' },
      { name: 'recordBytes', label: 'Record size', type: 'number', unit: 'bytes', help: 'The playground\'s default record: 1 KiB.', initial: () => '1024' },
      { name: 'acks', label: 'acks', type: 'select', options: () => ACKS_OPTIONS, help: 'Kafka 3.x\'s default is all.', initial: () => 'all' },
      { name: 'zone', label: 'Zone', type: 'select', optional: true, options: zoneOptions(true), initial: () => '' },
    ],
    enabled: (context) => isKraft(context.snapshot),
    problemField: (message) => (/no topic/.test(message) ? 'topic' : /zone/.test(message) ? 'zone' : null),
    build: (_target, values) => ({
      kind: 'add-producer',
      topic: values.topic,
      recordsPerSecond: values.recordsPerSecond,
      recordBytes: values.recordBytes,
      acks: acksValue(values.acks),
      ...(values.zone === undefined ? {} : { zone: values.zone }),
    }),
  },
  {
    id: 'change-load',
    group: 'load',
    label: 'Change rate',
    help: 'The producer makes records at a new rate from now on (0 pauses it).',
    target: 'producer',
    fields: [{ name: 'recordsPerSecond', label: 'Rate', type: 'number', unit: 'records/s', initial: (context) => String(producerView(context)?.recordsPerSecond ?? 100) }],
    enabled: up,
    build: (process, values) => ({ kind: 'change-load', process, recordsPerSecond: values.recordsPerSecond }),
  },
  {
    id: 'change-producer',
    group: 'load',
    label: 'Record size and acks',
    help: 'Kafka\'s producer cannot change these while it runs: the application closes it and opens a new one.',
    target: 'producer',
    fields: [
      { name: 'recordBytes', label: 'Record size', type: 'number', unit: 'bytes', initial: (context) => String(producerView(context)?.recordBytes ?? 1024) },
      {
        name: 'acks',
        label: 'acks',
        type: 'select',
        options: () => ACKS_OPTIONS,
        initial: (context) => {
          const acks = producerView(context)?.acks;
          return acks === undefined || acks === -1 ? 'all' : String(acks);
        },
      },
    ],
    enabled: up,
    build: (process, values) => ({ kind: 'change-producer', process, recordBytes: values.recordBytes, acks: acksValue(values.acks) }),
  },
  {
    id: 'remove-producer',
    group: 'load',
    label: 'Remove producer',
    help: 'The application closes the producer: what it holds is sent, then it stops for good.',
    target: 'producer',
    fields: [],
    enabled: (context) => up(context) && producerView(context)?.closing !== true,
    build: (process) => ({ kind: 'remove-producer', process }),
  },
  {
    id: 'add-consumer',
    group: 'load',
    label: 'Add a consumer',
    help: 'A new consumer joins a group on a topic: the group rebalances to give it partitions.',
    target: 'cluster',
    fields: [
      { name: 'topic', label: 'Topic', type: 'select', options: topicOptions, initial: firstTopic },
      { name: 'group.id', label: 'group.id', type: 'text', initial: (context) => existingGroup(context.snapshot) ?? 'group-1' },
      {
        name: 'auto.offset.reset',
        label: 'auto.offset.reset',
        type: 'select',
        options: () => [
          ['latest', 'latest (Kafka\'s default)'],
          ['earliest', 'earliest'],
        ],
        initial: () => 'latest',
      },
      { name: 'zone', label: 'Zone', type: 'select', optional: true, options: zoneOptions(true), initial: () => '' },
    ],
    enabled: (context) => isKraft(context.snapshot),
    problemField: (message) => (/no topic/.test(message) ? 'topic' : /zone/.test(message) ? 'zone' : null),
    build: (_target, values) => ({
      kind: 'add-consumer',
      topic: values.topic,
      'group.id': values['group.id'],
      'auto.offset.reset': values['auto.offset.reset'],
      ...(values.zone === undefined ? {} : { zone: values.zone }),
    }),
  },
  {
    id: 'remove-consumer',
    group: 'load',
    label: 'Remove consumer',
    help: 'The consumer commits and leaves its group (LeaveGroup): the others rebalance at once.',
    target: 'consumer',
    fields: [],
    enabled: up,
    build: (process) => ({ kind: 'remove-consumer', process }),
  },
  {
    id: 'create-topic',
    group: 'load',
    label: 'Create a topic',
    help: 'CreateTopics to the active controller; Kafka\'s checks apply.',
    target: 'cluster',
    fields: [
      { name: 'name', label: 'Name', type: 'text', initial: (context) => freeTopicName(context.snapshot) },
      { name: 'partitions', label: 'Partitions', type: 'number', help: 'Kafka\'s num.partitions default is 1.', initial: () => '1' },
      { name: 'replicationFactor', label: 'Replication factor', type: 'number', help: 'Kafka\'s default.replication.factor is 1.', initial: () => '1' },
      { name: 'min.insync.replicas', label: 'min.insync.replicas', type: 'number', optional: true, help: 'Empty: the cluster\'s (1 by default).', initial: () => '' },
      { name: 'remote.storage.enable', label: 'remote.storage.enable (tiered)', type: 'checkbox', initial: () => false },
    ],
    enabled: (context) => isKraft(context.snapshot),
    problemField: (message) =>
      /TOPIC_ALREADY_EXISTS|INVALID_TOPIC_EXCEPTION/.test(message)
        ? 'name'
        : /INVALID_REPLICATION_FACTOR/.test(message)
          ? 'replicationFactor'
          : /INVALID_CONFIG/.test(message)
            ? 'remote.storage.enable'
            : /partitions/.test(message)
              ? 'partitions'
              : null,
    build: (_target, values) => ({
      kind: 'create-topic',
      name: values.name,
      partitions: values.partitions,
      replicationFactor: values.replicationFactor,
      ...(values['min.insync.replicas'] === undefined ? {} : { 'min.insync.replicas': values['min.insync.replicas'] }),
      ...(values['remote.storage.enable'] === true ? { 'remote.storage.enable': true } : {}),
    }),
  },
];

function existingGroup(snapshot: Snapshot): string | null {
  for (const process of snapshot.processes) {
    const group = process.view?.consumer?.groupId;
    if (group !== undefined) return group;
  }
  return null;
}

function freeTopicName(snapshot: Snapshot): string {
  for (let n = 1; n < 1_000; n++) {
    const name = `topic-${n}`;
    if (!snapshot.topics.some((topic) => topic.name === name)) return name;
  }
  return 'topic';
}

/**
 * The form's values as the engine wants them: numbers parsed, empty optional fields left out.
 * Returns the problems it can see without the engine (a number that is not one, a required field
 * left empty), by field name.
 */
export function convertValues(spec: ActionSpec, raw: Readonly<Record<string, FieldValue>>): { values: Record<string, FieldValue | number>; problems: Record<string, string> } {
  const values: Record<string, FieldValue | number> = {};
  const problems: Record<string, string> = {};
  for (const field of spec.fields) {
    const value = raw[field.name];
    if (field.type === 'checkbox') {
      values[field.name] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    if (text === '') {
      if (!field.optional) problems[field.name] = field.type === 'select' ? 'choose one' : 'required';
      continue;
    }
    if (field.type === 'number') {
      const number = Number(text);
      if (!Number.isFinite(number)) problems[field.name] = `"${text}" is not a number`;
      else values[field.name] = number;
      continue;
    }
    values[field.name] = text;
  }
  return { values, problems };
}

/** The field an engine problem path is about ("extraLatencyMs", "fault.acks"), or null. */
export function fieldOfProblem(spec: ActionSpec, path: string): string | null {
  for (const field of spec.fields) {
    if (path === field.name || path.endsWith(`.${field.name}`) || path.endsWith(`["${field.name}"]`) || path.endsWith(`"${field.name}"`)) return field.name;
  }
  return null;
}
