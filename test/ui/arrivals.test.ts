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

  it('forgets rows no longer drawn, so a row drawn again highlights as new and the map stays bounded', () => {
    const arrivals = new Arrivals();
    arrivals.settled(['rec-1', 'rec-2'], 0);
    expect(arrivals.settled(['rec-2'], ARRIVAL_HIGHLIGHT_MS).has('rec-2')).toBe(true);
    expect(arrivals.size).toBe(1);
    // rec-1 comes back (a rewind drew it again): it arrives anew.
    expect(arrivals.settled(['rec-1', 'rec-2'], 2 * ARRIVAL_HIGHLIGHT_MS).has('rec-1')).toBe(false);
    expect(arrivals.size).toBe(2);
  });
});
