// Which process view each topology card shows in a frame. While the run plays, a card whose state
// changed (see cardStateKey) shows the new view at once; a card whose figures alone changed keeps
// the view it showed until its own phase of CARD_REFRESH_MS comes round, as rows-held.ts does for
// the partitions panel: each card refreshes its figures at most ~4 times a second (a readable
// rate), the phases spread over the cards by their place in the list, so a frame (~31 a second at
// 30 brokers and 10x) refreshes ~1/8 of them. On a slow page the period stretches to
// CARD_HOLD_FRAMES frames (the frames' interval measured as they come): at ~10 frames a second a
// 250 ms phase came round every 2 to 3 frames, so a frame redrew ~40% of the cards (more than the
// thirds-in-turns rule before the phases); over 3 frames' period, a third. No card shows figures
// older than that period, max(CARD_REFRESH_MS, CARD_HOLD_FRAMES frames), plus the frame that brings
// the refresh. Paused, stepping, rewound or a new run: every card shows the exact moment.
//
// State (never held: cardStateKey) and figures (held), per card:
// - every card: status (up, crashed, stopped), isolation, incarnation, crashes, whether it has a
//   view. Selection and the quorum a card reads (leader, active controller, majority, a broker's
//   registration: fenced, controlled shutdown, broker epoch) are compared by ProcessCard's
//   sameCardView and never go through this hold; hover and focus are CSS. Held: the network
//   probe's line (peers reached, round trips, bytes; compact cards, 13+ brokers, do not draw it):
//   a peer down or cut off shows at once on its own card, its zone and the network panel, and
//   counting it as state redrew every card twice per crash in bench/card-refresh.ts (66 of 75
//   state refreshes in 120 s of the 30-broker lesson).
// - broker: lifecycle state, leadership (Leads, Follows: the counts change only when leaders move),
//   slow disk, a filled or full log directory, a log directory failure, a failed upload or remote
//   read (alarms). Held: Applied (metadata offset), log bytes, unflushed bytes, the storage bar's
//   widths, queued writes and backlog, segments and bytes uploaded, remote reads.
// - controller: raft role, leader, epoch, active. Held: log end and committed offsets.
// - producer: its rate (the rate buttons), closing, metadata known, which errors it reports, any
//   record failed. Held: acked, failed count, p99, queued, in flight, an error's time.
// - consumer: group phase, generation (its owned partitions), the last error's code. Held: lag,
//   rate, e2e p99.
// - object store: outage, extra latency. Held: objects, bytes, requests, cost.
// - ZooKeeper contrast: a broker's controller state, Leads/Follows; ZooKeeper's controller and its
//   live sessions. Held: partitions known, controller epoch follows the controller.
//
// Why: at 30 brokers every figure of every card changed every frame while playing at 10x. Cards
// refreshed in turns of a third per frame still rendered ~136 components and made ~80 DOM
// mutations per worker message (bench/page.ts), each card ~10 times a second, faster than anyone
// reads a number. A card shown unchanged keeps its object identity, so the topology's node feed
// keeps its entry (ProcessCard's sameCardView) and tells nothing: the card does not render.
//
// Owns: the choice of view per card, pure (the wall clock comes in as an argument). Never: reads
// the DOM or a clock, alters a view, or holds a card's state or a paused run's figures.

import type { ProcessSnapshot } from '../engine/api';

/** While playing, a card whose figures alone changed refreshes them at most once per this many wall milliseconds, on its own phase. */
export const CARD_REFRESH_MS = 250;

/**
 * A card's figures are held for at least this many frames: the phases' period is
 * max(CARD_REFRESH_MS, this many frames' interval), so a frame redraws at most ~1/3 of the cards
 * whatever the page's frame rate. At ~31 frames a second 250 ms is ~8 frames: only a page slower
 * than 12 frames a second sees a longer period.
 */
export const CARD_HOLD_FRAMES = 3;

/** Weight of the newest interval in the frames' moving average (a few frames' memory: a slowdown shows within ~4 frames). */
const FRAME_MS_WEIGHT = 0.25;

/** A gap between two playing frames longer than this (a tab in the background, a long rebuild) is not a frame interval. */
const FRAME_GAP_MS_MAX = 1_000;

export interface ShownCard {
  readonly process: ProcessSnapshot;
  /** cardStateKey of `process`. */
  readonly state: string;
  /** Wall time (ms) from which this card's next refresh of its figures is due. */
  readonly dueMs: number;
  /**
   * The frame (ShownCards.frame) from which it is due: CARD_HOLD_FRAMES after a refresh while
   * playing (the period's estimate moves with the frames, so the phase alone could come round a
   * frame early), the next frame after an exact one (every card refreshed at once: the phases
   * spread them again).
   */
  readonly dueFrame: number;
}

export interface ShownCards {
  /** The simulated time of the frame shown: a frame earlier than it (a rewind, a new run) shows every card exactly. */
  readonly timeUs: number;
  /** Frames chosen since the first (one per snapshot shown). */
  readonly frame: number;
  /** The wall time (ms) of this frame. */
  readonly nowMs: number;
  /** Whether this frame was exact (paused, stepped, rewound, the first): the interval after it is not a playing frame's. */
  readonly exact: boolean;
  /** The playing frames' interval (ms), a moving average; 0 until two playing frames came. */
  readonly frameMs: number;
  /** Per process id: the view its card shows, that view's state key and when its figures are due again. */
  readonly shown: ReadonlyMap<string, ShownCard>;
}

