// A broker's answer to consumers' Fetch and ListOffsets (Kafka's ReplicaManager.fetchMessages with a
// consumer's FetchParams, DelayedFetch and handleListOffsetRequest). A consumer reads from the
// partition's leader and never past the high watermark (FetchIsolation.HIGH_WATERMARK): records
// the ISR does not all have yet may still be truncated away, so a consumer must not see them.
//
//   errors   NOT_LEADER_OR_FOLLOWER (this broker does not lead it), FENCED_LEADER_EPOCH (the
//            consumer's leader epoch is older than the leader's), UNKNOWN_LEADER_EPOCH (newer),
//            OFFSET_OUT_OF_RANGE (below the log start, or above the log end: Kafka's LocalLog.read
//            throws OffsetOutOfRangeException only there; an offset above the high watermark but
//            within the log, as a consumer may hold after a failover to a leader whose high
//            watermark is behind, reads nothing and waits), UNKNOWN_TOPIC_OR_PARTITION.
//   sessions KIP-227, as for followers (fetch-session.ts, Kafka's FetchManager.newContext and
//            FetchSessionCache): a FULL fetch (epoch 0) is answered with every partition it names
//            and opens a session holding them; an INCREMENTAL one names only the partitions whose
//            position or leader epoch changed (and those to forget), and is answered with the
//            session's partitions that have records, an error, or a high watermark or log start
//            other than the one last sent (FetchSession.scala, CachedPartition.
//            maybeUpdateResponseData). An unknown session is FETCH_SESSION_ID_NOT_FOUND (a restarted
//            broker has none), a wrong epoch INVALID_FETCH_SESSION_EPOCH. The cache has
//            max.incremental.fetch.session.cache.slots slots; consumers' sessions are not
//            privileged (only followers' are, KIP-227), so a consumer's is evicted first. Kafka
//            keeps one cache for both kinds; here each kind has its own of that size (the
//            followers' is the ReplicaManager's), so followers never lose a slot to consumers.
//   long poll  a fetch with fewer than fetch.min.bytes available waits up to fetch.max.wait.ms;
//            any high watermark advance on one of its partitions answers it (DelayedFetch.tryComplete).
//
//   remote   on a tiered topic (KIP-405) an offset below the leader's local log start is read
//            from the object store through the RemoteLogManager (Kafka's RemoteLogReader): a
//            cached segment answers at once; otherwise the fetch is parked (DelayedRemoteFetch)
//            until the object arrives or fetch.max.wait.ms passes (then it is answered empty and
//            the consumer asks again).
//   disk     a fetch about to read a closed segment the page cache evicted (a parked fetch woken,
//            or a session partition the request did not name, so local-reads.ts did not check it)
//            waits for the disk read like a fresh fetch: it is handed to the disk reads with its
//            session context riding along (`resumes`), and answered in that context when read.
//
// One timer for all parked fetches: it is armed for the earliest deadline of a fetch still parked
// (fetch.max.wait.ms after it parked), and, when it fires, answers every fetch whose deadline has
// come, in deadline order (then arrival), and is armed for the next. A fetch answered early leaves
// its entry in the deadline queue, dropped when reached (or when such entries outnumber the live
// ones): no timer is set and cancelled per fetch.
//
// Shaped for speed (a consumer fetch and its answer are 40% of a busy cluster's events): a
// partition with nothing new is passed over without building anything; a session partition keeps
// the leader it was resolved to until this broker's leaderships change (ReplicaManager.
// leadersGenerationNow), so an answer looks nothing up by name; a *quiet* session partition (its
// last answer had nothing to send and nothing to read) is not visited at all: an answer evaluates
// only its session's listed partitions (FetchSession.dirty, in session order), and a partition
// leaves the list when it goes quiet and joins it again when its request entry is replaced
// (FetchSession.update), its high watermark moves (onHighWatermark), its log start or local log
// start moves (onLogStartMoved, from ReplicaManager's and the RemoteLogManager's retention) or
// this broker's leaderships change (the whole session listed once): in the reference load an
// answer evaluates ~1 of a session's ~8 partitions. The quiet state lives on the CachedPartition
// (its log, offset and generation). Exactness is tested twice: a hook that answers unlisted
// partitions in full anyway and throws on any news (whole engine), and random stories answered
// both ways, listed and by a walk of the whole session (walkWholeSessions). The wake-up index keeps, beside each
// parked fetch, its session partition for that key, so a high watermark advance checks a fetch
// without searching it. The committed read is cut to the high watermark in place (no copy), and
// the deadline queue appends at its tail (fetch.max.wait.ms is shared as a rule) without a search.
//
// Never: reads past the high watermark, keeps more than PARKED_CONSUMER_FETCHES_MAX fetches,
// walks all parked fetches on a high watermark advance (they are indexed by partition), or leaves
// a session partition that is not quiet off its session's list.

import { emptyList } from '../sim/lists';
import type { Effects, Message } from '../sim/process';
import {
  EARLIEST_TIMESTAMP,
  type ConsumerFetchPartitionResponse,
  type ConsumerFetchRequest,
  type ConsumerFetchResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
} from './group-protocol';
import type { MetadataImage } from '../controller/image';
import { cachedPartition, FETCH_SESSION_CACHE_SLOTS_DEFAULT, FetchSessionCache, FINAL_EPOCH, INITIAL_EPOCH, INVALID_SESSION_ID, type CachedPartition, type FetchSession } from './fetch-session';
import type { PartitionLog } from './partition-log';
import { DATA_HEADER_BYTES, type ErrorCode, type ForgottenPartition, type LogBatch } from './protocol';
import type { LedPartitionRead, ReplicaManager } from './replica-manager';
import type { RemoteLogManager } from './remote-log-manager';

const TIMER_PARK = 'cf:park';
/** Consumer fetches waiting on one broker at most; beyond it a fetch is answered at once, empty. */
export const PARKED_CONSUMER_FETCHES_MAX = 10_000;
/** Bytes a partition's entry adds to a fetch response, besides its batches. */
const PARTITION_RESPONSE_BYTES = 32;
/** A partition's wake-up list is compacted (dead watches dropped) when it grows past twice its live entries plus this. */
const INDEX_SLACK_ENTRIES = 16;

const NO_BATCHES: readonly LogBatch[] = [];
const NO_FORGOTTEN: readonly ForgottenPartition[] = [];
const NO_PARTITIONS: readonly ConsumerFetchPartitionResponse[] = [];
/** A FULL fetch's waiter's `spare` (only sessions' answers walk a list). */
const NO_CACHED: CachedPartition[] = [];

