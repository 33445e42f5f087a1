// `kora-playground`: runs scenario files headless in Node.
//
//   kora-playground run FILE [--seed N] [--json] [--until 30s]
//   kora-playground validate FILE
//   kora-playground compare FILE --set PATH=A,B[,...] [--set ...] [--seed N] [--json]
//
// Exit codes: 0 every expectation held (or the file is valid, or a comparison ran); 1 an
// expectation failed; 2 the file or the command line is wrong (every problem is listed). A
// comparison exits 0 even when a variant breaks an expectation: showing where the variants differ
// is its purpose, and the table marks each verdict. Progress goes to stderr, shown only
// when a run takes more than a second; the report (or the JSON) goes to stdout.

import { readFileSync } from 'node:fs';
import { SEED_MAX } from '../engine/config';
import { ScenarioRun, type ScenarioReport } from '../engine/scenario/runner';
import { parseScenario, parseScenarioText, type ValidScenario } from '../engine/scenario/validate';
import { parseSetting, SettingError, variantsOf, type Setting } from '../engine/scenario/variants';
import { formatClock, formatSpan, parseDuration } from '../engine/sim/time';
import { ValidationError } from '../engine/validation';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** True when stderr is a terminal: progress redraws one line in place. */
  readonly errIsTty: boolean;
  readonly readFile: (path: string) => string;
  /** Wall clock in ms, for the progress display only (never for the simulation). */
  readonly nowMs: () => number;
}

export const EXIT_OK = 0;
export const EXIT_EXPECTATION_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** Progress appears once a run has taken this long. */
const PROGRESS_AFTER_MS = 1_000;
const PROGRESS_BAR_WIDTH = 28;

const USAGE = `Usage:
  kora-playground run FILE [--seed N] [--json] [--until 30s]
      Runs a scenario headless and prints a report; exits 1 if an expectation fails.
      --seed N     use seed N (0 to ${SEED_MAX}) instead of the file's
      --json       print one JSON object instead of the report
      --until T    stop at simulated time T (a duration like "30s"); later checks are not decided
  kora-playground validate FILE
      Checks a scenario file and lists every problem; exits 2 if there is one.
  kora-playground compare FILE --set PATH=A,B[,...] [--set ...] [--seed N] [--json]
      Runs the scenario once per value (every combination, with several --set) and prints the
      expectations and key metrics side by side. PATH is a field of the file ("seed",
      "cluster.brokers"); a name that is not a top-level field is taken under "cluster", so
      --set dataReplication=isr,quorum sets cluster.dataReplication.

Scenario files: public/scenarios/*.json (the JSON Schema is public/scenarios/scenario.schema.json).`;

interface RunArgs {
  readonly file: string;
  readonly seed?: number;
  readonly json: boolean;
  readonly untilUs?: number;
}

class UsageError extends Error {}

