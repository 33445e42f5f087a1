// The quorum controller, one per controller process (Kafka's QuorumController with its
// ClusterControlManager, BrokerHeartbeatManager and ReplicationControlManager, in one component).
//
// Every controller replays committed metadata records into its image (standby controllers are
// hot). The one whose raft node leads the quorum becomes active once its LeaderChange record is
// committed (so it has replayed everything earlier): it copies the committed image into an
// active image, and from then on each operation appends records to the metadata log and replays
// them into the active image at once (Kafka replays on append and reverts on resignation; here
// the active image is simply dropped). Replies wait until their records are committed.
//
// Rules, as Kafka's:
//   registration   a new RegisterBroker record per broker incarnation; the broker epoch is its
//                  offset; a new registration starts fenced.
//   unfencing      a fenced broker that heartbeats with a metadata offset at or past its
//                  registration record is unfenced; offline partitions whose ISR holds it, it leads.
//   fencing        a broker silent for broker.session.timeout.ms is fenced, removed from every
//                  ISR (an ISR never becomes empty: its last member stays, KIP-841) and loses
//                  leadership to the next in-sync, usable replica, or to none (offline) unless
//                  unclean.leader.election.enable lets any usable replica lead.
//   shutdown       a broker asking to shut down leaves every ISR and leadership first, then is
//                  told it may stop, and is fenced.
//   sessions       a newly active controller gives every broker a full session from its start.
//
// Majority-quorum mode (config "dataReplication": "quorum", for the cluster or a topic; the
// contrast, Kafka has no such mode):
//   a leader that is fenced, restarts or shuts down leaves its partitions leaderless; every
//   FENCE_CHECK_INTERVAL_US the controller runs an election for each leaderless partition. It asks
//   each usable replica where its log ends (ReplicaLogEnd, the fields of a Raft Vote request,
//   KIP-595); answering fences the replica against the old leader epoch. Once a majority of the
//   replicas has answered, the one with the largest (last epoch, log end offset) leads: every
//   committed record is on a majority, that majority meets the one that answered, and the Raft
//   up-to-date rule (Raft thesis §3.6.1) picks a log holding them all. Fewer than a majority
//   usable: the partition stays offline (the price of the majority rule). Unclean election does
//   not exist in this mode. The controller asks rather than keeping log ends from heartbeats: a
//   heartbeat's figure is stale by the time an election needs it, and a stale figure can pick a
//   replica that misses a committed record. Unanswered elections are asked again after
//   MAJORITY_ELECTION_RETRY_US; a newly active controller starts its own.

import type { DataReplication } from '../config';
import type { Effects, Message } from '../sim/process';
import type { TimeUs } from '../sim/time';
import type { LogEntry } from '../raft/log';
import { MetadataImage, type PartitionState } from './image';
import type {
  AlterConfigsCommand,
  AlterPartitionRequest,
  AlterPartitionResponse,
  BrokerHeartbeatRequest,
  BrokerHeartbeatResponse,
  BrokerRegistrationRequest,
  BrokerRegistrationResponse,
  ControllerRequest,
  CreateTopicsRequest,
  ReplicaLogEndRequest,
  ReplicaLogEndResponse,
} from './messages';
import { placeReplicas } from './placement';
import { createTopicProblem } from '../load-actions';
import { recordBytes, type LeaderId, type MetadataRecord, type PartitionChangeRecord } from './records';

const TIMER_FENCE_CHECK = 'controller:fence-check';
const TIMER_IDLE = 'controller:noop';
/** How often the active controller looks for brokers whose session expired. */
export const FENCE_CHECK_INTERVAL_US = 250_000;
/** Majority-quorum mode: an election without a majority of answers this long is asked again. */
export const MAJORITY_ELECTION_RETRY_US = 1_000_000;
/** Bytes of a controller RPC header. */
const RPC_BYTES = 64;

export interface ControllerSettings {
  readonly brokerSessionTimeoutUs: TimeUs;
  /** metadata.max.idle.interval.ms: the active controller writes a NoOp when idle this long. */
  readonly idleIntervalUs: TimeUs;
  readonly uncleanLeaderElection: boolean;
  /** Per topic: "isr" (Kafka) or "quorum" (leaders elected by a majority of the replicas; see the header). */
  readonly dataReplication: (topic: string) => DataReplication;
  /** Topics the cluster starts with, created once every configured broker is up. */
  readonly topics: readonly {
    readonly name: string;
    readonly partitions: number;
    readonly replicationFactor: number;
    readonly config?: Readonly<Record<string, number | boolean | undefined>>;
  }[];
  /** Brokers in the configuration: the cluster is "formed" when all are usable. */
  readonly expectedBrokers: number;
  /** remote.log.storage.system.enable: whether a new topic may set remote.storage.enable (KIP-405). */
  readonly remoteStorageSystemEnabled?: boolean;
}

