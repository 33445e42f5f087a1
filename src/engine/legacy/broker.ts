// A broker of the ZooKeeper era (Kafka before KRaft), for the contrast with KRaft. Every broker
// holds a ZooKeeper session (pinged every third of zookeeper.session.timeout.ms), registers the
// ephemeral /brokers/ids/N, and races to create the ephemeral /controller. The winner is the
// controller, inside a broker: before it can act it must load all metadata from ZooKeeper (a read
// per partition) and build its context (work per partition), which is why its failover grows with
// the partition count; standby controllers do not exist. Then it elects leaders for partitions
// whose leader is gone (first live in-sync replica, in replica order, or none), writes the new
// states to ZooKeeper, and sends every broker the new metadata (UpdateMetadata / LeaderAndIsr).
//
// When the controller's broker dies, nothing happens until ZooKeeper expires its session; then
// /controller is deleted, the watchers race, and the new controller starts from nothing.

import { placeReplicas } from '../controller/placement';
import type { Effects, Message } from '../sim/process';
import type { TimeUs } from '../sim/time';
import {
  PARTITION_STATE_BYTES,
  partitionKey,
  type LegacyPartitionState,
  type ZkMessage,
} from './zookeeper';

/** Assumed work of the new controller per partition while it builds its context (after reading it). */
export const LEGACY_CONTROLLER_US_PER_PARTITION = 70;
export const ZOOKEEPER_ID = 'zookeeper';
const TIMER_PING = 'zkc:ping';
const TIMER_CONNECT = 'zkc:connect';
const TIMER_LOADED = 'legacy:loaded';
const HEADER_BYTES = 48;

/** Types a ZooKeeper request in place (fx.send takes any Message). */
const zk = (message: ZkMessage): ZkMessage => message;

export interface LegacyUpdateMetadata extends Message {
  readonly type: 'LegacyUpdateMetadata';
  readonly controllerEpoch: number;
  readonly controller: string;
  readonly states: readonly LegacyPartitionState[];
}

export function isLegacyUpdate(message: Message): message is LegacyUpdateMetadata {
  return message.type === 'LegacyUpdateMetadata';
}

export interface LegacySettings {
  readonly rack: string;
  readonly sessionTimeoutUs: TimeUs;
  readonly uncleanLeaderElection: boolean;
  readonly topics: readonly { readonly name: string; readonly partitions: number; readonly replicationFactor: number }[];
  readonly expectedBrokers: number;
}

export type LegacyControllerState = 'none' | 'loading' | 'active';

export interface LegacyBrokerView {
  readonly session: number | null;
  /** The controller this broker knows of. */
  readonly controller: string | null;
  readonly controllerEpoch: number;
  /** This broker's own controller role. */
  readonly controllerState: LegacyControllerState;
  readonly leaderOf: number;
  readonly followerOf: number;
  readonly partitionsKnown: number;
}

export class LegacyBroker {
  private session: number | null = null;
  private controller: string | null = null;
  private controllerEpoch = 0;
  private controllerState: LegacyControllerState = 'none';
  /** The partition states this broker was told (for the controller: its context). */
  private readonly partitions = new Map<string, LegacyPartitionState>();
  private readonly racks = new Map<string, string>();
  private live = new Set<string>();
  private pendingLive: readonly string[] | null = null;

  constructor(
    private readonly self: string,
    private readonly settings: LegacySettings,
  ) {}

  start(fx: Effects<Message>): void {
    this.connect(fx);
  }

