// Metadata records, as KRaft's metadata log holds them (Kafka's metadata/*.json record schemas:
// RegisterBrokerRecord, FenceBrokerRecord, UnfenceBrokerRecord, BrokerRegistrationChangeRecord,
// TopicRecord, PartitionRecord, PartitionChangeRecord, ConfigRecord, NoOpRecord, and the raft
// control record LeaderChangeMessage). Records are immutable once written. Sizes estimate the
// serialized form, so the metadata log's bytes are plausible.

/** Kafka's NO_LEADER (-1), spelled as null here. */
export type LeaderId = string | null;

export interface LeaderChangeRecord {
  readonly type: 'LeaderChange';
  readonly epoch: number;
  readonly leader: string;
  readonly voters: readonly string[];
}

export interface RegisterBrokerRecord {
  readonly type: 'RegisterBroker';
  readonly brokerId: string;
  /** Kafka's broker epoch: the offset of this record, so each registration is newer than the last. */
  readonly brokerEpoch: number;
  readonly rack: string;
  /** A new value each time the broker process starts (Kafka's incarnation id). */
  readonly incarnation: number;
}

export interface FenceBrokerRecord {
  readonly type: 'FenceBroker';
  readonly brokerId: string;
  readonly brokerEpoch: number;
  /** Why, for people reading the log: "missed heartbeats for 9000ms". */
  readonly reason: string;
}

export interface UnfenceBrokerRecord {
  readonly type: 'UnfenceBroker';
  readonly brokerId: string;
  readonly brokerEpoch: number;
}

export interface BrokerRegistrationChangeRecord {
  readonly type: 'BrokerRegistrationChange';
  readonly brokerId: string;
  readonly brokerEpoch: number;
  readonly inControlledShutdown: boolean;
}

export interface TopicRecord {
  readonly type: 'Topic';
  readonly name: string;
  readonly topicId: string;
}

export interface PartitionRecord {
  readonly type: 'Partition';
  readonly topicId: string;
  readonly partition: number;
  readonly replicas: readonly string[];
  readonly isr: readonly string[];
  readonly leader: LeaderId;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

export interface PartitionChangeRecord {
  readonly type: 'PartitionChange';
  readonly topicId: string;
  readonly partition: number;
  /** Present when the ISR changes. */
  readonly isr?: readonly string[];
  /** Present when the leader changes (null: no leader, the partition is offline). */
  readonly leader?: LeaderId;
  /** Kafka's LeaderRecoveryState (KIP-704): RECOVERING after an unclean election, RECOVERED otherwise. */
  readonly leaderRecoveryState?: 'RECOVERED' | 'RECOVERING';
  /** Why, for people reading the log. */
  readonly reason: string;
}

export interface ConfigRecord {
  readonly type: 'Config';
  readonly resource: string;
  readonly name: string;
  readonly value: string | null;
}

export interface NoOpRecord {
  readonly type: 'NoOp';
}

export type MetadataRecord =
  | LeaderChangeRecord
  | RegisterBrokerRecord
  | FenceBrokerRecord
  | UnfenceBrokerRecord
  | BrokerRegistrationChangeRecord
  | TopicRecord
  | PartitionRecord
  | PartitionChangeRecord
  | ConfigRecord
  | NoOpRecord;

/** Estimated serialized size: a record header plus its fields. */
export function recordBytes(record: MetadataRecord): number {
  const header = 24;
  switch (record.type) {
    case 'LeaderChange':
      return header + 16 + 4 * record.voters.length;
    case 'RegisterBroker':
      return header + 120; // listeners, features, rack, incarnation uuid
    case 'FenceBroker':
    case 'UnfenceBroker':
      return header + 16;
    case 'BrokerRegistrationChange':
      return header + 20;
    case 'Topic':
      return header + 16 + record.name.length;
    case 'Partition':
      return header + 36 + 4 * (record.replicas.length + record.isr.length);
    case 'PartitionChange':
      return header + 28 + 4 * (record.isr?.length ?? 0);
    case 'Config':
      return header + 8 + record.resource.length + record.name.length + (record.value?.length ?? 0);
    case 'NoOp':
      return header;
  }
}

/** One line for the metadata log viewer. */
export function describeRecord(record: MetadataRecord): string {
  switch (record.type) {
    case 'LeaderChange':
      return `LeaderChange: ${record.leader} leads epoch ${record.epoch}`;
    case 'RegisterBroker':
      return `RegisterBroker ${record.brokerId} (rack ${record.rack}, broker epoch ${record.brokerEpoch})`;
    case 'FenceBroker':
      return `FenceBroker ${record.brokerId}: ${record.reason}`;
    case 'UnfenceBroker':
      return `UnfenceBroker ${record.brokerId}`;
    case 'BrokerRegistrationChange':
      return `BrokerRegistrationChange ${record.brokerId}: ${record.inControlledShutdown ? 'in controlled shutdown' : 'running'}`;
    case 'Topic':
      return `Topic ${record.name}`;
    case 'Partition':
      return `Partition ${record.topicId}-${record.partition}: replicas ${record.replicas.join(',')}, leader ${record.leader ?? 'none'}`;
    case 'PartitionChange': {
      const parts: string[] = [];
      if (record.leader !== undefined) parts.push(`leader ${record.leader ?? 'none'}`);
      if (record.isr !== undefined) parts.push(`isr ${record.isr.join(',') || '(empty)'}`);
      return `PartitionChange ${record.topicId}-${record.partition}: ${parts.join(', ')} (${record.reason})`;
    }
    case 'Config':
      return `Config ${record.resource} ${record.name}=${record.value ?? '(deleted)'}`;
    case 'NoOp':
      return 'NoOp';
  }
}
