// A small quorum on a real kernel for raft tests: voters c1..cN and observers b1..bM running
// RaftNode over a trivial state machine (the list of applied values), and a client process that
// asks every voter to append each submitted value; only the leader does.
//
// The client is an ordinary process: it wakes every CLIENT_TICK_US and sends what was submitted
// since (a queue filled from outside, drained from inside its own timer), so nothing reaches
// into the kernel's internals and every run stays deterministic.
//
// Every member's effects pass through a wrapper that clones messages at the network boundary
// (to catch aliasing between members), counts deliveries by type, and keeps every note the raft
// node writes (the kernel's notable ring is bounded; tests that prove a rare path was hit read
// these instead).
import { Network } from '../../../src/engine/net/network';
import { RaftLog, type LogEntry, type Snapshot } from '../../../src/engine/raft/log';
import { isRaftMessage, type RaftMessage } from '../../../src/engine/raft/messages';
import { RaftNode, type RaftConfig, type RaftDisk, type RaftListener, type RaftView } from '../../../src/engine/raft/node';
import { Kernel } from '../../../src/engine/sim/kernel';
import type { Effects, Message, ProcessLogic, TimerHandle } from '../../../src/engine/sim/process';
import { Prng } from '../../../src/engine/sim/prng';
import type { TimeUs } from '../../../src/engine/sim/time';

export type Rec = { readonly value: string };
export type Snap = readonly string[];

export interface AppendMessage extends Message {
  readonly type: 'TestAppend';
  readonly value: string;
}

export const DEFAULT_RAFT: Omit<RaftConfig, 'voters'> = {
  electionTimeoutUs: 1_000_000,
  electionBackoffMaxUs: 1_000_000,
  fetchTimeoutUs: 2_000_000,
  requestTimeoutUs: 2_000_000,
  fetchMaxWaitUs: 500_000,
  fetchMaxBytes: 64 * 1024,
  snapshotEveryRecords: 1_000_000,
};

/** How often the client wakes to send what was submitted. */
export const CLIENT_TICK_US = 10_000;
/** Bytes of each submitted record. */
export const RECORD_BYTES = 32;

export function leaderChangeValue(epoch: number, leader: string): string {
  return `leader-change:${epoch}:${leader}`;
}

export function isLeaderChange(value: string): boolean {
  return value.startsWith('leader-change:');
}

/** What one member saw happen, for tests that check the listener and the rare paths. */
export interface MemberEvent {
  readonly atUs: TimeUs;
  readonly member: string;
  readonly kind: 'note' | 'become-leader' | 'resign' | 'leader-change';
  readonly text: string;
  readonly epoch?: number;
}

interface Shared {
  readonly events: MemberEvent[];
  readonly deliveries: Map<string, number>;
}

/** Wraps a life's effects: clone on send, keep notes. Built per input, never kept. */
class RecordingEffects implements Effects {
  constructor(
    private readonly fx: Effects,
    private readonly shared: Shared,
  ) {}

  get nowUs(): TimeUs {
    return this.fx.nowUs;
  }

  get self(): string {
    return this.fx.self;
  }

  get prng(): Prng {
    return this.fx.prng;
  }

  send(to: string, message: Message): void {
    this.fx.send(to, structuredClone(message));
  }

  setTimer(key: string, delayUs: TimeUs): void {
    this.fx.setTimer(key, delayUs);
  }

  cancelTimer(key: string): void {
    this.fx.cancelTimer(key);
  }

  timer(key: string): TimerHandle {
    return this.fx.timer(key);
  }

  arm(handle: TimerHandle, delayUs: TimeUs): void {
    this.fx.arm(handle, delayUs);
  }

  disarm(handle: TimerHandle): void {
    this.fx.disarm(handle);
  }

  note(text: string): void {
    this.shared.events.push({ atUs: this.fx.nowUs, member: this.fx.self, kind: 'note', text });
    this.fx.note(text);
  }

  exit(reason: string): void {
    (this.fx as { exit?(reason: string): void }).exit?.(reason);
  }
}

function wrapEffects(fx: Effects, shared: Shared): Effects {
  return new RecordingEffects(fx, shared);
}

export class Member implements ProcessLogic {
  readonly applied: string[] = [];
  readonly node: RaftNode<Rec, Snap>;
  /** How many times the state machine was replaced by a snapshot in this life. */
  loads = 0;

