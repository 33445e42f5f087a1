// The consumer side of the data protocol, with Kafka's API and error names: the consumer's Fetch
// (served by a partition's leader, up to the high watermark), ListOffsets, and the classic group
// protocol (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
// OffsetFetch), plus the internal records of __consumer_offsets that carry commits and group
// metadata (Kafka's OffsetCommitValue and GroupMetadataValue).
//
// Never: carries payload bytes; records are batches of metadata like the rest of the data plane.

import type { Message } from '../sim/process';
import type { TimeUs } from '../sim/time';
import type { ErrorCode, FetchPartitionRequest, ForgottenPartition, InternalRecord, LogBatch } from './protocol';

/** The internal topic that holds committed offsets and group metadata (Kafka's GROUP_METADATA_TOPIC_NAME). */
export const OFFSETS_TOPIC = '__consumer_offsets';

export type GroupErrorCode =
  | ErrorCode
  | 'COORDINATOR_NOT_AVAILABLE'
  | 'COORDINATOR_LOAD_IN_PROGRESS'
  | 'NOT_COORDINATOR'
  | 'REBALANCE_IN_PROGRESS'
  | 'UNKNOWN_MEMBER_ID'
  | 'ILLEGAL_GENERATION'
  | 'MEMBER_ID_REQUIRED'
  | 'INCONSISTENT_GROUP_PROTOCOL';

/** ListOffsets' special timestamps (Kafka's ListOffsetsRequest.EARLIEST_TIMESTAMP / LATEST_TIMESTAMP). */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;

// ---- Fetch (consumer) and ListOffsets ------------------------------------------------------------

/**
 * One partition of a consumer's Fetch: the same entry as a follower's (protocol.ts), so both kinds
 * of fetch session share fetch-session.ts. `key` is "topic-partition", computed once by the
 * consumer; `currentLeaderEpoch` the leader epoch it believes current (KIP-320 fencing, -1:
 * unknown); `lastFetchedEpoch` is always -1: Kafka's consumer sends none (AbstractFetch.
 * prepareFetchRequests builds its FetchRequest.PartitionData with Optional.empty()).
 */
export type ConsumerFetchPartition = FetchPartitionRequest;

export interface ConsumerFetchRequest extends Message {
  readonly type: 'Fetch';
  readonly correlationId: number;
  /** fetch.max.wait.ms. */
  readonly maxWaitUs: TimeUs;
  /** fetch.min.bytes. */
  readonly minBytes: number;
  /** max.partition.fetch.bytes. */
  readonly partitionMaxBytes: number;
  /**
   * KIP-227 (fetch-session.ts, the consumer's FetchSessionHandler): the session this fetch belongs
   * to (0: none) and its epoch (0: a FULL fetch that asks for a new session; -1: a FULL fetch that
   * wants none; above 0: INCREMENTAL). Absent: a sessionless FULL fetch, as Fetch versions before 7.
   */
  readonly sessionId?: number;
  readonly sessionEpoch?: number;
  /** FULL: every partition fetched; INCREMENTAL: those added to the session or whose position or leader epoch changed. */
  readonly partitions: readonly ConsumerFetchPartition[];
  /** INCREMENTAL: partitions the session is to drop (Kafka's forgotten_topics_data): revoked, or led elsewhere now. */
  readonly forgotten?: readonly ForgottenPartition[];
  /**
   * Never sent by a consumer: a fetch this broker already took in (its session context made) that
   * waits for a disk read (local-reads.ts) comes back through the handler with its context here,
   * so it is answered in that context, not taken in twice (consumer-fetch.ts).
   */
  readonly resumes?: unknown;
}

export interface ConsumerFetchPartitionResponse {
  readonly topic: string;
  readonly partition: number;
  readonly error: ErrorCode;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** The leader epoch of the leader that answered. */
  readonly leaderEpoch: number;
  readonly batches: readonly LogBatch[];
}

