// The data plane's RPCs, with Kafka's API and error names: Metadata, InitProducerId, Produce and
// Fetch (replica fetches from followers; consumer fetches later). Records travel as batches of
// metadata (offsets, sizes, producer id, sequence, leader epoch), never as payload bytes.

import type { RemoteSegmentTable } from '../storage/remote-segments';
import type { Message } from '../sim/process';
import type { TimeUs } from '../sim/time';

export type ErrorCode =
  | 'NONE'
  | 'NOT_LEADER_OR_FOLLOWER'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'NOT_ENOUGH_REPLICAS'
  | 'NOT_ENOUGH_REPLICAS_AFTER_APPEND'
  | 'REQUEST_TIMED_OUT'
  | 'FENCED_LEADER_EPOCH'
  | 'UNKNOWN_LEADER_EPOCH'
  | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
  | 'OFFSET_OUT_OF_RANGE'
  /** KIP-405: a follower fetched below the leader's local log start; those records are only in the remote tier. */
  | 'OFFSET_MOVED_TO_TIERED_STORAGE'
  /** The partition's log directory is offline on that broker (a write failed: a full disk). Kafka's KafkaStorageException, retriable. */
  | 'KAFKA_STORAGE_ERROR'
  /** KIP-227: an incremental fetch named a session the leader does not have (it restarted, or evicted it). */
  | 'FETCH_SESSION_ID_NOT_FOUND'
  /** KIP-227: an incremental fetch carried an epoch other than the one its session expects. */
  | 'INVALID_FETCH_SESSION_EPOCH';

/** Errors a producer retries (after refreshing metadata where the leader may have moved). */
export const RETRIABLE_ERRORS: ReadonlySet<ErrorCode> = new Set([
  'NOT_LEADER_OR_FOLLOWER',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  // KafkaStorageException extends InvalidMetadataException: the producer refreshes metadata and retries.
  'KAFKA_STORAGE_ERROR',
]);

/** Acks as Kafka's producer config: 0 (fire and forget), 1 (leader wrote it), -1 (= "all": the ISR has it). */
export type Acks = 0 | 1 | -1;

/** A batch as produced: what the producer sends and the oracle tracks. */
export interface ProducedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly producerId: number;
  /** Sequence of the batch's first record for this producer and partition (idempotence). */
  readonly baseSequence: number;
  readonly records: number;
  readonly bytes: number;
  /** Unique across the run: "producer-1/7". */
  readonly batchId: string;
  readonly createdUs: TimeUs;
}

/** A batch as a log holds it. */
export interface LogBatch {
  readonly baseOffset: number;
  readonly records: number;
  readonly bytes: number;
  /** Leader epoch of the leader that appended it. */
  readonly epoch: number;
  readonly producerId: number;
  readonly baseSequence: number;
  readonly batchId: string;
  readonly appendedUs: TimeUs;
  readonly createdUs: TimeUs;
  /**
   * Internal topics only (__consumer_offsets): the record's content, which the coordinator reloads
   * on failover. The brokers' batches name it even when undefined, so that every batch a log holds
   * has one hidden class: the first offset commit's batch (a field added) made V8 throw away the
   * optimized code of ~20 functions that read batches, and the fetch paths then saw two shapes
   * ("wrong map" deoptimizations of handleReplicaFetchResponse and PartitionLog.append).
   */
  readonly payload?: InternalRecord;
}

/** What an internal record says (Kafka's OffsetCommit and GroupMetadata record values, see group-protocol.ts). */
export interface InternalRecord {
  readonly kind: string;
}

export interface PartitionMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly leader: string | null;
  readonly leaderEpoch: number;
  readonly replicas: readonly string[];
  readonly isr: readonly string[];
}

export interface MetadataRequest extends Message {
  readonly type: 'Metadata';
  readonly topics: readonly string[];
}

export interface MetadataResponse extends Message {
  readonly type: 'MetadataResponse';
  readonly brokers: readonly string[];
  readonly partitions: readonly PartitionMetadata[];
}

export interface InitProducerIdRequest extends Message {
  readonly type: 'InitProducerId';
}

export interface InitProducerIdResponse extends Message {
  readonly type: 'InitProducerIdResponse';
  readonly error: ErrorCode;
  readonly producerId: number;
}

export interface ProduceRequest extends Message {
  readonly type: 'Produce';
  /** Client-chosen id echoed in the response (Kafka's correlation id). */
  readonly correlationId: number;
  readonly acks: Acks;
  /** How long the leader may wait for the ISR with acks=all (request.timeout.ms on the broker side). */
  readonly timeoutUs: TimeUs;
  readonly batches: readonly ProducedBatch[];
}

