// Which view each topology card shows, on snapshots of a real engine under load: while playing, a
// card whose figures alone changed keeps its last view (the same object, so its memoised card
// skips rendering) until its own phase of CARD_REFRESH_MS comes round: at most ~2 refreshes a
// second, never older than CARD_REFRESH_MS plus a frame, a few cards per frame; a card whose state
// changed (a crash, leadership moving) shows it in that very frame; paused or rewound, every card
// shows the exact moment. Also the card's memo comparator: the same view and registration skip, a
// registration fenced redraws.
import { describe, expect, it } from 'vitest';
import type { ProcessSnapshot, Snapshot } from '../../src/engine/api';
import { CARD_HOLD_FRAMES, CARD_REFRESH_MS, cardStateKey, nextDueMs, nextShownCards, refreshPeriodMs, sameCardState, type ShownCards } from '../../src/ui/card-refresh';
import { loadedEngine, SECOND } from './loaded-engine';
import { maxWaitFrames } from '../../src/ui/refresh-budget';
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
  it('a card whose figures alone changed keeps its very view until its phase, at most ~2 times a second, never older than CARD_REFRESH_MS and a frame', () => {
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
    // Over one wall second each card refreshed its figures about 1000 / CARD_REFRESH_MS = 2 times, never more than 3.
    for (const id of ids) {
      expect(refreshes.get(id) ?? 0, id).toBeGreaterThanOrEqual(Math.floor(1_000 / CARD_REFRESH_MS) - 1);
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
    expect(refreshPeriodMs(200)).toBe(CARD_HOLD_FRAMES * 200);
    expect(nextDueMs(0, 8, 1_000, 300)).toBe(1_200);
    expect(nextDueMs(4, 8, 1_000, 300)).toBe(1_050); // its boundaries fall at 150, 450, 750, 1,050...
  });

  it("each card's phase is its place in the list: the next due time lies within one period, offset by index / count of it", () => {
    expect(nextDueMs(0, 8, 1_000)).toBe(1_500);
    expect(nextDueMs(0, 8, 1_499)).toBe(1_500);
    expect(nextDueMs(4, 8, 1_000)).toBe(1_250); // half a period later in phase: its boundaries fall at 250, 750, 1,250...
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

describe("a frame's card refreshes bounded by a count, not by the wall time since the frame before", () => {
  // The cards of a 30-broker lesson (~40: here the loaded engine's processes, copied under ids of
  // their own) played at FRAME_MS, then a gap (a slow frame, a slow worker task, a GC) of N
  // periods: before the bound every card whose phase passed in the gap came due in the frame after
  // it (all 40 from a gap of one period); now at most the budget a frame, due longest first.
  const CARDS = 40;
  /** The budget at FRAME_MS: 1.5 times the cards a frame brings due (40 * 32 / 500 = 2.6), as refresh-budget.ts sizes it. */
  const STEADY_BUDGET = Math.ceil((1.5 * CARDS * FRAME_MS) / CARD_REFRESH_MS);

  function cardsOf(): ProcessSnapshot[] {
    const processes = loadedEngine().snapshot().processes;
    return Array.from({ length: CARDS }, (_, index) => ({ ...processes[index % processes.length]!, id: `card-${index}` }));
  }
  /** The same cards with new figures: each a new object in the same state, as a playing frame brings them. */
  const refigured = (cards: readonly ProcessSnapshot[]) => cards.map((card) => ({ ...card }));

  /** Plays `count` frames FRAME_MS apart from `fromMs`, each with new figures; returns the last frame's cards and what each frame refreshed. */
  function play(shown: ShownCards | null, cards: readonly ProcessSnapshot[], fromMs: number, count: number, timeUs: number) {
    let current = cards;
    let last = shown;
    const refreshed: number[] = [];
    for (let frame = 0; frame < count; frame++) {
      current = refigured(current);
      const before: ShownCards | null = last;
      last = nextShownCards(before, current, { nowMs: fromMs + frame * FRAME_MS, timeUs: timeUs + frame, exact: false });
      refreshed.push(current.filter((card) => last!.shown.get(card.id)!.process === card).length);
    }
    return { shown: last!, cards: current, refreshed };
  }

  it('after a gap of 1 to 40 periods a frame refreshes at most the budget, those due longest first, and every card within maxWaitFrames frames', () => {
    expect(STEADY_BUDGET).toBe(4);
    for (const periods of [1, 2, 3, 5, 40]) {
      const steady = play(null, cardsOf(), 0, 40, 0);
      expect(steady.shown.budget, `${periods}`).toBe(STEADY_BUDGET);
      // Settled: a frame refreshes its share (~3), each card ~2 times a second.
      expect(Math.max(...steady.refreshed.slice(10)), `${periods}`).toBeLessThanOrEqual(STEADY_BUDGET);
      const gapEndMs = 39 * FRAME_MS + periods * CARD_REFRESH_MS + 7;
      // The frame after the gap and the next ones, each with new figures.
      let shown: ShownCards = steady.shown;
      let cards = steady.cards;
      const firstRefresh = new Map<string, number>();
      for (let frame = 0; frame < 12; frame++) {
        const before = shown;
        cards = refigured(cards);
        shown = nextShownCards(before, cards, { nowMs: gapEndMs + frame * FRAME_MS, timeUs: 1_000 + frame, exact: false });
        const chosen = cards.filter((card) => shown.shown.get(card.id)!.process === card);
        expect(chosen.length, `gap of ${periods} periods, frame ${frame}`).toBeLessThanOrEqual(STEADY_BUDGET);
        for (const card of chosen) if (!firstRefresh.has(card.id)) firstRefresh.set(card.id, frame);
        // Those due longest first: no card left waiting came due before one refreshed.
        const waiting = cards.filter((card) => shown.shown.get(card.id)!.process !== card && before.shown.get(card.id)!.dueMs <= gapEndMs + frame * FRAME_MS);
        if (waiting.length > 0 && chosen.length > 0) {
          expect(Math.max(...chosen.map((card) => before.shown.get(card.id)!.dueMs))).toBeLessThanOrEqual(Math.min(...waiting.map((card) => before.shown.get(card.id)!.dueMs)));
        }
        if (frame === 0) expect(chosen.length, `gap of ${periods} periods: the budget is spent`).toBe(STEADY_BUDGET);
      }
      // The bound: every card came due in the gap, and each refreshed within maxWaitFrames(40, 4) = 10 frames of it.
      expect(maxWaitFrames(CARDS, STEADY_BUDGET)).toBe(10);
      expect(firstRefresh.size, `gap of ${periods} periods`).toBe(CARDS);
      expect(Math.max(...firstRefresh.values()), `gap of ${periods} periods`).toBeLessThan(maxWaitFrames(CARDS, STEADY_BUDGET));
    }
  });

  it('played on after a gap, no card shows figures older than the period plus maxWaitFrames frames', () => {
    const steady = play(null, cardsOf(), 0, 40, 0);
    let shown = steady.shown;
    let cards = steady.cards;
    const takenMs = new Map(cards.map((card) => [card.id, 39 * FRAME_MS]));
    const boundMs = CARD_REFRESH_MS + maxWaitFrames(CARDS, STEADY_BUDGET) * FRAME_MS;
    // Gaps of one and three periods, each followed by two seconds of frames.
    let nowMs = 39 * FRAME_MS;
    for (const gapMs of [CARD_REFRESH_MS, 3 * CARD_REFRESH_MS]) {
      nowMs += gapMs;
      for (let frame = 0; frame < 60; frame++, nowMs += FRAME_MS) {
        cards = refigured(cards);
        shown = nextShownCards(shown, cards, { nowMs, timeUs: nowMs, exact: false });
        for (const card of cards) {
          if (shown.shown.get(card.id)!.process === card) takenMs.set(card.id, nowMs);
          // Frames after the gap's first maxWaitFrames: the backlog drained, each card's age within the bound.
          if (frame >= maxWaitFrames(CARDS, STEADY_BUDGET)) expect(nowMs - takenMs.get(card.id)!, `${card.id} ${frame} frames after a gap of ${gapMs} ms`).toBeLessThanOrEqual(boundMs);
        }
      }
    }
  });

  it('a change of state is never held by the budget: after a gap, twelve cards crashed show it in that frame beside the budget of figures', () => {
    const steady = play(null, cardsOf(), 0, 40, 0);
    const crashed = new Set(steady.cards.slice(0, 12).map((card) => card.id));
    const cards = steady.cards.map((card) => (crashed.has(card.id) ? { ...card, crashes: card.crashes + 1 } : { ...card }));
    const shown = nextShownCards(steady.shown, cards, { nowMs: 39 * FRAME_MS + 2 * CARD_REFRESH_MS, timeUs: 1_000, exact: false });
    for (const card of cards) if (crashed.has(card.id)) expect(shown.shown.get(card.id)!.process, card.id).toBe(card);
    // The figures' budget is spent on the others as well: state changes do not count against it.
    const figures = cards.filter((card) => !crashed.has(card.id) && shown.shown.get(card.id)!.process === card).length;
    expect(figures).toBe(STEADY_BUDGET);
  });

  it('paused, stepped or rewound with a backlog waiting, every card is exact at once', () => {
    const steady = play(null, cardsOf(), 0, 40, 0);
    const cards = refigured(steady.cards);
    const afterGap = nextShownCards(steady.shown, cards, { nowMs: 39 * FRAME_MS + 3 * CARD_REFRESH_MS, timeUs: 1_000, exact: false });
    expect(cards.filter((card) => afterGap.shown.get(card.id)!.process !== card).length).toBe(CARDS - STEADY_BUDGET);
    const paused = nextShownCards(afterGap, cards, { nowMs: 39 * FRAME_MS + 3 * CARD_REFRESH_MS + 5, timeUs: 1_000, exact: true });
    for (const card of cards) expect(paused.shown.get(card.id)!.process, card.id).toBe(card);
    const rewound = nextShownCards(afterGap, cards, { nowMs: 39 * FRAME_MS + 3 * CARD_REFRESH_MS + 5, timeUs: 10, exact: false });
    for (const card of cards) expect(rewound.shown.get(card.id)!.process, card.id).toBe(card);
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


/** A process view with every part a card's state reads (a broker with the other roles' parts grafted on), as plain data to change one field of. */
type Mutable = Record<string, unknown>;

function fullProcess(snapshot: Snapshot): ProcessSnapshot {
  const of = (id: string) => snapshot.processes.find((process) => process.id === id)!;
  const broker = structuredClone(of('broker-1'));
  const controller = snapshot.processes.find((process) => process.view?.raft !== undefined)!;
  const producer = snapshot.processes.find((process) => process.view?.producer !== undefined)!;
  expect(broker.storage, 'a KRaft broker reads its disk').toBeDefined();
  const view = broker.view as unknown as Mutable;
  view.raft = structuredClone(controller.view!.raft);
  view.controller = structuredClone(controller.view!.controller);
  view.producer = { ...structuredClone(producer.view!.producer!), recentErrors: [{ code: 'NOT_LEADER_OR_FOLLOWER', detail: 'moved', atUs: 1 }] };
  view.disk = { degraded: false, extraLatencyMs: 0, throughputMBps: null, queuedWrites: 0, backlogMs: 0 };
  view.remoteLog = { copyFailures: 0, remoteReadFailures: 0, segmentsCopied: 3, bytesCopied: 10, inFlight: 0, remoteReads: 0 };
  view.consumer = { phase: 'stable', generationId: 4, lastError: null, lag: 1 };
  view.objectStore = { outage: false, extraLatencyMs: 0, objects: 1 };
  view.legacy = { controllerState: 'none', leaderOf: 2, followerOf: 4, partitionsKnown: 6 };
  view.zookeeper = { controller: 'broker-1', controllerEpoch: 1, sessions: 6 };
  return broker;
}

/** A copy of `process` with one part changed by `change` (on plain data: the test reaches any field). */
function changed(process: ProcessSnapshot, change: (process: Mutable, view: Mutable, part: (name: string) => Mutable) => void): ProcessSnapshot {
  const copy = structuredClone(process);
  const view = copy.view as unknown as Mutable;
  change(copy as unknown as Mutable, view, (name) => view[name] as Mutable);
  return copy;
}

/** Each state field of a card (card-refresh.ts's header), changed alone: one entry per part of cardStateKey, and a few presences. */
const STATE_CHANGES: Record<string, (process: Mutable, view: Mutable, part: (name: string) => Mutable) => void> = {
  status: (process) => (process.status = 'stopped'),
  isolated: (process) => (process.isolated = true),
  incarnation: (process) => (process.incarnation = (process.incarnation as number) + 1),
  crashes: (process) => (process.crashes = (process.crashes as number) + 1),
  'no view': (process) => (process.view = null),
  'broker state': (_, __, part) => (part('broker').state = 'PENDING_CONTROLLED_SHUTDOWN'),
  'broker leads': (_, __, part) => (part('broker').leaderOf = (part('broker').leaderOf as number) + 1),
  'broker follows': (_, __, part) => (part('broker').followerOf = (part('broker').followerOf as number) + 1),
  'no broker part': (_, view) => delete view.broker,
  'raft role': (_, __, part) => (part('raft').role = part('raft').role === 'leader' ? 'follower' : 'leader'),
  'raft leader': (_, __, part) => (part('raft').leader = 'controller-9'),
  'raft leader unknown': (_, __, part) => (part('raft').leader = null),
  'raft epoch': (_, __, part) => (part('raft').epoch = (part('raft').epoch as number) + 1),
  'controller active': (_, __, part) => (part('controller').active = !(part('controller').active as boolean)),
  'disk slow': (_, __, part) => (part('disk').degraded = true),
  'disk filled': (process) => ((process.storage as Mutable).filledBytes = 1),
  'disk full': (process) => {
    const storage = process.storage as Mutable;
    storage.logBytes = storage.capacityBytes;
  },
  'log dir failed': (process) => ((process.storage as Mutable).logDirFailure = { atUs: 1, reason: 'full' }),
  'upload failed': (_, __, part) => (part('remoteLog').copyFailures = 1),
  'remote read failed': (_, __, part) => (part('remoteLog').remoteReadFailures = 2),
  'no tiering': (_, view) => delete view.remoteLog,
  'producer rate': (_, __, part) => (part('producer').recordsPerSecond = (part('producer').recordsPerSecond as number) + 100),
  'producer closing': (_, __, part) => (part('producer').closing = true),
  'producer metadata': (_, __, part) => (part('producer').metadataKnown = !(part('producer').metadataKnown as boolean)),
  'producer failed a record': (_, __, part) => (part('producer').recordsFailed = 1),
  'producer error codes': (_, __, part) => (part('producer').recentErrors = [{ code: 'REQUEST_TIMED_OUT', detail: 'moved', atUs: 1 }]),
  'producer another error': (_, __, part) => (part('producer').recentErrors = [...(part('producer').recentErrors as unknown[]), { code: 'REQUEST_TIMED_OUT', detail: 'x', atUs: 2 }]),
  'no producer': (_, view) => delete view.producer,
  'consumer phase': (_, __, part) => (part('consumer').phase = 'rebalancing'),
  'consumer generation': (_, __, part) => (part('consumer').generationId = 5),
  'consumer error': (_, __, part) => (part('consumer').lastError = { code: 'UNKNOWN_MEMBER_ID' }),
  'object store outage': (_, __, part) => (part('objectStore').outage = true),
  'object store latency': (_, __, part) => (part('objectStore').extraLatencyMs = 200),
  'legacy controller': (_, __, part) => (part('legacy').controllerState = 'active'),
  'legacy leads': (_, __, part) => (part('legacy').leaderOf = 3),
  'legacy follows': (_, __, part) => (part('legacy').followerOf = 5),
  'zookeeper controller': (_, __, part) => (part('zookeeper').controller = 'broker-2'),
  'zookeeper no controller': (_, __, part) => (part('zookeeper').controller = null),
  'zookeeper sessions': (_, __, part) => (part('zookeeper').sessions = 5),
};

/** Figures a card holds (never state): changed alone, the card waits for its phase. */
const FIGURE_CHANGES: Record<string, (process: Mutable, view: Mutable, part: (name: string) => Mutable) => void> = {
  'bytes sent': (process) => (process.bytesSent = (process.bytesSent as number) + 1),
  'log bytes': (process) => ((process.storage as Mutable).logBytes = ((process.storage as Mutable).logBytes as number) + 1),
  'unflushed bytes': (process) => ((process.storage as Mutable).unflushedBytes = 7),
  'raft log end': (_, __, part) => (part('raft').logEndOffset = (part('raft').logEndOffset as number) + 1),
  'producer acked': (_, __, part) => (part('producer').recordsAcked = (part('producer').recordsAcked as number) + 1),
  'producer error detail': (_, __, part) => (part('producer').recentErrors = [{ code: 'NOT_LEADER_OR_FOLLOWER', detail: 'elsewhere', atUs: 9 }]),
  'consumer lag': (_, __, part) => (part('consumer').lag = 99),
  'tiering uploads': (_, __, part) => (part('remoteLog').segmentsCopied = 4),
  'disk queue': (_, __, part) => (part('disk').queuedWrites = 3),
  'object store objects': (_, __, part) => (part('objectStore').objects = 2),
  'zookeeper epoch': (_, __, part) => (part('zookeeper').controllerEpoch = 2),
};

describe("a card's state compared field by field (sameCardState), never lagging", () => {
  it('says the same as the state key on every process of a loaded run, frame after frame, crashes included', () => {
    const engine = loadedEngine();
    let previous = engine.snapshot();
    let compared = 0;
    let differing = 0;
    for (let frame = 0; frame < 60; frame++) {
      if (frame === 10) engine.inject({ kind: 'crash', process: 'broker-3' });
      if (frame === 20) engine.inject({ kind: 'crash', process: previous.processes.find((process) => process.view?.raft?.role === 'leader')!.id });
      engine.runFor(SECOND / 5);
      const snapshot = engine.snapshot();
      for (const process of snapshot.processes) {
        const before = previous.processes.find((candidate) => candidate.id === process.id)!;
        const same = cardStateKey(before) === cardStateKey(process);
        expect(sameCardState(before, process), `${process.id} at frame ${frame}`).toBe(same);
        compared++;
        if (!same) differing++;
      }
      previous = snapshot;
    }
    // Both answers were exercised: states did change (crashes, elections, leadership moving).
    expect(differing).toBeGreaterThan(5);
    expect(compared - differing).toBeGreaterThan(differing);
  });

  it.each(Object.entries(STATE_CHANGES))('%s changed alone is a new state, and the card shows it in the very frame', (name, change) => {
    const engine = loadedEngine();
    const base = fullProcess(engine.snapshot());
    const after = changed(base, change);
    expect(cardStateKey(after), `the key names ${name}`).not.toBe(cardStateKey(base));
    expect(sameCardState(base, after), name).toBe(false);
    expect(sameCardState(after, base), name).toBe(false);
    // Mid-phase (the card refreshed a frame ago, its figures not due): the state still shows at once.
    const first = nextShownCards(null, [base], { nowMs: 1_000, timeUs: 1, exact: false });
    const second = nextShownCards(first, [base], { nowMs: 1_010, timeUs: 2, exact: false });
    expect(second.shown.get(base.id)!.process).toBe(base);
    const third = nextShownCards(second, [after], { nowMs: 1_020, timeUs: 3, exact: false });
    expect(third.shown.get(base.id)!.process, name).toBe(after);
  });

  it.each(Object.entries(FIGURE_CHANGES))('%s changed alone is a figure: the card keeps its view until its phase', (name, change) => {
    const engine = loadedEngine();
    const base = fullProcess(engine.snapshot());
    const after = changed(base, change);
    expect(cardStateKey(after), name).toBe(cardStateKey(base));
    expect(sameCardState(base, after), name).toBe(true);
    const first = nextShownCards(null, [base], { nowMs: 1_000, timeUs: 1, exact: false });
    const second = nextShownCards(first, [after], { nowMs: 1_010, timeUs: 2, exact: false });
    expect(second.shown.get(base.id)!.process, name).toBe(base);
  });
});
