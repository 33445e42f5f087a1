// The metadata log's rows are marked settled once their arrival highlight is over, so that
// perf.css may skip them off screen while rows still highlighting are drawn (arrivals.ts). Method:
// frames of row keys at given times, and which keys come back settled.

import { describe, expect, it } from 'vitest';
import { ARRIVAL_HIGHLIGHT_MS, Arrivals } from '../../src/ui/arrivals';

describe('metadata log rows settle once their arrival highlight is over', () => {
  it('a row is settled only when its highlight has run its whole length since it first appeared', () => {
    const arrivals = new Arrivals();
    expect([...arrivals.settled(['rec-1', 'rec-2'], 1_000)]).toEqual([]);
    // A newer row arrives later; the first two are still highlighting just before the end.
    expect([...arrivals.settled(['rec-3', 'rec-1', 'rec-2'], 1_000 + ARRIVAL_HIGHLIGHT_MS - 1)]).toEqual([]);
    expect([...arrivals.settled(['rec-3', 'rec-1', 'rec-2'], 1_000 + ARRIVAL_HIGHLIGHT_MS)].sort()).toEqual(['rec-1', 'rec-2']);
    // rec-3 appeared at 2,799 ms: settled from 4,599 ms on, not before.
    expect(arrivals.settled(['rec-3', 'rec-1', 'rec-2'], 4_598).has('rec-3')).toBe(false);
    expect(arrivals.settled(['rec-3', 'rec-1', 'rec-2'], 4_599).has('rec-3')).toBe(true);
  });

  it('settles at once a row that arrives while the log is off screen, and only such a row', () => {
    const arrivals = new Arrivals();
    expect([...arrivals.settled(['rec-1'], 1_000)]).toEqual([]);
    // The log scrolled away; rec-2 arrives there: no highlight to run. rec-1 keeps its own clock.
    const away = arrivals.settled(['rec-2', 'rec-1'], 1_100, true);
    expect([...away]).toEqual(['rec-2']);
    // Back on screen: rec-3 highlights as usual, rec-2 stays settled, rec-1 settles on time.
    const back = arrivals.settled(['rec-3', 'rec-2', 'rec-1'], 1_000 + ARRIVAL_HIGHLIGHT_MS);
    expect([...back].sort()).toEqual(['rec-1', 'rec-2']);
    expect(arrivals.settled(['rec-3', 'rec-2', 'rec-1'], 1_100 + ARRIVAL_HIGHLIGHT_MS).has('rec-3')).toBe(false);
  });

  it('does not highlight older rows drawn below rows seen before (the cap rose), only rows above them', () => {
    const arrivals = new Arrivals();
    arrivals.settled(['rec-9', 'rec-8'], 0);
    // The log nears the viewport or the run pauses: more of its older rows are drawn, and one arrives.
    const more = arrivals.settled(['rec-10', 'rec-9', 'rec-8', 'rec-7', 'rec-6'], 100);
    expect([...more].sort()).toEqual(['rec-6', 'rec-7']);
    expect(arrivals.settled(['rec-10', 'rec-9', 'rec-8', 'rec-7', 'rec-6'], ARRIVAL_HIGHLIGHT_MS).size).toBe(4);
  });

  it('forgets rows no longer drawn, so a row drawn again highlights as new and the map stays bounded', () => {
    const arrivals = new Arrivals();
    arrivals.settled(['rec-1', 'rec-2'], 0);
    expect(arrivals.settled(['rec-2'], ARRIVAL_HIGHLIGHT_MS).has('rec-2')).toBe(true);
    expect(arrivals.size).toBe(1);
    // rec-1 comes back (a rewind drew it again): it arrives anew.
    expect(arrivals.settled(['rec-1', 'rec-2'], 2 * ARRIVAL_HIGHLIGHT_MS).has('rec-1')).toBe(false);
    expect(arrivals.size).toBe(2);
  });

  it('returns the same set while the settled rows are the same, and a new one once another settles or leaves', () => {
    const arrivals = new Arrivals();
    const none = arrivals.settled(['rec-1', 'rec-2'], 0);
    expect(arrivals.settled(['rec-1', 'rec-2'], 10)).toBe(none);
    arrivals.settled(['rec-3', 'rec-1', 'rec-2'], 100);
    const two = arrivals.settled(['rec-3', 'rec-1', 'rec-2'], ARRIVAL_HIGHLIGHT_MS);
    expect([...two].sort()).toEqual(['rec-1', 'rec-2']);
    expect(arrivals.settled(['rec-3', 'rec-1', 'rec-2'], ARRIVAL_HIGHLIGHT_MS + 50)).toBe(two);
    // rec-3 settles: a new set.
    const three = arrivals.settled(['rec-3', 'rec-1', 'rec-2'], ARRIVAL_HIGHLIGHT_MS + 100);
    expect(three).not.toBe(two);
    expect(three.size).toBe(3);
    // rec-1 is no longer drawn: the same count would not do, the keys differ.
    const after = arrivals.settled(['rec-4', 'rec-3', 'rec-2'], ARRIVAL_HIGHLIGHT_MS + 200);
    expect(after).not.toBe(three);
    expect([...after].sort()).toEqual(['rec-2', 'rec-3']);
    // rec-1 gone, rec-4 settled: as many keys as before, yet other keys.
    const swapped = arrivals.settled(['rec-4', 'rec-3'], 2 * ARRIVAL_HIGHLIGHT_MS + 200);
    expect([...swapped].sort()).toEqual(['rec-3', 'rec-4']);
    expect(swapped).not.toBe(after);
  });
});