/** Appends records to the metadata log; returns the offset after the last, or null when not leader. */
export type MetadataWriter = (records: readonly { record: MetadataRecord; bytes: number }[], fx: Effects<Message>) => number | null;

interface PendingReply {
  readonly offset: number;
  readonly to: string;
  readonly message: Message;
}

interface ActiveState {
  readonly epoch: number;
  readonly image: MetadataImage;
  /** Last heartbeat per broker, in simulated time. */
  readonly lastContactUs: Map<string, TimeUs>;
  pending: PendingReply[];
  lastWriteUs: TimeUs;
  /** Majority-quorum mode: elections waiting for answers, by partition key (at most one per leaderless partition). */
  readonly elections: Map<string, MajorityElection>;
}

interface LogEndAnswer {
  readonly lastEpoch: number;
  readonly logEndOffset: number;
}

interface MajorityElection {
  /** The leader epoch the partition is leaderless in: answers for another epoch are stale. */
  readonly leaderEpoch: number;
  readonly sentUs: TimeUs;
  readonly answers: Map<string, LogEndAnswer>;
}

export interface RegistrationView {
  readonly id: string;
  readonly brokerEpoch: number;
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
}

export interface ControllerView {
  readonly active: boolean;
  /** Every registered broker as the committed metadata has it. */
  readonly registrations: readonly RegistrationView[];
  readonly activeEpoch: number | null;
  readonly brokers: number;
  readonly fencedBrokers: number;
  readonly topics: number;
  readonly partitions: number;
  readonly offlinePartitions: number;
  /** Partitions led by each broker, as the committed metadata has it. */
  readonly leaderCounts: Readonly<Record<string, number>>;
  readonly appliedOffset: number;
}

/** The part of ControllerView the metrics' series read each simulated second (QuorumController.reading). */
export type ControllerReading = Pick<ControllerView, 'active' | 'activeEpoch' | 'appliedOffset' | 'offlinePartitions'>;

export class QuorumController {
  /** Committed state, the same on every controller. */
  readonly image = new MetadataImage();
  private active: ActiveState | null = null;
  /** Set when this member leads the quorum but has not yet seen its LeaderChange committed. */
  private claimingEpoch: number | null = null;

  constructor(
    private readonly self: string,
    private readonly settings: ControllerSettings,
    private readonly write: MetadataWriter,
  ) {}

  get isActive(): boolean {
    return this.active !== null;
  }

  /** The image operations read: the active one (with uncommitted writes) or the committed one. */
  get currentImage(): MetadataImage {
    return this.active?.image ?? this.image;
  }

  // ---- raft callbacks -------------------------------------------------------------------------

  /** A committed record, in offset order. */
  applyCommitted(entry: LogEntry<MetadataRecord>, fx: Effects<Message>): void {
    this.image.replay(entry.record, entry.offset);
    const record = entry.record;
    if (record.type === 'LeaderChange' && record.leader === this.self && record.epoch === this.claimingEpoch) {
      this.activate(record.epoch, fx);
    }
    if (this.active !== null) this.flushReplies(entry.offset + 1, fx);
  }

  onBecomeLeader(epoch: number): void {
    this.claimingEpoch = epoch;
  }

  onResign(fx: Effects<Message>): void {
    this.claimingEpoch = null;
    if (this.active === null) return;
    const pending = this.active.pending;
    this.active = null;
    fx.cancelTimer(TIMER_FENCE_CHECK);
    fx.cancelTimer(TIMER_IDLE);
    for (const reply of pending) fx.send(reply.to, notController(reply.message));
  }

  private activate(epoch: number, fx: Effects<Message>): void {
    this.claimingEpoch = null;
    const image = this.image.clone();
    const lastContactUs = new Map<string, TimeUs>();
    for (const id of image.brokers.keys()) lastContactUs.set(id, fx.nowUs);
    this.active = { epoch, image, lastContactUs, pending: [], lastWriteUs: fx.nowUs, elections: new Map() };
    fx.note(`${this.self} is the active controller (epoch ${epoch}), with ${image.brokers.size} brokers and ${image.partitionCount} partitions already in memory`);
    fx.setTimer(TIMER_FENCE_CHECK, FENCE_CHECK_INTERVAL_US);
    fx.setTimer(TIMER_IDLE, this.settings.idleIntervalUs);
    this.maybeCreateTopics(fx);
  }

