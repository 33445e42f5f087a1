// Hosts one engine, free or driven by a scenario, and paces it against the wall clock: the only
// place where simulated time meets real time. Runs inside a Web Worker in the page (and a
// worker_threads Worker in Node tests), exposed with comlink by engine.worker.ts; it is plain
// TypeScript, so tests also drive it directly with a fake clock and scheduler.
//
// Pacing: while playing at speed S, simulated time tracks S x the wall time since the last anchor.
// Work comes in slices of about PACED_SLICE_WALL_MS (the wall clock is read every SLICE_EVENTS_MAX
// events), with commands and the page's acknowledgements served between them; while simulated
// time lags its target the next slice follows LAG_SLEEP_MS later, and once caught up the host
// sleeps until a frame's worth of work is due. A run that loses ground keeps at most CATCH_UP_MAX_MS of lag, and
// one that gains makes up at most LAG_KEPT_MAX_MS (a stall); the rest is given up rather than piled
// up, and the page is told (`behind`). "max" runs as fast as the engine
// goes, in the same slices. A scenario's presenter pause, or its end, pauses playback by itself.
//
// Frames: the host sends the page a compact frame, and the next one only after the page's
// listener has resolved (it resolves once the frame is drawn): at most one frame per animation
// frame, never one per event, and a slow page slows frames, not the simulation. A frame carries
// what the page shows (frame-views.ts): the raw trace only while the event log shows it, the
// inspected process whole and the others without what only the inspect panel reads.
//
// Sessions: with a SessionStore (IndexedDB in the browser), every run is saved as it goes: what
// runs, the seed, each action the person takes at its exact moment, and the progress every
// SAVE_EVERY_WALL_MS. Writes happen behind the run and never hold it up; a failed write is shown
// (`Frame.session`), the run goes on in memory. resumeSession rebuilds a saved run by replaying its
// actions at their moments, so a page reload continues where it was.
//
// Cold bytes: with a cold store factory (IndexedDB in the browser, cold-store-idb.ts), each saved
// session's engines keep the object store's bodies in the session's database, not in the heap. A
// run that needs a body it cannot read at once stops at the engine's read barrier (Engine.held);
// the host loads what it waits for (Engine.coldWaiting), hands it back (provideCold) and runs on:
// the worker awaits, the page keeps drawing, the simulated outcome is the same. Loads start as soon
// as the engine asks, usually long before the run reaches the moment it needs them. While more
// than COLD_WRITE_BEHIND_BYTES_MAX wait to be written, the run waits for the writes. A write that
// fails is reported and the run goes on with its bodies in memory; a body that cannot be read back
// (damaged, missing) is reported and the current moment is rebuilt in memory by replay (as a rewind
// does), so the run goes on. Resuming and rewinding replay from zero, which writes every body again
// (the same bytes under the same keys), and load what they read like a playing run.
//
// Timeline and rewind: the host marks what happened when (timeline.ts) and sends the markers once
// each. `seek` rebuilds an earlier moment in a fresh engine, replaying the actions taken up to it
// (in slices, with progress in the frames, so the worker keeps answering); the run stays *rewound*,
// its later actions kept, until the person plays on, steps or acts: that *branches*, dropping the
// actions and markers after the moment, and the saved session follows the new branch. Seeking back
// to the furthest moment returns to the run as it was. While rewound, progress is not saved: a
// reload resumes the run as it was before the rewind.
//
// Lifecycle (the page mirrors it in its session machine):
//   empty --create / loadScenario--> paused --play--> playing --pause, presenter pause, end--> paused
//   any --create / loadScenario--> paused (a new engine replaces the old one)
//   paused|playing --seek--> rebuilding --done--> paused (rewound, or at the furthest moment again)
//   rewound --play / step / runFor / inject--> branched: a new future from the moment

import { createEngine, type Engine, type EngineOptions, type PartitionDetail, type Snapshot, type TraceEntry } from '../engine/api';
import { CHECK_INTERVAL_US, ScenarioRun, type ExpectationResult, type Moment, type ScenarioReport } from '../engine/scenario/runner';
import type { ScenarioStep } from '../engine/scenario/schema';
import { parseScenario, parseScenarioText } from '../engine/scenario/validate';
import { describeFault, parseFault } from '../engine/faults';
import { ValidationError, type ValidationProblem } from '../engine/validation';
import { framedProcesses } from './frame-views';
import { FrameDeltaEncoder, type FrameMessageListener } from './frame-delta';
import { FRAME_MARKERS_MAX, TIMELINE_MARKERS_MAX, markerOfMoment, markerOfNotable, replayAll, replayTo, type MarkerKind, type ReplayTarget, type TimelineMarker } from './timeline';
import { COLD_WRITE_BEHIND_BYTES_MAX, type HostColdStore } from './cold-store-idb';
import { SESSION_INPUTS_MAX, DamagedSessionError, MissingSessionError, describeStorageFailure, type SessionInput, type SessionMeta, type SessionSource, type SessionStore } from './sessions';

export type Speed = 1 | 10 | 100 | 'max';
export const SPEEDS: readonly Speed[] = [1, 10, 100, 'max'];

/**
 * Events at most between two looks at the wall clock within a slice. At 30 brokers an event costs
 * ~5-10 µs, so a slice overshoots SLICE_WALL_MS by at most ~10 ms (it was 20,000: one call could
 * take 100-200 ms, and the worker answered nothing meanwhile).
 */
export const SLICE_EVENTS_MAX = 1_000;
/** Wall time one slice of work may take before the host yields ("max", Next, rebuilds). */
export const SLICE_WALL_MS = 12;
/**
 * Wall time one slice of paced play may take while it catches up. Longer than SLICE_WALL_MS: in
 * Chromium at load ~8 on 2 cores, 12 ms slices with nothing between them drew the 30-broker lesson
 * at 71-87% of the rate of the old unsliced ticks, 40 ms slices with LAG_SLEEP_MS between them at
 * 84-93%, still answering within ~60 ms (task p95) where the old ticks took 135-380 ms.
 */
export const PACED_SLICE_WALL_MS = 40;
/**
 * Lag (wall ms behind the target) a paced run that loses ground keeps: a slice that ends further
 * behind than it started, by more than this, has its lag cut to this (the rest is not made up),
 * so a machine too slow for the speed runs flat out without piling up debt.
 */
export const CATCH_UP_MAX_MS = 250;
/**
 * Lag a paced run makes up at most: a stall (a descheduled worker, a long garbage collection) up
 * to this is made up in full while the engine gains on its target; beyond it, the excess is
 * given up. (The lag was once thrown away whole after the first chunk of work past 250 ms.)
 */
export const LAG_KEPT_MAX_MS = 1_000;
/** A lag above this after a slice shows as `behind` ("can't keep up"); a smaller one is a slice's ordinary remainder. */
export const BEHIND_LAG_MS = 100;
/**
 * Sleep between the slices of a paced run that lags its target (4 ms is also Chromium's clamp for
 * nested timers). Measured, not derived: with no sleep the worker got less of a busy machine
 * (15-22% of a core against the old ticks' 17-30%) though it was runnable all the time.
 */
export const LAG_SLEEP_MS = 4;
/** Sleep between slices once caught up: about one animation frame. */
export const CAUGHT_UP_SLEEP_MS = 16;
/** Entries of the full trace carried by one frame (the notable trace is carried whole). */
export const FRAME_TRACE_MAX = 64;

/** Later actions a rewound frame names at most (it counts them all). */
export const LATER_ACTIONS_SENT_MAX = 10;

/** Progress is saved at most this often while a run moves (and whenever it pauses). */
export const SAVE_EVERY_WALL_MS = 1_000;

/** Where the current run is saved, as the page shows it. */
export interface SessionFrame {
  /** Null when nothing is saved (no store, or storage unavailable). */
  readonly id: string | null;
  readonly status: 'saving' | 'saved' | 'failed' | 'off';
  /** What went wrong, or what resuming found, in words for the page. */
  readonly message: string | null;
}

export interface ScenarioInfo {
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly durationUs: number;
  /** Times of the timeline's "at" steps, for markers on a progress bar. */
  readonly stepTimesUs: readonly number[];
  /** The lesson's steps: timeline steps with a caption or a presenter pause, which Next and Previous move between. */
  readonly lessonSteps: number;
}

export interface ScenarioFrame {
  readonly info: ScenarioInfo;
  /** Moments (captions, pauses, actions, checks) not carried by an earlier frame. */
  readonly moments: readonly Moment[];
  readonly expectations: readonly ExpectationResult[];
  /** The presenter's note while playback is stopped at a pause step. */
  readonly pausedFor: string | null;
  readonly done: boolean;
  /** The final report, once the run reached its end. */
  readonly report: ScenarioReport | null;
}