function parseRunArgs(args: string[]): RunArgs {
  let file: string | undefined;
  let seed: number | undefined;
  let json = false;
  let untilUs: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (): string => {
      const next = args[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--json') json = true;
    else if (arg === '--seed') {
      const text = value();
      const parsed = Number(text);
      if (!/^\d+$/.test(text) || parsed > SEED_MAX) {
        throw new UsageError(`--seed: got "${text}"; expected a whole number from 0 to ${SEED_MAX}`);
      }
      seed = parsed;
    } else if (arg === '--until') {
      const text = value();
      const parsed = parseDuration(text);
      if (!parsed.ok) throw new UsageError(`--until: ${parsed.error}`);
      untilUs = parsed.us;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (file === undefined) file = arg;
    else throw new UsageError(`one scenario file at a time; got "${file}" and "${arg}"`);
  }
  if (file === undefined) throw new UsageError('name the scenario file to run');
  return { file, json, ...(seed === undefined ? {} : { seed }), ...(untilUs === undefined ? {} : { untilUs }) };
}

function load(file: string, io: CliIo): ValidScenario {
  let text: string;
  try {
    text = io.readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new ValidationError(file, [{ path: '(file)', message: `cannot read it: ${reason}` }]);
  }
  return parseScenarioText(text, file);
}

class Progress {
  private readonly startedMs: number;
  private shown = false;
  private lastLineMs = 0;

  constructor(private readonly io: CliIo) {
    this.startedMs = io.nowMs();
  }

  update(run: ScenarioRun, endUs: number): void {
    const nowMs = this.io.nowMs();
    if (nowMs - this.startedMs < PROGRESS_AFTER_MS) return;
    const fraction = endUs === 0 ? 1 : Math.min(1, run.nowUs / endUs);
    const filled = Math.round(fraction * PROGRESS_BAR_WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(PROGRESS_BAR_WIDTH - filled)}`;
    const line = `${bar} ${String(Math.floor(fraction * 100)).padStart(3)}%  ${formatClock(run.nowUs)} of ${formatClock(endUs)} simulated  ${run.engine.eventCount.toLocaleString('en-US')} events`;
    if (this.io.errIsTty) {
      this.io.err(`\r${line}`);
      this.shown = true;
    } else if (nowMs - this.lastLineMs >= 2_000 || fraction === 1) {
      this.io.err(`${line}\n`);
      this.lastLineMs = nowMs;
    }
  }

  done(): void {
    if (this.shown) this.io.err('\n');
  }
}

function formatReport(report: ScenarioReport, file: string, wallMs: number): string {
  const lines: string[] = [];
  lines.push(`Scenario: ${report.name}  (${file})`);
  const length = report.complete ? formatSpan(report.simulatedMs * 1_000) : `${formatSpan(report.simulatedMs * 1_000)} of ${formatSpan(report.durationMs * 1_000)} (stopped early)`;
  lines.push(
    `seed ${report.seed} · ${length} simulated in ${(wallMs / 1_000).toFixed(2)}s · ${report.events.toLocaleString('en-US')} events · trace ${report.traceHash}`,
  );
  // Actions first: at one instant, the fault happens, then the caption explains it.
  const timeline = [
    ...report.actions.map((action) => ({ atMs: action.atMs, text: `▸ ${action.text}` })),
    ...report.captions.map((caption) => ({ atMs: caption.atMs, text: `“${caption.text}”` })),
  ].sort((a, b) => a.atMs - b.atMs);
  if (timeline.length > 0) {
    lines.push('', 'Timeline');
    for (const entry of timeline) lines.push(`  ${formatClock(entry.atMs * 1_000).padStart(9)}  ${entry.text}`);
  }
  if (report.expectations.length > 0) {
    lines.push('', 'Expectations');
    for (const expectation of report.expectations) {
      const mark = expectation.passed === true ? '✓' : expectation.passed === false ? '✗' : '·';
      lines.push(`  ${mark} ${expectation.name}`, `      ${expectation.detail}`);
    }
  }
  lines.push('', 'Metrics at the end');
  const width = Math.max(...Object.keys(report.metrics).map((name) => name.length)) + 2;
  for (const [name, value] of Object.entries(report.metrics)) {
    lines.push(`  ${name.padEnd(width)}${Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2)}`);
  }
  const failed = report.expectations.filter((expectation) => expectation.passed === false).length;
  const held = report.expectations.filter((expectation) => expectation.passed === true).length;
  const undecided = report.expectations.length - failed - held;
  // At the end of a whole run, only the check of a "when" step whose condition never held is left.
  const whyUndecided = report.complete ? 'the condition of their "when" step never held' : 'the run stopped early';
  lines.push('');
  lines.push(
    failed > 0
      ? `FAILED: ${failed} of ${report.expectations.length} expectations did not hold.`
      : `PASSED: ${held} of ${report.expectations.length} expectations held${undecided > 0 ? ` (${undecided} not decided: ${whyUndecided})` : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}

function runCommand(args: string[], io: CliIo): number {
  const options = parseRunArgs(args);
  const valid = load(options.file, io);
  const run = new ScenarioRun(valid, { ...(options.seed === undefined ? {} : { seed: options.seed }), pauses: 'record' });
  const endUs = Math.min(options.untilUs ?? run.durationUs, run.durationUs);
  const progress = new Progress(io);
  const startedMs = io.nowMs();
  const report = run.runToEnd({ untilUs: endUs, progress: (current) => progress.update(current, endUs) });
  progress.done();
  if (options.json) {
    io.out(`${JSON.stringify(report)}\n`);
  } else {
    io.out(formatReport(report, options.file, io.nowMs() - startedMs));
  }
  return report.passed ? EXIT_OK : EXIT_EXPECTATION_FAILED;
}

/** Variants a comparison runs at most (the product of every --set's values). */
export const COMPARE_VARIANTS_MAX = 8;
/** Metrics a comparison prints, when the report has them: latency, throughput, availability, loss. */
const COMPARE_METRICS = [
  'producer.latencyMsP99Cumulative',
  'producer.recordsAcked',
  'producer.recordsFailed',
  'OfflinePartitionsCount',
  'UnderReplicatedPartitions',
  'IsrShrinks',
  'IsrExpands',
  'durability.lostRecords',
] as const;

interface CompareVariant {
  readonly label: string;
  readonly report: ScenarioReport;
}

function observed(detail: string): string {
  return /\bwas (\S+) at /.exec(detail)?.[1] ?? '';
}

function formatComparison(file: string, variants: readonly CompareVariant[]): string {
  const first = variants[0]!.report;
  const rows: string[][] = [['', ...variants.map((variant) => variant.label)]];
  for (const [index, expectation] of first.expectations.entries()) {
    rows.push([
      expectation.name,
      ...variants.map(({ report }) => {
        const result = report.expectations[index]!;
        const mark = result.passed === true ? '✓' : result.passed === false ? '✗' : '·';
        const value = observed(result.detail);
        return value === '' ? mark : `${mark} ${value}`;
      }),
    ]);
  }
  const metrics = COMPARE_METRICS.filter((name) => name in first.metrics);
  if (metrics.length > 0) rows.push(['metrics at the end', ...variants.map(() => '')]);
  for (const name of metrics) {
    rows.push([
      `  ${name}`,
      ...variants.map(({ report }) => {
        const value = report.metrics[name] ?? 0;
        return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(1);
      }),
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = [`Comparison: ${first.name}  (${file}), seed ${first.seed}`, ''];
  for (const row of rows) lines.push(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!))).join('   ').trimEnd());
  lines.push('', '✓ held  ✗ did not hold  · not decided; a value is what the expectation saw when it was checked.');
  return `${lines.join('\n')}\n`;
}

function compareCommand(args: string[], io: CliIo): number {
  const settings: Setting[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--set') {
      const text = args[++i];
      if (text === undefined) throw new UsageError('--set needs a value, like dataReplication=isr,quorum');
      try {
        settings.push(parseSetting(text));
      } catch (error) {
        if (error instanceof SettingError) throw new UsageError(`--set: ${error.message}`);
        throw error;
      }
    } else rest.push(args[i]!);
  }
  if (settings.length === 0) throw new UsageError('compare needs at least one --set PATH=A,B');
  const options = parseRunArgs(rest);
  if (options.untilUs !== undefined) throw new UsageError('compare runs every variant to its end; --until is for run');
  load(options.file, io); // the file as written must be valid: its problems are reported against it
  const text = io.readFile(options.file);
  const input: unknown = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  const count = settings.reduce((product, setting) => product * setting.values.length, 1);
  if (count > COMPARE_VARIANTS_MAX) throw new UsageError(`compare runs at most ${COMPARE_VARIANTS_MAX} variants; these --set values make ${count}`);
  let combos: { label: string; input: unknown }[];
  try {
    combos = variantsOf(input, settings, COMPARE_VARIANTS_MAX);
  } catch (error) {
    if (error instanceof SettingError) throw new UsageError(`--set: ${error.message}`);
    throw error;
  }
  const variants: CompareVariant[] = [];
  for (const combo of combos) {
    const valid = parseScenario(combo.input, `${options.file} with ${combo.label}`);
    const run = new ScenarioRun(valid, { ...(options.seed === undefined ? {} : { seed: options.seed }), pauses: 'record' });
    const progress = new Progress(io);
    const report = run.runToEnd({ progress: (current) => progress.update(current, run.durationUs) });
    progress.done();
    variants.push({ label: combo.label, report });
  }
  if (options.json) {
    io.out(`${JSON.stringify({ file: options.file, variants: variants.map(({ label, report }) => ({ label, report })) })}\n`);
  } else {
    io.out(formatComparison(options.file, variants));
  }
  return EXIT_OK;
}

function validateCommand(args: string[], io: CliIo): number {
  if (args.length !== 1 || args[0]!.startsWith('-')) throw new UsageError('validate takes one scenario file');
  const valid = load(args[0]!, io);
  const scenario = valid.scenario;
  io.out(
    `${args[0]}: valid. "${scenario.name}", ${formatSpan(scenario.duration)}, ${scenario.timeline.length} timeline steps, ${scenario.expectations.length} expectations.\n`,
  );
  return EXIT_OK;
}

export function main(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return runCommand(rest, io);
      case 'validate':
        return validateCommand(rest, io);
      case 'compare':
        return compareCommand(rest, io);
      case undefined:
        io.err(`kora-playground: name a command\n\n${USAGE}\n`);
        return EXIT_BAD_INPUT;
      case 'help':
      case '--help':
      case '-h':
        io.out(`${USAGE}\n`);
        return EXIT_OK;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`kora-playground: ${error.message}\n\n${USAGE}\n`);
      return EXIT_BAD_INPUT;
    }
    if (error instanceof ValidationError) {
      io.err(`${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}

/** The real process's input and output. */
export function nodeIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    errIsTty: process.stderr.isTTY === true,
    readFile: (path) => readFileSync(path, 'utf8'),
    nowMs: () => performance.now(),
  };
}
