// A broker's replicas (Kafka's ReplicaManager, Partition, ReplicaFetcherThread and DelayedProduce,
// in one component). The metadata log says which partitions this broker leads or follows, in which
// leader epoch; this component does the rest:
//
//   leader    appends produced batches at its log end in its leader epoch; answers followers'
//             fetches, checking their (fetchOffset, lastFetchedEpoch) against its log (KIP-320:
//             a diverging follower is told where its epoch ended, and truncates); advances the high
//             watermark to the smallest log end in the ISR; answers acks=all produces once the high
//             watermark passes them, with NOT_ENOUGH_REPLICAS(_AFTER_APPEND) when the ISR is
//             smaller than min.insync.replicas; shrinks the ISR of followers not caught up for
//             replica.lag.time.max.ms and expands it when they catch up to the high watermark, by
//             AlterPartition to the controller (the change takes effect when committed).
//   sessions  follower fetches run in KIP-227 incremental fetch sessions (fetch-session.ts): the
//             first fetch to a leader is FULL, later ones carry only the partitions whose fetch
//             offset, epoch or log start changed; the leader keeps each session's partitions and
//             answers only those with news. The session cache is memory: a restarted leader
//             answers FETCH_SESSION_ID_NOT_FOUND and the follower starts over with a FULL fetch.
//   follower  fetches from its leader (one fetch in flight per leader broker, long-polled there),
//             appends what it gets, truncates on divergence, and takes the leader's high watermark
//             and log start offset; below the leader's log start (OFFSET_OUT_OF_RANGE) it
//             truncates fully and restarts there (Kafka's ReplicaFetcherThread). On a tiered topic
//             (KIP-405) it fetches only the local tail: below the leader's local log start it is
//             answered OFFSET_MOVED_TO_TIERED_STORAGE and restarts at that local start, its epoch
//             cache rebuilt from the remote segment metadata (TierStateMachine). It takes the
//             leader's remote segment metadata from fetch answers (remote-log-manager.ts).
//   both      delete old log segments every log.retention.check.interval.ms (Kafka's
//             LogManager.cleanupLogs), below their high watermark.
//
// Majority-quorum mode (config "dataReplication": "quorum", for the cluster or a topic; the contrast with Raft and BookKeeper;
// Kafka has no such mode): the high watermark is the largest offset a majority of the replicas
// (the leader included) has, whatever the ISR, and it moves only once a majority has a record of
// the leader's own epoch (KRaft's LeaderState.maybeUpdateHighWatermark: an older epoch's records
// are committed by a newer one, Raft thesis §3.6.2). So that it can, a new leader first appends a
// one-record control batch of its epoch, as KRaft's leader appends its LeaderChange message
// (KafkaRaftClient.onBecomeLeader); consumers skip it, as they skip Kafka's transaction markers
// (isControlBatch). acks=all answers at that high watermark, and
// min.insync.replicas does not apply. Every append is flushed before it counts (Raft persists
// before it acknowledges; BookKeeper's journal fsyncs): a majority rule trusts a restarted
// replica's log, so the log must survive the crash. The ISR is still shrunk and expanded, for
// display only. Answering a controller's ReplicaLogEnd (a majority election) fences this replica
// against older leader epochs of that partition until the metadata names a newer leader.
//
// Flushing (partition-log.ts has Kafka's rules): after each append a log due by flush.messages is
// flushed (UnifiedLog.append); a flush timer, Kafka's "kafka-log-flusher" (30 s after start, then
// every log.flush.scheduler.interval.ms), flushes logs due by flush.ms (LogManager.flushDirtyLogs),
// and tells the broker what it wrote so the disk is busy for it (`onScheduledFlush`).
//
// A full disk (Kafka's log directory failure, KIP-112): a write that does not fit on the broker's
// one log directory fails as ENOSPC does (an IOException). Kafka's UnifiedLog turns it into a
// KafkaStorageException and LogDirFailureChannel.maybeAddOfflineLogDir marks the directory
// offline; ReplicaManager.appendToLocalLog answers that partition KAFKA_STORAGE_ERROR; the
// LogDirFailureHandler then runs ReplicaManager.handleLogDirFailure -> LogManager.handleLogDirFailure,
// which, when no log directory is left online (`_liveLogDirs.isEmpty`), logs "Shutdown broker
// because all log dirs in ... have failed" and calls Exit.halt(1). A broker here has one log
// directory, so it halts: this component answers what it was handling with KAFKA_STORAGE_ERROR, takes
// no further write, and sets `logDirOffline`; the broker then ends its life (fx.exit), with no
// controlled shutdown, so the controller fences it after broker.session.timeout.ms and elects other
// leaders. (With several log directories Kafka would instead report the offline one to the controller
// in its heartbeat, KIP-858, and keep serving the others: not modelled.) The halt kills the JVM, not
// the machine: the page cache survives. The metadata log is on its own volume (metadata.log.dir).
//
// Logs and the producer-id counter are on the broker's disk; the rest is volatile and rebuilt from
// metadata after a restart. Idempotence: a batch whose producer id and sequence the log already
// has is answered with its first offset, not written twice.

import { TopicSlots } from './topic-slots';
import { emptyList, objectList } from '../sim/lists';
import type { PageCache } from '../storage/page-cache';
import type { MetadataImage, PartitionState } from '../controller/image';
import type { DataReplication } from '../config';
import type { AlterPartitionRequest, AlterPartitionResponse, ReplicaLogEndRequest, ReplicaLogEndResponse } from '../controller/messages';
import type { Effects, Message, TimerHandle } from '../sim/process';
import { formatSpan, type TimeUs } from '../sim/time';
import { OS_WRITEBACK_INTERVAL_US, PartitionLog, type EpochEntry, type LogConfig, type UnflushedLossCause } from './partition-log';
import { FETCH_SESSION_CACHE_SLOTS_DEFAULT, FetchSessionCache, FetchSessionHandler, FINAL_EPOCH, INVALID_SESSION_ID, type CachedPartition, type FetchContext, type FetchSession } from './fetch-session';
import type { RemoteSegmentTable } from '../storage/remote-segments';
import type { WakeList } from './consumer-fetch';
import {
  DATA_HEADER_BYTES,
  type DataRequest,
  type ErrorCode,
  type FetchPartitionRequest,
  type FetchPartitionResponse,
  type ForgottenPartition,
  type InitProducerIdResponse,
  type InternalRecord,
  type LogBatch,
  type MetadataResponse,
  type ProducePartitionResult,
  type ProduceRequest,
  type ProduceResponse,
  type ReplicaFetchRequest,
  type ReplicaFetchResponse,
} from './protocol';

const TIMER_ISR_CHECK = 'rm:isr-check';
const TIMER_WRITEBACK = 'rm:writeback';
const TIMER_RETENTION = 'rm:retention';
const TIMER_FLUSH = 'rm:log-flusher';
/** Flushes noted in the event log per log: the first, then every FLUSH_NOTE_EVERY-th (a flush per append would flood it). */
const FLUSH_NOTE_EVERY = 1_000;
/** Kafka's LogManager starts its retention task this long after startup (InitialTaskDelayMs, 30 s). */
export const RETENTION_INITIAL_DELAY_US = 30_000_000;
const TIMER_PRODUCE_TIMEOUT = 'rm:produce-timeout';
const TIMER_FETCH_PARK = 'rm:fetch-park:';
const TIMER_FETCH_RETRY = 'rm:fetch-retry:';
const TIMER_FETCH_BACKOFF = 'rm:fetch-backoff:';
/** An AlterPartition without an answer this long is given up and retried at the next ISR check. */
export const ALTER_PARTITION_RETRY_US = 10_000_000;
/** Produce requests waiting for the ISR, at most (Kafka's purgatory is bounded by memory). */
export const PARKED_PRODUCES_MAX = 100_000;

export interface ReplicaSettings {
  /** replica.lag.time.max.ms (30000). */
  readonly replicaLagMaxUs: TimeUs;
  /** replica.fetch.wait.max.ms (500). */
  readonly fetchMaxWaitUs: TimeUs;
  /** replica.fetch.max.bytes (1 MiB), per partition. */
  readonly fetchMaxBytes: number;
  /** replica.socket.timeout.ms (30000): a fetch without an answer is sent again. */
  readonly fetchTimeoutUs: TimeUs;
  /** replica.fetch.backoff.ms (1000): a partition whose fetch failed waits this long before it is fetched again. */
  readonly fetchBackoffUs: TimeUs;
  /** max.incremental.fetch.session.cache.slots (1000): KIP-227 fetch sessions this broker keeps as a leader. */
  readonly fetchSessionCacheSlots?: number;
  /** min.insync.replicas for a topic (topic config, else the broker default). */
  readonly minInsyncReplicas: (topic: string) => number;
  /** Per topic: "isr" (Kafka) or "quorum" (commit by a majority of the replicas; see the header). */
  readonly dataReplication: (topic: string) => DataReplication;
  /** A topic's segment and retention settings (topic config, else the broker's log.* defaults). */
  readonly logConfig?: (topic: string) => LogConfig;
  /** log.retention.check.interval.ms (300000). */
  readonly retentionCheckIntervalUs?: TimeUs;
  /** log.flush.scheduler.interval.ms: how often the log flusher runs after its first run at 30 s; absent: never again (Kafka's Long.MAX_VALUE). */
  readonly flushSchedulerIntervalUs?: TimeUs;
  /** The log directory's space (the broker's DiskDevice); absent: unlimited. */
  readonly space?: DiskSpace;
  /** The machine's OS page cache the logs' closed segments live in (storage/page-cache.ts); absent: always resident. */
  readonly pageCache?: PageCache;
}

/** The space on the broker's one log directory. */
export interface DiskSpace {
  readonly capacityBytes: number;
  /** Bytes other files take (the fill-disk fault). */
  readonly filledBytes: number;
  /** Records that a write did not fit (the directory went offline). */
  recordFailure(atUs: TimeUs, reason: string): void;
}

/** log.retention.check.interval.ms's default (Kafka's ServerLogConfigs). */
export const RETENTION_CHECK_INTERVAL_DEFAULT_US = 300_000_000;

/** What a broker keeps on disk for the data plane. */
export interface DataDisk {
  readonly logs: Map<string, PartitionLog>;
  producerIdCounter: number;
}

interface FollowerProgress {
  /** Its log end as its last fetch said, or null before it fetched in this leader epoch. */
  leo: number | null;
  lastCaughtUpUs: TimeUs;
  lastFetchUs: TimeUs;
  /** The leader's log end when this follower last fetched (Kafka's lastFetchLeaderLogEndOffset). */
  lastFetchLeaderLeo: number;
  /** Tiered topics: the remote segment metadata last sent to it (by identity: the list is replaced whole on a change). */
  sentRemoteSegments: RemoteSegmentTable | null;
  /** The fetch entry it last passed every check with (entries are immutable: the same one means the same offsets and epochs). */
  lastPart: FetchPartitionRequest | null;
  /**
   * Set while its partition is quiet in a fetch session (see SessionPartition): its fetch times then
   * follow that session's fetches without being written at each one; `settleProgress` writes them.
   */
  quietIn: SessionPartition | null;
  /**
   * The leader's ISR list last found to hold this follower (lists are replaced whole on a change,
   * never edited, so the same list still holds it): each partition a follower's fetch visits asks
   * whether it is in the ISR (maybeExpandIsr, isQuiet), nearly always of the same list.
   */
  isrHolding: readonly string[] | null;
  /** Its broker's fetch state here (parked fetch, park timer): the wake after an append reaches it without a lookup. */
  readonly fetcher: FollowerFetcher;
}

/** A follower broker as this leader serves its fetches: the fetch waiting in the purgatory (at most one: it has one in flight) and its park timer. */
interface FollowerFetcher {
  parked: ParkedFetch | null;
  /** The walk of its current incremental fetch session here (a follower has one session per leader); replaced with the session. */
  walk: SessionWalk | null;
  /** Its park timer is armed (see ReplicaManager.fetchers); the key is built once. */
  parkTimerArmed: boolean;
  readonly parkTimerKey: string;
}

interface LeaderPartition {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  /** The topic's dataReplication is "quorum" (static config: asked once, not per batch and fetch). */
  readonly quorum: boolean;
  leaderEpoch: number;
  partitionEpoch: number;
  /** The committed ISR (from metadata). */
  isr: readonly string[];
  /** The ISR's followers' progress, in ISR order (undefined: a member not a replica here), kept with `isr`: the high watermark reads them at every fetch. */
  isrProgress: readonly (FollowerProgress | undefined)[];
  readonly replicas: readonly string[];
  readonly followers: Map<string, FollowerProgress>;
  /** The same progress objects in an array: `partitionChanged` visits them at every append and high watermark move. */
  readonly progresses: readonly FollowerProgress[];
  highWatermark: number;
  epochStartOffset: number;
  /** Followers being added to the ISR by an AlterPartition not yet committed (KIP-497: counted for the HW). */
  readonly pendingAdds: Set<string>;
  alterInFlight: boolean;
  /** When the AlterPartition in flight was sent: without an answer by ALTER_PARTITION_RETRY_US it is given up and retried. */
  alterSentUs: TimeUs;
  /** The last follower dropped from the ISR, for people reading an error. */
  lastShrink: { readonly broker: string; readonly atUs: TimeUs } | null;
  /** The produce request that last named it (handleProduce's stamp: each partition grown once per request). */
  produceStamp: number;
  /**
   * min.insync.replicas of its topic as read at metadata offset `minIsrImageOffset` (the image's
   * nextOffset): a topic's config changes only with a metadata record replayed, so it is read
   * again only then, not per produced batch twice (three Map lookups each).
   */
  minIsr: number;
  minIsrImageOffset: number;
  /** The consumers' fetch handler's wake-up list for this partition, kept here by that handler (see LedPartitionRead). */
  wakeList: WakeList | null;
}

/**
 * A partition this broker leads, as the consumers' fetch handler reads it. `wakeList` is that
 * handler's to set (its wake-up list for the partition, found once per leadership rather than by
 * the partition's key at every high watermark move); the ReplicaManager never reads it.
 */
export interface LedPartitionRead {
  readonly key: string;
  readonly log: PartitionLog;
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  wakeList: WakeList | null;
}

interface FollowerPartition {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  /** The topic's dataReplication is "quorum" (static config). */
  readonly quorum: boolean;
  readonly leader: string;
  leaderEpoch: number;
  highWatermark: number;
  /** Not fetched before this time: its last fetch failed (replica.fetch.backoff.ms). */
  delayedUntilUs: TimeUs;
  /** The fetch entry last sent, reused while the log neither grew, shrank nor moved its start (it is immutable). */
  lastRequest: FetchPartitionRequest | null;
  lastRequestLogStart: number;
  /** Its place in its leader link's `entries` (when the link's `builtFor` is current). */
  fetchPlace: number;
  /** In its leader link's `changed` list: an answer carried it, so its entry may be stale. */
  entryChanged: boolean;
}

