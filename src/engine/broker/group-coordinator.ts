// The classic group coordinator (Kafka's GroupCoordinator and GroupMetadataManager, before KIP-848),
// one per broker. A group lives in the __consumer_offsets partition abs(hash(group.id)) % 50; the
// leader of that partition is the group's coordinator. Offsets and group metadata are records
// appended to that partition through the ReplicaManager and answered once the high watermark passes
// them (acks=all); a broker that becomes the partition's leader loads its groups from its log
// (GroupMetadataManager.loadGroupsForPartition) and answers COORDINATOR_LOAD_IN_PROGRESS until the
// records it loaded are committed.
//
// A group's states and transitions (GroupMetadata.scala's validPreviousStates):
//   Empty               --JoinGroup (a new member)--> PreparingRebalance (group.initial.rebalance.delay.ms first)
//   PreparingRebalance  --every member rejoined, or the rebalance timeout--> CompletingRebalance
//                       (generation + 1, JoinGroup answered; the leader gets every subscription)
//                       --no member left--> Empty (generation + 1)
//   CompletingRebalance --the leader's SyncGroup, its record committed--> Stable (assignments sent)
//                       --a member leaves or expires, or a member's subscription changes--> PreparingRebalance
//   Stable              --a new member joins, the leader rejoins, a subscription changes, a member
//                       leaves or misses session.timeout.ms of heartbeats--> PreparingRebalance
//   any                 --this broker stops leading the offsets partition--> Dead (dropped)
//
// Never: answers a commit before its record is committed, trusts its in-memory groups after its
// leadership of the offsets partition changed, or keeps more than GROUPS_MAX groups or
// MEMBERS_PER_GROUP_MAX members.

import type { MetadataImage } from '../controller/image';
import type { CreateTopicsRequest } from '../controller/messages';
import type { Effects, Message } from '../sim/process';
import { US_PER_SECOND, formatSpan, type TimeUs } from '../sim/time';
import {
  OFFSETS_TOPIC,
  offsetsPartitionFor,
  type CommittedOffset,
  type FindCoordinatorResponse,
  type GroupErrorCode,
  type GroupMetadataRecord,
  type GroupRequest,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type LeaveGroupRequest,
  type LeaveGroupResponse,
  type OffsetCommitRecord,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type Subscription,
  type SyncGroupRequest,
  type SyncGroupResponse,
} from './group-protocol';
import { DATA_HEADER_BYTES } from './protocol';
import type { ReplicaManager } from './replica-manager';

const TIMER_SESSION = 'gc:session:';
const TIMER_JOIN = 'gc:join:';
const TIMER_APPEND = 'gc:append:';
/** Groups one coordinator holds at most; a JoinGroup for a new group beyond it is refused (COORDINATOR_NOT_AVAILABLE). */
export const GROUPS_MAX = 10_000;
/** Members of one group at most (Kafka's group.max.size defaults to unbounded; a bound is ours). */
export const MEMBERS_PER_GROUP_MAX = 1_000;
/** Appends waiting for the high watermark at most, per broker. */
export const PENDING_APPENDS_MAX = 100_000;
/** A broker asks the controller for __consumer_offsets at most this often. */
const CREATE_TOPIC_RETRY_US = US_PER_SECOND;
/** Bytes of one internal record (a commit or group metadata): a small fixed size, as records carry no payload bytes. */
const INTERNAL_RECORD_BYTES = 128;

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface CoordinatorSettings {
  /** offsets.topic.num.partitions (50). */
  readonly offsetsTopicPartitions: number;
  /** offsets.topic.replication.factor (3), capped at the broker count. */
  readonly offsetsTopicReplicationFactor: number;
  /** group.initial.rebalance.delay.ms (3000). */
  readonly initialRebalanceDelayUs: TimeUs;
  /** offsets.commit.timeout.ms (5000): a commit not committed by then fails. */
  readonly offsetCommitTimeoutUs: TimeUs;
}

interface Member {
  readonly memberId: string;
  readonly clientId: string;
  sessionTimeoutUs: TimeUs;
  rebalanceTimeoutUs: TimeUs;
  subscription: Subscription;
  assignment: readonly number[];
  /** The client waiting for its JoinGroup answer. */
  awaitingJoin: string | null;
  /** The client waiting for its SyncGroup answer. */
  awaitingSync: string | null;
}

