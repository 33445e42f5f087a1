// Runs a validated scenario on an engine: the same code in Node (tests, CLI) and in the worker
// (the page), so one file and seed give one trace hash everywhere.
//
// Everything a scenario does happens inside the engine's event order, as control events scheduled
// when the run is built: each "at" step at its time; a check every CHECK_INTERVAL_US (when-steps,
// "by" and "always" expectations); each "at" and "by" expectation at its time.
//
// Expectation timings:
//   at T      holds at T.
//   by T      holds at T, having become true at some check and stayed true until T; the report
//             says since when ("recovered by 28s" is met by a recovery at 26.1s that lasts).
//             Holding at the start and breaking later does not count.
//   always    holds at every check and at the end; the first violation is reported.
//   (none)    holds at the end. However a host slices the
// run (one call, or one per animation frame), the events are the same, so is the trace.
//
// What a person should see (captions, pauses, actions, checks) is collected as moments, which the
// host drains. Captions never enter the trace: rewording a caption does not change a run.

import type { Engine, EngineOptions } from '../api';
import { createEngine } from '../api';
import { describeFault, type Fault } from '../faults';
import { formatSpan, type TimeUs } from '../sim/time';
import { METRICS } from './metrics';
import type { Comparison, Expectation, Predicate, Scenario, ScenarioStep } from './schema';
import type { ValidScenario } from './validate';

/** How often conditions ("when", "by", "always") are evaluated, in simulated time. */
export const CHECK_INTERVAL_US = 100_000;
/** Bound on the moments one run keeps. */
export const MOMENTS_MAX = 20_000;

export type MomentKind = 'caption' | 'pause' | 'action' | 'check';

export interface Moment {
  readonly index: number;
  readonly kind: MomentKind;
  readonly atUs: TimeUs;
  readonly text: string;
  /** For checks: whether it held. */
  readonly passed?: boolean;
  /** The timeline step it came from, if any. */
  readonly step?: number;
}

export interface ExpectationResult {
  readonly name: string;
  /** null: not decided because the run stopped before the time it is checked at. */
  readonly passed: boolean | null;
  readonly detail: string;
}

export interface ScenarioReport {
  readonly name: string;
  readonly seed: number;
  readonly durationMs: number;
  readonly simulatedMs: number;
  readonly complete: boolean;
  readonly events: number;
  readonly traceHash: string;
  readonly captions: readonly { readonly atMs: number; readonly text: string }[];
  readonly actions: readonly { readonly atMs: number; readonly text: string }[];
  readonly expectations: readonly ExpectationResult[];
  readonly metrics: Readonly<Record<string, number>>;
  /** True when no expectation failed (undecided ones do not fail a partial run). */
  readonly passed: boolean;
}

export interface RunOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** "stop": a pause step stops the current advance (the page); "record": it is only noted (headless). */
  readonly pauses?: 'stop' | 'record';
  /** The engine's options (a cold store for the object store's bodies, series off). */
  readonly engine?: EngineOptions;
}

const COMPARE: Record<Comparison, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
};

function describePredicate(predicate: Predicate): string {
  const target = predicate.process === undefined ? '' : `{${predicate.process}}`;
  return `${predicate.metric}${target} ${predicate.op} ${predicate.value}`;
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3).replace(/\.?0+$/, '');
}

interface Verdict {
  passed: boolean | null;
  detail: string;
}

export class ScenarioRun {
  readonly engine: Engine;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly durationUs: TimeUs;
  private readonly pauses: 'stop' | 'record';
  private readonly moments: Moment[] = [];
  private momentsDropped = 0;
  private drained = 0;
  private readonly pendingWhen: number[] = [];
  private readonly verdicts = new Map<string, Verdict>();
  /** For "by" expectations: since when the condition has held without a break (null: not holding). */
  private readonly holdingSinceUs = new Map<string, TimeUs | null>();
  private readonly expectationNames: string[] = [];
  /** The name each step check and expectation is reported under (unique, see declare). */
  private readonly stepCheckNames = new Map<string, string>();
  private readonly expectationKeys = new Map<Expectation, string>();
  private finished = false;
  /** Metric values read in the checkpoint under way (null outside one): at most one per metric and process named. */
  private readsNow: Map<string, number> | null = null;
  private pausesReached = 0;
  /** Simulated time up to which every event due has run (-1: none yet). */
  private settledUs = -1;

