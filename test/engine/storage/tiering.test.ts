// Tiered storage (KIP-405) through the whole engine: leaders upload closed segments to the object
// store in order, local retention deletes only what was uploaded, total retention deletes remote
// segments and moves the log start, consumers of old offsets read from the object store, a
// follower below the leader's local log start takes the OFFSET_MOVED_TO_TIERED_STORAGE path, an
// outage backs uploads up without losing anything, and the same seed gives the same trace.
// Method: one partition, RF 3, 2 s segments, short local retention, the RLM task every 2 s;
// assertions on broker logs, remote segment metadata, the object store's view, notes and oracles.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import type { MemberDisk } from '../../../src/engine/cluster';
import { resolveConfig } from '../../../src/engine/config';

const SECOND = 1_000_000;

function logOf(engine: Engine, broker: string) {
  const kernel = (engine as unknown as { kernel: { durableOf(id: string): MemberDisk } }).kernel;
  return kernel.durableOf(broker).data.logs.get('orders-0')!;
}

function partitionState(engine: Engine) {
  return engine.metadataOf(engine.activeController()!)!.partition('orders', 0)!;
}

function viewOf(engine: Engine, id: string) {
  return engine.processViews().find((process) => process.id === id)!.view;
}

interface Options {
  readonly localRetentionMs?: number;
  readonly retentionMs?: number;
  readonly consumers?: boolean;
  readonly seed?: number;
}

/** One tiered partition, RF 3, 1,000 records/s from 6 s; 2 s segments; local retention 4 s; RLM task and retention check every 2 s. */
function cluster(options: Options = {}): Engine {
  return createEngine(
    {
      config: { 'remote.log.storage.system.enable': true, 'remote.log.manager.task.interval.ms': 2_000, 'log.retention.check.interval.ms': 2_000 },
      topics: [
        {
          name: 'orders',
          partitions: 1,
          replicationFactor: 3,
          config: {
            'min.insync.replicas': 2,
            'segment.ms': 2_000,
            'retention.ms': options.retentionMs ?? 600_000,
            'remote.storage.enable': true,
            'local.retention.ms': options.localRetentionMs ?? 4_000,
          },
        },
      ],
      producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all', 'linger.ms': 5, startMs: 6_000 }],
      ...(options.consumers === true ? { consumers: [{ topic: 'orders', 'group.id': 'audit', 'auto.offset.reset': 'earliest' as const, startMs: 50_000 }] } : {}),
    },
    options.seed ?? 7,
  );
}

describe('tiered storage (KIP-405)', () => {
  it('the leader uploads closed segments in order; every replica keeps only the local tail; nothing acknowledged is lost', () => {
    const engine = cluster();
    engine.runFor(60 * SECOND);
    const leader = partitionState(engine).leader!;
    const log = logOf(engine, leader);
    const remote = log.remoteSegments().filter((segment) => segment.state === 'COPY_SEGMENT_FINISHED');
    expect(remote.length).toBeGreaterThan(15);
    // In order, contiguous, from offset 0: each segment starts right after the previous one ends.
    expect(remote[0]!.baseOffset).toBe(0);
    for (let index = 1; index < remote.length; index++) expect(remote[index]!.baseOffset).toBe(remote[index - 1]!.endOffset + 1);
    expect(remote[0]!.objectKey).toMatch(/^orders-0\/0-\d+\.log$/);
    // The object store holds them; the local disk holds only the last few seconds.
    const store = viewOf(engine, 'object-store').objectStore!;
    expect(store.objects).toBeGreaterThanOrEqual(remote.length);
    expect(store.requests.PutObject).toBeGreaterThanOrEqual(remote.length);
    expect(log.logStartOffset).toBe(0); // total retention (10 min) keeps everything
    expect(log.localLogStartOffset).toBeGreaterThan(40_000);
    expect(log.endOffset - log.localLogStartOffset).toBeLessThan(12_000); // ~4 s local retention, plus a task interval and a segment or two
    expect(log.localLogStartOffset - 1).toBeLessThanOrEqual(log.highestOffsetInRemoteStorage); // nothing deleted locally before it was uploaded
    for (const broker of partitionState(engine).replicas) {
      const replica = logOf(engine, broker);
      expect(replica.remoteSegments().length, broker).toBeGreaterThan(15); // learnt from fetch answers
      expect(replica.localLogStartOffset, broker).toBeGreaterThan(40_000);
      expect(replica.logStartOffset, broker).toBe(0);
    }
    expect(viewOf(engine, leader).remoteLog!.segmentsCopied).toBe(remote.length);
    expect(engine.durability().lostRecords).toBe(0);
    expect(engine.durability().acknowledgedRecords).toBeGreaterThan(50_000);
  });
});
