// Goal: the topology's layout stays clean from 3 to 30 brokers (no card overlaps another, every
// card inside its zone, zones left to right in order, producers left, consumers right, the object
// store below), is a function of the structure alone (running the cluster or crashing a client
// moves nothing), and the flows follow what the snapshot says: a producer to the leaders its
// metadata names, a broker to the consumers that fetch from it, a broker to the object store once
// it uploads; bundled per zone when the layout is compact.
// Method: snapshots of real engines (createEngine), laid out by the page's own pure functions.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine, type Snapshot } from '../../src/engine/api';
import { ScenarioRun } from '../../src/engine/scenario/runner';
import { parseScenarioText } from '../../src/engine/scenario/validate';
import {
  COMPACT_BROKERS_MIN,
  FAR_ZOOM_ENTER,
  FAR_ZOOM_LEAVE,
  farAtZoom,
  flowWidth,
  flowsOf,
  hasStructure,
  layoutTopology,
  sameFlowInputs,
  structureKey,
  structureOf,
  type LaidOutNode,
  type TopologyLayout,
} from '../../src/ui/topology-layout';

const SECOND_US = 1_000_000;

function clusterOf(brokers: number, extra: Record<string, unknown> = {}) {
  return {
    brokers,
    topics: [{ name: 'orders', partitions: Math.max(6, brokers), replicationFactor: 3 }],
    producers: [{ topic: 'orders', recordsPerSecond: 300, acks: 'all' }],
    consumers: [{ topic: 'orders', 'group.id': 'billing' }],
    ...extra,
  };
}

function snapshotOf(config: unknown, runUs = 0): Snapshot {
  const engine = createEngine(config, 7, { series: false });
  if (runUs > 0) engine.runUntil(runUs);
  return engine.snapshot();
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const boxOf = (node: LaidOutNode): Box => ({ x: node.absoluteX, y: node.absoluteY, width: node.width, height: node.height });

function overlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function inside(inner: Box, outer: Box): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

/** Every pair of boxes in `nodes` that overlap, named, so a failure says which. */
function overlaps(nodes: readonly LaidOutNode[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      if (overlap(boxOf(nodes[i]!), boxOf(nodes[j]!))) found.push(`${nodes[i]!.id} × ${nodes[j]!.id}`);
    }
  }
  return found;
}

