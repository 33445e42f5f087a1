// Goal: snapshots keep the log bounded without losing anyone: a follower whose log ends below the
// leader's log start loads the leader's snapshot (FetchSnapshot) and ends with everyone's state;
// one whose log ends exactly at the leader's log start fetches records as usual; a restarted
// member reloads its own snapshot before anything else; no log grows past a few intervals.
// Method: a quorum on the kernel with a snapshot every 20 records and the invariant checker
// (checker.ts) after every event; the FetchSnapshot path is proved hit by the note it writes.

import { describe, expect, it } from 'vitest';
import type { RaftDisk } from '../../../src/engine/raft/node';
import { QuorumChecker, runChecked } from './checker';
import { appendEntries, makeQuorum, soleLeader, userValues, type Quorum, type Rec, type Snap } from './harness';
import { beginQuorumEpoch, entry, fetchResponse, fetchSnapshotResponse, scriptedNode } from './scripted';

const INTERVAL = 20;

function runCheckedUntil(q: Quorum, checker: QuorumChecker, predicate: () => boolean, limitUs: number, each?: () => void): boolean {
  const deadline = q.kernel.nowUs + limitUs;
  while (q.kernel.nowUs < deadline) {
    if (predicate()) return true;
    runChecked(q, checker, Math.min(deadline, q.kernel.nowUs + 10_000));
    each?.();
  }
  return predicate();
}