/** The furthest moment a run reached: where a rewound run can return to. */
export interface RunMoment {
  readonly atUs: number;
  readonly events: number;
  readonly traceHash: string;
}

export interface TimelineFrame {
  /** Changes when markers were dropped (a new run, a branch): the page replaces its markers then. */
  readonly epoch: number;
  /** Markers not carried by an earlier frame of this epoch, oldest first. */
  readonly markers: readonly TimelineMarker[];
  /** The furthest simulated time this run reached (the end of the timeline). */
  readonly headUs: number;
  /** Set while the page shows an earlier moment than the furthest reached. */
  readonly rewound: {
    readonly atUs: number;
    /** The person's actions after the moment (the first LATER_ACTIONS_SENT_MAX): dropped if they play on or act from here. */
    readonly laterActions: readonly { readonly atUs: number; readonly text: string }[];
    /** How many actions lie after the moment in all. */
    readonly laterActionCount: number;
  } | null;
  /** Set while a rewind rebuilds its moment. */
  readonly rebuilding: { readonly targetUs: number; readonly reachedUs: number } | null;
  /** The last branch: where it started and how many later actions it dropped. */
  readonly branched: { readonly atUs: number; readonly droppedActions: number } | null;
}

export interface SeekResult {
  /** False when a later seek or a new run took over before this one finished. */
  readonly completed: boolean;
  readonly atUs: number;
  readonly events: number;
  readonly traceHash: string;
  /** True when the moment is the furthest the run reached (no longer rewound). */
  readonly atHead: boolean;
}

/** Where Next stopped: at a lesson step (reached), or at the scenario's end or when another command took over (not). */
export interface StepResult {
  readonly atUs: number;
  readonly reached: boolean;
}

/** What a shared link needs to rebuild the moment shown: its time and event count, and the person's actions up to it. */
export interface SharedMomentState {
  readonly atUs: number;
  readonly events: number;
  readonly traceHash: string;
  readonly inputs: readonly SessionInput[];
}

export interface Frame {
  /** Increments with every frame sent. */
  readonly sequence: number;
  /**
   * Changes whenever a new engine is installed (a new run, a resume, a rewind): the page starts its
   * accumulated log, moments and series afresh, as this frame carries them from the start.
   */
  readonly run: number;
  readonly playing: boolean;
  readonly speed: Speed;
  /** True while paced play cannot keep up with the chosen speed. */
  readonly behind: boolean;
  readonly rate: { readonly eventsPerWallSecond: number; readonly simulatedSecondsPerWallSecond: number };
  readonly snapshot: Snapshot;
  /** Present when a scenario drives the engine. */
  readonly scenario: ScenarioFrame | null;
  readonly session: SessionFrame;
  readonly timeline: TimelineFrame;
  /**
   * The partition the page inspects (`setInspected`) and its detail as of this frame's moment
   * (null detail: the metadata has no such partition); null when none is inspected. One
   * partition, so frames stay small.
   */
  readonly inspected: { readonly target: InspectTarget; readonly detail: PartitionDetail | null } | null;
}

/** What the page inspects in detail: a partition (the snapshot carries the rest). */
export interface InspectTarget {
  readonly topic: string;
  readonly partition: number;
}

export type FrameListener = (frame: Frame) => Promise<void> | void;

/** Makes the cold store of a saved session; `onFailure` is told once if its writes stop. */
export type ColdStoreFactory = (sessionId: string, onFailure: (error: unknown) => void) => HostColdStore;

export type Outcome<T = undefined> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string; readonly problems: readonly ValidationProblem[] };

export interface HostClock {
  /** Wall time in milliseconds, monotonic. */
  now(): number;
}

export interface HostScheduler {
  /** Calls `task` after about `delayMs` (0: as soon as the host is free). */
  schedule(task: () => void, delayMs: number): void;
}

const defaultClock: HostClock = { now: () => performance.now() };

/**
 * A 0 ms delay without the 4 ms clamp of nested timers: setImmediate in Node, a MessageChannel in
 * browsers (where setImmediate does not exist), setTimeout as the last resort.
 */
function defaultScheduler(): HostScheduler {
  const later = (task: () => void, delayMs: number): void => void setTimeout(task, delayMs);
  if (typeof setImmediate === 'function') {
    return { schedule: (task, delayMs) => (delayMs > 0 ? later(task, delayMs) : void setImmediate(task)) };
  }
  if (typeof MessageChannel === 'undefined') return { schedule: later };
  const channel = new MessageChannel();
  const queue: (() => void)[] = [];
  channel.port1.onmessage = () => queue.shift()?.();
  return {
    schedule(task, delayMs) {
      if (delayMs > 0) {
        later(task, delayMs);
        return;
      }
      queue.push(task);
      channel.port2.postMessage(null);
    },
  };
}

function outcomeOf(error: unknown): Outcome<never> {
  if (error instanceof ValidationError) return { ok: false, error: error.message, problems: error.problems };
  return { ok: false, error: error instanceof Error ? error.message : String(error), problems: [] };
}

export class EngineHost {
  private engine: Engine | null = null;
  private run: ScenarioRun | null = null;
  private scenarioInfo: ScenarioInfo | null = null;
  private pausedFor: string | null = null;
  private listener: FrameListener | null = null;
  private playing = false;
  private speed: Speed = 1;
  private behind = false;
  private anchorWallMs = 0;
  private anchorSimUs = 0;
  private tickScheduled = false;
  /** Paced play's figures (pacingStats). */
  private readonly pacing = { ticks: 0, busyMs: 0, lagCutMs: 0 };
  private generation = 0;

  private frameSequence = 0;
  /** The next frame carries every moment the run kept, not only new ones (a new engine was put in place). */
  private momentsFromStart = false;
  private awaitingDraw = false;
  private frameDirty = false;
  private notableSent = 0;
  private traceSent = 0;
  /** The next time-series sample index to send (frames carry only new points). */
  private seriesSent = 0;

  private rateWindowWallMs = 0;
  private rateWindowEvents = 0;
  private rateWindowSimUs = 0;
  private rate = { eventsPerWallSecond: 0, simulatedSecondsPerWallSecond: 0 };

  /** The saved session of the current run; null when nothing is saved. */
  private session: { meta: SessionMeta; inputs: number; lastSavedWallMs: number; savedEvents: number } | null = null;
  private sessionStatus: SessionFrame = { id: null, status: 'off', message: null };
  /** Store writes, one after another, behind the run. */
  private writes: Promise<void> = Promise.resolve();

  // ---- timeline and rewind ----
  /** What the current run is built from: a rewind rebuilds it from here. */
  private origin: { source: SessionSource; seed: number } | null = null;
  /** The person's actions up to the furthest moment (bounded by SESSION_INPUTS_MAX). */
  private inputs: SessionInput[] = [];
  /** How many of `inputs` the current engine has applied (all of them unless rewound). */
  private appliedInputs = 0;
  /** The furthest moment reached, while the engine shows an earlier one; null when at it. */
  private head: RunMoment | null = null;
  private runNumber = 0;
  private markers: TimelineMarker[] = [];
  private markerId = 0;
  private markersSentId = 0;
  private timelineEpoch = 0;
  /** Cursors of what was already marked: trace index of notable entries, moment index, records lost. */
  private markedTraceIndex = -1;
  private markedMomentIndex = -1;
  private lostRecordsSeen = 0;
  private branched: TimelineFrame['branched'] = null;
  private rebuild: { token: number; targetUs: number; engine: Engine; finish: (result: Outcome<SeekResult>) => void } | null = null;
  private rebuildToken = 0;
  /** The partition the page inspects: every frame carries it in detail. */
  private inspectTarget: InspectTarget | null = null;
  /** The process the page inspects: frames carry its view whole (frame-views.ts trims the others). */
  private inspectProcessId: string | null = null;
  /** Whether the page shows the raw trace (messages and timers): only then do frames carry it. */
  private traceShown = false;

  // ---- lesson steps ----
  /** When each lesson step (timeline index) first happened in this run's history: Next goes forward through them while rewound. */
  private stepTimesUs = new Map<number, number>();
  /** A run to the next lesson step under way (any other command ends it). */
  private stepping: { token: number; finish: (result: Outcome<StepResult>) => void } | null = null;
  private steppingToken = 0;

