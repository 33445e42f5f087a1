// The run's timeline and the replay that rebuilds any earlier moment of it. The host owns both:
// markers say what happened when (faults, the person's and the scenario's actions, captions,
// elections, fencing, ISR changes, data loss, checks), and `replayTo` rebuilds a fresh engine to a
// moment by replaying the recorded actions at their exact moments (event count, then time).
//
// A moment is identified by simulated time (and, for the furthest moment a run reached, its event
// count too: a run paused between two events at one time). Rewinding to time T means: every action
// taken at or before T, each at its own moment, then every event due at or before T. The original
// run passed through exactly that state, since its actions after T came later; so the trace hash at
// the rebuilt moment is the original's there.
//
// A replay may stop at the engine's read barrier (Engine.held: a body in the cold store is not
// loaded yet): it yields then, and the host loads the body before asking for the next slice.
//
// Never: touches the page, the store or the wall clock; the replay yields between slices so the
// host can stay responsive and report progress, and it is the same code whether run at once
// (resumeSession) or in slices (a rewind).

import type { Engine, TraceEntry } from '../engine/api';
import type { Moment, ScenarioRun } from '../engine/scenario/runner';
import type { SessionInput } from './sessions';

export type MarkerKind = 'fault' | 'you' | 'lesson' | 'election' | 'fencing' | 'isr' | 'loss' | 'check';

/** The marker kinds in the order the page shows their lanes and filters. */
export const MARKER_KINDS: readonly MarkerKind[] = ['fault', 'you', 'lesson', 'election', 'fencing', 'isr', 'loss', 'check'];

export interface TimelineMarker {
  /** Increasing within a run's timeline (the frames carry markers by id, once each). */
  readonly id: number;
  readonly kind: MarkerKind;
  readonly atUs: number;
  readonly text: string;
  /** For checks: whether it held. */
  readonly passed?: boolean;
}

/** Markers the host keeps per run (the oldest go first): the timeline's bound. */
export const TIMELINE_MARKERS_MAX = 1_000;
/** Markers one frame carries at most; the rest follow in the next frames. */
export const FRAME_MARKERS_MAX = 300;

/**
 * What a notable trace entry is on the timeline, or null when it is not worth a marker (pings lost
 * and regained, registrations: the event log shows those). Sorted by the notes' own wording.
 */
export function markerOfNotable(entry: TraceEntry): { kind: MarkerKind; text: string } | null {
  const text = entry.label;
  switch (entry.kind) {
    case 'crash':
    case 'restart':
    case 'control':
      return { kind: 'fault', text };
    case 'note':
      break;
    default:
      return null;
  }
  // Controller elections (KRaft votes, the active controller), partition elections in quorum mode.
  if (/ starts an election for epoch | is the leader of epoch | is the active controller| elected \S+ leader of | became the controller/.test(text)) {
    return { kind: 'election', text };
  }
  if (/ fenced broker-| learned it was fenced/.test(text)) return { kind: 'fencing', text };
  if (/ the ISR of | from the ISR| to the ISR/.test(text)) return { kind: 'isr', text };
  if (/ truncated \d+ /.test(text)) return { kind: 'loss', text };
  return null;
}

/** What a scenario moment is on the timeline: captions, pauses and the scenario's own actions are lesson steps. */
export function markerOfMoment(moment: Moment): { kind: MarkerKind; text: string; passed?: boolean } {
  switch (moment.kind) {
    case 'check':
      return { kind: 'check', text: moment.text, passed: moment.passed === true };
    case 'action':
      return { kind: 'lesson', text: `The lesson acts: ${moment.text}` };
    case 'pause':
      return { kind: 'lesson', text: `The presenter pauses: ${moment.text}` };
    case 'caption':
      return { kind: 'lesson', text: moment.text };
  }
}

/** Events run per slice of a replay up to an action's event count before it yields (the host checks its wall-time budget between slices). */
export const REPLAY_SLICE_EVENTS = 2_000;
/**
 * Within twice this many events of an exact count, a replay pops one queue entry at a time (and
 * otherwise stops this many short of it): entries that count more than one event cannot carry it
 * past the count (see moveToEvents).
 */
