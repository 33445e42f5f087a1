// The topology's flows as React Flow edges, in two parts that change at different rates: the edge
// object (which nodes it joins, its kind, whether records move now), kept the same while those
// are, and its *look* (the label's text, the stroke's width, the aria-label: a flow's rate), fed
// to that edge alone through a NodeFeed (node-feed.ts), as the cards' figures are. A rate that
// changes then re-renders one FlowEdge, not React Flow's wrapper, its store updater and every edge
// wrapper (issue 7, item 9: at 30 brokers a label changed in about half the frames, and each such
// frame re-rendered ~20 of React Flow's components to draw one new text).
//
// Owns: building edges and looks from flows, and when two are the same. Pure. Never: renders,
// reads the DOM, or decides what a flow is (topology-layout.ts's flowsOf does).

import type { Edge } from '@xyflow/react';
import { formatCount } from './format';
import { flowWidth, type Flow } from './topology-layout';

/** What an edge object carries: its kind (the edge component draws by it). Rates and labels are in its FlowLook. */
export type FlowEdgeData = { readonly kind: Flow['kind'] };
export type FlowEdgeType = Edge<FlowEdgeData, 'flow'>;

/** What of a flow changes with its rate: fed to its edge alone (the edge object stays the same). */
export interface FlowLook {
  /** The label drawn on the path (compact layouts' produce and consume flows), or none. */
  readonly text: string | undefined;
  /** The stroke's width in px, to a quarter of a pixel. */
  readonly width: number;
  /** The edge's accessible name (what it carries, at what rate). */
  readonly aria: string;
}

export const FLOW_COLOR: Record<Flow['kind'], string> = { produce: '#0072B2', consume: '#009E73', tier: '#D55E00', 'remote-read': '#CC79A7' };
/** Uploads leave a broker's bottom for the store's top; remote reads come back from the store's top into the broker's bottom. */
const FLOW_HANDLES: Record<Flow['kind'], readonly [string, string]> = {
  produce: ['out-right', 'in-left'],
  consume: ['out-right', 'in-left'],
  tier: ['out-bottom', 'in-top'],
  'remote-read': ['out-top', 'in-bottom'],
};

export function flowLabel(flow: Flow, compact: boolean): string | undefined {
  if (!compact || flow.kind === 'tier' || flow.kind === 'remote-read') return undefined;
  const rate = flow.recordsPerSecond === null ? '' : ` · ${formatCount(Math.round(flow.recordsPerSecond))}/s`;
  return `${flow.count} partition${flow.count === 1 ? '' : 's'}${rate}`;
}

export function flowAria(flow: Flow): string {
  const rate = flow.recordsPerSecond === null ? '' : `, about ${formatCount(Math.round(flow.recordsPerSecond))} records/s`;
  const partitions = `${flow.count} partition${flow.count === 1 ? '' : 's'}`;
  if (flow.kind === 'produce') return `${flow.source} produces to ${flow.target} (${partitions}${rate})`;
  if (flow.kind === 'consume') return `${flow.target} fetches from ${flow.source} (${partitions}${rate})`;
  if (flow.kind === 'remote-read') return `${flow.target} reads segments from ${flow.source}${flow.active ? ', reading now' : ''}`;
  return `${flow.source} uploads segments to ${flow.target}${flow.active ? ', uploading now' : ''}`;
}

/**
 * A flow's width to a quarter of a pixel: an unrounded width changed in every frame, and each change
 * restyled and laid out the edges' SVG again (traces at 30 brokers: 6 paths a frame).
 */
export function roundedFlowWidth(recordsPerSecond: number | null): number {
  return Math.round(flowWidth(recordsPerSecond) * 4) / 4;
}

export function flowLookOf(flow: Flow, compact: boolean): FlowLook {
  return { text: flowLabel(flow, compact), width: roundedFlowWidth(flow.recordsPerSecond), aria: flowAria(flow) };
}

