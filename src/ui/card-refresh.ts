// Which process view each topology card shows in a frame. While the run plays, a card whose state
// changed (see sameCardState) shows the new view at once; a card whose figures alone changed keeps
// the view it showed until its own phase of CARD_REFRESH_MS comes round, as rows-held.ts does for
// the partitions panel: each card refreshes its figures at most twice a second (a readable rate,
// as a dashboard's; it was four times until the twenty-first session, see CARD_REFRESH_MS), the
// phases spread over the cards by their place in the list, so a frame (~40 a second at 30 brokers
// and 10x) refreshes ~1/20 of them. On a slow page the period stretches to CARD_HOLD_FRAMES frames
// (the frames' interval measured as they come, refresh-budget.ts): over 3 frames' period, a frame
// redraws at most a third of the cards.
//
// A frame refreshes the figures of at most `refreshBudget` cards (refresh-budget.ts: 1.5 times the
// cards a frame brings due at the measured frame interval, 4 of ~40 at 31 frames a second), those
// due longest first; the others wait for the next frames. Without the bound a frame refreshed
// every card whose phase passed since the frame before, so after a gap (a slow frame, a slow worker
// task, a GC) 11 to 20 cards came due in one commit and made that frame slow too (issue 7, item 9,
// the twenty-first session). A change of state is never held nor counted: it shows in the frame it
// arrives. The staleness bound: a card's figures come due at most a period after they were taken
// (max(CARD_REFRESH_MS, CARD_HOLD_FRAMES frames)), and a card due refreshes within
// maxWaitFrames(cards, budget) frames (10 at 40 cards and 4), so no card shows figures older than
// the period plus that many frames. Paused, stepping, rewound or a new run: every card shows the
// exact moment.
//
// State (never held: sameCardState) and figures (held), per card:
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
import { frameIntervalMs, longestDue, nextIntervalsMs, refreshBudget } from './refresh-budget';

/**
 * While playing, a card whose figures alone changed refreshes them at most once per this many wall
 * milliseconds, on its own phase. 500 since the twenty-first session (250 before): the cards' commit
 * was the largest of a message's three (36 components a commit, p95 ~85), and at twice a second a
 * card's figures are as readable and half as dear (`npx tsx bench/page.ts --dist=DIR --layerize`, A
 * = 250, B = 500, B A B A at load 1.0 to 3.6: components per cards' commit 36 / 36 -> 19 / 20,
 * frames over 16 ms of thread time 60 of 492 / 54 of 480 -> 47 of 514 / 46 of 512, thread-time p95
 * 23.7 / 23.8 -> 19.3 / 20.1 ms).
 */
export const CARD_REFRESH_MS = 500;

/**
 * A card's figures are held for at least this many frames: the phases' period is
 * max(CARD_REFRESH_MS, this many frames' interval), so a frame redraws at most ~1/3 of the cards
 * whatever the page's frame rate. At ~31 frames a second 500 ms is ~15 frames: only a page slower
 * than 6 frames a second sees a longer period.
 */
export const CARD_HOLD_FRAMES = 3;

/**
 * The share of the cards a frame may refresh before the frames' interval is known (a run's first
 * playing frames): half. A third cut the second frame of a run at 10 frames a second (15 cards due,
 * 13 allowed), and the cards it put off stayed a frame behind their phase in step with the next
 * group (bench/card-refresh.ts 100: p95 15 -> 17 cards a frame).
 */
const CARD_SHARE_UNKNOWN = 1 / 2;

export interface ShownCard {
  readonly process: ProcessSnapshot;
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
  /** The last playing frames' intervals (ms), oldest first (refresh-budget.ts's nextIntervalsMs). */
  readonly intervalsMs: readonly number[];
  /** The playing frames' interval (ms): the intervals' median; 0 until two playing frames came. */
  readonly frameMs: number;
  /** The most cards whose figures alone are due that this frame may refresh (refresh-budget.ts's refreshBudget). */
  readonly budget: number;
  /** Per process id: the view its card shows and when its figures are due again. */
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

/** Whether a broker's log directory is full: within 1 MiB of log.dir.capacity.bytes (as StorageLine draws it). */
function storageFull(storage: NonNullable<ProcessSnapshot['storage']>): boolean {
  return Math.min(storage.capacityBytes, storage.logBytes + storage.filledBytes) >= storage.capacityBytes - 1_048_576;
}

/** The codes of a producer's reported errors, in order, alike. */
function sameErrorCodes(a: readonly { readonly code: string }[], b: readonly { readonly code: string }[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index]!.code !== b[index]!.code) return false;
  return true;
}

/**
 * Whether two views of a process show the same state (listed per card above): its status and the
 * states it names, leadership, alarms, and everything that decides which buttons it offers (Crash
 * or Restart, Isolate or Reconnect, Slow or Heal disk, Fill or Free disk, Shut down, a producer's
 * rate steps, the object store's outage). A card whose state differs from the view it shows is
 * redrawn at once. Fields compared one by one, cheapest and likeliest to differ first: this runs
 * for every process in every frame (~40 at 30 brokers, ~30 frames a second), where a key string
 * of 32 parts per process was built and compared before (issue 7, item 9).
 */
