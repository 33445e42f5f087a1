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
// Never: reorders writes (FIFO, as one device queue), or holds more than WRITES_QUEUED_MAX.

import type { Effects, Message } from '../sim/process';
import { US_PER_SECOND, type TimeUs } from '../sim/time';

/** Writes waiting on a degraded disk, at most; more are dropped (the client times out and retries). */
export const WRITES_QUEUED_MAX = 10_000;
export const DISK_WRITE_TIMER = 'disk:write';

export interface DiskDegradation {
  readonly extraLatencyUs: TimeUs;
  /** null: the device's bandwidth is not the limit, only its latency. */
  readonly bytesPerSecond: number | null;
}

export class DiskDevice {
  private degradation: DiskDegradation | null = null;

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
}

interface QueuedWrite {
  readonly from: string;
  readonly message: Message;
  readonly doneUs: TimeUs;
}

export interface DiskQueueView {
  readonly degraded: boolean;
  readonly extraLatencyMs: number;
  readonly throughputMBps: number | null;
  readonly queuedWrites: number;
  /** How long the newest queued write waits, from now (0 when nothing waits). */
  readonly backlogMs: number;
  readonly droppedWrites: number;
}

/**
 * The broker's writes in the order the disk takes them. `submit` says whether a write must wait;
 * the timer hands each write back, in order, when the device has completed it.
 */
export class DiskWriteQueue {
  private readonly queue: QueuedWrite[] = [];
  private head = 0;
  private dropped = 0;
  /** When the last queued write completes: a write starts when the one before it is done. */
  private busyUntilUs: TimeUs = 0;

  constructor(private readonly device: DiskDevice) {}

  /** True when the write was queued (or dropped); false when the disk takes it at once. */
  submit(from: string, message: Message, fx: Effects<Message>): boolean {
    const waiting = this.queue.length - this.head;
    if (this.device.degraded === null && waiting === 0) return false;
    if (waiting >= WRITES_QUEUED_MAX) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1_000 === 0) {
        fx.note(`${fx.self}'s disk has ${WRITES_QUEUED_MAX} writes waiting; it drops ${message.type} from ${from} (${this.dropped} so far)`);
      }
      return true;
    }
    const doneUs = Math.max(fx.nowUs, this.busyUntilUs) + this.device.serviceUs(message.bytes);
    this.busyUntilUs = doneUs;
    this.queue.push({ from, message, doneUs });
    if (waiting === 0) fx.setTimer(DISK_WRITE_TIMER, doneUs - fx.nowUs);
    return true;
  }

  /** The disk timer: hands every completed write, in order, to `deliver`. */
  handleTimer(fx: Effects<Message>, deliver: (from: string, message: Message) => void): void {
    while (this.head < this.queue.length && this.queue[this.head]!.doneUs <= fx.nowUs) {
      const write = this.queue[this.head++]!;
      deliver(write.from, write.message);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else {
      if (this.head > 1_024) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      fx.setTimer(DISK_WRITE_TIMER, this.queue[this.head]!.doneUs - fx.nowUs);
    }
  }

  view(nowUs: TimeUs): DiskQueueView {
    const d = this.device.degraded;
    const last = this.queue.at(-1);
    return {
      degraded: d !== null,
      extraLatencyMs: d === null ? 0 : d.extraLatencyUs / 1_000,
      throughputMBps: d === null || d.bytesPerSecond === null ? null : d.bytesPerSecond / 1e6,
      queuedWrites: this.queue.length - this.head,
      backlogMs: last === undefined ? 0 : Math.max(0, last.doneUs - nowUs) / 1_000,
      droppedWrites: this.dropped,
    };
  }
}