  // ---- cold bytes ----
  /** The current session's cold store; null: bodies stay in the heap (no factory, no session, or rebuilt in memory). */
  private cold: HostColdStore | null = null;
  /** Loads under way, per engine and key (an engine asks again until the body arrives). */
  private readonly coldLoads = new WeakMap<Engine, Map<string, Promise<void>>>();
  /** Set while the run waits for the cold store's writes to catch up. */
  private coldBackpressure = false;
  /** The last prune of orphaned keys (pruneCold), and the keys pruned in this host's life. */
  private pruning: Promise<void> = Promise.resolve();
  coldKeysPruned = 0;

  constructor(
    private readonly clock: HostClock = defaultClock,
    private readonly scheduler: HostScheduler = defaultScheduler(),
    private readonly store: SessionStore | null = null,
    /** Wall-clock time for session names and ids (ms since 1970); the pacing clock is monotonic, not this. */
    private readonly wallTime: () => number = () => Date.now(),
    /** Where saved sessions keep the object store's bodies; null: in the heap. */
    private readonly coldStores: ColdStoreFactory | null = null,
  ) {}

  /** Replaces the engine with a free one built from `config` and `seed`; paused at time zero. */
  create(config: unknown, seed: number): Outcome<{ zones: readonly string[]; processes: number }> {
    let engine: Engine;
    const id = this.newSessionId();
    const cold = this.openCold(id);
    try {
      engine = createEngine(config, seed, engineOptions(cold));
    } catch (error) {
      cold?.close();
      return outcomeOf(error);
    }
    this.install(engine, null);
    this.setCold(cold);
    this.origin = { source: { kind: 'free', config }, seed };
    this.startSession({ kind: 'free', config }, seed, 'Free play', id);
    return { ok: true, value: { zones: engine.config.zones, processes: engine.config.placements.length } };
  }

  /**
   * Replaces the engine with a scenario's, paused at time zero. `source` is the file's text or its
   * parsed JSON; a bad scenario changes nothing and every problem is returned.
   */
  loadScenario(source: unknown, options: { seed?: number; id?: string | null } = {}): Outcome<ScenarioInfo> {
    let run: ScenarioRun;
    const id = this.newSessionId();
    const cold = this.openCold(id);
    try {
      const valid = typeof source === 'string' ? parseScenarioText(source) : parseScenario(source);
      run = new ScenarioRun(valid, { ...(options.seed === undefined ? {} : { seed: options.seed }), pauses: 'stop', engine: engineOptions(cold) });
    } catch (error) {
      cold?.close();
      return outcomeOf(error);
    }
    this.install(run.engine, run);
    this.setCold(cold);
    const text = typeof source === 'string' ? source : JSON.stringify(source);
    this.origin = { source: { kind: 'scenario', id: options.id ?? null, text }, seed: run.seed };
    this.startSession({ kind: 'scenario', id: options.id ?? null, text }, run.seed, run.scenario.name, id);
    return { ok: true, value: this.scenarioInfo! };
  }

  // ---- sessions -----------------------------------------------------------------------------

  /** The saved sessions, newest first (none without a store). */
  async listSessions(): Promise<Outcome<readonly SessionMeta[]>> {
    if (this.store === null) return { ok: true, value: [] };
    try {
      return { ok: true, value: await this.store.list() };
    } catch (error) {
      return { ok: false, error: describeStorageFailure(error), problems: [] };
    }
  }

  async deleteSession(id: string): Promise<Outcome> {
    if (this.store === null) return { ok: true, value: undefined };
    if (this.session?.meta.id === id) return { ok: false, error: 'this session is the one running; open another before deleting it', problems: [] };
    try {
      await this.store.remove(id);
      return { ok: true, value: undefined };
    } catch (error) {
      return { ok: false, error: describeStorageFailure(error), problems: [] };
    }
  }

  /**
   * Rebuilds a saved run: the same source and seed, each saved action replayed at its moment, up to
   * the moment last saved; paused there. A missing or damaged session changes nothing and says why.
   */
  async resumeSession(id: string): Promise<Outcome<{ readonly source: SessionSource; readonly seed: number; readonly scenario: ScenarioInfo | null }>> {
    if (this.store === null) return { ok: false, error: 'sessions are not saved in this host', problems: [] };
    let saved: { meta: SessionMeta; inputs: SessionInput[] };
    try {
      saved = await this.store.load(id);
    } catch (error) {
      const known = error instanceof MissingSessionError || error instanceof DamagedSessionError;
      return { ok: false, error: known ? error.message : describeStorageFailure(error), problems: [] };
    }
    const { meta, inputs } = saved;
    let engine: Engine;
    let run: ScenarioRun | null = null;
    const cold = this.openCold(id);
    const previousCold = this.cold;
    try {
      ({ engine, run } = buildFrom(meta.source, meta.seed, cold));
      // Each action at its exact moment (its event count, then its time), then to the saved moment.
      // The replay writes every body again; one it reads and cannot read at once is loaded first.
      const replay = replayTo(engine, run, inputs, { atUs: meta.simulatedUs, events: meta.events });
      if (cold === null) {
        replayAll(replay);
      } else {
        for (let step = replay.next(); step.done !== true; step = replay.next()) {
          if (engine.held) await this.loadCold(engine, cold);
        }
      }
    } catch (error) {
      if (cold !== previousCold) cold?.close();
      return { ok: false, error: `the saved session ${id} could not be replayed: ${error instanceof Error ? error.message : String(error)}`, problems: [] };
    }
    this.install(engine, run);
    this.setCold(cold);
    this.pruneCold(engine); // what the run wrote after its last saved moment is no run's any more
    this.origin = { source: meta.source, seed: meta.seed };
    this.inputs = [...inputs];
    this.appliedInputs = inputs.length;
    // The person's earlier actions go back on the timeline; the engine's own markers follow from its rings.
    for (const input of inputs) this.addMarker('you', input.atUs, describeInput(input.fault));
    this.session = { meta, inputs: inputs.length, lastSavedWallMs: this.clock.now(), savedEvents: engine.eventCount };
    const same = engine.traceHash === meta.traceHash;
    this.sessionStatus = {
      id,
      status: 'saved',
      message: same ? null : `Resumed, but the replay differs from the saved run (trace ${engine.traceHash}, saved ${meta.traceHash}): the simulation has changed since it was saved.`,
    };
    this.publish();
    return { ok: true, value: { source: meta.source, seed: meta.seed, scenario: this.scenarioInfo } };
  }

  /** A new session's id (made before its engine, whose cold store lives in the session's database); null without a store. */
  private newSessionId(): string | null {
    if (this.store === null) return null;
    return `${this.wallTime().toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`;
  }

  /** The cold store of session `id`, or null when bodies stay in the heap. */
  private openCold(id: string | null): HostColdStore | null {
    if (id === null || this.coldStores === null) return null;
    let store: HostColdStore | null = null;
    store = this.coldStores(id, (error) => {
      if (this.cold !== store) return;
      this.sessionStatus = { ...this.sessionStatus, message: `${describeStorageFailure(error)} (segments in the object store are kept in memory from now on)` };
      this.publish();
    });
    return store;
  }

  private startSession(source: SessionSource, seed: number, name: string, sessionId: string | null): void {
    this.session = null;
    const store = this.store;
    if (store === null || sessionId === null) {
      this.sessionStatus = { id: null, status: 'off', message: null };
      return;
    }
    const createdAtMs = this.wallTime();
    const id = sessionId;
    const engine = this.requireEngine();
    const meta: SessionMeta = { id, name, createdAtMs, savedAtMs: createdAtMs, source, seed, simulatedUs: engine.nowUs, events: engine.eventCount, traceHash: engine.traceHash, inputs: 0 };
    this.session = { meta, inputs: 0, lastSavedWallMs: this.clock.now(), savedEvents: engine.eventCount };
    this.sessionStatus = { id, status: 'saving', message: null };
    this.write(() => store.create(meta));
  }

  /** Queues a store write behind the others; a failure stops saving for this run and says why. */
  private write(task: () => Promise<void>): void {
    const session = this.session;
    if (session === null || this.sessionStatus.status === 'failed') return;
    this.sessionStatus = { ...this.sessionStatus, status: 'saving' };
    this.writes = this.writes
      .then(task)
      .then(
        () => {
          if (this.session !== session || this.sessionStatus.status !== 'saving') return;
          this.sessionStatus = { ...this.sessionStatus, status: 'saved' };
          if (!this.playing) this.publish(); // while playing, the next tick's frame carries it
        },
        (error: unknown) => {
          if (this.session !== session) return;
          this.sessionStatus = { id: session.meta.id, status: 'failed', message: describeStorageFailure(error) };
          this.publish();
        },
      );
  }

