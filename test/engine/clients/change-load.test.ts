// Changing a producer's load while the cluster runs (the change-load action of scenarios and the
// page): the new rate holds from the moment of the change, exactly; 0 pauses the producer; the
// producer's machine remembers the rate across a restart; targets that do not produce are refused.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/api';

const SECOND = 1_000_000;

function engineWithProducer(): Engine {
  return createEngine(
    {
      topics: [{ name: 'orders', partitions: 3, replicationFactor: 3 }],
      producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 1, 'linger.ms': 5, startMs: 6_000 }],
    },
    3,
  );
}

function producer(engine: Engine) {
  return engine.processViews().find(({ id }) => id === 'producer-1')!.view.producer!;
}

/** Records the producer has made: acknowledged, failed, refused, or still held. */
function made(engine: Engine): number {
  const view = producer(engine);
  return view.recordsAcked + view.recordsFailed + view.recordsRefused + view.queuedRecords;
}

describe('change-load', () => {
  it('the new rate holds from the moment of the change', () => {
    const engine = engineWithProducer();
    engine.runFor(16 * SECOND); // 10 s of records at 1,000/s
    engine.inject({ kind: 'change-load', process: 'producer-1', recordsPerSecond: 4_000 });
    const before = producer(engine).recordsSent + producer(engine).queuedRecords;
    engine.runFor(10 * SECOND); // the producer takes the change first: it was sent at this moment
    expect(producer(engine).recordsPerSecond).toBe(4_000);
    const after = producer(engine).recordsSent + producer(engine).queuedRecords;
    // The view counts records as the producer batches them (at its next wake-up, within linger.ms),
    // so each reading may miss the last few: 10 s at 4,000/s, give or take those.
    expect(Math.abs(after - before - 40_000)).toBeLessThanOrEqual(10);
    expect(engine.notableLog().some((entry) => entry.label === 'producer-1 now produces 4000 records/s')).toBe(true);
  });

  it('0 pauses the producer and a later change resumes it', () => {
    const engine = engineWithProducer();
    engine.runFor(10 * SECOND);
    engine.inject({ kind: 'change-load', process: 'producer-1', recordsPerSecond: 0 });
    engine.runFor(SECOND); // what was batched drains
    const paused = made(engine);
    engine.runFor(10 * SECOND);
    expect(made(engine)).toBe(paused);
    engine.inject({ kind: 'change-load', process: 'producer-1', recordsPerSecond: 500 });
    engine.runFor(10 * SECOND);
    expect(Math.abs(made(engine) - paused - 5_000)).toBeLessThanOrEqual(10);
  });

  it("the producer's machine keeps the new rate across a restart, and a change while it is down applies when it starts", () => {
    const engine = engineWithProducer();
    engine.runFor(10 * SECOND);
    engine.inject({ kind: 'crash', process: 'producer-1' });
    engine.inject({ kind: 'change-load', process: 'producer-1', recordsPerSecond: 250 });
    engine.runFor(SECOND);
    engine.inject({ kind: 'restart', process: 'producer-1' });
    expect(producer(engine).recordsPerSecond).toBe(250);
    engine.runFor(10 * SECOND);
    const view = producer(engine);
    // A new life counts afresh: about 10 s at 250/s.
    expect(Math.abs(view.recordsSent + view.queuedRecords - 2_500)).toBeLessThanOrEqual(10);
  });

  it('refuses a process that does not produce, naming what would do; nothing is recorded', () => {
    const engine = engineWithProducer();
    expect(() => engine.inject({ kind: 'change-load', process: 'broker-1', recordsPerSecond: 5 })).toThrow(
      'fault "change-load": broker-1 is a broker; change-load is for producers',
    );
    expect(() => engine.inject({ kind: 'change-load', process: 'producer-1', recordsPerSecond: -1 })).toThrow('recordsPerSecond');
    expect(engine.recordedInputs()).toEqual([]);
  });
});