export const REPLAY_EXACT_EVENTS = 64;
/** Simulated time per slice of a replay up to a time. */
export const REPLAY_SLICE_US = 50_000;

/** Where a replay stops: at a time (every event due by then), or exactly at an event count and time. */
export interface ReplayTarget {
  readonly atUs: number;
  /** Given for the furthest moment a run reached, which may lie between two events at one time. */
  readonly events?: number;
}

/**
 * Replays `inputs` on a fresh `engine` (driven by `run` for a scenario), each at its moment, then
 * moves to `target`. Yields after every slice of at most REPLAY_SLICE_EVENTS events.
 */
export function* replayTo(engine: Engine, run: ScenarioRun | null, inputs: readonly SessionInput[], target: ReplayTarget): Generator<void, void> {
  for (const input of inputs) {
    yield* moveToEvents(engine, input.events, input.atUs);
    yield* moveToTime(engine, run, input.atUs, false);
    engine.inject(input.fault);
  }
  if (target.events !== undefined) {
    yield* moveToEvents(engine, target.events, target.atUs);
    yield* moveToTime(engine, run, target.atUs, false);
  } else {
    yield* moveToTime(engine, run, target.atUs, true);
  }
}

/** Runs a replay to its end at once (resuming a saved session). */
export function replayAll(replay: Generator<void, void>): void {
  for (let step = replay.next(); step.done !== true; step = replay.next()) {
    // Each step is one slice; nothing to do between them here.
  }
}

/**
 * Exactly to `events` events (never past `atUs`). The engine is driven directly, also under a
 * scenario (ScenarioRun.advance only adds its end-of-run bookkeeping, which moveToTime does): its
 * return value counts the queue entries popped, skipped stale timers included, which the event
 * count leaves out. So a slice that popped nothing means nothing is due by `atUs`; one that popped
 * only stale timers is no reason to stop (stopping there replayed an action one event early).
 */
function* moveToEvents(engine: Engine, events: number, atUs: number): Generator<void, void> {
  while (engine.eventCount < events) {
    // Near the count, one entry at a time: an entry may count more than one event (a scenario's
    // timeline action counts itself and the fault it injects), so a budget of the events left could
    // run past the count. A count never falls inside an entry (the host steps whole entries).
    const left = events - engine.eventCount;
    const budget = left > 2 * REPLAY_EXACT_EVENTS ? Math.min(left - REPLAY_EXACT_EVENTS, REPLAY_SLICE_EVENTS) : 1;
    const popped = engine.runUntil(Math.max(atUs, engine.nowUs), { maxEvents: budget });
    // Held at the cold tier's read barrier: not the end, the host loads what it waits for and goes on.
    if (popped === 0 && !engine.held) return;
    // One-entry steps yield only when held: a yield per entry would cost the host a task each.
    if (budget > 1 || engine.held) yield;
  }
}

/**
 * To `atUs`: every event due by then, through presenter pauses (a scenario stops at one; the replay
 * goes on), never past a scenario's end. It moves in slices of REPLAY_SLICE_US of simulated time,
 * each run whole (every event due by the slice's end): a budget of events would not do, as the
 * kernel counts skipped stale timers against it but not in the event count. With `always` false,
 * only when the clock is short of `atUs` (an action is replayed right after its event count).
 */
function* moveToTime(engine: Engine, run: ScenarioRun | null, atUs: number, always: boolean): Generator<void, void> {
  if (!always && engine.nowUs >= atUs) return;
  for (;;) {
    if (run?.done === true || engine.nowUs > atUs) return;
    const sliceEndUs = Math.min(engine.nowUs + REPLAY_SLICE_US, atUs);
    const paused = run !== null ? run.advance(sliceEndUs) : (engine.runUntil(sliceEndUs), false);
    if (!paused && !engine.held && sliceEndUs === atUs) return;
    yield;
  }
}
