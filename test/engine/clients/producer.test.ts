// Goal: the producer behaves as Kafka's does: records at the configured rate, batches closed by
// linger.ms or batch.size, the sticky partitioner, acks 0 / 1 / all, retries that keep their
// sequence (after a metadata refresh when the leader moved), delivery.timeout.ms, request.timeout.ms,
// max.in.flight, buffer.memory, the idempotent producer's ordering and its new producer id after a
// failure, settings it refuses, and determinism.
// Method: a real Kernel and Network (one zone, jitter off, so every time is arithmetic on the
// settings below) with three FAKE brokers written here: they answer Metadata from a leader map the
// test controls, InitProducerId with ids counting from 1000, and Produce by writing to a per-partition
// log, or with whatever a test's script says; they can delay or drop answers, and can check
// sequences as Kafka's broker does. Requests are cloned on arrival to catch aliasing.

import { describe, expect, it } from 'vitest';
import type {
  DataRequest,
  ErrorCode,
  MetadataResponse,
  PartitionMetadata,
  ProducePartitionResult,
  ProduceRequest,
  ProduceResponse,
  ProducedBatch,
} from '../../../src/engine/broker/protocol';
import {
  BATCH_HEADER_BYTES,
  BUFFER_MEMORY_BYTES,
  PRODUCER_TIMER,
  Producer,
  type ProducerLedger,
  type ProducerSettings,
} from '../../../src/engine/clients/producer';
import { Network, type NetworkConfig } from '../../../src/engine/net/network';
import { Kernel } from '../../../src/engine/sim/kernel';
import type { Effects, Message, ProcessLogic, TimerHandle } from '../../../src/engine/sim/process';
import { Prng } from '../../../src/engine/sim/prng';
import type { TimeUs } from '../../../src/engine/sim/time';

const LATENCY_US = 100;
const NET: NetworkConfig = {
  zones: ['zone-a'],
  intraZoneLatencyUs: LATENCY_US,
  crossZoneLatencyUs: LATENCY_US,
  regionalLatencyUs: LATENCY_US,
  jitterUs: 0,
  nicBytesPerSecond: 1_000_000_000,
  lossPerMillion: 0,
};
/** A one-record request (64 + 61 + 100 bytes) or a 64-byte answer spends 1µs on the NIC, then 100µs on the wire. */
const ONE_WAY_US = 1 + LATENCY_US;
const ROUND_TRIP_US = 2 * ONE_WAY_US;
const BROKERS = ['broker-1', 'broker-2', 'broker-3'] as const;
const TOPIC = 'orders';

const BASE: ProducerSettings = {
  id: 'producer-1',
  topic: TOPIC,
  bootstrap: BROKERS,
  acks: -1,
  recordsPerSecond: 1_000,
  recordBytes: 100,
  lingerUs: 5_000,
  batchBytes: 16_384,
  deliveryTimeoutUs: 120_000_000,
  requestTimeoutUs: 30_000_000,
  retryBackoffUs: 100_000,
  idempotence: true,
  maxInFlight: 5,
  startUs: 0,
  stopUs: 1_000_000,
};

// ---- the fake broker ------------------------------------------------------------------------------

type Verdict = { readonly error: ErrorCode; readonly detail: string } | 'write';

interface Written {
  readonly batchId: string;
  readonly producerId: number;
  readonly baseSequence: number;
  readonly records: number;
  readonly baseOffset: number;
}

interface Received {
  readonly atUs: TimeUs;
  readonly broker: string;
  readonly request: ProduceRequest;
}

/** What the three fake brokers share: the leader map, the logs, and every request they saw. */
class FakeCluster {
  partitions = 1;
  readonly leaders = new Map<number, string>([[0, 'broker-1']]);
  readonly epochs = new Map<number, number>();
  readonly logs = new Map<number, Written[]>();
  private readonly logEnds = new Map<number, number>();
  readonly produces: Received[] = [];
  readonly metadataAsked: { atUs: TimeUs; broker: string }[] = [];
  readonly producerIdAsked: { atUs: TimeUs; broker: string }[] = [];
  nextProducerId = 1000;
  replyDelayUs = 0;
  /** Kafka's broker check: a producer's batches must come in sequence, a repeat is answered with its first offset. */
  checkSequences = false;
  answersMetadata: (askedIndex: number) => boolean = () => true;
  /** A test's say on one batch; null: the default (write on the leader, NOT_LEADER_OR_FOLLOWER elsewhere). */
  script: (batch: ProducedBatch, broker: string) => Verdict | null = () => null;
  dropsAnswer: (request: ProduceRequest, broker: string) => boolean = () => false;
  answersSent = 0;
  readonly outstanding = new Map<string, number>();
  readonly outstandingMax = new Map<string, number>();

  spread(partitions: number, leaders: readonly string[]): void {
    this.partitions = partitions;
    for (let p = 0; p < partitions; p++) this.leaders.set(p, leaders[p % leaders.length]!);
  }

  moveLeader(partition: number, to: string): void {
    this.leaders.set(partition, to);
    this.epochs.set(partition, (this.epochs.get(partition) ?? 0) + 1);
  }

  sent(): { atUs: TimeUs; broker: string; batch: ProducedBatch }[] {
    return this.produces.flatMap((received) => received.request.batches.map((batch) => ({ atUs: received.atUs, broker: received.broker, batch })));
  }

  log(partition: number): Written[] {
    let log = this.logs.get(partition);
    if (log === undefined) this.logs.set(partition, (log = []));
    return log;
  }