/** What the frame's clock and mode are. `exact`: every card shows its current view (paused, stepping, rewound). */
export interface CardRefreshAt {
  readonly nowMs: number;
  readonly timeUs: number;
  readonly exact: boolean;
}

/**
 * The first wall time after `nowMs` at which card `index` of `count` is due: its phase boundaries
 * are `periodMs` apart, offset by its place in the list (index / count of the period).
 */
export function nextDueMs(index: number, count: number, nowMs: number, periodMs = CARD_REFRESH_MS): number {
  const offsetMs = (index / Math.max(1, count)) * periodMs;
  return (Math.floor((nowMs + offsetMs) / periodMs) + 1) * periodMs - offsetMs;
}

/** The phases' period for frames `frameMs` apart: CARD_REFRESH_MS, or CARD_HOLD_FRAMES frames on a slower page. */
export function refreshPeriodMs(frameMs: number): number {
  return Math.max(CARD_REFRESH_MS, CARD_HOLD_FRAMES * frameMs);
}

/** The playing frames' moving average interval after a frame at `nowMs` (exact frames and long gaps leave it as it was). */
function nextFrameMs(previous: ShownCards | null, nowMs: number, exact: boolean): number {
  if (previous === null) return 0;
  const gapMs = nowMs - previous.nowMs;
  if (exact || previous.exact || gapMs <= 0 || gapMs > FRAME_GAP_MS_MAX) return previous.frameMs;
  return previous.frameMs === 0 ? gapMs : previous.frameMs + FRAME_MS_WEIGHT * (gapMs - previous.frameMs);
}

/**
 * What a card shows that must never lag (the state, listed per card above): its status and the
 * states it names, leadership, alarms, and everything that decides which buttons it offers (Crash
 * or Restart, Isolate or Reconnect, Slow or Heal disk, Fill or Free disk, Shut down, a producer's
 * rate steps, the object store's outage).
 */
export function cardStateKey(process: ProcessSnapshot): string {
  const view = process.view;
  const storage = process.storage;
  const remote = view?.remoteLog;
  const producer = view?.producer;
  return [
    process.status,
    process.isolated ? 'isolated' : '',
    process.incarnation,
    process.crashes,
    view === null ? 'no-view' : '',
    view?.broker?.state ?? '',
    view?.broker?.leaderOf ?? '',
    view?.broker?.followerOf ?? '',
    view?.raft?.role ?? '',
    view?.raft?.leader ?? '',
    view?.raft?.epoch ?? '',
    view?.controller?.active === true ? 'active' : '',
    view?.disk?.degraded === true ? 'slow-disk' : '',
    storage === undefined ? '' : storage.filledBytes > 0 ? 'filled' : '',
    storage === undefined ? '' : Math.min(storage.capacityBytes, storage.logBytes + storage.filledBytes) >= storage.capacityBytes - 1_048_576 ? 'full' : '',
    storage?.logDirFailure != null ? 'halted' : '',
    remote === undefined ? '' : `${remote.copyFailures > 0 ? 'copy-failed' : ''}/${remote.remoteReadFailures > 0 ? 'read-failed' : ''}`,
    producer?.recordsPerSecond ?? '',
    producer?.closing === true ? 'closing' : '',
    producer === undefined ? '' : producer.metadataKnown ? 'metadata' : 'no-metadata',
    producer === undefined ? '' : producer.recordsFailed > 0 ? 'failed' : '',
    producer?.recentErrors.map((error) => error.code).join(',') ?? '',
    view?.consumer?.phase ?? '',
    view?.consumer?.generationId ?? '',
    view?.consumer?.lastError?.code ?? '',
    view?.objectStore?.outage === true ? 'outage' : '',
    view?.objectStore?.extraLatencyMs ?? '',
    view?.legacy?.controllerState ?? '',
    view?.legacy?.leaderOf ?? '',
    view?.legacy?.followerOf ?? '',
    view?.zookeeper?.controller ?? '',
    view?.zookeeper?.sessions ?? '',
  ].join('|');
}

/**
 * The views the cards show for `processes`, given what they showed last frame: the newest view
 * when the frame is exact or earlier than the last, the card is new, its state changed or its
 * figures are due (its phase came round); otherwise the very view it showed (the same object).
 */
export function nextShownCards(previous: ShownCards | null, processes: readonly ProcessSnapshot[], at: CardRefreshAt): ShownCards {
  const exact = at.exact || previous === null || at.timeUs < previous.timeUs;
  const frame = previous === null ? 0 : previous.frame + 1;
  const frameMs = nextFrameMs(previous, at.nowMs, exact);
  const periodMs = refreshPeriodMs(frameMs);
  const shown = new Map<string, ShownCard>();
  processes.forEach((process, index) => {
    const state = cardStateKey(process);
    const before = previous?.shown.get(process.id);
    const due = exact || before === undefined || before.state !== state || (at.nowMs >= before.dueMs && frame >= before.dueFrame);
    const dueFrame = frame + (exact ? 1 : CARD_HOLD_FRAMES);
    shown.set(process.id, due ? { process, state, dueMs: nextDueMs(index, processes.length, at.nowMs, periodMs), dueFrame } : before);
  });
  return { timeUs: at.timeUs, frame, nowMs: at.nowMs, exact, frameMs, shown };
}
