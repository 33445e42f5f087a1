// Quiet session partitions (consumer-fetch.ts): an INCREMENTAL consumer fetch's answer passes over
// a session partition whose last answer found nothing to send or read, until its request entry,
// its high watermark, this broker's leaderships or its log start move. Kafka answers every session
// partition and leaves out those with nothing new (FetchSession.scala, CachedPartition.
// maybeUpdateResponseData); passing one over must give the very same answer.
// Method: the whole engine with the checks on (each partition passed over is answered in full
// anyway, and any news found throws), under load, with retention moving log starts every second
// and a leader crashing and coming back; then the same run with the checks off must have the same
// trace, so the shortcut changed nothing.

import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/api';
import { quietConsumerPartitionCounts, setQuietConsumerPartitionChecks } from '../../../src/engine/broker/consumer-fetch';

const TOPIC = 'orders';

/** Three brokers, RF 3; 2 s segments kept 4 s, checked every second; two consumers of one group reading from the start. */
function cluster() {
  return createEngine(
    {
      zones: 1,
      controllers: 1,
      brokers: 3,
      config: { 'group.initial.rebalance.delay.ms': 1_000, 'log.retention.check.interval.ms': 1_000 },
      topics: [{ name: TOPIC, partitions: 6, replicationFactor: 3, config: { 'min.insync.replicas': 2, 'segment.ms': 2_000, 'retention.ms': 4_000 } }],
      producers: [{ topic: TOPIC, recordsPerSecond: 100, 'linger.ms': 5 }],
      consumers: [1, 2].map(() => ({ topic: TOPIC, 'group.id': 'billing', 'auto.offset.reset': 'earliest' })),
    },
    7,
  );
}

/** Runs to 40 s with broker-2 down from 15 s to 20 s; returns the trace hash and what the consumers read. */
function run(): { hash: string; consumed: number; violations: number } {
  const engine = cluster();
  engine.runUntil(15_000_000);
  engine.inject({ kind: 'crash', process: 'broker-2' });
  engine.runUntil(20_000_000);
  engine.inject({ kind: 'restart', process: 'broker-2' });
  engine.runUntil(40_000_000);
  const consumed = engine.processViews().reduce((sum, { view }) => sum + (view.consumer?.recordsConsumed ?? 0), 0);
  return { hash: engine.traceHash, consumed, violations: engine.consumptionStatus().violations };
}

describe('quiet consumer session partitions', () => {
  afterEach(() => setQuietConsumerPartitionChecks(false));

  it('a partition passed over would have been answered nothing, through retention, a leader crash and its return; the trace is the same with the shortcut taken', () => {
    setQuietConsumerPartitionChecks(true);
    const before = quietConsumerPartitionCounts();
    const checked = run(); // throws if a partition passed over had news
    const after = quietConsumerPartitionCounts();
    expect(after.skipped - before.skipped, 'quiet partitions found (and checked)').toBeGreaterThan(100);
    expect(after.logStartMoved - before.logStartMoved, 'quiet partitions answered in full because retention moved their log start').toBeGreaterThan(0);
    expect(checked.consumed).toBeGreaterThan(2_000);
    expect(checked.violations).toBe(0);

    setQuietConsumerPartitionChecks(false);
    const taken = run();
    expect(quietConsumerPartitionCounts().skipped, 'the shortcut taken').toBeGreaterThan(after.skipped);
    expect(taken).toEqual(checked);
  });
});