  constructor(valid: ValidScenario, options: RunOptions = {}) {
    this.scenario = valid.scenario;
    this.seed = options.seed ?? valid.scenario.seed;
    this.pauses = options.pauses ?? 'record';
    this.durationUs = valid.scenario.duration;
    this.engine = createEngine(valid.scenario.cluster, this.seed, options.engine ?? {});
    this.scheduleTimeline();
    this.scheduleExpectations();
    this.engine.scheduleScript(0, 'scenario:check', () => this.checkpoint());
  }

  get nowUs(): TimeUs {
    return this.engine.nowUs;
  }

  /**
   * True once every event due at or before the end has run. The clock alone does not say so: a
   * slice cut short by maxEvents, or by a pause, at exactly the end time leaves events due then.
   */
  get done(): boolean {
    return this.settledUs >= this.durationUs || this.engine.nowUs > this.durationUs;
  }

  /**
   * Runs toward `untilUs` (never past the duration). Returns early after `maxEvents`, or at a pause
   * step when pauses stop. Returns true if it stopped at a pause.
   */
  advance(untilUs: TimeUs, maxEvents?: number): boolean {
    const targetUs = Math.min(Math.max(untilUs, this.engine.nowUs), this.durationUs);
    const pausesBefore = this.pausesReached;
    const processed = this.engine.runUntil(targetUs, maxEvents === undefined ? {} : { maxEvents });
    // A pause during this call stops it, even when the pause fell exactly on the target time.
    const paused = this.pauses === 'stop' && this.pausesReached > pausesBefore;
    // Held at the cold tier's read barrier: events due by the target have not all run.
    if (!paused && !this.engine.held && (maxEvents === undefined || processed < maxEvents)) this.settledUs = targetUs;
    return paused;
  }

  /** Runs to the end (or to `untilUs`), calling `progress` between slices; for headless hosts. */
  runToEnd(options: { untilUs?: TimeUs; sliceUs?: TimeUs; progress?: (run: ScenarioRun) => void } = {}): ScenarioReport {
    const endUs = Math.min(options.untilUs ?? this.durationUs, this.durationUs);
    const sliceUs = options.sliceUs ?? 1_000_000;
    while (this.settledUs < endUs) {
      this.advance(Math.min(this.engine.nowUs + sliceUs, endUs));
      options.progress?.(this);
    }
    return this.report();
  }

  /** Moments since the last drain, oldest first. */
  drainMoments(): Moment[] {
    const fresh = this.moments.slice(Math.max(0, this.drained - this.momentsDropped));
    this.drained = this.momentsDropped + this.moments.length;
    return fresh;
  }

  allMoments(): readonly Moment[] {
    return this.moments;
  }

  /** The expectations as decided so far (undecided ones with passed: null). */
  expectations(): ExpectationResult[] {
    return this.expectationNames.map((name) => ({ name, ...this.verdicts.get(name)! }));
  }

  /** The report; at the end of the run, end-of-run expectations are decided first (once). */
  report(): ScenarioReport {
    if (this.done && !this.finished) this.finish();
    const expectations = this.expectations();
    const metrics: Record<string, number> = {};
    for (const metric of METRICS.values()) {
      if (!metric.perProcess) metrics[metric.name] = metric.read(this.engine, undefined);
    }
    const pick = (kind: MomentKind) =>
      this.moments.filter((moment) => moment.kind === kind).map((moment) => ({ atMs: moment.atUs / 1_000, text: moment.text }));
    return {
      name: this.scenario.name,
      seed: this.seed,
      durationMs: this.durationUs / 1_000,
      simulatedMs: this.engine.nowUs / 1_000,
      complete: this.done,
      events: this.engine.eventCount,
      traceHash: this.engine.traceHash,
      captions: pick('caption'),
      actions: pick('action'),
      expectations,
      metrics,
      passed: expectations.every((expectation) => expectation.passed !== false),
    };
  }

  // ---- scheduling ---------------------------------------------------------------------------

  private scheduleTimeline(): void {
    this.scenario.timeline.forEach((step, index) => {
      this.registerStepChecks(step, index);
      if (step.at !== undefined) {
        this.engine.scheduleScript(step.at, `scenario:timeline[${index}]`, () => this.fire(step, index));
      } else {
        this.pendingWhen.push(index);
      }
    });
  }

  private stepCheckName(step: ScenarioStep, index: number, predicate: Predicate): string {
    return `${step.at !== undefined ? `at ${formatSpan(step.at)}` : `timeline[${index}]`}: ${describePredicate(predicate)}`;
  }