/**
 * What this broker keeps per leader it fetches from: the session handler, the fetch in flight, its
 * timers, and the entries of the last fetch built. One Map lookup per fetch and answer finds it all.
 *
 * Why `entries`: a fetch lists every partition followed from that leader (~25 at the reference
 * load; Kafka's fetcher thread builds its request from all its partition states), but only those an
 * answer carried can have moved their log end or start. While the partitions followed there are
 * the same list (`builtFor`, the identity of followersOf's array) and none is backing off, the next
 * fetch rebuilds only the `changed` ones' entries in place; anything else (a partition followed or
 * dropped, one backing off, a retention check that may move a log start) builds all of them again.
 */
interface LeaderLink {
  readonly handler: FetchSessionHandler;
  /** When the fetch in flight to this leader was sent; null: none. */
  inFlightSinceUs: TimeUs | null;
  /** Its fetch-retry timer is armed (see `parkTimerArmed`). */
  retryArmed: boolean;
  readonly retryTimerKey: string;
  readonly backoffTimerKey: string;
  /** followersOf(leader) as of `followedGeneration` (see ReplicaManager.followedOn). */
  followed: readonly FollowerPartition[];
  followedGeneration: number;
  /** The list of partitions followed from this leader that `entries` holds one entry per (null: build from scratch next time). */
  builtFor: readonly FollowerPartition[] | null;
  /** The entries of the last fetch built, by FollowerPartition.fetchPlace. */
  readonly entries: FetchPartitionRequest[];
  /** Partitions whose entry may be stale since that build (at most one per partition of `builtFor`). */
  readonly changed: FollowerPartition[];
  /**
   * The places of `entries` rewritten since the last request was built (the first
   * `changedPlaceCount`; bounded by `builtFor`'s length, each place once): the session handler
   * compares only them (FetchSessionHandler.buildAt) instead of all ~25. Numbers: no write barrier.
   */
  readonly changedPlaces: number[];
  changedPlaceCount: number;
}

interface ParkedProduce {
  readonly from: string;
  readonly request: ProduceRequest;
  readonly results: (ProducePartitionResult | null)[];
  /** Per batch: the offset the high watermark must pass, or -1 once answered. */
  readonly requiredOffsets: number[];
  readonly deadlineUs: TimeUs;
}

/** A follower fetch being answered, or waiting in the purgatory: its request and its session context (fetch-session.ts). */
interface ParkedFetch {
  readonly from: string;
  readonly request: ReplicaFetchRequest;
  readonly context: Exclude<FetchContext, { kind: 'error' }>;
  /** Its follower broker's state here (request.replicaId's). */
  readonly fetcher: FollowerFetcher;
  /** When its replica.fetch.wait.max.ms runs out (set when it parks). */
  deadlineUs: TimeUs;
}

/**
 * A fetch session's cached partition as this leader tracks it (kept in `CachedPartition.resolved`).
 *
 * Why: a follower's session holds every partition it follows here (about 25 at the reference load),
 * and nearly every fetch changes one or two of them; walking all of them at each fetch and each
 * answer was a third of the leader's replication cost. A partition is *quiet* when answering it
 * again would find, as Kafka's IncrementalFetchContext does for an unchanged CachedPartition
 * (FetchSession.scala, `maybeUpdateResponseData` false), nothing to check or send: the follower's
 * entry is the one last checked, at the leader's log end, the follower is in the ISR (no expansion
 * to try), and the high watermark and log start were sent. Then the only effect of answering it is
 * the follower's fetch time (Kafka's `updateFollowerFetchState`: caught up now), which a quiet
 * partition takes from its session's last answer (`SessionWalk.evaluatedUs`) when it is read
 * (`settleProgress`). A session's fetches and answers visit only its partitions that are not quiet
 * (`SessionWalk.dirty`), in session order; whatever could end a quiet partition's quiet (its entry
 * replaced, an append, a high watermark or log start move, an ISR change: `partitionChanged`; a
 * leadership change anywhere: `leadersGeneration`) lists it there again first.
 */
interface SessionPartition {
  readonly cached: CachedPartition;
  /** Its place in its session (partitions join at the end and never move): a walk answers in this order. */
  order: number;
  /** Resolved against `leadersGeneration` (cached.resolvedGeneration). */
  leader: LeaderPartition | undefined;
  progress: FollowerProgress | undefined;
  /** The session walk it belongs to; null while its FULL fetch has not opened a session. */
  walk: SessionWalk | null;
  /** Quiet (see above): its progress's `quietIn` is this object. */
  quiet: boolean;
  /** In its walk's `dirty` list. */
  listed: boolean;
}

/** What a leader keeps per incremental fetch session (FetchSession) to answer only its partitions that changed. */
interface SessionWalk {
  readonly session: FetchSession;
  /** When the session's partitions were last answered (a fetch arriving, woken, or timing out): a quiet partition's fetch time. */
  evaluatedUs: TimeUs;
  /** The answer before that one (a quiet partition the walk in progress has not reached yet was last answered then). */
  previousUs: TimeUs;
  /** The place (order) of the partition the answer in progress is visiting; +Infinity between answers. */
  position: number;
  /** The `leadersGeneration` its quiet partitions were resolved in; another one (or -1) walks the whole session once. */
  generation: number;
  /** Partitions to visit at the next answer (not quiet); an answer swaps it with `spare` while it walks, so what is listed meanwhile waits for the next one. */
  dirty: SessionPartition[];
  spare: SessionPartition[];
}

/** Answers made inside another answer (quorum mode: a high watermark moved by one follower's fetch answers another's parked fetch), all engines: tests prove the nested scratch lists were used. */
let nestedFetchAnswers = 0;
export function nestedFetchAnswersSeen(): number {
  return nestedFetchAnswers;
}

/** Test hook: when set, every incremental answer checks that each quiet partition would indeed have nothing to check or send. */
let verifyQuietPartitions = false;
export function setQuietPartitionChecks(on: boolean): void {
  verifyQuietPartitions = on;
}
/** Follower builds, with the checks on, whose listed places were checked to be all that changed (tests see the path taken). */
let placesCompared = 0;
export function checkedPlaceBuilds(): number {
  return placesCompared;
}

/** The walk of a follower's incremental session, made at its first incremental fetch (it then walks the whole session once). */
function walkOf(fetcher: FollowerFetcher, session: FetchSession): SessionWalk {
  let walk = fetcher.walk;
  if (walk === null || walk.session !== session) {
    walk = { session, evaluatedUs: 0, previousUs: 0, position: Number.POSITIVE_INFINITY, generation: -1, dirty: [], spare: [] };
    fetcher.walk = walk;
  }
  return walk;
}

/** When a quiet partition was last answered: this answer's time if the walk in progress has passed its place, else the one before. */
function quietSinceUs(state: SessionPartition): TimeUs {
  const walk = state.walk!;
  return state.order <= walk.position ? walk.evaluatedUs : walk.previousUs;
}

/** A follower's last caught-up time, a quiet partition's included (Kafka's lastCaughtUpTimeMs). */
function caughtUpUs(progress: FollowerProgress): TimeUs {
  const state = progress.quietIn;
  return state === null ? progress.lastCaughtUpUs : Math.max(progress.lastCaughtUpUs, quietSinceUs(state));
}

/** Ends a partition's quiet: its follower's fetch times are written as the answers it skipped would have (caught up at the last one). */
function settleProgress(state: SessionPartition): void {
  const progress = state.progress!;
  const atUs = quietSinceUs(state);
  progress.lastCaughtUpUs = Math.max(progress.lastCaughtUpUs, atUs);
  progress.lastFetchUs = atUs;
  progress.quietIn = null;
  state.quiet = false;
}

/** A followed partition's fetch entry: the one last sent while its log end and start are unchanged (entries are immutable), else a new one. */
function entryOf(follower: FollowerPartition): FetchPartitionRequest {
  const log = follower.log;
  const entry = follower.lastRequest;
  if (entry !== null && entry.fetchOffset === log.endOffset && follower.lastRequestLogStart === log.logStartOffset) return entry;
  const fresh: FetchPartitionRequest = {
    topic: follower.topic,
    partition: follower.partition,
    key: follower.key,
    fetchOffset: log.endOffset,
    lastFetchedEpoch: log.epochBefore(log.endOffset) ?? log.latestEpoch,
    currentLeaderEpoch: follower.leaderEpoch,
  };
  follower.lastRequest = fresh;
  follower.lastRequestLogStart = log.logStartOffset;
  return fresh;
}

/** Lists an entry's place for the next build's compare (LeaderLink.changedPlaces); each place once, as each partition is marked once. */
function addPlace(link: LeaderLink, place: number): void {
  const places = link.changedPlaces;
  if (link.changedPlaceCount < places.length) places[link.changedPlaceCount] = place;
  else places.push(place);
  link.changedPlaceCount++;
}

/** Lists a session partition for its session's next answer (once). */
function listPartition(state: SessionPartition): void {
  if (state.listed || state.walk === null) return;
  state.listed = true;
  state.walk.dirty.push(state);
}

/** Sorts `states` from `from` on by session order: an insertion sort, as the lists are a few partitions long (Array.sort's comparator calls cost more). */
function sortByOrder(states: SessionPartition[], from: number): void {
  for (let index = from + 1; index < states.length; index++) {
    const state = states[index]!;
    let place = index - 1;
    while (place >= from && states[place]!.order > state.order) {
      states[place + 1] = states[place]!;
      place--;
    }
    states[place + 1] = state;
  }
}

/**
 * Partitions listed while an answer walks (a nested answer to another follower moved their high
 * watermark: quorum mode): those after the current place are answered now, in order, as a walk of
 * the whole session would; the others wait for the next answer.
 */
function pullListed(walk: SessionWalk, pending: SessionPartition[], index: number): void {
  const position = pending[index]!.order;
  const dirty = walk.dirty;
  let kept = 0;
  let pulled = false;
  for (const state of dirty) {
    if (state.order > position) {
      state.listed = false;
      pending.push(state);
      pulled = true;
    } else {
      dirty[kept++] = state;
    }
  }
  dirty.length = kept;
  if (pulled) sortByOrder(pending, index + 1);
}

/**
 * The part of ReplicaView read without walking the logs (ReplicaManager.counters): what the metrics'
 * series read each simulated second, and what a scenario's checks read every 100 ms (at 30 brokers
 * those checks built every broker's whole replica view, each log's segments listed, to sum one number).
 */
export type ReplicaCounters = Pick<
  ReplicaView,
  'bytesIn' | 'messagesIn' | 'replicationBytesOut' | 'failedProduceRequests' | 'isrShrinks' | 'isrExpands' | 'underReplicated' | 'underMinIsr' | 'truncatedRecords' | 'logFlushes'
>;

/** A led partition whose ISR is smaller than its replica set (Kafka's UnderReplicatedPartitions counts it). */
function isUnderReplicated(leader: LeaderPartition): boolean {
  return leader.isr.length < leader.replicas.length;
}

export interface ReplicaView {
  readonly leaderOf: number;
  readonly followerOf: number;
  readonly underReplicated: number;
  readonly underMinIsr: number;
  readonly records: number;
  readonly bytes: number;
  /** Batches and segments held by this broker's logs (bounded by retention). */
  readonly batches: number;
  readonly segments: number;
  readonly unflushedRecords: number;
  /** Bytes in the page cache not yet on disk (flushed = bytes - unflushedBytes). */
  readonly unflushedBytes: number;
  /** fsyncs asked by flush.messages and flush.ms this life. */
  readonly logFlushes: number;
  /** Set once a write did not fit: the log directory is offline and the broker halts (see the header). */
  readonly logDirOffline: string | null;
  readonly isrShrinks: number;
  readonly isrExpands: number;
  readonly truncatedRecords: number;
  readonly parkedProduces: number;
  /**
   * Kafka's BrokerTopicMetrics as counts since this life began (kafka.server.ReplicaManager
   * appendToLocalLog marks them): bytes and records leaders appended for producers (BytesInPerSec,
   * MessagesInPerSec), partition appends refused (FailedProduceRequestsPerSec), and record bytes
   * sent to followers (ReplicationBytesOutPerSec). The metrics layer turns them into rates.
   */
  readonly bytesIn: number;
  readonly messagesIn: number;
  readonly failedProduceRequests: number;
  readonly replicationBytesOut: number;
  /** Record bytes this broker's followers appended from their leaders (Kafka's ReplicationBytesInPerSec), since this life began. */
  readonly replicationBytesIn: number;
  /** Log segments (all replicas on this broker) and records deleted by retention so far. */
  readonly retentionDeletedSegments: number;
  readonly retentionDeletedRecords: number;
  /** Follower partitions that fell below their leader's log start and restarted there (OFFSET_OUT_OF_RANGE). */
  readonly outOfRangeResets: number;
  /** KIP-405: follower partitions that fell below their leader's local log start and restarted there (OFFSET_MOVED_TO_TIERED_STORAGE). */
  readonly movedToTieredResets: number;
  /** KIP-227, as a leader: Kafka's NumIncrementalFetchSessions, NumIncrementalFetchPartitionsCached, and sessions evicted this life. */
  readonly fetchSessions: number;
  readonly fetchSessionPartitionsCached: number;
  readonly fetchSessionEvictions: number;
}

/**
 * The majority rule: the largest offset that a majority of the replicas (the leader, whose log
 * ends at `leaderEnd`, and its followers, -1 for one not heard from) has reached.
 */
export function majorityHighWatermark(leaderEnd: number, followerEnds: readonly number[]): number {
  const ends = [leaderEnd, ...followerEnds].sort((a, b) => b - a);
  return ends[Math.floor(ends.length / 2)]!;
}

const CONTROL_BATCH_PREFIX = 'leader-change:';
/** A control batch's size: a record batch header and one small record (Kafka's control records are tens of bytes). */
const CONTROL_BATCH_BYTES = 80;

