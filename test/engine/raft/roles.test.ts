// Goal: each rule of KRaft's roles (KIP-595; Kafka's QuorumState and KafkaRaftClient), one test
// per rule, named after it: votes, up-to-date checks, epochs, the single-voter quorum, the high
// watermark's start-of-epoch rule, observers, long polling, and the check-quorum resignation.
// Method: the precise rules drive one RaftNode by hand (scripted.ts: every message and timer is
// delivered by the test, every answer read back); the timing rules run a whole quorum on the
// kernel (harness.ts) and measure.

import { describe, expect, it } from 'vitest';
import type { RaftMessage } from '../../../src/engine/raft/messages';
import { CLIENT_TICK_US, leaderChangeValue, makeQuorum, runUntil, soleLeader, userValues, type Quorum, type Rec, type Snap } from './harness';
import {
  TIMER_ELECTION,
  beginQuorumEpoch,
  beginQuorumEpochResponse,
  endQuorumEpoch,
  entry,
  fetchRequest,
  fetchResponse,
  fetchSnapshotRequest,
  fetchSnapshotResponse,
  logOf,
  scriptedNode,
  voteRequest,
  voteResponse,
  type ScriptedNode,
} from './scripted';

describe('votes', () => {
  it('a voter grants at most one vote per epoch, and remembers it across a restart', () => {
    const voter = scriptedNode('c1').start();
    voter.deliver('c2', voteRequest(1, 'c2', { epoch: 0, offset: 0 }));
    expect(voter.lastSent('RaftVoteResponse', 'c2')).toMatchObject({ epoch: 1, granted: true });
    expect(voter.role).toBe('voted');
    expect(voter.disk.quorum).toEqual({ epoch: 1, votedFor: 'c2' });

    voter.deliver('c3', voteRequest(1, 'c3', { epoch: 0, offset: 0 }));
    expect(voter.lastSent('RaftVoteResponse', 'c3')).toMatchObject({ epoch: 1, granted: false });
    // A retransmitted request from the same candidate is granted again: it is the same vote.
    voter.deliver('c2', voteRequest(1, 'c2', { epoch: 0, offset: 0 }));
    expect(voter.lastSent('RaftVoteResponse', 'c2')).toMatchObject({ epoch: 1, granted: true });

    const restarted = scriptedNode('c1', { epoch: voter.disk.quorum.epoch, votedFor: voter.disk.quorum.votedFor }).start();
    restarted.deliver('c3', voteRequest(1, 'c3', { epoch: 0, offset: 0 }));
    expect(restarted.lastSent('RaftVoteResponse', 'c3')).toMatchObject({ epoch: 1, granted: false });

    // A new epoch is a new vote.
    restarted.deliver('c3', voteRequest(2, 'c3', { epoch: 0, offset: 0 }));
    expect(restarted.lastSent('RaftVoteResponse', 'c3')).toMatchObject({ epoch: 2, granted: true });
    expect(restarted.disk.quorum).toEqual({ epoch: 2, votedFor: 'c3' });
  });

  it('a voter rejects a candidate whose last epoch is older, however long its log', () => {
    const voter = scriptedNode('c1', { log: logOf([[1, 'a'], [2, 'b']]), epoch: 2 }).start();
    voter.deliver('c2', voteRequest(3, 'c2', { epoch: 1, offset: 50 }));
    expect(voter.lastSent('RaftVoteResponse', 'c2')).toMatchObject({ epoch: 3, granted: false });
    expect(voter.disk.quorum.votedFor).toBeNull();
  });

  it('a voter rejects a candidate with the same last epoch and a shorter log, and grants an equal one', () => {
    const voter = scriptedNode('c1', { log: logOf([[2, 'a'], [2, 'b'], [2, 'c']]), epoch: 2 }).start();
    voter.deliver('c2', voteRequest(3, 'c2', { epoch: 2, offset: 2 }));
    expect(voter.lastSent('RaftVoteResponse', 'c2')).toMatchObject({ epoch: 3, granted: false });
    voter.deliver('c3', voteRequest(3, 'c3', { epoch: 2, offset: 3 }));
    expect(voter.lastSent('RaftVoteResponse', 'c3')).toMatchObject({ epoch: 3, granted: true });
  });

  it('a voter grants a candidate with a newer last epoch even if its log is shorter', () => {
    const voter = scriptedNode('c1', { log: logOf([[1, 'a'], [1, 'b'], [1, 'c']]), epoch: 2 }).start();
    voter.deliver('c2', voteRequest(3, 'c2', { epoch: 2, offset: 1 }));
    expect(voter.lastSent('RaftVoteResponse', 'c2')).toMatchObject({ epoch: 3, granted: true });
  });

  it('a follower with a known leader rejects votes in that epoch, and names its leader', () => {
    const voter = scriptedNode('c1').start();
    voter.deliver('c2', beginQuorumEpoch(3, 'c2'));
    expect(voter.role).toBe('follower');
    voter.deliver('c3', voteRequest(3, 'c3', { epoch: 9, offset: 99 }));
    expect(voter.lastSent('RaftVoteResponse', 'c3')).toMatchObject({ epoch: 3, granted: false, leader: 'c2' });
    expect(voter.role).toBe('follower');
    // The next epoch has no leader yet: the same candidate is granted.
    voter.deliver('c3', voteRequest(4, 'c3', { epoch: 9, offset: 99 }));
    expect(voter.lastSent('RaftVoteResponse', 'c3')).toMatchObject({ epoch: 4, granted: true });
  });

  it('a leader rejects votes in its own epoch', () => {
    const leader = scriptedNode('c1').start();
    const epoch = leader.elect();
    leader.deliver('c2', voteRequest(epoch, 'c2', { epoch: 9, offset: 99 }));
    expect(leader.lastSent('RaftVoteResponse', 'c2')).toMatchObject({ epoch, granted: false, leader: 'c1' });
    expect(leader.role).toBe('leader');
  });

  it('a candidate needs a majority: one grant of three voters is not enough, two are', () => {
    const candidate = scriptedNode('c1', { voters: ['c1', 'c2', 'c3', 'c4', 'c5'] }).start();
    candidate.fire(TIMER_ELECTION);
    expect(candidate.role).toBe('candidate');
    expect(candidate.node.epoch).toBe(1);
    expect(
      candidate
        .take()
        .filter((s) => s.message.type === 'RaftVoteRequest')
        .map((s) => s.to),
    ).toEqual(['c2', 'c3', 'c4', 'c5']);
    candidate.deliver('c2', voteResponse(1, true));
    candidate.deliver('c3', voteResponse(1, false));
    candidate.deliver('c2', voteResponse(1, true)); // a duplicate counts once
    expect(candidate.role).toBe('candidate');
    candidate.deliver('c4', voteResponse(1, true));
    expect(candidate.role).toBe('leader');
  });

  it('a grant from an older epoch does not count', () => {
    const candidate = scriptedNode('c1').start();
    candidate.fire(TIMER_ELECTION);
    candidate.fire(TIMER_ELECTION); // times out: backs off
    candidate.fire(TIMER_ELECTION); // and tries again in epoch 2
    expect(candidate.node.epoch).toBe(2);
    candidate.deliver('c2', voteResponse(1, true));
    expect(candidate.role).toBe('candidate');
  });
});