  private registerStepChecks(step: ScenarioStep, index: number): void {
    this.stepChecks(step).forEach((predicate, checkIndex) => {
      const undecided = step.at === undefined ? 'its condition never held' : 'its time was not reached';
      this.stepCheckNames.set(`${index}/${checkIndex}`, this.declare(this.stepCheckName(step, index, predicate), undecided));
    });
  }

  private stepChecks(step: ScenarioStep): Predicate[] {
    return step.expect === undefined ? [] : Array.isArray(step.expect) ? step.expect : [step.expect];
  }

  private scheduleExpectations(): void {
    for (const expectation of this.scenario.expectations) {
      const name = this.declare(expectation.name, expectation.at !== undefined || expectation.by !== undefined ? 'its time was not reached' : 'the run did not reach its end');
      this.expectationKeys.set(expectation, name);
      if (expectation.at !== undefined) {
        this.engine.scheduleScript(expectation.at, `scenario:expect ${expectation.name}`, () => this.decideAt(expectation));
      }
      if (expectation.by !== undefined) {
        // The deadline itself is a check, ordered with the events due then by scheduling order
        // (it was scheduled first, so it runs before timers and messages that fall due at that instant).
        this.engine.scheduleScript(expectation.by, `scenario:deadline ${expectation.name}`, () => this.decideBy(expectation));
      }
    }
  }

  /** Registers a check as undecided; returns the name it is reported under (made unique). */
  private declare(name: string, undecided: string): string {
    if (this.verdicts.has(name)) name = `${name} (${this.expectationNames.length + 1})`;
    this.expectationNames.push(name);
    this.verdicts.set(name, { passed: null, detail: `not checked: ${undecided}` });
    return name;
  }

  private nameOf(expectation: Expectation): string {
    return this.expectationKeys.get(expectation)!;
  }

  // ---- running ------------------------------------------------------------------------------

  private fire(step: ScenarioStep, index: number): void {
    const actions: Fault[] = step.action === undefined ? [] : Array.isArray(step.action) ? step.action : [step.action];
    for (const fault of actions) {
      try {
        const applied = this.engine.inject(fault);
        this.moment('action', describeFault(applied), index);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const text = `skipped "${describeFault(fault)}": ${reason}`;
        this.engine.announce(text);
        this.moment('action', text, index);
      }
    }
    // What this checkpoint read before the actions is stale now.
    this.readsNow?.clear();
    if (step.caption !== undefined) this.moment('caption', step.caption, index);
    this.stepChecks(step).forEach((predicate, checkIndex) => {
      const name = this.stepCheckNames.get(`${index}/${checkIndex}`)!;
      const verdict = this.evaluate(predicate);
      this.verdicts.set(name, verdict);
      this.moment('check', `${name}: ${verdict.detail}`, index, verdict.passed === true);
    });
    if (step.pause !== undefined) {
      this.pausesReached++;
      this.moment('pause', step.pause === true ? 'The presenter paused here.' : step.pause, index);
      if (this.pauses === 'stop') this.engine.requestStop();
    }
  }

  private checkpoint(): void {
    const nowUs = this.engine.nowUs;
    // One moment, many reads: each metric is read once, each process's view built once (until an action).
    this.readsNow = new Map();
    this.engine.holdViews(true);
    try {
      for (let i = 0; i < this.pendingWhen.length; ) {
        const index = this.pendingWhen[i]!;
        const step = this.scenario.timeline[index]!;
        if (this.evaluate(step.when!).passed === true) {
          this.pendingWhen.splice(i, 1);
          this.fire(step, index);
        } else {
          i++;
        }
      }
      for (const expectation of this.scenario.expectations) {
        if (expectation.by !== undefined && nowUs < expectation.by) this.trackBy(expectation);
        if (expectation.always === true) this.decideAlways(expectation);
      }
    } finally {
      this.readsNow = null;
      this.engine.holdViews(false);
    }
    const nextUs = nowUs + CHECK_INTERVAL_US;
    if (nextUs <= this.durationUs) this.engine.scheduleScript(nextUs, 'scenario:check', () => this.checkpoint());
  }

  private evaluate(predicate: Predicate): Verdict {
    const value = this.read(predicate);
    const passed = COMPARE[predicate.op](value, predicate.value);
    const target = predicate.process === undefined ? '' : ` for ${predicate.process}`;
    return {
      passed,
      detail: `${predicate.metric}${target} was ${formatValue(value)} at ${formatSpan(this.engine.nowUs)}; expected ${predicate.op} ${formatValue(predicate.value)}`,
    };
  }

