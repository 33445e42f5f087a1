// Reading the KRaft layer out of a snapshot, for the page: who leads the quorum and in which
// epoch, what each voter has, how the controller sees each broker, and the metadata log as the
// page has seen it over time (a snapshot carries only the newest records).

import type { MetadataLogEntry, MetadataLogView, ProcessSnapshot, Snapshot } from '../engine/api';
import type { ControllerView, RegistrationView } from '../engine/controller/controller';
import type { RaftView } from '../engine/raft/node';

export interface Voter {
  readonly id: string;
  readonly process: ProcessSnapshot;
  /** Null while the process is down. */
  readonly raft: RaftView | null;
  readonly controller: ControllerView | null;
}

export interface Quorum {
  readonly voters: readonly Voter[];
  /** Votes a candidate needs: a majority of all voters, itself included. */
  readonly majority: number;
  /** The voter leading the quorum, or null during an election. */
  readonly leader: Voter | null;
  /** The leader's epoch; during an election, the newest epoch any running voter is in. */
  readonly epoch: number;
  /** The leader's high watermark (else the most advanced running voter's). */
  readonly highWatermark: number;
  /** The longest log end offset among running voters. */
  readonly logEndOffset: number;
  /** The leader, once it is the active controller (its LeaderChange record is committed). */
  readonly active: string | null;
}

export function quorumOf(snapshot: Snapshot): Quorum {
  const voters: Voter[] = snapshot.processes
    .filter((process) => process.role === 'controller')
    .map((process) => ({
      id: process.id,
      process,
      raft: process.view?.raft ?? null,
      controller: process.view?.controller ?? null,
    }));
  const majority = Math.floor(voters.length / 2) + 1;
  const running = voters.filter((voter) => voter.raft !== null);
  let leader: Voter | null = null;
  for (const voter of running) {
    if (voter.raft!.role === 'leader' && (leader === null || voter.raft!.epoch > leader.raft!.epoch)) leader = voter;
  }
  // A leader counts while a majority of the voters is still in its epoch or an older one: a voter
  // cut off from the rest may campaign in ever newer epochs without changing who leads; a leader
  // cut off from the rest is replaced once the majority has moved on to a new epoch.
  if (leader !== null && running.filter((voter) => voter.raft!.epoch <= leader!.raft!.epoch).length < majority) leader = null;
  const epoch = leader?.raft?.epoch ?? running.reduce((max, voter) => Math.max(max, voter.raft!.epoch), 0);
  const logEndOffset = running.reduce((max, voter) => Math.max(max, voter.raft!.logEndOffset), 0);
  const highWatermark = leader?.raft?.highWatermark ?? running.reduce((max, voter) => Math.max(max, voter.raft!.highWatermark), 0);
  const active = leader?.controller?.active === true ? leader.id : null;
  return { voters, majority, leader, epoch, highWatermark, logEndOffset, active };
}

/**
 * The controller whose view of the brokers counts: the active one, else the running controller
 * that has applied the most metadata. Null when every controller is down.
 */
export function authoritativeController(snapshot: Snapshot): { id: string; view: ControllerView } | null {
  let best: { id: string; view: ControllerView } | null = null;
  for (const process of snapshot.processes) {
    const view = process.view?.controller;
    if (view === undefined) continue;
    if (view.active) return { id: process.id, view };
    if (best === null || view.appliedOffset > best.view.appliedOffset) best = { id: process.id, view };
  }
  return best;
}

export function registrationOf(controller: ControllerView | null, brokerId: string): RegistrationView | null {
  return controller?.registrations.find((registration) => registration.id === brokerId) ?? null;
}

/** The voter's role for styling: the quorum's leader (active or not yet), a stale leader, or its raft role. */
export function roleTone(voter: Voter, quorum: Quorum): string {
  const raft = voter.raft;
  if (raft === null) return 'down';
  if (quorum.leader?.id === voter.id) return quorum.active === voter.id ? 'leader' : 'leader-pending';
  return raft.role === 'leader' ? 'stale' : raft.role;
}

