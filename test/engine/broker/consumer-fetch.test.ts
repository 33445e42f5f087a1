// A consumer's fetch at the leader, the offset range rule: Kafka's LocalLog.read throws
// OffsetOutOfRangeException only below the log start or past the log end; from the high watermark
// up to the log end it reads nothing and the fetch waits. That range is reached after a failover:
// a new leader learned the last high watermark late (a follower learns it with its next records),
// while a consumer had read up to the old leader's.
// Method: one ConsumerFetchHandler over a real PartitionLog, its replica manager reduced to the one
// call the handler makes for a led partition (leaderRead); the effects record what is sent and set.
import { describe, expect, it } from 'vitest';
import { ConsumerFetchHandler } from '../../../src/engine/broker/consumer-fetch';
import type { ConsumerFetchRequest, ConsumerFetchResponse } from '../../../src/engine/broker/group-protocol';
import { PartitionLog } from '../../../src/engine/broker/partition-log';
import type { LedPartitionRead, ReplicaManager } from '../../../src/engine/broker/replica-manager';
import type { MetadataImage } from '../../../src/engine/controller/image';
import type { Effects, Message } from '../../../src/engine/sim/process';

function leaderWith(records: number, highWatermark: number) {
  const log = new PartitionLog('orders', 0);
  for (let offset = 0; offset < records; offset += 10) {
    log.append({ baseOffset: offset, records: 10, bytes: 10_000, epoch: 1, producerId: -1, baseSequence: -1, batchId: `b${offset}`, appendedUs: 0, createdUs: 0 });
  }
  const leader = { log, leaderEpoch: 1, highWatermark };
  const replicas = { leaderRead: (key: string) => (key === 'orders-0' ? leader : null) } as unknown as ReplicaManager;
  return { leader, handler: new ConsumerFetchHandler(replicas, {} as MetadataImage) };
}

function effects() {
  const sent: Message[] = [];
  const timers: string[] = [];
  const fx = { nowUs: 0, send: (_to: string, message: Message) => sent.push(message), setTimer: (key: string) => timers.push(key), cancelTimer: () => {} } as unknown as Effects<Message>;
  return { fx, sent, timers };
}

function fetchAt(offset: number): ConsumerFetchRequest {
  return { type: 'Fetch', bytes: 64, correlationId: 1, maxWaitUs: 500_000, minBytes: 1, partitionMaxBytes: 1_048_576, partitions: [{ topic: 'orders', partition: 0, key: 'orders-0', fetchOffset: offset, currentLeaderEpoch: 1, lastFetchedEpoch: -1 }] };
}

describe('consumer fetch offsets above the high watermark', () => {
  it('within the log: nothing read, no error; the fetch waits and is answered once the high watermark passes it', () => {
    const { leader, handler } = leaderWith(100, 80);
    const { fx, sent, timers } = effects();
    handler.handleFetch('consumer-1', fetchAt(90), fx);
    expect(sent).toHaveLength(0); // parked, not refused
    expect(timers).toHaveLength(1);
    leader.highWatermark = 100;
    handler.onHighWatermark('orders-0', 100, fx);
    const response = sent[0] as ConsumerFetchResponse;
    expect(response.partitions).toHaveLength(1);
    expect(response.partitions[0]!.error).toBe('NONE');
    expect(response.partitions[0]!.batches.map((batch) => batch.baseOffset)).toEqual([90]);
  });

  it("a high watermark move on the leader's own state finds the partition's wake-up list once, keeps it, and wakes through it", () => {
    const { leader, handler } = leaderWith(100, 80);
    const led = Object.assign(leader, { key: 'orders-0', wakeList: null as LedPartitionRead['wakeList'] });
    const { fx, sent } = effects();
    handler.onLeaderHighWatermark(led, fx); // nobody has waited on the partition yet: no list to keep
    expect(led.wakeList).toBeNull();
    handler.handleFetch('consumer-1', fetchAt(90), fx);
    led.highWatermark = 90; // not past the fetch's offset: it stays parked
    handler.onLeaderHighWatermark(led, fx);
    expect(sent).toHaveLength(0);
    const kept = led.wakeList;
    expect(kept).not.toBeNull();
    // A fetch parked after the list was kept joins that same list: the next move wakes both through it.
    handler.handleFetch('consumer-2', fetchAt(90), fx);
    led.highWatermark = 100;
    handler.onLeaderHighWatermark(led, fx);
    expect(led.wakeList).toBe(kept);
    expect(sent.map((message) => (message as ConsumerFetchResponse).partitions[0]!.batches.map((batch) => batch.baseOffset))).toEqual([[90], [90]]);
  });

  it('past the log end: OFFSET_OUT_OF_RANGE at once', () => {
    const { handler } = leaderWith(100, 80);
    const { fx, sent } = effects();
    handler.handleFetch('consumer-1', fetchAt(110), fx);
    const response = sent[0] as ConsumerFetchResponse;
    expect(response.partitions[0]!.error).toBe('OFFSET_OUT_OF_RANGE');
  });
});

