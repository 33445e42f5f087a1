// The inspect panel's lookups, on snapshots of a real engine: a broker's replicas derived from the
// snapshot's partitions agree with what the broker itself says it leads and follows; a selected
// thing that is not in the frame says why; rates from cumulative counters restart rather than go
// negative when a process restarts or the run is rewound.
import { describe, expect, it } from 'vitest';
import { createEngine, type Snapshot } from '../../src/engine/api';
import { advanceBrokerRates, advanceRates, brokerCounters, brokerReplicas, findPartition, findProcess, findZone, selectionTitle } from '../../src/ui/inspect';

const SECOND = 1_000_000;

function running(): { snapshot: Snapshot; engine: ReturnType<typeof createEngine> } {
  const engine = createEngine(
    {
      brokers: 4,
      topics: [{ name: 'orders', partitions: 6, replicationFactor: 3 }],
      producers: [{ topic: 'orders', recordsPerSecond: 500, startMs: 2_000 }],
    },
    11,
  );
  engine.runFor(6 * SECOND);
  return { engine, snapshot: engine.snapshot() };
}

describe('a broker’s replicas, from the snapshot', () => {
  it('lists what each broker leads and follows, as its own view counts them, and every replica once', () => {
    const { snapshot } = running();
    let held = 0;
    for (const process of snapshot.processes.filter((candidate) => candidate.role === 'broker')) {
      const replicas = brokerReplicas(snapshot.partitions, snapshot.partitionsTotal, process.id);
      expect(replicas.led.length, process.id).toBe(process.view!.broker!.leaderOf);
      expect(replicas.followed.length, process.id).toBe(process.view!.broker!.followerOf);
      expect(replicas.complete).toBe(true);
      for (const replica of replicas.led) expect(replica.leader).toBe(process.id);
      for (const replica of replicas.followed) {
        expect(replica.leader).not.toBe(process.id);
        expect(replica.logEndOffset!).toBeLessThanOrEqual(
          snapshot.partitions.find((partition) => partition.topic === replica.topic && partition.partition === replica.partition)!.replicas.find((r) => r.broker === replica.leader)!.logEndOffset!,
        );
      }
      held += replicas.led.length + replicas.followed.length + replicas.offline.length;
    }
    expect(held).toBe(6 * 3);
  });

  it('says when the snapshot carries only some of the partitions', () => {
    const { snapshot } = running();
    const partial = brokerReplicas(snapshot.partitions.slice(0, 2), snapshot.partitionsTotal, 'broker-1');
    expect(partial.complete).toBe(false);
  });

  it('puts a replica of a partition without a leader under offline', () => {
    const { snapshot } = running();
    const first = snapshot.partitions[0]!;
    const leaderless = [{ ...first, leader: null }, ...snapshot.partitions.slice(1)];
    const broker = first.replicas[0]!.broker;
    const replicas = brokerReplicas(leaderless, snapshot.partitionsTotal, broker);
    expect(replicas.offline.map((replica) => replica.name)).toEqual([`${first.topic}-${first.partition}`]);
  });
});

describe('looking the selection up in the frame', () => {
  it('finds a process, a zone and a partition, and titles them', () => {
    const { snapshot } = running();
    expect(findProcess(snapshot, 'broker-2')).toMatchObject({ found: true, value: { id: 'broker-2', role: 'broker' } });
    expect(findZone(snapshot, 'zone-a')).toMatchObject({ found: true, value: { isolated: false } });
    expect(selectionTitle({ kind: 'process', id: 'controller-1' }, snapshot)).toBe('Controller controller-1');
    expect(selectionTitle({ kind: 'partition', topic: 'orders', partition: 3 }, snapshot)).toBe('Partition orders-3');
    const summaryOnly = findPartition(snapshot, null, 'orders', 3);
    expect(summaryOnly).toMatchObject({ found: true, value: { detail: null, summary: { topic: 'orders', partition: 3 } } });
  });

  it('uses the worker’s detail only when it answers this very partition', () => {
    const { snapshot, engine } = running();
    const detail = engine.inspectPartition('orders', 1)!;
    const forOther = findPartition(snapshot, { target: { topic: 'orders', partition: 1 }, detail }, 'orders', 2);
    expect(forOther).toMatchObject({ found: true, value: { detail: null } });
    const forThis = findPartition(snapshot, { target: { topic: 'orders', partition: 1 }, detail }, 'orders', 1);
    expect(forThis).toMatchObject({ found: true, value: { detail: { topic: 'orders', partition: 1 } } });
  });

  it('says why something is gone, and waits for the worker before saying a partition is', () => {
    const { snapshot } = running();
    const process = findProcess(snapshot, 'broker-9');
    expect(process.found).toBe(false);
    if (!process.found) expect(process.why).toContain('broker-9 is not part of this cluster');
    const zone = findZone(snapshot, 'zone-z');
    if (zone.found) throw new Error('zone-z should not be found');
    expect(zone.why).toBe("zone-z is not one of this cluster's zones (zone-a, zone-b, zone-c).");
    // Not in the frame and not yet answered: pending, not gone.
    expect(findPartition(snapshot, null, 'orders', 60)).toEqual({ found: 'pending' });
    const gone = findPartition(snapshot, { target: { topic: 'orders', partition: 60 }, detail: null }, 'orders', 60);
    expect(gone.found).toBe(false);
    if (gone.found === false) expect(gone.why).toContain('orders-60 is not in the cluster');
  });
});

