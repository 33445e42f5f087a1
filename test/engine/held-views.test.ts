// Goal: a reader that holds one moment (a scenario checkpoint reading many metrics) gets each
// process's view built once, and never a stale one: a fault applied while held drops what was
// built, and releasing drops it too.
// Method: a default engine on a fixed seed, run until the cluster has formed; the views are
// compared by identity (shared or rebuilt) and by content (the crashed broker is gone).

import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/api';

const SECOND_US = 1_000_000;

describe('views held for one moment', () => {
  it('are built once while held, rebuilt after a fault, and not shared once released', () => {
    const engine = createEngine({}, 7);
    engine.runUntil(3 * SECOND_US);
    // Unheld: each call builds afresh.
    expect(engine.processViews()).not.toBe(engine.processViews());

    engine.holdViews(true);
    const first = engine.processViews();
    expect(engine.processViews()).toBe(first);
    expect(first.map(({ id }) => id)).toContain('broker-2');

    // A crash while held: the next read sees the moment after it, and shares that one in turn.
    engine.inject({ kind: 'crash', process: 'broker-2' });
    const afterCrash = engine.processViews();
    expect(afterCrash).not.toBe(first);
    expect(afterCrash.map(({ id }) => id)).not.toContain('broker-2');
    expect(engine.processViews()).toBe(afterCrash);

    engine.holdViews(false);
    const released = engine.processViews();
    expect(released).not.toBe(afterCrash);
    expect(engine.processViews()).not.toBe(released);
    expect(released).toEqual(afterCrash);
  });
});
