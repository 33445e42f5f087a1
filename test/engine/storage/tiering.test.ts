// Tiered storage (KIP-405) through the whole engine: leaders upload closed segments to the object
// store in order, local retention deletes only what was uploaded, total retention deletes remote
// segments and moves the log start, consumers of old offsets read from the object store, a
// follower below the leader's local log start takes the OFFSET_MOVED_TO_TIERED_STORAGE path, an
// outage backs uploads up without losing anything, and the same seed gives the same trace.
// Method: one partition, RF 3, 2 s segments, short local retention, the RLM task every 2 s;
// assertions on broker logs, remote segment metadata, the object store's view, notes and oracles.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';
import { resolveConfig } from '../../../src/engine/config';
import { runReplacement } from '../../../bench/replacement';
import { logOf, partitionState } from '../inspect';

const SECOND = 1_000_000;

function viewOf(engine: Engine, id: string) {
  return engine.processViews().find((process) => process.id === id)!.view;
}

interface Options {
  readonly localRetentionMs?: number;
  readonly retentionMs?: number;
  readonly consumers?: boolean;
  readonly seed?: number;
  /** When the producer stops (ms); it runs on by default. */
  readonly producerStopMs?: number;
  /** log.retention.check.interval.ms (local retention); 2 s by default. */
  readonly retentionCheckMs?: number;
}