function failure(cached: CachedPartition, error: ErrorCode, leaderEpoch: number, highWatermark = -1, logStartOffset = -1): ConsumerFetchPartitionResponse {
  return { topic: cached.part.topic, partition: cached.part.partition, error, highWatermark, logStartOffset, leaderEpoch, batches: NO_BATCHES };
}

/** A consumer fetch taken in (its session context made): being answered, parked, or riding a disk read. */
interface ConsumerFetch {
  // from, request and deadlineUs are rewritten when a session's fetch object is reused (see Waiter.fetch).
  from: string;
  request: ConsumerFetchRequest;
  /** What it answers: a FULL fetch's own partitions, or every partition of an INCREMENTAL fetch's session, in session order. */
  readonly partitions: readonly CachedPartition[];
  /** An INCREMENTAL fetch's session (its answer names it); null for a FULL one. */
  readonly session: FetchSession | null;
  /** A FULL fetch that asked for a session (epoch 0): it is opened when the fetch is answered. */
  readonly createSession: boolean;
  /** Who waits for it when it parks: its session's waiter, or (a FULL fetch) one made when it parks. */
  waiter: Waiter | null;
  /** When fetch.max.wait.ms runs out for it. */
  deadlineUs: number;
  /** Answered, or handed to the disk reads: its entries left in the wake-up index and the deadline queue are dead. */
  done: boolean;
  /** Its answer was sent (respond): a session's object may then carry the session's next fetch. */
  answered: boolean;
  /** Which use of this object it is (a session's object is reused): a deadline entry of an earlier use is dead. */
  ticket: number;
}

/**
 * Who waits on partitions' high watermarks: a consumer's session, registered once for as long as
 * it holds each partition (its fetch, when one is parked, is `parked`), or a FULL fetch alone,
 * registered when it parks. Parking a session's fetch is then one assignment, not an index entry
 * per partition (a fetch is parked, woken by one partition and answered, some fifty times a second
 * per consumer and broker).
 */