  private connect(fx: Effects<Message>): void {
    this.session = null;
    fx.send(ZOOKEEPER_ID, zk({ type: 'ZkConnect', bytes: HEADER_BYTES }));
    fx.setTimer(TIMER_CONNECT, Math.round(this.settings.sessionTimeoutUs / 3));
  }

  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (key === TIMER_CONNECT) {
      if (this.session === null) this.connect(fx);
      return true;
    }
    if (key === TIMER_PING) {
      if (this.session !== null) {
        fx.send(ZOOKEEPER_ID, zk({ type: 'ZkPing', bytes: HEADER_BYTES, session: this.session }));
        fx.setTimer(TIMER_PING, Math.round(this.settings.sessionTimeoutUs / 3));
      }
      return true;
    }
    if (key === TIMER_LOADED) {
      this.onContextLoaded(fx);
      return true;
    }
    return false;
  }

  handleZk(message: ZkMessage, fx: Effects<Message>): void {
    switch (message.type) {
      case 'ZkConnected':
        this.session = message.session;
        fx.cancelTimer(TIMER_CONNECT);
        fx.setTimer(TIMER_PING, Math.round(this.settings.sessionTimeoutUs / 3));
        fx.send(ZOOKEEPER_ID, zk({ type: 'ZkRegisterBroker', bytes: HEADER_BYTES + 64, session: message.session, rack: this.settings.rack }));
        fx.send(ZOOKEEPER_ID, zk({ type: 'ZkElectController', bytes: HEADER_BYTES, session: message.session }));
        return;
      case 'ZkSessionExpired':
        if (this.controllerState !== 'none') fx.note(`${this.self} lost its ZooKeeper session and with it the controller role`);
        this.controllerState = 'none';
        this.connect(fx);
        return;
      case 'ZkElection':
        this.controller = message.controller;
        if (message.controller === this.self && this.controllerState === 'none') {
          this.controllerEpoch = message.controllerEpoch;
          this.controllerState = 'loading';
          fx.note(`${this.self} won the race for /controller (controller epoch ${message.controllerEpoch}); it must load all metadata from ZooKeeper before it can act`);
          fx.send(ZOOKEEPER_ID, zk({ type: 'ZkLoadMetadata', bytes: HEADER_BYTES, session: this.session! }));
        }
        return;
      case 'ZkControllerGone':
        this.controller = null;
        if (this.session !== null) fx.send(ZOOKEEPER_ID, zk({ type: 'ZkElectController', bytes: HEADER_BYTES, session: this.session }));
        return;
      case 'ZkMetadata': {
        if (this.controllerState !== 'loading') return;
        this.partitions.clear();
        for (const state of message.partitions) this.partitions.set(partitionKey(state.topic, state.partition), state);
        for (const [broker, rack] of message.racks) this.racks.set(broker, rack);
        this.pendingLive = message.live;
        const workUs = message.partitions.length * LEGACY_CONTROLLER_US_PER_PARTITION;
        fx.setTimer(TIMER_LOADED, Math.max(1, workUs));
        return;
      }
      case 'ZkBrokersChanged':
        if (this.controllerState === 'active') this.onBrokersChanged(message.live, fx);
        else if (this.controllerState === 'loading') this.pendingLive = message.live;
        return;
      case 'ZkWriteResult':
        if (!message.ok && this.controllerState !== 'none') {
          fx.note(`${this.self}: ZooKeeper refused its write (a newer controller epoch exists); it stops acting as controller`);
          this.controllerState = 'none';
        }
        return;
      default:
        return;
    }
  }

  /** The context is built: act on everything that happened while there was no controller. */
  private onContextLoaded(fx: Effects<Message>): void {
    if (this.controllerState !== 'loading') return;
    this.controllerState = 'active';
    fx.note(`${this.self} is the active controller after loading ${this.partitions.size} partitions from ZooKeeper`);
    this.live = new Set<string>();
    this.onBrokersChanged(this.pendingLive ?? [], fx);
  }

  private onBrokersChanged(live: readonly string[], fx: Effects<Message>): void {
    const previous = this.live;
    this.live = new Set(live);
    const changed: LegacyPartitionState[] = [];
    for (const [key, state] of this.partitions) {
      const next = this.reelect(state);
      if (next !== state) {
        this.partitions.set(key, next);
        changed.push(next);
      }
    }
    const created = this.maybeCreateTopics(fx);
    const joined = live.filter((id) => !previous.has(id));
    const departed = [...previous].filter((id) => !this.live.has(id));
    if (departed.length > 0 || changed.length > 0) {
      const offline = changed.filter((state) => state.leader === null).length;
      fx.note(
        `${this.self} (controller): ${departed.length > 0 ? `${departed.join(', ')} gone; ` : ''}${changed.length} partition state${changed.length === 1 ? '' : 's'} changed` +
          `${offline > 0 ? `, ${offline} left without a leader` : ''}`,
      );
    }
    const writes = [...changed, ...created];
    if (writes.length > 0) {
      fx.send(ZOOKEEPER_ID, zk({
        type: 'ZkWriteStates',
        bytes: HEADER_BYTES + writes.length * PARTITION_STATE_BYTES,
        session: this.session!,
        controllerEpoch: this.controllerEpoch,
        states: writes,
      }));
    }
    // New brokers get the whole metadata; everyone gets what changed (Kafka sends both as UpdateMetadata).
    const all = [...this.partitions.values()];
    for (const broker of this.live) {
      const states = joined.includes(broker) || previous.size === 0 ? all : writes;
      if (states.length === 0) continue;
      const update: LegacyUpdateMetadata = {
        type: 'LegacyUpdateMetadata',
        bytes: HEADER_BYTES + states.length * PARTITION_STATE_BYTES,
        controllerEpoch: this.controllerEpoch,
        controller: this.self,
        states,
      };
      if (broker === this.self) this.applyUpdate(update);
      else fx.send(broker, update);
    }
  }

  /** The partition's state with dead brokers out of the ISR and a live leader if one can lead. */
  private reelect(state: LegacyPartitionState): LegacyPartitionState {
    const live = (id: string): boolean => this.live.has(id);
    // Returning replicas rejoin the ISR at once: there is no data to catch up with yet.
    let isr = state.replicas.filter((id) => state.isr.includes(id) || live(id));
    if (isr.some(live)) isr = isr.filter(live);
    else isr = isr.length > 0 ? [isr.at(-1)!] : isr; // keep the last in-sync replica, as Kafka did
    let leader: string | null = state.leader !== null && live(state.leader) && isr.includes(state.leader) ? state.leader : null;
    if (leader === null) leader = state.replicas.find((id) => isr.includes(id) && live(id)) ?? null;
    if (leader === null && this.settings.uncleanLeaderElection) {
      leader = state.replicas.find(live) ?? null;
      if (leader !== null) isr = [leader];
    }
    const sameIsr = isr.length === state.isr.length && isr.every((id, index) => id === state.isr[index]);
    if (leader === state.leader && sameIsr) return state;
    return { ...state, isr, leader, leaderEpoch: leader === state.leader ? state.leaderEpoch : state.leaderEpoch + 1, controllerEpoch: this.controllerEpoch };
  }

  private maybeCreateTopics(fx: Effects<Message>): LegacyPartitionState[] {
    const existing = new Set([...this.partitions.values()].map((state) => state.topic));
    const missing = this.settings.topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0 || this.live.size < this.settings.expectedBrokers) return [];
    const brokers = [...this.live].map((id) => ({ id, rack: this.racks.get(id) ?? 'unknown' }));
    const created: LegacyPartitionState[] = [];
    for (const topic of missing) {
      const assignments = placeReplicas(brokers, topic.partitions, topic.replicationFactor, fx.prng.int(brokers.length));
      assignments.forEach((replicas, partition) => {
        const state: LegacyPartitionState = { topic: topic.name, partition, replicas, isr: replicas, leader: replicas[0]!, leaderEpoch: 0, controllerEpoch: this.controllerEpoch };
        this.partitions.set(partitionKey(topic.name, partition), state);
        created.push(state);
      });
    }
    fx.note(`${this.self} (controller) created ${missing.map((topic) => topic.name).join(', ')}: ${created.length} partitions written to ZooKeeper`);
    return created;
  }

  handleUpdate(message: LegacyUpdateMetadata): void {
    if (message.controllerEpoch < this.controllerEpoch && this.controllerState === 'none') return;
    this.controller = message.controller;
    if (this.controllerState === 'none') this.controllerEpoch = message.controllerEpoch;
    this.applyUpdate(message);
  }

  private applyUpdate(message: LegacyUpdateMetadata): void {
    for (const state of message.states) this.partitions.set(partitionKey(state.topic, state.partition), state);
  }

  view(): LegacyBrokerView {
    let leaderOf = 0;
    let followerOf = 0;
    for (const state of this.partitions.values()) {
      if (state.leader === this.self) leaderOf++;
      else if (state.replicas.includes(this.self)) followerOf++;
    }
    return {
      session: this.session,
      controller: this.controller,
      controllerEpoch: this.controllerEpoch,
      controllerState: this.controllerState,
      leaderOf,
      followerOf,
      partitionsKnown: this.partitions.size,
    };
  }
}
