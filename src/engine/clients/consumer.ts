// The consumer client, as Kafka's KafkaConsumer does it with the classic group protocol
// (ConsumerCoordinator over AbstractCoordinator, Fetcher, SubscriptionState), as a sans-I/O
// component: a process's logic hands it the timers it owns (CONSUMER_TIMER_PREFIX) and the responses
// it asked for. It does not model an application's poll loop: records are "consumed" when they
// arrive, so max.poll.interval.ms serves only as the rebalance timeout it sends in JoinGroup.
//
// Its group membership (`GroupPhase`):
//   unjoined --FindCoordinator answered, JoinGroup sent--> joining
//   joining  --MEMBER_ID_REQUIRED--> joining again with the id given (KIP-394)
//            --answered--> syncing (the leader computes the assignment with partition.assignment.strategy)
//   syncing  --assignment--> stable (eager "range": all partitions new; "cooperative-sticky": keeps what
//            it still owns, revokes what moved and rejoins at once for a second rebalance, KIP-429)
//   stable   --Heartbeat/OffsetCommit says REBALANCE_IN_PROGRESS--> unjoined (eager: revokes everything
//            first, committing its positions; cooperative: keeps fetching what it owns)
//            --UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION--> unjoined, its partitions lost (not committed)
//   any      --coordinator error or request.timeout.ms--> unjoined with the coordinator unknown
//   any      --stopUs, or closeNow (remove-consumer)--> left (auto-commit, then LeaveGroup)
// A newly assigned partition's position comes from the group's committed offset (OffsetFetch),
// else from auto.offset.reset (ListOffsets, earliest or latest). Fetches go to each partition's
// leader, one in flight per broker, long-polled there, in a KIP-227 fetch session per broker (Kafka's
// AbstractFetch keeps a FetchSessionHandler per node, fetch-session.ts): the first fetch is FULL,
// the next ones INCREMENTAL, naming only the partitions whose position or leader epoch changed and
// those no longer fetched there (revoked, or led elsewhere now); FETCH_SESSION_ID_NOT_FOUND (the
// broker restarted, or evicted the session) starts over with a FULL fetch, as does a fetch that
// timed out (FetchSessionHandler.handleError: the next one closes the session and opens another).
//
// Never: reads a clock or draws chance outside fx; lets the ledger (an observer) change what it does;
// holds more than PARTITIONS_MAX partitions or one request of each kind per broker in flight.

import type { ErrorCode, LogBatch, MetadataRequest, MetadataResponse } from '../broker/protocol';
import { DATA_HEADER_BYTES } from '../broker/protocol';
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  type CommittedOffset,
  type ConsumerFetchPartition,
  type ConsumerFetchRequest,
  type ConsumerFetchResponse,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
  type GroupErrorCode,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type LeaveGroupRequest,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type SyncGroupRequest,
  type SyncGroupResponse,
} from '../broker/group-protocol';
import { LatencyHistogram, type LatencyView } from '../metrics/histogram';
import { ConsumerFetchSessionHandler } from './fetch-session-client';
import { isControlBatch } from '../broker/replica-manager';
import type { Effects, Message, TimerHandle } from '../sim/process';
import { US_PER_SECOND, formatSpan, type TimeUs } from '../sim/time';
import { assign, type AssignmentStrategy } from './assignors';

export const CONSUMER_TIMER_PREFIX = 'consumer:';
const TIMER_START = 'consumer:start';
const TIMER_STOP = 'consumer:stop';
const TIMER_HEARTBEAT = 'consumer:heartbeat';
const TIMER_COMMIT = 'consumer:auto-commit';
const TIMER_RETRY = 'consumer:retry';
const TIMER_TIMEOUT = 'consumer:timeout:';
/** Partitions of the topic the consumer tracks at most. */
export const PARTITIONS_MAX = 10_000;
/** Kafka's JoinGroup request waits the rebalance timeout plus this (AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE). */
const JOIN_GROUP_TIMEOUT_LAPSE_US = 5_000_000;
/** socket.connection.setup.timeout.ms (10000, KIP-601). */
const CONNECTION_SETUP_TIMEOUT_US = 10_000_000;
/** The records-per-second figure is measured over windows this long. */
const RATE_WINDOW_US = US_PER_SECOND;

export type AutoOffsetReset = 'latest' | 'earliest' | 'none';

export interface ConsumerSettings {
  readonly id: string;
  /** group.id. */
  readonly groupId: string;
  readonly topic: string;
  readonly bootstrap: readonly string[];
  /** partition.assignment.strategy. */
  readonly assignmentStrategy: AssignmentStrategy;
  /** session.timeout.ms (45000). */
  readonly sessionTimeoutUs: TimeUs;
  /** heartbeat.interval.ms (3000). */
  readonly heartbeatIntervalUs: TimeUs;
  /** max.poll.interval.ms (300000): sent as the rebalance timeout. */
  readonly rebalanceTimeoutUs: TimeUs;
  /** enable.auto.commit (true). */
  readonly autoCommit: boolean;
  /** auto.commit.interval.ms (5000). */
  readonly autoCommitIntervalUs: TimeUs;
  /** auto.offset.reset ("latest"). */
  readonly autoOffsetReset: AutoOffsetReset;
  /** fetch.max.wait.ms (500). */
  readonly fetchMaxWaitUs: TimeUs;
  /** fetch.min.bytes (1). */
  readonly fetchMinBytes: number;
  /** max.partition.fetch.bytes (1 MiB). */
  readonly maxPartitionFetchBytes: number;
  /** request.timeout.ms (30000). */
  readonly requestTimeoutUs: TimeUs;
  /** retry.backoff.ms (100). */
  readonly retryBackoffUs: TimeUs;
  readonly startUs: TimeUs;
  readonly stopUs: TimeUs | null;
}

/** An observer of what the consumer reads (the invariant checkers): it never steers. */
export interface ConsumerLedger {
  /**
   * Records [fromOffset, batch end) of `batch`, fetched from the leader in `leaderEpoch` whose high
   * watermark was `highWatermark`. The event is the consumer's own, filled in place for each batch
   * (one per record batch read: no allocation per batch): a ledger copies what it keeps.
   */
  consumed(event: ConsumedEvent): void;
  /** The consumer's position of a partition was set anew (assigned, reset): what follows may repeat earlier offsets. */
  positioned(consumer: string, topic: string, partition: number, offset: number, why: string): void;
}

export interface ConsumedEvent {
  readonly consumer: string;
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly fromOffset: number;
  readonly batch: LogBatch;
  readonly highWatermark: number;
  readonly leaderEpoch: number;
  readonly atUs: TimeUs;
  /**
   * The ledger's own: what it keeps for this consumer, found once and left here (the event is the
   * consumer's for its life), so a batch read costs it no lookup by name. The consumer never reads it.
   */
  ledgerSlot: unknown;
}

/** The consumer's ConsumedEvent, refilled for each batch it hands the ledger. */
type ConsumedScratch = { -readonly [field in keyof ConsumedEvent]: ConsumedEvent[field] };

export type GroupPhase = 'unjoined' | 'joining' | 'syncing' | 'stable' | 'left';

export interface ConsumerErrorView {
  readonly code: string;
  readonly detail: string;
  readonly atUs: TimeUs;
}