describe('epochs', () => {
  // Every message type, carrying epoch 5 to a member of epoch 1. A response can only reach a
  // member that asked (a fetch answer only counts from the voter it fetched from), so responses
  // go to a follower of c2, requests to the leader c1.
  type Case = { name: string; to: 'leader' | 'follower'; message: RaftMessage<Rec, Snap>; role: string; leader: string | null };
  const cases: Case[] = [
    { name: 'a Vote request', to: 'leader', message: voteRequest(5, 'c2', { epoch: 0, offset: 0 }), role: 'unattached', leader: null },
    { name: 'a BeginQuorumEpoch request', to: 'leader', message: beginQuorumEpoch(5, 'c2'), role: 'follower', leader: 'c2' },
    { name: 'an EndQuorumEpoch request', to: 'leader', message: endQuorumEpoch(5, 'c2'), role: 'unattached', leader: null },
    { name: 'a Fetch request', to: 'leader', message: fetchRequest(5, 'c2', 0, 0), role: 'unattached', leader: null },
    { name: 'a FetchSnapshot request', to: 'leader', message: fetchSnapshotRequest(5, 'c2', { offset: 0, epoch: 0 }), role: 'unattached', leader: null },
    { name: 'a Vote response', to: 'leader', message: voteResponse(5, false), role: 'unattached', leader: null },
    { name: 'a BeginQuorumEpoch response', to: 'leader', message: beginQuorumEpochResponse(5), role: 'unattached', leader: null },
    { name: 'a Fetch response naming no leader', to: 'follower', message: fetchResponse({ epoch: 5, leader: null, error: 'NOT_LEADER_OR_FOLLOWER' }), role: 'unattached', leader: null },
    { name: 'a Fetch response naming a leader', to: 'follower', message: fetchResponse({ epoch: 5, leader: 'c3', error: 'NOT_LEADER_OR_FOLLOWER' }), role: 'follower', leader: 'c3' },
    { name: 'a FetchSnapshot response', to: 'follower', message: fetchSnapshotResponse(5, null, null), role: 'unattached', leader: null },
  ];

  for (const c of cases) {
    it(`a higher epoch in ${c.name} makes a ${c.to} ${c.role === 'follower' ? 'follow the leader it names' : 'unattached'}`, () => {
      let member: ScriptedNode;
      if (c.to === 'leader') {
        member = scriptedNode('c1').start();
        member.elect();
      } else {
        member = scriptedNode('c1').start();
        member.deliver('c2', beginQuorumEpoch(1, 'c2'));
        expect(member.role).toBe('follower');
      }
      member.deliver('c2', c.message);
      expect(member.node.epoch).toBe(5);
      expect(member.role).toBe(c.role);
      expect(member.node.currentLeader).toBe(c.leader);
    });
  }

  it('a leader that steps down tells its listener the epoch it led, not the one that ended it', () => {
    const leader = scriptedNode('c1').start();
    const led = leader.elect();
    leader.deliver('c2', voteRequest(led + 3, 'c2', { epoch: 0, offset: 0 }));
    expect(leader.role).toBe('unattached');
    expect(leader.calls.filter((call) => call.kind === 'resign')).toEqual([{ kind: 'resign', epoch: led }]);
  });

  it('a message from an older epoch changes nothing: a stale leader is told it is fenced', () => {
    const voter = scriptedNode('c1').start();
    voter.deliver('c3', beginQuorumEpoch(4, 'c3'));
    voter.take();
    voter.deliver('c2', beginQuorumEpoch(2, 'c2'));
    voter.deliver('c2', voteRequest(3, 'c2', { epoch: 9, offset: 9 }));
    expect(voter.role).toBe('follower');
    expect(voter.node.currentLeader).toBe('c3');
    expect(voter.node.epoch).toBe(4);
    expect(voter.lastSent('RaftVoteResponse', 'c2')).toMatchObject({ epoch: 4, granted: false });
  });

  it('a fetch answer from an older epoch of the same voter is ignored: it does not make a voter follow', () => {
    // c1 follows c2 in epoch 1 with a fetch in flight; it then grants c3 a vote for epoch 2. The
    // answer to its old fetch arrives (c2 still thinks it leads epoch 1): it must not make c1 a
    // follower of c2 in epoch 2, where c3 may be elected (Kafka ignores responses from older epochs).
    const voter = scriptedNode('c1').start();
    voter.deliver('c2', beginQuorumEpoch(1, 'c2'));
    expect(voter.lastSent('RaftFetch', 'c2')).toBeDefined();
    voter.deliver('c3', voteRequest(2, 'c3', { epoch: 0, offset: 0 }));
    expect(voter.role).toBe('voted');
    voter.deliver('c2', fetchResponse({ epoch: 1, leader: 'c2', highWatermark: 0, entries: [entry(0, 1, 'stale')] }));
    expect(voter.role).toBe('voted');
    expect(voter.node.currentLeader).toBeNull();
    expect(voter.node.epoch).toBe(2);
    expect(voter.disk.log.endOffset).toBe(0);
  });
});

