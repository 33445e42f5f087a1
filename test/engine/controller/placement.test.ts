// Replica placement is rack-aware like Kafka's StripedReplicaPlacer: consecutive replicas fall in
// different racks whenever there are enough racks, and leaders (first replicas) spread evenly.
import { describe, expect, it } from 'vitest';
import { compareIds, interleaveByRack, placeReplicas } from '../../../src/engine/controller/placement';

const brokers = Array.from({ length: 6 }, (_, i) => ({ id: `broker-${i + 1}`, rack: `zone-${'abc'[i % 3]}` }));

describe('placement', () => {
  it('interleaves brokers rack by rack', () => {
    expect(interleaveByRack(brokers).map((broker) => broker.id)).toEqual(['broker-1', 'broker-2', 'broker-3', 'broker-4', 'broker-5', 'broker-6']);
    const lopsided = [
      { id: 'broker-1', rack: 'a' },
      { id: 'broker-2', rack: 'a' },
      { id: 'broker-3', rack: 'b' },
    ];
    expect(interleaveByRack(lopsided).map((broker) => broker.id)).toEqual(['broker-1', 'broker-3', 'broker-2']);
  });

  it('puts the replicas of every partition in three different zones, and spreads leaders evenly', () => {
    const rackOf = new Map(brokers.map((broker) => [broker.id, broker.rack]));
    const assignments = placeReplicas(brokers, 60, 3, 4);
    for (const replicas of assignments) {
      expect(new Set(replicas).size).toBe(3);
      expect(new Set(replicas.map((id) => rackOf.get(id))).size).toBe(3);
    }
    const leaders = new Map<string, number>();
    for (const replicas of assignments) leaders.set(replicas[0]!, (leaders.get(replicas[0]!) ?? 0) + 1);
    expect([...leaders.values()]).toEqual([10, 10, 10, 10, 10, 10]);
  });

  it('refuses a replication factor above the usable brokers, saying how many there are', () => {
    expect(() => placeReplicas(brokers.slice(0, 2), 1, 3, 0)).toThrow('replication factor 3 needs 3 usable brokers; 2 are usable');
  });

  it('orders ids by their number: broker-2 before broker-10', () => {
    expect(['broker-10', 'broker-2', 'broker-1'].sort(compareIds)).toEqual(['broker-1', 'broker-2', 'broker-10']);
  });
});
