// Goal: the oracle's read ledger finds a batch by looking back from its tail (findNearEnd) with
// exactly the answers of its binary search (find): the entry for (base offset, batch id), or where
// a new one goes (after the entries at that offset), whatever the ledger's shape.
// Method: seeded random ledgers sorted by base offset, with runs of entries at one offset (batches
// written again after a truncation), a moving `first`, and lengths below and above the look-back;
// every offset from below the first to past the last is asked, with a batch id present at it and
// one absent, and both functions must agree. The seed is in each assertion message.

import { describe, expect, it } from 'vitest';
import { find, findNearEnd, type PartitionReads } from '../../../src/engine/check/durability';
import { listHas } from '../../../src/engine/sim/lists';
import { Prng } from '../../../src/engine/sim/prng';

function ledger(prng: Prng): PartitionReads {
  const reads: PartitionReads = { baseOffsets: [], endOffsets: [], batchIds: [], readers: [], first: 0 };
  const length = prng.int(60);
  let offset = prng.int(5);
  for (let index = 0; index < length; index++) {
    // Mostly increasing, sometimes the same offset again (a batch written again after a truncation).
    if (index > 0 && prng.int(4) !== 0) offset += 1 + prng.int(3);
    reads.baseOffsets.push(offset);
    reads.endOffsets.push(offset + 1);
    reads.batchIds.push(`b${index}`);
    reads.readers.push('c');
  }
  reads.first = length === 0 ? 0 : prng.int(length + 1);
  return reads;
}

describe('DurabilityOracle read ledger lookup', () => {
  it('findNearEnd answers as find does, found or not', () => {
    let found = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const prng = new Prng(seed);
      const reads = ledger(prng);
      const last = reads.baseOffsets.at(-1) ?? 0;
      for (let offset = -1; offset <= last + 2; offset++) {
        const ids = ['absent'];
        for (let index = reads.first; index < reads.baseOffsets.length; index++) if (reads.baseOffsets[index] === offset) ids.push(reads.batchIds[index]!);
        for (const id of ids) {
          const expected = find(reads, offset, id);
          if (expected >= 0) found++;
          expect(findNearEnd(reads, offset, id), `seed ${seed}, offset ${offset}, id ${id}`).toBe(expected);
        }
      }
    }
    expect(found).toBeGreaterThan(1000); // the ledgers had entries to find, not only insertion points
  });
});

describe('listHas', () => {
  it('is includes for strings and numbers', () => {
    expect(listHas(['broker-1', 'broker-2'], 'broker-2')).toBe(true);
    expect(listHas(['broker-1', 'broker-2'], 'broker-3')).toBe(false);
    expect(listHas([], 'broker-1')).toBe(false);
    expect(listHas([0, 1, 2], 2)).toBe(true);
    expect(listHas(['broker-1'], `broker-${1}`)).toBe(true); // a string built at run time, equal by value
  });
});
