// Invariants of a running quorum, checked from outside the protocol (TigerBeetle's state checker,
// Kafka's RaftEventSimulationTest invariants), meant to run after every kernel event:
//   SingleLeader           no two members are, or are believed by anyone to be, leader of one
//                          epoch, ever (Kafka checks the leader every member's quorum state names)
//   MonotonicEpoch         a member's durable epoch never decreases, across lives
//   MonotonicHighWatermark a member's high watermark never decreases within a life, and never
//                          passes its log end; what it applied never passes its high watermark
//   CommittedAgree         an offset below any member's high watermark holds the same record and
//                          epoch in every log that ever had it committed, at any time
//   AppliedPrefix          every member's applied list is a prefix of one history, and matches
//                          the committed records offset by offset
// Checks are incremental (each member's newly committed range, each applied list's new tail), so
// running them after every event stays cheap.
import type { Quorum } from './harness';

interface LifeState {
  incarnation: number;
  highWatermark: number;
  /** Offsets below this were already compared with the committed history in this life. */
  checkedOffset: number;
  /** Applied values already compared with the history, and the snapshot loads seen then. */
  checkedApplied: number;
  loads: number;
}

export class QuorumChecker {
  /** Leader of each epoch, as anyone has known it. */
  readonly leaderOfEpoch = new Map<number, string>();
  /** Every committed offset seen so far: its epoch and value. */
  readonly committed: { epoch: number; value: string }[] = [];
  /** The longest applied history seen so far. */
  readonly history: string[] = [];
  private readonly epochs = new Map<string, number>();
  private readonly lives = new Map<string, LifeState>();
  checks = 0;

  constructor(
    private readonly q: Quorum,
    /** Prefixed to every failure (the seed, the plan). */
    private readonly context = '',
  ) {}

  check(): void {
    this.checks++;
    const processes = this.q.kernel.processes();
    for (const info of processes) {
      if (info.id === 'client') continue;
      const disk = this.q.disks.get(info.id)!;
      const epochBefore = this.epochs.get(info.id) ?? 0;
      if (disk.quorum.epoch < epochBefore) this.fail('MonotonicEpoch', `${info.id}'s epoch went from ${epochBefore} back to ${disk.quorum.epoch}`);
      this.epochs.set(info.id, disk.quorum.epoch);
      if (info.status !== 'up') continue;
      const member = this.q.member(info.id);
      const node = member.node;
      const role = node.currentRole;
      if (role === 'leader') this.claimLeader(node.epoch, info.id, `${info.id} is leader`);
      const leader = node.currentLeader;
      if (leader !== null) this.claimLeader(node.epoch, leader, `${info.id} follows ${leader}`);

      let life = this.lives.get(info.id);
      if (life === undefined || life.incarnation !== info.incarnation) {
        life = { incarnation: info.incarnation, highWatermark: -1, checkedOffset: 0, checkedApplied: 0, loads: member.loads };
        this.lives.set(info.id, life);
      }
      const highWatermark = node.committedOffset;
      if (highWatermark < life.highWatermark) {
        this.fail('MonotonicHighWatermark', `${info.id}'s high watermark went from ${life.highWatermark} back to ${highWatermark}`);
      }
      life.highWatermark = highWatermark;
      const log = disk.log;
      if (highWatermark > log.endOffset) this.fail('MonotonicHighWatermark', `${info.id}'s high watermark ${highWatermark} is past its log end ${log.endOffset}`);
      const view = node.view();
      if (view.appliedOffset > highWatermark) this.fail('MonotonicHighWatermark', `${info.id} applied up to ${view.appliedOffset}, past its high watermark ${highWatermark}`);
      if (member.applied.length !== view.appliedOffset) {
        this.fail('AppliedPrefix', `${info.id} holds ${member.applied.length} applied values but says it applied ${view.appliedOffset}`);
      }

      for (let offset = Math.max(life.checkedOffset, log.logStartOffset); offset < highWatermark; offset++) {
        const entry = log.entryAt(offset);
        if (entry === undefined) continue;
        const known = this.committed[offset];
        if (known === undefined) {
          if (offset > this.committed.length) this.committed.length = offset; // a hole, filled by whoever committed it
          this.committed[offset] = { epoch: entry.epoch, value: entry.record.value };
        } else if (known.epoch !== entry.epoch || known.value !== entry.record.value) {
          this.fail(
            'CommittedAgree',
            `${info.id} has (epoch ${entry.epoch}, ${entry.record.value}) at committed offset ${offset}, where the history has (epoch ${known.epoch}, ${known.value})`,
          );
        }
      }
      life.checkedOffset = Math.max(life.checkedOffset, highWatermark);

      if (member.loads !== life.loads || member.applied.length < life.checkedApplied) {
        life.checkedApplied = 0; // replaced by a snapshot: check it all again
        life.loads = member.loads;
      }
      const applied = member.applied;
      for (let index = life.checkedApplied; index < applied.length; index++) {
        const value = applied[index]!;
        if (index < this.history.length) {
          if (this.history[index] !== value) {
            this.fail('AppliedPrefix', `${info.id} applied ${value} at ${index}, where another member applied ${this.history[index]}`);
          }
        } else {
          this.history.push(value);
        }
        const known = this.committed[index];
        if (known !== undefined && known.value !== value) {
          this.fail('AppliedPrefix', `${info.id} applied ${value} at ${index}, where the committed record is ${known.value}`);
        }
      }
      life.checkedApplied = applied.length;
    }
  }

  private claimLeader(epoch: number, leader: string, why: string): void {
    const known = this.leaderOfEpoch.get(epoch);
    if (known === undefined) this.leaderOfEpoch.set(epoch, leader);
    else if (known !== leader) this.fail('SingleLeader', `epoch ${epoch} has two leaders: ${known}, and ${leader} (${why})`);
  }

  private fail(invariant: string, text: string): never {
    throw new Error(`${this.context}${invariant} violated at ${this.q.kernel.nowUs}µs: ${text}`);
  }
}

/** Steps the kernel one event at a time up to `untilUs`, checking after each; then sets the clock. */
export function runChecked(q: Quorum, checker: QuorumChecker, untilUs: number, eventsMax = 2_000_000): void {
  let events = 0;
  for (;;) {
    const next = q.kernel.nextEventTimeUs();
    if (next === null || next > untilUs) break;
    q.kernel.step();
    checker.check();
    if (++events > eventsMax) throw new Error(`more than ${eventsMax} events before ${untilUs}µs: a livelock?`);
  }
  q.kernel.runUntil(untilUs);
}
