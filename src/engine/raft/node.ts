// One member of a KRaft quorum, voter or observer, as a sans-I/O component (KIP-595; Kafka's
// raft module: QuorumState, KafkaRaftClient, LeaderState, FollowerState, CandidateState).
//
// Roles and their transitions (QuorumState's header lists the same):
//   unattached --election timeout (voter)--> candidate
//   unattached --grants a vote--> voted --election timeout--> candidate
//   unattached | voted --BeginQuorumEpoch or a fetch answer from the leader--> follower
//   candidate --majority of votes--> leader
//   candidate --election timeout--> candidate (next epoch, after a random exponential backoff)
//   follower (voter) --no successful fetch for controller.quorum.fetch.timeout.ms--> candidate
//   leader --no fetch from a majority for 1.5 x fetch timeout (check quorum)--> resigned
//   resigned --election timeout--> candidate
//   any --a message with a higher epoch--> unattached (or follower if it names the leader)
// A fetch answer from an older epoch is ignored (it is about a leadership already over).
// Observers (brokers) never vote: they are unattached or follower, and look for the leader by
// fetching from any voter, which answers NOT_LEADER_OR_FOLLOWER with the leader it knows.
//
// Replication is pulled: followers send Fetch(fetchOffset, lastFetchedEpoch). The leader checks
// the pair against its log and answers with entries, or with the diverging epoch and its end
// offset (the follower truncates its uncommitted suffix and fetches again), or with a snapshot id
// when the offset is below its log start (a fetched snapshot replaces the log only if it is ahead
// of it). A follower takes the high watermark only from an answer that accepted its fetch offset,
// capped at its log end. A caught-up fetch waits at the leader up to fetchMaxWait (long
// polling). The high watermark is the end offset a majority of voters has reached (the leader
// included), and only once it passes this epoch's first record, the LeaderChange control record
// the new leader appends (LeaderState.maybeUpdateHighWatermark).
//
// Durable (survives a crash): the log, snapshots, the current epoch and the vote. Volatile: the
// role, the leader, the high watermark, what has been applied to the state machine.

import type { Effects, Message } from '../sim/process';
import type { TimeUs } from '../sim/time';
import { compareOffsetAndEpoch, type LogEntry, type OffsetAndEpoch, type RaftLog, type Snapshot } from './log';
import {
  RAFT_HEADER_BYTES,
  type BeginQuorumEpochRequest,
  type BeginQuorumEpochResponse,
  type EndQuorumEpochRequest,
  type FetchError,
  type FetchRequest,
  type FetchResponse,
  type FetchSnapshotRequest,
  type FetchSnapshotResponse,
  type RaftMessage,
  type VoteRequest,
  type VoteResponse,
} from './messages';

/** Kafka's KafkaRaftClient.RETRY_BACKOFF_BASE_MS, the unit of the exponential election backoff. */
export const RETRY_BACKOFF_BASE_US = 100_000;
/** Leader resigns after this many fetch timeouts without a majority fetching (LeaderState). */
export const CHECK_QUORUM_TIMEOUT_FACTOR = 1.5;

export interface RaftConfig {
  /** Ids of the voters (controllers), the same list on every member. */
  readonly voters: readonly string[];
  /** controller.quorum.election.timeout.ms (1000): elections time out after a random [T, 2T). */
  readonly electionTimeoutUs: TimeUs;
  /** controller.quorum.election.backoff.max.ms (1000). */
  readonly electionBackoffMaxUs: TimeUs;
  /** controller.quorum.fetch.timeout.ms (2000). */
  readonly fetchTimeoutUs: TimeUs;
  /** controller.quorum.request.timeout.ms (2000): a request with no answer by then is sent again. */
  readonly requestTimeoutUs: TimeUs;
  /** How long the leader holds a caught-up fetch (KafkaRaftClient's fetchMaxWaitMs, 500). */
  readonly fetchMaxWaitUs: TimeUs;
  /** Bytes of entries at most in one fetch answer. */
  readonly fetchMaxBytes: number;
  /** A snapshot after this many applied records (Kafka counts bytes: metadata.log.max.record.bytes.between.snapshots). */
  readonly snapshotEveryRecords: number;
}

export interface QuorumStateDisk {
  epoch: number;
  votedFor: string | null;
}

/** A member's durable state: the log with its snapshots, and the quorum-state file. */
export interface RaftDisk<R, S> {
  readonly log: RaftLog<R, S>;
  readonly quorum: QuorumStateDisk;
}

/** What the quorum replicates into: the metadata image of a controller or broker. */
export interface RaftStateMachine<R, S> {
  /** Applies one committed entry, in offset order, exactly once per life. */
  apply(entry: LogEntry<R>, fx: Effects<Message>): void;
  /** Replaces the whole state with a snapshot's. */
  load(snapshot: Snapshot<S>): void;
  /** The state after every entry applied so far, for a snapshot. */
  snapshot(): { data: S; bytes: number };
}

