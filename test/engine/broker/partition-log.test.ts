// A replica's partition log: batches at offsets with their leader epochs, the leader epoch cache
// answering "where did epoch E end?" like Kafka's LeaderEpochFileCache (checked against a naive
// scan over random logs), truncation that keeps the cache and producer state consistent, and the
// OS page cache: a crash loses what was not written back after 30 s of being dirty.
import { describe, expect, it } from 'vitest';
import { OS_DIRTY_EXPIRE_US, PartitionLog } from '../../../src/engine/broker/partition-log';
import type { LogBatch } from '../../../src/engine/broker/protocol';
import { Prng } from '../../../src/engine/sim/prng';

function batch(baseOffset: number, records: number, epoch: number, appendedUs = 0, producerId = -1, baseSequence = 0): LogBatch {
  return { baseOffset, records, bytes: records * 100, epoch, producerId, baseSequence, batchId: `b${baseOffset}`, appendedUs, createdUs: appendedUs };
}

function build(epochs: number[], recordsEach = 2): PartitionLog {
  const log = new PartitionLog('orders', 0);
  for (const epoch of epochs) log.append(batch(log.endOffset, recordsEach, epoch));
  return log;
}

describe('PartitionLog', () => {
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
