// Validating a scenario's meaning once its shape is right: every process and zone it names exists
// in its cluster, every time falls inside its duration, every metric is known and asked of the
// right kind of target, each step says when and what. Every problem is collected, with its path,
// so a person fixes the whole file in one go; a scenario with any problem never runs.

import { resolveConfig, type EngineConfig } from '../config';
import type { Fault } from '../faults';
import { formatSpan } from '../sim/time';
import { ValidationError, check, formatPath, type ValidationProblem } from '../validation';
import { METRICS, metricNames } from './metrics';
import { scenarioSchema, type Predicate, type Scenario } from './schema';

/** The longest scenario the runner accepts. */
export const SCENARIO_DURATION_MAX_US = 24 * 3_600 * 1_000_000;

export interface ValidScenario {
  readonly scenario: Scenario;
  readonly config: EngineConfig;
}

type Path = readonly (string | number)[];

class Checker {
  readonly problems: ValidationProblem[] = [];
  private readonly processIds: Set<string>;

  constructor(
    private readonly scenario: Scenario,
    private readonly config: EngineConfig,
  ) {
    this.processIds = new Set(config.placements.map((placement) => placement.id));
  }

  add(path: Path, message: string): void {
    this.problems.push({ path: formatPath(path), message });
  }

  /** "brokers are broker-1..broker-6, controllers are controller-1..controller-3" */
  private processList(): string {
    const count = (role: string) => this.config.placements.filter((placement) => placement.role === role).length;
    const range = (role: string, n: number) => (n === 1 ? `${role}-1` : `${role}-1..${role}-${n}`);
    return `brokers are ${range('broker', count('broker'))}, controllers are ${range('controller', count('controller'))}`;
  }

  process(path: Path, id: string): void {
    if (!this.processIds.has(id)) this.add(path, `no process "${id}"; ${this.processList()}`);
  }

  zone(path: Path, id: string): void {
    if (!this.config.zones.includes(id)) this.add(path, `no zone "${id}"; zones are ${this.config.zones.join(', ')}`);
  }

  time(path: Path, atUs: number): void {
    if (atUs > this.scenario.duration) {
      this.add(path, `${formatSpan(atUs)} is past the scenario's duration (${formatSpan(this.scenario.duration)}); move it earlier or lengthen "duration"`);
    }
  }

  fault(path: Path, fault: Fault): void {
    switch (fault.kind) {
      case 'crash':
      case 'restart':
      case 'isolate':
        this.process([...path, 'process'], fault.process);
        return;
      case 'isolate-zone':
        this.zone([...path, 'zone'], fault.zone);
        return;
      case 'heal':
        if (fault.target !== undefined && !this.processIds.has(fault.target) && !this.config.zones.includes(fault.target)) {
          this.add([...path, 'target'], `"${fault.target}" is neither a process nor a zone; leave "target" out to heal every network fault`);
        }
        return;
      default:
        this.process([...path, 'from'], fault.from);
        this.process([...path, 'to'], fault.to);
        if (fault.from === fault.to) this.add([...path, 'to'], `a link joins two different processes; "from" and "to" are both "${fault.from}"`);
    }
  }

  predicate(path: Path, predicate: Predicate): void {
    const metric = METRICS.get(predicate.metric);
    if (metric === undefined) {
      this.add([...path, 'metric'], `no metric "${predicate.metric}"; metrics are ${metricNames().join(', ')}`);
      return;
    }
    if (metric.perProcess && predicate.process === undefined) {
      this.add([...path, 'process'], `"${metric.name}" is about one process; name it, like "process": "broker-1"`);
    }
    if (!metric.perProcess && predicate.process !== undefined) {
      this.add([...path, 'process'], `"${metric.name}" is about the whole cluster; remove "process"`);
    }
    if (predicate.process !== undefined) this.process([...path, 'process'], predicate.process);
  }

  run(): void {
    const scenario = this.scenario;
    if (scenario.duration <= 0) this.add(['duration'], 'a duration longer than zero');
    if (scenario.duration > SCENARIO_DURATION_MAX_US) {
      this.add(['duration'], `at most ${formatSpan(SCENARIO_DURATION_MAX_US)}; split a longer story into several scenarios`);
    }
    scenario.timeline.forEach((step, index) => {
      const path = ['timeline', index];
      if ((step.at === undefined) === (step.when === undefined)) {
        this.add(path, 'each step needs exactly one of "at" (a time) or "when" (a condition)');
      }
      if (step.at !== undefined) this.time([...path, 'at'], step.at);
      if (step.when !== undefined) this.predicate([...path, 'when'], step.when);
      if (step.action === undefined && step.caption === undefined && step.pause === undefined && step.expect === undefined) {
        this.add(path, 'a step does something: give it an "action", a "caption", a "pause" or an "expect"');
      }
      const actions = step.action === undefined ? [] : Array.isArray(step.action) ? step.action : [step.action];
      actions.forEach((fault, actionIndex) =>
        this.fault(Array.isArray(step.action) ? [...path, 'action', actionIndex] : [...path, 'action'], fault),
      );
      const checks = step.expect === undefined ? [] : Array.isArray(step.expect) ? step.expect : [step.expect];
      checks.forEach((predicate, checkIndex) =>
        this.predicate(Array.isArray(step.expect) ? [...path, 'expect', checkIndex] : [...path, 'expect'], predicate),
      );
    });
    const names = new Set<string>();
    scenario.expectations.forEach((expectation, index) => {
      const path = ['expectations', index];
      this.predicate(path, expectation);
      const timings = [expectation.at, expectation.by, expectation.always ? true : undefined].filter((x) => x !== undefined);
      if (timings.length > 1) this.add(path, 'give at most one of "at", "by" or "always"; with none, it is checked at the end');
      if (expectation.at !== undefined) this.time([...path, 'at'], expectation.at);
      if (expectation.by !== undefined) this.time([...path, 'by'], expectation.by);
      if (names.has(expectation.name)) this.add([...path, 'name'], `"${expectation.name}" is used twice; give each expectation its own name`);
      names.add(expectation.name);
    });
  }
}

/** Validates a parsed JSON value as a scenario; returns it with its engine config, or every problem. */
export function checkScenario(input: unknown): { ok: true; value: ValidScenario } | { ok: false; problems: ValidationProblem[] } {
  const shape = check(scenarioSchema, input);
  if (!shape.ok) return shape;
  let config: EngineConfig;
  try {
    config = resolveConfig(shape.value.cluster);
  } catch (error) {
    if (error instanceof ValidationError) {
      return { ok: false, problems: error.problems.map((problem) => ({ ...problem, path: `cluster.${problem.path}` })) };
    }
    throw error;
  }
  const checker = new Checker(shape.value, config);
  checker.run();
  if (checker.problems.length > 0) return { ok: false, problems: checker.problems };
  return { ok: true, value: { scenario: shape.value, config } };
}

/** Validates, or throws a ValidationError naming every problem. */
export function parseScenario(input: unknown, subject = 'scenario'): ValidScenario {
  const result = checkScenario(input);
  if (!result.ok) throw new ValidationError(subject, result.problems);
  return result.value;
}

/**
 * Parses scenario text (JSON). A syntax error is reported with its line and column, as a
 * ValidationError, like any other problem of the file.
 */
export function parseScenarioText(text: string, subject = 'scenario'): ValidScenario {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    let where = '(file)';
    if (position !== null) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split('\n').length;
      const column = before.length - before.lastIndexOf('\n');
      where = `line ${line}, column ${column}`;
    }
    throw new ValidationError(subject, [{ path: where, message: `not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}` }]);
  }
  return parseScenario(json, subject);
}
