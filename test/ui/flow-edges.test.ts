// The topology's flows split into edge objects and looks (flow-edges.ts), on snapshots of a real
// engine under load. Goal: a flow whose rate alone changes keeps its edge object (so React Flow's
// wrapper and the other edges do not re-render) and tells its new label, width and name to its own
// edge through the feed; a flow that starts or stops rebuilds its edge. Method: build each frame's
// edges and looks as the topology does (keepUnchanged with flowSignature, steadyFlowLooks and
// keepEntries with sameFlowLook in a NodeFeed) and compare identities and the listeners told.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/engine/api';
import { edgeOf, FLOW_WIDTH_STEADY_PX, flowLabel, flowLooksOf, flowSignature, sameFlowLook, steadyFlowLooks, type FlowEdgeType, type FlowLook } from '../../src/ui/flow-edges';
import { keepUnchanged, type Kept } from '../../src/ui/keep-unchanged';
import { keepEntries, NodeFeed } from '../../src/ui/node-feed';
import { flowsOf, layoutTopology, structureKey, structureOf, type Flow } from '../../src/ui/topology-layout';
import { loadedEngine, SECOND } from './loaded-engine';

/** Drives edges and looks as Topology does, one frame per call. */
function edgeDriver(first: Snapshot, compact: boolean) {
  const structure = structureOf(first);
  const key = structureKey(structure);
  const layout = layoutTopology(structure);
  const feed = new NodeFeed<FlowLook>();
  let kept: Kept<FlowEdgeType> | null = null;
  const told: string[] = [];
  const subscribed = new Set<string>();
  return {
    feed,
    flowsOf(snapshot: Snapshot): Flow[] {
      return flowsOf(snapshot, layout);
    },
    frame(flows: readonly Flow[], playing = true): { edges: readonly FlowEdgeType[]; told: string[] } {
      kept = keepUnchanged(kept, key, flows, { idOf: (flow) => flow.id, signatureOf: flowSignature, build: (flow) => edgeOf(flow, compact) });
      for (const flow of flows) {
        if (subscribed.has(flow.id)) continue;
        subscribed.add(flow.id);
        feed.subscribe(flow.id, () => told.push(flow.id));
      }
      const looks = flowLooksOf(flows, compact);
      feed.stage(keepEntries(feed.entries(), playing ? steadyFlowLooks(feed.entries(), looks) : looks, sameFlowLook));
      told.length = 0;
      feed.publish();
      return { edges: kept.items, told: [...told] };
    },
  };
}

