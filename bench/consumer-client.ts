// Consumer client benchmark: the consumer's side of fetching alone (clients/consumer.ts, its
// KIP-227 session handler, and the consumption checker as its ledger), driven as the reference
// data-plane load drives one consumer (bench/dataplane.ts: 100 partitions over 6 leaders, a group
// of two, so 50 partitions, ~8 per leader): each answer carries one partition with one batch of 17
// records (what the reference's answers carry), and the consumer fetches from that leader again at
// once, INCREMENTAL. Without the kernel, the brokers and the network, where a shared machine's
// noise hides a few percent. Run: `npx tsx bench/consumer-client.ts`.
//
// Never: a figure for the whole engine (bench/dataplane.ts is that).

import type { LogBatch } from '../src/engine/broker/protocol';
import type { ConsumerFetchRequest, ConsumerFetchResponse } from '../src/engine/broker/group-protocol';
import { ConsumptionChecker } from '../src/engine/check/consumption';
import { Consumer } from '../src/engine/clients/consumer';
import { consumerSettingsOf } from '../src/engine/cluster';
import { consumerSchema } from '../src/engine/config';
import { Prng } from '../src/engine/sim/prng';
import type { Effects, Message, TimerHandle } from '../src/engine/sim/process';

const TOPIC = 'events';
const PARTITIONS = 50;
const BROKERS = 6;
const RECORDS_PER_BATCH = 17;
const US_PER_ANSWER = 400;

export interface ConsumerClientBenchResult {
  readonly answers: number;
  readonly recordsConsumed: number;
  readonly cpuMs: number;
}

/** Effects that keep what is sent, ignore timers, and tell the time the bench sets. */
class BenchEffects implements Effects<Message> {
  nowUs = 0;
  readonly self = 'consumer-1';
  readonly prng = new Prng(1, 'consumer-client-bench');
  readonly sent: { to: string; message: Message }[] = [];
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
  /** The last message of `type` sent, taken off the list. */
  take(type: string): { to: string; message: Message } {
    let index = this.sent.length - 1;
    while (index >= 0 && this.sent[index]!.message.type !== type) index--;
    if (index < 0) throw new Error(`the consumer sent no ${type} (sent: ${this.sent.map((sent) => sent.message.type).join(', ') || 'nothing'})`);
    return this.sent.splice(index, 1)[0]!;
  }
}

/** Broker ids made once, as the kernel's process ids are (an answer's sender is the same string every time). */
const BROKER_IDS = Array.from({ length: BROKERS }, (_, index) => `broker-${index + 1}`);
const leaderOf = (partition: number): string => BROKER_IDS[partition % BROKERS]!;

/** A consumer of group billing that owns partitions 0..PARTITIONS-1 from offset 0 and has sent its first fetches (FULL, one per leader). */
function stableConsumer(fx: BenchEffects): Consumer {
  const checker = new ConsumptionChecker({ read: () => undefined });
  const consumer = new Consumer(
    // Kafka's consumer defaults, from the config schema, as the cluster builds them.
    consumerSettingsOf(consumerSchema.parse({ topic: TOPIC, 'group.id': 'billing' }), 'consumer-1', ['broker-1']),
    checker,
  );
  consumer.start(fx);
  const partitions = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition, leader: leaderOf(partition), leaderEpoch: 1, replicas: [], isr: [] }));
  consumer.handleMessage(fx.take('Metadata').to, { type: 'MetadataResponse', bytes: 0, brokers: [], partitions } as Message, fx);
  consumer.handleMessage(fx.take('FindCoordinator').to, { type: 'FindCoordinatorResponse', bytes: 0, key: 'billing', error: 'NONE', coordinator: 'broker-1' } as Message, fx);
  const subscription = { topics: [TOPIC], ownedPartitions: [], generation: -1 };
  fx.take('JoinGroup');
  consumer.handleMessage('broker-1', { type: 'JoinGroupResponse', bytes: 0, groupId: 'billing', error: 'NONE', generationId: 1, protocolName: 'range', leader: 'm-1', memberId: 'm-1', members: [{ memberId: 'm-1', subscription }] } as Message, fx);
  fx.take('SyncGroup');
  consumer.handleMessage('broker-1', { type: 'SyncGroupResponse', bytes: 0, groupId: 'billing', error: 'NONE', partitions: partitions.map((part) => part.partition) } as Message, fx);
  const offsetFetch = fx.take('OffsetFetch').message as Message & { correlationId: number };
  const offsets = partitions.map((part) => ({ partition: part.partition, offset: 0, leaderEpoch: 1 }));
  consumer.handleMessage('broker-1', { type: 'OffsetFetchResponse', bytes: 0, correlationId: offsetFetch.correlationId, groupId: 'billing', error: 'NONE', offsets } as Message, fx);
  return consumer;
}