interface Group {
  readonly groupId: string;
  state: GroupState;
  generationId: number;
  protocolName: string | null;
  leader: string | null;
  readonly members: Map<string, Member>;
  /** KIP-394: member ids handed out with MEMBER_ID_REQUIRED, not yet joined with. */
  readonly pendingMembers: Set<string>;
  /** Topic -> partition -> committed offset. */
  readonly offsets: Map<string, Map<number, CommittedOffset>>;
  /** InitialDelayedJoin: a new member joined during the delay, and what is left of the rebalance timeout. */
  initialDelay: { newMemberAdded: boolean; remainingUs: TimeUs } | null;
  nextMemberSerial: number;
}

interface OffsetsPartition {
  readonly index: number;
  readonly leaderEpoch: number;
  /** Loaded records are trusted once the high watermark reaches this offset. */
  readonly loadedUntil: number;
  readonly groups: Map<string, Group>;
}

interface PendingAppend {
  readonly id: number;
  readonly key: string;
  readonly requiredOffset: number;
  readonly done: (error: GroupErrorCode, fx: Effects<Message>) => void;
}

export interface GroupView {
  readonly groupId: string;
  readonly state: GroupState;
  readonly generationId: number;
  readonly protocolName: string | null;
  readonly leader: string | null;
  readonly members: readonly { readonly memberId: string; readonly clientId: string; readonly partitions: readonly number[] }[];
}

export interface CoordinatorView {
  readonly groups: readonly GroupView[];
  readonly rebalances: number;
  readonly loads: number;
}

export class GroupCoordinator {
  private readonly partitions = new Map<number, OffsetsPartition>();
  private readonly pending = new Map<number, PendingAppend>();
  private nextAppendId = 1;
  private createRequestedUs: TimeUs | null = null;
  private rebalances = 0;
  private loads = 0;

  constructor(
    private readonly self: string,
    private readonly settings: CoordinatorSettings,
    private readonly replicas: ReplicaManager,
    private readonly image: MetadataImage,
  ) {}

  handleRequest(from: string, request: GroupRequest, fx: Effects<Message>): void {
    switch (request.type) {
      case 'FindCoordinator':
        return this.handleFindCoordinator(from, request.key, fx);
      case 'JoinGroup':
        return this.handleJoinGroup(from, request, fx);
      case 'SyncGroup':
        return this.handleSyncGroup(from, request, fx);
      case 'Heartbeat':
        return this.handleHeartbeat(from, request, fx);
      case 'LeaveGroup':
        return this.handleLeaveGroup(from, request, fx);
      case 'OffsetCommit':
        return this.handleOffsetCommit(from, request, fx);
      case 'OffsetFetch':
        return this.handleOffsetFetch(from, request, fx);
    }
  }

  // ---- finding and loading ---------------------------------------------------------------------

  private handleFindCoordinator(from: string, groupId: string, fx: Effects<Message>): void {
    const respond = (error: GroupErrorCode, coordinator: string | null): void => {
      const response: FindCoordinatorResponse = { type: 'FindCoordinatorResponse', bytes: DATA_HEADER_BYTES, key: groupId, error, coordinator };
      fx.send(from, response);
    };
    const topic = this.image.topicsByName.get(OFFSETS_TOPIC);
    if (topic === undefined) {
      // Kafka creates the internal topic on the first FindCoordinator (AutoTopicCreationManager).
      this.requestOffsetsTopic(fx);
      return respond('COORDINATOR_NOT_AVAILABLE', null);
    }
    const state = topic.partitions[offsetsPartitionFor(groupId, topic.partitions.length)];
    if (state === undefined || state.leader === null || !this.image.isUsableBroker(state.leader)) return respond('COORDINATOR_NOT_AVAILABLE', null);
    respond('NONE', state.leader);
  }

  private requestOffsetsTopic(fx: Effects<Message>): void {
    const controller = this.replicas.controller;
    if (controller === null) return;
    if (this.createRequestedUs !== null && fx.nowUs - this.createRequestedUs < CREATE_TOPIC_RETRY_US) return;
    this.createRequestedUs = fx.nowUs;
    const request: CreateTopicsRequest = {
      type: 'CreateTopics',
      bytes: DATA_HEADER_BYTES + 32,
      name: OFFSETS_TOPIC,
      partitions: this.settings.offsetsTopicPartitions,
      replicationFactor: this.settings.offsetsTopicReplicationFactor,
    };
    fx.send(controller, request);
  }