  // ---- timers ---------------------------------------------------------------------------------

  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (key === TIMER_FENCE_CHECK) {
      if (this.active !== null) {
        this.fenceStaleBrokers(fx);
        this.runMajorityElections(fx);
        fx.setTimer(TIMER_FENCE_CHECK, FENCE_CHECK_INTERVAL_US);
      }
      return true;
    }
    if (key === TIMER_IDLE) {
      const active = this.active;
      if (active !== null) {
        if (fx.nowUs - active.lastWriteUs >= this.settings.idleIntervalUs) this.append([{ type: 'NoOp' }], fx);
        fx.setTimer(TIMER_IDLE, this.settings.idleIntervalUs);
      }
      return true;
    }
    return false;
  }

  // ---- requests -------------------------------------------------------------------------------

  handleRequest(from: string, request: ControllerRequest, fx: Effects<Message>): void {
    if (request.type === 'CreateTopics') return this.handleCreateTopics(request, fx);
    if (this.active === null) {
      fx.send(from, notController(request));
      return;
    }
    switch (request.type) {
      case 'BrokerRegistration':
        return this.handleBrokerRegistration(from, request, fx);
      case 'BrokerHeartbeat':
        return this.handleBrokerHeartbeat(from, request, fx);
      case 'AlterPartition':
        return this.handleAlterPartition(from, request, fx);
    }
  }

  private handleBrokerRegistration(from: string, request: BrokerRegistrationRequest, fx: Effects<Message>): void {
    const active = this.active!;
    const existing = active.image.brokers.get(request.brokerId);
    active.lastContactUs.set(request.brokerId, fx.nowUs);
    if (existing !== undefined && existing.incarnation === request.incarnation) {
      // A retry of a registration already written: answer once it is committed.
      this.replyAfter(existing.registeredAtOffset + 1, from, registrationResponse('NONE', existing.brokerEpoch), fx);
      return;
    }
    const brokerEpoch = this.nextOffset();
    // A new incarnation of a registered broker restarted, maybe after losing unflushed writes: its old
    // life leaves every ISR and leadership first, as when fenced (Kafka's unclean shutdown handling, KIP-966).
    const restarted = existing !== undefined ? this.moveAway(request.brokerId, `${request.brokerId} restarted (new incarnation)`) : [];
    const offset = this.append([...restarted, { type: 'RegisterBroker', brokerId: request.brokerId, brokerEpoch, rack: request.rack, incarnation: request.incarnation }], fx);
    if (offset === null) return;
    fx.note(`${this.self} registered ${request.brokerId} (broker epoch ${brokerEpoch}); it stays fenced until it has caught up`);
    this.replyAfter(offset, from, registrationResponse('NONE', brokerEpoch), fx);
  }

  private handleBrokerHeartbeat(from: string, request: BrokerHeartbeatRequest, fx: Effects<Message>): void {
    const active = this.active!;
    const broker = active.image.brokers.get(request.brokerId);
    if (broker === undefined || broker.brokerEpoch !== request.brokerEpoch) {
      fx.send(from, heartbeatResponse('STALE_BROKER_EPOCH', false, true, false));
      return;
    }
    active.lastContactUs.set(request.brokerId, fx.nowUs);
    const caughtUp = request.metadataOffset >= broker.registeredAtOffset + 1;
    let offset = this.nextOffset();
    if (request.wantShutdown) {
      if (!broker.fenced && !broker.inControlledShutdown) {
        const changes = this.moveAway(request.brokerId, 'controlled shutdown');
        offset = this.append([{ type: 'BrokerRegistrationChange', brokerId: broker.id, brokerEpoch: broker.brokerEpoch, inControlledShutdown: true }, ...changes], fx) ?? offset;
        fx.note(`${this.self}: ${broker.id} asked to shut down; ${changes.length} partition change${changes.length === 1 ? '' : 's'} move leadership and ISR away from it`);
      }
      const leadsNothing = ![...active.image.partitions()].some((partition) => partition.leader === broker.id);
      if (leadsNothing && !broker.fenced) {
        offset = this.append([{ type: 'FenceBroker', brokerId: broker.id, brokerEpoch: broker.brokerEpoch, reason: 'controlled shutdown complete' }], fx) ?? offset;
      }
      this.replyAfter(offset, from, heartbeatResponse('NONE', caughtUp, true, leadsNothing), fx);
      return;
    }
    if (broker.fenced && caughtUp) {
      const changes = this.electForReturningBroker(broker.id);
      offset = this.append([{ type: 'UnfenceBroker', brokerId: broker.id, brokerEpoch: broker.brokerEpoch }, ...changes], fx) ?? offset;
      fx.note(`${this.self} unfenced ${broker.id}: it has caught up with the metadata log${changes.length > 0 ? `; it now leads ${changes.length} partition${changes.length === 1 ? '' : 's'} that had no leader` : ''}`);
      this.replyAfter(offset, from, heartbeatResponse('NONE', true, false, false), fx);
      this.maybeCreateTopics(fx);
      return;
    }
    fx.send(from, heartbeatResponse('NONE', caughtUp, broker.fenced, false));
  }

  private handleAlterPartition(from: string, request: AlterPartitionRequest, fx: Effects<Message>): void {
    const image = this.active!.image;
    const broker = image.brokers.get(request.brokerId);
    const state = image.partition(request.topic, request.partition);
    const respond = (error: AlterPartitionResponse['error']): void => {
      fx.send(from, alterResponse(error, request));
    };
    if (broker === undefined || broker.brokerEpoch !== request.brokerEpoch) return respond('STALE_BROKER_EPOCH');
    if (state === undefined) return respond('UNKNOWN_TOPIC_OR_PARTITION');
    if (state.leader !== request.brokerId) return respond('NOT_LEADER_OR_FOLLOWER');
    if (state.leaderEpoch !== request.leaderEpoch) return respond('FENCED_LEADER_EPOCH');
    if (state.partitionEpoch !== request.partitionEpoch) return respond('INVALID_UPDATE_VERSION');
    // KIP-841: only unfenced brokers, not shutting down, may join an ISR.
    if (request.newIsr.some((id) => !state.isr.includes(id) && !image.isUsableBroker(id))) return respond('INELIGIBLE_REPLICA');
    const offset = this.append([{ type: 'PartitionChange', topicId: state.topicId, partition: state.partition, isr: request.newIsr, reason: `AlterPartition from leader ${request.brokerId}` }], fx);
    if (offset === null) return respond('NOT_CONTROLLER');
    this.replyAfter(offset, from, alterResponse('NONE', request), fx);
  }

  // ---- dynamic configuration ------------------------------------------------------------------

  /**
   * IncrementalAlterConfigs from an admin: a Config record. When unclean election becomes
   * allowed, offline partitions it now covers get a leader at once (as KRaft does since KIP-704).
   */
  handleAlterConfigs(command: AlterConfigsCommand, fx: Effects<Message>): void {
    if (this.active === null) {
      fx.note(`${this.self} cannot set ${command.name}: it is not the active controller any more`);
      return;
    }
    const changes: MetadataRecord[] = [{ type: 'Config', resource: command.resource, name: command.name, value: command.value }];
    this.append(changes, fx);
    const elected = this.electOfflineUnclean();
    this.append(elected, fx);
    fx.note(
      `${this.self} set ${command.name}=${command.value ?? '(default)'} for ${command.resource === 'cluster' ? 'the cluster' : command.resource.replace('topic:', 'topic ')}` +
        (elected.length > 0 ? `; ${elected.length} offline partition${elected.length === 1 ? '' : 's'} got a leader by unclean election` : ''),
    );
  }

  /** unclean.leader.election.enable for a topic: its own setting, else the cluster's, else the static config. */
  private uncleanAllowed(topic: string): boolean {
    const configs = this.currentImage.configs;
    const value = configs.get(`topic:${topic}/unclean.leader.election.enable`) ?? configs.get('cluster/unclean.leader.election.enable');
    return value === undefined ? this.settings.uncleanLeaderElection : value === 'true';
  }

  private electOfflineUnclean(): PartitionChangeRecord[] {
    const image = this.active!.image;
    const changes: PartitionChangeRecord[] = [];
    for (const state of image.partitions()) {
      if (state.leader !== null || !this.uncleanAllowed(state.topic)) continue;
      if (this.quorum(state.topic)) continue; // no unclean election with a majority rule
      if (state.replicas.some((id) => state.isr.includes(id) && image.isUsableBroker(id))) continue; // a clean choice will come
      const leader = state.replicas.find((id) => image.isUsableBroker(id));
      if (leader === undefined) continue;
      changes.push({
        type: 'PartitionChange',
        topicId: state.topicId,
        partition: state.partition,
        leader,
        isr: [leader],
        leaderRecoveryState: 'RECOVERING',
        reason: `unclean election: ${leader} was not in the ISR`,
      });
    }
    return changes;
  }

  // ---- fencing and elections ------------------------------------------------------------------

  private fenceStaleBrokers(fx: Effects<Message>): void {
    const active = this.active!;
    for (const broker of [...active.image.brokers.values()]) {
      if (broker.fenced) continue;
      const lastUs = active.lastContactUs.get(broker.id) ?? fx.nowUs;
      if (fx.nowUs - lastUs <= this.settings.brokerSessionTimeoutUs) continue;
      const silentMs = Math.round((fx.nowUs - lastUs) / 1000);
      const changes = this.moveAway(broker.id, `${broker.id} fenced`);
      this.append([{ type: 'FenceBroker', brokerId: broker.id, brokerEpoch: broker.brokerEpoch, reason: `no heartbeat for ${silentMs}ms` }, ...changes], fx);
      const offline = changes.filter((change) => change.leader === null).length;
      fx.note(
        `${this.self} fenced ${broker.id}: no heartbeat for ${silentMs}ms (broker.session.timeout.ms ${Math.round(this.settings.brokerSessionTimeoutUs / 1000)}); ` +
          `${changes.length} partition change${changes.length === 1 ? '' : 's'}${offline > 0 ? `, ${offline} partition${offline === 1 ? '' : 's'} left without a leader` : ''}`,
      );
    }
  }

  /** Partition changes that take `brokerId` out of every ISR and leadership. */
  private moveAway(brokerId: string, reason: string): PartitionChangeRecord[] {
    const image = this.active!.image;
    const changes: PartitionChangeRecord[] = [];
    for (const state of image.partitions()) {
      if (!state.isr.includes(brokerId) && state.leader !== brokerId) continue;
      const isr = state.isr.length > 1 ? state.isr.filter((id) => id !== brokerId) : state.isr;
      const change: { isr?: readonly string[]; leader?: LeaderId; leaderRecoveryState?: 'RECOVERING' } = {};
      if (isr !== state.isr) change.isr = isr;
      if (state.leader === brokerId && this.quorum(state.topic)) {
        change.leader = null; // a majority election follows (runMajorityElections)
      } else if (state.leader === brokerId) {
        change.leader = this.electLeader(state, isr, brokerId);
        if (change.leader !== null && !isr.includes(change.leader)) {
          // Unclean: the new leader was not in sync; it alone is the ISR now (KIP-704).
          change.isr = [change.leader];
          change.leaderRecoveryState = 'RECOVERING';
        }
      }
      if (change.isr === undefined && change.leader === undefined) continue;
      changes.push({ type: 'PartitionChange', topicId: state.topicId, partition: state.partition, ...change, reason });
    }
    return changes;
  }

  /** The first replica, in replica order, that is in the ISR and usable; with unclean election, any usable replica. */
  private electLeader(state: PartitionState, isr: readonly string[], excluded: string | null): LeaderId {
    const image = this.active!.image;
    const usable = (id: string): boolean => id !== excluded && image.isUsableBroker(id);
    const clean = state.replicas.find((id) => isr.includes(id) && usable(id));
    if (clean !== undefined) return clean;
    if (this.uncleanAllowed(state.topic)) return state.replicas.find(usable) ?? null;
    return null;
  }

  /** When a broker is unfenced: offline partitions it can lead get it as leader. */
  private electForReturningBroker(brokerId: string): PartitionChangeRecord[] {
    const image = this.active!.image;
    const changes: PartitionChangeRecord[] = [];
    for (const state of image.partitions()) {
      if (state.leader !== null || !state.replicas.includes(brokerId)) continue;
      if (this.quorum(state.topic)) continue; // leaderless, it waits for a majority election
      if (state.isr.includes(brokerId)) {
        changes.push({ type: 'PartitionChange', topicId: state.topicId, partition: state.partition, leader: brokerId, reason: `${brokerId} is back and in the ISR` });
      } else if (this.uncleanAllowed(state.topic)) {
        changes.push({
          type: 'PartitionChange',
          topicId: state.topicId,
          partition: state.partition,
          leader: brokerId,
          isr: [brokerId],
          leaderRecoveryState: 'RECOVERING',
          reason: `unclean election: ${brokerId} was not in the ISR`,
        });
      }
    }
    return changes;
  }

  // ---- majority elections (dataReplication "quorum") ----------------------------------------

  /** Asks the usable replicas of each leaderless partition where their logs end (again, if unanswered too long). */
  private runMajorityElections(fx: Effects<Message>): void {
    const active = this.active!;
    for (const [key, election] of [...active.elections]) {
      const state = this.partitionByKey(key);
      if (state === undefined || state.leader !== null || state.leaderEpoch !== election.leaderEpoch) active.elections.delete(key);
    }
    if (active.image.offlinePartitions === 0) return;
    for (const state of active.image.partitions()) {
      if (state.leader !== null || !this.quorum(state.topic)) continue;
      // Ask only once the leaderless epoch is committed: answering fences a replica against the
      // older epochs, and an uncommitted change lost in a controller failover could leave the old
      // leader in place with followers that no longer follow it.
      const committed = this.image.partition(state.topic, state.partition);
      if (committed === undefined || committed.leader !== null || committed.leaderEpoch !== state.leaderEpoch) continue;
      const key = `${state.topic}-${state.partition}`;
      const running = active.elections.get(key);
      if (running !== undefined && fx.nowUs - running.sentUs < MAJORITY_ELECTION_RETRY_US) continue;
      const usable = state.replicas.filter((id) => active.image.isUsableBroker(id));
      if (usable.length < majorityOf(state.replicas.length)) {
        active.elections.delete(key);
        continue; // unavailable until a majority is back: the price of the majority rule
      }
      active.elections.set(key, { leaderEpoch: state.leaderEpoch, sentUs: fx.nowUs, answers: new Map() });
      const request: ReplicaLogEndRequest = { type: 'ReplicaLogEnd', bytes: RPC_BYTES + 16, topic: state.topic, partition: state.partition, leaderEpoch: state.leaderEpoch };
      for (const id of usable) fx.send(id, request);
    }
  }

  /** A replica's log end: once a majority of the replicas answered, the most up-to-date of them leads. */
  handleReplicaLogEndResponse(response: ReplicaLogEndResponse, fx: Effects<Message>): void {
    const active = this.active;
    if (active === null) return;
    const key = `${response.topic}-${response.partition}`;
    const election = active.elections.get(key);
    const state = active.image.partition(response.topic, response.partition);
    if (election === undefined || state === undefined || state.leader !== null || election.leaderEpoch !== response.leaderEpoch) return;
    if (response.leaderEpoch !== state.leaderEpoch || !state.replicas.includes(response.brokerId) || !active.image.isUsableBroker(response.brokerId)) return;
    election.answers.set(response.brokerId, { lastEpoch: response.lastEpoch, logEndOffset: response.logEndOffset });
    if (election.answers.size < majorityOf(state.replicas.length)) return;
    // Replica order breaks ties, so the same answers elect the same leader.
    let winner: string | null = null;
    let best: LogEndAnswer | null = null;
    for (const id of state.replicas) {
      const answer = election.answers.get(id);
      if (answer === undefined) continue;
      if (best === null || compareLogEnds(answer, best) > 0) {
        winner = id;
        best = answer;
      }
    }
    active.elections.delete(key);
    // The ISR is only shown in this mode: the winner and the answers whose logs end where its does.
    const isr = state.replicas.filter((id) => {
      const answer = election.answers.get(id);
      return id === winner || (answer !== undefined && compareLogEnds(answer, best!) === 0);
    });
    const asked = [...election.answers.entries()].map(([id, answer]) => `${id} (epoch ${answer.lastEpoch}, offset ${answer.logEndOffset})`).join(', ');
    this.append([{ type: 'PartitionChange', topicId: state.topicId, partition: state.partition, leader: winner!, isr, reason: `majority election: ${asked}` }], fx);
    fx.note(`${this.self} elected ${winner} leader of ${key} by majority: ${election.answers.size} of ${state.replicas.length} replicas answered (${asked}); its log is the most up to date`);
  }

  private quorum(topic: string): boolean {
    return this.settings.dataReplication(topic) === 'quorum';
  }

  private partitionByKey(key: string): PartitionState | undefined {
    const cut = key.lastIndexOf('-');
    return this.active!.image.partition(key.slice(0, cut), Number(key.slice(cut + 1)));
  }

  // ---- topics ---------------------------------------------------------------------------------

  /** Creates the configured topics once the initial brokers are all up (as an operator would). */
  private maybeCreateTopics(fx: Effects<Message>): void {
    const active = this.active;
    if (active === null) return;
    const missing = this.settings.topics.filter((topic) => !active.image.topicsByName.has(topic.name));
    if (missing.length === 0) return;
    const usable = [...active.image.brokers.values()].filter((broker) => !broker.fenced && !broker.inControlledShutdown);
    if (usable.length < this.settings.expectedBrokers) return;
    const records: MetadataRecord[] = [];
    for (const topic of missing) {
      // Kafka starts each topic's striping at a random broker; so does this, from the controller's PRNG.
      const start = fx.prng.int(usable.length);
      const assignments = placeReplicas(usable, topic.partitions, topic.replicationFactor, start);
      records.push({ type: 'Topic', name: topic.name, topicId: topic.name });
      for (const [name, value] of Object.entries(topic.config ?? {})) {
        if (value !== undefined) records.push({ type: 'Config', resource: `topic:${topic.name}`, name, value: String(value) });
      }
      assignments.forEach((replicas, partition) => {
        records.push({ type: 'Partition', topicId: topic.name, partition, replicas, isr: replicas, leader: replicas[0]!, leaderEpoch: 0, partitionEpoch: 0 });
      });
    }
    this.append(records, fx);
    const partitions = missing.reduce((sum, topic) => sum + topic.partitions, 0);
    fx.note(`${this.self} created ${missing.map((topic) => topic.name).join(', ')}: ${partitions} partitions placed across racks`);
  }

  /**
   * An internal topic a broker needs (__consumer_offsets): created once, with the replication
   * factor capped at the usable brokers (Kafka enforces offsets.topic.replication.factor strictly;
   * a playground with fewer brokers would otherwise never get its groups). Not active, or the topic
   * exists: nothing to do; the broker asks again if it still lacks it.
   */
  private handleCreateTopics(request: CreateTopicsRequest, fx: Effects<Message>): void {
    if (request.admin !== undefined) return this.handleAdminCreateTopics(request, request.admin.configs, fx);
    const active = this.active;
    if (active === null || active.image.topicsByName.has(request.name)) return;
    const usable = [...active.image.brokers.values()].filter((broker) => !broker.fenced && !broker.inControlledShutdown);
    if (usable.length === 0) return;
    const replicationFactor = Math.min(request.replicationFactor, usable.length);
    const assignments = placeReplicas(usable, request.partitions, replicationFactor, fx.prng.int(usable.length));
    const records: MetadataRecord[] = [{ type: 'Topic', name: request.name, topicId: request.name }];
    assignments.forEach((replicas, partition) => {
      records.push({ type: 'Partition', topicId: request.name, partition, replicas, isr: replicas, leader: replicas[0]!, leaderEpoch: 0, partitionEpoch: 0 });
    });
    this.append(records, fx);
    fx.note(`${this.self} created ${request.name} (${request.partitions} partitions, replication factor ${replicationFactor}) for the group coordinator`);
  }

  /**
   * A person's CreateTopics (ReplicationControlManager.createTopics): refused with Kafka's error
   * code and message (createTopicProblem), else the Topic, its Config records and its Partition
   * records in one batch, replicas striped over the usable brokers from a random start
   * (StripedReplicaPlacer). The refusal or the creation is told in the event log.
   */
  private handleAdminCreateTopics(request: CreateTopicsRequest, configs: readonly { name: string; value: string }[], fx: Effects<Message>): void {
    const active = this.active;
    if (active === null) {
      fx.note(`${this.self} refused CreateTopics ${request.name}: NOT_CONTROLLER: this controller is not active; ask again`);
      return;
    }
    const usable = [...active.image.brokers.values()].filter((broker) => !broker.fenced && !broker.inControlledShutdown);
    const remote = configs.some((config) => config.name === 'remote.storage.enable' && config.value === 'true');
    const problem = createTopicProblem(
      { name: request.name, partitions: request.partitions, replicationFactor: request.replicationFactor, 'remote.storage.enable': remote },
      active.image.topicsByName.keys(),
      usable.length,
      this.settings.remoteStorageSystemEnabled === true,
    );
    if (problem !== null) {
      fx.note(`${this.self} refused CreateTopics ${request.name}: ${problem.code}: ${problem.message}`);
      return;
    }
    const assignments = placeReplicas(usable, request.partitions, request.replicationFactor, fx.prng.int(usable.length));
    const records: MetadataRecord[] = [{ type: 'Topic', name: request.name, topicId: request.name }];
    for (const config of configs) records.push({ type: 'Config', resource: `topic:${request.name}`, name: config.name, value: config.value });
    assignments.forEach((replicas, partition) => {
      records.push({ type: 'Partition', topicId: request.name, partition, replicas, isr: replicas, leader: replicas[0]!, leaderEpoch: 0, partitionEpoch: 0 });
    });
    this.append(records, fx);
    const minIsr = configs.find((config) => config.name === 'min.insync.replicas');
    const warning =
      minIsr !== undefined && Number(minIsr.value) > request.replicationFactor
        ? `; min.insync.replicas=${minIsr.value} is above the replication factor, which Kafka accepts, so every acks=all produce to it will fail NOT_ENOUGH_REPLICAS`
        : '';
    fx.note(`${this.self} created ${request.name}: ${request.partitions} partition${request.partitions === 1 ? '' : 's'}, replication factor ${request.replicationFactor}, placed across racks${warning}`);
  }

  // ---- writing --------------------------------------------------------------------------------

  private nextOffset(): number {
    return this.currentImage.nextOffset;
  }

  /** Appends records and replays them into the active image. Returns the offset after the last. */
  private append(records: readonly MetadataRecord[], fx: Effects<Message>): number | null {
    const active = this.active;
    if (active === null || records.length === 0) return null;
    const start = active.image.nextOffset;
    const end = this.write(
      records.map((record) => ({ record, bytes: recordBytes(record) })),
      fx,
    );
    if (end === null) return null;
    if (end !== start + records.length) {
      throw new Error(`${this.self}: the active image expected the log to end at ${start + records.length}, it ends at ${end}`);
    }
    records.forEach((record, index) => active.image.replay(record, start + index));
    active.lastWriteUs = fx.nowUs;
    return end;
  }

  private replyAfter(offset: number, to: string, message: Message, fx: Effects<Message>): void {
    const active = this.active!;
    if (this.image.nextOffset >= offset) {
      fx.send(to, message);
      return;
    }
    active.pending.push({ offset, to, message });
  }

  private flushReplies(committedEnd: number, fx: Effects<Message>): void {
    const active = this.active!;
    if (active.pending.length === 0) return;
    const ready = active.pending.filter((reply) => reply.offset <= committedEnd);
    if (ready.length === 0) return;
    active.pending = active.pending.filter((reply) => reply.offset > committedEnd);
    for (const reply of ready) fx.send(reply.to, reply.message);
  }

  /** What the metrics' series read of this controller once per simulated second, without view()'s registrations and leader counts. */
  reading(): ControllerReading {
    return { active: this.active !== null, activeEpoch: this.active?.epoch ?? null, appliedOffset: this.image.nextOffset, offlinePartitions: this.image.offlinePartitions };
  }

  view(): ControllerView {
    const image = this.image;
    let fenced = 0;
    for (const broker of image.brokers.values()) if (broker.fenced) fenced++;
    return {
      active: this.active !== null,
      registrations: [...image.brokers.values()].map((broker) => ({
        id: broker.id,
        brokerEpoch: broker.brokerEpoch,
        fenced: broker.fenced,
        inControlledShutdown: broker.inControlledShutdown,
      })),
      activeEpoch: this.active?.epoch ?? null,
      brokers: image.brokers.size,
      fencedBrokers: fenced,
      topics: image.topicsByName.size,
      partitions: image.partitionCount,
      offlinePartitions: image.offlinePartitions,
      leaderCounts: Object.fromEntries(image.leaderCounts()),
      appliedOffset: image.nextOffset,
    };
  }
}