interface Waiter {
  /** The session it stands for; null: one FULL fetch. */
  readonly session: FetchSession | null;
  parked: ConsumerFetch | null;
  /** Its session closed or evicted, or its FULL fetch answered: its watches are dropped where next seen. */
  dead: boolean;
  /**
   * A session's fetch object, reused for its next fetch once answered (a fetch a second, per
   * consumer and broker, was an object each); null until the first INCREMENTAL fetch.
   */
  fetch: ConsumerFetch | null;
  /**
   * The session's last answer, and whether the consumer is done with it: an INCREMENTAL fetch in
   * the session's epoch proves it handled that answer (its FetchSessionHandler advanced the epoch on
   * it), so the answer object and its partition entries may be rewritten for the next one.
   */
  response: MutableFetchResponse | null;
  responseFree: boolean;
  /** The one-entry partition list of its answers that carry one partition (most do), rewritten with the answer. */
  single: ConsumerFetchPartitionResponse[] | null;
  /** The leaders' generation its session's unlisted partitions went quiet in (-1: none yet); another one lists them all (answerListed). */
  generation: number;
  /** An empty list its session's `dirty` list is swapped with while an answer walks it (no list made per answer). */
  spare: CachedPartition[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableFetchResponse = Mutable<ConsumerFetchResponse>;

/** A waiter's partition, in that partition's wake-up list (the CachedPartition's `resolved` points back to it). */
interface PartitionWatch {
  readonly waiter: Waiter;
  readonly cached: CachedPartition;
  /** Forgotten by its session (an INCREMENTAL fetch's forgotten list): dropped where next seen. */
  forgotten: boolean;
  /**
   * The partition's leader here as `leaderRead` answered it in ReplicaManager generation
   * `generation` (-1: never): the same object until this broker's leaderships change, so a
   * session's answer reads it without a map lookup per partition.
   */
  leader: LeaderRead | null;
  generation: number;
  /** The partition's entry in an answer of its session, rewritten for the next answer once the consumer handled that one (Waiter.responseFree). */
  response: Mutable<ConsumerFetchPartitionResponse> | null;
}

type LeaderRead = NonNullable<ReturnType<ReplicaManager['leaderRead']>>;

/** Test hook: when set, a quiet partition is answered in full anyway, and throws if that found anything to send. */
let verifyQuietPartitions = false;
export function setQuietConsumerPartitionChecks(on: boolean): void {
  verifyQuietPartitions = on;
}
/** Quiet partitions passed over (or, with the checks on, found to have nothing), and those answered in full for a log start move, this process (tests see both paths taken). */
let quietSkips = 0;
let quietLogStartMoves = 0;
export function quietConsumerPartitionCounts(): { readonly skipped: number; readonly logStartMoved: number } {
  return { skipped: quietSkips, logStartMoved: quietLogStartMoves };
}

export interface WakeList {
  readonly watches: PartitionWatch[];
  /** Compact when `watches` reaches this length. */
  compactAtLength: number;
}

/** What evaluating one partition of an answer came to. */
const enum Evaluated {
  /** Nothing to send (an INCREMENTAL answer leaves it out). */
  Nothing,
  Included,
  /** Its read would touch a closed segment the page cache may not hold (see Outcome). */
  MayReadDisk,
}

/** What answering a fetch came to, in the handler's scratch (one answer at a time: none starts inside another). */
const enum Outcome {
  Answered,
  /** A partition's read would touch a closed segment the page cache may not hold: ask the disk reads first. */
  MayReadDisk,
}

export interface ConsumerFetchView {
  readonly fetchesServed: number;
  readonly fetchesParked: number;
  readonly bytesServed: number;
  /** Batches left out of an answer because they were above the high watermark (written, not yet committed). */
  readonly batchesHeldBack: number;
  /** Entries in the wake-up index (partition, parked fetch): bounded by the parked fetches' partitions, plus slack per partition. */
  readonly indexedEntries: number;
  /** Parked fetches that, woken, would read a segment evicted while they waited: they waited for the disk read. */
  readonly wokenToDisk: number;
  /** Fresh INCREMENTAL fetches whose session held a partition (not named in the request) that read an evicted segment: they waited for the disk. */
  readonly sessionPartitionsToDisk: number;
  /** KIP-227: consumers' fetch sessions held (Kafka's NumIncrementalFetchSessions), and sessions evicted this life. */
  readonly fetchSessions: number;
  /** Kafka's NumIncrementalFetchPartitionsCached, for consumers' sessions. */
  readonly fetchSessionPartitionsCached: number;
  readonly fetchSessionEvictions: number;
  /** Fetches refused for their session: FETCH_SESSION_ID_NOT_FOUND or INVALID_FETCH_SESSION_EPOCH. */
  readonly sessionErrors: number;
  /** FULL fetches that asked for a session and were answered without one (no slot free, none evictable). */
  readonly sessionsNotCreated: number;
}

export class ConsumerFetchHandler {
  /** Partition key -> the waiters on it (dead ones linger until the next look or compaction). */
  private readonly watchers = new Map<string, WakeList>();
  /** Session id -> its waiter; bounded: swept of closed and evicted sessions when twice the cache's sessions plus 16. */
  private readonly sessionWaiters = new Map<number, Waiter>();
  /** onHighWatermark's scratch: the fetches to wake (the first `toWakeCount`), gathered before any is answered (answering may register watches). */
  private readonly toWake: (ConsumerFetch | null)[] = [];
  private toWakeCount = 0;
  private parkedCount = 0;
  /**
   * Parked fetches by deadline (then arrival), from `deadlinesHead` on; entries of fetches answered
   * early stay until passed over or compacted (bound: enqueueDeadline). Beside each, the deadline
   * and ticket it was queued with: a session's fetch object is reused, so an entry is live only while
   * its fetch is not done and still in that use (`isLiveDeadline`), and the order is the queued deadlines'.
   */
  private readonly deadlines: ConsumerFetch[] = [];
  private readonly deadlineDueUs: number[] = [];
  private readonly deadlineTickets: number[] = [];
  private deadlinesHead = 0;
  /**
   * Where the queue ends in the three arrays: they never shrink (entries past the end are left
   * over, to be written again), as cutting an array's length gives up its backing store and the
   * next pushes grow a new one: ~10 MB of garbage a simulated minute in the reference load, whose
   * queue is compacted every ~100 fetches (most are woken within milliseconds of parking).
   */
  private deadlinesEnd = 0;
  /** When the park timer is due, or null when it is not armed. */
  private parkTimerDueUs: number | null = null;
  private served = 0;
  private bytesServed = 0;
  private batchesHeldBack = 0;
  private sessionErrors = 0;
  private sessionsNotCreated = 0;
  private sessionPartitionsToDisk = 0;
  /** KIP-227: this life's consumer fetch sessions (memory only: a restarted broker has none). Created at first use, with its Prng. */
  private sessionCache: FetchSessionCache | null = null;

  /**
   * answer()'s scratch: the partitions included and their cached entries (the first
   * `includedCount` of each; the arrays are never truncated, as setting an array's length costs a
   * runtime call and may give up its backing store), the bytes of records, any error.
   */
  private readonly included: ConsumerFetchPartitionResponse[] = [];
  private readonly includedCached: CachedPartition[] = [];
  private includedCount = 0;
  private answerBytes = 0;
  private answerHasError = false;

  /**
   * Set by the broker: hands a request to the disk reads (local-reads.ts) if it reads a segment the
   * page cache no longer holds, and true then (it comes back through handleFetch once read).
   */
  awaitDisk: ((from: string, request: ConsumerFetchRequest, fx: Effects<Message>) => boolean) | null = null;
  /** Parked fetches that, woken, read a segment evicted while they waited, and so waited for the disk. */
  private wokenToDisk = 0;
  /**
   * Test hook: answer an INCREMENTAL fetch by evaluating every partition of its session in full, as
   * Kafka's IncrementalFetchContext walks them, instead of only the listed ones (the reference the
   * listed answers are compared with).
   */
  walkWholeSessions = false;

  constructor(
    private readonly replicas: ReplicaManager,
    private readonly image: MetadataImage,
    private readonly remote: RemoteLogManager | null = null,
    /** max.incremental.fetch.session.cache.slots. */
    private readonly sessionCacheSlots: number = FETCH_SESSION_CACHE_SLOTS_DEFAULT,
  ) {}

  handleFetch(from: string, request: ConsumerFetchRequest, fx: Effects<Message>): void {
    if (request.resumes !== undefined) return this.resume(request.resumes as ConsumerFetch, fx);
    const fetch = this.takeIn(from, request, fx);
    if (fetch === null) return;
    // A FULL fetch's partitions were all checked for page cache misses before it came here (local-reads.ts);
    // an INCREMENTAL one's request names only some of its session's partitions.
    if (this.answer(fetch, fx, fetch.session !== null) === Outcome.MayReadDisk) {
      if (this.toDisk(fetch, fx)) {
        this.sessionPartitionsToDisk++;
        return;
      }
      this.answer(fetch, fx, false);
    }
    if (this.answerBytes >= request.minBytes || this.answerHasError || request.maxWaitUs === 0 || this.parkedCount >= PARKED_CONSUMER_FETCHES_MAX || fetch.partitions.length === 0) {
      this.respond(fetch, fx);
      return;
    }
    this.park(fetch, fx);
  }

  /** This life's session cache: session ids come from a stream forked for this life, as the followers' cache's do. */
  private sessions(fx: Effects<Message>): FetchSessionCache {
    this.sessionCache ??= new FetchSessionCache(this.sessionCacheSlots, fx.prng.fork(`consumer-fetch-sessions@${fx.nowUs}`));
    return this.sessionCache;
  }

  /** Kafka's FetchManager.newContext for a consumer's fetch: its partitions to answer, or a session error answered at once. */
  private takeIn(from: string, request: ConsumerFetchRequest, fx: Effects<Message>): ConsumerFetch | null {
    const sessionId = request.sessionId ?? INVALID_SESSION_ID;
    const sessionEpoch = request.sessionEpoch ?? FINAL_EPOCH;
    const deadlineUs = fx.nowUs + request.maxWaitUs;
    if (sessionId === INVALID_SESSION_ID && sessionEpoch === FINAL_EPOCH) {
      // Kafka's SessionlessFetchContext: a FULL fetch that wants no session (the cache is not even consulted).
      return { from, request, partitions: request.partitions.map(cachedPartition), session: null, createSession: false, waiter: null, deadlineUs, done: false, answered: false, ticket: 0 };
    }
    const named = sessionId === INVALID_SESSION_ID ? undefined : this.sessionWaiters.get(sessionId);
    if (named !== undefined) {
      // What newContext is about to do to the session, seen first: a FULL fetch closes it; an INCREMENTAL one in its epoch forgets partitions.
      if (sessionEpoch === INITIAL_EPOCH || sessionEpoch === FINAL_EPOCH) this.retire(named);
      else if (named.session!.epoch === sessionEpoch) this.forget(named.session!, request.forgotten ?? NO_FORGOTTEN);
    }
    const forgotten = request.forgotten ?? NO_FORGOTTEN;
    // The session found beside its waiter, while the cache still holds it: newContext without a second lookup by id.
    const cache = this.sessions(fx);
    const context =
      named !== undefined && !named.session!.removed && sessionEpoch !== INITIAL_EPOCH && sessionEpoch !== FINAL_EPOCH
        ? cache.incrementalContext(named.session!, sessionEpoch, request.partitions, forgotten, fx.nowUs)
        : cache.newContext(sessionId, sessionEpoch, request.partitions, forgotten, fx.nowUs);
    switch (context.kind) {
      case 'error': {
        // Kafka's SessionErrorContext: no partition; the consumer starts a new session.
        this.sessionErrors++;
        this.served++;
        const response: ConsumerFetchResponse = { type: 'FetchResponse', bytes: DATA_HEADER_BYTES, correlationId: request.correlationId, error: context.error, sessionId: INVALID_SESSION_ID, partitions: NO_PARTITIONS };
        fx.send(from, response);
        return null;
      }
      case 'full':
        if (named !== undefined) this.retire(named); // an INCREMENTAL fetch that emptied its session closed it
        return { from, request, partitions: context.partitions, session: null, createSession: context.createSession, waiter: null, deadlineUs, done: false, answered: false, ticket: 0 };
      case 'incremental': {
        const session = context.session;
        const waiter = named ?? this.openWaiter(session);
        // Partitions the request added to the session join its watches (the others keep theirs: update keeps their
        // entries; one whose entry it replaced is no longer quiet: update ends that).
        this.watchAdded(waiter, session);
        waiter.responseFree = waiter.response !== null; // this request's epoch says the consumer handled the last answer
        return this.sessionFetch(waiter, session, from, request, deadlineUs);
      }
    }
  }

  /**
   * The session's fetch object for this request: the last one, rewritten, if it was answered (its
   * deadline entries die by ticket; the wake-up index points at the waiter, not at it); else (parked
   * still, or riding a disk read) a new one, kept for next time.
   */
  private sessionFetch(waiter: Waiter, session: FetchSession, from: string, request: ConsumerFetchRequest, deadlineUs: number): ConsumerFetch {
    const fetch = waiter.fetch;
    if (fetch !== null && fetch.answered) {
      fetch.from = from;
      fetch.request = request;
      fetch.deadlineUs = deadlineUs;
      fetch.done = false;
      fetch.answered = false;
      fetch.ticket++;
      return fetch;
    }
    const fresh: ConsumerFetch = { from, request, partitions: session.partitions, session, createSession: false, waiter, deadlineUs, done: false, answered: false, ticket: 0 };
    waiter.fetch = fresh;
    return fresh;
  }

  /** A session's waiter, watching each of its partitions. */
  private openWaiter(session: FetchSession): Waiter {
    const waiter: Waiter = { session, parked: null, dead: false, fetch: null, response: null, responseFree: false, single: null, generation: -1, spare: [] };
    session.dirty ??= [];
    this.sessionWaiters.set(session.id, waiter);
    for (const cached of session.partitions) this.watch(waiter, cached);
    if (this.sessionWaiters.size > 2 * (this.sessionCache?.size ?? 0) + 16) this.sweepWaiters();
    return waiter;
  }

  /**
   * Watches the partitions an INCREMENTAL request added to its session: FetchSession.update
   * appends them in request order (and only a forgotten partition leaves the session), so they are
   * the session's last partitions with no watch yet; every other one was watched when it joined.
   */
  private watchAdded(waiter: Waiter, session: FetchSession): void {
    const partitions = session.partitions;
    let first = partitions.length;
    while (first > 0 && partitions[first - 1]!.resolved === null) first--;
    for (let index = first; index < partitions.length; index++) this.watch(waiter, partitions[index]!);
  }

  /** Into the partition's wake-up list; the cached partition points back to its watch (so forgetting it finds it). */
  private watch(waiter: Waiter, cached: CachedPartition): void {
    const key = cached.part.key;
    let list = this.watchers.get(key);
    if (list === undefined) this.watchers.set(key, (list = { watches: [], compactAtLength: INDEX_SLACK_ENTRIES }));
    if (list.watches.length >= list.compactAtLength) compactWakeList(list);
    const watch: PartitionWatch = { waiter, cached, forgotten: false, leader: null, generation: -1, response: null };
    cached.resolved = watch;
    cached.quietLog = null; // a new watch starts from a full answer
    waiter.session?.list(cached);
    list.watches.push(watch);
  }

  private forget(session: FetchSession, forgotten: readonly ForgottenPartition[]): void {
    for (const gone of forgotten) {
      const watch = session.get(gone.topic, gone.partition)?.resolved as PartitionWatch | null | undefined;
      if (watch !== null && watch !== undefined) watch.forgotten = true;
    }
  }

  /** A session closed: its watches die. A fetch of it still parked keeps its deadline (it is answered then). */
  private retire(waiter: Waiter): void {
    waiter.dead = true;
    if (waiter.session !== null && this.sessionWaiters.get(waiter.session.id) === waiter) this.sessionWaiters.delete(waiter.session.id);
  }

  /** Waiters of sessions the cache no longer has (evicted, or closed unseen), with no fetch parked, are retired. */
  private sweepWaiters(): void {
    const cache = this.sessionCache;
    if (cache === null) return;
    for (const waiter of [...this.sessionWaiters.values()]) {
      if (waiter.parked === null && cache.get(waiter.session!.id) !== waiter.session) this.retire(waiter);
    }
  }

  private park(fetch: ConsumerFetch, fx: Effects<Message>): void {
    this.parkedCount++;
    if (fetch.waiter === null) {
      const waiter: Waiter = { session: null, parked: fetch, dead: false, fetch: null, response: null, responseFree: false, single: null, generation: -1, spare: NO_CACHED };
      fetch.waiter = waiter;
      for (const cached of fetch.partitions) this.watch(waiter, cached);
    } else {
      fetch.waiter.parked = fetch;
    }
    this.enqueueDeadline(fetch);
    if (this.parkTimerDueUs === null || fetch.deadlineUs < this.parkTimerDueUs) {
      this.parkTimerDueUs = fetch.deadlineUs;
      fx.setTimer(TIMER_PARK, fetch.deadlineUs - fx.nowUs);
    }
  }

  /**
   * Into the deadline queue, after every entry due at or before it (so ties keep arrival order).
   * Consumers share fetch.max.wait.ms as a rule, so a fetch parking now is nearly always due last:
   * the tail is checked before any search. Compaction keeps the live entries in place (no copy).
   */
  private enqueueDeadline(fetch: ConsumerFetch): void {
    const queue = this.deadlines;
    const dueUs = this.deadlineDueUs;
    const tickets = this.deadlineTickets;
    let end = this.deadlinesEnd;
    // Fetches answered early at the head are dropped now (most are woken within milliseconds of parking).
    while (this.deadlinesHead < end && !this.isLiveDeadline(this.deadlinesHead)) this.deadlinesHead++;
    if (end > 2 * this.parkedCount + 64) {
      // Entries passed over, or of fetches answered early behind one still waiting: the live ones move to the front (the bound: twice the parked fetches, plus 64).
      let kept = 0;
      for (let index = this.deadlinesHead; index < end; index++) {
        if (!this.isLiveDeadline(index)) continue;
        queue[kept] = queue[index]!;
        dueUs[kept] = dueUs[index]!;
        tickets[kept++] = tickets[index]!;
      }
      end = this.deadlinesEnd = kept;
      this.deadlinesHead = 0;
    }
    const deadlineUs = fetch.deadlineUs;
    if (end === this.deadlinesHead || dueUs[end - 1]! <= deadlineUs) {
      if (end < queue.length) {
        queue[end] = fetch;
        dueUs[end] = deadlineUs;
        tickets[end] = fetch.ticket;
      } else {
        queue.push(fetch);
        dueUs.push(deadlineUs);
        tickets.push(fetch.ticket);
      }
      this.deadlinesEnd = end + 1;
      return;
    }
    // Rare (a fetch with a shorter fetch.max.wait.ms than one parked before it): the left-over entries go, then an insert in order.
    queue.length = end;
    dueUs.length = end;
    tickets.length = end;
    this.deadlinesEnd = end + 1;
    let low = this.deadlinesHead;
    let high = end;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (dueUs[middle]! <= deadlineUs) low = middle + 1;
      else high = middle;
    }
    queue.splice(low, 0, fetch);
    dueUs.splice(low, 0, deadlineUs);
    tickets.splice(low, 0, fetch.ticket);
  }

  /** Whether the deadline entry at `index` still stands for a parked fetch: not answered since, and its object not reused since. */
  private isLiveDeadline(index: number): boolean {
    const fetch = this.deadlines[index]!;
    return !fetch.done && fetch.ticket === this.deadlineTickets[index];
  }

  /** A parked fetch leaves the parked set (answered, expired, or gone to the disk reads). */
  private unpark(fetch: ConsumerFetch): void {
    fetch.done = true;
    this.parkedCount--;
    const waiter = fetch.waiter!;
    if (waiter.parked === fetch) waiter.parked = null;
    if (waiter.session === null) waiter.dead = true;
  }

  /**
   * The high watermark of a led partition moved: parked fetches on it are answered if they now
   * have fetch.min.bytes. Cheap first: a fetch whose offset on this partition is still at or above
   * the high watermark gained nothing. Entries of fetches already answered are dropped here.
   */
  onHighWatermark(key: string, highWatermark: number, fx: Effects<Message>): void {
    const list = this.watchers.get(key);
    if (list !== undefined) this.wakeOn(list, highWatermark, fx);
  }

  /**
   * onHighWatermark for the ReplicaManager's own partition state (its every high watermark move):
   * the wake-up list is kept on that state once found, so a move finds it by a field, not by the
   * partition's key in `watchers` (a Map lookup per move: ~73,000 a simulated minute in the
   * reference). `watchers` only ever adds, so the list kept is this key's for the leadership's life;
   * a new leadership is a new object, which finds it again.
   */
  onLeaderHighWatermark(leader: LedPartitionRead, fx: Effects<Message>): void {
    let list = leader.wakeList;
    if (list === null) {
      const found = this.watchers.get(leader.key);
      if (found === undefined) return;
      leader.wakeList = list = found;
    }
    this.wakeOn(list, leader.highWatermark, fx);
  }

  private wakeOn(list: WakeList, highWatermark: number, fx: Effects<Message>): void {
    const watches = list.watches;
    const toWake = this.toWake;
    let kept = 0;
    for (let index = 0; index < watches.length; index++) {
      const watch = watches[index]!;
      const waiter = watch.waiter;
      if (waiter.dead || watch.forgotten) continue;
      watches[kept++] = watch;
      const cached = watch.cached;
      if (cached.quietLog !== null) {
        // A high watermark to send, maybe records: answered in full next time (a partition not quiet is listed already).
        cached.quietLog = null;
        waiter.session?.list(cached);
      }
      if (waiter.parked !== null && cached.part.fetchOffset < highWatermark) toWake[this.toWakeCount++] = waiter.parked;
    }
    if (kept !== watches.length) watches.length = kept;
    const count = this.toWakeCount;
    this.toWakeCount = 0;
    for (let index = 0; index < count; index++) {
      const fetch = toWake[index]!;
      toWake[index] = null;
      if (!fetch.done) this.wake(fetch, fx);
    }
  }

  /**
   * A led partition's log start or local log start moved (retention, or the remote tier's
   * retention): each session holding it answers it in full next time (a new log start to send,
   * or an offset no longer local). Parked fetches are not woken: that waits for records.
   */
  onLogStartMoved(key: string): void {
    const list = this.watchers.get(key);
    if (list === undefined) return;
    for (const watch of list.watches) {
      const cached = watch.cached;
      if (watch.waiter.dead || watch.forgotten || cached.quietLog === null) continue;
      quietLogStartMoves++;
      cached.quietLog = null;
      watch.waiter.session?.list(cached);
    }
  }

  /** A parked fetch that may have records now: answered if it has fetch.min.bytes or an error, or sent to the disk reads. */
  private wake(fetch: ConsumerFetch, fx: Effects<Message>): void {
    if (this.answer(fetch, fx, true) === Outcome.MayReadDisk) {
      if (this.toDisk(fetch, fx)) {
        this.unpark(fetch);
        this.wokenToDisk++;
        return;
      }
      this.answer(fetch, fx, false); // nothing to read from the disk after all
    }
    if (this.answerBytes < fetch.request.minBytes && !this.answerHasError) return;
    this.unpark(fetch);
    this.respond(fetch, fx);
  }

  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (key !== TIMER_PARK) return false;
    this.parkTimerDueUs = null;
    // Every fetch whose fetch.max.wait.ms is over, in deadline order; then the timer for the next one still parked.
    while (this.deadlinesHead < this.deadlinesEnd) {
      const fetch = this.deadlines[this.deadlinesHead]!;
      if (!this.isLiveDeadline(this.deadlinesHead)) {
        this.deadlinesHead++; // answered early
        continue;
      }
      if (fetch.deadlineUs > fx.nowUs) {
        this.parkTimerDueUs = fetch.deadlineUs;
        fx.setTimer(TIMER_PARK, fetch.deadlineUs - fx.nowUs);
        break;
      }
      this.deadlinesHead++;
      this.expire(fetch, fx);
    }
    if (this.deadlinesHead === this.deadlinesEnd) {
      // Empty: the arrays keep their backing stores (see deadlinesEnd).
      this.deadlinesHead = 0;
      this.deadlinesEnd = 0;
    }
    return true;
  }

