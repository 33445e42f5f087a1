// Goal: consumers' fetches run in KIP-227 incremental fetch sessions as Kafka's do (the client's
// FetchSessionHandler.java, the broker's FetchSession.scala): the first fetch is FULL, is answered
// with every partition and opens a session; the next ones are INCREMENTAL, name only the partitions
// whose position changed, and are answered with only the partitions that have news (records, or a
// high watermark or log start the session had not sent); an assignment change sends the partitions
// to forget, and a forgotten partition no longer wakes the session's parked fetch; a restarted
// broker has no sessions (FETCH_SESSION_ID_NOT_FOUND) and the consumer starts over FULL; the cache
// holds at most max.incremental.fetch.session.cache.slots sessions, and a newcomer takes the slot
// of a session unused for 120 s (Kafka's eviction rule).
// Method: a ConsumerFetchHandler over real PartitionLogs, its replica manager reduced to the one call
// it makes (leaderRead); the consumer's side is its real session handler (ConsumerFetchSessionHandler) building each request
// from the entries the consumer would fetch, as consumer.ts does. Last, the whole engine: a broker
// restart under a consumer group, read from the views and the consumption checker.

import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/api';
import { ConsumerFetchHandler } from '../../../src/engine/broker/consumer-fetch';
import { FETCH_SESSION_EVICTION_US, FetchSessionHandler, INITIAL_EPOCH, INVALID_SESSION_ID } from '../../../src/engine/broker/fetch-session';
import { ConsumerFetchSessionHandler } from '../../../src/engine/clients/fetch-session-client';
import type { ConsumerFetchPartition, ConsumerFetchRequest, ConsumerFetchResponse } from '../../../src/engine/broker/group-protocol';
import { PartitionLog } from '../../../src/engine/broker/partition-log';
import type { ReplicaManager } from '../../../src/engine/broker/replica-manager';
import type { MetadataImage } from '../../../src/engine/controller/image';
import { Prng } from '../../../src/engine/sim/prng';
import type { Effects, Message } from '../../../src/engine/sim/process';

const TOPIC = 'orders';

/** A broker leading `partitions` partitions of orders, each with 100 records in batches of 10, all committed. */
function leaderOf(partitions: number) {
  const leaders = new Map<string, { log: PartitionLog; leaderEpoch: number; highWatermark: number }>();
  for (let partition = 0; partition < partitions; partition++) {
    const log = new PartitionLog(TOPIC, partition);
    leaders.set(`${TOPIC}-${partition}`, { log, leaderEpoch: 1, highWatermark: 0 });
  }
  const append = (partition: number, records: number): void => {
    const leader = leaders.get(`${TOPIC}-${partition}`)!;
    for (let index = 0; index < records; index += 10) {
      const baseOffset = leader.log.endOffset;
      leader.log.append({ baseOffset, records: 10, bytes: 10_000, epoch: 1, producerId: -1, baseSequence: -1, batchId: `p${partition}@${baseOffset}`, appendedUs: 0, createdUs: 0 });
    }
    leader.highWatermark = leader.log.endOffset;
  };
  for (let partition = 0; partition < partitions; partition++) append(partition, 100);
  // The leaders never change here: one generation (ReplicaManager.leadersGenerationNow). As in the engine, a test that
  // moves a high watermark tells the handler (onHighWatermark), or a quiet session partition would not be looked at again.
  const replicas = { leaderRead: (key: string) => leaders.get(key) ?? null, leadersGenerationNow: 0 } as unknown as ReplicaManager;
  return { leaders, append, replicas };
}

/** Effects that collect what is sent; time moves when the test says. */
function world() {
  const sent: ConsumerFetchResponse[] = [];
  let nowUs = 0;
  const fx = {
    get nowUs() {
      return nowUs;
    },
    prng: new Prng(11, 'broker'),
    send: (_to: string, message: Message) => sent.push(message as ConsumerFetchResponse),
    setTimer: () => {},
    cancelTimer: () => {},
  } as unknown as Effects<Message>;
  return { fx, sent, advance: (us: number) => (nowUs += us) };
}

