// Goal: the consumer keeps one fetch in flight per leader, however its sends are scheduled. After
// an answer it sends only to the leader that answered (every other one has a fetch in flight);
// when two fetches end before it can send (an eager rebalance took its partitions meanwhile), it
// looks at every leader again once it owns partitions, and sends only where none is in flight.
// An answer's send names only the partition whose position moved (KIP-227 INCREMENTAL).
// Method: the real Consumer alone, its effects collected by hand (no kernel): brought to a
// stable group by answering its requests as a coordinator would, then answered fetch by fetch.

import { describe, expect, it } from 'vitest';
import type { LogBatch } from '../../../src/engine/broker/protocol';
import type { ConsumerFetchRequest } from '../../../src/engine/broker/group-protocol';
import { ConsumptionChecker } from '../../../src/engine/check/consumption';
import { Consumer } from '../../../src/engine/clients/consumer';
import { consumerSettingsOf } from '../../../src/engine/cluster';
import { consumerSchema } from '../../../src/engine/config';
import { Prng } from '../../../src/engine/sim/prng';
import type { Effects, Message, TimerHandle } from '../../../src/engine/sim/process';

const TOPIC = 'orders';
const BROKERS = ['broker-1', 'broker-2', 'broker-3'];
const PARTITIONS = 12;
const leaderOf = (partition: number): string => BROKERS[partition % BROKERS.length]!;

class Collected implements Effects<Message> {
  nowUs = 0;
  readonly self = 'consumer-1';
  readonly prng = new Prng(1, 'consumer-fetch-sends');
  sent: { to: string; message: Message }[] = [];
  private readonly handles = new Map<string, TimerHandle>();
  send(to: string, message: Message): void {
    this.sent.push({ to, message });
  }
  setTimer(): void {}
  cancelTimer(): void {}
  timer(key: string): TimerHandle {
    let handle = this.handles.get(key);
    if (handle === undefined) this.handles.set(key, (handle = this.handles.size as TimerHandle));
    return handle;
  }
  arm(): void {}
  disarm(): void {}
  note(): void {}
  exit(): void {}
  /** Takes what was sent since the last call. */
  drain(): { to: string; message: Message }[] {
    const sent = this.sent;
    this.sent = [];
    return sent;
  }
  take(type: string): { to: string; message: Message & { correlationId?: number } } {
    const index = this.sent.findIndex((sent) => sent.message.type === type);
    expect(index, `a ${type} was sent`).toBeGreaterThanOrEqual(0);
    return this.sent.splice(index, 1)[0]!;
  }
}

function fetchesOf(sent: readonly { to: string; message: Message }[]): Map<string, ConsumerFetchRequest> {
  const fetches = new Map<string, ConsumerFetchRequest>();
  for (const { to, message } of sent) {
    if (message.type !== 'Fetch') continue;
    expect(fetches.has(to), `two fetches to ${to} at once`).toBe(false);
    fetches.set(to, message as ConsumerFetchRequest);
  }
  return fetches;
}

function joinAndSync(consumer: Consumer, fx: Collected, generationId: number): void {
  fx.take('JoinGroup');
  consumer.handleMessage('broker-1', { type: 'JoinGroupResponse', bytes: 0, groupId: 'billing', error: 'NONE', generationId, protocolName: 'range', leader: 'm-1', memberId: 'm-1', members: [{ memberId: 'm-1', subscription: { topics: [TOPIC], ownedPartitions: [], generation: -1 } }] } as Message, fx);
  fx.take('SyncGroup');
  consumer.handleMessage('broker-1', { type: 'SyncGroupResponse', bytes: 0, groupId: 'billing', error: 'NONE', partitions: Array.from({ length: PARTITIONS }, (_, partition) => partition) } as Message, fx);
  const offsetFetch = fx.take('OffsetFetch').message;
  const offsets = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, offset: 0, leaderEpoch: 1 }));
  consumer.handleMessage('broker-1', { type: 'OffsetFetchResponse', bytes: 0, correlationId: offsetFetch.correlationId, groupId: 'billing', error: 'NONE', offsets } as Message, fx);
}

function stableConsumer(fx: Collected): Consumer {
  const consumer = new Consumer(
    // Kafka's consumer defaults, from the config schema, as the cluster builds them.
    consumerSettingsOf(consumerSchema.parse({ topic: TOPIC, 'group.id': 'billing' }), 'consumer-1', ['broker-1']),
    new ConsumptionChecker(),
  );
  consumer.start(fx);
  const partitions = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition, leader: leaderOf(partition), leaderEpoch: 1, replicas: [], isr: [] }));
  consumer.handleMessage(fx.take('Metadata').to, { type: 'MetadataResponse', bytes: 0, brokers: BROKERS, partitions } as Message, fx);
  consumer.handleMessage(fx.take('FindCoordinator').to, { type: 'FindCoordinatorResponse', bytes: 0, key: 'billing', error: 'NONE', coordinator: 'broker-1' } as Message, fx);
  joinAndSync(consumer, fx, 1);
  return consumer;
}

