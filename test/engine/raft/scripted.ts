// One RaftNode driven by hand, as etcd's raft tests drive theirs: no kernel, no network. The test
// delivers each message and fires each timer itself, and reads what the node sent (cloned, so a
// later change to the node's state cannot rewrite what it said) and which timers it armed.
import { RaftLog, type LogEntry, type OffsetAndEpoch, type Snapshot } from '../../../src/engine/raft/log';
import type {
  BeginQuorumEpochRequest,
  BeginQuorumEpochResponse,
  EndQuorumEpochRequest,
  FetchRequest,
  FetchResponse,
  FetchSnapshotRequest,
  FetchSnapshotResponse,
  RaftMessage,
  VoteRequest,
  VoteResponse,
} from '../../../src/engine/raft/messages';
import { RaftNode, type RaftConfig, type RaftDisk } from '../../../src/engine/raft/node';
import { TimerKeys, type Effects, type Message, type TimerHandle } from '../../../src/engine/sim/process';
import { Prng } from '../../../src/engine/sim/prng';
import type { TimeUs } from '../../../src/engine/sim/time';
import { DEFAULT_RAFT, RECORD_BYTES, leaderChangeValue, type Rec, type Snap } from './harness';

// The node's timer keys (private to node.ts; a rename there fails these tests loudly).
export const TIMER_ELECTION = 'raft:election';
export const TIMER_FETCH = 'raft:fetch-timeout';
export const TIMER_REQUEST = 'raft:request-timeout';
export const TIMER_CHECK_QUORUM = 'raft:check-quorum';

export interface Sent {
  readonly to: string;
  readonly message: RaftMessage<Rec, Snap>;
}

export class ScriptedEffects implements Effects<Message> {
  nowUs: TimeUs = 0;
  readonly sent: Sent[] = [];
  /** Armed timers: key → due time. */
  readonly timers = new Map<string, TimeUs>();
  readonly notes: string[] = [];

  constructor(
    readonly self: string,
    readonly prng: Prng,
  ) {}

  send(to: string, message: Message): void {
    this.sent.push({ to, message: structuredClone(message) as RaftMessage<Rec, Snap> });
  }

  setTimer(key: string, delayUs: TimeUs): void {
    this.timers.set(key, this.nowUs + delayUs);
  }

  cancelTimer(key: string): void {
    this.timers.delete(key);
  }

  private readonly timerKeys = new TimerKeys();

  timer(key: string): TimerHandle {
    return this.timerKeys.timer(key);
  }

  arm(handle: TimerHandle, delayUs: TimeUs): void {
    this.setTimer(this.timerKeys.key(handle), delayUs);
  }

  disarm(handle: TimerHandle): void {
    this.cancelTimer(this.timerKeys.key(handle));
  }

  note(text: string): void {
    this.notes.push(text);
  }

  exit(reason: string): void {
    throw new Error(`${this.self} exited (${reason}): a raft node never exits on its own`);
  }
}

export interface ListenerCall {
  readonly kind: 'become-leader' | 'resign' | 'leader-change';
  readonly epoch: number;
  readonly leader?: string | null;
}

export class ScriptedNode {
  readonly fx: ScriptedEffects;
  readonly node: RaftNode<Rec, Snap>;
  readonly applied: string[] = [];
  readonly calls: ListenerCall[] = [];

  constructor(
    readonly id: string,
    readonly config: RaftConfig,
    readonly disk: RaftDisk<Rec, Snap>,
  ) {
    this.fx = new ScriptedEffects(id, new Prng(7).fork(id));
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
      (epoch, leader) => ({ record: { value: leaderChangeValue(epoch, leader) }, bytes: 40 }),
      {
        onBecomeLeader: (epoch) => void this.calls.push({ kind: 'become-leader', epoch }),
        onResign: (epoch) => void this.calls.push({ kind: 'resign', epoch }),
        onLeaderChange: (leader, epoch) => void this.calls.push({ kind: 'leader-change', epoch, leader }),
      },
    );
  }

  get role(): string {
    return this.node.currentRole;
  }

  start(): this {
    this.node.start(this.fx);
    return this;
  }

  deliver(from: string, message: RaftMessage<Rec, Snap>): void {
    this.node.handleMessage(from, message, this.fx);
  }

  fire(key: string): void {
    if (!this.fx.timers.has(key)) throw new Error(`${this.id}: timer ${key} is not armed; armed: ${[...this.fx.timers.keys()].join(', ')}`);
    this.fx.nowUs = Math.max(this.fx.nowUs, this.fx.timers.get(key)!);
    this.fx.timers.delete(key);
    this.node.handleTimer(key, this.fx);
  }

  /** Everything sent since the last call, and forgets it. */
  take(): Sent[] {
    return this.fx.sent.splice(0);
  }

  /** The last message of `type` sent since the last take(), to `to` if given. */
  lastSent<T extends RaftMessage<Rec, Snap>['type']>(type: T, to?: string): Extract<RaftMessage<Rec, Snap>, { type: T }> | undefined {
    const found = this.fx.sent.filter((sent) => sent.message.type === type && (to === undefined || sent.to === to)).at(-1);
    return found?.message as Extract<RaftMessage<Rec, Snap>, { type: T }> | undefined;
  }

  /** Fires the election timer and collects the other voters' votes: this node leads `epoch + 1`. */
  elect(): number {
    this.fire(TIMER_ELECTION);
    const epoch = this.node.epoch;
    for (const voter of this.config.voters) {
      if (voter === this.id || this.role === 'leader') continue;
      this.deliver(voter, voteResponse(epoch, true));
    }
    if (this.role !== 'leader') throw new Error(`${this.id} did not become leader of ${epoch}: role ${this.role}`);
    return epoch;
  }
}