describe('rates from cumulative counters', () => {
  it('measures over whole windows of simulated time', () => {
    let window = advanceRates(null, 'broker-1#1', 0, { bytesIn: 0 });
    expect(window.rates).toBeNull();
    window = advanceRates(window, 'broker-1#1', 500_000, { bytesIn: 400 });
    expect(window.rates).toBeNull(); // half a second: not yet
    window = advanceRates(window, 'broker-1#1', 2_000_000, { bytesIn: 3_000 });
    expect(window.rates).toEqual({ bytesIn: 1_500 });
  });

  it('starts afresh for a new life or an earlier moment, never giving a negative rate', () => {
    const first = advanceRates(advanceRates(null, 'broker-1#1', 0, { bytesIn: 0 }), 'broker-1#1', SECOND, { bytesIn: 5_000 });
    expect(first.rates).toEqual({ bytesIn: 5_000 });
    const restarted = advanceRates(first, 'broker-1#2', 2 * SECOND, { bytesIn: 10 });
    expect(restarted.rates).toBeNull();
    expect(restarted.startUs).toBe(2 * SECOND);
    const rewound = advanceRates(first, 'broker-1#1', SECOND / 2, { bytesIn: 100 });
    expect(rewound.rates).toBeNull();
    const dropped = advanceRates(advanceRates(null, 'k', 0, { n: 50 }), 'k', SECOND, { n: 10 });
    expect(dropped.rates).toEqual({ n: 0 });
  });

  it('keeps a window per running broker across frames, so a broker has rates from the engine’s traffic', () => {
    const { engine } = running();
    let windows = advanceBrokerRates(new Map(), engine.snapshot());
    engine.runFor(2 * SECOND);
    windows = advanceBrokerRates(windows, engine.snapshot());
    expect([...windows.keys()].sort()).toEqual(['broker-1', 'broker-2', 'broker-3', 'broker-4']);
    const leaderOfSome = [...windows.values()].filter((window) => (window.rates?.bytesIn ?? 0) > 0);
    expect(leaderOfSome.length).toBeGreaterThan(0);
    engine.inject({ kind: 'crash', process: 'broker-1' });
    windows = advanceBrokerRates(windows, engine.snapshot());
    expect(windows.has('broker-1')).toBe(false);
  });

  it('keeps the very windows while none closes, and gives what advancing each broker every frame gives', () => {
    // Goal: the page advances every broker's window in every frame; a frame inside the open windows
    // must cost no counters and keep the map, and the rates must be those of the plain per-broker
    // rule. Method: 100 ms frames over 3 simulated s with a crash and a restart, against advanceRates
    // called for every running broker in every frame.
    const { engine } = running();
    let windows: ReadonlyMap<string, ReturnType<typeof advanceRates>> = new Map();
    let plain = new Map<string, ReturnType<typeof advanceRates>>();
    let kept = 0;
    for (let frame = 0; frame < 30; frame++) {
      if (frame === 8) engine.inject({ kind: 'crash', process: 'broker-2' });
      if (frame === 15) engine.inject({ kind: 'restart', process: 'broker-2' });
      engine.runFor(SECOND / 10);
      const snapshot = engine.snapshot();
      const next = advanceBrokerRates(windows, snapshot);
      if (next === windows) kept++;
      windows = next;
      const plainNext = new Map<string, ReturnType<typeof advanceRates>>();
      for (const process of snapshot.processes) {
        const counters = brokerCounters(process);
        if (counters !== null) plainNext.set(process.id, advanceRates(plain.get(process.id) ?? null, `${process.id}#${process.incarnation}`, snapshot.timeUs, counters));
      }
      plain = plainNext;
      expect(new Map(windows), `frame ${frame}`).toEqual(plain);
    }
    // The windows close about once a simulated second (and at the crash and the restart): most frames keep the map.
    expect(kept).toBeGreaterThan(15);
  });
});
