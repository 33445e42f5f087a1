// A partition log in segments, as Kafka's LogSegment and UnifiedLog: the active segment rolls at
// segment.bytes or segment.ms; retention deletes whole closed segments past retention.ms (by their
// largest timestamp) or beyond retention.bytes, never the active segment and never at or past the
// high watermark; the log start offset, the leader epoch cache and reads follow. Method: logs
// built by hand with chosen sizes and timestamps; assertions on segments, offsets and epochs.
import { describe, expect, it } from 'vitest';
import { BATCHES_MAX, DEFAULT_LOG_CONFIG, PartitionLog, type LogConfig } from '../../../src/engine/broker/partition-log';
import type { LogBatch } from '../../../src/engine/broker/protocol';

const SECOND = 1_000_000;

function batch(baseOffset: number, options: { records?: number; bytes?: number; epoch?: number; atUs?: number } = {}): LogBatch {
  const records = options.records ?? 10;
  const atUs = options.atUs ?? 0;
  return { baseOffset, records, bytes: options.bytes ?? 300, epoch: options.epoch ?? 1, producerId: -1, baseSequence: 0, batchId: `b${baseOffset}`, appendedUs: atUs, createdUs: atUs };
}

function logWith(config: Partial<LogConfig>): PartitionLog {
  return new PartitionLog('orders', 0, { ...DEFAULT_LOG_CONFIG, ...config });
}

function bases(log: PartitionLog): number[] {
  return log.segmentViews().map((segment) => segment.baseOffset);
}

describe('log segments', () => {
  it('roll when the next batch would overflow segment.bytes (Kafka: size > segment.bytes - batch size)', () => {
    const log = logWith({ segmentBytes: 1_000 });
    for (let i = 0; i < 7; i++) log.append(batch(log.endOffset, { bytes: 300 }));
    // 3 batches make 900 bytes; a 4th (300) would pass 1,000: it opens the next segment.
    expect(bases(log)).toEqual([0, 30, 60]);
    expect(log.segmentViews().map((segment) => [segment.batchCount, segment.bytes, segment.closed])).toEqual([
      [3, 900, true],
      [3, 900, true],
      [1, 300, false],
    ]);
    expect(log.segmentViews()[1]!.id).toBe('orders-0@30');
    expect(log.stats.rolls).toBe(2);
    expect(log.read(0, Number.POSITIVE_INFINITY).map((b) => b.baseOffset)).toEqual([0, 10, 20, 30, 40, 50, 60]); // reads cross segments
    expect(log.batchAt(45)?.baseOffset).toBe(40);
  });

  it('roll when the next batch is more than segment.ms after the segment\'s first batch (KIP-33: by timestamps)', () => {
    const log = logWith({ segmentUs: 10 * SECOND });
    log.append(batch(0, { atUs: 1 * SECOND }));
    log.append(batch(10, { atUs: 6 * SECOND }));
    log.append(batch(20, { atUs: 11 * SECOND })); // exactly segment.ms after the first: not yet
    expect(bases(log)).toEqual([0]);
    log.append(batch(30, { atUs: 11 * SECOND + 1 }));
    expect(bases(log)).toEqual([0, 30]);
    const [closed, active] = log.segmentViews();
    expect([closed!.firstTimestampUs, closed!.largestTimestampUs, closed!.closed]).toEqual([1 * SECOND, 11 * SECOND, true]);
    expect([active!.firstTimestampUs, active!.closed]).toEqual([11 * SECOND + 1, false]);
  });

  it('a closed segment never changes: a truncation into it moves the kept batches to a new active segment', () => {
    const log = logWith({ segmentBytes: 1_000 });
    for (let i = 0; i < 5; i++) log.append(batch(log.endOffset, { bytes: 300 }));
    const closed = log.segmentViews()[0]!;
    expect(log.truncateTo(15)).toBe(40); // inside the batch at 10: it goes whole, as do 20, 30 and 40
    expect(closed.batchCount).toBe(3); // the closed segment object is untouched
    expect(bases(log)).toEqual([0]);
    expect(log.segmentViews()[0]).not.toBe(closed);
    expect(log.segmentViews()[0]!.closed).toBe(false);
    expect(log.endOffset).toBe(10);
    log.append(batch(10, { bytes: 300 }));
    expect(log.segmentViews()[0]!.batchCount).toBe(2);
  });

  it('a truncation on a segment boundary opens a new active segment there', () => {
    const log = logWith({ segmentBytes: 1_000 });
    for (let i = 0; i < 4; i++) log.append(batch(log.endOffset, { bytes: 300 }));
    expect(bases(log)).toEqual([0, 30]);
    log.truncateTo(30);
    expect(bases(log)).toEqual([0, 30]);
    expect(log.segmentViews().map((segment) => segment.closed)).toEqual([true, false]);
    log.append(batch(30, { bytes: 300 }));
    expect(log.endOffset).toBe(40);
  });
});

