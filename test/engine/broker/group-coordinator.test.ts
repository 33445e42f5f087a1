// Goal: the group coordinator answers as Kafka's classic GroupCoordinator does, state by state:
// MEMBER_ID_REQUIRED for a first join (KIP-394); the initial rebalance delay; JoinGroup answered
// with a new generation and, for the leader, every subscription; heartbeats in CompletingRebalance
// (NONE), in PreparingRebalance (REBALANCE_IN_PROGRESS), with a wrong generation (ILLEGAL_GENERATION)
// or an unknown member (UNKNOWN_MEMBER_ID); commits refused between JoinGroup and SyncGroup; a
// session that expires; NOT_COORDINATOR once the offsets partition is led elsewhere; and a new
// leader that loads commits from its log, answering COORDINATOR_LOAD_IN_PROGRESS until they are
// committed.
// Method: one GroupCoordinator over a real ReplicaManager and MetadataImage, driven by hand with a
// recording Effects: messages sent are collected, timers are a map the test fires itself.

import { describe, expect, it } from 'vitest';
import { GroupCoordinator } from '../../../src/engine/broker/group-coordinator';
import { OFFSETS_TOPIC, type GroupRequest, type Subscription } from '../../../src/engine/broker/group-protocol';
import { ReplicaManager, type DataDisk } from '../../../src/engine/broker/replica-manager';
import { MetadataImage } from '../../../src/engine/controller/image';
import type { MetadataRecord } from '../../../src/engine/controller/records';
import { TimerKeys, type Effects, type Message } from '../../../src/engine/sim/process';
import { Prng } from '../../../src/engine/sim/prng';

const SESSION_US = 10_000_000;
const REBALANCE_US = 60_000_000;
const DELAY_US = 3_000_000;

class Harness {
  nowUs = 0;
  readonly sent: { to: string; message: Message & Record<string, unknown> }[] = [];
  readonly timers = new Map<string, number>();
  private readonly timerKeys = new TimerKeys();
  readonly notes: string[] = [];
  readonly image = new MetadataImage();
  readonly disk: DataDisk = { logs: new Map(), producerIdCounter: 0 };
  readonly replicas: ReplicaManager;
  readonly coordinator: GroupCoordinator;
  private offset = 0;
  private readonly prng = new Prng(1);

  constructor(replicas: readonly string[], disk?: DataDisk) {
    if (disk !== undefined) this.disk = disk;
    this.replay({ type: 'RegisterBroker', brokerId: 'b1', brokerEpoch: 0, rack: 'zone-a', incarnation: 1 });
    this.replay({ type: 'UnfenceBroker', brokerId: 'b1', brokerEpoch: 0 });
    this.replay({ type: 'Topic', name: OFFSETS_TOPIC, topicId: OFFSETS_TOPIC });
    this.replay({ type: 'Partition', topicId: OFFSETS_TOPIC, partition: 0, replicas, isr: replicas, leader: 'b1', leaderEpoch: 0, partitionEpoch: 0 });
    this.replicas = new ReplicaManager(
      'b1',
      { replicaLagMaxUs: 30_000_000, fetchMaxWaitUs: 500_000, fetchMaxBytes: 1 << 20, fetchTimeoutUs: 30_000_000, fetchBackoffUs: 1_000_000, minInsyncReplicas: () => 1, dataReplication: () => 'isr' },
      this.disk,
      this.image,
      () => 0,
    );
    this.coordinator = new GroupCoordinator(
      'b1',
      { offsetsTopicPartitions: 1, offsetsTopicReplicationFactor: 3, initialRebalanceDelayUs: DELAY_US, offsetCommitTimeoutUs: 5_000_000 },
      this.replicas,
      this.image,
    );
    this.replicas.onHighWatermark = (leader, fx) => this.coordinator.onHighWatermark(leader.key, leader.highWatermark, fx);
    this.replicas.startServing(this.fx());
  }

  replay(record: MetadataRecord): void {
    this.image.replay(record, this.offset++);
  }

  fx(): Effects<Message> {
    return {
      nowUs: this.nowUs,
      self: 'b1',
      prng: this.prng,
      send: (to, message) => this.sent.push({ to, message: message as Message & Record<string, unknown> }),
      setTimer: (key, delayUs) => this.timers.set(key, this.nowUs + delayUs),
      cancelTimer: (key) => this.timers.delete(key),
      timer: (key) => this.timerKeys.timer(key),
      arm: (handle, delayUs) => this.timers.set(this.timerKeys.key(handle), this.nowUs + delayUs),
      disarm: (handle) => this.timers.delete(this.timerKeys.key(handle)),
      note: (text) => this.notes.push(text),
      exit: () => undefined,
    };
  }

  request(from: string, request: Omit<GroupRequest, 'bytes'>): void {
    this.coordinator.handleRequest(from, { bytes: 64, ...request } as GroupRequest, this.fx());
  }

