// Goal: the series read each process's few numbers (Engine.memberReadings: a broker's replica
// counters, a consumer's, a controller's or ZooKeeper's offline partitions and activity) instead of
// building every process's view once per simulated second, and
// say exactly what they said when they read the views: the same points, to the bit, through
// crashes, ISR shrinks, elections (unclean ones too), offline partitions after a zone's power loss,
// a ZooKeeper-mode controller failover and consumer rebalances.
// Method: library scenarios run headless in one-second slices; after each slice the catalog's
// series are fed twice, in lockstep, by two fresh recorders: one from buildSample (the readings),
// one from a sample built from every process's full view as the sampling did before; their frames
// must be equal, and must have seen something (elections, under-replicated partitions, lag), so
// the comparison cannot pass on empty series; OfflinePartitionsCount is compared with clusterTruth
// over the views at every second. The engine's own series are checked against digests
// recorded before the readings existed (main at ccae0e5, which built the views).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/api';
import { buildSample, kafkaSeries, type ClusterSample } from '../../../src/engine/metrics/catalog';
import { SeriesRecorder } from '../../../src/engine/metrics/series';
import { ScenarioRun } from '../../../src/engine/scenario/runner';
import { clusterTruth } from '../../../src/engine/scenario/metrics';
import { parseScenarioText } from '../../../src/engine/scenario/validate';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The sample as it was built before the readings: every running process's full view, for every series. */
function sampleFromViews(engine: Engine): ClusterSample {
  const processes = engine.processes();
  const lives = new Map(processes.map((info) => [info.id, info.incarnation]));
  const views = engine.processViews();
  return {
    engine,
    boundaryUs: engine.nowUs,
    processes,
    members: views.map(({ id, view }) => ({
      id,
      key: `${id}#${lives.get(id)!}`,
      reading: { replicas: view.replicas, consumer: view.consumer, controller: view.controller, zookeeper: view.zookeeper },
    })),
    crossZoneBytes: engine.metrics().crossZoneBytes,
  };
}

/** Every series' fine and coarse points, as text (NaN gaps kept apart from zeros). */
function seriesText(engine: Engine): string {
  return JSON.stringify(engine.seriesNames().map((name) => [name, engine.series(name), engine.series(name, 'coarse')]));
}

function runOf(file: string): ScenarioRun {
  const path = `public/scenarios/${file}.json`;
  return new ScenarioRun(parseScenarioText(readFileSync(`${ROOT}${path}`, 'utf8'), path));
}

/** Digest of the series of each run, recorded on ccae0e5 (series sampled from the full views). */
const RECORDED: Record<string, { events: number; series: string }> = {
  'acks-all-leader-crash': { events: 52_007, series: '9fb8913591f9bc46' },
  'controller-failover-zookeeper': { events: 5_757, series: '0e98c7212944b4d3' },
  'consumer-group-rebalance': { events: 146_416, series: '99a0ccd4ea557ead' },
  'unclean-election-loss': { events: 31_158, series: '6735ea9d4b0f6bfe' },
  'zone-power-loss': { events: 153_684, series: '3fc73e6cd917787e' },
};

/** Series each run must show moving (a finite value above 0 at some second), so that equal frames mean something. */
const SEEN: Record<string, readonly string[]> = {
  'acks-all-leader-crash': ['BytesInPerSec', 'ReplicationBytesOutPerSec', 'UnderReplicatedPartitions', 'LeaderElectionRateAndTimeMs', 'LeaderElectionTimeMsMax', 'producer.latencyMsP99'],
  // ZooKeeper mode: the control views are the ZooKeeper server's and the legacy brokers'.
  'controller-failover-zookeeper': ['crossZone.bytesPerSec'],
  'consumer-group-rebalance': ['records-consumed-rate', 'records-lag-max', 'consumer.e2eLatencyMsP99', 'MessagesInPerSec'],
  'unclean-election-loss': ['IsrShrinksPerSec', 'IsrExpandsPerSec', 'UnderReplicatedPartitions', 'LeaderElectionRateAndTimeMs'],
  'zone-power-loss': ['OfflinePartitionsCount', 'UnderReplicatedPartitions', 'LeaderElectionTimeMsMax'],
};

describe("the series' sampling from the processes' readings", () => {
  for (const file of Object.keys(RECORDED)) {
    it(`${file}: the same points as from the full views, and as recorded when the views were built`, () => {
      const run = runOf(file);
      const fromReadings = new SeriesRecorder<ClusterSample>(kafkaSeries());
      const fromViews = new SeriesRecorder<ClusterSample>(kafkaSeries());
      run.runToEnd({
        sliceUs: 1_000_000,
        progress: ({ engine }) => {
          // Both read the same moment (the readings roll a consumer's rate window as its view does: idempotent at one time).
          fromReadings.sample(buildSample(engine, engine.nowUs), engine.nowUs);
          fromViews.sample(sampleFromViews(engine), engine.nowUs);
          // OfflinePartitionsCount was clusterTruth's over the views: the readings pick the same controller (or ZooKeeper).
          expect(fromReadings.latest('OfflinePartitionsCount')).toBe(clusterTruth(engine, engine.processViews())?.offlinePartitions ?? 0);
        },
      });
      expect(fromReadings.samples).toBeGreaterThan(10);
      expect(fromReadings.frame(0)).toEqual(fromViews.frame(0));
      const moving = fromViews.names().filter((name) => fromViews.points(name).values.some((value) => Number.isFinite(value) && value > 0));
      expect(moving).toEqual(expect.arrayContaining([...SEEN[file]!]));
      const engine = run.engine;
      expect(engine.eventCount).toBe(RECORDED[file]!.events);
      expect(createHash('sha256').update(seriesText(engine)).digest('hex').slice(0, 16)).toBe(RECORDED[file]!.series);
    });
  }
});
