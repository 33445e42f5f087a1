// Which view each topology card shows, on snapshots of a real engine under load: while playing, a
// card whose figures alone changed keeps its last view (the same object, so its memoised card
// skips rendering) until its own phase of CARD_REFRESH_MS comes round: at most ~4 refreshes a
// second, never older than CARD_REFRESH_MS plus a frame, a few cards per frame; a card whose state
// changed (a crash, leadership moving) shows it in that very frame; paused or rewound, every card
// shows the exact moment. Also the card's memo comparator: the same view and registration skip, a
// registration fenced redraws.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/engine/api';
import { CARD_HOLD_FRAMES, CARD_REFRESH_MS, cardStateKey, nextDueMs, nextShownCards, refreshPeriodMs, type ShownCards } from '../../src/ui/card-refresh';
import { loadedEngine, SECOND } from './loaded-engine';
import { sameCardView } from '../../src/ui/components/ProcessCard';
import { authoritativeController, quorumOf } from '../../src/ui/kraft';

/** Wall time between two frames: ~31 worker messages a second at 30 brokers and 10x (bench/page.ts). */
const FRAME_MS = 32;

/** Frames 100 ms of simulated time apart (10x at FRAME_MS: near enough): under load every broker's figures change in each. */
function frames(engine: ReturnType<typeof loadedEngine>, count: number): Snapshot[] {
  const snapshots: Snapshot[] = [];
  for (let index = 0; index < count; index++) {
    engine.runFor(SECOND / 10);
    snapshots.push(engine.snapshot());
  }
  return snapshots;
}

/** Frame `frame`'s clock and mode, `frameMs` apart (FRAME_MS unless told). */
function at(snapshot: Snapshot, frame: number, exact = false, frameMs = FRAME_MS) {
  return { nowMs: 1_000 + frame * frameMs, timeUs: snapshot.timeUs, exact };
}

