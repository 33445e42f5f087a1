// The page's handle on the engine worker: starts the worker, forwards commands through comlink,
// and keeps the latest frame in a store that React reads with useSyncExternalStore (the snapshot
// is a version number, bumped per frame). The frame listener resolves only after the browser has
// painted the next animation frame: that is the backpressure that keeps the worker from sending
// faster than the page draws. Frames arrive as patches against the frame the page holds
// (worker/frame-delta.ts: the first after subscribing whole); the client rebuilds each whole frame,
// what did not change keeping its identity, so everything downstream reads whole frames.
//
// The client accumulates the event log (notable entries and, when asked, raw trace entries) in
// bounded arrays, so the page can show history that single frames do not carry; likewise the
// metadata log records it has seen (a frame carries only the newest few). A frame of a new engine
// (another run, a resume, a rewind: `frame.run` changes) carries those from the start, so they start
// afresh; the timeline's markers start afresh when their epoch changes (a new run, a branch).

import * as Comlink from 'comlink';
import type { TraceEntry } from '../engine/api';
import type { Moment } from '../engine/scenario/runner';
import type { EngineHost, Frame, InspectTarget, Outcome, ScenarioInfo, SeekResult, Speed } from '../worker/host';
import { FrameDecoder, type FrameMessage } from '../worker/frame-delta';
import { TIMELINE_MARKERS_MAX, type TimelineMarker } from '../worker/timeline';
import type { SessionInput, SessionMeta, SessionSource } from '../worker/sessions';
import { FREE_PLAY_CONFIG } from './free-play';
import { EMPTY_LOG, mergeLog, type SeenLog } from './kraft';
import { EMPTY_CHART_DATA, mergeSeries, type ChartData } from './series-store';
import { DEFAULT_SEED } from './url-params';

/** Bound on notable log entries kept by the page. */
export const LOG_ENTRIES_MAX = 500;
/** Bound on raw trace entries (messages, timers) kept by the page. */
export const TRACE_ENTRIES_MAX = 200;
/** Bound on scenario moments (captions, actions, checks) kept by the page. */
export const MOMENTS_MAX = 500;

/** A moment a shared link opens at: the person's actions replayed at their moments, then paused there. */
export interface OpenMoment {
  readonly atUs: number;
  /** The exact event count, when known; null: every event due by atUs. */
  readonly events: number | null;
  readonly inputs: readonly SessionInput[];
}

/**
 * What the worker runs: a free cluster, a scenario file (a library lesson's, id null for an edited
 * one), or a saved session (and what to open if it cannot be resumed). A shared link adds the moment
 * to open at; the setup that runs afterwards has none (a replay starts from zero).
 */
export type Setup =
  | { readonly kind: 'free'; readonly config: unknown; readonly seed: number; readonly moment?: OpenMoment }
  | { readonly kind: 'scenario'; readonly id: string | null; readonly text: string; readonly seed: number | null; readonly moment?: OpenMoment }
  | { readonly kind: 'resume'; readonly id: string; readonly fallback: Setup };

/** What a start ended with: the setup that runs (a resumed session's own), and a problem to show, if any. */
export interface Started {
  readonly setup: Exclude<Setup, { kind: 'resume' }>;
  readonly scenario: ScenarioInfo | null;
  readonly problem: string | null;
}

export interface ClientCallbacks {
  /** The worker failed or refused a command: the session cannot go on. */
  readonly onFailure: (message: string) => void;
  /** The worker started or stopped playing (it stops by itself at a presenter pause or the end). */
  readonly onPlaying: (playing: boolean) => void;
}

export interface ClientState {
  readonly frame: Frame | null;
  readonly log: readonly TraceEntry[];
  readonly trace: readonly TraceEntry[];
  readonly moments: readonly Moment[];
  /** The metadata log as seen across frames (bounded: METADATA_LOG_KEPT_MAX records). */
  readonly metadataLog: SeenLog;
  /** Metrics over simulated time, grown from each frame's new points (bounded: CHART_POINTS_MAX). */
  readonly series: ChartData;
  /** The run's timeline markers (bounded by the host's TIMELINE_MARKERS_MAX). */
  readonly timeline: { readonly epoch: number; readonly markers: readonly TimelineMarker[] };
}

function nextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

export class EngineClient {
  private readonly worker: Worker;
  private readonly remote: Comlink.Remote<EngineHost>;
  private state: ClientState = EMPTY_STATE;
  private version = 0;
  private readonly listeners = new Set<() => void>();
  private disposed = false;
  private readonly decoder = new FrameDecoder();

