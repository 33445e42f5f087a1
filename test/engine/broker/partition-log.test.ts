// A replica's partition log: batches at offsets with their leader epochs, the leader epoch cache
// answering "where did epoch E end?" like Kafka's LeaderEpochFileCache (checked against a naive
// scan over random logs), truncation that keeps the cache and producer state consistent, and the
// OS page cache: a crash loses what was not written back after 30 s of being dirty.
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { OS_DIRTY_EXPIRE_US, PartitionLog } from '../../../src/engine/broker/partition-log';
import type { LogBatch } from '../../../src/engine/broker/protocol';
import { Prng } from '../../../src/engine/sim/prng';

setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

function batch(baseOffset: number, records: number, epoch: number, appendedUs = 0, producerId = -1, baseSequence = 0): LogBatch {
  return { baseOffset, records, bytes: records * 100, epoch, producerId, baseSequence, batchId: `b${baseOffset}`, appendedUs, createdUs: appendedUs };
}

function build(epochs: number[], recordsEach = 2): PartitionLog {
  const log = new PartitionLog('orders', 0);
  for (const epoch of epochs) log.append(batch(log.endOffset, recordsEach, epoch));
  return log;
}

describe('PartitionLog', () => {
  it('keeps one hidden class for every log whatever its reads kept (a whole-log read has an infinite byte limit)', () => {
    // First in this file: a log's hidden class, once changed, stays changed in this process.
    // Goal: the kept read's fields change representation at no read (an Infinity byte limit, the
    // group coordinator's, stored into a field V8 had as a small integer would give every log a
    // new hidden class, and every optimized function that reads a log would be thrown away).
    const before = build([1, 1]);
    const tail = build([1, 1, 1]);
    tail.read(2, 1_000);
    tail.readCommitted(2, 1_000, 6);
    const whole = build([1, 1, 2]);
    whole.read(0, Number.POSITIVE_INFINITY);
    whole.readCommitted(0, Number.POSITIVE_INFINITY, 6);
    expect(haveSameMap(before, tail), 'a log after a kept read').toBe(true);
    expect(haveSameMap(tail, whole), 'a log after a whole-log read').toBe(true);
    expect(haveSameMap(before, build([1])), 'a log made after them').toBe(true);
  });

  it('appends batches at its end only, and finds batches by any offset inside them', () => {
    const log = build([1, 1, 2]);
    expect(log.endOffset).toBe(6);
    expect(log.batchAt(3)?.baseOffset).toBe(2);
    expect(log.batchAt(6)).toBeUndefined();
    expect(() => log.append(batch(7, 1, 2))).toThrow('orders-0: append at 7, but the log ends at 6');
    expect(log.read(2, 150).map((b) => b.baseOffset)).toEqual([2]); // at least one batch, then the byte limit
    expect(log.read(2, 10_000).map((b) => b.baseOffset)).toEqual([2, 4]);
    expect(log.bytes).toBe(600);
  });

  it('answers endOffsetForEpoch as Kafka does, on random logs, against a naive scan', () => {
    const prng = new Prng(5);
    for (let trial = 0; trial < 500; trial++) {
      const epochs: number[] = [];
      let epoch = 1;
      for (let i = 0; i < prng.range(0, 12); i++) {
        epoch += prng.int(3); // epochs never decrease; some repeat, some are skipped
        epochs.push(epoch);
      }
      const log = build(epochs, prng.range(1, 3));
      for (let asked = 0; asked <= epoch + 1; asked++) {
        // Naive: the largest epoch <= asked present in the log, ending where the next epoch starts.
        const present = [...new Set(epochs)].filter((e) => e <= asked);
        const expectedEpoch = present.length === 0 ? 0 : Math.max(...present);
        let expectedEnd = 0;
        if (present.length > 0) {
          const after = log.read(0, Number.POSITIVE_INFINITY).find((b) => b.epoch > expectedEpoch);
          expectedEnd = after === undefined ? log.endOffset : after.baseOffset;
        }
        expect(log.endOffsetForEpoch(asked), `trial ${trial}, epochs ${epochs.join(',')}, asked ${asked}`).toEqual({ epoch: expectedEpoch, endOffset: expectedEnd });
      }
    }
  });

  it('peekBatchAt, asked in offset order as the durability checker does, answers the log as it is now, after truncations and rewrites too (random, against batchAt)', () => {
    const prng = new Prng(11);
    for (let trial = 0; trial < 200; trial++) {
      const log = new PartitionLog('orders', 0);
      let nextId = 0;
      const appendSome = (count: number, epoch: number) => {
        for (let i = 0; i < count; i++) log.append({ ...batch(log.endOffset, prng.range(1, 3), epoch), batchId: `b${nextId++}` });
      };
      appendSome(prng.range(1, 30), 1);
      for (let round = 0; round < 4; round++) {
        // A walk in offset order over every offset, some skipped: each answer is the batch there now.
        for (let offset = 0; offset <= log.endOffset; offset += prng.range(1, 3)) {
          expect(log.peekBatchAt(offset), `trial ${trial}, round ${round}, offset ${offset}`).toBe(log.batchAt(offset));
        }
        // Then the log changes under the walk's last answer: cut back and written again with other batches.
        log.truncateTo(prng.range(0, log.endOffset));
        appendSome(prng.range(0, 10), round + 2);
      }
    }
  });

  it('truncates whole batches, and forgets epochs that began past the new end', () => {
    const log = build([1, 2, 2, 3]);
    expect(log.truncateTo(5)).toBe(4); // offset 5 is inside the batch at 4: the whole batch goes
    expect(log.endOffset).toBe(4);
    expect(log.epochCache()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 2 },
    ]);
    expect(log.epochBefore(4)).toBe(2);
    expect(log.truncateTo(10)).toBe(0);
  });

  it('keeps each producer\'s newest batches, and rebuilds them after a truncation', () => {
    const log = new PartitionLog('orders', 0);
    for (let i = 0; i < 7; i++) log.append(batch(log.endOffset, 2, 1, 0, 42, i * 2));
    expect(log.producerBatches(42).map((b) => b.baseSequence)).toEqual([4, 6, 8, 10, 12]);
    log.truncateTo(8);
    expect(log.producerBatches(42).map((b) => b.baseSequence)).toEqual([0, 2, 4, 6]);
    expect(log.producerBatches(7)).toEqual([]);
  });

  it('follows every append, roll and truncation with its active segment and its producers\' newest batches (random, against a rebuild from the log)', () => {
    // Goal: the log keeps its active segment and the last producer's batch list in fields beside
    // the segment list and the producer Map (for speed); a stale one would append to a closed
    // segment or answer a duplicate check from a list the log no longer has. Method: random
    // appends from three producers into 500-byte segments (a roll every few batches), truncations
    // inside and on the edges of closed segments, and full restarts, each followed by checks
    // against what the log's own batches say.
    const prng = new Prng(41, 'partition-log-tail');
    const config = { segmentBytes: 500, segmentUs: 3_600_000_000, retentionUs: -1, retentionBytes: -1 };
    let segmentsDroppedByTruncation = 0;
    let restarts = 0;
    for (let trial = 0; trial < 40; trial++) {
      const log = new PartitionLog('orders', 0, config);
      const sequences = [0, 0, 0];
      for (let step = 0; step < 60; step++) {
        const draw = prng.int(20);
        if (draw === 0 && log.endOffset > log.logStartOffset) {
          const segmentsBefore = log.segmentViews().length;
          log.truncateTo(prng.range(log.logStartOffset, log.endOffset));
          if (log.segmentViews().length < segmentsBefore) segmentsDroppedByTruncation++;
        } else if (draw === 1) {
          log.truncateFullyAndStartAt(log.endOffset + prng.range(0, 3));
          restarts++;
        } else {
          const producer = prng.int(3);
          const records = prng.range(1, 3);
          const appended = batch(log.endOffset, records, 1, step, 100 + producer, sequences[producer]!);
          sequences[producer]! += records;
          log.append(appended);
          const segments = log.segmentViews();
          const active = segments[segments.length - 1]!;
          expect(active.closed, `trial ${trial}, step ${step}: the active segment is open`).toBe(false);
          expect(active.batches[active.batches.length - 1], `trial ${trial}, step ${step}: the batch went to the active segment`).toBe(appended);
          expect(active.endOffset).toBe(log.endOffset);
        }
        const held = log.read(log.logStartOffset, Number.POSITIVE_INFINITY);
        for (let producer = 0; producer < 3; producer++) {
          const expected = held.filter((b) => b.producerId === 100 + producer).slice(-5).map((b) => b.baseOffset);
          expect(log.producerBatches(100 + producer).map((b) => b.baseOffset), `trial ${trial}, step ${step}, producer ${100 + producer}`).toEqual(expected);
        }
      }
      expect(log.stats.rolls, `trial ${trial}: segments rolled`).toBeGreaterThan(3);
    }
    // The paths that replace the active segment were taken.
    expect(segmentsDroppedByTruncation).toBeGreaterThan(5);
    expect(restarts).toBeGreaterThan(5);
  });

  it('answers a repeated read with the same list until the log changes, and every read as the log is now (random, against a walk of its segments)', () => {
    // Goal: a read of the active segment is kept and given again to the same read (each follower
    // and consumer group reads an appended batch at the same offset); a kept list answered after
    // any change (an append, a roll, a truncation and rewrite to the same end, a restart, a new
    // log start, retention) would be stale. Method: random changes, each preceded and followed by
    // the same reads, against what the segments hold; reads also from inside batches, from closed
    // segments and past the end.
    const prng = new Prng(59, 'partition-log-reads');
    const config = { segmentBytes: 500, segmentUs: 3_600_000_000, retentionUs: -1, retentionBytes: 1_000 };
    const held = (log: PartitionLog): LogBatch[] => log.segmentViews().flatMap((segment) => [...segment.batches]).filter((b) => b.baseOffset >= log.localLogStartOffset);
    const expectedRead = (log: PartitionLog, offset: number, maxBytes: number): LogBatch[] => {
      const batches = held(log);
      const first = batches.findIndex((b) => b.baseOffset === offset);
      if (first < 0) return [];
      const result: LogBatch[] = [];
      let bytes = 0;
      for (const b of batches.slice(first)) {
        if (result.length > 0 && bytes + b.bytes > maxBytes) break;
        result.push(b);
        bytes += b.bytes;
      }
      return result;
    };
    const expectedCommitted = (log: PartitionLog, offset: number, maxBytes: number, highWatermark: number): LogBatch[] => {
      const holding = held(log).find((b) => b.baseOffset <= offset && offset < b.baseOffset + b.records);
      const read = expectedRead(log, holding?.baseOffset ?? offset, maxBytes);
      return read.filter((b) => b.baseOffset + b.records <= highWatermark);
    };
    let kept = 0;
    let changesAfterReads = 0;
    for (let trial = 0; trial < 30; trial++) {
      const log = new PartitionLog('orders', 0, config);
      let nextId = 0;
      const asks: [number, number, number][] = [];
      const check = (when: string) => {
        for (const [offset, maxBytes, highWatermark] of asks) {
          expect(log.read(offset, maxBytes).map((b) => b.batchId), `${when}: read(${offset}, ${maxBytes})`).toEqual(expectedRead(log, offset, maxBytes).map((b) => b.batchId));
          const committed = log.readCommitted(offset, maxBytes, highWatermark);
          const expected = expectedCommitted(log, offset, maxBytes, highWatermark);
          expect(committed.map((b) => b.batchId), `${when}: readCommitted(${offset}, ${maxBytes}, ${highWatermark})`).toEqual(expected.map((b) => b.batchId));
        }
      };
      for (let step = 0; step < 80; step++) {
        // The reads of this step: at the tail mostly, some inside a batch, some further back.
        asks.length = 0;
        for (let i = 0; i < 3; i++) {
          const batches = held(log);
          const pick = batches.length === 0 ? undefined : batches[Math.max(0, batches.length - 1 - prng.int(i === 2 ? batches.length : 3))];
          const offset = pick === undefined ? log.endOffset : pick.baseOffset + (prng.int(4) === 0 ? pick.records - 1 : 0);
          asks.push([offset, prng.pick([150, 400, 100_000]), prng.range(log.localLogStartOffset, log.endOffset)]);
        }
        check(`trial ${trial}, step ${step}, before`);
        // A repeat of the same tail read is the list given before, until the log changes.
        const [offset, maxBytes] = asks[0]!;
        const first = log.read(offset, maxBytes);
        if (offset >= log.segmentViews().at(-1)!.baseOffset) {
          expect(log.read(offset, maxBytes), 'a repeated read of the active segment').toBe(first);
          kept++;
        }
        const draw = prng.int(12);
        if (draw === 0 && log.endOffset > log.logStartOffset) {
          // Cut back, and half the time written again up to the same end with other batches.
          const end = log.endOffset;
          log.truncateTo(prng.range(log.logStartOffset, end));
          if (prng.int(2) === 0) while (log.endOffset < end) log.append({ ...batch(log.endOffset, Math.min(3, end - log.endOffset), 2, step), batchId: `r${nextId++}` });
        } else if (draw === 1) {
          log.truncateFullyAndStartAt(log.endOffset + prng.range(0, 2));
        } else if (draw === 2) {
          const batches = held(log); // a new log start at a batch's base (a follower takes its leader's)
          if (batches.length > 0) log.maybeIncrementLogStartOffset(batches[prng.int(batches.length)]!.baseOffset, log.endOffset);
        } else if (draw === 3) {
          log.deleteOldSegments(step, log.endOffset);
        } else if (draw === 4) {
          log.roll();
        } else {
          log.append({ ...batch(log.endOffset, prng.range(1, 3), 1, step), batchId: `b${nextId++}` });
        }
        changesAfterReads++;
        check(`trial ${trial}, step ${step}, after change ${draw}`);
      }
    }
    expect(kept, 'repeated reads were answered from the kept list').toBeGreaterThan(500);
    expect(changesAfterReads).toBe(30 * 80);
  });

  it('gives a read that starts in a closed segment a list of its own (the page cache is touched by each read)', () => {
    const log = new PartitionLog('orders', 0, { segmentBytes: 500, segmentUs: 3_600_000_000, retentionUs: -1, retentionBytes: -1 });
    for (let i = 0; i < 12; i++) log.append(batch(log.endOffset, 2, 1));
    expect(log.segmentViews().length).toBeGreaterThan(2);
    expect(log.read(0, 300)).not.toBe(log.read(0, 300));
    expect(log.read(0, 300)).toEqual(log.read(0, 300));
    const tail = log.segmentViews().at(-1)!.baseOffset;
    const first = log.read(tail, 300);
    expect(log.read(tail, 300)).toBe(first);
    log.roll(); // the segment read is closed now: the next read touches it in the page cache again
    expect(log.read(tail, 300)).not.toBe(first);
    expect(log.read(tail, 300)).toEqual(first);
  });

  it('loses in a crash what the OS had not written back (dirty for 30 s), and nothing after a flush', () => {
    const log = new PartitionLog('orders', 0);
    log.append(batch(0, 5, 1, 0));
    log.append(batch(5, 5, 1, 20_000_000));
    log.writeBack(OS_DIRTY_EXPIRE_US + 1); // the first batch has been dirty long enough; the second not
    expect(log.flushedEndOffset).toBe(5);
    expect(log.loseUnflushed()).toBe(5);
    expect(log.endOffset).toBe(5);
    log.append(batch(5, 5, 1, 40_000_000));
    log.flush();
    expect(log.loseUnflushed()).toBe(0);
    expect(log.endOffset).toBe(10);
  });
});
