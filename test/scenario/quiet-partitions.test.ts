// Goal: a leader that answers a follower's fetch session visiting only the partitions that changed
// (replica-manager.ts, SessionPartition) answers exactly as one that walks the whole session: no
// partition it skips as quiet ever had something to check or send.
// Method: library scenarios that move every kind of change a quiet partition must hear of (appends
// from several partitions in one produce, high watermark moves, ISR shrinks and expansions, leader
// crashes and elections, quorum mode's nested answers, tiering, a full disk), run headless with the
// test hook on: at every incremental answer the leader checks each quiet partition against the
// conditions of a full walk, and throws at the first that fails. Each run must also end with its
// expectations held (its golden digest, unchanged by the skipping, is checked by library.test.ts).
// The follower's side too: a request built by comparing only the entries refreshed since the last
// build (FetchSessionHandler.buildAt) is checked, before each build, to have no change elsewhere.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedPlaceBuilds, setQuietPartitionChecks } from '../../src/engine/broker/replica-manager';
import { ScenarioRun } from '../../src/engine/scenario/runner';
import { parseScenarioText } from '../../src/engine/scenario/validate';

const LIBRARY_DIR = fileURLToPath(new URL('../../public/scenarios/', import.meta.url));

const SCENARIOS = [
  'acks-all-leader-crash.json',
  'full-disk.json',
  'isr-vs-quorum-straggler.json',
  'quorum-split.json',
  'slow-follower-isr.json',
  'tiering-steady-state.json',
  'unclean-election-loss.json',
  'zone-outage.json',
];

describe('quiet partitions in follower fetch sessions are skipped only when a full walk would find nothing', () => {
  beforeAll(() => setQuietPartitionChecks(true));
  afterAll(() => setQuietPartitionChecks(false));

  for (const file of SCENARIOS) {
    it(`${file}: every quiet partition holds at every answer, and the expectations hold`, () => {
      const run = new ScenarioRun(parseScenarioText(readFileSync(`${LIBRARY_DIR}${file}`, 'utf8'), file));
      const report = run.runToEnd();
      expect(report.complete).toBe(true);
      expect(report.expectations.filter((expectation) => expectation.passed !== true)).toEqual([]);
    });
  }

  it("followers' requests built from their refreshed places only were taken, and each was checked", () => {
    expect(checkedPlaceBuilds()).toBeGreaterThan(1000);
  });
});