/** What a leader that the majority has left behind is doing, for a title. */
export const STALE_LEADER_HELP =
  'It still believes it leads this old epoch, but a majority of the voters has moved on to a newer one: nothing it appends can be committed, and it will step down.';

/** What a voter's role means, in a few words. */
export function roleLabel(voter: Voter, quorum: Quorum): string {
  const raft = voter.raft;
  if (raft === null) return voter.process.status === 'stopped' ? 'Stopped' : 'Crashed';
  switch (raft.role) {
    case 'leader':
      if (quorum.leader?.id !== voter.id) return `Leader of old epoch ${raft.epoch}`;
      return voter.controller?.active === true ? 'Leader · active controller' : 'Leader · not active yet';
    case 'candidate':
      return `Candidate · ${raft.votes.length}/${quorum.majority} votes`;
    case 'follower':
      return 'Follower';
    case 'voted':
      return `Voted for ${raft.votedFor ?? '?'}`;
    case 'resigned':
      return 'Resigned';
    case 'unattached':
      return 'Unattached';
  }
}

export const ROLE_HELP: Record<RaftView['role'], string> = {
  leader: 'The leader of this epoch: it alone appends records to the metadata log. Once its first record (LeaderChange) is committed it becomes the active controller.',
  follower: 'Follows the leader: fetches new records from it and applies those that are committed.',
  candidate: 'Heard nothing from a leader, so it started an election: it asks the others for their vote in a new epoch. A majority of votes makes it leader.',
  voted: 'Gave its vote in this epoch to a candidate, and waits to hear from the winner.',
  resigned: 'Was leader but could no longer reach a majority, so it stepped down; an election follows.',
  unattached: 'Knows no leader for its epoch yet (just started, or a new epoch began).',
};

// ---- the metadata log as the page has seen it -----------------------------------------------

/** Metadata log records the page keeps (the snapshot carries only the newest few). */
export const METADATA_LOG_KEPT_MAX = 400;

export interface SeenLog {
  readonly view: MetadataLogView;
  /** Every record seen, oldest first, bounded; a record's committed flag follows the newest view. */
  readonly entries: readonly MetadataLogEntry[];
}

export const EMPTY_LOG: SeenLog = {
  view: { source: null, logStartOffset: 0, endOffset: 0, highWatermark: 0, snapshotEndOffset: null, entries: [] },
  entries: [],
};

/**
 * Merges a snapshot's tail of the metadata log into what the page has seen. The tail replaces the
 * offsets it covers (an uncommitted record may have been truncated and replaced by a new leader);
 * records past its end are gone; older records stay, committed once below the high watermark.
 */
export function mergeLog(seen: SeenLog, view: MetadataLogView): SeenLog {
  if (view.source === null) return { view: { ...seen.view, source: null }, entries: seen.entries };
  const first = view.entries[0]?.offset ?? view.endOffset;
  const older = seen.entries
    .filter((entry) => entry.offset < first && entry.offset < view.endOffset)
    .map((entry) => (entry.committed || entry.offset >= view.highWatermark ? entry : { ...entry, committed: true }));
  const merged = older.concat(view.entries);
  const entries = merged.length > METADATA_LOG_KEPT_MAX ? merged.slice(merged.length - METADATA_LOG_KEPT_MAX) : merged;
  if (entries.length === seen.entries.length && view.endOffset === seen.view.endOffset && view.highWatermark === seen.view.highWatermark) {
    // Nothing new: keep the same arrays so that React can skip work.
    const same = entries.every((entry, index) => sameEntry(entry, seen.entries[index]!));
    if (same) return { view, entries: seen.entries };
  }
  return { view, entries };
}

function sameEntry(a: MetadataLogEntry, b: MetadataLogEntry): boolean {
  return a.offset === b.offset && a.epoch === b.epoch && a.committed === b.committed && a.text === b.text;
}

/** Whether the engine has an active controller to crash now (it may still be a cut-off one). */
export function anyActiveController(snapshot: Snapshot): boolean {
  return snapshot.processes.some((process) => process.view?.controller?.active === true);
}