  write(batch: ProducedBatch): { error: ErrorCode; baseOffset: number; detail: string } {
    const log = this.log(batch.partition);
    if (this.checkSequences && batch.producerId >= 0) {
      const mine = log.filter((entry) => entry.producerId === batch.producerId);
      const repeat = mine.find((entry) => entry.baseSequence === batch.baseSequence);
      if (repeat !== undefined) return { error: 'NONE', baseOffset: repeat.baseOffset, detail: 'a duplicate; not written again' };
      const last = mine.at(-1);
      const expected = last === undefined ? 0 : last.baseSequence + last.records;
      if (batch.baseSequence !== expected) {
        return { error: 'OUT_OF_ORDER_SEQUENCE_NUMBER', baseOffset: -1, detail: `OUT_OF_ORDER_SEQUENCE_NUMBER: expected ${expected}, got ${batch.baseSequence}` };
      }
    }
    const end = this.logEnds.get(batch.partition) ?? 0;
    this.logEnds.set(batch.partition, end + batch.records);
    log.push({ batchId: batch.batchId, producerId: batch.producerId, baseSequence: batch.baseSequence, records: batch.records, baseOffset: end });
    return { error: 'NONE', baseOffset: end, detail: 'written' };
  }
}

class FakeBroker implements ProcessLogic<Message> {
  private readonly replies = new Map<string, { to: string; response: ProduceResponse }>();
  private replySerial = 0;

  constructor(private readonly cluster: FakeCluster) {}

  start(): void {}

  receive(from: string, raw: Message, fx: Effects<Message>): void {
    const message = structuredClone(raw) as DataRequest;
    const cluster = this.cluster;
    switch (message.type) {
      case 'Metadata': {
        const asked = cluster.metadataAsked.push({ atUs: fx.nowUs, broker: fx.self }) - 1;
        if (!cluster.answersMetadata(asked)) return;
        const partitions: PartitionMetadata[] = [];
        if (message.topics.includes(TOPIC)) {
          for (let p = 0; p < cluster.partitions; p++) {
            const leader = cluster.leaders.get(p) ?? null;
            partitions.push({ topic: TOPIC, partition: p, leader, leaderEpoch: cluster.epochs.get(p) ?? 0, replicas: BROKERS, isr: BROKERS });
          }
        }
        const response: MetadataResponse = { type: 'MetadataResponse', bytes: 64, brokers: BROKERS, partitions };
        fx.send(from, response);
        return;
      }
      case 'InitProducerId':
        cluster.producerIdAsked.push({ atUs: fx.nowUs, broker: fx.self });
        fx.send(from, { type: 'InitProducerIdResponse', bytes: 64, error: 'NONE', producerId: cluster.nextProducerId++ } as Message);
        return;
      case 'Produce':
        this.handleProduce(from, message, fx);
        return;
      default:
        throw new Error(`fake broker: unexpected ${message.type}`);
    }
  }

  private handleProduce(from: string, request: ProduceRequest, fx: Effects<Message>): void {
    const cluster = this.cluster;
    cluster.produces.push({ atUs: fx.nowUs, broker: fx.self, request });
    const results: ProducePartitionResult[] = request.batches.map((batch) => {
      const leads = cluster.leaders.get(batch.partition) === fx.self;
      const verdict: Verdict =
        cluster.script(batch, fx.self) ??
        (leads ? 'write' : { error: 'NOT_LEADER_OR_FOLLOWER', detail: `NOT_LEADER_OR_FOLLOWER: ${fx.self} does not lead ${TOPIC}-${batch.partition}` });
      const outcome = verdict === 'write' ? cluster.write(batch) : { ...verdict, baseOffset: -1 };
      return { topic: batch.topic, partition: batch.partition, batchId: batch.batchId, ...outcome };
    });
    if (request.acks === 0) return; // as Kafka: no answer at all
    if (cluster.dropsAnswer(request, fx.self)) return;
    const response: ProduceResponse = { type: 'ProduceResponse', bytes: 64, correlationId: request.correlationId, results };
    const waiting = (cluster.outstanding.get(fx.self) ?? 0) + 1;
    cluster.outstanding.set(fx.self, waiting);
    cluster.outstandingMax.set(fx.self, Math.max(waiting, cluster.outstandingMax.get(fx.self) ?? 0));
    if (cluster.replyDelayUs === 0) {
      this.answer(from, response, fx);
      return;
    }
    const key = `reply:${this.replySerial++}`;
    this.replies.set(key, { to: from, response });
    fx.setTimer(key, cluster.replyDelayUs);
  }

  private answer(to: string, response: ProduceResponse, fx: Effects<Message>): void {
    this.cluster.outstanding.set(fx.self, this.cluster.outstanding.get(fx.self)! - 1);
    this.cluster.answersSent++;
    fx.send(to, response);
  }

  timer(key: string, fx: Effects<Message>): void {
    const reply = this.replies.get(key)!;
    this.replies.delete(key);
    this.answer(reply.to, reply.response, fx);
  }

  view(): Record<string, unknown> {
    return {};
  }
}

// ---- the ledger, the producer's host, the harness -------------------------------------------------

interface LedgerEntry {
  readonly kind: 'sent' | 'acknowledged' | 'failed';
  readonly batch: ProducedBatch;
  readonly atUs: TimeUs;
  readonly baseOffset?: number;
  readonly acks?: number;
  readonly error?: ErrorCode;
  readonly detail?: string;
}

class RecordingLedger implements ProducerLedger {
  readonly entries: LedgerEntry[] = [];
  readonly refusals: { records: number; detail: string; atUs: TimeUs }[] = [];

  sent(batch: ProducedBatch, atUs: TimeUs): void {
    this.entries.push({ kind: 'sent', batch, atUs });
  }

  acknowledged(batch: ProducedBatch, baseOffset: number, acks: number, atUs: TimeUs): void {
    this.entries.push({ kind: 'acknowledged', batch, baseOffset, acks, atUs });
  }

  failed(batch: ProducedBatch, error: ErrorCode, detail: string, atUs: TimeUs): void {
    this.entries.push({ kind: 'failed', batch, error, detail, atUs });
  }

  refused(records: number, detail: string, atUs: TimeUs): void {
    this.refusals.push({ records, detail, atUs });
  }

  of(kind: LedgerEntry['kind']): LedgerEntry[] {
    return this.entries.filter((entry) => entry.kind === kind);
  }
}

/** A client process whose whole logic is the producer: anything it does not own is a test failure. */
class ProducerHost implements ProcessLogic<Message> {
  constructor(readonly producer: Producer) {}

