// Goal: a producer's errors are explained where a learner looks: its view keeps the newest error of
// each kind with the broker's explanation at that moment (bounded by RECENT_ERRORS_MAX), and the
// event log says why it retries, once per new error and then at most every 10 s.
// Method: one partition with acks=all and min.insync.replicas=2; both followers crash, so the
// leader refuses writes with NOT_ENOUGH_REPLICAS once the controller has fenced them.

import { describe, expect, it } from 'vitest';
import { createEngine, type MemberView } from '../../../src/engine/api';
import { RECENT_ERRORS_MAX } from '../../../src/engine/clients/producer';

const SECOND_US = 1_000_000;

describe('producer errors, explained', () => {
  it('keeps the newest error of each kind with its cause, and logs each retry reason', () => {
    const engine = createEngine(
      {
        brokers: 3,
        topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }],
        producers: [{ topic: 'orders', recordsPerSecond: 500, acks: 'all', startMs: 5_000 }],
      },
      7,
    );
    engine.runUntil(8 * SECOND_US);
    const leader = engine.snapshot().partitions[0]!.leader!;
    const followers = ['broker-1', 'broker-2', 'broker-3'].filter((broker) => broker !== leader);
    for (const broker of followers) engine.inject({ kind: 'crash', process: broker });
    engine.runUntil(45 * SECOND_US);
    const producer = (engine.processViews().find((entry) => entry.id === 'producer-1')!.view as MemberView).producer!;
    const notEnough = producer.recentErrors.find((error) => error.code === 'NOT_ENOUGH_REPLICAS');
    expect(notEnough?.detail).toMatch(/^NOT_ENOUGH_REPLICAS: acks=all needs 2 in-sync replicas \(min.insync.replicas\), orders-0 has 1 \(broker-\d\)/);
    expect(producer.recentErrors.length).toBeLessThanOrEqual(RECENT_ERRORS_MAX);
    expect(new Set(producer.recentErrors.map((error) => error.code)).size).toBe(producer.recentErrors.length);
    expect(producer.recentErrors[0]).toEqual(producer.lastError);
    // Newest first.
    const times = producer.recentErrors.map((error) => error.atUs);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const retries = engine.notableLog().filter((entry) => entry.kind === 'note' && entry.label.startsWith('producer-1 retries: NOT_ENOUGH_REPLICAS: acks=all needs 2'));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(engine.notableLog().some((entry) => entry.label.startsWith('producer-1 retries: NOT_ENOUGH_REPLICAS_AFTER_APPEND: written, but orders-0'))).toBe(true);
    // Retrying through the same error, the log repeats itself at most every 10 s.
    for (let i = 1; i < retries.length; i++) expect(retries[i]!.timeUs - retries[i - 1]!.timeUs).toBeGreaterThanOrEqual(10 * SECOND_US);
  });
});