export interface ConsumerFetchResponse extends Message {
  readonly type: 'FetchResponse';
  readonly correlationId: number;
  /** KIP-227: a session error (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH) answers no partition. */
  readonly error: ErrorCode;
  /** KIP-227: the session the fetch belongs to, or that its FULL fetch opened; 0: none. */
  readonly sessionId: number;
  /** FULL fetch: every partition; INCREMENTAL: those with records, an error, or a high watermark or log start the session had not sent. */
  readonly partitions: readonly ConsumerFetchPartitionResponse[];
}

export interface ListOffsetsRequest extends Message {
  readonly type: 'ListOffsets';
  readonly correlationId: number;
  readonly partitions: readonly { readonly topic: string; readonly partition: number; readonly timestamp: number }[];
}

export interface ListOffsetsResponse extends Message {
  readonly type: 'ListOffsetsResponse';
  readonly correlationId: number;
  readonly partitions: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly error: ErrorCode;
    readonly offset: number;
    readonly leaderEpoch: number;
  }[];
}

// ---- the group protocol ------------------------------------------------------------------------

export interface FindCoordinatorRequest extends Message {
  readonly type: 'FindCoordinator';
  /** The group id (Kafka's key, with key type GROUP). */
  readonly key: string;
}

export interface FindCoordinatorResponse extends Message {
  readonly type: 'FindCoordinatorResponse';
  readonly key: string;
  readonly error: GroupErrorCode;
  readonly coordinator: string | null;
}

/** What a member tells the group leader in JoinGroup (Kafka's ConsumerProtocolSubscription). */
export interface Subscription {
  readonly topics: readonly string[];
  /** Partitions it owns now (KIP-429: the cooperative protocol needs them). */
  readonly ownedPartitions: readonly number[];
  /** The generation it owned them in (KIP-792). */
  readonly generation: number;
}

export interface JoinGroupRequest extends Message {
  readonly type: 'JoinGroup';
  readonly groupId: string;
  /** Empty on the first join (KIP-394: the coordinator answers MEMBER_ID_REQUIRED with one). */
  readonly memberId: string;
  readonly clientId: string;
  readonly sessionTimeoutUs: TimeUs;
  readonly rebalanceTimeoutUs: TimeUs;
  /** The assignor name (partition.assignment.strategy), as the one protocol offered. */
  readonly protocolName: string;
  readonly subscription: Subscription;
}

export interface JoinGroupResponse extends Message {
  readonly type: 'JoinGroupResponse';
  readonly groupId: string;
  readonly error: GroupErrorCode;
  readonly generationId: number;
  readonly protocolName: string;
  readonly leader: string;
  readonly memberId: string;
  /** Only for the leader: every member and its subscription. */
  readonly members: readonly { readonly memberId: string; readonly subscription: Subscription }[];
}

export interface SyncGroupRequest extends Message {
  readonly type: 'SyncGroup';
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  /** Only from the leader: each member's partitions. */
  readonly assignments: readonly { readonly memberId: string; readonly partitions: readonly number[] }[];
}

export interface SyncGroupResponse extends Message {
  readonly type: 'SyncGroupResponse';
  readonly groupId: string;
  readonly error: GroupErrorCode;
  readonly partitions: readonly number[];
}

export interface HeartbeatRequest extends Message {
  readonly type: 'Heartbeat';
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
}

export interface HeartbeatResponse extends Message {
  readonly type: 'HeartbeatResponse';
  readonly groupId: string;
  readonly error: GroupErrorCode;
}

export interface LeaveGroupRequest extends Message {
  readonly type: 'LeaveGroup';
  readonly groupId: string;
  readonly memberId: string;
}

export interface LeaveGroupResponse extends Message {
  readonly type: 'LeaveGroupResponse';
  readonly groupId: string;
  readonly error: GroupErrorCode;
}

export interface CommittedOffset {
  readonly partition: number;
  readonly offset: number;
  /** The leader epoch of the last record consumed (KIP-320), -1 if unknown. */
  readonly leaderEpoch: number;
}