describe('flow edges and their looks', () => {
  it('flows whose rates and partitions change keep their edge objects; only the flows whose label, width or name changed are told', () => {
    const engine = loadedEngine();
    const driver = edgeDriver(engine.snapshot(), true);
    const flows = driver.flowsOf(engine.snapshot());
    expect(flows.filter((flow) => flow.kind === 'produce').length).toBeGreaterThan(2);
    const first = driver.frame(flows);
    // The next frame, as the engine draws it: nothing shown changed, nothing is told, the same list.
    engine.runFor(SECOND / 10);
    const steady = driver.frame(driver.flowsOf(engine.snapshot()));
    expect(steady.edges).toBe(first.edges);
    expect(steady.told).toEqual([]);
    // A partition's leadership moves from the first flow's broker to the second's, and the rate
    // doubles on a third (as a lesson's load step does): three looks change, no edge object.
    const [a, b, c] = flows as [Flow, Flow, Flow, ...Flow[]];
    const moved = flows.map((flow) =>
      flow === a ? { ...a, count: a.count - 1 } : flow === b ? { ...b, count: b.count + 1 } : flow === c ? { ...c, recordsPerSecond: (c.recordsPerSecond ?? 0) * 2 } : flow,
    );
    const before = new Map([...driver.feed.entries()]);
    const { edges, told } = driver.frame(moved);
    expect(edges).toBe(first.edges);
    expect(told.sort()).toEqual([a.id, b.id, c.id].sort());
    for (const id of told) expect(sameFlowLook(before.get(id)!, driver.feed.get(id)!)).toBe(false);
    expect(driver.feed.get(c.id)!.width).toBeGreaterThanOrEqual(before.get(c.id)!.width);
    expect(driver.feed.get(a.id)!.text).toBe(flowLabel({ ...a, count: a.count - 1 }, true));
    // A flow that stops rebuilds its edge alone; the others keep theirs.
    const stopped = driver.frame(moved.map((flow) => (flow.id === c.id ? { ...flow, active: false } : flow)));
    expect(stopped.edges).not.toBe(first.edges);
    stopped.edges.forEach((edge, index) => (edge.id === c.id ? expect(edge).not.toBe(first.edges[index]) : expect(edge).toBe(first.edges[index])));
  });

  it('a look says what the edge used to: the label (compact only), the rounded width and the rate in its name', () => {
    const engine = loadedEngine();
    const snapshot = engine.snapshot();
    const layout = layoutTopology(structureOf(snapshot));
    const flows = flowsOf(snapshot, layout);
    const flow = flows.find((candidate) => candidate.kind === 'produce' && candidate.recordsPerSecond !== null)!;
    const compactLook = flowLooksOf(flows, true).get(flow.id)!;
    expect(compactLook.text).toMatch(/^\d+ partitions? · [\d.,]+k?\/s$/);
    expect(compactLook.aria).toMatch(/^producer-\d+ produces to broker-\d+ \(\d+ partitions?, about [\d.,]+k? records\/s\)$/);
    expect(compactLook.width * 4).toBe(Math.round(compactLook.width * 4));
    expect(flowLooksOf(flows, false).get(flow.id)!.text).toBeUndefined();
    // The edge object carries none of it: React Flow's wrapper leaves the aria-label to FlowEdge.
    const edge = edgeOf(flow, true);
    expect(edge.ariaLabel).toBeNull();
    expect(edge.style?.strokeWidth).toBeUndefined();
    expect(edge.data).toEqual({ kind: 'produce' });
  });

  it('an edge is rebuilt when its flow starts or stops, not when its rate or partitions change', () => {
    const engine = loadedEngine();
    const snapshot = engine.snapshot();
    const flow = flowsOf(snapshot, layoutTopology(structureOf(snapshot))).find((candidate) => candidate.kind === 'produce')!;
    expect(flowSignature({ ...flow, recordsPerSecond: (flow.recordsPerSecond ?? 0) * 3, count: flow.count + 1 })).toBe(flowSignature(flow));
    expect(flowSignature({ ...flow, active: !flow.active })).not.toBe(flowSignature(flow));
    expect(edgeOf({ ...flow, active: false }, true).className).not.toContain('topo-flow-active');
    expect(edgeOf({ ...flow, active: true }, true).className).toContain('topo-flow-active');
  });

  it('a stroke keeps its width until the rate moves it by half a pixel, and a new flow takes its own', () => {
    const look = (width: number, text = 'x'): FlowLook => ({ text, width, aria: 'a' });
    const shown = new Map([
      ['drift', look(3)],
      ['jump', look(3)],
      ['label', look(3, 'old')],
    ]);
    const next = new Map([
      ['drift', look(3 + FLOW_WIDTH_STEADY_PX - 0.25)],
      ['jump', look(3 + FLOW_WIDTH_STEADY_PX)],
      ['label', look(2.75, 'new')],
      ['new', look(4.25)],
    ]);
    const steady = steadyFlowLooks(shown, next);
    expect(steady.get('drift')!.width).toBe(3);
    expect(steady.get('jump')!.width).toBe(3 + FLOW_WIDTH_STEADY_PX);
    // The label is told (its text changed); the width it draws stays.
    expect(steady.get('label')).toEqual(look(3, 'new'));
    expect(steady.get('new')!.width).toBe(4.25);
    // Kept whole where only the width drifted, so that edge is not told at all.
    expect(keepEntries(shown, steady, sameFlowLook).get('drift')).toBe(shown.get('drift'));
  });

  it('playing, a width drifts within half a pixel unshown; paused, every width is exact', () => {
    const engine = loadedEngine();
    const snapshot = engine.snapshot();
    const driver = edgeDriver(snapshot, true);
    const flows = driver.flowsOf(snapshot);
    const flow = flows.find((candidate) => candidate.kind === 'produce' && candidate.recordsPerSecond !== null && candidate.recordsPerSecond > 100)!;
    driver.frame(flows);
    const shown = driver.feed.get(flow.id)!.width;
    // The smallest higher rate whose exact width is a quarter-pixel step up: held while playing.
    const at = (factor: number) => flows.map((candidate) => (candidate.id === flow.id ? { ...candidate, recordsPerSecond: candidate.recordsPerSecond! * factor } : candidate));
    const factor = [1.05, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8].find((candidate) => flowLooksOf(at(candidate), true).get(flow.id)!.width !== shown)!;
    const faster = at(factor);
    expect(flowLooksOf(faster, true).get(flow.id)!.width - shown).toBe(0.25);
    driver.frame(faster);
    expect(driver.feed.get(flow.id)!.width).toBe(shown);
    driver.frame(faster, false);
    expect(driver.feed.get(flow.id)!.width).toBe(flowLooksOf(faster, true).get(flow.id)!.width);
  });
});
