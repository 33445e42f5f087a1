// Goal: the oracle's read ledger finds a batch by looking back from its tail (findNearEnd) with
// exactly the answers of its binary search (find): the entry for (base offset, batch id), or where
// a new one goes (after the entries at that offset), whatever the ledger's shape.
// Method: seeded random ledgers sorted by base offset, with runs of entries at one offset (batches
// written again after a truncation), a moving `first`, and lengths below and above the look-back;
// every offset from below the first to past the last is asked, with a batch id present at it and
// one absent, and both functions must agree. The seed is in each assertion message.

import { describe, expect, it } from 'vitest';
import { PartitionLog } from '../../../src/engine/broker/partition-log';
import type { ProducedBatch } from '../../../src/engine/broker/protocol';
import { DurabilityOracle, find, findNearEnd, type PartitionReads, type PartitionTruth } from '../../../src/engine/check/durability';
import { listHas } from '../../../src/engine/sim/lists';
import { Prng } from '../../../src/engine/sim/prng';

function ledger(prng: Prng): PartitionReads {
  const reads: PartitionReads = { baseOffsets: [], endOffsets: [], batchIds: [], readers: [], first: 0 };
  const length = prng.int(60);
  let offset = prng.int(5);
  for (let index = 0; index < length; index++) {
    // Mostly increasing, sometimes the same offset again (a batch written again after a truncation).
    if (index > 0 && prng.int(4) !== 0) offset += 1 + prng.int(3);
    reads.baseOffsets.push(offset);
    reads.endOffsets.push(offset + 1);
    reads.batchIds.push(`b${index}`);
    reads.readers.push('c');
  }
  reads.first = length === 0 ? 0 : prng.int(length + 1);
  return reads;
}

describe('DurabilityOracle read ledger lookup', () => {
  it('findNearEnd answers as find does, found or not', () => {
    let found = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const prng = new Prng(seed);
      const reads = ledger(prng);
      const last = reads.baseOffsets.at(-1) ?? 0;
      for (let offset = -1; offset <= last + 2; offset++) {
        const ids = ['absent'];
        for (let index = reads.first; index < reads.baseOffsets.length; index++) if (reads.baseOffsets[index] === offset) ids.push(reads.batchIds[index]!);
        for (const id of ids) {
          const expected = find(reads, offset, id);
          if (expected >= 0) found++;
          expect(findNearEnd(reads, offset, id), `seed ${seed}, offset ${offset}, id ${id}`).toBe(expected);
        }
      }
    }
    expect(found).toBeGreaterThan(1000); // the ledgers had entries to find, not only insertion points
  });
});

describe('listHas', () => {
  it('is includes for strings and numbers', () => {
    expect(listHas(['broker-1', 'broker-2'], 'broker-2')).toBe(true);
    expect(listHas(['broker-1', 'broker-2'], 'broker-3')).toBe(false);
    expect(listHas([], 'broker-1')).toBe(false);
    expect(listHas([0, 1, 2], 2)).toBe(true);
    expect(listHas(['broker-1'], `broker-${1}`)).toBe(true); // a string built at run time, equal by value
  });
});

describe('DurabilityOracle with two topics', () => {
  // The oracle keeps the last topic's watches and reads at hand (no Map lookup per batch): acks and
  // reads alternating between topics must still land in their own topic's ledgers.
  it('keeps each topic\'s acknowledgements and readers apart when they alternate', () => {
    const oracle = new DurabilityOracle();
    for (let index = 0; index < 6; index++) {
      for (const topic of ['orders', 'payments']) {
        const produced: ProducedBatch = { topic, partition: 0, producerId: 1, baseSequence: index * 10, records: 10, bytes: 1_000, batchId: `b/${index}`, createdUs: index }; // the same ids and offsets in both topics: a mix-up would merge their readers
        oracle.acknowledged(produced, index * 10, -1, index);
        oracle.read({ topic, partition: 0, baseOffset: index * 10, records: 10, batchId: produced.batchId }, `reader of ${topic}`);
      }
    }
    // Orders' new leader has only its first 4 batches.
    const truncated = new PartitionLog('orders', 0);
    for (let index = 0; index < 4; index++) truncated.append({ producerId: 1, baseSequence: index * 10, records: 10, bytes: 1_000, batchId: `b/${index}`, createdUs: index, baseOffset: index * 10, epoch: 0, appendedUs: index });
    const truth = (log: PartitionLog, leader: string, epoch: number): PartitionTruth => ({
      leader,
      leaderEpoch: epoch,
      log: { logStartOffset: 0, endOffset: log.endOffset, lostToCrashes: 0, lostToPowerLoss: 0, tiered: false, peekBatchAt: (offset: number) => log.peekBatchAt(offset) } as unknown as PartitionLog,
      minInsyncReplicas: 2,
      uncleanElection: true,
      isr: [leader],
    });
    // Payments' new leader lost its batch at offset 30 (another batch written there).
    const rewritten = new PartitionLog('payments', 0);
    for (let index = 0; index < 6; index++) rewritten.append({ producerId: 1, baseSequence: index * 10, records: 10, bytes: 1_000, batchId: index === 3 ? 'other' : `b/${index}`, createdUs: index, baseOffset: index * 10, epoch: 0, appendedUs: index });
    oracle.check(1_000, (topic) => (topic === 'orders' ? truth(truncated, 'broker-2', 1) : truth(rewritten, 'broker-3', 1)));
    const losses = oracle.status().losses;
    expect(losses.map((loss) => `${loss.topic}:${loss.batchId}`)).toEqual(['orders:b/4', 'orders:b/5', 'payments:b/3']);
    for (const loss of losses) expect(loss.readBy).toEqual([`reader of ${loss.topic}`]);
    expect(oracle.readsHeld).toBe(12);
  });
});