  /** The offsets partition holding `groupId`, if this broker coordinates it and has loaded it; else the error to answer. */
  private coordinatorFor(groupId: string, fx: Effects<Message>): OffsetsPartition | GroupErrorCode {
    const topic = this.image.topicsByName.get(OFFSETS_TOPIC);
    if (topic === undefined) return 'NOT_COORDINATOR';
    const index = offsetsPartitionFor(groupId, topic.partitions.length);
    const leader = this.replicas.leaderRead(`${OFFSETS_TOPIC}-${index}`);
    let state = this.partitions.get(index);
    if (leader === null) {
      if (state !== undefined) this.unload(state, fx);
      return 'NOT_COORDINATOR';
    }
    if (state === undefined || state.leaderEpoch !== leader.leaderEpoch) {
      if (state !== undefined) this.unload(state, fx);
      state = this.load(index, leader.leaderEpoch, fx);
    }
    if (leader.highWatermark < state.loadedUntil) return 'COORDINATOR_LOAD_IN_PROGRESS';
    return state;
  }

  /** Replays the partition's log into groups (GroupMetadataManager.loadGroupsForPartition). */
  private load(index: number, leaderEpoch: number, fx: Effects<Message>): OffsetsPartition {
    const log = this.replicas.logOf(OFFSETS_TOPIC, index);
    const groups = new Map<string, Group>();
    let offsetsLoaded = 0;
    for (const batch of log.read(log.logStartOffset, Number.POSITIVE_INFINITY)) {
      const record = batch.payload;
      if (record === undefined) continue;
      if (record.kind === 'offset-commit') {
        const commit = record as OffsetCommitRecord;
        const group = this.groupOrNew(groups, commit.groupId);
        this.storeOffsets(group, commit.topic, commit.offsets);
        offsetsLoaded += commit.offsets.length;
      } else if (record.kind === 'group-metadata') {
        const meta = record as GroupMetadataRecord;
        const group = this.groupOrNew(groups, meta.groupId);
        group.generationId = meta.generationId;
        group.protocolName = meta.protocolName;
        group.leader = meta.leader;
        group.members.clear();
        for (const member of meta.members) {
          group.members.set(member.memberId, { ...member, awaitingJoin: null, awaitingSync: null });
        }
        group.state = group.members.size === 0 ? 'Empty' : 'Stable';
      }
    }
    // Loaded members get a full session from now, as Kafka schedules their heartbeat expiration on load.
    for (const group of groups.values()) for (const member of group.members.values()) this.armSession(group, member, fx);
    const state: OffsetsPartition = { index, leaderEpoch, loadedUntil: log.endOffset, groups };
    this.partitions.set(index, state);
    this.loads++;
    if (groups.size > 0) {
      fx.note(`${this.self} became coordinator for ${OFFSETS_TOPIC}-${index} and loaded ${groups.size} group${groups.size === 1 ? '' : 's'} (${offsetsLoaded} committed offsets) from its log`);
    }
    return state;
  }

  /** This broker no longer leads the partition (or leads it in a new epoch): its groups are Dead here. */
  private unload(state: OffsetsPartition, fx: Effects<Message>): void {
    this.partitions.delete(state.index);
    for (const group of state.groups.values()) {
      group.state = 'Dead';
      for (const member of group.members.values()) fx.cancelTimer(this.sessionTimer(group, member));
      fx.cancelTimer(`${TIMER_JOIN}${group.groupId}`);
    }
    const key = `${OFFSETS_TOPIC}-${state.index}`;
    for (const append of [...this.pending.values()]) {
      if (append.key !== key) continue;
      this.pending.delete(append.id);
      fx.cancelTimer(`${TIMER_APPEND}${append.id}`);
      append.done('NOT_COORDINATOR', fx);
    }
  }

  private groupOrNew(groups: Map<string, Group>, groupId: string): Group {
    let group = groups.get(groupId);
    if (group === undefined) {
      group = {
        groupId,
        state: 'Empty',
        generationId: 0,
        protocolName: null,
        leader: null,
        members: new Map(),
        pendingMembers: new Set(),
        offsets: new Map(),
        initialDelay: null,
        nextMemberSerial: 1,
      };
      groups.set(groupId, group);
    }
    return group;
  }

  private storeOffsets(group: Group, topic: string, offsets: readonly CommittedOffset[]): void {
    let byPartition = group.offsets.get(topic);
    if (byPartition === undefined) group.offsets.set(topic, (byPartition = new Map()));
    for (const offset of offsets) byPartition.set(offset.partition, offset);
  }

  // ---- appends that wait for the high watermark ------------------------------------------------