describe('snapshots', () => {
  for (const seed of [1, 2, 3]) {
    it(`a follower restarted after the leader compacted past its log end loads a snapshot and ends with everyone's state (seed ${seed})`, () => {
      const q = makeQuorum({ seed, voters: 3, observers: 2, raft: { snapshotEveryRecords: INTERVAL } });
      const checker = new QuorumChecker(q, `seed ${seed}: `);
      let largestLog = 0;
      const measure = (): void => {
        for (const id of q.ids) largestLog = Math.max(largestLog, q.disks.get(id)!.log.size);
      };
      runChecked(q, checker, 3_000_000);
      const leader = soleLeader(q);
      const behind = q.voters.find((id) => id !== leader)!;
      for (let i = 0; i < 5; i++) q.submit(`v${i}`);
      expect(runCheckedUntil(q, checker, () => q.member(behind).applied.includes('v4'), 1_000_000)).toBe(true);
      q.kernel.crash(behind);
      const behindEnd = q.disks.get(behind)!.log.endOffset;

      for (let i = 5; i < 100; i++) {
        q.submit(`v${i}`);
        runChecked(q, checker, q.kernel.nowUs + 20_000);
        measure();
      }
      expect(runCheckedUntil(q, checker, () => q.member(leader).applied.includes('v99'), 1_000_000, measure)).toBe(true);
      expect(q.disks.get(leader)!.log.logStartOffset).toBeGreaterThan(behindEnd);

      q.kernel.restart(behind);
      const everyone = (): boolean => q.ids.every((id) => q.member(id).applied.includes('v99'));
      expect(runCheckedUntil(q, checker, everyone, 15_000_000, measure)).toBe(true);
      expect(q.notes('loaded a snapshot', behind).length).toBeGreaterThanOrEqual(1);
      const final = soleLeader(q);
      // Let the last high watermark reach everyone, then every applied list is the same.
      runChecked(q, checker, q.kernel.nowUs + 2_000_000);
      const expected = q.member(final).applied;
      for (const id of q.ids) expect(q.member(id).applied, id).toEqual(expected);
      expect(userValues(expected)).toEqual(Array.from({ length: 100 }, (_, i) => `v${i}`));
      // Each log keeps at most the records since the snapshot before last, and what is not yet applied.
      expect(largestLog).toBeLessThan(3 * INTERVAL);
    });
  }

  it('a restarted member reloads its own snapshot at start, before it hears from anyone', () => {
    const q = makeQuorum({ seed: 9, voters: 3, observers: 1, raft: { snapshotEveryRecords: INTERVAL } });
    const checker = new QuorumChecker(q);
    runChecked(q, checker, 3_000_000);
    for (let i = 0; i < 50; i++) {
      q.submit(`v${i}`);
      runChecked(q, checker, q.kernel.nowUs + 20_000);
    }
    runChecked(q, checker, q.kernel.nowUs + 1_000_000);
    for (const id of q.ids) {
      const snapshot = q.disks.get(id)!.log.snapshot;
      expect(snapshot, id).not.toBeNull();
      q.kernel.crash(id);
      q.kernel.restart(id);
      q.run(0); // only the start event: no message has arrived yet
      const member = q.member(id);
      expect(member.loads, id).toBe(1);
      expect(member.applied, id).toEqual(snapshot!.data);
      expect(q.view(id)).toMatchObject({ appliedOffset: snapshot!.endOffset, highWatermark: snapshot!.endOffset });
      checker.check();
    }
    expect(runCheckedUntil(q, checker, () => q.leaders().length === 1 && q.ids.every((id) => q.member(id).applied.includes('v49')), 15_000_000)).toBe(true);
  });

  it("a follower whose log ends exactly at the leader's log start fetches records, not a snapshot, and catches up", () => {
    // c1 and c2 took a snapshot at 20, then one at 40, and kept the records from 20 on (the log
    // keeps one interval behind its newest snapshot); c3 stopped at 20. The leader must recognise
    // c3's (fetch offset 20, last fetched epoch 1) as matching its log, though the record at 19 is
    // gone: its log start knows the epoch just before it.
    const values = Array.from({ length: 45 }, (_, i) => `v${i}`);
    const prepare = (id: string, disk: RaftDisk<Rec, Snap>): void => {
      disk.quorum.epoch = 1;
      if (id === 'c3') {
        appendEntries(disk.log, values.slice(0, 20).map((v) => [1, v] as const));
        disk.log.takeSnapshot({ endOffset: 20, epoch: 1, data: values.slice(0, 20), bytes: 320 });
        return;
      }
      if (id === 'b1') return;
      appendEntries(disk.log, values.map((v) => [1, v] as const));
      disk.log.takeSnapshot({ endOffset: 20, epoch: 1, data: values.slice(0, 20), bytes: 320 });
      disk.log.takeSnapshot({ endOffset: 40, epoch: 1, data: values.slice(0, 40), bytes: 640 });
      disk.log.compactTo(20);
    };
    const q = makeQuorum({ seed: 5, voters: 3, observers: 1, raft: { snapshotEveryRecords: INTERVAL }, prepare });
    q.network.inject({ kind: 'isolate-process', process: 'c3' });
    const checker = new QuorumChecker(q);
    expect(runCheckedUntil(q, checker, () => q.leaders().length === 1, 10_000_000)).toBe(true);
    expect(q.disks.get(soleLeader(q))!.log.logStartOffset).toBe(20);
    expect(q.disks.get('c3')!.log.endOffset).toBe(20);
    q.network.heal();
    const caughtUp = (): boolean => q.leaders().length === 1 && q.member('c3').applied.includes('v44');
    expect(runCheckedUntil(q, checker, caughtUp, 15_000_000)).toBe(true);
    expect(q.notes('loaded a snapshot', 'c3')).toEqual([]);
    expect(q.member('c3').loads).toBe(1); // its own snapshot at start, no other
    expect(userValues(q.member('c3').applied)).toEqual(values);
  });

  it('a late snapshot answer that the log has already passed does not replace it (the state never goes back)', () => {
    // Seed 201193 of the swarm: on a slow link a fetch was sent again after its timeout, and the
    // two answers overlapped; the snapshot one arrived after the follower had fetched past it.
    const follower = scriptedNode('b1').start();
    follower.deliver('c1', beginQuorumEpoch(1, 'c1'));
    const entries = Array.from({ length: 30 }, (_, i) => entry(i, 1, `v${i}`));
    follower.deliver('c1', fetchResponse({ epoch: 1, leader: 'c1', highWatermark: 29, entries }));
    expect(follower.node.committedOffset).toBe(29);
    const late = { endOffset: 25, epoch: 1, data: entries.slice(0, 25).map((e) => e.record.value), bytes: 400 };
    follower.deliver('c1', fetchSnapshotResponse(1, 'c1', late));
    expect(follower.disk.log.endOffset).toBe(30);
    expect(follower.node.committedOffset).toBe(29);
    expect(follower.applied).toHaveLength(29);
    expect(follower.fx.notes.filter((n) => n.includes('loaded a snapshot'))).toEqual([]);
    // A snapshot ahead of the log still replaces it.
    const ahead = { endOffset: 40, epoch: 1, data: Array.from({ length: 40 }, (_, i) => `v${i}`), bytes: 640 };
    follower.deliver('c1', fetchSnapshotResponse(1, 'c1', ahead));
    expect(follower.disk.log.endOffset).toBe(40);
    expect(follower.node.committedOffset).toBe(40);
    expect(follower.applied).toEqual(ahead.data);
  });
});
