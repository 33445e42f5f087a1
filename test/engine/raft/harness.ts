// A small quorum on a real kernel for raft tests: voters and observers running RaftNode over a
// trivial state machine (the list of applied values), and a client process that asks every voter
// to append a value; only the leader does. Invariant checks read every member's durable log.
import { Network } from '../../../src/engine/net/network';
import { RaftLog, type LogEntry, type Snapshot } from '../../../src/engine/raft/log';
import { isRaftMessage, type RaftMessage } from '../../../src/engine/raft/messages';
import { RaftNode, type RaftConfig, type RaftDisk } from '../../../src/engine/raft/node';
import { Kernel } from '../../../src/engine/sim/kernel';
import type { Effects, Message, ProcessLogic } from '../../../src/engine/sim/process';
import { Prng } from '../../../src/engine/sim/prng';

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

export class Member implements ProcessLogic {
  readonly applied: string[] = [];
  readonly node: RaftNode<Rec, Snap>;

  constructor(id: string, config: RaftConfig, disk: RaftDisk<Rec, Snap>, members: Map<string, Member>) {
    members.set(id, this);
    this.node = new RaftNode<Rec, Snap>(
      id,
      config,
      disk,
      {
        apply: (entry: LogEntry<Rec>) => void this.applied.push(entry.record.value),
        load: (snapshot: Snapshot<Snap>) => {
          this.applied.length = 0;
          this.applied.push(...snapshot.data);
        },
        snapshot: () => ({ data: [...this.applied], bytes: this.applied.length * 16 }),
      },
      (epoch, leader) => ({ record: { value: `leader-change:${epoch}:${leader}` }, bytes: 40 }),
    );
  }

  start(fx: Effects): void {
    this.node.start(fx);
  }

  receive(from: string, message: Message, fx: Effects): void {
    if (message.type === 'TestAppend') {
      this.node.append([{ record: { value: (message as AppendMessage).value }, bytes: 32 }], fx);
      return;
    }
    if (isRaftMessage<Rec, Snap>(message)) this.node.handleMessage(from, message as RaftMessage<Rec, Snap>, fx);
  }

  timer(key: string, fx: Effects): void {
    if (!this.node.handleTimer(key, fx)) throw new Error(`unknown timer ${key}`);
  }

  view(): Record<string, unknown> {
    return { raft: this.node.view() };
  }
}

export interface Quorum {
  readonly kernel: Kernel;
  readonly network: Network;
  readonly voters: readonly string[];
  readonly observers: readonly string[];
  readonly disks: Map<string, RaftDisk<Rec, Snap>>;
  /** The live Member object of each process (replaced on restart). */
  readonly members: Map<string, Member>;
  /** Makes the client send one append request to every voter now. */
  submit(value: string): void;
  leaders(): { id: string; epoch: number }[];
}

export function makeQuorum(options: { seed?: number; voters?: number; observers?: number; raft?: Partial<RaftConfig> } = {}): Quorum {
  const zones = ['zone-a', 'zone-b', 'zone-c'];
  const prng = new Prng(options.seed ?? 1);
  const network = new Network(
    { zones, intraZoneLatencyUs: 100, crossZoneLatencyUs: 600, regionalLatencyUs: 500, jitterUs: 50, nicBytesPerSecond: 1.25e9, lossPerMillion: 0 },
    prng.fork('network'),
  );
  const kernel = new Kernel(network, prng.fork('kernel'));
  const voters = Array.from({ length: options.voters ?? 3 }, (_, i) => `c${i + 1}`);
  const observers = Array.from({ length: options.observers ?? 2 }, (_, i) => `b${i + 1}`);
  const config: RaftConfig = { ...DEFAULT_RAFT, ...options.raft, voters };
  const disks = new Map<string, RaftDisk<Rec, Snap>>();
  const members = new Map<string, Member>();
  [...voters, ...observers].forEach((id, index) => {
    const disk: RaftDisk<Rec, Snap> = { log: new RaftLog<Rec, Snap>(), quorum: { epoch: 0, votedFor: null } };
    disks.set(id, disk);
    kernel.addProcess({ id, role: voters.includes(id) ? 'controller' : 'broker', zone: zones[index % 3]!, durable: disk, create: (d) => new Member(id, config, d, members) });
  });
  const pending: string[] = [];
  kernel.addProcess({
    id: 'client',
    role: 'client',
    zone: 'zone-a',
    durable: {},
    create: () => ({
      start: () => undefined,
      receive: () => undefined,
      timer: (_key: string, fx: Effects) => {
        for (const value of pending.splice(0)) for (const voter of voters) fx.send(voter, { type: 'TestAppend', bytes: 40, value } as AppendMessage);
      },
      view: () => ({}),
    }),
  });
  return {
    kernel,
    network,
    voters,
    observers,
    disks,
    members,
    submit(value: string) {
      pending.push(value);
      kernel.schedule(kernel.nowUs, 'submit', () => undefined);
      // Wake the client through a zero-delay timer set from inside its life.
      const client = (kernel as unknown as { slotById: Map<string, { effects: Effects }> }).slotById.get('client')!;
      client.effects.setTimer('send', 0);
    },
    leaders() {
      return [...members.entries()]
        .filter(([id]) => kernel.processes().find((p) => p.id === id)?.status === 'up')
        .filter(([, member]) => member.node.currentRole === 'leader')
        .map(([id, member]) => ({ id, epoch: member.node.epoch }));
    },
  };
}
