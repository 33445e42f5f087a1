// Goal: an INCREMENTAL consumer fetch is answered from its session's listed partitions only
// (consumer-fetch.ts answerListed, FetchSession.dirty), and that answer is the one Kafka's
// IncrementalFetchContext gives by walking every partition of the session and leaving out those
// CachedPartition.maybeUpdateResponseData finds nothing new for (FetchSession.scala).
// Method: two brokers' handlers fed the very same story, step by step: one answers from its listed
// partitions, the other (walkWholeSessions) evaluates every session partition in full at every
// answer, the reference. Each story is drawn from a seed: consumers fetching with and without a
// wait, records appended with and without a high watermark move, log starts moved (as retention
// does, with the signal ReplicaManager gives), leader epochs bumped and leaderships lost and
// regained, assignments changed, time passing to the fetches' deadlines. After every step the two
// must have sent the same answers (copied when sent: a session's answer object is rewritten later).

import { describe, expect, it } from 'vitest';
import { ConsumerFetchHandler, quietConsumerPartitionCounts } from '../../../src/engine/broker/consumer-fetch';
import type { ConsumerFetchPartition, ConsumerFetchRequest, ConsumerFetchResponse } from '../../../src/engine/broker/group-protocol';
import { PartitionLog } from '../../../src/engine/broker/partition-log';
import type { ReplicaManager } from '../../../src/engine/broker/replica-manager';
import type { MetadataImage } from '../../../src/engine/controller/image';
import { ConsumerFetchSessionHandler } from '../../../src/engine/clients/fetch-session-client';
import { Prng } from '../../../src/engine/sim/prng';
import type { Effects, Message } from '../../../src/engine/sim/process';

const TOPIC = 'orders';
const TIMER_PARK = 'cf:park';

interface Leader {
  log: PartitionLog;
  leaderEpoch: number;
  highWatermark: number;
}

/** One broker: its led partitions (the same story applied to each copy), its handler, and what it sent. */
class Broker {
  readonly leaders = new Map<string, Leader>();
  /** Partitions whose leadership is lost for now (kept to be regained with their log). */
  private readonly away = new Map<string, Leader>();
  generation = 0;
  nowUs = 0;
  timerDueUs: number | null = null;
  readonly sent: { to: string; response: ConsumerFetchResponse }[] = [];
  readonly handler: ConsumerFetchHandler;
  private readonly fx: Effects<Message>;

  constructor(partitions: number, reference: boolean) {
    for (let partition = 0; partition < partitions; partition++) {
      this.leaders.set(`${TOPIC}-${partition}`, { log: new PartitionLog(TOPIC, partition), leaderEpoch: 1, highWatermark: 0 });
    }
    const leaders = this.leaders;
    const generation = (): number => this.generation;
    const replicas = {
      leaderRead: (key: string) => leaders.get(key) ?? null,
      get leadersGenerationNow() {
        return generation();
      },
    } as unknown as ReplicaManager;
    const image = { partition: () => ({}) } as unknown as MetadataImage;
    this.handler = new ConsumerFetchHandler(replicas, image);
    this.handler.walkWholeSessions = reference;
    const nowUs = (): number => this.nowUs;
    this.fx = {
      get nowUs() {
        return nowUs();
      },
      prng: new Prng(5, 'broker'),
      send: (to: string, message: Message) => this.sent.push({ to, response: structuredClone(message as ConsumerFetchResponse) }),
      setTimer: (_key: string, delayUs: number) => {
        this.timerDueUs = this.nowUs + delayUs;
      },
      cancelTimer: () => {},
    } as unknown as Effects<Message>;
  }

  fetch(from: string, request: ConsumerFetchRequest): void {
    this.handler.handleFetch(from, request, this.fx);
  }

