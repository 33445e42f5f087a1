// ISR against a majority quorum (cluster setting dataReplication), on the same cluster, load and
// faults, in simulated time: 6 brokers in 3 zones, orders-0 with replication factor 3, 1,000
// records/s of 1 KB with acks=all (request.timeout.ms 5 s), replica.lag.time.max.ms 10 s.
//   12 s  broker-1 ↔ broker-2 (leader ↔ a follower) takes 6 s each way; healed at 30 s
//   40 s  the leader crashes; 60 s the next leader crashes (two of three down)
// Figures: produce p99 of the records created while the follower straggles (a producer that
// writes only then), and records acknowledged per second in each phase by a steady producer
// (after a failover it also drains what it buffered, so a rate can exceed the 1,000 produced).
import { createEngine, type Engine } from '../src/engine/api';

const SECOND = 1_000_000;

export interface QuorumContrastRow {
  readonly mode: 'isr' | 'quorum';
  /** p99 produce latency of records created 12-30 s (the straggling window), ms. */
  readonly stragglerP99Ms: number;
  /** Records acknowledged per second by the steady producer, per phase. */
  readonly ackedPerSecond: { readonly straggling: number; readonly oneDown: number; readonly twoDown: number };
  /** Whether orders-0 had a leader at the end of each phase. */
  readonly leaderOneDown: string | null;
  readonly leaderTwoDown: string | null;
  readonly lostRecords: number;
  readonly wallMs: number;
}

function producer(engine: Engine, id: string) {
  return engine.processViews().find((entry) => entry.id === id)!.view.producer!;
}

export function runQuorumContrast(mode: 'isr' | 'quorum'): QuorumContrastRow {
  const started = performance.now();
  const load = { topic: 'orders', recordsPerSecond: 1_000, acks: 'all', 'linger.ms': 5, 'request.timeout.ms': 5_000 } as const;
  const engine = createEngine(
    {
      dataReplication: mode,
      config: { 'replica.lag.time.max.ms': 10_000 },
      topics: [{ name: 'orders', partitions: 1, replicationFactor: 3 }],
      producers: [
        { ...load, id: 'steady', startMs: 6_000 },
        { ...load, id: 'window', startMs: 12_000, stopMs: 30_000 },
      ],
    },
    21,
  );
  const leader = () => engine.metadataOf(engine.activeController()!)!.partition('orders', 0)!.leader;
  const ackedOver = (fromUs: number, toUs: number): number => {
    engine.runUntil(fromUs);
    const before = producer(engine, 'steady').recordsAcked;
    engine.runUntil(toUs);
    return Math.round((producer(engine, 'steady').recordsAcked - before) / ((toUs - fromUs) / SECOND));
  };
  engine.runUntil(12 * SECOND);
  const first = leader()!;
  const follower = engine.metadataOf(engine.activeController()!)!.partition('orders', 0)!.replicas.find((id) => id !== first)!;
  engine.inject({ kind: 'slow-link', from: first, to: follower, extraLatencyMs: 6_000 });
  // 13-23 s: ISR mode drops the straggler only after replica.lag.time.max.ms (about 25 s here).
  const straggling = ackedOver(13 * SECOND, 23 * SECOND);
  engine.runUntil(30 * SECOND);
  engine.inject({ kind: 'heal' });
  engine.runUntil(40 * SECOND);
  const stragglerP99Ms = producer(engine, 'window').latencyUs.p99 / 1_000;
  engine.inject({ kind: 'crash', process: first });
  const oneDown = ackedOver(52 * SECOND, 60 * SECOND);
  const second = leader();
  if (second !== null) engine.inject({ kind: 'crash', process: second });
  const twoDown = ackedOver(72 * SECOND, 90 * SECOND);
  return {
    mode,
    stragglerP99Ms,
    ackedPerSecond: { straggling, oneDown, twoDown },
    leaderOneDown: second,
    leaderTwoDown: leader(),
    lostRecords: engine.durability().lostRecords,
    wallMs: performance.now() - started,
  };
}

export function formatQuorumContrast(rows: readonly QuorumContrastRow[]): string {
  const [isr, quorum] = [rows.find((row) => row.mode === 'isr')!, rows.find((row) => row.mode === 'quorum')!];
  const table: [string, string, string][] = [
    ['', 'ISR (Kafka)', 'majority quorum'],
    ['produce p99 while a follower straggles', `${isr.stragglerP99Ms.toFixed(1)} ms`, `${quorum.stragglerP99Ms.toFixed(1)} ms`],
    ['records/s acknowledged, straggling (13-23 s)', String(isr.ackedPerSecond.straggling), String(quorum.ackedPerSecond.straggling)],
    ['records/s acknowledged, 1 of 3 down (52-60 s)', String(isr.ackedPerSecond.oneDown), String(quorum.ackedPerSecond.oneDown)],
    ['records/s acknowledged, 2 of 3 down (72-90 s)', String(isr.ackedPerSecond.twoDown), String(quorum.ackedPerSecond.twoDown)],
    ['leader with 2 of 3 down', isr.leaderTwoDown ?? 'none (offline)', quorum.leaderTwoDown ?? 'none (offline)'],
    ['acknowledged records lost', String(isr.lostRecords), String(quorum.lostRecords)],
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...table.map((row) => row[column]!.length)));
  return table.map((row) => `  ${row[0].padEnd(widths[0]!)}   ${row[1].padStart(widths[1]!)}   ${row[2].padStart(widths[2]!)}`).join('\n');
}