export interface RaftListener {
  /** The known leader or epoch changed (leader null: unknown). */
  onLeaderChange?(leader: string | null, epoch: number, fx: Effects<Message>): void;
  /** This member became leader; it may append from now on. */
  onBecomeLeader?(epoch: number, fx: Effects<Message>): void;
  /** This member stopped being leader. */
  onResign?(epoch: number, fx: Effects<Message>): void;
}

export type RaftRole = 'unattached' | 'voted' | 'candidate' | 'leader' | 'follower' | 'resigned';

export interface ReplicaProgress {
  readonly id: string;
  /** The end offset the leader last saw it reach, or null before its first fetch. */
  readonly endOffset: number | null;
  readonly lastFetchUs: TimeUs | null;
}

export interface RaftView {
  readonly role: RaftRole;
  readonly isVoter: boolean;
  readonly epoch: number;
  readonly leader: string | null;
  readonly votedFor: string | null;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
  readonly appliedOffset: number;
  readonly snapshotEndOffset: number | null;
  /** Votes granted so far, while a candidate. */
  readonly votes: readonly string[];
  /** Each voter's progress as the leader sees it (leader only). */
  readonly voterProgress: readonly ReplicaProgress[];
}

const TIMER_ELECTION = 'raft:election';
const TIMER_FETCH = 'raft:fetch-timeout';
const TIMER_REQUEST = 'raft:request-timeout';
const TIMER_CHECK_QUORUM = 'raft:check-quorum';
const TIMER_BEGIN_EPOCH = 'raft:begin-epoch';
const TIMER_PARK_PREFIX = 'raft:park:';

interface ParkedFetch {
  readonly from: string;
  readonly request: FetchRequest;
}

interface LeaderProgress {
  endOffset: number | null;
  lastFetchUs: TimeUs | null;
  acknowledged: boolean;
  /** The high watermark last sent to it, to know whether a caught-up fetch can wait. */
  sentHighWatermark: number;
}

export class RaftNode<R, S> {
  private role: RaftRole = 'unattached';
  private leader: string | null = null;
  private highWatermark = 0;
  private appliedOffset = 0;
  private lastSnapshotOffset = 0;

  // candidate
  private votes = new Set<string>();
  private electionRetries = 0;
  private backingOff = false;

  // follower / observer
  private fetchInFlight = false;
  private fetchTarget: string | null = null;

  // leader
  private epochStartOffset = 0;
  private progress = new Map<string, LeaderProgress>();
  /** The high watermark last sent to each observer, so their caught-up fetches can wait too. */
  private observerSentHighWatermark = new Map<string, number>();
  /** Voters that fetched since a majority last did (LeaderState.fetchedVoters). */
  private fetchedSinceCheck = new Set<string>();
  /** When a majority of voters (this leader included) last fetched: check quorum counts from here. */
  private quorumContactUs: TimeUs = 0;
  private parked = new Map<string, ParkedFetch>();

  readonly isVoter: boolean;