  /** Records appended (as `batches` batches of 10); the high watermark moved to `toHighWatermark` of them (0: not at all). */
  append(key: string, batches: number, toHighWatermark: number): void {
    const leader = this.leaders.get(key);
    if (leader === undefined) return;
    for (let index = 0; index < batches; index++) {
      const baseOffset = leader.log.endOffset;
      leader.log.append({ baseOffset, records: 10, bytes: 1_000, epoch: leader.leaderEpoch, producerId: -1, baseSequence: -1, batchId: `${key}@${baseOffset}`, appendedUs: this.nowUs, createdUs: this.nowUs });
    }
    const highWatermark = Math.min(leader.log.endOffset, leader.highWatermark + 10 * toHighWatermark);
    if (highWatermark > leader.highWatermark) {
      leader.highWatermark = highWatermark;
      this.handler.onHighWatermark(key, highWatermark, this.fx);
    }
  }

  /** The log start moved up by `records` (never past the high watermark), as retention or DeleteRecords move it; the handler is told, as ReplicaManager tells it. */
  moveLogStart(key: string, records: number): void {
    const leader = this.leaders.get(key);
    if (leader === undefined) return;
    if (leader.log.maybeIncrementLogStartOffset(Math.min(leader.highWatermark, leader.log.logStartOffset + records), leader.highWatermark)) this.handler.onLogStartMoved(key);
  }

  /** A new leader epoch here (a re-election this broker won again): the leaderships changed. */
  bumpEpoch(key: string): void {
    const leader = this.leaders.get(key);
    if (leader === undefined) return;
    leader.leaderEpoch++;
    this.generation++;
  }

  /** Leadership lost (or, if lost, regained in a new epoch). */
  toggleLeadership(key: string): void {
    const leader = this.leaders.get(key);
    if (leader !== undefined) {
      this.leaders.delete(key);
      this.away.set(key, leader);
    } else {
      const back = this.away.get(key)!;
      this.away.delete(key);
      back.leaderEpoch++;
      this.leaders.set(key, back);
    }
    this.generation++;
  }

  /** Time passes; the park timer fires if due. */
  advance(us: number): void {
    this.nowUs += us;
    if (this.timerDueUs !== null && this.timerDueUs <= this.nowUs) {
      this.timerDueUs = null;
      this.handler.handleTimer(TIMER_PARK, this.fx);
    }
  }
}

/** A consumer of some partitions: positions and leader epochs as consumer.ts keeps them, its session handler building each fetch. */
class Consumer {
  readonly session = new ConsumerFetchSessionHandler();
  private readonly entries = new Map<number, ConsumerFetchPartition>();
  private correlationId = 0;
  inFlight = false;

  constructor(readonly id: string) {}

  assign(partition: number, offset: number, leaderEpoch: number): void {
    this.entries.set(partition, { topic: TOPIC, partition, key: `${TOPIC}-${partition}`, fetchOffset: offset, currentLeaderEpoch: leaderEpoch, lastFetchedEpoch: -1 });
  }

  revoke(partition: number): void {
    if (this.entries.size > 1) this.entries.delete(partition);
  }

  fetch(maxWaitUs: number): ConsumerFetchRequest {
    const ordered = [...this.entries.values()].sort((a, b) => a.partition - b.partition);
    const built = this.session.build(ordered);
    this.inFlight = true;
    return { type: 'Fetch', bytes: 64, correlationId: ++this.correlationId, maxWaitUs, minBytes: 1, partitionMaxBytes: 4_000, sessionId: built.sessionId, sessionEpoch: built.sessionEpoch, partitions: built.partitions, forgotten: built.forgotten };
  }

  /** An answer: the session first; records move a position; a fenced or unknown epoch, or a lost leader, takes the leader's epoch (a metadata refresh); out of range resets to `resetTo`. */
  receive(response: ConsumerFetchResponse, epochOf: (partition: number) => number, resetTo: (partition: number) => number): void {
    this.inFlight = false;
    if (!this.session.handleResponse(response.error, response.sessionId)) return;
    for (const part of response.partitions) {
      const entry = this.entries.get(part.partition);
      if (entry === undefined) continue;
      const last = part.batches.at(-1);
      if (part.error === 'OFFSET_OUT_OF_RANGE') this.assign(part.partition, resetTo(part.partition), entry.currentLeaderEpoch);
      else if (part.error !== 'NONE') this.assign(part.partition, entry.fetchOffset, epochOf(part.partition));
      else if (last !== undefined) this.assign(part.partition, last.baseOffset + last.records, entry.currentLeaderEpoch);
    }
  }
}

