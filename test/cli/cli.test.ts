// Goal: `kora-playground` keeps its promises to the person at the terminal: `run` prints a report
// (or exactly one JSON object) and exits 0 when every expectation held, 1 when one failed; a bad
// file or command line exits 2 with every problem, and the usage where the command line is wrong;
// --seed and --until do what they say; progress appears on stderr only for a run that takes a
// while, redrawn in place on a terminal and as plain lines otherwise.
// Method: main() with a fake CliIo that records stdout and stderr, reads files from the repository
// (or from memory, for scenarios written here) and has a wall clock we move by hand. Two tests then
// start the real command (node bin/kora-playground.mjs) as a child process.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT_BAD_INPUT, EXIT_EXPECTATION_FAILED, EXIT_OK, main, type CliIo } from '../../src/cli/main';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BROKER_CRASH = 'public/scenarios/broker-crash.json';

interface FakeTerminal {
  readonly io: CliIo;
  readonly out: string[];
  readonly err: string[];
  stdout(): string;
  stderr(): string;
}

/**
 * A terminal for main(): files come from `files` first, then from the repository; the wall clock
 * moves `msPerCall` each time it is read.
 */
function terminal(options: { files?: Record<string, string>; msPerCall?: number; tty?: boolean } = {}): FakeTerminal {
  const out: string[] = [];
  const err: string[] = [];
  let clockMs = 0;
  const io: CliIo = {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    errIsTty: options.tty ?? false,
    readFile: (path) => options.files?.[path] ?? readFileSync(`${ROOT}${path}`, 'utf8'),
    nowMs: () => (clockMs += options.msPerCall ?? 0),
  };
  return { io, out, err, stdout: () => out.join(''), stderr: () => err.join('') };
}

function cli(argv: readonly string[], options: Parameters<typeof terminal>[0] = {}): { code: number } & FakeTerminal {
  const fake = terminal(options);
  const code = main(argv, fake.io);
  return { code, ...fake };
}

interface JsonReport {
  readonly name: string;
  readonly seed: number;
  readonly simulatedMs: number;
  readonly durationMs: number;
  readonly complete: boolean;
  readonly events: number;
  readonly traceHash: string;
  readonly expectations: readonly { name: string; passed: boolean | null; detail: string }[];
  readonly metrics: Record<string, number>;
  readonly passed: boolean;
}

function jsonRun(argv: readonly string[]): { code: number; report: JsonReport; stderr: string } {
  const result = cli(argv);
  expect(result.out, 'exactly one write to stdout').toHaveLength(1);
  expect(result.stdout().endsWith('}\n')).toBe(true);
  expect(result.stdout().trimEnd().split('\n'), 'one line of JSON').toHaveLength(1);
  return { code: result.code, report: JSON.parse(result.stdout()) as JsonReport, stderr: result.stderr() };
}

const golden = JSON.parse(readFileSync(`${ROOT}test/golden/broker-crash.golden.json`, 'utf8')) as { traceHash: string; events: number };

/** A scenario whose last expectation cannot hold: broker-1 is crashed at 1s and never restarted. */
const FAILING = JSON.stringify({
  name: 'A broker that stays down',
  duration: '3s',
  cluster: { zones: 3, controllers: 1, brokers: 2 },
  timeline: [{ at: '1s', action: { kind: 'crash', process: 'broker-1' }, caption: 'broker-1 is gone.' }],
  expectations: [
    { name: 'broker-1 is down at 2s', metric: 'process.up', process: 'broker-1', op: '==', value: 0, at: '2s' },
    { name: 'everyone is up at the end', metric: 'processes.up', op: '==', value: 3 },
  ],
});