describe('the single-voter quorum', () => {
  it('a single-voter quorum elects itself at once, commits alone, and again after a restart', () => {
    const q = makeQuorum({ voters: 1, observers: 1 });
    q.run(0);
    expect(q.leaders()).toEqual([{ id: 'c1', epoch: 1 }]);
    q.submit('v1');
    q.run(CLIENT_TICK_US + 10_000);
    expect(q.member('c1').applied).toEqual([leaderChangeValue(1, 'c1'), 'v1']);
    q.kernel.crash('c1');
    q.kernel.restart('c1');
    q.run(0);
    expect(q.leaders()).toEqual([{ id: 'c1', epoch: 2 }]);
    q.run(2_000_000);
    expect(q.member('b1').applied).toEqual([leaderChangeValue(1, 'c1'), 'v1', leaderChangeValue(2, 'c1')]);
    expect(q.leaders()).toEqual([{ id: 'c1', epoch: 2 }]);
  });
});

describe('the high watermark', () => {
  it("the leader's high watermark does not pass the epoch start until its LeaderChange record is on a majority", () => {
    const leader = scriptedNode('c1', { log: logOf([[1, 'a'], [1, 'b'], [1, 'c']]), epoch: 1 }).start();
    const epoch = leader.elect();
    expect(leader.disk.log.entryAt(3)?.record.value).toBe(leaderChangeValue(epoch, 'c1'));
    // c2 has every entry of epoch 1 but not the LeaderChange record: entries of an older epoch are
    // not committed by counting replicas (Raft, section 5.4.2).
    leader.deliver('c2', fetchRequest(epoch, 'c2', 3, 1));
    leader.deliver('c3', fetchRequest(epoch, 'c3', 3, 1));
    expect(leader.node.committedOffset).toBe(0);
    expect(leader.applied).toEqual([]);
    expect(leader.lastSent('RaftFetchResponse', 'c2')).toMatchObject({ highWatermark: 0 });
    // Once c2 has the LeaderChange record, everything up to it is committed at once.
    leader.deliver('c2', fetchRequest(epoch, 'c2', 4, epoch));
    expect(leader.node.committedOffset).toBe(4);
    expect(leader.applied).toEqual(['a', 'b', 'c', leaderChangeValue(epoch, 'c1')]);
  });

  it('a follower never lowers its high watermark when a new leader reports a lower one', () => {
    const follower = scriptedNode('c1').start();
    follower.deliver('c2', beginQuorumEpoch(1, 'c2'));
    follower.deliver('c2', fetchResponse({ epoch: 1, leader: 'c2', highWatermark: 2, entries: [entry(0, 1, 'a'), entry(1, 1, 'b'), entry(2, 1, 'c')] }));
    expect(follower.node.committedOffset).toBe(2);
    follower.deliver('c3', beginQuorumEpoch(2, 'c3'));
    follower.deliver('c3', fetchResponse({ epoch: 2, leader: 'c3', highWatermark: 1, entries: [] }));
    expect(follower.role).toBe('follower');
    expect(follower.node.committedOffset).toBe(2);
    expect(follower.applied).toEqual(['a', 'b']);
  });

  it('the high watermark never decreases within a life, through leader crashes and elections', () => {
    const q = makeQuorum({ seed: 11, voters: 3, observers: 2 });
    const lastHw = new Map<string, { incarnation: number; hw: number }>();
    const check = (): void => {
      for (const info of q.kernel.processes()) {
        if (info.status !== 'up' || info.id === 'client') continue;
        const hw = q.member(info.id).node.committedOffset;
        const seen = lastHw.get(info.id);
        if (seen !== undefined && seen.incarnation === info.incarnation) {
          expect(hw, `${info.id} at ${q.kernel.nowUs}µs`).toBeGreaterThanOrEqual(seen.hw);
        }
        lastHw.set(info.id, { incarnation: info.incarnation, hw });
      }
    };
    let value = 0;
    for (let round = 0; round < 4; round++) {
      for (let step = 0; step < 300; step++) {
        if (step % 20 === 0) q.submit(`v${value++}`);
        q.run(10_000);
        check();
      }
      const leader = soleLeader(q);
      q.kernel.crash(leader);
      for (let step = 0; step < 300; step++) {
        q.run(10_000);
        check();
      }
      q.kernel.restart(leader);
    }
    expect(Math.max(...q.ids.map((id) => q.member(id).node.committedOffset))).toBeGreaterThan(40);
  });
});