describe('an INCREMENTAL consumer fetch answered from its listed partitions', () => {
  it('sends exactly what a walk of the whole session sends, over 300 random stories of appends, high watermark and log start moves, leadership changes and reassignments', () => {
    const before = quietConsumerPartitionCounts();
    let answers = 0;
    let incremental = 0;
    for (let seed = 0; seed < 300; seed++) {
      const prng = new Prng(seed, 'listed-answers');
      const partitions = prng.range(2, 9);
      const listed = new Broker(partitions, false);
      const reference = new Broker(partitions, true);
      const brokers = [listed, reference];
      // Each broker has its own copy of the consumers (their session handlers follow their own broker's answers).
      const consumerCount = prng.range(1, 4);
      const copies = brokers.map(() => Array.from({ length: consumerCount }, (_, index) => new Consumer(`consumer-${index}`)));
      for (let partition = 0; partition < partitions; partition++) {
        const batches = prng.int(4);
        for (const broker of brokers) broker.append(`${TOPIC}-${partition}`, batches, batches);
        const owner = prng.int(consumerCount);
        for (const copy of copies) copy[owner]!.assign(partition, 0, 1);
      }
      for (let step = 0; step < 120; step++) {
        const key = `${TOPIC}-${prng.int(partitions)}`;
        const roll = prng.int(100);
        const seen = brokers.map((broker) => broker.sent.length);
        if (roll < 30) {
          const who = prng.int(consumerCount);
          const maxWaitUs = prng.int(3) === 0 ? 0 : 500_000;
          brokers.forEach((broker, index) => {
            const consumer = copies[index]![who]!;
            if (!consumer.inFlight) broker.fetch(consumer.id, consumer.fetch(maxWaitUs));
          });
        } else if (roll < 55) {
          const batches = prng.range(1, 4);
          const toHighWatermark = prng.int(batches + 1);
          for (const broker of brokers) broker.append(key, batches, toHighWatermark);
        } else if (roll < 62) {
          const records = prng.range(1, 30);
          for (const broker of brokers) broker.moveLogStart(key, records);
        } else if (roll < 65) {
          for (const broker of brokers) broker.bumpEpoch(key);
        } else if (roll < 68) {
          for (const broker of brokers) broker.toggleLeadership(key);
        } else if (roll < 71) {
          const partition = prng.int(partitions);
          const to = prng.int(consumerCount);
          for (const copy of copies) {
            for (const consumer of copy) consumer.revoke(partition);
            copy[to]!.assign(partition, 0, 1);
          }
        } else {
          const us = prng.range(1_000, 600_000);
          for (const broker of brokers) broker.advance(us);
        }
        expect(listed.sent.slice(seen[0]), `seed ${seed}, step ${step}`).toEqual(reference.sent.slice(seen[1]));
        // The answers reach their consumers (each copy its own).
        brokers.forEach((broker, index) => {
          for (const { to, response } of broker.sent.slice(seen[index])) {
            const consumer = copies[index]!.find((candidate) => candidate.id === to)!;
            const leaderOf = (partition: number) => broker.leaders.get(`${TOPIC}-${partition}`);
            consumer.receive(
              response,
              (partition) => leaderOf(partition)?.leaderEpoch ?? 1,
              (partition) => leaderOf(partition)?.log.logStartOffset ?? 0,
            );
            if (index === 0) {
              answers++;
              if (response.sessionId !== 0 && response.partitions.length < partitions) incremental++;
            }
          }
        });
      }
    }
    const after = quietConsumerPartitionCounts();
    expect(answers, 'answers compared').toBeGreaterThan(5_000);
    expect(incremental, 'answers of a session leaving partitions out').toBeGreaterThan(1_000);
    expect(after.skipped - before.skipped, 'partitions passed over, unlisted').toBeGreaterThan(5_000);
    expect(after.logStartMoved - before.logStartMoved, 'quiet partitions listed by a log start move').toBeGreaterThan(50);
  });
});
