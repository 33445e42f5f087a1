// Goal: the kernel's direct-mapped string cache never answers differently from the Map it stands
// in front of: a key is found only where it was remembered, a key whose slot another key took is
// a miss (never the other key's value), and equal strings built apart are the same key.
// Method: keys chosen to share a slot (same length, same first and last characters), process-like
// ids that must land apart, and a kernel run whose sends alternate between colliding process ids.

import { describe, expect, it } from 'vitest';
import { Network } from '../../../src/engine/net/network';
import { Kernel } from '../../../src/engine/sim/kernel';
import type { Effects, Message, ProcessLogic } from '../../../src/engine/sim/process';
import { Prng } from '../../../src/engine/sim/prng';
import { StringCache } from '../../../src/engine/sim/string-cache';

describe('StringCache', () => {
  it('finds a key only once remembered, with the value remembered', () => {
    const cache = new StringCache<number>();
    expect(cache.get('Fetch')).toBeUndefined();
    cache.remember('Fetch', 7);
    expect(cache.get('Fetch')).toBe(7);
    expect(cache.get('FetchResponse')).toBeUndefined();
  });

  it('two keys sharing a slot (same length, first and last characters) take it in turn: the other is a miss, never its value', () => {
    const cache = new StringCache<string>();
    cache.remember('a-x-z', 'first');
    cache.remember('a-y-z', 'second');
    expect(cache.get('a-y-z')).toBe('second');
    expect(cache.get('a-x-z')).toBeUndefined();
    cache.remember('a-x-z', 'first');
    expect(cache.get('a-x-z')).toBe('first');
    expect(cache.get('a-y-z')).toBeUndefined();
  });

  it('an equal string built at run time is the same key', () => {
    const cache = new StringCache<number>();
    cache.remember('broker-3', 3);
    const built = ['broker', String(1 + 2)].join('-');
    expect(cache.get(built)).toBe(3);
  });

  it('process ids that differ in their last digit land in different slots', () => {
    const cache = new StringCache<number>();
    for (let n = 1; n <= 9; n++) cache.remember(`broker-${n}`, n);
    for (let n = 1; n <= 9; n++) expect(cache.get(`broker-${n}`)).toBe(n);
  });
});

describe('the kernel behind its caches', () => {
  it('delivers every message to the process named, when the names share a cache slot and sends alternate between them', () => {
    // "p-a-1" and "p-b-1" (and "p-c-1") share a slot: each send evicts the other's entry.
    const received = new Map<string, number[]>();
    class Peer implements ProcessLogic<Message> {
      constructor(private readonly id: string) {}
      start(fx: Effects<Message>): void {
        if (this.id !== 'p-a-1') return;
        for (let n = 0; n < 30; n++) fx.send(['p-b-1', 'p-c-1', 'p-a-1'][n % 3]!, { type: `Ping${n % 2}`, bytes: 10, n } as Message);
      }
      receive(_from: string, message: Message): void {
        const list = received.get(this.id) ?? [];
        list.push((message as Message & { n: number }).n);
        received.set(this.id, list);
      }
      timer(): void {}
      view(): Record<string, unknown> {
        return {};
      }
    }
    const prng = new Prng(1);
    const network = new Network(
      { zones: ['z'], intraZoneLatencyUs: 100, crossZoneLatencyUs: 100, regionalLatencyUs: 100, jitterUs: 0, nicBytesPerSecond: 1e9, lossPerMillion: 0 },
      prng.fork('network'),
    );
    const kernel = new Kernel(network, prng.fork('kernel'));
    for (const id of ['p-a-1', 'p-b-1', 'p-c-1']) kernel.addProcess({ id, role: 'client', zone: 'z', durable: null, create: () => new Peer(id) });
    kernel.runUntil(1_000_000);
    const expected = (offset: number): number[] => Array.from({ length: 10 }, (_, k) => 3 * k + offset);
    expect(received.get('p-b-1')).toEqual(expected(0));
    expect(received.get('p-c-1')).toEqual(expected(1));
    expect(received.get('p-a-1')).toEqual(expected(2));
  });
});
