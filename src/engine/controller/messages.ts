// The broker-to-controller RPCs of KRaft (Kafka's BrokerRegistration, BrokerHeartbeat and
// AlterPartition APIs, KIP-631 and KIP-497), with Kafka's error names.

import type { Message } from '../sim/process';

export type ControllerError =
  | 'NONE'
  | 'NOT_CONTROLLER'
  | 'STALE_BROKER_EPOCH'
  | 'INVALID_UPDATE_VERSION'
  | 'FENCED_LEADER_EPOCH'
  | 'INELIGIBLE_REPLICA'
  | 'NOT_LEADER_OR_FOLLOWER'
  | 'UNKNOWN_TOPIC_OR_PARTITION';

export interface BrokerRegistrationRequest extends Message {
  readonly type: 'BrokerRegistration';
  readonly brokerId: string;
  readonly rack: string;
  readonly incarnation: number;
}

export interface BrokerRegistrationResponse extends Message {
  readonly type: 'BrokerRegistrationResponse';
  readonly error: ControllerError;
  readonly brokerEpoch: number;
}

export interface BrokerHeartbeatRequest extends Message {
  readonly type: 'BrokerHeartbeat';
  readonly brokerId: string;
  readonly brokerEpoch: number;
  /** The offset of the metadata log this broker has applied. */
  readonly metadataOffset: number;
  readonly wantShutdown: boolean;
}

export interface BrokerHeartbeatResponse extends Message {
  readonly type: 'BrokerHeartbeatResponse';
  readonly error: ControllerError;
  readonly isCaughtUp: boolean;
  readonly isFenced: boolean;
  readonly shouldShutDown: boolean;
}

export interface AlterPartitionRequest extends Message {
  readonly type: 'AlterPartition';
  readonly brokerId: string;
  readonly brokerEpoch: number;
  readonly topic: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly newIsr: readonly string[];
}

export interface AlterPartitionResponse extends Message {
  readonly type: 'AlterPartitionResponse';
  readonly error: ControllerError;
  readonly topic: string;
  readonly partition: number;
}

/**
 * A broker's CreateTopics for an internal topic it needs (the group coordinator creates
 * __consumer_offsets on the first FindCoordinator, as Kafka's AutoTopicCreationManager does).
 * No answer: the broker sees the topic appear in the metadata log, or asks again.
 */
export interface CreateTopicsRequest extends Message {
  readonly type: 'CreateTopics';
  readonly name: string;
  readonly partitions: number;
  /** Capped by the controller at the usable broker count (a broker's request; an admin's is refused instead). */
  readonly replicationFactor: number;
  /**
   * A person's CreateTopics (the create-topic action, as an admin client sends it): checked with
   * Kafka's rules and error codes (load-actions.ts createTopicProblem), never capped; the refusal is
   * told in the event log. Absent for a broker's internal topic.
   */
  readonly admin?: { readonly configs: readonly { readonly name: string; readonly value: string }[] };
}

export type ControllerRequest = BrokerRegistrationRequest | BrokerHeartbeatRequest | AlterPartitionRequest | CreateTopicsRequest;
export type ControllerResponse = BrokerRegistrationResponse | BrokerHeartbeatResponse | AlterPartitionResponse;

export function isControllerRequest(message: Message): message is ControllerRequest {
  return message.type === 'BrokerRegistration' || message.type === 'BrokerHeartbeat' || message.type === 'AlterPartition' || message.type === 'CreateTopics';
}

export function isControllerResponse(message: Message): message is ControllerResponse {
  return message.type === 'BrokerRegistrationResponse' || message.type === 'BrokerHeartbeatResponse' || message.type === 'AlterPartitionResponse';
}

/** Operator commands, delivered to a process from outside the network (kernel.command). */
export interface ShutdownCommand extends Message {
  readonly type: 'ControlledShutdown';
}

/** An admin's IncrementalAlterConfigs, handed to the active controller. */
export interface AlterConfigsCommand extends Message {
  readonly type: 'IncrementalAlterConfigs';
  /** "topic:<name>" or "cluster" (Kafka's default broker config resource). */
  readonly resource: string;
  readonly name: string;
  readonly value: string | null;
}

/**
 * Majority-quorum mode only (config "dataReplication": "quorum"; Kafka has no such RPC): the
 * active controller asks a replica of a leaderless partition where its log ends, as a Raft
 * candidate's Vote request carries (KIP-595's VoteRequest: LastOffsetEpoch, LastOffset), but asked
 * by the controller, which owns elections here. Answering is a promise, as a Raft vote is: the
 * replica stops following any leader of an epoch below `leaderEpoch`, so its log cannot grow
 * behind the election's back.
 */
export interface ReplicaLogEndRequest extends Message {
  readonly type: 'ReplicaLogEnd';
  readonly topic: string;
  readonly partition: number;
  /** The partition's leader epoch as the controller has it (leaderless since this epoch). */
  readonly leaderEpoch: number;
}

export interface ReplicaLogEndResponse extends Message {
  readonly type: 'ReplicaLogEndResponse';
  readonly brokerId: string;
  readonly topic: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  /** The leader epoch of the replica's last record (0 for an empty log). */
  readonly lastEpoch: number;
  readonly logEndOffset: number;
}
