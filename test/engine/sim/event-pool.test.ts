// Goal: the kernel's pool of event records hands out each record to one event at a time, reuses
// released records before making new ones (so memory stops growing at the most events ever
// pending at once), keeps every field through a growth of its arrays, and lets go of a released
// event's message, action and timer state so the collector can take them.
// Method: a pool driven directly, with a few thousand records (several doublings of the 1,024 it
// starts with) whose fields are derived from their number, checked after growing and after reuse.

import { describe, expect, it } from 'vitest';
import { EventPool } from '../../../src/engine/sim/event-pool';

interface Timer {
  readonly key: string;
}

describe('EventPool', () => {
  it('keeps every field of 5,000 records through its growth, and reuses released records before growing again', () => {
    const pool = new EventPool<Timer>();
    const handles: number[] = [];
    for (let n = 0; n < 5_000; n++) {
      handles.push(pool.take(n % 8, n, n - 1, n % 3, n * 1_000_000_007, `label-${n}`, { type: `M${n}`, bytes: n }, null, { key: `t${n}` }));
    }
    expect(new Set(handles).size).toBe(5_000);
    expect(pool.inUse).toBe(5_000);
    const capacity = pool.capacity;
    expect(capacity).toBeGreaterThanOrEqual(5_000);
    handles.forEach((handle, n) => {
      expect(pool.kindOf(handle)).toBe(n % 8);
      expect(pool.targetOf(handle)).toBe(n);
      expect(pool.sourceOf(handle)).toBe(n - 1);
      expect(pool.incarnationOf(handle)).toBe(n % 3);
      expect(pool.generations[handle]).toBe(n * 1_000_000_007); // above 2^31: kept exactly
      expect(pool.labels[handle]).toBe(`label-${n}`);
      expect(pool.messages[handle]?.bytes).toBe(n);
      expect(pool.timers[handle]?.key).toBe(`t${n}`);
    });
    // Release every other record, then take as many again: all come from the released ones.
    const released = handles.filter((_, n) => n % 2 === 0);
    for (const handle of released) pool.release(handle);
    expect(pool.inUse).toBe(2_500);
    const retaken = released.map(() => pool.take(1, 0, 0, 0, 0, 'again', null, null, null));
    expect(new Set(retaken)).toEqual(new Set(released));
    expect(pool.capacity).toBe(capacity);
    expect(pool.inUse).toBe(5_000);
  });

  it("lets go of a released record's message, action and timer state", () => {
    const pool = new EventPool<Timer>();
    const action = (): void => undefined;
    const handle = pool.take(3, 0, -1, 0, 0, 'control', { type: 'Big', bytes: 1 }, action, { key: 'k' });
    pool.release(handle);
    expect(pool.messages[handle]).toBeNull();
    expect(pool.actions[handle]).toBeNull();
    expect(pool.timers[handle]).toBeNull();
    expect(pool.labels[handle]).toBe('');
    expect(pool.inUse).toBe(0);
  });
});
