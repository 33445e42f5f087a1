// Goal: Engine.check refuses exactly what inject would refuse, and changes nothing either way (compare
// mode asks both engines before it applies a fault to both). Method: check, then inject, the same
// faults on one engine, comparing trace hashes around each check.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/api';

describe('Engine.check', () => {
  it('accepts what inject takes and refuses what it refuses, with the same words, changing nothing', () => {
    const engine = createEngine({ topics: [{ name: 'orders', partitions: 3, replicationFactor: 3 }] }, 7);
    engine.runFor(2_000_000);
    const hash = engine.traceHash;
    expect(engine.check({ kind: 'crash', process: 'broker-1' }).kind).toBe('crash');
    expect(() => engine.check({ kind: 'restart', process: 'broker-1' })).toThrow('broker-1 is running; only a crashed or stopped process can be restarted');
    expect(() => engine.check({ kind: 'crash', process: 'broker-9' })).toThrow('no process "broker-9"');
    expect(() => engine.check({ kind: 'isolate-zone', zone: 'zone-z' })).toThrow('no zone "zone-z"');
    expect(() => engine.check({ kind: 'melt' })).toThrow();
    expect(engine.traceHash).toBe(hash);
    expect(engine.recordedInputs()).toHaveLength(0);

    engine.inject({ kind: 'crash', process: 'broker-1' });
    const crashedHash = engine.traceHash;
    // Now the other way round: a second crash is refused by both, a restart accepted by both.
    expect(() => engine.check({ kind: 'crash', process: 'broker-1' })).toThrow('broker-1 is already crashed; restart it first');
    expect(() => engine.inject({ kind: 'crash', process: 'broker-1' })).toThrow('broker-1 is already crashed; restart it first');
    expect(engine.check({ kind: 'restart', process: 'broker-1' }).kind).toBe('restart');
    expect(engine.traceHash).toBe(crashedHash);
  });

  it('resolves "@active-controller" as inject would', () => {
    const engine = createEngine({}, 3);
    engine.runFor(3_000_000);
    const fault = engine.check({ kind: 'crash', process: '@active-controller' });
    expect(fault.kind === 'crash' && fault.process).toMatch(/^controller-\d$/);
  });
});
