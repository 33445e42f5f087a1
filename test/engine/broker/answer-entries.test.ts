// Goal: a leader answers its followers' fetches of one partition with the same entry when it says
// the same (the same kept read of the log, high watermark and log start: an entry names no
// follower), and with a new one as soon as any of those moved; what each follower is sent is
// what a fresh entry would say.
// Method: one real ReplicaManager leading orders-0 with two followers, b2 and b3, whose sessionless
// fetches are made by hand; its messages are collected, and timers are not needed (each fetch is
// answered by a produce).
import { describe, expect, it } from 'vitest';
import { FINAL_EPOCH, INVALID_SESSION_ID } from '../../../src/engine/broker/fetch-session';
import type { FetchPartitionResponse, ProduceRequest, ReplicaFetchRequest, ReplicaFetchResponse } from '../../../src/engine/broker/protocol';
import { ReplicaManager, type DataDisk, type ReplicaSettings } from '../../../src/engine/broker/replica-manager';
import { MetadataImage } from '../../../src/engine/controller/image';
import { TimerKeys, type Effects, type Message } from '../../../src/engine/sim/process';
import { Prng } from '../../../src/engine/sim/prng';

const SETTINGS: ReplicaSettings = {
  replicaLagMaxUs: 30_000_000,
  fetchMaxWaitUs: 500_000,
  fetchMaxBytes: 1 << 20,
  fetchTimeoutUs: 30_000_000,
  fetchBackoffUs: 1_000_000,
  minInsyncReplicas: () => 1,
  dataReplication: () => 'isr',
};

