// Goal: the durability check keeps each partition's truth between checks while nothing it is read
// from has changed (Engine.truthCacheFor), and that never changes what the oracle finds: the same
// acknowledged, lost and retired batches, the same losses with the same causes found at the same
// moments, as reading every partition's truth afresh at every check.
// Method: library scenarios that lose data (acks=1, an unclean election, a zone's power loss),
// fail over controllers, replace brokers (one with its logs wiped, one tiered), fill a disk and tier, and a topic's short retention run
// twice in lockstep, the cache on and off, in 100 ms slices; after each slice both engines'
// durability status must be equal (each call is a check, so both see the same checks), and every
// truth the cache keeps must equal one read afresh (Engine.staleKeptTruths). The runs
// together must have found losses and retired batches, so that equality cannot come from zeros.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/api';
import { ScenarioRun } from '../../../src/engine/scenario/runner';
import { parseScenarioText } from '../../../src/engine/scenario/validate';
import type { Engine } from '../../../src/engine/api';
import type { ReplicaManager } from '../../../src/engine/broker/replica-manager';
import { partitionState } from '../inspect';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SLICE_US = 100_000;

/** The leader epoch `broker` leads orders-0 in, by its own replica manager (null: it does not lead it). */
function leaderEpochOn(engine: Engine, broker: string): number | null {
  const kernel = (engine as unknown as { kernel: { logicOf(id: string): { replicas?: ReplicaManager } | null } }).kernel;
  return kernel.logicOf(broker)?.replicas?.leaderEpochOf('orders', 0) ?? null;
}

const FILES = ['acks-1-loss', 'unclean-election-loss', 'zone-power-loss', 'controller-failover', 'broker-replacement-local', 'broker-replacement-tiered', 'full-disk'];

function runOf(file: string, durabilityTruthCache: boolean): ScenarioRun {
  const path = `public/scenarios/${file}.json`;
  return new ScenarioRun(parseScenarioText(readFileSync(`${ROOT}${path}`, 'utf8'), path), { engine: { durabilityTruthCache } });
}

describe("the durability check's kept truths", () => {
  for (const file of FILES) {
    it(`${file}: the oracle finds what it finds reading every truth afresh, at every 100 ms`, () => {
      const cached = runOf(file, true);
      const fresh = runOf(file, false);
      let slices = 0;
      for (let atUs = SLICE_US; !cached.done; atUs += SLICE_US) {
        cached.advance(atUs);
        fresh.advance(atUs);
        // Every truth kept is the one a fresh read gives (the invariant the cache's signature must keep).
        const stale = cached.engine.staleKeptTruths();
        if (stale.length > 0) expect.fail(`${file} at ${cached.engine.nowUs} us, kept truths out of date:\n${stale.slice(0, 5).join('\n')}`);
        const kept = cached.engine.durability();
        const reread = fresh.engine.durability();
        if (JSON.stringify(kept) !== JSON.stringify(reread)) expect(kept, `${file} at ${cached.engine.nowUs} us`).toEqual(reread);
        slices++;
      }
      expect(fresh.done).toBe(true);
      expect(slices).toBeGreaterThan(50);
      expect(cached.engine.eventCount).toBe(fresh.engine.eventCount);
      found.lost += cached.engine.durability().lostBatches;
      found.retired += cached.engine.durability().retiredBatches;
    });
  }
  it('retention deleting acknowledged batches: the same retired and tracked, at every 100 ms', () => {
    // Short retention in small segments, checked every second: acknowledged batches leave the ledger as retired.
    const config = {
      config: { 'log.retention.check.interval.ms': 1_000 },
      topics: [{ name: 'events', partitions: 6, replicationFactor: 3, config: { 'min.insync.replicas': 2, 'retention.ms': 5_000, 'segment.bytes': 65_536 } }],
      producers: [{ topic: 'events', recordsPerSecond: 2_000, recordBytes: 200, acks: 'all', 'linger.ms': 5 }],
    };
    const cached = createEngine(config, 5, { durabilityTruthCache: true });
    const fresh = createEngine(config, 5, { durabilityTruthCache: false });
    for (let atUs = SLICE_US; atUs <= 30_000_000; atUs += SLICE_US) {
      cached.runUntil(atUs);
      fresh.runUntil(atUs);
      const kept = cached.durability();
      const reread = fresh.durability();
      if (JSON.stringify(kept) !== JSON.stringify(reread)) expect(kept, `retention at ${atUs} us`).toEqual(reread);
    }
    found.retired += cached.durability().retiredBatches;
    found.lost += cached.durability().lostBatches;
  });

  it('a leader crash checked every 10 us around the new leader taking over: no kept truth outlives it', () => {
    // Between the controller committing a new leader and that broker leading, a check reads "no
    // leader yet"; the broker's taking over changes no metadata, only its leaderships (a window of
    // ~0.1 ms that slices of 100 ms, or even 1 ms, do not land in). A first run finds when the
    // leader changes; a second, identical one (same seed) is checked every 10 us around it.
    const config = {
      topics: [{ name: 'orders', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }],
      producers: [{ topic: 'orders', recordsPerSecond: 2_000, acks: 'all', 'linger.ms': 5 }],
    };
    const crashAtUs = 8_000_000;
    const scout = createEngine(config, 11);
    scout.runUntil(crashAtUs);
    const oldLeader = partitionState(scout).leader!;
    scout.inject({ kind: 'crash', process: oldLeader });
    while (partitionState(scout).leader === oldLeader && scout.nowUs < 30_000_000) scout.runUntil(scout.nowUs + 1_000);
    const changedUs = scout.nowUs;
    expect(partitionState(scout).leader).not.toBe(oldLeader);

    const engine = createEngine(config, 11);
    engine.runUntil(crashAtUs);
    engine.inject({ kind: 'crash', process: oldLeader });
    let windowSteps = 0;
    for (let atUs = crashAtUs + 1_000; atUs <= changedUs + 5_000; atUs += atUs < changedUs - 2_000 ? 1_000 : 10) {
      engine.runUntil(atUs);
      engine.durability();
      const stale = engine.staleKeptTruths();
      if (stale.length > 0) expect.fail(`at ${atUs} us, kept truths out of date:\n${stale.join('\n')}`);
      const state = partitionState(engine);
      if (state.leader !== oldLeader && leaderEpochOn(engine, state.leader!) !== state.leaderEpoch) windowSteps++;
    }
    // The window was there, and checked.
    expect(windowSteps).toBeGreaterThan(0);
  });

  const found = { lost: 0, retired: 0 };
  it('found losses and retired batches in those runs', () => {
    expect(found.lost, JSON.stringify(found)).toBeGreaterThan(0);
    expect(found.retired, JSON.stringify(found)).toBeGreaterThan(0);
  });
});
