// Compare mode's conductor: two EngineClients (two workers), same seed, scenario, load and faults,
// one setting different, driven in lock-step on simulated time. Neither worker plays by itself:
// each stretch, the conductor asks both to run to the same simulated moment and waits for both, so
// the slower side sets the pace (and the page says which, when the chosen speed cannot be kept).
//
// States (the page mirrors them): booting --both started--> paused <--play / pause--> playing
//   playing --lesson end--> ended;  playing --presenter pause--> paused
//   booting / any --a worker failed or refused a side--> failed --restart--> booting
//   paused / ended --next step--> paused (at the lesson's next step, side A's, which paces)
//   paused / ended --previous step (seek)--> paused, rewound (both sides rebuild that moment)
//
// Lesson steps: side A paces them. Next asks A's worker to run to its next caption or presenter
// pause (EngineHost.nextStep), then brings B to the same simulated moment (runFor, or a seek while
// rewound), so the two stand at one moment again. Previous seeks both sides to the previous step's
// moment (EngineHost.seek rebuilds it exactly); the later faults are kept until either side
// branches (play, step, a fault), as the host keeps its later actions, and then dropped from both.
//
// Faults: a fault is first checked by both workers (EngineHost.checkFault: nothing changes); only if
// both can take it is it injected into both, at the same simulated moment (rounds and commands run
// one at a time, so no stretch is under way). A fault one side cannot take is applied to neither,
// and the notice says which side refused and why.
//
// Shared moments: `momentToShare` gives the moment both sides stand at, each side's event count and
// the faults applied (the same on both, each side's own event count), for a compare link;
// `start(moment)` opens such a link: both workers start, each replays the faults at their moments
// (EngineHost.openMoment) and pauses there. If either side cannot open it, the session fails with
// the reason and the page opens the default cluster instead (nothing half-applied).
//
// Owns: pacing, the ordering of rounds and commands, the list of faults applied (bounded by
// COMPARE_FAULTS_MAX). Never: simulates (the workers do), or lets the two sides drift apart in
// simulated time between rounds.

import { describeFault, parseFault } from '../engine/faults';
import type { Speed } from '../worker/host';
import type { SessionInput } from '../worker/sessions';
import { EngineClient, type Setup } from './engine-client';
import { sideLabel, type CompareMoment, type ComparePlan } from './compare';
import type { LinkAction } from './url-params';

/** The faults applied to both sides that the page lists (the newest kept). */
export const COMPARE_FAULTS_MAX = 50;
/** Longest stretch of simulated time one round asks for, per unit of speed (wall ms): bounds a round's work. */
export const ROUND_WALL_MS_MAX = 100;
/** When playback lags the chosen speed by more than this (wall ms), it re-anchors and says who sets the pace. */
export const COMPARE_CATCH_UP_MAX_MS = 250;
/** At "max": the first stretch, and the bounds the stretch adapts within to keep a round near ROUND_TARGET_WALL_MS. */
const MAX_STRETCH_START_US = 100_000;
const MAX_STRETCH_MIN_US = 10_000;
const MAX_STRETCH_MAX_US = 10_000_000;
const ROUND_TARGET_WALL_MS = 40;

export type CompareStatus = 'booting' | 'paused' | 'playing' | 'ended' | 'failed';

export interface CompareState {
  readonly status: CompareStatus;
  readonly speed: Speed;
  /** The simulated moment both sides have reached. */
  readonly timeUs: number;
  /** While playing below the chosen speed: the side whose worker took longer, which set the pace. */
  readonly pacedBy: 0 | 1 | null;
  /** Wall ms each side's worker spent per simulated second in the last rounds (null until measured). */
  readonly wallMsPerSimSecond: readonly [number | null, number | null];
  /** The presenter's note while stopped at a pause of the lesson. */
  readonly pausedFor: string | null;
  /** The last refused fault, or another explanation for the person. */
  readonly notice: string | null;
  readonly error: string | null;
  /** Faults applied to both sides, oldest first (while rewound, later ones too: a branch drops them). */
  readonly faults: readonly { readonly atUs: number; readonly kind: string; /** A sentence naming what it did (describeFault: "crash broker-2"). */ readonly what: string }[];
  /** The furthest moment both sides reached; above timeUs while rewound (a previous step). */
  readonly headUs: number;
  /** While booting from a link: the shared moment both sides are rebuilding (its time and how many actions). */
  readonly opening: { readonly atUs: number; readonly actions: number } | null;
}

