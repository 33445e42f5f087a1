// A broker's remote log manager (KIP-405; Kafka's RemoteLogManager with its RLMTask, the
// RemoteStorageManager that talks to the object store, and the RemoteLogReader that serves reads
// of remote offsets). It owns only what goes to and from the object store; segments, retention and
// replication stay in partition-log.ts and replica-manager.ts.
//
//   copy     every remote.log.manager.task.interval.ms (30 s), for each partition this broker
//            leads on a topic with remote.storage.enable, it uploads closed segments whose end is
//            at or below the high watermark, oldest first, one request in flight per partition
//            (RemoteLogManager.candidateLogSegments / copyLogSegmentsToRemote): PutObject
//            "topic-partition/baseOffset-leaderEpoch.log" carrying the segment's bytes and its
//            batch metadata. The segment's RemoteLogSegmentMetadata goes COPY_SEGMENT_STARTED ->
//            COPY_SEGMENT_FINISHED on the answer. A failed PUT (503 during an outage) drops the
//            STARTED entry and retries after remote.log.manager.task.retry.backoff.ms (500 ms),
//            doubling up to remote.log.manager.task.retry.backoff.max.ms (30 s), jitter 0.2
//            (RemoteLogManagerConfig): uploads back up and the local disk keeps the segments.
//   expire   total retention (retention.ms by a segment's largest timestamp, retention.bytes over
//            remote plus local-only bytes, RLMTask.cleanupExpiredRemoteLogSegments): the oldest
//            remote segment goes DELETE_SEGMENT_STARTED, the log start offset moves past it, then
//            DeleteObject, then it is removed (DELETE_SEGMENT_FINISHED).
//   read     a consumer fetch below the local log start (consumer-fetch.ts) asks here: the segment
//            holding the offset is served from a bounded cache (REMOTE_CACHE_SEGMENTS_MAX), else
//            one GetObject is sent and the fetch waits for it, parked (DelayedRemoteFetch); its
//            answer wakes the parked fetches of that partition.
//
// The remote segment metadata: Kafka keeps it in the replicated __remote_log_metadata topic, which
// every broker consumes into a local cache. Here the leader's list (in its PartitionLog, on its
// disk) travels to its followers in replica fetch answers whenever it changes, and they store it
// in theirs: every replica learns it as a consumer of that topic would, with replication's delay,
// and a new leader starts from what it learnt. An upload a deposed leader started and did not
// finish is dropped by its successor, which copies that range again under its own epoch key.
//
// Never: uploads a segment that is open or above the high watermark, has more than one request
// per partition in flight, or deletes a local segment (that is local retention's job, once the
// metadata says COPY_SEGMENT_FINISHED).

import type { Effects, Message } from '../sim/process';
import { US_PER_MS, type TimeUs } from '../sim/time';
import { OBJECT_HEADER_BYTES, OBJECT_STORE_ID, type ObjectRequest, type ObjectResponse } from '../storage/object-store';
import { remoteObjectKey } from '../storage/remote-segments';
import type { EpochEntry, PartitionLog, RemoteLogSegmentMetadata, SegmentView } from './partition-log';
import type { LogBatch } from './protocol';

const TIMER_TASK = 'rlm:task';
const TIMER_RETRY = 'rlm:retry:';
/** RemoteLogManagerConfig's remote.log.manager.task.retry.backoff.ms (500), .max.ms (30000), .jitter (0.2). */
export const RLM_RETRY_BACKOFF_US = 500 * US_PER_MS;
export const RLM_RETRY_BACKOFF_MAX_US = 30_000 * US_PER_MS;
const RLM_RETRY_JITTER_PERMILLE = 200;
/** A copy or delete without an answer this long is given up (ours: an S3 client's request timeout). */
export const REMOTE_REQUEST_TIMEOUT_US = 30_000_000;
/** Remote segments a broker keeps for reads at most (ours; Kafka caches indexes, the OS caches the rest). */
export const REMOTE_CACHE_SEGMENTS_MAX = 8;
/** Remote reads (GetObject) in flight on one broker at most (Kafka's remote.log.reader.max.pending.tasks, 100). */
export const REMOTE_READS_MAX = 100;