/** broker's answer to `request`: `partition` with one batch of 5 records from `baseOffset` (or nothing). */
function answer(request: ConsumerFetchRequest, sessionId: number, partition: number | null, baseOffset = 0): Message {
  const batch: LogBatch = { baseOffset, records: 5, bytes: 5_000, epoch: 1, producerId: 1, baseSequence: baseOffset, batchId: `p${partition}@${baseOffset}`, appendedUs: 0, createdUs: 0 };
  const partitions = partition === null ? [] : [{ topic: TOPIC, partition, error: 'NONE', highWatermark: baseOffset + 5, logStartOffset: 0, leaderEpoch: 1, batches: [batch] }];
  return { type: 'FetchResponse', bytes: 100, correlationId: request.correlationId, error: 'NONE', sessionId, partitions } as Message;
}

describe("the consumer's fetch sends", () => {
  it('after an answer, fetch again from that leader only, naming the partition that moved', () => {
    const fx = new Collected();
    const consumer = stableConsumer(fx);
    let inFlight = fetchesOf(fx.drain());
    expect([...inFlight.keys()].sort()).toEqual(BROKERS);
    for (const request of inFlight.values()) expect(request.partitions).toHaveLength(PARTITIONS / BROKERS.length); // FULL

    // broker-2 leads 1, 4, 7, 10: an answer with records of 4.
    consumer.handleMessage('broker-2', answer(inFlight.get('broker-2')!, 22, 4), fx);
    let sent = fetchesOf(fx.drain());
    expect([...sent.keys()]).toEqual(['broker-2']);
    expect(sent.get('broker-2')!.sessionEpoch).toBe(1);
    expect(sent.get('broker-2')!.partitions.map((part) => [part.partition, part.fetchOffset])).toEqual([[4, 5]]);
    inFlight = new Map([...inFlight, ...sent]);

    // An answer with no records (a high watermark only) moves nothing: the next fetch names nothing.
    consumer.handleMessage('broker-2', answer(inFlight.get('broker-2')!, 22, null), fx);
    sent = fetchesOf(fx.drain());
    expect(sent.get('broker-2')!.partitions).toEqual([]);
  });

  it('two fetches ending while it owns nothing: once it owns partitions again, it fetches from each leader without one in flight', () => {
    const fx = new Collected();
    const consumer = stableConsumer(fx);
    const inFlight = fetchesOf(fx.drain());

    // An eager (range) rebalance: the coordinator answers a heartbeat with REBALANCE_IN_PROGRESS, the consumer gives up its partitions and rejoins.
    consumer.handleTimer('consumer:heartbeat', fx);
    consumer.handleMessage('broker-1', { type: 'HeartbeatResponse', bytes: 0, groupId: 'billing', error: 'REBALANCE_IN_PROGRESS' } as Message, fx);
    expect(consumer.view().owned).toEqual([]);

    // Meanwhile broker-1's and broker-3's fetches are answered: nothing to fetch, and two leaders to look at later.
    consumer.handleMessage('broker-1', answer(inFlight.get('broker-1')!, 11, null), fx);
    consumer.handleMessage('broker-3', answer(inFlight.get('broker-3')!, 33, 2), fx); // revoked while in flight: not consumed
    expect(fetchesOf(fx.sent).size).toBe(0);
    expect((consumer as unknown as { scanAllGroups: boolean }).scanAllGroups, 'the rare path: more than one fetch ended before a send').toBe(true);

    joinAndSync(consumer, fx, 2);
    const resumed = fetchesOf(fx.drain());
    expect([...resumed.keys()].sort(), "broker-2's fetch is still in flight").toEqual(['broker-1', 'broker-3']);
    expect(resumed.get('broker-3')!.partitions.map((part) => part.fetchOffset)).toEqual([0, 0, 0, 0]);

    // broker-2's old fetch is answered at last: now, and only now, it is fetched from again.
    consumer.handleMessage('broker-2', answer(inFlight.get('broker-2')!, 22, 1), fx);
    expect([...fetchesOf(fx.drain()).keys()]).toEqual(['broker-2']);
    expect(consumer.view().recordsConsumed).toBe(5);
  });
});