export interface OffsetCommitRequest extends Message {
  readonly type: 'OffsetCommit';
  readonly correlationId: number;
  readonly groupId: string;
  /** -1 with an empty member id: a commit from outside the group (a "simple" consumer). */
  readonly generationId: number;
  readonly memberId: string;
  readonly topic: string;
  readonly offsets: readonly CommittedOffset[];
}

export interface OffsetCommitResponse extends Message {
  readonly type: 'OffsetCommitResponse';
  readonly correlationId: number;
  readonly groupId: string;
  readonly error: GroupErrorCode;
}

export interface OffsetFetchRequest extends Message {
  readonly type: 'OffsetFetch';
  readonly correlationId: number;
  readonly groupId: string;
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface OffsetFetchResponse extends Message {
  readonly type: 'OffsetFetchResponse';
  readonly correlationId: number;
  readonly groupId: string;
  readonly error: GroupErrorCode;
  /** Offset -1: nothing committed for that partition. */
  readonly offsets: readonly CommittedOffset[];
}

export type GroupRequest =
  | FindCoordinatorRequest
  | JoinGroupRequest
  | SyncGroupRequest
  | HeartbeatRequest
  | LeaveGroupRequest
  | OffsetCommitRequest
  | OffsetFetchRequest;

export type ConsumerRequest = ConsumerFetchRequest | ListOffsetsRequest | GroupRequest;

const GROUP_REQUESTS = new Set(['FindCoordinator', 'JoinGroup', 'SyncGroup', 'Heartbeat', 'LeaveGroup', 'OffsetCommit', 'OffsetFetch']);

export function isGroupRequest(message: Message): message is GroupRequest {
  return GROUP_REQUESTS.has(message.type);
}

export const CONSUMER_RESPONSES: ReadonlySet<string> = new Set([
  'MetadataResponse',
  'FetchResponse',
  'ListOffsetsResponse',
  'FindCoordinatorResponse',
  'JoinGroupResponse',
  'SyncGroupResponse',
  'HeartbeatResponse',
  'LeaveGroupResponse',
  'OffsetCommitResponse',
  'OffsetFetchResponse',
]);

// ---- records of __consumer_offsets ---------------------------------------------------------------

/** Kafka's OffsetCommitValue: a group's committed offsets for a topic's partitions. */
export interface OffsetCommitRecord extends InternalRecord {
  readonly kind: 'offset-commit';
  readonly groupId: string;
  readonly topic: string;
  readonly offsets: readonly CommittedOffset[];
}

/** Kafka's GroupMetadataValue: the group as its last completed rebalance left it. */
export interface GroupMetadataRecord extends InternalRecord {
  readonly kind: 'group-metadata';
  readonly groupId: string;
  readonly generationId: number;
  readonly protocolName: string;
  readonly leader: string | null;
  readonly members: readonly {
    readonly memberId: string;
    readonly clientId: string;
    readonly sessionTimeoutUs: TimeUs;
    readonly rebalanceTimeoutUs: TimeUs;
    readonly subscription: Subscription;
    readonly assignment: readonly number[];
  }[];
}

/** Java's String.hashCode: s[0]*31^(n-1) + ... + s[n-1], in 32-bit two's complement arithmetic. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) hash = (Math.imul(hash, 31) + text.charCodeAt(index)) | 0;
  return hash;
}

/** Kafka's Utils.abs: Math.abs, except Integer.MIN_VALUE maps to 0 (Java's abs would leave it negative). */
export function kafkaAbs(value: number): number {
  return value === -2147483648 ? 0 : Math.abs(value);
}

/** The __consumer_offsets partition a group lives in (GroupMetadataManager.partitionFor: Utils.abs(groupId.hashCode) % groupMetadataTopicPartitionCount). */
export function offsetsPartitionFor(groupId: string, partitions: number): number {
  return kafkaAbs(javaStringHashCode(groupId)) % partitions;
}
