// Goal: every mistake a person is likely to make in a scenario file is refused before anything
// runs, with a line that says where it is and what would fix it, and a file with several mistakes
// lists them all at once.
// Method: a corpus of invalid files in test/scenario/bad/, one theme each, read as text exactly as
// the CLI and the page read them (parseScenarioText); a table pins, for every file, the whole list
// of problems (path, and a part of the message a person needs). A file added to the corpus without
// a row in the table fails the suite, and so does a row without its file. Syntax errors get their
// own checks: the line and column named must be where the mistake is.

import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkScenario, locateJsonError, parseScenarioText } from '../../src/engine/scenario/validate';
import { metricNames } from '../../src/engine/scenario/metrics';
import { ValidationError, type ValidationProblem } from '../../src/engine/validation';

const BAD_DIR = fileURLToPath(new URL('./bad/', import.meta.url));

// Every registered metric, in registry order (each layer adds its own).
const METRIC_LIST = `metrics are ${metricNames().join(', ')}`;
const DURATION_HELP = 'expected a duration: a number and a unit, like "250ms", "90s", "15m" or "1h"';
const FAULT_KINDS = 'one of "crash", "power-loss", "fill-disk", "replace-disk", "restart", "shutdown", "isolate", "isolate-zone", "cut-link", "slow-link", "lossy-link", "throttle-link", "slow-disk", "change-load", "object-store-outage", "slow-object-store", "heal", "alter-config"';

/** One expected problem: its exact path, and text its message must contain. */
type Line = readonly [path: string, message: string];

/** Every file of the corpus, and every problem it must produce, in order. */
const CORPUS: Readonly<Record<string, readonly Line[]>> = {
  'unknown-top-level-key.json': [
    ['seeed', 'this key is not known here; allowed keys are $schema, name, description, seed, duration, cluster, topics, load, timeline, expectations'],
  ],
  'unknown-step-key.json': [['timeline[0].captoin', 'this key is not known here; allowed keys are at, when, action, caption, pause, expect']],
  'duration-without-unit.json': [['duration', `got "90"; ${DURATION_HELP}`]],
  'duration-in-words.json': [['duration', `got "ten seconds"; ${DURATION_HELP}`]],
  'zero-duration.json': [['duration', 'a duration longer than zero']],
  'step-past-duration.json': [['timeline[0].at', `45s is past the scenario's duration (30s); move it earlier or lengthen "duration"`]],
  'step-with-at-and-when.json': [['timeline[0]', 'each step needs exactly one of "at" (a time) or "when" (a condition)']],
  'step-without-at-or-when.json': [['timeline[0]', 'each step needs exactly one of "at" (a time) or "when" (a condition)']],
  'step-does-nothing.json': [['timeline[0]', 'a step does something: give it an "action", a "caption", a "pause" or an "expect"']],
  'unknown-process.json': [
    ['timeline[1].action.process', 'no process "broker-9"; brokers are broker-1..broker-6, controllers are controller-1..controller-3'],
  ],
  'unknown-zone.json': [['timeline[0].action.zone', 'no zone "zone-d"; zones are zone-a, zone-b, zone-c']],
  'heal-unknown-target.json': [
    ['timeline[1].action.target', '"zone-z" is neither a process nor a zone; leave "target" out to heal every network and disk fault'],
  ],
  'unknown-metric.json': [['expectations[0].metric', `no metric "partitions.underReplicated"; ${METRIC_LIST}`]],
  'per-process-metric-without-process.json': [
    ['expectations[0].process', '"process.up" is about one process; name it, like "process": "broker-1"'],
  ],
  'cluster-metric-with-process.json': [['expectations[0].process', '"processes.up" is about the whole cluster; remove "process"']],
  'expectation-at-and-by.json': [['expectations[0]', 'give at most one of "at", "by" or "always"; with none, it is checked at the end']],
  'duplicate-expectation-names.json': [['expectations[1].name', '"all good" is used twice; give each expectation its own name']],
  'no-brokers.json': [['cluster.brokers', 'got 0; expected an integer from 1 to 64']],
  // Top-level topics join the cluster's, and are blamed where the author wrote them.
  // Every problem at once: the topics are impossible, and a controlled shutdown is for brokers.
  'impossible-topics.json': [
    ['topics[0].replicationFactor', 'got 4; expected at most the number of brokers (3): each replica needs its own broker'],
    ['topics[1].name', 'got "audit"; expected a name no other topic has'],
    ['timeline[0].action.process', 'controller-1 is a controller; a controlled shutdown is for brokers (crash or isolate a controller instead)'],
  ],
  'probe-timeout-shorter-than-interval.json': [
    ['cluster.probe.timeoutMs', 'got 500; expected a timeoutMs longer than intervalMs (1000), so that a peer has a chance to answer'],
  ],
  // The fault is named down to the field: not just "a fault, or a list of faults".
  'wrong-fault-targets.json': [
    ['timeline[0].action.process', 'controller-1 is a controller; slow-disk is for brokers, whose partition logs are written to disk'],
    ['timeline[1].action.process', 'broker-2 is a broker; change-load is for producers'],
    ['timeline[2].action.process', 'no process "producer-2"; brokers are broker-1..broker-6, controllers are controller-1..controller-3, clients are producer-1'],
  ],
  'slow-disk-without-bandwidth.json': [['timeline[0].action.throughputMBps', 'got 0; expected a number from 0.001 to 100000 MB/s']],
  'bad-fault-kind.json': [['timeline[0].action.kind', `got "explode"; expected a fault kind: ${FAULT_KINDS}`]],
  'fault-missing-field.json': [['timeline[0].action[1].extraLatencyMs', 'got nothing; expected a number from 0 to 60000 ms']],
  'bad-comparison.json': [['timeline[0].expect.op', 'got "="; expected one of "<", "<=", "==", "!=", ">=", ">"']],
  'cut-link-to-itself.json': [['timeline[0].action.to', 'a link joins two different processes; "from" and "to" are both "broker-1"']],
  // The comma itself is pointed at: line 5, after the last step's closing brace.
  'trailing-comma.json': [['line 5, column 75', 'not valid JSON: a comma before "]": JSON allows no comma after the last item']],
  'several-meaning-problems.json': [
    ['timeline[0].action.process', 'no process "broker-4"; brokers are broker-1..broker-3, controllers are controller-1'],
    ['timeline[1].at', `40s is past the scenario's duration (30s)`],
    ['timeline[1].action.zone', 'no zone "north"; zones are east, west'],
    ['timeline[2].when.process', '"probe.unreachablePeers" is about one process; name it'],
    ['expectations[0].metric', 'no metric "latency.p99"; metrics are processes.up,'],
    ['expectations[1].by', `1m 00s is past the scenario's duration (30s)`],
    ['expectations[1].name', '"quick" is used twice'],
  ],
  'several-shape-problems.json': [
    ['name', 'got ""; expected a title'],
    ['seed', 'got -1; expected an integer from 0 to 4294967295'],
    ['duration', `got "soon"; ${DURATION_HELP}`],
    ['cluster.brokers', 'got 100; expected an integer from 1 to 64'],
    ['cluster.zone', 'this key is not known here; allowed keys are zones, controllers, brokers, network, probe'],
    ['timeline[0].pause', 'got false; expected true, or a note for the presenter'],
    ['expectations[0].value', 'got "nine"; expected a number'],
  ],
};