export interface RemoteLogSettings {
  /** remote.log.manager.task.interval.ms (30000). */
  readonly taskIntervalUs: TimeUs;
}

/** What the page and tests see of one broker's remote log manager. */
export interface RemoteLogView {
  readonly segmentsCopied: number;
  readonly bytesCopied: number;
  readonly copyFailures: number;
  /** Partitions whose uploads are waiting out a back-off after a failure. */
  readonly partitionsBackingOff: number;
  readonly segmentsDeleted: number;
  readonly remoteReads: number;
  readonly remoteReadBytes: number;
  readonly remoteReadFailures: number;
  /** GetObjects of remote segments in flight now (the page draws the object store -> broker arrow while any is). */
  readonly readsInFlight: number;
  readonly cacheHits: number;
  readonly cachedSegments: number;
  /** Bytes in the remote tier of the partitions this broker leads (COPY_SEGMENT_FINISHED). */
  readonly remoteBytes: number;
  readonly inFlight: number;
}

interface InFlight {
  readonly partitionKey: string;
  readonly kind: 'copy' | 'delete' | 'read';
  readonly metadata: RemoteLogSegmentMetadata | null;
  readonly leaderEpoch: number;
}

interface PartitionTask {
  /** A copy or delete of this partition is in flight. */
  busy: boolean;
  /** When it was sent: an answer lost on the way (a network fault) frees the partition after REMOTE_REQUEST_TIMEOUT_US. */
  busySinceUs: TimeUs;
  failures: number;
  retryAtUs: TimeUs;
}

export class RemoteLogManager {
  private readonly inFlight = new Map<number, InFlight>();
  private readonly tasks = new Map<string, PartitionTask>();
  /** Object key -> the segment's batches, oldest inserted first (evicted first). */
  private readonly cache = new Map<string, readonly LogBatch[]>();
  /** Object keys with a GetObject in flight. */
  private readonly reading = new Set<string>();
  private nextRequestId = 1;
  private segmentsCopied = 0;
  private bytesCopied = 0;
  private copyFailures = 0;
  private segmentsDeleted = 0;
  private remoteReads = 0;
  private remoteReadBytes = 0;
  private remoteReadFailures = 0;
  private cacheHits = 0;

  constructor(
    private readonly self: string,
    private readonly settings: RemoteLogSettings,
    private readonly led: () => Iterable<{ readonly key: string; readonly topic: string; readonly partition: number; readonly log: PartitionLog; readonly leaderEpoch: number; readonly highWatermark: number }>,
  ) {}

  /** Called when a remote read arrives: consumer fetches parked on that partition are answered again. */
  onRemoteData: ((partitionKey: string, fx: Effects<Message>) => void) | null = null;
  /** Called when remote retention moved a led partition's log start: consumers' fetch sessions send it (consumer-fetch.ts). */
  onLogStartMoved: ((partitionKey: string) => void) | null = null;