/** A batch a leader wrote for the protocol, not a producer's (quorum mode's leader-change record): consumers skip it. */
export function isControlBatch(batch: LogBatch): boolean {
  return batch.producerId < 0 && batch.batchId.startsWith(CONTROL_BATCH_PREFIX);
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

const NO_BATCHES: readonly LogBatch[] = [];
const NO_FOLLOWERS: readonly FollowerPartition[] = [];

const NO_FORGOTTEN: readonly ForgottenPartition[] = [];
/** The partitions of an answer with none (shared: a message's lists are never written after it is sent). */
const NO_PARTITION_RESPONSES: readonly FetchPartitionResponse[] = [];

/**
 * answerFetch's lists of what it answers, reused from one answer to the next (two arrays per
 * answer were most of the leader's garbage per follower fetch): one pair per nesting level.
 */
interface AnswerScratch {
  readonly responses: FetchPartitionResponse[];
  readonly included: SessionPartition[];
}

/** Whether the leader's ISR holds the follower: known without a search while the list it was found in stands (FollowerProgress.isrHolding). */
function inIsr(leader: LeaderPartition, progress: FollowerProgress, replicaId: string): boolean {
  const isr = leader.isr;
  if (progress.isrHolding === isr) return true;
  if (!isr.includes(replicaId)) return false;
  progress.isrHolding = isr;
  return true;
}

function fetchError(part: FetchPartitionRequest, error: ErrorCode, logStartOffset = -1): FetchPartitionResponse {
  return { topic: part.topic, partition: part.partition, key: part.key, error, highWatermark: -1, logStartOffset, batches: NO_BATCHES, divergingEpoch: null };
}

/**
 * The partitions this broker leads (or follows), by "topic-partition" key and by topic and
 * partition number. Why both: the Map keeps insertion order (iterations, and so traces, follow it)
 * and serves the rare lookups by key; the hot paths (a produced batch's partition, a follower's
 * answer, a session partition resolved) find theirs by the message's topic and partition number
 * (topic-slots.ts). One slot per partition number of a topic this broker hosts (bounded by the
 * topic's partition count in the metadata).
 */
class PartitionIndex<T extends { readonly key: string; readonly topic: string; readonly partition: number }> {
  private readonly byKey = new Map<string, T>();
  private readonly slots = new TopicSlots<T>();

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): T | undefined {
    return this.byKey.get(key);
  }

  /** The partition's entry, found by topic and number (the hot paths' lookup). */
  at(topic: string, partition: number): T | undefined {
    return this.slots.at(topic, partition);
  }

  set(key: string, value: T): void {
    this.byKey.set(key, value);
    this.slots.set(value.topic, value.partition, value);
  }

  delete(key: string): boolean {
    const value = this.byKey.get(key);
    if (value === undefined) return false;
    this.byKey.delete(key);
    this.slots.set(value.topic, value.partition, undefined);
    return true;
  }

  values(): IterableIterator<T> {
    return this.byKey.values();
  }
}

export class ReplicaManager {
  private readonly leaders = new PartitionIndex<LeaderPartition>();
  /** Bumped at every change to `leaders`: a session's cached partition resolved in an older generation is resolved again. */
  private leadersGeneration = 0;
  /** Counts produce requests (see LeaderPartition.produceStamp). */
  private produceStamp = 0;
  /** KIP-227, leader side: this life's fetch sessions (memory only: a restart loses them). Created at first use, with its Prng. */
  private fetchSessions: FetchSessionCache | null = null;
  /** Numbers session partitions in session order (SessionPartition.order). */
  private sessionOrder = 0;
  /** Follower side, per leader broker: its KIP-227 session handler, fetch in flight, timers and last entries (see LeaderLink). */
  private readonly links = new Map<string, LeaderLink>();
  private readonly followers = new PartitionIndex<FollowerPartition>();
  /** The followed partitions grouped by leader broker, in the order of `followers`; rebuilt after any change to it. */
  private followersByLeaderCache: Map<string, FollowerPartition[]> | null = null;
  /** Bumped with each rebuild of that grouping: a link's `followed` list taken in an older one is taken again. */
  private followersGeneration = 0;
  private parkedProduces: ParkedProduce[] = [];
  /**
   * The parked produces' timeout timer by handle (asked for once per life): armed for nearly every
   * produce request (acks=all parks it until the ISR has it), so no lookup by key in the process's
   * timer table each time (~69 k a simulated minute in the reference; the same arming as setTimer).
   */
  private produceTimer: TimerHandle | null = null;
  /** handleProduce's list of the partitions a request grew (emptied after each request). */
  private readonly grownScratch: LeaderPartition[] = [];
  /**
   * Per follower broker: its parked fetch and park timer (FollowerFetcher); `parkedFetchCount` of
   * them hold a fetch. Park timers (FollowerFetcher.parkTimerArmed) and fetch-retry timers
   * (LeaderLink.retryArmed) stay armed across fetches and, when one fires early for the fetch now
   * waiting (an earlier one was answered), it is armed again for that fetch's own deadline: the
   * answers come exactly when before, without a timer set and cancelled per fetch (about 10,000 a
   * simulated second at the reference load).
   */
  private readonly fetchers = new Map<string, FollowerFetcher>();
  private parkedFetchCount = 0;
  /** answerFetch's scratch lists by nesting level, and the level of the answer in progress (0: none). */
  private readonly answerScratches: AnswerScratch[] = [];
  private answerDepth = 0;
  private readonly keysByTopic = new Map<string, string[]>();
  private isrShrinks = 0;
  private isrExpands = 0;
  private truncatedRecords = 0;
  private retentionDeletedSegments = 0;
  private retentionDeletedRecords = 0;
  private outOfRangeResets = 0;
  private movedToTieredResets = 0;
  private logFlushes = 0;
  /** Bytes on the log directory as last counted, plus what was appended since (an upper bound: deletions lower it). */
  private usedBytesEstimate = -1;
  /** Why the log directory went offline; null while it is online. */
  private offlineReason: string | null = null;
  /**
   * Quorum mode: partition key -> the leader epoch a controller's election was answered for.
   * Metadata with an older leader epoch is ignored, so this replica cannot follow (or be) the
   * old leader again after promising not to. At most one entry per hosted partition; an entry
   * goes once the metadata reaches its epoch.
   */
  private readonly electionFences = new Map<string, number>();
  /** BrokerTopicMetrics counters (see ReplicaView): one addition per batch or response, never per record. */
  private bytesIn = 0;
  private messagesIn = 0;
  private failedProduceRequests = 0;
  private replicationBytesOut = 0;
  private replicationBytesIn = 0;
  /**
   * False until the broker has registered and caught up with the metadata as of its registration
   * (it is RUNNING). Before that its metadata may be stale: a broker restarted after losing its
   * unflushed writes would otherwise act as a leader it no longer is, and make its followers
   * truncate committed records. Kafka's broker likewise publishes metadata to its ReplicaManager
   * only after that catch-up.
   */
  private serving = false;

  constructor(
    private readonly self: string,
    private readonly settings: ReplicaSettings,
    private readonly disk: DataDisk,
    private readonly image: MetadataImage,
    private readonly brokerEpoch: () => number | null,
  ) {}

  start(fx: Effects<Message>): void {
    fx.setTimer(TIMER_ISR_CHECK, Math.round(this.settings.replicaLagMaxUs / 2));
    fx.setTimer(TIMER_WRITEBACK, OS_WRITEBACK_INTERVAL_US);
    fx.setTimer(TIMER_RETENTION, RETENTION_INITIAL_DELAY_US);
    // Kafka's "kafka-log-flusher" runs first after InitialTaskDelayMs, like the retention task. Only
    // a cluster where some topic has flush.ms arms it, so runs without flushing keep their traces.
    if (this.settings.logConfig !== undefined && this.flushMsConfigured) fx.setTimer(TIMER_FLUSH, RETENTION_INITIAL_DELAY_US);
  }

  /** Set by the broker: whether any topic (or the broker default) has a flush.ms. */
  flushMsConfigured = false;

  /**
   * The machine died (a crash of the whole machine, as `crash` is modelled) or lost power: the
   * durable logs lose what the OS had not written back. Returns the records lost.
   */
  static onCrash(disk: DataDisk, cause: UnflushedLossCause = 'crash'): number {
    let lost = 0;
    for (const log of disk.logs.values()) lost += log.loseUnflushed(cause);
    return lost;
  }

  /**
   * The machine's OS kept running while the broker process was down (it halted): by `nowUs` it has
   * written back what was dirty for OS_DIRTY_EXPIRE_US (to within its 5 s period).
   */
  static osWriteBack(disk: DataDisk, nowUs: TimeUs): void {
    for (const log of disk.logs.values()) log.writeBack(nowUs);
  }

  /** Bytes the partition logs take on this broker's disk now. */
  static localBytes(disk: DataDisk): number {
    let bytes = 0;
    for (const log of disk.logs.values()) bytes += log.bytes;
    return bytes;
  }

  /** The broker's one log directory went offline: null while it is online. */
  get logDirOffline(): string | null {
    return this.offlineReason;
  }

  /**
   * Whether a write of `bytes` fits on the log directory. When it does not, the directory goes
   * offline (Kafka's LogDirFailureChannel.maybeAddOfflineLogDir after an IOException: ENOSPC) and
   * stays so for this life. `what` names the write, for the event log.
   */
  private fits(bytes: number, what: string, fx: Effects<Message>, grows = true): boolean {
    if (this.offlineReason !== null) return false;
    const space = this.settings.space;
    if (space === undefined) return true;
    const free = space.capacityBytes - space.filledBytes;
    if (this.usedBytesEstimate < 0 || this.usedBytesEstimate + bytes > free) this.usedBytesEstimate = ReplicaManager.localBytes(this.disk);
    if (this.usedBytesEstimate + bytes <= free) {
      if (grows) this.usedBytesEstimate += bytes;
      return true;
    }
    const reason =
      `${this.self}'s disk is full: ${what} (${bytes} bytes) did not fit ` +
      `(${this.usedBytesEstimate} bytes of logs + ${space.filledBytes} bytes of other files on ${space.capacityBytes}, log.dir.capacity.bytes)`;
    this.offlineReason = reason;
    space.recordFailure(fx.nowUs, reason);
    fx.note(
      `${reason}. The write failed with an IOException, so Kafka takes the log directory offline (LogDirFailureChannel): its partitions answer KAFKA_STORAGE_ERROR. ` +
        `It was the broker's only log directory, so the broker halts ("Shutdown broker because all log dirs have failed", Exit.halt); the controller will fence it and move leadership to other replicas.`,
    );
    return false;
  }

  /**
   * `fits` for the common case, without building the sentence a failure would need (a string per
   * batch appended): true when the write surely fits, counted as `fits` counts it; false when `fits`
   * must decide (recount the logs, or take the directory offline).
   */
  private fitsQuickly(bytes: number): boolean {
    if (this.offlineReason !== null) return false;
    const space = this.settings.space;
    if (space === undefined) return true;
    if (this.usedBytesEstimate < 0 || this.usedBytesEstimate + bytes > space.capacityBytes - space.filledBytes) return false;
    this.usedBytesEstimate += bytes;
    return true;
  }

  /**
   * Kafka's ReplicaManager.checkpointHighWatermarks rewrites the log directory's
   * replication-offset-checkpoint file every replica.high.watermark.checkpoint.interval.ms (5 s,
   * the same period as the OS writeback tick, so it rides on that timer). It matters here for one
   * reason: on a full disk the rewrite fails with an IOException (CheckpointFileWithFailureHandler
   * then marks the directory offline), so even a broker that takes no produce halts within 5 s.
   * The file holds a line per partition (about 24 bytes each); it replaces the old one, so it does
   * not grow the disk.
   */
  private checkpointHighWatermarks(fx: Effects<Message>): void {
    if (this.settings.space === undefined || this.disk.logs.size === 0) return;
    this.fits(16 + 24 * this.disk.logs.size, 'rewriting its high watermark checkpoint (replication-offset-checkpoint)', fx, false);
  }

  /** flush.messages: flushes `log` if the append just made leaves it due (UnifiedLog.append). */
  private maybeFlushAfterAppend(log: PartitionLog, fx: Effects<Message>): void {
    if (!log.flushDueByMessages) return;
    this.flushLog(log, 'flush.messages', fx);
  }

  private flushLog(log: PartitionLog, why: 'flush.messages' | 'flush.ms', fx: Effects<Message>): number {
    const bytes = log.flushAt(fx.nowUs);
    if (bytes === 0) return 0;
    this.logFlushes++;
    const count = log.flushCount;
    if (count === 1 || count % FLUSH_NOTE_EVERY === 0) {
      fx.note(`${this.self} flushed ${log.topic}-${log.partition} to disk up to offset ${log.endOffset} (${why}; fsync #${count} of this log): what it acknowledges now survives a power loss`);
    }
    return bytes;
  }

  /**
   * For the broker's disk queue: the dirty bytes an fsync would write if `message` (a Produce this
   * broker leads, or a follower's fetched batches) were appended now, by flush.messages. 0 when no
   * log it writes is due. An estimate of timing only: the flush itself is decided at the append.
   */
  fsyncBytesFor(message: Message): number {
    if (this.settings.logConfig === undefined) return 0;
    let bytes = 0;
    const consider = (topic: string, partition: number, records: number, batchBytes: number): void => {
      const log = this.disk.logs.get(this.keyOf(topic, partition));
      const interval = log?.config.flushIntervalMessages;
      if (log === undefined || interval === undefined) return;
      if (log.unflushedMessages + records >= interval) bytes += log.unflushedBytes + batchBytes;
    };
    if (message.type === 'Produce') {
      for (const batch of (message as ProduceRequest).batches) consider(batch.topic, batch.partition, batch.records, batch.bytes);
    } else if (message.type === 'ReplicaFetchResponse') {
      for (const part of (message as ReplicaFetchResponse).partitions) {
        let records = 0;
        let partBytes = 0;
        for (const batch of part.batches) {
          records += batch.records;
          partBytes += batch.bytes;
        }
        if (records > 0) consider(part.topic, part.partition, records, partBytes);
      }
    }
    return bytes;
  }

  /** Called with the bytes the log flusher's fsyncs wrote, so the broker's disk is busy for them. */
  onScheduledFlush: ((dirtyBytes: number, fx: Effects<Message>) => void) | null = null;

  /** Kafka's LogManager.flushDirtyLogs: every log last flushed at least flush.ms ago is flushed. */
  private flushDirtyLogs(fx: Effects<Message>): void {
    let bytes = 0;
    for (const log of this.disk.logs.values()) {
      if (log.flushDueByTime(fx.nowUs)) bytes += this.flushLog(log, 'flush.ms', fx);
    }
    if (bytes > 0) this.onScheduledFlush?.(bytes, fx);
  }

  logOf(topic: string, partition: number): PartitionLog {
    const key = partitionKey(topic, partition);
    let log = this.disk.logs.get(key);
    if (log === undefined) {
      log = new PartitionLog(topic, partition, this.settings.logConfig?.(topic), this.settings.pageCache ?? null);
      this.disk.logs.set(key, log);
    }
    return log;
  }