  constructor(
    readonly id: string,
    config: RaftConfig,
    disk: RaftDisk<Rec, Snap>,
    members: Map<string, Member>,
    private readonly shared: Shared,
  ) {
    members.set(id, this);
    const record = (kind: MemberEvent['kind'], text: string, epoch: number, fx: Effects): void => {
      shared.events.push({ atUs: fx.nowUs, member: id, kind, text, epoch });
    };
    const listener: RaftListener = {
      onBecomeLeader: (epoch, fx) => record('become-leader', `${id} leads ${epoch}`, epoch, fx),
      onResign: (epoch, fx) => record('resign', `${id} resigns ${epoch}`, epoch, fx),
      onLeaderChange: (leader, epoch, fx) => record('leader-change', `${leader ?? 'none'}`, epoch, fx),
    };
    this.node = new RaftNode<Rec, Snap>(
      id,
      config,
      disk,
      {
        apply: (entry: LogEntry<Rec>) => void this.applied.push(entry.record.value),
        load: (snapshot: Snapshot<Snap>) => {
          this.loads++;
          this.applied.length = 0;
          this.applied.push(...snapshot.data);
        },
        snapshot: () => ({ data: [...this.applied], bytes: this.applied.length * 16 }),
      },
      (epoch, leader) => ({ record: { value: leaderChangeValue(epoch, leader) }, bytes: 40 }),
      listener,
    );
  }

  start(fx: Effects): void {
    this.node.start(wrapEffects(fx, this.shared));
  }

  receive(from: string, message: Message, fx: Effects): void {
    const count = (key: string): void => void this.shared.deliveries.set(key, (this.shared.deliveries.get(key) ?? 0) + 1);
    count(message.type);
    const error = (message as { error?: string }).error;
    if (error !== undefined && error !== 'NONE') {
      count(`${message.type}:${error}`);
      count(`${message.type}:${error}@${this.id}`);
    }
    const wrapped = wrapEffects(fx, this.shared);
    if (message.type === 'TestAppend') {
      this.node.append([{ record: { value: (message as AppendMessage).value }, bytes: RECORD_BYTES }], wrapped);
      return;
    }
    if (!isRaftMessage<Rec, Snap>(message)) throw new Error(`${this.id}: unexpected message ${message.type}`);
    this.node.handleMessage(from, message as RaftMessage<Rec, Snap>, wrapped);
  }

  timer(key: string, fx: Effects): void {
    if (!this.node.handleTimer(key, wrapEffects(fx, this.shared))) throw new Error(`${this.id}: unknown timer ${key}`);
  }

  view(): Record<string, unknown> {
    return { raft: this.node.view() };
  }
}

export interface QuorumOptions {
  seed?: number;
  voters?: number;
  observers?: number;
  raft?: Partial<RaftConfig>;
  /** Called with each member's fresh disk before anything starts (to lay down a prepared log). */
  prepare?: (id: string, disk: RaftDisk<Rec, Snap>) => void;
}

export interface Quorum {
  readonly kernel: Kernel;
  readonly network: Network;
  readonly voters: readonly string[];
  readonly observers: readonly string[];
  /** Voters then observers. */
  readonly ids: readonly string[];
  readonly disks: Map<string, RaftDisk<Rec, Snap>>;
  /** The live Member object of each process (replaced on restart; stale while crashed). */
  readonly members: Map<string, Member>;
  /** Notes, leadership changes and resignations, in order, from every member. */
  readonly events: readonly MemberEvent[];
  /** Messages delivered to members, by type; answers with an error also by `type:error` and `type:error@member`. */
  readonly deliveries: Map<string, number>;
  /** The client sends `value` to every voter at its next tick (within CLIENT_TICK_US). */
  submit(value: string): void;
  /** Runs the simulation for `us` more microseconds. */
  run(us: TimeUs): void;
  isUp(id: string): boolean;
  member(id: string): Member;
  view(id: string): RaftView;
  /** Running members whose role is leader. */
  leaders(): { id: string; epoch: number }[];
  /** Notes containing `text`, from any member (or one). */
  notes(text: string, member?: string): MemberEvent[];
  /** Cuts every link between `id` and every other process except the client, both ways. */
  isolateFromPeers(id: string): void;
}

