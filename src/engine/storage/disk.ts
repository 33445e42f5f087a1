// A broker's disk as a device that log writes pass through, and the queue of writes waiting on it.
//
// Healthy, the device is as fast as the page cache Kafka writes into: a write completes when it is
// made, so nothing waits and nothing is scheduled. Degraded (the `slow-disk` fault: a failing
// volume, a noisy neighbour, a throttled cloud disk), every write takes `extraLatencyUs` plus its
// bytes at `bytesPerSecond`, one after another. Kafka's request handler threads then block in the
// log append, so the requests that write (a leader's Produce, a follower's fetched batches) are
// handled only when the disk has taken them: a slow leader answers producers late, a slow follower
// fetches late, falls behind and leaves the ISR after replica.lag.time.max.ms. That is the
// straggler the Kora paper detects and removes.
//
// The device is part of the broker's durable state (a slow disk stays slow across a restart); the
// queue is memory and is lost with a crash, as requests in a socket buffer are.
//
// An fsync is the exception to "as fast as the page cache": it waits for the device, healthy or
// not (HEALTHY_FSYNC_LATENCY_US plus the dirty bytes at HEALTHY_DISK_BYTES_PER_SECOND; degraded,
// the slow disk's latency and bandwidth on top). A write that triggers flush.messages waits in the
// queue for its fsync, as Kafka's request handler blocks in UnifiedLog.flush before answering; the
// log flusher's flush.ms fsyncs occupy the device (`occupy`) so the writes after them wait.
//
// Space: the device has a capacity (log.dir.capacity.bytes) and may be filled by other files (the
// `fill-disk` fault: another process, a core dump, a forgotten heap dump). The broker's
// ReplicaManager refuses a write that would not fit, as the file system answers ENOSPC; what Kafka
// does then (the log directory goes offline, the broker halts) is in replica-manager.ts. The last
// such failure is recorded here, on the durable device, so the page can explain a halted broker.
//
// One device, one queue (DeviceQueue): the device's operations are served one at a time in arrival
// order, whatever they are: a write on a degraded disk, an fsync (flush.messages, the log flusher's
// flush.ms), a read of a segment the page cache no longer holds (local-reads.ts). So a catch-up read
// storm delays the fsyncs and degraded writes behind it, and a slow disk slows the reads behind its
// writes as well as the reads themselves, as a real volume shares its throughput and IOPS between
// them. The one exception, by design: a buffered write on a healthy disk lands in the OS page cache
// and does not wait for the device (Linux does not block a write(2) behind reads), unless a write
// or an fsync is still queued ahead of it (appends and flushes of a log stay in order).
//
// Never: reorders the device's operations (FIFO), or holds more than WRITES_QUEUED_MAX writes
// (and local-reads.ts's READS_QUEUED_MAX reads).

import type { Effects, Message } from '../sim/process';
import { US_PER_SECOND, type TimeUs } from '../sim/time';
import type { CachedSegment } from './page-cache';

/**
 * An fsync's fixed cost on a healthy volume. An assumption: AWS documents "single-digit millisecond"
 * latency for gp3 EBS volumes; a local NVMe drive is ten times faster. 1 ms is the cloud broker's case.
 */
export const HEALTHY_FSYNC_LATENCY_US = 1_000;
/** A healthy volume's bandwidth when an fsync writes dirty pages: gp3's baseline, 125 MB/s (AWS EBS docs). */
export const HEALTHY_DISK_BYTES_PER_SECOND = 125_000_000;

/** Writes waiting on a degraded disk, at most; more are dropped (the client times out and retries). */
export const WRITES_QUEUED_MAX = 10_000;
/** The device queue's timer while a write is at its head. */
export const DISK_WRITE_TIMER = 'disk:write';
/** The device queue's timer while a read is at its head (two names: runs with only writes, or only reads, keep their traces). */
export const DISK_READ_TIMER = 'disk:read';

export interface DiskDegradation {
  readonly extraLatencyUs: TimeUs;
  /** null: the device's bandwidth is not the limit, only its latency. */
  readonly bytesPerSecond: number | null;
}

/** The last time a write did not fit: the log directory went offline (Kafka's LogDirFailureChannel). */
export interface LogDirFailure {
  readonly atUs: TimeUs;
  /** One sentence for people: what failed and why. */
  readonly reason: string;
}

export class DiskDevice {
  private degradation: DiskDegradation | null = null;
  /** Bytes other files take (the fill-disk fault); 0 when healed. */
  filledBytes = 0;
  /** The last log directory failure, cleared when the broker starts again. */
  failure: LogDirFailure | null = null;
  /** How many times the log directory failed (ENOSPC) on this device. */
  failures = 0;