describe("cards' figures refreshed on phases of their own while playing", () => {
  it('a card whose figures alone changed keeps its very view until its phase, at most ~4 times a second, never older than CARD_REFRESH_MS and a frame', () => {
    const engine = loadedEngine();
    const count = Math.ceil(1_000 / FRAME_MS); // one wall second of frames
    const snapshots = frames(engine, count);
    const ids = snapshots[0]!.processes.map((process) => process.id);
    const brokers = snapshots[0]!.processes.filter((process) => process.role === 'broker').map((process) => process.id);
    let shown: ShownCards | null = null;
    let kept = 0;
    /** Per card: the wall time of the frame whose view it shows, and how often it refreshed. */
    const takenMs = new Map<string, number>();
    const refreshes = new Map<string, number>();
    snapshots.forEach((snapshot, frame) => {
      const previous: ShownCards | null = shown;
      const now = at(snapshot, frame);
      shown = nextShownCards(previous, snapshot.processes, now);
      let refreshed = 0;
      for (const id of ids) {
        const current = snapshot.processes.find((process) => process.id === id)!;
        const card = shown.shown.get(id)!.process;
        if (card === current) {
          takenMs.set(id, now.nowMs);
          if (frame > 0) {
            refreshed++;
            refreshes.set(id, (refreshes.get(id) ?? 0) + 1);
          }
        } else {
          kept++;
          expect(card, `${id} keeps the very object it showed`).toBe(previous!.shown.get(id)!.process);
          // Held, its state is still the newest: only figures wait.
          expect(cardStateKey(card), id).toBe(cardStateKey(current));
        }
        expect(now.nowMs - takenMs.get(id)!, `${id} at frame ${frame}`).toBeLessThan(CARD_REFRESH_MS + FRAME_MS);
      }
      // The phases are spread: a frame refreshes the cards whose phase fell in its FRAME_MS, not all at once.
      if (frame > 0) expect(refreshed, `frame ${frame}`).toBeLessThanOrEqual(Math.ceil((ids.length * FRAME_MS) / CARD_REFRESH_MS) + 1);
      // The figures did change: the bytes a broker's log holds grow under this load.
      if (frame > 0) for (const id of brokers) expect(snapshot.processes.find((process) => process.id === id)!.view!.replicas!.bytes, id).toBeGreaterThan(snapshots[frame - 1]!.processes.find((process) => process.id === id)!.view!.replicas!.bytes);
    });
    // Over one wall second each card refreshed its figures about 1000 / CARD_REFRESH_MS = 4 times, never more than 5.
    for (const id of ids) {
      expect(refreshes.get(id) ?? 0, id).toBeGreaterThanOrEqual(3);
      expect(refreshes.get(id) ?? 0, id).toBeLessThanOrEqual(Math.ceil(1_000 / CARD_REFRESH_MS) + 1);
    }
    // Most cards skipped most frames.
    expect(kept).toBeGreaterThan((count - 1) * ids.length * 0.75);
  });

  it('on a slow page (100 ms a frame) a card is held at least 3 frames, so a frame redraws a third of the cards, not ~40%', () => {
    const SLOW_FRAME_MS = 100;
    const engine = loadedEngine();
    const count = 30;
    const snapshots = frames(engine, count);
    const ids = snapshots[0]!.processes.map((process) => process.id);
    let shown: ShownCards | null = null;
    /** Per card: the frame whose view it shows. */
    const takenFrame = new Map<string, number>();
    snapshots.forEach((snapshot, frame) => {
      const previous: ShownCards | null = shown;
      shown = nextShownCards(previous, snapshot.processes, at(snapshot, frame, false, SLOW_FRAME_MS));
      let refreshed = 0;
      for (const id of ids) {
        const current = snapshot.processes.find((process) => process.id === id)!;
        const card = shown.shown.get(id)!.process;
        if (card !== current) continue;
        const before = takenFrame.get(id);
        takenFrame.set(id, frame);
        if (before === undefined) continue;
        refreshed++;
        // The state alone may redraw sooner; figures wait CARD_HOLD_FRAMES frames after any refresh but the first frame's (exact).
        if (before > 0 && cardStateKey(previous!.shown.get(id)!.process) === cardStateKey(current)) expect(frame - before, `${id} at frame ${frame}`).toBeGreaterThanOrEqual(3);
      }
      // Settled on the longer period, a frame redraws at most a third of the cards (and a state change or two).
      if (frame > 4) expect(refreshed, `frame ${frame}`).toBeLessThanOrEqual(Math.ceil(ids.length / 3) + 2);
      // Never older than the period (CARD_HOLD_FRAMES frames) and the frame that brings the refresh.
      for (const id of ids) expect(frame - takenFrame.get(id)!, `${id} at frame ${frame}`).toBeLessThanOrEqual(3 + 1);
    });
  });

  it("the phases' period is CARD_REFRESH_MS, or CARD_HOLD_FRAMES frames on a page slower than that", () => {
    expect(refreshPeriodMs(0)).toBe(CARD_REFRESH_MS);
    expect(refreshPeriodMs(32)).toBe(CARD_REFRESH_MS);
    expect(refreshPeriodMs(100)).toBe(CARD_HOLD_FRAMES * 100);
    expect(nextDueMs(0, 8, 1_000, 300)).toBe(1_200);
    expect(nextDueMs(4, 8, 1_000, 300)).toBe(1_050); // its boundaries fall at 150, 450, 750, 1,050...
  });

  it("each card's phase is its place in the list: the next due time lies within one period, offset by index / count of it", () => {
    expect(nextDueMs(0, 8, 1_000)).toBe(1_250);
    expect(nextDueMs(0, 8, 1_249)).toBe(1_250);
    expect(nextDueMs(4, 8, 1_000)).toBe(1_125); // half a period later in phase: its boundaries fall at 125, 375...
    for (let index = 0; index < 8; index++) {
      for (const nowMs of [0, 17, 1_000, 1_124.5, 99_999]) {
        const due = nextDueMs(index, 8, nowMs);
        expect(due).toBeGreaterThan(nowMs);
        expect(due - nowMs).toBeLessThanOrEqual(CARD_REFRESH_MS);
      }
    }
  });

  it('a crash, and the leadership it moves, show on their cards in the very frame, whosever phase it is', () => {
    const engine = loadedEngine();
    let shown: ShownCards | null = null;
    let frame = 0;
    for (const snapshot of frames(engine, 2)) shown = nextShownCards(shown, snapshot.processes, at(snapshot, frame++));
    const leadsBefore = new Map(engine.snapshot().processes.map((process) => [process.id, process.view?.broker?.leaderOf ?? null]));
    // Crash each broker in turn, one frame apart, then play on until the controller fences the first
    // (broker.session.timeout.ms, 9 s) and moves its leaders: every state shows at once, whatever the phase.
    let leadershipMoved = 0;
    const crashes: (string | null)[] = ['broker-1', 'broker-2'];
    for (let step = 0; step < 150 && leadershipMoved < 3; step++) {
      const id = crashes[step] ?? null;
      if (id !== null) engine.inject({ kind: 'crash', process: id });
      engine.runFor(SECOND / 10);
      const snapshot = engine.snapshot();
      shown = nextShownCards(shown, snapshot.processes, at(snapshot, frame++));
      if (id !== null) expect(shown.shown.get(id)!.process.status, id).toBe('crashed');
      for (const process of snapshot.processes) {
        const card = shown.shown.get(process.id)!.process;
        expect(cardStateKey(card), `${process.id} at frame ${frame}`).toBe(cardStateKey(process));
        expect(card.view?.broker?.leaderOf ?? null, process.id).toBe(process.view?.broker?.leaderOf ?? null);
        if (process.status === 'up' && (process.view?.broker?.leaderOf ?? null) !== leadsBefore.get(process.id)) leadershipMoved++;
      }
    }
    // The rare path was hit: leaders did move to surviving brokers within these frames.
    expect(leadershipMoved).toBeGreaterThan(0);
  });

  it('paused, or a frame earlier than the last (a rewind, a new run), every card shows the current view', () => {
    const engine = loadedEngine();
    let shown: ShownCards | null = null;
    const snapshots = frames(engine, 4);
    snapshots.forEach((snapshot, frame) => (shown = nextShownCards(shown, snapshot.processes, at(snapshot, frame))));
    const last = snapshots.at(-1)!;
    expect(last.processes.some((process) => shown!.shown.get(process.id)!.process !== process)).toBe(true);
    const paused = nextShownCards(shown, last.processes, at(last, 4, true));
    for (const process of last.processes) expect(paused.shown.get(process.id)!.process).toBe(process);
    // Playing on from the last frame, then rewound to the second frame while still playing: exact.
    const playing = nextShownCards(shown, last.processes, at(last, 4));
    expect(last.processes.some((process) => playing.shown.get(process.id)!.process !== process)).toBe(true);
    const earlier = snapshots[1]!;
    const rewound = nextShownCards(playing, earlier.processes, at(earlier, 5));
    for (const process of earlier.processes) expect(rewound.shown.get(process.id)!.process).toBe(process);
  });
});

