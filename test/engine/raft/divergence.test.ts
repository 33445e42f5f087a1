// Goal: logs that diverged converge on the leader's, and only uncommitted records are ever lost:
// the classic case (a leader appends records it cannot commit, loses its leadership, and on its
// return drops them for the new leader's), a follower truncating through more than one divergent
// epoch, and a follower that missed many records catching up in many fetches.
// Method: a quorum on the kernel, with the invariant checker (checker.ts) after every event; the
// rare path (a follower truncating) is proved hit by the note it writes; the multi-epoch case
// starts from logs laid down on the members' disks, a state a five-voter history can reach.

import { describe, expect, it } from 'vitest';
import { QuorumChecker, runChecked } from './checker';
import { RECORD_BYTES, appendEntries, isLeaderChange, logValues, makeQuorum, soleLeader, userValues, type Quorum } from './harness';
import { beginQuorumEpoch, fetchResponse, logOf, scriptedNode } from './scripted';

/** Every member's log, offset by offset (epoch and value), from the largest log start on. */
function logsIdentical(q: Quorum): boolean {
  const start = Math.max(...q.ids.map((id) => q.disks.get(id)!.log.logStartOffset));
  const render = (id: string): string => {
    const log = q.disks.get(id)!.log;
    const parts: string[] = [];
    for (let offset = start; offset < log.endOffset; offset++) parts.push(`${log.entryAt(offset)!.epoch}:${log.entryAt(offset)!.record.value}`);
    return parts.join(' ');
  };
  const first = render(q.ids[0]!);
  return q.ids.every((id) => render(id) === first);
}

function runCheckedUntil(q: Quorum, checker: QuorumChecker, predicate: () => boolean, limitUs: number): boolean {
  const deadline = q.kernel.nowUs + limitUs;
  while (q.kernel.nowUs < deadline) {
    if (predicate()) return true;
    runChecked(q, checker, Math.min(deadline, q.kernel.nowUs + 10_000));
  }
  return predicate();
}

