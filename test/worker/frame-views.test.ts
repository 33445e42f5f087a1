// What of each process a frame carries (worker/frame-views.ts), on snapshots of a real engine:
// standby controllers leave out their registrations while one is active, and all keep them in the
// moment after the active controller crashed (the page then picks the one that applied the most);
// a broker's quiet disk queue, its group coordinator and its consumer fetch figures stay home unless it is inspected; nothing
// it is given is changed.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/api';
import { framedProcesses } from '../../src/worker/frame-views';
import { authoritativeController } from '../../src/ui/kraft';

const SECOND = 1_000_000;

function running() {
  const engine = createEngine(
    {
      brokers: 4,
      topics: [{ name: 'orders', partitions: 4, replicationFactor: 3 }],
      producers: [{ topic: 'orders', recordsPerSecond: 200, startMs: 1_000 }],
      consumers: [{ id: 'reader-1', topic: 'orders', 'group.id': 'readers' }],
    },
    5,
  );
  engine.runFor(8 * SECOND);
  return engine;
}

describe('framed process views', () => {
  it('standbys leave out registrations while a controller is active; the cards still find theirs', () => {
    const engine = running();
    const snapshot = engine.snapshot();
    const before = JSON.stringify(snapshot.processes);
    const framed = framedProcesses(snapshot.processes, null);
    expect(JSON.stringify(snapshot.processes), 'the given views are unchanged').toBe(before);
    const controllers = framed.filter((process) => process.role === 'controller');
    const active = controllers.filter((process) => process.view?.controller?.active === true);
    expect(active).toHaveLength(1);
    expect(active[0]!.view!.controller!.registrations).toHaveLength(4);
    for (const standby of controllers.filter((process) => process !== active[0])) expect(standby.view!.controller!.registrations).toEqual([]);
    // The page's authority is the same controller with the same registrations.
    expect(authoritativeController({ ...snapshot, processes: framed })).toEqual(authoritativeController(snapshot));
    // Inspected, a standby keeps them.
    const standbyId = controllers.find((process) => process !== active[0])!.id;
    expect(framedProcesses(snapshot.processes, standbyId).find((process) => process.id === standbyId)!.view!.controller!.registrations).toHaveLength(4);
  });

  it('right after the active controller crashed, no controller is active and every one keeps its registrations', () => {
    const engine = running();
    const activeId = engine.snapshot().processes.find((process) => process.view?.controller?.active === true)!.id;
    engine.inject({ kind: 'crash', process: activeId });
    const snapshot = engine.snapshot();
    expect(snapshot.processes.some((process) => process.view?.controller?.active === true)).toBe(false);
    const framed = framedProcesses(snapshot.processes, null);
    const standbys = framed.filter((process) => process.role === 'controller' && process.view !== null);
    expect(standbys.length).toBe(2);
    for (const standby of standbys) expect(standby.view!.controller!.registrations).toHaveLength(4);
    expect(authoritativeController({ ...snapshot, processes: framed })).toEqual(authoritativeController(snapshot));
  });

  it("a broker's quiet disk queue, its group coordinator and its consumer fetch figures travel only when it is inspected; a slow disk always", () => {
    const engine = running();
    const coordinatorId = engine.snapshot().processes.find((process) => (process.view?.coordinator?.groups.length ?? 0) > 0)!.id;
    engine.inject({ kind: 'slow-disk', process: 'broker-3', extraLatencyMs: 40 });
    engine.runFor(SECOND / 10);
    const snapshot = engine.snapshot();
    const framed = framedProcesses(snapshot.processes, null);
    const coordinator = framed.find((process) => process.id === coordinatorId)!;
    expect(coordinator.view!.coordinator).toBeUndefined();
    expect(snapshot.processes.find((process) => process.id === coordinatorId)!.view!.consumerFetch).toBeDefined();
    for (const broker of framed.filter((process) => process.role === 'broker')) expect(broker.view!.consumerFetch, broker.id).toBeUndefined();
    expect(framed.find((process) => process.id === 'broker-3')!.view!.disk!.degraded).toBe(true);
    for (const broker of framed.filter((process) => process.role === 'broker' && process.id !== 'broker-3')) {
      const disk = snapshot.processes.find((process) => process.id === broker.id)!.view!.disk!;
      if (!disk.degraded && disk.queuedWrites === 0) expect(broker.view!.disk, broker.id).toBeUndefined();
    }
    const whole = framedProcesses(snapshot.processes, coordinatorId).find((process) => process.id === coordinatorId)!;
    expect(whole).toBe(snapshot.processes.find((process) => process.id === coordinatorId));
    expect(whole.view!.coordinator!.groups.length).toBeGreaterThan(0);
    expect(whole.view!.consumerFetch).toBeDefined();
  });
});
