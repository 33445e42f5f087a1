// Goal: the page's catalog of actions (src/ui/actions.ts) only offers what the engine takes: for
// every entry, on every target of its kind that it calls enabled, the input built from the form's
// starting values passes Engine.check; entries that need what a cluster lacks (an object store,
// producers) have no targets there; and a menu lists, for a target, only actions of its kind.
// Method: real engines (with clients and an object store, then a bare ZooKeeper-mode one), their
// snapshots as the page gets them; Engine.check is the judge, as it is for the page's forms.

import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/api';
import { ACTIONS, actionsFor, convertValues, targetsOf, type ActionSpec } from '../../src/ui/actions';

const S = 1_000_000;

function running(): Engine {
  const engine = createEngine(
    {
      brokers: 3,
      controllers: 1,
      config: { 'remote.log.storage.system.enable': true },
      topics: [{ name: 'orders', partitions: 3, replicationFactor: 3 }],
      producers: [{ topic: 'orders', recordsPerSecond: 50 }],
      consumers: [{ topic: 'orders', 'group.id': 'billing' }],
    },
    4,
  );
  engine.runFor(6 * S);
  return engine;
}

function inputOf(spec: ActionSpec, engine: Engine, targetId: string | null): Record<string, unknown> {
  const snapshot = engine.snapshot();
  const raw = Object.fromEntries(spec.fields.map((field) => [field.name, field.initial({ snapshot, targetId })]));
  const { values, problems } = convertValues(spec, raw);
  expect(problems, `${spec.id}: its starting values are complete`).toEqual({});
  return spec.build(targetId, values);
}

describe('the catalog offers only what the engine takes', () => {
  it('every action, on every enabled target, builds an input Engine.check accepts from its starting values', () => {
    const engine = running();
    const snapshot = engine.snapshot();
    let checked = 0;
    for (const spec of ACTIONS) {
      const targets = spec.target === 'cluster' ? [{ id: null, enabled: spec.enabled({ snapshot, targetId: null }) }] : targetsOf(spec, snapshot);
      for (const target of targets) {
        if (!target.enabled) continue;
        const input = inputOf(spec, engine, target.id);
        expect(() => engine.check(input), `${spec.id} on ${target.id ?? 'the cluster'}: ${JSON.stringify(input)}`).not.toThrow();
        checked++;
      }
    }
    // Every kind of target was met (so the loop above is not vacuous).
    expect(checked).toBeGreaterThan(ACTIONS.length);
    for (const spec of ACTIONS) {
      const some = spec.target === 'cluster' || targetsOf(spec, snapshot).some((target) => target.enabled);
      // Restart and heal need something down or broken first; every other action has a target now.
      if (!['restart', 'restart-client', 'heal-process', 'heal-object-store'].includes(spec.id)) expect(some, `${spec.id} has an enabled target`).toBe(true);
    }
  });

  it('says Restart only for a process that is down, and the engine agrees', () => {
    const engine = running();
    engine.inject({ kind: 'crash', process: 'broker-2' });
    const snapshot = engine.snapshot();
    const restart = ACTIONS.find((spec) => spec.id === 'restart')!;
    expect(targetsOf(restart, snapshot).filter((target) => target.enabled).map((target) => target.id)).toEqual(['broker-2']);
    expect(() => engine.check(restart.build('broker-2', {}))).not.toThrow();
    expect(() => engine.check(restart.build('broker-1', {}))).toThrow(/broker-1 is running/);
  });

  it("a menu lists a target's own actions: a consumer gets no disk faults, a zone gets zone actions", () => {
    const engine = running();
    const snapshot = engine.snapshot();
    const consumer = actionsFor({ kind: 'process', id: 'consumer-1' }, snapshot).map((spec) => spec.id);
    expect(consumer).toContain('remove-consumer');
    expect(consumer).not.toContain('slow-disk');
    expect(consumer).not.toContain('change-load');
    const producer = actionsFor({ kind: 'process', id: 'producer-1' }, snapshot).map((spec) => spec.id);
    expect(producer).toEqual(expect.arrayContaining(['change-load', 'change-producer', 'remove-producer', 'crash-client']));
    expect(actionsFor({ kind: 'zone', id: 'zone-a' }, snapshot).map((spec) => spec.id)).toEqual(['isolate-zone', 'power-loss-zone', 'heal-zone']);
  });

  it('in ZooKeeper mode, load actions and KRaft-only faults are not offered', () => {
    const engine = createEngine({ controllerMode: 'zookeeper', brokers: 3 }, 1);
    engine.runFor(2 * S);
    const snapshot = engine.snapshot();
    for (const id of ['add-producer', 'add-consumer', 'create-topic']) {
      expect(ACTIONS.find((spec) => spec.id === id)!.enabled({ snapshot, targetId: null }), id).toBe(false);
    }
    expect(targetsOf(ACTIONS.find((spec) => spec.id === 'slow-disk')!, snapshot).every((target) => !target.enabled)).toBe(true);
  });
});