describe('divergence', () => {
  for (const seed of [1, 2, 3]) {
    it(`a deposed leader's uncommitted records are truncated when it returns, and every log ends identical (seed ${seed})`, () => {
      const q = makeQuorum({ seed, voters: 3, observers: 2 });
      const checker = new QuorumChecker(q, `seed ${seed}: `);
      runChecked(q, checker, 3_000_000);
      const old = soleLeader(q);
      q.submit('a0');
      q.submit('a1');
      expect(runCheckedUntil(q, checker, () => q.ids.every((id) => q.member(id).applied.includes('a1')), 1_000_000)).toBe(true);
      const committedBefore = q.member(old).node.committedOffset;

      // The leader is cut off from every member (the client still reaches it): it appends five
      // records that no one else will ever fetch.
      q.isolateFromPeers(old);
      for (let i = 0; i < 5; i++) q.submit(`uncommitted-${i}`);
      runChecked(q, checker, q.kernel.nowUs + 100_000);
      expect(logValues(q, old, committedBefore)).toEqual(['uncommitted-0', 'uncommitted-1', 'uncommitted-2', 'uncommitted-3', 'uncommitted-4']);

      // The majority elects a new leader, which commits different records at the same offsets
      // (once the old leader has resigned, so that it does not append those too).
      expect(
        runCheckedUntil(q, checker, () => q.leaders().some((l) => l.id !== old) && q.member(old).node.currentRole !== 'leader', 10_000_000),
      ).toBe(true);
      const next = q.leaders().find((l) => l.id !== old)!.id;
      for (let i = 0; i < 5; i++) q.submit(`new-${i}`);
      expect(runCheckedUntil(q, checker, () => q.member(next).applied.includes('new-4'), 1_000_000)).toBe(true);
      expect(q.member(old).node.committedOffset).toBe(committedBefore);

      q.network.heal();
      expect(runCheckedUntil(q, checker, () => logsIdentical(q) && q.ids.every((id) => q.member(id).applied.includes('new-4')), 15_000_000)).toBe(true);

      // The truncation path was taken, by the old leader, for exactly its five records.
      const truncations = q.notes('truncated', old);
      expect(truncations.map((n) => n.text)).toEqual([expect.stringMatching(/^c\d truncated 5 uncommitted records that diverged from leader c\d$/)]);
      for (const id of q.ids) {
        const applied = userValues(q.member(id).applied);
        expect(applied, id).toEqual(['a0', 'a1', 'new-0', 'new-1', 'new-2', 'new-3', 'new-4']);
        expect(logValues(q, id).filter((v) => v.startsWith('uncommitted'))).toEqual([]);
      }
      expect(checker.checks).toBeGreaterThan(1_000);
    });
  }

  it('a follower truncating through two divergent epochs never commits records that differ from the leader', () => {
    // A five-voter history: c3 led epoch 1 and wrote f0..f9, of which c1, c2 and c5 got f0..f7;
    // c1 led epoch 2 (votes of c1, c2, c5) and wrote g0..g9 to c1 and c2; c4 led epoch 3 (votes
    // of c3, c4, c5) and wrote h0..h4 to c3 and c4. Offsets 8 and 9 hold f8, f9 on c3 and g0, g1
    // on c1: c3 must drop its epoch-3 records, then its epoch-1 tail, before it counts anything
    // past offset 8 as committed.
    const f = Array.from({ length: 10 }, (_, i) => [1, `f${i}`] as const);
    const g = Array.from({ length: 10 }, (_, i) => [2, `g${i}`] as const);
    const h = Array.from({ length: 5 }, (_, i) => [3, `h${i}`] as const);
    const q = makeQuorum({
      seed: 7,
      voters: 5,
      observers: 0,
      prepare: (id, disk) => {
        disk.quorum.epoch = 3;
        if (id === 'c1' || id === 'c2') appendEntries(disk.log, [...f.slice(0, 8), ...g]);
        if (id === 'c3' || id === 'c4') appendEntries(disk.log, [...f, ...h]);
        if (id === 'c5') appendEntries(disk.log, f.slice(0, 8));
      },
    });
    // c3 and c4 are away while c1 or c2 is elected and commits; c4 stays away.
    q.network.inject({ kind: 'isolate-process', process: 'c3' });
    q.network.inject({ kind: 'isolate-process', process: 'c4' });
    const checker = new QuorumChecker(q);
    expect(runCheckedUntil(q, checker, () => q.leaders().length === 1 && q.member(q.leaders()[0]!.id).node.committedOffset > 18, 10_000_000)).toBe(true);
    expect(['c1', 'c2']).toContain(soleLeader(q));
    q.network.heal('c3');
    expect(
      runCheckedUntil(
        q,
        checker,
        () => {
          const leaders = q.leaders();
          if (leaders.length !== 1) return false;
          const leaderHw = q.member(leaders[0]!.id).node.committedOffset;
          return q.member('c3').node.committedOffset === leaderHw;
        },
        20_000_000,
      ),
    ).toBe(true);
    const leader = soleLeader(q);
    expect(['c1', 'c2', 'c5']).toContain(leader);
    expect(q.notes('truncated', 'c3').length).toBeGreaterThanOrEqual(1);
    const applied = q.member('c3').applied.filter((v) => !isLeaderChange(v));
    expect(applied).toEqual([...f.slice(0, 8), ...g].map(([, value]) => value));
    expect(logValues(q, 'c3')).toEqual(logValues(q, leader));
  });

  it('a diverging answer truncates the follower but does not move its high watermark: what is left may diverge further back', () => {
    // The follower holds f8, f9 (epoch 1) where the leader has epoch-2 records; the leader's
    // answer to (fetch offset 15, last epoch 3) is "epoch 2 ends at 18", so the follower keeps
    // [0, 10) for now, of which 8 and 9 are still wrong: committing to 10 would apply them.
    const f = Array.from({ length: 10 }, (_, i) => [1, `f${i}`] as const);
    const h = Array.from({ length: 5 }, (_, i) => [3, `h${i}`] as const);
    const follower = scriptedNode('c3', { voters: ['c1', 'c2', 'c3', 'c4', 'c5'], log: logOf([...f, ...h]), epoch: 4 }).start();
    follower.deliver('c1', beginQuorumEpoch(5, 'c1'));
    expect(follower.lastSent('RaftFetch', 'c1')).toMatchObject({ fetchOffset: 15, lastFetchedEpoch: 3 });
    follower.take();
    follower.deliver('c1', fetchResponse({ epoch: 5, leader: 'c1', highWatermark: 19, divergingEpoch: { epoch: 2, offset: 18 } }));
    expect(follower.disk.log.endOffset).toBe(10);
    expect(follower.fx.notes).toEqual(['c3 truncated 5 uncommitted records that diverged from leader c1']);
    expect(follower.node.committedOffset).toBe(0);
    expect(follower.applied).toEqual([]);
    // Fetching again from 10 with epoch 1, it learns epoch 1 ends at 8 on the leader.
    expect(follower.lastSent('RaftFetch', 'c1')).toMatchObject({ fetchOffset: 10, lastFetchedEpoch: 1 });
    follower.deliver('c1', fetchResponse({ epoch: 5, leader: 'c1', highWatermark: 19, divergingEpoch: { epoch: 1, offset: 8 } }));
    expect(follower.disk.log.endOffset).toBe(8);
    expect(follower.node.committedOffset).toBe(0);
  });

  it('a follower that missed hundreds of records catches up in many bounded fetches', () => {
    // Fetch answers hold at most 8 records, so 300 missed records take dozens of fetches.
    const q = makeQuorum({ seed: 4, voters: 3, observers: 1, raft: { fetchMaxBytes: 8 * RECORD_BYTES } });
    const checker = new QuorumChecker(q);
    runChecked(q, checker, 3_000_000);
    const leader = soleLeader(q);
    const behind = q.voters.find((id) => id !== leader)!;
    q.kernel.crash(behind);
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 10; i++) q.submit(`v${round * 10 + i}`);
      runChecked(q, checker, q.kernel.nowUs + 50_000);
    }
    const live = q.ids.find((id) => id !== behind)!;
    expect(runCheckedUntil(q, checker, () => q.member(live).applied.includes('v299'), 2_000_000)).toBe(true);
    const responsesBefore = q.deliveries.get('RaftFetchResponse') ?? 0;
    q.kernel.restart(behind);
    expect(runCheckedUntil(q, checker, () => q.member(behind).applied.includes('v299') && logsIdentical(q), 20_000_000)).toBe(true);
    expect((q.deliveries.get('RaftFetchResponse') ?? 0) - responsesBefore).toBeGreaterThan(300 / 8);
    const expected = Array.from({ length: 300 }, (_, i) => `v${i}`);
    for (const id of q.ids) expect(userValues(q.member(id).applied), id).toEqual(expected);
  });
});
