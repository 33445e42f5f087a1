// What each node of the topology draws from in a frame, as an entry of its own (node-feed.ts): a
// process card's shown view (card-refresh.ts) with what it reads from the quorum, a zone column's
// isolation and head count, the control plane label's leader and counts. An entry is kept (the
// same object) while its node draws the same (`sameEntry`), so only changed nodes re-render.
//
// Owns: building and comparing entries, pure. Never: reads the DOM, renders, or alters a view.

import type { Snapshot } from '../engine/api';
import type { ShownCards } from './card-refresh';
import { sameCardView, type CardView } from './components/ProcessCard';
import type { Quorum } from './kraft';
import type { TopologyLayout } from './topology-layout';

/** A process node's entry: what its card draws from (kept while sameCardView), and whether it leads the quorum. */
export interface CardEntry extends CardView {
  readonly kind: 'process';
  readonly leader: boolean;
}

/** A zone column's entry. */
export interface ZoneEntry {
  readonly kind: 'zone';
  readonly isolated: boolean;
  readonly members: number;
  readonly selected: boolean;
  readonly kraft: boolean;
}

/** The control plane label's entry. */
export interface PlaneEntry {
  readonly kind: 'plane';
  readonly kraft: boolean;
  readonly leader: string | null;
  readonly epoch: number | null;
  readonly voters: number;
  readonly brokers: number;
  readonly zones: number;
}

export type NodeEntry = CardEntry | ZoneEntry | PlaneEntry;

/** Whether a node draws the same from `after` as from `before` (the feed then keeps `before`). */
export function sameEntry(before: NodeEntry, after: NodeEntry): boolean {
  if (before.kind === 'process' && after.kind === 'process') return before.leader === after.leader && sameCardView(before, after);
  if (before.kind === 'zone' && after.kind === 'zone') {
    return before.isolated === after.isolated && before.members === after.members && before.selected === after.selected && before.kraft === after.kraft;
  }
  if (before.kind === 'plane' && after.kind === 'plane') {
    return (
      before.kraft === after.kraft &&
      before.leader === after.leader &&
      before.epoch === after.epoch &&
      before.voters === after.voters &&
      before.brokers === after.brokers &&
      before.zones === after.zones
    );
  }
  return false;
}

/** Every node's entry for this frame, each kept (the same object) while its node draws the same. */
export function entriesOf(args: {
  readonly layout: TopologyLayout;
  readonly shown: ShownCards['shown'];
  readonly snapshot: Snapshot;
  readonly quorum: Quorum;
  readonly authority: CardView['authority'];
  readonly selectedNode: string | null;
}): Map<string, NodeEntry> {
  const { layout, shown, snapshot, quorum, authority, selectedNode } = args;
  const kraft = quorum.voters.length > 0;
  const entries = new Map<string, NodeEntry>();
  for (const laidOut of layout.nodes) {
    if (laidOut.kind === 'process') {
      const process = shown.get(laidOut.ref!)?.process;
      if (process === undefined) continue;
      entries.set(laidOut.id, { kind: 'process', process, quorum, authority, selected: selectedNode === laidOut.id, compact: layout.compact, leader: quorum.leader?.id === laidOut.ref });
    } else if (laidOut.kind === 'zone') {
      const zoneId = laidOut.ref!;
      const members = snapshot.processes.filter((process) => process.zone === zoneId && process.role !== 'client').length;
      const isolated = snapshot.zones.find((candidate) => candidate.id === zoneId)?.isolated === true;
      entries.set(laidOut.id, { kind: 'zone', isolated, members, selected: selectedNode === laidOut.id, kraft });
    } else if (laidOut.kind === 'plane') {
      entries.set(laidOut.id, {
        kind: 'plane',
        kraft,
        leader: quorum.leader?.id ?? null,
        epoch: quorum.leader?.raft?.epoch ?? null,
        voters: quorum.voters.length,
        brokers: snapshot.processes.filter((process) => process.role === 'broker').length,
        zones: snapshot.zones.length,
      });
    }
  }
  return entries;
}
