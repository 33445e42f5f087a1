// Goal: a scenario's checks (every 100 simulated ms) read UnderReplicatedPartitions,
// UnderMinIsrPartitionCount and the ISR, truncation and flush totals from each broker's counters
// (Engine.replicaCounters: no log walked) and must read exactly what the brokers' whole replica
// views say, through crashes, ISR shrinks and expansions, an unclean election's truncation and a
// zone's power loss.
// Method: library scenarios run headless in 100 ms slices, as a checkpoint sees them; after each
// slice the counters' sums and the replica views' sums are compared field by field (the brokers
// listed are the same, in the same order), and the runs together must have moved every field
// compared, so that equal sums cannot pass on zeros.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/api';
import type { ReplicaCounters } from '../../src/engine/broker/replica-manager';
import { ScenarioRun } from '../../src/engine/scenario/runner';
import { METRICS } from '../../src/engine/scenario/metrics';
import { parseScenarioText } from '../../src/engine/scenario/validate';
import { logOf, partitionState } from './inspect';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECOND_US = 1_000_000;
/** A scenario's checkpoints come every 100 simulated ms (scenario/runner.ts CHECK_INTERVAL_US). */
const CHECK_US = 100_000;

const FIELDS = ['underReplicated', 'underMinIsr', 'isrShrinks', 'isrExpands', 'truncatedRecords', 'logFlushes'] as const satisfies readonly (keyof ReplicaCounters)[];

/** The scenario metric reading each field (what a checkpoint evaluates). */
const METRIC_OF: Record<(typeof FIELDS)[number], string> = {
  underReplicated: 'UnderReplicatedPartitions',
  underMinIsr: 'UnderMinIsrPartitionCount',
  isrShrinks: 'IsrShrinks',
  isrExpands: 'IsrExpands',
  truncatedRecords: 'TruncatedRecords',
  logFlushes: 'LogFlushCount',
};

function runOf(file: string): ScenarioRun {
  const path = `public/scenarios/${file}.json`;
  return new ScenarioRun(parseScenarioText(readFileSync(`${ROOT}${path}`, 'utf8'), path));
}

/** Compares the counters' sums with the views' at this moment; records the fields seen above 0. */
function compareNow(engine: Engine, label: string, moved: Set<string>): void {
  const counters = engine.replicaCounters();
  const views = engine.replicaViews();
  expect(counters.length).toBe(views.length);
  for (const field of FIELDS) {
    const fromCounters = counters.reduce((sum, entry) => sum + entry[field], 0);
    const fromViews = views.reduce((sum, view) => sum + view[field], 0);
    if (fromCounters !== fromViews) expect.fail(`${label} at ${engine.nowUs} us: ${field} ${fromCounters} from the counters, ${fromViews} from the views`);
    if (fromViews > 0) moved.add(field);
    // What a checkpoint reads is the counters' sum.
    expect(METRICS.get(METRIC_OF[field])!.read(engine, undefined)).toBe(fromCounters);
  }
}

/** Runs `engine` for `us` in 100 ms steps, comparing after each. */
function runComparing(engine: Engine, us: number, moved: Set<string>): void {
  for (let ran = 0; ran < us; ran += CHECK_US) {
    engine.runFor(CHECK_US);
    compareNow(engine, 'a returning acks=1 leader', moved);
  }
}

describe("a checkpoint's replica figures from the brokers' counters", () => {
  it("sum to what the whole replica views say, at every 100 ms of runs with crashes, an unclean election, a power loss and a returning leader's truncation", () => {
    const moved = new Set<string>();
    for (const file of ['unclean-election-loss', 'zone-power-loss', 'slow-follower-isr']) {
      const run = runOf(file);
      let checks = 0;
      run.runToEnd({
        sliceUs: CHECK_US,
        progress: ({ engine }) => {
          compareNow(engine, file, moved);
          checks++;
        },
      });
      expect(checks).toBeGreaterThan(100);
    }
    // A returning acks=1 leader truncates its unreplicated suffix (as test/engine/broker/replication.test.ts drives it).
    const engine = createEngine(
      {
        topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 1 } }],
        producers: [{ topic: 'orders', recordsPerSecond: 2_000, acks: 1, 'linger.ms': 5, startMs: 6_000 }],
      },
      21,
    );
    runComparing(engine, 12 * SECOND_US, moved);
    const old = partitionState(engine).leader!;
    for (const follower of partitionState(engine).replicas.filter((id) => id !== old)) {
      engine.inject({ kind: 'slow-link', from: old, to: follower, extraLatencyMs: 300, bothWays: false });
    }
    runComparing(engine, 4 * SECOND_US, moved);
    // A crash right after a forced flush keeps the unreplicated tail on disk.
    logOf(engine, old).flush();
    engine.inject({ kind: 'crash', process: old });
    engine.inject({ kind: 'heal' });
    runComparing(engine, 15 * SECOND_US, moved);
    engine.inject({ kind: 'restart', process: old });
    runComparing(engine, 20 * SECOND_US, moved);
    expect([...moved].sort()).toEqual([...FIELDS].sort());
  });
});
