// Goal: the event queue pops in (timeUs, seq) order, always, because that order is the whole of
// the kernel's determinism; retain() removes exactly the rejected events and keeps the rest ordered.
// Method: a deliberately naive model (an array kept sorted by (timeUs, seq)) driven side by side
// with the 4-ary heap through thousands of random push/pop/retain interleavings from seeded Prngs,
// with times drawn from a tiny range so that many events tie on time. Each seed is named in the
// assertion message so a failure says how to replay it.

import { describe, expect, it } from 'vitest';
import { Prng } from '../../../src/engine/sim/prng';
import { EventQueue, LanedEventQueue } from '../../../src/engine/sim/queue';

interface Item {
  readonly timeUs: number;
  readonly seq: number;
  readonly tag: number;
}

/**
 * The queue orders integer handles; the test gives each item pushed the next handle and looks it
 * up again on the way out, so the assertions speak of items as before.
 */
class ItemQueue {
  private readonly queue = new EventQueue();
  private readonly items: Item[] = [];

  get size(): number {
    return this.queue.size;
  }

  push(item: Item): void {
    this.items.push(item);
    this.queue.push(item.timeUs, item.seq, this.items.length - 1);
  }

  pop(): Item | undefined {
    const handle = this.queue.pop();
    return handle === -1 ? undefined : this.items[handle];
  }

  peek(): Item | undefined {
    const handle = this.queue.peekHandle();
    if (handle === -1) return undefined;
    expect(this.queue.peekTimeUs()).toBe(this.items[handle]!.timeUs);
    return this.items[handle];
  }

  retain(keep: (item: Item) => boolean): number {
    return this.queue.retain((handle) => keep(this.items[handle]!));
  }
}

/** The naive model: insert in sorted place, pop from the front. */
class SortedArrayQueue {
  items: Item[] = [];

  push(item: Item): void {
    const index = this.items.findIndex((other) => other.timeUs > item.timeUs || (other.timeUs === item.timeUs && other.seq > item.seq));
    if (index === -1) this.items.push(item);
    else this.items.splice(index, 0, item);
  }

  pop(): Item | undefined {
    return this.items.shift();
  }
}

function drain(queue: ItemQueue): Item[] {
  const out: Item[] = [];
  for (let item = queue.pop(); item !== undefined; item = queue.pop()) out.push(item);
  return out;
}

describe('EventQueue ordering', () => {
  it('pops by time, and by seq among events due at the same time', () => {
    const queue = new ItemQueue();
    queue.push({ timeUs: 50, seq: 0, tag: 0 });
    queue.push({ timeUs: 10, seq: 1, tag: 1 });
    queue.push({ timeUs: 50, seq: 2, tag: 2 });
    queue.push({ timeUs: 10, seq: 3, tag: 3 });
    queue.push({ timeUs: 0, seq: 4, tag: 4 });
    expect(queue.size).toBe(5);
    expect(queue.peek()?.tag).toBe(4);
    expect(drain(queue).map((item) => item.tag)).toEqual([4, 1, 3, 0, 2]);
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBeUndefined();
    expect(queue.peek()).toBeUndefined();
  });

  it('matches a sorted array over 120 seeds of random push/pop interleavings with many equal times', () => {
    for (let seed = 1; seed <= 120; seed++) {
      const prng = new Prng(seed, 'queue-fuzz');
      const queue = new ItemQueue();
      const model = new SortedArrayQueue();
      let seq = 0;
      const operations = 200 + prng.int(400);
      for (let op = 0; op < operations; op++) {
        // Pushes outnumber pops 3:2, so the heap grows deep enough for multi-level sifts.
        if (prng.int(5) < 3) {
          // Times from a small range, often equal; seq increases as the kernel assigns it.
          const item = { timeUs: prng.int(8) * (prng.chancePerMillion(100_000) ? 1_000 : 1), seq: seq++, tag: op };
          queue.push(item);
          model.push(item);
        } else {
          expect(queue.pop(), `seed ${seed} op ${op}`).toBe(model.pop());
        }
        expect(queue.size, `seed ${seed} op ${op}`).toBe(model.items.length);
        expect(queue.peek(), `seed ${seed} op ${op}`).toBe(model.items[0]);
      }
      expect(drain(queue), `seed ${seed} drain`).toEqual(model.items);
    }
  });

  it('keeps order for a large queue filled in reverse time order', () => {
    const queue = new ItemQueue();
    for (let i = 0; i < 5_000; i++) queue.push({ timeUs: 5_000 - i, seq: i, tag: i });
    const times = drain(queue).map((item) => item.timeUs);
    expect(times).toEqual(Array.from({ length: 5_000 }, (_, i) => i + 1));
  });
});

