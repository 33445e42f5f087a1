// The contrast: Kafka before KRaft kept its metadata in ZooKeeper. This is the coordination
// service as Kafka used it, one server standing for the ensemble: client sessions that expire
// after zookeeper.session.timeout.ms without a ping (18000, Kafka's default), ephemeral znodes
// deleted with their session (/controller, /brokers/ids/N), watches that fire when they go, and
// persistent partition-state znodes (/brokers/topics/T/partitions/P/state).
//
// Requests are served one at a time, each costing time in proportion to the znodes it reads or
// writes: the cost that makes a legacy controller's failover grow with the partition count.
// Durable: the znodes and the controller epoch (ZooKeeper persists its data tree); volatile: the
// sessions and watches (clients reconnect after a server restart).

import type { Effects, Message } from '../sim/process';
import type { TimeUs } from '../sim/time';

/** Assumed cost of serving one znode read (an in-memory lookup plus serialization). */
export const ZK_READ_US_PER_ZNODE = 30;
/** Assumed cost of one znode write (ZooKeeper logs every write to disk before answering). */
export const ZK_WRITE_US_PER_ZNODE = 100;
/** How often the server looks for expired sessions (ZooKeeper's tickTime granularity). */
export const ZK_EXPIRY_CHECK_US = 250_000;
const ZK_TIMER_WORK = 'zk:work';
const ZK_TIMER_EXPIRY = 'zk:expiry';
const ZK_HEADER_BYTES = 48;
/** Bytes of one partition-state znode on the wire. */
export const PARTITION_STATE_BYTES = 80;

export interface LegacyPartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly string[];
  readonly isr: readonly string[];
  readonly leader: string | null;
  readonly leaderEpoch: number;
  /** The controller epoch that wrote this state (Kafka's controller_epoch in the znode). */
  readonly controllerEpoch: number;
}

/** What the ZooKeeper server keeps on disk. */
export interface ZooKeeperDisk {
  controllerEpoch: number;
  /** "topic/partition" -> state */
  readonly partitions: Map<string, LegacyPartitionState>;
  readonly racks: Map<string, string>;
}

export type ZkMessage =
  | { readonly type: 'ZkConnect'; readonly bytes: number }
  | { readonly type: 'ZkConnected'; readonly bytes: number; readonly session: number }
  | { readonly type: 'ZkPing'; readonly bytes: number; readonly session: number }
  | { readonly type: 'ZkSessionExpired'; readonly bytes: number }
  | { readonly type: 'ZkRegisterBroker'; readonly bytes: number; readonly session: number; readonly rack: string }
  | { readonly type: 'ZkElectController'; readonly bytes: number; readonly session: number }
  | { readonly type: 'ZkElection'; readonly bytes: number; readonly controller: string | null; readonly controllerEpoch: number }
  | { readonly type: 'ZkControllerGone'; readonly bytes: number }
  | { readonly type: 'ZkBrokersChanged'; readonly bytes: number; readonly live: readonly string[] }
  | { readonly type: 'ZkLoadMetadata'; readonly bytes: number; readonly session: number }
  | {
      readonly type: 'ZkMetadata';
      readonly bytes: number;
      readonly live: readonly string[];
      readonly racks: readonly (readonly [string, string])[];
      readonly partitions: readonly LegacyPartitionState[];
    }
  | { readonly type: 'ZkWriteStates'; readonly bytes: number; readonly session: number; readonly controllerEpoch: number; readonly states: readonly LegacyPartitionState[] }
  | { readonly type: 'ZkWriteResult'; readonly bytes: number; readonly ok: boolean; readonly count: number };

const ZK_TYPES = new Set([
  'ZkConnect',
  'ZkConnected',
  'ZkPing',
  'ZkSessionExpired',
  'ZkRegisterBroker',
  'ZkElectController',
  'ZkElection',
  'ZkControllerGone',
  'ZkBrokersChanged',
  'ZkLoadMetadata',
  'ZkMetadata',
  'ZkWriteStates',
  'ZkWriteResult',
]);