describe('retention', () => {
  /** 4 segments of 3 batches, one batch a second from t=0: segment k holds t = 3k..3k+2 s. */
  function timedLog(config: Partial<LogConfig>): PartitionLog {
    const log = logWith({ segmentBytes: 1_000, ...config });
    for (let i = 0; i < 12; i++) log.append(batch(log.endOffset, { bytes: 300, atUs: i * SECOND, epoch: i < 5 ? 1 : 2 }));
    return log;
  }

  it('by time: deletes closed segments whose largest timestamp is older than retention.ms, and moves the log start', () => {
    const log = timedLog({ retentionUs: 4 * SECOND });
    // At t=10 s: segment 0 (largest 2 s) and 1 (largest 5 s) are past 4 s; segment 2 (largest 8 s) is not.
    const deleted = log.deleteOldSegments(10 * SECOND, log.endOffset);
    expect(deleted).toEqual({ segments: 2, records: 60, bytes: 1_800 });
    expect(bases(log)).toEqual([60, 90]);
    expect(log.logStartOffset).toBe(60);
    expect(log.batchAt(50)).toBeUndefined();
    expect(log.read(50, 10_000)).toEqual([]);
    expect(log.read(60, 10_000).map((b) => b.baseOffset)).toEqual([60, 70, 80, 90, 100, 110]);
    // Kafka's LeaderEpochFileCache.truncateFromStart: epoch 1 ended at 50; epoch 2 now starts at the log start.
    expect(log.epochCache()).toEqual([{ epoch: 2, startOffset: 60 }]);
    expect(log.epochBefore(60)).toBe(2); // the record at 59 was written in epoch 2
    expect(log.endOffset - log.logStartOffset).toBe(60);
  });

  it('never deletes the active segment, however old', () => {
    const log = timedLog({ retentionUs: 1 });
    const deleted = log.deleteOldSegments(1_000 * SECOND, log.endOffset);
    expect(deleted.segments).toBe(3);
    expect(bases(log)).toEqual([90]);
    expect(log.segmentViews()[0]!.closed).toBe(false);
    expect(log.endOffset).toBe(120);
  });

  it('never deletes a segment whose records reach the high watermark (the log start never passes it)', () => {
    const log = timedLog({ retentionUs: 1 });
    expect(log.deleteOldSegments(1_000 * SECOND, 59).segments).toBe(1); // segment 1 ends at 60 > 59
    expect(log.logStartOffset).toBe(30);
    expect(log.deleteOldSegments(1_000 * SECOND, 60).segments).toBe(1);
    expect(log.logStartOffset).toBe(60);
  });

  it('by bytes: deletes the oldest segments while the log is still larger than retention.bytes without them', () => {
    const log = timedLog({ retentionBytes: 2_000 }); // 3,600 bytes held, 900 per closed segment
    const deleted = log.deleteOldSegments(0, log.endOffset);
    // Kafka's deleteRetentionSizeBreachedSegments: 1,600 over; deleting 900 leaves 700 over, and
    // the next segment (900) would delete more than that: it stays.
    expect(deleted.segments).toBe(1);
    expect(log.bytes).toBe(2_700);
    expect(log.deleteOldSegments(0, log.endOffset).segments).toBe(0);
  });

  it('retention.ms and retention.bytes of -1 keep everything', () => {
    const log = timedLog({ retentionUs: -1, retentionBytes: -1 });
    expect(log.deleteOldSegments(1_000_000 * SECOND, log.endOffset).segments).toBe(0);
    expect(log.logStartOffset).toBe(0);
  });

  it('a follower takes its leader\'s log start at once, and drops the segments below it at its next check', () => {
    const log = timedLog({ retentionUs: -1 });
    expect(log.maybeIncrementLogStartOffset(45, 40)).toBe(false); // never past the high watermark
    expect(log.maybeIncrementLogStartOffset(45, 100)).toBe(true);
    expect(log.logStartOffset).toBe(45);
    expect(log.batchAt(44)).toBeUndefined();
    expect(bases(log)).toEqual([0, 30, 60, 90]); // still on disk until the retention check
    const deleted = log.deleteOldSegments(0, 100);
    // Its records had already left the log when the start moved; segment 1 holds 45: it stays.
    expect(deleted).toEqual({ segments: 1, records: 0, bytes: 900 });
    expect(bases(log)).toEqual([30, 60, 90]);
    expect(log.logStartOffset).toBe(45);
  });

  it('truncating fully restarts the log empty at an offset, knowing no epoch (Kafka\'s truncateFullyAndStartAt)', () => {
    const log = timedLog({});
    expect(log.truncateFullyAndStartAt(500)).toBe(120);
    expect([log.logStartOffset, log.endOffset, log.batchCount, log.bytes, log.flushedEndOffset]).toEqual([500, 500, 0, 0, 500]);
    expect(log.epochCache()).toEqual([]);
    expect(log.epochBefore(500)).toBe(-1);
    log.append(batch(500, { epoch: 7 }));
    expect(log.epochBefore(510)).toBe(7);
    expect(bases(log)).toEqual([500]);
  });

  it(`deletes the oldest closed segments past the safety bound (${BATCHES_MAX} batches), and counts them apart`, () => {
    const log = logWith({ segmentBytes: 100_000, retentionUs: -1 }); // 1,000 batches of 100 bytes per segment
    for (let i = 0; i < BATCHES_MAX + 2_500; i++) log.append(batch(log.endOffset, { records: 1, bytes: 100 }));
    const deleted = log.deleteOldSegments(0, log.endOffset);
    expect(deleted.segments).toBe(3);
    expect(log.stats.deletedBySafetyBound).toBe(3);
    expect(log.batchCount).toBeLessThanOrEqual(BATCHES_MAX);
  });
});