  /** A parked fetch's fetch.max.wait.ms is over: answered with what it has (or sent to the disk reads). */
  private expire(fetch: ConsumerFetch, fx: Effects<Message>): void {
    this.unpark(fetch);
    // A FULL fetch's watches leave the index now: a partition whose high watermark never moves would keep them until compaction.
    if (fetch.session === null) this.unwatch(fetch.waiter!, fetch.partitions);
    if (this.answer(fetch, fx, true) === Outcome.MayReadDisk) {
      if (this.toDisk(fetch, fx)) return;
      this.answer(fetch, fx, false);
    }
    this.respond(fetch, fx);
  }

  /**
   * A fetch about to read a closed segment the page cache may have evicted (a parked fetch woken,
   * or a session partition its request did not name): if the read would miss, it waits for the
   * disk like a fresh fetch, with what is left of its fetch.max.wait.ms, so once read it is
   * answered if it has fetch.min.bytes or its wait is over, else parked again for the rest (see
   * resume). Its body is then in the heap whatever the store: no synchronous load of an evicted
   * segment (page-cache.ts bodyOf) can be reached from here. The request handed over names every
   * partition to answer (local-reads.ts checks those) and carries the fetch as `resumes`.
   */
  private toDisk(fetch: ConsumerFetch, fx: Effects<Message>): boolean {
    if (this.awaitDisk === null) return false;
    const partitions = fetch.partitions.map((cached) => cached.part);
    const request: ConsumerFetchRequest = { ...fetch.request, partitions, maxWaitUs: Math.max(0, fetch.deadlineUs - fx.nowUs), resumes: fetch };
    return this.awaitDisk(fetch.from, request, fx);
  }

