// Issue 5's reference workload, as far as the engine goes today: 6 brokers in 3 zones, 100
// partitions with replication factor 3, 20 MB/s produced as 1 KB records with acks=all, for 10
// simulated minutes. The 3 consumer groups of the reference are not there yet (no consumers):
// this measures producers and replication only. Reports simulated seconds per wall second and the
// heap after each simulated minute, to show whether memory stays flat.
import { createEngine } from '../src/engine/api';

export interface DataplaneResult {
  readonly simulatedSeconds: number;
  readonly wallMs: number;
  readonly heapMbPerMinute: readonly number[];
  readonly recordsAcked: number;
  readonly events: number;
}

export function runDataplaneBench(minutes = 10): DataplaneResult {
  const engine = createEngine(
    {
      topics: [{ name: 'events', partitions: 100, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }],
      producers: [{ topic: 'events', recordsPerSecond: 20_000, recordBytes: 1_000, acks: 'all', 'linger.ms': 5 }],
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
  return { simulatedSeconds: minutes * 60, wallMs, heapMbPerMinute: heap, recordsAcked: producer.recordsAcked, events: engine.eventCount };
}