/** The consumer's side for one broker: its positions, and its session handler building each fetch as consumer.ts does. */
class FetchingConsumer {
  readonly session = new ConsumerFetchSessionHandler();
  private readonly entries = new Map<number, ConsumerFetchPartition>();
  private correlationId = 0;

  constructor(
    readonly id: string,
    positions: Record<number, number>,
  ) {
    for (const [partition, offset] of Object.entries(positions)) this.moveTo(Number(partition), offset);
  }

  moveTo(partition: number, offset: number): void {
    this.entries.set(partition, { topic: TOPIC, partition, key: `${TOPIC}-${partition}`, fetchOffset: offset, currentLeaderEpoch: 1, lastFetchedEpoch: -1 });
  }

  revoke(partition: number): void {
    this.entries.delete(partition);
  }

  fetch(maxWaitUs = 500_000): ConsumerFetchRequest {
    const built = this.session.build([...this.entries.values()]);
    return {
      type: 'Fetch',
      bytes: 64,
      correlationId: ++this.correlationId,
      maxWaitUs,
      minBytes: 1,
      partitionMaxBytes: 1 << 20,
      sessionId: built.sessionId,
      sessionEpoch: built.sessionEpoch,
      partitions: built.partitions,
      forgotten: built.forgotten,
    };
  }

  /** Takes an answer as consumer.ts does: the session first; then each partition's records move its position. */
  receive(response: ConsumerFetchResponse): boolean {
    if (!this.session.handleResponse(response.error, response.sessionId)) return false;
    for (const part of response.partitions) {
      const last = part.batches.at(-1);
      if (last !== undefined) this.moveTo(part.partition, last.baseOffset + last.records);
    }
    return true;
  }
}

const partitionsOf = (response: ConsumerFetchResponse | undefined): number[] => (response?.partitions ?? []).map((part) => part.partition);

