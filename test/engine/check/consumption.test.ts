// The consumption checker holds consumers to Kafka's promises: within one leader epoch a
// consumer's reads of a partition only move forward unless its position was set anew, and nothing
// is read above the high watermark the leader answered with. It also tells the durability oracle
// who read what.
// Method: the checker alone, fed ConsumedEvents as a consumer fills them (one event object per
// consumer, refilled per batch, the checker's slot left in it), for two consumers of one topic
// whose partitions interleave, so each rule is seen to fire, and seen not to where Kafka allows it.

import { describe, expect, it } from 'vitest';
import type { LogBatch } from '../../../src/engine/broker/protocol';
import { ConsumptionChecker } from '../../../src/engine/check/consumption';
import type { ConsumedEvent } from '../../../src/engine/clients/consumer';

function batchAt(baseOffset: number, records: number): LogBatch {
  return { baseOffset, records, bytes: records * 1_000, epoch: 1, producerId: 1, baseSequence: baseOffset, batchId: `b@${baseOffset}`, appendedUs: 0, createdUs: 0 };
}

/** A consumer's own event, refilled for each batch as consumer.ts does. */
function readerOf(checker: ConsumptionChecker, consumer: string) {
  const event: { -readonly [field in keyof ConsumedEvent]: ConsumedEvent[field] } = {
    consumer,
    groupId: 'billing',
    topic: 'orders',
    partition: 0,
    fromOffset: 0,
    batch: batchAt(0, 1),
    highWatermark: 0,
    leaderEpoch: 0,
    atUs: 0,
    ledgerSlot: null,
  };
  return (partition: number, batch: LogBatch, options: { from?: number; highWatermark?: number; leaderEpoch?: number } = {}): void => {
    event.partition = partition;
    event.batch = batch;
    event.fromOffset = options.from ?? batch.baseOffset;
    event.highWatermark = options.highWatermark ?? batch.baseOffset + batch.records;
    event.leaderEpoch = options.leaderEpoch ?? 1;
    event.atUs += 1_000;
    checker.consumed(event);
  };
}

describe('the consumption checker', () => {
  it('reports a read that goes back within a leader epoch, and none after a reset or a new epoch', () => {
    const reads: string[] = [];
    const checker = new ConsumptionChecker({ read: (batch, reader) => reads.push(`${reader} ${batch.topic}-${batch.partition}@${batch.baseOffset}`) });
    const first = readerOf(checker, 'consumer-1');
    const second = readerOf(checker, 'consumer-2');

    first(3, batchAt(0, 10));
    second(3, batchAt(0, 10)); // another consumer's positions are its own
    first(3, batchAt(10, 10));
    first(7, batchAt(0, 5));
    expect(checker.status().violations).toBe(0);
    expect(checker.status().recordsChecked).toBe(35);

    first(3, batchAt(5, 10)); // back to offset 5 in the same epoch
    expect(checker.status().violations).toBe(1);
    expect(checker.status().reports[0]).toMatchObject({ kind: 'offset-backwards', consumer: 'consumer-1', topic: 'orders', partition: 3 });
    expect(checker.status().reports[0]!.detail).toContain('read offset 5 after 19');

    checker.positioned('consumer-1', 'orders', 3); // a rebalance set the position anew: re-reading is at-least-once, not a fault
    first(3, batchAt(0, 10));
    first(7, batchAt(2, 3), { leaderEpoch: 2 }); // a new leader epoch (a truncation): not compared with the old one
    second(3, batchAt(10, 10));
    expect(checker.status().violations).toBe(1);

    first(7, batchAt(0, 1), { leaderEpoch: 2 }); // but within the new epoch, going back is caught again
    expect(checker.status().violations).toBe(2);
    expect(reads.slice(0, 2)).toEqual(['consumer-1 (group billing) orders-3@0', 'consumer-2 (group billing) orders-3@0']);
    expect(reads).toHaveLength(9); // every batch read, the faulty ones too
  });

  it('reports records read above the high watermark', () => {
    const checker = new ConsumptionChecker();
    const read = readerOf(checker, 'consumer-1');
    read(0, batchAt(0, 10), { highWatermark: 10 });
    expect(checker.status().violations).toBe(0);
    read(0, batchAt(10, 10), { highWatermark: 15 });
    expect(checker.status().reports).toEqual([expect.objectContaining({ kind: 'above-high-watermark', partition: 0 })]);
    expect(checker.status().reports[0]!.detail).toContain("read up to offset 19, but the leader's high watermark was 15");
  });

  it('forgets a position set anew only for that consumer and partition', () => {
    const checker = new ConsumptionChecker();
    const read = readerOf(checker, 'consumer-1');
    read(1, batchAt(0, 10));
    read(2, batchAt(0, 10));
    checker.positioned('consumer-1', 'orders', 1);
    checker.positioned('consumer-1', 'orders', 40); // never read: nothing to forget
    checker.positioned('consumer-9', 'orders', 2); // another consumer: nothing to forget
    read(1, batchAt(0, 10));
    expect(checker.status().violations).toBe(0);
    read(2, batchAt(0, 10));
    expect(checker.status().reports.map((report) => report.partition)).toEqual([2]);
  });
});