export function sameCardState(a: ProcessSnapshot, b: ProcessSnapshot): boolean {
  if (a === b) return true;
  if (a.status !== b.status || a.isolated !== b.isolated || a.incarnation !== b.incarnation || a.crashes !== b.crashes) return false;
  const sa = a.storage;
  const sb = b.storage;
  if (sa !== undefined || sb !== undefined) {
    // No storage and storage without a fill, a full directory or a failure show alike (no alarm).
    if ((sa !== undefined && sa.filledBytes > 0) !== (sb !== undefined && sb.filledBytes > 0)) return false;
    if ((sa !== undefined && storageFull(sa)) !== (sb !== undefined && storageFull(sb))) return false;
    if ((sa?.logDirFailure != null) !== (sb?.logDirFailure != null)) return false;
  }
  const va = a.view;
  const vb = b.view;
  if (va === vb) return true;
  if (va === null || vb === null) return false;
  const ba = va.broker;
  const bb = vb.broker;
  if (ba !== bb && (ba?.state !== bb?.state || ba?.leaderOf !== bb?.leaderOf || ba?.followerOf !== bb?.followerOf)) return false;
  const ra = va.raft;
  const rb = vb.raft;
  if (ra !== rb && (ra?.role !== rb?.role || (ra?.leader ?? null) !== (rb?.leader ?? null) || ra?.epoch !== rb?.epoch)) return false;
  if ((va.controller?.active === true) !== (vb.controller?.active === true)) return false;
  if ((va.disk?.degraded === true) !== (vb.disk?.degraded === true)) return false;
  const ta = va.remoteLog;
  const tb = vb.remoteLog;
  if (ta !== tb) {
    if (ta === undefined || tb === undefined) return false;
    if (ta.copyFailures > 0 !== tb.copyFailures > 0 || ta.remoteReadFailures > 0 !== tb.remoteReadFailures > 0) return false;
  }
  const pa = va.producer;
  const pb = vb.producer;
  if (pa !== pb) {
    if (pa === undefined || pb === undefined) return false;
    if (
      pa.recordsPerSecond !== pb.recordsPerSecond ||
      pa.closing !== pb.closing ||
      pa.metadataKnown !== pb.metadataKnown ||
      pa.recordsFailed > 0 !== pb.recordsFailed > 0 ||
      !sameErrorCodes(pa.recentErrors, pb.recentErrors)
    ) {
      return false;
    }
  }
  const ca = va.consumer;
  const cb = vb.consumer;
  if (ca !== cb && (ca?.phase !== cb?.phase || ca?.generationId !== cb?.generationId || (ca?.lastError?.code ?? null) !== (cb?.lastError?.code ?? null))) return false;
  const oa = va.objectStore;
  const ob = vb.objectStore;
  if (oa !== ob && ((oa?.outage === true) !== (ob?.outage === true) || oa?.extraLatencyMs !== ob?.extraLatencyMs)) return false;
  const la = va.legacy;
  const lb = vb.legacy;
  if (la !== lb && (la?.controllerState !== lb?.controllerState || la?.leaderOf !== lb?.leaderOf || la?.followerOf !== lb?.followerOf)) return false;
  const za = va.zookeeper;
  const zb = vb.zookeeper;
  if (za !== zb && ((za?.controller ?? null) !== (zb?.controller ?? null) || za?.sessions !== zb?.sessions)) return false;
  return true;
}

/**
 * The card's state as one string, part by part: the plain statement of what sameCardState compares
 * (two views show the same state exactly when their keys are equal; test/ui/card-refresh.test.ts
 * holds them together) and what bench/card-refresh.ts splits to name the part that changed. The
 * page does not build it: 32 parts joined per process per frame cost more than the comparison.
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
 * when the frame is exact or earlier than the last, the card is new or its state changed; the
 * newest view too for at most `budget` cards whose figures are due (their phase came round), those
 * due longest first; otherwise the very view it showed (the same object), still due if it was.
 */
export function nextShownCards(previous: ShownCards | null, processes: readonly ProcessSnapshot[], at: CardRefreshAt): ShownCards {
  const exact = at.exact || previous === null || at.timeUs < previous.timeUs;
  const frame = previous === null ? 0 : previous.frame + 1;
  // Exact frames are not playing ones: the interval before or after one is not a frame interval.
  const intervalsMs = nextIntervalsMs(previous?.intervalsMs ?? [], previous === null || exact || previous.exact ? null : at.nowMs - previous.nowMs);
  const frameMs = frameIntervalMs(intervalsMs);
  const periodMs = refreshPeriodMs(frameMs);
  const budget = refreshBudget(processes.length, frameMs, periodMs, CARD_SHARE_UNKNOWN);
  const dueFrame = frame + (exact ? 1 : CARD_HOLD_FRAMES);
  const shown = new Map<string, ShownCard>();
  /** The cards whose figures alone are due: their places in `processes`, and since when. */
  const dueIndices: number[] = [];
  const dueSinceMs: number[] = [];
  processes.forEach((process, index) => {
    const before = previous?.shown.get(process.id);
    if (exact || before === undefined || !sameCardState(before.process, process)) {
      shown.set(process.id, { process, dueMs: nextDueMs(index, processes.length, at.nowMs, periodMs), dueFrame });
      return;
    }
    // A view that did not change needs no refresh; it stays due, and refreshes once it changes.
    if (before.process !== process && at.nowMs >= before.dueMs && frame >= before.dueFrame) {
      dueIndices.push(index);
      dueSinceMs.push(before.dueMs);
    }
    shown.set(process.id, before);
  });
  const chosen = longestDue(dueSinceMs, budget);
  dueIndices.forEach((index, dueIndex) => {
    if (chosen !== null && !chosen.has(dueIndex)) return;
    const process = processes[index]!;
    shown.set(process.id, { process, dueMs: nextDueMs(index, processes.length, at.nowMs, periodMs), dueFrame });
  });
  return { timeUs: at.timeUs, frame, nowMs: at.nowMs, exact, intervalsMs, frameMs, budget, shown };
}
