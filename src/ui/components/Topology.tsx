// The topology: the cluster as an interactive graph (React Flow): the KRaft quorum labelled as the
// control plane, one column per availability zone with its controllers and brokers as cards, the
// object store in a regional band below, producers and consumers at the sides with their flows.
//
// Owns: turning a layout (topology-layout.ts) into React Flow nodes once per structure, the flows
// into edges when the nodes they join or their activity change (their rates, labels and names
// reach each edge alone through a feed of looks: flow-edges.ts), and clicks, right-clicks and keys
// into a Selection or a MenuRequest (selection.ts). Live figures reach each node through its own
// entry in a NodeFeed (node-feed.ts), so node objects stay the same from frame to frame (React Flow
// does no work when only figures change) and only the nodes whose entry changed re-render; React
// Flow itself sits in a memoised Graph, drawn again only for a new structure, an edge that starts
// or stops flowing, or a handler. The group nodes' boxes are drawn in a backdrop beneath the flows
// (GroupBackdrop), so that perf.css can composite the edges and the nodes each as a layer; zoomed
// far out, cards leave out their buttons (ZoomDetail). Must never compute positions itself (the
// layout is pure and tested) nor hold engine state: it renders snapshots.

import {
  Background,
  BackgroundVariant,
  Controls,
  getBezierPath,
  Handle,
  MiniMap,
  Position,
  ReactFlow,
  useStore,
  type EdgeProps,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { createContext, memo, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type CSSProperties, type KeyboardEvent, type MouseEvent } from 'react';
import type { Snapshot } from '../../engine/api';
import type { ControllerView } from '../../engine/controller/controller';
import type { Quorum } from '../kraft';
import type { MenuRequest, Selection } from '../selection';
import {
  clientKindOf,
  farAtZoom,
  flowsOf,
  hasStructure,
  layoutTopology,
  sameFlowInputs,
  structureKey,
  structureOf,
  type ClientKind,
  type LaidOutNode,
  type TopologyLayout,
  type TopologyStructure,
} from '../topology-layout';
import { nextShownCards, type ShownCards } from '../card-refresh';
import { keepUnchanged, type Kept } from '../keep-unchanged';
import { NodeFeed, keepEntries } from '../node-feed';
import { ProcessCard } from './ProcessCard';
import { edgeOf, flowLooksOf, flowSignature, sameFlowLook, steadyFlowLooks, type FlowEdgeType, type FlowLook } from '../flow-edges';
import { entriesOf, sameEntry, type NodeEntry } from '../topology-entries';
import './topology.css';

interface Props {
  readonly snapshot: Snapshot;
  readonly quorum: Quorum;
  readonly authority: { readonly id: string; readonly view: ControllerView } | null;
  readonly ready: boolean;
  /** The run plays: cards whose figures alone changed refresh them on phases of their own, at most every CARD_REFRESH_MS (card-refresh.ts); otherwise every card is exact. */
  readonly playing: boolean;
  readonly onFault: (fault: unknown) => void;
  readonly selection: Selection | null;
  /** A node was clicked (or Enter pressed on it); null: the empty canvas was clicked, or Escape. */
  readonly onSelect: (selection: Selection | null) => void;
  /** A right-click, Shift+F10 or the ContextMenu key on a node; x and y are viewport (client) coordinates. */
  readonly onMenu: (request: MenuRequest) => void;
}

/**
 * What every node reads, changing rarely (not per frame): the feed of per-node entries and the
 * handlers. A change of `ready` re-renders every node, as it enables or disables their buttons.
 */
interface Live {
  readonly feed: NodeFeed<NodeEntry>;
  /** Each flow's look (label, width, aria-label) by edge id: a new rate re-renders that edge alone (flow-edges.ts). */
  readonly flows: NodeFeed<FlowLook>;
  readonly ready: boolean;
  readonly onFault: (fault: unknown) => void;
  /** Opens a process's actions menu from its card's ⋯ button (right-click reaches the graph's own handler). */
  readonly onMenu: (request: MenuRequest) => void;
  /** Selects from the card's name button (the keyboard's way in, beside a click on the node). */
  readonly onSelect: (selection: Selection) => void;
}

const LiveContext = createContext<Live | null>(null);

function useLive(): Live {
  const live = useContext(LiveContext);
  if (live === null) throw new Error('Topology nodes render only inside <Topology>');
  return live;
}

/** What `read` takes from this node's (or edge's) entry of a feed: it re-renders when that is another value (Object.is), and only then. */
function useFeedRead<V, R>(feed: NodeFeed<V>, id: string, read: (entry: V | undefined) => R): R {
  const subscribe = useCallback((listener: () => void) => feed.subscribe(id, listener), [feed, id]);
  return useSyncExternalStore(subscribe, () => read(feed.get(id)));
}

function entryItself<V>(entry: V | undefined): V | undefined {
  return entry;
}

/** This node's (or edge's) entry of a feed: it re-renders when the entry is another object, and only then. */
function useFeedEntry<V>(feed: NodeFeed<V>, id: string): V | undefined {
  return useFeedRead(feed, id, entryItself);
}

/** This node's entry of the feed, if it is of `kind`. */
function useEntry<K extends NodeEntry['kind']>(feed: NodeFeed<NodeEntry>, id: string, kind: K): Extract<NodeEntry, { kind: K }> | undefined {
  const entry = useFeedEntry(feed, id);
  return entry?.kind === kind ? (entry as Extract<NodeEntry, { kind: K }>) : undefined;
}

interface NodeData extends Record<string, unknown> {
  readonly laidOut: LaidOutNode;
  readonly layout: TopologyLayout;
}

type TopologyNode = Node<NodeData>;

/** The value `make` built for `key`, rebuilt only when the key changes (the layout, the edges). */
function useKeyed<T>(key: string, make: () => T): T {
  const ref = useRef<{ key: string; value: T } | null>(null);
  if (ref.current === null || ref.current.key !== key) ref.current = { key, value: make() };
  return ref.current.value;
}

/** The Selection a node stands for: a process or a zone (bands and the plane label select nothing). */
function selectionOfNode(laidOut: LaidOutNode | undefined): Selection | null {
  if (laidOut === undefined || laidOut.ref === null) return null;
  if (laidOut.kind === 'process') return { kind: 'process', id: laidOut.ref };
  if (laidOut.kind === 'zone') return { kind: 'zone', id: laidOut.ref };
  return null;
}

function nodeIdOfSelection(selection: Selection | null): string | null {
  if (selection === null) return null;
  if (selection.kind === 'process') return selection.id;
  if (selection.kind === 'zone') return `zone:${selection.id}`;
  return null;
}

/** Fitting the graph to the canvas, on load and from the Fit View control alike. */
const FIT_VIEW = { padding: 0.04 } as const;

// Hidden, not transparent: React Flow still measures a handle's box for its edges' ends, but a
// handle at opacity 0 was still painted (an effect node and display items of its own: 6 handles on
// each of the 44 nodes at 30 brokers were ~230 of the page's ~2,560 display items, which Chromium
// rebuilds in every painted frame).
const HIDDEN_HANDLE = { visibility: 'hidden', pointerEvents: 'none' } as const;

// ---- nodes -------------------------------------------------------------------------------------

/** How a process node's own element looks: its card missing, or which of the leader's and selection's classes it has. */
function nodeLookOf(entry: NodeEntry | undefined): string {
  if (entry?.kind !== 'process') return 'missing';
  return `topo-process${entry.leader ? ' topo-leader' : ''}${entry.selected === true ? ' topo-selected' : ''}`;
}

/**
 * A process node: its element, handles and leader's badge, which change only with the quorum's
 * leader and the selection (it reads its entry's look, a string, so a card's new figures do not
 * render it), and the card inside, which reads the entry itself (ProcessCardOfNode).
 */
const ProcessNode = memo(function ProcessNode({ data }: NodeProps<TopologyNode>) {
  const live = useLive();
  const id = data.laidOut.ref!;
  const nodeId = data.laidOut.id;
  const look = useFeedRead(live.feed, nodeId, nodeLookOf);
  if (look === 'missing') return <div className="topo-missing">{id} is gone</div>;
  return (
    <div className={look}>
      <Handle type="target" position={Position.Left} id="in-left" isConnectable={false} style={HIDDEN_HANDLE} />
      <Handle type="target" position={Position.Top} id="in-top" isConnectable={false} style={HIDDEN_HANDLE} />
      <Handle type="source" position={Position.Right} id="out-right" isConnectable={false} style={HIDDEN_HANDLE} />
      <Handle type="source" position={Position.Bottom} id="out-bottom" isConnectable={false} style={HIDDEN_HANDLE} />
      <Handle type="source" position={Position.Top} id="out-top" isConnectable={false} style={HIDDEN_HANDLE} />
      <Handle type="target" position={Position.Bottom} id="in-bottom" isConnectable={false} style={HIDDEN_HANDLE} />
      {look.includes('topo-leader') && (
        <span className="topo-badge" title="The KRaft quorum's leader: the active controller">
          ★ active controller
        </span>
      )}
      <ProcessCardOfNode nodeId={nodeId} />
    </div>
  );
});

/**
 * A node's card: renders when its entry is another object (the feed keeps an entry while its card
 * draws the same, sameEntry) or a handler or `ready` changed, and only then; the memo boundary of
 * a card's turn (card-refresh.ts), so a turn renders this and the card's changed parts, not the
 * node around it.
 */
const ProcessCardOfNode = memo(function ProcessCardOfNode({ nodeId }: { readonly nodeId: string }) {
  const live = useLive();
  const card = useEntry(live.feed, nodeId, 'process');
  if (card === undefined) return null;
  return (
    <ProcessCard
      process={card.process}
      quorum={card.quorum}
      authority={card.authority}
      ready={live.ready}
      onFault={live.onFault}
      onMenu={live.onMenu}
      onSelect={live.onSelect}
      selected={card.selected === true}
      compact={card.compact === true}
    />
  );
});

const ZoneNode = memo(function ZoneNode({ data }: NodeProps<TopologyNode>) {
  const live = useLive();
  const zoneId = data.laidOut.ref!;
  const entry = useEntry(live.feed, data.laidOut.id, 'zone');
  const members = entry?.members ?? 0;
  const isolated = entry?.isolated === true;
  const selected = entry?.selected === true;
  return (
    <div className={['topo-zone', isolated ? 'zone-isolated' : '', selected ? 'topo-selected' : ''].filter(Boolean).join(' ')} data-testid={`zone-${zoneId}`}>
      <Handle type="target" position={Position.Left} id="in-left" isConnectable={false} style={HIDDEN_HANDLE} />
      <Handle type="source" position={Position.Right} id="out-right" isConnectable={false} style={HIDDEN_HANDLE} />
      <Handle type="source" position={Position.Bottom} id="out-bottom" isConnectable={false} style={HIDDEN_HANDLE} />
      <Handle type="target" position={Position.Bottom} id="in-bottom" isConnectable={false} style={HIDDEN_HANDLE} />
      <header className="zone-head">
        <div>
          <h2>{zoneId}</h2>
          <span className="zone-sub">{isolated ? 'cut off from the rest of the network' : `availability zone · ${members} processes`}</span>
        </div>
        <button
          type="button"
          className="btn btn-small btn-icon"
          aria-haspopup="menu"
          aria-label={`Actions for ${zoneId}`}
          data-testid={`actions-${zoneId}`}
          onClick={(event) => {
            const rect = event.currentTarget.getBoundingClientRect();
            live.onMenu({ target: { kind: 'zone', id: zoneId }, x: rect.left, y: rect.bottom + 4 });
          }}
        >
          ⋯
        </button>
        {isolated ? (
          <button type="button" className="btn btn-small" disabled={!live.ready} onClick={() => live.onFault({ kind: 'heal', target: zoneId })}>
            Reconnect zone
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-small btn-warn"
            disabled={!live.ready}
            onClick={() => live.onFault({ kind: 'isolate-zone', zone: zoneId })}
            aria-label={`Cut off ${zoneId} from the rest of the network`}
          >
            Cut off
          </button>
        )}
      </header>
    </div>
  );
});

const BAND_TEXT: Record<'region' | 'producers' | 'consumers', { title: string; sub: string }> = {
  region: { title: 'Region', sub: 'regional services, in no zone: every broker reaches them' },
  producers: { title: 'Producers', sub: 'clients; they send to partition leaders' },
  consumers: { title: 'Consumers', sub: 'clients; they fetch from partition leaders' },
};

const BandNode = memo(function BandNode({ data }: NodeProps<TopologyNode>) {
  const kind = data.laidOut.kind as 'region' | 'producers' | 'consumers';
  const text = BAND_TEXT[kind];
  return (
    <section className={`topo-band topo-band-${kind}`} aria-label={text.title} data-testid={kind === 'region' ? 'region' : `band-${kind}`}>
      <header className="zone-head">
        <div>
          <h2>{text.title}</h2>
          <span className="zone-sub">{text.sub}</span>
        </div>
      </header>
    </section>
  );
});

/** The label across the zones: the KRaft quorum is the cluster's control plane (there is no Kora control plane in the engine). */
const PlaneNode = memo(function PlaneNode({ data }: NodeProps<TopologyNode>) {
  const live = useLive();
  const entry = useEntry(live.feed, data.laidOut.id, 'plane');
  if (entry === undefined) return null;
  const { leader, epoch, kraft, voters, brokers, zones } = entry;
  return (
    <div className="topo-plane" data-testid="control-plane">
      <strong>Control plane</strong>
      {kraft ? (
        <span data-testid="control-plane-leader">
          KRaft controller quorum · {leader !== null ? `leader ${leader}${epoch !== null ? `, epoch ${epoch}` : ''}` : 'electing a leader…'} · {voters} voters
        </span>
      ) : (
        <span>ZooKeeper and the controller broker (the legacy mode)</span>
      )}
      <span className="muted topo-plane-cluster">
        physical cluster: {brokers} brokers in {zones} zones
      </span>
    </div>
  );
});

/**
 * Follows React Flow's zoom and tells when the cards' level of detail changes (farAtZoom, with its
 * hysteresis); it re-renders only when the level does, not at each step of a zoom.
 */
function ZoomDetail({ far, onChange }: { readonly far: boolean; readonly onChange: (far: boolean) => void }) {
  const next = useStore((state) => farAtZoom(far, state.transform[2]));
  useEffect(() => {
    if (next !== far) onChange(next);
  }, [next, far, onChange]);
  return null;
}

// ---- the groups' backdrop -----------------------------------------------------------------------

/**
 * The boxes of the group nodes (zones' columns with their control strips, the bands, the plane's
 * label), drawn beneath React Flow's edges and nodes in a layer of its own that follows the
 * viewport's transform, as React Flow's Background does. The group nodes themselves draw only their
 * text and buttons (transparent boxes): so the nodes' container holds nothing that must lie under
 * the flows, and perf.css can composite the edges' and the nodes' containers each as a layer, the
 * flows still above the columns and below the cards. Why: without a GPU every tile is rastered in
 * software, and a card's changed figure rastered its whole tile with the long dashed bezier paths
 * crossing it (docs/architecture.md, "Rendering budget: the raster threads").
 */
const GroupBackdrop = memo(function GroupBackdrop({ layout }: { readonly layout: TopologyLayout }) {
  const x = useStore((state) => state.transform[0]);
  const y = useStore((state) => state.transform[1]);
  const zoom = useStore((state) => state.transform[2]);
  return (
    <div className="topo-backdrop" aria-hidden="true" data-testid="topology-backdrop">
      <div className="topo-backdrop-viewport" style={{ transform: `translate(${x}px, ${y}px) scale(${zoom})` }}>
        {layout.nodes.map((laidOut) =>
          laidOut.kind === 'process' ? null : <GroupBox key={laidOut.id} laidOut={laidOut} strip={layout.controlRowHeight} />,
        )}
      </div>
    </div>
  );
});

const GroupBox = memo(function GroupBox({ laidOut, strip }: { readonly laidOut: LaidOutNode; readonly strip: number }) {
  const place = { left: laidOut.absoluteX, top: laidOut.absoluteY, width: laidOut.width, height: laidOut.height };
  if (laidOut.kind === 'zone') return <ZoneBox laidOut={laidOut} strip={strip} place={place} />;
  return <div className={`topo-backdrop-box topo-backdrop-${laidOut.kind}`} style={place} />;
});

/** A zone's column: its fill and border say whether it is cut off or selected; the control strip runs across it. */
function ZoneBox({ laidOut, strip, place }: { readonly laidOut: LaidOutNode; readonly strip: number; readonly place: CSSProperties }) {
  const live = useLive();
  const entry = useEntry(live.feed, laidOut.id, 'zone');
  const classes = ['topo-backdrop-box', 'topo-backdrop-zone', entry?.isolated === true ? 'zone-isolated' : '', entry?.selected === true ? 'topo-selected' : ''];
  return (
    <div className={classes.filter(Boolean).join(' ')} style={place} data-zone={laidOut.ref}>
      {strip > 0 && (
        <div className="topo-control-strip" style={{ height: strip }}>
          <span>{entry?.kraft !== false ? 'control plane · KRaft controllers' : 'control plane · ZooKeeper'}</span>
        </div>
      )}
    </div>
  );
}

const NODE_TYPES = { process: ProcessNode, zone: ZoneNode, region: BandNode, producers: BandNode, consumers: BandNode, plane: PlaneNode };

const ARIA_LABEL: Record<string, string> = { zone: 'availability zone', region: 'regional services', producers: 'producers', consumers: 'consumers', plane: 'control plane' };

function nodesOf(layout: TopologyLayout, roles: ReadonlyMap<string, string>): TopologyNode[] {
  return layout.nodes.map((laidOut) => {
    const interactive = laidOut.kind === 'process' || laidOut.kind === 'zone';
    return {
      id: laidOut.id,
      type: laidOut.kind,
      position: { x: laidOut.x, y: laidOut.y },
      width: laidOut.width,
      height: laidOut.height,
      ...(laidOut.parent !== null ? { parentId: laidOut.parent, extent: 'parent' as const } : {}),
      data: { laidOut, layout },
      draggable: false,
      selectable: false,
      connectable: false,
      focusable: interactive,
      ariaLabel: laidOut.kind === 'process' ? `${roles.get(laidOut.ref!) ?? 'process'} ${laidOut.ref}` : `${laidOut.ref ?? ''} ${ARIA_LABEL[laidOut.kind] ?? ''}`.trim(),
      className: `topo-node topo-node-${laidOut.kind}`,
      // Group nodes stay under the cards they hold; the plane label under everything.
      zIndex: laidOut.kind === 'process' ? 1 : 0,
    };
  });
}

// ---- edges -------------------------------------------------------------------------------------

/**
 * A flow: React Flow's bezier path with its label as SVG text centred on the path, outlined in
 * the canvas colour (paint-order) instead of a measured box. React Flow's own label measures its
 * text with getBBox whenever the text changes, which forces a layout of the whole page: at 30
 * brokers the bundled flows' rates changed most frames, and that was a fifth of the page's script
 * time (bench/page.ts profile). The label, the stroke's width and the aria-label come from the
 * flow's look in the feed (flow-edges.ts), so a new rate re-renders this edge alone. The paths are
 * BaseEdge's (the drawn path and its transparent interaction path), drawn here for the ref.
 */
const FlowEdge = memo(function FlowEdge({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, style }: EdgeProps<FlowEdgeType>) {
  const live = useLive();
  const look = useFeedEntry(live.flows, id);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  const pathRef = useRef<SVGPathElement>(null);
  const aria = look?.aria;
  // The accessible name is the wrapper's (React Flow's <g>, which it leaves alone: edgeOf's ariaLabel).
  useLayoutEffect(() => {
    const wrapper = pathRef.current?.parentElement;
    if (wrapper === null || wrapper === undefined) return;
    if (aria === undefined) wrapper.removeAttribute('aria-label');
    else wrapper.setAttribute('aria-label', aria);
  }, [aria]);
  const drawn = look === undefined ? style : { ...style, strokeWidth: look.width };
  return (
    <>
      <path ref={pathRef} id={id} d={path} fill="none" className="react-flow__edge-path" style={drawn} />
      <path d={path} fill="none" strokeOpacity={0} strokeWidth={20} className="react-flow__edge-interaction" />
      {look?.text !== undefined && (
        <text className="topo-flow-label" x={labelX} y={labelY} textAnchor="middle" dominantBaseline="central">
          {look.text}
        </text>
      )}
    </>
  );
});

const EDGE_TYPES = { flow: FlowEdge };

// ---- the graph ---------------------------------------------------------------------------------

/**
 * Memoised: App renders twice per frame (the urgent update, then the deferred one for the panels
 * below), and the second brings the same props, so the graph is computed and drawn once a frame.
 */
export const Topology = memo(function Topology({ snapshot, quorum, authority, ready, playing, onFault, selection, onSelect, onMenu }: Props) {
  // A client's kind is remembered, so a crashed client (no view) keeps its place.
  const kinds = useRef(new Map<string, ClientKind>());
  for (const process of snapshot.processes) {
    const kind = clientKindOf(process);
    if (kind !== null) kinds.current.set(process.id, kind);
  }
  // The structure (and its key) is built only when this frame's differs from the one kept.
  const kept = useRef<{ structure: TopologyStructure; key: string } | null>(null);
  if (kept.current === null || !hasStructure(kept.current.structure, snapshot, kinds.current)) {
    const built = structureOf(snapshot, kinds.current);
    kept.current = { structure: built, key: structureKey(built) };
  }
  const { structure, key } = kept.current;
  const layout = useKeyed(key, () => layoutTopology(structure));
  const nodes = useKeyed(key, () => nodesOf(layout, new Map(snapshot.processes.map((process) => [process.id, process.role]))));
  const laidOutById = useMemo(() => new Map(layout.nodes.map((node) => [node.id, node])), [layout]);
  // An edge object is kept while the nodes it joins and whether it flows are the same, so React
  // Flow (the memoised Graph) re-renders only for those; a new rate reaches its edge alone, as its
  // look in the flows' feed (flow-edges.ts), told with the nodes' entries below. The flows are
  // built again only when what flowsOf reads changed since they were last built (sameFlowInputs:
  // the counters that change in every frame are not among it), else the edges and looks stay as
  // staged.
  const keptEdges = useRef<Kept<FlowEdgeType> | null>(null);
  const flowsFrom = useRef<{ key: string; snapshot: Snapshot; playing: boolean } | null>(null);
  const flowFeed = useKeyed(key, () => new NodeFeed<FlowLook>());
  if (flowsFrom.current === null || flowsFrom.current.key !== key || flowsFrom.current.playing !== playing || !sameFlowInputs(flowsFrom.current.snapshot, snapshot)) {
    const flows = flowsOf(snapshot, layout);
    const compact = layout.compact;
    keptEdges.current = keepUnchanged(keptEdges.current, key, flows, {
      idOf: (flow) => flow.id,
      signatureOf: flowSignature,
      build: (flow) => edgeOf(flow, compact),
    });
    // Playing, a stroke keeps its width through small changes (steadyFlowLooks); paused, every width is exact.
    const shownLooks = flowFeed.entries();
    const looks = flowLooksOf(flows, compact);
    flowFeed.stage(keepEntries(shownLooks, playing ? steadyFlowLooks(shownLooks, looks) : looks, sameFlowLook));
    flowsFrom.current = { key, snapshot, playing };
  }
  const edges = keptEdges.current!.items;

  // Once per snapshot, and when the run pauses or plays (paused, every card is exact at once, even
  // before the next frame); a re-render for a selection or a menu keeps the cards as they are.
  const shownCards = useRef<{ processes: Snapshot['processes'] | null; playing: boolean; cards: ShownCards | null }>({ processes: null, playing, cards: null });
  if (shownCards.current.processes !== snapshot.processes || shownCards.current.playing !== playing) {
    const at = { nowMs: performance.now(), timeUs: snapshot.timeUs, exact: !playing };
    shownCards.current = { processes: snapshot.processes, playing, cards: nextShownCards(shownCards.current.cards, snapshot.processes, at) };
  }
  const shown = shownCards.current.cards!.shown;
  const selectedNode = nodeIdOfSelection(selection);

  // Each node's entry, staged now (a node rendering in this pass reads it) and told to the nodes
  // whose entry changed once committed: they re-render, the others do not.
  const feed = useKeyed(key, () => new NodeFeed<NodeEntry>());
  feed.stage(keepEntries(feed.entries(), entriesOf({ layout, shown, snapshot, quorum, authority, selectedNode }), sameEntry));
  useLayoutEffect(() => {
    feed.publish();
    flowFeed.publish();
  });

  // The last menu asked for, as an attribute (data-menu-request), so a test can see the request left the graph.
  const [menuAsked, setMenuAsked] = useState<string | null>(null);
  const requestMenu = useCallback(
    (request: MenuRequest) => {
      setMenuAsked(`${request.target.kind}:${request.target.kind === 'partition' ? `${request.target.topic}-${request.target.partition}` : request.target.id}`);
      onMenu(request);
    },
    [onMenu],
  );
  const live = useMemo<Live>(() => ({ feed, flows: flowFeed, ready, onFault, onMenu: requestMenu, onSelect }), [feed, flowFeed, ready, onFault, requestMenu, onSelect]);

  const onNodeClick = useCallback(
    (event: MouseEvent, node: TopologyNode) => {
      // A button on a card acts; it does not select.
      if ((event.target as Element).closest('button, a, input, select, textarea') !== null) return;
      const picked = selectionOfNode(laidOutById.get(node.id));
      if (picked !== null) onSelect(picked);
    },
    [laidOutById, onSelect],
  );
  const onNodeContextMenu = useCallback(
    (event: MouseEvent, node: TopologyNode) => {
      const target = selectionOfNode(laidOutById.get(node.id));
      if (target === null) return;
      event.preventDefault();
      requestMenu({ target, x: event.clientX, y: event.clientY });
    },
    [laidOutById, requestMenu],
  );
  // Keys on a focused node (React Flow makes nodes focusable; Tab walks them): Enter or Space
  // selects, Shift+F10 or the ContextMenu key asks for the menu, Escape clears the selection.
  const onKeyDown = useCallback(
    (event: KeyboardEvent) => {
      const element = event.target as HTMLElement;
      if (!element.classList.contains('react-flow__node')) return;
      const id = element.getAttribute('data-id') ?? '';
      const target = selectionOfNode(laidOutById.get(id));
      if (event.key === 'Escape') {
        onSelect(null);
        return;
      }
      if (target === null) return;
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        onSelect(target);
      } else if (event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey)) {
        event.preventDefault();
        const box = element.getBoundingClientRect();
        requestMenu({ target, x: Math.round(box.left + Math.min(40, box.width / 2)), y: Math.round(box.top + Math.min(40, box.height / 2)) });
      }
    },
    [laidOutById, onSelect, requestMenu],
  );
  const onPaneClick = useCallback(() => onSelect(null), [onSelect]);
  // Far (zoomed out past FAR_ZOOM_ENTER) a compact layout's cards leave out their buttons (CSS).
  const [zoomedOut, setZoomedOut] = useState(false);
  const far = layout.compact && zoomedOut;

  return (
    <section
      className={`topology${layout.compact ? ' topology-compact' : ''}${far ? ' topology-far' : ''}`}
      aria-label="Cluster topology"
      data-testid="topology"
      data-compact={layout.compact}
      data-detail={far ? 'far' : 'near'}
      data-selected={selectedNode ?? ''}
      data-menu-request={menuAsked ?? ''}
      onKeyDown={onKeyDown}
    >
      <LiveContext.Provider value={live}>
        <Graph
          graphKey={key}
          nodes={nodes}
          edges={edges}
          layout={layout}
          zoomedOut={zoomedOut}
          onZoomedOut={setZoomedOut}
          onNodeClick={onNodeClick}
          onNodeContextMenu={onNodeContextMenu}
          onPaneClick={onPaneClick}
        />
      </LiveContext.Provider>
      {layout.compact ? LEGEND_COMPACT : LEGEND_MOVING}
    </section>
  );
});

