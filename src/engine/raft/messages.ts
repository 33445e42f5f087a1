// KRaft's quorum RPCs (KIP-595), with Kafka's names: Vote, BeginQuorumEpoch, EndQuorumEpoch,
// Fetch and FetchSnapshot. Sizes are estimates of the wire format so the network charges them.

import type { Message } from '../sim/process';
import type { LogEntry, OffsetAndEpoch, Snapshot } from './log';

/** Bytes of a request or response header (API key, version, correlation id, client id, ...). */
export const RAFT_HEADER_BYTES = 80;

export type FetchError = 'NONE' | 'FENCED_LEADER_EPOCH' | 'NOT_LEADER_OR_FOLLOWER' | 'UNKNOWN_LEADER_EPOCH';

export interface VoteRequest extends Message {
  readonly type: 'RaftVoteRequest';
  readonly epoch: number;
  readonly candidate: string;
  readonly lastEpoch: number;
  readonly lastOffset: number;
}

export interface VoteResponse extends Message {
  readonly type: 'RaftVoteResponse';
  readonly epoch: number;
  readonly granted: boolean;
  readonly leader: string | null;
}

export interface BeginQuorumEpochRequest extends Message {
  readonly type: 'RaftBeginQuorumEpoch';
  readonly epoch: number;
  readonly leader: string;
}

export interface BeginQuorumEpochResponse extends Message {
  readonly type: 'RaftBeginQuorumEpochResponse';
  readonly epoch: number;
}

export interface EndQuorumEpochRequest extends Message {
  readonly type: 'RaftEndQuorumEpoch';
  readonly epoch: number;
  readonly leader: string;
}

export interface FetchRequest extends Message {
  readonly type: 'RaftFetch';
  /** The epoch the fetcher believes current. */
  readonly epoch: number;
  readonly replica: string;
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
}

export interface FetchResponse<R> extends Message {
  readonly type: 'RaftFetchResponse';
  readonly error: FetchError;
  readonly epoch: number;
  readonly leader: string | null;
  readonly highWatermark: number;
  readonly entries: readonly LogEntry<R>[];
  /** Set when the fetcher's log diverges: truncate to this end offset of this epoch. */
  readonly divergingEpoch: OffsetAndEpoch | null;
  /** Set when the fetch offset is below the leader's log start: fetch this snapshot first. */
  readonly snapshotId: OffsetAndEpoch | null;
}

export interface FetchSnapshotRequest extends Message {
  readonly type: 'RaftFetchSnapshot';
  readonly epoch: number;
  readonly replica: string;
  readonly snapshotId: OffsetAndEpoch;
}

export interface FetchSnapshotResponse<S> extends Message {
  readonly type: 'RaftFetchSnapshotResponse';
  readonly error: FetchError | 'SNAPSHOT_NOT_FOUND';
  readonly epoch: number;
  readonly leader: string | null;
  readonly snapshot: Snapshot<S> | null;
}

export type RaftMessage<R, S> =
  | VoteRequest
  | VoteResponse
  | BeginQuorumEpochRequest
  | BeginQuorumEpochResponse
  | EndQuorumEpochRequest
  | FetchRequest
  | FetchResponse<R>
  | FetchSnapshotRequest
  | FetchSnapshotResponse<S>;

const RAFT_TYPES = new Set([
  'RaftVoteRequest',
  'RaftVoteResponse',
  'RaftBeginQuorumEpoch',
  'RaftBeginQuorumEpochResponse',
  'RaftEndQuorumEpoch',
  'RaftFetch',
  'RaftFetchResponse',
  'RaftFetchSnapshot',
  'RaftFetchSnapshotResponse',
]);

export function isRaftMessage<R, S>(message: Message): message is RaftMessage<R, S> {
  return RAFT_TYPES.has(message.type);
}