export function scriptedNode(
  id: string,
  options: { voters?: readonly string[]; raft?: Partial<RaftConfig>; log?: RaftLog<Rec, Snap>; epoch?: number; votedFor?: string | null } = {},
): ScriptedNode {
  const config: RaftConfig = { ...DEFAULT_RAFT, ...options.raft, voters: options.voters ?? ['c1', 'c2', 'c3'] };
  const disk: RaftDisk<Rec, Snap> = {
    log: options.log ?? new RaftLog<Rec, Snap>(),
    quorum: { epoch: options.epoch ?? 0, votedFor: options.votedFor ?? null },
  };
  return new ScriptedNode(id, config, disk);
}

/** A log of [epoch, value] entries from offset 0. */
export function logOf(entries: readonly (readonly [number, string])[]): RaftLog<Rec, Snap> {
  const log = new RaftLog<Rec, Snap>();
  entries.forEach(([epoch, value], offset) => log.append([{ offset, epoch, record: { value }, bytes: RECORD_BYTES }]));
  return log;
}

// ---- messages -----------------------------------------------------------------------------------

export function voteRequest(epoch: number, candidate: string, last: OffsetAndEpoch): VoteRequest {
  return { type: 'RaftVoteRequest', bytes: 104, epoch, candidate, lastEpoch: last.epoch, lastOffset: last.offset };
}

export function voteResponse(epoch: number, granted: boolean, leader: string | null = null): VoteResponse {
  return { type: 'RaftVoteResponse', bytes: 92, epoch, granted, leader };
}

export function beginQuorumEpoch(epoch: number, leader: string): BeginQuorumEpochRequest {
  return { type: 'RaftBeginQuorumEpoch', bytes: 88, epoch, leader };
}

export function beginQuorumEpochResponse(epoch: number): BeginQuorumEpochResponse {
  return { type: 'RaftBeginQuorumEpochResponse', bytes: 80, epoch };
}

export function endQuorumEpoch(epoch: number, leader: string): EndQuorumEpochRequest {
  return { type: 'RaftEndQuorumEpoch', bytes: 88, epoch, leader };
}

export function fetchRequest(epoch: number, replica: string, fetchOffset: number, lastFetchedEpoch: number): FetchRequest {
  return { type: 'RaftFetch', bytes: 112, epoch, replica, fetchOffset, lastFetchedEpoch };
}

export function fetchResponse(fields: Partial<FetchResponse<Rec>> & { epoch: number; leader: string | null }): FetchResponse<Rec> {
  return { type: 'RaftFetchResponse', bytes: 112, error: 'NONE', highWatermark: 0, entries: [], divergingEpoch: null, snapshotId: null, ...fields };
}

export function fetchSnapshotRequest(epoch: number, replica: string, snapshotId: OffsetAndEpoch): FetchSnapshotRequest {
  return { type: 'RaftFetchSnapshot', bytes: 96, epoch, replica, snapshotId };
}

export function fetchSnapshotResponse(epoch: number, leader: string | null, snapshot: Snapshot<Snap> | null): FetchSnapshotResponse<Snap> {
  return { type: 'RaftFetchSnapshotResponse', bytes: 96, error: snapshot === null ? 'SNAPSHOT_NOT_FOUND' : 'NONE', epoch, leader, snapshot };
}

export function entry(offset: number, epoch: number, value: string): LogEntry<Rec> {
  return { offset, epoch, record: { value }, bytes: RECORD_BYTES };
}