/**
 * The flows' legend, made once per layout kind: Topology renders in every frame, and React skips an
 * element it meets again (the legend's 7 elements were diffed in every urgent commit).
 */
function flowLegend(motion: string) {
  return (
    <p className="topo-legend" aria-hidden="true">
      <span className="topo-key topo-key-produce">produce</span>
      <span className="topo-key topo-key-consume">consume</span>
      <span className="topo-key topo-key-tier">upload to the object store</span>
      <span className="topo-key topo-key-remote-read">read from the object store</span>
      <span className="muted">width: records/s · {motion}: flowing now</span>
    </p>
  );
}
const LEGEND_COMPACT = flowLegend('dashes');
const LEGEND_MOVING = flowLegend('moving dashes');

interface GraphProps {
  /** The structure's key: a new structure (another lesson, another cluster) remounts the graph, which fits it to the view again. */
  readonly graphKey: string;
  readonly nodes: TopologyNode[];
  readonly edges: readonly FlowEdgeType[];
  readonly layout: TopologyLayout;
  readonly zoomedOut: boolean;
  readonly onZoomedOut: (far: boolean) => void;
  readonly onNodeClick: (event: MouseEvent, node: TopologyNode) => void;
  readonly onNodeContextMenu: (event: MouseEvent, node: TopologyNode) => void;
  readonly onPaneClick: () => void;
}