/** The smallest number of replicas that is more than half of `replicas`. */
export function majorityOf(replicas: number): number {
  return Math.floor(replicas / 2) + 1;
}

/** Raft's up-to-date order (thesis §3.6.1): the later last epoch wins, then the longer log. */
export function compareLogEnds(a: LogEndAnswer, b: LogEndAnswer): number {
  return a.lastEpoch !== b.lastEpoch ? a.lastEpoch - b.lastEpoch : a.logEndOffset - b.logEndOffset;
}

function registrationResponse(error: BrokerRegistrationResponse['error'], brokerEpoch: number): BrokerRegistrationResponse {
  return { type: 'BrokerRegistrationResponse', bytes: RPC_BYTES, error, brokerEpoch };
}

function heartbeatResponse(error: BrokerHeartbeatResponse['error'], isCaughtUp: boolean, isFenced: boolean, shouldShutDown: boolean): BrokerHeartbeatResponse {
  return { type: 'BrokerHeartbeatResponse', bytes: RPC_BYTES, error, isCaughtUp, isFenced, shouldShutDown };
}

function alterResponse(error: AlterPartitionResponse['error'], request: { topic: string; partition: number }): AlterPartitionResponse {
  return { type: 'AlterPartitionResponse', bytes: RPC_BYTES, error, topic: request.topic, partition: request.partition };
}

function notController(request: Message): Message {
  switch (request.type) {
    case 'BrokerRegistration':
    case 'BrokerRegistrationResponse':
      return registrationResponse('NOT_CONTROLLER', -1);
    case 'AlterPartition':
    case 'AlterPartitionResponse':
      return alterResponse('NOT_CONTROLLER', request as AlterPartitionRequest);
    default:
      return heartbeatResponse('NOT_CONTROLLER', false, true, false);
  }
}
