// Consumer fetch benchmark: one broker's ConsumerFetchHandler alone, driven as the reference
// data-plane load drives it (bench/dataplane.ts): 36 consumer fetch sessions (6 consumers x 6
// brokers) of 8 partitions each over 48 partitions it leads; records arrive on one partition at a
// time, its high watermark is relayed (as ReplicaManager.onHighWatermark does), the woken fetches
// are answered and their consumers fetch again at once, INCREMENTAL (KIP-227). It measures the
// handler and the consumer's session handler without the kernel and the rest of the engine, where
// a shared machine's noise hides a few percent. Run: `npx tsx bench/consumer-fetch.ts`.
//
// Never: a figure for the whole engine (bench/dataplane.ts is that).

import { ConsumerFetchHandler } from '../src/engine/broker/consumer-fetch';
import type { ConsumerFetchPartition, ConsumerFetchResponse } from '../src/engine/broker/group-protocol';
import { PartitionLog } from '../src/engine/broker/partition-log';
import type { ReplicaManager } from '../src/engine/broker/replica-manager';
import { ConsumerFetchSessionHandler } from '../src/engine/clients/fetch-session-client';
import type { MetadataImage } from '../src/engine/controller/image';
import { Prng } from '../src/engine/sim/prng';
import type { Effects, Message } from '../src/engine/sim/process';

const TOPIC = 'orders';
const PARTITIONS = 48;
const CONSUMERS = 36;
const PARTITIONS_PER_SESSION = 8;
const RECORDS_PER_BATCH = 15;

interface FetchingConsumer {
  readonly id: string;
  readonly session: ConsumerFetchSessionHandler;
  /** Its fetch entries, refilled in place as consumer.ts does (an entry is replaced when its position moves). */
  readonly entries: ConsumerFetchPartition[];
  correlationId: number;
}

export interface ConsumerFetchBenchResult {
  readonly appends: number;
  readonly fetchesServed: number;
  readonly cpuMs: number;
}

export function runConsumerFetchBench(appends = 200_000, warmupAppends = 20_000): ConsumerFetchBenchResult {
  const leaders = new Map<string, { log: PartitionLog; leaderEpoch: number; highWatermark: number }>();
  for (let partition = 0; partition < PARTITIONS; partition++) leaders.set(`${TOPIC}-${partition}`, { log: new PartitionLog(TOPIC, partition), leaderEpoch: 1, highWatermark: 0 });
  // The leaders never change: one generation.
  const replicas = { leaderRead: (key: string) => leaders.get(key) ?? null, leadersGenerationNow: 0 } as unknown as ReplicaManager;
  let nowUs = 0;
  const inbox: [string, ConsumerFetchResponse][] = [];
  let inboxHead = 0;
  const fx = {
    get nowUs() {
      return nowUs;
    },
    prng: new Prng(3, 'broker'),
    send: (to: string, message: Message) => inbox.push([to, message as ConsumerFetchResponse]),
    setTimer: () => {},
    cancelTimer: () => {},
  } as unknown as Effects<Message>;
  const handler = new ConsumerFetchHandler(replicas, {} as MetadataImage);

  const consumers = new Map<string, FetchingConsumer>();
  for (let index = 0; index < CONSUMERS; index++) {
    const entries: ConsumerFetchPartition[] = [];
    for (let slot = 0; slot < PARTITIONS_PER_SESSION; slot++) {
      const partition = (index * 5 + slot * 7) % PARTITIONS;
      entries.push({ topic: TOPIC, partition, key: `${TOPIC}-${partition}`, fetchOffset: 0, currentLeaderEpoch: 1, lastFetchedEpoch: -1 });
    }
    consumers.set(`consumer-${index}`, { id: `consumer-${index}`, session: new ConsumerFetchSessionHandler(), entries, correlationId: 0 });
  }
  const fetch = (consumer: FetchingConsumer): void => {
    const built = consumer.session.build(consumer.entries);
    handler.handleFetch(
      consumer.id,
      { type: 'Fetch', bytes: 64, correlationId: ++consumer.correlationId, maxWaitUs: 500_000, minBytes: 1, partitionMaxBytes: 1 << 20, sessionId: built.sessionId, sessionEpoch: built.sessionEpoch, partitions: built.partitions, forgotten: built.forgotten },
      fx,
    );
  };
  const deliver = (): void => {
    while (inboxHead < inbox.length) {
      const [to, response] = inbox[inboxHead++]!;
      const consumer = consumers.get(to)!;
      if (consumer.session.handleResponse(response.error, response.sessionId)) {
        for (const part of response.partitions) {
          const last = part.batches.at(-1);
          if (last === undefined) continue;
          const slot = consumer.entries.findIndex((entry) => entry.partition === part.partition);
          consumer.entries[slot] = { ...consumer.entries[slot]!, fetchOffset: last.baseOffset + last.records };
        }
      }
      fetch(consumer);
    }
    inbox.length = 0;
    inboxHead = 0;
  };
  for (const consumer of consumers.values()) fetch(consumer);
  deliver();

  const load = new Prng(9, 'load');
  const run = (count: number): void => {
    for (let index = 0; index < count; index++) {
      nowUs += 50;
      const key = `${TOPIC}-${load.int(PARTITIONS)}`;
      const leader = leaders.get(key)!;
      const baseOffset = leader.log.endOffset;
      leader.log.append({ baseOffset, records: RECORDS_PER_BATCH, bytes: RECORDS_PER_BATCH * 1_000, epoch: 1, producerId: -1, baseSequence: -1, batchId: `${key}@${baseOffset}`, appendedUs: nowUs, createdUs: nowUs });
      leader.highWatermark = leader.log.endOffset;
      handler.onHighWatermark(key, leader.highWatermark, fx);
      deliver();
    }
  };
  run(warmupAppends);
  const servedBefore = handler.view().fetchesServed;
  const start = process.cpuUsage();
  run(appends);
  const used = process.cpuUsage(start);
  return { appends, fetchesServed: handler.view().fetchesServed - servedBefore, cpuMs: (used.user + used.system) / 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = runConsumerFetchBench();
  console.log(`consumer fetch: ${result.appends} appends, ${result.fetchesServed} fetches answered, ${result.cpuMs.toFixed(0)} ms CPU (${((result.cpuMs * 1000) / result.fetchesServed).toFixed(2)} µs per fetch answered)`);
}
