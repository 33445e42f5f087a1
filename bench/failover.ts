// Controller failover, KRaft against the ZooKeeper-era controller (issue 4's contrast), for
// 100, 1,000 and 10,000 partitions (replication factor 3, 6 brokers in 3 zones).
//
// Each run lets the cluster settle for 30 simulated seconds, then kills the machine that hosts
// the active controller, and samples every 50 ms of simulated time:
//   controller back   until a controller is active again (can elect leaders, take registrations)
//   partitions back   until no partition is unavailable (UnavailablePartitionsCount == 0: every
//                     partition has a leader, and that leader's broker is running)
// Rows: KRaft with dedicated controllers (the active controller's machine runs only it); KRaft
// where that machine also runs broker-1 (both die); ZooKeeper mode, where the controller lives in
// a broker by design, so its machine always takes partition leaders down with it.
import { createEngine, type Engine } from '../src/engine/api';
import { METRICS } from '../src/engine/scenario/metrics';

export interface FailoverResult {
  readonly label: string;
  readonly partitions: number;
  readonly controllerBackMs: number;
  readonly partitionsBackMs: number;
  readonly maxUnavailable: number;
  readonly wallMs: number;
}

const SETTLE_US = 30_000_000;
const SAMPLE_US = 50_000;
const GIVE_UP_US = 180_000_000;

function metric(engine: Engine, name: string): number {
  return METRICS.get(name)!.read(engine, undefined);
}

export function measureFailover(mode: 'kraft' | 'kraft-with-broker' | 'zookeeper', partitions: number, seed = 1): FailoverResult {
  const started = performance.now();
  const engine = createEngine(
    { controllerMode: mode === 'zookeeper' ? 'zookeeper' : 'kraft', topics: [{ name: 'events', partitions, replicationFactor: 3 }] },
    seed,
  );
  engine.runFor(SETTLE_US);
  const crashAt = engine.nowUs;
  engine.inject({ kind: 'crash', process: '@active-controller' });
  if (mode === 'kraft-with-broker') engine.inject({ kind: 'crash', process: 'broker-1' });
  let controllerBackUs = -1;
  let partitionsBackUs = -1;
  let maxUnavailable = 0;
  while (engine.nowUs < crashAt + GIVE_UP_US && (controllerBackUs < 0 || partitionsBackUs < 0)) {
    engine.runFor(SAMPLE_US);
    const unavailable = metric(engine, 'UnavailablePartitionsCount');
    maxUnavailable = Math.max(maxUnavailable, unavailable);
    if (controllerBackUs < 0 && metric(engine, 'ActiveControllerCount') === 1) controllerBackUs = engine.nowUs - crashAt;
    if (controllerBackUs >= 0 && partitionsBackUs < 0 && unavailable === 0) partitionsBackUs = engine.nowUs - crashAt;
  }
  const labels = {
    kraft: 'KRaft (dedicated controllers)',
    'kraft-with-broker': 'KRaft, controller and a broker on one machine',
    zookeeper: 'ZooKeeper mode (controller inside a broker)',
  };
  return {
    label: labels[mode],
    partitions,
    controllerBackMs: controllerBackUs / 1_000,
    partitionsBackMs: partitionsBackUs / 1_000,
    maxUnavailable,
    wallMs: performance.now() - started,
  };
}

export function failoverTable(seed = 1): FailoverResult[] {
  const rows: FailoverResult[] = [];
  for (const mode of ['kraft', 'kraft-with-broker', 'zookeeper'] as const) {
    for (const partitions of [100, 1_000, 10_000]) rows.push(measureFailover(mode, partitions, seed));
  }
  return rows;
}

export function formatFailoverTable(rows: readonly FailoverResult[]): string {
  const seconds = (ms: number) => (ms < 0 ? 'never (within 3 min)' : `${(ms / 1000).toFixed(1)} s`);
  const lines = [
    '| controller design | partitions | a controller acts again after | every partition has a running leader after | partitions unavailable at worst |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    lines.push(`| ${row.label} | ${row.partitions.toLocaleString('en-US')} | ${seconds(row.controllerBackMs)} | ${row.maxUnavailable === 0 ? 'never lost one' : seconds(row.partitionsBackMs)} | ${row.maxUnavailable.toLocaleString('en-US')} |`);
  }
  return lines.join('\n');
}
