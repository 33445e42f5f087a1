// Issue 5's reference workload: 6 brokers in 3 zones, 100 partitions with replication factor 3,
// 20 MB/s produced as 1 KB records with acks=all, for 10 simulated minutes, with realistic
// retention so that memory stays flat: the topic keeps 2 minutes (retention.ms), in 4 MiB segments
// (about 20 s of one partition's traffic), checked every 30 s (log.retention.check.interval.ms).
// The durability oracle is consulted every simulated minute, as the page does every frame; it
// retires what retention deleted, and the bench reports any record lost (there must be none).
//
// With `consumerGroups` (the reference has 3), that many groups of two consumers each read the
// whole topic.
//
// Reports simulated seconds per wall second, the heap after a full GC at each simulated minute
// (when node runs with --expose-gc, as `npm run bench` does), and the peak heap seen.
import { createEngine, type Engine } from '../src/engine/api';

export interface DataplaneOptions {
  readonly minutes?: number;
  /** Consumer groups of two consumers each, reading the whole topic (the reference has 3). */
  readonly consumerGroups?: number;
}

export interface DataplaneResult {
  readonly simulatedSeconds: number;
  readonly wallMs: number;
  /** CPU time of this process over the run (user + system), without the forced collections: on a shared machine, the fairer figure. */
  readonly cpuMs: number;
  /** Heap used after each simulated minute (after a full GC when available), MB. */
  readonly heapMbPerMinute: readonly number[];
  /** The largest heap used seen, sampled every 10 simulated seconds (garbage included), MB. */
  readonly heapPeakMb: number;
  readonly recordsAcked: number;
  readonly lostRecords: number;
  /** Acknowledged batches deleted by retention, as the oracle counted them. */
  readonly retiredBatches: number;
  /** Batches held by all replicas at the end (bounded by retention). */
  readonly batchesHeld: number;
  readonly recordsConsumed: number;
  readonly events: number;
}

export const DATAPLANE_TOPIC_CONFIG = {
  'min.insync.replicas': 2,
  'retention.ms': 120_000,
  'segment.bytes': 4_194_304,
} as const;

/** The reference's consumers: `groups` groups of two, each reading the whole topic. */
export function dataplaneConsumers(groups: number): { topic: string; 'group.id': string }[] {
  return Array.from({ length: groups * 2 }, (_, index) => ({ topic: 'events', 'group.id': `group-${Math.floor(index / 2) + 1}` }));
}

export function createDataplaneEngine(consumers: readonly unknown[] = []): Engine {
  const config: Record<string, unknown> = {
    config: { 'log.retention.check.interval.ms': 30_000 },
    topics: [{ name: 'events', partitions: 100, replicationFactor: 3, config: DATAPLANE_TOPIC_CONFIG }],
    producers: [{ topic: 'events', recordsPerSecond: 20_000, recordBytes: 1_000, acks: 'all', 'linger.ms': 5 }],
  };
  if (consumers.length > 0) config.consumers = consumers;
  return createEngine(config, 1);
}

/** Batches held by every broker's replicas now. */
export function batchesHeld(engine: Engine): number {
  let total = 0;
  for (const { view } of engine.processViews()) total += view.replicas?.batches ?? 0;
  return total;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapMb(): number {
  return Math.round(process.memoryUsage().heapUsed / 1e6);
}

export function runDataplaneBench(options: DataplaneOptions = {}): DataplaneResult {
  const minutes = options.minutes ?? 10;
  const engine = createDataplaneEngine(dataplaneConsumers(options.consumerGroups ?? 3));
  const heap: number[] = [];
  let peak = heapMb();
  let gcMs = 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let minute = 0; minute < minutes; minute++) {
    for (let slice = 0; slice < 6; slice++) {
      engine.runFor(10_000_000);
      peak = Math.max(peak, heapMb());
    }
    engine.durability();
    const gcStarted = performance.now();
    gc?.();
    gcMs += performance.now() - gcStarted;
    heap.push(heapMb());
  }
  const wallMs = performance.now() - started - gcMs; // the forced collections are the bench's, not the engine's
  const cpu = process.cpuUsage(cpuStarted);
  const cpuMs = (cpu.user + cpu.system) / 1000 - gcMs;
  const producer = engine.processViews().find(({ id }) => id === 'producer-1')!.view.producer!;
  const durability = engine.durability();
  let recordsConsumed = 0;
  for (const { view } of engine.processViews()) recordsConsumed += view.consumer?.recordsConsumed ?? 0;
  return {
    simulatedSeconds: minutes * 60,
    wallMs,
    cpuMs,
    heapMbPerMinute: heap,
    heapPeakMb: peak,
    recordsAcked: producer.recordsAcked,
    lostRecords: durability.lostRecords,
    retiredBatches: durability.retiredBatches,
    batchesHeld: batchesHeld(engine),
    recordsConsumed,
    events: engine.eventCount,
  };
}