  /** The last message sent to `to`, removed from the list. */
  answer(to: string): Record<string, unknown> {
    const index = this.sent.map((entry) => entry.to).lastIndexOf(to);
    if (index < 0) throw new Error(`nothing was sent to ${to}`);
    return this.sent.splice(index, 1)[0]!.message;
  }

  nothingFor(to: string): boolean {
    return !this.sent.some((entry) => entry.to === to);
  }

  /** Advances time to the timer's deadline and fires it. */
  fire(prefix: string): void {
    const key = [...this.timers.keys()].find((k) => k.startsWith(prefix));
    if (key === undefined) throw new Error(`no timer ${prefix}; armed: ${[...this.timers.keys()].join(', ')}`);
    this.nowUs = this.timers.get(key)!;
    this.timers.delete(key);
    this.coordinator.handleTimer(key, this.fx());
  }
}

const sub = (owned: number[] = []): Subscription => ({ topics: ['orders'], ownedPartitions: owned, generation: -1 });

function join(h: Harness, client: string, memberId: string): void {
  h.request(client, { type: 'JoinGroup', groupId: 'g', memberId, clientId: client, sessionTimeoutUs: SESSION_US, rebalanceTimeoutUs: REBALANCE_US, protocolName: 'range', subscription: sub() } as never);
}

/** A new member's two-step join (KIP-394); returns its member id. */
function newMember(h: Harness, client: string): string {
  join(h, client, '');
  const required = h.answer(client);
  expect(required.error).toBe('MEMBER_ID_REQUIRED');
  join(h, client, required.memberId as string);
  return required.memberId as string;
}

