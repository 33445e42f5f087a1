// Applies load actions (load-actions.ts) to a running cluster, for the Engine: adds producer and
// consumer processes, closes them, reopens a producer with new settings, and sends a person's
// CreateTopics to the active controller. It keeps the register of clients (those of the config and
// those added since), so targets are checked against what exists now, and it fills in what an
// action leaves to the engine (a generated id, a zone) before the action is recorded, so a replay
// builds exactly the same processes.
//
// Never: applies half an action (every check runs before anything changes), or lets the number of
// clients pass the config's own bounds (PRODUCERS_MAX / CONSUMERS_MAX).

import { addConsumerProcess, addProducerProcess, type CloseClientCommand, type ProducerDisk } from './cluster';
import type { ConsumerLedger } from './clients/consumer';
import type { ProducerLedger } from './clients/producer';
import { consumerSchema, producerId, producerSchema, normalizeAcks, TOPIC_PARTITIONS_MAX, type EngineConfig, type ProducerConfig } from './config';
import type { MetadataImage } from './controller/image';
import type { CreateTopicsRequest } from './controller/messages';
import { createTopicProblem, type AddConsumer, type AddProducer, type LoadAction } from './load-actions';
import type { Kernel } from './sim/kernel';

/** As many producers, and as many consumers, as a config may list (config.ts). */
export const PRODUCERS_MAX = 100;
export const CONSUMERS_MAX = 100;

interface ClientEntry {
  readonly kind: 'producer' | 'consumer';
  /** Producers: the settings it was opened with (before any change-producer). */
  readonly producer?: ProducerConfig;
}

export interface LoadAccess {
  /** The active controller now, or null during an election. */
  activeController(): string | null;
  metadataOf(id: string): MetadataImage | null;
}

export class LoadControl {
  private readonly clients = new Map<string, ClientEntry>();
  private producers = 0;
  private consumers = 0;
  /** Topics asked for by create-topic in this run (not yet in the metadata, maybe): producers and consumers may name them. */
  private readonly askedTopics = new Set<string>();

  constructor(
    private readonly kernel: Kernel,
    private readonly config: EngineConfig,
    private readonly ledgers: { readonly producer: ProducerLedger; readonly consumer: ConsumerLedger },
    private readonly access: LoadAccess,
  ) {
    config.producers.forEach((producer, index) => this.clients.set(producerId(producer, index), { kind: 'producer', producer }));
    config.consumers.forEach((consumer, index) => this.clients.set(consumer.id ?? `consumer-${index + 1}`, { kind: 'consumer' }));
    this.producers = config.producers.length;
    this.consumers = config.consumers.length;
  }

  isProducer(id: string): boolean {
    return this.clients.get(id)?.kind === 'producer';
  }

  isConsumer(id: string): boolean {
    return this.clients.get(id)?.kind === 'consumer';
  }

  /** The application closed it for good (remove-producer / remove-consumer): it cannot be restarted. */
  isRemoved(id: string): boolean {
    return this.clients.has(id) && (this.kernel.durableOf(id) as ProducerDisk).removed === true;
  }

  /**
   * The action as it will apply, with what it leaves to the engine filled in (add-*: the id and the
   * zone), or an Error naming what is wrong. Changes nothing.
   */
  check(action: LoadAction): LoadAction {
    if (this.config.controllerMode !== 'kraft') {
      throw new Error(`${action.kind}: ZooKeeper mode models only the controller, for the failover contrast; clients and topics need a KRaft cluster`);
    }
    switch (action.kind) {
      case 'add-producer':
        return this.checkAddProducer(action);
      case 'add-consumer':
        return this.checkAddConsumer(action);
      case 'remove-producer':
      case 'change-producer':
        this.needClient(action.kind, action.process, 'producer');
        if (action.kind === 'change-producer') this.checkChangeProducer(action.process, action.recordBytes, action.acks);
        return action;
      case 'remove-consumer':
        this.needClient(action.kind, action.process, 'consumer');
        return action;
      case 'create-topic':
        this.checkCreateTopic(action);
        return action;
    }
  }

