// Objects kept from frame to frame while what they show is the same: an unchanged item keeps its
// identity, a changed one is rebuilt alone, the list is the same object while nothing changed, and
// another structure key starts afresh.
import { describe, expect, it } from 'vitest';
import { keepUnchanged, type Kept } from '../../src/ui/keep-unchanged';

interface Flow {
  readonly id: string;
  readonly rate: number;
}

let built = 0;
const options = {
  idOf: (flow: Flow) => flow.id,
  // Rates rounded to hundreds: what the picture shows.
  signatureOf: (flow: Flow) => String(Math.round(flow.rate / 100)),
  build: (flow: Flow) => {
    built++;
    return { id: flow.id, label: `${Math.round(flow.rate / 100) * 100}/s` };
  },
};

describe('keeping unchanged items', () => {
  it('keeps each item whose signature is the same, rebuilds only the changed one, and keeps the list while nothing changed', () => {
    built = 0;
    const first = keepUnchanged(null, 'three brokers', [{ id: 'a', rate: 1_000 }, { id: 'b', rate: 2_000 }], options);
    expect(built).toBe(2);
    // Rates moved a little: nothing the picture shows changed.
    const second = keepUnchanged(first, 'three brokers', [{ id: 'a', rate: 1_010 }, { id: 'b', rate: 1_990 }], options);
    expect(second).toBe(first);
    expect(built).toBe(2);
    // b doubled: only b is rebuilt; a is the same object.
    const third: Kept<{ id: string; label: string }> = keepUnchanged(second, 'three brokers', [{ id: 'a', rate: 1_000 }, { id: 'b', rate: 4_000 }], options);
    expect(third).not.toBe(second);
    expect(third.items[0]).toBe(first.items[0]);
    expect(third.items[1]).not.toBe(first.items[1]);
    expect(third.items[1]!.label).toBe('4000/s');
    expect(built).toBe(3);
  });

  it('starts afresh for another structure, and notices an item gone', () => {
    built = 0;
    const first = keepUnchanged(null, 'three brokers', [{ id: 'a', rate: 1_000 }, { id: 'b', rate: 2_000 }], options);
    const fewer = keepUnchanged(first, 'three brokers', [{ id: 'a', rate: 1_000 }], options);
    expect(fewer.items).toHaveLength(1);
    expect(fewer.items[0]).toBe(first.items[0]);
    const other = keepUnchanged(fewer, 'thirty brokers', [{ id: 'a', rate: 1_000 }], options);
    expect(other.items[0]).not.toBe(first.items[0]);
    expect(built).toBe(3);
  });
});
