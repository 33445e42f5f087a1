// Review findings on the data plane, each pinned by a test that failed before its fix.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/api';
import { PartitionLog } from '../../../src/engine/broker/partition-log';
import type { LogBatch, ProducedBatch } from '../../../src/engine/broker/protocol';
import { DurabilityOracle, type PartitionTruth } from '../../../src/engine/check/durability';
import { logOf, partitionState } from '../inspect';

const SECOND = 1_000_000;

function batch(baseOffset: number, records: number, epoch: number, batchId = `b${baseOffset}`): LogBatch {
  return { baseOffset, records, bytes: records * 100, epoch, producerId: -1, baseSequence: 0, batchId, appendedUs: 0, createdUs: 0 };
}

function produced(batchId: string, records = 2): ProducedBatch {
  return { topic: 'orders', partition: 0, producerId: -1, baseSequence: -1, records, bytes: records * 100, batchId, createdUs: 0 };
}

describe('review: leader epoch cache', () => {
  it('a follower that led an epoch without writing in it, then copies older-epoch batches, keeps a monotonic cache (Kafka drops the empty newer epoch)', () => {
    const log = new PartitionLog('orders', 0);
    log.append(batch(0, 2, 4));
    log.assignEpoch(5); // it led epoch 5 and wrote nothing
    // It follows the leader of epoch 6, which has more of epoch 4, then its own epoch 6.
    log.append(batch(2, 2, 4));
    log.append(batch(4, 2, 4));
    log.append(batch(6, 2, 6));
    expect(log.epochCache()).toEqual([
      { epoch: 4, startOffset: 0 },
      { epoch: 6, startOffset: 6 },
    ]);
    expect(log.endOffsetForEpoch(4)).toEqual({ epoch: 4, endOffset: 6 });
    expect(log.endOffsetForEpoch(5)).toEqual({ epoch: 4, endOffset: 6 });
  });
});

describe('review: durability oracle', () => {
  it('checks a batch acknowledged after the current leader epoch was verified (a zombie leader acking with acks=1)', () => {
    const oracle = new DurabilityOracle();
    const leaderLog = new PartitionLog('orders', 0);
    leaderLog.append(batch(0, 2, 1, 'p/1'));
    const truth: PartitionTruth = { leader: 'broker-2', leaderEpoch: 2, log: leaderLog, minInsyncReplicas: 1, uncleanElection: false, isr: ['broker-2'] };
    oracle.acknowledged(produced('p/1'), 0, 1, 10);
    oracle.check(20, () => truth);
    expect(oracle.status().lostBatches).toBe(0);
    // The old leader, not yet aware it was replaced, acknowledges p/2 at offset 2; the leader of epoch 2 never has it.
    oracle.acknowledged(produced('p/2'), 2, 1, 30);
    leaderLog.append(batch(2, 2, 2, 'other'));
    oracle.check(40, () => truth);
    expect(oracle.status().lostBatches).toBe(1);
    expect(oracle.status().losses[0]!.batchId).toBe('p/2');
  });
});

describe('review: durability oracle in the engine', () => {
  it('reports no loss of a batch the new leader copied before it took its leadership up (controlled shutdown, acks=1)', () => {
    for (const seed of [21, 22, 23, 24, 25]) {
      const engine = createEngine(
        {
          topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 1 } }],
          producers: [{ topic: 'orders', recordsPerSecond: 4_000, acks: 1, 'linger.ms': 5, startMs: 6_000 }],
        },
        seed,
      );
      engine.runFor(12 * SECOND);
      const old = partitionState(engine).leader!;
      // Metadata reaches the brokers late: the new leader keeps copying from the old one meanwhile.
      for (const controller of ['controller-1', 'controller-2', 'controller-3']) {
        for (const broker of partitionState(engine).replicas) engine.inject({ kind: 'slow-link', from: controller, to: broker, extraLatencyMs: 400, bothWays: false });
      }
      engine.inject({ kind: 'shutdown', process: old });
      // Checked as often as a UI would: every millisecond, while leadership moves.
      for (let step = 0; step < 3_000; step++) {
        engine.runFor(1_000);
        engine.durability();
      }
      engine.runFor(5 * SECOND);
      const leader = partitionState(engine).leader!;
      const log = logOf(engine, leader);
      for (const loss of engine.durability().losses) {
        expect(log.batchAt(loss.baseOffset)?.batchId, `seed ${seed}: ${loss.cause}`).not.toBe(loss.batchId);
      }
    }
  });
});