describe("a leader's answer entries for its followers", () => {
  it('are one object for the followers that fetched the same records at the same high watermark, and new ones once it moves', () => {
    const image = new MetadataImage();
    let offset = 0;
    for (const id of ['b1', 'b2', 'b3']) {
      image.replay({ type: 'RegisterBroker', brokerId: id, brokerEpoch: 1, rack: 'zone-a', incarnation: 1 }, offset++);
      image.replay({ type: 'UnfenceBroker', brokerId: id, brokerEpoch: 1 }, offset++);
    }
    image.replay({ type: 'Topic', name: 'orders', topicId: 'orders' }, offset++);
    image.replay({ type: 'Partition', topicId: 'orders', partition: 0, replicas: ['b1', 'b2', 'b3'], isr: ['b1', 'b2', 'b3'], leader: 'b1', leaderEpoch: 0, partitionEpoch: 0 }, offset++);
    const disk: DataDisk = { logs: new Map(), producerIdCounter: 0 };
    const leader = new ReplicaManager('b1', SETTINGS, disk, image, () => 1);
    const sent: { to: string; message: Message }[] = [];
    const keys = new TimerKeys();
    let nowUs = 0;
    const fx = (): Effects<Message> => ({
      nowUs,
      self: 'b1',
      prng: new Prng(3, 'b1'),
      send: (to, message) => sent.push({ to, message }),
      setTimer: () => undefined,
      cancelTimer: () => undefined,
      timer: (key) => keys.timer(key),
      arm: () => undefined,
      disarm: () => undefined,
      note: () => undefined,
      exit: () => undefined,
    });
    leader.onPartitionState(image.partition('orders', 0)!, fx());
    leader.startServing(fx());
    const fetch = (replicaId: string, fetchOffset: number): void => {
      const request: ReplicaFetchRequest = {
        type: 'ReplicaFetch',
        bytes: 64,
        replicaId,
        brokerEpoch: 1,
        sessionId: INVALID_SESSION_ID,
        sessionEpoch: FINAL_EPOCH, // sessionless: every fetch names its partition
        partitions: [{ topic: 'orders', partition: 0, key: 'orders-0', fetchOffset, lastFetchedEpoch: fetchOffset === 0 ? -1 : 0, currentLeaderEpoch: 0 }],
      };
      leader.handleRequest(replicaId, request, fx());
    };
    let sequence = 0;
    const produce = (records: number): void => {
      const request: ProduceRequest = {
        type: 'Produce',
        bytes: 64 + records * 100,
        correlationId: sequence,
        acks: 1,
        timeoutUs: 30_000_000,
        batches: [{ topic: 'orders', partition: 0, producerId: 5, baseSequence: sequence, records, bytes: records * 100, batchId: `p/${sequence}`, createdUs: nowUs }],
      };
      sequence += records;
      leader.handleRequest('producer', request, fx());
    };
    /** The entries answered to b2 and b3 since the last call (each must have one answer). */
    const answered = (): [FetchPartitionResponse, FetchPartitionResponse] => {
      const entries = new Map<string, FetchPartitionResponse>();
      for (const { to, message } of sent.splice(0)) {
        if (message.type !== 'ReplicaFetchResponse') continue;
        const parts = (message as ReplicaFetchResponse).partitions;
        expect(parts.length, `${to}'s answer carries orders-0`).toBe(1);
        entries.set(to, parts[0]!);
      }
      expect([...entries.keys()].sort()).toEqual(['b2', 'b3']);
      return [entries.get('b2')!, entries.get('b3')!];
    };

    // Both wait at offset 0; a produce answers both with its batch, at high watermark 0.
    fetch('b2', 0);
    fetch('b3', 0);
    expect(sent.filter((s) => s.message.type === 'ReplicaFetchResponse')).toEqual([]);
    produce(2);
    const [first2, first3] = answered();
    expect(first3, 'the same records at the same high watermark: one entry').toBe(first2);
    expect({ ...first2 }).toEqual({ topic: 'orders', partition: 0, key: 'orders-0', error: 'NONE', highWatermark: 0, logStartOffset: 0, batches: first2.batches, divergingEpoch: null });
    expect(first2.batches.map((batch) => batch.baseOffset)).toEqual([0]);

    // The ISR shrinks to the leader alone (the same leadership): the high watermark moves to the
    // log end with no answer made. b3 asks for offset 0 again (as after a lost answer): the read
    // kept since the produce, a new high watermark: a new entry.
    image.replay({ type: 'Partition', topicId: 'orders', partition: 0, replicas: ['b1', 'b2', 'b3'], isr: ['b1'], leader: 'b1', leaderEpoch: 0, partitionEpoch: 1 }, offset++);
    leader.onPartitionState(image.partition('orders', 0)!, fx());
    nowUs += 1_000;
    fetch('b3', 0);
    const again = sent.splice(0).map((s) => (s.message as ReplicaFetchResponse).partitions[0]!);
    expect(again.length).toBe(1);
    expect(again[0]!.batches, 'the read kept since the produce').toBe(first2.batches);
    expect(again[0]).not.toBe(first2);
    expect(again[0]!.highWatermark).toBe(2);

    // Both wait at the end; the next produce answers both with its batch.
    fetch('b2', 2);
    fetch('b3', 2);
    expect(sent).toEqual([]);
    produce(3);
    const [second2, second3] = answered();
    expect(second3).toBe(second2);
    expect(second2, 'new records: a new entry').not.toBe(first2);
    expect(second2.highWatermark).toBe(5);
    expect(second2.batches.map((batch) => batch.baseOffset)).toEqual([2]);

    // Now b2 fetches from the new end, then b3 again from offset 2 (an answer it lost, say).
    nowUs += 1_000;
    fetch('b2', 5);
    fetch('b3', 2);
    const late3 = sent.splice(0).find((s) => s.to === 'b3')!.message as ReplicaFetchResponse;
    expect(late3.partitions[0]!.batches.map((batch) => batch.baseOffset)).toEqual([2]);
    // b2's fetch at the end was answered nothing yet but made the high watermark entry last: b3's is made anew, saying what b2's said.
    expect(late3.partitions[0]).not.toBe(second2);
    expect({ ...late3.partitions[0]! }).toEqual({ ...second2 });
    produce(1);
    const woken = sent.splice(0).filter((s) => s.message.type === 'ReplicaFetchResponse');
    expect(woken.map((s) => s.to)).toEqual(['b2']);
    const third2 = (woken[0]!.message as ReplicaFetchResponse).partitions[0]!;
    expect(third2).not.toBe(second2);
    expect(third2.batches.map((batch) => batch.baseOffset)).toEqual([5]);
    expect(third2.highWatermark).toBe(6);
  });
});