export interface CompareClock {
  now(): number;
  /** Resolves on the next paint (or soon after, in tests). */
  nextFrame(): Promise<void>;
}

const browserClock: CompareClock = {
  now: () => performance.now(),
  nextFrame: () => new Promise((resolve) => requestAnimationFrame(() => resolve())),
};

/** What the conductor needs of a side: EngineClient, or a fake in tests. */
export type CompareClient = Pick<
  EngineClient,
  'start' | 'runFor' | 'step' | 'checkFault' | 'inject' | 'dispose' | 'subscribe' | 'getVersion' | 'current' | 'nextStep' | 'seek' | 'openMoment' | 'momentToShare'
>;

/** What a compare link needs to rebuild the moment both sides show: the time, each side's event count, the faults with both counts. */
export interface CompareShared {
  readonly atUs: number;
  readonly events: readonly [number, number];
  readonly actions: readonly LinkAction[];
}

export type CompareOutcome<T = undefined> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export class CompareSession {
  readonly clients: readonly [CompareClient, CompareClient];
  private state: CompareState;
  private version = 0;
  private readonly listeners = new Set<() => void>();
  /** Rounds and commands, one after another. */
  private queue: Promise<unknown> = Promise.resolve();
  private generation = 0;
  private anchorWallMs = 0;
  private anchorSimUs = 0;
  private maxStretchUs = MAX_STRETCH_START_US;
  private disposed = false;

  constructor(
    readonly plan: ComparePlan,
    makeClient: (side: 0 | 1, onFailure: (message: string) => void) => CompareClient = (side, onFailure) => new EngineClient({ onFailure, onPlaying: () => undefined }),
    private readonly clock: CompareClock = browserClock,
  ) {
    const fail = (side: 0 | 1) => (message: string) => this.fail(`Side ${side === 0 ? 'A' : 'B'} (${sideLabel(plan.spec, side)}): ${message}`);
    this.clients = [makeClient(0, fail(0)), makeClient(1, fail(1))];
    this.state = { status: 'booting', speed: 1, timeUs: 0, pacedBy: null, wallMsPerSimSecond: [null, null], pausedFor: null, notice: null, error: null, faults: [], headUs: 0, opening: null };
  }

  // ---- store for useSyncExternalStore -------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  get current(): CompareState {
    return this.state;
  }

  // ---- commands -----------------------------------------------------------------------------

  /**
   * Starts both workers; if either refuses its side, neither runs and the state says why. With a
   * shared moment, both then replay its faults and pause there; the outcome says whether they did
   * (a refusal fails the session, naming the side).
   */
  start(moment: CompareMoment | null = null): Promise<CompareOutcome> {
    return this.exclusive(async () => {
      const opening = moment === null ? null : { atUs: moment.atUs, actions: moment.inputs[0].length };
      this.set({ status: 'booting', error: null, notice: null, timeUs: 0, headUs: 0, pausedFor: null, faults: [], pacedBy: null, opening });
      const started = await Promise.all(this.clients.map((client, side) => client.start(this.plan.sides[side as 0 | 1] as Setup).catch((error: unknown) => ({ ok: false as const, error: String(error) }))));
      const refused = started.flatMap((outcome, side) => (outcome.ok ? [] : [`Side ${side === 0 ? 'A' : 'B'} (${sideLabel(this.plan.spec, side as 0 | 1)}): ${outcome.error}`]));
      if (refused.length > 0) {
        this.set({ status: 'failed', error: refused.join(' '), opening: null });
        return { ok: false, error: refused.join(' ') };
      }
      if (moment !== null) {
        const opened = await this.open(moment);
        this.set({ opening: null });
        if (!opened.ok) {
          this.fail(opened.error);
          return opened;
        }
      }
      if (this.state.status === 'booting') this.set({ status: 'paused' });
      return { ok: true, value: undefined };
    });
  }

  /**
   * The moment both sides show, each side's event count there, and the faults applied to both up
   * to it (each with both sides' event counts): what a compare link needs. Between rounds, so both
   * stand at one moment; refused while booting or failed, or if the sides' records disagree.
   */
  momentToShare(): Promise<CompareOutcome<CompareShared>> {
    return this.exclusive(async (): Promise<CompareOutcome<CompareShared>> => {
      if (this.state.status === 'booting' || this.state.status === 'failed') return { ok: false, error: `both runs are not ready (${this.state.status})` };
      const [a, b] = await Promise.all(this.clients.map((client) => client.momentToShare()));
      if (!a!.ok || !b!.ok) return { ok: false, error: [a!, b!].flatMap((outcome, side) => (outcome.ok ? [] : [`side ${side === 0 ? 'A' : 'B'}: ${outcome.error}`])).join('; ') };
      const [sideA, sideB] = [a!.value, b!.value];
      if (sideA.atUs !== sideB.atUs) return { ok: false, error: `side A stands at ${sideA.atUs} µs and side B at ${sideB.atUs} µs; wait until both stand at one moment` };
      if (sideA.inputs.length !== sideB.inputs.length) return { ok: false, error: `side A has recorded ${sideA.inputs.length} actions and side B ${sideB.inputs.length}` };
      const actions: LinkAction[] = [];
      for (const [index, input] of sideA.inputs.entries()) {
        const other = sideB.inputs[index]!;
        if (input.atUs !== other.atUs || JSON.stringify(input.fault) !== JSON.stringify(other.fault)) {
          return { ok: false, error: `the sides' action ${index + 1} differs (side A: ${JSON.stringify(input.fault)} at ${input.atUs} µs; side B: ${JSON.stringify(other.fault)} at ${other.atUs} µs)` };
        }
        actions.push({ atUs: input.atUs, events: [input.events, other.events], fault: input.fault });
      }
      return { ok: true, value: { atUs: sideA.atUs, events: [sideA.events, sideB.events], actions } };
    });
  }

  play(): void {
    if (this.state.status !== 'paused') return;
    this.branch();
    this.set({ status: 'playing', pausedFor: null, pacedBy: null });
    this.anchor();
    this.maxStretchUs = MAX_STRETCH_START_US;
    const generation = ++this.generation;
    void this.loop(generation);
  }

  pause(): void {
    if (this.state.status !== 'playing') return;
    this.generation++;
    this.set({ status: 'paused', pacedBy: null });
  }

  setSpeed(speed: Speed): void {
    this.set({ speed, pacedBy: null });
    this.anchor();
  }

  /**
   * One event in lock-step: side A takes its next visible event, then side B runs to that moment,
   * so both stand at the same simulated time again (pauses first). If A has nothing pending, B steps.
   */
  step(): Promise<void> {
    this.pause();
    return this.exclusive(async () => {
      if (this.state.status !== 'paused') return;
      const [first, second] = this.clients;
      const from = this.state.timeUs;
      let entry = await first.step();
      let other = second;
      if (entry === null) {
        entry = await second.step();
        other = first;
      }
      if (entry === null) return;
      this.branch();
      const atUs = Math.max(from, entry.timeUs);
      if (atUs > from) await other.runFor(atUs - from);
      this.set({ timeUs: atUs, headUs: atUs });
    });
  }

  /**
   * The lesson's next step, paced by side A: A's worker runs to its next caption or presenter pause
   * and stops there; B is brought to the same moment (a seek while that moment lies within what
   * both have run, otherwise a run on from the furthest moment). Stops at a pause as play does.
   */
  nextStep(): Promise<void> {
    this.pause();
    return this.exclusive(async () => {
      if (this.state.status !== 'paused' && this.state.status !== 'ended') return;
      const [first, second] = this.clients;
      const headUs = this.state.headUs;
      const stepped = await first.nextStep();
      if (!stepped.ok) {
        this.set({ notice: `Next step: side A (${sideLabel(this.plan.spec, 0)}): ${stepped.error}` });
        return;
      }
      const atUs = stepped.value.atUs;
      const caught = await this.bring(second, atUs, headUs);
      if (!caught.ok) {
        this.fail(`Side B (${sideLabel(this.plan.spec, 1)}) could not follow side A to its next step at ${atUs} µs: ${caught.error}`);
        return;
      }
      const ended = this.plan.durationUs !== null && atUs >= this.plan.durationUs;
      const pause = this.plan.pauses.find((candidate) => candidate.atUs === atUs);
      this.set({ timeUs: atUs, headUs: Math.max(headUs, atUs), status: ended ? 'ended' : 'paused', pausedFor: pause?.text ?? null, notice: null });
    });
  }

  /** Both sides to an earlier moment (at most the furthest both reached), rebuilt exactly; they stay rewound until one branches. */
  seek(atUs: number): Promise<void> {
    this.pause();
    return this.exclusive(async () => {
      if (this.state.status !== 'paused' && this.state.status !== 'ended') return;
      const target = Math.max(0, Math.min(atUs, this.state.headUs));
      const shown = await Promise.all(this.clients.map((client) => client.seek(target)));
      const refused = shown.flatMap((outcome, side) => (outcome.ok ? [] : [`side ${side === 0 ? 'A' : 'B'}: ${outcome.error}`]));
      if (refused.length > 0) {
        this.fail(`Rewinding both sides to ${target} µs failed (${refused.join('; ')}); the two runs may no longer stand at one moment.`);
        return;
      }
      this.set({ timeUs: target, status: 'paused', pausedFor: null, notice: null });
    });
  }

  /** A fault to both sides at the same moment, or to neither (with the reason). */
  inject(fault: unknown): Promise<void> {
    return this.exclusive(async () => {
      if (this.state.status === 'booting' || this.state.status === 'failed') return;
      const checks = await Promise.all(this.clients.map((client) => client.checkFault(fault)));
      const refusals = checks.flatMap((check, side) => (check.ok ? [] : [{ side: side as 0 | 1, error: check.error }]));
      if (refusals.length > 0) {
        const why = refusals.map(({ side, error }) => `side ${side === 0 ? 'A' : 'B'} (${sideLabel(this.plan.spec, side)}) cannot take it: ${error}`).join('; ');
        const scope = refusals.length === 1 ? `Not applied to either side, so that both stay comparable: ${why}.` : `Neither side can take it: ${why}.`;
        this.set({ notice: scope });
        return;
      }
      const applied = await Promise.all(this.clients.map((client) => client.inject(fault)));
      const failed = applied.flatMap((outcome, side) => (outcome.ok ? [] : [`side ${side === 0 ? 'A' : 'B'}: ${outcome.error}`]));
      if (failed.length > 0) {
        // Both checked it a moment before with nothing run in between: this would be an engine bug.
        this.fail(`A fault both sides accepted was refused when applied (${failed.join('; ')}); the two runs are no longer comparable.`);
        return;
      }
      const kind = checks[0]!.ok ? checks[0]!.value : 'fault';
      this.branch();
      this.set({ notice: null, faults: [...this.state.faults, { atUs: this.state.timeUs, kind, what: faultSentence(fault, kind) }].slice(-COMPARE_FAULTS_MAX) });
    });
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    for (const client of this.clients) client.dispose();
  }

  // ---- pacing -------------------------------------------------------------------------------

  private anchor(): void {
    this.anchorWallMs = this.clock.now();
    this.anchorSimUs = this.state.timeUs;
  }

  /** The moment the next round runs both sides to, bounded by the lesson's end and its next pause. */
  private nextTargetUs(): number {
    const nowUs = this.state.timeUs;
    const speed = this.state.speed;
    let targetUs: number;
    if (speed === 'max') {
      targetUs = nowUs + this.maxStretchUs;
    } else {
      const dueUs = this.anchorSimUs + Math.floor((this.clock.now() - this.anchorWallMs) * 1_000 * speed);
      targetUs = Math.min(dueUs, nowUs + ROUND_WALL_MS_MAX * 1_000 * speed);
    }
    const pause = this.plan.pauses.find((candidate) => candidate.atUs > nowUs);
    if (pause !== undefined) targetUs = Math.min(targetUs, pause.atUs);
    if (this.plan.durationUs !== null) targetUs = Math.min(targetUs, this.plan.durationUs);
    return targetUs;
  }

  private async loop(generation: number): Promise<void> {
    while (generation === this.generation && !this.disposed) {
      await this.clock.nextFrame();
      if (generation !== this.generation) return;
      await this.exclusive(() => this.round(generation));
    }
  }

  private async round(generation: number): Promise<void> {
    if (generation !== this.generation || this.state.status !== 'playing') return;
    const fromUs = this.state.timeUs;
    const targetUs = this.nextTargetUs();
    if (targetUs > fromUs) {
      const wallMs: [number, number] = [0, 0];
      const outcomes = await Promise.all(
        this.clients.map(async (client, side) => {
          const startedMs = this.clock.now();
          const outcome = await client.runFor(targetUs - fromUs);
          wallMs[side] = this.clock.now() - startedMs;
          return outcome;
        }),
      );
      const refused = outcomes.flatMap((outcome, side) => (outcome.ok ? [] : [`Side ${side === 0 ? 'A' : 'B'}: ${outcome.error}`]));
      if (refused.length > 0) {
        this.fail(refused.join(' '));
        return;
      }
      const simS = (targetUs - fromUs) / 1_000_000;
      const pace = wallMs.map((ms, side) => smooth(this.state.wallMsPerSimSecond[side] ?? null, ms / simS)) as [number, number];
      this.set({ timeUs: targetUs, headUs: targetUs, wallMsPerSimSecond: pace });
      this.keepPace(wallMs);
    }
    if (generation !== this.generation) return;
    const nowUs = this.state.timeUs;
    if (this.plan.durationUs !== null && nowUs >= this.plan.durationUs) {
      this.generation++;
      this.set({ status: 'ended', pacedBy: null });
      return;
    }
    const pause = this.plan.pauses.find((candidate) => candidate.atUs === nowUs);
    if (pause !== undefined && targetUs > fromUs) {
      this.generation++;
      this.set({ status: 'paused', pacedBy: null, pausedFor: pause.text });
    }
  }

  /** After a round: re-anchor when far behind the chosen speed, and name the side that set the pace. */
  private keepPace(wallMs: readonly [number, number]): void {
    const speed = this.state.speed;
    const slower: 0 | 1 = wallMs[1] > wallMs[0] ? 1 : 0;
    if (speed === 'max') {
      const roundMs = Math.max(wallMs[0], wallMs[1]);
      if (roundMs < ROUND_TARGET_WALL_MS / 2) this.maxStretchUs = Math.min(MAX_STRETCH_MAX_US, this.maxStretchUs * 2);
      else if (roundMs > ROUND_TARGET_WALL_MS * 2) this.maxStretchUs = Math.max(MAX_STRETCH_MIN_US, Math.floor(this.maxStretchUs / 2));
      if (this.state.pacedBy !== slower) this.set({ pacedBy: slower });
      return;
    }
    const dueUs = this.anchorSimUs + (this.clock.now() - this.anchorWallMs) * 1_000 * speed;
    const lagMs = (dueUs - this.state.timeUs) / 1_000 / speed;
    if (lagMs > COMPARE_CATCH_UP_MAX_MS) {
      // Give up on the debt: simulated time continues from here at the chosen speed, as the host does.
      this.anchor();
      this.set({ pacedBy: slower });
    } else if (lagMs < ROUND_WALL_MS_MAX / 2 && this.state.pacedBy !== null) {
      this.set({ pacedBy: null });
    }
  }

  // ---- internals ----------------------------------------------------------------------------

  /** Both sides, just started, to a shared moment; the state follows (the moment, the faults listed, a pause or the end there). */
  private async open(moment: CompareMoment): Promise<CompareOutcome> {
    const opened = await Promise.all(
      this.clients.map((client, side) => client.openMoment({ atUs: moment.atUs, events: moment.events?.[side] ?? null, inputs: moment.inputs[side as 0 | 1] })),
    );
    const refused = opened.flatMap((outcome, side) => (outcome.ok ? [] : [`side ${side === 0 ? 'A' : 'B'} (${sideLabel(this.plan.spec, side as 0 | 1)}): ${outcome.error.replace(/[.?!]$/, '')}`]));
    if (refused.length > 0) return { ok: false, error: `The link's moment could not be opened: ${refused.join('; ')}.` };
    const atUs = moment.atUs;
    const ended = this.plan.durationUs !== null && atUs >= this.plan.durationUs;
    const pause = this.plan.pauses.find((candidate) => candidate.atUs === atUs);
    const faults = moment.inputs[0].map((input) => ({ atUs: input.atUs, kind: faultKind(input), what: faultSentence(input.fault, faultKind(input)) })).slice(-COMPARE_FAULTS_MAX);
    this.set({ status: ended ? 'ended' : 'paused', timeUs: atUs, headUs: atUs, faults, pausedFor: pause?.text ?? null });
    return { ok: true, value: undefined };
  }

  /**
   * Acting while rewound starts a new future on both hosts (runFor, step and inject branch there):
   * the faults after the moment shown are dropped from the list, and the moment becomes the furthest.
   */
  private branch(): void {
    const { timeUs, headUs } = this.state;
    if (timeUs >= headUs) return;
    this.set({ headUs: timeUs, faults: this.state.faults.filter((fault) => fault.atUs <= timeUs) });
  }

  /** Brings `client` from the moment shown to `atUs`: within what it has run (up to headUs) by a seek, beyond by running on from there. */
  private async bring(client: CompareClient, atUs: number, headUs: number): Promise<{ ok: true } | { ok: false; error: string }> {
    const fromUs = this.state.timeUs;
    if (atUs === fromUs) return { ok: true };
    if (atUs < fromUs || atUs <= headUs) {
      const shown = await client.seek(atUs);
      return shown.ok ? { ok: true } : shown;
    }
    let startUs = fromUs;
    if (fromUs < headUs) {
      const shown = await client.seek(headUs);
      if (!shown.ok) return shown;
      startUs = headUs;
    }
    const ran = await client.runFor(atUs - startUs);
    return ran.ok ? { ok: true } : ran;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private fail(message: string): void {
    if (this.disposed) return;
    this.generation++;
    this.set({ status: 'failed', error: message, pacedBy: null });
  }

  private set(change: Partial<CompareState>): void {
    this.state = { ...this.state, ...change };
    this.version++;
    for (const listener of this.listeners) listener();
  }
}

/** The kind of fault an action applied, as the list of faults shows it (the link's actions were checked by parseFault). */
function faultKind(input: SessionInput): string {
  try {
    return parseFault(input.fault).kind;
  } catch {
    return 'fault';
  }
}

/** What a fault did, as the list of faults shows it ("crash broker-2"); its kind if it does not parse. */
function faultSentence(fault: unknown, kind: string): string {
  try {
    return describeFault(parseFault(fault));
  } catch {
    return kind;
  }
}

/** An exponentially weighted mean, so one slow round does not flip the verdict. */
function smooth(previous: number | null, sample: number): number {
  return previous === null ? sample : previous * 0.7 + sample * 0.3;
}