/**
 * A flow's stroke keeps the width it shows until its rate moves the width by this much. A stroke's
 * new width changes its path's paint bounds, and Chromium answers a paint chunk's new bounds with a
 * full layerization of the page (PaintArtifactCompositor::Update, ~2.5 ms: chunk bounds are used in
 * overlap testing); at 30 brokers and 10x the consume flows' rates wander around a quarter-pixel
 * step, and their widths were about half the page's full layerizations (probe: every stroke 3 px,
 * 40 -> 23 in a 12 s run). Widths are quarter pixels, so this holds back single quarter-pixel
 * steps only: a width moves once the rate is about 1.8 to 3.2 times higher or lower (flowWidth is
 * logarithmic), still telling a busy flow from a quiet one; the label and the accessible name carry
 * the exact rate, and a paused page draws every width exact (Topology).
 */
export const FLOW_WIDTH_STEADY_PX = 0.5;

/**
 * `next` with each flow's width as `shown` draws it unless the width moved by FLOW_WIDTH_STEADY_PX
 * or more (a new flow takes its own); keepEntries then keeps the look objects that did not change.
 */
export function steadyFlowLooks(shown: ReadonlyMap<string, FlowLook>, next: ReadonlyMap<string, FlowLook>): Map<string, FlowLook> {
  const steady = new Map<string, FlowLook>();
  for (const [id, look] of next) {
    const before = shown.get(id);
    const keepWidth = before !== undefined && before.width !== look.width && Math.abs(before.width - look.width) < FLOW_WIDTH_STEADY_PX;
    steady.set(id, keepWidth ? { ...look, width: before.width } : look);
  }
  return steady;
}

export function sameFlowLook(before: FlowLook, after: FlowLook): boolean {
  return before.text === after.text && before.width === after.width && before.aria === after.aria;
}

/** Every flow's look, by edge id. */
export function flowLooksOf(flows: readonly Flow[], compact: boolean): Map<string, FlowLook> {
  return new Map(flows.map((flow) => [flow.id, flowLookOf(flow, compact)]));
}

/**
 * What of a flow its edge object shows (keep-unchanged.ts rebuilds the edge when this changes): the
 * nodes it joins and whether records move now (its class, dashes and opacity). Not its rate: that
 * is its look. The layout's compactness is in the structure's key, which starts the edges afresh.
 */
export function flowSignature(flow: Flow): string {
  return `${flow.kind}:${flow.source}:${flow.target}:${flow.active ? 1 : 0}`;
}

/**
 * React Flow's EdgeWrapper renders `aria-label={edge.ariaLabel === null ? undefined : edge.ariaLabel
 * || \`Edge from ...\`}` (@xyflow/react 12, EdgeWrapper): null leaves the attribute to FlowEdge, where
 * a string or undefined would be written by React Flow. Its type says `string`, hence the cast.
 */
const NO_ARIA_LABEL = null as unknown as string;

export function edgeOf(flow: Flow, compact: boolean): FlowEdgeType {
  return {
    id: flow.id,
    type: 'flow',
    source: flow.source,
    target: flow.target,
    sourceHandle: FLOW_HANDLES[flow.kind][0],
    targetHandle: FLOW_HANDLES[flow.kind][1],
    // Compact layouts (13 brokers and more) draw a flowing edge dashed but still: moving dashes
    // repaint the whole canvas at every animation frame, the page's largest paint at 30 brokers.
    animated: flow.active && !compact,
    selectable: false,
    focusable: false,
    // None: FlowEdge sets the wrapper's aria-label from the look (the name carries the rate).
    ariaLabel: NO_ARIA_LABEL,
    className: `topo-flow topo-flow-${flow.kind}${flow.active ? ' topo-flow-active' : ''}`,
    style: {
      stroke: FLOW_COLOR[flow.kind],
      opacity: flow.active ? 0.85 : 0.35,
      ...(flow.active && compact ? { strokeDasharray: '6 4' } : {}),
    },
    data: { kind: flow.kind },
  };
}