  private unwatch(waiter: Waiter, partitions: readonly CachedPartition[]): void {
    for (const cached of partitions) {
      const list = this.watchers.get(cached.part.key);
      if (list === undefined) continue;
      const at = list.watches.findIndex((watch) => watch.waiter === waiter);
      if (at >= 0) list.watches.splice(at, 1);
    }
  }

  /** A fetch back from its disk read: answered in its own session context, or parked again for the rest of its wait. */
  private resume(waited: ConsumerFetch, fx: Effects<Message>): void {
    // A FULL fetch's waiter died when it left for the disk: a new one if it parks again.
    const fetch: ConsumerFetch = { ...waited, waiter: waited.session === null ? null : waited.waiter, done: false };
    // The segments it reads are held in the page cache while it is handled: no disk read is left to wait for.
    this.answer(fetch, fx, false);
    if (this.answerBytes >= fetch.request.minBytes || this.answerHasError || fx.nowUs >= fetch.deadlineUs || this.parkedCount >= PARKED_CONSUMER_FETCHES_MAX) {
      this.respond(fetch, fx);
      return;
    }
    this.park(fetch, fx);
  }

  handleListOffsets(from: string, request: ListOffsetsRequest, fx: Effects<Message>): void {
    const partitions = request.partitions.map((part) => {
      const leader = this.replicas.leaderRead(`${part.topic}-${part.partition}`);
      if (leader === null) {
        const error: ErrorCode = this.image.partition(part.topic, part.partition) === undefined ? 'UNKNOWN_TOPIC_OR_PARTITION' : 'NOT_LEADER_OR_FOLLOWER';
        return { topic: part.topic, partition: part.partition, error, offset: -1, leaderEpoch: -1 };
      }
      // Earliest: the log start. Latest, for a read_uncommitted consumer: the high watermark
      // (Kafka's Partition.fetchOffsetForTimestamp answers the HW, not the log end).
      const offset = part.timestamp === EARLIEST_TIMESTAMP ? leader.log.logStartOffset : leader.highWatermark;
      return { topic: part.topic, partition: part.partition, error: 'NONE' as const, offset, leaderEpoch: leader.leaderEpoch };
    });
    const response: ListOffsetsResponse = { type: 'ListOffsetsResponse', bytes: DATA_HEADER_BYTES + partitions.length * 24, correlationId: request.correlationId, partitions };
    fx.send(from, response);
  }