  /**
   * A metric's value now. Within one checkpoint a metric read twice (a "when" condition and two
   * expectations on UnderReplicatedPartitions, say) is read once: each read builds every
   * process's view, 30+ of them at 30 brokers. Actions clear what was read (they change state).
   */
  private read(predicate: Predicate): number {
    const readsNow = this.readsNow;
    if (readsNow === null) return METRICS.get(predicate.metric)!.read(this.engine, predicate.process);
    const key = predicate.process === undefined ? predicate.metric : `${predicate.metric}\u0000${predicate.process}`;
    let value = readsNow.get(key);
    if (value === undefined) {
      value = METRICS.get(predicate.metric)!.read(this.engine, predicate.process);
      readsNow.set(key, value);
    }
    return value;
  }

  private decideAt(expectation: Expectation): void {
    const verdict = this.evaluate(expectation);
    this.verdicts.set(this.nameOf(expectation), verdict);
    this.moment('check', `${this.nameOf(expectation)}: ${verdict.detail}`, undefined, verdict.passed === true);
  }

  /** Before the deadline: remember since when the condition has held without a break. */
  private trackBy(expectation: Expectation): void {
    const holds = this.evaluate(expectation).passed === true;
    const since = this.holdingSinceUs.get(expectation.name) ?? null;
    this.holdingSinceUs.set(expectation.name, holds ? (since ?? this.engine.nowUs) : null);
  }

  /** At the deadline: it must hold now; say since when it has. */
  private decideBy(expectation: Expectation): void {
    const verdict = this.evaluate(expectation);
    const since = this.holdingSinceUs.get(expectation.name) ?? null;
    const decided: Verdict = verdict.passed
      ? { passed: true, detail: `held since ${formatSpan(since ?? this.engine.nowUs)}: ${verdict.detail}` }
      : { passed: false, detail: `did not hold by ${formatSpan(expectation.by!)}: ${verdict.detail}` };
    this.verdicts.set(this.nameOf(expectation), decided);
    this.moment('check', `${this.nameOf(expectation)}: ${decided.detail}`, undefined, decided.passed === true);
  }

  private decideAlways(expectation: Expectation, atEnd = false): void {
    if (this.verdicts.get(this.nameOf(expectation))?.passed === false) return; // the first violation stands
    const verdict = this.evaluate(expectation);
    if (!verdict.passed) {
      this.verdicts.set(this.nameOf(expectation), { passed: false, detail: `broken: ${verdict.detail}` });
      this.moment('check', `${this.nameOf(expectation)}: broken: ${verdict.detail}`, undefined, false);
    } else {
      const span = atEnd ? 'held at every check, to the end' : 'held at every check so far';
      this.verdicts.set(this.nameOf(expectation), { passed: true, detail: `${span} (last: ${verdict.detail})` });
    }
  }

  private finish(): void {
    this.finished = true;
    for (const expectation of this.scenario.expectations) {
      if (expectation.at !== undefined || expectation.by !== undefined) continue;
      if (expectation.always === true) {
        this.decideAlways(expectation, true);
        continue;
      }
      const verdict = this.evaluate(expectation);
      this.verdicts.set(this.nameOf(expectation), verdict);
      this.moment('check', `${this.nameOf(expectation)}: ${verdict.detail}`, undefined, verdict.passed === true);
    }
    // At the end of a complete run nothing may stay undecided: a check on a "when" step whose
    // condition never held did not run, and a silent pass would hide that the story went otherwise.
    for (const [name, verdict] of this.verdicts) {
      if (verdict.passed === null) this.verdicts.set(name, { passed: false, detail: verdict.detail.replace(/^not checked/, 'never checked') });
    }
  }

  private moment(kind: MomentKind, text: string, step?: number, passed?: boolean): void {
    if (this.moments.length >= MOMENTS_MAX) {
      this.moments.shift();
      this.momentsDropped++;
    }
    const index = this.momentsDropped + this.moments.length;
    const moment: Moment = { index, kind, atUs: this.engine.nowUs, text, ...(passed === undefined ? {} : { passed }), ...(step === undefined ? {} : { step }) };
    this.moments.push(moment);
  }
}

/** Builds a run from a validated scenario. */
export function startScenario(valid: ValidScenario, options: RunOptions = {}): ScenarioRun {
  return new ScenarioRun(valid, options);
}