export interface ConsumerPartitionView {
  readonly partition: number;
  readonly position: number | null;
  readonly highWatermark: number;
  readonly lag: number;
  readonly leader: string | null;
}

/** A view details this many owned partitions at most (a member of a big topic's group owns hundreds, in every frame). */
export const CONSUMER_VIEW_PARTITIONS_MAX = 32;

/** The part of ConsumerView the metrics' series read each simulated second (Consumer.counters). */
export type ConsumerCounters = Pick<ConsumerView, 'recordsConsumed' | 'recordsLagMax'>;

export interface ConsumerView {
  readonly groupId: string;
  readonly topic: string;
  readonly phase: GroupPhase;
  readonly memberId: string;
  readonly generationId: number;
  readonly coordinator: string | null;
  readonly strategy: AssignmentStrategy;
  /** Every partition it owns, in order. */
  readonly owned: readonly number[];
  /** Position, high watermark and lag of the owned partitions: all of them up to CONSUMER_VIEW_PARTITIONS_MAX, else the most lagging, in partition order. */
  readonly partitions: readonly ConsumerPartitionView[];
  readonly recordsConsumed: number;
  /** Records per second over the last whole second. */
  readonly recordsPerSecond: number;
  /** Kafka's records-lag-max: the largest high watermark - position among its partitions. */
  readonly recordsLagMax: number;
  readonly rebalances: number;
  readonly commits: number;
  readonly lastError: ConsumerErrorView | null;
  /** When it last got an assignment (a completed rebalance): an error older than this is history. */
  readonly assignedAtUs: TimeUs | null;
  /** Consume time minus the batch's creation time. */
  readonly e2eLatencyUs: LatencyView;
}

interface Owned {
  readonly partition: number;
  readonly key: string;
  position: number | null;
  /** What the position waits for: the committed offset, a reset by auto.offset.reset, or nothing. */
  lookup: 'committed' | 'reset' | null;
  highWatermark: number;
  /** The position last committed (or fetched from the group), to commit only what moved. */
  committed: number;
  /** The fetch entry last sent for it, reused while its position and leader epoch stay (it is immutable). */
  fetchEntry: ConsumerFetchPartition | null;
  /** The fetch group it was last grouped in (null: not fetched), and its slot there: a move of its position marks the slot. */
  fetchGroup: FetchGroup | null;
  fetchSlot: number;
}

interface LeaderInfo {
  leader: string | null;
  leaderEpoch: number;
}

/** One leader's share of the fetch: its partitions with the leader epoch each was led in when grouped. */
interface FetchGroup {
  readonly broker: string;
  readonly owned: Owned[];
  readonly leaderEpochs: number[];
  /** The entries of the fetch being built, refilled at each send (the session handler copies what it keeps). */
  readonly next: ConsumerFetchPartition[];
  /** False until the first send fills every slot of `next`; after it, a send refills only the moved slots. */
  filled: boolean;
  /**
   * The slots whose position moved since the last send, the first `movedCount`, ascending and each
   * once (so at most one per slot: sized with the group): an answer moves ~1 of a group's ~8
   * partitions, so a send refills and compares only these. A typed array, emptied by a count.
   */
  movedSlots: Int32Array;
  movedCount: number;
  readonly link: FetchLink;
}

/**
 * What the consumer keeps per broker it fetches from, found once (a group holds its link, so a
 * send or an answer costs no lookup by name): the fetch in flight there, its KIP-227 session
 * (Kafka's AbstractFetch keeps a FetchSessionHandler per node), and its timeout timer.
 */
interface FetchLink {
  readonly broker: string;
  /** The in-flight kind of its fetch ("fetch:broker-2"), naming its timeout timer. */
  readonly kind: string;
  timer: TimerHandle | null;
  /** The correlation id of the fetch in flight there, or -1. */
  inFlightId: number;
  readonly session: ConsumerFetchSessionHandler;
  /** The fetch group of the current grouping whose leader this broker is, or null. */
  group: FetchGroup | null;
  /** True once the broker is known to have answered in this life (`Consumer.connected` has it; never false again). */
  connected: boolean;
  /**
   * The last fetch request sent there, rewritten for the next one once its answer came (the
   * broker is done with a request it answered; one that timed out may still be on its way, so
   * after a timeout the next request is a new object); null before the first.
   */
  request: Mutable<ConsumerFetchRequest> | null;
  requestFree: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface InFlight {
  readonly correlationId: number;
  readonly to: string;
}

function validate(s: ConsumerSettings): void {
  const fail = (text: string): never => {
    throw new Error(`consumer "${s.id}": ${text}`);
  };
  if (s.groupId === '') fail('group.id is empty; a consumer in a group needs one');
  if (s.bootstrap.length === 0) fail('bootstrap.servers is empty; name at least one broker');
  if (s.heartbeatIntervalUs >= s.sessionTimeoutUs) {
    // Kafka's own rule (GroupRebalanceConfig): heartbeats must come well within the session.
    fail(`heartbeat.interval.ms (${formatSpan(s.heartbeatIntervalUs)}) must be lower than session.timeout.ms (${formatSpan(s.sessionTimeoutUs)})`);
  }
  if (s.stopUs !== null && s.stopUs < s.startUs) fail(`stop (${formatSpan(s.stopUs)}) comes before start (${formatSpan(s.startUs)})`);
}

export class Consumer {
  private running = false;
  private phase: GroupPhase = 'unjoined';
  private readonly leaders = new Map<number, LeaderInfo>();
  private partitionCount = 0;
  private metadataInFlight: InFlight | null = null;
  private metadataWanted = true;
  private coordinator: string | null = null;
  /** The coordinator last found, for notes only when it changes. */
  private lastCoordinator: string | null = null;
  private findInFlight: InFlight | null = null;
  private memberId = '';
  private generationId = -1;
  private groupInFlight: InFlight | null = null;
  private heartbeatInFlight: InFlight | null = null;
  private commitInFlight: InFlight | null = null;
  private offsetFetchInFlight: InFlight | null = null;
  private listOffsetsInFlight: InFlight | null = null;
  /** Per broker fetched from this life (bounded by the cluster's brokers). */
  private readonly fetchLinks = new Map<string, FetchLink>();
  private readonly owned = new Map<number, Owned>();
  /**
   * The owned partitions that have a position and a known leader, grouped by leader in the order
   * of `owned` (what sendFetches sends): rebuilt only after `ownedChanged()`, which every change to
   * the assignment, the leaders or a position's presence calls, not at every fetch.
   */
  private fetchGroups: FetchGroup[] | null = null;
  /**
   * The one link whose fetch ended (answered or timed out) since the last sendFetches, or null; with
   * `scanAllGroups`, more than one did. After a send every group has its fetch in flight, so an
   * answer makes one group ready, and sendFetches sends there without looking at the others.
   */
  private readyLink: FetchLink | null = null;
  private scanAllGroups = false;
  /** `owned` by partition number (what an answer looks up), rebuilt after `ownedChanged()`. */
  private ownedIndex: (Owned | undefined)[] | null = null;
  /** True once every owned partition has a position (no offset lookup to do) until `ownedChanged()`. */
  private allPositioned = false;
  /** Per request kind, its timeout timer's handle (`fx.timer`), asked for once. */
  private readonly timeoutTimers = new Map<string, TimerHandle>();
  /** Not before this time: the next FindCoordinator / JoinGroup / metadata / offset lookup after a failure. */
  private backoffUntilUs: TimeUs = 0;
  private correlationId = 0;
  private bootstrapIndex = 0;
  /** Brokers whose last request timed out: asked for metadata or a coordinator only when no other is left (Kafka's leastLoadedNode skips disconnected nodes). */
  private readonly suspects = new Set<string>();
  /** Brokers that answered at least once in this life (bounded by the bootstrap list and the cluster's brokers). */
  private readonly connected = new Set<string>();
  /** When the coordinator last answered a heartbeat (Kafka's Heartbeat.sessionTimeoutExpired counts from here). */
  private lastHeartbeatOkUs: TimeUs = 0;