  constructor(
    private readonly self: string,
    private readonly config: RaftConfig,
    private readonly disk: RaftDisk<R, S>,
    private readonly machine: RaftStateMachine<R, S>,
    /** The control record a new leader appends first (Kafka's LeaderChangeMessage). */
    private readonly leaderChangeRecord: (epoch: number, leader: string, voters: readonly string[]) => { record: R; bytes: number },
    private readonly listener: RaftListener = {},
  ) {
    this.isVoter = config.voters.includes(self);
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** A new life: reload the snapshot, then wait for an election (voters) or find the leader. */
  start(fx: Effects<Message>): void {
    const snapshot = this.disk.log.snapshot;
    if (snapshot !== null) {
      this.machine.load(snapshot);
      this.appliedOffset = snapshot.endOffset;
      this.highWatermark = snapshot.endOffset;
      this.lastSnapshotOffset = snapshot.endOffset;
    }
    if (this.disk.quorum.votedFor !== null && this.isVoter) {
      this.role = 'voted';
    }
    if (this.isVoter) {
      if (this.config.voters.length === 1) {
        this.becomeCandidate(fx); // a quorum of one elects itself at once
      } else {
        this.armElectionTimer(fx);
      }
    } else {
      this.sendFetch(fx);
    }
  }

  get epoch(): number {
    return this.disk.quorum.epoch;
  }

  get currentLeader(): string | null {
    return this.leader;
  }

  get currentRole(): RaftRole {
    return this.role;
  }

  get committedOffset(): number {
    return this.highWatermark;
  }

  get log(): RaftLog<R, S> {
    return this.disk.log;
  }

  /** Appends records as leader. Returns the offset after the last one, or null when not leader. */
  append(records: readonly { record: R; bytes: number }[], fx: Effects<Message>): number | null {
    if (this.role !== 'leader') return null;
    const log = this.disk.log;
    log.append(records.map((item, index) => ({ offset: log.endOffset + index, epoch: this.epoch, record: item.record, bytes: item.bytes })));
    this.onLeaderLogGrew(fx);
    return log.endOffset;
  }

  // ---- inputs ---------------------------------------------------------------------------------

  handleMessage(from: string, message: RaftMessage<R, S>, fx: Effects<Message>): void {
    switch (message.type) {
      case 'RaftVoteRequest':
        return this.handleVoteRequest(from, message, fx);
      case 'RaftVoteResponse':
        return this.handleVoteResponse(from, message, fx);
      case 'RaftBeginQuorumEpoch':
        return this.handleBeginQuorumEpoch(from, message, fx);
      case 'RaftBeginQuorumEpochResponse':
        if (message.epoch > this.epoch) return this.becomeUnattached(message.epoch, fx);
        if (this.role === 'leader' && message.epoch === this.epoch) this.progressOf(from).acknowledged = true;
        return;
      case 'RaftEndQuorumEpoch':
        return this.handleEndQuorumEpoch(message, fx);
      case 'RaftFetch':
        return this.handleFetchRequest(from, message, fx);
      case 'RaftFetchResponse':
        return this.handleFetchResponse(from, message, fx);
      case 'RaftFetchSnapshot':
        return this.handleFetchSnapshotRequest(from, message, fx);
      case 'RaftFetchSnapshotResponse':
        return this.handleFetchSnapshotResponse(from, message, fx);
    }
  }

  /** Handles a raft timer; returns false for keys it does not own. */
  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (key === TIMER_ELECTION) {
      this.onElectionTimeout(fx);
    } else if (key === TIMER_FETCH) {
      this.onFetchTimeout(fx);
    } else if (key === TIMER_REQUEST) {
      this.fetchInFlight = false;
      this.fetchTarget = this.isVoter ? this.fetchTarget : null; // an observer tries another voter
      this.sendFetch(fx);
    } else if (key === TIMER_CHECK_QUORUM) {
      this.onCheckQuorumTimeout(fx);
    } else if (key === TIMER_BEGIN_EPOCH) {
      this.sendBeginQuorumEpoch(fx, false);
    } else if (key.startsWith(TIMER_PARK_PREFIX)) {
      const replica = key.slice(TIMER_PARK_PREFIX.length);
      const parked = this.parked.get(replica);
      if (parked !== undefined) {
        this.parked.delete(replica);
        this.answerFetch(parked.from, parked.request, fx);
      }
    } else {
      return false;
    }
    return true;
  }

  // ---- elections ------------------------------------------------------------------------------

  private randomElectionTimeoutUs(fx: Effects<Message>): TimeUs {
    // KafkaRaftClient.randomElectionTimeoutMs: electionTimeoutMs + random in [0, electionTimeoutMs).
    return this.config.electionTimeoutUs + fx.prng.int(this.config.electionTimeoutUs);
  }

  private armElectionTimer(fx: Effects<Message>, delayUs = this.randomElectionTimeoutUs(fx)): void {
    fx.setTimer(TIMER_ELECTION, delayUs);
  }

  private onElectionTimeout(fx: Effects<Message>): void {
    if (!this.isVoter) return;
    if (this.role === 'candidate' && !this.backingOff) {
      // KafkaRaftClient.binaryExponentialElectionBackoffMs: base x random(2^retries), capped.
      this.backingOff = true;
      const retries = Math.min(20, Math.max(1, this.electionRetries));
      const backoffUs = Math.min(RETRY_BACKOFF_BASE_US * fx.prng.int(2 << (retries - 1)), this.config.electionBackoffMaxUs);
      this.armElectionTimer(fx, backoffUs);
      return;
    }
    if (this.role === 'leader' || this.role === 'follower') return;
    this.becomeCandidate(fx);
  }

  private becomeCandidate(fx: Effects<Message>): void {
    const wasLeader = this.role === 'leader';
    this.role = 'candidate';
    this.backingOff = false;
    this.electionRetries++;
    this.disk.quorum.epoch++;
    this.disk.quorum.votedFor = this.self;
    this.votes = new Set([this.self]);
    this.setLeader(null, fx);
    if (wasLeader) this.listener.onResign?.(this.epoch - 1, fx);
    fx.cancelTimer(TIMER_FETCH);
    fx.cancelTimer(TIMER_REQUEST);
    this.fetchInFlight = false;
    fx.note(`${this.self} starts an election for epoch ${this.epoch}`);
    if (this.votes.size * 2 > this.config.voters.length) {
      this.becomeLeader(fx);
      return;
    }
    const last = this.disk.log.lastOffsetAndEpoch();
    for (const voter of this.config.voters) {
      if (voter === this.self) continue;
      const request: VoteRequest = {
        type: 'RaftVoteRequest',
        bytes: RAFT_HEADER_BYTES + 24,
        epoch: this.epoch,
        candidate: this.self,
        lastEpoch: last.epoch,
        lastOffset: last.offset,
      };
      fx.send(voter, request);
    }
    this.armElectionTimer(fx);
  }