  /** "topic-partition", built once per partition: produce and fetch paths ask for it per batch. */
  private keyOf(topic: string, partition: number): string {
    let keys = this.keysByTopic.get(topic);
    if (keys === undefined) {
      keys = [];
      this.keysByTopic.set(topic, keys);
    }
    return (keys[partition] ??= partitionKey(topic, partition));
  }



  // ---- roles from metadata --------------------------------------------------------------------

  /** The broker is RUNNING: take the role the (now current) metadata gives each hosted partition. */
  startServing(fx: Effects<Message>): void {
    if (this.serving) return;
    this.serving = true;
    for (const state of this.image.partitions()) if (state.replicas.includes(this.self)) this.onPartitionState(state, fx);
  }

  /** A partition's committed metadata changed (or was replayed at start): take the role it gives. */
  onPartitionState(state: PartitionState, fx: Effects<Message>): void {
    if (!this.serving) return;
    const key = partitionKey(state.topic, state.partition);
    const hosted = state.replicas.includes(this.self);
    const fence = this.electionFences.get(key);
    if (fence !== undefined) {
      if (state.leaderEpoch < fence) return;
      this.electionFences.delete(key);
    }
    if (state.leader === this.self) {
      this.becomeLeader(key, state, fx);
    } else if (hosted && state.leader !== null && this.image.isUsableBroker(state.leader)) {
      this.becomeFollower(key, state, fx);
    } else {
      this.stopReplica(key, fx);
    }
  }

  private becomeLeader(key: string, state: PartitionState, fx: Effects<Message>): void {
    const existing = this.leaders.get(key);
    if (existing !== undefined && existing.leaderEpoch === state.leaderEpoch) {
      // Same leadership, new ISR or partition epoch: the committed ISR is the truth from now on.
      existing.isr = state.isr;
      existing.isrProgress = this.isrProgressOf(state.isr, existing.followers);
      existing.partitionEpoch = state.partitionEpoch;
      for (const id of [...existing.pendingAdds]) if (state.isr.includes(id)) existing.pendingAdds.delete(id);
      existing.alterInFlight = false;
      this.partitionChanged(existing); // a follower may have left the ISR: its partitions are checked again (maybeExpandIsr)
      this.maybeAdvanceHighWatermark(existing, fx);
      return;
    }
    const follower = this.followers.get(key);
    if (this.followers.delete(key)) this.followersChanged();
    const log = this.logOf(state.topic, state.partition);
    log.assignEpoch(state.leaderEpoch);
    const followers = new Map<string, FollowerProgress>();
    const progresses: FollowerProgress[] = [];
    for (const id of state.replicas) {
      if (id === this.self) continue;
      // Kafka starts ISR members as caught up at the moment of leadership, so none is dropped at once.
      const progress: FollowerProgress = {
        leo: null,
        lastCaughtUpUs: state.isr.includes(id) ? fx.nowUs : 0,
        lastFetchUs: 0,
        lastFetchLeaderLeo: -1,
        sentRemoteSegments: null,
        lastPart: null,
        quietIn: null,
        isrHolding: null,
        fetcher: this.fetcher(id),
      };
      followers.set(id, progress);
      progresses.push(progress);
    }
    const leader: LeaderPartition = {
      key,
      topic: state.topic,
      partition: state.partition,
      log,
      quorum: this.quorum(state.topic),
      leaderEpoch: state.leaderEpoch,
      partitionEpoch: state.partitionEpoch,
      isr: state.isr,
      isrProgress: this.isrProgressOf(state.isr, followers),
      replicas: state.replicas,
      followers,
      progresses,
      // Never below the log start (Kafka's UnifiedLog keeps the high watermark at or above it).
      highWatermark: Math.max(log.logStartOffset, Math.min(follower?.highWatermark ?? existing?.highWatermark ?? 0, log.endOffset)),
      epochStartOffset: log.endOffset,
      pendingAdds: new Set(),
      alterInFlight: false,
      alterSentUs: 0,
      lastShrink: null,
      produceStamp: 0,
      minIsr: 0,
      minIsrImageOffset: -1,
      wakeList: null,
    };
    this.leaders.set(key, leader);
    this.leadersGeneration++;
    if (leader.quorum) this.appendLeaderControlBatch(leader, fx);
  }

  /** Quorum mode: the new epoch's first record, so the majority rule can commit what older epochs left (see the header). */
  private appendLeaderControlBatch(leader: LeaderPartition, fx: Effects<Message>): void {
    const log = leader.log;
    log.append({
      baseOffset: log.endOffset,
      records: 1,
      bytes: CONTROL_BATCH_BYTES,
      epoch: leader.leaderEpoch,
      producerId: -1,
      baseSequence: -1,
      batchId: `${CONTROL_BATCH_PREFIX}${leader.key}@${leader.leaderEpoch}`,
      appendedUs: fx.nowUs,
      createdUs: fx.nowUs,
      payload: undefined, // every batch of one shape (see LogBatch.payload)
    });
    log.flush();
    this.partitionChanged(leader);
  }

  private becomeFollower(key: string, state: PartitionState, fx: Effects<Message>): void {
    const wasLeader = this.leaders.get(key);
    if (wasLeader !== undefined) {
      this.leaders.delete(key);
      this.leadersGeneration++;
      this.failParkedFor(key, 'NOT_LEADER_OR_FOLLOWER', `${this.self} is no longer the leader of ${key} (leader epoch ${state.leaderEpoch}: ${state.leader})`, fx);
    }
    const existing = this.followers.get(key);
    if (existing !== undefined && existing.leaderEpoch === state.leaderEpoch && existing.leader === state.leader) return;
    this.followersChanged();
    this.followers.set(key, {
      key,
      topic: state.topic,
      partition: state.partition,
      log: this.logOf(state.topic, state.partition),
      quorum: this.quorum(state.topic),
      leader: state.leader!,
      leaderEpoch: state.leaderEpoch,
      highWatermark: Math.max(
        this.logOf(state.topic, state.partition).logStartOffset,
        Math.min(existing?.highWatermark ?? wasLeader?.highWatermark ?? 0, this.logOf(state.topic, state.partition).endOffset),
      ),
      delayedUntilUs: 0,
      lastRequest: null,
      lastRequestLogStart: -1,
      fetchPlace: -1,
      entryChanged: false,
    });
    this.sendFetch(state.leader!, fx);
  }

  private stopReplica(key: string, fx: Effects<Message>): void {
    if (this.leaders.delete(key)) {
      this.leadersGeneration++;
      this.failParkedFor(key, 'NOT_LEADER_OR_FOLLOWER', `${this.self} no longer leads ${key}`, fx);
    }
    if (this.followers.delete(key)) this.followersChanged();
  }

  // ---- requests ------------------------------------------------------------------------------

  handleRequest(from: string, request: DataRequest, fx: Effects<Message>): void {
    switch (request.type) {
      case 'Metadata':
        return this.handleMetadata(from, request.topics, fx);
      case 'InitProducerId': {
        const number = Number(/(\d+)$/.exec(this.self)?.[1] ?? 0);
        const response: InitProducerIdResponse = {
          type: 'InitProducerIdResponse',
          bytes: DATA_HEADER_BYTES,
          error: 'NONE',
          producerId: number * 1_000_000 + ++this.disk.producerIdCounter,
        };
        fx.send(from, response);
        return;
      }
      case 'Produce':
        return this.handleProduce(from, request, fx);
      case 'ReplicaFetch':
        return this.handleReplicaFetch(from, request, fx);
    }
  }

  private handleMetadata(from: string, topics: readonly string[], fx: Effects<Message>): void {
    const partitions: MetadataResponse['partitions'][number][] = [];
    for (const name of topics) {
      const topic = this.image.topicsByName.get(name);
      if (topic === undefined) continue;
      for (const state of topic.partitions) {
        partitions.push({ topic: name, partition: state.partition, leader: state.leader, leaderEpoch: state.leaderEpoch, replicas: state.replicas, isr: state.isr });
      }
    }
    const brokers = [...this.image.brokers.values()].filter((broker) => !broker.fenced).map((broker) => broker.id);
    const response: MetadataResponse = { type: 'MetadataResponse', bytes: DATA_HEADER_BYTES + partitions.length * 24, brokers, partitions };
    fx.send(from, response);
  }

  private handleProduce(from: string, request: ProduceRequest, fx: Effects<Message>): void {
    const batches = request.batches;
    // One result and one required offset per batch, written in place (arrays of their final size:
    // growing them by pushes allocated a larger backing store for each, per request).
    const results = new Array<ProducePartitionResult | null>(batches.length);
    const required = new Array<number>(batches.length);
    // The partitions led here that the request names, each once, in the order of its batches (a reused list: handleProduce never nests).
    const grown = this.grownScratch;
    const stamp = ++this.produceStamp;
    for (let index = 0; index < batches.length; index++) {
      const batch = batches[index]!;
      const leader = this.leaders.at(batch.topic, batch.partition);
      if (leader !== undefined && leader.produceStamp !== stamp) {
        leader.produceStamp = stamp;
        grown.push(leader);
      }
      if (this.offlineReason !== null) {
        // Kafka's ReplicaManager: a partition in an offline log directory answers KAFKA_STORAGE_ERROR.
        this.answerNow(results, required, index, batch, 'KAFKA_STORAGE_ERROR', `KAFKA_STORAGE_ERROR: ${this.keyOf(batch.topic, batch.partition)}'s log directory on ${this.self} is offline: ${this.offlineReason}`, -1);
        continue;
      }
      if (leader === undefined) {
        const key = this.keyOf(batch.topic, batch.partition);
        const state = this.image.partition(batch.topic, batch.partition);
        if (state === undefined) this.answerNow(results, required, index, batch, 'UNKNOWN_TOPIC_OR_PARTITION', `UNKNOWN_TOPIC_OR_PARTITION: ${this.self} knows no partition ${key}`, -1);
        else this.answerNow(results, required, index, batch, 'NOT_LEADER_OR_FOLLOWER', `NOT_LEADER_OR_FOLLOWER: ${this.self} does not lead ${key}; its leader is ${state.leader ?? 'none (offline)'} in leader epoch ${state.leaderEpoch}`, -1);
        continue;
      }
      if (request.acks === -1 && !leader.quorum) {
        // Asked only where it applies; the led partition keeps it until the metadata image moves (minIsrOf).
        const minIsr = this.minIsrOf(leader);
        if (leader.isr.length < minIsr) {
          this.answerNow(results, required, index, batch, 'NOT_ENOUGH_REPLICAS', this.notEnoughReplicas(leader, minIsr), -1);
          continue;
        }
      }
      const log = leader.log;
      if (batch.producerId >= 0) {
        const recent = log.producerBatches(batch.producerId);
        const previous = recent.length === 0 ? null : recent[recent.length - 1]!;
        if (previous !== null && batch.baseSequence <= previous.baseSequence) {
          // A retry of a batch already written (idempotence): answer with where it was written.
          const original = recent.find((ref) => ref.baseSequence === batch.baseSequence) ?? null;
          if (original !== null) {
            if (request.acks === -1 && leader.highWatermark < original.baseOffset + original.records) {
              results[index] = null;
              required[index] = original.baseOffset + original.records;
            } else {
              this.answerNow(results, required, index, batch, 'NONE', 'a duplicate of a batch already written; not written again', original.baseOffset);
            }
            continue;
          }
        }
        // Kafka accepts only sequence 0 from a producer id the partition has not seen: a later batch
        // must not be written while an earlier one is still being retried.
        const expected = previous === null ? 0 : previous.baseSequence + previous.records;
        if (batch.baseSequence !== expected) {
          this.answerNow(results, required, index, batch, 'OUT_OF_ORDER_SEQUENCE_NUMBER', `OUT_OF_ORDER_SEQUENCE_NUMBER: ${leader.key} expected sequence ${expected} from producer ${batch.producerId}, got ${batch.baseSequence}`, -1);
          continue;
        }
      }
      const written: LogBatch = {
        baseOffset: log.endOffset,
        records: batch.records,
        bytes: batch.bytes,
        epoch: leader.leaderEpoch,
        producerId: batch.producerId,
        baseSequence: batch.baseSequence,
        batchId: batch.batchId,
        appendedUs: fx.nowUs,
        createdUs: batch.createdUs,
        payload: undefined, // every batch of one shape (see LogBatch.payload)
      };
      if (!this.fitsQuickly(written.bytes) && !this.fits(written.bytes, `appending ${written.records} records to ${leader.key}`, fx)) {
        this.answerNow(results, required, index, batch, 'KAFKA_STORAGE_ERROR', `KAFKA_STORAGE_ERROR: the write to ${leader.key} failed and ${this.self}'s log directory went offline: ${this.offlineReason}`, -1);
        continue;
      }
      log.append(written);
      if (leader.quorum) log.flush();
      else this.maybeFlushAfterAppend(log, fx);
      this.bytesIn += written.bytes;
      this.messagesIn += written.records;
      if (request.acks === -1) {
        results[index] = null;
        required[index] = written.baseOffset + written.records;
      } else {
        this.answerNow(results, required, index, batch, 'NONE', 'written by the leader', written.baseOffset);
      }
    }
    // Every log end moved before any parked fetch is answered: the first answer reads them all.
    for (let index = 0; index < grown.length; index++) this.partitionChanged(grown[index]!); // (one that took nothing is checked again for nothing)
    for (let index = 0; index < grown.length; index++) {
      const leader = grown[index]!;
      this.maybeAdvanceHighWatermark(leader, fx);
      this.wakeParkedFetches(fx, leader);
    }
    emptyList(grown);
    if (request.acks === 0) return; // fire and forget: Kafka sends no response
    const parked: ParkedProduce = { from, request, results, requiredOffsets: required, deadlineUs: fx.nowUs + request.timeoutUs };
    if (!this.tryCompleteProduce(parked, fx)) {
      if (this.parkedProduces.length >= PARKED_PRODUCES_MAX) {
        this.respondProduce(parked, 'REQUEST_TIMED_OUT', `REQUEST_TIMED_OUT: ${this.self} already holds ${PARKED_PRODUCES_MAX} produce requests waiting for their ISR`, fx);
        return;
      }
      this.parkedProduces.push(parked);
      this.armProduceTimeout(fx);
    }
  }

  /** Arms the produce timeout at the oldest parked produce's deadline (at least 1 µs ahead). */
  private armProduceTimeout(fx: Effects<Message>): void {
    this.produceTimer ??= fx.timer(TIMER_PRODUCE_TIMEOUT);
    fx.arm(this.produceTimer, Math.max(1, this.parkedProduces[0]!.deadlineUs - fx.nowUs));
  }

  /** A produced batch answered at once (not waiting for the ISR). */
  private answerNow(results: (ProducePartitionResult | null)[], required: number[], index: number, batch: ProduceRequest['batches'][number], error: ErrorCode, detail: string, baseOffset: number): void {
    if (error !== 'NONE') this.failedProduceRequests++;
    results[index] = { topic: batch.topic, partition: batch.partition, batchId: batch.batchId, error, baseOffset, detail };
    required[index] = -1;
  }