export function isZkMessage(message: Message): message is ZkMessage {
  return ZK_TYPES.has(message.type);
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

interface Session {
  readonly id: number;
  readonly owner: string;
  lastPingUs: TimeUs;
}

interface Reply {
  readonly atUs: TimeUs;
  readonly to: string;
  readonly message: ZkMessage;
}

export interface ZooKeeperView extends Record<string, unknown> {
  readonly sessions: number;
  readonly controller: string | null;
  readonly controllerEpoch: number;
  readonly liveBrokers: readonly string[];
  readonly partitions: number;
  readonly offlinePartitions: number;
  readonly leaderCounts: Readonly<Record<string, number>>;
  readonly busyUs: TimeUs;
}

export class ZooKeeperServer {
  private nextSession = 1;
  private readonly sessions = new Map<number, Session>();
  /** Ephemeral /brokers/ids/N: broker -> session. */
  private readonly brokerSessions = new Map<string, number>();
  /** Ephemeral /controller: the owning broker and its session. */
  private controller: { broker: string; session: number } | null = null;
  /** Brokers watching /controller. */
  private readonly controllerWatchers = new Set<string>();
  private busyUntilUs = 0;
  private readonly replies: Reply[] = [];

  constructor(
    private readonly sessionTimeoutUs: TimeUs,
    private readonly disk: ZooKeeperDisk,
  ) {}

  start(fx: Effects<Message>): void {
    fx.setTimer(ZK_TIMER_EXPIRY, ZK_EXPIRY_CHECK_US);
  }

  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (key === ZK_TIMER_EXPIRY) {
      this.expireSessions(fx);
      fx.setTimer(ZK_TIMER_EXPIRY, ZK_EXPIRY_CHECK_US);
      return true;
    }
    if (key === ZK_TIMER_WORK) {
      this.flushReplies(fx);
      return true;
    }
    return false;
  }

  handleMessage(from: string, message: ZkMessage, fx: Effects<Message>): void {
    if (message.type === 'ZkConnect') {
      const session: Session = { id: this.nextSession++, owner: from, lastPingUs: fx.nowUs };
      this.sessions.set(session.id, session);
      this.reply(from, { type: 'ZkConnected', bytes: ZK_HEADER_BYTES, session: session.id }, 0, fx);
      return;
    }
    if (!('session' in message)) return;
    const session = this.sessions.get(message.session);
    if (session === undefined || session.owner !== from) {
      fx.send(from, { type: 'ZkSessionExpired', bytes: ZK_HEADER_BYTES } satisfies ZkMessage);
      return;
    }
    session.lastPingUs = fx.nowUs;
    switch (message.type) {
      case 'ZkPing':
        return;
      case 'ZkRegisterBroker':
        this.brokerSessions.set(from, session.id);
        this.disk.racks.set(from, message.rack);
        this.notifyBrokersChanged(fx);
        return;
      case 'ZkElectController': {
        if (this.controller === null) {
          this.disk.controllerEpoch++;
          this.controller = { broker: from, session: session.id };
          this.controllerWatchers.clear();
        } else {
          this.controllerWatchers.add(from);
        }
        this.reply(from, { type: 'ZkElection', bytes: ZK_HEADER_BYTES, controller: this.controller.broker, controllerEpoch: this.disk.controllerEpoch }, ZK_WRITE_US_PER_ZNODE, fx);
        return;
      }
      case 'ZkLoadMetadata': {
        const partitions = [...this.disk.partitions.values()];
        const live = [...this.brokerSessions.keys()];
        const znodes = partitions.length + live.length + 2;
        this.reply(
          from,
          {
            type: 'ZkMetadata',
            bytes: ZK_HEADER_BYTES + partitions.length * PARTITION_STATE_BYTES + live.length * 64,
            live,
            racks: [...this.disk.racks.entries()],
            partitions,
          },
          znodes * ZK_READ_US_PER_ZNODE,
          fx,
        );
        return;
      }
      case 'ZkWriteStates': {
        const current = this.controller;
        const ok = current !== null && current.session === session.id && message.controllerEpoch === this.disk.controllerEpoch;
        if (ok) for (const state of message.states) this.disk.partitions.set(partitionKey(state.topic, state.partition), state);
        this.reply(from, { type: 'ZkWriteResult', bytes: ZK_HEADER_BYTES, ok, count: message.states.length }, message.states.length * ZK_WRITE_US_PER_ZNODE, fx);
        return;
      }
      default:
        return;
    }
  }

  /** Answers after the server has done the work in front of it and this request's own. */
  private reply(to: string, message: ZkMessage, costUs: number, fx: Effects<Message>): void {
    this.busyUntilUs = Math.max(this.busyUntilUs, fx.nowUs) + Math.round(costUs);
    this.replies.push({ atUs: this.busyUntilUs, to, message });
    if (this.replies.length === 1) fx.setTimer(ZK_TIMER_WORK, this.busyUntilUs - fx.nowUs);
  }

  private flushReplies(fx: Effects<Message>): void {
    while (this.replies.length > 0 && this.replies[0]!.atUs <= fx.nowUs) fx.send(this.replies[0]!.to, this.replies.shift()!.message);
    if (this.replies.length > 0) fx.setTimer(ZK_TIMER_WORK, this.replies[0]!.atUs - fx.nowUs);
  }

  private expireSessions(fx: Effects<Message>): void {
    let brokersChanged = false;
    for (const session of [...this.sessions.values()]) {
      if (fx.nowUs - session.lastPingUs <= this.sessionTimeoutUs) continue;
      this.sessions.delete(session.id);
      fx.note(`zookeeper expired the session of ${session.owner}: no ping for ${Math.round(this.sessionTimeoutUs / 1000)}ms (zookeeper.session.timeout.ms)`);
      if (this.brokerSessions.get(session.owner) === session.id) {
        this.brokerSessions.delete(session.owner);
        brokersChanged = true;
      }
      if (this.controller?.session === session.id) {
        fx.note(`zookeeper deleted /controller (held by ${session.owner}); the brokers watching it race to take it`);
        this.controller = null;
        for (const watcher of this.controllerWatchers) fx.send(watcher, { type: 'ZkControllerGone', bytes: ZK_HEADER_BYTES } satisfies ZkMessage);
        this.controllerWatchers.clear();
      }
    }
    if (brokersChanged) this.notifyBrokersChanged(fx);
  }

  private notifyBrokersChanged(fx: Effects<Message>): void {
    if (this.controller === null) return;
    this.reply(this.controller.broker, { type: 'ZkBrokersChanged', bytes: ZK_HEADER_BYTES + this.brokerSessions.size * 16, live: [...this.brokerSessions.keys()] }, ZK_READ_US_PER_ZNODE, fx);
  }

  /** Partitions stored without a leader (Kafka's OfflinePartitionsCount): what the metrics' series read once per simulated second. */
  offlinePartitions(): number {
    let offline = 0;
    for (const state of this.disk.partitions.values()) if (state.leader === null) offline++;
    return offline;
  }

  view(nowUs: TimeUs): ZooKeeperView {
    let offline = 0;
    const leaderCounts: Record<string, number> = {};
    for (const state of this.disk.partitions.values()) {
      if (state.leader === null) offline++;
      else leaderCounts[state.leader] = (leaderCounts[state.leader] ?? 0) + 1;
    }
    return {
      sessions: this.sessions.size,
      controller: this.controller?.broker ?? null,
      controllerEpoch: this.disk.controllerEpoch,
      liveBrokers: [...this.brokerSessions.keys()],
      partitions: this.disk.partitions.size,
      offlinePartitions: offline,
      leaderCounts,
      busyUs: Math.max(0, this.busyUntilUs - nowUs),
    };
  }
}