  constructor(private readonly callbacks: ClientCallbacks) {
    this.worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), {
      type: 'module',
      name: 'kora-engine',
    });
    this.worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.fail(`The simulation worker stopped: ${event.message || 'it could not be loaded'}`);
    });
    this.worker.addEventListener('messageerror', () => this.fail('The simulation worker sent a message the page could not read.'));
    this.remote = Comlink.wrap<EngineHost>(this.worker);
  }

  // ---- store for useSyncExternalStore -------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  get current(): ClientState {
    return this.state;
  }

  // ---- commands -----------------------------------------------------------------------------

  /**
   * Builds the engine for `setup` in the worker; a refused config or scenario comes back as an
   * Outcome. A session that cannot be resumed opens its fallback instead, with the reason.
   */
  async start(setup: Setup): Promise<Outcome<Started>> {
    // Frames travel as patches against the one the page holds (frame-delta.ts); a new subscription starts whole.
    this.decoder.reset();
    await this.remote.subscribeFrames(Comlink.proxy((message: FrameMessage) => this.receive(this.decoder.decode(message))));
    this.state = EMPTY_STATE;
    if (setup.kind === 'resume') {
      const resumed = await this.call(() => this.remote.resumeSession(setup.id) as Promise<Outcome<{ source: SessionSource; seed: number; scenario: ScenarioInfo | null }>>);
      if (resumed.ok) return { ok: true, value: { setup: setupOf(resumed.value.source, resumed.value.seed), scenario: resumed.value.scenario, problem: null } };
      const fallback = await this.start(setup.fallback);
      const problem = `The saved session could not be resumed: ${resumed.error}. ${setup.fallback.kind === 'scenario' ? 'The lesson starts again' : 'A new run starts'} instead.`;
      return fallback.ok ? { ok: true, value: { ...fallback.value, problem } } : fallback;
    }
    const { moment, ...running } = setup;
    let started: Outcome<Started>;
    // Comlink's Remote<> splits a union return type; the worker returns exactly these Outcomes.
    if (running.kind === 'free') {
      const created = await this.call(() => this.remote.create(running.config, running.seed) as Promise<Outcome<unknown>>);
      started = created.ok ? { ok: true, value: { setup: running, scenario: null, problem: null } } : created;
    } else {
      const options = running.id === null ? {} : { id: running.id };
      const loaded = await this.call(() => this.remote.loadScenario(running.text, running.seed === null ? options : { ...options, seed: running.seed }) as Promise<Outcome<ScenarioInfo>>);
      started = loaded.ok ? { ok: true, value: { setup: running, scenario: loaded.value, problem: null } } : loaded;
    }
    if (!started.ok || moment === undefined) return started;
    // A shared moment: replay the link's actions and stop there; a moment the run cannot reach opens the default cluster.
    const opened = await this.openMoment(moment);
    if (opened.ok) return started;
    const fallback = await this.start({ kind: 'free', config: FREE_PLAY_CONFIG, seed: DEFAULT_SEED });
    const problem = `The link's moment could not be opened: ${opened.error}. The default cluster is open instead.`;
    return fallback.ok ? { ok: true, value: { ...fallback.value, problem } } : fallback;
  }

  /**
   * Opens a shared moment on the run just started: the link's actions replayed at their moments,
   * paused there (EngineHost.openMoment). Compare mode opens one on each side, and on a refusal
   * decides itself what opens instead.
   */
  openMoment(moment: OpenMoment): Promise<Outcome<unknown>> {
    const target = moment.events === null ? { atUs: moment.atUs } : { atUs: moment.atUs, events: moment.events };
    return this.call(() => this.remote.openMoment(moment.inputs, target) as Promise<Outcome<unknown>>);
  }

  /** The moment shown and the person's actions up to it: what a shared link needs to rebuild it. */
  momentToShare(): Promise<Outcome<{ atUs: number; events: number; traceHash: string; inputs: readonly SessionInput[] }>> {
    return this.call(() => this.remote.momentToShare() as Promise<Outcome<{ atUs: number; events: number; traceHash: string; inputs: readonly SessionInput[] }>>);
  }

  /** Runs to the lesson's next step (a caption or a presenter pause) and pauses there. */
  nextStep(): Promise<Outcome<{ atUs: number; reached: boolean }>> {
    return this.call(() => this.remote.nextStep() as Promise<Outcome<{ atUs: number; reached: boolean }>>);
  }

  /** The sessions saved in this browser, newest first. */
  listSessions(): Promise<Outcome<readonly SessionMeta[]>> {
    return this.call(() => this.remote.listSessions() as Promise<Outcome<readonly SessionMeta[]>>);
  }

  deleteSession(id: string): Promise<Outcome> {
    return this.call(() => this.remote.deleteSession(id) as Promise<Outcome>);
  }

  play(): Promise<void> {
    return this.call(() => this.remote.play());
  }

  pause(): Promise<void> {
    return this.call(() => this.remote.pause());
  }

  setSpeed(speed: Speed): Promise<void> {
    return this.call(() => this.remote.setSpeed(speed));
  }

  step(): Promise<TraceEntry | null> {
    return this.call(() => this.remote.step());
  }

  inject(fault: unknown): Promise<Outcome<string>> {
    return this.call(() => this.remote.inject(fault) as Promise<Outcome<string>>);
  }

  /** Rewinds (or returns) to the moment `atUs`; resolves once the worker shows it. */
  seek(atUs: number): Promise<Outcome<SeekResult>> {
    return this.call(() => this.remote.seek(atUs) as Promise<Outcome<SeekResult>>);
  }

  /** Chooses the partition the worker's frames carry in detail (null: none), for the inspect panel. */
  inspect(target: InspectTarget | null): Promise<Outcome> {
    return this.call(() => this.remote.setInspected(target) as Promise<Outcome>);
  }

  /** Chooses the process whose view the worker's frames carry whole (null: none), for the inspect panel. */
  inspectProcess(id: string | null): Promise<Outcome> {
    return this.call(() => this.remote.setInspectedProcess(id) as Promise<Outcome>);
  }

  /** Whether the worker's frames carry the raw trace (messages and timers), which the event log shows on demand. */
  showTrace(shown: boolean): Promise<void> {
    return this.call(() => this.remote.setTraceShown(shown));
  }

  /** Runs a stretch of simulated time at once, the host paused (compare mode drives two hosts in lock-step). */
  runFor(durationUs: number): Promise<Outcome<number>> {
    return this.call(() => this.remote.runFor(durationUs) as Promise<Outcome<number>>);
  }

  /** Whether the worker would take this fault now; nothing changes. */
  checkFault(fault: unknown): Promise<Outcome<string>> {
    return this.call(() => this.remote.checkFault(fault) as Promise<Outcome<string>>);
  }

  dispose(): void {
    this.disposed = true;
    this.remote[Comlink.releaseProxy]();
    this.worker.terminate();
  }

  // ---- internals ----------------------------------------------------------------------------

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.fail(`The simulation worker refused a command: ${message}`);
      throw error;
    }
  }

  private fail(message: string): void {
    if (this.disposed) return;
    this.callbacks.onFailure(message);
  }

  private receive(frame: Frame): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const kept = this.state;
    // A new engine's first frame carries its log, moments and series from the start.
    const previous = kept.frame !== null && kept.frame.run !== frame.run ? { ...EMPTY_STATE, timeline: kept.timeline } : kept;
    const sameEpoch = previous.timeline.epoch === frame.timeline.epoch;
    this.state = {
      frame,
      timeline: {
        epoch: frame.timeline.epoch,
        markers: sameEpoch ? appendBounded(previous.timeline.markers, frame.timeline.markers, TIMELINE_MARKERS_MAX) : frame.timeline.markers,
      },
      log: appendBounded(previous.log, frame.snapshot.notable, LOG_ENTRIES_MAX),
      trace: appendBounded(previous.trace, frame.snapshot.recent, TRACE_ENTRIES_MAX),
      moments: appendBounded(previous.moments, frame.scenario?.moments ?? [], MOMENTS_MAX),
      metadataLog: mergeLog(previous.metadataLog, frame.snapshot.metadataLog),
      series: mergeSeries(previous.series, frame.snapshot.series),
    };
    if (kept.frame?.playing !== frame.playing) this.callbacks.onPlaying(frame.playing);
    this.version++;
    for (const listener of this.listeners) listener();
    return nextPaint();
  }
}

/** The setup that reopens a saved session's source. */
function setupOf(source: SessionSource, seed: number): Exclude<Setup, { kind: 'resume' }> {
  return source.kind === 'free' ? { kind: 'free', config: source.config, seed } : { kind: 'scenario', id: source.id, text: source.text, seed };
}

export const EMPTY_STATE: ClientState = {
  frame: null,
  log: [],
  trace: [],
  moments: [],
  metadataLog: EMPTY_LOG,
  series: EMPTY_CHART_DATA,
  timeline: { epoch: -1, markers: [] },
};

function appendBounded<T>(existing: readonly T[], added: readonly T[], max: number): readonly T[] {
  if (added.length === 0) return existing;
  const merged = existing.concat(added);
  return merged.length > max ? merged.slice(merged.length - max) : merged;
}