  /** A led partition (ISR replication) whose ISR is below min.insync.replicas: acks=all writes are refused (Kafka's UnderMinIsrPartitionCount). */
  private isUnderMinIsr(leader: LeaderPartition): boolean {
    return !leader.quorum && leader.isr.length < this.minIsrOf(leader);
  }

  /** The led partition's min.insync.replicas (see LeaderPartition.minIsr). */
  private minIsrOf(leader: LeaderPartition): number {
    const offset = this.image.nextOffset;
    if (leader.minIsrImageOffset !== offset) {
      leader.minIsr = this.settings.minInsyncReplicas(leader.topic);
      leader.minIsrImageOffset = offset;
    }
    return leader.minIsr;
  }

  private notEnoughReplicas(leader: LeaderPartition, minIsr: number): string {
    const shrink = leader.lastShrink;
    const because = shrink === null ? '' : `: ${shrink.broker} left the ISR at ${formatSpan(shrink.atUs)}`;
    return `NOT_ENOUGH_REPLICAS: acks=all needs ${minIsr} in-sync replicas (min.insync.replicas), ${leader.key} has ${leader.isr.length} (${leader.isr.join(', ')})${because}`;
  }

  /** Completes what can be: a batch is done once the high watermark passes it (Kafka's DelayedProduce). */
  private tryCompleteProduce(parked: ParkedProduce, fx: Effects<Message>): boolean {
    let pending = false;
    const batches = parked.request.batches;
    for (let index = 0; index < batches.length; index++) {
      const batch = batches[index]!;
      const required = parked.requiredOffsets[index]!;
      if (required < 0) continue;
      const leader = this.leaders.at(batch.topic, batch.partition);
      if (leader === undefined) {
        const key = this.keyOf(batch.topic, batch.partition);
        parked.results[index] = { topic: batch.topic, partition: batch.partition, batchId: batch.batchId, error: 'NOT_LEADER_OR_FOLLOWER', baseOffset: -1, detail: `NOT_LEADER_OR_FOLLOWER: ${this.self} lost the leadership of ${key} before the ISR had the batch` };
        parked.requiredOffsets[index] = -1;
        continue;
      }
      if (leader.highWatermark < required) {
        pending = true;
        continue;
      }
      const minIsr = this.minIsrOf(leader);
      // Not read from the device: the answer needs only the offset (Kafka's DelayedProduce has it
      // from the append), so a segment evicted meanwhile is not read back for it.
      const written = leader.log.residentBatchAt(required - 1);
      parked.results[index] =
        leader.quorum || leader.isr.length >= minIsr
          ? {
              topic: batch.topic,
              partition: batch.partition,
              batchId: batch.batchId,
              error: 'NONE',
              baseOffset: written?.baseOffset ?? required - batch.records,
              detail: leader.quorum ? 'written by a majority of the replicas' : 'written by every in-sync replica',
            }
          : {
              topic: batch.topic,
              partition: batch.partition,
              batchId: batch.batchId,
              error: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
              baseOffset: -1,
              detail: `NOT_ENOUGH_REPLICAS_AFTER_APPEND: written, but ${leader.key}'s ISR shrank to ${leader.isr.length} (${leader.isr.join(', ')}), below min.insync.replicas ${minIsr}`,
            };
      parked.requiredOffsets[index] = -1;
    }
    if (pending) return false;
    this.sendProduceResponse(parked, fx);
    return true;
  }

  private respondProduce(parked: ParkedProduce, error: ErrorCode, detail: string, fx: Effects<Message>): void {
    parked.request.batches.forEach((batch, index) => {
      if (parked.requiredOffsets[index]! >= 0) {
        parked.results[index] = { topic: batch.topic, partition: batch.partition, batchId: batch.batchId, error, baseOffset: -1, detail };
        parked.requiredOffsets[index] = -1;
      }
    });
    this.sendProduceResponse(parked, fx);
  }

  private sendProduceResponse(parked: ParkedProduce, fx: Effects<Message>): void {
    const response: ProduceResponse = {
      type: 'ProduceResponse',
      bytes: DATA_HEADER_BYTES + parked.results.length * 24,
      correlationId: parked.request.correlationId,
      results: parked.results as ProducePartitionResult[],
    };
    fx.send(parked.from, response, response.type, response.bytes);
  }

  private completeParkedProduces(fx: Effects<Message>): void {
    const parkedProduces = this.parkedProduces;
    if (parkedProduces.length === 0) return;
    // Kept in place, in order (tryCompleteProduce only answers; it never parks another produce).
    let kept = 0;
    for (let index = 0; index < parkedProduces.length; index++) {
      const parked = parkedProduces[index]!;
      if (!this.tryCompleteProduce(parked, fx)) parkedProduces[kept++] = parked;
    }
    // Popped, not `length = kept`: at 0 (the usual case, about one produce parked at a time) V8
    // would drop the backing store and the next parked produce would allocate it again.
    while (parkedProduces.length > kept) parkedProduces.pop();
  }

  private failParkedFor(key: string, error: ErrorCode, detail: string, fx: Effects<Message>): void {
    if (this.parkedProduces.length === 0) return;
    for (const parked of this.parkedProduces) {
      parked.request.batches.forEach((batch, index) => {
        if (parked.requiredOffsets[index]! >= 0 && this.keyOf(batch.topic, batch.partition) === key) {
          parked.results[index] = { topic: batch.topic, partition: batch.partition, batchId: batch.batchId, error, baseOffset: -1, detail };
          parked.requiredOffsets[index] = -1;
        }
      });
    }
    this.completeParkedProduces(fx);
  }

  // ---- replica fetch, leader side -------------------------------------------------------------

  /** This life's fetch session cache (KIP-227), created at first use: its ids come from a stream forked for this life. */
  private sessionCache(fx: Effects<Message>): FetchSessionCache {
    this.fetchSessions ??= new FetchSessionCache(this.settings.fetchSessionCacheSlots ?? FETCH_SESSION_CACHE_SLOTS_DEFAULT, fx.prng.fork(`fetch-sessions@${fx.nowUs}`));
    return this.fetchSessions;
  }

  private handleReplicaFetch(from: string, request: ReplicaFetchRequest, fx: Effects<Message>): void {
    // Kafka's FetchManager.newContext: the request's session fields say which partitions to answer.
    const forgotten = request.forgotten ?? NO_FORGOTTEN;
    const context = this.sessionCache(fx).newContext(request.sessionId ?? INVALID_SESSION_ID, request.sessionEpoch ?? FINAL_EPOCH, request.partitions, forgotten, fx.nowUs);
    if (context.kind === 'error') {
      // Kafka's SessionErrorContext: no partition, and the follower starts a new session.
      const response: ReplicaFetchResponse = { type: 'ReplicaFetchResponse', bytes: DATA_HEADER_BYTES, error: context.error, sessionId: INVALID_SESSION_ID, partitions: [] };
      fx.send(from, response);
      return;
    }
    const fetcher = this.fetcher(request.replicaId);
    if (context.kind === 'incremental') this.noteSessionUpdate(walkOf(fetcher, context.session), request, forgotten);
    const fetch: ParkedFetch = { from, request, context, fetcher, deadlineUs: 0 };
    const response = this.answerFetch(fetch, fx, true);
    if (response === null) {
      // Long poll: no records, error or divergence for this follower (replica.fetch.min.bytes = 1
      // not reached); hold the fetch until there are, or the wait ends.
      fetch.deadlineUs = fx.nowUs + this.settings.fetchMaxWaitUs;
      if (fetcher.parked === null) this.parkedFetchCount++;
      fetcher.parked = fetch;
      if (!fetcher.parkTimerArmed) {
        fetcher.parkTimerArmed = true;
        fx.setTimer(fetcher.parkTimerKey, this.settings.fetchMaxWaitUs);
      }
      return;
    }
    this.sendFetchResponse(from, response, fx);
  }

  private fetcher(replicaId: string): FollowerFetcher {
    let fetcher = this.fetchers.get(replicaId);
    if (fetcher === undefined) {
      fetcher = { parked: null, walk: null, parkTimerArmed: false, parkTimerKey: `${TIMER_FETCH_PARK}${replicaId}` };
      this.fetchers.set(replicaId, fetcher);
    }
    return fetcher;
  }

  /** This leader's state for a cached partition, made when first seen (a FULL fetch's, or one an incremental fetch adds). */
  private sessionPartition(cached: CachedPartition, walk: SessionWalk | null): SessionPartition {
    let state = cached.resolved as SessionPartition | null;
    if (state === null) {
      state = { cached, order: ++this.sessionOrder, leader: undefined, progress: undefined, walk, quiet: false, listed: false };
      cached.resolved = state;
      cached.resolvedGeneration = -1;
    } else if (walk !== null && state.walk !== walk) {
      // A FULL fetch's partitions become its session's; or its session's walk was made anew (a late
      // answer to an older session's parked fetch took the follower's walk): quiet in the walk it
      // leaves, it is settled at that walk's times, and it is listed there no more.
      if (state.quiet) settleProgress(state);
      state.listed = false;
      state.walk = walk;
    }
    return state;
  }

  /**
   * An incremental fetch replaced or added entries of its session (Kafka's FetchSession.update):
   * those partitions are answered next; a forgotten one's follower stops following the session's
   * answers, and the next answer walks the whole session once.
   */
  private noteSessionUpdate(walk: SessionWalk, request: ReplicaFetchRequest, forgotten: readonly ForgottenPartition[]): void {
    const session = walk.session;
    for (const part of request.partitions) {
      const cached = session.get(part.topic, part.partition);
      if (cached === undefined) continue;
      const state = this.sessionPartition(cached, walk);
      if (state.quiet) settleProgress(state);
      listPartition(state);
    }
    if (forgotten.length === 0) return;
    for (const gone of forgotten) {
      const progress = this.leaders.get(gone.key)?.followers.get(request.replicaId);
      if (progress !== undefined && progress.quietIn !== null && progress.quietIn.walk === walk) settleProgress(progress.quietIn);
    }
    walk.generation = -1;
  }

  /**
   * A led partition's log end, high watermark, log start or ISR changed: each follower for which it
   * is quiet in a fetch session is visited at that session's next answer (see SessionPartition).
   */
  private partitionChanged(leader: LeaderPartition): void {
    const progresses = leader.progresses;
    for (let index = 0; index < progresses.length; index++) {
      const state = progresses[index]!.quietIn;
      if (state === null) continue;
      settleProgress(state);
      listPartition(state);
    }
  }

  /** A session partition's leader and follower progress as this leader has them now: resolved again only after `leaders` changed. */
  private resolve(state: SessionPartition, replicaId: string): void {
    const cached = state.cached;
    if (cached.resolvedGeneration === this.leadersGeneration) return;
    const part = cached.part;
    const leader = this.leaders.at(part.topic, part.partition);
    state.leader = leader;
    state.progress = leader?.followers.get(replicaId);
    cached.resolvedGeneration = this.leadersGeneration;
  }

  /**
   * The partitions an incremental session's answer visits, in session order: the listed ones, or
   * all of them after a leadership change or a forgotten partition (the quiet ones settled first,
   * at the previous answer's time).
   */
  private partitionsToAnswer(session: FetchSession, walk: SessionWalk): SessionPartition[] {
    const pending = walk.dirty;
    walk.dirty = walk.spare;
    if (walk.generation !== this.leadersGeneration) {
      walk.generation = this.leadersGeneration;
      for (const state of pending) state.listed = false;
      emptyList(pending);
      for (const cached of session.partitions) {
        const state = this.sessionPartition(cached, walk);
        if (state.quiet) settleProgress(state);
        state.order = ++this.sessionOrder;
        pending.push(state);
      }
      return pending;
    }
    for (const state of pending) state.listed = false;
    sortByOrder(pending, 0);
    return pending;
  }

  /**
   * Answers each partition of a follower's fetch: every partition of a FULL fetch, and of an
   * INCREMENTAL one's session only those with news: records, a divergence, an error, or a high
   * watermark or log start other than the one last sent in the session (Kafka's
   * CachedPartition.maybeUpdateResponseData, KIP-227). Quiet partitions (see SessionPartition) are
   * not visited: they would be answered nothing.
   *
   * With `mayWait` (a fetch just arrived), returns null when the answer may wait: Kafka's
   * ReplicaManager.fetchMessages answers at once only when the bytes readable reach
   * replica.fetch.min.bytes (1), or on an error or a diverging epoch; otherwise the fetch waits in
   * the purgatory, and a DelayedFetch whose isolation is LOG_END completes on new records at the
   * leader's log end, not on a high watermark move (DelayedFetch.tryComplete, cases A to H). The
   * follower learns a new high watermark or log start with its next records, or when the wait
   * ends. Quorum-mode topics answer a high watermark the follower lacks at once, as KRaft's leader
   * does (KafkaRaftClient.handleFetchRequest, isHighWatermarkUpdated, KIP-1166). Remote segment
   * metadata news also goes at once (Kafka carries it in its own topic, not in fetches).
   * What is returned is sent, and recorded as sent here: in the session's cached partitions, and
   * a FULL fetch's answer opens its session (FullFetchContext.updateAndGenerateResponseData).
   */
  private answerFetch(fetch: ParkedFetch, fx: Effects<Message>, mayWait: boolean): ReplicaFetchResponse | null {
    const context = fetch.context;
    const replicaId = fetch.request.replicaId;
    let walk: SessionWalk | null = null;
    let pending: SessionPartition[];
    if (context.kind === 'incremental') {
      walk = walkOf(fetch.fetcher, context.session);
      if (verifyQuietPartitions) this.verifyQuiet(context.session, walk, replicaId);
      pending = this.partitionsToAnswer(context.session, walk);
    } else {
      pending = context.partitions.map((cached) => this.sessionPartition(cached, null)); // FULL fetches are rare: a fresh array
    }
    if (walk !== null) {
      walk.previousUs = walk.evaluatedUs;
      walk.evaluatedUs = fx.nowUs;
    }
    // Scratch lists, one pair per nesting level: answering may complete a high watermark that
    // answers other parked fetches (quorum mode) inside this answer.
    const scratch = this.answerScratch(this.answerDepth++);
    if (this.answerDepth > 1) nestedFetchAnswers++;
    const responses = scratch.responses;
    const included = scratch.included;
    let urgent = false;
    for (let index = 0; index < pending.length; index++) {
      const state = pending[index]!;
      if (walk !== null) walk.position = state.order;
      this.resolve(state, replicaId);
      const { leader, progress } = state;
      if (progress !== undefined && progress.quietIn !== null) {
        // Quiet in another session of this follower (one being replaced): it is visited there again.
        const other = progress.quietIn;
        settleProgress(other);
        listPartition(other);
      }
      const response = this.partitionFetchResponse(leader, progress, replicaId, state.cached, fx);
      if (walk !== null && walk.dirty.length > 0) pullListed(walk, pending, index);
      if (response === null) continue;
      responses.push(response);
      included.push(state);
      if (
        response.error !== 'NONE' ||
        response.batches.length > 0 ||
        response.divergingEpoch !== null ||
        response.remoteSegments !== undefined ||
        (leader !== undefined && response.highWatermark !== state.cached.highWatermark && leader.quorum)
      ) {
        urgent = true;
      }
    }
    if (walk !== null) walk.position = Number.POSITIVE_INFINITY;
    const sessionSize = context.kind === 'incremental' ? context.session.size : context.partitions.length;
    if (mayWait && !urgent && sessionSize > 0) {
      this.afterAnswer(pending, walk, replicaId);
      this.releaseAnswerScratch(scratch);
      return null;
    }
    let bytes = DATA_HEADER_BYTES;
    let recordBytes = 0;
    for (let index = 0; index < included.length; index++) {
      const state = included[index]!;
      const cached = state.cached;
      const response = responses[index]!;
      // An error is sent as high watermark -1, so the partition is sent again once it clears (Kafka's CachedPartition).
      cached.highWatermark = response.error === 'NONE' ? response.highWatermark : -1;
      cached.logStartOffset = response.logStartOffset;
      if (response.remoteSegments !== undefined && state.progress !== undefined) state.progress.sentRemoteSegments = response.remoteSegments;
      bytes += 24;
      const batches = response.batches;
      for (let batchIndex = 0; batchIndex < batches.length; batchIndex++) recordBytes += batches[batchIndex]!.bytes;
    }
    // The message gets a copy of its exact size (the scratch list keeps its backing store for the next answer).
    const partitions = responses.length === 0 ? NO_PARTITION_RESPONSES : responses.slice();
    this.afterAnswer(pending, walk, replicaId);
    this.releaseAnswerScratch(scratch);
    let sessionId = INVALID_SESSION_ID;
    if (context.kind === 'incremental') sessionId = context.session.id;
    else if (context.createSession) sessionId = this.sessionCache(fx).maybeCreateSession(fx.nowUs, true, context.partitions); // followers' sessions are privileged
    this.replicationBytesOut += recordBytes;
    return { type: 'ReplicaFetchResponse', bytes: bytes + recordBytes, error: 'NONE', sessionId, partitions };
  }