describe("a card's view comparison (the node feed keeps its entry, so the card does not render)", () => {
  it('skips the same view with the same registration, and redraws when the controller fences the broker', () => {
    const engine = loadedEngine();
    const before = engine.snapshot();
    const broker = before.processes.find((process) => process.id === 'broker-2')!;
    const props = (snapshot: Snapshot) => ({
      process: broker,
      quorum: quorumOf(snapshot),
      authority: authoritativeController(snapshot),
    });
    // A later frame: new quorum and authority objects, the same registration for broker-2.
    engine.runFor(SECOND / 10);
    expect(sameCardView(props(before), props(engine.snapshot()))).toBe(true);
    // broker-2 crashes; after broker.session.timeout.ms (9 s) the controller fences it.
    engine.inject({ kind: 'crash', process: 'broker-2' });
    engine.runFor(12 * SECOND);
    const fenced = engine.snapshot();
    expect(authoritativeController(fenced)!.view.registrations.find((registration) => registration.id === 'broker-2')!.fenced).toBe(true);
    expect(sameCardView(props(before), props(fenced))).toBe(false);
    expect(sameCardView(props(before), { ...props(before), selected: true })).toBe(false);
    expect(sameCardView(props(before), { ...props(before), compact: true })).toBe(false);
  });
});