export interface ProducePartitionResult {
  readonly topic: string;
  readonly partition: number;
  readonly batchId: string;
  readonly error: ErrorCode;
  /** Offset of the batch's first record when written. */
  readonly baseOffset: number;
  /** A sentence for people: why, with the cause at that moment. */
  readonly detail: string;
}

export interface ProduceResponse extends Message {
  readonly type: 'ProduceResponse';
  readonly correlationId: number;
  readonly results: readonly ProducePartitionResult[];
}

export interface FetchPartitionRequest {
  readonly topic: string;
  readonly partition: number;
  /** "topic-partition", computed once by the fetcher (a fetch names the same partitions again and again). */
  readonly key: string;
  readonly fetchOffset: number;
  /** Epoch of the last batch the fetcher has (Kafka's lastFetchedEpoch, KIP-320 truncation detection). */
  readonly lastFetchedEpoch: number;
  readonly currentLeaderEpoch: number;
}

/** A partition a follower's incremental fetch drops from its session (Kafka's ForgottenTopic). */
export interface ForgottenPartition {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
}

export interface ReplicaFetchRequest extends Message {
  readonly type: 'ReplicaFetch';
  readonly replicaId: string;
  readonly brokerEpoch: number;
  /**
   * KIP-227 (fetch-session.ts): the session this fetch belongs to (0: none) and its epoch (0: a
   * FULL fetch that asks for a new session; -1: a FULL fetch that wants none; above 0: INCREMENTAL).
   * Absent: a sessionless FULL fetch, as Fetch versions before 7.
   */
  readonly sessionId?: number;
  readonly sessionEpoch?: number;
  /** FULL: every partition fetched; INCREMENTAL: those added to the session or changed since. */
  readonly partitions: readonly FetchPartitionRequest[];
  /** INCREMENTAL: partitions the session is to drop (Kafka's forgotten_topics_data). */
  readonly forgotten?: readonly ForgottenPartition[];
}

export interface FetchPartitionResponse {
  readonly topic: string;
  readonly partition: number;
  /** "topic-partition", the request entry's key echoed (the follower finds its partition without building it). */
  readonly key: string;
  readonly error: ErrorCode;
  readonly highWatermark: number;
  /** The leader's log start offset (Kafka's FetchResponse log_start_offset): followers delete below it. -1 when unknown. */
  readonly logStartOffset: number;
  readonly batches: readonly LogBatch[];
  /** Set when the fetcher's log diverges: truncate to this end offset of this epoch, then fetch again. */
  readonly divergingEpoch: { readonly epoch: number; readonly endOffset: number } | null;
  /** KIP-405, tiered topics: the leader's local log start (with OFFSET_MOVED_TO_TIERED_STORAGE: where to restart). */
  readonly localLogStartOffset?: number;
  /** KIP-405, tiered topics: the leader's remote segment metadata when it changed since this follower last heard it (see remote-log-manager.ts). */
  readonly remoteSegments?: RemoteSegmentTable;
}

export interface ReplicaFetchResponse extends Message {
  readonly type: 'ReplicaFetchResponse';
  /** KIP-227: a session error (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH) answers no partition. */
  readonly error: ErrorCode;
  /** KIP-227: the session the fetch belongs to, or that its FULL fetch opened; 0: none. */
  readonly sessionId: number;
  /** FULL fetch: every partition; INCREMENTAL: those with records, an error, a divergence or news of the high watermark or log start. */
  readonly partitions: readonly FetchPartitionResponse[];
}

export type DataRequest = MetadataRequest | InitProducerIdRequest | ProduceRequest | ReplicaFetchRequest;
export type DataResponse = MetadataResponse | InitProducerIdResponse | ProduceResponse | ReplicaFetchResponse;

const REQUESTS = new Set(['Metadata', 'InitProducerId', 'Produce', 'ReplicaFetch']);
const RESPONSES = new Set(['MetadataResponse', 'InitProducerIdResponse', 'ProduceResponse', 'ReplicaFetchResponse']);

export function isDataRequest(message: Message): message is DataRequest {
  return REQUESTS.has(message.type);
}

export function isDataResponse(message: Message): message is DataResponse {
  return RESPONSES.has(message.type);
}

/** Bytes of a request or response header. */
export const DATA_HEADER_BYTES = 64;