  /** The scratch lists of an answer at nesting `depth` (made at first use; at most one per nesting level, and nesting needs quorum mode). */
  private answerScratch(depth: number): AnswerScratch {
    let scratch = this.answerScratches[depth];
    if (scratch === undefined) {
      scratch = { responses: [], included: [] };
      this.answerScratches.push(scratch);
    }
    return scratch;
  }

  /** Ends an answer: its scratch lists emptied (by pops, see emptyList) for the next answer at its level. */
  private releaseAnswerScratch(scratch: AnswerScratch): void {
    emptyList(scratch.responses);
    emptyList(scratch.included);
    this.answerDepth--;
  }

  /** After an answer: each partition it visited is quiet now, or listed for the next answer (an incremental session's). */
  private afterAnswer(pending: SessionPartition[], walk: SessionWalk | null, replicaId: string): void {
    if (walk === null) return; // a FULL fetch: its session, once opened, walks all of them at its first incremental fetch
    for (let index = 0; index < pending.length; index++) {
      const state = pending[index]!;
      if (this.isQuiet(state, replicaId)) {
        state.quiet = true;
        state.progress!.quietIn = state;
      } else {
        listPartition(state);
      }
    }
    emptyList(pending);
    walk.spare = pending;
  }

  /** Whether answering this partition again would check and send nothing, while nothing changes (see SessionPartition). */
  private isQuiet(state: SessionPartition, replicaId: string): boolean {
    const { leader, progress, cached } = state;
    if (leader === undefined || progress === undefined) return false;
    const part = cached.part;
    const log = leader.log;
    return (
      progress.lastPart === part &&
      part.fetchOffset === log.endOffset &&
      progress.leo === part.fetchOffset &&
      !log.tiered &&
      cached.highWatermark === leader.highWatermark &&
      cached.logStartOffset === log.logStartOffset &&
      inIsr(leader, progress, replicaId)
    );
  }

  /** The test hook's check (setQuietPartitionChecks): every partition of the session is quiet and would answer nothing, or is listed. */
  private verifyQuiet(session: FetchSession, walk: SessionWalk, replicaId: string): void {
    if (walk.generation !== this.leadersGeneration) return; // the whole session is walked this time
    for (const cached of session.partitions) {
      const state = cached.resolved as SessionPartition | null;
      if (state === null || state.walk !== walk) throw new Error(`${this.self}: ${cached.part.key} in ${replicaId}'s fetch session ${session.id} has no state in its walk`);
      if (!state.quiet) {
        if (!state.listed) throw new Error(`${this.self}: ${cached.part.key} in ${replicaId}'s fetch session ${session.id} is neither quiet nor listed: its changes would not be answered`);
        continue;
      }
      if (state.listed || state.progress?.quietIn !== state || !this.isQuiet(state, replicaId)) {
        const leader = state.leader;
        throw new Error(
          `${this.self}: ${cached.part.key} is quiet in ${replicaId}'s fetch session ${session.id}, but answering it would check or send something ` +
            `(entry at ${cached.part.fetchOffset}, log end ${leader?.log.endOffset}, high watermark ${leader?.highWatermark} sent ${cached.highWatermark}, ` +
            `log start ${leader?.log.logStartOffset} sent ${cached.logStartOffset}, ISR ${leader?.isr.join(',')}): a change did not list it (partitionChanged)`,
        );
      }
    }
  }

  private sendFetchResponse(to: string, response: ReplicaFetchResponse, fx: Effects<Message>): void {
    fx.send(to, response, response.type, response.bytes);
  }

  /**
   * One partition of a follower's fetch, or null when there is nothing new for it: no records, no
   * divergence, no error, and the high watermark and log start last sent in its session.
   */
  private partitionFetchResponse(leader: LeaderPartition | undefined, progress: FollowerProgress | undefined, replicaId: string, cached: CachedPartition, fx: Effects<Message>): FetchPartitionResponse | null {
    const part = cached.part;
    if (leader === undefined) return fetchError(part, 'NOT_LEADER_OR_FOLLOWER');
    if (progress !== undefined && progress.lastPart === part && this.atLogEndAsBefore(leader, progress, part)) {
      // The same entry as last time, still at the leader's end: the checks below would pass as they
      // did, there are no records to read, and the high watermark cannot move by it; only the fetch
      // time counts, and the high watermark or log start if the follower was not sent them yet.
      progress.lastCaughtUpUs = Math.max(progress.lastCaughtUpUs, fx.nowUs);
      progress.lastFetchUs = fx.nowUs;
      this.maybeExpandIsr(leader, progress, replicaId, fx);
      const log = leader.log;
      if (cached.highWatermark === leader.highWatermark && cached.logStartOffset === log.logStartOffset) return null;
      return { topic: part.topic, partition: part.partition, key: part.key, error: 'NONE', highWatermark: leader.highWatermark, logStartOffset: log.logStartOffset, batches: NO_BATCHES, divergingEpoch: null };
    }
    if (part.currentLeaderEpoch < leader.leaderEpoch) return fetchError(part, 'FENCED_LEADER_EPOCH');
    if (part.currentLeaderEpoch > leader.leaderEpoch) return fetchError(part, 'UNKNOWN_LEADER_EPOCH');
    const log = leader.log;
    if (progress === undefined) return fetchError(part, 'NOT_LEADER_OR_FOLLOWER');
    // Below the log start: those records were deleted by retention (Kafka's checkFetchOffsetRange).
    if (part.fetchOffset < log.logStartOffset) return { ...fetchError(part, 'OFFSET_OUT_OF_RANGE', log.logStartOffset), highWatermark: leader.highWatermark };
    // KIP-405: followers copy only the local tail. Below the local log start the records are only
    // in the remote tier (Kafka's ReplicaManager answers a follower OFFSET_MOVED_TO_TIERED_STORAGE).
    if (log.tiered && part.fetchOffset < log.localLogStartOffset) {
      return {
        ...fetchError(part, 'OFFSET_MOVED_TO_TIERED_STORAGE', log.logStartOffset),
        highWatermark: leader.highWatermark,
        localLogStartOffset: log.localLogStartOffset,
        remoteSegments: log.remoteSegments(),
      };
    }
    // KIP-320: the follower's last epoch must end where the leader's log says it does (a follower
    // that restarted empty at the log start knows no epoch yet: -1, nothing to check).
    if (part.fetchOffset > log.endOffset || (part.lastFetchedEpoch >= 0 && log.epochBefore(part.fetchOffset) !== part.lastFetchedEpoch)) {
      const diverging = log.endOffsetForEpoch(part.lastFetchedEpoch);
      return { topic: part.topic, partition: part.partition, key: part.key, error: 'NONE', highWatermark: leader.highWatermark, logStartOffset: log.logStartOffset, batches: [], divergingEpoch: diverging };
    }
    // Kafka's Replica.updateFetchState: caught up if it reached the leader's end now, or the end
    // the leader had when it last fetched.
    const leaderEnd = log.endOffset;
    if (part.fetchOffset >= leaderEnd) progress.lastCaughtUpUs = Math.max(progress.lastCaughtUpUs, fx.nowUs);
    else if (part.fetchOffset >= progress.lastFetchLeaderLeo) progress.lastCaughtUpUs = Math.max(progress.lastCaughtUpUs, progress.lastFetchUs);
    progress.lastFetchLeaderLeo = leaderEnd;
    progress.lastFetchUs = fx.nowUs;
    progress.leo = part.fetchOffset;
    this.maybeExpandIsr(leader, progress, replicaId, fx);
    this.maybeAdvanceHighWatermark(leader, fx);
    progress.lastPart = part;
    const batches = part.fetchOffset === leaderEnd ? NO_BATCHES : log.read(part.fetchOffset, this.settings.fetchMaxBytes);
    // Nothing new (KIP-227's incremental fetch leaves such partitions out).
    const remoteNews = log.tiered && progress.sentRemoteSegments !== log.remoteSegments();
    if (batches.length === 0 && !remoteNews && cached.highWatermark === leader.highWatermark && cached.logStartOffset === log.logStartOffset) return null;
    const response: FetchPartitionResponse = { topic: part.topic, partition: part.partition, key: part.key, error: 'NONE', highWatermark: leader.highWatermark, logStartOffset: log.logStartOffset, batches, divergingEpoch: null };
    return remoteNews ? { ...response, localLogStartOffset: log.localLogStartOffset, remoteSegments: log.remoteSegments() } : response;
  }

  /**
   * A follower sends the same entry again: is there nothing to re-check? Its offset is still the
   * leader's log end (so no records and the same last epoch there). Untiered only.
   */
  private atLogEndAsBefore(leader: LeaderPartition, progress: FollowerProgress, part: FetchPartitionRequest): boolean {
    const log = leader.log;
    return part.fetchOffset === log.endOffset && progress.leo === part.fetchOffset && !log.tiered;
  }

  /** Answers parked fetches: those of `only`'s followers, or all of them. */
  private wakeParkedFetches(fx: Effects<Message>, only: LeaderPartition): void {
    if (this.parkedFetchCount === 0) return;
    const progresses = only.progresses;
    for (let index = 0; index < progresses.length; index++) {
      const fetcher = progresses[index]!.fetcher;
      const fetch = fetcher.parked;
      if (fetch === null) continue;
      fetcher.parked = null; // its park timer stays armed: it finds nothing, or the next fetch's deadline
      this.parkedFetchCount--;
      this.sendFetchResponse(fetch.from, this.answerFetch(fetch, fx, false)!, fx);
    }
  }

  /** The progress of each ISR member but this broker, in ISR order (see LeaderPartition.isrProgress). */
  private isrProgressOf(isr: readonly string[], followers: ReadonlyMap<string, FollowerProgress>): (FollowerProgress | undefined)[] {
    const progress: (FollowerProgress | undefined)[] = [];
    for (const id of isr) if (id !== this.self) progress.push(followers.get(id));
    return progress;
  }

  private quorum(topic: string): boolean {
    return this.settings.dataReplication(topic) === 'quorum';
  }

  /**
   * The high watermark. ISR mode: the smallest log end among the ISR (and replicas being added to
   * it). Quorum mode: the largest offset a majority of the replicas has, once that passes this
   * epoch's first record (see the header).
   */
  private maybeAdvanceHighWatermark(leader: LeaderPartition, fx: Effects<Message>): void {
    if (leader.quorum) {
      const candidate = majorityHighWatermark(leader.log.endOffset, [...leader.followers.values()].map((progress) => progress.leo ?? -1));
      if (candidate > leader.epochStartOffset) this.setHighWatermark(leader, candidate, fx);
      return;
    }
    let candidate = leader.log.endOffset;
    if (candidate <= leader.highWatermark) return; // it cannot pass the leader's own log end
    const isrProgress = leader.isrProgress;
    for (let index = 0; index < isrProgress.length; index++) candidate = Math.min(candidate, isrProgress[index]?.leo ?? -1);
    if (leader.pendingAdds.size > 0) for (const id of leader.pendingAdds) candidate = Math.min(candidate, leader.followers.get(id)?.leo ?? -1);
    this.setHighWatermark(leader, candidate, fx);
  }

  private setHighWatermark(leader: LeaderPartition, candidate: number, fx: Effects<Message>): void {
    if (candidate <= leader.highWatermark) return;
    leader.highWatermark = candidate;
    this.partitionChanged(leader);
    this.completeParkedProduces(fx);
    // A follower's parked fetch waits for records, not for the high watermark (see answerFetch);
    // quorum mode tells followers at once, as KRaft's leader does.
    if (leader.quorum) this.wakeParkedFetches(fx, leader);
    this.onHighWatermark?.(leader, fx);
  }

  // ---- majority elections (quorum mode) -------------------------------------------------------

