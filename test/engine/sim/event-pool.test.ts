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

  it('takeMessage reuses a record that held a timer and an action, and leaves neither behind', () => {
    // takeMessage writes only a delivery's fields: it relies on release having cleared the rest.
    const pool = new EventPool<Timer>();
    const action = (): void => undefined;
    const first = pool.take(2, 4, -1, 1, 2 ** 40, 'tick', null, action, { key: 'tick' });
    pool.release(first);
    const handle = pool.takeMessage(1, 5, 6, 2, 'Produce', { type: 'Produce', bytes: 10 });
    expect(handle).toBe(first); // the released record, reused
    expect([pool.kindOf(handle), pool.targetOf(handle), pool.sourceOf(handle), pool.incarnationOf(handle)]).toEqual([1, 5, 6, 2]);
    expect(pool.labels[handle]).toBe('Produce');
    expect(pool.messages[handle]?.bytes).toBe(10);
    expect(pool.actions[handle]).toBeNull();
    expect(pool.timers[handle]).toBeNull();
    // And a record made new by takeMessage starts as clear as a released one.
    const fresh = pool.takeMessage(1, 0, 0, 0, 'Fetch', null);
    expect(fresh).not.toBe(handle);
    expect(pool.actions[fresh]).toBeNull();
    expect(pool.timers[fresh]).toBeNull();
    expect(pool.inUse).toBe(2);
  });
});