  /** Saves how far the run has got, at most every SAVE_EVERY_WALL_MS unless `now`. */
  private saveProgress(engine: Engine, now: boolean): void {
    const session = this.session;
    const store = this.store;
    if (session === null || store === null || session.savedEvents === engine.eventCount) return;
    // A rewound run is not saved until it branches: a reload resumes the run as it was.
    if (this.head !== null || this.rebuild !== null) return;
    const wallMs = this.clock.now();
    if (!now && wallMs - session.lastSavedWallMs < SAVE_EVERY_WALL_MS) return;
    session.lastSavedWallMs = wallMs;
    session.savedEvents = engine.eventCount;
    const progress = { savedAtMs: this.wallTime(), simulatedUs: engine.nowUs, events: engine.eventCount, traceHash: engine.traceHash, inputs: session.inputs };
    this.write(() => store.saveProgress(session.meta.id, progress));
  }

  /** Resolves once every write queued so far is done, cold bytes included (tests, and the page before it reloads). */
  flushSessions(): Promise<void> {
    const cold = this.cold;
    if (cold === null) return this.writes;
    // A prune notes its deletes once it has read the keys: its writes are flushed after it.
    return Promise.all([this.writes, this.pruning]).then(() => cold.flush());
  }

  /**
   * Deletes from the session's cold store the keys `engine` does not have: what an abandoned future
   * wrote (after a branch) or what the run wrote past its last saved moment (after a resume). Judged
   * when the keys are read; skipped if another engine or a rebuild took over by then.
   */
  private pruneCold(engine: Engine): void {
    const cold = this.cold;
    if (cold === null) return;
    this.pruning = this.pruning.then(() =>
      cold.prune((key) => this.engine !== engine || this.rebuild !== null || this.cold !== cold || engine.coldKeyLive(key)).then(
        (deleted) => {
          this.coldKeysPruned += deleted;
        },
        () => undefined,
      ),
    );
  }

  /** Registers the page's frame listener; the host awaits it before sending the next frame. */
  subscribe(listener: FrameListener): void {
    this.listener = listener;
    this.awaitingDraw = false;
    this.publish();
  }

  /**
   * Registers the page's listener for frames as they travel (frame-delta.ts): the first whole, then
   * each as a patch against the one the page acknowledged; a refused frame makes the next one whole.
   */
  subscribeFrames(listener: FrameMessageListener): void {
    // A refused patch: the next frame (whole) follows at once, also while paused.
    this.subscribe(new FrameDeltaEncoder().listenerFor(listener, () => (this.frameDirty = true)));
  }

  play(): void {
    const engine = this.requireEngine();
    this.cancelStepping();
    if (this.playing || this.rebuild !== null) return;
    if (this.run?.done === true) return; // a finished scenario stays at its end
    this.branch(engine);
    this.playing = true;
    this.pausedFor = null;
    this.anchor(engine);
    this.resetRate();
    this.scheduleTick(0);
    this.publish();
  }

  pause(): void {
    this.cancelStepping();
    this.playing = false;
    this.behind = false;
    if (this.engine !== null) this.saveProgress(this.engine, true);
    this.publish();
  }

  setSpeed(speed: Speed): void {
    if (!SPEEDS.includes(speed)) {
      throw new RangeError(`speed: got ${String(speed)}; expected one of ${SPEEDS.join(', ')}`);
    }
    this.speed = speed;
    if (this.engine !== null) this.anchor(this.engine);
    this.resetRate();
    this.publish();
  }

  /** Runs `engine` toward `targetUs` (through presenter pauses, never past a scenario's end); stops early when held. */
  private runToward(engine: Engine, targetUs: number): void {
    if (this.run !== null) {
      // Skipping ahead runs through presenter pauses; it stops at the scenario's end.
      while (!this.run.done && engine.nowUs < targetUs) {
        this.run.advance(targetUs);
        if (engine.held) return;
      }
    } else {
      engine.runUntil(targetUs);
    }
  }

  /** runFor's remainder, for a run held at the read barrier: load, run on, until the target. */
  private async runForLoading(engine: Engine, targetUs: number, before: number): Promise<Outcome<number>> {
    const cold = this.cold;
    try {
      while (engine.held && cold !== null && this.engine === engine) {
        this.publish();
        await this.loadCold(engine, cold);
        if (this.engine !== engine) break;
        this.runToward(engine, targetUs);
      }
    } catch (error) {
      this.coldReadFailed(engine, error);
      return { ok: false, error: `the run stopped at ${engine.nowUs} µs: ${error instanceof Error ? error.message : String(error)}`, problems: [] };
    }
    if (this.playing) this.anchor(engine);
    this.publish();
    return { ok: true, value: engine.eventCount - before };
  }

  // ---- cold bytes -----------------------------------------------------------------------------

  private setCold(cold: HostColdStore | null): void {
    if (this.cold !== null && this.cold !== cold) this.cold.close();
    this.cold = cold;
  }

  /** Loads every body `engine` waits for from `cold` and hands it over; rejects when one cannot be read. */
  private loadCold(engine: Engine, cold: HostColdStore): Promise<void> {
    let loads = this.coldLoads.get(engine);
    if (loads === undefined) {
      loads = new Map();
      this.coldLoads.set(engine, loads);
    }
    const pending: Promise<void>[] = [];
    for (const key of engine.coldWaiting()) {
      let load = loads.get(key);
      if (load === undefined) {
        const started = loads;
        load = cold.load(key).then(
          (bytes) => {
            started.delete(key);
            engine.provideCold(key, bytes);
          },
          (error: unknown) => {
            started.delete(key);
            throw error;
          },
        );
        loads.set(key, load);
      }
      pending.push(load);
    }
    return Promise.all(pending).then(() => undefined);
  }

  /** Starts loading what the playing engine will need (a prefetch) and, when it is held, ticks again once loaded. */
  private pumpCold(engine: Engine): void {
    const cold = this.cold;
    if (cold === null || engine.coldWaiting().length === 0) return;
    const wasHeld = engine.held;
    this.loadCold(engine, cold).then(
      () => {
        if (wasHeld && this.engine === engine && this.playing) this.scheduleTick(0);
      },
      (error: unknown) => this.coldReadFailed(engine, error),
    );
  }

  /**
   * A body could not be read back (damaged, missing, IndexedDB gone): this run cannot go on from
   * its store. It says so, and rebuilds the current moment with its bodies in memory, by replay.
   */
  private coldReadFailed(engine: Engine, error: unknown): void {
    if (this.engine !== engine || this.cold === null) return;
    this.setCold(null);
    this.playing = false;
    const reason = error instanceof Error ? error.message : String(error);
    this.sessionStatus = { ...this.sessionStatus, message: `A segment saved in IndexedDB could not be read back (${reason}). The run is rebuilt at this moment with its segments in memory, and goes on from there.` };
    const message = this.sessionStatus.message;
    void this.seekFresh(this.headMoment().atUs).then(() => {
      if (this.sessionStatus.message !== message) this.sessionStatus = { ...this.sessionStatus, message };
      this.publish();
    });
  }

  /** Processes one event (pausing first); returns it, or null when nothing is pending or the scenario ended. */
  step(): TraceEntry | null {
    const engine = this.requireEngine();
    if (this.rebuild !== null) return null;
    this.cancelStepping();
    this.playing = false;
    this.pausedFor = null;
    if (this.run?.done === true) {
      this.publish();
      return null;
    }
    this.branch(engine);
    const entry = engine.step();
    this.pumpCold(engine); // held: the body it waits for loads now, and the next step goes on
    this.publish();
    return entry;
  }

  /**
   * Runs a stretch of simulated time at once, whatever the speed (tests, "skip ahead"). Answers at
   * once, unless the run needs cold bytes on the way: then once they are loaded and the stretch is run.
   */
  runFor(durationUs: number): Outcome<number> | Promise<Outcome<number>> {
    try {
      const engine = this.requireEngine();
      if (this.rebuild !== null) return { ok: false, error: 'a rewind is rebuilding its moment; wait until it is shown', problems: [] };
      this.cancelStepping();
      this.branch(engine);
      const before = engine.eventCount;
      const targetUs = engine.nowUs + durationUs;
      this.runToward(engine, targetUs);
      if (engine.held) return this.runForLoading(engine, targetUs, before);
      if (this.playing) this.anchor(engine);
      this.publish();
      return { ok: true, value: engine.eventCount - before };
    } catch (error) {
      return outcomeOf(error);
    }
  }