  private recordsConsumed = 0;
  private rebalances = 0;
  private commits = 0;
  private windowStartUs: TimeUs = 0;
  private windowRecords = 0;
  private lastRatePerSecond = 0;
  private lastError: ConsumerErrorView | null = null;
  private assignedAtUs: TimeUs | null = null;
  private readonly latency = new LatencyHistogram();
  private readonly consumedEvent: ConsumedScratch;

  constructor(
    private readonly settings: ConsumerSettings,
    private readonly ledger: ConsumerLedger,
  ) {
    validate(settings);
    this.consumedEvent = { consumer: settings.id, groupId: settings.groupId, topic: settings.topic, partition: 0, fromOffset: 0, batch: null as unknown as LogBatch, highWatermark: 0, leaderEpoch: 0, atUs: 0, ledgerSlot: null };
  }

  start(fx: Effects<Message>): void {
    if (this.settings.stopUs !== null && fx.nowUs >= this.settings.stopUs) {
      this.phase = 'left';
      return;
    }
    if (fx.nowUs < this.settings.startUs) fx.setTimer(TIMER_START, this.settings.startUs - fx.nowUs);
    else this.begin(fx);
    if (this.settings.stopUs !== null) fx.setTimer(TIMER_STOP, this.settings.stopUs - fx.nowUs);
  }

  private begin(fx: Effects<Message>): void {
    this.running = true;
    this.windowStartUs = fx.nowUs;
    fx.setTimer(TIMER_HEARTBEAT, this.settings.heartbeatIntervalUs);
    if (this.settings.autoCommit) fx.setTimer(TIMER_COMMIT, this.settings.autoCommitIntervalUs);
    this.act(fx);
  }

  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (!key.startsWith(CONSUMER_TIMER_PREFIX)) return false;
    if (key === TIMER_START) this.begin(fx);
    else if (key === TIMER_STOP) this.close(fx);
    else if (!this.running) return true;
    else if (key === TIMER_HEARTBEAT) {
      fx.setTimer(TIMER_HEARTBEAT, this.settings.heartbeatIntervalUs);
      if (this.phase === 'stable' && this.coordinator !== null && fx.nowUs - this.lastHeartbeatOkUs > this.settings.sessionTimeoutUs) {
        // The coordinator has surely given up on this member: find it again rather than wait for request.timeout.ms.
        this.error('SESSION_TIMED_OUT', `no heartbeat answered by ${this.coordinator} for session.timeout.ms (${formatSpan(this.settings.sessionTimeoutUs)})`, fx);
        if (this.heartbeatInFlight !== null) this.suspects.add(this.heartbeatInFlight.to);
        this.coordinatorUnknown(fx);
        this.act(fx);
      }
      this.sendHeartbeat(fx);
    } else if (key === TIMER_COMMIT) {
      fx.setTimer(TIMER_COMMIT, this.settings.autoCommitIntervalUs);
      this.commitPositions(fx);
    } else if (key === TIMER_RETRY) {
      this.act(fx);
    } else if (key.startsWith(TIMER_TIMEOUT)) {
      this.requestTimedOut(key.slice(TIMER_TIMEOUT.length), fx);
    }
    return true;
  }

  /** Returns false for a message this component does not handle; `type` is the message's, as the kernel gives it (see ProcessLogic.receive). */
  handleMessage(from: string, message: Message, fx: Effects<Message>, type: string = message.type): boolean {
    if (!this.running) return CONSUMER_MESSAGES.has(type);
    if (this.suspects.size !== 0) this.suspects.delete(from);
    // A fetch answer marks its broker connected through its link, found anyway (handleFetchResponse).
    if (type !== 'FetchResponse') this.connected.add(from);
    switch (type) {
      case 'FetchResponse': // first: nearly every message a consumer gets
        this.handleFetchResponse(from, message as ConsumerFetchResponse, fx);
        break;
      case 'MetadataResponse':
        this.handleMetadataResponse(from, message as MetadataResponse, fx);
        break;
      case 'FindCoordinatorResponse':
        this.handleFindCoordinatorResponse(from, message as FindCoordinatorResponse, fx);
        break;
      case 'JoinGroupResponse':
        this.handleJoinGroupResponse(from, message as JoinGroupResponse, fx);
        break;
      case 'SyncGroupResponse':
        this.handleSyncGroupResponse(from, message as SyncGroupResponse, fx);
        break;
      case 'HeartbeatResponse':
        this.handleHeartbeatResponse(from, message as HeartbeatResponse, fx);
        break;
      case 'OffsetCommitResponse':
        this.handleOffsetCommitResponse(from, message as OffsetCommitResponse, fx);
        break;
      case 'OffsetFetchResponse':
        this.handleOffsetFetchResponse(from, message as OffsetFetchResponse, fx);
        break;
      case 'ListOffsetsResponse':
        this.handleListOffsetsResponse(from, message as ListOffsetsResponse, fx);
        break;
      case 'LeaveGroupResponse':
        break;
      default:
        return false;
    }
    this.act(fx);
    return true;
  }

  // ---- the loop ---------------------------------------------------------------------------------

  /** Sends whatever is due and allowed now. */
  private act(fx: Effects<Message>): void {
    if (!this.running) return;
    const backingOff = fx.nowUs < this.backoffUntilUs;
    if (this.metadataWanted && this.metadataInFlight === null && !backingOff) this.sendMetadata(fx);
    if (this.partitionCount > 0 && !backingOff) {
      if (this.coordinator === null) {
        if (this.findInFlight === null) this.sendFindCoordinator(fx);
      } else if (this.phase === 'unjoined' && this.groupInFlight === null) {
        this.sendJoinGroup(fx);
      }
      if (this.phase === 'stable') this.lookUpPositions(fx);
    }
    this.sendFetches(fx);
  }

  private backOff(fx: Effects<Message>): void {
    this.backoffUntilUs = fx.nowUs + this.settings.retryBackoffUs;
    fx.setTimer(TIMER_RETRY, this.settings.retryBackoffUs);
  }

  private send(to: string, kind: string, request: Message, timeoutUs: TimeUs, fx: Effects<Message>): InFlight {
    this.sendAndArm(to, this.timeoutTimer(kind, fx), request, timeoutUs, fx);
    return { correlationId: this.correlationId, to };
  }