describe('the group coordinator', () => {
  it('takes a group from Empty through PreparingRebalance and CompletingRebalance to Stable, answering each API as Kafka does', () => {
    const h = new Harness(['b1']);
    const m1 = newMember(h, 'c1');
    // Empty -> PreparingRebalance: the first generation waits group.initial.rebalance.delay.ms.
    expect(h.nothingFor('c1')).toBe(true);
    expect(h.coordinator.view().groups[0]!.state).toBe('PreparingRebalance');
    h.fire('gc:join:g');
    const joined = h.answer('c1');
    expect(joined).toMatchObject({ error: 'NONE', generationId: 1, leader: m1, memberId: m1 });
    expect((joined.members as unknown[]).length).toBe(1);
    expect(h.coordinator.view().groups[0]!.state).toBe('CompletingRebalance');
    // Between JoinGroup and SyncGroup: heartbeats are fine, commits are refused.
    h.request('c1', { type: 'Heartbeat', groupId: 'g', generationId: 1, memberId: m1 } as never);
    expect(h.answer('c1').error).toBe('NONE');
    h.request('c1', { type: 'OffsetCommit', correlationId: 1, groupId: 'g', generationId: 1, memberId: m1, topic: 'orders', offsets: [{ partition: 0, offset: 5, leaderEpoch: 0 }] } as never);
    expect(h.answer('c1').error).toBe('REBALANCE_IN_PROGRESS');
    // The leader's SyncGroup: stored (one replica: committed at once), then Stable.
    h.request('c1', { type: 'SyncGroup', groupId: 'g', generationId: 1, memberId: m1, assignments: [{ memberId: m1, partitions: [0, 1] }] } as never);
    expect(h.answer('c1')).toMatchObject({ error: 'NONE', partitions: [0, 1] });
    expect(h.coordinator.view().groups[0]!.state).toBe('Stable');
    // Wrong generation, unknown member.
    h.request('c1', { type: 'Heartbeat', groupId: 'g', generationId: 0, memberId: m1 } as never);
    expect(h.answer('c1').error).toBe('ILLEGAL_GENERATION');
    h.request('c9', { type: 'Heartbeat', groupId: 'g', generationId: 1, memberId: 'nobody' } as never);
    expect(h.answer('c9').error).toBe('UNKNOWN_MEMBER_ID');
    // A commit in Stable is answered once its record is committed, and OffsetFetch returns it.
    h.request('c1', { type: 'OffsetCommit', correlationId: 2, groupId: 'g', generationId: 1, memberId: m1, topic: 'orders', offsets: [{ partition: 0, offset: 42, leaderEpoch: 0 }] } as never);
    expect(h.answer('c1').error).toBe('NONE');
    h.request('c1', { type: 'OffsetFetch', correlationId: 3, groupId: 'g', topic: 'orders', partitions: [0, 1] } as never);
    expect(h.answer('c1').offsets).toEqual([
      { partition: 0, offset: 42, leaderEpoch: 0 },
      { partition: 1, offset: -1, leaderEpoch: -1 },
    ]);

    // A second member: Stable -> PreparingRebalance, without the initial delay (the group is not Empty).
    const m2 = newMember(h, 'c2');
    expect(h.coordinator.view().groups[0]!.state).toBe('PreparingRebalance');
    h.request('c1', { type: 'Heartbeat', groupId: 'g', generationId: 1, memberId: m1 } as never);
    expect(h.answer('c1').error).toBe('REBALANCE_IN_PROGRESS');
    // A commit of the ending generation is still accepted while it rebalances (the eager protocol's last commit).
    h.request('c1', { type: 'OffsetCommit', correlationId: 4, groupId: 'g', generationId: 1, memberId: m1, topic: 'orders', offsets: [{ partition: 0, offset: 50, leaderEpoch: 0 }] } as never);
    expect(h.answer('c1').error).toBe('NONE');
    // Once every member has rejoined, the join completes at once: generation 2.
    join(h, 'c1', m1);
    expect(h.answer('c1')).toMatchObject({ error: 'NONE', generationId: 2, leader: m1 });
    expect(h.answer('c2')).toMatchObject({ error: 'NONE', generationId: 2, leader: m1, members: [] });
    h.request('c2', { type: 'SyncGroup', groupId: 'g', generationId: 2, memberId: m2, assignments: [] } as never);
    expect(h.nothingFor('c2')).toBe(true); // a follower waits for the leader's assignment
    h.request('c1', { type: 'SyncGroup', groupId: 'g', generationId: 2, memberId: m1, assignments: [{ memberId: m1, partitions: [0] }, { memberId: m2, partitions: [1] }] } as never);
    expect(h.answer('c2')).toMatchObject({ error: 'NONE', partitions: [1] });
    expect(h.answer('c1')).toMatchObject({ error: 'NONE', partitions: [0] });

    // c1 keeps heartbeating; c2 goes quiet: after session.timeout.ms it is removed and the group rebalances.
    h.nowUs += SESSION_US / 2;
    h.request('c1', { type: 'Heartbeat', groupId: 'g', generationId: 2, memberId: m1 } as never);
    h.answer('c1');
    h.fire(`gc:session:g\u0000${m2}`);
    expect(h.notes.some((note) => note.includes(`${m2} of group g sent no heartbeat`))).toBe(true);
    expect(h.coordinator.view().groups[0]).toMatchObject({ state: 'PreparingRebalance', members: [{ memberId: m1 }] });
  });

  it('answers NOT_COORDINATOR once another broker leads the offsets partition, and the group is gone from here', () => {
    const h = new Harness(['b1']);
    const m1 = newMember(h, 'c1');
    h.fire('gc:join:g');
    h.answer('c1');
    h.replay({ type: 'PartitionChange', topicId: OFFSETS_TOPIC, partition: 0, leader: 'b2', reason: 'test' });
    h.replicas.onPartitionState(h.image.partition(OFFSETS_TOPIC, 0)!, h.fx());
    h.request('c1', { type: 'Heartbeat', groupId: 'g', generationId: 1, memberId: m1 } as never);
    expect(h.answer('c1').error).toBe('NOT_COORDINATOR');
    h.request('c1', { type: 'OffsetFetch', correlationId: 1, groupId: 'g', topic: 'orders', partitions: [0] } as never);
    expect(h.answer('c1').error).toBe('NOT_COORDINATOR');
    expect(h.coordinator.view().groups).toEqual([]);
  });

  it('a new leader loads committed offsets from its log, answering COORDINATOR_LOAD_IN_PROGRESS until they are committed', () => {
    // The first coordinator commits offsets; its partition log is the disk a new leader would have.
    const first = new Harness(['b1']);
    first.request('admin', { type: 'OffsetCommit', correlationId: 1, groupId: 'g', generationId: -1, memberId: '', topic: 'orders', offsets: [{ partition: 3, offset: 1234, leaderEpoch: 0 }] } as never);
    expect(first.answer('admin').error).toBe('NONE');
    // A new broker leads with a second in-sync replica that has not fetched yet: the high watermark is behind the log end.
    const second = new Harness(['b1', 'b2'], first.disk);
    second.request('c1', { type: 'OffsetFetch', correlationId: 2, groupId: 'g', topic: 'orders', partitions: [3] } as never);
    expect(second.answer('c1').error).toBe('COORDINATOR_LOAD_IN_PROGRESS');
    // The follower fetches up to the log end: the high watermark passes the loaded records.
    const end = first.disk.logs.get(`${OFFSETS_TOPIC}-0`)!.endOffset;
    second.replicas.handleRequest('b2', { type: 'ReplicaFetch', bytes: 64, replicaId: 'b2', brokerEpoch: 1, partitions: [{ topic: OFFSETS_TOPIC, partition: 0, key: `${OFFSETS_TOPIC}-0`, fetchOffset: end, lastFetchedEpoch: 0, currentLeaderEpoch: 0 }] }, second.fx());
    second.request('c1', { type: 'OffsetFetch', correlationId: 3, groupId: 'g', topic: 'orders', partitions: [3] } as never);
    expect(second.answer('c1')).toMatchObject({ error: 'NONE', offsets: [{ partition: 3, offset: 1234, leaderEpoch: 0 }] });
    expect(second.notes.some((note) => note.includes('loaded 1 group (1 committed offsets)'))).toBe(true);
  });
});