  /** `capacityBytes`: log.dir.capacity.bytes. */
  constructor(readonly capacityBytes = Number.MAX_SAFE_INTEGER) {}

  /** A write did not fit: the log directory went offline (kept for the page while the broker is down). */
  recordFailure(atUs: TimeUs, reason: string): void {
    this.failure = { atUs, reason };
    this.failures++;
  }

  get degraded(): DiskDegradation | null {
    return this.degradation;
  }

  degrade(degradation: DiskDegradation): void {
    this.degradation = degradation;
  }

  restore(): void {
    this.degradation = null;
  }

  /** How long a write of `bytes` occupies the device. */
  serviceUs(bytes: number): TimeUs {
    const d = this.degradation;
    if (d === null) return 0;
    return d.extraLatencyUs + (d.bytesPerSecond === null ? 0 : Math.ceil((bytes * US_PER_SECOND) / d.bytesPerSecond));
  }

  /**
   * How long a read of `bytes` that missed the page cache occupies the device (local-reads.ts): like
   * an fsync, it waits for the medium even when healthy (HEALTHY_FSYNC_LATENCY_US is gp3's access
   * latency, HEALTHY_DISK_BYTES_PER_SECOND its bandwidth); degraded, the slow disk's on top.
   */
  readUs(bytes: number): TimeUs {
    return this.fsyncUs(bytes);
  }

  /** How long an fsync of `dirtyBytes` occupies the device: it waits for the medium even when healthy. */
  fsyncUs(dirtyBytes: number): TimeUs {
    const d = this.degradation;
    const bytesPerSecond = d?.bytesPerSecond ?? HEALTHY_DISK_BYTES_PER_SECOND;
    return HEALTHY_FSYNC_LATENCY_US + (d?.extraLatencyUs ?? 0) + Math.ceil((dirtyBytes * US_PER_SECOND) / bytesPerSecond);
  }
}

/** One operation on the device: a request waiting for it, handed back when the device completed it. */
export interface DeviceOperation {
  readonly from: string;
  readonly message: Message;
  readonly doneUs: TimeUs;
  /** A read (local-reads.ts): the segments it reads or holds; null for a write. */
  readonly segments: readonly CachedSegment[] | null;
}

/**
 * A broker disk's operations in the order the device serves them: each starts when the one before
 * it is done (busyUntilUs) and takes its service time. Memory: a crash loses it, as it loses the
 * requests. One timer, named after the kind of operation at the head.
 */
export class DeviceQueue {
  private readonly queue: DeviceOperation[] = [];
  private head = 0;
  /** When the last operation on the device completes. */
  private busyUntilUs: TimeUs = 0;
  /** When the last write-side operation (a queued write, an fsync) completes: a buffered write may not overtake it. */
  private writesBusyUntilUs: TimeUs = 0;
  /** When the last queued write completes (the write queue's backlog). */
  private lastWriteDoneUs: TimeUs = 0;
  private writes = 0;
  private reads = 0;

  /** Writes and reads waiting now. */
  get writesWaiting(): number {
    return this.writes;
  }

  get readsWaiting(): number {
    return this.reads;
  }

  /** Whether a buffered write arriving now must queue: a write or an fsync is still ahead of it. */
  writesAhead(nowUs: TimeUs): boolean {
    return this.writes > 0 || this.writesBusyUntilUs > nowUs;
  }

  /** How long the newest queued write waits, from now (0 when none waits). */
  writeBacklogUs(nowUs: TimeUs): TimeUs {
    return this.writes === 0 ? 0 : Math.max(0, this.lastWriteDoneUs - nowUs);
  }

  /** Queues an operation of `serviceUs` after everything before it; returns when it completes. */
  enqueue(from: string, message: Message, serviceUs: TimeUs, segments: readonly CachedSegment[] | null, fx: Effects<Message>): TimeUs {
    const doneUs = Math.max(fx.nowUs, this.busyUntilUs) + serviceUs;
    this.busyUntilUs = doneUs;
    if (segments === null) {
      this.writes++;
      this.writesBusyUntilUs = doneUs;
      this.lastWriteDoneUs = doneUs;
    } else {
      this.reads++;
    }
    if (this.queue.length === this.head) fx.setTimer(segments === null ? DISK_WRITE_TIMER : DISK_READ_TIMER, doneUs - fx.nowUs);
    this.queue.push({ from, message, doneUs, segments });
    return doneUs;
  }

  /** The device is busy `serviceUs` more, with no request waiting on it (the log flusher's fsync). */
  occupy(serviceUs: TimeUs, fx: Effects<Message>): void {
    this.busyUntilUs = Math.max(fx.nowUs, this.busyUntilUs) + serviceUs;
    this.writesBusyUntilUs = this.busyUntilUs;
  }