  /**
   * The controller asks where this replica's log ends, for a majority election. Answering fences:
   * this broker stops leading or following the partition in any older leader epoch (as a Raft
   * voter that granted a vote rejects the old term's appends), so its answer stays true.
   */
  handleReplicaLogEnd(from: string, request: ReplicaLogEndRequest, fx: Effects<Message>): void {
    const key = partitionKey(request.topic, request.partition);
    const led = this.leaders.get(key);
    const followed = this.followers.get(key);
    if ((led !== undefined && led.leaderEpoch <= request.leaderEpoch) || (followed !== undefined && followed.leaderEpoch <= request.leaderEpoch)) {
      this.stopReplica(key, fx);
    }
    this.electionFences.set(key, Math.max(this.electionFences.get(key) ?? 0, request.leaderEpoch + 1));
    const log = this.logOf(request.topic, request.partition);
    const response: ReplicaLogEndResponse = {
      type: 'ReplicaLogEndResponse',
      bytes: DATA_HEADER_BYTES + 24,
      brokerId: this.self,
      topic: request.topic,
      partition: request.partition,
      leaderEpoch: request.leaderEpoch,
      lastEpoch: log.epochBefore(log.endOffset) ?? log.latestEpoch,
      logEndOffset: log.endOffset,
    };
    fx.send(from, response);
  }

  // ---- ISR changes ----------------------------------------------------------------------------

  private maybeExpandIsr(leader: LeaderPartition, progress: FollowerProgress, replicaId: string, fx: Effects<Message>): void {
    if (inIsr(leader, progress, replicaId) || leader.pendingAdds.has(replicaId) || leader.alterInFlight) return;
    const leo = leader.followers.get(replicaId)?.leo ?? null;
    // Caught up: at or past the high watermark, and past this leader epoch's start (Kafka's isFollowerInSync).
    if (leo === null || leo < leader.highWatermark || leo < leader.epochStartOffset) return;
    if (!this.image.isUsableBroker(replicaId)) return; // KIP-841: never a fenced broker
    leader.pendingAdds.add(replicaId);
    this.alterIsr(leader, leader.replicas.filter((id) => leader.isr.includes(id) || id === replicaId), fx);
    this.isrExpands++;
  }

  private checkIsrExpiry(fx: Effects<Message>): void {
    for (const leader of this.leaders.values()) {
      if (leader.alterInFlight) {
        // The request or its answer was lost (a controller failover, a cut link): try again, as
        // Kafka's AlterPartitionManager does, rather than freezing this partition's ISR.
        if (fx.nowUs - leader.alterSentUs < ALTER_PARTITION_RETRY_US) continue;
        leader.alterInFlight = false;
        leader.pendingAdds.clear();
      }
      // Kafka's ReplicaState.isCaughtUp (core/.../cluster/Replica.scala): a follower whose log
      // ends where the leader's does is in sync however long ago it fetched, so an idle
      // partition keeps a silent follower; fencing by the controller is what removes a dead one.
      const leaderEnd = leader.log.endOffset;
      const lagging = leader.isr.filter((id) => {
        if (id === this.self) return false;
        const progress = leader.followers.get(id);
        if (progress === undefined) return true;
        return progress.leo !== leaderEnd && fx.nowUs - caughtUpUs(progress) > this.settings.replicaLagMaxUs;
      });
      if (lagging.length === 0) continue;
      leader.lastShrink = { broker: lagging[0]!, atUs: fx.nowUs };
      this.isrShrinks++;
      fx.note(`${this.self} drops ${lagging.join(', ')} from the ISR of ${leader.key}: not caught up for ${formatSpan(this.settings.replicaLagMaxUs)} (replica.lag.time.max.ms)`);
      this.alterIsr(leader, leader.isr.filter((id) => !lagging.includes(id)), fx);
    }
  }

  private alterIsr(leader: LeaderPartition, newIsr: readonly string[], fx: Effects<Message>): void {
    const controller = this.controller;
    const brokerEpoch = this.brokerEpoch();
    if (controller === null || brokerEpoch === null) {
      leader.pendingAdds.clear();
      return;
    }
    leader.alterInFlight = true;
    leader.alterSentUs = fx.nowUs;
    const request: AlterPartitionRequest = {
      type: 'AlterPartition',
      bytes: DATA_HEADER_BYTES + 32,
      brokerId: this.self,
      brokerEpoch,
      topic: leader.topic,
      partition: leader.partition,
      leaderEpoch: leader.leaderEpoch,
      partitionEpoch: leader.partitionEpoch,
      newIsr,
    };
    fx.send(controller, request);
  }

  /** The active controller, as the broker's metadata fetcher knows it; set by the broker. */
  controller: string | null = null;

  handleAlterPartitionResponse(response: AlterPartitionResponse): void {
    const leader = this.leaders.get(partitionKey(response.topic, response.partition));
    if (leader === undefined) return;
    if (response.error !== 'NONE') {
      // Refused (a newer partition epoch, an ineligible replica): drop the pending change; the next check retries.
      leader.alterInFlight = false;
      leader.pendingAdds.clear();
    }
    // On NONE the change arrives through the metadata log, and becomeLeader takes it.
  }

  // ---- replica fetch, follower side -----------------------------------------------------------

  /** The partitions this broker follows from `leaderId`, in the order of `followers` (so fetches list them the same way every run). */
  /** The partitions followed changed: the grouping by leader is rebuilt at its next use. */
  private followersChanged(): void {
    this.followersByLeaderCache = null;
    this.followersGeneration++;
  }

  /** followersOf(leaderId) for a link, kept on it while the partitions followed stand (no Map lookup per fetch). */
  private followedOn(link: LeaderLink, leaderId: string): readonly FollowerPartition[] {
    if (link.followedGeneration !== this.followersGeneration) {
      link.followed = this.followersOf(leaderId);
      link.followedGeneration = this.followersGeneration;
    }
    return link.followed;
  }

  private followersOf(leaderId: string): readonly FollowerPartition[] {
    if (this.followersByLeaderCache === null) {
      const byLeader = new Map<string, FollowerPartition[]>();
      for (const follower of this.followers.values()) {
        const list = byLeader.get(follower.leader);
        if (list === undefined) byLeader.set(follower.leader, [follower]);
        else list.push(follower);
      }
      this.followersByLeaderCache = byLeader;
    }
    return this.followersByLeaderCache.get(leaderId) ?? NO_FOLLOWERS;
  }

  private sendFetch(leaderId: string, fx: Effects<Message>): void {
    this.sendFetchOn(this.link(leaderId), leaderId, fx);
  }

  /** sendFetch on a link already found (an answer's handler has it: no second lookup). */
  private sendFetchOn(link: LeaderLink, leaderId: string, fx: Effects<Message>): void {
    const inFlight = link.inFlightSinceUs;
    if (inFlight !== null && fx.nowUs - inFlight < this.settings.fetchTimeoutUs) return;
    // A restarted broker follows before it has registered again: its fetches carry no broker epoch yet (-1).
    const brokerEpoch = this.brokerEpoch() ?? -1;
    const followed = this.followedOn(link, leaderId);
    const refreshed = link.builtFor === followed;
    if (refreshed) this.refreshChangedEntries(link, fx);
    else this.buildAllEntries(link, followed, fx);
    const partitions = link.entries;
    if (partitions.length === 0) {
      link.inFlightSinceUs = null;
      return;
    }
    link.inFlightSinceUs = fx.nowUs;
    // KIP-227: FULL with every partition, or INCREMENTAL with the changed ones (Kafka's FetchSessionHandler.Builder; it copies what it keeps).
    // Refreshed entries: only their places can differ from the last build, so only they are compared.
    const built = refreshed ? link.handler.buildAt(partitions, link.changedPlaces, link.changedPlaceCount) : link.handler.build(partitions);
    link.changedPlaceCount = 0;
    const request: ReplicaFetchRequest = {
      type: 'ReplicaFetch',
      bytes: DATA_HEADER_BYTES + built.partitions.length * 32 + built.forgotten.length * 8,
      replicaId: this.self,
      brokerEpoch,
      sessionId: built.sessionId,
      sessionEpoch: built.sessionEpoch,
      partitions: built.partitions,
      forgotten: built.forgotten,
    };
    fx.send(leaderId, request, request.type, request.bytes);
    if (!link.retryArmed) {
      link.retryArmed = true;
      fx.setTimer(link.retryTimerKey, this.settings.fetchTimeoutUs);
    }
  }

  /**
   * Every partition followed from the link's leader gets its entry (the same immutable one while its
   * log is unchanged), except those backing off (replica.fetch.backoff.ms): with none of those, the
   * next fetches refresh only the changed ones (see LeaderLink). With none fetchable, the fetcher
   * waits out the earliest back-off (Kafka's fetcher thread does).
   */
  private buildAllEntries(link: LeaderLink, followed: readonly FollowerPartition[], fx: Effects<Message>): void {
    const entries = link.entries;
    emptyList(entries);
    for (const follower of link.changed) follower.entryChanged = false;
    emptyList(link.changed);
    link.changedPlaceCount = 0; // every place is rebuilt: the next request compares them all
    let delayedUntilUs = Number.POSITIVE_INFINITY;
    for (const follower of followed) {
      if (follower.delayedUntilUs > fx.nowUs) {
        delayedUntilUs = Math.min(delayedUntilUs, follower.delayedUntilUs);
        continue;
      }
      follower.fetchPlace = entries.length;
      entries.push(entryOf(follower));
    }
    link.builtFor = delayedUntilUs === Number.POSITIVE_INFINITY ? followed : null;
    if (entries.length === 0 && delayedUntilUs !== Number.POSITIVE_INFINITY) fx.setTimer(link.backoffTimerKey, delayedUntilUs - fx.nowUs);
  }

  /** The entries of the partitions answers carried since the last fetch, rebuilt in their places (the others cannot have changed). */
  private refreshChangedEntries(link: LeaderLink, fx: Effects<Message>): void {
    const changed = link.changed;
    for (let index = 0; index < changed.length; index++) {
      const follower = changed[index]!;
      follower.entryChanged = false;
      link.entries[follower.fetchPlace] = entryOf(follower);
      addPlace(link, follower.fetchPlace);
    }
    emptyList(changed);
    if (verifyQuietPartitions) this.verifyEntries(link, fx);
  }

  /** The test hook's check (setQuietPartitionChecks): the refreshed entries are those a build of them all would make, and only their places moved. */
  private verifyEntries(link: LeaderLink, fx: Effects<Message>): void {
    const followed = link.builtFor!;
    if (!link.handler.differsOnlyAt(link.entries, link.changedPlaces, link.changedPlaceCount)) throw new Error(`${this.self}: a fetch entry changed at a place not listed for the session build`);
    placesCompared++;
    if (link.entries.length !== followed.length) throw new Error(`${this.self}: ${link.entries.length} fetch entries for ${followed.length} partitions followed`);
    followed.forEach((follower, index) => {
      const entry = link.entries[index]!;
      const log = follower.log;
      if (follower.delayedUntilUs > fx.nowUs || entry !== follower.lastRequest || entry.fetchOffset !== log.endOffset || follower.lastRequestLogStart !== log.logStartOffset) {
        throw new Error(`${this.self}: the fetch entry of ${follower.key} (offset ${entry.fetchOffset}) is stale (log end ${log.endOffset}, log start ${log.logStartOffset}): a change did not mark it`);
      }
    });
  }

  private link(leaderId: string): LeaderLink {
    let link = this.links.get(leaderId);
    if (link === undefined) {
      link = {
        handler: new FetchSessionHandler(),
        inFlightSinceUs: null,
        retryArmed: false,
        retryTimerKey: `${TIMER_FETCH_RETRY}${leaderId}`,
        backoffTimerKey: `${TIMER_FETCH_BACKOFF}${leaderId}`,
        followed: NO_FOLLOWERS,
        followedGeneration: -1,
        builtFor: null,
        entries: [],
        changed: objectList<FollowerPartition>(),
        changedPlaces: [],
        changedPlaceCount: 0,
      };
      this.links.set(leaderId, link);
    }
    return link;
  }

  /** The KIP-227 session this broker fetches from `leaderId` in (id 0: none yet), for views and tests. */
  fetchSessionWith(leaderId: string): { readonly id: number; readonly nextEpoch: number } {
    return this.link(leaderId).handler.session;
  }

  handleReplicaFetchResponse(from: string, response: ReplicaFetchResponse, fx: Effects<Message>): void {
    const link = this.link(from);
    link.inFlightSinceUs = null;
    if (!link.handler.handleResponse(response.error, response.sessionId)) {
      // A session error (the leader restarted and lost its sessions, or an epoch mismatch): no
      // partition was answered; fetch again at once, FULL (Kafka's fetcher loops to its next fetch).
      fx.note(`${this.self}'s fetch session with leader ${from} failed (${response.error}): it fetches again with a FULL fetch request (KIP-227)`);
      this.sendFetchOn(link, from, fx);
      return;
    }
    for (const part of response.partitions) {
      const key = part.key;
      const follower = this.followers.at(part.topic, part.partition);
      if (follower === undefined || follower.leader !== from) continue;
      // Its log end or start may move now: its next entry is checked (LeaderLink).
      if (!follower.entryChanged) {
        follower.entryChanged = true;
        link.changed.push(follower);
      }
      if (part.remoteSegments !== undefined) follower.log.setRemoteSegments(part.remoteSegments);
      if (part.error === 'OFFSET_OUT_OF_RANGE') {
        this.handleOutOfRange(follower, part.logStartOffset, from, fx);
        continue;
      }
      if (part.error === 'OFFSET_MOVED_TO_TIERED_STORAGE') {
        this.handleMovedToTieredStorage(follower, part, from, fx);
        continue;
      }
      if (part.error !== 'NONE') {
        // Kafka's AbstractFetcherThread delays a partition whose fetch failed (a leader that is no
        // longer one, an epoch this broker has not seen yet) by replica.fetch.backoff.ms, rather
        // than asking again at once while its metadata catches up.
        follower.delayedUntilUs = fx.nowUs + this.settings.fetchBackoffUs;
        link.builtFor = null; // the next fetch leaves it out
        continue;
      }
      const log = follower.log;
      if (part.divergingEpoch !== null) {
        const ours = log.endOffsetForEpoch(part.divergingEpoch.epoch);
        const to = Math.min(part.divergingEpoch.endOffset, ours.endOffset);
        const removed = log.truncateTo(to);
        if (removed > 0) {
          this.truncatedRecords += removed;
          fx.note(`${this.self} truncated ${removed} record${removed === 1 ? '' : 's'} of ${key} from offset ${to}: they diverged from leader ${from} (leader epoch ${follower.leaderEpoch})`);
        }
        continue;
      }
      for (const batch of part.batches) {
        if (batch.baseOffset !== log.endOffset) continue;
        if (!this.fitsQuickly(batch.bytes) && !this.fits(batch.bytes, `copying ${batch.records} records of ${key} from leader ${from}`, fx)) return; // the broker halts: no more fetching
        log.append(batch);
        this.replicationBytesIn += batch.bytes;
      }
      if (follower.quorum) log.flush(); // before the next fetch reports it: the leader counts it towards a majority
      else if (part.batches.length > 0) this.maybeFlushAfterAppend(log, fx);
      follower.highWatermark = Math.min(part.highWatermark, log.endOffset);
      // Kafka's ReplicaFetcherThread.processPartitionData: the follower takes the leader's log start
      // (log.maybeIncrementLogStartOffset(leaderLogStartOffset, LeaderOffsetIncremented)). Asked only
      // when it is ahead: nearly every answer carries the same log start, and the call (not inlined
      // after the append) was ~1% of the run for its first comparison.
      if (part.logStartOffset > log.logStartOffset) log.maybeIncrementLogStartOffset(part.logStartOffset, follower.highWatermark);
    }
    this.sendFetchOn(link, from, fx);
  }

