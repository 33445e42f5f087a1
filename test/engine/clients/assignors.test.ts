// Goal: the assignors hand out partitions as Kafka's do: range gives each member (sorted by id) a
// contiguous block, the first n%m one larger; cooperative-sticky is balanced, keeps as many owned
// partitions as a balanced assignment can, and leaves out (for a second rebalance) every partition
// still owned by another member.
// Method: hand-made cases from Kafka's own tests, then thousands of random member/partition sets
// checked against deliberately naive references: range computed partition by partition, and the
// best possible number of kept partitions found by trying every choice of which members get the
// larger quota (etcd's quorum/quick_test.go habit).

import { describe, expect, it } from 'vitest';
import { cooperativeStickyAssign, rangeAssign, stickyAssign, type AssignorMember } from '../../../src/engine/clients/assignors';
import { Prng } from '../../../src/engine/sim/prng';

function members(...owned: number[][]): AssignorMember[] {
  return owned.map((partitions, index) => ({ memberId: `m${index}`, ownedPartitions: partitions, generation: 1 }));
}

/** Naive range: partition p goes to the member whose block, counted one member at a time, holds it. */
function naiveRange(ids: string[], partitions: number): Map<string, number[]> {
  const sorted = [...ids].sort();
  const result = new Map(sorted.map((id) => [id, [] as number[]]));
  for (let p = 0; p < partitions; p++) {
    let start = 0;
    for (let i = 0; i < sorted.length; i++) {
      const size = Math.floor(partitions / sorted.length) + (i < partitions % sorted.length ? 1 : 0);
      if (p < start + size) {
        result.get(sorted[i]!)!.push(p);
        break;
      }
      start += size;
    }
  }
  return result;
}

/** The most owned partitions any balanced assignment can keep: try every set of members that get the larger quota. */
function naiveMaxKept(owned: number[][], partitions: number): number {
  const m = owned.length;
  const min = Math.floor(partitions / m);
  const extra = partitions % m;
  let best = 0;
  for (let mask = 0; mask < 1 << m; mask++) {
    let bits = 0;
    for (let i = 0; i < m; i++) if (mask & (1 << i)) bits++;
    if (bits !== extra) continue;
    let kept = 0;
    for (let i = 0; i < m; i++) kept += Math.min(owned[i]!.length, min + (mask & (1 << i) ? 1 : 0));
    best = Math.max(best, kept);
  }
  return best;
}

/** Random disjoint ownership: each partition owned by a random member, or by none. */
function randomOwnership(prng: Prng, m: number, partitions: number): number[][] {
  const owned: number[][] = Array.from({ length: m }, () => []);
  for (let p = 0; p < partitions; p++) {
    const who = prng.int(m + 1);
    if (who < m) owned[who]!.push(p);
  }
  return owned;
}

describe('the range assignor', () => {
  it('gives 7 partitions to 3 members as 3, 2, 2 in member id order (RangeAssignor)', () => {
    const result = rangeAssign(members([], [], []), 7);
    expect([...result.entries()]).toEqual([
      ['m0', [0, 1, 2]],
      ['m1', [3, 4]],
      ['m2', [5, 6]],
    ]);
  });

  it('leaves members without partitions when there are more members than partitions', () => {
    const result = rangeAssign(members([], [], [], []), 2);
    expect(result.get('m2')).toEqual([]);
    expect(result.get('m3')).toEqual([]);
  });

  it('matches the naive reference on 2,000 random sets of members and partitions', () => {
    const prng = new Prng(11);
    for (let round = 0; round < 2_000; round++) {
      const m = 1 + prng.int(8);
      const partitions = prng.int(40);
      const ids = Array.from({ length: m }, (_, i) => `member-${prng.int(1_000)}-${i}`);
      const result = rangeAssign(
        ids.map((memberId) => ({ memberId, ownedPartitions: [], generation: 0 })),
        partitions,
      );
      expect(result, `round ${round}`).toEqual(naiveRange(ids, partitions));
    }
  });
});

describe('the cooperative-sticky assignor', () => {
  it('keeps every partition where it is when the group is already balanced', () => {
    const result = cooperativeStickyAssign(members([0, 1], [2, 3], [4, 5]), 6);
    expect([...result.values()]).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
  });

  it('when a third member joins, moves only what balance needs, and holds it back for the second rebalance (KIP-429)', () => {
    // Two members own 3 partitions each; a new member arrives with none.
    const group = members([0, 1, 2], [3, 4, 5], []);
    const sticky = stickyAssign(group, 6);
    expect(sticky.get('m0')!.length).toBe(2);
    expect(sticky.get('m1')!.length).toBe(2);
    expect(sticky.get('m2')!.length).toBe(2);
    // First rebalance: the new member gets nothing yet; the others lose one partition each (revoked).
    const first = cooperativeStickyAssign(group, 6);
    expect(first.get('m2')).toEqual([]);
    expect(first.get('m0')).toEqual([0, 1]);
    expect(first.get('m1')).toEqual([3, 4]);
    // Second rebalance, after the revocations: the freed partitions go to the new member.
    const second = cooperativeStickyAssign(members([0, 1], [3, 4], []), 6);
    expect(second.get('m2')).toEqual([2, 5]);
    expect(second.get('m0')).toEqual([0, 1]);
  });

  it('hands a departed member\'s partitions to the others at once (nobody owns them any more)', () => {
    const result = cooperativeStickyAssign(members([0, 1], [4, 5]), 6);
    expect(result.get('m0')!.length + result.get('m1')!.length).toBe(6);
    expect(result.get('m0')).toEqual(expect.arrayContaining([0, 1]));
    expect(result.get('m1')).toEqual(expect.arrayContaining([4, 5]));
  });

  it('is balanced, complete and as sticky as the naive best on 3,000 random sets; the cooperative part withholds exactly the moved partitions', () => {
    const prng = new Prng(29);
    for (let round = 0; round < 3_000; round++) {
      const m = 1 + prng.int(6);
      const partitions = prng.int(30);
      const owned = randomOwnership(prng, m, partitions);
      const group = members(...owned);
      const sticky = stickyAssign(group, partitions);
      const label = `round ${round}: ${JSON.stringify(owned)} over ${partitions}`;
      const all = [...sticky.values()].flat().sort((a, b) => a - b);
      expect(all, label).toEqual(Array.from({ length: partitions }, (_, p) => p));
      const sizes = [...sticky.values()].map((list) => list.length);
      expect(Math.max(...sizes) - Math.min(...sizes), label).toBeLessThanOrEqual(1);
      let kept = 0;
      group.forEach((member) => {
        kept += sticky.get(member.memberId)!.filter((p) => member.ownedPartitions.includes(p)).length;
      });
      expect(kept, label).toBe(naiveMaxKept(owned, partitions));
      const cooperative = cooperativeStickyAssign(group, partitions);
      group.forEach((member) => {
        const withheld = sticky.get(member.memberId)!.filter((p) => !cooperative.get(member.memberId)!.includes(p));
        for (const p of withheld) expect(owned.some((list, i) => i !== Number(member.memberId.slice(1)) && list.includes(p)), label).toBe(true);
      });
    }
  });
});