describe('parked consumer fetches share one timer', () => {
  it('each is answered at its own fetch.max.wait.ms, in deadline order; one answered early by the high watermark is not answered again', () => {
    const { leader, handler } = leaderWith(100, 80);
    let nowUs = 0;
    const sent: ConsumerFetchResponse[] = [];
    const armed: { key: string; dueUs: number }[] = [];
    const fx = {
      get nowUs() {
        return nowUs;
      },
      send: (_to: string, message: Message) => sent.push(message as ConsumerFetchResponse),
      setTimer: (key: string, delayUs: number) => armed.push({ key, dueUs: nowUs + delayUs }),
      cancelTimer: () => {},
    } as unknown as Effects<Message>;
    const fetch = (correlationId: number, maxWaitUs: number): ConsumerFetchRequest => ({ ...fetchAt(90), correlationId, maxWaitUs });
    const fire = (atUs: number): void => {
      nowUs = atUs;
      expect(handler.handleTimer(armed.at(-1)!.key, fx)).toBe(true);
    };

    handler.handleFetch('consumer-1', fetch(1, 500_000), fx); // due at 500 ms
    nowUs = 100_000;
    handler.handleFetch('consumer-2', fetch(2, 200_000), fx); // due at 300 ms: the timer moves earlier
    nowUs = 150_000;
    handler.handleFetch('consumer-3', fetch(3, 500_000), fx); // due at 650 ms: the timer stays
    expect(armed.map(({ dueUs }) => dueUs)).toEqual([500_000, 300_000]);

    fire(300_000);
    expect(sent.map((response) => response.correlationId)).toEqual([2]);
    expect(armed.at(-1)!.dueUs).toBe(500_000);

    nowUs = 400_000;
    leader.highWatermark = 100;
    handler.onHighWatermark('orders-0', 100, fx); // 1 and 3 now have records: answered early
    expect(sent.map((response) => response.correlationId)).toEqual([2, 1, 3]);

    fire(500_000); // armed for fetch 1, answered since: nothing to answer, nothing left to wait for
    expect(sent).toHaveLength(3);
    expect(armed).toHaveLength(3); // armed at 500, at 300, then at 500 again: not after the last fire
    expect(handler.view().fetchesParked).toBe(0);
  });

  it('keeps deadline order when its queue writes over the entries of fetches answered early', () => {
    // The deadline queue's arrays never shrink (consumer-fetch.ts, deadlinesEnd): a hundred fetches
    // answered early leave their entries behind; fetches parked later are written over them, and
    // one with a shorter fetch.max.wait.ms is still inserted before those due later.
    const { leader, handler } = leaderWith(100, 80);
    let nowUs = 0;
    const sent: ConsumerFetchResponse[] = [];
    const fx = {
      get nowUs() {
        return nowUs;
      },
      send: (_to: string, message: Message) => sent.push(message as ConsumerFetchResponse),
      setTimer: () => {},
      cancelTimer: () => {},
    } as unknown as Effects<Message>;
    for (let index = 0; index < 100; index++) {
      nowUs = index;
      handler.handleFetch(`consumer-${index}`, { ...fetchAt(90), correlationId: index }, fx);
    }
    leader.highWatermark = 100;
    handler.onHighWatermark('orders-0', 100, fx);
    expect(sent).toHaveLength(100);
    sent.length = 0;

    // At the log end, below nothing new: these wait for their deadlines.
    const atEnd = (correlationId: number, maxWaitUs: number): ConsumerFetchRequest => ({ ...fetchAt(100), correlationId, maxWaitUs });
    nowUs = 1_000;
    handler.handleFetch('consumer-a', atEnd(1, 500_000), fx); // due at 501 ms
    nowUs = 2_000;
    handler.handleFetch('consumer-b', atEnd(2, 500_000), fx); // due at 502 ms
    nowUs = 3_000;
    handler.handleFetch('consumer-c', atEnd(3, 100_000), fx); // due at 103 ms: before both
    expect(handler.view().fetchesParked).toBe(3);
    for (const atUs of [103_000, 501_000, 502_000]) {
      nowUs = atUs;
      handler.handleTimer('cf:park', fx);
    }
    expect(sent.map((response) => response.correlationId)).toEqual([3, 1, 2]);
    expect(handler.view().fetchesParked).toBe(0);
  });
});