describe('a consumer fetch session: FULL first, then INCREMENTAL', () => {
  it('the first fetch names and is answered with every partition; the next name only what moved, and are answered with only what has news', () => {
    const { append, replicas } = leaderOf(3);
    const { fx, sent } = world();
    const broker = new ConsumerFetchHandler(replicas, {} as MetadataImage);
    const consumer = new FetchingConsumer('consumer-1', { 0: 90, 1: 100, 2: 100 });

    const full = consumer.fetch();
    expect(full.sessionId).toBe(INVALID_SESSION_ID);
    expect(full.sessionEpoch).toBe(INITIAL_EPOCH);
    expect(full.partitions.map((part) => part.partition)).toEqual([0, 1, 2]);
    broker.handleFetch('consumer-1', full, fx);
    const first = sent.at(-1)!;
    // FULL: every partition, with or without records (Kafka's FullFetchContext), and a session opened.
    expect(partitionsOf(first)).toEqual([0, 1, 2]);
    expect(first.partitions[0]!.batches.map((batch) => batch.baseOffset)).toEqual([90]);
    expect(first.sessionId).not.toBe(INVALID_SESSION_ID);
    expect(consumer.receive(first)).toBe(true);
    expect(broker.view().fetchSessions).toBe(1);

    // Only partition 0 moved (to 100): the INCREMENTAL fetch names it alone. Nothing is new
    // anywhere, so it waits; records on partition 2 wake it, and the answer carries partition 2 alone.
    const incremental = consumer.fetch();
    expect(incremental.sessionId).toBe(first.sessionId);
    expect(incremental.sessionEpoch).toBe(1);
    expect(incremental.partitions.map((part) => part.partition)).toEqual([0]);
    broker.handleFetch('consumer-1', incremental, fx);
    expect(sent).toHaveLength(1);
    expect(broker.view().fetchesParked).toBe(1);
    append(2, 10);
    broker.onHighWatermark(`${TOPIC}-2`, 110, fx);
    const second = sent.at(-1)!;
    expect(partitionsOf(second)).toEqual([2]);
    expect(second.partitions[0]!.batches.map((batch) => batch.baseOffset)).toEqual([100]);
    expect(second.sessionId).toBe(first.sessionId);
    expect(consumer.receive(second)).toBe(true);

    // The next fetch names partition 2 alone (the one that moved); the session still answers partition 1 when it has records.
    append(1, 10);
    broker.onHighWatermark(`${TOPIC}-1`, 110, fx); // no fetch parked: it only marks partition 1 for the next answer
    const third = consumer.fetch();
    expect(third.partitions.map((part) => part.partition)).toEqual([2]);
    broker.handleFetch('consumer-1', third, fx);
    expect(partitionsOf(sent.at(-1))).toEqual([1]);
  });

  it('an assignment change sends the revoked partition to forget: the session drops it, and its records no longer wake the fetch', () => {
    const { append, replicas } = leaderOf(2);
    const { fx, sent } = world();
    const broker = new ConsumerFetchHandler(replicas, {} as MetadataImage);
    const consumer = new FetchingConsumer('consumer-1', { 0: 100, 1: 100 });
    broker.handleFetch('consumer-1', consumer.fetch(0), fx);
    expect(consumer.receive(sent.at(-1)!)).toBe(true);
    expect(broker.view().fetchSessionPartitionsCached).toBe(2);

    consumer.revoke(1); // a rebalance gave partition 1 to another member
    const request = consumer.fetch();
    expect(request.partitions).toEqual([]);
    expect(request.forgotten?.map((gone) => gone.partition)).toEqual([1]);
    broker.handleFetch('consumer-1', request, fx);
    expect(broker.view().fetchSessionPartitionsCached).toBe(1);
    expect(broker.view().fetchesParked).toBe(1);

    append(1, 10);
    broker.onHighWatermark(`${TOPIC}-1`, 110, fx);
    expect(sent).toHaveLength(1); // partition 1 is not this session's any more
    append(0, 10);
    broker.onHighWatermark(`${TOPIC}-0`, 110, fx);
    expect(partitionsOf(sent.at(-1))).toEqual([0]);
  });

  it('a restarted broker has no session: FETCH_SESSION_ID_NOT_FOUND with no partition, and the consumer starts over with a FULL fetch', () => {
    const { replicas } = leaderOf(2);
    const { fx, sent } = world();
    const consumer = new FetchingConsumer('consumer-1', { 0: 90, 1: 90 });
    new ConsumerFetchHandler(replicas, {} as MetadataImage).handleFetch('consumer-1', consumer.fetch(), fx);
    expect(consumer.receive(sent.at(-1)!)).toBe(true);

    const restarted = new ConsumerFetchHandler(replicas, {} as MetadataImage); // a new life: the cache is memory
    const incremental = consumer.fetch();
    expect(incremental.sessionEpoch).toBe(1);
    restarted.handleFetch('consumer-1', incremental, fx);
    const refused = sent.at(-1)!;
    expect(refused.error).toBe('FETCH_SESSION_ID_NOT_FOUND');
    expect(refused.partitions).toEqual([]);
    expect(consumer.receive(refused)).toBe(false);
    expect(restarted.view().sessionErrors).toBe(1);

    const again = consumer.fetch(0);
    expect(again.sessionId).toBe(INVALID_SESSION_ID);
    expect(again.sessionEpoch).toBe(INITIAL_EPOCH);
    expect(again.partitions.map((part) => part.partition)).toEqual([0, 1]);
    restarted.handleFetch('consumer-1', again, fx);
    expect(sent.at(-1)!.error).toBe('NONE');
    expect(sent.at(-1)!.sessionId).not.toBe(INVALID_SESSION_ID);
    expect(restarted.view().fetchSessions).toBe(1);
  });

  it('the cache holds max.incremental.fetch.session.cache.slots sessions: a newcomer stays sessionless until one has been unused for 120 s, then takes its slot', () => {
    const { replicas } = leaderOf(1);
    const { fx, sent, advance } = world();
    const broker = new ConsumerFetchHandler(replicas, {} as MetadataImage, null, 2);
    const consumers = ['consumer-1', 'consumer-2', 'consumer-3'].map((id) => new FetchingConsumer(id, { 0: 90 }));
    for (const consumer of consumers) {
      broker.handleFetch(consumer.id, consumer.fetch(), fx);
      consumer.receive(sent.at(-1)!);
    }
    // Two slots: the third FULL fetch was answered, without a session (Kafka's maybeCreateSession found no slot to take).
    expect(sent.map((response) => response.error)).toEqual(['NONE', 'NONE', 'NONE']);
    expect(sent[2]!.sessionId).toBe(INVALID_SESSION_ID);
    expect(broker.view().fetchSessions).toBe(2);
    expect(consumers[2]!.fetch().sessionEpoch).toBe(INITIAL_EPOCH); // it stays FULL

    // consumer-2 keeps using its session; consumer-1 falls silent past the eviction time.
    advance(FETCH_SESSION_EVICTION_US / 2);
    broker.handleFetch('consumer-2', consumers[1]!.fetch(0), fx);
    consumers[1]!.receive(sent.at(-1)!);
    advance(FETCH_SESSION_EVICTION_US / 2 + 1);
    broker.handleFetch('consumer-3', consumers[2]!.fetch(0), fx);
    expect(sent.at(-1)!.sessionId).not.toBe(INVALID_SESSION_ID); // consumer-1's stale session was evicted for it
    expect(broker.view().fetchSessionEvictions).toBe(1);
    broker.handleFetch('consumer-1', consumers[0]!.fetch(0), fx);
    expect(sent.at(-1)!.error).toBe('FETCH_SESSION_ID_NOT_FOUND');
  });
});