  /** The device timer: hands every completed operation, in order, to `deliver`. */
  handleTimer(fx: Effects<Message>, deliver: (operation: DeviceOperation) => void): void {
    while (this.head < this.queue.length && this.queue[this.head]!.doneUs <= fx.nowUs) {
      const operation = this.queue[this.head++]!;
      if (operation.segments === null) this.writes--;
      else this.reads--;
      deliver(operation);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else {
      if (this.head > 1_024) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      const next = this.queue[this.head]!;
      fx.setTimer(next.segments === null ? DISK_WRITE_TIMER : DISK_READ_TIMER, next.doneUs - fx.nowUs);
    }
  }
}

export interface DiskQueueView {
  readonly degraded: boolean;
  readonly extraLatencyMs: number;
  readonly throughputMBps: number | null;
  readonly queuedWrites: number;
  /** How long the newest queued write waits, from now (0 when nothing waits). */
  readonly backlogMs: number;
  readonly droppedWrites: number;
  /** fsyncs (flush.messages, flush.ms) this life, their total and longest device time (Kafka's LogFlushRateAndTimeMs). */
  readonly flushes: number;
  readonly flushTimeMs: number;
  readonly flushTimeMsMax: number;
}

/**
 * The broker's writes in the order the disk takes them. `submit` says whether a write must wait;
 * the timer hands each write back, in order, when the device has completed it.
 */
export class DiskWriteQueue {
  private dropped = 0;
  /** fsyncs this life, and the device time they took (Kafka's LogFlushRateAndTimeMs, as a count and a sum). */
  private fsyncs = 0;
  private fsyncTimeUs: TimeUs = 0;
  private fsyncMaxUs: TimeUs = 0;

  constructor(
    private readonly device: DiskDevice,
    /** The device's queue, shared with the broker's disk reads (local-reads.ts); its own when alone (tests). */
    readonly queue = new DeviceQueue(),
  ) {}

  /**
   * True when the write was queued (or dropped); false when the disk takes it at once.
   * `fsyncBytes`: the dirty bytes an fsync this write triggers will write (flush.messages), or 0.
   */
  submit(from: string, message: Message, fx: Effects<Message>, fsyncBytes = 0): boolean {
    if (this.device.degraded === null && fsyncBytes === 0 && !this.queue.writesAhead(fx.nowUs)) return false;
    if (this.queue.writesWaiting >= WRITES_QUEUED_MAX) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1_000 === 0) {
        fx.note(`${fx.self}'s disk has ${WRITES_QUEUED_MAX} writes waiting; it drops ${message.type} from ${from} (${this.dropped} so far)`);
      }
      return true;
    }
    const fsyncUs = fsyncBytes > 0 ? this.device.fsyncUs(fsyncBytes) : 0;
    this.queue.enqueue(from, message, this.device.serviceUs(message.bytes) + fsyncUs, null, fx);
    if (fsyncBytes > 0) this.countFsync(fsyncUs);
    return true;
  }

  /**
   * The log flusher's fsync (flush.ms) of `dirtyBytes`: the data is durable as of now, and the device
   * is busy for the fsync's duration, so the writes and reads after it wait.
   */
  occupy(dirtyBytes: number, fx: Effects<Message>): void {
    const fsyncUs = this.device.fsyncUs(dirtyBytes);
    this.queue.occupy(fsyncUs, fx);
    this.countFsync(fsyncUs);
  }

  private countFsync(fsyncUs: TimeUs): void {
    this.fsyncs++;
    this.fsyncTimeUs += fsyncUs;
    if (fsyncUs > this.fsyncMaxUs) this.fsyncMaxUs = fsyncUs;
  }

  /** The disk timer when only writes use the queue (tests): hands every completed write, in order, to `deliver`. */
  handleTimer(fx: Effects<Message>, deliver: (from: string, message: Message) => void): void {
    this.queue.handleTimer(fx, (operation) => deliver(operation.from, operation.message));
  }

  view(nowUs: TimeUs): DiskQueueView {
    const d = this.device.degraded;
    return {
      degraded: d !== null,
      extraLatencyMs: d === null ? 0 : d.extraLatencyUs / 1_000,
      throughputMBps: d === null || d.bytesPerSecond === null ? null : d.bytesPerSecond / 1e6,
      queuedWrites: this.queue.writesWaiting,
      backlogMs: this.queue.writeBacklogUs(nowUs) / 1_000,
      droppedWrites: this.dropped,
      flushes: this.fsyncs,
      flushTimeMs: this.fsyncTimeUs / 1_000,
      flushTimeMsMax: this.fsyncMaxUs / 1_000,
    };
  }
}