  /**
   * Sends a request and arms its timeout timer (`connected`: whether `to` answered in this life;
   * `type` and `bytes`: the request's, from a caller that knows its shape, see Effects.send).
   */
  private sendAndArm(to: string, timer: TimerHandle, request: Message, timeoutUs: TimeUs, fx: Effects<Message>, connected = this.connected.has(to), type?: string, bytes?: number): void {
    fx.send(to, request, type, bytes);
    // A broker never heard from in this life has no connection yet: KIP-601's
    // socket.connection.setup.timeout.ms (10 s) gives up on it sooner than request.timeout.ms.
    const waitUs = connected ? timeoutUs : Math.min(timeoutUs, CONNECTION_SETUP_TIMEOUT_US);
    fx.arm(timer, waitUs);
  }

  private answered(kind: string, fx: Effects<Message>): void {
    fx.disarm(this.timeoutTimer(kind, fx));
  }

  /** The request timeout of `kind` as a timer handle (this object lives one life, as its handles do). */
  private timeoutTimer(kind: string, fx: Effects<Message>): TimerHandle {
    let handle = this.timeoutTimers.get(kind);
    if (handle === undefined) this.timeoutTimers.set(kind, (handle = fx.timer(`${TIMER_TIMEOUT}${kind}`)));
    return handle;
  }

  private fetchLink(broker: string): FetchLink {
    let link = this.fetchLinks.get(broker);
    if (link === undefined) this.fetchLinks.set(broker, (link = { broker, kind: `fetch:${broker}`, timer: null, inFlightId: -1, session: new ConsumerFetchSessionHandler(), group: null, connected: false, request: null, requestFree: false }));
    return link;
  }

  private requestTimedOut(kind: string, fx: Effects<Message>): void {
    const to = this.inFlightOf(kind)?.to;
    if (to !== undefined) this.suspects.add(to);
    const waited = to !== undefined && !this.connected.has(to) ? `socket.connection.setup.timeout.ms (${formatSpan(CONNECTION_SETUP_TIMEOUT_US)})` : `request.timeout.ms (${formatSpan(this.settings.requestTimeoutUs)})`;
    this.error('REQUEST_TIMED_OUT', `no answer from ${to ?? 'the broker'} to ${kind} within ${waited}`, fx);
    if (kind === 'metadata') {
      this.metadataInFlight = null;
    } else if (kind.startsWith('fetch:')) {
      const link = this.fetchLink(kind.slice('fetch:'.length));
      this.fetchEnded(link);
      // FetchSessionHandler.handleError: the next fetch there closes the session and opens a new one.
      link.session.handleError();
      this.metadataWanted = true;
    } else if (kind === 'find-coordinator') {
      this.findInFlight = null;
      this.backOff(fx);
    } else if (kind === 'list-offsets') {
      this.listOffsetsInFlight = null;
      this.metadataWanted = true;
    } else {
      // Kafka marks the coordinator unknown when a request to it times out.
      this.coordinatorUnknown(fx);
    }
    this.act(fx);
  }

  private inFlightOf(kind: string): InFlight | null | undefined {
    if (kind.startsWith('fetch:')) {
      const link = this.fetchLinks.get(kind.slice('fetch:'.length));
      return link === undefined || link.inFlightId < 0 ? null : { correlationId: link.inFlightId, to: link.broker };
    }
    const byKind: Record<string, InFlight | null> = {
      metadata: this.metadataInFlight,
      'find-coordinator': this.findInFlight,
      'join-group': this.groupInFlight,
      'sync-group': this.groupInFlight,
      heartbeat: this.heartbeatInFlight,
      'offset-commit': this.commitInFlight,
      'offset-fetch': this.offsetFetchInFlight,
      'list-offsets': this.listOffsetsInFlight,
    };
    return byKind[kind];
  }

  /** A broker to ask for metadata or the coordinator: the next bootstrap broker not suspected, if any. */
  private nextBootstrap(): string {
    const brokers = this.settings.bootstrap;
    for (let tries = 0; tries < brokers.length; tries++) {
      const broker = brokers[this.bootstrapIndex++ % brokers.length]!;
      if (!this.suspects.has(broker)) return broker;
    }
    this.suspects.clear();
    return brokers[this.bootstrapIndex++ % brokers.length]!;
  }

  private error(code: string, detail: string, fx: Effects<Message>): void {
    this.lastError = { code, detail, atUs: fx.nowUs };
  }

  // ---- metadata ---------------------------------------------------------------------------------

  private sendMetadata(fx: Effects<Message>): void {
    const to = this.nextBootstrap();
    const request: MetadataRequest = { type: 'Metadata', bytes: DATA_HEADER_BYTES, topics: [this.settings.topic] };
    this.metadataInFlight = this.send(to, 'metadata', request, this.settings.requestTimeoutUs, fx);
  }

  private handleMetadataResponse(from: string, response: MetadataResponse, fx: Effects<Message>): void {
    if (this.metadataInFlight?.to !== from) return;
    this.metadataInFlight = null;
    this.answered('metadata', fx);
    const mine = response.partitions.filter((part) => part.topic === this.settings.topic && part.partition < PARTITIONS_MAX);
    if (mine.length === 0) {
      this.error('UNKNOWN_TOPIC_OR_PARTITION', `${from} knows no topic ${this.settings.topic} yet`, fx);
      this.bootstrapIndex++;
      this.backOff(fx);
      return;
    }
    this.metadataWanted = mine.some((part) => part.leader === null);
    this.partitionCount = Math.max(this.partitionCount, ...mine.map((part) => part.partition + 1));
    for (const part of mine) this.leaders.set(part.partition, { leader: part.leader, leaderEpoch: part.leaderEpoch });
    this.ownedChanged();
    if (this.metadataWanted) this.backOff(fx);
  }

  // ---- the coordinator and the group -------------------------------------------------------------

  private sendFindCoordinator(fx: Effects<Message>): void {
    const to = this.nextBootstrap();
    const request: FindCoordinatorRequest = { type: 'FindCoordinator', bytes: DATA_HEADER_BYTES, key: this.settings.groupId };
    this.findInFlight = this.send(to, 'find-coordinator', request, this.settings.requestTimeoutUs, fx);
  }

  private handleFindCoordinatorResponse(from: string, response: FindCoordinatorResponse, fx: Effects<Message>): void {
    if (this.findInFlight?.to !== from) return;
    this.findInFlight = null;
    this.answered('find-coordinator', fx);
    if (response.error !== 'NONE' || response.coordinator === null) {
      this.error(response.error, `no coordinator for group ${this.settings.groupId} yet (${from} says ${response.error})`, fx);
      this.backOff(fx);
      return;
    }
    if (this.lastCoordinator !== response.coordinator) fx.note(`${this.settings.id}: group ${this.settings.groupId}'s coordinator is ${response.coordinator}`);
    this.coordinator = response.coordinator;
    this.lastCoordinator = response.coordinator;
    // A new session clock with a newly found coordinator (AbstractCoordinator resets its heartbeat timer).
    this.lastHeartbeatOkUs = fx.nowUs;
  }

