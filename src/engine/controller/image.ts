// The metadata image: what the metadata log says the cluster is (brokers, topics, partitions,
// configs), built by replaying records in offset order. The same `replay` runs on the active
// controller (on append), on standby controllers and on brokers (on commit), so the same log gives
// the same image everywhere (Kafka: MetadataImage + MetadataDelta; QuorumController.replay).
//
// Snapshots are deep copies, never shared with a live image: a snapshot travels between processes
// (FetchSnapshot) and must not change after it was taken.

import type { LeaderId, MetadataRecord } from './records';

export interface BrokerRegistration {
  readonly id: string;
  readonly brokerEpoch: number;
  /** Offset of the RegisterBroker record: the broker is caught up once it has applied it. */
  readonly registeredAtOffset: number;
  readonly rack: string;
  readonly incarnation: number;
  fenced: boolean;
  inControlledShutdown: boolean;
}

export interface PartitionState {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly replicas: readonly string[];
  isr: readonly string[];
  leader: LeaderId;
  leaderEpoch: number;
  partitionEpoch: number;
  /** RECOVERING while the leader came from an unclean election (KIP-704). */
  leaderRecoveryState?: 'RECOVERED' | 'RECOVERING';
}

export interface TopicState {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: PartitionState[];
}

export interface ImageData {
  readonly brokers: readonly BrokerRegistration[];
  readonly topics: readonly { readonly name: string; readonly topicId: string; readonly partitions: readonly PartitionState[] }[];
  readonly configs: readonly (readonly [string, string])[];
  readonly leaderEpoch: number;
}

export class MetadataImage {
  readonly brokers = new Map<string, BrokerRegistration>();
  readonly topicsByName = new Map<string, TopicState>();
  readonly topicsById = new Map<string, TopicState>();
  /** "resource/name" -> value */
  readonly configs = new Map<string, string>();
  /** The quorum epoch of the last LeaderChange replayed. */
  controllerEpoch = 0;
  /** Offset of the next record to replay. */
  nextOffset = 0;
  /**
   * Bumped by every record replayed but a NoOp (which changes nothing here) and by every load:
   * while it stands, nothing this image says has changed (the durability check keeps what it
   * derived from it, Engine.durabilityWith).
   */
  version = 0;
  private offline = 0;
  /** Partitions led per broker, kept as records are replayed. */
  private readonly ledBy = new Map<string, number>();
  /** Replicas hosted per broker (replica lists do not change once placed). */
  private readonly hostedBy = new Map<string, number>();

  /** How many partitions have a replica on this broker (led or followed). */
  replicaCount(broker: string): number {
    return this.hostedBy.get(broker) ?? 0;
  }

  /** How many partitions each broker leads (brokers leading none are absent). */
  leaderCounts(): ReadonlyMap<string, number> {
    return this.ledBy;
  }

  private countLeader(leader: LeaderId, delta: number): void {
    if (leader === null) {
      this.offline += delta;
      return;
    }
    const count = (this.ledBy.get(leader) ?? 0) + delta;
    if (count === 0) this.ledBy.delete(leader);
    else this.ledBy.set(leader, count);
  }

  /** Partitions without a leader (Kafka's OfflinePartitionsCount), kept as records are replayed. */
  get offlinePartitions(): number {
    return this.offline;
  }

  get partitionCount(): number {
    let count = 0;
    for (const topic of this.topicsByName.values()) count += topic.partitions.length;
    return count;
  }