describe('a session partition the request does not name, about to read an evicted segment', () => {
  it('the fetch asks the disk reads with every session partition, waits, and is answered in its own session once read', () => {
    // Partition 1 sits at offset 100 in the session, unnamed by the next request (its position did
    // not move); meanwhile records arrive and offset 100 ends up in a closed segment the page cache
    // evicted. local-reads.ts checked only the partitions the request named, so the handler asks.
    // The log's one page-cache question (segmentsReadFrom) is answered by hand: a closed segment below 200.
    const { leaders, append, replicas } = leaderOf(2);
    const { fx, sent } = world();
    const broker = new ConsumerFetchHandler(replicas, {} as MetadataImage);
    const toDisk: ConsumerFetchRequest[] = [];
    broker.awaitDisk = (_from, request) => {
      toDisk.push(request);
      return true; // it missed: the request waits for the device
    };
    const log1 = leaders.get(`${TOPIC}-1`)!.log;
    log1.segmentsReadFrom = ((offset: number) => (offset < 200 ? [{ closed: true, resident: false }] : null)) as unknown as typeof log1.segmentsReadFrom;
    const consumer = new FetchingConsumer('consumer-1', { 0: 90, 1: 100 });
    broker.handleFetch('consumer-1', consumer.fetch(), fx);
    expect(consumer.receive(sent.at(-1)!)).toBe(true); // partition 0 read up to 100; partition 1 had nothing

    append(1, 100); // offsets 100..199, in a segment closed and evicted since
    broker.onHighWatermark(`${TOPIC}-1`, 200, fx);
    const request = consumer.fetch();
    expect(request.partitions.map((part) => part.partition)).toEqual([0]);
    broker.handleFetch('consumer-1', request, fx);
    expect(sent).toHaveLength(1); // not answered: waiting for the disk
    expect(toDisk).toHaveLength(1);
    expect(toDisk[0]!.partitions.map((part) => part.partition)).toEqual([0, 1]);
    expect(broker.view().sessionPartitionsToDisk).toBe(1);

    broker.handleFetch('consumer-1', toDisk[0]!, fx); // the read completed: the broker hands the request back
    const answer = sent.at(-1)!;
    expect(partitionsOf(answer)).toEqual([1]);
    expect(answer.partitions[0]!.batches[0]!.baseOffset).toBe(100);
    expect(answer.sessionId).toBe(sent[0]!.sessionId);
    expect(answer.correlationId).toBe(request.correlationId);
    expect(consumer.receive(answer)).toBe(true);
    expect(consumer.fetch().sessionEpoch, 'the session goes on in its next epoch').toBe(2);
  });
});