  /** AbstractCoordinator.markCoordinatorUnknown: requests to it are abandoned and the group is joined again. */
  private coordinatorUnknown(fx: Effects<Message>): void {
    this.coordinator = null;
    for (const kind of ['join-group', 'sync-group', 'heartbeat', 'offset-commit', 'offset-fetch']) fx.cancelTimer(`${TIMER_TIMEOUT}${kind}`);
    this.groupInFlight = null;
    this.heartbeatInFlight = null;
    this.commitInFlight = null;
    this.offsetFetchInFlight = null;
    for (const owned of this.owned.values()) if (owned.lookup === 'committed' && owned.position === null) owned.lookup = null;
    if (this.phase === 'joining' || this.phase === 'syncing') this.phase = 'unjoined';
    this.backOff(fx);
  }

  private subscriptionOwned(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  private sendJoinGroup(fx: Effects<Message>): void {
    const request: JoinGroupRequest = {
      type: 'JoinGroup',
      bytes: DATA_HEADER_BYTES + 64 + this.owned.size * 4,
      groupId: this.settings.groupId,
      memberId: this.memberId,
      clientId: this.settings.id,
      sessionTimeoutUs: this.settings.sessionTimeoutUs,
      rebalanceTimeoutUs: this.settings.rebalanceTimeoutUs,
      protocolName: this.settings.assignmentStrategy,
      subscription: { topics: [this.settings.topic], ownedPartitions: this.subscriptionOwned(), generation: this.generationId },
    };
    this.phase = 'joining';
    this.groupInFlight = this.send(this.coordinator!, 'join-group', request, Math.max(this.settings.requestTimeoutUs, this.settings.rebalanceTimeoutUs + JOIN_GROUP_TIMEOUT_LAPSE_US), fx);
  }

  private handleJoinGroupResponse(from: string, response: JoinGroupResponse, fx: Effects<Message>): void {
    if (this.phase !== 'joining' || this.groupInFlight?.to !== from) return;
    this.groupInFlight = null;
    this.answered('join-group', fx);
    const error = response.error;
    if (error === 'MEMBER_ID_REQUIRED') {
      this.memberId = response.memberId;
      this.phase = 'unjoined';
      return; // act() joins again at once, with the id
    }
    if (error !== 'NONE') return this.groupError(error, 'JoinGroup', fx);
    this.memberId = response.memberId;
    this.generationId = response.generationId;
    let assignments: SyncGroupRequest['assignments'] = [];
    if (response.leader === this.memberId) {
      const members = response.members.map((member) => ({ memberId: member.memberId, ownedPartitions: member.subscription.ownedPartitions, generation: member.subscription.generation }));
      const plan = assign(this.settings.assignmentStrategy, members, this.partitionCount);
      assignments = [...plan.entries()].map(([memberId, partitions]) => ({ memberId, partitions }));
    }
    const request: SyncGroupRequest = {
      type: 'SyncGroup',
      bytes: DATA_HEADER_BYTES + 32 + assignments.length * 32,
      groupId: this.settings.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      assignments,
    };
    this.phase = 'syncing';
    this.groupInFlight = this.send(from, 'sync-group', request, this.settings.requestTimeoutUs, fx);
  }

  private handleSyncGroupResponse(from: string, response: SyncGroupResponse, fx: Effects<Message>): void {
    if (this.phase !== 'syncing' || this.groupInFlight?.to !== from) return;
    this.groupInFlight = null;
    this.answered('sync-group', fx);
    if (response.error !== 'NONE') return this.groupError(response.error, 'SyncGroup', fx);
    this.phase = 'stable';
    this.lastHeartbeatOkUs = fx.nowUs;
    this.assignedAtUs = fx.nowUs;
    this.rebalances++;
    const assigned = new Set(response.partitions);
    const revoked = [...this.owned.keys()].filter((partition) => !assigned.has(partition));
    const added = response.partitions.filter((partition) => !this.owned.has(partition));
    if (revoked.length > 0) {
      // Cooperative: give up only what moved, committing its position first, then rejoin so the
      // next rebalance can hand it on (ConsumerCoordinator.onJoinComplete, KIP-429).
      this.commitPositions(fx, revoked);
      for (const partition of revoked) this.owned.delete(partition);
      this.ownedChanged();
    }
    for (const partition of added) {
      this.owned.set(partition, { partition, key: `${this.settings.topic}-${partition}`, position: null, lookup: null, highWatermark: -1, committed: -1, fetchEntry: null, fetchGroup: null, fetchSlot: -1 });
    }
    this.ownedChanged();
    const list = (parts: readonly number[]): string => (parts.length === 0 ? 'none' : parts.join(', '));
    fx.note(
      `${this.settings.id} joined generation ${this.generationId} of group ${this.settings.groupId}: partitions ${list(this.subscriptionOwned())}` +
        (revoked.length > 0 ? ` (revoked ${list(revoked)}; rejoining to hand them on)` : ''),
    );
    if (revoked.length > 0) this.phase = 'unjoined';
  }

  /** Errors of the group APIs (AbstractCoordinator's response handlers). */
  private groupError(error: GroupErrorCode, api: string, fx: Effects<Message>): void {
    const detail = `${api} for group ${this.settings.groupId}: ${error}`;
    this.error(error, detail, fx);
    switch (error) {
      case 'NOT_COORDINATOR':
      case 'COORDINATOR_NOT_AVAILABLE':
        this.coordinatorUnknown(fx);
        return;
      case 'UNKNOWN_MEMBER_ID':
        this.memberId = '';
        this.generationId = -1;
        this.losePartitions(error, fx);
        break;
      case 'ILLEGAL_GENERATION':
        this.generationId = -1;
        this.losePartitions(error, fx);
        break;
      case 'REBALANCE_IN_PROGRESS':
        this.prepareRejoin(fx);
        return;
      default:
        // COORDINATOR_LOAD_IN_PROGRESS and the rest: try again after retry.backoff.ms.
        break;
    }
    this.phase = 'unjoined';
    this.backOff(fx);
  }

  /** ConsumerCoordinator.onJoinPrepare: eager revokes everything (committing first); cooperative keeps its partitions. */
  private prepareRejoin(fx: Effects<Message>): void {
    if (this.phase === 'stable' && this.settings.assignmentStrategy === 'range' && this.owned.size > 0) {
      this.commitPositions(fx);
      this.owned.clear();
      this.ownedChanged();
    }
    if (this.phase === 'stable') this.phase = 'unjoined';
  }

  /** onPartitionsLost: the member is out of the generation; its partitions go without a commit. */
  private losePartitions(error: GroupErrorCode, fx: Effects<Message>): void {
    if (this.owned.size > 0) fx.note(`${this.settings.id} lost partitions ${this.subscriptionOwned().join(', ')} of group ${this.settings.groupId} (${error})`);
    this.owned.clear();
    this.ownedChanged();
  }

  private sendHeartbeat(fx: Effects<Message>): void {
    if (this.phase !== 'stable' || this.coordinator === null || this.heartbeatInFlight !== null) return;
    const request: HeartbeatRequest = { type: 'Heartbeat', bytes: DATA_HEADER_BYTES, groupId: this.settings.groupId, generationId: this.generationId, memberId: this.memberId };
    this.heartbeatInFlight = this.send(this.coordinator, 'heartbeat', request, this.settings.requestTimeoutUs, fx);
  }

  private handleHeartbeatResponse(from: string, response: HeartbeatResponse, fx: Effects<Message>): void {
    if (this.heartbeatInFlight?.to !== from) return;
    this.heartbeatInFlight = null;
    this.answered('heartbeat', fx);
    if (response.error === 'NONE') this.lastHeartbeatOkUs = fx.nowUs;
    else if (this.phase === 'stable') this.groupError(response.error, 'Heartbeat', fx);
  }

  /**
   * The application closes the consumer now (remove-consumer), as KafkaConsumer.close: it commits
   * its positions (with auto-commit) and sends LeaveGroup, so the coordinator rebalances the group
   * at once rather than after session.timeout.ms. The process ends right after; the answers are
   * not awaited (Kafka's close waits for them up to its timeout, which changes nothing the group sees).
   */
  closeNow(fx: Effects<Message>): void {
    this.close(fx);
  }

  private close(fx: Effects<Message>): void {
    if (this.running && this.coordinator !== null && this.memberId !== '') {
      this.commitPositions(fx, undefined, true);
      const request: LeaveGroupRequest = { type: 'LeaveGroup', bytes: DATA_HEADER_BYTES, groupId: this.settings.groupId, memberId: this.memberId };
      fx.send(this.coordinator, request);
      fx.note(`${this.settings.id} leaves group ${this.settings.groupId}`);
    }
    this.running = false;
    this.phase = 'left';
    this.owned.clear();
    this.ownedChanged();
  }

  // ---- offsets ----------------------------------------------------------------------------------

  /** OffsetCommit of the positions that moved (all owned partitions, or `only`). */
  private commitPositions(fx: Effects<Message>, only?: readonly number[], force = false): void {
    // One commit in flight, except on close, which commits whatever else is in flight (Kafka's close commits synchronously).
    if (!this.settings.autoCommit || this.coordinator === null || (this.commitInFlight !== null && !force)) return;
    if (this.phase !== 'stable' && this.phase !== 'unjoined') return;
    const offsets: CommittedOffset[] = [];
    for (const partition of only ?? [...this.owned.keys()]) {
      const owned = this.owned.get(partition);
      if (owned === undefined || owned.position === null || owned.position === owned.committed) continue;
      offsets.push({ partition, offset: owned.position, leaderEpoch: this.leaders.get(partition)?.leaderEpoch ?? -1 });
      owned.committed = owned.position;
    }
    if (offsets.length === 0) return;
    const request: OffsetCommitRequest = {
      type: 'OffsetCommit',
      bytes: DATA_HEADER_BYTES + offsets.length * 16,
      correlationId: ++this.correlationId,
      groupId: this.settings.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      topic: this.settings.topic,
      offsets,
    };
    this.commitInFlight = this.send(this.coordinator, 'offset-commit', request, this.settings.requestTimeoutUs, fx);
  }

  private handleOffsetCommitResponse(from: string, response: OffsetCommitResponse, fx: Effects<Message>): void {
    if (this.commitInFlight?.to !== from) return;
    this.commitInFlight = null;
    this.answered('offset-commit', fx);
    if (response.error === 'NONE') {
      this.commits++;
      return;
    }
    // The commit did not happen: commit these positions again next time.
    for (const owned of this.owned.values()) owned.committed = -1;
    if (this.phase === 'stable' || response.error === 'NOT_COORDINATOR' || response.error === 'COORDINATOR_NOT_AVAILABLE') this.groupError(response.error, 'OffsetCommit', fx);
    else this.error(response.error, `OffsetCommit for group ${this.settings.groupId}: ${response.error}`, fx);
  }

  /** Partitions without a position: ask the group for committed offsets, then reset the rest. */
  private lookUpPositions(fx: Effects<Message>): void {
    if (this.allPositioned) return;
    const needCommitted: number[] = [];
    for (const owned of this.owned.values()) if (owned.position === null && owned.lookup === null) needCommitted.push(owned.partition);
    if (needCommitted.length > 0 && this.offsetFetchInFlight === null && this.coordinator !== null) {
      for (const partition of needCommitted) this.owned.get(partition)!.lookup = 'committed';
      const request: OffsetFetchRequest = {
        type: 'OffsetFetch',
        bytes: DATA_HEADER_BYTES + needCommitted.length * 4,
        correlationId: ++this.correlationId,
        groupId: this.settings.groupId,
        topic: this.settings.topic,
        partitions: needCommitted,
      };
      this.offsetFetchInFlight = this.send(this.coordinator, 'offset-fetch', request, this.settings.requestTimeoutUs, fx);
    }
    this.sendListOffsets(fx);
    let positioned = true;
    for (const owned of this.owned.values()) if (owned.position === null) positioned = false;
    this.allPositioned = positioned;
  }

  private handleOffsetFetchResponse(from: string, response: OffsetFetchResponse, fx: Effects<Message>): void {
    if (this.offsetFetchInFlight?.to !== from) return;
    this.offsetFetchInFlight = null;
    this.answered('offset-fetch', fx);
    if (response.error !== 'NONE') {
      for (const owned of this.owned.values()) if (owned.lookup === 'committed') owned.lookup = null;
      return this.groupError(response.error, 'OffsetFetch', fx);
    }
    for (const committed of response.offsets) {
      const owned = this.owned.get(committed.partition);
      if (owned === undefined || owned.lookup !== 'committed') continue;
      if (committed.offset >= 0) {
        this.setPosition(owned, committed.offset, `the committed offset of group ${this.settings.groupId}`);
        owned.committed = committed.offset;
      } else {
        owned.lookup = 'reset';
      }
    }
  }

  private sendListOffsets(fx: Effects<Message>): void {
    if (this.listOffsetsInFlight !== null) return;
    let broker: string | null = null;
    const partitions: ListOffsetsRequest['partitions'][number][] = [];
    for (const owned of this.owned.values()) {
      if (owned.lookup !== 'reset') continue;
      if (this.settings.autoOffsetReset === 'none') {
        this.error('NO_OFFSET_FOR_PARTITION', `${owned.key} has no committed offset and auto.offset.reset is "none"`, fx);
        continue;
      }
      const leader = this.leaders.get(owned.partition)?.leader ?? null;
      if (leader === null || (broker !== null && leader !== broker)) continue;
      broker = leader;
      partitions.push({ topic: this.settings.topic, partition: owned.partition, timestamp: this.settings.autoOffsetReset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP });
    }
    if (broker === null) return;
    const request: ListOffsetsRequest = { type: 'ListOffsets', bytes: DATA_HEADER_BYTES + partitions.length * 16, correlationId: ++this.correlationId, partitions };
    this.listOffsetsInFlight = this.send(broker, 'list-offsets', request, this.settings.requestTimeoutUs, fx);
  }

  private handleListOffsetsResponse(from: string, response: ListOffsetsResponse, fx: Effects<Message>): void {
    if (this.listOffsetsInFlight?.to !== from) return;
    this.listOffsetsInFlight = null;
    this.answered('list-offsets', fx);
    for (const part of response.partitions) {
      const owned = this.owned.get(part.partition);
      if (owned === undefined || owned.lookup !== 'reset') continue;
      if (part.error !== 'NONE') {
        this.metadataWanted = true;
        this.error(part.error, `ListOffsets for ${owned.key} at ${from}: ${part.error}`, fx);
        continue;
      }
      this.setPosition(owned, part.offset, `auto.offset.reset=${this.settings.autoOffsetReset}`);
    }
    if (this.metadataWanted) this.backOff(fx);
  }

  private setPosition(owned: Owned, offset: number, why: string): void {
    owned.position = offset;
    owned.lookup = null;
    this.ownedChanged();
    this.ledger.positioned(this.settings.id, this.settings.topic, owned.partition, offset, why);
  }

  // ---- fetching ---------------------------------------------------------------------------------

  /** The assignment, a leader or a position's presence changed: the fetch grouping and the lookup shortcut are rebuilt. */
  private ownedChanged(): void {
    this.fetchGroups = null;
    this.ownedIndex = null;
    this.allPositioned = false;
  }

  /** The owned partition numbered `partition`, if any (an array lookup: an answer makes one per partition). */
  private ownedOf(partition: number): Owned | undefined {
    let index = this.ownedIndex;
    if (index === null) {
      index = this.ownedIndex = [];
      for (const owned of this.owned.values()) index[owned.partition] = owned;
    }
    return index[partition];
  }

  /** The fetch at `link` ended (answered, or timed out): the next sendFetches may send there. */
  private fetchEnded(link: FetchLink): void {
    link.inFlightId = -1;
    if (this.readyLink === null) this.readyLink = link;
    else if (this.readyLink !== link) this.scanAllGroups = true;
  }

  /** The owned partitions with a position and a leader, by leader (first appearance in `owned` order). */
  private groupsByLeader(): FetchGroup[] {
    if (this.fetchGroups !== null) return this.fetchGroups;
    const groups = new Map<string, FetchGroup>();
    for (const link of this.fetchLinks.values()) link.group = null;
    for (const owned of this.owned.values()) {
      owned.fetchGroup = null;
      if (owned.position === null) continue;
      const info = this.leaders.get(owned.partition);
      if (info === undefined || info.leader === null) continue;
      // The epoch is read here, not per fetch: leaders change only with metadata, which regroups (ownedChanged).
      let group = groups.get(info.leader);
      if (group === undefined) {
        const link = this.fetchLink(info.leader);
        groups.set(info.leader, (group = link.group = { broker: info.leader, owned: [], leaderEpochs: [], next: [], filled: false, movedSlots: NO_SLOTS, movedCount: 0, link }));
      }
      owned.fetchGroup = group;
      owned.fetchSlot = group.owned.length;
      group.owned.push(owned);
      group.leaderEpochs.push(info.leaderEpoch);
    }
    this.fetchGroups = [...groups.values()];
    for (const group of this.fetchGroups) {
      group.next.length = group.owned.length;
      group.movedSlots = new Int32Array(group.owned.length);
    }
    return this.fetchGroups;
  }

  /** A partition's position moved (an answer's records consumed, the only move that keeps the grouping): its group's next send refills its slot. */
  private positionMoved(owned: Owned): void {
    // A group of an earlier grouping (before ownedChanged) is marked harmlessly: the next send regroups and fills every slot.
    if (owned.fetchGroup !== null) markMoved(owned.fetchGroup, owned.fetchSlot);
  }

  /** A fetch to every leader with none in flight: after a regroup (or several ended) all are looked at, else only the one that ended. */
  private sendFetches(fx: Effects<Message>): void {
    if (this.owned.size === 0) return;
    if (this.fetchGroups === null || this.scanAllGroups) {
      const groups = this.groupsByLeader();
      this.scanAllGroups = false;
      this.readyLink = null;
      for (let index = 0; index < groups.length; index++) {
        const group = groups[index]!;
        if (group.link.inFlightId < 0) this.sendFetch(group, fx);
      }
      return;
    }
    const link = this.readyLink;
    if (link === null) return;
    this.readyLink = null;
    if (link.group !== null && link.inFlightId < 0) this.sendFetch(link.group, fx);
  }

  /** The fetch to one leader: its entries refreshed where positions moved, then the session's FULL or INCREMENTAL request. */
  private sendFetch(group: FetchGroup, fx: Effects<Message>): void {
    const link = group.link;
    const next = group.next; // sized once, when the groups were built
    const moved = group.movedSlots;
    let refilled: Int32Array | null = moved;
    if (!group.filled) {
      for (let slot = 0; slot < next.length; slot++) next[slot] = this.fetchEntry(group, slot);
      group.filled = true;
      refilled = null;
    } else {
      for (let index = 0; index < group.movedCount; index++) next[moved[index]!] = this.fetchEntry(group, moved[index]!);
    }
    // FetchSessionHandler.Builder.build: FULL (every partition) without a session, else only the entries that changed.
    const session = link.session.build(next, refilled, group.movedCount);
    group.movedCount = 0;
    const bytes = DATA_HEADER_BYTES + session.partitions.length * 24 + session.forgotten.length * 8;
    let request = link.requestFree ? link.request : null;
    if (request !== null) {
      // The last request to this broker, answered: rewritten (the settings' fields never change).
      request.bytes = bytes;
      request.correlationId = ++this.correlationId;
      request.sessionId = session.sessionId;
      request.sessionEpoch = session.sessionEpoch;
      request.partitions = session.partitions;
      request.forgotten = session.forgotten;
    } else {
      request = link.request = {
        type: 'Fetch',
        bytes,
        correlationId: ++this.correlationId,
        maxWaitUs: this.settings.fetchMaxWaitUs,
        minBytes: this.settings.fetchMinBytes,
        partitionMaxBytes: this.settings.maxPartitionFetchBytes,
        sessionId: session.sessionId,
        sessionEpoch: session.sessionEpoch,
        partitions: session.partitions,
        forgotten: session.forgotten,
      };
    }
    link.requestFree = false;
    link.timer ??= this.timeoutTimer(link.kind, fx);
    link.inFlightId = request.correlationId;
    link.connected ||= this.connected.has(link.broker);
    this.sendAndArm(link.broker, link.timer, request, this.settings.requestTimeoutUs + this.settings.fetchMaxWaitUs, fx, link.connected, 'Fetch', bytes);
  }

  /** The fetch entry of a group's slot: the one last sent while its position and leader epoch stay, else a new one (entries are immutable). */
  private fetchEntry(group: FetchGroup, slot: number): ConsumerFetchPartition {
    const owned = group.owned[slot]!;
    const leaderEpoch = group.leaderEpochs[slot]!;
    let entry = owned.fetchEntry;
    if (entry === null || entry.fetchOffset !== owned.position || entry.currentLeaderEpoch !== leaderEpoch) {
      entry = { topic: this.settings.topic, partition: owned.partition, key: owned.key, fetchOffset: owned.position!, currentLeaderEpoch: leaderEpoch, lastFetchedEpoch: -1 };
      owned.fetchEntry = entry;
    }
    return entry;
  }

  private handleFetchResponse(from: string, response: ConsumerFetchResponse, fx: Effects<Message>): void {
    const link = this.fetchLinks.get(from);
    if (link === undefined) {
      this.connected.add(from);
      return;
    }
    if (!link.connected) {
      this.connected.add(from);
      link.connected = true;
    }
    if (link.inFlightId !== response.correlationId) return;
    link.requestFree = true; // answered: the broker is done with it
    this.fetchEnded(link);
    fx.disarm(link.timer!);
    if (!link.session.handleResponse(response.error, response.sessionId)) {
      // FetchSessionHandler.handleResponse: a session error answers no partition; the next fetch is FULL (a new session).
      this.error(response.error, `fetch session at ${from}: ${response.error}; fetching again with a full request`, fx);
      return;
    }
    let failed = false;
    const partitions = response.partitions;
    for (let index = 0; index < partitions.length; index++) {
      const part = partitions[index]!;
      const owned = this.ownedOf(part.partition);
      if (owned === undefined || owned.position === null) continue; // revoked while in flight
      if (part.error !== 'NONE') {
        failed = this.fetchError(owned, from, part.error, fx) || failed;
        continue;
      }
      owned.highWatermark = part.highWatermark;
      const position = owned.position;
      for (let at = 0; at < part.batches.length; at++) this.consume(owned, part.batches[at]!, part.highWatermark, part.leaderEpoch, fx);
      if (owned.position !== position) this.positionMoved(owned); // once per partition, not per batch (a catching-up answer carries many)
    }
    if (failed) this.backOff(fx);
  }

  private consume(owned: Owned, batch: LogBatch, highWatermark: number, leaderEpoch: number, fx: Effects<Message>): void {
    const position = owned.position!;
    const end = batch.baseOffset + batch.records;
    if (end <= position) return; // already consumed (the fetch started inside this batch)
    const from = Math.max(position, batch.baseOffset);
    if (isControlBatch(batch)) {
      // A leader's control batch (quorum mode's epoch marker): the position moves past it, but it
      // holds no record for the application, as Kafka's consumer skips transaction markers.
      owned.position = end;
      return;
    }
    const event = this.consumedEvent;
    event.partition = owned.partition;
    event.fromOffset = from;
    event.batch = batch;
    event.highWatermark = highWatermark;
    event.leaderEpoch = leaderEpoch;
    event.atUs = fx.nowUs;
    this.ledger.consumed(event);
    const records = end - from;
    owned.position = end;
    this.recordsConsumed += records;
    this.countRate(records, fx.nowUs);
    this.latency.record(Math.max(0, fx.nowUs - batch.createdUs));
  }

  /** Returns true when the error calls for a metadata refresh. */
  private fetchError(owned: Owned, from: string, error: ErrorCode, fx: Effects<Message>): boolean {
    this.error(error, `fetching ${owned.key} from ${from}: ${error}`, fx);
    if (error === 'OFFSET_OUT_OF_RANGE') {
      // The position is outside the leader's log (truncated by an unclean election, or removed by retention): auto.offset.reset.
      fx.note(`${this.settings.id}: offset ${owned.position} of ${owned.key} is out of range at ${from}; resetting (auto.offset.reset=${this.settings.autoOffsetReset})`);
      owned.position = null;
      owned.lookup = 'reset';
      this.ownedChanged();
      return false;
    }
    // NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_OR_PARTITION: the leader moved.
    const info = this.leaders.get(owned.partition);
    if (info !== undefined) info.leader = null;
    this.ownedChanged();
    this.metadataWanted = true;
    return true;
  }

  private countRate(records: number, nowUs: TimeUs): void {
    if (nowUs - this.windowStartUs >= RATE_WINDOW_US) {
      const windows = Math.floor((nowUs - this.windowStartUs) / RATE_WINDOW_US);
      this.lastRatePerSecond = windows === 1 ? this.windowRecords : 0;
      this.windowStartUs += windows * RATE_WINDOW_US;
      this.windowRecords = 0;
    }
    this.windowRecords += records;
  }

  // ---- views ------------------------------------------------------------------------------------

  /** The end-to-end latency histogram (record created to read here), for the metrics layer. */
  latencyHistogram(): LatencyHistogram {
    return this.latency;
  }

  /**
   * What the metrics' series read of this consumer once per simulated second (metrics/catalog.ts),
   * without building its view. Rolls the rate window as view(nowUs) does, so the recordsPerSecond
   * a snapshot shows is the same as when the sampling built the view.
   */
  counters(nowUs: TimeUs): ConsumerCounters {
    this.countRate(0, nowUs);
    let lagMax = 0;
    for (const owned of this.owned.values()) lagMax = Math.max(lagMax, lagOf(owned));
    return { recordsConsumed: this.recordsConsumed, recordsLagMax: lagMax };
  }

  view(nowUs?: TimeUs): ConsumerView {
    if (nowUs !== undefined) this.countRate(0, nowUs);
    let partitions: ConsumerPartitionView[] = [];
    const ownedPartitions: number[] = [];
    let lagMax = 0;
    for (const partition of this.subscriptionOwned()) {
      const owned = this.owned.get(partition)!;
      const lag = lagOf(owned);
      lagMax = Math.max(lagMax, lag);
      ownedPartitions.push(partition);
      partitions.push({ partition, position: owned.position, highWatermark: owned.highWatermark, lag, leader: this.leaders.get(partition)?.leader ?? null });
    }
    if (partitions.length > CONSUMER_VIEW_PARTITIONS_MAX) {
      // The most lagging (ties: the lower partition), shown in partition order.
      partitions = partitions
        .sort((a, b) => b.lag - a.lag || a.partition - b.partition)
        .slice(0, CONSUMER_VIEW_PARTITIONS_MAX)
        .sort((a, b) => a.partition - b.partition);
    }
    return {
      groupId: this.settings.groupId,
      topic: this.settings.topic,
      phase: this.phase,
      memberId: this.memberId,
      generationId: this.generationId,
      coordinator: this.coordinator,
      strategy: this.settings.assignmentStrategy,
      owned: ownedPartitions,
      partitions,
      recordsConsumed: this.recordsConsumed,
      recordsPerSecond: this.lastRatePerSecond,
      recordsLagMax: lagMax,
      rebalances: this.rebalances,
      commits: this.commits,
      lastError: this.lastError,
      assignedAtUs: this.assignedAtUs,
      e2eLatencyUs: this.latency.view(),
    };
  }
}

/** Records between an owned partition's position and the high watermark the consumer last heard (0 before either is known). */
function lagOf(owned: Owned): number {
  return owned.position === null || owned.highWatermark < 0 ? 0 : Math.max(0, owned.highWatermark - owned.position);
}

/** A group's slots before its first grouping sizes them. */
const NO_SLOTS = new Int32Array(0);

/** Adds `slot` to the group's moved slots (ascending) unless it is there (a few entries: a linear look from the end). */
function markMoved(group: FetchGroup, slot: number): void {
  const slots = group.movedSlots;
  let index = group.movedCount;
  while (index > 0 && slots[index - 1]! > slot) index--;
  if (index > 0 && slots[index - 1] === slot) return;
  // At most one entry per slot, and the array has one per slot: the count stays within it.
  for (let at = group.movedCount; at > index; at--) slots[at] = slots[at - 1]!;
  slots[index] = slot;
  group.movedCount++;
}

const CONSUMER_MESSAGES = new Set([
  'MetadataResponse',
  'FindCoordinatorResponse',
  'JoinGroupResponse',
  'SyncGroupResponse',
  'HeartbeatResponse',
  'OffsetCommitResponse',
  'OffsetFetchResponse',
  'ListOffsetsResponse',
  'FetchResponse',
  'LeaveGroupResponse',
]);