  start(fx: Effects<Message>): void {
    this.producer.start(fx);
  }

  receive(from: string, message: Message, fx: Effects<Message>): void {
    if (!this.producer.handleMessage(from, message, fx)) throw new Error(`producer did not handle ${message.type} from ${from}`);
  }

  timer(key: string, fx: Effects<Message>): void {
    if (!this.producer.handleTimer(key, fx)) throw new Error(`producer did not own timer ${key}`);
  }

  view(): Record<string, unknown> {
    return { ...this.producer.view() };
  }
}

interface Harness {
  readonly kernel: Kernel;
  readonly cluster: FakeCluster;
  readonly ledger: RecordingLedger;
  readonly producer: Producer;
  notes(): string[];
}

function harness(overrides: Partial<ProducerSettings> = {}, seed = 1): Harness {
  const prng = new Prng(seed);
  const kernel = new Kernel(new Network(NET, prng.fork('network')), prng.fork('kernel'));
  const cluster = new FakeCluster();
  for (const id of BROKERS) kernel.addProcess({ id, role: 'broker', zone: 'zone-a', durable: null, create: () => new FakeBroker(cluster) });
  const ledger = new RecordingLedger();
  const settings: ProducerSettings = { ...BASE, ...overrides };
  let producer: Producer | null = null;
  kernel.addProcess({
    id: settings.id,
    role: 'client',
    zone: 'zone-a',
    durable: null,
    create: () => new ProducerHost((producer = new Producer(settings, ledger))),
  });
  const notes = (): string[] => kernel.notableTrace().filter((entry) => entry.kind === 'note' && entry.process === settings.id).map((entry) => entry.label);
  return { kernel, cluster, ledger, producer: producer!, notes };
}

const byCreation = (entries: readonly LedgerEntry[]): LedgerEntry[] => [...entries].sort((a, b) => a.batch.createdUs - b.batch.createdUs);
const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

// ---- tests ----------------------------------------------------------------------------------------

describe('rate and batching', () => {
  it('linger.ms closes a batch when records come slower than batch.size fills', () => {
    // 10,000 records/s is one every 100µs; a batch takes its first record and every record up to
    // linger.ms (5 ms) later, both ends included: 51 records, far below batch.size's 163.
    const { kernel, cluster, ledger } = harness({ recordsPerSecond: 10_000, lingerUs: 5_000, stopUs: 1_000_000 });
    cluster.spread(3, BROKERS);
    kernel.runUntil(1_200_000);
    const sizes = byCreation(ledger.of('acknowledged')).map((entry) => entry.batch.records);
    expect(sum(sizes)).toBe(10_000);
    expect(sizes.slice(0, -1).every((records) => records === 51)).toBe(true);
    expect(sizes.length).toBe(Math.ceil(10_000 / 51));
  });

  it('batch.size closes a batch first when records come faster than linger.ms would', () => {
    // (16,384 - 61 header bytes) / 100-byte records = 163 records, filled in 16.3 ms < linger 100 ms.
    const { kernel, cluster, ledger } = harness({ recordsPerSecond: 10_000, lingerUs: 100_000, stopUs: 1_000_000 });
    cluster.spread(3, BROKERS);
    kernel.runUntil(1_200_000);
    const batches = byCreation(ledger.of('acknowledged')).map((entry) => entry.batch);
    expect(sum(batches.map((batch) => batch.records))).toBe(10_000);
    expect(batches.slice(0, -1).every((batch) => batch.records === 163)).toBe(true);
    expect(batches.every((batch) => batch.bytes === BATCH_HEADER_BYTES + batch.records * 100 && batch.bytes <= 16_384)).toBe(true);
  });

  it('a batch that fills is sent when its last record comes, even when nothing else wakes the producer (KafkaProducer.doSend wakes the sender on a full batch)', () => {
    // acks=0: no answers, so the producer's own timer is its only input after the first second's
    // metadata. 163 records of 100 bytes fill a batch in 16.2 ms, long before linger.ms (100 ms):
    // each batch leaves at its 163rd record, not with the next batch's linger (6 full batches late).
    const { kernel, cluster, ledger } = harness({ acks: 0, idempotence: false, recordsPerSecond: 10_000, lingerUs: 100_000, startUs: 10_000, stopUs: 1_010_000 });
    cluster.spread(3, BROKERS);
    kernel.runUntil(1_200_000);
    const sent = ledger.of('sent');
    expect(sum(sent.map((entry) => entry.batch.records))).toBe(10_000);
    const full = sent.filter((entry) => entry.batch.records === 163);
    expect(full.length).toBe(Math.floor(10_000 / 163));
    for (const entry of full) expect(entry.atUs).toBe(entry.batch.createdUs + 162 * 100);
  });

  it('sends recordsPerSecond: second by second over 10 s, the records sent stay within one batch of the rate', () => {
    const { kernel, cluster, producer, notes } = harness({ recordsPerSecond: 10_000, lingerUs: 5_000, stopUs: 10_000_000 });
    cluster.spread(3, BROKERS);
    for (let second = 1; second <= 10; second++) {
      kernel.runUntil(second * 1_000_000);
      const generated = second * 10_000 + (second < 10 ? 1 : 0); // records at t = 0, 100µs, ... up to now (stopUs excluded)
      expect(producer.view().recordsSent).toBeLessThanOrEqual(generated);
      expect(producer.view().recordsSent).toBeGreaterThanOrEqual(generated - 51);
    }
    kernel.runUntil(11_000_000);
    expect(producer.view()).toMatchObject({ recordsSent: 100_000, recordsAcked: 100_000, recordsFailed: 0, queuedRecords: 0, batchesInFlight: 0, bufferBytes: 0 });
    // Notes are for moments, not batches: the first metadata and the producer id.
    expect(notes()).toEqual(['producer-1 has metadata for orders: 3 partitions', 'producer-1 is idempotent producer 1000']);
  });

  it('the sticky partitioner fills one batch, then moves to another partition (KIP-480), and so spreads batches over all', () => {
    const { kernel, cluster, ledger } = harness({ recordsPerSecond: 10_000, lingerUs: 5_000, stopUs: 2_000_000 });
    cluster.spread(6, BROKERS);
    kernel.runUntil(2_200_000);
    const partitions = byCreation(ledger.of('acknowledged')).map((entry) => entry.batch.partition);
    expect(partitions.length).toBe(Math.ceil(20_000 / 51));
    expect(partitions.every((partition, i) => i === 0 || partition !== partitions[i - 1])).toBe(true);
    const perPartition = [0, 1, 2, 3, 4, 5].map((p) => partitions.filter((partition) => partition === p).length);
    // 393 batches over 6 partitions: about 65 each.
    expect(Math.min(...perPartition)).toBeGreaterThanOrEqual(40);
  });
});

