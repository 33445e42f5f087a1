// The oracle remembers which consumers read a batch, to name them if the batch is ever lost; a
// batch retention deleted can no longer be lost, so what was read of it is forgotten with it.
// Found by the data-plane benchmark: with 3 consumer groups the heap grew ~25 MB a simulated minute.
// The reads are kept per partition in offset order (a read at the tail is the last entry or a
// push); a group reading far behind, and a batch written again at an offset after a truncation,
// take the rarer paths, checked here through the loss report that names the readers.
import { describe, expect, it } from 'vitest';
import { PartitionLog } from '../../../src/engine/broker/partition-log';
import type { ProducedBatch } from '../../../src/engine/broker/protocol';
import { DurabilityOracle, type PartitionTruth } from '../../../src/engine/check/durability';

function batch(index: number, id = `p/${index}`): ProducedBatch {
  return { topic: 'orders', partition: 0, producerId: 1, baseSequence: index * 10, records: 10, bytes: 1_000, batchId: id, createdUs: index };
}

/** What a consumer hands the oracle for a batch it read at `baseOffset`. */
function readOf(produced: ProducedBatch, baseOffset: number): { topic: string; partition: number; baseOffset: number; records: number; batchId: string } {
  return { topic: produced.topic, partition: produced.partition, baseOffset, records: produced.records, batchId: produced.batchId };
}

function truthOf(log: PartitionLog, leader: string, leaderEpoch: number, logStartOffset = 0): PartitionTruth {
  return {
    leader,
    leaderEpoch,
    log: { logStartOffset, endOffset: log.endOffset, lostToCrashes: 0, lostToPowerLoss: 0, tiered: false, peekBatchAt: (offset: number) => log.peekBatchAt(offset) } as unknown as PartitionLog,
    minInsyncReplicas: 2,
    uncleanElection: true,
    isr: [leader],
  };
}

describe('the durability oracle and what consumers read', () => {
  it('forgets who read a batch once retention has deleted it', () => {
    const oracle = new DurabilityOracle();
    const log = new PartitionLog('orders', 0);
    for (let index = 0; index < 100; index++) {
      const produced = batch(index);
      log.append({ ...produced, baseOffset: index * 10, epoch: 0, appendedUs: index });
      oracle.acknowledged(produced, index * 10, -1, index);
      oracle.read(readOf(produced, index * 10), 'consumer-1 (group billing)');
      oracle.read(readOf(produced, index * 10), 'consumer-3 (group audit)'); // a second group: the same entry
    }
    expect(oracle.readsHeld).toBe(100);
    // Retention moved the leader's log start to offset 600: the first 60 batches are gone.
    oracle.check(1_000, () => truthOf(log, 'broker-1', 0, 600));
    expect(oracle.status().retiredBatches).toBe(60);
    expect(oracle.readsHeld).toBe(40);
    expect(oracle.status().lostRecords).toBe(0);
  });

  it('names the readers of a lost batch, not those of the batch written at its offset after a truncation, nor a group that read far behind', () => {
    const oracle = new DurabilityOracle();
    const old = new PartitionLog('orders', 0);
    for (let index = 0; index < 10; index++) {
      const produced = batch(index);
      old.append({ ...produced, baseOffset: index * 10, epoch: 0, appendedUs: index });
      oracle.acknowledged(produced, index * 10, 1, index);
      oracle.read(readOf(produced, index * 10), 'consumer-1 (group billing)');
    }
    // A late group reads from the start, far behind the tail: each read finds its batch by offset.
    for (let index = 0; index < 10; index++) oracle.read(readOf(batch(index), index * 10), 'consumer-3 (group audit)');
    expect(oracle.readsHeld).toBe(10);
    // An unclean election: the new leader has batches 0..7, then other batches at offsets 80 and 90.
    const now = new PartitionLog('orders', 0);
    for (let index = 0; index < 8; index++) now.append({ ...batch(index), baseOffset: index * 10, epoch: 0, appendedUs: index });
    for (const index of [8, 9]) {
      const other = batch(index, `q/${index}`);
      now.append({ ...other, baseOffset: index * 10, epoch: 1, appendedUs: 100 + index });
      oracle.read(readOf(other, index * 10), 'consumer-2 (group billing)'); // inserted beside the batch it replaced
    }
    expect(oracle.readsHeld).toBe(12);
    oracle.check(1_000, () => truthOf(now, 'broker-2', 1));
    const losses = oracle.status().losses;
    expect(losses.map((loss) => loss.batchId)).toEqual(['p/8', 'p/9']);
    for (const loss of losses) expect(loss.readBy).toEqual(['consumer-1 (group billing)', 'consumer-3 (group audit)']);
  });
});