  /** Appends a record to the group's offsets partition; `done` runs once it is committed, or with the error that stopped it. */
  private append(state: OffsetsPartition, record: OffsetCommitRecord | GroupMetadataRecord, done: PendingAppend['done'], fx: Effects<Message>): void {
    if (this.pending.size >= PENDING_APPENDS_MAX) return done('COORDINATOR_NOT_AVAILABLE', fx);
    const requiredOffset = this.replicas.appendInternal(OFFSETS_TOPIC, state.index, record, INTERNAL_RECORD_BYTES, fx);
    if (requiredOffset === null) return done('NOT_COORDINATOR', fx);
    const key = `${OFFSETS_TOPIC}-${state.index}`;
    const leader = this.replicas.leaderRead(key);
    if (leader !== null && leader.highWatermark >= requiredOffset) return done('NONE', fx);
    const id = this.nextAppendId++;
    this.pending.set(id, { id, key, requiredOffset, done });
    fx.setTimer(`${TIMER_APPEND}${id}`, this.settings.offsetCommitTimeoutUs);
  }

  /** The ReplicaManager's high watermark moved on a partition this broker leads. */
  onHighWatermark(key: string, highWatermark: number, fx: Effects<Message>): void {
    if (this.pending.size === 0 || !key.startsWith(OFFSETS_TOPIC)) return;
    for (const append of [...this.pending.values()]) {
      if (append.key !== key || append.requiredOffset > highWatermark) continue;
      this.pending.delete(append.id);
      fx.cancelTimer(`${TIMER_APPEND}${append.id}`);
      append.done('NONE', fx);
    }
  }

  // ---- JoinGroup --------------------------------------------------------------------------------

  private handleJoinGroup(from: string, request: JoinGroupRequest, fx: Effects<Message>): void {
    const fail = (error: GroupErrorCode, memberId = request.memberId): void => this.sendJoin(from, request.groupId, error, null, memberId, fx);
    const state = this.coordinatorFor(request.groupId, fx);
    if (typeof state === 'string') return fail(state);
    let group = state.groups.get(request.groupId);
    if (group === undefined) {
      if (request.memberId !== '') return fail('UNKNOWN_MEMBER_ID');
      if (this.groupCount() >= GROUPS_MAX) return fail('COORDINATOR_NOT_AVAILABLE');
      group = this.groupOrNew(state.groups, request.groupId);
    }
    if (group.members.size > 0 && group.protocolName !== null && group.protocolName !== request.protocolName) return fail('INCONSISTENT_GROUP_PROTOCOL');
    if (request.memberId === '') {
      if (group.members.size + group.pendingMembers.size >= MEMBERS_PER_GROUP_MAX) return fail('COORDINATOR_NOT_AVAILABLE');
      // KIP-394: a new member is given its id first and must join again with it.
      const memberId = `${request.clientId}-${this.self}-${group.nextMemberSerial++}`;
      group.pendingMembers.add(memberId);
      return fail('MEMBER_ID_REQUIRED', memberId);
    }
    const member = group.members.get(request.memberId);
    if (member === undefined) {
      if (!group.pendingMembers.delete(request.memberId)) return fail('UNKNOWN_MEMBER_ID');
      return this.addMemberAndRebalance(state, group, from, request, fx);
    }
    this.updateMemberAndRebalance(state, group, member, from, request, fx);
  }

  private addMemberAndRebalance(state: OffsetsPartition, group: Group, from: string, request: JoinGroupRequest, fx: Effects<Message>): void {
    const member: Member = {
      memberId: request.memberId,
      clientId: request.clientId,
      sessionTimeoutUs: request.sessionTimeoutUs,
      rebalanceTimeoutUs: request.rebalanceTimeoutUs,
      subscription: request.subscription,
      assignment: [],
      awaitingJoin: from,
      awaitingSync: null,
    };
    group.members.set(member.memberId, member);
    if (group.protocolName === null) group.protocolName = request.protocolName;
    if (group.initialDelay !== null) group.initialDelay.newMemberAdded = true;
    this.armSession(group, member, fx);
    if (group.state === 'PreparingRebalance') this.tryCompleteJoin(state, group, fx);
    else this.prepareRebalance(state, group, `${member.memberId} joined`, fx);
  }

