// The metadata image replays records exactly as Kafka's does: registrations start fenced, fence
// and unfence apply only to the broker epoch they name, partition changes move leaders (and keep
// the offline and per-broker leader counts right), and snapshots round-trip without sharing state.
import { describe, expect, it } from 'vitest';
import { MetadataImage } from '../../../src/engine/controller/image';
import type { MetadataRecord } from '../../../src/engine/controller/records';

function imageOf(records: MetadataRecord[]): MetadataImage {
  const image = new MetadataImage();
  records.forEach((record, offset) => image.replay(record, offset));
  return image;
}

const base: MetadataRecord[] = [
  { type: 'LeaderChange', epoch: 1, leader: 'controller-1', voters: ['controller-1'] },
  { type: 'RegisterBroker', brokerId: 'broker-1', brokerEpoch: 1, rack: 'zone-a', incarnation: 7 },
  { type: 'RegisterBroker', brokerId: 'broker-2', brokerEpoch: 2, rack: 'zone-b', incarnation: 8 },
  { type: 'UnfenceBroker', brokerId: 'broker-1', brokerEpoch: 1 },
  { type: 'UnfenceBroker', brokerId: 'broker-2', brokerEpoch: 2 },
  { type: 'Topic', name: 'orders', topicId: 'orders' },
  { type: 'Partition', topicId: 'orders', partition: 0, replicas: ['broker-1', 'broker-2'], isr: ['broker-1', 'broker-2'], leader: 'broker-1', leaderEpoch: 0, partitionEpoch: 0 },
  { type: 'Partition', topicId: 'orders', partition: 1, replicas: ['broker-2', 'broker-1'], isr: ['broker-2', 'broker-1'], leader: 'broker-2', leaderEpoch: 0, partitionEpoch: 0 },
];

describe('MetadataImage.replay', () => {
  it('registers brokers fenced, at the offset of their record, and unfences them by epoch', () => {
    const image = imageOf(base.slice(0, 3));
    expect(image.brokers.get('broker-1')).toMatchObject({ brokerEpoch: 1, registeredAtOffset: 1, fenced: true, rack: 'zone-a' });
    image.replay({ type: 'UnfenceBroker', brokerId: 'broker-1', brokerEpoch: 99 }, 3);
    expect(image.brokers.get('broker-1')!.fenced).toBe(true); // a record for another registration is ignored
    image.replay({ type: 'UnfenceBroker', brokerId: 'broker-1', brokerEpoch: 1 }, 4);
    expect(image.brokers.get('broker-1')!.fenced).toBe(false);
    expect(image.nextOffset).toBe(5);
    expect(image.controllerEpoch).toBe(1);
  });

  it('moves leaders with PartitionChange, bumping epochs and keeping the counts', () => {
    const image = imageOf(base);
    expect(image.offlinePartitions).toBe(0);
    expect(Object.fromEntries(image.leaderCounts())).toEqual({ 'broker-1': 1, 'broker-2': 1 });
    image.replay({ type: 'PartitionChange', topicId: 'orders', partition: 0, isr: ['broker-2'], leader: 'broker-2', reason: 'test' }, 8);
    expect(image.partition('orders', 0)).toMatchObject({ leader: 'broker-2', isr: ['broker-2'], leaderEpoch: 1, partitionEpoch: 1 });
    expect(Object.fromEntries(image.leaderCounts())).toEqual({ 'broker-2': 2 });
    image.replay({ type: 'PartitionChange', topicId: 'orders', partition: 1, leader: null, reason: 'test' }, 9);
    expect(image.offlinePartitions).toBe(1);
    // An ISR-only change bumps the partition epoch, not the leader epoch.
    image.replay({ type: 'PartitionChange', topicId: 'orders', partition: 0, isr: ['broker-2', 'broker-1'], reason: 'test' }, 10);
    expect(image.partition('orders', 0)).toMatchObject({ leaderEpoch: 1, partitionEpoch: 2 });
  });

  it('refuses a partition record for a topic it has never seen, naming the offset', () => {
    const image = new MetadataImage();
    expect(() => image.replay(base[6]!, 3)).toThrow('metadata: PartitionRecord for unknown topic id orders at offset 3');
  });

  it('round-trips through a snapshot, and a snapshot never changes with the live image', () => {
    const image = imageOf(base);
    const { data, bytes } = image.snapshot();
    expect(bytes).toBeGreaterThan(0);
    image.replay({ type: 'PartitionChange', topicId: 'orders', partition: 0, leader: null, reason: 'test' }, 8);
    expect(data.topics[0]!.partitions[0]!.leader).toBe('broker-1');
    const restored = new MetadataImage();
    restored.load(data, 8);
    expect(restored.partition('orders', 0)!.leader).toBe('broker-1');
    expect(restored.nextOffset).toBe(8);
    expect(Object.fromEntries(restored.leaderCounts())).toEqual({ 'broker-1': 1, 'broker-2': 1 });
    const copy = image.clone();
    copy.replay({ type: 'FenceBroker', brokerId: 'broker-2', brokerEpoch: 2, reason: 'test' }, 9);
    expect(image.brokers.get('broker-2')!.fenced).toBe(false);
  });
});

describe('MetadataImage counts', () => {
  it('keeps replicas per broker through replay and snapshots', () => {
    const image = imageOf(base);
    expect(image.replicaCount('broker-1')).toBe(2);
    expect(image.replicaCount('broker-3')).toBe(0);
    const restored = new MetadataImage();
    restored.load(image.snapshot().data, image.nextOffset);
    expect(restored.replicaCount('broker-2')).toBe(2);
  });
});