describe('LanedEventQueue', () => {
  // The kernel's queue: two heaps read as one. Its pops must be exactly one heap's, whichever lane
  // each event went to, also when heads of both lanes are due at the same time (seq decides).
  it('pops as one sorted queue over 120 seeds of random lanes, pushes, pops and retains with many equal times', () => {
    for (let seed = 1; seed <= 120; seed++) {
      const prng = new Prng(seed, 'laned-queue-fuzz');
      const queue = new LanedEventQueue();
      const items: Item[] = [];
      const model = new SortedArrayQueue();
      let seq = 0;
      const operations = 200 + prng.int(400);
      for (let op = 0; op < operations; op++) {
        const choice = prng.int(20);
        if (choice < 12) {
          const item = { timeUs: prng.int(8) * (prng.chancePerMillion(100_000) ? 1_000 : 1), seq: seq++, tag: op };
          items.push(item);
          if (prng.int(2) === 0) queue.pushNear(item.timeUs, item.seq, items.length - 1);
          else queue.pushFar(item.timeUs, item.seq, items.length - 1);
          model.push(item);
        } else if (choice < 19) {
          const head = model.items[0];
          expect(queue.peekTimeUs(), `seed ${seed} op ${op}`).toBe(head === undefined ? Number.POSITIVE_INFINITY : head.timeUs);
          expect(queue.peekHandle(), `seed ${seed} op ${op}`).toBe(head === undefined ? -1 : items.indexOf(head));
          const handle = queue.pop();
          expect(handle === -1 ? undefined : items[handle], `seed ${seed} op ${op}`).toBe(model.pop());
        } else {
          const removed = queue.retain((handle) => items[handle]!.tag % 3 !== 0);
          const before = model.items.length;
          model.items = model.items.filter((item) => item.tag % 3 !== 0);
          expect(removed, `seed ${seed} op ${op}`).toBe(before - model.items.length);
        }
        expect(queue.size, `seed ${seed} op ${op}`).toBe(model.items.length);
      }
      const out: Item[] = [];
      for (let handle = queue.pop(); handle !== -1; handle = queue.pop()) out.push(items[handle]!);
      expect(out, `seed ${seed} drain`).toEqual(model.items);
    }
  });

  it('takes the near head before the far head due at the same time only when its seq is smaller', () => {
    const queue = new LanedEventQueue();
    queue.pushFar(10, 1, 100);
    queue.pushNear(10, 2, 200);
    queue.pushNear(10, 0, 300);
    queue.pushFar(10, 3, 400);
    expect([queue.pop(), queue.pop(), queue.pop(), queue.pop(), queue.pop()]).toEqual([300, 100, 200, 400, -1]);
    expect(queue.peekTimeUs()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('EventQueue.retain', () => {
  it('removes the rejected events, returns how many, and keeps the rest in order', () => {
    const queue = new ItemQueue();
    for (let i = 0; i < 20; i++) queue.push({ timeUs: (i * 7) % 5, seq: i, tag: i });
    const removed = queue.retain((item) => item.tag % 3 !== 0);
    expect(removed).toBe(7); // tags 0, 3, 6, 9, 12, 15, 18
    expect(queue.size).toBe(13);
    const kept = drain(queue);
    expect(kept.every((item) => item.tag % 3 !== 0)).toBe(true);
    const sorted = [...kept].sort((x, y) => x.timeUs - y.timeUs || x.seq - y.seq);
    expect(kept).toEqual(sorted);
  });

  it('matches the sorted array when random retains are mixed into 100 seeds of random pushes and pops', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const prng = new Prng(seed, 'retain-fuzz');
      const queue = new ItemQueue();
      const model = new SortedArrayQueue();
      let seq = 0;
      for (let op = 0; op < 400; op++) {
        const choice = prng.int(20);
        if (choice < 12) {
          const item = { timeUs: prng.int(6), seq: seq++, tag: prng.int(1_000) };
          queue.push(item);
          model.push(item);
        } else if (choice < 19) {
          expect(queue.pop(), `seed ${seed} op ${op}`).toBe(model.pop());
        } else {
          // Keep a random fraction, sometimes nothing at all, sometimes everything.
          const keepPerThousand = prng.pick([0, 250, 500, 900, 1_000]);
          const keep = (item: Item): boolean => item.tag < keepPerThousand;
          const expectedRemoved = model.items.filter((item) => !keep(item)).length;
          expect(queue.retain(keep), `seed ${seed} op ${op}`).toBe(expectedRemoved);
          model.items = model.items.filter(keep);
        }
        expect(queue.size, `seed ${seed} op ${op}`).toBe(model.items.length);
        expect(queue.peek(), `seed ${seed} op ${op}`).toBe(model.items[0]);
      }
      expect(drain(queue), `seed ${seed} drain`).toEqual(model.items);
    }
  });

  it('can remove every event, leaving an empty queue that still works', () => {
    // The kernel's stale-timer sweep can remove everything when only stale timers are left.
    const queue = new ItemQueue();
    queue.push({ timeUs: 1, seq: 0, tag: 0 });
    queue.push({ timeUs: 2, seq: 1, tag: 1 });
    expect(queue.retain(() => false)).toBe(2);
    expect(queue.size).toBe(0);
    expect(queue.peek()).toBeUndefined();
    expect(queue.pop()).toBeUndefined();
    queue.push({ timeUs: 5, seq: 2, tag: 2 });
    queue.push({ timeUs: 3, seq: 3, tag: 3 });
    expect(drain(queue).map((item) => item.tag)).toEqual([3, 2]);
  });

  it('on an empty queue removes nothing and leaves it empty', () => {
    const queue = new ItemQueue();
    expect(queue.retain(() => true)).toBe(0);
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBeUndefined();
  });
});

describe('EventQueue storage', () => {
  it('grows past its initial arrays without losing or reordering an event, and reports +Infinity and -1 when empty', () => {
    // 5,000 events is several doublings of the 1,024-entry arrays the queue starts with.
    const queue = new EventQueue();
    expect(queue.peekTimeUs()).toBe(Number.POSITIVE_INFINITY);
    expect(queue.peekHandle()).toBe(-1);
    expect(queue.pop()).toBe(-1);
    for (let i = 0; i < 5_000; i++) queue.push((i * 7_919) % 1_000, i, i);
    const popped: number[] = [];
    for (let handle = queue.pop(); handle !== -1; handle = queue.pop()) popped.push(handle);
    const expected = Array.from({ length: 5_000 }, (_, i) => i).sort((x, y) => ((x * 7_919) % 1_000) - ((y * 7_919) % 1_000) || x - y);
    expect(popped).toEqual(expected);
    expect(queue.peekTimeUs()).toBe(Number.POSITIVE_INFINITY);
  });
});
