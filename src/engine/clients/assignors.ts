// Partition assignors, run by the group leader's consumer (Kafka's ConsumerPartitionAssignor
// implementations): "range" (RangeAssignor) and "cooperative-sticky" (CooperativeStickyAssignor,
// KIP-429). Pure functions of the members' subscriptions and the topic's partition count, so every
// leader computes the same assignment.
//
//   range               members sorted by id; each gets a contiguous range of floor(n/m) partitions,
//                       the first n%m one more (RangeAssignor.assign).
//   cooperative-sticky  balanced (sizes differ by at most one) while keeping as many owned partitions
//                       as a balanced assignment allows (AbstractStickyAssignor's constrained path);
//                       then, cooperatively, a partition moving from one member to another is left
//                       out this generation: its owner revokes it and rejoins, and the next
//                       rebalance hands it on (CooperativeStickyAssignor.adjustAssignment).
//
// Never: assigns a partition to two members, or depends on iteration order of anything unsorted.

export type AssignmentStrategy = 'range' | 'cooperative-sticky';

export interface AssignorMember {
  readonly memberId: string;
  /** Partitions the member owns now (cooperative protocol); ignored by range. */
  readonly ownedPartitions: readonly number[];
  /** The generation it owned them in: a claim from an older generation loses to a newer one (KIP-792). */
  readonly generation: number;
}

/** Member id -> its partitions, ascending. Every member appears, possibly with none. */
export type Assignment = Map<string, number[]>;

function byId(a: AssignorMember, b: AssignorMember): number {
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

/** RangeAssignor for one topic of `partitions` partitions. */
export function rangeAssign(members: readonly AssignorMember[], partitions: number): Assignment {
  const sorted = [...members].sort(byId);
  const result: Assignment = new Map();
  const count = sorted.length;
  if (count === 0) return result;
  const base = Math.floor(partitions / count);
  const extra = partitions % count;
  let next = 0;
  sorted.forEach((member, index) => {
    const size = base + (index < extra ? 1 : 0);
    result.set(member.memberId, Array.from({ length: size }, (_, at) => next + at));
    next += size;
  });
  return result;
}

/** The sticky, balanced assignment before the cooperative adjustment. */
export function stickyAssign(members: readonly AssignorMember[], partitions: number): Assignment {
  const sorted = [...members].sort(byId);
  const result: Assignment = new Map();
  const count = sorted.length;
  if (count === 0) return result;
  // Valid claims: in range, and for a partition claimed twice, the newest generation's (ties: first by id).
  const owner = new Map<number, { memberId: string; generation: number }>();
  for (const member of sorted) {
    for (const partition of member.ownedPartitions) {
      if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) continue;
      const claim = owner.get(partition);
      if (claim === undefined || claim.generation < member.generation) owner.set(partition, { memberId: member.memberId, generation: member.generation });
    }
  }
  const minQuota = Math.floor(partitions / count);
  const maxQuota = Math.ceil(partitions / count);
  // How many members may hold maxQuota (the remainder); with an even split none is "above" minQuota.
  let maxQuotaSlots = minQuota === maxQuota ? 0 : partitions % count;
  const assigned = new Set<number>();
  // Keep owned partitions: members with the most owned first, so the max-quota slots go where they save the most moves.
  const owned = new Map<string, number[]>(sorted.map((member) => [member.memberId, [] as number[]]));
  for (const [partition, claim] of [...owner.entries()].sort((a, b) => a[0] - b[0])) owned.get(claim.memberId)!.push(partition);
  const keepOrder = [...sorted].sort((a, b) => owned.get(b.memberId)!.length - owned.get(a.memberId)!.length || byId(a, b));
  for (const member of keepOrder) {
    const mine = owned.get(member.memberId)!;
    let quota = minQuota;
    if (mine.length > minQuota && maxQuotaSlots > 0) {
      quota = maxQuota;
      maxQuotaSlots--;
    }
    const kept = mine.slice(0, quota);
    for (const partition of kept) assigned.add(partition);
    result.set(member.memberId, kept);
  }
  // Hand out the rest: first to members below minQuota, then up to maxQuota while slots remain.
  const free: number[] = [];
  for (let partition = 0; partition < partitions; partition++) if (!assigned.has(partition)) free.push(partition);
  let cursor = 0;
  for (const member of sorted) {
    const list = result.get(member.memberId)!;
    while (list.length < minQuota && cursor < free.length) list.push(free[cursor++]!);
  }
  for (const member of sorted) {
    if (cursor >= free.length || maxQuotaSlots === 0) break;
    const list = result.get(member.memberId)!;
    if (list.length < maxQuota) {
      list.push(free[cursor++]!);
      maxQuotaSlots--;
    }
  }
  if (cursor !== free.length) throw new Error(`stickyAssign: ${free.length - cursor} partitions left unassigned; the quotas are wrong`);
  for (const list of result.values()) list.sort((a, b) => a - b);
  return result;
}

/** CooperativeStickyAssignor: sticky and balanced, minus partitions still owned by another member. */
export function cooperativeStickyAssign(members: readonly AssignorMember[], partitions: number): Assignment {
  const sticky = stickyAssign(members, partitions);
  const ownerOf = new Map<number, string>();
  for (const member of members) for (const partition of member.ownedPartitions) ownerOf.set(partition, member.memberId);
  const result: Assignment = new Map();
  for (const [memberId, list] of sticky) {
    result.set(
      memberId,
      list.filter((partition) => {
        const owner = ownerOf.get(partition);
        return owner === undefined || owner === memberId;
      }),
    );
  }
  return result;
}

export function assign(strategy: AssignmentStrategy, members: readonly AssignorMember[], partitions: number): Assignment {
  return strategy === 'range' ? rangeAssign(members, partitions) : cooperativeStickyAssign(members, partitions);
}