describe('acks', () => {
  it('acks=0 does not wait: each batch counts as acknowledged when sent, at offset -1, and the broker answers nothing', () => {
    // linger 0 and max.in.flight 1: with nothing to wait for, every record leaves in its own batch at once.
    const { kernel, cluster, ledger, producer } = harness({ acks: 0, idempotence: false, lingerUs: 0, maxInFlight: 1, startUs: 10_000, stopUs: 110_000 });
    kernel.runUntil(200_000);
    const sent = ledger.of('sent');
    const acked = ledger.of('acknowledged');
    expect(sent.length).toBe(100);
    expect(acked.length).toBe(100);
    acked.forEach((entry, i) => {
      expect(entry).toMatchObject({ baseOffset: -1, acks: 0, atUs: sent[i]!.atUs });
      expect(entry.batch).toBe(sent[i]!.batch);
      expect(entry.atUs).toBe(entry.batch.createdUs);
      expect(entry.batch).toMatchObject({ producerId: -1, baseSequence: -1, records: 1 });
    });
    expect(cluster.produces.every((received) => received.request.acks === 0)).toBe(true);
    expect(cluster.sent().length).toBe(100);
    expect(cluster.answersSent).toBe(0);
    expect(producer.view()).toMatchObject({ producerId: -1, recordsAcked: 100, requestsInFlight: 0, batchesInFlight: 0 });
  });

  it.each([1, -1] as const)('acks=%i: a batch is acknowledged when the leader answers, at the offset it was written, one round trip after it was made', (acks) => {
    const { kernel, cluster, ledger, producer } = harness({ acks, idempotence: acks === -1, lingerUs: 0, startUs: 10_000, stopUs: 20_000 });
    kernel.runUntil(100_000);
    const acked = byCreation(ledger.of('acknowledged'));
    expect(acked.map((entry) => entry.baseOffset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(acked.every((entry) => entry.acks === acks && entry.atUs - entry.batch.createdUs === ROUND_TRIP_US)).toBe(true);
    expect(cluster.produces.every((received) => received.request.acks === acks)).toBe(true);
    expect(producer.view()).toMatchObject({ recordsAcked: 10, latencyUs: { p50: ROUND_TRIP_US, p99: ROUND_TRIP_US, max: ROUND_TRIP_US, count: 10 } });
  });
});

describe('retries', () => {
  /** One record, made at 10 ms, after metadata and the producer id are known. */
  const oneRecord: Partial<ProducerSettings> = { lingerUs: 0, startUs: 10_000, stopUs: 10_001 };

  it('NOT_LEADER_OR_FOLLOWER: the producer refreshes metadata, then resends the batch to the new leader with the same sequence', () => {
    const { kernel, cluster, ledger, producer, notes } = harness(oneRecord);
    cluster.script = (_batch, broker) => {
      if (broker !== 'broker-1') return null;
      cluster.moveLeader(0, 'broker-2');
      return { error: 'NOT_LEADER_OR_FOLLOWER', detail: 'NOT_LEADER_OR_FOLLOWER: broker-1 does not lead orders-0' };
    };
    kernel.runUntil(1_000_000);
    const [first, second, ...rest] = cluster.sent();
    expect(rest).toEqual([]);
    expect(first!.broker).toBe('broker-1');
    expect(second!.broker).toBe('broker-2');
    expect(second!.batch).toEqual(first!.batch); // same batch id, producer id 1000, base sequence 0
    expect(first!.batch).toMatchObject({ producerId: 1000, baseSequence: 0 });
    // Metadata first came at one round trip; a refresh waits retry.backoff.ms from then (Kafka's
    // Metadata.lastRefreshMs), which is before the batch's own backoff ends, so the resend finds the new leader.
    const errorUs = first!.atUs + ONE_WAY_US;
    expect(cluster.metadataAsked.map((asked) => asked.atUs)).toEqual([ONE_WAY_US, ROUND_TRIP_US + 100_000 + ONE_WAY_US]);
    expect(second!.atUs).toBe(errorUs + 100_000 + ONE_WAY_US);
    expect(ledger.of('acknowledged').map((entry) => entry.baseOffset)).toEqual([0]);
    expect(producer.view().errors).toEqual({ NOT_LEADER_OR_FOLLOWER: 1 });
    expect(notes()).toContain('producer-1 noticed new leaders: orders-0 broker-1 → broker-2');
  });

  it('NOT_LEADER_OR_FOLLOWER: when the refresh is slow, the batch waits for it rather than going back to the old leader', () => {
    // The first refresh goes unanswered (request.timeout.ms 500 ms); the second, to another broker,
    // names broker-2. Meanwhile the batch's backoff ends many times over, but its leader is unknown.
    const { kernel, cluster, ledger } = harness({ ...oneRecord, requestTimeoutUs: 500_000, deliveryTimeoutUs: 2_000_000 });
    cluster.answersMetadata = (asked) => asked !== 1;
    cluster.script = (_batch, broker) => {
      if (broker !== 'broker-1') return null;
      cluster.moveLeader(0, 'broker-2');
      return { error: 'NOT_LEADER_OR_FOLLOWER', detail: 'NOT_LEADER_OR_FOLLOWER: broker-1 does not lead orders-0' };
    };
    kernel.runUntil(2_000_000);
    const sent = cluster.sent();
    expect(sent.map((entry) => entry.broker)).toEqual(['broker-1', 'broker-2']);
    const answeredUs = cluster.metadataAsked[2]!.atUs + ONE_WAY_US;
    expect(sent[1]!.atUs).toBe(answeredUs + ONE_WAY_US);
    expect(ledger.of('acknowledged').length).toBe(1);
  });

  it('NOT_ENOUGH_REPLICAS is retried every retry.backoff.ms, keeping its sequence, until it is written', () => {
    const { kernel, cluster, ledger, producer } = harness(oneRecord);
    let refusals = 0;
    cluster.script = () => (refusals++ < 3 ? { error: 'NOT_ENOUGH_REPLICAS', detail: 'NOT_ENOUGH_REPLICAS: orders-0 has 1 in-sync replica' } : null);
    kernel.runUntil(1_000_000);
    const sent = cluster.sent();
    expect(sent.length).toBe(4);
    expect(new Set(sent.map((entry) => JSON.stringify(entry.batch))).size).toBe(1);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.atUs - sent[i - 1]!.atUs).toBe(ROUND_TRIP_US + 100_000);
    expect(ledger.of('acknowledged').length).toBe(1);
    expect(ledger.of('failed')).toEqual([]);
    expect(ledger.of('sent').length).toBe(4);
    expect(producer.view()).toMatchObject({ recordsSent: 1, recordsAcked: 1, errors: { NOT_ENOUGH_REPLICAS: 3 } });
  });

  it("NOT_ENOUGH_REPLICAS until delivery.timeout.ms: the batch fails for good with the broker's own detail", () => {
    const detail = 'NOT_ENOUGH_REPLICAS: acks=all needs 2 in-sync replicas (min.insync.replicas), orders-0 has 1 (broker-1)';
    const { kernel, cluster, ledger, producer, notes } = harness({ ...oneRecord, deliveryTimeoutUs: 1_000_000, requestTimeoutUs: 500_000 });
    cluster.script = () => ({ error: 'NOT_ENOUGH_REPLICAS', detail });
    kernel.runUntil(3_000_000);
    const failed = ledger.of('failed');
    expect(failed.length).toBe(1);
    expect(failed[0]!.error).toBe('NOT_ENOUGH_REPLICAS');
    expect(failed[0]!.detail!.startsWith(detail)).toBe(true);
    expect(failed[0]!.detail).toContain('delivery.timeout.ms (1s) passed since the batch was created');
    // Attempts every round trip + backoff; the tenth waits in its backoff when the deadline comes.
    expect(failed[0]!.atUs).toBe(10_000 + 1_000_000);
    expect(cluster.sent().length).toBe(10);
    expect(ledger.of('acknowledged')).toEqual([]);
    expect(producer.view()).toMatchObject({ recordsFailed: 1, recordsAcked: 0, queuedRecords: 0, bufferBytes: 0, lastError: { code: 'NOT_ENOUGH_REPLICAS' } });
    expect(notes().filter((note) => note.startsWith('producer-1 gave up on batch producer-1/1'))).toHaveLength(1);
  });

  it('a lost answer: after request.timeout.ms the batch is sent again with its sequence, and the broker knows it as a duplicate', () => {
    const { kernel, cluster, ledger, producer } = harness({ ...oneRecord, requestTimeoutUs: 300_000, deliveryTimeoutUs: 2_000_000 });
    cluster.checkSequences = true;
    let dropped = false;
    cluster.dropsAnswer = () => !dropped && (dropped = true);
    kernel.runUntil(2_000_000);
    const [first, second, ...rest] = cluster.sent();
    expect(rest).toEqual([]);
    expect(second!.batch).toEqual(first!.batch);
    expect(second!.atUs - first!.atUs).toBe(300_000 + 100_000);
    // Closing the connection also asks for metadata, at the timeout.
    expect(cluster.metadataAsked.map((asked) => asked.atUs)).toEqual([ONE_WAY_US, first!.atUs + 300_000]);
    expect(ledger.of('acknowledged').map((entry) => entry.baseOffset)).toEqual([0]);
    expect(cluster.log(0).length).toBe(1);
    expect(producer.view().errors).toEqual({ REQUEST_TIMED_OUT: 1 });
  });

  it('request.timeout.ms closes the connection: every request in flight to that broker is retried, not only the late one', () => {
    // Five one-record batches, 100µs apart, all in flight (max 5) to broker-1, which writes but does not answer.
    const { kernel, cluster, ledger, producer } = harness({ lingerUs: 0, recordsPerSecond: 10_000, startUs: 10_000, stopUs: 10_500, requestTimeoutUs: 300_000 });
    cluster.checkSequences = true;
    let answering = false;
    cluster.dropsAnswer = () => !answering;
    kernel.runUntil(310_000); // Produce #1 went at 10 ms: it times out now, #2 to #5 have 100 to 400µs left
    expect(producer.view()).toMatchObject({ requestsInFlight: 0, batchesInFlight: 0, queuedRecords: 5, errors: { REQUEST_TIMED_OUT: 5 } });
    expect(producer.view().lastError!.detail).toBe('REQUEST_TIMED_OUT: the connection to broker-1 was closed when Produce #1 got no answer within request.timeout.ms (300ms)');
    answering = true;
    kernel.runUntil(2_000_000);
    // Each was written on its first arrival; the retries are known duplicates, answered with the first offsets.
    expect(byCreation(ledger.of('acknowledged')).map((entry) => entry.baseOffset)).toEqual([0, 1, 2, 3, 4]);
    expect(cluster.log(0).length).toBe(5);
  });

  it('delivery.timeout.ms also ends a batch in flight: it fails before its request times out, and may have been written', () => {
    // request.timeout.ms 500 ms: the first attempt times out at 510 ms, the retry goes at 610 ms
    // and would time out at 1.11 s, but the batch was made at 10 ms and delivery.timeout.ms is 1 s.
    const { kernel, cluster, ledger } = harness({ ...oneRecord, requestTimeoutUs: 500_000, deliveryTimeoutUs: 1_000_000 });
    cluster.dropsAnswer = () => true;
    kernel.runUntil(2_000_000);
    expect(cluster.sent().map((entry) => entry.atUs)).toEqual([10_000 + ONE_WAY_US, 610_000 + ONE_WAY_US]);
    const failed = ledger.of('failed');
    expect(failed.map((entry) => [entry.atUs, entry.error])).toEqual([[1_010_000, 'REQUEST_TIMED_OUT']]);
    expect(failed[0]!.detail).toContain('while broker-1 had not answered Produce #2 (sent 400ms ago); it may have been written');
  });

  it('delivery.timeout.ms ends each batch of one request at its own deadline, not at its oldest batch\'s nor at the request timeout', () => {
    // One-record batches made at 10, 11 and 12 ms alternate between two partitions led by broker-1,
    // which never answers; one request in flight at a time, and delivery.timeout.ms = request.timeout.ms = 300 ms.
    // The first batch goes alone and expires at 310 ms; the other two then go together in one request
    // and must each fail at its own creation + 300 ms, while the request they share is still in flight
    // (its oldest batch has expired: the producer looks at each batch again for the next deadline).
    const { kernel, cluster, ledger } = harness({
      idempotence: false,
      acks: 1,
      maxInFlight: 1,
      lingerUs: 0,
      batchBytes: BATCH_HEADER_BYTES + 100,
      startUs: 10_000,
      stopUs: 12_500,
      requestTimeoutUs: 300_000,
      deliveryTimeoutUs: 300_000,
    });
    cluster.spread(2, ['broker-1']);
    cluster.dropsAnswer = () => true;
    kernel.runUntil(1_000_000);
    // (The drain starts where the last one stopped, so the second request's order is not creation order.)
    const requests = cluster.produces.map((received) => received.request.batches.map((batch) => batch.createdUs).sort((a, b) => a - b));
    expect(requests).toEqual([[10_000], [11_000, 12_000]]);
    const failed = ledger.of('failed');
    expect(failed.map((entry) => [entry.batch.createdUs, entry.atUs, entry.error])).toEqual([
      [10_000, 310_000, 'REQUEST_TIMED_OUT'],
      [11_000, 311_000, 'REQUEST_TIMED_OUT'],
      [12_000, 312_000, 'REQUEST_TIMED_OUT'],
    ]);
  });

  it('idempotence: batches in flight behind a refused one are refused as out of order, and follow it in sequence', () => {
    const { kernel, cluster, ledger, producer } = harness({ lingerUs: 0, recordsPerSecond: 10_000, startUs: 10_000, stopUs: 20_000 });
    cluster.checkSequences = true;
    cluster.replyDelayUs = 2_000; // several requests in flight when the first answer comes
    let refused = false;
    cluster.script = (batch) => (batch.baseSequence === 0 && !refused && (refused = true) ? { error: 'NOT_ENOUGH_REPLICAS', detail: 'NOT_ENOUGH_REPLICAS: briefly' } : null);
    kernel.runUntil(1_000_000);
    const log = cluster.log(0);
    expect(sum(log.map((entry) => entry.records))).toBe(100);
    // Written once each, in sequence order, which is the order the batches were made in.
    log.forEach((entry, i) => expect(entry.baseSequence).toBe(i === 0 ? 0 : log[i - 1]!.baseSequence + log[i - 1]!.records));
    const serials = log.map((entry) => Number(entry.batchId.split('/')[1]));
    expect(serials).toEqual([...serials].sort((a, b) => a - b));
    expect(producer.view().errors.OUT_OF_ORDER_SEQUENCE_NUMBER).toBeGreaterThanOrEqual(2);
    expect(ledger.of('failed')).toEqual([]);
    expect(producer.view()).toMatchObject({ recordsAcked: 100, recordsFailed: 0 });
  });

  it('idempotence: a batch that fails for good makes the producer take a new producer id and restart its sequences at 0 (KIP-360)', () => {
    // One record every 100 ms; the first batch is refused until its delivery timeout. The second,
    // sent while the first was in flight, is out of order and waits behind it; the third takes every
    // later record while the partition is blocked. Under producer id 1000 the broker would see a gap.
    const { kernel, cluster, ledger, producer, notes } = harness({
      lingerUs: 0,
      recordsPerSecond: 10,
      startUs: 10_000,
      stopUs: 1_000_000,
      deliveryTimeoutUs: 1_000_000,
      requestTimeoutUs: 500_000,
    });
    cluster.checkSequences = true;
    cluster.script = (batch) => (batch.batchId === 'producer-1/1' ? { error: 'NOT_ENOUGH_REPLICAS', detail: 'NOT_ENOUGH_REPLICAS: orders-0 has 1' } : null);
    kernel.runUntil(3_000_000);
    expect(ledger.of('failed').map((entry) => [entry.batch.batchId, entry.batch.producerId, entry.batch.baseSequence])).toEqual([['producer-1/1', 1000, 0]]);
    expect(cluster.producerIdAsked.length).toBe(2);
    expect(producer.view()).toMatchObject({ producerId: 1001, recordsAcked: 9, recordsFailed: 1 });
    expect(producer.view().errors).toMatchObject({ OUT_OF_ORDER_SEQUENCE_NUMBER: 1 });
    const log = cluster.log(0);
    expect(log.map((entry) => [entry.batchId, entry.producerId, entry.baseSequence, entry.records])).toEqual([
      ['producer-1/2', 1001, 0, 1],
      ['producer-1/3', 1001, 1, 8],
    ]);
    // Nothing was sent under the new id before the failure; nothing under the old one after.
    const failedUs = ledger.of('failed')[0]!.atUs;
    expect(ledger.of('sent').every((entry) => (entry.batch.producerId === 1001) === entry.atUs > failedUs)).toBe(true);
    expect(notes()).toContain('producer-1 took producer id 1001 (was 1000) after a batch failed for good, and restarted its sequence numbers');
  });
});

describe('limits', () => {
  it.each([1, 2, 5])('max.in.flight.requests.per.connection=%i: no more requests wait on a broker, and batches grow meanwhile', (maxInFlight) => {
    const { kernel, cluster, producer, ledger } = harness({ maxInFlight, lingerUs: 0, recordsPerSecond: 10_000, stopUs: 500_000 });
    cluster.spread(3, ['broker-1']);
    cluster.replyDelayUs = 20_000;
    kernel.runUntil(1_000_000);
    expect(cluster.outstandingMax.get('broker-1')).toBe(maxInFlight);
    expect(producer.view()).toMatchObject({ recordsAcked: 5_000, requestsInFlight: 0 });
    expect(Math.max(...ledger.of('acknowledged').map((entry) => entry.batch.records))).toBeGreaterThan(1);
  });

  it('buffer.memory full: records are refused and counted as failed, with a detail that says why; they flow again once metadata comes', () => {
    // 1,000-byte records: 16 per batch, each batch holding batch.size (16 KiB) of the 32 MiB: 2,048 batches, 32,768 records.
    const { kernel, cluster, ledger, producer, notes } = harness({ recordsPerSecond: 100_000, recordBytes: 1_000, requestTimeoutUs: 300_000, stopUs: null });
    let answering = false;
    cluster.answersMetadata = () => answering;
    kernel.runUntil(1_000_000);
    const view = producer.view();
    expect(view).toMatchObject({ metadataKnown: false, queuedRecords: 32_768, bufferBytes: BUFFER_MEMORY_BYTES, recordsSent: 0 });
    // Metadata is asked at 0, 400 and 800 ms (timeout 300 ms, then the backoff): the producer last
    // looked at 800 ms, when 80,001 records existed and 32,768 fitted.
    expect(view.recordsRefused).toBe(80_001 - 32_768);
    expect(view.recordsFailed).toBe(view.recordsRefused);
    expect(view.errors).toEqual({ BUFFER_EXHAUSTED: view.recordsRefused });
    expect(view.lastError!.code).toBe('BUFFER_EXHAUSTED');
    expect(view.lastError!.detail).toMatch(/^BUFFER_EXHAUSTED: buffer\.memory \(33554432 bytes\) is full, 33554432 bytes held by batches waiting for metadata for orders; \d+ records refused/);
    expect(sum(ledger.refusals.map((refusal) => refusal.records))).toBe(view.recordsRefused);
    expect(notes()).toEqual(['producer-1 is idempotent producer 1000', 'producer-1 refuses records: buffer.memory is full while it waits for metadata for orders']);
    answering = true;
    kernel.runUntil(2_000_000);
    expect(producer.view().metadataKnown).toBe(true);
    expect(producer.view().recordsAcked).toBeGreaterThan(32_768);
    expect(ledger.of('failed')).toEqual([]);
  });

  it('buffer.memory full while a leader does not answer: batches hold it, and new records are refused until they finish', () => {
    const { kernel, cluster, ledger, producer } = harness({ recordsPerSecond: 100_000, recordBytes: 1_000, stopUs: null });
    let answering = false;
    cluster.dropsAnswer = () => !answering;
    kernel.runUntil(1_000_000);
    const view = producer.view();
    expect(view).toMatchObject({ metadataKnown: true, bufferBytes: BUFFER_MEMORY_BYTES, batchesInFlight: 5, requestsInFlight: 5 });
    expect(view.queuedRecords + 5 * 16).toBe(32_768);
    expect(view.recordsRefused).toBeGreaterThan(50_000);
    expect(view.lastError!.detail).toContain('held by batches waiting for acknowledgements');
    expect(ledger.of('failed')).toEqual([]);
    // The requests time out (30 s), are sent again and answered: the buffer empties, records flow.
    answering = true;
    kernel.runUntil(32_000_000);
    expect(producer.view().recordsAcked).toBeGreaterThan(32_768);
    expect(producer.view().bufferBytes).toBeLessThan(BUFFER_MEMORY_BYTES);
  });

  it('metadata unanswered for request.timeout.ms is asked of another bootstrap broker, after retry.backoff.ms', () => {
    const { kernel, cluster, producer } = harness({ requestTimeoutUs: 300_000 });
    cluster.answersMetadata = (asked) => asked > 0;
    kernel.runUntil(500_000);
    const [first, second] = cluster.metadataAsked;
    expect(second!.atUs - first!.atUs).toBe(300_000 + 100_000);
    expect(second!.broker).not.toBe(first!.broker);
    expect(producer.view().metadataKnown).toBe(true);
  });
});

describe('metadata', () => {
  /** An Effects that only records: the test hands the producer its inputs one by one. */
  const manual = (nowUs: TimeUs, prng: Prng, sent: [string, Message][]): Effects<Message> => ({
    nowUs,
    self: 'producer-1',
    prng,
    send: (to, message) => void sent.push([to, message]),
    setTimer: () => undefined,
    cancelTimer: () => undefined,
    timer: () => 0 as TimerHandle,
    arm: () => undefined,
    disarm: () => undefined,
    note: () => undefined,
    exit: () => undefined,
  });
  const answer = (leader: string, leaderEpoch: number): MetadataResponse => ({
    type: 'MetadataResponse',
    bytes: 64,
    brokers: BROKERS,
    partitions: [{ topic: TOPIC, partition: 0, leader, leaderEpoch, replicas: BROKERS, isr: BROKERS }],
  });

  it('metadata is refreshed every metadata.max.age.ms (5 minutes) even when nothing fails', () => {
    const { kernel, cluster } = harness({ recordsPerSecond: 0, stopUs: null });
    kernel.runUntil(650_000_000);
    // Each refresh is due 5 minutes after the last answer, which came one round trip after its request.
    expect(cluster.metadataAsked.map((asked) => asked.atUs)).toEqual([ONE_WAY_US, 300_000_000 + ROUND_TRIP_US + ONE_WAY_US, 600_000_000 + 2 * ROUND_TRIP_US + ONE_WAY_US]);
  });

  it('an answer with an older leader epoch than the producer knows does not move the leader back (KIP-320)', () => {
    const prng = new Prng(1);
    const sent: [string, Message][] = [];
    const producer = new Producer({ ...BASE, lingerUs: 0, startUs: 10_000, stopUs: 10_001 }, new RecordingLedger());
    producer.start(manual(0, prng, sent));
    producer.handleMessage('broker-1', answer('broker-2', 3), manual(200, prng, sent));
    producer.handleMessage('broker-1', { type: 'InitProducerIdResponse', bytes: 64, error: 'NONE', producerId: 7 } as Message, manual(200, prng, sent));
    producer.handleMessage('broker-3', answer('broker-1', 2), manual(300, prng, sent)); // a broker behind on metadata
    producer.handleTimer(PRODUCER_TIMER, manual(10_000, prng, sent));
    const produces = sent.filter(([, message]) => message.type === 'Produce');
    expect(produces.map(([to]) => to)).toEqual(['broker-2']);
    expect((produces[0]![1] as ProduceRequest).batches[0]).toMatchObject({ producerId: 7, baseSequence: 0, createdUs: 10_000 });
  });
});

describe('settings', () => {
  const ledger = new RecordingLedger();

  it('refuses enable.idempotence with acks other than all, naming both settings and the fix', () => {
    expect(() => new Producer({ ...BASE, acks: 1, idempotence: true }, ledger)).toThrow(
      'producer "producer-1": enable.idempotence=true needs acks=all (-1), but acks=1; set acks to -1, or enable.idempotence to false',
    );
    expect(() => new Producer({ ...BASE, acks: 0, idempotence: true }, ledger)).toThrow(/enable\.idempotence=true needs acks=all \(-1\), but acks=0/);
    expect(() => new Producer({ ...BASE, acks: 1, idempotence: false }, ledger)).not.toThrow();
  });

  it('refuses other settings Kafka refuses', () => {
    expect(() => new Producer({ ...BASE, maxInFlight: 6 }, ledger)).toThrow(/max\.in\.flight\.requests\.per\.connection up to 5/);
    expect(() => new Producer({ ...BASE, deliveryTimeoutUs: 20_000_000 }, ledger)).toThrow(/delivery\.timeout\.ms \(20s\) must be at least linger\.ms \+ request\.timeout\.ms/);
    expect(() => new Producer({ ...BASE, bootstrap: [] }, ledger)).toThrow(/bootstrap\.servers is empty/);
    expect(() => new Producer({ ...BASE, lingerUs: 1.5 }, ledger)).toThrow(/linger\.ms must be a whole number of µs/);
  });

  it('owns only its own timer and the answers it asked for', () => {
    const { kernel, producer } = harness();
    kernel.runUntil(1);
    const fx = {} as Effects<Message>; // never touched: the producer declines before using it
    expect(producer.handleTimer('probe', fx)).toBe(false);
    expect(producer.handleMessage('broker-1', { type: 'ProbePing', bytes: 64 }, fx)).toBe(false);
    expect(PRODUCER_TIMER).toBe('producer:wake');
  });
});

describe('batch ids', () => {
  it("are the producer's id and the batch's serial in decimal, past each thousand (the last three digits come from a table)", () => {
    const { kernel, cluster, ledger } = harness({ lingerUs: 0, batchBytes: 500, recordsPerSecond: 6_000, stopUs: 800_000 });
    cluster.spread(6, BROKERS);
    kernel.runUntil(1_000_000);
    const ids = new Set(ledger.of('sent').map(({ batch }) => batch.batchId));
    const serials = [...ids].map((id) => Number(id.slice('producer-1/'.length))).sort((a, b) => a - b);
    expect(serials.length).toBeGreaterThan(2_100);
    // Every serial from the first to the last, each once, written as String(serial) would write it:
    // a digit dropped or a zero not padded in would give a gap, a repeat or another text.
    expect(serials).toEqual(Array.from({ length: serials.length }, (_, index) => serials[0]! + index));
    expect(serials.filter((serial) => !ids.has(`producer-1/${serial}`))).toEqual([]);
  });

  it('of a later life carry its start time, each serial written whole after it', () => {
    const { kernel, ledger } = harness({ lingerUs: 0, batchBytes: 500, recordsPerSecond: 6_000, stopUs: 1_200_000 });
    kernel.runUntil(200_000);
    kernel.crash('producer-1');
    kernel.restart('producer-1');
    kernel.runUntil(1_500_000);
    const later = [...new Set(ledger.of('sent').map(({ batch }) => batch.batchId))].filter((id) => id.includes('@'));
    expect(later.length).toBeGreaterThan(1_100);
    const prefix = later[0]!.slice(0, later[0]!.indexOf('/') + 1);
    expect(prefix).toMatch(/^producer-1@\d+\/$/);
    const serials = later.map((id) => Number(id.slice(prefix.length))).sort((a, b) => a - b);
    expect(serials[serials.length - 1]).toBeGreaterThan(1_000);
    expect(serials).toEqual(Array.from({ length: serials.length }, (_, index) => serials[0]! + index));
    for (const id of later) expect(`${prefix}${Number(id.slice(prefix.length))}`).toBe(id);
  });
});

describe('determinism', () => {
  const run = (seed: number): { sent: string[]; hash: string } => {
    const { kernel, cluster, ledger } = harness({ recordsPerSecond: 10_000, stopUs: 500_000 }, seed);
    cluster.spread(6, BROKERS);
    kernel.runUntil(1_000_000);
    const sent = ledger.of('sent').map(({ atUs, batch }) => `${atUs} ${batch.batchId} p${batch.partition} n${batch.records} s${batch.baseSequence}`);
    return { sent, hash: kernel.traceHash };
  };

  it('the same seed gives the same batches, at the same times, to the same partitions; another seed does not', () => {
    const first = run(7);
    expect(first.sent.length).toBeGreaterThan(90);
    expect(run(7)).toEqual(first);
    expect(run(8).sent).not.toEqual(first.sent);
  });
});