  view(): ConsumerFetchView {
    let indexedEntries = 0;
    for (const list of this.watchers.values()) indexedEntries += list.watches.length;
    const sessions = this.sessionCache?.view();
    return {
      fetchesServed: this.served,
      fetchesParked: this.parkedCount,
      bytesServed: this.bytesServed,
      batchesHeldBack: this.batchesHeldBack,
      indexedEntries,
      wokenToDisk: this.wokenToDisk,
      sessionPartitionsToDisk: this.sessionPartitionsToDisk,
      fetchSessions: sessions?.sessions ?? 0,
      fetchSessionPartitionsCached: sessions?.partitionsCached ?? 0,
      fetchSessionEvictions: sessions?.evictions ?? 0,
      sessionErrors: this.sessionErrors,
      sessionsNotCreated: this.sessionsNotCreated,
    };
  }

  /**
   * Answers each partition of the fetch into the scratch (`included`, `answerBytes`,
   * `answerHasError`): a FULL fetch's every partition, an INCREMENTAL one's only those with news.
   * With `checkDisk`, stops at the first partition whose read may touch a closed segment (the
   * caller asks the disk reads, then answers again without the check if nothing was missed).
   */
  private answer(fetch: ConsumerFetch, fx: Effects<Message>, checkDisk: boolean): Outcome {
    this.includedCount = 0;
    this.answerBytes = 0;
    this.answerHasError = false;
    const generation = this.replicas.leadersGenerationNow;
    if (fetch.session !== null && !this.walkWholeSessions) return this.answerListed(fetch, fetch.session, fx, checkDisk, generation);
    const partitions = fetch.partitions;
    for (let index = 0; index < partitions.length; index++) {
      const cached = partitions[index]!;
      if (this.walkWholeSessions) cached.quietLog = null; // the reference: every partition answered in full
      if (this.evaluate(fetch, cached, fx, checkDisk, generation, false) === Evaluated.MayReadDisk) return Outcome.MayReadDisk;
    }
    return Outcome.Answered;
  }