  private updateMemberAndRebalance(state: OffsetsPartition, group: Group, member: Member, from: string, request: JoinGroupRequest, fx: Effects<Message>): void {
    const changed = !sameSubscription(member.subscription, request.subscription);
    member.subscription = request.subscription;
    member.sessionTimeoutUs = request.sessionTimeoutUs;
    member.rebalanceTimeoutUs = request.rebalanceTimeoutUs;
    member.awaitingJoin = from;
    this.armSession(group, member, fx);
    switch (group.state) {
      case 'PreparingRebalance':
        return this.tryCompleteJoin(state, group, fx);
      case 'CompletingRebalance':
      case 'Stable':
        // An unchanged follower that joins again gets the current generation back (a lost answer);
        // the leader or a changed subscription starts a rebalance.
        if (!changed && member.memberId !== group.leader) {
          member.awaitingJoin = null;
          this.sendJoin(from, group.groupId, 'NONE', group, member.memberId, fx);
          return;
        }
        return this.prepareRebalance(state, group, changed ? `${member.memberId} changed its subscription` : `leader ${member.memberId} rejoined`, fx);
      default:
        member.awaitingJoin = null;
        this.sendJoin(from, group.groupId, 'UNKNOWN_MEMBER_ID', null, member.memberId, fx);
    }
  }

  private prepareRebalance(state: OffsetsPartition, group: Group, reason: string, fx: Effects<Message>): void {
    if (group.state === 'CompletingRebalance') {
      // The assignment of the generation in progress will never come: members waiting for it rejoin.
      for (const member of group.members.values()) this.answerSync(group, member, 'REBALANCE_IN_PROGRESS', fx);
    }
    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    this.rebalances++;
    const rebalanceTimeoutUs = this.rebalanceTimeoutOf(group);
    fx.note(`${this.self}: group ${group.groupId} is rebalancing (${reason}); generation ${group.generationId} ends`);
    if (wasEmpty && this.settings.initialRebalanceDelayUs > 0) {
      // Kafka's InitialDelayedJoin: wait for more members before the first generation.
      const delayUs = Math.min(this.settings.initialRebalanceDelayUs, rebalanceTimeoutUs);
      group.initialDelay = { newMemberAdded: false, remainingUs: Math.max(0, rebalanceTimeoutUs - delayUs) };
      fx.setTimer(`${TIMER_JOIN}${group.groupId}`, delayUs);
      return;
    }
    group.initialDelay = null;
    fx.setTimer(`${TIMER_JOIN}${group.groupId}`, rebalanceTimeoutUs);
    this.tryCompleteJoin(state, group, fx);
  }

  private rebalanceTimeoutOf(group: Group): TimeUs {
    let timeoutUs = 0;
    for (const member of group.members.values()) timeoutUs = Math.max(timeoutUs, member.rebalanceTimeoutUs);
    return timeoutUs;
  }

  /** DelayedJoin.tryComplete: every known member has rejoined (and none is still being given its id). */
  private tryCompleteJoin(state: OffsetsPartition, group: Group, fx: Effects<Message>): void {
    if (group.state !== 'PreparingRebalance' || group.initialDelay !== null) return;
    for (const member of group.members.values()) if (member.awaitingJoin === null) return;
    if (group.pendingMembers.size > 0) return;
    fx.cancelTimer(`${TIMER_JOIN}${group.groupId}`);
    this.completeJoin(state, group, fx);
  }

  /** The join phase ends: members that did not rejoin are out; the next generation starts. */
  private completeJoin(state: OffsetsPartition, group: Group, fx: Effects<Message>): void {
    group.initialDelay = null;
    group.pendingMembers.clear();
    for (const member of [...group.members.values()]) {
      if (member.awaitingJoin !== null) continue;
      group.members.delete(member.memberId);
      fx.cancelTimer(this.sessionTimer(group, member));
      fx.note(`${this.self}: ${member.memberId} did not rejoin group ${group.groupId} within the rebalance timeout and is removed`);
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.leader = null;
      group.protocolName = null;
      this.append(state, this.metadataRecord(group), () => undefined, fx);
      return;
    }
    if (group.leader === null || !group.members.has(group.leader)) group.leader = group.members.keys().next().value!;
    group.state = 'CompletingRebalance';
    for (const member of group.members.values()) {
      const to = member.awaitingJoin!;
      member.awaitingJoin = null;
      this.sendJoin(to, group.groupId, 'NONE', group, member.memberId, fx);
      this.armSession(group, member, fx);
    }
  }

  private sendJoin(to: string, groupId: string, error: GroupErrorCode, group: Group | null, memberId: string, fx: Effects<Message>): void {
    const isLeader = group !== null && group.leader === memberId;
    const members = isLeader ? [...group.members.values()].map((member) => ({ memberId: member.memberId, subscription: member.subscription })) : [];
    const response: JoinGroupResponse = {
      type: 'JoinGroupResponse',
      bytes: DATA_HEADER_BYTES + members.length * 48,
      groupId,
      error,
      generationId: group?.generationId ?? -1,
      protocolName: group?.protocolName ?? '',
      leader: group?.leader ?? '',
      memberId,
      members,
    };
    fx.send(to, response);
  }