  start(fx: Effects<Message>): void {
    fx.setTimer(TIMER_TASK, this.settings.taskIntervalUs);
  }

  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (key === TIMER_TASK) {
      this.runTasks(fx);
      fx.setTimer(TIMER_TASK, this.settings.taskIntervalUs);
      return true;
    }
    if (key.startsWith(TIMER_RETRY)) {
      this.runTasks(fx, key.slice(TIMER_RETRY.length));
      return true;
    }
    return false;
  }

  /** RLMTask.run for every led tiered partition (or only `only`): copy what is due, else expire what total retention says. */
  private runTasks(fx: Effects<Message>, only?: string): void {
    for (const leader of this.led()) {
      if (!leader.log.tiered || (only !== undefined && leader.key !== only)) continue;
      let task = this.tasks.get(leader.key);
      if (task === undefined) {
        task = { busy: false, busySinceUs: 0, failures: 0, retryAtUs: 0 };
        this.tasks.set(leader.key, task);
      }
      if (task.busy && fx.nowUs - task.busySinceUs >= REMOTE_REQUEST_TIMEOUT_US) task.busy = false; // its answer was lost
      if (task.busy || task.retryAtUs > fx.nowUs) continue;
      if (!this.copyNext(leader, task, fx)) this.expireNext(leader, task, fx);
    }
  }

  /** Starts the upload of the next segment due, if any. Returns whether one was started. */
  private copyNext(leader: { key: string; log: PartitionLog; leaderEpoch: number; highWatermark: number }, task: PartitionTask, fx: Effects<Message>): boolean {
    const log = leader.log;
    // A copy a previous leader started and never finished is not ours to finish: it goes, and its range is copied again.
    const finished = log.remoteSegments().withoutState('COPY_SEGMENT_STARTED');
    if (finished !== log.remoteSegments()) log.setRemoteSegments(finished);
    const copiedTo = log.highestOffsetInRemoteStorage;
    const segments = log.segmentViews();
    let candidate: SegmentView | null = null;
    for (let index = 0; index + 1 < segments.length; index++) {
      const segment = segments[index]!;
      if (segment.endOffset - 1 <= copiedTo || !segment.closed || segment.batchCount === 0) continue;
      // Kafka copies a segment only once the next one starts at or below the last stable offset.
      if (segments[index + 1]!.baseOffset > leader.highWatermark) break;
      candidate = segment;
      break;
    }
    if (candidate === null) return false;
    const epochs = segmentEpochs(candidate);
    const metadata: RemoteLogSegmentMetadata = {
      objectKey: remoteObjectKey(leader.key, candidate.baseOffset, leader.leaderEpoch),
      baseOffset: candidate.baseOffset,
      endOffset: candidate.endOffset - 1,
      leaderEpoch: leader.leaderEpoch,
      segmentLeaderEpochs: epochs,
      segmentSizeInBytes: candidate.bytes,
      maxTimestampUs: candidate.largestTimestampUs ?? 0,
      state: 'COPY_SEGMENT_STARTED',
    };
    log.setRemoteSegments(log.remoteSegments().append(metadata));
    const requestId = this.nextRequestId++;
    this.inFlight.set(requestId, { partitionKey: leader.key, kind: 'copy', metadata, leaderEpoch: leader.leaderEpoch });
    task.busy = true;
    task.busySinceUs = fx.nowUs;
    const request: ObjectRequest = {
      type: 'PutObject',
      bytes: OBJECT_HEADER_BYTES + candidate.bytes,
      requestId,
      key: metadata.objectKey,
      objectBytes: candidate.bytes,
      payload: candidate.batches,
    };
    fx.send(OBJECT_STORE_ID, request);
    return true;
  }

  /** Total retention on the remote tier: deletes the oldest remote segment if it is due. Returns whether one was started. */
  private expireNext(leader: { key: string; log: PartitionLog; leaderEpoch: number; highWatermark: number }, task: PartitionTask, fx: Effects<Message>): boolean {
    const log = leader.log;
    const remote = log.remoteSegments();
    if (remote.length === 0 || remote.state(0) !== 'COPY_SEGMENT_FINISHED') return false;
    const oldest = remote.at(0);
    const { retentionUs, retentionBytes } = log.config;
    const pastTime = retentionUs >= 0 && fx.nowUs - oldest.maxTimestampUs > retentionUs;
    // retention.bytes counts the whole log: the remote tier and what is only local.
    let totalBytes = remote.totalBytes();
    for (const segment of log.segmentViews()) if (segment.endOffset - 1 > log.highestOffsetInRemoteStorage) totalBytes += segment.bytes;
    const pastSize = retentionBytes >= 0 && totalBytes - oldest.segmentSizeInBytes >= retentionBytes;
    const belowStart = oldest.endOffset < log.logStartOffset;
    if (!pastTime && !pastSize && !belowStart) return false;
    const deleting: RemoteLogSegmentMetadata = { ...oldest, state: 'DELETE_SEGMENT_STARTED' };
    log.setRemoteSegments(remote.withState(0, 'DELETE_SEGMENT_STARTED'));
    // The log start moves first: nobody reads what is being deleted (Kafka updates it from the remote tier).
    // Followers learn it at their next fetch with no partitionChanged: a tiered partition is never
    // quiet in their fetch sessions (ReplicaManager.isQuiet), so every answer visits it
    // (tiering.test.ts, "the log start that remote retention moves").
    if (log.maybeIncrementLogStartOffset(oldest.endOffset + 1, leader.highWatermark)) this.onLogStartMoved?.(leader.key);
    const requestId = this.nextRequestId++;
    this.inFlight.set(requestId, { partitionKey: leader.key, kind: 'delete', metadata: deleting, leaderEpoch: leader.leaderEpoch });
    task.busy = true;
    task.busySinceUs = fx.nowUs;
    const request: ObjectRequest = { type: 'DeleteObject', bytes: OBJECT_HEADER_BYTES, requestId, key: oldest.objectKey };
    fx.send(OBJECT_STORE_ID, request);
    return true;
  }

  handleResponse(response: ObjectResponse, fx: Effects<Message>): void {
    const pending = this.inFlight.get(response.requestId);
    if (pending === undefined) return;
    this.inFlight.delete(response.requestId);
    if (pending.kind === 'read') return this.handleReadResponse(pending, response, fx);
    const task = this.tasks.get(pending.partitionKey);
    if (task !== undefined) task.busy = false;
    const led = this.ledPartition(pending.partitionKey);
    // Deposed meanwhile (or a new epoch): the metadata is no longer this broker's to write.
    if (led === null || led.leaderEpoch !== pending.leaderEpoch || task === undefined) return;
    const log = led.log;
    const metadata = pending.metadata!;
    if (response.error !== 'NONE') {
      if (pending.kind === 'copy') {
        this.copyFailures++;
        // Replaced even when the row is gone (-1 keeps every row): followers hear the list again, as always.
        log.setRemoteSegments(log.remoteSegments().without(log.remoteSegments().rowOf(metadata.baseOffset, metadata.leaderEpoch)));
      }
      // Exponential back-off with jitter (RemoteLogManager's RLMTask retry, KIP-1018's settings).
      const base = Math.min(RLM_RETRY_BACKOFF_MAX_US, RLM_RETRY_BACKOFF_US * 2 ** Math.min(task.failures, 16));
      const jitter = Math.floor((base * (1_000 - RLM_RETRY_JITTER_PERMILLE + fx.prng.int(2 * RLM_RETRY_JITTER_PERMILLE + 1))) / 1_000);
      const delayUs = Math.min(RLM_RETRY_BACKOFF_MAX_US, jitter);
      if (task.failures === 0) fx.note(`${this.self} could not ${pending.kind === 'copy' ? 'upload' : 'delete'} ${metadata.objectKey} (${response.detail}); it retries with back-off, the segment stays on local disk`);
      task.failures++;
      task.retryAtUs = fx.nowUs + delayUs;
      fx.setTimer(`${TIMER_RETRY}${pending.partitionKey}`, delayUs);
      return;
    }
    task.failures = 0;
    task.retryAtUs = 0;
    if (pending.kind === 'copy') {
      this.segmentsCopied++;
      this.bytesCopied += metadata.segmentSizeInBytes;
      log.setRemoteSegments(log.remoteSegments().withState(log.remoteSegments().rowOf(metadata.baseOffset, metadata.leaderEpoch), 'COPY_SEGMENT_FINISHED'));
    } else {
      this.segmentsDeleted++;
      log.setRemoteSegments(log.remoteSegments().without(log.remoteSegments().rowOf(metadata.baseOffset, metadata.leaderEpoch)));
      this.cache.delete(metadata.objectKey);
    }
    // The task goes on with the next segment at once (RLMTask copies every eligible segment in one run).
    this.runTasks(fx, pending.partitionKey);
  }

  // ---- reads of remote offsets (RemoteLogReader) --------------------------------------------------

  /**
   * Batches of `log` from the batch holding `offset` (below the local log start), up to `maxBytes`
   * and within one remote segment; null when the segment is being fetched (the caller parks the
   * fetch), or an empty list when no remote segment holds the offset.
   */
  read(partitionKey: string, log: PartitionLog, offset: number, maxBytes: number, fx: Effects<Message>): readonly LogBatch[] | null {
    const remote = log.remoteSegments();
    const row = remote.rowHolding(offset);
    if (row < 0) return [];
    const segment = remote.at(row);
    const batches = this.cache.get(segment.objectKey);
    if (batches === undefined) {
      if (!this.reading.has(segment.objectKey) && this.reading.size < REMOTE_READS_MAX) {
        this.reading.add(segment.objectKey);
        const requestId = this.nextRequestId++;
        this.inFlight.set(requestId, { partitionKey, kind: 'read', metadata: segment, leaderEpoch: -1 });
        const request: ObjectRequest = { type: 'GetObject', bytes: OBJECT_HEADER_BYTES, requestId, key: segment.objectKey };
        fx.send(OBJECT_STORE_ID, request);
      }
      return null;
    }
    this.cacheHits++;
    const result: LogBatch[] = [];
    let bytes = 0;
    for (const batch of batches) {
      if (batch.baseOffset + batch.records <= offset) continue;
      if (result.length > 0 && bytes + batch.bytes > maxBytes) break;
      result.push(batch);
      bytes += batch.bytes;
    }
    return result;
  }

  private handleReadResponse(pending: InFlight, response: ObjectResponse, fx: Effects<Message>): void {
    const objectKey = pending.metadata!.objectKey;
    this.reading.delete(objectKey);
    if (response.error !== 'NONE') {
      this.remoteReadFailures++;
      if (this.remoteReadFailures === 1 || this.remoteReadFailures % 100 === 0) fx.note(`${this.self} could not read ${objectKey} from the object store (${response.detail}); consumers of those offsets wait and fetch again`);
      return;
    }
    this.remoteReads++;
    this.remoteReadBytes += response.objectBytes;
    this.cache.set(objectKey, response.payload as readonly LogBatch[]);
    if (this.cache.size > REMOTE_CACHE_SEGMENTS_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.onRemoteData?.(pending.partitionKey, fx);
  }

  private ledPartition(key: string): { readonly log: PartitionLog; readonly leaderEpoch: number } | null {
    for (const leader of this.led()) if (leader.key === key) return leader;
    return null;
  }

  view(): RemoteLogView {
    let remoteBytes = 0;
    for (const leader of this.led()) remoteBytes += leader.log.remoteSegments().copiedBytes();
    let backingOff = 0;
    for (const task of this.tasks.values()) if (task.failures > 0) backingOff++;
    return {
      segmentsCopied: this.segmentsCopied,
      bytesCopied: this.bytesCopied,
      copyFailures: this.copyFailures,
      partitionsBackingOff: backingOff,
      segmentsDeleted: this.segmentsDeleted,
      remoteReads: this.remoteReads,
      remoteReadBytes: this.remoteReadBytes,
      remoteReadFailures: this.remoteReadFailures,
      readsInFlight: this.reading.size,
      cacheHits: this.cacheHits,
      cachedSegments: this.cache.size,
      remoteBytes,
      inFlight: this.inFlight.size,
    };
  }
}

/** The leader epochs of a segment and where each starts in it (RemoteLogSegmentMetadata.segmentLeaderEpochs). */
function segmentEpochs(segment: SegmentView): EpochEntry[] {
  const epochs: EpochEntry[] = [];
  for (const batch of segment.batches) {
    const last = epochs[epochs.length - 1];
    if (last === undefined || batch.epoch > last.epoch) epochs.push({ epoch: batch.epoch, startOffset: batch.baseOffset });
  }
  return epochs;
}
