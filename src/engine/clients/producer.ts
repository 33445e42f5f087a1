// The producer client, as Kafka's KafkaProducer does it (RecordAccumulator, Sender, Metadata and
// the idempotent part of TransactionManager), as a sans-I/O component: a process's logic hands it
// the timer it owns (PRODUCER_TIMER) and the responses it asked for (MetadataResponse,
// InitProducerIdResponse, ProduceResponse).
//
// Records are generated at `recordsPerSecond` from `startUs` to `stopUs` without a timer per
// record: record k exists at a time computed from k, and every input first "catches up" the
// records generated since the last one, with their own times, into batches. One timer
// (PRODUCER_TIMER) is armed at the earliest moment anything could change: a batch filling up or
// lingering out, a retry backoff ending, a request or delivery timeout, a metadata refresh. That is
// Kafka's Sender loop, whose poll returns how long until it next needs waking.
//
// A batch's life (the states of `Batch.state`):
//   open (the sticky partition's last batch, taking records) --full, or drained--> queued
//   queued --drained into a Produce request (stamped with producer id and sequence the first time)--> inflight
//   queued --acks=0: sent, no answer expected--> done (acknowledged, baseOffset -1)
//   inflight --NONE--> done (acknowledged)
//   inflight --retriable error, or request.timeout.ms without an answer (the connection closes)-->
//     queued at the front of its partition's queue, same sequence, after retry.backoff.ms
//   inflight --non-retriable error--> done (failed)
//   open | queued | inflight --delivery.timeout.ms since created--> done (failed)
// An idempotent producer whose sequenced batch failed for good has left a gap the broker would
// refuse: it stops sending, waits for its requests to finish, takes a new producer id
// (InitProducerId) and restarts every partition's sequence at 0 (Kafka's epoch bump, KIP-360).
//
// Never: reads a clock, draws chance other than from fx.prng, or lets the ledger (an observer)
// change what it does. Every queue is bounded: partition queues by buffer.memory (each batch holds
// batch.size of it), requests in flight by max.in.flight.requests.per.connection per broker and
// KNOWN_BROKERS_MAX brokers, partitions by PARTITIONS_MAX, latencies by a fixed histogram (metrics/histogram.ts).

import {
  DATA_HEADER_BYTES,
  RETRIABLE_ERRORS,
  type Acks,
  type ErrorCode,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
  type MetadataRequest,
  type MetadataResponse,
  type ProduceRequest,
  type ProduceResponse,
  type ProducedBatch,
} from '../broker/protocol';
import { LatencyHistogram, type LatencyView } from '../metrics/histogram';
import type { Effects, Message, TimerHandle } from '../sim/process';
import { US_PER_SECOND, formatSpan, type TimeUs } from '../sim/time';

export const PRODUCER_TIMER = 'producer:wake';
/** buffer.memory: bytes of batches the producer holds before it refuses records (Kafka's default). */
export const BUFFER_MEMORY_BYTES = 32 * 1024 * 1024;
/** metadata.max.age.ms: metadata is refreshed at least this often, even when nothing failed. */
export const METADATA_MAX_AGE_US = 300 * US_PER_SECOND;
/** max.request.size: a Produce request takes batches until the next would pass this (the first always goes). */
export const MAX_REQUEST_BYTES = 1_048_576;
/** Kafka's RecordBatch v2 header (DefaultRecordBatch.RECORD_BATCH_OVERHEAD). */
export const BATCH_HEADER_BYTES = 61;
/** Partitions of the topic the producer tracks at most. */
export const PARTITIONS_MAX = 10_000;
/** Brokers remembered from metadata (to ask for metadata and producer ids), matching the network's endpoint bound. */
export const KNOWN_BROKERS_MAX = 1_024;
/** With idempotence, a broker remembers the last 5 batches per producer and partition; more in flight could not be deduplicated. */
export const IDEMPOTENT_IN_FLIGHT_MAX = 5;
/** At most one "failed for good" note per this span; the next one counts the failures it skipped. */
const FAILURE_NOTE_INTERVAL_US = US_PER_SECOND;

/**
 * "0" to "999", and "000" to "999": the last three digits of every batch id, made once (see
 * batchIdOf). A number turned into text goes through V8's number-to-string cache, an old array of up
 * to 16,384 entries that keeps each new serial's digits alive, so every batch's digits outlived
 * two scavenges and reached the old generation; these strings are old from the start.
 */
const DECIMAL_BELOW_1000: readonly string[] = Array.from({ length: 1_000 }, (_, value) => String(value));
const THREE_DIGITS: readonly string[] = DECIMAL_BELOW_1000.map((text) => text.padStart(3, '0'));
/** A producer retrying through the same error says so in the log at most this often (a new error is said at once). */
const RETRY_NOTE_INTERVAL_US = 10 * US_PER_SECOND;
/** Leader changes listed in one note; more are counted. */
const LEADER_CHANGES_NOTED_MAX = 5;

