// Goal: a leader reads its topic's min.insync.replicas once per metadata change, not per produced
// batch (replica-manager.ts LeaderPartition.minIsr), and a Config record that changes it applies to
// the very next produce: acks=all then fails with NOT_ENOUGH_REPLICAS, as Kafka's
// Partition.appendRecordsToLeader does when the ISR is below min.insync.replicas.
// Method: one real ReplicaManager leading a one-replica partition over a MetadataImage replayed by
// hand; its min.insync.replicas setting reads the image's config (as cluster.ts's does) and counts
// how often it is asked.

import { describe, expect, it } from 'vitest';
import type { ProduceRequest, ProduceResponse } from '../../../src/engine/broker/protocol';
import { ReplicaManager, type DataDisk } from '../../../src/engine/broker/replica-manager';
import { MetadataImage } from '../../../src/engine/controller/image';
import type { MetadataRecord } from '../../../src/engine/controller/records';
import { TimerKeys, type Effects, type Message } from '../../../src/engine/sim/process';
import { Prng } from '../../../src/engine/sim/prng';

const TOPIC = 'orders';

function leaderOfOnePartition() {
  const image = new MetadataImage();
  let offset = 0;
  const replay = (record: MetadataRecord) => image.replay(record, offset++);
  let asked = 0;
  const minInsyncReplicas = (topic: string): number => {
    asked++;
    return Number(image.configs.get(`topic:${topic}/min.insync.replicas`) ?? 1);
  };
  const settings = { replicaLagMaxUs: 30_000_000, fetchMaxWaitUs: 500_000, fetchMaxBytes: 1 << 20, fetchTimeoutUs: 30_000_000, fetchBackoffUs: 1_000_000, minInsyncReplicas, dataReplication: () => 'isr' as const };
  const disk: DataDisk = { logs: new Map(), producerIdCounter: 0 };
  const replicas = new ReplicaManager('b1', settings, disk, image, () => 1);
  const sent: Message[] = [];
  const timerKeys = new TimerKeys();
  const fx: Effects<Message> = {
    nowUs: 0,
    self: 'b1',
    prng: new Prng(3),
    send: (_to, message) => sent.push(message),
    setTimer: () => undefined,
    cancelTimer: () => undefined,
    timer: (key) => timerKeys.timer(key),
    arm: () => undefined,
    disarm: () => undefined,
    note: () => undefined,
    exit: () => undefined,
  };
  replay({ type: 'RegisterBroker', brokerId: 'b1', brokerEpoch: 1, rack: 'zone-a', incarnation: 1 });
  replay({ type: 'UnfenceBroker', brokerId: 'b1', brokerEpoch: 1 });
  replay({ type: 'Topic', name: TOPIC, topicId: TOPIC });
  replay({ type: 'Partition', topicId: TOPIC, partition: 0, replicas: ['b1'], isr: ['b1'], leader: 'b1', leaderEpoch: 0, partitionEpoch: 0 });
  replicas.startServing(fx);
  replicas.onPartitionState(image.partition(TOPIC, 0)!, fx);

  /** An acks=all produce of one batch (sequence `sequence`); returns its answer's error. */
  const produce = (sequence: number): string => {
    const request: ProduceRequest = {
      type: 'Produce',
      bytes: 164,
      correlationId: sequence,
      acks: -1,
      timeoutUs: 30_000_000,
      batches: [{ topic: TOPIC, partition: 0, producerId: 5, baseSequence: sequence, records: 1, bytes: 100, batchId: `p/${sequence}`, createdUs: 0 }],
    };
    replicas.handleRequest('producer', request, fx);
    const answer = sent.pop() as ProduceResponse;
    expect(answer.type).toBe('ProduceResponse');
    return answer.results[0]!.error;
  };
  return { replay, produce, asked: () => asked };
}

describe('min.insync.replicas on the produce path', () => {
  it('is read once per metadata change, and a Config record raising it fails the next acks=all produce with NOT_ENOUGH_REPLICAS', () => {
    const leader = leaderOfOnePartition();
    expect(leader.produce(0)).toBe('NONE');
    expect(leader.produce(1)).toBe('NONE');
    // Two produces, each asking on arrival and on completion: the setting was read once.
    expect(leader.asked()).toBe(1);

    leader.replay({ type: 'Config', resource: `topic:${TOPIC}`, name: 'min.insync.replicas', value: '2' });
    expect(leader.produce(2), 'an ISR of one is below the new min.insync.replicas').toBe('NOT_ENOUGH_REPLICAS');
    expect(leader.asked(), 'read again after the record, once').toBe(2);

    leader.replay({ type: 'Config', resource: `topic:${TOPIC}`, name: 'min.insync.replicas', value: null });
    expect(leader.produce(2), 'the default (1) again').toBe('NONE');
    expect(leader.asked()).toBe(3);
  });
});