describe('kora-playground run', () => {
  it('prints the report of a library scenario, with PASSED, and exits 0', () => {
    const { code, stdout, stderr } = cli(['run', BROKER_CRASH]);
    expect(code).toBe(EXIT_OK);
    const report = stdout();
    expect(report).toContain(`Scenario: A broker crashes and comes back  (${BROKER_CRASH})`);
    expect(report).toContain(`seed 3 · 30s simulated in 0.00s · ${golden.events.toLocaleString('en-US')} events · trace ${golden.traceHash}`);
    expect(report).toMatch(/^ {3}0:10\.000 {2}▸ crash broker-3$/m);
    expect(report).toMatch(/^ {3}0:10\.000 {2}“broker-3 crashed\./m);
    expect(report).toContain('  ✓ its eight peers notice within 4.1 s\n      held since ');
    expect(report).toContain('Metrics at the end\n  processes.up ');
    expect(report.endsWith('PASSED: 5 of 5 expectations held.\n')).toBe(true);
    // A quick run shows no progress.
    expect(stderr()).toBe('');
  });

  it('prints exactly one JSON object with --json', () => {
    const { code, report, stderr } = jsonRun(['run', BROKER_CRASH, '--json']);
    expect(code).toBe(EXIT_OK);
    expect(stderr).toBe('');
    expect(report).toMatchObject({ seed: 3, simulatedMs: 30_000, complete: true, events: golden.events, traceHash: golden.traceHash, passed: true });
    expect(report.expectations).toHaveLength(5);
    for (const expectation of report.expectations) {
      expect(Object.keys(expectation).sort()).toEqual(['detail', 'name', 'passed']);
      expect(expectation.passed).toBe(true);
      expect(expectation.detail.length).toBeGreaterThan(0);
    }
    expect(report.metrics['processes.up']).toBe(9);
    expect(Object.values(report.metrics).every((value) => typeof value === 'number')).toBe(true);
  });

  it('runs another seed with --seed, to another trace', () => {
    const { code, report } = jsonRun(['run', '--seed', '99', BROKER_CRASH, '--json']);
    expect(code).toBe(EXIT_OK);
    expect(report.seed).toBe(99);
    expect(report.traceHash).not.toBe(golden.traceHash);
    expect(jsonRun(['run', BROKER_CRASH, '--json', '--seed', '99']).report.traceHash).toBe(report.traceHash);
  });

  it('stops early with --until, leaving later expectations undecided', () => {
    const { code, report } = jsonRun(['run', BROKER_CRASH, '--json', '--until', '5s']);
    expect(code).toBe(EXIT_OK);
    expect(report).toMatchObject({ simulatedMs: 5_000, durationMs: 30_000, complete: false, passed: true });
    expect(report.expectations.filter((expectation) => expectation.passed === null).map((expectation) => expectation.name)).toEqual([
      'at 20s: process.up{broker-3} == 1',
      'broker-3 is down after the crash',
      'its eight peers notice within 4.1 s',
      'everyone is back in touch after the restart',
    ]);

    const text = cli(['run', BROKER_CRASH, '--until', '5s']).stdout();
    expect(text).toContain('5s of 30s (stopped early)');
    expect(text).toContain('PASSED: 1 of 5 expectations held (4 not decided: the run stopped early).');
  });

  it('fails a whole run whose "when" step never fired, and says why', () => {
    const never = JSON.stringify({
      name: 'A condition that never comes',
      duration: '2s',
      cluster: { zones: 3, controllers: 1, brokers: 2 },
      timeline: [{ when: { metric: 'processes.crashed', op: '>', value: 0 }, expect: { metric: 'processes.up', op: '==', value: 2 } }],
      expectations: [{ name: 'all up', metric: 'processes.up', op: '==', value: 3 }],
    });
    const { code, stdout } = cli(['run', 'never.json'], { files: { 'never.json': never } });
    expect(code).toBe(EXIT_EXPECTATION_FAILED);
    expect(stdout()).toContain('  ✗ timeline[0]: processes.up == 2\n      never checked: its condition never held');
    expect(stdout().endsWith('FAILED: 1 of 2 expectations did not hold.\n')).toBe(true);
  });

  it('runs to the end when --until is past it', () => {
    const { report } = jsonRun(['run', BROKER_CRASH, '--json', '--until', '1h']);
    expect(report).toMatchObject({ simulatedMs: 30_000, complete: true, traceHash: golden.traceHash });
  });

  it('prints FAILED and exits 1 when an expectation does not hold', () => {
    const { code, stdout } = cli(['run', 'stays-down.json'], { files: { 'stays-down.json': FAILING } });
    expect(code).toBe(EXIT_EXPECTATION_FAILED);
    expect(stdout()).toContain('  ✓ broker-1 is down at 2s');
    expect(stdout()).toContain('  ✗ everyone is up at the end\n      processes.up was 2 at 3s; expected == 3');
    expect(stdout().endsWith('FAILED: 1 of 2 expectations did not hold.\n')).toBe(true);
    const json = cli(['run', 'stays-down.json', '--json'], { files: { 'stays-down.json': FAILING } });
    expect(json.code).toBe(EXIT_EXPECTATION_FAILED);
    expect((JSON.parse(json.stdout()) as JsonReport).passed).toBe(false);
  });
});