  // ---- SyncGroup --------------------------------------------------------------------------------

  private handleSyncGroup(from: string, request: SyncGroupRequest, fx: Effects<Message>): void {
    const fail = (error: GroupErrorCode): void => {
      const response: SyncGroupResponse = { type: 'SyncGroupResponse', bytes: DATA_HEADER_BYTES, groupId: request.groupId, error, partitions: [] };
      fx.send(from, response);
    };
    const state = this.coordinatorFor(request.groupId, fx);
    if (typeof state === 'string') return fail(state);
    const group = state.groups.get(request.groupId);
    const member = group?.members.get(request.memberId);
    if (group === undefined || member === undefined) return fail('UNKNOWN_MEMBER_ID');
    if (request.generationId !== group.generationId) return fail('ILLEGAL_GENERATION');
    this.armSession(group, member, fx);
    if (group.state === 'PreparingRebalance') return fail('REBALANCE_IN_PROGRESS');
    if (group.state === 'Stable') {
      member.awaitingSync = from;
      return this.answerSync(group, member, 'NONE', fx);
    }
    if (group.state !== 'CompletingRebalance') return fail('UNKNOWN_MEMBER_ID');
    member.awaitingSync = from;
    if (member.memberId !== group.leader) return;
    const assigned = new Map(request.assignments.map((entry) => [entry.memberId, entry.partitions]));
    for (const each of group.members.values()) each.assignment = assigned.get(each.memberId) ?? [];
    const generationId = group.generationId;
    // The group's metadata is written before anyone gets an assignment (GroupMetadataManager.storeGroup).
    this.append(
      state,
      this.metadataRecord(group),
      (error, fxDone) => {
        if (group.state !== 'CompletingRebalance' || group.generationId !== generationId) return;
        if (error !== 'NONE') {
          for (const each of group.members.values()) this.answerSync(group, each, error === 'NOT_COORDINATOR' ? 'NOT_COORDINATOR' : 'COORDINATOR_NOT_AVAILABLE', fxDone);
          if (group.state === 'CompletingRebalance' && this.partitions.get(state.index) === state) this.prepareRebalance(state, group, 'its assignment could not be stored', fxDone);
          return;
        }
        group.state = 'Stable';
        fxDone.note(`${this.self}: group ${group.groupId} is Stable in generation ${group.generationId} with ${group.members.size} member${group.members.size === 1 ? '' : 's'}`);
        for (const each of group.members.values()) this.answerSync(group, each, 'NONE', fxDone);
      },
      fx,
    );
  }

  private answerSync(group: Group, member: Member, error: GroupErrorCode, fx: Effects<Message>): void {
    if (member.awaitingSync === null) return;
    const response: SyncGroupResponse = {
      type: 'SyncGroupResponse',
      bytes: DATA_HEADER_BYTES + member.assignment.length * 4,
      groupId: group.groupId,
      error,
      partitions: error === 'NONE' ? member.assignment : [],
    };
    fx.send(member.awaitingSync, response);
    member.awaitingSync = null;
  }