describe('observers', () => {
  it('an observer never votes, whatever the candidate', () => {
    const observer = scriptedNode('b1').start();
    observer.deliver('c1', voteRequest(1, 'c1', { epoch: 9, offset: 99 }));
    expect(observer.lastSent('RaftVoteResponse', 'c1')).toMatchObject({ granted: false });
    expect(observer.disk.quorum.votedFor).toBeNull();
    expect(observer.role).toBe('unattached');
    expect(observer.fx.timers.has(TIMER_ELECTION)).toBe(false);
  });

  it('an observer finds the leader through a NOT_LEADER_OR_FOLLOWER answer naming it', () => {
    const observer = scriptedNode('b1').start();
    const first = observer.take().find((s) => s.message.type === 'RaftFetch')!;
    expect(['c1', 'c2', 'c3']).toContain(first.to);
    const leader = first.to === 'c2' ? 'c3' : 'c2';
    observer.deliver(first.to, fetchResponse({ epoch: 3, leader, error: 'NOT_LEADER_OR_FOLLOWER', highWatermark: -1 }));
    expect(observer.role).toBe('follower');
    expect(observer.node.currentLeader).toBe(leader);
    expect(observer.node.epoch).toBe(3);
    expect(observer.take().filter((s) => s.message.type === 'RaftFetch').map((s) => s.to)).toEqual([leader]);
  });

  it('observers never vote nor become candidates through crashes and elections, and always find the leader', () => {
    const q = makeQuorum({ seed: 5, voters: 3, observers: 2 });
    let elections = 0;
    for (let round = 0; round < 5; round++) {
      for (let step = 0; step < 400; step++) {
        q.run(10_000);
        for (const id of q.observers) {
          const view = q.view(id);
          expect(['unattached', 'follower'], `${id} at ${q.kernel.nowUs}µs`).toContain(view.role);
          expect(view.votedFor).toBeNull();
        }
      }
      const leader = soleLeader(q);
      for (const id of q.observers) expect(q.view(id)).toMatchObject({ role: 'follower', leader });
      q.kernel.crash(leader);
      q.run(3_000_000);
      q.kernel.restart(leader);
      elections++;
    }
    expect(elections).toBe(5);
    // Observers asked voters that were not the leader, and were told who was.
    for (const id of q.observers) expect(q.deliveries.get(`RaftFetchResponse:NOT_LEADER_OR_FOLLOWER@${id}`), id).toBeGreaterThan(0);
    const observerLeaders = q.events.filter((e) => e.kind === 'leader-change' && q.observers.includes(e.member) && e.text !== 'none');
    expect(observerLeaders.length).toBeGreaterThanOrEqual(2 * elections);
  });
});

