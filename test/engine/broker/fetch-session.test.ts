// Goal: follower fetches run in KIP-227 incremental fetch sessions as Kafka's do
// (FetchSession.scala, FetchSessionHandler.java): the first fetch is FULL and opens a session; later
// ones are INCREMENTAL and name only the partitions whose fetch state changed, and the answer only
// the partitions with news; partitions join and leave the session; a restarted leader has no
// sessions (FETCH_SESSION_ID_NOT_FOUND) and the follower starts over FULL; an epoch mismatch
// (INVALID_FETCH_SESSION_EPOCH) closes the session and opens another; the cache keeps at most
// max.incremental.fetch.session.cache.slots sessions.
// Method: two real ReplicaManagers (leader b1, follower b2) over one MetadataImage, wired by hand:
// every message sent is collected, delivered when the test says, and timers fire when the test
// fires them. The cache and the handler are also checked alone.

import { afterEach, describe, expect, it } from 'vitest';
import { cachedPartition, FETCH_SESSION_EVICTION_US, FetchSessionCache, FetchSessionHandler, INVALID_SESSION_ID } from '../../../src/engine/broker/fetch-session';
import type { FetchPartitionRequest, ProduceRequest, ReplicaFetchRequest, ReplicaFetchResponse } from '../../../src/engine/broker/protocol';
import { ReplicaManager, setQuietPartitionChecks, type DataDisk, type ReplicaSettings } from '../../../src/engine/broker/replica-manager';
import { MetadataImage } from '../../../src/engine/controller/image';
import type { MetadataRecord } from '../../../src/engine/controller/records';
import { TimerKeys, type Effects, type Message } from '../../../src/engine/sim/process';
import { Prng } from '../../../src/engine/sim/prng';

const TOPIC = 'orders';
const SETTINGS: ReplicaSettings = {
  replicaLagMaxUs: 30_000_000,
  fetchMaxWaitUs: 500_000,
  fetchMaxBytes: 1 << 20,
  fetchTimeoutUs: 30_000_000,
  fetchBackoffUs: 1_000_000,
  minInsyncReplicas: () => 1,
  dataReplication: () => 'isr',
};

interface Sent {
  readonly from: string;
  readonly to: string;
  readonly message: Message;
}

class Broker {
  readonly timers = new Map<string, number>();
  private readonly timerKeys = new TimerKeys();
  readonly notes: string[] = [];
  readonly disk: DataDisk = { logs: new Map(), producerIdCounter: 0 };
  replicas: ReplicaManager;
  private readonly prng: Prng;

  constructor(
    readonly id: string,
    private readonly world: World,
    private readonly settings: ReplicaSettings,
  ) {
    this.prng = new Prng(7, id);
    this.replicas = this.newLife();
  }

  /** A new life on the same disk (a restart): everything in memory, fetch sessions included, is gone. */
  newLife(): ReplicaManager {
    this.replicas = new ReplicaManager(this.id, this.settings, this.disk, this.world.image, () => 1);
    this.timers.clear();
    return this.replicas;
  }

  fx(): Effects<Message> {
    const world = this.world;
    return {
      nowUs: world.nowUs,
      self: this.id,
      prng: this.prng,
      send: (to, message) => world.outbox.push({ from: this.id, to, message }),
      setTimer: (key, delayUs) => this.timers.set(key, world.nowUs + delayUs),
      cancelTimer: (key) => this.timers.delete(key),
      timer: (key) => this.timerKeys.timer(key),
      arm: (handle, delayUs) => this.timers.set(this.timerKeys.key(handle), world.nowUs + delayUs),
      disarm: (handle) => this.timers.delete(this.timerKeys.key(handle)),
      note: (text) => this.notes.push(text),
      exit: () => undefined,
    };
  }