  /**
   * An INCREMENTAL fetch's answer: only its session's listed partitions are evaluated, in session
   * order (the order a walk of the whole session answers in); each found quiet leaves the list, the
   * others stay for the next answer. Kafka's IncrementalFetchContext walks every partition of the
   * session and drops those CachedPartition.maybeUpdateResponseData finds nothing new for (no
   * records, no error, the high watermark and log start it last sent): an unlisted partition is one
   * whose last answer found nothing and whose entry, high watermark, log start and leader have not
   * moved since, so it would be dropped again. A leadership change here lists them all once.
   */
  private answerListed(fetch: ConsumerFetch, session: FetchSession, fx: Effects<Message>, checkDisk: boolean, generation: number): Outcome {
    const waiter = fetch.waiter!;
    if (waiter.generation !== generation) {
      listAll(session);
      waiter.generation = generation;
    }
    const pending = session.dirty!;
    const kept = waiter.spare;
    session.dirty = kept;
    if (pending.length > 1) sortByOrder(pending);
    quietSkips += session.partitions.length - pending.length;
    if (verifyQuietPartitions) this.verifyUnlisted(fetch, session, fx, generation);
    let outcome = Outcome.Answered;
    let index = 0;
    for (; index < pending.length; index++) {
      const cached = pending[index]!;
      if (this.evaluate(fetch, cached, fx, checkDisk, generation, false) === Evaluated.MayReadDisk) {
        outcome = Outcome.MayReadDisk;
        break;
      }
      if (cached.quietLog !== null) cached.listed = false;
      else kept.push(cached);
    }
    for (; index < pending.length; index++) kept.push(pending[index]!); // not reached: still listed
    emptyList(pending);
    waiter.spare = pending;
    return outcome;
  }

  /** The test hook's check (setQuietConsumerPartitionChecks): every unlisted session partition is still quiet, and answering it in full finds nothing. */
  private verifyUnlisted(fetch: ConsumerFetch, session: FetchSession, fx: Effects<Message>, generation: number): void {
    for (const cached of session.partitions) {
      if (cached.listed) continue;
      if (!stillQuiet(cached, generation)) throw new Error(`consumer fetch: ${cached.part.key} in session ${session.id} is neither quiet nor listed: a change did not list it`);
      this.evaluate(fetch, cached, fx, false, generation, true);
    }
  }

  /**
   * One partition of an answer, evaluated (Kafka's CachedPartition.maybeUpdateResponseData for a
   * session's): into the scratch if it has records, an error, or a high watermark or log start
   * other than the one last sent (a FULL fetch's always); a session partition with nothing to
   * read either is made quiet. `verifying`: a partition passed over as quiet, answered in full
   * anyway; any news found throws.
   */
  private evaluate(fetch: ConsumerFetch, cached: CachedPartition, fx: Effects<Message>, checkDisk: boolean, generation: number, verifying: boolean): Evaluated {
    const full = fetch.session === null;
    const maxBytes = fetch.request.partitionMaxBytes;
    const quietLog = cached.quietLog; // only a session's partition is ever quiet
    if (quietLog !== null) {
      // Listed yet untouched since it went quiet (a leadership change elsewhere listed the whole session, or the whole session is walked): again nothing.
      if (!verifying && stillQuiet(cached, generation)) return Evaluated.Nothing;
      cached.quietLog = null;
    }
    const part = cached.part;
    let leader: LeaderRead | null;
    let watch: PartitionWatch | null = null;
    if (full) {
      leader = this.replicas.leaderRead(part.key);
    } else {
      // A session's partitions are all watched (openWaiter, takeIn): the watch keeps the leader read in this generation.
      watch = cached.resolved as PartitionWatch;
      if (watch.generation !== generation) {
        watch.leader = this.replicas.leaderRead(part.key);
        watch.generation = generation;
      }
      leader = watch.leader;
    }
    let response: ConsumerFetchPartitionResponse;
    if (leader === null) {
      response = failure(cached, this.image.partition(part.topic, part.partition) === undefined ? 'UNKNOWN_TOPIC_OR_PARTITION' : 'NOT_LEADER_OR_FOLLOWER', -1);
    } else if (part.currentLeaderEpoch >= 0 && part.currentLeaderEpoch < leader.leaderEpoch) {
      response = failure(cached, 'FENCED_LEADER_EPOCH', leader.leaderEpoch);
    } else if (part.currentLeaderEpoch > leader.leaderEpoch) {
      response = failure(cached, 'UNKNOWN_LEADER_EPOCH', leader.leaderEpoch);
    } else {
      const log = leader.log;
      const highWatermark = leader.highWatermark;
      const logStartOffset = log.logStartOffset;
      // Kafka's LocalLog.read: out of range below the log start or past the log end; from the high
      // watermark up to the log end it reads nothing (emptyFetchDataInfo), and the fetch waits.
      if (part.fetchOffset < logStartOffset || part.fetchOffset > log.endOffset) {
        response = failure(cached, 'OFFSET_OUT_OF_RANGE', leader.leaderEpoch, highWatermark, logStartOffset);
      } else {
        let batches = NO_BATCHES;
        if (part.fetchOffset < log.localLogStartOffset && this.remote !== null) {
          // KIP-405: only in the object store. Null: being fetched; the fetch parks (nothing to answer yet).
          batches = this.remote.read(part.key, log, part.fetchOffset, maxBytes, fx) ?? NO_BATCHES;
        } else if (part.fetchOffset < highWatermark) {
          if (checkDisk && this.awaitDisk !== null && log.segmentsReadFrom(part.fetchOffset, maxBytes) !== null) return Evaluated.MayReadDisk;
          batches = this.readCommitted(log, part.fetchOffset, maxBytes, highWatermark);
        }
        // CachedPartition.maybeUpdateResponseData: an incremental answer leaves out a partition with nothing new.
        if (!full && batches.length === 0 && highWatermark === cached.highWatermark && logStartOffset === cached.logStartOffset) {
          // Quiet if nothing was there to read: then only a high watermark move (or remote data), a new request entry, a leadership change or a log start move can give it news.
          if (watch !== null && part.fetchOffset >= highWatermark && part.fetchOffset >= log.localLogStartOffset) {
            cached.quietLog = log;
            cached.quietOffset = part.fetchOffset;
            cached.quietGeneration = generation;
          }
          return Evaluated.Nothing;
        }
        response = watch !== null && fetch.waiter!.responseFree ? this.reusedEntry(watch, highWatermark, logStartOffset, leader.leaderEpoch, batches) : { topic: part.topic, partition: part.partition, error: 'NONE', highWatermark, logStartOffset, leaderEpoch: leader.leaderEpoch, batches };
        for (let at = 0; at < batches.length; at++) this.answerBytes += batches[at]!.bytes;
      }
    }
    if (verifying) throw new Error(`consumer fetch: ${part.key} was passed over as quiet, but answering it in full found ${response.error === 'NONE' ? `news (high watermark ${response.highWatermark}, log start ${response.logStartOffset}, ${response.batches.length} batches)` : response.error}`);
    if (response.error !== 'NONE') this.answerHasError = true;
    this.included[this.includedCount] = response;
    this.includedCached[this.includedCount++] = cached;
    return Evaluated.Included;
  }