describe('kora-playground validate', () => {
  it('says a library file is valid and exits 0', () => {
    const { code, stdout, stderr } = cli(['validate', BROKER_CRASH]);
    expect(code).toBe(EXIT_OK);
    expect(stdout()).toBe(`${BROKER_CRASH}: valid. "A broker crashes and comes back", 30s, 4 timeline steps, 4 expectations.\n`);
    expect(stderr()).toBe('');
  });
});

describe('a bad file', () => {
  const several = 'test/scenario/bad/several-meaning-problems.json';

  it.each(['run', 'validate'])('is refused by %s with exit 2 and every problem on stderr', (command) => {
    const { code, stdout, stderr } = cli([command, several]);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stdout()).toBe('');
    const lines = stderr().trimEnd().split('\n');
    expect(lines[0]).toBe(`${several} is invalid (7 problems):`);
    expect(lines.slice(1).map((line) => line.split(': ')[0])).toEqual([
      '  - timeline[0].action.process',
      '  - timeline[1].at',
      '  - timeline[1].action.zone',
      '  - timeline[2].when.process',
      '  - expectations[0].metric',
      '  - expectations[1].by',
      '  - expectations[1].name',
    ]);
    expect(stderr()).not.toContain('Usage:');
  });

  it('that is not JSON is refused with its line and column', () => {
    const { code, stderr } = cli(['validate', 'test/scenario/bad/trailing-comma.json']);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stderr()).toContain('  - line 5, column 75: not valid JSON: a comma before "]"');
  });

  it('that does not exist is refused with exit 2: cannot read it', () => {
    const { code, stderr } = cli(['run', 'public/scenarios/no-such-scenario.json']);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stderr()).toBe('public/scenarios/no-such-scenario.json is invalid (1 problem):\n  - (file): cannot read it: no such file\n');
  });

  it('that is a directory is refused with exit 2', () => {
    const { code, stderr } = cli(['validate', 'public/scenarios']);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stderr()).toContain('(file): cannot read it: it is a directory');
  });
});

describe('a bad command line', () => {
  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['run', BROKER_CRASH, '--fast'], 'unknown option --fast'],
    [['run'], 'name the scenario file to run'],
    [['run', BROKER_CRASH, BROKER_CRASH], `one scenario file at a time; got "${BROKER_CRASH}" and "${BROKER_CRASH}"`],
    [['run', BROKER_CRASH, '--seed'], '--seed needs a value'],
    [['run', BROKER_CRASH, '--seed', 'abc'], '--seed: got "abc"; expected a whole number from 0 to 4294967295'],
    [['run', BROKER_CRASH, '--seed', '-1'], '--seed: got "-1"'],
    [['run', BROKER_CRASH, '--seed', '1.5'], '--seed: got "1.5"'],
    [['run', BROKER_CRASH, '--seed', '4294967296'], '--seed: got "4294967296"'],
    [['run', BROKER_CRASH, '--seed', ''], '--seed: got ""'],
    [['run', BROKER_CRASH, '--seed', '0x10'], '--seed: got "0x10"'],
    [['run', BROKER_CRASH, '--seed', '1e3'], '--seed: got "1e3"'],
    [['run', BROKER_CRASH, '--until', 'soon'], '--until: "soon" is not a duration; write a number and a unit'],
    [['run', BROKER_CRASH, '--until', '5'], '--until: "5" is not a duration'],
    [['run', BROKER_CRASH, '--until'], '--until needs a value'],
    [['validate'], 'validate takes one scenario file'],
    [['validate', BROKER_CRASH, '--json'], 'validate takes one scenario file'],
  ])('%j exits 2 with the problem and the usage on stderr', (argv, problem) => {
    const { code, stdout, stderr } = cli(argv);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stdout()).toBe('');
    expect(stderr().startsWith(`kora-playground: ${problem}`)).toBe(true);
    expect(stderr()).toContain('Usage:\n  kora-playground run FILE [--seed N] [--json] [--until 30s]');
  });

  it('with no command at all says so on stderr, with the usage, and exits 2', () => {
    const { code, stdout, stderr } = cli([]);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stdout()).toBe('');
    expect(stderr().startsWith('kora-playground: name a command\n\nUsage:')).toBe(true);
  });

  it.each([['help'], ['--help'], ['-h']])('%s shows the usage on stdout and exits 0', (flag) => {
    const { code, stdout, stderr } = cli([flag]);
    expect(code).toBe(EXIT_OK);
    expect(stdout()).toContain('kora-playground validate FILE');
    expect(stderr()).toBe('');
  });
});