  replay(record: MetadataRecord, offset: number): void {
    this.nextOffset = offset + 1;
    if (record.type !== 'NoOp') this.version++;
    switch (record.type) {
      case 'LeaderChange':
        this.controllerEpoch = record.epoch;
        return;
      case 'RegisterBroker':
        this.brokers.set(record.brokerId, {
          id: record.brokerId,
          brokerEpoch: record.brokerEpoch,
          registeredAtOffset: offset,
          rack: record.rack,
          incarnation: record.incarnation,
          fenced: true,
          inControlledShutdown: false,
        });
        return;
      case 'FenceBroker':
      case 'UnfenceBroker': {
        const broker = this.brokers.get(record.brokerId);
        if (broker !== undefined && broker.brokerEpoch === record.brokerEpoch) {
          broker.fenced = record.type === 'FenceBroker';
          if (broker.fenced) broker.inControlledShutdown = false;
        }
        return;
      }
      case 'BrokerRegistrationChange': {
        const broker = this.brokers.get(record.brokerId);
        if (broker !== undefined && broker.brokerEpoch === record.brokerEpoch) broker.inControlledShutdown = record.inControlledShutdown;
        return;
      }
      case 'Topic': {
        const topic: TopicState = { name: record.name, topicId: record.topicId, partitions: [] };
        this.topicsByName.set(record.name, topic);
        this.topicsById.set(record.topicId, topic);
        return;
      }
      case 'Partition': {
        const topic = this.topicsById.get(record.topicId);
        if (topic === undefined) throw new Error(`metadata: PartitionRecord for unknown topic id ${record.topicId} at offset ${offset}`);
        topic.partitions[record.partition] = {
          topic: topic.name,
          topicId: record.topicId,
          partition: record.partition,
          replicas: record.replicas,
          isr: record.isr,
          leader: record.leader,
          leaderEpoch: record.leaderEpoch,
          partitionEpoch: record.partitionEpoch,
        };
        this.countLeader(record.leader, 1);
        for (const replica of record.replicas) this.hostedBy.set(replica, (this.hostedBy.get(replica) ?? 0) + 1);
        return;
      }
      case 'PartitionChange': {
        const state = this.topicsById.get(record.topicId)?.partitions[record.partition];
        if (state === undefined) throw new Error(`metadata: PartitionChangeRecord for unknown partition ${record.topicId}-${record.partition} at offset ${offset}`);
        if (record.isr !== undefined) state.isr = record.isr;
        if (record.leader !== undefined && record.leader !== state.leader) {
          this.countLeader(state.leader, -1);
          this.countLeader(record.leader, 1);
          state.leader = record.leader;
          state.leaderEpoch++;
          state.leaderRecoveryState = record.leaderRecoveryState ?? 'RECOVERED';
        }
        state.partitionEpoch++;
        return;
      }
      case 'Config':
        if (record.value === null) this.configs.delete(`${record.resource}/${record.name}`);
        else this.configs.set(`${record.resource}/${record.name}`, record.value);
        return;
      case 'NoOp':
        return;
    }
  }

  partition(topic: string, partition: number): PartitionState | undefined {
    return this.topicsByName.get(topic)?.partitions[partition];
  }

  *partitions(): IterableIterator<PartitionState> {
    for (const topic of this.topicsByName.values()) yield* topic.partitions;
  }

  isUsableBroker(id: string): boolean {
    const broker = this.brokers.get(id);
    return broker !== undefined && !broker.fenced && !broker.inControlledShutdown;
  }

  // ---- snapshots ------------------------------------------------------------------------------

  snapshot(): { data: ImageData; bytes: number } {
    const topics = [...this.topicsByName.values()].map((topic) => ({
      name: topic.name,
      topicId: topic.topicId,
      partitions: topic.partitions.map((state) => ({ ...state })),
    }));
    const data: ImageData = {
      brokers: [...this.brokers.values()].map((broker) => ({ ...broker })),
      topics,
      configs: [...this.configs.entries()],
      leaderEpoch: this.controllerEpoch,
    };
    const partitions = topics.reduce((sum, topic) => sum + topic.partitions.length, 0);
    return { data, bytes: 64 + data.brokers.length * 144 + topics.length * 48 + partitions * 60 + data.configs.length * 48 };
  }

  /** Replaces this image's contents with a snapshot's (copied, so the snapshot stays untouched). */
  load(data: ImageData, endOffset: number): void {
    this.brokers.clear();
    this.topicsByName.clear();
    this.topicsById.clear();
    this.configs.clear();
    this.offline = 0;
    this.ledBy.clear();
    this.hostedBy.clear();
    for (const broker of data.brokers) this.brokers.set(broker.id, { ...broker });
    for (const topic of data.topics) {
      const state: TopicState = { name: topic.name, topicId: topic.topicId, partitions: topic.partitions.map((p) => ({ ...p })) };
      this.topicsByName.set(topic.name, state);
      this.topicsById.set(topic.topicId, state);
      for (const partition of state.partitions) {
        this.countLeader(partition.leader, 1);
        for (const replica of partition.replicas) this.hostedBy.set(replica, (this.hostedBy.get(replica) ?? 0) + 1);
      }
    }
    for (const [key, value] of data.configs) this.configs.set(key, value);
    this.controllerEpoch = data.leaderEpoch;
    this.nextOffset = endOffset;
    this.version++;
  }

  /** A full copy (the active controller's speculative image starts as one). */
  clone(): MetadataImage {
    const copy = new MetadataImage();
    copy.load(this.snapshot().data, this.nextOffset);
    return copy;
  }
}