  /** A session partition's answer entry: its last one rewritten (the consumer handled every earlier answer of the session), or a first one kept for next time. */
  private reusedEntry(watch: PartitionWatch, highWatermark: number, logStartOffset: number, leaderEpoch: number, batches: readonly LogBatch[]): ConsumerFetchPartitionResponse {
    let entry = watch.response;
    if (entry === null) {
      const part = watch.cached.part;
      entry = watch.response = { topic: part.topic, partition: part.partition, error: 'NONE', highWatermark, logStartOffset, leaderEpoch, batches };
      return entry;
    }
    entry.highWatermark = highWatermark;
    entry.logStartOffset = logStartOffset;
    entry.leaderEpoch = leaderEpoch;
    entry.batches = batches;
    return entry;
  }

  /**
   * The committed batches from `offset` (PartitionLog.readCommitted: from the batch holding it,
   * only those wholly below the high watermark; a list shared with the partition's other readers
   * at the same offset and high watermark), counting the batches it held back.
   */
  private readCommitted(log: PartitionLog, offset: number, maxBytes: number, highWatermark: number): readonly LogBatch[] {
    const read = log.readCommitted(offset, maxBytes, highWatermark);
    this.batchesHeldBack += log.heldBackByLastRead;
    return read;
  }

  /**
   * Sends the answer in the scratch, and records it as sent: each included partition's high
   * watermark and log start in its session (an error as -1, so the partition is sent again once
   * it clears), and a FULL fetch that asked for a session opens it (Kafka's FullFetchContext.
   * updateAndGenerateResponseData; consumers' sessions are not privileged).
   */
  private respond(fetch: ConsumerFetch, fx: Effects<Message>): void {
    const included = this.included;
    const count = this.includedCount;
    for (let index = 0; index < count; index++) {
      const response = included[index]!;
      const cached = this.includedCached[index]!;
      cached.highWatermark = response.error === 'NONE' ? response.highWatermark : -1;
      cached.logStartOffset = response.logStartOffset;
    }
    let sessionId = INVALID_SESSION_ID;
    if (fetch.session !== null) sessionId = fetch.session.id;
    else if (fetch.createSession) {
      sessionId = this.sessions(fx).maybeCreateSession(fx.nowUs, false, fetch.partitions as CachedPartition[]);
      if (sessionId !== INVALID_SESSION_ID) this.openWaiter(this.sessionCache!.get(sessionId)!);
      else this.sessionsNotCreated++;
    }
    this.served++;
    this.bytesServed += this.answerBytes;
    const bytes = DATA_HEADER_BYTES + count * PARTITION_RESPONSE_BYTES + this.answerBytes;
    const waiter = fetch.session !== null ? fetch.waiter : null;
    let response = waiter !== null && waiter.responseFree ? waiter.response : null;
    if (response !== null) {
      // The session's last answer, handled by the consumer (see Waiter.response): rewritten, its one-entry list too when it had one.
      response.bytes = bytes;
      response.correlationId = fetch.request.correlationId;
      response.sessionId = sessionId;
      if (count === 1) {
        const single = (waiter!.single ??= [included[0]!]);
        single[0] = included[0]!;
        response.partitions = single;
      } else {
        response.partitions = partitionList(included, count);
      }
    } else {
      response = { type: 'FetchResponse', bytes, correlationId: fetch.request.correlationId, error: 'NONE', sessionId, partitions: partitionList(included, count) };
    }
    if (waiter !== null) {
      waiter.response = response;
      waiter.responseFree = false;
    } else if (fetch.createSession && sessionId !== INVALID_SESSION_ID) {
      this.sessionWaiters.get(sessionId)!.response = response; // its first INCREMENTAL fetch frees it
    }
    fetch.answered = true;
    fx.send(fetch.from, response, 'FetchResponse', bytes);
  }
}

/** An answer's partitions: the first `count` of the scratch, as a list of their own (one partition in most answers: a literal, not a slice's runtime call). */
function partitionList(included: readonly ConsumerFetchPartitionResponse[], count: number): readonly ConsumerFetchPartitionResponse[] {
  if (count === 0) return NO_PARTITIONS;
  if (count === 1) return [included[0]!];
  return included.slice(0, count);
}

/** A quiet partition that nothing has touched since it went quiet in leaders' generation `generation`: answering it would again find nothing. */
function stillQuiet(cached: CachedPartition, generation: number): boolean {
  const quietLog = cached.quietLog;
  return quietLog !== null && cached.quietGeneration === generation && quietLog.logStartOffset === cached.logStartOffset && cached.quietOffset >= quietLog.localLogStartOffset;
}

/** Lists every partition of a session, in session order (a leadership change: each is evaluated once). */
function listAll(session: FetchSession): void {
  const dirty = session.dirty!;
  for (let index = 0; index < dirty.length; index++) dirty[index]!.listed = false;
  emptyList(dirty);
  for (const cached of session.partitions) session.list(cached);
}

/** Sorts listed partitions by session order: an insertion sort, as the lists are a partition or two long (Array.sort's comparator calls cost more). */
function sortByOrder(states: CachedPartition[]): void {
  for (let index = 1; index < states.length; index++) {
    const state = states[index]!;
    let place = index - 1;
    while (place >= 0 && states[place]!.order > state.order) {
      states[place + 1] = states[place]!;
      place--;
    }
    states[place + 1] = state;
  }
}

/** Drops the dead watches from a wake-up list, and sets when to compact it next (twice its live entries, plus slack). */
function compactWakeList(list: WakeList): void {
  const watches = list.watches;
  let kept = 0;
  for (let index = 0; index < watches.length; index++) {
    const watch = watches[index]!;
    if (!watch.waiter.dead && !watch.forgotten) watches[kept++] = watch;
  }
  watches.length = kept;
  list.compactAtLength = 2 * kept + INDEX_SLACK_ENTRIES;
}