  private metadataRecord(group: Group): GroupMetadataRecord {
    return {
      kind: 'group-metadata',
      groupId: group.groupId,
      generationId: group.generationId,
      protocolName: group.protocolName ?? '',
      leader: group.leader,
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        clientId: member.clientId,
        sessionTimeoutUs: member.sessionTimeoutUs,
        rebalanceTimeoutUs: member.rebalanceTimeoutUs,
        subscription: member.subscription,
        assignment: member.assignment,
      })),
    };
  }

  // ---- Heartbeat and LeaveGroup -------------------------------------------------------------------

  private handleHeartbeat(from: string, request: HeartbeatRequest, fx: Effects<Message>): void {
    const respond = (error: GroupErrorCode): void => {
      const response: HeartbeatResponse = { type: 'HeartbeatResponse', bytes: DATA_HEADER_BYTES, groupId: request.groupId, error };
      fx.send(from, response);
    };
    const state = this.coordinatorFor(request.groupId, fx);
    if (typeof state === 'string') return respond(state);
    const group = state.groups.get(request.groupId);
    const member = group?.members.get(request.memberId);
    if (group === undefined || member === undefined) return respond('UNKNOWN_MEMBER_ID');
    if (request.generationId !== group.generationId) return respond('ILLEGAL_GENERATION');
    this.armSession(group, member, fx);
    respond(group.state === 'PreparingRebalance' ? 'REBALANCE_IN_PROGRESS' : 'NONE');
  }

  private handleLeaveGroup(from: string, request: LeaveGroupRequest, fx: Effects<Message>): void {
    const respond = (error: GroupErrorCode): void => {
      const response: LeaveGroupResponse = { type: 'LeaveGroupResponse', bytes: DATA_HEADER_BYTES, groupId: request.groupId, error };
      fx.send(from, response);
    };
    const state = this.coordinatorFor(request.groupId, fx);
    if (typeof state === 'string') return respond(state);
    const group = state.groups.get(request.groupId);
    const member = group?.members.get(request.memberId);
    if (group === undefined || member === undefined) return respond('UNKNOWN_MEMBER_ID');
    respond('NONE');
    this.removeMember(state, group, member, 'left the group', fx);
  }

  private removeMember(state: OffsetsPartition, group: Group, member: Member, why: string, fx: Effects<Message>): void {
    group.members.delete(member.memberId);
    fx.cancelTimer(this.sessionTimer(group, member));
    if (member.awaitingJoin !== null) this.sendJoin(member.awaitingJoin, group.groupId, 'UNKNOWN_MEMBER_ID', null, member.memberId, fx);
    this.answerSync(group, member, 'UNKNOWN_MEMBER_ID', fx);
    const reason = `${member.memberId} ${why}`;
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.prepareRebalance(state, group, reason, fx);
    else if (group.state === 'PreparingRebalance') {
      fx.note(`${this.self}: ${reason} during the rebalance of group ${group.groupId}`);
      if (group.members.size === 0 && group.initialDelay === null) {
        fx.cancelTimer(`${TIMER_JOIN}${group.groupId}`);
        this.completeJoin(state, group, fx);
      } else this.tryCompleteJoin(state, group, fx);
    }
  }

  // ---- offsets ----------------------------------------------------------------------------------

  private handleOffsetCommit(from: string, request: OffsetCommitRequest, fx: Effects<Message>): void {
    const respond = (error: GroupErrorCode, fxNow: Effects<Message>): void => {
      const response: OffsetCommitResponse = { type: 'OffsetCommitResponse', bytes: DATA_HEADER_BYTES, correlationId: request.correlationId, groupId: request.groupId, error };
      fxNow.send(from, response);
    };
    const state = this.coordinatorFor(request.groupId, fx);
    if (typeof state === 'string') return respond(state, fx);
    let group = state.groups.get(request.groupId);
    if (request.generationId < 0 && request.memberId === '') {
      // A commit from outside any generation is accepted only for a group without members.
      if (group === undefined) group = this.groupOrNew(state.groups, request.groupId);
      if (group.members.size > 0) return respond('ILLEGAL_GENERATION', fx);
    } else {
      const member = group?.members.get(request.memberId);
      if (group === undefined || member === undefined) return respond('UNKNOWN_MEMBER_ID', fx);
      if (request.generationId !== group.generationId) return respond('ILLEGAL_GENERATION', fx);
      // Kafka refuses commits between JoinGroup and SyncGroup; during PreparingRebalance a member
      // of the generation may still commit (the eager protocol commits before it rejoins).
      if (group.state === 'CompletingRebalance') return respond('REBALANCE_IN_PROGRESS', fx);
      this.armSession(group, member, fx);
    }
    const target = group;
    const record: OffsetCommitRecord = { kind: 'offset-commit', groupId: request.groupId, topic: request.topic, offsets: request.offsets };
    this.append(
      state,
      record,
      (error, fxDone) => {
        // GroupMetadataManager.storeOffsets: the cache changes only once the record is committed.
        if (error === 'NONE') this.storeOffsets(target, request.topic, request.offsets);
        respond(error, fxDone);
      },
      fx,
    );
  }

  private handleOffsetFetch(from: string, request: OffsetFetchRequest, fx: Effects<Message>): void {
    const respond = (error: GroupErrorCode, offsets: readonly CommittedOffset[]): void => {
      const response: OffsetFetchResponse = {
        type: 'OffsetFetchResponse',
        bytes: DATA_HEADER_BYTES + offsets.length * 16,
        correlationId: request.correlationId,
        groupId: request.groupId,
        error,
        offsets,
      };
      fx.send(from, response);
    };
    const state = this.coordinatorFor(request.groupId, fx);
    if (typeof state === 'string') return respond(state, []);
    const committed = state.groups.get(request.groupId)?.offsets.get(request.topic);
    respond(
      'NONE',
      request.partitions.map((partition) => committed?.get(partition) ?? { partition, offset: -1, leaderEpoch: -1 }),
    );
  }

  // ---- timers -----------------------------------------------------------------------------------

  private sessionTimer(group: Group, member: Member): string {
    return `${TIMER_SESSION}${group.groupId}\u0000${member.memberId}`;
  }

  private armSession(group: Group, member: Member, fx: Effects<Message>): void {
    fx.setTimer(this.sessionTimer(group, member), member.sessionTimeoutUs);
  }

  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (key.startsWith(TIMER_SESSION)) {
      const [groupId, memberId] = key.slice(TIMER_SESSION.length).split('\u0000') as [string, string];
      this.expireMember(groupId, memberId, fx);
    } else if (key.startsWith(TIMER_JOIN)) {
      this.joinTimerFired(key.slice(TIMER_JOIN.length), fx);
    } else if (key.startsWith(TIMER_APPEND)) {
      const append = this.pending.get(Number(key.slice(TIMER_APPEND.length)));
      if (append !== undefined) {
        this.pending.delete(append.id);
        // The high watermark did not pass the record within offsets.commit.timeout.ms: Kafka maps
        // the REQUEST_TIMED_OUT of its append to COORDINATOR_NOT_AVAILABLE (GroupMetadataManager).
        append.done('COORDINATOR_NOT_AVAILABLE', fx);
      }
    } else {
      return false;
    }
    return true;
  }

  private expireMember(groupId: string, memberId: string, fx: Effects<Message>): void {
    const state = this.coordinatorFor(groupId, fx);
    if (typeof state === 'string') return;
    const group = state.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return;
    if (member.awaitingJoin !== null) {
      // A member waiting for its JoinGroup answer is alive (Kafka's shouldKeepAlive).
      this.armSession(group, member, fx);
      return;
    }
    fx.note(`${this.self}: ${memberId} of group ${groupId} sent no heartbeat for ${formatSpan(member.sessionTimeoutUs)} (session.timeout.ms) and is removed`);
    this.removeMember(state, group, member, 'missed its session timeout', fx);
  }

  private joinTimerFired(groupId: string, fx: Effects<Message>): void {
    const state = this.coordinatorFor(groupId, fx);
    if (typeof state === 'string') return;
    const group = state.groups.get(groupId);
    if (group === undefined || group.state !== 'PreparingRebalance') return;
    const delay = group.initialDelay;
    if (delay !== null && delay.newMemberAdded && delay.remainingUs > 0) {
      // InitialDelayedJoin: members are still arriving; wait one more delay, within the rebalance timeout.
      const delayUs = Math.min(this.settings.initialRebalanceDelayUs, delay.remainingUs);
      group.initialDelay = { newMemberAdded: false, remainingUs: delay.remainingUs - delayUs };
      fx.setTimer(`${TIMER_JOIN}${groupId}`, delayUs);
      return;
    }
    this.completeJoin(state, group, fx);
  }

  // ---- views ------------------------------------------------------------------------------------

  private groupCount(): number {
    let count = 0;
    for (const state of this.partitions.values()) count += state.groups.size;
    return count;
  }

  view(): CoordinatorView {
    const groups: GroupView[] = [];
    for (const state of this.partitions.values()) {
      // Only what this broker still coordinates.
      if (this.replicas.leaderRead(`${OFFSETS_TOPIC}-${state.index}`)?.leaderEpoch !== state.leaderEpoch) continue;
      for (const group of state.groups.values()) {
        if (group.members.size === 0 && group.state === 'Empty' && group.generationId === 0) continue;
        groups.push({
          groupId: group.groupId,
          state: group.state,
          generationId: group.generationId,
          protocolName: group.protocolName,
          leader: group.leader,
          members: [...group.members.values()].map((member) => ({ memberId: member.memberId, clientId: member.clientId, partitions: member.assignment })),
        });
      }
    }
    groups.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
    return { groups, rebalances: this.rebalances, loads: this.loads };
  }
}

function sameSubscription(a: Subscription, b: Subscription): boolean {
  if (a.topics.length !== b.topics.length || a.ownedPartitions.length !== b.ownedPartitions.length) return false;
  for (let index = 0; index < a.topics.length; index++) if (a.topics[index] !== b.topics[index]) return false;
  for (let index = 0; index < a.ownedPartitions.length; index++) if (a.ownedPartitions[index] !== b.ownedPartitions[index]) return false;
  return true;
}
