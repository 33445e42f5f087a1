// Goal: the oracle's shortcuts keep their answers: listHas is Array.includes by value, and the
// last topic kept at hand (no Map lookup per batch acknowledged or read) never mixes two topics.
// Method: listHas on strings built at run time and numbers; two topics with the same batch ids and
// offsets, acknowledged and read alternately, then checked against new leaders that lost different
// batches: each loss is reported in its own topic with its own readers.

import { describe, expect, it } from 'vitest';
import { PartitionLog } from '../../../src/engine/broker/partition-log';
import type { ProducedBatch } from '../../../src/engine/broker/protocol';
import { DurabilityOracle, type PartitionTruth } from '../../../src/engine/check/durability';
import { listHas } from '../../../src/engine/sim/lists';

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
