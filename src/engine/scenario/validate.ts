// Validating a scenario's meaning once its shape is right: every process and zone it names exists
// in its cluster, every time falls inside its duration, every metric is known and asked of the
// right kind of target, each step says when and what. Every problem is collected, with its path,
// so a person fixes the whole file in one go; a scenario with any problem never runs.

import { producerId, resolveConfig, type EngineConfig } from '../config';
import { ACTIVE_CONTROLLER, objectStoreProblem, targetProblem, type Fault } from '../faults';
import { createTopicProblem, isLoadAction, type LoadAction } from '../load-actions';
import { OBJECT_STORE_ID } from '../storage/object-store';
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
  /** Producers and consumers: the config's, then those the timeline adds (in file order, ids generated as the engine does). */
  private readonly producers: Set<string>;
  private readonly consumers: Set<string>;
  /** The config's topics, then those the timeline creates. */
  private readonly topics: Set<string>;

  constructor(
    private readonly scenario: Scenario,
    private readonly config: EngineConfig,
  ) {
    this.processIds = new Set(config.placements.map((placement) => placement.id));
    this.producers = new Set(config.producers.map((producer, index) => producerId(producer, index)));
    this.consumers = new Set(config.consumers.map((consumer, index) => consumer.id ?? `consumer-${index + 1}`));
    this.topics = new Set(config.topics.map((topic) => topic.name));
  }

  /**
   * A load action (load-actions.ts). Targets are checked against the clients and topics the config
   * and the earlier steps of the file make; the engine checks again when it applies (a step whose
   * action no longer applies then is skipped with a note).
   */
  private loadAction(path: Path, action: LoadAction): void {
    if (this.config.controllerMode !== 'kraft') {
      this.add([...path, 'kind'], 'ZooKeeper mode models only the controller, for the failover contrast; clients and topics need a KRaft cluster');
      return;
    }
    const topicList = () => [...this.topics].join(', ') || 'none (create one with create-topic)';
    switch (action.kind) {
      case 'add-producer':
      case 'add-consumer': {
        const role = action.kind === 'add-producer' ? 'producer' : 'consumer';
        const known = role === 'producer' ? this.producers : this.consumers;
        let id = action.id;
        if (id !== undefined && this.processIds.has(id)) this.add([...path, 'id'], `a process named "${id}" exists already; choose another id, or leave it out`);
        if (id === undefined) {
          let n = known.size + 1;
          while (this.processIds.has(`${role}-${n}`)) n++;
          id = `${role}-${n}`;
        }
        known.add(id);
        this.processIds.add(id);
        if (action.zone !== undefined) this.zone([...path, 'zone'], action.zone);
        if (!this.topics.has(action.topic)) this.add([...path, 'topic'], `no topic "${action.topic}"; topics are ${topicList()}`);
        return;
      }
      case 'remove-producer':
      case 'change-producer':
      case 'remove-consumer': {
        const role = action.kind === 'remove-consumer' ? 'consumer' : 'producer';
        const known = role === 'producer' ? this.producers : this.consumers;
        if (!known.has(action.process)) this.add([...path, 'process'], `no ${role} "${action.process}"; ${role}s are ${[...known].join(', ') || 'none'}`);
        if (action.kind === 'change-producer' && action.recordBytes === undefined && action.acks === undefined) {
          this.add(path, 'give "recordBytes" or "acks" (or both): nothing would change');
        }
        return;
      }
      case 'create-topic': {
        const brokers = this.config.placements.filter((placement) => placement.role === 'broker').length;
        const problem = createTopicProblem(action, this.topics, brokers, this.config.kafka['remote.log.storage.system.enable']);
        if (problem !== null) this.add([...path, problem.code === 'INVALID_REPLICATION_FACTOR' ? 'replicationFactor' : problem.code === 'INVALID_CONFIG' ? 'remote.storage.enable' : 'name'], `${problem.code}: ${problem.message}`);
        this.topics.add(action.name);
        return;
      }
    }
  }

  add(path: Path, message: string): void {
    this.problems.push({ path: formatPath(path), message });
  }

  /** "brokers are broker-1..broker-6, controllers are controller-1..controller-3" */
  private processList(): string {
    const count = (role: string) => this.config.placements.filter((placement) => placement.role === role).length;
    const range = (role: string, n: number) => (n === 1 ? `${role}-1` : `${role}-1..${role}-${n}`);
    const clients = this.config.placements.filter((placement) => placement.role === 'client' || placement.role === 'objectStore').map((placement) => placement.id);
    const servers = `brokers are ${range('broker', count('broker'))}, controllers are ${range('controller', count('controller'))}`;
    return clients.length === 0 ? servers : `${servers}, clients are ${clients.join(', ')}`;
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
    if (isLoadAction(fault)) return this.loadAction(path, fault);
    switch (fault.kind) {
      case 'crash':
      case 'restart':
      case 'isolate':
        if (fault.process !== ACTIVE_CONTROLLER) this.process([...path, 'process'], fault.process);
        return;
      case 'power-loss':
        if (fault.zone !== undefined) this.zone([...path, 'zone'], fault.zone);
        else this.process([...path, 'process'], fault.process!);
        return;
      case 'shutdown':
      case 'slow-disk':
      case 'fill-disk':
      case 'replace-disk':
      case 'change-load': {
        const placement = this.config.placements.find((candidate) => candidate.id === fault.process) ?? (this.processIds.has(fault.process) ? { role: 'client' as const } : undefined);
        if (placement === undefined) {
          this.process([...path, 'process'], fault.process);
          return;
        }
        const isProducer = this.producers.has(fault.process);
        const problem = targetProblem(fault, { role: placement.role, isProducer }, this.config.controllerMode);
        if (problem !== null) this.add([...path, (fault.kind === 'slow-disk' || fault.kind === 'replace-disk' || fault.kind === 'fill-disk') && this.config.controllerMode !== 'kraft' ? 'kind' : 'process'], problem);
        return;
      }
      case 'isolate-zone':
        this.zone([...path, 'zone'], fault.zone);
        return;
      case 'alter-config':
        if (this.config.controllerMode !== 'kraft') this.add([...path, 'kind'], 'dynamic configs go through the KRaft controller; this scenario runs in ZooKeeper mode');
        if (fault.topic !== undefined && !this.config.topics.some((topic) => topic.name === fault.topic)) {
          this.add([...path, 'topic'], `no topic "${fault.topic}"; topics are ${this.config.topics.map((topic) => topic.name).join(', ') || 'none (add them under "topics")'}`);
        }
        return;
      case 'heal':
        if (fault.target !== undefined && !this.processIds.has(fault.target) && !this.config.zones.includes(fault.target)) {
          this.add([...path, 'target'], `"${fault.target}" is neither a process nor a zone; leave "target" out to heal every network and disk fault`);
        }
        return;
      case 'object-store-outage':
      case 'slow-object-store': {
        const problem = objectStoreProblem(this.processIds.has(OBJECT_STORE_ID));
        if (problem !== null) this.add([...path, 'kind'], problem);
        return;
      }
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
  // Top-level topics join the cluster's; a problem with one is reported where the author wrote it.
  const ownTopics = shape.value.cluster.topics.length;
  const ownProducers = shape.value.cluster.producers.length;
  const loadProducers = shape.value.load.producers.map(({ start, stop, ...producer }) => ({
    ...producer,
    startMs: Math.round((start ?? 0) / 1_000),
    ...(stop === undefined ? {} : { stopMs: Math.round(stop / 1_000) }),
  }));
  const ownConsumers = shape.value.cluster.consumers.length;
  const loadConsumers = shape.value.load.consumers.map(({ start, stop, ...consumer }) => ({
    ...consumer,
    startMs: Math.round((start ?? 0) / 1_000),
    ...(stop === undefined ? {} : { stopMs: Math.round(stop / 1_000) }),
  }));
  const scenario = {
    ...shape.value,
    cluster: {
      ...shape.value.cluster,
      topics: [...shape.value.cluster.topics, ...shape.value.topics],
      producers: [...shape.value.cluster.producers, ...loadProducers],
      consumers: [...shape.value.cluster.consumers, ...loadConsumers],
    },
  };
  let config: EngineConfig;
  let clusterProblems: ValidationProblem[] = [];
  try {
    config = resolveConfig(scenario.cluster);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    clusterProblems = error.problems.map((problem) => {
      const topic = /^topics\[(\d+)\](.*)$/.exec(problem.path);
      if (topic !== null && Number(topic[1]) >= ownTopics) return { ...problem, path: `topics[${Number(topic[1]) - ownTopics}]${topic[2]}` };
      const producer = /^producers\[(\d+)\](.*)$/.exec(problem.path);
      if (producer !== null && Number(producer[1]) >= ownProducers) {
        const rest = producer[2]!.replace(/^\.stopMs/, '.stop').replace(/^\.startMs/, '.start');
        return { ...problem, path: `load.producers[${Number(producer[1]) - ownProducers}]${rest}` };
      }
      const consumer = /^consumers\[(\d+)\](.*)$/.exec(problem.path);
      if (consumer !== null && Number(consumer[1]) >= ownConsumers) {
        const rest = consumer[2]!.replace(/^\.stopMs/, '.stop').replace(/^\.startMs/, '.start');
        return { ...problem, path: `load.consumers[${Number(consumer[1]) - ownConsumers}]${rest}` };
      }
      return { ...problem, path: `cluster.${problem.path}` };
    });
    // When only the topics are wrong, the cluster itself still stands: check the rest against it too.
    try {
      config = resolveConfig({ ...scenario.cluster, topics: [], producers: [], consumers: [] });
    } catch {
      return { ok: false, problems: clusterProblems };
    }
  }
  const checker = new Checker(scenario, config);
  checker.run();
  const problems = [...clusterProblems, ...checker.problems];
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { scenario, config } };
}

