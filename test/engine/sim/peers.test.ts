// Per-peer arrays (sim/peers.ts): a value kept at a sender's index is found there, an input from no
// process (index undefined or -1) neither finds nor keeps one, and the array stays packed (no holes,
// so V8 keeps its fast elements kind) whatever order the indices come in.
import { describe, expect, it } from 'vitest';
import { atPeer, setAtPeer } from '../../../src/engine/sim/peers';

describe('per-peer arrays', () => {
  it('keeps a value per sender index, none for an input from no process, and no holes', () => {
    const byPeer: (string | undefined)[] = [];
    expect(atPeer(byPeer, 3)).toBeUndefined();
    setAtPeer(byPeer, 3, 'broker-3');
    setAtPeer(byPeer, 1, 'broker-1');
    setAtPeer(byPeer, -1, 'timer');
    setAtPeer(byPeer, undefined, 'test effects');
    expect(atPeer(byPeer, 3)).toBe('broker-3');
    expect(atPeer(byPeer, 1)).toBe('broker-1');
    expect(atPeer(byPeer, 0)).toBeUndefined();
    expect(atPeer(byPeer, 7)).toBeUndefined();
    expect(atPeer(byPeer, -1)).toBeUndefined();
    expect(atPeer(byPeer, undefined)).toBeUndefined();
    expect(byPeer).toHaveLength(4);
    expect(Object.keys(byPeer)).toEqual(['0', '1', '2', '3']); // packed: the skipped slots hold undefined, not holes
  });
});