export function runConsumerClientBench(answers = 2_000_000, warmupAnswers = 200_000): ConsumerClientBenchResult {
  const fx = new BenchEffects();
  const consumer = stableConsumer(fx);
  /** Per leader: the fetch in flight there, and the partitions it leads with the offset each reached. */
  const inFlight = new Map<string, ConsumerFetchRequest>();
  const ends = new Array<number>(PARTITIONS).fill(0);
  const sessions = new Map<string, number>();
  const collect = (): void => {
    for (const { to, message } of fx.sent) if (message.type === 'Fetch') inFlight.set(to, message as ConsumerFetchRequest);
    fx.sent.length = 0;
  };
  collect();
  if (inFlight.size !== BROKERS) throw new Error(`expected a fetch to each of ${BROKERS} leaders, got ${inFlight.size}`);
  const prng = new Prng(7, 'consumer-client-bench');
  const answerOne = (): void => {
    const partition = prng.int(PARTITIONS);
    const leader = leaderOf(partition);
    const request = inFlight.get(leader)!;
    const baseOffset = ends[partition]!;
    ends[partition] = baseOffset + RECORDS_PER_BATCH;
    const batch: LogBatch = { baseOffset, records: RECORDS_PER_BATCH, bytes: RECORDS_PER_BATCH * 1_000, epoch: 1, producerId: 1, baseSequence: baseOffset, batchId: `p${partition}@${baseOffset}`, appendedUs: fx.nowUs, createdUs: fx.nowUs };
    let sessionId = sessions.get(leader);
    if (sessionId === undefined) sessions.set(leader, (sessionId = sessions.size + 1));
    const response: ConsumerFetchResponse = {
      type: 'FetchResponse',
      bytes: batch.bytes,
      correlationId: request.correlationId,
      error: 'NONE',
      sessionId,
      partitions: [{ topic: TOPIC, partition, error: 'NONE', highWatermark: baseOffset + RECORDS_PER_BATCH, logStartOffset: 0, leaderEpoch: 1, batches: [batch] }],
    };
    fx.nowUs += US_PER_ANSWER;
    consumer.handleMessage(leader, response, fx);
    const next = fx.sent.pop();
    if (next === undefined || next.to !== leader || fx.sent.length !== 0) throw new Error(`an answer from ${leader} should make exactly one fetch to it`);
    inFlight.set(leader, next.message as ConsumerFetchRequest);
  };
  for (let index = 0; index < warmupAnswers; index++) answerOne();
  const started = process.cpuUsage();
  for (let index = 0; index < answers; index++) answerOne();
  const used = process.cpuUsage(started);
  const records = consumer.view().recordsConsumed;
  return { answers, recordsConsumed: records, cpuMs: (used.user + used.system) / 1_000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = runConsumerClientBench();
  console.log(`${result.answers} answers, ${result.recordsConsumed} records consumed: ${result.cpuMs.toFixed(0)} ms CPU, ${((result.cpuMs * 1_000) / result.answers).toFixed(3)} µs per answer and fetch`);
}
