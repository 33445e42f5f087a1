// Which topology nodes re-render in a frame, on snapshots of a real engine under load. Goal: a frame
// in which a few cards changed tells those nodes and no others (issue 7, item 9: at 30 brokers a
// context re-rendered all ~40 nodes every frame). Method: build each frame's entries as the
// topology does (cards' figures refreshed on phases of their own, card-refresh.ts), keep them with sameEntry in a
// NodeFeed, publish, and count the listeners told.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/engine/api';
import { CARD_REFRESH_MS, nextShownCards, type ShownCards } from '../../src/ui/card-refresh';
import { authoritativeController, quorumOf } from '../../src/ui/kraft';
import { loadedEngine, SECOND } from './loaded-engine';
import { keepEntries, NodeFeed } from '../../src/ui/node-feed';
import { entriesOf, sameEntry, type NodeEntry } from '../../src/ui/topology-entries';
import { layoutTopology, structureOf } from '../../src/ui/topology-layout';


/** Wall time between two frames: ~31 worker messages a second at 30 brokers and 10x (bench/page.ts). */
const FRAME_MS = 32;

/** Drives a feed as the topology does, one frame per call; returns the node ids told in that frame. */
function feedDriver(first: Snapshot) {
  const layout = layoutTopology(structureOf(first));
  const feed = new NodeFeed<NodeEntry>();
  const told: string[] = [];
  for (const node of layout.nodes) feed.subscribe(node.id, () => told.push(node.id));
  let shown: ShownCards | null = null;
  let nowMs = 0;
  return {
    feed,
    frame(snapshot: Snapshot, options: { playing: boolean; selectedNode?: string | null }): string[] {
      nowMs += FRAME_MS;
      shown = nextShownCards(shown, snapshot.processes, { nowMs, timeUs: snapshot.timeUs, exact: !options.playing });
      const entries = entriesOf({
        layout,
        shown: shown.shown,
        snapshot,
        quorum: quorumOf(snapshot),
        authority: authoritativeController(snapshot),
        selectedNode: options.selectedNode ?? null,
      });
      feed.stage(keepEntries(feed.entries(), entries, sameEntry));
      told.length = 0;
      expect(feed.publish()).toBe(told.length);
      return [...told];
    },
  };
}

describe('topology nodes told of a frame', () => {
  it('while playing, only the cards whose phase came (about FRAME_MS / CARD_REFRESH_MS of them) re-render, never the zones, the plane or a controller whose figures alone changed', () => {
    const engine = loadedEngine();
    engine.runFor(SECOND / 10);
    const driver = feedDriver(engine.snapshot());
    driver.frame(engine.snapshot(), { playing: true });
    const processes = engine.snapshot().processes.length;
    const frames = Math.ceil((2 * CARD_REFRESH_MS) / FRAME_MS);
    let total = 0;
    for (let frame = 0; frame < frames; frame++) {
      engine.runFor(SECOND / 10);
      const told = driver.frame(engine.snapshot(), { playing: true });
      total += told.length;
      // Every process's figures changed (bytes, offsets), yet only the cards whose phase fell in this frame's FRAME_MS redraw.
      expect(told.length, `frame ${frame}: ${told.join(', ')}`).toBeLessThanOrEqual(Math.ceil((processes * FRAME_MS) / CARD_REFRESH_MS) + 1);
      expect(told.filter((id) => id.startsWith('zone:') || id === 'plane')).toEqual([]);
    }
    // Over two periods every card refreshed about twice: no more, and none left behind.
    expect(total).toBeGreaterThanOrEqual(processes * 2 - processes / 4);
    expect(total).toBeLessThanOrEqual(processes * 3);
  });

  it('a selection tells the node selected and the one left, nothing else', () => {
    const engine = loadedEngine();
    const driver = feedDriver(engine.snapshot());
    const snapshot = engine.snapshot();
    driver.frame(snapshot, { playing: false, selectedNode: 'broker-1' });
    expect(driver.frame(snapshot, { playing: false, selectedNode: 'broker-1' })).toEqual([]);
    expect(driver.frame(snapshot, { playing: false, selectedNode: 'broker-2' }).sort()).toEqual(['broker-1', 'broker-2']);
  });

  it('the quorum leader crashing redraws every controller card and the plane label in that frame, whosever turn it is', () => {
    const engine = loadedEngine();
    const driver = feedDriver(engine.snapshot());
    driver.frame(engine.snapshot(), { playing: true });
    const leader = quorumOf(engine.snapshot()).leader!.id;
    engine.inject({ kind: 'crash', process: leader });
    engine.runFor(SECOND / 100);
    const told = driver.frame(engine.snapshot(), { playing: true });
    const controllers = engine.snapshot().processes.filter((process) => process.role === 'controller').map((process) => process.id);
    // The quorum has no leader now: each controller's card (role chip, ring) and the plane's label change.
    expect(quorumOf(engine.snapshot()).leader).toBeNull();
    for (const id of [...controllers, 'plane']) expect(told, id).toContain(id);
    const crashed = driver.feed.get(leader);
    expect(crashed?.kind === 'process' && crashed.process.status).toBe('crashed');
  });
});