  /** Applies a fault at the current simulated time; a bad fault changes nothing and says why. */
  inject(fault: unknown): Outcome<string> {
    try {
      const engine = this.requireEngine();
      if (this.rebuild !== null) return { ok: false, error: 'a rewind is rebuilding its moment; act once it is shown', problems: [] };
      this.cancelStepping();
      const input: SessionInput = { atUs: engine.nowUs, events: engine.eventCount, fault };
      const applied = engine.inject(fault);
      this.branch(engine);
      if (this.inputs.length < SESSION_INPUTS_MAX) {
        this.inputs.push(input);
        this.appliedInputs = this.inputs.length;
      }
      this.addMarker('you', input.atUs, describeFault(applied));
      const session = this.session;
      const store = this.store;
      if (session !== null && store !== null) {
        const position = session.inputs++;
        this.write(() => store.appendInput(session.meta.id, position, input));
        this.saveProgress(engine, true);
      }
      this.publish();
      return { ok: true, value: applied.kind };
    } catch (error) {
      return outcomeOf(error);
    }
  }

  /** Whether `inject` would take this fault now (nothing changes); compare mode asks both sides first. */
  checkFault(fault: unknown): Outcome<string> {
    try {
      return { ok: true, value: this.requireEngine().check(fault).kind };
    } catch (error) {
      return outcomeOf(error);
    }
  }

  /**
   * Chooses the partition every frame carries in detail (null: none), for the page's inspect
   * panel; a frame follows at once. A bad target is refused and changes nothing.
   */
  setInspected(target: InspectTarget | null): Outcome {
    if (target !== null) {
      const valid = typeof target === 'object' && typeof target.topic === 'string' && Number.isInteger(target.partition) && target.partition >= 0;
      if (!valid) {
        return { ok: false, error: `inspect: got ${JSON.stringify(target)}; expected { topic: a topic name, partition: a whole number from 0 } or null`, problems: [] };
      }
    }
    this.inspectTarget = target === null ? null : { topic: target.topic, partition: target.partition };
    this.publish();
    return { ok: true, value: undefined };
  }

  /**
   * Chooses the process whose view every frame carries whole (null: none), for the page's
   * inspect panel; the others' views leave out what only that panel reads (frame-views.ts). A
   * frame follows at once. A bad id is refused and changes nothing.
   */
  setInspectedProcess(id: string | null): Outcome {
    if (id !== null && (typeof id !== 'string' || id.length === 0)) {
      return { ok: false, error: `inspect process: got ${JSON.stringify(id)}; expected a process id (such as "broker-1") or null`, problems: [] };
    }
    this.inspectProcessId = id;
    this.publish();
    return { ok: true, value: undefined };
  }

  /**
   * Whether frames carry the raw trace (messages and timers: up to FRAME_TRACE_MAX entries, ~7 KB
   * a frame at 30 brokers), which only the event log's "messages & timers" view shows. Turned on,
   * the next frame carries the newest entries; a frame follows at once.
   */
  setTraceShown(shown: boolean): void {
    if (shown && !this.traceShown) this.traceSent = 0;
    this.traceShown = shown === true;
    this.publish();
  }

  /** The full current state, outside the frame stream. */
  snapshot(): Snapshot {
    return this.requireEngine().snapshot();
  }

  traceHash(): string {
    return this.requireEngine().traceHash;
  }

  /** The scenario's report so far (final once it is done); null in free play. */
  scenarioReport(): ScenarioReport | null {
    return this.run?.report() ?? null;
  }

  // ---- lesson steps and shared moments --------------------------------------------------------

  /**
   * Runs to the lesson's next step (a timeline step with a caption or a presenter pause) and
   * pauses there. While rewound, a step already seen up to the furthest moment is shown by seeking
   * to it (nothing is dropped); when none lies there, the run returns to its furthest moment and
   * runs on from it. Resolves once stopped: at the step (reached), at the scenario's end, or when
   * another command took over (not reached).
   */
  async nextStep(): Promise<Outcome<StepResult>> {
    let engine: Engine;
    try {
      engine = this.requireEngine();
    } catch (error) {
      return outcomeOf(error);
    }
    if (this.run === null) return { ok: false, error: 'free play has no lesson steps; open a lesson to step through it', problems: [] };
    if (this.rebuild !== null) return { ok: false, error: 'a rewind is rebuilding its moment; wait until it is shown', problems: [] };
    this.cancelStepping();
    if (this.head !== null) {
      const headUs = this.head.atUs;
      let known: number | null = null;
      for (const atUs of this.stepTimesUs.values()) if (atUs > engine.nowUs && atUs <= headUs && (known === null || atUs < known)) known = atUs;
      const shown = await this.seek(known ?? headUs);
      if (!shown.ok) return shown;
      if (!shown.value.completed || known !== null) return { ok: true, value: { atUs: shown.value.atUs, reached: shown.value.completed } };
      engine = this.requireEngine();
    }
    return this.runToNextStep(engine);
  }

  /**
   * From the furthest moment, runs at engine speed until a lesson step happens, in slices of
   * SLICE_WALL_MS with a frame after each. Every stretch ends on a scenario check (a multiple of
   * CHECK_INTERVAL_US, when "when" steps fire) or on an "at" step's time, and runs every event due
   * by then: so it stops where the step happened, with the same state a rewind to that time shows.
   */
  private runToNextStep(engine: Engine): Promise<Outcome<StepResult>> {
    const run = this.run;
    if (run === null || run.done) return Promise.resolve({ ok: true, value: { atUs: engine.nowUs, reached: false } });
    this.playing = false;
    this.behind = false;
    this.pausedFor = null;
    this.generation++; // no paced tick runs meanwhile
    const stepTimesUs = run.scenario.timeline.flatMap((step) => (step.at !== undefined && isLessonStep(step) ? [step.at] : [])).sort((a, b) => a - b);
    let seenIndex = run.allMoments().at(-1)?.index ?? -1;
    let first = true;
    const token = ++this.steppingToken;
    return new Promise((resolve) => {
      this.stepping = { token, finish: resolve };
      const slice = (): void => {
        if (this.stepping?.token !== token) return;
        const startMs = this.clock.now();
        let reached = false;
        try {
          do {
            const nowUs = engine.nowUs;
            const checkUs = (Math.floor(nowUs / CHECK_INTERVAL_US) + 1) * CHECK_INTERVAL_US;
            // The first stretch may end at once: a step due now (a lesson's caption at 0 s) has not run yet.
            const stepUs = stepTimesUs.find((atUs) => (first ? atUs >= nowUs : atUs > nowUs)) ?? checkUs;
            first = false;
            const targetUs = Math.min(checkUs, stepUs, run.durationUs);
            if (run.advance(targetUs)) this.pausedFor = lastPauseNote(run);
            const moments = run.allMoments();
            for (let i = moments.length - 1; i >= 0 && moments[i]!.index > seenIndex; i--) if (isLessonMoment(moments[i]!)) reached = true;
            seenIndex = moments.at(-1)?.index ?? seenIndex;
          } while (!reached && !run.done && !engine.held && this.clock.now() - startMs < SLICE_WALL_MS);
        } catch (error) {
          this.stepping = null;
          this.publish();
          resolve({ ok: false, error: `the run to the next step failed: ${error instanceof Error ? error.message : String(error)}`, problems: [] });
          return;
        }
        if (!reached && !run.done) {
          this.measureRate(engine);
          this.publish();
          const cold = this.cold;
          if (engine.held && cold !== null) {
            // Held at the read barrier: the next slice runs once the bodies it waits for are in.
            this.loadCold(engine, cold).then(
              () => this.scheduler.schedule(slice, 0),
              (error: unknown) => {
                this.cancelStepping();
                this.coldReadFailed(engine, error);
              },
            );
            return;
          }
          this.scheduler.schedule(slice, 0);
          return;
        }
        this.stepping = null;
        this.publish();
        resolve({ ok: true, value: { atUs: engine.nowUs, reached } });
      };
      this.scheduler.schedule(slice, 0);
    });
  }

  /** Ends a run to the next step in progress (another command took over). */
  private cancelStepping(): void {
    const stepping = this.stepping;
    if (stepping === null) return;
    this.stepping = null;
    stepping.finish({ ok: true, value: { atUs: this.engine?.nowUs ?? 0, reached: false } });
  }

