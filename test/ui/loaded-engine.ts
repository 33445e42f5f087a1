// A small loaded cluster for the page's unit tests: 6 brokers, a topic of 12 partitions RF 3 and a
// producer of 2,000 records a second from the first second, run 5 simulated seconds (seed 7), so
// every card has figures that change from one frame to the next.
import { createEngine, type Engine } from '../../src/engine/api';

export const SECOND = 1_000_000;

export function loadedEngine(): Engine {
  const engine = createEngine(
    {
      brokers: 6,
      topics: [{ name: 'orders', partitions: 12, replicationFactor: 3 }],
      producers: [{ topic: 'orders', recordsPerSecond: 2_000, startMs: 1_000 }],
    },
    7,
  );
  engine.runFor(5 * SECOND);
  return engine;
}
