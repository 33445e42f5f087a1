// Engine.inspectPartition, what the page's inspect panel shows of one partition: it must agree
// with the brokers' disks and the committed metadata, replica by replica (log end, high watermark,
// log starts), follow a crash (the replica is down, its disk still counted; the ISR shrinks once
// the controller fences it), name the topic settings that matter, and say null for what does not
// exist. Method: one partition, RF 3, acks=all, read through the inspect test helpers that reach
// the disks directly; a tiered topic for the local log start.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/api';
import { logOf, partitionState } from './inspect';

const SECOND = 1_000_000;

function cluster(seed = 5): Engine {
  return createEngine(
    {
      topics: [{ name: 'orders', partitions: 2, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }],
      producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all', 'linger.ms': 5, startMs: 3_000 }],
    },
    seed,
  );
}

describe('inspecting a partition', () => {
  it('each replica’s log end is its disk’s, the leader’s high watermark is the partition’s, and a follower’s never passes it', () => {
    const engine = cluster();
    engine.runFor(10 * SECOND);
    const state = partitionState(engine);
    const detail = engine.inspectPartition('orders', 0)!;
    expect(detail.leader).toBe(state.leader);
    expect(detail.leaderEpoch).toBe(state.leaderEpoch);
    expect(detail.isr).toEqual(state.isr);
    expect(detail.replicas.map((replica) => replica.broker)).toEqual(state.replicas);
    const leader = detail.replicas.find((replica) => replica.leader)!;
    const snapshotHw = engine.snapshot().partitions.find((partition) => partition.topic === 'orders' && partition.partition === 0)!.highWatermark;
    expect(leader.highWatermark).toBe(snapshotHw);
    expect(leader.highWatermark!).toBeGreaterThan(1_000); // the producer has written for 7 s
    for (const replica of detail.replicas) {
      const log = logOf(engine, replica.broker);
      expect(replica.logEndOffset, replica.broker).toBe(log.endOffset);
      expect(replica.logStartOffset, replica.broker).toBe(log.logStartOffset);
      expect(replica.localLogStartOffset, replica.broker).toBe(log.localLogStartOffset);
      expect(replica.flushedOffset, replica.broker).toBe(log.flushedEndOffset);
      expect(replica.bytes, replica.broker).toBe(log.bytes);
      expect(replica.running && replica.inIsr).toBe(true);
      // A follower learns the high watermark from the leader's fetch answers: never ahead of it, never past its own log.
      expect(replica.highWatermark!, replica.broker).toBeLessThanOrEqual(leader.highWatermark!);
      expect(replica.highWatermark!, replica.broker).toBeLessThanOrEqual(replica.logEndOffset!);
    }
    expect(detail.config).toEqual({
      replicationFactor: 3,
      minInsyncReplicas: 2,
      uncleanLeaderElectionEnable: false,
      remoteStorageEnable: false,
      dataReplication: 'isr',
    });
  });

  it('a crashed follower is down with its disk still read, and leaves the ISR once the controller fences it', () => {
    const engine = cluster();
    engine.runFor(10 * SECOND);
    const follower = partitionState(engine).replicas.find((broker) => broker !== partitionState(engine).leader)!;
    engine.inject({ kind: 'crash', process: follower });
    const right = engine.inspectPartition('orders', 0)!.replicas.find((replica) => replica.broker === follower)!;
    expect(right.running).toBe(false);
    expect(right.highWatermark).toBeNull(); // its memory is gone
    expect(right.logEndOffset).toBe(logOf(engine, follower).endOffset); // its disk is not
    expect(right.inIsr).toBe(true); // nobody has noticed yet
    engine.runFor(12 * SECOND); // past broker.session.timeout.ms (9 s)
    const after = engine.inspectPartition('orders', 0)!;
    expect(after.isr).not.toContain(follower);
    expect(after.isr).toHaveLength(2);
    expect(after.replicas.find((replica) => replica.broker === follower)!.inIsr).toBe(false);
  });

  it('a partition or topic that does not exist is null, and inspecting changes nothing in the run', () => {
    const inspected = cluster();
    const untouched = cluster();
    inspected.runFor(6 * SECOND);
    untouched.runFor(6 * SECOND);
    expect(inspected.inspectPartition('orders', 2)).toBeNull();
    expect(inspected.inspectPartition('payments', 0)).toBeNull();
    expect(inspected.inspectPartition('orders', 1)).not.toBeNull();
    inspected.runFor(4 * SECOND);
    untouched.runFor(4 * SECOND);
    expect(inspected.traceHash).toBe(untouched.traceHash);
  });

  it('a tiered topic names remote.storage.enable, and its replicas’ local log start is above the log start', () => {
    const engine = createEngine(
      {
        config: { 'remote.log.storage.system.enable': true, 'remote.log.manager.task.interval.ms': 2_000, 'log.retention.check.interval.ms': 2_000 },
        topics: [
          {
            name: 'orders',
            partitions: 1,
            replicationFactor: 3,
            config: { 'segment.ms': 2_000, 'retention.ms': 600_000, 'remote.storage.enable': true, 'local.retention.ms': 4_000, 'unclean.leader.election.enable': true },
          },
        ],
        producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all', 'linger.ms': 5, startMs: 6_000 }],
      },
      7,
    );
    engine.runFor(40 * SECOND);
    const detail = engine.inspectPartition('orders', 0)!;
    expect(detail.config.remoteStorageEnable).toBe(true);
    expect(detail.config.uncleanLeaderElectionEnable).toBe(true);
    expect(detail.config.minInsyncReplicas).toBe(1); // Kafka's default
    for (const replica of detail.replicas) {
      expect(replica.logStartOffset, replica.broker).toBe(0);
      expect(replica.localLogStartOffset!, replica.broker).toBeGreaterThan(10_000);
    }
  });
});