export function makeQuorum(options: QuorumOptions = {}): Quorum {
  const zones = ['zone-a', 'zone-b', 'zone-c'];
  const prng = new Prng(options.seed ?? 1);
  const network = new Network(
    { zones, intraZoneLatencyUs: 100, crossZoneLatencyUs: 600, regionalLatencyUs: 500, jitterUs: 50, nicBytesPerSecond: 1.25e9, lossPerMillion: 0 },
    prng.fork('network'),
  );
  const kernel = new Kernel(network, prng.fork('kernel'));
  const voters = Array.from({ length: options.voters ?? 3 }, (_, i) => `c${i + 1}`);
  const observers = Array.from({ length: options.observers ?? 2 }, (_, i) => `b${i + 1}`);
  const ids = [...voters, ...observers];
  const config: RaftConfig = { ...DEFAULT_RAFT, ...options.raft, voters };
  const disks = new Map<string, RaftDisk<Rec, Snap>>();
  const members = new Map<string, Member>();
  const shared: Shared = { events: [], deliveries: new Map() };
  ids.forEach((id, index) => {
    const disk: RaftDisk<Rec, Snap> = { log: new RaftLog<Rec, Snap>(), quorum: { epoch: 0, votedFor: null } };
    options.prepare?.(id, disk);
    disks.set(id, disk);
    kernel.addProcess({
      id,
      role: voters.includes(id) ? 'controller' : 'broker',
      zone: zones[index % 3]!,
      durable: disk,
      create: (d) => new Member(id, config, d, members, shared),
    });
  });
  const pending: string[] = [];
  kernel.addProcess({
    id: 'client',
    role: 'client',
    zone: 'zone-a',
    durable: {},
    create: () => ({
      start: (fx: Effects) => fx.setTimer('tick', CLIENT_TICK_US),
      receive: () => undefined,
      timer: (_key: string, fx: Effects) => {
        for (const value of pending.splice(0)) {
          for (const voter of voters) fx.send(voter, { type: 'TestAppend', bytes: 40, value } as AppendMessage);
        }
        fx.setTimer('tick', CLIENT_TICK_US);
      },
      view: () => ({ pending: pending.length }),
    }),
  });
  const isUp = (id: string): boolean => kernel.processes().find((p) => p.id === id)?.status === 'up';
  const member = (id: string): Member => {
    const found = members.get(id);
    if (found === undefined) throw new Error(`no member ${id}; members are ${ids.join(', ')}`);
    return found;
  };
  return {
    kernel,
    network,
    voters,
    observers,
    ids,
    disks,
    members,
    events: shared.events,
    deliveries: shared.deliveries,
    submit(value: string) {
      pending.push(value);
    },
    run(us: TimeUs) {
      kernel.runUntil(kernel.nowUs + us);
    },
    isUp,
    member,
    view: (id) => member(id).node.view(),
    leaders() {
      return ids.filter((id) => isUp(id) && member(id).node.currentRole === 'leader').map((id) => ({ id, epoch: member(id).node.epoch }));
    },
    notes(text: string, from?: string) {
      return shared.events.filter((event) => event.kind === 'note' && event.text.includes(text) && (from === undefined || event.member === from));
    },
    isolateFromPeers(id: string) {
      for (const other of ids) if (other !== id) network.inject({ kind: 'cut-link', from: id, to: other, bothWays: true });
    },
  };
}

/** Entries as [epoch, value] pairs, to lay down a prepared log: offsets follow the log's end. */
export function appendEntries(log: RaftLog<Rec, Snap>, entries: readonly (readonly [number, string])[]): void {
  for (const [epoch, value] of entries) log.append([{ offset: log.endOffset, epoch, record: { value }, bytes: RECORD_BYTES }]);
}

/** Runs until `predicate` holds or `limitUs` passes, in steps of `stepUs`; returns the time it took, or null. */
export function runUntil(q: Quorum, predicate: () => boolean, limitUs: TimeUs, stepUs: TimeUs = 10_000): TimeUs | null {
  const startUs = q.kernel.nowUs;
  while (q.kernel.nowUs - startUs < limitUs) {
    if (predicate()) return q.kernel.nowUs - startUs;
    q.run(stepUs);
  }
  return predicate() ? q.kernel.nowUs - startUs : null;
}

/** The one running leader, failing loudly when there is none or several. */
export function soleLeader(q: Quorum): string {
  const leaders = q.leaders();
  if (leaders.length !== 1) throw new Error(`expected exactly one leader at ${q.kernel.nowUs}µs, found ${JSON.stringify(leaders)}`);
  return leaders[0]!.id;
}

/** Values of the log entries from `fromOffset` to the end (the ones still kept). */
export function logValues(q: Quorum, id: string, fromOffset = 0): string[] {
  const log = q.disks.get(id)!.log;
  const values: string[] = [];
  for (let offset = Math.max(fromOffset, log.logStartOffset); offset < log.endOffset; offset++) values.push(log.entryAt(offset)!.record.value);
  return values;
}

/** Applied values that clients submitted (leader-change control records left out). */
export function userValues(applied: readonly string[]): string[] {
  return applied.filter((value) => !isLeaderChange(value));
}