describe('long polling', () => {
  it('caught-up fetches are long-polled: about one fetch per fetcher per fetchMaxWait when idle', () => {
    // 3 voters and 2 observers: 4 fetchers, each parked at the leader for 500 ms, so 10 idle
    // seconds take about 4 x 10 s / 0.5 s = 80 fetches, not thousands.
    const q = makeQuorum({ seed: 3, voters: 3, observers: 2 });
    q.run(5_000_000);
    const leader = soleLeader(q);
    const before = q.deliveries.get('RaftFetch') ?? 0;
    q.run(10_000_000);
    const fetches = (q.deliveries.get('RaftFetch') ?? 0) - before;
    expect(fetches).toBeGreaterThanOrEqual(76);
    expect(fetches).toBeLessThanOrEqual(88);
    expect(soleLeader(q)).toBe(leader);
  });

  it('a parked fetch is answered as soon as the leader has news, not at the end of the wait', () => {
    const q = makeQuorum({ seed: 3, voters: 3, observers: 2 });
    q.run(5_000_000);
    const leader = soleLeader(q);
    q.submit('news');
    const tookUs = runUntil(q, () => q.ids.every((id) => q.member(id).applied.includes('news')), 1_000_000, 1_000);
    expect(tookUs).not.toBeNull();
    // A tick of the client, a fetch round trip to commit, one more to tell everyone: well under fetchMaxWait.
    expect(tookUs!).toBeLessThan(CLIENT_TICK_US + 20_000);
    expect(soleLeader(q)).toBe(leader);
  });
});

