// Rack-aware replica placement, in the manner of Kafka's StripedReplicaPlacer: brokers are
// interleaved by rack (zone) so that consecutive picks fall in different racks; each partition
// starts one step further along the list, so leaders (the first replica) spread evenly too.

export interface PlacementBroker {
  readonly id: string;
  readonly rack: string;
}

/** Brokers ordered rack by rack in turn: a1, b1, c1, a2, b2, c2, ... (racks and brokers sorted). */
export function interleaveByRack(brokers: readonly PlacementBroker[]): PlacementBroker[] {
  const byRack = new Map<string, PlacementBroker[]>();
  for (const broker of [...brokers].sort((a, b) => compareIds(a.id, b.id))) {
    const list = byRack.get(broker.rack) ?? [];
    list.push(broker);
    byRack.set(broker.rack, list);
  }
  const racks = [...byRack.keys()].sort();
  const result: PlacementBroker[] = [];
  for (let round = 0; result.length < brokers.length; round++) {
    for (const rack of racks) {
      const broker = byRack.get(rack)![round];
      if (broker !== undefined) result.push(broker);
    }
  }
  return result;
}

/**
 * Replica lists for `partitions` partitions of `replicationFactor` replicas each, starting at
 * `startIndex` in the interleaved list. Throws when there are fewer usable brokers than replicas.
 */
export function placeReplicas(
  brokers: readonly PlacementBroker[],
  partitions: number,
  replicationFactor: number,
  startIndex: number,
): string[][] {
  if (brokers.length < replicationFactor) {
    throw new Error(`replication factor ${replicationFactor} needs ${replicationFactor} usable brokers; ${brokers.length} are usable`);
  }
  const ordered = interleaveByRack(brokers);
  const n = ordered.length;
  return Array.from({ length: partitions }, (_, partition) =>
    Array.from({ length: replicationFactor }, (_, replica) => ordered[(startIndex + partition + replica) % n]!.id),
  );
}

/** "broker-2" before "broker-10". */
export function compareIds(a: string, b: string): number {
  const na = /(\d+)$/.exec(a);
  const nb = /(\d+)$/.exec(b);
  const prefixA = na === null ? a : a.slice(0, na.index);
  const prefixB = nb === null ? b : b.slice(0, nb.index);
  if (prefixA !== prefixB) return prefixA < prefixB ? -1 : 1;
  return (na === null ? 0 : Number(na[1])) - (nb === null ? 0 : Number(nb[1]));
}