  /** Applies an action `check` returned. */
  apply(action: LoadAction): void {
    switch (action.kind) {
      case 'add-producer': {
        const settings = producerSchema.parse({ ...withoutKind(action), startMs: 0 });
        addProducerProcess(this.kernel, this.config, settings, { id: action.id!, zone: action.zone! }, this.ledgers.producer);
        this.clients.set(action.id!, { kind: 'producer', producer: settings });
        this.producers++;
        return;
      }
      case 'add-consumer': {
        const settings = consumerSchema.parse({ ...withoutKind(action), startMs: 0 });
        addConsumerProcess(this.kernel, this.config, settings, { id: action.id!, zone: action.zone! }, this.ledgers.consumer);
        this.clients.set(action.id!, { kind: 'consumer' });
        this.consumers++;
        return;
      }
      case 'remove-producer':
      case 'remove-consumer': {
        (this.kernel.durableOf(action.process) as ProducerDisk).removed = true;
        if (this.statusOf(action.process) === 'up') this.kernel.command(action.process, { type: 'CloseClient', bytes: 0 } satisfies CloseClientCommand);
        return;
      }
      case 'change-producer': {
        const disk = this.kernel.durableOf(action.process) as ProducerDisk;
        if (action.recordBytes !== undefined) disk.recordBytes = action.recordBytes;
        if (action.acks !== undefined) disk.acks = action.acks;
        disk.reopened = (disk.reopened ?? 0) + 1;
        // A producer that is down takes the settings when it is restarted.
        if (this.statusOf(action.process) === 'up') this.kernel.relaunch(action.process, 'the application reopens its producer with new settings');
        return;
      }
      case 'create-topic': {
        const controller = this.access.activeController()!;
        const configs = [
          ...(action['min.insync.replicas'] === undefined ? [] : [{ name: 'min.insync.replicas', value: String(action['min.insync.replicas']) }]),
          ...(action['remote.storage.enable'] === undefined ? [] : [{ name: 'remote.storage.enable', value: String(action['remote.storage.enable']) }]),
        ];
        const request: CreateTopicsRequest = { type: 'CreateTopics', bytes: 0, name: action.name, partitions: action.partitions, replicationFactor: action.replicationFactor, admin: { configs } };
        this.kernel.command(controller, request);
        this.askedTopics.add(action.name);
        return;
      }
    }
  }

  // ---- checks -----------------------------------------------------------------------------------

  private checkAddProducer(action: AddProducer): AddProducer {
    if (this.producers >= PRODUCERS_MAX) throw new Error(`add-producer: this cluster has ${PRODUCERS_MAX} producers, the most it takes; remove one first`);
    const id = this.checkNewId('add-producer', action.id, 'producer');
    const zone = this.checkZone('add-producer', action.zone, this.producers);
    this.checkTopicKnown('add-producer', action.topic);
    // Kafka's rule (KafkaProducer.configureDeliveryTimeout): delivery.timeout.ms >= linger.ms + request.timeout.ms.
    const settings = producerSchema.parse({ ...withoutKind(action), startMs: 0 });
    if (settings['delivery.timeout.ms'] < settings['linger.ms'] + settings['request.timeout.ms']) {
      throw new Error(
        `add-producer: linger.ms (${settings['linger.ms']}) + request.timeout.ms (${settings['request.timeout.ms']}) is more than delivery.timeout.ms (${settings['delivery.timeout.ms']}); Kafka refuses that: lower linger.ms`,
      );
    }
    return { ...action, id, zone };
  }

  private checkAddConsumer(action: AddConsumer): AddConsumer {
    if (this.consumers >= CONSUMERS_MAX) throw new Error(`add-consumer: this cluster has ${CONSUMERS_MAX} consumers, the most it takes; remove one first`);
    const id = this.checkNewId('add-consumer', action.id, 'consumer');
    const zone = this.checkZone('add-consumer', action.zone, this.consumers);
    this.checkTopicKnown('add-consumer', action.topic);
    return { ...action, id, zone };
  }