function problemsOfFile(file: string): { error: ValidationError; problems: readonly ValidationProblem[] } {
  const text = readFileSync(`${BAD_DIR}${file}`, 'utf8');
  try {
    parseScenarioText(text, `bad/${file}`);
  } catch (error) {
    if (error instanceof ValidationError) return { error, problems: error.problems };
    throw error;
  }
  throw new Error(`bad/${file} was accepted; it should be refused`);
}

describe('the corpus of bad scenario files', () => {
  it('has a row in the table for every file, and a file for every row', () => {
    const files = readdirSync(BAD_DIR).sort();
    const rows = Object.keys(CORPUS).sort();
    expect(files.filter((file) => !rows.includes(file)), 'files in test/scenario/bad/ without an expectation in CORPUS').toEqual([]);
    expect(rows.filter((row) => !files.includes(row)), 'rows of CORPUS without a file in test/scenario/bad/').toEqual([]);
    expect(files.every((file) => file.endsWith('.json'))).toBe(true);
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  for (const [file, lines] of Object.entries(CORPUS)) {
    it(`refuses ${file}, saying exactly what is wrong`, () => {
      const { error, problems } = problemsOfFile(file);
      expect(problems.map((problem) => problem.path)).toEqual(lines.map(([path]) => path));
      lines.forEach(([, message], index) => expect(problems[index]!.message).toContain(message));
      // What the CLI prints: the file named once, then one line per problem.
      expect(error.message.split('\n')[0]).toBe(`bad/${file} is invalid (${lines.length} problem${lines.length === 1 ? '' : 's'}):`);
      for (const problem of problems) expect(error.message).toContain(`  - ${problem.path}: ${problem.message}`);
    });
  }

  it('lists every problem of a file at once, not just the first', () => {
    expect(problemsOfFile('several-meaning-problems.json').problems).toHaveLength(7);
    expect(problemsOfFile('several-shape-problems.json').problems).toHaveLength(7);
  });

  it('checks meaning only once the shape is right, so a shape problem hides meaning problems (a known limit)', () => {
    // broker-9 does not exist, but the duration is unreadable: only the duration is reported.
    const result = checkScenario({
      name: 'two kinds of problem',
      duration: '90',
      timeline: [{ at: '1s', action: { kind: 'crash', process: 'broker-9' } }],
    });
    expect(result).toEqual({ ok: false, problems: [{ path: 'duration', message: `got "90"; ${DURATION_HELP}` }] });
  });
});

describe('syntax errors in scenario text', () => {
  function syntaxProblem(text: string): ValidationProblem {
    try {
      parseScenarioText(text);
    } catch (error) {
      if (error instanceof ValidationError && error.problems.length === 1) return error.problems[0]!;
      throw error;
    }
    throw new Error('the text was accepted');
  }

  it.each([
    ['a trailing comma in an object', '{\n  "name": "x",\n  "duration": "1s",\n}', 'line 3, column 19', 'a comma before "}"'],
    ['a missing comma', '{\n  "name": "x"\n  "duration": "1s"\n}', 'line 3, column 3', 'expected "," or "}" after a value, found "\\""'],
    ['an unquoted key', '{ name: "x" }', 'line 1, column 3', 'expected a "quoted" key, found "n"'],
    ['single quotes', "{ 'name': 'x' }", 'line 1, column 3', `expected a "quoted" key, found "'"`],
    ['a missing closing brace', '{\n  "name": "x",\n  "duration": "1s"\n', 'line 4, column 1', 'found the end of the file'],
    ['a string that never ends', '{\n  "name": "x\n}', 'line 2, column 13', 'a line break or tab inside a string'],
    ['a comment', '{\n  // a scenario\n  "name": "x"\n}', 'line 2, column 3', 'expected a "quoted" key, found "/"'],
    ['an empty file', '', 'line 1, column 1', 'expected a value'],
  ])('%s is reported at its line and column', (_story, text, where, reason) => {
    const problem = syntaxProblem(text);
    expect(problem.path).toBe(where);
    expect(problem.message).toContain('not valid JSON: ');
    expect(problem.message).toContain(reason);
  });

  it('counts columns from 1 and lines the way an editor does, Windows line ends included', () => {
    expect(syntaxProblem('{\r\n  "name": "x",\r\n}').path).toBe('line 2, column 14');
  });

  it('reads a file saved with a byte-order mark, as some Windows editors save JSON', () => {
    const text = `\uFEFF${JSON.stringify({ name: 'with a BOM', duration: '1s' })}`;
    expect(parseScenarioText(text).scenario.name).toBe('with a BOM');
  });

  it('agrees with JSON.parse on which texts are JSON, over thousands of seeded mutations of the library', () => {
    const dir = fileURLToPath(new URL('../../public/scenarios/', import.meta.url));
    const texts = readdirSync(dir).filter((file) => file.endsWith('.json')).map((file) => readFileSync(`${dir}${file}`, 'utf8'));
    texts.push('{"a":"\\u00e9\\n\\"x\\\\","b":[1,-2.5e3,0.5E+2,true,false,null,{}],"c":[]}');
    const alphabet = ['{', '}', '[', ']', ',', ':', '"', '\\', '1', '-', '.', 'e', 't', 'n', ' ', '\n', 'x', '\t', 'u', '0'];
    let state = 20_251_125; // a fixed seed: the same mutations on every run
    const draw = (n: number): number => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state % n;
    };
    let refused = 0;
    for (let round = 0; round < 2_000; round++) {
      let text = texts[draw(texts.length)]!;
      for (let edit = draw(3); edit >= 0; edit--) {
        const at = draw(text.length + 1);
        const op = draw(3);
        const char = alphabet[draw(alphabet.length)]!;
        text = op === 0 ? text.slice(0, at) + text.slice(at + 1) : op === 1 ? text.slice(0, at) + char + text.slice(at) : text.slice(0, at) + char + text.slice(at + 1);
      }
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
        refused++;
      }
      const located = locateJsonError(text);
      if ((located === null) !== parses) throw new Error(`locateJsonError and JSON.parse disagree (round ${round}) on ${JSON.stringify(text)}`);
      if (located !== null) expect(located.offset).toBeLessThanOrEqual(text.length);
    }
    // Both outcomes were exercised.
    expect(refused).toBeGreaterThan(200);
    expect(refused).toBeLessThan(1_900);
  });
});