  /** Moves the clock to the timer whose key starts with `prefix` (it must be armed) and fires it. */
  fire(prefix: string): void {
    const key = [...this.timers.keys()].find((candidate) => candidate.startsWith(prefix));
    expect(key, `${this.id} has a timer ${prefix}`).toBeDefined();
    this.world.nowUs = Math.max(this.world.nowUs, this.timers.get(key!)!);
    this.timers.delete(key!);
    this.replicas.handleTimer(key!, this.fx());
  }
}

class World {
  nowUs = 0;
  readonly image = new MetadataImage();
  readonly outbox: Sent[] = [];
  readonly brokers = new Map<string, Broker>();
  private offset = 0;

  constructor(partitions: number, settings: ReplicaSettings = SETTINGS) {
    for (const id of ['b1', 'b2']) {
      this.replay({ type: 'RegisterBroker', brokerId: id, brokerEpoch: 1, rack: 'zone-a', incarnation: 1 });
      this.replay({ type: 'UnfenceBroker', brokerId: id, brokerEpoch: 1 });
      this.brokers.set(id, new Broker(id, this, settings));
    }
    this.replay({ type: 'Topic', name: TOPIC, topicId: TOPIC });
    for (let partition = 0; partition < partitions; partition++) this.setLeader(partition, 'b1', 0);
    for (const broker of this.brokers.values()) broker.replicas.startServing(broker.fx());
  }

  broker(id: string): Broker {
    return this.brokers.get(id)!;
  }

  replay(record: MetadataRecord): void {
    this.image.replay(record, this.offset++);
  }

  /** A partition of `orders` on b1 and b2, led by `leader`, as a committed metadata record both brokers take. */
  setLeader(partition: number, leader: string, leaderEpoch: number): void {
    this.replay({ type: 'Partition', topicId: TOPIC, partition, replicas: ['b1', 'b2'], isr: ['b1', 'b2'], leader, leaderEpoch, partitionEpoch: leaderEpoch });
    const state = this.image.partition(TOPIC, partition)!;
    for (const broker of this.brokers.values()) broker.replicas.onPartitionState(state, broker.fx());
  }

  /** Takes the messages of `type` sent so far (the others stay). */
  take<T extends Message>(type: string): T[] {
    const taken: T[] = [];
    for (let index = 0; index < this.outbox.length; ) {
      if (this.outbox[index]!.message.type === type) taken.push(this.outbox.splice(index, 1)[0]!.message as T);
      else index++;
    }
    return taken;
  }

  /** Delivers the one message of `type` waiting (from `from`, when given; there must be exactly one) and returns it. */
  deliverOne<T extends Message>(type: string, from?: string): T {
    const waiting = this.outbox.filter((sent) => sent.message.type === type && (from === undefined || sent.from === from));
    expect(waiting.map((sent) => sent.message.type), `one ${type} waiting`).toEqual([type]);
    const sent = waiting[0]!;
    this.outbox.splice(this.outbox.indexOf(sent), 1);
    this.deliver(sent);
    return sent.message as T;
  }

  deliver(sent: Sent): void {
    const broker = this.broker(sent.to);
    if (sent.message.type === 'ReplicaFetchResponse') broker.replicas.handleReplicaFetchResponse(sent.from, sent.message as ReplicaFetchResponse, broker.fx());
    else broker.replicas.handleRequest(sent.from, sent.message as ReplicaFetchRequest | ProduceRequest, broker.fx());
  }

  /** A producer's one-batch, acks=1 write to b1. */
  produce(partition: number, records: number, sequence: number): void {
    const request: ProduceRequest = {
      type: 'Produce',
      bytes: 64 + records * 100,
      correlationId: sequence,
      acks: 1,
      timeoutUs: 30_000_000,
      batches: [{ topic: TOPIC, partition, producerId: 5, baseSequence: sequence, records, bytes: records * 100, batchId: `p/${partition}/${sequence}`, createdUs: this.nowUs }],
    };
    this.deliver({ from: 'producer', to: 'b1', message: request });
    this.take('ProduceResponse');
  }
}