describe('progress', () => {
  it('is redrawn in place on a terminal once a run takes more than a second', () => {
    const { code, err, stdout } = cli(['run', BROKER_CRASH], { msPerCall: 300, tty: true });
    expect(code).toBe(EXIT_OK);
    const bars = err.slice(0, -1);
    expect(bars.length).toBeGreaterThan(5);
    for (const bar of bars) {
      expect(bar.startsWith('\r')).toBe(true);
      expect(bar).not.toContain('\n');
      expect(bar).toContain('%');
      expect(bar).toContain('events');
    }
    expect(bars.at(-1)).toContain('100%  0:30.000 of 0:30.000 simulated');
    // The line is ended once, at the end, so the report starts on a line of its own.
    expect(err.at(-1)).toBe('\n');
    // The report is unchanged by it, and its wall time is the fake clock's.
    expect(stdout()).toContain('PASSED: 5 of 5 expectations held.');
  });

  it('is written as whole lines when stderr is not a terminal (a log, a CI job)', () => {
    const { err } = cli(['run', BROKER_CRASH], { msPerCall: 300, tty: false });
    expect(err.length).toBeGreaterThanOrEqual(2);
    for (const line of err) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.split('\n')).toHaveLength(2);
      expect(line).not.toContain('\r');
      expect(line).toContain('%');
      expect(line).toContain('events');
    }
    // Not one line per slice: at most one every 2 s of wall time, plus the last.
    expect(err.length).toBeLessThan(30);
    expect(err.at(-1)).toContain('100%');
  });

  it('is not shown for a quick run', () => {
    expect(cli(['run', BROKER_CRASH], { msPerCall: 0, tty: true }).err).toEqual([]);
    expect(cli(['run', BROKER_CRASH], { msPerCall: 0, tty: false }).err).toEqual([]);
  });

  it('goes to stderr only, so --json output stays one clean object', () => {
    const { out, err } = cli(['run', BROKER_CRASH, '--json'], { msPerCall: 300, tty: true });
    expect(err.length).toBeGreaterThan(0);
    expect(out).toHaveLength(1);
    expect((JSON.parse(out[0]!) as JsonReport).traceHash).toBe(golden.traceHash);
  });
});

describe('the real command', () => {
  const bin = 'bin/kora-playground.mjs';

  it('runs a library scenario from the shell and prints JSON', () => {
    const child = spawnSync(process.execPath, [bin, 'run', BROKER_CRASH, '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    // On a loaded machine the run can take over a second of wall time, and then progress lines
    // appear on stderr (plain lines: not a terminal). Anything else there is a fault.
    const notProgress = child.stderr.split('\n').filter((line) => line !== '' && !/^[█░]{20,} +\d+% {2}.* simulated {2}[\d,]+ events$/.test(line));
    expect(notProgress).toEqual([]);
    expect(child.status).toBe(EXIT_OK);
    const report = JSON.parse(child.stdout) as JsonReport;
    expect(report.traceHash).toBe(golden.traceHash);
    expect(report.passed).toBe(true);
  });

  it('exits 2 on a bad file, listing its problem on stderr', () => {
    const child = spawnSync(process.execPath, [bin, 'validate', 'test/scenario/bad/unknown-process.json'], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    expect(child.status).toBe(EXIT_BAD_INPUT);
    expect(child.stdout).toBe('');
    expect(child.stderr).toContain('timeline[1].action.process: no process "broker-9"; brokers are broker-1..broker-6, controllers are controller-1..controller-3');
  });
});
