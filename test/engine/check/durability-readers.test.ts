// The oracle remembers which consumers read a batch, to name them if the batch is ever lost; a
// batch retention deleted can no longer be lost, so what was read of it is forgotten with it.
// Found by the data-plane benchmark: with 3 consumer groups the heap grew ~25 MB a simulated minute.
import { describe, expect, it } from 'vitest';
import { PartitionLog } from '../../../src/engine/broker/partition-log';
import type { ProducedBatch } from '../../../src/engine/broker/protocol';
import { DurabilityOracle } from '../../../src/engine/check/durability';

function batch(index: number): ProducedBatch {
  return { topic: 'orders', partition: 0, producerId: 1, baseSequence: index * 10, records: 10, bytes: 1_000, batchId: `p/${index}`, createdUs: index };
}

describe('the durability oracle and what consumers read', () => {
  it('forgets who read a batch once retention has deleted it', () => {
    const oracle = new DurabilityOracle();
    const log = new PartitionLog('orders', 0);
    for (let index = 0; index < 100; index++) {
      const produced = batch(index);
      log.append({ ...produced, baseOffset: index * 10, epoch: 0, appendedUs: index });
      oracle.acknowledged(produced, index * 10, -1, index);
      oracle.read(produced.batchId, 'consumer-1 (group billing)');
    }
    const readers = (oracle as unknown as { readers: Map<string, unknown> }).readers;
    expect(readers.size).toBe(100);
    // Retention moved the leader's log start to offset 600: the first 60 batches are gone.
    const truth = { leader: 'broker-1', leaderEpoch: 0, log: { logStartOffset: 600, batchAt: (offset: number) => log.batchAt(offset), peekBatchAt: (offset: number) => log.peekBatchAt(offset) } as unknown as PartitionLog, minInsyncReplicas: 1, uncleanElection: false, isr: ['broker-1'] };
    oracle.check(1_000, () => truth);
    expect(oracle.status().retiredBatches).toBe(60);
    expect(readers.size).toBe(40);
    expect(readers.has('p/59')).toBe(false);
    expect(readers.has('p/60')).toBe(true);
    expect(oracle.status().lostRecords).toBe(0);
  });
});