const keys = (parts: readonly { readonly topic: string; readonly partition: number }[]): string[] => parts.map((part) => `${part.topic}-${part.partition}`);

/**
 * The session set up: b2's FULL fetch (orders-0: the other partitions became followed while it
 * was in flight) and its first INCREMENTAL one (adding them) answered after their long polls; its
 * second INCREMENTAL fetch, in epoch 2, is sent.
 */
function withSession(partitions: number): { world: World; sessionId: number } {
  const world = new World(partitions);
  world.deliverOne('ReplicaFetch');
  world.broker('b1').fire('rm:fetch-park:');
  const response = world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse');
  world.deliverOne('ReplicaFetch');
  world.broker('b1').fire('rm:fetch-park:');
  world.deliverOne('ReplicaFetchResponse');
  return { world, sessionId: response.sessionId };
}

describe('KIP-227 fetch sessions between a follower and its leader', () => {
  it('the first fetch is FULL and opens a session; later fetches name only what changed, and answers carry only news', () => {
    const world = new World(3);
    // b2 followed orders-0 first and fetched at once; orders-1 and -2 came while that fetch was in flight.
    const full = world.deliverOne<ReplicaFetchRequest>('ReplicaFetch');
    expect([full.sessionId, full.sessionEpoch]).toEqual([INVALID_SESSION_ID, 0]);
    expect(keys(full.partitions)).toEqual(['orders-0']);
    // Nothing to read: the FULL fetch waits its replica.fetch.wait.max.ms, then every partition is answered.
    expect(world.outbox).toEqual([]);
    world.broker('b1').fire('rm:fetch-park:');
    const fullAnswer = world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse');
    expect(fullAnswer.sessionId).not.toBe(INVALID_SESSION_ID);
    expect(keys(fullAnswer.partitions)).toEqual(['orders-0']);
    expect(world.broker('b1').replicas.view()).toMatchObject({ fetchSessions: 1, fetchSessionPartitionsCached: 1 });

    // The next fetch is INCREMENTAL, in epoch 1, and adds the two partitions; their first answer in the session carries them.
    const adding = world.deliverOne<ReplicaFetchRequest>('ReplicaFetch');
    expect([adding.sessionId, adding.sessionEpoch, keys(adding.partitions)]).toEqual([fullAnswer.sessionId, 1, ['orders-1', 'orders-2']]);
    expect(world.broker('b1').replicas.view().fetchSessionPartitionsCached).toBe(3);
    world.broker('b1').fire('rm:fetch-park:');
    expect(keys(world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse').partitions)).toEqual(['orders-1', 'orders-2']);

    // Then it names nothing: no fetch state changed.
    const quiet = world.deliverOne<ReplicaFetchRequest>('ReplicaFetch');
    expect([quiet.sessionId, quiet.sessionEpoch, quiet.partitions.length, quiet.forgotten]).toEqual([fullAnswer.sessionId, 2, 0, []]);
    // A write to orders-1 completes the parked fetch; only orders-1 is in the answer.
    world.produce(1, 10, 0);
    const records = world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse');
    expect(keys(records.partitions)).toEqual(['orders-1']);
    expect(records.partitions[0]!.batches.map((batch) => batch.records)).toEqual([10]);

    // The follower appended them: its next fetch names orders-1 alone, at its new offset, in epoch 3.
    const moved = world.deliverOne<ReplicaFetchRequest>('ReplicaFetch');
    expect(moved.sessionEpoch).toBe(3);
    expect(moved.partitions.map((part) => [part.key, part.fetchOffset])).toEqual([['orders-1', 10]]);
    // That fetch moves the high watermark to 10; the answer (after the long poll) carries it for orders-1 only.
    world.broker('b1').fire('rm:fetch-park:');
    const news = world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse');
    expect(news.partitions.map((part) => [`${part.topic}-${part.partition}`, part.highWatermark, part.batches.length])).toEqual([['orders-1', 10, 0]]);
    expect(world.broker('b2').replicas.replicaHighWatermark(TOPIC, 1)).toBe(10);
    // And with nothing new at all the answer is empty, but the session goes on.
    const idle = world.deliverOne<ReplicaFetchRequest>('ReplicaFetch');
    expect([idle.sessionEpoch, idle.partitions.length]).toEqual([4, 0]);
    world.broker('b1').fire('rm:fetch-park:');
    expect(world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse').partitions).toEqual([]);
    expect(world.broker('b2').replicas.fetchSessionWith('b1')).toEqual({ id: fullAnswer.sessionId, nextEpoch: 5 });
  });

  it('a partition joins the session when it is followed and leaves it (forgotten) when it is no longer fetched from that leader', () => {
    const { world, sessionId } = withSession(2);
    // While the incremental fetch is in flight, orders-2 is created, led by b1.
    world.setLeader(2, 'b1', 0);
    world.deliverOne('ReplicaFetch'); // names nothing: orders-2 was not followed when it was built
    world.broker('b1').fire('rm:fetch-park:');
    world.deliverOne('ReplicaFetchResponse');
    const added = world.deliverOne<ReplicaFetchRequest>('ReplicaFetch');
    expect([added.sessionId, keys(added.partitions), added.forgotten]).toEqual([sessionId, ['orders-2'], []]);
    expect(world.broker('b1').replicas.view().fetchSessionPartitionsCached).toBe(3);
    world.broker('b1').fire('rm:fetch-park:');
    const answer = world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse');
    expect(keys(answer.partitions)).toEqual(['orders-2']); // its first answer in the session: high watermark and log start

    // b2 becomes the leader of orders-0: it no longer fetches it from b1, and says so.
    // The fetch already sent still has it in the session: b1 answers NOT_LEADER_OR_FOLLOWER for it, at once.
    world.setLeader(0, 'b2', 1);
    world.deliverOne('ReplicaFetch', 'b2');
    const refused = world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse', 'b1');
    expect(refused.partitions.map((part) => [part.partition, part.error])).toEqual([[0, 'NOT_LEADER_OR_FOLLOWER']]);
    const removed = world.deliverOne<ReplicaFetchRequest>('ReplicaFetch', 'b2');
    expect(keys(removed.partitions)).toEqual([]);
    expect(removed.forgotten!.map((part) => part.key)).toEqual(['orders-0']);
    expect(world.broker('b1').replicas.view().fetchSessionPartitionsCached).toBe(2);
  });

  it('a restarted leader has lost its sessions: FETCH_SESSION_ID_NOT_FOUND, and the follower starts over with a FULL fetch', () => {
    const { world, sessionId } = withSession(3);
    const leader = world.broker('b1');
    world.nowUs += 20_000_000; // it crashed and came back 20 s later
    leader.newLife();
    leader.replicas.startServing(leader.fx());
    expect(leader.replicas.view().fetchSessions).toBe(0);

    const incremental = world.deliverOne<ReplicaFetchRequest>('ReplicaFetch');
    expect([incremental.sessionId, incremental.sessionEpoch]).toEqual([sessionId, 2]);
    const refused = world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse');
    expect([refused.error, refused.sessionId, refused.partitions]).toEqual(['FETCH_SESSION_ID_NOT_FOUND', INVALID_SESSION_ID, []]);
    expect(world.broker('b2').notes.some((note) => note.includes('FETCH_SESSION_ID_NOT_FOUND'))).toBe(true);

    const again = world.deliverOne<ReplicaFetchRequest>('ReplicaFetch');
    expect([again.sessionId, again.sessionEpoch]).toEqual([INVALID_SESSION_ID, 0]);
    expect(keys(again.partitions)).toEqual(['orders-0', 'orders-1', 'orders-2']);
    leader.fire('rm:fetch-park:');
    const reopened = world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse');
    expect(reopened.sessionId).not.toBe(INVALID_SESSION_ID);
    expect(reopened.sessionId).not.toBe(sessionId);
    expect(keys(reopened.partitions)).toEqual(['orders-0', 'orders-1', 'orders-2']);
    expect(world.broker('b2').replicas.fetchSessionWith('b1')).toEqual({ id: reopened.sessionId, nextEpoch: 1 });
  });

  it('a fetch in the wrong epoch is refused with INVALID_FETCH_SESSION_EPOCH; the follower closes that session and opens another', () => {
    const { world, sessionId } = withSession(2);
    const leader = world.broker('b1');
    const sent = world.outbox.find((entry) => entry.message.type === 'ReplicaFetch')!;
    world.deliverOne('ReplicaFetch'); // epoch 2: accepted (it waits in the purgatory)
    world.deliver(sent); // the same request again: the session now expects epoch 3
    const refused = world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse');
    expect([refused.error, refused.partitions]).toEqual(['INVALID_FETCH_SESSION_EPOCH', []]);

    // Kafka's nextCloseExisting: a FULL fetch naming the old session, which the leader closes.
    const closing = world.deliverOne<ReplicaFetchRequest>('ReplicaFetch');
    expect([closing.sessionId, closing.sessionEpoch, closing.partitions.length]).toEqual([sessionId, 0, 2]);
    expect(leader.replicas.view().fetchSessions).toBe(0);
    leader.fire('rm:fetch-park:');
    const reopened = world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse');
    expect(reopened.sessionId).not.toBe(sessionId);
    expect(leader.replicas.view().fetchSessions).toBe(1);
  });

  it('a parked fetch is answered at its own replica.fetch.wait.max.ms, though the park timer was armed for an earlier fetch', () => {
    const { world } = withSession(2);
    const leader = world.broker('b1');
    const start = world.nowUs;
    world.deliverOne('ReplicaFetch'); // parks until start + 500 ms
    world.nowUs += 10_000;
    world.produce(0, 5, 0); // records: that fetch is answered at once; its timer stays armed
    world.deliverOne('ReplicaFetchResponse');
    world.nowUs = start + 200_000;
    world.deliverOne('ReplicaFetch'); // at the log end: it parks until start + 700 ms
    leader.fire('rm:fetch-park:'); // start + 500 ms: armed for the first fetch; armed again for this one
    expect(world.nowUs).toBe(start + 500_000);
    expect(world.outbox.filter((sent) => sent.message.type === 'ReplicaFetchResponse')).toEqual([]);
    leader.fire('rm:fetch-park:');
    expect(world.nowUs).toBe(start + 700_000);
    const answer = world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse');
    expect(answer.partitions.map((part) => [part.key, part.highWatermark])).toEqual([['orders-0', 5]]);
  });

  it('with max.incremental.fetch.session.cache.slots = 0 there are no sessions: every fetch is FULL and every answer whole', () => {
    const world = new World(2, { ...SETTINGS, fetchSessionCacheSlots: 0 });
    for (let round = 0; round < 3; round++) {
      const expected = round === 0 ? 1 : 2; // the first fetch left before orders-1 was followed
      const request = world.deliverOne<ReplicaFetchRequest>('ReplicaFetch');
      expect([request.sessionId, request.sessionEpoch, request.partitions.length]).toEqual([INVALID_SESSION_ID, 0, expected]);
      world.broker('b1').fire('rm:fetch-park:');
      const answer = world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse');
      expect([answer.sessionId, answer.partitions.length]).toEqual([INVALID_SESSION_ID, expected]);
    }
    expect(world.broker('b1').replicas.view().fetchSessions).toBe(0);
  });
});

describe('the fetch session cache and handler, alone', () => {
  const part = (key: string, fetchOffset: number): FetchPartitionRequest => ({ topic: 't', partition: Number(key.slice(2)), key, fetchOffset, lastFetchedEpoch: 0, currentLeaderEpoch: 0 });

  it('keeps at most its slots: a newcomer waits until a session is stale (unused 120 s), then evicts it', () => {
    const cache = new FetchSessionCache(1, new Prng(3, 'cache'));
    const first = cache.newContext(INVALID_SESSION_ID, 0, [part('t-0', 0)], [], 0);
    expect(first.kind).toBe('full');
    const a = cache.maybeCreateSession(0, true, first.kind === 'full' ? first.partitions : []);
    expect(a).not.toBe(INVALID_SESSION_ID);
    // Another follower's session finds no slot: A is neither stale nor old enough to be evicted for a bigger one.
    expect(cache.maybeCreateSession(1_000_000, true, [])).toBe(INVALID_SESSION_ID);
    // A is used in epoch 1 at 130 s, so it is not stale at 200 s...
    expect(cache.newContext(a, 1, [], [], 130_000_000).kind).toBe('incremental');
    // ...but that touch found it older than 120 s, so a privileged newcomer with more partitions may evict it.
    const b = cache.maybeCreateSession(200_000_000, true, [part('t-0', 0), part('t-1', 0)].map(cachedPartition));
    expect(b).not.toBe(INVALID_SESSION_ID);
    expect(cache.get(a)).toBeUndefined();
    // Unused for more than FETCH_SESSION_EVICTION_US, B is stale: any newcomer takes its slot.
    const c = cache.maybeCreateSession(200_000_000 + FETCH_SESSION_EVICTION_US + 1, true, []);
    expect(c).not.toBe(INVALID_SESSION_ID);
    expect(cache.get(b)).toBeUndefined();
    expect(cache.view()).toEqual({ sessions: 1, partitionsCached: 0, evictions: 2 });
  });

  it('a session finds its partitions by topic and partition number as a map by key would, through adds, replaced entries and forgets (100 random runs)', () => {
    // The session's index (TopicSlots) against a naive model: a Map by "topic-partition" in join
    // order, updated as Kafka's FetchSession.update does (a named partition replaces its entry or
    // joins at the end; a forgotten one leaves). Two topics, so lookups switch topics.
    const entry = (topic: string, partition: number, fetchOffset: number): FetchPartitionRequest => ({ topic, partition, key: `${topic}-${partition}`, fetchOffset, lastFetchedEpoch: 0, currentLeaderEpoch: 0 });
    let forgets = 0;
    for (let seed = 0; seed < 100; seed++) {
      const prng = new Prng(seed, 'session-index');
      const cache = new FetchSessionCache(1, prng.fork('cache'));
      const first = [entry('a', prng.int(12), 0), entry('b', prng.int(12), 0)];
      const model = new Map(first.map((part) => [part.key, part]));
      const context = cache.newContext(INVALID_SESSION_ID, 0, first, [], 0);
      const id = cache.maybeCreateSession(0, false, context.kind === 'full' ? context.partitions : []);
      const session = cache.get(id)!;
      for (let round = 0; round < 40; round++) {
        // A request names a partition once, and never one it also forgets (FetchSessionHandler.build).
        const drawn = Array.from({ length: prng.int(4) }, () => entry(prng.int(2) === 0 ? 'a' : 'b', prng.int(12), round + 1));
        const named = drawn.filter((part, index) => drawn.findIndex((other) => other.key === part.key) === index);
        const forgotten = [...model.values()].filter((held) => prng.int(8) === 0 && !named.some((part) => part.key === held.key)).map(({ topic, partition, key }) => ({ topic, partition, key }));
        const joining = named.filter((part) => !model.has(part.key)).length;
        if (model.size + joining === forgotten.length) continue; // an emptied session is closed (not what this checks)
        for (const part of named) model.set(part.key, part);
        for (const gone of forgotten) model.delete(gone.key);
        forgets += forgotten.length;
        session.update(named, forgotten);
        expect(session.partitions.map((cached) => cached.part)).toEqual([...model.values()]);
        for (const topic of ['a', 'b']) {
          for (let partition = 0; partition < 14; partition++) expect(session.get(topic, partition)?.part).toBe(model.get(`${topic}-${partition}`));
        }
      }
    }
    expect(forgets).toBeGreaterThan(200);
  });

  it('a build that compares only the places the caller rewrote asks exactly what a build comparing every place asks (200 random runs)', () => {
    // Two handlers see the same entries, answers and timeouts: one builds with build(next), the
    // other with buildAt(next, places) listing the places rewritten since its last build (and, at
    // times, a place not rewritten, or a reshaped list, where it must fall back to a full build).
    let fellBack = 0;
    let placeOnly = 0;
    for (let seed = 0; seed < 200; seed++) {
      const prng = new Prng(seed, 'buildAt');
      const full = new FetchSessionHandler();
      const atPlaces = new FetchSessionHandler();
      let next = Array.from({ length: prng.range(1, 10) }, (_, index) => part(`t-${index}`, 0));
      let places: number[] = [];
      for (let round = 0; round < 60; round++) {
        const roll = prng.int(20);
        if (roll === 0) {
          next = [...next, part(`t-${next.length}`, 0)]; // reshaped: a partition joins
          places = [];
        } else {
          for (let count = prng.int(3); count > 0; count--) {
            const index = prng.int(next.length);
            next[index] = part(next[index]!.key, next[index]!.fetchOffset + 1);
            if (!places.includes(index)) places.push(index);
          }
          if (roll === 1) places.push(prng.int(next.length)); // a place listed though unchanged (or twice)
        }
        const expected = full.build(next);
        const listed = [...places, 99]; // a stale slot past the count is not read
        const built = atPlaces.buildAt(next, listed, places.length);
        expect(built).toEqual(expected);
        if (roll === 0 || built.sessionEpoch === 0) fellBack++;
        else placeOnly++;
        places = [];
        const answer = prng.int(12);
        for (const handler of [full, atPlaces]) {
          if (answer === 0) handler.handleError();
          else handler.handleResponse(answer === 1 ? 'INVALID_FETCH_SESSION_EPOCH' : 'NONE', 42);
        }
      }
    }
    expect(fellBack).toBeGreaterThan(100);
    expect(placeOnly).toBeGreaterThan(5000);
  });

  it('a build is valid until the next, but the lists a sent request carries are never refilled by a later build', () => {
    // ReplicaManager copies the build's fields into the request at once; the request's lists travel
    // with it (by reference) until the leader takes them in, so no later build may write into them.
    const handler = new FetchSessionHandler();
    const entries = [part('t-0', 0), part('t-1', 0), part('t-2', 0)];
    const full = handler.build(entries);
    const sent: { partitions: readonly FetchPartitionRequest[]; copy: FetchPartitionRequest[]; epoch: number }[] = [{ partitions: full.partitions, copy: [...full.partitions], epoch: full.sessionEpoch }];
    handler.handleResponse('NONE', 42);
    for (let round = 1; round <= 30; round++) {
      const place = round % 3;
      entries[place] = part(`t-${place}`, round);
      const built = round % 2 === 0 ? handler.buildAt(entries, [place], 1) : handler.build(entries);
      expect(built).toMatchObject({ sessionId: 42, sessionEpoch: round, partitions: [entries[place]] });
      sent.push({ partitions: built.partitions, copy: [...built.partitions], epoch: built.sessionEpoch });
      handler.handleResponse('NONE', 42);
    }
    for (const request of sent) expect(request.partitions).toEqual(request.copy);
    expect(new Set(sent.map((request) => request.partitions)).size).toBe(sent.length);
  });

  it('the handler sends a changed entry once, forgets what it no longer fetches, and starts over after a lost answer', () => {
    const handler = new FetchSessionHandler();
    const zero = part('t-0', 0);
    const one = part('t-1', 0);
    expect(handler.build([zero, one])).toMatchObject({ sessionId: 0, sessionEpoch: 0, partitions: [zero, one] });
    expect(handler.handleResponse('NONE', 42)).toBe(true);
    const moved = part('t-1', 5);
    expect(handler.build([zero, moved])).toMatchObject({ sessionId: 42, sessionEpoch: 1, partitions: [moved], forgotten: [] });
    handler.handleResponse('NONE', 42);
    expect(handler.build([moved])).toMatchObject({ sessionEpoch: 2, partitions: [], forgotten: [{ key: 't-0' }] });
    handler.handleError(); // no answer (replica.socket.timeout.ms): close this session, open another
    expect(handler.build([moved])).toMatchObject({ sessionId: 42, sessionEpoch: 0, partitions: [moved] });
    handler.handleResponse('NONE', INVALID_SESSION_ID); // the leader had no slot: sessionless
    expect(handler.build([moved])).toMatchObject({ sessionId: 0, sessionEpoch: 0, partitions: [moved] });
  });
});

describe('the leader visits only the session partitions that changed (quiet partitions)', () => {
  afterEach(() => setQuietPartitionChecks(false));

  /** One more long poll with nothing new: every partition of the session is quiet after it. */
  function idleRound(world: World): void {
    world.deliverOne('ReplicaFetch');
    world.broker('b1').fire('rm:fetch-park:');
    world.deliverOne('ReplicaFetchResponse');
  }

  it('a quiet partition is not visited: records written behind the replica manager\'s back go unsent, and the check catches that nothing listed it', () => {
    const { world } = withSession(3);
    idleRound(world);
    // Appended to orders-2's log directly, not through a produce: no change lists the partition.
    const log = world.broker('b1').disk.logs.get('orders-2')!;
    log.append({ baseOffset: 0, records: 3, bytes: 300, epoch: 0, producerId: -1, baseSequence: -1, batchId: 'behind-its-back', appendedUs: world.nowUs, createdUs: world.nowUs });
    // A walk of the whole session would answer this fetch at once with the records; it waits its long poll and answers nothing.
    world.deliverOne('ReplicaFetch');
    expect(world.outbox).toEqual([]);
    world.broker('b1').fire('rm:fetch-park:');
    expect(world.deliverOne<ReplicaFetchResponse>('ReplicaFetchResponse').partitions).toEqual([]);
    // With the test hook on, the next answer finds orders-2 quiet though it has records to send.
    setQuietPartitionChecks(true);
    expect(() => world.deliverOne('ReplicaFetch')).toThrow(/orders-2 is quiet in b2's fetch session .* a change did not list it/);
  });

  it('a quiet partition\'s follower is caught up at every fetch it was not visited in: after 40 s of idle fetches it leaves the ISR only replica.lag.time.max.ms after its last one', () => {
    setQuietPartitionChecks(true);
    const { world } = withSession(3);
    const leader = world.broker('b1');
    for (let round = 0; round < 80; round++) idleRound(world); // 40 s of long polls, every partition quiet
    const lastFetchUs = world.nowUs;
    // A write to orders-1, and b2 stops fetching (its next fetch is never delivered).
    world.produce(1, 10, 0);
    // The ISR check (the harness fires it by hand: its broker never called start()).
    world.nowUs = lastFetchUs + 25_000_000;
    leader.replicas.handleTimer('rm:isr-check', leader.fx());
    expect(leader.replicas.view().isrShrinks).toBe(0); // caught up 25 s ago, at its last fetch: not at the session's start, 65 s ago
    world.nowUs = lastFetchUs + 31_000_000;
    leader.replicas.handleTimer('rm:isr-check', leader.fx());
    expect(leader.replicas.view().isrShrinks).toBe(1);
    expect(leader.notes.some((note) => note.includes('drops b2 from the ISR of orders-1'))).toBe(true);
  });
});
