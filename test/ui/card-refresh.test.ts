// Which view each topology card shows, on snapshots of a real engine under load: while playing, a
// card whose figures alone changed keeps its last view (the same object, so its memoised card
// skips rendering) until its turn, at most CARD_REFRESH_TURNS - 1 frames late; a card whose state
// changed (a crash) shows it at once; paused, every card shows the exact moment. Also the card's
// memo comparator: the same view and registration skip, a registration fenced redraws.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/engine/api';
import { CARD_REFRESH_TURNS, cardStateKey, nextShownCards, type ShownCards } from '../../src/ui/card-refresh';
import { loadedEngine, SECOND } from './loaded-engine';
import { sameCardProps } from '../../src/ui/components/ProcessCard';
import { authoritativeController, quorumOf } from '../../src/ui/kraft';


/** Frames 100 ms of simulated time apart: under load every broker's figures change in each. */
function frames(engine: ReturnType<typeof loadedEngine>, count: number): Snapshot[] {
  const snapshots: Snapshot[] = [];
  for (let index = 0; index < count; index++) {
    engine.runFor(SECOND / 10);
    snapshots.push(engine.snapshot());
  }
  return snapshots;
}

describe('cards refreshed in turns while playing', () => {
  it('a card whose figures alone changed keeps its view until its turn, and is never more than CARD_REFRESH_TURNS - 1 frames behind', () => {
    const engine = loadedEngine();
    const snapshots = frames(engine, 3 * CARD_REFRESH_TURNS);
    const brokers = snapshots[0]!.processes.filter((process) => process.role === 'broker').map((process) => process.id);
    let shown: ShownCards | null = null;
    let kept = 0;
    /** Per broker: the index of the frame whose view it shows. */
    const showing = new Map<string, number>();
    snapshots.forEach((snapshot, frame) => {
      const previous: ShownCards | null = shown;
      shown = nextShownCards(previous, snapshot.processes, false);
      for (const id of brokers) {
        const current = snapshot.processes.find((process) => process.id === id)!;
        const card = shown.shown.get(id)!.process;
        // The figures did change: the bytes a broker's log holds grow under this load.
        if (frame > 0) expect(current.view!.replicas!.bytes, id).toBeGreaterThan(snapshots[frame - 1]!.processes.find((process) => process.id === id)!.view!.replicas!.bytes);
        if (card === current) showing.set(id, frame);
        else {
          kept++;
          expect(card, `${id} keeps the very object it showed`).toBe(previous!.shown.get(id)!.process);
        }
        expect(frame - showing.get(id)!, `${id} at frame ${frame}`).toBeLessThan(CARD_REFRESH_TURNS);
      }
    });
    // Most cards skipped most frames: (TURNS - 1) / TURNS of them after the first frame.
    expect(kept).toBeGreaterThanOrEqual(((snapshots.length - 1) * brokers.length * (CARD_REFRESH_TURNS - 1)) / CARD_REFRESH_TURNS - brokers.length);
  });

  it('a crash shows on its card in the very frame, whosever turn it is', () => {
    const engine = loadedEngine();
    let shown: ShownCards | null = null;
    for (const snapshot of frames(engine, 2)) shown = nextShownCards(shown, snapshot.processes, false);
    // Crash each broker in turn, one frame apart: every one shows it at once, whatever the turn.
    for (const id of ['broker-1', 'broker-2', 'broker-3']) {
      engine.inject({ kind: 'crash', process: id });
      engine.runFor(SECOND / 10);
      shown = nextShownCards(shown, engine.snapshot().processes, false);
      const card = shown.shown.get(id)!.process;
      expect(card.status, id).toBe('crashed');
      expect(cardStateKey(card)).toContain('crashed');
    }
  });

  it('paused (exact), every card shows the current view', () => {
    const engine = loadedEngine();
    let shown: ShownCards | null = null;
    const snapshots = frames(engine, 4);
    for (const snapshot of snapshots) shown = nextShownCards(shown, snapshot.processes, false);
    const last = snapshots.at(-1)!;
    expect(last.processes.some((process) => shown!.shown.get(process.id)!.process !== process)).toBe(true);
    shown = nextShownCards(shown, last.processes, true);
    for (const process of last.processes) expect(shown.shown.get(process.id)!.process).toBe(process);
  });
});

describe("a card's memo comparator", () => {
  it('skips the same view with the same registration, and redraws when the controller fences the broker', () => {
    const engine = loadedEngine();
    const before = engine.snapshot();
    const broker = before.processes.find((process) => process.id === 'broker-2')!;
    const props = (snapshot: Snapshot) => ({
      process: broker,
      ready: true,
      onFault: noop,
      quorum: quorumOf(snapshot),
      authority: authoritativeController(snapshot),
    });
    // A later frame: new quorum and authority objects, the same registration for broker-2.
    engine.runFor(SECOND / 10);
    expect(sameCardProps(props(before), props(engine.snapshot()))).toBe(true);
    // broker-2 crashes; after broker.session.timeout.ms (9 s) the controller fences it.
    engine.inject({ kind: 'crash', process: 'broker-2' });
    engine.runFor(12 * SECOND);
    const fenced = engine.snapshot();
    expect(authoritativeController(fenced)!.view.registrations.find((registration) => registration.id === 'broker-2')!.fenced).toBe(true);
    expect(sameCardProps(props(before), props(fenced))).toBe(false);
    expect(sameCardProps(props(before), { ...props(before), ready: false })).toBe(false);
  });
});

function noop(): void {}
