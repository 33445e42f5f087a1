// The topology's geometry and flows, as pure functions of a snapshot: where each zone, band and
// process card sits on the canvas, and which flows (produce, consume, tiering uploads) join them.
//
// Owns: the structure of a cluster as the layout sees it (zones, and each process's role, zone and
// client kind), the layout computed from that structure alone, and the flow edges derived from a
// snapshot. The layout never reads live figures (rates, states), so a card never moves while the
// set of processes and zones stays the same; the page recomputes it only when `structureKey`
// changes. Must never touch the DOM, React Flow, a clock or randomness: the same structure gives
// the same positions, here and in the tests.

import type { ProcessSnapshot, Snapshot } from '../engine/api';
import { REGIONAL } from '../engine/net/network';
import type { Role } from '../engine/sim/process';

export type ClientKind = 'producer' | 'consumer';

export interface StructureProcess {
  readonly id: string;
  readonly role: Role;
  readonly zone: string;
  /** For clients: what it is (a crashed client shows no view, so the caller remembers it). */
  readonly client: ClientKind | null;
}

/** What the layout depends on, and nothing else. */
export interface TopologyStructure {
  readonly zones: readonly string[];
  readonly processes: readonly StructureProcess[];
}

export type TopologyNodeKind = 'plane' | 'zone' | 'region' | 'producers' | 'consumers' | 'process';