/** One tiered partition, RF 3, 1,000 records/s from 6 s; 2 s segments; local retention 4 s; RLM task and retention check every 2 s. */
function cluster(options: Options = {}): Engine {
  return createEngine(
    {
      config: { 'remote.log.storage.system.enable': true, 'remote.log.manager.task.interval.ms': 2_000, 'log.retention.check.interval.ms': options.retentionCheckMs ?? 2_000 },
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
      producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all', 'linger.ms': 5, startMs: 6_000, ...(options.producerStopMs === undefined ? {} : { stopMs: options.producerStopMs }) }],
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
    const remote = [...log.remoteSegments()].filter((segment) => segment.state === 'COPY_SEGMENT_FINISHED');
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

  it('total retention deletes remote segments (DeleteObject) and moves the log start; local retention only the local start', () => {
    const engine = cluster({ retentionMs: 20_000 });
    engine.runFor(70 * SECOND);
    const leader = partitionState(engine).leader!;
    const log = logOf(engine, leader);
    const store = viewOf(engine, 'object-store').objectStore!;
    expect(store.requests.DeleteObject).toBeGreaterThan(5);
    expect(viewOf(engine, leader).remoteLog!.segmentsDeleted).toBeGreaterThan(5);
    // The log start moved (records older than ~20 s are gone from both tiers); the local start is later still.
    expect(log.logStartOffset).toBeGreaterThan(30_000);
    expect(log.localLogStartOffset).toBeGreaterThan(log.logStartOffset);
    expect(log.remoteSegments().baseOffset(0)).toBeLessThanOrEqual(log.logStartOffset);
    // The store holds about retention.ms of segments, not everything ever written.
    expect(store.objects).toBeLessThan(20);
    expect(engine.durability().lostRecords).toBe(0);
    expect(engine.durability().retiredBatches).toBeGreaterThan(0);
    // Followers take the new log start from fetch answers.
    for (const broker of partitionState(engine).replicas) expect(logOf(engine, broker).logStartOffset, broker).toBeGreaterThan(25_000);
  });

  it('the log start that remote retention moves reaches the followers at their next fetch, with no append to carry it', () => {
    // Kafka's incremental fetch session sends a partition whose log start changed
    // (CachedPartition.maybeUpdateResponseData compares logStartOffset), so followers need no new
    // records to learn it. The producer stops at 30 s; remote retention (20 s) then moves the log
    // start every RLM task (2 s) until it reaches the active segment. Local retention's check is
    // made rare, so that only the remote tier moves the log start.
    const engine = cluster({ retentionMs: 20_000, producerStopMs: 30_000, retentionCheckMs: 300_000 });
    engine.runFor(31 * SECOND);
    const leader = partitionState(engine).leader!;
    const followers = partitionState(engine).replicas.filter((broker) => broker !== leader);
    const endAtStop = logOf(engine, leader).endOffset;
    let moves = 0;
    let movedAt = 0;
    let start = logOf(engine, leader).logStartOffset;
    for (let atMs = 31_000; atMs < 60_000; atMs += 100) {
      engine.runFor(100_000);
      const now = logOf(engine, leader).logStartOffset;
      if (now !== start) {
        start = now;
        movedAt = atMs;
        moves++;
      }
      // Within a second of a move (replica.fetch.wait.max.ms is 500), every follower has it.
      if (atMs - movedAt >= 1_000) for (const broker of followers) expect(logOf(engine, broker).logStartOffset, `${broker} at ${atMs} ms`).toBe(start);
    }
    expect(moves).toBeGreaterThan(5);
    expect(logOf(engine, leader).endOffset).toBe(endAtStop); // no append carried it
  });

  it('an object store outage backs uploads up (local disk grows, retries with back-off), and they resume after it heals', () => {
    const engine = cluster();
    engine.runFor(40 * SECOND); // past the first retention check (30 s): the local disk is down to its retention
    const leader = partitionState(engine).leader!;
    engine.inject({ kind: 'object-store-outage' });
    const copiedBefore = viewOf(engine, leader).remoteLog!.segmentsCopied;
    const localBefore = logOf(engine, leader).endOffset - logOf(engine, leader).localLogStartOffset;
    engine.runFor(30 * SECOND);
    const during = viewOf(engine, leader).remoteLog!;
    expect(during.segmentsCopied).toBe(copiedBefore);
    expect(during.copyFailures).toBeGreaterThan(3); // retried, with back-off
    expect(during.partitionsBackingOff).toBe(1);
    const log = logOf(engine, leader);
    const localDuring = log.endOffset - log.localLogStartOffset;
    expect(localDuring).toBeGreaterThan(localBefore + 25_000); // nothing can be deleted locally: it was not uploaded
    expect(engine.notableLog().some((entry) => entry.label.includes('could not upload') && entry.label.includes('ServiceUnavailable'))).toBe(true);
    engine.inject({ kind: 'heal' });
    engine.runFor(40 * SECOND);
    const after = viewOf(engine, leader).remoteLog!;
    expect(after.segmentsCopied).toBeGreaterThan(copiedBefore + 10);
    expect(after.partitionsBackingOff).toBe(0);
    expect(log.endOffset - log.localLogStartOffset).toBeLessThan(12_000); // drained back to the local retention
    expect(engine.durability().lostRecords).toBe(0);
  });

  it('a consumer of old offsets reads them from the object store (GetObject through the cache) and gets every record', () => {
    const engine = cluster({ consumers: true });
    engine.runFor(90 * SECOND);
    const leader = partitionState(engine).leader!;
    const remote = viewOf(engine, leader).remoteLog!;
    expect(remote.remoteReads).toBeGreaterThan(5); // offsets 0.. were only in the object store when it started at 50 s
    expect(remote.cacheHits).toBeGreaterThan(remote.remoteReads);
    expect(remote.cachedSegments).toBeLessThanOrEqual(8);
    expect(viewOf(engine, 'object-store').objectStore!.requests.GetObject).toBeGreaterThanOrEqual(remote.remoteReads);
    const consumption = engine.consumptionStatus();
    expect(consumption.violations).toBe(0);
    expect(viewOf(engine, 'consumer-1').consumer!.recordsConsumed).toBeGreaterThan(60_000); // from offset 0: the tiered part included
  });

  it('a follower below the leader\'s local log start gets OFFSET_MOVED_TO_TIERED_STORAGE and restarts at it, its epoch cache rebuilt', () => {
    const engine = cluster();
    engine.runFor(15 * SECOND);
    const leader = partitionState(engine).leader!;
    const follower = partitionState(engine).replicas.find((id) => id !== leader)!;
    engine.inject({ kind: 'shutdown', process: follower });
    engine.runFor(30 * SECOND);
    const followerEnd = logOf(engine, follower).endOffset;
    expect(logOf(engine, leader).localLogStartOffset).toBeGreaterThan(followerEnd); // the leader keeps only what came after
    engine.inject({ kind: 'restart', process: follower });
    engine.runFor(20 * SECOND);
    expect(viewOf(engine, follower).replicas!.movedToTieredResets).toBeGreaterThanOrEqual(1);
    expect(engine.notableLog().some((entry) => entry.label.includes('OFFSET_MOVED_TO_TIERED_STORAGE') && entry.label.startsWith(follower))).toBe(true);
    const log = logOf(engine, follower);
    expect(log.logStartOffset).toBe(0); // the log still starts at 0: the remote tier holds it
    expect(log.localLogStartOffset).toBeGreaterThan(followerEnd);
    expect(log.epochCache().length).toBeGreaterThan(0);
    expect(log.epochCache()[0]!.startOffset).toBeLessThan(log.localLogStartOffset); // rebuilt from the remote segments' epochs
    expect(partitionState(engine).isr).toContain(follower); // caught up from the local tail alone
    expect(engine.durability().lostRecords).toBe(0);
  });

  it('a leader crash hands the upload on: the new leader continues from the metadata it learnt, the remote tier has no gap, nothing is lost', () => {
    const engine = cluster();
    engine.runFor(40 * SECOND);
    const first = partitionState(engine).leader!;
    const copiedByFirst = viewOf(engine, first).remoteLog!.segmentsCopied;
    expect(copiedByFirst).toBeGreaterThan(5);
    engine.inject({ kind: 'crash', process: first });
    engine.runFor(40 * SECOND);
    const second = partitionState(engine).leader!;
    expect(second).not.toBe(first);
    const copiedBySecond = viewOf(engine, second).remoteLog!.segmentsCopied;
    expect(copiedBySecond).toBeGreaterThan(5);
    expect(copiedBySecond).toBeLessThan(copiedByFirst + 25); // it did not start again from offset 0
    // Every offset from the log start to the highest copied one is in some copied segment.
    const remote = [...logOf(engine, second).remoteSegments()].filter((segment) => segment.state === 'COPY_SEGMENT_FINISHED');
    let covered = logOf(engine, second).logStartOffset;
    for (const segment of remote) {
      expect(segment.baseOffset, segment.objectKey).toBeLessThanOrEqual(covered);
      covered = Math.max(covered, segment.endOffset + 1);
    }
    expect(covered).toBe(logOf(engine, second).highestOffsetInRemoteStorage + 1);
    expect(remote.some((segment) => segment.leaderEpoch > remote[0]!.leaderEpoch)).toBe(true); // keys of both leaders' epochs
    expect(engine.durability().lostRecords).toBe(0);
  });

  it('remote reads fail during an outage (the consumer waits) and succeed after it heals', () => {
    const engine = cluster({ consumers: true }); // the consumer starts at 50 s, from the earliest offset
    engine.runFor(45 * SECOND);
    engine.inject({ kind: 'object-store-outage' });
    engine.runFor(20 * SECOND);
    const leader = partitionState(engine).leader!;
    const during = viewOf(engine, leader).remoteLog!;
    expect(during.remoteReadFailures).toBeGreaterThan(0);
    expect(during.remoteReads).toBe(0);
    expect(viewOf(engine, 'consumer-1').consumer!.recordsConsumed).toBe(0); // offset 0 is only in the object store
    expect(engine.notableLog().some((entry) => entry.label.includes('could not read') && entry.label.includes('ServiceUnavailable'))).toBe(true);
    engine.inject({ kind: 'heal' });
    engine.runFor(30 * SECOND);
    expect(viewOf(engine, leader).remoteLog!.remoteReads).toBeGreaterThan(3);
    expect(viewOf(engine, 'consumer-1').consumer!.recordsConsumed).toBeGreaterThan(20_000);
    expect(engine.consumptionStatus().violations).toBe(0);
    expect(engine.durability().lostRecords).toBe(0);
  });

  it.each([1, 2, 3, 4])('no acknowledged record is lost with tiering through leader crashes and restarts (seed %i)', (seed) => {
    // Leaders crash (losing unflushed writes) while segments upload and local copies are deleted;
    // the oracle counts a batch below a leader's local start as held only if a copied remote segment covers it.
    const engine = cluster({ seed, retentionMs: 60_000 });
    engine.runFor(35 * SECOND);
    const first = partitionState(engine).leader!;
    engine.inject({ kind: 'crash', process: first });
    engine.runFor(10 * SECOND);
    engine.inject({ kind: 'restart', process: first });
    engine.runFor(15 * SECOND);
    const second = partitionState(engine).leader!;
    engine.inject({ kind: 'crash', process: second });
    engine.runFor(10 * SECOND);
    engine.inject({ kind: 'restart', process: second });
    // Long enough for the producer to wait out request.timeout.ms (30 s) on the crashed leader and deliver again.
    engine.runFor(40 * SECOND);
    const status = engine.durability();
    expect(status.acknowledgedRecords, `seed ${seed}`).toBeGreaterThan(50_000);
    expect(status.lostRecords, `seed ${seed}: ${status.losses[0]?.cause ?? ''}`).toBe(0);
    expect(viewOf(engine, 'object-store').objectStore!.objects).toBeGreaterThan(10);
  });

  it('the same seed gives the same trace, the object store included', () => {
    const run = (): string => {
      const engine = cluster({ consumers: true, retentionMs: 30_000 });
      engine.runFor(70 * SECOND);
      return engine.traceHash;
    };
    expect(run()).toBe(run());
  });
});

describe('tiered storage settings', () => {
  const base = (topicConfig: Record<string, unknown>, systemEnable = true) => ({
    config: { 'remote.log.storage.system.enable': systemEnable },
    topics: [{ name: 'orders', partitions: 1, replicationFactor: 1, config: topicConfig }],
  });

  it('remote.storage.enable needs the broker switch remote.log.storage.system.enable', () => {
    expect(() => resolveConfig(base({ 'remote.storage.enable': true }, false))).toThrow(/topics\[0\]\.config\.remote\.storage\.enable.*remote\.log\.storage\.system\.enable/s);
  });

  it('local retention may not exceed total retention (Kafka\'s LogConfig checks), -2 meaning "as retention"', () => {
    expect(() => resolveConfig(base({ 'remote.storage.enable': true, 'retention.ms': 10_000, 'local.retention.ms': 20_000 }))).toThrow(/local\.retention\.ms.*at most retention\.ms \(10000\)/s);
    expect(() => resolveConfig(base({ 'remote.storage.enable': true, 'retention.bytes': 1_000_000, 'local.retention.bytes': 2_000_000 }))).toThrow(/local\.retention\.bytes.*at most retention\.bytes/s);
    const config = resolveConfig(base({ 'remote.storage.enable': true, 'retention.ms': 10_000 }));
    expect(config.topics[0]!.config['local.retention.ms']).toBeUndefined();
  });
});


describe('broker replacement with and without tiering (bench/replacement.ts)', () => {
  it('a replaced broker re-copies only the local tail when the topic is tiered, and catches up in both cases', () => {
    // Short load (1 min) to keep the test quick; `npm run bench` runs 3 min and prints the ratio.
    const off = runReplacement({ tiering: false, loadMinutes: 1 });
    const on = runReplacement({ tiering: true, loadMinutes: 1 });
    expect(off.timeToFullReplicationMs).not.toBeNull();
    expect(on.timeToFullReplicationMs).not.toBeNull();
    expect(off.bytesMoved).toBeGreaterThan(50e6); // a minute of 1 MB/s, all kept by retention
    expect(on.bytesMoved).toBeLessThan(off.bytesMoved / 1.5); // ~30 s of local retention plus open segments
    expect(on.objectStoreBytes).toBeGreaterThan(0);
  });
});