describe("the consumer's session handler keeps the followers' handler's rules", () => {
  it('over 200 seeds of sends, answers and errors, it builds the very requests FetchSessionHandler builds', () => {
    // The consumer's handler compares slot by slot while the same array comes back refilled; the
    // followers' one keeps its own copy. Same inputs, same requests, whatever the order of events.
    for (let seed = 1; seed <= 200; seed++) {
      const prng = new Prng(seed, 'sessions');
      const lean = new ConsumerFetchSessionHandler();
      const reference = new FetchSessionHandler();
      const entries = new Map<number, ConsumerFetchPartition>();
      const entry = (partition: number, offset: number): ConsumerFetchPartition => ({ topic: TOPIC, partition, key: `${TOPIC}-${partition}`, fetchOffset: offset, currentLeaderEpoch: 1, lastFetchedEpoch: -1 });
      for (let partition = 0; partition < 4; partition++) entries.set(partition, entry(partition, 0));
      let slots: ConsumerFetchPartition[] = [...entries.values()];
      for (let step = 0; step < 60; step++) {
        const roll = prng.int(10);
        if (roll < 5) {
          const partition = entries.size === 0 ? undefined : [...entries.keys()][prng.int(entries.size)];
          if (partition !== undefined) entries.set(partition, entry(partition, entries.get(partition)!.fetchOffset + 1));
        } else if (roll === 5) {
          entries.delete(prng.int(6)); // revoked, or led elsewhere now
        } else if (roll === 6) {
          const partition = prng.int(6);
          if (!entries.has(partition)) entries.set(partition, entry(partition, 0));
        }
        // A regroup makes a new array; otherwise the consumer refills the same one in place.
        if (slots.length !== entries.size || roll === 7) slots = [...entries.values()];
        else [...entries.values()].forEach((part, index) => (slots[index] = part));
        const built = lean.build(slots);
        expect(built, `seed ${seed}, step ${step}`).toEqual(reference.build(slots));
        const answer = prng.int(20);
        if (answer === 0) {
          lean.handleError();
          reference.handleError();
        } else {
          const error = answer === 1 ? 'FETCH_SESSION_ID_NOT_FOUND' : answer === 2 ? 'INVALID_FETCH_SESSION_EPOCH' : 'NONE';
          const sessionId = built.sessionId === INVALID_SESSION_ID ? 1 + prng.int(1000) : built.sessionId;
          expect(lean.handleResponse(error, sessionId)).toBe(reference.handleResponse(error, sessionId));
        }
        expect(lean.session).toEqual(reference.session);
      }
    }
  });
});

describe('consumer fetch sessions on the whole engine', () => {
  const cluster = (config: Record<string, unknown> = {}) =>
    createEngine(
      {
        zones: 1,
        controllers: 1,
        brokers: 3,
        config: { 'group.initial.rebalance.delay.ms': 1_000, ...config },
        // Replication factor 1, so a restarted broker leads its partitions again (no other replica can).
        topics: [{ name: TOPIC, partitions: 6, replicationFactor: 1 }],
        producers: [{ topic: TOPIC, recordsPerSecond: 200, 'linger.ms': 5 }],
        consumers: [1, 2].map(() => ({ topic: TOPIC, 'group.id': 'billing', 'auto.offset.reset': 'earliest' })),
      },
      5,
    );

  it('a broker restart: its sessions are gone with its memory; the consumers open new ones in its new life and read on, nothing out of order', () => {
    const engine = cluster();
    const fetchesAt = (id: string) => engine.processViews().find((process) => process.id === id)!.view.consumerFetch;
    engine.runUntil(15_000_000);
    expect(fetchesAt('broker-2')?.fetchSessions, 'each consumer fetching from broker-2 holds a session there').toBeGreaterThan(0);
    engine.inject({ kind: 'crash', process: 'broker-2' });
    engine.runUntil(16_000_000);
    engine.inject({ kind: 'restart', process: 'broker-2' });
    engine.runUntil(20_000_000);
    const servedEarly = fetchesAt('broker-2')?.fetchesServed ?? 0;
    const checkedEarly = engine.consumptionStatus().recordsChecked;
    engine.runUntil(70_000_000);
    const restarted = fetchesAt('broker-2')!;
    // The fetch lost with the crash timed out (request.timeout.ms), so the next was FULL (FetchSessionHandler.handleError).
    expect(restarted.fetchSessions, 'sessions opened in the new life').toBeGreaterThan(0);
    expect(restarted.sessionsNotCreated, 'the default 1000 slots hold them all').toBe(0);
    expect(restarted.fetchesServed).toBeGreaterThan(servedEarly);
    const status = engine.consumptionStatus();
    expect(status.recordsChecked).toBeGreaterThan(checkedEarly);
    expect(status.violations).toBe(0);
  });

  it('a cache of one slot: the first consumer to fetch from a broker holds it, the other fetches FULL every time, and both read on', () => {
    const engine = cluster({ 'max.incremental.fetch.session.cache.slots': 1 });
    engine.runUntil(30_000_000);
    const views = engine.processViews().flatMap(({ view }) => (view.consumerFetch === undefined ? [] : [view.consumerFetch]));
    for (const view of views) expect(view.fetchSessions).toBeLessThanOrEqual(1);
    expect(views.reduce((sum, view) => sum + view.sessionsNotCreated, 0), 'FULL fetches answered without a session (no slot)').toBeGreaterThan(10);
    const consumed = engine.processViews().flatMap(({ view }) => (view.consumer === undefined ? [] : [view.consumer.recordsConsumed]));
    expect(consumed).toHaveLength(2);
    for (const records of consumed) expect(records).toBeGreaterThan(0);
    expect(engine.consumptionStatus().violations).toBe(0);
  });
});

