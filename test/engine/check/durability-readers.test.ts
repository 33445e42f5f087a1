// The oracle remembers which consumers read a batch, to name them if the batch is ever lost; a
// batch retention deleted can no longer be lost, so what was read of it is forgotten with it.
// Found by the data-plane benchmark: with 3 consumer groups the heap grew ~25 MB a simulated minute.
// The reads are kept per partition in offset order (a read at the tail is the last entry or a
// push); a group reading far behind, and a batch written again at an offset after a truncation,
// take the rarer paths, checked here through the loss report that names the readers.
import { describe, expect, it } from 'vitest';
import { PartitionLog } from '../../../src/engine/broker/partition-log';
import type { Acks, ProducedBatch } from '../../../src/engine/broker/protocol';
import { DurabilityOracle, READER_LISTS_MAX, type PartitionTruth } from '../../../src/engine/check/durability';

function batch(index: number, id = `p/${index}`): ProducedBatch {
  return { topic: 'orders', partition: 0, producerId: 1, baseSequence: index * 10, records: 10, bytes: 1_000, batchId: id, createdUs: index };
}

/** What a consumer hands the oracle for a batch it read at `baseOffset`. */
function readOf(produced: ProducedBatch, baseOffset: number): { topic: string; partition: number; baseOffset: number; records: number; batchId: string } {
  return { topic: produced.topic, partition: produced.partition, baseOffset, records: produced.records, batchId: produced.batchId };
}

/** Appends `produced` to `log` at `baseOffset` in leader epoch 0, and tells the oracle it was acknowledged with `acks`. */
function appendAcked(oracle: DurabilityOracle, log: PartitionLog, produced: ProducedBatch, baseOffset: number, acks: Acks): void {
  log.append({ ...produced, baseOffset, epoch: 0, appendedUs: produced.createdUs });
  oracle.acknowledged(produced, baseOffset, acks, produced.createdUs);
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
      appendAcked(oracle, log, produced, index * 10, -1);
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
      appendAcked(oracle, old, produced, index * 10, 1);
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

  it('shares one reader list among the batches the same consumers read in the same order, and keeps each order', () => {
    const oracle = new DurabilityOracle();
    const old = new PartitionLog('orders', 0);
    const readers = ['consumer-1 (group billing)', 'consumer-3 (group audit)', 'consumer-5 (group search)'];
    for (let index = 0; index < 20; index++) {
      const produced = batch(index);
      appendAcked(oracle, old, produced, index * 10, 1);
      // Batches 0..9 are read by the groups in one order, 10..19 in the reverse order.
      const order = index < 10 ? readers : [...readers].reverse();
      for (const reader of order) oracle.read(readOf(produced, index * 10), reader);
      oracle.read(readOf(produced, index * 10), readers[1]!); // read again: not named twice
    }
    // Two lists per order (two readers, then three): 4, not one or two arrays per batch.
    expect(oracle.readsHeld).toBe(20);
    expect(oracle.readerListsHeld).toBe(4);
    // An unclean election: the new leader has only batches 0..4 and 15..19 (others at offsets 50..149).
    const now = new PartitionLog('orders', 0);
    for (let index = 0; index < 20; index++) {
      const kept = index < 5 || index >= 15;
      now.append({ ...batch(index, kept ? `p/${index}` : `q/${index}`), baseOffset: index * 10, epoch: kept ? 0 : 1, appendedUs: 100 + index });
    }
    oracle.check(1_000, () => truthOf(now, 'broker-2', 1));
    const losses = oracle.status().losses;
    expect(losses.map((loss) => loss.batchId)).toEqual(['p/5', 'p/6', 'p/7', 'p/8', 'p/9', 'p/10', 'p/11', 'p/12', 'p/13', 'p/14']);
    for (const loss of losses.slice(0, 5)) expect(loss.readBy).toEqual(readers);
    for (const loss of losses.slice(5)) expect(loss.readBy).toEqual([...readers].reverse());
    expect(losses[0]!.records).toBe(10);
    expect(losses[0]!.acks).toBe(1);
    expect(losses[0]!.ackedUs).toBe(5);
    expect(losses[0]!.cause).toContain('batch p/5 (orders-0, offsets 50..59)');
  });

  it('stops sharing past READER_LISTS_MAX lists, and still names every reader', () => {
    const oracle = new DurabilityOracle();
    const old = new PartitionLog('orders', 0);
    const batches = READER_LISTS_MAX + 5;
    for (let index = 0; index < batches; index++) {
      const produced = batch(index);
      appendAcked(oracle, old, produced, index * 10, 1);
      // A first reader of its own per batch: each batch needs a list no other batch has.
      oracle.read(readOf(produced, index * 10), `consumer-${index} (group a)`);
      oracle.read(readOf(produced, index * 10), 'consumer-x (group b)');
    }
    expect(oracle.readerListsHeld).toBe(READER_LISTS_MAX);
    const now = new PartitionLog('orders', 0);
    for (let index = 0; index < batches; index++) now.append({ ...batch(index, `q/${index}`), baseOffset: index * 10, epoch: 1, appendedUs: index });
    oracle.check(1_000, () => truthOf(now, 'broker-2', 1));
    const losses = oracle.status().losses;
    expect(losses.length).toBe(1_000); // LOSS_REPORTS_MAX
    expect(oracle.status().lostBatches).toBe(batches);
    expect(losses[999]!.readBy).toEqual(['consumer-999 (group a)', 'consumer-x (group b)']);
  });

  it('compacts its ledgers at a retirement and still names the readers of what is left', () => {
    const oracle = new DurabilityOracle();
    const old = new PartitionLog('orders', 0);
    for (let index = 0; index < 600; index++) {
      const produced = batch(index);
      appendAcked(oracle, old, produced, index * 10, 1);
      oracle.read(readOf(produced, index * 10), index % 2 === 0 ? 'consumer-1 (group billing)' : 'consumer-2 (group billing)');
    }
    // Retention: the log starts at offset 3000 (batch 300); the first 300 batches leave both ledgers.
    oracle.check(1_000, () => truthOf(old, 'broker-1', 0, 3_000));
    expect(oracle.status().retiredBatches).toBe(300);
    expect(oracle.readsHeld).toBe(300);
    // Reads after the compaction land at the tail, in offset order.
    oracle.read(readOf(batch(599), 5_990), 'consumer-3 (group audit)');
    expect(oracle.readsHeld).toBe(300);
    // An unclean election loses batches 590..599: each is named with its readers.
    const now = new PartitionLog('orders', 0);
    for (let index = 0; index < 600; index++) now.append({ ...batch(index, index >= 590 ? `q/${index}` : `p/${index}`), baseOffset: index * 10, epoch: index >= 590 ? 1 : 0, appendedUs: index });
    oracle.check(2_000, () => truthOf(now, 'broker-2', 1, 3_000));
    const losses = oracle.status().losses;
    expect(losses.map((loss) => loss.batchId)).toEqual(Array.from({ length: 10 }, (_, index) => `p/${590 + index}`));
    expect(losses[0]!.readBy).toEqual(['consumer-1 (group billing)']);
    expect(losses[9]!.readBy).toEqual(['consumer-2 (group billing)', 'consumer-3 (group audit)']);
    expect(oracle.status().acknowledgedBatches).toBe(600);
  });
});