/**
 * React Flow and what it holds, memoised apart from Topology: Topology renders in every frame (it
 * stages the nodes' entries and keeps the edges), but the props here change only with the
 * structure, an edge that starts or stops flowing (its rate reaches it through the flows' feed),
 * the zoom's level of detail or a handler (a new selection). Rendered in every frame, React Flow's
 * ~17 components (its providers, StoreUpdater, the controls' and minimap's panels) were most of the
 * urgent commit and did nothing: the nodes read their figures from the feed, the backdrop and the
 * minimap from React Flow's own store.
 */
const Graph = memo(function Graph({ graphKey, nodes, edges, layout, zoomedOut, onZoomedOut, onNodeClick, onNodeContextMenu, onPaneClick }: GraphProps) {
  return (
    <ReactFlow<TopologyNode, FlowEdgeType>
      key={graphKey}
      nodes={nodes}
      edges={edges as FlowEdgeType[]}
      nodeTypes={NODE_TYPES}
      edgeTypes={EDGE_TYPES}
      onNodeClick={onNodeClick}
      onNodeContextMenu={onNodeContextMenu}
      onPaneClick={onPaneClick}
      nodesDraggable={false}
      nodesConnectable={false}
      elementsSelectable={false}
      edgesFocusable={false}
      fitView
      fitViewOptions={FIT_VIEW}
      minZoom={0.08}
      maxZoom={2}
      zoomOnDoubleClick={false}
    >
      <Background variant={BackgroundVariant.Dots} gap={24} size={1} color="#cfd6e2" />
      <GroupBackdrop layout={layout} />
      <ZoomDetail far={zoomedOut} onChange={onZoomedOut} />
      <Controls showInteractive={false} position="bottom-left" fitViewOptions={FIT_VIEW} />
      {layout.minimap && <MiniMap pannable zoomable position="bottom-right" ariaLabel="Minimap of the cluster" nodeColor={minimapColor} style={MINIMAP_STYLE} />}
    </ReactFlow>
  );
});

const MINIMAP_STYLE = { width: 150, height: 110 } as const;

function minimapColor(node: TopologyNode): string {
  const kind = node.data.laidOut.kind;
  if (kind === 'zone') return '#e8edf4';
  if (kind === 'process') return '#7a8aa3';
  return '#f1f3f7';
}