describe("a session's answers are rewritten, never while the consumer may still read one", () => {
  // The broker reuses a session's fetch object, its answer and the answer's partition entries (a
  // fetch and an answer a second per consumer and broker were objects each). Messages are
  // delivered by reference, so an answer may be rewritten only once the consumer is done with it:
  // an INCREMENTAL fetch in the session's epoch proves that (the consumer advanced the epoch on it).
  it('rewrites the last answer for the next once the next INCREMENTAL fetch comes, and leaves a lost one as sent', () => {
    const { append, replicas } = leaderOf(2);
    const { fx, sent } = world();
    const broker = new ConsumerFetchHandler(replicas, {} as MetadataImage);
    const consumer = new FetchingConsumer('consumer-1', { 0: 90, 1: 100 });
    const snapshot = (response: ConsumerFetchResponse) => JSON.stringify(response);

    broker.handleFetch('consumer-1', consumer.fetch(), fx);
    const opened = sent.at(-1)!;
    consumer.receive(opened);

    // INCREMENTAL fetches, each woken by records on partition 1: the answer object is the last one, rewritten.
    broker.handleFetch('consumer-1', consumer.fetch(), fx);
    append(1, 10);
    broker.onHighWatermark(`${TOPIC}-1`, 110, fx);
    const second = sent.at(-1)!;
    expect(second).toBe(opened);
    expect(partitionsOf(second)).toEqual([1]);
    expect(second.partitions[0]!.batches.map((batch) => batch.baseOffset)).toEqual([100]);
    consumer.receive(second);
    const seen = snapshot(second);

    // Until the consumer's next fetch arrives, more records change nothing the consumer holds.
    append(1, 10);
    broker.onHighWatermark(`${TOPIC}-1`, 120, fx);
    expect(snapshot(second)).toBe(seen);
    broker.handleFetch('consumer-1', consumer.fetch(), fx);
    const third = sent.at(-1)!;
    expect(third).toBe(second);
    expect(third.partitions[0]!.batches.map((batch) => batch.baseOffset)).toEqual([110]);

    // This answer is lost (the consumer's request times out): its next fetch is FULL and closes the
    // session, so the answer it never read is never rewritten, and the new session's answers are new objects.
    const lost = snapshot(third);
    consumer.session.handleError();
    broker.handleFetch('consumer-1', consumer.fetch(), fx);
    const reopened = sent.at(-1)!;
    expect(reopened).not.toBe(third);
    consumer.receive(reopened);
    append(1, 10);
    broker.onHighWatermark(`${TOPIC}-1`, 130, fx);
    broker.handleFetch('consumer-1', consumer.fetch(), fx);
    expect(sent.at(-1)).toBe(reopened); // the new session's own answer, rewritten
    expect(snapshot(third)).toBe(lost);
    expect(sent.at(-1)!.partitions[0]!.batches.map((batch) => batch.baseOffset)).toEqual([120]);
  });
});