describe('check quorum', () => {
  function settled(seed: number): { q: Quorum; leader: string } {
    const q = makeQuorum({ seed, voters: 3, observers: 2 });
    q.run(5_000_000);
    return { q, leader: soleLeader(q) };
  }

  it('a leader fetched from by a majority never resigns', () => {
    const { q, leader } = settled(21);
    const epoch = q.member(leader).node.epoch;
    q.run(30_000_000);
    expect(q.leaders()).toEqual([{ id: leader, epoch }]);
    expect(q.events.filter((e) => e.kind === 'resign')).toEqual([]);
  });

  for (const seed of [21, 22, 23, 24, 25]) {
    it(`a minority leader cannot commit and resigns within 1.5 x fetch timeout; the majority elects a new leader and commits (seed ${seed})`, () => {
      const { q, leader } = settled(seed);
      q.submit('before');
      q.run(500_000);
      const hw = q.member(leader).node.committedOffset;
      const end = q.disks.get(leader)!.log.endOffset;
      // Cut the leader off from every other member, but let the client still reach it, so it
      // appends records it can never commit.
      q.isolateFromPeers(leader);
      const isolatedAtUs = q.kernel.nowUs;
      for (let i = 0; i < 5; i++) q.submit(`lost-${i}`);
      const resignedAfterUs = runUntil(
        q,
        () => {
          expect(q.member(leader).node.committedOffset, `the isolated leader committed at ${q.kernel.nowUs}µs`).toBe(hw);
          return q.member(leader).node.currentRole === 'resigned';
        },
        6_000_000,
        1_000,
      );
      expect(q.disks.get(leader)!.log.endOffset).toBe(end + 5);
      expect(resignedAfterUs, `resigned ${resignedAfterUs}µs after isolation at ${isolatedAtUs}µs`).not.toBeNull();
      // Kafka's LeaderState: check-quorum expires 1.5 x fetch timeout (3 s) after the last time a
      // majority fetched; the followers fetched just before the cut.
      expect(resignedAfterUs!).toBeLessThanOrEqual(3_000_000 + 1_000);
      expect(resignedAfterUs!).toBeGreaterThanOrEqual(2_400_000);
      expect(q.notes('resigns as leader', leader)).toHaveLength(1);

      // The majority elects a new leader and commits.
      expect(runUntil(q, () => q.leaders().some((l) => l.id !== leader), 6_000_000)).not.toBeNull();
      const next = q.leaders().find((l) => l.id !== leader)!.id;
      q.submit('after');
      expect(runUntil(q, () => q.member(next).applied.includes('after'), 1_000_000)).not.toBeNull();
      expect(q.member(leader).node.committedOffset).toBe(hw);

      // Healed, the old leader drops what it could not commit and takes the new history.
      q.network.heal();
      expect(runUntil(q, () => q.ids.every((id) => q.member(id).applied.includes('after')), 10_000_000)).not.toBeNull();
      for (const id of q.ids) {
        expect(userValues(q.member(id).applied), id).toEqual(['before', 'after']);
      }
    });
  }
});