  /**
   * The leader no longer has the records this follower would fetch next: retention deleted them.
   * Kafka's AbstractFetcherThread.handleOutOfRangeError / fetchOffsetAndTruncate: when the leader's
   * log start is past this replica's log end, truncate fully and start at the leader's log start.
   * (Kafka asks the leader's earliest and latest offsets with ListOffsets; here the error answer
   * carries the leader's log start, as Fetch responses carry log_start_offset.)
   */
  private handleOutOfRange(follower: FollowerPartition, leaderStartOffset: number, from: string, fx: Effects<Message>): void {
    const log = follower.log;
    if (leaderStartOffset <= log.endOffset) return; // the next fetch, from our log end, is in range again
    const endBefore = log.endOffset;
    const removed = log.truncateFullyAndStartAt(leaderStartOffset);
    follower.highWatermark = leaderStartOffset;
    this.outOfRangeResets++;
    this.truncatedRecords += removed;
    fx.note(
      `${this.self} fell behind the log start of ${follower.key} on leader ${from} (OFFSET_OUT_OF_RANGE: it fetched from ${endBefore}, retention deleted everything before ${leaderStartOffset}): ` +
        `it dropped its ${removed} record${removed === 1 ? '' : 's'} and restarts at ${leaderStartOffset}`,
    );
  }

  /**
   * KIP-405's follower path: the leader has the records this follower would fetch next only in the
   * remote tier. Kafka's ReplicaFetcherTierStateMachine.start / buildRemoteLogAuxState: the
   * follower asks the leader's earliest local offset (ListOffsets EARLIEST_LOCAL_TIMESTAMP; here the
   * error answer carries it), rebuilds its leader epoch cache from the remote segments' epochs,
   * truncates fully, and fetches from the leader's local log start, with the leader's log start.
   */
  private handleMovedToTieredStorage(follower: FollowerPartition, part: FetchPartitionResponse, from: string, fx: Effects<Message>): void {
    const log = follower.log;
    const localStart = part.localLogStartOffset ?? part.logStartOffset;
    if (log.endOffset >= localStart) return; // it moved on meanwhile: its next fetch, from its log end, is local on the leader
    const epochs: EpochEntry[] = [];
    for (const segment of log.remoteSegments()) {
      if (segment.state !== 'COPY_SEGMENT_FINISHED') continue;
      for (const entry of segment.segmentLeaderEpochs) {
        const last = epochs[epochs.length - 1];
        if (last === undefined || entry.epoch > last.epoch) epochs.push(entry);
      }
    }
    const endBefore = log.endOffset;
    const removed = log.restartTieredAt(localStart, part.logStartOffset, epochs);
    follower.highWatermark = localStart;
    this.movedToTieredResets++;
    this.truncatedRecords += removed;
    fx.note(
      `${this.self} fetched ${follower.key} from ${endBefore}, below leader ${from}'s local log start ${localStart} (OFFSET_MOVED_TO_TIERED_STORAGE, KIP-405): ` +
        `the records before it are in the object store; it restarts its local log at ${localStart}, log start ${part.logStartOffset}, epoch cache rebuilt from ${epochs.length} remote epoch entr${epochs.length === 1 ? 'y' : 'ies'}`,
    );
  }

  /**
   * Kafka's LogManager.cleanupLogs, every log.retention.check.interval.ms: each log this broker
   * leads or follows deletes its old segments, below its high watermark (the leader's, or what the
   * follower was told).
   */
  private checkRetention(fx: Effects<Message>): void {
    const apply = (log: PartitionLog, highWatermark: number): void => {
      const deleted = log.deleteOldSegments(fx.nowUs, highWatermark);
      this.retentionDeletedSegments += deleted.segments;
      this.retentionDeletedRecords += deleted.records;
    };
    for (const leader of this.leaders.values()) {
      const startBefore = leader.log.logStartOffset;
      const localStartBefore = leader.log.localLogStartOffset;
      apply(leader.log, leader.highWatermark);
      if (leader.log.logStartOffset !== startBefore) this.partitionChanged(leader); // followers are sent the new log start
      if (leader.log.logStartOffset !== startBefore || leader.log.localLogStartOffset !== localStartBefore) this.onLogStartMoved?.(leader.key); // so are consumers
    }
    for (const follower of this.followers.values()) apply(follower.log, follower.highWatermark);
    for (const link of this.links.values()) link.builtFor = null; // a follower's log start may have moved: its entries are all checked
  }

  // ---- timers ---------------------------------------------------------------------------------

  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (key === TIMER_ISR_CHECK) {
      this.checkIsrExpiry(fx);
      fx.setTimer(TIMER_ISR_CHECK, Math.round(this.settings.replicaLagMaxUs / 2));
    } else if (key === TIMER_WRITEBACK) {
      for (const log of this.disk.logs.values()) log.writeBack(fx.nowUs);
      this.checkpointHighWatermarks(fx);
      fx.setTimer(TIMER_WRITEBACK, OS_WRITEBACK_INTERVAL_US);
    } else if (key === TIMER_FLUSH) {
      this.flushDirtyLogs(fx);
      const intervalUs = this.settings.flushSchedulerIntervalUs;
      if (intervalUs !== undefined) fx.setTimer(TIMER_FLUSH, intervalUs);
    } else if (key === TIMER_RETENTION) {
      this.checkRetention(fx);
      fx.setTimer(TIMER_RETENTION, this.settings.retentionCheckIntervalUs ?? RETENTION_CHECK_INTERVAL_DEFAULT_US);
    } else if (key === TIMER_PRODUCE_TIMEOUT) {
      const expired = this.parkedProduces.filter((parked) => parked.deadlineUs <= fx.nowUs);
      this.parkedProduces = this.parkedProduces.filter((parked) => parked.deadlineUs > fx.nowUs);
      for (const parked of expired) {
        this.respondProduce(parked, 'REQUEST_TIMED_OUT', `REQUEST_TIMED_OUT: the in-sync replicas did not all have the batch within ${formatSpan(parked.request.timeoutUs)}`, fx);
      }
      if (this.parkedProduces.length > 0) this.armProduceTimeout(fx);
    } else if (key.startsWith(TIMER_FETCH_PARK)) {
      const fetcher = this.fetcher(key.slice(TIMER_FETCH_PARK.length));
      fetcher.parkTimerArmed = false;
      const parked = fetcher.parked;
      if (parked !== null && parked.deadlineUs > fx.nowUs) {
        // Armed for a fetch answered since: wait for this one's own deadline.
        fetcher.parkTimerArmed = true;
        fx.setTimer(key, parked.deadlineUs - fx.nowUs);
      } else if (parked !== null) {
        fetcher.parked = null;
        this.parkedFetchCount--;
        this.sendFetchResponse(parked.from, this.answerFetch(parked, fx, false)!, fx);
      }
    } else if (key.startsWith(TIMER_FETCH_BACKOFF)) {
      this.sendFetch(key.slice(TIMER_FETCH_BACKOFF.length), fx);
    } else if (key.startsWith(TIMER_FETCH_RETRY)) {
      const leaderId = key.slice(TIMER_FETCH_RETRY.length);
      const link = this.link(leaderId);
      link.retryArmed = false;
      const sentUs = link.inFlightSinceUs;
      if (sentUs === null) return true; // answered, and nothing in flight since
      if (fx.nowUs - sentUs < this.settings.fetchTimeoutUs) {
        // Armed for a fetch answered since: wait for the one in flight's own timeout.
        link.retryArmed = true;
        fx.setTimer(key, sentUs + this.settings.fetchTimeoutUs - fx.nowUs);
        return true;
      }
      link.inFlightSinceUs = null;
      link.handler.handleError(); // no answer: the next fetch closes the session and opens another
      this.sendFetch(leaderId, fx);
    } else {
      return false;
    }
    return true;
  }

  // ---- consumers and the group coordinator (consumer-fetch.ts, group-coordinator.ts) -----------

  /** Called when a led partition's high watermark advances: consumer fetches and offset commits wait for it. */
  onHighWatermark: ((leader: LedPartitionRead, fx: Effects<Message>) => void) | null = null;
  /** Called when retention moved a led partition's log start or local log start: consumers' fetch sessions send it (consumer-fetch.ts). */
  onLogStartMoved: ((key: string) => void) | null = null;

  /** Bumped at every change to the partitions this broker leads: what `leaderRead` answered stays true until it moves (consumer-fetch.ts caches it per session partition). */
  get leadersGenerationNow(): number {
    return this.leadersGeneration;
  }

  /** A partition this broker leads, as consumers read it: its log, leader epoch and high watermark; null if it does not lead it. */
  leaderRead(key: string): LedPartitionRead | null {
    return this.leaders.get(key) ?? null;
  }

  /**
   * Appends an internal record (the group coordinator's offset commits and group metadata) to a
   * partition this broker leads, as a one-record batch in its leader epoch. Returns the offset the
   * high watermark must pass for the record to be committed (acks=all), or null if it does not lead it.
   */
  appendInternal(topic: string, partition: number, payload: InternalRecord, bytes: number, fx: Effects<Message>): number | null {
    const leader = this.leaders.get(partitionKey(topic, partition));
    if (leader === undefined) return null;
    const log = leader.log;
    const baseOffset = log.endOffset;
    if (!this.fits(bytes, `appending a ${payload.kind} record to ${leader.key}`, fx)) return null;
    log.append({ baseOffset, records: 1, bytes, epoch: leader.leaderEpoch, producerId: -1, baseSequence: -1, batchId: `${this.self}/internal/${baseOffset}`, appendedUs: fx.nowUs, createdUs: fx.nowUs, payload });
    this.partitionChanged(leader);
    this.maybeFlushAfterAppend(log, fx);
    this.maybeAdvanceHighWatermark(leader, fx);
    this.wakeParkedFetches(fx, leader);
    return baseOffset + 1;
  }

  // ---- views ----------------------------------------------------------------------------------

  /**
   * The leader epoch this broker leads a partition in (null: it does not lead it). Found by topic
   * and number, nothing built: the durability oracle asks for every partition at every check.
   */
  leaderEpochOf(topic: string, partition: number): number | null {
    return this.leaders.at(topic, partition)?.leaderEpoch ?? null;
  }

  /** The broker epoch this broker registered with (null until the controller answered its registration). */
  registeredBrokerEpoch(): number | null {
    return this.brokerEpoch();
  }

  /** The partitions this broker leads now, as the RemoteLogManager copies and expires them. */
  ledPartitions(): IterableIterator<{ readonly key: string; readonly topic: string; readonly partition: number; readonly log: PartitionLog; readonly leaderEpoch: number; readonly highWatermark: number }> {
    return this.leaders.values();
  }

  leaderHighWatermark(topic: string, partition: number): number | null {
    return this.leaders.get(partitionKey(topic, partition))?.highWatermark ?? null;
  }

  /** This broker's own high watermark for a partition it leads or follows (a follower's lags the leader's); null otherwise. */
  replicaHighWatermark(topic: string, partition: number): number | null {
    const key = partitionKey(topic, partition);
    return this.leaders.get(key)?.highWatermark ?? this.followers.get(key)?.highWatermark ?? null;
  }

  /**
   * What the metrics' series read of this broker once per simulated second (metrics/catalog.ts):
   * its counters and UnderReplicatedPartitions, without view()'s walk over every log and segment.
   */
  counters(): ReplicaCounters {
    let underReplicated = 0;
    let underMinIsr = 0;
    for (const leader of this.leaders.values()) {
      if (isUnderReplicated(leader)) underReplicated++;
      if (this.isUnderMinIsr(leader)) underMinIsr++;
    }
    return {
      bytesIn: this.bytesIn,
      messagesIn: this.messagesIn,
      replicationBytesOut: this.replicationBytesOut,
      failedProduceRequests: this.failedProduceRequests,
      isrShrinks: this.isrShrinks,
      isrExpands: this.isrExpands,
      underReplicated,
      underMinIsr,
      truncatedRecords: this.truncatedRecords,
      logFlushes: this.logFlushes,
    };
  }

  view(): ReplicaView {
    let underReplicated = 0;
    let underMinIsr = 0;
    for (const leader of this.leaders.values()) {
      if (isUnderReplicated(leader)) underReplicated++;
      if (this.isUnderMinIsr(leader)) underMinIsr++;
    }
    let records = 0;
    let bytes = 0;
    let unflushed = 0;
    let unflushedBytes = 0;
    let batches = 0;
    let segments = 0;
    const sessions = this.fetchSessions?.view();
    for (const log of this.disk.logs.values()) {
      batches += log.batchCount;
      segments += log.segmentViews().length;
      records += log.endOffset - log.localLogStartOffset; // held on this disk (a tiered log's older records are in the object store)
      unflushed += log.endOffset - log.flushedEndOffset;
      unflushedBytes += log.unflushedBytes;
      bytes += log.bytes;
    }
    return {
      leaderOf: this.leaders.size,
      followerOf: this.followers.size,
      underReplicated,
      underMinIsr,
      records,
      bytes,
      batches,
      segments,
      unflushedRecords: unflushed,
      unflushedBytes,
      logFlushes: this.logFlushes,
      logDirOffline: this.offlineReason,
      isrShrinks: this.isrShrinks,
      isrExpands: this.isrExpands,
      truncatedRecords: this.truncatedRecords,
      bytesIn: this.bytesIn,
      messagesIn: this.messagesIn,
      failedProduceRequests: this.failedProduceRequests,
      replicationBytesOut: this.replicationBytesOut,
      replicationBytesIn: this.replicationBytesIn,
      parkedProduces: this.parkedProduces.length,
      retentionDeletedSegments: this.retentionDeletedSegments,
      retentionDeletedRecords: this.retentionDeletedRecords,
      outOfRangeResets: this.outOfRangeResets,
      movedToTieredResets: this.movedToTieredResets,
      fetchSessions: sessions?.sessions ?? 0,
      fetchSessionPartitionsCached: sessions?.partitionsCached ?? 0,
      fetchSessionEvictions: sessions?.evictions ?? 0,
    };
  }
}
