// Which process view each topology card shows in a frame. While the run plays, a card whose state
// changed (up or down, isolated, its lifecycle or raft role, a fault it offers to heal, anything
// that changes its buttons) shows the new view at once; a card whose figures alone changed (bytes,
// offsets, rates) is refreshed in turns, a third of the cards per frame, so each card lags at most
// CARD_REFRESH_TURNS - 1 frames. Paused, stepping or rewound, every card shows the exact moment.
//
// Why: at 30 brokers every figure of every card changed every frame while playing at 10x, and the
// browser relaid out and repainted ~900 changed objects per frame (bench/page.ts trace): over
// 16 ms on its own. Refreshing in turns bounds that to a third, and a card shown unchanged keeps
// its object identity, so its memoised card (ProcessCard's sameCardProps) skips rendering.
//
// Owns: the choice of view per card, pure. Never: reads the DOM or a clock, or alters a view.

import type { ProcessSnapshot } from '../engine/api';

/** A card whose figures alone changed shows them at the latest this many frames later (while playing). */
export const CARD_REFRESH_TURNS = 3;

export interface ShownCards {
  /** Counts the frames seen; picks whose turn it is. */
  readonly turn: number;
  /** Per process id: the view its card shows and that view's state key. */
  readonly shown: ReadonlyMap<string, { readonly process: ProcessSnapshot; readonly state: string }>;
}

/**
 * What a card shows that must never lag: its status and the states it names, and everything
 * that decides which buttons it offers (Crash or Restart, Isolate or Reconnect, Slow or Heal disk,
 * Fill or Free disk, Shut down, a producer's rate steps, the object store's outage).
 */
export function cardStateKey(process: ProcessSnapshot): string {
  const view = process.view;
  const storage = process.storage;
  return [
    process.status,
    process.isolated ? 'isolated' : '',
    process.incarnation,
    process.crashes,
    view === null ? 'no-view' : '',
    view?.broker?.state ?? '',
    view?.raft?.role ?? '',
    view?.raft?.leader ?? '',
    view?.raft?.epoch ?? '',
    view?.controller?.active === true ? 'active' : '',
    view?.disk?.degraded === true ? 'slow-disk' : '',
    storage === undefined ? '' : storage.filledBytes > 0 ? 'filled' : '',
    storage?.logDirFailure != null ? 'halted' : '',
    view?.producer?.recordsPerSecond ?? '',
    view?.producer?.closing === true ? 'closing' : '',
    view?.producer?.recentErrors.length ?? '',
    view?.consumer?.phase ?? '',
    view?.consumer?.lastError?.code ?? '',
    view?.objectStore?.outage === true ? 'outage' : '',
    view?.objectStore?.extraLatencyMs ?? '',
    view?.legacy?.controllerState ?? '',
    view?.zookeeper?.controller ?? '',
  ].join('|');
}

/**
 * The views the cards show for `processes`, given what they showed last frame. `exact`: every
 * card shows its current view (paused, stepping, a new run or a rewind).
 */
export function nextShownCards(previous: ShownCards | null, processes: readonly ProcessSnapshot[], exact: boolean): ShownCards {
  const turn = (previous?.turn ?? -1) + 1;
  const shown = new Map<string, { process: ProcessSnapshot; state: string }>();
  processes.forEach((process, index) => {
    const state = cardStateKey(process);
    const before = previous?.shown.get(process.id);
    const due = exact || before === undefined || before.state !== state || (index + turn) % CARD_REFRESH_TURNS === 0;
    shown.set(process.id, due ? { process, state } : before);
  });
  return { turn, shown };
}