  private handleVoteRequest(from: string, request: VoteRequest, fx: Effects<Message>): void {
    if (request.epoch > this.epoch) this.becomeUnattached(request.epoch, fx);
    let granted = false;
    if (this.isVoter && request.epoch === this.epoch) {
      const votedOther = this.disk.quorum.votedFor !== null && this.disk.quorum.votedFor !== request.candidate;
      const hasLeader = this.role === 'leader' || this.role === 'follower';
      // The candidate's log must be at least as up to date as ours: epoch first, then offset.
      const upToDate = compareOffsetAndEpoch({ epoch: request.lastEpoch, offset: request.lastOffset }, this.disk.log.lastOffsetAndEpoch()) >= 0;
      granted = !votedOther && !hasLeader && upToDate;
      if (granted && this.disk.quorum.votedFor === null) {
        this.disk.quorum.votedFor = request.candidate;
        this.role = 'voted';
        this.armElectionTimer(fx);
      }
    }
    const response: VoteResponse = { type: 'RaftVoteResponse', bytes: RAFT_HEADER_BYTES + 12, epoch: this.epoch, granted, leader: this.leader };
    fx.send(from, response);
  }

  private handleVoteResponse(from: string, response: VoteResponse, fx: Effects<Message>): void {
    if (response.epoch > this.epoch) {
      this.becomeUnattached(response.epoch, fx);
      if (response.leader !== null) this.becomeFollower(response.epoch, response.leader, fx);
      return;
    }
    if (this.role !== 'candidate' || response.epoch !== this.epoch || !response.granted) return;
    this.votes.add(from);
    if (this.votes.size * 2 > this.config.voters.length) this.becomeLeader(fx);
  }

  private becomeLeader(fx: Effects<Message>): void {
    this.role = 'leader';
    this.electionRetries = 0;
    this.backingOff = false;
    fx.cancelTimer(TIMER_ELECTION);
    this.setLeader(this.self, fx);
    const log = this.disk.log;
    this.epochStartOffset = log.endOffset;
    this.progress = new Map(
      this.config.voters
        .filter((voter) => voter !== this.self)
        .map((voter) => [voter, { endOffset: null, lastFetchUs: null, acknowledged: false, sentHighWatermark: -1 }]),
    );
    this.parked.clear();
    this.observerSentHighWatermark.clear();
    this.fetchedSinceCheck.clear();
    this.quorumContactUs = fx.nowUs;
    fx.note(`${this.self} is the leader of epoch ${this.epoch} with votes from ${[...this.votes].join(', ')}`);
    const control = this.leaderChangeRecord(this.epoch, this.self, this.config.voters);
    log.append([{ offset: log.endOffset, epoch: this.epoch, record: control.record, bytes: control.bytes }]);
    fx.setTimer(TIMER_CHECK_QUORUM, this.checkQuorumTimeoutUs());
    this.sendBeginQuorumEpoch(fx, true);
    this.listener.onBecomeLeader?.(this.epoch, fx);
    this.onLeaderLogGrew(fx);
  }

  private checkQuorumTimeoutUs(): TimeUs {
    return Math.round(this.config.fetchTimeoutUs * CHECK_QUORUM_TIMEOUT_FACTOR);
  }

  private sendBeginQuorumEpoch(fx: Effects<Message>, all: boolean): void {
    if (this.role !== 'leader') return;
    let pending = false;
    for (const [voter, state] of this.progress) {
      if (!all && state.acknowledged) continue;
      pending = true;
      const request: BeginQuorumEpochRequest = { type: 'RaftBeginQuorumEpoch', bytes: RAFT_HEADER_BYTES + 8, epoch: this.epoch, leader: this.self };
      fx.send(voter, request);
    }
    if (pending) fx.setTimer(TIMER_BEGIN_EPOCH, this.config.requestTimeoutUs);
  }

  private handleBeginQuorumEpoch(from: string, request: BeginQuorumEpochRequest, fx: Effects<Message>): void {
    if (request.epoch >= this.epoch && !(request.epoch === this.epoch && this.role === 'leader')) {
      this.becomeFollower(request.epoch, request.leader, fx);
    }
    const response: BeginQuorumEpochResponse = { type: 'RaftBeginQuorumEpochResponse', bytes: RAFT_HEADER_BYTES, epoch: this.epoch };
    fx.send(from, response);
  }