/** Errors after which the producer's idea of the leader is wrong: Kafka's InvalidMetadataException family. */
const METADATA_ERRORS: ReadonlySet<ErrorCode> = new Set(['NOT_LEADER_OR_FOLLOWER', 'UNKNOWN_TOPIC_OR_PARTITION', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH', 'KAFKA_STORAGE_ERROR']);

/** A broker's error, or the client's own refusal of a record when buffer.memory is full (Kafka's BufferExhaustedException). */
export type ProducerErrorCode = ErrorCode | 'BUFFER_EXHAUSTED';

export interface ProducerSettings {
  /** The process id, e.g. "producer-1"; it names batches ("producer-1/7"). */
  readonly id: string;
  readonly topic: string;
  /** bootstrap.servers: broker ids to ask for metadata (any one answers). */
  readonly bootstrap: readonly string[];
  /** acks: 0 (fire and forget), 1 (the leader wrote it), -1 (all: the ISR has it). */
  readonly acks: Acks;
  readonly recordsPerSecond: number;
  /** Bytes of one record as it sits in a batch (key, value, headers and record overhead). */
  readonly recordBytes: number;
  /** linger.ms. */
  readonly lingerUs: TimeUs;
  /** batch.size. */
  readonly batchBytes: number;
  /** delivery.timeout.ms: from a batch's creation to giving up on it. */
  readonly deliveryTimeoutUs: TimeUs;
  /** request.timeout.ms: how long to wait for an answer (and the broker's wait for its ISR). */
  readonly requestTimeoutUs: TimeUs;
  /** retry.backoff.ms. */
  readonly retryBackoffUs: TimeUs;
  /** enable.idempotence: only with acks=all. */
  readonly idempotence: boolean;
  /** max.in.flight.requests.per.connection. */
  readonly maxInFlight: number;
  /** Records are generated from here (or from the producer's start, if later) ... */
  readonly startUs: TimeUs;
  /** ... until here (exclusive); null: forever. */
  readonly stopUs: TimeUs | null;
  /** The first request id less one (default 0): a producer reopened in the same process starts apart from the last one's. */
  readonly firstCorrelationId?: number;
}

/** The durability oracle's view of the producer: it observes, it never steers. */
export interface ProducerLedger {
  /** Every send attempt: a retry passes a batch with the same batchId and baseSequence. */
  sent(batch: ProducedBatch, atUs: TimeUs): void;
  acknowledged(batch: ProducedBatch, baseOffset: number, acks: Acks, atUs: TimeUs): void;
  /** Given up for good; the batch may still have been written (a timeout does not say it was not). */
  failed(batch: ProducedBatch, error: ErrorCode, detail: string, atUs: TimeUs): void;
  /** Records refused before they became a batch (buffer.memory full); they never reach a broker. */
  refused?(records: number, detail: string, atUs: TimeUs): void;
}

/** Bound on the errors a producer's view explains: the newest of each code, newest first. */
export const RECENT_ERRORS_MAX = 4;

export interface ProducerErrorView {
  readonly code: ProducerErrorCode;
  readonly detail: string;
  readonly atUs: TimeUs;
}

/** A broker this producer sends to: it leads `partitions` of the producer's topic, as the producer's metadata has it. */
export interface ProducerLeaderView {
  readonly broker: string;
  readonly partitions: number;
}

export interface ProducerView {
  readonly topic: string;
  /** acks as the protocol carries it (-1 for all), and record size: what change-producer changes. */
  readonly acks: Acks;
  readonly recordBytes: number;
  /** The application closed it (remove-producer): it sends what it holds, then exits. */
  readonly closing: boolean;
  /** The rate records are made at now (the configured one until a change-load). */
  readonly recordsPerSecond: number;
  /** The brokers its metadata names as leaders of the topic's partitions, by broker id (the page draws its flows from them). */
  readonly leaders: readonly ProducerLeaderView[];
  readonly metadataKnown: boolean;
  /** -1 without idempotence; null while an idempotent producer waits for InitProducerId. */
  readonly producerId: number | null;
  /** Records in batches sent at least once (retries are not counted again). */
  readonly recordsSent: number;
  readonly recordsAcked: number;
  /** Records in batches given up for good, and records refused (recordsRefused). */
  readonly recordsFailed: number;
  readonly recordsRefused: number;
  readonly batchesInFlight: number;
  readonly requestsInFlight: number;
  /** Records held by the producer, not in flight: waiting for metadata, a batch, a send or a retry. */
  readonly queuedRecords: number;
  /** Of buffer.memory. */
  readonly bufferBytes: number;
  /** Each error met, by code: per batch for broker and timeout errors, per record for BUFFER_EXHAUSTED. */
  readonly errors: Readonly<Record<string, number>>;
  readonly lastError: ProducerErrorView | null;
  /** The newest error of each kind met, newest first (at most RECENT_ERRORS_MAX), each with its cause then. */
  readonly recentErrors: readonly ProducerErrorView[];
  /** Ack time minus the batch's creation time (its first record). */
  readonly latencyUs: LatencyView;
}

type BatchState = 'open' | 'queued' | 'inflight' | 'done';

interface Batch {
  readonly serial: number;
  readonly partition: number;
  /** Time of its first record: linger and delivery timeout count from here. */
  readonly createdUs: TimeUs;
  records: number;
  state: BatchState;
  /** Producer id and sequence, fixed at the first send (Kafka assigns them on drain) and kept across retries. */
  stamp: ProducedBatch | null;
  attempts: number;
  /** Not before this time (retry.backoff.ms after a failed attempt). */
  retryAtUs: TimeUs;
  lastError: ErrorCode | null;
  lastDetail: string;
}

interface PartitionState {
  readonly index: number;
  /** Null while unknown: none in metadata, or the last answer said the leader moved. */
  leader: string | null;
  /** The producer's record of `leader` (null with it): set with it by setLeader, so grouping by leader needs no lookup. */
  leaderBroker: BrokerState | null;
  /** In `queuedList` (its queue may hold batches). */
  listed: boolean;
  leaderEpoch: number;
  /** The last leader metadata named, to notice changes. */
  lastLeader: string | null;
  /** Batches not in flight, oldest first (creation order = sequence order). Bounded by buffer.memory. */
  readonly queue: Batch[];
  /** Batches in flight, in creation order. At most max.in.flight (one batch per partition per request). */
  readonly inFlight: Batch[];
  /** Sequence the next stamped batch gets (idempotence). */
  nextSequence: number;
  /** Sequence after the last acknowledged batch: the one the broker expects next. */
  nextAckSequence: number;
}

interface InFlightRequest {
  readonly correlationId: number;
  readonly broker: string;
  /** `broker`'s record (its in-flight count), kept so that an answer finds it without a lookup by id. */
  readonly brokerState: BrokerState;
  readonly sentUs: TimeUs;
  readonly batches: readonly Batch[];
  /** The earliest creation time of its batches: while that is within delivery.timeout.ms, none of them has expired, so no scan is needed. */
  readonly oldestCreatedUs: TimeUs;
}

/**
 * What the producer keeps per broker it sends to, reused for the producer's life (one per broker
 * named as a leader, at most KNOWN_BROKERS_MAX), so that grouping the ready partitions by leader
 * after every input allocates nothing: Kafka's per-node drain state (RecordAccumulator.nodesDrainIndex)
 * and its in-flight count (NetworkClient's InFlightRequests per node).
 */
interface BrokerState {
  readonly id: string;
  /** Produce requests in flight to it. */
  inFlight: number;
  /** Where the next drain starts among its queued partitions (so no partition is always last). */
  drainIndex: number;
  /**
   * Its partitions with queued batches, in partition order: the first `queuedCount`, refilled by
   * each sendReadyBatches (valid while `pass` is current). A count rather than `length = 0`, which
   * would give the array's storage back and make every pass grow it again.
   */
  readonly queued: PartitionState[];
  queuedCount: number;
  /** The sendReadyBatches pass that last filled `queued`. */
  pass: number;
}

interface Outstanding {
  readonly to: string;
  readonly sentUs: TimeUs;
}

/**
 * One kind of request the producer keeps at most one of in flight (Metadata, InitProducerId), with
 * Kafka's pacing: the next attempt waits retry.backoff.ms from the end of the last one, whether it
 * was answered, refused or timed out (Metadata.lastRefreshMs), and avoids the broker that was silent.
 */
class Exchange {
  inFlight: Outstanding | null = null;
  endedUs: TimeUs | null = null;
  avoid: string | null = null;

  /** An attempt unanswered for request.timeout.ms has failed. */
  expire(nowUs: TimeUs, timeoutUs: TimeUs): void {
    if (this.inFlight === null || nowUs - this.inFlight.sentUs < timeoutUs) return;
    this.avoid = this.inFlight.to;
    this.inFlight = null;
    this.endedUs = nowUs;
  }

  mayStart(nowUs: TimeUs, backoffUs: TimeUs): boolean {
    return this.inFlight === null && (this.endedUs === null || nowUs - this.endedUs >= backoffUs);
  }

  started(to: string, nowUs: TimeUs): void {
    this.inFlight = { to, sentUs: nowUs };
  }

  ended(nowUs: TimeUs): void {
    this.inFlight = null;
    this.endedUs = nowUs;
    this.avoid = null;
  }

  /** When this exchange next needs a look: its timeout, the end of its backoff if one is due, or when one falls due. */
  deadlineUs(due: boolean, dueAtUs: TimeUs | null, timeoutUs: TimeUs, backoffUs: TimeUs): TimeUs | null {
    if (this.inFlight !== null) return this.inFlight.sentUs + timeoutUs;
    if (due) return this.endedUs === null ? null : this.endedUs + backoffUs;
    return dueAtUs;
  }
}

/** Why the constructor refuses settings: names Kafka's setting and says what would fix it. */
function validate(s: ProducerSettings): void {
  const fail = (text: string): never => {
    throw new Error(`producer "${s.id}": ${text}`);
  };
  if (s.idempotence && s.acks !== -1) {
    fail(`enable.idempotence=true needs acks=all (-1), but acks=${s.acks}; set acks to -1, or enable.idempotence to false`);
  }
  if (!Number.isInteger(s.maxInFlight) || s.maxInFlight < 1) fail(`max.in.flight.requests.per.connection must be a whole number ≥ 1; got ${s.maxInFlight}`);
  if (s.idempotence && s.maxInFlight > IDEMPOTENT_IN_FLIGHT_MAX) {
    fail(`enable.idempotence=true allows max.in.flight.requests.per.connection up to ${IDEMPOTENT_IN_FLIGHT_MAX} (a broker deduplicates only that many batches per producer); got ${s.maxInFlight}`);
  }
  if (s.bootstrap.length === 0) fail('bootstrap.servers is empty; name at least one broker to ask for metadata');
  if (s.topic === '') fail('the topic name is empty');
  if (!Number.isFinite(s.recordsPerSecond) || s.recordsPerSecond < 0) fail(`recordsPerSecond must be a number ≥ 0; got ${s.recordsPerSecond}`);
  if (!Number.isInteger(s.recordBytes) || s.recordBytes < 1) fail(`recordBytes must be a whole number ≥ 1; got ${s.recordBytes}`);
  if (!Number.isInteger(s.batchBytes) || s.batchBytes < 1) fail(`batch.size must be a whole number of bytes ≥ 1; got ${s.batchBytes}`);
  const spans: [string, number, number][] = [
    ['linger.ms', s.lingerUs, 0],
    ['retry.backoff.ms', s.retryBackoffUs, 0],
    ['request.timeout.ms', s.requestTimeoutUs, 1],
    ['delivery.timeout.ms', s.deliveryTimeoutUs, 1],
    ['startUs', s.startUs, 0],
  ];
  for (const [name, us, least] of spans) {
    if (!Number.isInteger(us) || us < least) fail(`${name} must be a whole number of µs ≥ ${least}; got ${us}`);
  }
  if (s.stopUs !== null && (!Number.isInteger(s.stopUs) || s.stopUs < s.startUs)) fail(`stopUs must be null or a whole number of µs ≥ startUs (${s.startUs}); got ${s.stopUs}`);
  if (s.deliveryTimeoutUs < s.lingerUs + s.requestTimeoutUs) {
    // Kafka's own rule (KafkaProducer.configureDeliveryTimeout): a batch must be allowed to linger and then wait one request.
    fail(
      `delivery.timeout.ms (${formatSpan(s.deliveryTimeoutUs)}) must be at least linger.ms + request.timeout.ms ` +
        `(${formatSpan(s.lingerUs)} + ${formatSpan(s.requestTimeoutUs)}); raise delivery.timeout.ms or lower the others`,
    );
  }
}

// ---- the producer -------------------------------------------------------------------------------

export class Producer {
  // Number fields start as numbers (see "Field representations" in docs/architecture.md): a field
  // declared without a value is defined as undefined first (ES2022 class fields), and V8 then keeps
  // it "tagged", so every load of it in optimized code checks for a heap number.
  private readonly recordsPerBatch: number = 0;
  /** What one batch takes from buffer.memory: batch.size, or one record's batch if a record is larger. */
  private readonly batchAllocationBytes: number = 0;

  private started = false;
  /** The application closed it: no new records; it exits once what it holds is done. */
  private closing = false;
  /** Record 0's time: startUs, or this life's start if later (records are not made while the producer is down). */
  private originUs: TimeUs = 0;
  private batchIdPrefix: string;
  /**
   * batchIdOf's serial / 1000 (-1: none yet), and the id's head for it ("producer-1/12"), made once
   * per thousand batches (see batchIdOf). The prefix never changes under a kept head: start sets it
   * before any batch, and each life is a new Producer (the kernel makes a process's logic anew).
   */
  private batchIdHigh = -1;
  private batchIdHead = '';
  /** Records generated so far (accepted, pending or refused): the index of the next record. */
  private nextRecordIndex = 0;
  /** records per second now: the configured rate until a change-load sets another. */
  private rate = 0;
  /** Records made before the current rate took effect at originUs (0 until a change). */
  private rateBaseIndex = 0;
  /** Records generated before the first metadata, not yet in a batch: indices [0, pendingRecords). */
  private pendingRecords = 0;

  private readonly partitions: PartitionState[] = [];
  /**
   * The partitions whose queue may hold batches, kept in partition order: every append to an
   * unlisted partition's queue inserts it in place (listPartition), and the scans (queuedPartitions)
   * drop those found empty, in place. Bounded by PARTITIONS_MAX. The scans that run after every
   * input (send, expire, the next wake-up) walk these few partitions, in partition order, rather
   * than every partition of the topic; kept sorted as it changes, it is never rebuilt nor sorted per
   * input (three times per input before: the producer's largest source of garbage).
   */
  private readonly queuedList: PartitionState[] = [];
  /** Entries of queuedList in use (a count, so that dropping entries never gives the array's storage back). */
  private queuedCount = 0;
  /** How many partitions have a known leader (the sticky partitioner draws among them); null: count again. */
  private withLeaderCount: number | null = null;
  private stickyPartition = -1;
  private openBatch: Batch | null = null;
  private nextSerial = 1;
  private bufferUsedBytes = 0;

  private metadataKnown = false;
  private knownBrokers: readonly string[] = [];
  private readonly metadata = new Exchange();
  /** When metadata with the topic last arrived (metadata.max.age.ms counts from here). */
  private metadataUs: TimeUs = 0;
  /** Something failed in a way that says metadata is stale: refresh as soon as the backoff allows. */
  private metadataWanted = false;

  private producerId: number | null;
  private readonly producerIdExchange = new Exchange();
  /** A sequenced batch failed for good: take a new producer id once nothing is in flight. */
  private producerIdResetPending = false;

  /**
   * Produce requests in flight, in the order they were sent (so by correlation id). An array, not
   * a Map: the scans after every input walk it by index with no iterator, and it is short (at most
   * max.in.flight.requests.per.connection per broker).
   */
  private readonly inFlight: InFlightRequest[] = [];
  /** Per broker named as a leader: in-flight count, drain position, queued partitions (at most KNOWN_BROKERS_MAX). */
  private readonly brokers = new Map<string, BrokerState>();
  /** The brokers with a queued partition in the current sendReadyBatches pass, in the order their first partition came: the first readyCount (reused). */
  private readonly readyBrokers: BrokerState[] = [];
  private readyCount = 0;
  /** One drain's batches, gathered here and copied into a request's own array of just their number. */
  private readonly drainScratch: Batch[] = [];
  private sendPass = 0;
  private correlationId = 0;
  private armedUs: TimeUs | null = null;
  /** PRODUCER_TIMER's handle in this life (this object lives one life), asked for at the first arming. */
  private wakeTimer: TimerHandle | null = null;

  private recordsSent = 0;
  private recordsAcked = 0;
  private recordsFailed = 0;
  private recordsRefused = 0;
  private refusing = false;
  private readonly errors = new Map<ProducerErrorCode, number>();
  private lastError: ProducerErrorView | null = null;
  private recentErrors: ProducerErrorView[] = [];
  private readonly latency = new LatencyHistogram();
  private lastFailureNoteUs: TimeUs | null = null;
  /** When each retriable error was last told in the event log (bounded by the error codes). */
  private readonly retryNotedUs = new Map<ErrorCode, TimeUs>();
  private failuresNotNoted = 0;

  constructor(
    private readonly settings: ProducerSettings,
    private readonly ledger: ProducerLedger,
  ) {
    validate(settings);
    const room = settings.batchBytes - BATCH_HEADER_BYTES;
    this.recordsPerBatch = Math.max(1, Math.floor(room / settings.recordBytes));
    this.batchAllocationBytes = Math.max(settings.batchBytes, BATCH_HEADER_BYTES + settings.recordBytes);
    this.producerId = settings.idempotence ? null : -1;
    this.batchIdPrefix = settings.id;
    this.rate = settings.recordsPerSecond;
    this.correlationId = settings.firstCorrelationId ?? 0;
  }

  /**
   * The application closes the producer (remove-producer), as KafkaProducer.close() without a
   * timeout: no more records are made; what it holds is sent at once (linger no longer waits) and
   * answered, retried or timed out by delivery.timeout.ms as usual; then the process exits. Records
   * still waiting for the first metadata have nowhere to go and are dropped with a note.
   */
  close(fx: Effects<Message>): void {
    if (this.closing) return;
    this.advance(fx);
    this.rateBaseIndex = this.nextRecordIndex;
    this.originUs = fx.nowUs + 1;
    this.rate = 0;
    this.closing = true;
    this.closeOpenBatch();
    if (!this.metadataKnown && this.pendingRecords > 0) {
      fx.note(`${this.settings.id} closes before it ever learned ${this.settings.topic}'s partitions: ${this.pendingRecords} records it held are dropped`);
      this.pendingRecords = 0;
      this.bufferUsedBytes = 0;
    }
    this.act(fx);
  }

  /** Closing, and nothing left to send or to hear back about. */
  private drained(): boolean {
    if (this.pendingRecords > 0 || this.inFlight.length > 0) return false;
    for (const partition of this.partitions) if (partition.queue.length > 0 || partition.inFlight.length > 0) return false;
    return true;
  }

  /**
   * The load changes: from now on records are made at `recordsPerSecond` (0 pauses the producer).
   * Records made so far keep their times; what is batched or in flight goes on as before.
   */
  setRate(recordsPerSecond: number, fx: Effects<Message>): void {
    if (!Number.isFinite(recordsPerSecond) || recordsPerSecond < 0) throw new RangeError(`recordsPerSecond must be a number ≥ 0; got ${recordsPerSecond}`);
    this.advance(fx);
    this.rateBaseIndex = this.nextRecordIndex;
    // The next record is made after this moment, never at it: the old rate made the records up to now.
    this.originUs = Math.max(this.settings.startUs, fx.nowUs + 1);
    this.rate = recordsPerSecond;
    this.act(fx);
  }

  get recordsPerSecond(): number {
    return this.rate;
  }

  start(fx: Effects<Message>): void {
    this.started = true;
    this.originUs = Math.max(this.settings.startUs, fx.nowUs);
    // A later life must not reuse the first life's batch ids; its start time tells them apart.
    if (fx.nowUs > this.settings.startUs) this.batchIdPrefix = `${this.settings.id}@${fx.nowUs}`;
    this.sendMetadata(fx);
    this.act(fx);
  }

  /** Returns false for a timer this component does not own. */
  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (key !== PRODUCER_TIMER) return false;
    this.armedUs = null;
    this.advance(fx);
    this.act(fx);
    return true;
  }

  /** Returns false for a message this component does not handle; `type` is the message's, as the kernel gives it (see ProcessLogic.receive). */
  handleMessage(from: string, message: Message, fx: Effects<Message>, type: string = message.type): boolean {
    if (type !== 'MetadataResponse' && type !== 'InitProducerIdResponse' && type !== 'ProduceResponse') return false;
    this.advance(fx);
    if (type === 'MetadataResponse') this.handleMetadataResponse(from, message as MetadataResponse, fx);
    else if (type === 'InitProducerIdResponse') this.handleInitProducerIdResponse(message as InitProducerIdResponse, fx);
    else this.handleProduceResponse(from, message as ProduceResponse, fx);
    this.act(fx);
    return true;
  }

  view(): ProducerView {
    let batchesInFlight = 0;
    let queuedRecords = this.pendingRecords;
    for (const partition of this.partitions) {
      batchesInFlight += partition.inFlight.length;
      for (const batch of partition.queue) queuedRecords += batch.records;
    }
    const errors: Record<string, number> = {};
    for (const code of [...this.errors.keys()].sort()) errors[code] = this.errors.get(code)!;
    return {
      topic: this.settings.topic,
      acks: this.settings.acks,
      recordBytes: this.settings.recordBytes,
      closing: this.closing,
      recordsPerSecond: this.rate,
      leaders: this.leaderViews(),
      metadataKnown: this.metadataKnown,
      producerId: this.producerId,
      recordsSent: this.recordsSent,
      recordsAcked: this.recordsAcked,
      recordsFailed: this.recordsFailed,
      recordsRefused: this.recordsRefused,
      batchesInFlight,
      requestsInFlight: this.inFlight.length,
      queuedRecords,
      bufferBytes: this.bufferUsedBytes,
      errors,
      lastError: this.lastError,
      recentErrors: this.recentErrors,
      latencyUs: this.latency.view(),
    };
  }

  /** Partitions per leader broker, as this producer's metadata has them (unknown leaders left out). */
  private leaderViews(): ProducerLeaderView[] {
    const counts = new Map<string, number>();
    for (const partition of this.partitions) {
      if (partition.leader !== null) counts.set(partition.leader, (counts.get(partition.leader) ?? 0) + 1);
    }
    return [...counts.keys()].sort().map((broker) => ({ broker, partitions: counts.get(broker)! }));
  }

  // ---- the loop: catch up, then act ------------------------------------------------------------

  /** Brings the state to now: records generated since the last input, expired batches, timed-out requests. */
  private advance(fx: Effects<Message>): void {
    this.catchUpRecords(fx);
    this.expireBatches(fx);
    this.timeOutRequests(fx);
  }

  /** Sends what is due, then arms the timer for the next moment something could change. */
  private act(fx: Effects<Message>): void {
    if (this.closing) this.closeOpenBatch();
    this.maybeSendMetadata(fx);
    this.maybeSendInitProducerId(fx);
    this.sendReadyBatches(fx);
    if (this.closing && this.drained()) {
      fx.note(`${this.settings.id} is closed: every record it held was acknowledged or given up on`);
      fx.exit('the application closed its producer');
      return;
    }
    this.armWake(fx);
  }

  // ---- records --------------------------------------------------------------------------------

  /** Records in [origin, origin + spanUs]: record k is at the first µs where this passes k. */
  private recordsWithin(spanUs: number): number {
    const rate = this.rate;
    const seconds = Math.floor(spanUs / US_PER_SECOND);
    const restUs = spanUs - seconds * US_PER_SECOND;
    // Whole seconds and the rest apart, so that integer rates stay exact over hours of records.
    if (Number.isInteger(rate)) return seconds * rate + Math.floor((restUs * rate) / US_PER_SECOND) + 1;
    return Math.floor(seconds * rate + (restUs * rate) / US_PER_SECOND) + 1;
  }

  /** How many records exist by `timeUs` (inclusive). */
  private recordsGeneratedBy(timeUs: TimeUs): number {
    if (!this.started || this.rate === 0) return this.rateBaseIndex;
    const lastUs = this.settings.stopUs === null ? timeUs : Math.min(timeUs, this.settings.stopUs - 1);
    if (lastUs < this.originUs) return this.rateBaseIndex;
    return this.rateBaseIndex + this.recordsWithin(lastUs - this.originUs);
  }

  /** When record `index` is generated, or null if it never is (after stopUs). */
  private recordTimeUs(recordIndex: number): TimeUs | null {
    const rate = this.rate;
    if (rate === 0) return null;
    // A record made before the last rate change (held while metadata was unknown): its time is not
    // kept; it was made by the change, so the change's moment stands in for it.
    if (recordIndex < this.rateBaseIndex) return this.originUs - 1;
    const index = recordIndex - this.rateBaseIndex;
    // An estimate, then corrected against recordsWithin so both always agree (floating point may be off by one).
    let spanUs = Math.ceil((index * US_PER_SECOND) / rate);
    for (let step = 0; step < 4 && spanUs > 0 && this.recordsWithin(spanUs - 1) > index; step++) spanUs--;
    for (let step = 0; step < 4 && this.recordsWithin(spanUs) <= index; step++) spanUs++;
    const timeUs = this.originUs + spanUs;
    return this.settings.stopUs !== null && timeUs >= this.settings.stopUs ? null : timeUs;
  }

  private catchUpRecords(fx: Effects<Message>): void {
    const target = this.recordsGeneratedBy(fx.nowUs);
    if (target <= this.nextRecordIndex) return;
    const from = this.nextRecordIndex;
    const count = target - from;
    this.nextRecordIndex = target;
    if (!this.metadataKnown) {
      // No partitions known yet: the records wait, reserving the batches they will fill.
      const heldBatches = Math.floor(BUFFER_MEMORY_BYTES / this.batchAllocationBytes);
      const room = Math.max(0, heldBatches * this.recordsPerBatch - this.pendingRecords);
      const accepted = Math.min(room, count);
      this.pendingRecords += accepted;
      this.bufferUsedBytes = this.pendingReservationBytes();
      if (accepted < count) this.refuse(count - accepted, fx);
      else this.refusing = false;
      return;
    }
    const appended = this.appendRecords(from, count, fx);
    if (appended < count) this.refuse(count - appended, fx);
    else this.refusing = false;
  }

  private pendingReservationBytes(): number {
    return Math.ceil(this.pendingRecords / this.recordsPerBatch) * this.batchAllocationBytes;
  }

  /**
   * Appends records [from, from + count) to batches: the open batch while it has room, then a new
   * batch on another partition (the sticky partitioner, KIP-480). Returns how many fit in buffer.memory.
   */
  private appendRecords(from: number, count: number, fx: Effects<Message>): number {
    let index = from;
    const end = from + count;
    // Counted in the loop, not as `index - from` at the return: V8 compiled this function (on stack,
    // in its first long loop) before any call had returned, so that subtraction had no type feedback
    // and the optimized code deoptimized at it ("insufficient type feedback"), a soft deopt that
    // keeps the code: ~750 deoptimizations a simulated minute in the reference, from minute 1 on.
    let appended = 0;
    // Each pass fills a batch or uses up the records, so passes are bounded by the batches buffer.memory holds.
    while (index < end) {
      let batch = this.openBatch;
      if (batch === null) {
        if (this.bufferUsedBytes + this.batchAllocationBytes > BUFFER_MEMORY_BYTES) break;
        const partition = this.chooseStickyPartition(fx);
        batch = {
          serial: this.nextSerial++,
          partition: partition.index,
          createdUs: this.recordTimeUs(index) ?? fx.nowUs,
          records: 0,
          state: 'open',
          stamp: null,
          attempts: 0,
          retryAtUs: 0,
          lastError: null,
          lastDetail: '',
        };
        partition.queue.push(batch);
        this.listPartition(partition);
        this.bufferUsedBytes += this.batchAllocationBytes;
        this.openBatch = batch;
      }
      const take = Math.min(this.recordsPerBatch - batch.records, end - index);
      batch.records += take;
      index += take;
      appended += take;
      if (batch.records === this.recordsPerBatch) this.closeOpenBatch();
    }
    return appended;
  }

  private closeOpenBatch(): void {
    if (this.openBatch !== null && this.openBatch.state === 'open') this.openBatch.state = 'queued';
    this.openBatch = null;
  }

  /** A partition with a known leader, other than the last one when there is a choice (KIP-480). */
  private chooseStickyPartition(fx: Effects<Message>): PartitionState {
    // The same draw as picking uniformly from the filtered list, without building the list (once per batch).
    const sticky = this.stickyPartition;
    const partitions = this.partitions;
    let withLeader = this.withLeaderCount;
    if (withLeader === null) {
      withLeader = 0;
      for (const p of partitions) if (p.leader !== null) withLeader++;
      this.withLeaderCount = withLeader;
    }
    const stickyHasLeader = sticky >= 0 && sticky < partitions.length && partitions[sticky]!.leader !== null;
    const others = withLeader - (stickyHasLeader ? 1 : 0);
    let chosen: PartitionState;
    if (others > 0 && withLeader === partitions.length) {
      // Every partition has a leader (the usual case): the n-th one other than the sticky one, directly.
      const n = fx.prng.int(others);
      chosen = partitions[stickyHasLeader && n >= sticky ? n + 1 : n]!;
    } else if (others > 0) chosen = this.nthPartition(fx.prng.int(others), (p) => p.leader !== null && p.index !== sticky);
    else if (withLeader > 0) chosen = this.nthPartition(fx.prng.int(withLeader), (p) => p.leader !== null);
    else chosen = fx.prng.pick(this.partitions);
    this.stickyPartition = chosen.index;
    return chosen;
  }

  /** The n-th partition (from 0) that `matches`, in partition order. */
  private nthPartition(n: number, matches: (p: PartitionState) => boolean): PartitionState {
    let seen = 0;
    for (const p of this.partitions) {
      if (!matches(p)) continue;
      if (seen === n) return p;
      seen++;
    }
    throw new Error(`${this.settings.id}: no partition ${n} among the candidates`);
  }

  private refuse(records: number, fx: Effects<Message>): void {
    const waitingFor = this.metadataKnown ? 'acknowledgements' : `metadata for ${this.settings.topic}`;
    const detail =
      `BUFFER_EXHAUSTED: buffer.memory (${BUFFER_MEMORY_BYTES} bytes) is full, ${this.bufferUsedBytes} bytes held by batches waiting for ${waitingFor}; ` +
      `${count(records, 'record')} refused (Kafka's send() would block for max.block.ms, then fail)`;
    this.recordsRefused += records;
    this.recordsFailed += records;
    this.countError('BUFFER_EXHAUSTED', detail, fx.nowUs, records);
    this.ledger.refused?.(records, detail, fx.nowUs);
    if (!this.refusing) fx.note(`${this.settings.id} refuses records: buffer.memory is full while it waits for ${waitingFor}`);
    this.refusing = true;
  }

  // ---- timeouts -------------------------------------------------------------------------------

  private expireBatches(fx: Effects<Message>): void {
    const nowUs = fx.nowUs;
    const deliveryUs = this.settings.deliveryTimeoutUs;
    const queued = this.queuedPartitions();
    const queuedCount = this.queuedCount;
    for (let index = 0; index < queuedCount; index++) {
      const partition = queued[index]!;
      // Creation order is queue order, so only the front can be the oldest.
      while (partition.queue.length > 0 && nowUs - partition.queue[0]!.createdUs >= deliveryUs) {
        const batch = partition.queue.shift()!;
        if (batch === this.openBatch) this.openBatch = null;
        this.giveUpWaiting(batch, partition, fx);
      }
    }
    const inFlight = this.inFlight;
    for (let index = 0; index < inFlight.length; index++) {
      const request = inFlight[index]!;
      if (nowUs - request.oldestCreatedUs < deliveryUs) continue; // none of its batches is that old
      for (const batch of request.batches) {
        if (batch.state !== 'inflight' || nowUs - batch.createdUs < deliveryUs) continue;
        this.removeInFlight(batch);
        const detail =
          `REQUEST_TIMED_OUT: delivery.timeout.ms (${formatSpan(deliveryUs)}) passed since the batch was created, while ${request.broker} ` +
          `had not answered Produce #${request.correlationId} (sent ${formatSpan(nowUs - request.sentUs)} ago); it may have been written`;
        this.countError('REQUEST_TIMED_OUT', detail, nowUs, 1);
        this.fail(batch, 'REQUEST_TIMED_OUT', detail, fx);
      }
    }
  }

  /** A batch not in flight reached delivery.timeout.ms: the failure carries its last error's detail. */
  private giveUpWaiting(batch: Batch, partition: PartitionState, fx: Effects<Message>): void {
    const timeout = `delivery.timeout.ms (${formatSpan(this.settings.deliveryTimeoutUs)}) passed since the batch was created`;
    if (batch.lastError !== null) {
      this.fail(batch, batch.lastError, `${batch.lastDetail} (gave up after ${batch.attempts} attempts: ${timeout})`, fx);
      return;
    }
    let why: string;
    if (!this.metadataKnown) why = `metadata for ${this.settings.topic} never arrived`;
    else if (partition.leader === null) why = `${this.settings.topic}-${partition.index} had no known leader`;
    else if (this.settings.idempotence && (this.producerId === null || this.producerIdResetPending)) why = 'the producer had no producer id (InitProducerId unanswered)';
    else why = `${partition.leader} had ${this.settings.maxInFlight} requests in flight (max.in.flight.requests.per.connection)`;
    const detail = `REQUEST_TIMED_OUT: never sent, ${timeout}: ${why}`;
    this.countError('REQUEST_TIMED_OUT', detail, fx.nowUs, 1);
    this.fail(batch, 'REQUEST_TIMED_OUT', detail, fx);
  }

  /**
   * A request unanswered for request.timeout.ms closes its connection, as Kafka's NetworkClient
   * does: every request in flight to that broker fails, its batches are retried, metadata refreshed.
   */
  private timeOutRequests(fx: Effects<Message>): void {
    const inFlight = this.inFlight;
    for (let index = 0; index < inFlight.length; index++) {
      if (fx.nowUs - inFlight[index]!.sentUs < this.settings.requestTimeoutUs) continue;
      this.closeConnection(inFlight[index]!, fx);
      // Closing took out this request and others on its connection: look again from the start (the
      // ones before were not timed out, and still are not), as a Map iterator skipping deleted entries would.
      index = -1;
    }
  }

  private closeConnection(cause: InFlightRequest, fx: Effects<Message>): void {
    const timeout = `request.timeout.ms (${formatSpan(this.settings.requestTimeoutUs)})`;
    for (const request of [...this.inFlight]) {
      if (request.broker !== cause.broker) continue;
      this.removeRequest(request);
      const detail =
        request === cause
          ? `REQUEST_TIMED_OUT: ${cause.broker} did not answer Produce #${cause.correlationId} within ${timeout}`
          : `REQUEST_TIMED_OUT: the connection to ${cause.broker} was closed when Produce #${cause.correlationId} got no answer within ${timeout}`;
      for (const batch of request.batches) {
        if (batch.state !== 'inflight') continue;
        this.removeInFlight(batch);
        this.retryOrFail(batch, 'REQUEST_TIMED_OUT', detail, fx);
      }
    }
    this.brokerState(cause.broker).inFlight = 0;
    this.metadataWanted = true;
  }

  // ---- metadata -------------------------------------------------------------------------------

  private metadataDue(nowUs: TimeUs): boolean {
    return !this.metadataKnown || this.metadataWanted || nowUs - this.metadataUs >= METADATA_MAX_AGE_US;
  }

  private maybeSendMetadata(fx: Effects<Message>): void {
    this.metadata.expire(fx.nowUs, this.settings.requestTimeoutUs);
    if (this.metadataDue(fx.nowUs) && this.metadata.mayStart(fx.nowUs, this.settings.retryBackoffUs)) this.sendMetadata(fx);
  }

  private sendMetadata(fx: Effects<Message>): void {
    const to = this.pickBroker(fx, this.metadata.avoid);
    const request: MetadataRequest = { type: 'Metadata', bytes: DATA_HEADER_BYTES + this.settings.topic.length, topics: [this.settings.topic] };
    fx.send(to, request);
    this.metadata.started(to, fx.nowUs);
  }

  /** Any broker known (bootstrap until metadata names them), not the one that just failed to answer. */
  private pickBroker(fx: Effects<Message>, avoid: string | null): string {
    const known = this.knownBrokers.length > 0 ? this.knownBrokers : this.settings.bootstrap;
    const others = known.filter((id) => id !== avoid);
    return fx.prng.pick(others.length > 0 ? others : known);
  }

  private handleMetadataResponse(from: string, response: MetadataResponse, fx: Effects<Message>): void {
    // A late answer from a broker given up on still carries metadata, but does not end the attempt under way.
    if (this.metadata.inFlight === null || this.metadata.inFlight.to === from) this.metadata.ended(fx.nowUs);
    if (response.brokers.length > 0) this.knownBrokers = response.brokers.slice(0, KNOWN_BROKERS_MAX);
    const entries = response.partitions.filter((entry) => entry.topic === this.settings.topic);
    if (entries.length === 0) {
      // This broker does not know the topic (yet): ask again after the backoff, keep what we knew.
      this.metadataWanted = true;
      return;
    }
    this.metadataUs = fx.nowUs;
    const changes: string[] = [];
    for (const entry of entries) {
      if (!Number.isInteger(entry.partition) || entry.partition < 0 || entry.partition >= PARTITIONS_MAX) {
        throw new Error(`${this.settings.id}: metadata names partition ${entry.partition} of ${this.settings.topic}; the producer tracks 0 to ${PARTITIONS_MAX - 1}`);
      }
      while (this.partitions.length <= entry.partition) this.partitions.push(newPartition(this.partitions.length));
      const partition = this.partitions[entry.partition]!;
      // Metadata from a broker that has not seen the latest leader epoch is older than what we know (KIP-320).
      if (entry.leaderEpoch < partition.leaderEpoch) continue;
      if (partition.lastLeader !== null && entry.leader !== null && entry.leader !== partition.lastLeader) {
        changes.push(`${this.settings.topic}-${entry.partition} ${partition.lastLeader} → ${entry.leader}`);
      }
      this.setLeader(partition, entry.leader);
      partition.leaderEpoch = entry.leaderEpoch;
      if (entry.leader !== null) partition.lastLeader = entry.leader;
    }
    const leaderless = this.partitions.filter((partition) => partition.leader === null).length;
    this.metadataWanted = leaderless > 0;
    if (!this.metadataKnown) {
      this.metadataKnown = true;
      const without = leaderless > 0 ? `, ${leaderless} without a leader` : '';
      fx.note(`${this.settings.id} has metadata for ${this.settings.topic}: ${count(this.partitions.length, 'partition')}${without}`);
      this.flushPendingRecords(fx);
    }
    if (changes.length > 0) {
      const more = changes.length > LEADER_CHANGES_NOTED_MAX ? ` and ${changes.length - LEADER_CHANGES_NOTED_MAX} more` : '';
      fx.note(`${this.settings.id} noticed new leaders: ${changes.slice(0, LEADER_CHANGES_NOTED_MAX).join(', ')}${more}`);
    }
  }

  /** Records that waited for the first metadata go into batches with their own times. */
  private flushPendingRecords(fx: Effects<Message>): void {
    const pending = this.pendingRecords;
    this.pendingRecords = 0;
    this.bufferUsedBytes = 0;
    const appended = this.appendRecords(0, pending, fx);
    if (appended < pending) this.refuse(pending - appended, fx);
  }

  // ---- producer id (idempotence) ----------------------------------------------------------------

  private maybeSendInitProducerId(fx: Effects<Message>): void {
    if (!this.settings.idempotence) return;
    const exchange = this.producerIdExchange;
    exchange.expire(fx.nowUs, this.settings.requestTimeoutUs);
    if (!this.producerIdWanted() || !exchange.mayStart(fx.nowUs, this.settings.retryBackoffUs)) return;
    const to = this.pickBroker(fx, exchange.avoid);
    const request: InitProducerIdRequest = { type: 'InitProducerId', bytes: DATA_HEADER_BYTES };
    fx.send(to, request);
    exchange.started(to, fx.nowUs);
  }

  /** No producer id yet, or a new one is needed and the old one's requests are all finished. */
  private producerIdWanted(): boolean {
    return this.producerId === null || (this.producerIdResetPending && this.inFlight.length === 0);
  }

  private handleInitProducerIdResponse(response: InitProducerIdResponse, fx: Effects<Message>): void {
    // A late answer to an attempt given up on: its id is as good, unless one was taken meanwhile.
    if (!this.producerIdWanted()) return;
    this.producerIdExchange.ended(fx.nowUs);
    if (response.error !== 'NONE') return; // asked again after retry.backoff.ms
    const previous = this.producerId;
    this.producerId = response.producerId;
    if (previous === null) {
      fx.note(`${this.settings.id} is idempotent producer ${response.producerId}`);
      return;
    }
    this.producerIdResetPending = false;
    // The old producer id's sequences end with a gap; under the new one every partition starts at 0,
    // and batches waiting for a retry are stamped again when next sent.
    for (const partition of this.partitions) {
      partition.nextSequence = 0;
      partition.nextAckSequence = 0;
      for (const batch of partition.queue) batch.stamp = null;
    }
    fx.note(`${this.settings.id} took producer id ${response.producerId} (was ${previous}) after a batch failed for good, and restarted its sequence numbers`);
  }

  // ---- sending --------------------------------------------------------------------------------

  private sendReadyBatches(fx: Effects<Message>): void {
    if (this.settings.idempotence && (this.producerId === null || this.producerIdResetPending)) return;
    // Group the queued partitions by leader into each broker's reused list; brokers in the order
    // their first partition comes (what a Map filled in partition order would iterate).
    const pass = ++this.sendPass;
    const ready = this.readyBrokers;
    let readyCount = 0;
    let queued = 0;
    const partitions = this.queuedPartitions();
    const partitionCount = this.queuedCount;
    for (let index = 0; index < partitionCount; index++) {
      const partition = partitions[index]!;
      const broker = partition.leaderBroker;
      if (broker === null) continue;
      queued += partition.queue.length;
      if (broker.pass !== pass) {
        broker.pass = pass;
        broker.queuedCount = 0;
        ready[readyCount++] = broker;
      }
      broker.queued[broker.queuedCount++] = partition;
    }
    for (let index = 0; index < readyCount; index++) {
      const broker = ready[index]!;
      // Each request takes at least one batch, so there are at most as many requests as batches queued.
      for (let request = 0; request < queued; request++) {
        if (this.settings.acks !== 0 && broker.inFlight >= this.settings.maxInFlight) break;
        if (!this.anyReady(broker.queued, broker.queuedCount, fx.nowUs)) break;
        const batches = this.drain(broker, fx);
        if (batches.length === 0) break;
        this.sendProduce(broker, batches, fx);
      }
    }
  }

  /** Whether one of the first `count` partitions is ready. */
  private anyReady(partitions: readonly PartitionState[], count: number, nowUs: TimeUs): boolean {
    for (let index = 0; index < count; index++) if (this.isReady(partitions[index]!, nowUs)) return true;
    return false;
  }

  /** The partition's first batch may go now (not backing off, not stuck behind an earlier sequence in flight). */
  private isDrainable(partition: PartitionState, nowUs: TimeUs): boolean {
    const batch = partition.queue[0];
    if (batch === undefined || batch.retryAtUs > nowUs) return false;
    // A retried batch goes only when no earlier batch of its partition is in flight, so the broker
    // sees sequences in order (RecordAccumulator.shouldStopDrainBatchesForPartition).
    const earliest = partition.inFlight[0];
    return !(this.settings.idempotence && batch.stamp !== null && earliest !== undefined && earliest.serial < batch.serial);
  }

  /** Ready makes its leader send: full, lingered out, a retry, or followed by another batch (RecordAccumulator.ready). */
  private isReady(partition: PartitionState, nowUs: TimeUs): boolean {
    if (!this.isDrainable(partition, nowUs)) return false;
    const batch = partition.queue[0]!;
    return batch.state === 'queued' || partition.queue.length > 1 || nowUs - batch.createdUs >= this.settings.lingerUs;
  }

  /**
   * One request's batches for a ready broker: the first batch of each of its partitions that may go,
   * lingering or not (they ride along, as in Kafka's drain), up to max.request.size, starting where
   * the last drain stopped so no partition is always last.
   */
  private drain(broker: BrokerState, fx: Effects<Message>): Batch[] {
    const partitions = broker.queued;
    const count = broker.queuedCount;
    const start = broker.drainIndex % count;
    const drained = this.drainScratch;
    let taken = 0;
    let requestBytes = DATA_HEADER_BYTES;
    let next = start + 1;
    for (let offset = 0; offset < count; offset++) {
      const at = (start + offset) % count;
      const partition = partitions[at]!;
      if (!this.isDrainable(partition, fx.nowUs)) continue;
      const batch = partition.queue[0]!;
      const bytes = BATCH_HEADER_BYTES + batch.records * this.settings.recordBytes;
      if (taken > 0 && requestBytes + bytes > MAX_REQUEST_BYTES) {
        next = at;
        break;
      }
      partition.queue.shift();
      if (batch === this.openBatch) this.closeOpenBatch();
      batch.state = 'queued';
      if (batch.stamp === null) batch.stamp = this.stamp(batch, partition, bytes);
      drained[taken++] = batch;
      requestBytes += bytes;
    }
    broker.drainIndex = next % count;
    // The request keeps its batches: an array of exactly their number (a literal grown by push would reserve 17).
    const batches = new Array<Batch>(taken);
    for (let index = 0; index < taken; index++) batches[index] = drained[index]!;
    return batches;
  }

  private stamp(batch: Batch, partition: PartitionState, bytes: number): ProducedBatch {
    let baseSequence = -1;
    if (this.settings.idempotence) {
      baseSequence = partition.nextSequence;
      partition.nextSequence += batch.records;
    }
    return {
      topic: this.settings.topic,
      partition: partition.index,
      producerId: this.producerId ?? -1,
      baseSequence,
      records: batch.records,
      bytes,
      batchId: this.batchIdOf(batch.serial),
      createdUs: batch.createdUs,
    };
  }

  private sendProduce(broker: BrokerState, batches: readonly Batch[], fx: Effects<Message>): void {
    const stamps: ProducedBatch[] = new Array<ProducedBatch>(batches.length);
    let bytes = DATA_HEADER_BYTES;
    let oldestCreatedUs = Number.POSITIVE_INFINITY;
    for (let index = 0; index < batches.length; index++) {
      const batch = batches[index]!;
      stamps[index] = batch.stamp!;
      bytes += batch.stamp!.bytes;
      if (batch.createdUs < oldestCreatedUs) oldestCreatedUs = batch.createdUs;
    }
    const request: ProduceRequest = {
      type: 'Produce',
      bytes,
      correlationId: ++this.correlationId,
      acks: this.settings.acks,
      timeoutUs: this.settings.requestTimeoutUs,
      batches: stamps,
    };
    fx.send(broker.id, request, request.type, bytes);
    for (const batch of batches) {
      batch.attempts++;
      if (batch.attempts === 1) this.recordsSent += batch.records;
      this.ledger.sent(batch.stamp!, fx.nowUs);
    }
    if (this.settings.acks === 0) {
      // Fire and forget: the broker sends no answer, so the batch counts as acknowledged once sent.
      for (const batch of batches) this.acknowledge(batch, -1, fx);
      return;
    }
    for (const batch of batches) {
      batch.state = 'inflight';
      insertBySerial(this.partitions[batch.partition]!.inFlight, batch);
    }
    this.inFlight.push({ correlationId: request.correlationId, broker: broker.id, brokerState: broker, sentUs: fx.nowUs, batches, oldestCreatedUs });
    broker.inFlight++;
  }

  // ---- answers --------------------------------------------------------------------------------

  private handleProduceResponse(from: string, response: ProduceResponse, fx: Effects<Message>): void {
    const request = this.requestOf(response.correlationId);
    // Unknown: an answer on a connection already closed by a timeout; Kafka never reads it.
    if (request === undefined || request.broker !== from) return;
    this.removeRequest(request);
    const broker = request.brokerState;
    broker.inFlight = Math.max(0, broker.inFlight - 1);
    const results = response.results;
    for (let index = 0; index < request.batches.length; index++) {
      const batch = request.batches[index]!;
      if (batch.state !== 'inflight') continue; // expired (delivery.timeout.ms) while in flight
      // The broker answers in the request's order; look further only if it did not.
      const batchId = batch.stamp!.batchId;
      const result = results[index]?.batchId === batchId ? results[index] : results.find((candidate) => candidate.batchId === batchId);
      if (result === undefined) {
        throw new Error(`${this.settings.id}: ${from} answered Produce #${request.correlationId} without a result for batch ${batch.stamp!.batchId}; every batch sent needs one`);
      }
      this.removeInFlight(batch);
      if (result.error === 'NONE') this.acknowledge(batch, result.baseOffset, fx);
      else this.retryOrFail(batch, result.error, result.detail, fx);
    }
  }

  private acknowledge(batch: Batch, baseOffset: number, fx: Effects<Message>): void {
    const stamp = batch.stamp!;
    batch.state = 'done';
    this.bufferUsedBytes -= this.batchAllocationBytes;
    this.recordsAcked += batch.records;
    this.latency.record(fx.nowUs - batch.createdUs);
    if (this.settings.idempotence && stamp.producerId === this.producerId) {
      const partition = this.partitions[batch.partition]!;
      partition.nextAckSequence = Math.max(partition.nextAckSequence, stamp.baseSequence + stamp.records);
    }
    this.ledger.acknowledged(stamp, baseOffset, this.settings.acks, fx.nowUs);
  }

  /** Sender.canRetry: a retriable error within delivery.timeout.ms goes back to its queue; anything else fails it. */
  private retryOrFail(batch: Batch, error: ErrorCode, detail: string, fx: Effects<Message>): void {
    this.countError(error, detail, fx.nowUs, 1);
    const partition = this.partitions[batch.partition]!;
    if (METADATA_ERRORS.has(error)) {
      // The leader moved or is unknown here: wait for fresh metadata before sending this partition again.
      this.setLeader(partition, null);
      this.metadataWanted = true;
    }
    if (!this.isRetriable(batch, error)) {
      this.fail(batch, error, detail, fx);
      return;
    }
    if (fx.nowUs - batch.createdUs >= this.settings.deliveryTimeoutUs) {
      const timeout = `delivery.timeout.ms (${formatSpan(this.settings.deliveryTimeoutUs)}) passed since the batch was created`;
      this.fail(batch, error, `${detail} (gave up after ${batch.attempts} attempts: ${timeout})`, fx);
      return;
    }
    this.noteRetry(error, detail, fx);
    batch.state = 'queued';
    batch.retryAtUs = fx.nowUs + this.settings.retryBackoffUs;
    batch.lastError = error;
    batch.lastDetail = detail;
    insertBySerial(partition.queue, batch);
    this.listPartition(partition);
  }

  private isRetriable(batch: Batch, error: ErrorCode): boolean {
    if (RETRIABLE_ERRORS.has(error)) return true;
    if (error !== 'OUT_OF_ORDER_SEQUENCE_NUMBER' || !this.settings.idempotence) return false;
    // Out of order because an earlier batch has not been written yet (it failed and is retried, or
    // the producer id changed): retry behind it. Out of order as the very next sequence is fatal
    // for the batch (TransactionManager.canRetry).
    const stamp = batch.stamp!;
    return stamp.producerId !== this.producerId || stamp.baseSequence !== this.partitions[batch.partition]!.nextAckSequence;
  }

  private fail(batch: Batch, error: ErrorCode, detail: string, fx: Effects<Message>): void {
    batch.state = 'done';
    this.bufferUsedBytes -= this.batchAllocationBytes;
    this.recordsFailed += batch.records;
    this.rememberError({ code: error, detail, atUs: fx.nowUs });
    const stamp = batch.stamp ?? this.unsentStamp(batch);
    if (this.settings.idempotence && batch.stamp !== null && batch.stamp.producerId === this.producerId) {
      this.producerIdResetPending = true;
    }
    this.noteFailure(stamp, error, detail, fx);
    this.ledger.failed(stamp, error, detail, fx.nowUs);
  }

  /**
   * "producer-1/7": built by a join, which makes one flat string (40 bytes for a 17-character id).
   * A template literal makes a cons string past 12 characters, three objects (the cons, "producer-1/"
   * and the serial's digits, 88 bytes) that every log batch, the oracle and the consumption checker
   * keep for as long as retention keeps the batch. The serial's digits are not made from the number
   * itself (as `String(serial)` or a join with it would), which would put each batch's digits in
   * V8's number-to-string cache and keep them alive past two scavenges: the last three come from
   * THREE_DIGITS, the head before them (prefix, slash and the higher digits) is made once per
   * thousand batches, and a join of the two makes the id flat. The text is the serial's decimal
   * text all the same.
   */
  private batchIdOf(serial: number): string {
    const high = Math.floor(serial / 1_000);
    if (high !== this.batchIdHigh) {
      this.batchIdHigh = high;
      this.batchIdHead = high === 0 ? `${this.batchIdPrefix}/` : [this.batchIdPrefix, high].join('/');
    }
    const low = serial - high * 1_000;
    return [this.batchIdHead, high === 0 ? DECIMAL_BELOW_1000[low]! : THREE_DIGITS[low]!].join('');
  }

  /** What the ledger is told about a batch that failed before it was ever sent: no producer id or sequence. */
  private unsentStamp(batch: Batch): ProducedBatch {
    return {
      topic: this.settings.topic,
      partition: batch.partition,
      producerId: -1,
      baseSequence: -1,
      records: batch.records,
      bytes: BATCH_HEADER_BYTES + batch.records * this.settings.recordBytes,
      batchId: this.batchIdOf(batch.serial),
      createdUs: batch.createdUs,
    };
  }

  private noteFailure(stamp: ProducedBatch, error: ErrorCode, detail: string, fx: Effects<Message>): void {
    if (this.lastFailureNoteUs !== null && fx.nowUs - this.lastFailureNoteUs < FAILURE_NOTE_INTERVAL_US) {
      this.failuresNotNoted++;
      return;
    }
    const reason = detail.startsWith(error) ? detail : `${error}: ${detail}`;
    const more = this.failuresNotNoted > 0 ? ` (and ${count(this.failuresNotNoted, 'more batch', 'more batches')} since the last note)` : '';
    fx.note(`${this.settings.id} gave up on batch ${stamp.batchId} (${count(stamp.records, 'record')} for ${stamp.topic}-${stamp.partition}): ${reason}${more}`);
    this.lastFailureNoteUs = fx.nowUs;
    this.failuresNotNoted = 0;
  }

  /**
   * Tells the event log why the producer is retrying, with the broker's explanation at that moment:
   * at once for an error not told in the last RETRY_NOTE_INTERVAL_US, so each error at most that often.
   */
  private noteRetry(error: ErrorCode, detail: string, fx: Effects<Message>): void {
    const last = this.retryNotedUs.get(error);
    if (last !== undefined && fx.nowUs - last < RETRY_NOTE_INTERVAL_US) return;
    const reason = detail.startsWith(error) ? detail : `${error}: ${detail}`;
    fx.note(`${this.settings.id} retries: ${reason}`);
    this.retryNotedUs.set(error, fx.nowUs);
  }

  private countError(code: ProducerErrorCode, detail: string, atUs: TimeUs, times: number): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + times);
    this.rememberError({ code, detail, atUs });
  }

  /** The newest error, and the newest of each code (a new array: views handed out stay as they were). */
  private rememberError(error: ProducerErrorView): void {
    this.lastError = error;
    this.recentErrors = [error, ...this.recentErrors.filter((seen) => seen.code !== error.code)].slice(0, RECENT_ERRORS_MAX);
  }

  /** The produce latency histogram since this life began, for the metrics layer to read (never to change). */
  latencyHistogram(): LatencyHistogram {
    return this.latency;
  }

  /**
   * The partitions with batches in their queue, in partition order (what a walk over all of them
   * would meet): the first queuedCount of the list itself, with those found empty taken out in
   * place. Read it before the next change to any queue's emptiness is listed (the callers walk it at once).
   */
  private queuedPartitions(): readonly PartitionState[] {
    const list = this.queuedList;
    const count = this.queuedCount;
    let kept = 0;
    for (let index = 0; index < count; index++) {
      const partition = list[index]!;
      if (partition.queue.length === 0) partition.listed = false;
      else list[kept++] = partition;
    }
    this.queuedCount = kept;
    return list;
  }

  /** Puts a partition whose queue just got a batch into the list, in partition order (a shift from the end: no array made). */
  private listPartition(partition: PartitionState): void {
    if (partition.listed) return;
    partition.listed = true;
    const list = this.queuedList;
    let at = this.queuedCount++;
    while (at > 0 && list[at - 1]!.index > partition.index) {
      list[at] = list[at - 1]!;
      at--;
    }
    list[at] = partition;
  }

  /** The leader as metadata or an error has it, with the broker's state (made on first sight). */
  private setLeader(partition: PartitionState, leader: string | null): void {
    partition.leader = leader;
    partition.leaderBroker = leader === null ? null : this.brokerState(leader);
    this.withLeaderCount = null;
  }

  private brokerState(id: string): BrokerState {
    let broker = this.brokers.get(id);
    if (broker === undefined) {
      if (this.brokers.size >= KNOWN_BROKERS_MAX) throw new Error(`${this.settings.id}: ${id} would be broker number ${KNOWN_BROKERS_MAX + 1} it sends to; at most ${KNOWN_BROKERS_MAX} (KNOWN_BROKERS_MAX)`);
      broker = { id, inFlight: 0, drainIndex: 0, queued: [], queuedCount: 0, pass: 0 };
      this.brokers.set(id, broker);
    }
    return broker;
  }

  /** The request in flight with this correlation id (few: a scan from the oldest, as answers mostly come in the order sent). */
  private requestOf(correlationId: number): InFlightRequest | undefined {
    const inFlight = this.inFlight;
    for (let index = 0; index < inFlight.length; index++) if (inFlight[index]!.correlationId === correlationId) return inFlight[index];
    return undefined;
  }

  /** Takes a request out, keeping send order; answers from several brokers interleave, so it is often not the first. */
  private removeRequest(request: InFlightRequest): void {
    const inFlight = this.inFlight;
    const at = inFlight.indexOf(request);
    if (at < 0) return;
    // Moved down by hand and popped: splice() would return an array of the one removed.
    for (let index = at; index < inFlight.length - 1; index++) inFlight[index] = inFlight[index + 1]!;
    inFlight.pop();
  }

  private removeInFlight(batch: Batch): void {
    const list = this.partitions[batch.partition]!.inFlight;
    const at = list.indexOf(batch);
    // The oldest is the one usually answered first: shift() makes no array, splice() returns one.
    if (at === 0) list.shift();
    else if (at > 0) list.splice(at, 1);
  }

  // ---- the wake-up timer ----------------------------------------------------------------------

  private armWake(fx: Effects<Message>): void {
    const nextUs = this.nextWakeUs(fx.nowUs);
    if (nextUs === this.armedUs) return;
    // By handle: armed after nearly every input, so no lookup by key (asked for once per life).
    if (this.wakeTimer === null) this.wakeTimer = fx.timer(PRODUCER_TIMER);
    if (nextUs === null) fx.disarm(this.wakeTimer);
    else fx.arm(this.wakeTimer, nextUs - fx.nowUs);
    this.armedUs = nextUs;
  }

  /** The earliest future moment something could be due. Things already due wait for an input (an answer). */
  private nextWakeUs(nowUs: TimeUs): TimeUs | null {
    // The earliest of these moments still ahead (no closure: this runs after every input).
    let next = Number.POSITIVE_INFINITY;
    next = earliestAfter(next, nowUs, this.nextRecordDeadlineUs());
    const deliveryUs = this.settings.deliveryTimeoutUs;
    const queued = this.queuedPartitions();
    const queuedCount = this.queuedCount;
    for (let index = 0; index < queuedCount; index++) {
      const front = queued[index]!.queue[0]!;
      next = earliestAfter(next, nowUs, front.createdUs + deliveryUs);
      if (front.retryAtUs > nowUs) next = earliestAfter(next, nowUs, front.retryAtUs);
      else if (front.state === 'open') next = earliestAfter(next, nowUs, front.createdUs + this.settings.lingerUs);
    }
    const inFlight = this.inFlight;
    for (let index = 0; index < inFlight.length; index++) {
      const request = inFlight[index]!;
      next = earliestAfter(next, nowUs, request.sentUs + this.settings.requestTimeoutUs);
      if (request.oldestCreatedUs + deliveryUs > nowUs) {
        // No batch of it has expired, so all are in flight and the oldest is the earliest deadline.
        next = earliestAfter(next, nowUs, request.oldestCreatedUs + deliveryUs);
        continue;
      }
      for (const batch of request.batches) if (batch.state === 'inflight') next = earliestAfter(next, nowUs, batch.createdUs + deliveryUs);
    }
    const { requestTimeoutUs, retryBackoffUs } = this.settings;
    next = earliestAfter(next, nowUs, this.metadata.deadlineUs(this.metadataDue(nowUs), this.metadataUs + METADATA_MAX_AGE_US, requestTimeoutUs, retryBackoffUs));
    if (this.settings.idempotence) next = earliestAfter(next, nowUs, this.producerIdExchange.deadlineUs(this.producerIdWanted(), null, requestTimeoutUs, retryBackoffUs));
    return Number.isFinite(next) ? next : null;
  }

  /** When the records make a difference: the open batch fills, or the next batch's first record lingers out. */
  private nextRecordDeadlineUs(): TimeUs | null {
    if (!this.started || !this.metadataKnown) return null;
    if (this.openBatch !== null) return this.recordTimeUs(this.nextRecordIndex + (this.recordsPerBatch - this.openBatch.records) - 1);
    const firstUs = this.recordTimeUs(this.nextRecordIndex);
    if (firstUs === null) return null;
    // The next batch fills at its recordsPerBatch-th record, and Kafka's send() wakes the sender
    // when a batch is full (KafkaProducer.doSend: `if (result.batchIsFull || result.newBatchCreated)
    // this.sender.wakeup()`): then, if that comes before the batch lingers out.
    const lingerUs = firstUs + this.settings.lingerUs;
    const fullUs = this.recordTimeUs(this.nextRecordIndex + this.recordsPerBatch - 1);
    return fullUs !== null && fullUs < lingerUs ? fullUs : lingerUs;
  }
}

/** `next`, or `atUs` if that is earlier and still after `nowUs`. */
function earliestAfter(next: number, nowUs: TimeUs, atUs: TimeUs | null): number {
  return atUs !== null && atUs > nowUs && atUs < next ? atUs : next;
}

function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

function newPartition(index: number): PartitionState {
  return { index, leader: null, leaderBroker: null, listed: false, queue: [], inFlight: [], leaderEpoch: -1, lastLeader: null, nextSequence: 0, nextAckSequence: 0 };
}

/** Inserts keeping creation order: a retried batch goes back in front of the batches created after it. */
function insertBySerial(list: Batch[], batch: Batch): void {
  let at = list.length;
  while (at > 0 && list[at - 1]!.serial > batch.serial) at--;
  if (at === list.length) list.push(batch); // the usual case: push makes no array, splice() returns one
  else list.splice(at, 0, batch);
}