  /**
   * Opens a shared moment on the run just loaded: replays the link's actions, each at its moment,
   * then runs to `target` (to its exact event count when given), paused there. The actions become
   * the run's own (the timeline marks them, the saved session holds them, a rewind replays them).
   * A moment past the scenario's end, or one the run does not pass through, changes nothing shown
   * to the person: the page opens the default cluster and says why.
   */
  async openMoment(inputs: readonly SessionInput[], target: ReplayTarget): Promise<Outcome<RunMoment>> {
    let engine: Engine;
    try {
      engine = this.requireEngine();
    } catch (error) {
      return outcomeOf(error);
    }
    const fail = (error: string): Outcome<never> => ({ ok: false, error, problems: [] });
    if (engine.nowUs !== 0 || this.inputs.length > 0 || this.head !== null) return fail('a moment opens only on a run just loaded');
    if (!Number.isSafeInteger(target.atUs) || target.atUs < 0) return fail(`t: got ${JSON.stringify(target.atUs)} µs; expected whole µs from 0`);
    const run = this.run;
    if (run !== null && target.atUs > run.durationUs) {
      return fail(`t is ${formatMs(target.atUs)}, past the scenario's end at ${formatMs(run.durationUs)}; expected a moment inside it`);
    }
    try {
      const replay = replayTo(engine, run, inputs, target);
      const cold = this.cold;
      if (cold === null) replayAll(replay);
      else {
        // A body the replay reads and cannot read at once is loaded first (the read barrier).
        for (let step = replay.next(); step.done !== true; step = replay.next()) {
          if (engine.held) await this.loadCold(engine, cold);
        }
      }
    } catch (error) {
      return fail(`its actions could not be replayed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (target.events !== undefined && engine.eventCount !== target.events) {
      return fail(`the run reaches ${engine.eventCount} events at ${formatMs(target.atUs)}, not the link's ${target.events}; was the link edited, or made by another version of the simulation?`);
    }
    this.inputs = [...inputs];
    this.appliedInputs = inputs.length;
    for (const input of inputs) this.addMarker('you', input.atUs, describeInput(input.fault));
    const session = this.session;
    const store = this.store;
    if (session !== null && store !== null) {
      for (const input of inputs) {
        const position = session.inputs++;
        this.write(() => store.appendInput(session.meta.id, position, input));
      }
      this.saveProgress(engine, true);
    }
    this.publish();
    return { ok: true, value: { atUs: engine.nowUs, events: engine.eventCount, traceHash: engine.traceHash } };
  }

  /** The moment shown and the person's actions up to it: what a shared link needs to rebuild it exactly. */
  momentToShare(): Outcome<SharedMomentState> {
    try {
      const engine = this.requireEngine();
      if (this.rebuild !== null) return { ok: false, error: 'a rewind is rebuilding its moment; share it once it is shown', problems: [] };
      return { ok: true, value: { atUs: engine.nowUs, events: engine.eventCount, traceHash: engine.traceHash, inputs: this.inputs.slice(0, this.appliedInputs) } };
    } catch (error) {
      return outcomeOf(error);
    }
  }

  // ---- timeline and rewind -------------------------------------------------------------------

  /** The furthest moment this run reached. */
  headMoment(): RunMoment {
    const engine = this.requireEngine();
    return this.head ?? { atUs: engine.nowUs, events: engine.eventCount, traceHash: engine.traceHash };
  }

  /**
   * Shows the moment `atUs` (µs of simulated time, 0 up to the furthest reached): rebuilds it in a
   * fresh engine, in slices, replaying the actions taken up to it; paused there. Resolves once it is
   * shown (or another seek or run took over: `completed` false). The furthest moment itself is
   * rebuilt exactly, event count and all. Nothing is dropped until the run branches.
   */
  seek(atUs: number): Promise<Outcome<SeekResult>> {
    return this.seekTo(atUs, false);
  }

  /** Rebuilds the moment `atUs` from zero in a fresh engine, even when the current one shows it (a run whose store failed). */
  private seekFresh(atUs: number): Promise<Outcome<SeekResult>> {
    return this.seekTo(atUs, true);
  }

  private seekTo(atUs: number, fresh: boolean): Promise<Outcome<SeekResult>> {
    let engine: Engine;
    try {
      engine = this.requireEngine();
    } catch (error) {
      return Promise.resolve(outcomeOf(error));
    }
    const head = this.headMoment();
    if (typeof atUs !== 'number' || !Number.isInteger(atUs) || atUs < 0 || atUs > head.atUs) {
      return Promise.resolve({
        ok: false,
        error: `seek: got ${JSON.stringify(atUs)}; expected a whole number of microseconds from 0 to ${head.atUs} (the furthest moment this run reached)`,
        problems: [],
      });
    }
    const origin = this.origin;
    if (origin === null) return Promise.resolve({ ok: false, error: 'seek: this run cannot be rebuilt (it has no recorded source)', problems: [] });
    const toHead = atUs === head.atUs;
    if (!fresh && this.head === null && toHead && this.rebuild === null) {
      // Already there.
      this.playing = false;
      this.publish();
      return Promise.resolve({ ok: true, value: { completed: true, atUs: engine.nowUs, events: engine.eventCount, traceHash: engine.traceHash, atHead: true } });
    }
    // Forward while rewound, the engine shown lies on the recorded history: it goes on from where it
    // is (the same deterministic continuation a rebuild from zero would reach), replaying only the
    // actions between. Backward, or while another rebuild runs, a fresh engine starts from zero.
    const continuing = !fresh && this.head !== null && this.rebuild === null && atUs >= engine.nowUs;
    let built: { engine: Engine; run: ScenarioRun | null };
    const cold = this.cold;
    try {
      built = continuing ? { engine, run: this.run } : buildFrom(origin.source, origin.seed, cold);
    } catch (error) {
      return Promise.resolve(outcomeOf(error));
    }
    const replayedFrom = continuing ? this.appliedInputs : 0;
    this.cancelRebuild();
    this.cancelStepping();
    this.saveProgress(engine, true); // the furthest moment, before the run goes back in time
    this.playing = false;
    this.behind = false;
    this.generation++; // no tick of the old engine runs any more
    const applied = toHead ? this.inputs.length : countInputsUpTo(this.inputs, atUs);
    const target: ReplayTarget = toHead ? { atUs: head.atUs, events: head.events } : { atUs };
    const replay = replayTo(built.engine, built.run, this.inputs.slice(replayedFrom, applied), target);
    const token = ++this.rebuildToken;
    return new Promise((resolve) => {
      this.rebuild = { token, targetUs: atUs, engine: built.engine, finish: resolve };
      const slice = (): void => {
        if (this.rebuild?.token !== token) return;
        const startMs = this.clock.now();
        let done = false;
        try {
          do done = replay.next().done === true;
          while (!done && !built.engine.held && this.clock.now() - startMs < SLICE_WALL_MS);
          if (!done && built.engine.held && cold !== null) {
            // The rebuilt run needs a body from the store: the next slice runs once it is loaded.
            this.publish();
            this.loadCold(built.engine, cold).then(
              () => this.scheduler.schedule(slice, 0),
              (error: unknown) => {
                if (this.rebuild?.token !== token) return;
                this.rebuild = null;
                this.publish();
                resolve({ ok: false, error: `the rewind could not read a saved segment back: ${error instanceof Error ? error.message : String(error)}`, problems: [] });
              },
            );
            return;
          }
        } catch (error) {
          this.rebuild = null;
          this.publish();
          resolve({ ok: false, error: `the rewind could not rebuild its moment: ${error instanceof Error ? error.message : String(error)}`, problems: [] });
          return;
        }
        if (!done) {
          this.publish();
          this.scheduler.schedule(slice, 0);
          return;
        }
        this.rebuild = null;
        this.finishSeek(built.engine, built.run, { applied, head, toHead });
        const moment = built.engine;
        resolve({ ok: true, value: { completed: true, atUs: moment.nowUs, events: moment.eventCount, traceHash: moment.traceHash, atHead: toHead } });
      };
      this.publish();
      this.scheduler.schedule(slice, 0);
    });
  }

  private finishSeek(engine: Engine, run: ScenarioRun | null, how: { applied: number; head: RunMoment; toHead: boolean }): void {
    // Set before the swap publishes: a rewound moment is neither saved nor marked.
    this.appliedInputs = how.applied;
    this.head = how.toHead ? null : how.head;
    this.swapEngine(engine, run);
    if (how.toHead && engine.traceHash !== how.head.traceHash) {
      this.sessionStatus = {
        ...this.sessionStatus,
        message: `The rebuilt run differs from the original at its furthest moment (trace ${engine.traceHash}, was ${how.head.traceHash}): please report this.`,
      };
    }
    this.publish();
  }

  /** Ends a rebuild in progress (a new seek or a new run took over). */
  private cancelRebuild(): void {
    const rebuild = this.rebuild;
    if (rebuild === null) return;
    this.rebuild = null;
    rebuild.finish({ ok: true, value: { completed: false, atUs: rebuild.engine.nowUs, events: rebuild.engine.eventCount, traceHash: rebuild.engine.traceHash, atHead: false } });
  }

  /**
   * A rewound run moves on: the future starts here. The actions and markers after this moment are
   * dropped, and the saved session follows (its action count shrinks; later records are ignored
   * when loading and overwritten by the next actions).
   */
  private branch(engine: Engine): void {
    if (this.head === null) return;
    const dropped = this.inputs.length - this.appliedInputs;
    this.inputs.length = this.appliedInputs;
    this.head = null;
    this.branched = { atUs: engine.nowUs, droppedActions: dropped };
    this.markers = this.markers.filter((marker) => marker.atUs <= engine.nowUs);
    for (const [step, atUs] of this.stepTimesUs) if (atUs > engine.nowUs) this.stepTimesUs.delete(step);
    this.timelineEpoch++;
    this.markersSentId = 0;
    // What is marked so far is what the rebuilt engine has seen: its cursors continue from here.
    this.markedTraceIndex = engine.notableLog().at(-1)?.index ?? -1;
    this.markedMomentIndex = this.run?.allMoments().at(-1)?.index ?? -1;
    const session = this.session;
    if (session !== null) {
      session.inputs = this.inputs.length;
      session.savedEvents = -1; // save the branch point now, even if no event ran since
      this.saveProgress(engine, true);
    }
    this.pruneCold(engine); // the abandoned future's keys go
  }

  private addMarker(kind: MarkerKind, atUs: number, text: string, passed?: boolean): void {
    this.markers.push({ id: ++this.markerId, kind, atUs, text, ...(passed === undefined ? {} : { passed }) });
    if (this.markers.length > TIMELINE_MARKERS_MAX) this.markers.splice(0, this.markers.length - TIMELINE_MARKERS_MAX);
  }

  /** Marks what the engine did since the last call; only at the furthest moment (earlier ones are marked). */
  private collectMarkers(engine: Engine): void {
    if (this.head !== null || this.rebuild !== null) return;
    for (const entry of engine.notableSince(this.markedTraceIndex + 1)) {
      this.markedTraceIndex = entry.index;
      const marker = markerOfNotable(entry);
      if (marker !== null) this.addMarker(marker.kind, entry.timeUs, marker.text);
    }
    const run = this.run;
    if (run === null) return;
    const moments = run.allMoments();
    // Moments are kept in order of their index; read from the end back to the first unmarked one.
    let first = moments.length;
    while (first > 0 && moments[first - 1]!.index > this.markedMomentIndex) first--;
    for (let i = first; i < moments.length; i++) {
      const moment = moments[i]!;
      this.markedMomentIndex = moment.index;
      if (isLessonMoment(moment) && !this.stepTimesUs.has(moment.step!)) this.stepTimesUs.set(moment.step!, moment.atUs);
      const marker = markerOfMoment(moment);
      this.addMarker(marker.kind, moment.atUs, marker.text, marker.passed);
    }
  }

  private timelineFrame(engine: Engine, lostRecords: number, lossCause: string | undefined): TimelineFrame {
    if (this.head === null && this.rebuild === null && lostRecords > this.lostRecordsSeen) {
      const lost = lostRecords - this.lostRecordsSeen;
      this.addMarker('loss', engine.nowUs, `${lost} acknowledged record${lost === 1 ? '' : 's'} lost${lossCause === undefined ? '' : `: ${lossCause}`}`);
    }
    this.lostRecordsSeen = lostRecords;
    const fresh: TimelineMarker[] = [];
    for (const marker of this.markers) {
      if (marker.id <= this.markersSentId) continue;
      if (fresh.length >= FRAME_MARKERS_MAX) {
        this.frameDirty = true; // the rest go with the next frame
        break;
      }
      fresh.push(marker);
    }
    const lastSent = fresh.at(-1);
    if (lastSent !== undefined) this.markersSentId = lastSent.id;
    const head = this.head;
    return {
      epoch: this.timelineEpoch,
      markers: fresh,
      headUs: head?.atUs ?? engine.nowUs,
      rewound:
        head === null
          ? null
          : {
              atUs: engine.nowUs,
              laterActions: this.inputs
                .slice(this.appliedInputs, this.appliedInputs + LATER_ACTIONS_SENT_MAX)
                .map((input) => ({ atUs: input.atUs, text: describeInput(input.fault) })),
              laterActionCount: this.inputs.length - this.appliedInputs,
            },
      rebuilding: this.rebuild === null ? null : { targetUs: this.rebuild.targetUs, reachedUs: this.rebuild.engine.nowUs },
      branched: this.branched,
    };
  }

  // ---- pacing -------------------------------------------------------------------------------

  /** A new run: its session, inputs and timeline start afresh (the caller sets origin and session). */
  private install(engine: Engine, run: ScenarioRun | null): void {
    // The caller starts or resumes the new run's session right after.
    this.session = null;
    this.sessionStatus = { id: null, status: 'off', message: null };
    this.cancelRebuild();
    this.cancelStepping();
    this.stepTimesUs = new Map();
    this.origin = null;
    this.inputs = [];
    this.appliedInputs = 0;
    this.head = null;
    this.markers = [];
    this.markersSentId = 0;
    this.timelineEpoch++;
    this.markedTraceIndex = -1;
    this.markedMomentIndex = -1;
    this.lostRecordsSeen = 0;
    this.branched = null;
    this.swapEngine(engine, run);
  }

  /** Puts `engine` in place, paused; the page gets its log, moments and series from the start. */
  private swapEngine(engine: Engine, run: ScenarioRun | null): void {
    this.runNumber++;
    this.momentsFromStart = true;
    this.engine = engine;
    this.run = run;
    this.scenarioInfo =
      run === null
        ? null
        : {
            name: run.scenario.name,
            description: run.scenario.description,
            seed: run.seed,
            durationUs: run.durationUs,
            stepTimesUs: run.scenario.timeline.flatMap((step) => (step.at === undefined ? [] : [step.at])),
            lessonSteps: run.scenario.timeline.filter(isLessonStep).length,
          };
    this.pausedFor = null;
    this.generation++;
    this.playing = false;
    this.behind = false;
    this.notableSent = 0;
    this.traceSent = 0;
    this.seriesSent = 0;
    this.resetRate();
    this.publish();
  }

  private anchor(engine: Engine): void {
    this.anchorWallMs = this.clock.now();
    this.anchorSimUs = engine.nowUs;
  }

  private scheduleTick(delayMs: number): void {
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    const generation = this.generation;
    this.scheduler.schedule(() => {
      this.tickScheduled = false;
      if (generation === this.generation) this.tick();
    }, delayMs);
  }

  /**
   * Runs toward `targetUs` for at most SLICE_EVENTS_MAX events. Returns false when playback must
   * stop: the scenario reached a presenter pause or its end.
   */
  private advance(engine: Engine, targetUs: number): boolean {
    const run = this.run;
    if (run === null) {
      engine.runUntil(targetUs, { maxEvents: SLICE_EVENTS_MAX });
      return true;
    }
    const stopped = run.advance(targetUs, SLICE_EVENTS_MAX);
    if (stopped) this.pausedFor = lastPauseNote(run);
    return !stopped && !run.done;
  }

  /** One slice of work: advance the engine toward where the wall clock says it should be. */
  tick(): void {
    const engine = this.engine;
    if (engine === null || !this.playing) return;
    const sliceStartMs = this.clock.now();
    let keepPlaying = true;
    let lagging = false;
    const cold = this.cold;
    if (cold !== null && cold.backlogBytes > COLD_WRITE_BEHIND_BYTES_MAX) {
      // IndexedDB is behind: the run waits for the writes rather than holding more bytes in the heap.
      if (!this.coldBackpressure) {
        this.coldBackpressure = true;
        void cold.flush().then(() => {
          this.coldBackpressure = false;
          if (this.engine === engine && this.playing) this.scheduleTick(0);
        });
      }
      this.publish();
      return;
    }
    if (this.speed === 'max') {
      // 10 ms of simulated time or SLICE_EVENTS_MAX events per step, until the slice is used up.
      do {
        keepPlaying = this.advance(engine, engine.nowUs + 10_000);
      } while (keepPlaying && !engine.held && this.clock.now() - sliceStartMs < SLICE_WALL_MS);
      this.behind = false;
      lagging = true;
    } else {
      const speed = this.speed;
      const targetUs = this.anchorSimUs + Math.floor((sliceStartMs - this.anchorWallMs) * 1_000 * speed);
      // How far simulated time lags where the wall clock says it should be, in wall ms.
      const lagAt = (wallMs: number): number => wallMs - this.anchorWallMs - (engine.nowUs - this.anchorSimUs) / 1_000 / speed;
      const lagBeforeMs = lagAt(sliceStartMs);
      // At least one chunk per slice, so a slow clock cannot starve the simulation.
      let caughtUp = false;
      let endMs = sliceStartMs;
      do {
        keepPlaying = this.advance(engine, targetUs);
        caughtUp = engine.nowUs >= targetUs;
        endMs = this.clock.now();
      } while (keepPlaying && !caughtUp && !engine.held && endMs - sliceStartMs < PACED_SLICE_WALL_MS);
      const lagMs = lagAt(endMs);
      // A run gaining on its target makes its lag up (up to LAG_KEPT_MAX_MS); one losing ground keeps CATCH_UP_MAX_MS of it.
      const keptMs = lagMs > LAG_KEPT_MAX_MS ? LAG_KEPT_MAX_MS : lagMs > CATCH_UP_MAX_MS && lagMs >= lagBeforeMs ? CATCH_UP_MAX_MS : lagMs;
      if (keptMs < lagMs) {
        // Simulated time continues from here, keptMs behind the wall clock.
        this.anchorSimUs = engine.nowUs;
        this.anchorWallMs = endMs - keptMs;
        this.pacing.lagCutMs += lagMs - keptMs;
      }
      lagging = keepPlaying && !caughtUp;
      this.behind = lagging && lagMs > BEHIND_LAG_MS;
    }
    this.pacing.ticks++;
    this.pacing.busyMs += this.clock.now() - sliceStartMs;
    this.measureRate(engine);
    if (!keepPlaying) {
      this.playing = false;
      this.behind = false;
    }
    // Bodies the run asked for: loading starts now; a held run ticks again once they are in.
    this.pumpCold(engine);
    this.publish();
    // While behind its target, the next slice follows at once (commands and the page's
    // acknowledgements are served in between); caught up, sleep about a frame.
    if (this.playing) this.scheduleTick(engine.held ? CAUGHT_UP_SLEEP_MS : lagging ? (this.speed === 'max' ? 0 : LAG_SLEEP_MS) : CAUGHT_UP_SLEEP_MS);
  }

  /**
   * How paced play has gone since the host started (for benches and tests): slices run, the wall
   * time they took, and the lag given up (CATCH_UP_MAX_MS). Read-only figures; changes nothing.
   */
  pacingStats(): { readonly ticks: number; readonly busyMs: number; readonly lagCutMs: number } {
    return { ...this.pacing };
  }

  private resetRate(): void {
    this.rateWindowWallMs = this.clock.now();
    this.rateWindowEvents = this.engine?.eventCount ?? 0;
    this.rateWindowSimUs = this.engine?.nowUs ?? 0;
    this.rate = { eventsPerWallSecond: 0, simulatedSecondsPerWallSecond: 0 };
  }

  private measureRate(engine: Engine): void {
    const elapsedMs = this.clock.now() - this.rateWindowWallMs;
    if (elapsedMs < 500) return;
    this.rate = {
      eventsPerWallSecond: ((engine.eventCount - this.rateWindowEvents) * 1_000) / elapsedMs,
      simulatedSecondsPerWallSecond: (engine.nowUs - this.rateWindowSimUs) / 1_000 / elapsedMs,
    };
    this.rateWindowWallMs = this.clock.now();
    this.rateWindowEvents = engine.eventCount;
    this.rateWindowSimUs = engine.nowUs;
  }

  // ---- frames -------------------------------------------------------------------------------

  private scenarioFrame(): ScenarioFrame | null {
    const run = this.run;
    if (run === null || this.scenarioInfo === null) return null;
    // The report first: at the end it decides the end-of-run expectations the list must show.
    const report = run.done ? run.report() : null;
    return {
      info: this.scenarioInfo,
      moments: this.takeMoments(run),
      expectations: report?.expectations ?? run.expectations(),
      pausedFor: this.pausedFor,
      done: run.done,
      report,
    };
  }

  /** The moments the page has not had from this engine: all of them after a swap (the page starts afresh). */
  private takeMoments(run: ScenarioRun): readonly Moment[] {
    const fresh = run.drainMoments();
    if (!this.momentsFromStart) return fresh;
    this.momentsFromStart = false;
    return [...run.allMoments()];
  }

  /** Sends a frame now if the page has drawn the last one; otherwise right after it has. */
  private publish(): void {
    const engine = this.engine;
    const listener = this.listener;
    if (engine === null) return;
    this.saveProgress(engine, !this.playing);
    this.collectMarkers(engine);
    if (listener === null) return;
    if (this.awaitingDraw) {
      this.frameDirty = true;
      return;
    }
    // Unshown, the raw trace is not read at all: traceFrom past its end.
    const traceFrom = this.traceShown ? this.traceSent : Number.MAX_SAFE_INTEGER;
    const snapshot = engine.snapshot({ notableFrom: this.notableSent, traceFrom, seriesFrom: this.seriesSent });
    // Series names and units travel once, with the first points of a run; later frames carry only new points.
    const series = snapshot.series === null ? null : this.seriesSent === 0 ? snapshot.series : { ...snapshot.series, meta: [] };
    if (snapshot.series !== null) this.seriesSent = snapshot.series.nextIndex;
    const lastNotable = snapshot.notable.at(-1);
    if (lastNotable !== undefined) this.notableSent = lastNotable.index + 1;
    const frameTrace = snapshot.recent.slice(-FRAME_TRACE_MAX);
    const lastTrace = frameTrace.at(-1);
    if (lastTrace !== undefined) this.traceSent = lastTrace.index + 1;
    this.frameDirty = false;
    const timeline = this.timelineFrame(engine, snapshot.durability.lostRecords, snapshot.durability.losses[0]?.cause);
    const frame: Frame = {
      sequence: ++this.frameSequence,
      run: this.runNumber,
      playing: this.playing,
      speed: this.speed,
      behind: this.behind,
      rate: this.rate,
      snapshot: { ...snapshot, recent: frameTrace, series, processes: framedProcesses(snapshot.processes, this.inspectProcessId) },
      scenario: this.scenarioFrame(),
      session: this.sessionStatus,
      timeline,
      inspected: this.inspectTarget === null ? null : { target: this.inspectTarget, detail: engine.inspectPartition(this.inspectTarget.topic, this.inspectTarget.partition) },
    };
    const moreMarkers = this.frameDirty;
    this.awaitingDraw = true;
    this.frameDirty = moreMarkers;
    const drawn = (): void => {
      if (this.listener !== listener) return;
      this.awaitingDraw = false;
      if (this.frameDirty) this.publish();
    };
    Promise.resolve(listener(frame)).then(drawn, drawn);
  }

  private requireEngine(): Engine {
    if (this.engine === null) throw new Error('no engine yet: call create(config, seed) or loadScenario(file) first');
    return this.engine;
  }
}

/** A lesson step: a timeline step with a caption or a presenter pause (an action alone is not one). */
function isLessonStep(step: ScenarioStep): boolean {
  return step.caption !== undefined || step.pause !== undefined;
}

/** A moment that marks a lesson step happening. */
function isLessonMoment(moment: Moment): boolean {
  return (moment.kind === 'caption' || moment.kind === 'pause') && moment.step !== undefined;
}

/** The note of the newest presenter pause, as the page shows it while stopped there. */
function lastPauseNote(run: ScenarioRun): string {
  const moments = run.allMoments();
  for (let i = moments.length - 1; i >= 0; i--) if (moments[i]!.kind === 'pause') return moments[i]!.text;
  return 'The presenter paused here.';
}

function formatMs(atUs: number): string {
  return `${atUs / 1_000} ms`;
}

/** A fresh engine (and scenario run) for a run's source and seed. */
function buildFrom(source: SessionSource, seed: number, cold: HostColdStore | null): { engine: Engine; run: ScenarioRun | null } {
  if (source.kind === 'free') return { engine: createEngine(source.config, seed, engineOptions(cold)), run: null };
  const run = new ScenarioRun(parseScenarioText(source.text), { seed, pauses: 'stop', engine: engineOptions(cold) });
  return { engine: run.engine, run };
}

/** An engine's options for a cold store (none: bodies in the heap). */
function engineOptions(cold: HostColdStore | null): EngineOptions {
  return cold === null ? {} : { coldStore: cold };
}

/** How many of the (time-ordered) actions were taken at or before `atUs`. */
function countInputsUpTo(inputs: readonly SessionInput[], atUs: number): number {
  let count = 0;
  while (count < inputs.length && inputs[count]!.atUs <= atUs) count++;
  return count;
}

/** An action in words, as the event log says it; a saved one that no longer parses is shown raw. */
function describeInput(fault: unknown): string {
  try {
    return describeFault(parseFault(fault));
  } catch {
    return JSON.stringify(fault);
  }
}