  private handleEndQuorumEpoch(request: EndQuorumEpochRequest, fx: Effects<Message>): void {
    if (request.epoch < this.epoch || !this.isVoter) return;
    if (request.epoch > this.epoch) this.becomeUnattached(request.epoch, fx);
    if (this.leader === request.leader || this.leader === null) {
      // The leader resigned: start an election soon, after a random backoff so not all at once.
      this.role = this.disk.quorum.votedFor === null ? 'unattached' : 'voted';
      this.setLeader(null, fx);
      fx.cancelTimer(TIMER_FETCH);
      this.armElectionTimer(fx, fx.prng.int(this.config.electionBackoffMaxUs) + 1);
    }
  }

  private onCheckQuorumTimeout(fx: Effects<Message>): void {
    if (this.role !== 'leader') return;
    // As LeaderState's checkQuorumTimer: it expires 1.5 x fetch timeout after a majority last
    // fetched (noteVoterFetch restarts it), not at fixed intervals. A quorum of one never expires.
    if (this.config.voters.length === 1) this.quorumContactUs = fx.nowUs;
    const expiresUs = this.quorumContactUs + this.checkQuorumTimeoutUs();
    if (fx.nowUs < expiresUs) {
      fx.setTimer(TIMER_CHECK_QUORUM, expiresUs - fx.nowUs);
      return;
    }
    fx.note(
      `${this.self} resigns as leader of epoch ${this.epoch}: no fetch from a majority of voters for ${Math.round(this.checkQuorumTimeoutUs() / 1000)}ms`,
    );
    this.resign(fx);
  }

  /** LeaderState.updateCheckQuorumForFollowingVoter: a majority (this leader included) restarts the check. */
  private noteVoterFetch(replica: string, fx: Effects<Message>): void {
    this.fetchedSinceCheck.add(replica);
    if (this.fetchedSinceCheck.size >= Math.floor(this.config.voters.length / 2)) {
      this.fetchedSinceCheck.clear();
      this.quorumContactUs = fx.nowUs;
    }
  }

  private resign(fx: Effects<Message>): void {
    this.role = 'resigned';
    this.setLeader(null, fx);
    this.answerAllParked(fx);
    fx.cancelTimer(TIMER_CHECK_QUORUM);
    fx.cancelTimer(TIMER_BEGIN_EPOCH);
    for (const voter of this.config.voters) {
      if (voter === this.self) continue;
      const request: EndQuorumEpochRequest = { type: 'RaftEndQuorumEpoch', bytes: RAFT_HEADER_BYTES + 8, epoch: this.epoch, leader: this.self };
      fx.send(voter, request);
    }
    this.listener.onResign?.(this.epoch, fx);
    this.armElectionTimer(fx);
  }

  /** A higher epoch was seen: forget the leader and the vote; wait (voters) or look (observers). */
  private becomeUnattached(epoch: number, fx: Effects<Message>): void {
    const wasLeader = this.role === 'leader';
    const ledEpoch = this.epoch;
    this.disk.quorum.epoch = epoch;
    this.disk.quorum.votedFor = null;
    this.role = 'unattached';
    this.votes = new Set();
    this.setLeader(null, fx);
    if (wasLeader) {
      this.answerAllParked(fx);
      fx.cancelTimer(TIMER_CHECK_QUORUM);
      fx.cancelTimer(TIMER_BEGIN_EPOCH);
      this.listener.onResign?.(ledEpoch, fx);
    }
    if (this.isVoter) this.armElectionTimer(fx);
  }

  private becomeFollower(epoch: number, leader: string, fx: Effects<Message>): void {
    if (epoch > this.epoch) this.becomeUnattached(epoch, fx);
    if (this.role === 'follower' && this.leader === leader) return;
    if (this.role === 'leader') return; // cannot follow another leader of our own epoch
    this.role = 'follower';
    this.backingOff = false;
    this.electionRetries = 0;
    fx.cancelTimer(TIMER_ELECTION);
    this.setLeader(leader, fx);
    this.fetchInFlight = false;
    this.fetchTarget = leader;
    fx.setTimer(TIMER_FETCH, this.config.fetchTimeoutUs);
    this.sendFetch(fx);
  }

