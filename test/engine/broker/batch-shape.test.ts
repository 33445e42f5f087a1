// Goal: every batch a log holds has one hidden class in V8, whoever made it: a leader's produced
// batch, its control batch at a new leader epoch, the group coordinator's internal record (the only
// one with a payload), a follower's copy (the same object), and a segment body read back from the
// cold store. A field added to some of them (the internal record's payload) made V8 throw away the
// optimized fetch and append paths at the first offset commit, and made them see two shapes
// ("wrong map" deoptimizations of handleReplicaFetchResponse and PartitionLog.append).
// Method: a small cluster with a producer and a committing consumer group, run on the real engine;
// (and a quorum-mode one for control batches); the batches are read from the brokers' logs and
// compared with V8's %HaveSameMap.

import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/api';
import type { LogBatch } from '../../../src/engine/broker/protocol';
import { decodeBatches, encodeBatches } from '../../../src/engine/storage/segment-codec';
import { logsOf } from '../inspect';

// V8's own answer, natives syntax: allowed for functions compiled after the flag is set.
setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const S = 1_000_000;

describe('batch shapes', () => {
  it('produced, control, internal, replicated and decoded batches share one hidden class', () => {
    const engine = createEngine(
      {
        zones: 1,
        controllers: 1,
        brokers: 3,
        config: { 'group.initial.rebalance.delay.ms': 1_000 },
        topics: [{ name: 'orders', partitions: 3, replicationFactor: 3 }],
        producers: [{ topic: 'orders', recordsPerSecond: 200, 'linger.ms': 5 }],
        consumers: [{ topic: 'orders', 'group.id': 'billing', 'auto.offset.reset': 'earliest', 'auto.commit.interval.ms': 1_000 }],
      },
      7,
    );
    engine.runUntil(20 * S);
    // Control batches are quorum mode's (the first record of a leader epoch): a second cluster.
    const quorum = createEngine(
      { zones: 1, controllers: 1, brokers: 3, dataReplication: 'quorum', topics: [{ name: 'orders', partitions: 1, replicationFactor: 3 }], producers: [{ topic: 'orders', recordsPerSecond: 100 }] },
      7,
    );
    quorum.runUntil(5 * S);
    const kinds = new Map<string, LogBatch>();
    for (const [engine_, broker] of [engine, quorum].flatMap((e) => ['broker-1', 'broker-2', 'broker-3'].map((id) => [e, id] as const))) {
      for (const [key, log] of logsOf(engine_, broker)) {
        for (let offset = log.logStartOffset; offset < log.endOffset; ) {
          const batch = log.batchAt(offset)!;
          const kind = batch.payload !== undefined ? 'internal' : batch.producerId < 0 ? 'control' : key.startsWith('orders') ? 'produced' : 'other';
          if (!kinds.has(kind)) kinds.set(kind, batch);
          offset = batch.baseOffset + batch.records;
        }
      }
    }
    // All three kinds were made (otherwise the comparison below proves nothing).
    expect([...kinds.keys()].sort()).toEqual(['control', 'internal', 'produced']);
    const produced = kinds.get('produced')!;
    for (const [kind, batch] of kinds) expect(haveSameMap(batch, produced), kind).toBe(true);
    // Decoded from a segment body, with and without a payload.
    const decoded = decodeBatches(encodeBatches([produced, kinds.get('internal')!]));
    expect(decoded).toEqual([produced, kinds.get('internal')]);
    for (const batch of decoded) expect(haveSameMap(batch, produced)).toBe(true);
  });
});