/** Validates, or throws a ValidationError naming every problem. */
export function parseScenario(input: unknown, subject = 'scenario'): ValidScenario {
  const result = checkScenario(input);
  if (!result.ok) throw new ValidationError(subject, result.problems);
  return result.value;
}

/**
 * Parses scenario text (JSON). A syntax error is reported with its line and column, as a
 * ValidationError, like any other problem of the file. JSON.parse does not always say where it
 * stopped (a trailing comma gives "Unexpected token ']'" and a snippet, no position), so the place
 * and the reason come from locateJsonError; a byte-order mark, as some editors save, is ignored.
 */
export function parseScenarioText(text: string, subject = 'scenario'): ValidScenario {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    const found = locateJsonError(body);
    const fallback = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
    const where = found === null ? '(file)' : lineAndColumn(body, found.offset);
    throw new ValidationError(subject, [{ path: where, message: `not valid JSON: ${found?.reason ?? fallback}` }]);
  }
  return parseScenario(json, subject);
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
}

/** Bound on nesting while locating a syntax error (the scanner recurses). */
const JSON_DEPTH_MAX = 500;

class JsonSyntaxError {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/**
 * Where JSON text first breaks the grammar, and why, in words for a person; null if it is valid.
 * Only called once JSON.parse has failed, to say what JSON.parse does not.
 */
export function locateJsonError(text: string): { offset: number; reason: string } | null {
  let i = 0;
  const shown = (): string => (i >= text.length ? 'the end of the file' : JSON.stringify(text[i]));
  const fail = (reason: string, offset = i): never => {
    throw new JsonSyntaxError(offset, reason);
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = (): void => {
    const start = i++;
    for (;;) {
      if (i >= text.length) fail('a string that never ends; close it with "', start);
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === '\\') {
        const escape = text[i + 1] ?? '';
        const known = escape === 'u' ? /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)) : escape !== '' && '"\\/bfnrt'.includes(escape);
        if (!known) fail('an unknown escape in a string; write \\\\ for a backslash');
        i += escape === 'u' ? 6 : 2;
        continue;
      }
      if (ch < ' ') fail('a line break or tab inside a string; write \\n or \\t instead');
      i++;
    }
  };
  const list = (close: '}' | ']', depth: number): void => {
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      space();
      if (close === '}') {
        if (text[i] !== '"') fail(`expected a "quoted" key, found ${shown()}`);
        string();
        space();
        if (text[i] !== ':') fail(`expected ":" after the key, found ${shown()}`);
        i++;
      }
      value(depth + 1);
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      if (text[i] !== ',') fail(`expected "," or "${close}" after a value, found ${shown()}`);
      const comma = i++;
      space();
      if (text[i] === close) fail(`a comma before "${close}": JSON allows no comma after the last item`, comma);
    }
  };
  const value = (depth: number): void => {
    if (depth > JSON_DEPTH_MAX) fail(`nested more than ${JSON_DEPTH_MAX} deep`);
    space();
    const ch = text[i];
    if (ch === '{') return list('}', depth);
    if (ch === '[') return list(']', depth);
    if (ch === '"') return string();
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    number.lastIndex = i;
    if (ch !== undefined && /[-\d]/.test(ch) && number.test(text)) {
      i = number.lastIndex;
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    fail(`expected a value (text in "quotes", a number, true, false, null, {...} or [...]), found ${shown()}`);
  };
  try {
    value(0);
    space();
    if (i < text.length) fail(`${shown()} after the end of the JSON; is a "{" or "[" missing at the start?`);
    return null;
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { offset: error.offset, reason: error.reason };
    throw error;
  }
}
