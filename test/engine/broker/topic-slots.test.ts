// TopicSlots (topic-slots.ts): the by-topic, by-partition-number lookup the replica manager's
// PartitionIndex and LocalReads's found logs share. A lookup never adds a topic, slots stay
// packed, and a cleared slot answers nothing, whichever topic was asked last.
import { describe, expect, it } from 'vitest';
import { TopicSlots } from '../../../src/engine/broker/topic-slots';

describe('TopicSlots', () => {
  it('finds values by topic and partition number, across topics asked in turn', () => {
    const slots = new TopicSlots<string>();
    slots.set('orders', 2, 'orders-2');
    slots.set('payments', 0, 'payments-0');
    expect(slots.at('orders', 2)).toBe('orders-2');
    expect(slots.at('payments', 0)).toBe('payments-0');
    expect(slots.at('orders', 0)).toBeUndefined(); // a hole filled with undefined, not another value
    expect(slots.at('orders', 2)).toBe('orders-2');
    expect(slots.at('orders', 7)).toBeUndefined();
  });

  it('a lookup of an unknown topic adds nothing and does not disturb the last topic', () => {
    const slots = new TopicSlots<number>();
    slots.set('orders', 1, 11);
    expect(slots.at('nothing', 0)).toBeUndefined();
    slots.set('orders', 0, 10);
    expect(slots.at('orders', 0)).toBe(10);
    expect(slots.at('orders', 1)).toBe(11);
    expect((slots as unknown as { byTopic: Map<string, unknown> }).byTopic.has('nothing')).toBe(false);
  });

  it('keeps its arrays packed and answers nothing for a cleared slot', () => {
    const slots = new TopicSlots<string>();
    slots.set('orders', 3, 'orders-3');
    const array = (slots as unknown as { byTopic: Map<string, unknown[]> }).byTopic.get('orders')!;
    expect(array).toHaveLength(4);
    expect(Object.keys(array)).toEqual(['0', '1', '2', '3']); // no holes
    slots.set('orders', 3, undefined);
    expect(slots.at('orders', 3)).toBeUndefined();
  });
});
