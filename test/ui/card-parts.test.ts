// A card's buttons are memoised on cardActionsOf (ProcessCard's CardActions, memo's shallow
// comparison): a refresh of the card's figures must leave them unrendered, and every change a
// button draws (crash, isolation, a slow or filled disk, a new rate, a broker leaving RUNNING, an
// object store's outage) must render them, or a card would offer a stale button. Method: a loaded
// engine's cards a simulated second apart (figures moved), then faults injected one by one.
import { describe, expect, it } from 'vitest';
import type { ProcessSnapshot } from '../../src/engine/api';
import { cardActionsOf, type CardActionsState } from '../../src/ui/components/ProcessCard';
import { loadedEngine, SECOND } from './loaded-engine';

/** React.memo's default comparison: every prop the same by Object.is. */
function shallowSame(a: CardActionsState, b: CardActionsState): boolean {
  const keys = Object.keys(a) as (keyof CardActionsState)[];
  return keys.length === Object.keys(b).length && keys.every((key) => Object.is(a[key], b[key]));
}

function processOf(processes: readonly ProcessSnapshot[], id: string): ProcessSnapshot {
  const found = processes.find((process) => process.id === id);
  if (found === undefined) throw new Error(`no process ${id} in the snapshot`);
  return found;
}

describe("a card's buttons render when, and only when, a button would change", () => {
  it('says same for a broker whose figures alone moved', () => {
    const engine = loadedEngine();
    const before = processOf(engine.snapshot().processes, 'broker-1');
    engine.runFor(SECOND);
    const after = processOf(engine.snapshot().processes, 'broker-1');
    // The figures did move (else the test proves nothing).
    expect(after.storage?.logBytes).not.toBe(before.storage?.logBytes);
    expect(shallowSame(cardActionsOf(before, true), cardActionsOf(after, true))).toBe(true);
  });

  it('says same for a producer whose counts alone moved', () => {
    const engine = loadedEngine();
    const producer = engine.snapshot().processes.find((process) => process.view?.producer !== undefined);
    expect(producer).toBeDefined();
    engine.runFor(SECOND);
    const after = processOf(engine.snapshot().processes, producer!.id);
    expect(shallowSame(cardActionsOf(producer!, true), cardActionsOf(after, true))).toBe(true);
  });

  it('says changed for each fault a button draws', () => {
    const cases: readonly { fault: Record<string, unknown>; id: string; field: keyof CardActionsState }[] = [
      { fault: { kind: 'crash', process: 'broker-1' }, id: 'broker-1', field: 'status' },
      { fault: { kind: 'isolate', process: 'broker-2' }, id: 'broker-2', field: 'isolated' },
      { fault: { kind: 'slow-disk', process: 'broker-3', extraLatencyMs: 40, throughputMBps: 0.2 }, id: 'broker-3', field: 'diskDegraded' },
      { fault: { kind: 'fill-disk', process: 'broker-4' }, id: 'broker-4', field: 'logDir' },
      { fault: { kind: 'shutdown', process: 'broker-5' }, id: 'broker-5', field: 'canShutDown' },
    ];
    for (const { fault, id, field } of cases) {
      const engine = loadedEngine();
      const before = cardActionsOf(processOf(engine.snapshot().processes, id), true);
      engine.inject(fault);
      engine.runFor(SECOND / 10);
      const after = cardActionsOf(processOf(engine.snapshot().processes, id), true);
      expect(after[field], `${String(fault.kind)} changes ${field}`).not.toBe(before[field]);
      expect(shallowSame(before, after)).toBe(false);
    }
  });

  it("tells a KRaft broker's disk buttons from a ZooKeeper-mode one's", () => {
    const broker = processOf(loadedEngine().snapshot().processes, 'broker-1');
    expect(cardActionsOf(broker, true).brokerTools).toBe(true);
    expect(cardActionsOf(broker, false).brokerTools).toBe(false);
  });
});