export interface LaidOutNode {
  /** React Flow node id: a process's id, or `zone:<id>`, `band:region`, `band:producers`, `band:consumers`, `plane`. */
  readonly id: string;
  readonly kind: TopologyNodeKind;
  /** The zone id, the process id, or null for bands and the plane label. */
  readonly ref: string | null;
  /** The group node this one sits in (its position is relative to the parent's), or null. */
  readonly parent: string | null;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Position on the canvas (the parent's plus its own). */
  readonly absoluteX: number;
  readonly absoluteY: number;
}

export interface TopologyLayout {
  readonly nodes: readonly LaidOutNode[];
  /** More than COMPACT_BROKERS_MIN brokers: smaller cards, flows bundled per zone. */
  readonly compact: boolean;
  /** Card columns inside each zone. */
  readonly subColumns: number;
  /** Height of the control-plane strip at the top of each zone (0 without controllers in zones). */
  readonly controlRowHeight: number;
  readonly minimap: boolean;
  readonly width: number;
  readonly height: number;
}

/** Above this many brokers, cards get compact and flows are drawn per zone (issue 7: clean from 3 to 30 brokers). */
export const COMPACT_BROKERS_MIN = 13;
/**
 * Level of detail (issue 7, item 9): below FAR_ZOOM_ENTER a compact layout's cards leave out their
 * row of action buttons (Crash, Isolate, Slow disk, Fill disk, Shut down; 11.5 px text, under 6.3
 * px on screen there: at 30 brokers the fitted zoom is 0.34 at 1280x720, 0.43 at 1440x900, 0.57 at
 * 1920x1080, 0.79 at 2560x1440), which were laid out, painted and rastered unreadable; the actions
 * stay in the card's "··· Actions" menu, right-click and Shift+F10. They come back at
 * FAR_ZOOM_LEAVE, higher, so that a zoom hovering near one threshold does not flicker.
 */
export const FAR_ZOOM_ENTER = 0.55;
export const FAR_ZOOM_LEAVE = 0.65;

/** Whether cards are drawn far (without their buttons) at `zoom`, given whether they were. */
export function farAtZoom(wasFar: boolean, zoom: number): boolean {
  return wasFar ? zoom < FAR_ZOOM_LEAVE : zoom < FAR_ZOOM_ENTER;
}

/** Above this many brokers, a minimap helps find one's way. */
export const MINIMAP_BROKERS_MIN = 10;
/** A zone holding more brokers than this gets another column of cards (at most SUB_COLUMNS_MAX). */
export const ROWS_PER_SUB_COLUMN_MAX = 5;
export const SUB_COLUMNS_MAX = 3;

/**
 * Card slots in canvas pixels, by role, for full and compact cards: as tall as the card's longest
 * content, measured in Chromium (a broker with a slow-disk hint; a crashed broker not yet fenced,
 * with its fencing hint, which compact cards leave out; a producer with its errors, which scroll
 * past 76 px). A broker of a cluster with tiered storage shows one line more. test/e2e/layout.spec.ts
 * checks that no card's content is cut off at four window sizes.
 */
export const CARD_WIDTH = { full: 280, compact: 240 } as const;
const CARD_HEIGHT: Record<'full' | 'compact', Record<string, number>> = {
  full: { controller: 200, broker: 280, zookeeper: 170, objectStore: 176, producer: 240, consumer: 244, client: 244 },
  compact: { controller: 158, broker: 228, zookeeper: 150, objectStore: 176, producer: 240, consumer: 244, client: 244 },
};
const TIERING_LINE_HEIGHT = 24;

export const ZONE_HEAD_HEIGHT = 64;
const PAD = 14;
const GAP = 14;
const ZONE_GAP = 28;
const BAND_GAP = 70;
const PLANE_HEIGHT = 46;
const STRIP_LABEL_HEIGHT = 18;
const BAND_HEAD_HEIGHT = 48;
const CLIENTS_PER_SUB_COLUMN_MAX = 6;

export function cardHeight(process: StructureProcess, options: { compact: boolean; tiering: boolean }): number {
  const sizes = CARD_HEIGHT[options.compact ? 'compact' : 'full'];
  const key = process.role === 'client' ? (process.client ?? 'client') : process.role;
  const base = sizes[key] ?? sizes.broker!;
  return process.role === 'broker' && options.tiering ? base + TIERING_LINE_HEIGHT : base;
}

function isClusterMember(process: StructureProcess): boolean {
  return process.role === 'controller' || process.role === 'broker' || process.role === 'zookeeper';
}

/** The control plane: KRaft controllers, or in the ZooKeeper contrast the ZooKeeper server. */
function isControlPlane(process: StructureProcess): boolean {
  return process.role === 'controller' || process.role === 'zookeeper';
}

/** The kind of a client, from its view; null when it shows none (crashed). */
export function clientKindOf(process: ProcessSnapshot): ClientKind | null {
  if (process.role !== 'client') return null;
  if (process.view?.producer !== undefined) return 'producer';
  if (process.view?.consumer !== undefined) return 'consumer';
  return null;
}

/**
 * The structure of a snapshot. `remembered` holds client kinds seen earlier (a crashed client has
 * no view); a client never seen up is a consumer if its id says so, else a producer.
 */
export function structureOf(snapshot: Snapshot, remembered: ReadonlyMap<string, ClientKind> = new Map()): TopologyStructure {
  return {
    zones: snapshot.zones.map((zone) => zone.id),
    processes: snapshot.processes.map((process) => ({
      id: process.id,
      role: process.role,
      zone: process.zone,
      client: structureClientOf(process, remembered),
    })),
  };
}

function structureClientOf(process: ProcessSnapshot, remembered: ReadonlyMap<string, ClientKind>): ClientKind | null {
  if (process.role !== 'client') return null;
  return clientKindOf(process) ?? remembered.get(process.id) ?? (process.id.startsWith('consumer') ? 'consumer' : 'producer');
}

/**
 * Whether `snapshot` has the structure `structure` describes (structureOf would build an equal
 * one), read in place: the topology asks it of every frame, where building the structure and its
 * key string for ~40 processes, to find the layout unchanged, was repeated work (issue 7, item 9).
 */
export function hasStructure(structure: TopologyStructure, snapshot: Snapshot, remembered: ReadonlyMap<string, ClientKind> = new Map()): boolean {
  const { zones, processes } = snapshot;
  if (zones.length !== structure.zones.length || processes.length !== structure.processes.length) return false;
  for (let index = 0; index < zones.length; index++) if (zones[index]!.id !== structure.zones[index]) return false;
  for (let index = 0; index < processes.length; index++) {
    const process = processes[index]!;
    const known = structure.processes[index]!;
    if (process.id !== known.id || process.role !== known.role || process.zone !== known.zone || structureClientOf(process, remembered) !== known.client) return false;
  }
  return true;
}

/** A string that changes exactly when the layout would. */
export function structureKey(structure: TopologyStructure): string {
  return `${structure.zones.join(',')}|${structure.processes.map((p) => `${p.id}:${p.role}:${p.zone}:${p.client ?? ''}`).join(',')}`;
}

interface Slot {
  readonly process: StructureProcess;
  readonly column: number;
  readonly y: number;
  readonly height: number;
}

/** Cards stacked in `columns` columns, row by row (left to right, then down); rows as tall as their tallest card. */
function grid(processes: readonly StructureProcess[], columns: number, sizing: Sizing, top: number): { slots: Slot[]; height: number } {
  const slots: Slot[] = [];
  let y = top;
  for (let start = 0; start < processes.length; start += columns) {
    const row = processes.slice(start, start + columns);
    const rowHeight = Math.max(...row.map((process) => cardHeight(process, sizing)));
    row.forEach((process, column) => slots.push({ process, column, y, height: cardHeight(process, sizing) }));
    y += rowHeight + GAP;
  }
  return { slots, height: processes.length === 0 ? 0 : y - top - GAP };
}

/** Rows of `columns` cards of `process`'s height: how tall a stack is. */
function stackHeight(processes: readonly StructureProcess[], columns: number, sizing: Sizing): number {
  return grid(processes, columns, sizing, 0).height;
}

interface Sizing {
  readonly compact: boolean;
  /** The cluster has an object store: brokers show their tiered storage. */
  readonly tiering: boolean;
}

/**
 * The layout: a control-plane label across the top, one column per zone (controllers in a strip at
 * the top, brokers below in 1 to SUB_COLUMNS_MAX card columns), producers in a band to the left,
 * consumers to the right, regional services (the object store) in a band below the zones.
 * Parents come before their children in `nodes`, as React Flow wants.
 */
export function layoutTopology(structure: TopologyStructure): TopologyLayout {
  const members = structure.processes.filter(isClusterMember);
  const brokers = members.filter((process) => process.role === 'broker').length;
  const compact = brokers >= COMPACT_BROKERS_MIN;
  const sizing: Sizing = { compact, tiering: structure.processes.some((process) => process.role === 'objectStore') };
  const cardWidth = CARD_WIDTH[compact ? 'compact' : 'full'];
  const inZone = (zone: string, pick: (p: StructureProcess) => boolean) => members.filter((p) => p.zone === zone && pick(p));
  const perZoneMax = Math.max(1, ...structure.zones.map((zone) => inZone(zone, (p) => !isControlPlane(p)).length));
  const subColumns = Math.min(SUB_COLUMNS_MAX, Math.ceil(perZoneMax / ROWS_PER_SUB_COLUMN_MAX));
  // Every zone gets the same strip and body heights, so the columns line up.
  const controlRowHeight = Math.max(0, ...structure.zones.map((zone) => stackHeight(inZone(zone, isControlPlane), subColumns, sizing)));
  // The strip: a gap, the controllers, a line for its label; the brokers start a gap below it.
  const controlRow = controlRowHeight === 0 ? 0 : GAP + controlRowHeight + STRIP_LABEL_HEIGHT;
  const brokersTop = ZONE_HEAD_HEIGHT + (controlRow === 0 ? 0 : controlRow + GAP);
  const bodyHeight = Math.max(0, ...structure.zones.map((zone) => stackHeight(inZone(zone, (p) => !isControlPlane(p)), subColumns, sizing)));
  const zoneWidth = subColumns * cardWidth + (subColumns - 1) * GAP + 2 * PAD;
  const zoneHeight = brokersTop + bodyHeight + PAD;

  const producers = structure.processes.filter((p) => p.role === 'client' && p.client !== 'consumer');
  const consumers = structure.processes.filter((p) => p.role === 'client' && p.client === 'consumer');
  const band = (clients: readonly StructureProcess[]) => {
    const columns = Math.min(2, Math.max(1, Math.ceil(clients.length / CLIENTS_PER_SUB_COLUMN_MAX)));
    return { columns, width: columns * cardWidth + (columns - 1) * GAP + 2 * PAD, height: BAND_HEAD_HEIGHT + stackHeight(clients, columns, sizing) + PAD };
  };
  const left = producers.length > 0 ? band(producers) : null;
  const right = consumers.length > 0 ? band(consumers) : null;

  const nodes: LaidOutNode[] = [];
  const add = (node: Omit<LaidOutNode, 'absoluteX' | 'absoluteY'>, parentAt: { x: number; y: number } = { x: 0, y: 0 }) => {
    nodes.push({ ...node, absoluteX: parentAt.x + node.x, absoluteY: parentAt.y + node.y });
  };
  const placeChildren = (parentId: string, origin: { x: number; y: number }, slots: readonly Slot[]) => {
    for (const slot of slots) {
      add(
        { id: slot.process.id, kind: 'process', ref: slot.process.id, parent: parentId, x: PAD + slot.column * (cardWidth + GAP), y: slot.y, width: cardWidth, height: slot.height },
        origin,
      );
    }
  };

  const zonesX = left === null ? 0 : left.width + BAND_GAP;
  const zonesWidth = structure.zones.length * zoneWidth + (structure.zones.length - 1) * ZONE_GAP;
  const zonesY = PLANE_HEIGHT + GAP;
  add({ id: 'plane', kind: 'plane', ref: null, parent: null, x: zonesX, y: 0, width: zonesWidth, height: PLANE_HEIGHT });

  structure.zones.forEach((zone, index) => {
    const id = `zone:${zone}`;
    const origin = { x: zonesX + index * (zoneWidth + ZONE_GAP), y: zonesY };
    add({ id, kind: 'zone', ref: zone, parent: null, x: origin.x, y: origin.y, width: zoneWidth, height: zoneHeight });
    placeChildren(id, origin, grid(inZone(zone, isControlPlane), subColumns, sizing, ZONE_HEAD_HEIGHT + GAP).slots);
    placeChildren(id, origin, grid(inZone(zone, (p) => !isControlPlane(p)), subColumns, sizing, brokersTop).slots);
  });

  if (left !== null) {
    const origin = { x: 0, y: zonesY };
    add({ id: 'band:producers', kind: 'producers', ref: null, parent: null, x: 0, y: zonesY, width: left.width, height: left.height });
    placeChildren('band:producers', origin, grid(producers, left.columns, sizing, BAND_HEAD_HEIGHT).slots);
  }
  if (right !== null) {
    const x = zonesX + zonesWidth + BAND_GAP;
    add({ id: 'band:consumers', kind: 'consumers', ref: null, parent: null, x, y: zonesY, width: right.width, height: right.height });
    placeChildren('band:consumers', { x, y: zonesY }, grid(consumers, right.columns, sizing, BAND_HEAD_HEIGHT).slots);
  }

  const regional = structure.processes.filter((p) => p.zone === REGIONAL && !isClusterMember(p) && p.role !== 'client');
  let bottom = zonesY + zoneHeight;
  if (regional.length > 0) {
    // As many cards side by side as the zones' width holds; centred when they fill less.
    const columns = Math.max(1, Math.min(regional.length, Math.floor((zonesWidth - 2 * PAD + GAP) / (cardWidth + GAP))));
    const { slots, height } = grid(regional, columns, sizing, BAND_HEAD_HEIGHT);
    const y = bottom + BAND_GAP;
    add({ id: 'band:region', kind: 'region', ref: null, parent: null, x: zonesX, y, width: zonesWidth, height: BAND_HEAD_HEIGHT + height + PAD });
    const used = columns * cardWidth + (columns - 1) * GAP;
    const shift = Math.max(0, Math.floor((zonesWidth - 2 * PAD - used) / 2));
    for (const slot of slots) {
      add(
        { id: slot.process.id, kind: 'process', ref: slot.process.id, parent: 'band:region', x: PAD + shift + slot.column * (cardWidth + GAP), y: slot.y, width: cardWidth, height: slot.height },
        { x: zonesX, y },
      );
    }
    bottom = y + BAND_HEAD_HEIGHT + height + PAD;
  }

  const width = Math.max(...nodes.map((node) => node.absoluteX + node.width));
  const height = Math.max(bottom, ...nodes.map((node) => node.absoluteY + node.height));
  return { nodes, compact, subColumns, controlRowHeight: controlRow, minimap: brokers >= MINIMAP_BROKERS_MIN, width, height };
}

// ---- flows -------------------------------------------------------------------------------------

/** tier: a broker uploads segments to the object store; remote-read: the object store serves a broker a segment (KIP-405 reads). */
export type FlowKind = 'produce' | 'consume' | 'tier' | 'remote-read';

export interface Flow {
  readonly id: string;
  readonly kind: FlowKind;
  /** Node ids (a process, or `zone:<id>` when flows are bundled per zone). */
  readonly source: string;
  readonly target: string;
  /** Records per second along it, where the snapshot says (a client's rate, shared by partitions); null for uploads. */
  readonly recordsPerSecond: number | null;
  /** Partitions it carries (produce and consume), or brokers uploading (tier, bundled). */
  readonly count: number;
  /** Records (or segments) are moving now. */
  readonly active: boolean;
}

/** Flows a snapshot shows at most (each producer and consumer to at most every broker, bundled per zone when compact). */
export const FLOWS_MAX = 400;

/**
 * The flows to draw: a producer to the brokers it knows lead its topic's partitions; a broker to
 * each consumer that fetches from it (the partitions the consumer owns, by the leader it knows);
 * a broker to the object store once it has uploaded or is uploading segments (KIP-405), and back
 * from it once the broker has read a remote segment (lit while a read is in flight). When the
 * layout is compact, flows to or from brokers are bundled per zone. Sorted by id, so the same
 * snapshot gives the same list.
 */
export function flowsOf(snapshot: Snapshot, layout: Pick<TopologyLayout, 'compact'>): Flow[] {
  const brokerZone = new Map<string, string>();
  for (const process of snapshot.processes) if (process.role === 'broker') brokerZone.set(process.id, process.zone);
  const end = (broker: string) => (layout.compact ? `zone:${brokerZone.get(broker)!}` : broker);
  const flows = new Map<string, { kind: FlowKind; source: string; target: string; rate: number | null; count: number; active: boolean }>();
  const addFlow = (kind: FlowKind, source: string, target: string, rate: number | null, count: number, active: boolean) => {
    const id = `${kind}:${source}->${target}`;
    const known = flows.get(id);
    if (known === undefined) flows.set(id, { kind, source, target, rate, count, active });
    else {
      known.rate = known.rate === null || rate === null ? null : known.rate + rate;
      known.count += count;
      known.active ||= active;
    }
  };
  const store = snapshot.processes.find((process) => process.role === 'objectStore');
  for (const process of snapshot.processes) {
    const up = process.status === 'up';
    const producer = process.view?.producer;
    if (producer !== undefined) {
      const partitions = producer.leaders.reduce((sum, leader) => sum + leader.partitions, 0);
      for (const leader of producer.leaders) {
        if (!brokerZone.has(leader.broker)) continue;
        const rate = partitions === 0 ? 0 : (producer.recordsPerSecond * leader.partitions) / partitions;
        addFlow('produce', process.id, end(leader.broker), rate, leader.partitions, up && rate > 0);
      }
    }
    const consumer = process.view?.consumer;
    if (consumer !== undefined) {
      const led = consumer.partitions.filter((partition) => partition.leader !== null && brokerZone.has(partition.leader));
      for (const partition of led) {
        const rate = consumer.recordsPerSecond / led.length;
        addFlow('consume', end(partition.leader!), process.id, rate, 1, up && rate > 0);
      }
    }
    const remote = process.view?.remoteLog;
    if (remote !== undefined && store !== undefined && process.role === 'broker' && (remote.segmentsCopied > 0 || remote.inFlight > 0)) {
      addFlow('tier', end(process.id), store.id, null, 1, up && remote.inFlight > remote.readsInFlight);
    }
    if (remote !== undefined && store !== undefined && process.role === 'broker' && (remote.remoteReads > 0 || remote.readsInFlight > 0)) {
      addFlow('remote-read', store.id, end(process.id), null, 1, up && remote.readsInFlight > 0);
    }
  }
  return [...flows.keys()]
    .sort()
    .slice(0, FLOWS_MAX)
    .map((id) => {
      const flow = flows.get(id)!;
      return { id, kind: flow.kind, source: flow.source, target: flow.target, recordsPerSecond: flow.rate, count: flow.count, active: flow.active };
    });
}

/**
 * Whether flowsOf gives the same flows for `b` as for `a` (in either layout): every input it reads is
 * the same, compared field by field (the processes' ids, roles, zones and status; a producer's rate
 * and its leaders' brokers and partition counts; a consumer's rate and each owned partition's
 * leader; a broker's tiering as flowsOf reads it: uploaded or uploading, uploading more than it
 * reads, read or reading, reading now). Counters that flowsOf does not read change in every frame
 * and are skipped, so the topology rebuilds its flows, edges and looks only when one of these
 * changed (issue 7, item 9: at 30 brokers they were rebuilt in every frame, ~20 KB of the page's
 * allocations a message, to find them the same). test/ui/topology-layout.test.ts holds it to
 * flowsOf frame by frame over lessons with crashes, failovers, tiering and a consumer group.
 */
export function sameFlowInputs(a: Snapshot, b: Snapshot): boolean {
  if (a.processes === b.processes) return true;
  if (a.processes.length !== b.processes.length) return false;
  for (let index = 0; index < a.processes.length; index++) {
    const p = a.processes[index]!;
    const q = b.processes[index]!;
    if (p === q) continue;
    if (p.id !== q.id || p.role !== q.role || p.zone !== q.zone || p.status !== q.status) return false;
    const producer = p.view?.producer;
    const otherProducer = q.view?.producer;
    if (producer !== otherProducer) {
      if (producer === undefined || otherProducer === undefined || producer.recordsPerSecond !== otherProducer.recordsPerSecond) return false;
      if (producer.leaders !== otherProducer.leaders) {
        if (producer.leaders.length !== otherProducer.leaders.length) return false;
        for (let i = 0; i < producer.leaders.length; i++) {
          if (producer.leaders[i]!.broker !== otherProducer.leaders[i]!.broker || producer.leaders[i]!.partitions !== otherProducer.leaders[i]!.partitions) return false;
        }
      }
    }
    const consumer = p.view?.consumer;
    const otherConsumer = q.view?.consumer;
    if (consumer !== otherConsumer) {
      if (consumer === undefined || otherConsumer === undefined || consumer.recordsPerSecond !== otherConsumer.recordsPerSecond) return false;
      if (consumer.partitions.length !== otherConsumer.partitions.length) return false;
      for (let i = 0; i < consumer.partitions.length; i++) if (consumer.partitions[i]!.leader !== otherConsumer.partitions[i]!.leader) return false;
    }
    const remote = p.view?.remoteLog;
    const otherRemote = q.view?.remoteLog;
    if (remote !== otherRemote) {
      if (remote === undefined || otherRemote === undefined) return false;
      if (
        (remote.segmentsCopied > 0 || remote.inFlight > 0) !== (otherRemote.segmentsCopied > 0 || otherRemote.inFlight > 0) ||
        remote.inFlight > remote.readsInFlight !== otherRemote.inFlight > otherRemote.readsInFlight ||
        (remote.remoteReads > 0 || remote.readsInFlight > 0) !== (otherRemote.remoteReads > 0 || otherRemote.readsInFlight > 0) ||
        remote.readsInFlight > 0 !== otherRemote.readsInFlight > 0
      ) {
        return false;
      }
    }
  }
  return true;
}

/** Stroke width for a rate: about 1.5 px idle, 4.5 px at 1,000 records/s, at most 8. */
export function flowWidth(recordsPerSecond: number | null): number {
  if (recordsPerSecond === null) return 2;
  return Math.min(8, 1.5 + Math.log10(1 + recordsPerSecond));
}