  private setLeader(leader: string | null, fx: Effects<Message>): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.listener.onLeaderChange?.(leader, this.epoch, fx);
  }

  // ---- fetching (follower and observer side) --------------------------------------------------

  private sendFetch(fx: Effects<Message>): void {
    if (this.fetchInFlight || this.role === 'leader' || this.role === 'candidate') return;
    let target = this.role === 'follower' ? this.leader : this.fetchTarget;
    if (target === null || target === this.self) {
      if (this.isVoter) return; // voters wait for an election or a BeginQuorumEpoch
      const others = this.config.voters.filter((voter) => voter !== this.self);
      target = fx.prng.pick(others);
    }
    this.fetchTarget = target;
    const log = this.disk.log;
    const request: FetchRequest = {
      type: 'RaftFetch',
      bytes: RAFT_HEADER_BYTES + 32,
      epoch: this.epoch,
      replica: this.self,
      fetchOffset: log.endOffset,
      lastFetchedEpoch: log.lastEpoch,
    };
    this.fetchInFlight = true;
    fx.send(target, request);
    // The leader may hold the fetch for fetchMaxWait; past the request timeout it is lost.
    fx.setTimer(TIMER_REQUEST, this.config.requestTimeoutUs);
    if (!this.isVoter && this.role !== 'follower') fx.setTimer(TIMER_FETCH, this.config.fetchTimeoutUs);
  }

  private onFetchTimeout(fx: Effects<Message>): void {
    if (this.role === 'leader' || this.role === 'candidate') return;
    if (this.isVoter) {
      if (this.role === 'follower') {
        fx.note(`${this.self} heard nothing from leader ${this.leader} for ${Math.round(this.config.fetchTimeoutUs / 1000)}ms`);
        this.becomeCandidate(fx);
      }
      return;
    }
    // An observer lost its leader: look for the leader again, through any voter.
    this.role = 'unattached';
    this.setLeader(null, fx);
    this.fetchInFlight = false;
    this.fetchTarget = null;
    this.sendFetch(fx);
  }

  private handleFetchResponse(from: string, response: FetchResponse<R>, fx: Effects<Message>): void {
    if (from !== this.fetchTarget) return; // an answer to a fetch we gave up on
    // An answer from an older epoch says nothing about this one (Kafka ignores it too): taking it
    // would make a voter that has since voted in a newer epoch follow the old leader in it.
    if (response.epoch < this.epoch) return;
    this.fetchInFlight = false;
    fx.cancelTimer(TIMER_REQUEST);
    if (response.epoch > this.epoch) return this.onNewerEpochAnswer(response.epoch, response.leader, fx);
    if (response.error !== 'NONE') {
      if (response.leader !== null && response.leader !== this.self && response.epoch === this.epoch) {
        this.becomeFollower(response.epoch, response.leader, fx);
      } else if (!this.isVoter) {
        this.fetchTarget = null;
        fx.setTimer(TIMER_REQUEST, this.config.electionTimeoutUs); // try another voter a little later
      }
      return;
    }
    if (this.role !== 'follower' || this.leader !== from) {
      this.becomeFollower(response.epoch, from, fx);
      if (this.fetchInFlight) return; // becomeFollower already sent the next fetch
    }
    fx.setTimer(TIMER_FETCH, this.config.fetchTimeoutUs);
    const log = this.disk.log;
    if (response.divergingEpoch !== null) {
      // Our suffix diverges from the leader's: drop it back to where the epochs agree.
      const ours = log.endOffsetForEpoch(response.divergingEpoch.epoch);
      const truncateTo = Math.min(response.divergingEpoch.offset, ours.offset, log.endOffset);
      const removed = log.truncateTo(Math.max(truncateTo, this.highWatermark));
      if (removed > 0) fx.note(`${this.self} truncated ${removed} uncommitted record${removed === 1 ? '' : 's'} that diverged from leader ${from}`);
      // No high watermark from this answer: what is left may still diverge further back (Kafka
      // updates it only from an answer that accepted the fetch offset).
      this.sendFetch(fx);
      return;
    } else if (response.snapshotId !== null) {
      const request: FetchSnapshotRequest = {
        type: 'RaftFetchSnapshot',
        bytes: RAFT_HEADER_BYTES + 16,
        epoch: this.epoch,
        replica: this.self,
        snapshotId: response.snapshotId,
      };
      this.fetchInFlight = true;
      fx.send(from, request);
      fx.setTimer(TIMER_REQUEST, this.config.requestTimeoutUs);
      return;
    } else if (response.entries.length > 0) {
      if (response.entries[0]!.offset === log.endOffset) log.append(response.entries);
    }
    this.advanceHighWatermark(Math.min(response.highWatermark, log.endOffset), fx);
    this.sendFetch(fx);
  }

  /** A fetch or snapshot answer from a newer epoch: follow the leader it names, or wait (voters) or look (observers). */
  private onNewerEpochAnswer(epoch: number, leader: string | null, fx: Effects<Message>): void {
    if (leader !== null) this.becomeFollower(epoch, leader, fx);
    else this.becomeUnattached(epoch, fx);
    if (!this.isVoter && this.role !== 'follower') {
      this.fetchTarget = null;
      this.sendFetch(fx);
    }
  }

  private handleFetchSnapshotResponse(from: string, response: FetchSnapshotResponse<S>, fx: Effects<Message>): void {
    if (from !== this.fetchTarget) return;
    this.fetchInFlight = false;
    fx.cancelTimer(TIMER_REQUEST);
    if (response.epoch > this.epoch) return this.onNewerEpochAnswer(response.epoch, response.leader, fx);
    // Only a snapshot ahead of our log replaces it (Kafka's truncateToLatestSnapshot): a late answer
    // to a fetch sent again after a timeout may carry one we have already passed, and loading it
    // would take the state machine back in time.
    if (response.error === 'NONE' && response.snapshot !== null && response.snapshot.endOffset > this.disk.log.endOffset) {
      const snapshot = response.snapshot;
      this.disk.log.installSnapshot(snapshot);
      this.machine.load(snapshot);
      this.appliedOffset = snapshot.endOffset;
      this.highWatermark = Math.max(this.highWatermark, snapshot.endOffset);
      this.lastSnapshotOffset = snapshot.endOffset;
      fx.note(`${this.self} loaded a snapshot up to offset ${snapshot.endOffset} from ${from} (its log had moved past us)`);
      fx.setTimer(TIMER_FETCH, this.config.fetchTimeoutUs);
    }
    this.sendFetch(fx);
  }

  // ---- fetching (leader side) -----------------------------------------------------------------

  private handleFetchRequest(from: string, request: FetchRequest, fx: Effects<Message>): void {
    if (request.epoch > this.epoch) this.becomeUnattached(request.epoch, fx);
    if (this.role !== 'leader') {
      this.respondFetchError(from, 'NOT_LEADER_OR_FOLLOWER', fx);
      return;
    }
    if (request.epoch < this.epoch) {
      this.respondFetchError(from, 'FENCED_LEADER_EPOCH', fx);
      return;
    }
    const state = this.progress.get(request.replica);
    if (state !== undefined) {
      // A voter: its fetch offset is its log end, checked against ours below before it counts.
      this.noteVoterFetch(request.replica, fx);
      state.acknowledged = true;
      state.lastFetchUs = fx.nowUs;
    }
    const log = this.disk.log;
    const valid = request.fetchOffset >= log.logStartOffset && log.epochBefore(request.fetchOffset) === request.lastFetchedEpoch && request.fetchOffset <= log.endOffset;
    if (valid && state !== undefined && (state.endOffset === null || request.fetchOffset > state.endOffset)) {
      state.endOffset = request.fetchOffset;
      this.maybeAdvanceLeaderHighWatermark(fx);
    } else if (valid && state !== undefined) {
      state.endOffset = request.fetchOffset;
    }
    // Long poll: a caught-up fetcher who already knows the high watermark waits for news.
    const sentHw = state?.sentHighWatermark ?? this.observerSentHighWatermark.get(request.replica) ?? -1;
    if (valid && request.fetchOffset === log.endOffset && sentHw === this.highWatermark) {
      this.parked.set(request.replica, { from, request });
      fx.setTimer(`${TIMER_PARK_PREFIX}${request.replica}`, this.config.fetchMaxWaitUs);
      return;
    }
    this.answerFetch(from, request, fx);
  }

  private answerFetch(from: string, request: FetchRequest, fx: Effects<Message>): void {
    if (this.role !== 'leader') {
      this.respondFetchError(from, 'NOT_LEADER_OR_FOLLOWER', fx);
      return;
    }
    const log = this.disk.log;
    let entries: readonly LogEntry<R>[] = [];
    let divergingEpoch: OffsetAndEpoch | null = null;
    let snapshotId: OffsetAndEpoch | null = null;
    if (request.fetchOffset < log.logStartOffset) {
      const snapshot = log.snapshot!;
      snapshotId = { offset: snapshot.endOffset, epoch: snapshot.epoch };
    } else if (request.fetchOffset > log.endOffset || log.epochBefore(request.fetchOffset) !== request.lastFetchedEpoch) {
      divergingEpoch = log.endOffsetForEpoch(request.lastFetchedEpoch);
    } else {
      entries = log.read(request.fetchOffset, this.config.fetchMaxBytes);
    }
    const state = this.progress.get(request.replica);
    if (state !== undefined) state.sentHighWatermark = this.highWatermark;
    else this.observerSentHighWatermark.set(request.replica, this.highWatermark);
    let bytes = RAFT_HEADER_BYTES + 32;
    for (const entry of entries) bytes += entry.bytes;
    const response: FetchResponse<R> = {
      type: 'RaftFetchResponse',
      bytes,
      error: 'NONE',
      epoch: this.epoch,
      leader: this.self,
      highWatermark: this.highWatermark,
      entries,
      divergingEpoch,
      snapshotId,
    };
    fx.send(from, response);
  }

  private respondFetchError(to: string, error: FetchError, fx: Effects<Message>): void {
    const response: FetchResponse<R> = {
      type: 'RaftFetchResponse',
      bytes: RAFT_HEADER_BYTES + 16,
      error,
      epoch: this.epoch,
      leader: this.leader,
      highWatermark: -1,
      entries: [],
      divergingEpoch: null,
      snapshotId: null,
    };
    fx.send(to, response);
  }

  private handleFetchSnapshotRequest(from: string, request: FetchSnapshotRequest, fx: Effects<Message>): void {
    if (request.epoch > this.epoch) this.becomeUnattached(request.epoch, fx);
    const snapshot = this.disk.log.snapshot;
    const ok = this.role === 'leader' && request.epoch === this.epoch && snapshot !== null && snapshot.endOffset === request.snapshotId.offset;
    const response: FetchSnapshotResponse<S> = {
      type: 'RaftFetchSnapshotResponse',
      bytes: RAFT_HEADER_BYTES + 16 + (ok ? snapshot!.bytes : 0),
      error: ok ? 'NONE' : this.role !== 'leader' ? 'NOT_LEADER_OR_FOLLOWER' : 'SNAPSHOT_NOT_FOUND',
      epoch: this.epoch,
      leader: this.leader,
      snapshot: ok ? snapshot : null,
    };
    fx.send(from, response);
  }

  private answerAllParked(fx: Effects<Message>): void {
    const parked = [...this.parked.values()];
    this.parked.clear();
    for (const fetch of parked) {
      fx.cancelTimer(`${TIMER_PARK_PREFIX}${fetch.request.replica}`);
      this.answerFetch(fetch.from, fetch.request, fx);
    }
  }

  private onLeaderLogGrew(fx: Effects<Message>): void {
    this.maybeAdvanceLeaderHighWatermark(fx);
    this.answerAllParked(fx);
  }

  /** The largest end offset a majority of voters has reached, once past this epoch's start. */
  private maybeAdvanceLeaderHighWatermark(fx: Effects<Message>): void {
    const ends: number[] = [this.disk.log.endOffset];
    for (const state of this.progress.values()) ends.push(state.endOffset ?? -1);
    ends.sort((a, b) => b - a);
    const candidate = ends[Math.floor(this.config.voters.length / 2)]!;
    if (candidate > this.epochStartOffset && candidate > this.highWatermark) {
      this.advanceHighWatermark(candidate, fx);
      this.answerAllParked(fx);
    }
  }

  // ---- commit and apply -----------------------------------------------------------------------

  private advanceHighWatermark(offset: number, fx: Effects<Message>): void {
    if (offset <= this.highWatermark) return;
    this.highWatermark = offset;
    const log = this.disk.log;
    while (this.appliedOffset < this.highWatermark) {
      if (this.appliedOffset < log.logStartOffset) {
        this.machine.load(log.snapshot!);
        this.appliedOffset = log.snapshot!.endOffset;
        continue;
      }
      const entry = log.entryAt(this.appliedOffset);
      if (entry === undefined) break;
      this.machine.apply(entry, fx);
      this.appliedOffset++;
    }
    this.maybeSnapshot();
  }

  /**
   * Every snapshotEveryRecords applied records, a snapshot of the state machine; the log keeps the
   * entries of one interval behind it, so a follower that lags a little still fetches entries.
   */
  private maybeSnapshot(): void {
    if (this.appliedOffset - this.lastSnapshotOffset < this.config.snapshotEveryRecords) return;
    const log = this.disk.log;
    const epoch = log.epochBefore(this.appliedOffset);
    if (epoch === null) return;
    const state = this.machine.snapshot();
    log.takeSnapshot({ endOffset: this.appliedOffset, epoch, data: state.data, bytes: state.bytes });
    log.compactTo(this.lastSnapshotOffset);
    this.lastSnapshotOffset = this.appliedOffset;
  }

  // ---- views ----------------------------------------------------------------------------------

  private progressOf(id: string): LeaderProgress {
    const state = this.progress.get(id);
    if (state === undefined) throw new Error(`${this.self}: ${id} is not a voter of epoch ${this.epoch}`);
    return state;
  }

  view(): RaftView {
    const log = this.disk.log;
    return {
      role: this.role,
      isVoter: this.isVoter,
      epoch: this.epoch,
      leader: this.leader,
      votedFor: this.disk.quorum.votedFor,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.endOffset,
      highWatermark: this.highWatermark,
      appliedOffset: this.appliedOffset,
      snapshotEndOffset: log.snapshot?.endOffset ?? null,
      votes: this.role === 'candidate' ? [...this.votes] : [],
      voterProgress:
        this.role === 'leader'
          ? [...this.progress].map(([id, state]) => ({ id, endOffset: state.endOffset, lastFetchUs: state.lastFetchUs }))
          : [],
    };
  }
}