  private checkChangeProducer(id: string, recordBytes: number | undefined, acks: ProducerConfig['acks'] | undefined): void {
    if (recordBytes === undefined && acks === undefined) throw new Error('change-producer: give "recordBytes" or "acks" (or both): nothing would change');
    const opened = this.clients.get(id)!.producer;
    if (acks !== undefined && opened?.['enable.idempotence'] === true && normalizeAcks(acks) !== -1) {
      throw new Error(`change-producer: ${id} sets enable.idempotence=true, which needs acks=all (Kafka refuses the config); keep acks "all"`);
    }
  }

  private checkCreateTopic(action: Extract<LoadAction, { kind: 'create-topic' }>): void {
    const controller = this.access.activeController();
    const image = controller === null ? null : this.access.metadataOf(controller);
    if (controller === null || image === null) throw new Error('create-topic: no controller is active right now (an election is under way); try again in a moment');
    const names = new Set<string>([...image.topicsByName.keys(), ...this.config.topics.map((topic) => topic.name)]);
    const usable = [...image.brokers.values()].filter((broker) => !broker.fenced && !broker.inControlledShutdown).length;
    const problem = createTopicProblem(action, names, usable, this.config.kafka['remote.log.storage.system.enable']);
    if (problem !== null) throw new Error(`create-topic: ${problem.code}: ${problem.message}`);
    if (image.partitionCount + action.partitions > TOPIC_PARTITIONS_MAX) {
      throw new Error(`create-topic: the cluster has ${image.partitionCount} partitions; ${action.partitions} more would pass the playground's bound of ${TOPIC_PARTITIONS_MAX}`);
    }
  }

  private needClient(kind: string, id: string, role: 'producer' | 'consumer'): void {
    const entry = this.clients.get(id);
    if (entry === undefined || entry.kind !== role) {
      const names = [...this.clients.entries()].filter(([, client]) => client.kind === role).map(([name]) => name);
      const what = this.kernel.hasProcess(id) ? `${id} is not a ${role}` : `no ${role} "${id}"`;
      throw new Error(`${kind}: ${what}; ${role}s are ${names.join(', ') || `none (add one with add-${role})`}`);
    }
    if (this.isRemoved(id)) throw new Error(`${kind}: ${id} was removed already; add a new ${role} instead`);
  }

  /** The id asked for, free; or the first free "producer-N" from the count of its kind on. */
  private checkNewId(kind: string, asked: string | undefined, role: 'producer' | 'consumer'): string {
    if (asked !== undefined) {
      if (this.kernel.hasProcess(asked)) throw new Error(`${kind}: a process named "${asked}" exists already; choose another id, or leave it out for a new one`);
      return asked;
    }
    let n = (role === 'producer' ? this.producers : this.consumers) + 1;
    while (this.kernel.hasProcess(`${role}-${n}`)) n++;
    return `${role}-${n}`;
  }

  /** The zone asked for, if it exists; else the zones in turn, as the config places clients. */
  private checkZone(kind: string, asked: string | undefined, index: number): string {
    const zones = this.config.zones;
    if (asked === undefined) return zones[index % zones.length]!;
    if (!zones.includes(asked)) throw new Error(`${kind}: no zone "${asked}"; zones are ${zones.join(', ')}`);
    return asked;
  }

  private checkTopicKnown(kind: string, topic: string): void {
    if (this.topicNames().has(topic)) return;
    throw new Error(`${kind}: no topic "${topic}"; topics are ${[...this.topicNames()].filter((name) => !name.startsWith('__')).join(', ') || 'none (create one with create-topic)'}`);
  }

  /** The config's topics, the committed metadata's, and those asked for by create-topic in this run. */
  private topicNames(): Set<string> {
    const controller = this.access.activeController();
    const image = controller === null ? null : this.access.metadataOf(controller);
    return new Set<string>([...this.config.topics.map((topic) => topic.name), ...(image?.topicsByName.keys() ?? []), ...this.askedTopics]);
  }

  private statusOf(id: string): string {
    return this.kernel.processes().find((process) => process.id === id)!.status;
  }
}

function withoutKind<T extends { kind: string }>(action: T): Omit<T, 'kind'> {
  const { kind: _kind, ...rest } = action;
  return rest;
}