function node(layout: TopologyLayout, id: string): LaidOutNode {
  const found = layout.nodes.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no node ${id} in the layout`);
  return found;
}

describe('the topology layout', () => {
  for (const brokers of [3, 6, 12, 30]) {
    it(`lays out ${brokers} brokers with clients and an object store without overlaps, zones in order`, () => {
      const snapshot = snapshotOf(clusterOf(brokers, { config: { 'remote.log.storage.system.enable': true } }));
      const layout = layoutTopology(structureOf(snapshot));

      // Every process has exactly one card.
      const cards = layout.nodes.filter((candidate) => candidate.kind === 'process');
      expect(cards.map((card) => card.id).sort()).toEqual(snapshot.processes.map((process) => process.id).sort());

      // No card overlaps another; no group overlaps another group or the plane label.
      expect(overlaps(cards)).toEqual([]);
      expect(overlaps(layout.nodes.filter((candidate) => candidate.parent === null))).toEqual([]);

      // Each card lies inside its parent: its zone for controllers and brokers, a band for the rest.
      for (const card of cards) {
        const parent = node(layout, card.parent!);
        expect(inside(boxOf(card), boxOf(parent)), `${card.id} inside ${parent.id}`).toBe(true);
        const process = snapshot.processes.find((candidate) => candidate.id === card.id)!;
        const expected = process.role === 'controller' || process.role === 'broker' ? `zone:${process.zone}` : process.role === 'client' ? (process.id.startsWith('consumer') ? 'band:consumers' : 'band:producers') : 'band:region';
        expect(card.parent).toBe(expected);
      }

      // Zones left to right in the snapshot's order, equal in size; controllers above brokers.
      const zones = snapshot.zones.map((zone) => node(layout, `zone:${zone.id}`));
      for (let i = 1; i < zones.length; i++) {
        expect(zones[i]!.absoluteX).toBeGreaterThan(zones[i - 1]!.absoluteX + zones[i - 1]!.width);
        expect([zones[i]!.width, zones[i]!.height, zones[i]!.absoluteY]).toEqual([zones[0]!.width, zones[0]!.height, zones[0]!.absoluteY]);
      }
      const lowestController = Math.max(...cards.filter((card) => card.id.startsWith('controller')).map((card) => card.absoluteY + card.height));
      const highestBroker = Math.min(...cards.filter((card) => card.id.startsWith('broker')).map((card) => card.absoluteY));
      expect(highestBroker).toBeGreaterThan(lowestController);

      // Producers to the left of every zone, consumers to the right, the object store below them all.
      const producers = node(layout, 'band:producers');
      const consumers = node(layout, 'band:consumers');
      const region = node(layout, 'band:region');
      expect(producers.absoluteX + producers.width).toBeLessThan(zones[0]!.absoluteX);
      expect(consumers.absoluteX).toBeGreaterThan(zones.at(-1)!.absoluteX + zones.at(-1)!.width);
      expect(region.absoluteY).toBeGreaterThan(zones[0]!.absoluteY + zones[0]!.height);

      // The plane label (the control plane) spans the zones, above them.
      const plane = node(layout, 'plane');
      expect([plane.absoluteX, plane.width]).toEqual([zones[0]!.absoluteX, zones.at(-1)!.absoluteX + zones.at(-1)!.width - zones[0]!.absoluteX]);
      expect(plane.absoluteY + plane.height).toBeLessThan(zones[0]!.absoluteY);

      // Parents come before their children (React Flow needs it).
      const order = new Map(layout.nodes.map((candidate, index) => [candidate.id, index]));
      for (const card of cards) expect(order.get(card.parent!)!).toBeLessThan(order.get(card.id)!);

      // Big clusters get compact cards, more card columns per zone and a minimap; small ones do not.
      expect(layout.compact).toBe(brokers >= COMPACT_BROKERS_MIN);
      expect(layout.minimap).toBe(brokers >= 10);
      expect(layout.subColumns).toBe(brokers === 30 ? 2 : 1);
      // Clean means readable too: the whole picture is not much taller than wide.
      expect(layout.height / layout.width).toBeLessThan(1.2);
    });
  }

  it('keeps every card where it was while the cluster runs, and when a client crashes', () => {
    const engine = createEngine(clusterOf(6), 7, { series: false });
    const before = engine.snapshot();
    engine.runUntil(6 * SECOND_US);
    engine.inject({ kind: 'crash', process: 'consumer-1' });
    const after = engine.snapshot();
    // The crashed consumer shows no view, so by its view alone its kind is unknown ...
    expect(after.processes.find((process) => process.id === 'consumer-1')!.view).toBeNull();
    // ... but the page remembers the kinds it saw, and the layout is the same to the pixel.
    const remembered = new Map([['consumer-1', 'consumer' as const], ['producer-1', 'producer' as const]]);
    expect(structureKey(structureOf(after, remembered))).toBe(structureKey(structureOf(before)));
    expect(layoutTopology(structureOf(after, remembered))).toEqual(layoutTopology(structureOf(before)));
    // The same structure gives the same layout, call after call.
    expect(layoutTopology(structureOf(before))).toEqual(layoutTopology(structureOf(before)));
  });

  it('lays out again only when the processes or zones change', () => {
    const six = structureOf(snapshotOf(clusterOf(6)));
    const seven = structureOf(snapshotOf(clusterOf(7)));
    const fourZones = structureOf(snapshotOf(clusterOf(6, { zones: 4 })));
    expect(structureKey(seven)).not.toBe(structureKey(six));
    expect(structureKey(fourZones)).not.toBe(structureKey(six));
    expect(layoutTopology(fourZones).nodes.filter((candidate) => candidate.kind === 'zone')).toHaveLength(4);
  });

  it("reads a frame's structure in place (hasStructure): the same exactly when structureOf's key is", () => {
    const engine = createEngine(clusterOf(6), 7, { series: false });
    const first = engine.snapshot();
    const kept = structureOf(first);
    // Frames of a running cluster keep their structure; a crashed client keeps it through the kinds remembered.
    engine.runUntil(6 * SECOND_US);
    expect(hasStructure(kept, engine.snapshot())).toBe(true);
    engine.inject({ kind: 'crash', process: 'consumer-1' });
    const crashed = engine.snapshot();
    const remembered = new Map([['consumer-1', 'consumer' as const]]);
    expect(hasStructure(kept, crashed, remembered)).toBe(true);
    expect(structureKey(structureOf(crashed, remembered))).toBe(structureKey(kept));
    // Without the memory, the crashed consumer's kind is guessed from its id: still a consumer.
    expect(hasStructure(kept, crashed)).toBe(structureKey(structureOf(crashed)) === structureKey(kept));
    // Another cluster, another zone count, a process of another role, zone or kind, one process more or less: not the same.
    const other = (change: (snapshot: Snapshot) => Snapshot) => {
      const changed = change(first);
      expect(structureKey(structureOf(changed))).not.toBe(structureKey(kept));
      return hasStructure(kept, changed);
    };
    const withProcess = (snapshot: Snapshot, index: number, fields: Record<string, unknown>): Snapshot => ({
      ...snapshot,
      processes: snapshot.processes.map((process, at) => (at === index ? ({ ...process, ...fields } as typeof process) : process)),
    });
    const clientIndex = first.processes.findIndex((process) => process.id === 'producer-1');
    expect(other((snapshot) => withProcess(snapshot, 0, { role: 'broker' === snapshot.processes[0]!.role ? 'controller' : 'broker' }))).toBe(false);
    expect(other((snapshot) => withProcess(snapshot, 0, { zone: 'zone-x' }))).toBe(false);
    expect(other((snapshot) => withProcess(snapshot, 0, { id: 'renamed' }))).toBe(false);
    expect(other((snapshot) => withProcess(snapshot, clientIndex, { view: { consumer: {} } }))).toBe(false);
    expect(other((snapshot) => ({ ...snapshot, processes: snapshot.processes.slice(1) }))).toBe(false);
    expect(other((snapshot) => ({ ...snapshot, zones: snapshot.zones.slice(1) }))).toBe(false);
    expect(other((snapshot) => ({ ...snapshot, zones: snapshot.zones.map((zone, at) => (at === 0 ? { ...zone, id: 'zone-x' } : zone)) }))).toBe(false);
    expect(hasStructure(kept, snapshotOf(clusterOf(7)))).toBe(false);
    expect(hasStructure(kept, snapshotOf(clusterOf(6, { zones: 4 })))).toBe(false);
  });

  it('lays out the ZooKeeper contrast: the ZooKeeper server in the control-plane strip of its zone', () => {
    const snapshot = snapshotOf({ controllerMode: 'zookeeper', brokers: 4, topics: [{ name: 'orders', partitions: 4, replicationFactor: 3 }] });
    const layout = layoutTopology(structureOf(snapshot));
    const zookeeper = node(layout, 'zookeeper');
    expect(zookeeper.parent).toBe('zone:zone-a');
    expect(zookeeper.absoluteY + zookeeper.height).toBeLessThan(node(layout, 'broker-1').absoluteY);
    expect(layout.controlRowHeight).toBeGreaterThan(0);
    expect(overlaps(layout.nodes.filter((candidate) => candidate.kind === 'process'))).toEqual([]);
  });
});

describe('the flows between processes', () => {
  it('go from a producer to the leaders of its partitions and from leaders to the consumer that fetches from them', () => {
    const snapshot = snapshotOf(clusterOf(6), 15 * SECOND_US);
    const flows = flowsOf(snapshot, { compact: false });
    const leaders = [...new Set(snapshot.partitions.filter((partition) => partition.topic === 'orders').map((partition) => partition.leader!))].sort();
    expect(leaders.length).toBeGreaterThan(1);

    const produce = flows.filter((flow) => flow.kind === 'produce');
    expect(produce.map((flow) => flow.target).sort()).toEqual(leaders);
    expect(produce.every((flow) => flow.source === 'producer-1' && flow.active)).toBe(true);
    // The producer's rate is shared by its partitions: the flows add up to it.
    expect(produce.reduce((sum, flow) => sum + flow.recordsPerSecond!, 0)).toBeCloseTo(300, 6);
    expect(produce.reduce((sum, flow) => sum + flow.count, 0)).toBe(6);

    // The only consumer of the group owns every partition, so it fetches from every leader.
    const consume = flows.filter((flow) => flow.kind === 'consume');
    expect(consume.map((flow) => flow.source).sort()).toEqual(leaders);
    expect(consume.every((flow) => flow.target === 'consumer-1')).toBe(true);
    expect(consume.some((flow) => flow.active)).toBe(true);

    // No object store, no uploads; the list is sorted, so the same snapshot draws the same edges.
    expect(flows.filter((flow) => flow.kind === 'tier')).toEqual([]);
    expect(flows.map((flow) => flow.id)).toEqual([...flows.map((flow) => flow.id)].sort());
    expect(flowsOf(snapshot, { compact: false })).toEqual(flows);
  });

  it('bundles flows per zone when the layout is compact, and keeps the totals', () => {
    const snapshot = snapshotOf(clusterOf(30), 15 * SECOND_US);
    const layout = layoutTopology(structureOf(snapshot));
    expect(layout.compact).toBe(true);
    const flows = flowsOf(snapshot, layout);
    const produce = flows.filter((flow) => flow.kind === 'produce');
    expect(produce.map((flow) => flow.target).sort()).toEqual(['zone:zone-a', 'zone:zone-b', 'zone:zone-c']);
    expect(produce.reduce((sum, flow) => sum + flow.count, 0)).toBe(30);
    expect(produce.reduce((sum, flow) => sum + flow.recordsPerSecond!, 0)).toBeCloseTo(300, 6);
    // Few edges for a big cluster: one per client and zone.
    expect(flows.length).toBeLessThanOrEqual(6);
  });

  it('go from the brokers that upload segments to the object store (KIP-405), lit while an upload is in flight', () => {
    const config = {
      brokers: 3,
      config: { 'remote.log.storage.system.enable': true, 'remote.log.manager.task.interval.ms': 1_000 },
      topics: [{ name: 'orders', partitions: 3, replicationFactor: 3, config: { 'remote.storage.enable': true, 'segment.ms': 2_000, 'local.retention.ms': 4_000 } }],
      producers: [{ topic: 'orders', recordsPerSecond: 500, acks: 'all' }],
    };
    const engine = createEngine(config, 7, { series: false });
    engine.runUntil(2 * SECOND_US);
    expect(flowsOf(engine.snapshot(), { compact: false }).filter((flow) => flow.kind === 'tier')).toEqual([]);
    let sawActive = false;
    let tier: ReturnType<typeof flowsOf> = [];
    // Walk in small steps to catch a moment with an upload in flight (the rare path is proved hit).
    for (let ms = 2_000; ms <= 20_000 && !(sawActive && tier.length === 3); ms += 20) {
      engine.runUntil(ms * 1_000);
      tier = flowsOf(engine.snapshot(), { compact: false }).filter((flow) => flow.kind === 'tier');
      sawActive ||= tier.some((flow) => flow.active);
    }
    expect(sawActive).toBe(true);
    expect(tier.map((flow) => `${flow.source}->${flow.target}`)).toEqual(['broker-1->object-store', 'broker-2->object-store', 'broker-3->object-store']);
    expect(tier.every((flow) => flow.recordsPerSecond === null)).toBe(true);
  });

  it('come back from the object store to a broker that reads a remote segment for a late consumer, lit while the read is in flight', () => {
    const config = {
      config: { 'remote.log.storage.system.enable': true, 'remote.log.manager.task.interval.ms': 2_000, 'log.retention.check.interval.ms': 2_000 },
      topics: [{ name: 'orders', partitions: 2, replicationFactor: 3, config: { 'segment.ms': 2_000, 'retention.ms': 600_000, 'remote.storage.enable': true, 'local.retention.ms': 4_000 } }],
      producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all' as const, 'linger.ms': 5, startMs: 6_000 }],
      consumers: [{ topic: 'orders', 'group.id': 'audit', 'auto.offset.reset': 'earliest' as const, startMs: 40_000 }],
    };
    const engine = createEngine(config, 1, { series: false });
    engine.runUntil(39 * SECOND_US);
    expect(flowsOf(engine.snapshot(), { compact: false }).filter((flow) => flow.kind === 'remote-read'), 'no read before the late consumer').toEqual([]);
    let sawActive = false;
    let reads: ReturnType<typeof flowsOf> = [];
    // Small steps, to catch a moment with a GetObject in flight (the rare path is proved hit).
    for (let ms = 39_000; ms <= 70_000 && !sawActive; ms += 5) {
      engine.runUntil(ms * 1_000);
      reads = flowsOf(engine.snapshot(), { compact: false }).filter((flow) => flow.kind === 'remote-read');
      sawActive ||= reads.some((flow) => flow.active);
    }
    expect(sawActive).toBe(true);
    expect(reads.length).toBeGreaterThan(0);
    for (const flow of reads) {
      expect(flow.source).toBe('object-store');
      expect(flow.target).toMatch(/^broker-\d$/);
    }
  });

  it('draws a rate as a width that grows with it, within bounds', () => {
    expect(flowWidth(0)).toBeCloseTo(1.5);
    expect(flowWidth(1_000)).toBeGreaterThan(flowWidth(100));
    expect(flowWidth(100)).toBeGreaterThan(flowWidth(10));
    expect(flowWidth(1e9)).toBe(8);
    expect(flowWidth(null)).toBe(2);
  });
});

describe('the flows rebuilt only when what they are made of changed', () => {
  // Goal: the topology skips flowsOf (and the edges and looks built from it) while sameFlowInputs
  // says its inputs are the same; that must never hide a flow that changed. Method: lessons with
  // crashes, a failover, tiering, an object store outage and a consumer group's rebalance, a frame
  // every 100 simulated ms; as the topology does, the flows are built afresh whenever the inputs
  // differ from those of the frame they were last built from, and in every frame the kept flows
  // must equal flowsOf's, in the compact and the full layout.
  it('gives the flows flowsOf gives, in every frame of six lessons, while skipping most frames', () => {
    let skipped = 0;
    let rebuilt = 0;
    for (const lesson of ['broker-crash', 'controller-failover', 'consumer-group-rebalance', 'tiering-steady-state', 'object-store-outage', 'zone-outage']) {
      const run = new ScenarioRun(parseScenarioText(readFileSync(`public/scenarios/${lesson}.json`, 'utf8')), { pauses: 'record' });
      let builtFrom: Snapshot | null = null;
      for (let atUs = 100_000; atUs <= 30 * SECOND_US && !run.done; atUs += 100_000) {
        run.advance(atUs);
        const snapshot = run.engine.snapshot();
        if (builtFrom !== null && sameFlowInputs(builtFrom, snapshot)) {
          skipped++;
          for (const compact of [false, true]) expect(flowsOf(snapshot, { compact }), `${lesson} at ${atUs} us`).toEqual(flowsOf(builtFrom, { compact }));
        } else {
          rebuilt++;
          builtFrom = snapshot;
        }
      }
    }
    expect(skipped).toBeGreaterThan(rebuilt);
    expect(rebuilt).toBeGreaterThan(6);
  });

  it('tells a consumer partition that moved to another leader, a producer that learned a new leader and a broker that crashed', () => {
    const snapshot = snapshotOf(clusterOf(3), 15 * SECOND_US);
    const changed = (edit: (copy: Snapshot) => void): boolean => {
      const copy = structuredClone(snapshot);
      edit(copy);
      return sameFlowInputs(snapshot, copy);
    };
    expect(sameFlowInputs(snapshot, structuredClone(snapshot))).toBe(true);
    type Mutable<T> = { -readonly [K in keyof T]: T[K] };
    expect(
      changed((copy) => {
        const consumer = copy.processes.find((process) => process.view?.consumer !== undefined && process.view.consumer.partitions.length > 0)!.view!.consumer!;
        const first = consumer.partitions[0]! as Mutable<(typeof consumer.partitions)[number]>;
        first.leader = first.leader === 'broker-1' ? 'broker-2' : 'broker-1';
      }),
    ).toBe(false);
    expect(
      changed((copy) => {
        const producer = copy.processes.find((process) => process.view?.producer !== undefined)!.view!.producer!;
        const first = producer.leaders[0]! as Mutable<(typeof producer.leaders)[number]>;
        first.partitions += 1;
      }),
    ).toBe(false);
    expect(
      changed((copy) => {
        const process = copy.processes.find((candidate) => candidate.role === 'broker')! as Mutable<Snapshot['processes'][number]>;
        process.status = 'crashed';
      }),
    ).toBe(false);
  });
});

describe("the cards' level of detail", () => {
  it('drops the buttons once zoomed out past one threshold and brings them back only past a higher one, so a zoom near either does not flicker', () => {
    // Zooming out from 1 in small steps, then back in: the level changes twice, at different zooms.
    const zooms = [1, 0.8, 0.66, 0.6, 0.56, 0.54, 0.5, 0.43, 0.5, 0.56, 0.6, 0.64, 0.66, 0.8];
    let far = false;
    const changes: { zoom: number; far: boolean }[] = [];
    for (const zoom of zooms) {
      const next = farAtZoom(far, zoom);
      if (next !== far) changes.push({ zoom, far: next });
      far = next;
    }
    expect(changes).toEqual([
      { zoom: 0.54, far: true },
      { zoom: 0.66, far: false },
    ]);
    // Between the thresholds, the level is what it was.
    const between = (FAR_ZOOM_ENTER + FAR_ZOOM_LEAVE) / 2;
    expect(farAtZoom(true, between)).toBe(true);
    expect(farAtZoom(false, between)).toBe(false);
  });
});
