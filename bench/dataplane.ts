// Issue 5's reference workload: 6 brokers in 3 zones, 100 partitions with replication factor 3,
// 20 MB/s produced as 1 KB records with acks=all, and (with `consumerGroups`) that many consumer
// groups of two consumers each reading the whole topic, for 10 simulated minutes. Reports simulated
// seconds per wall second and the heap after each simulated minute, to show whether memory stays flat.
import { createEngine } from '../src/engine/api';

export interface DataplaneResult {
  readonly simulatedSeconds: number;
  readonly wallMs: number;
  readonly heapMbPerMinute: readonly number[];
  readonly recordsAcked: number;
  readonly recordsConsumed: number;
  readonly events: number;
}

export function runDataplaneBench(minutes = 10, consumerGroups = 3): DataplaneResult {
  const consumers = Array.from({ length: consumerGroups * 2 }, (_, index) => ({ topic: 'events', 'group.id': `group-${Math.floor(index / 2) + 1}` }));
  const engine = createEngine(
    {
      topics: [{ name: 'events', partitions: 100, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }],
      producers: [{ topic: 'events', recordsPerSecond: 20_000, recordBytes: 1_000, acks: 'all', 'linger.ms': 5 }],
      consumers,
    },
    1,
  );
  const heap: number[] = [];
  const started = performance.now();
  for (let minute = 0; minute < minutes; minute++) {
    engine.runFor(60_000_000);
    heap.push(Math.round(process.memoryUsage().heapUsed / 1e6));
  }
  const wallMs = performance.now() - started;
  const producer = engine.processViews().find(({ id }) => id === 'producer-1')!.view.producer!;
  let recordsConsumed = 0;
  for (const { view } of engine.processViews()) recordsConsumed += view.consumer?.recordsConsumed ?? 0;
  return { simulatedSeconds: minutes * 60, wallMs, heapMbPerMinute: heap, recordsAcked: producer.recordsAcked, recordsConsumed, events: engine.eventCount };
}
