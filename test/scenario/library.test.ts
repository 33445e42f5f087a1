// Goal: the scenario library an instructor opens is whole and honest: the index lists exactly the
// scenario files there are; each file validates; each runs to its end with every expectation
// held; each run is the one its golden digest recorded (so a behaviour change shows up here, as a
// readable diff, until it is re-recorded on purpose with `npm run golden`); and a run is a pure
// function of file and seed, however a host slices it.
// Method: every library file read from public/scenarios/ as text, as the CLI reads it, run
// headless with ScenarioRun; one run per file is kept and shared by the checks that only read it.
// Determinism checks run again: twice with the same seed, once with another, and once in
// 137 ms slices of at most 50 events (as the page's animation frames do), pauses stopping.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diffDigests, digestOf, type GoldenDigest } from '../../src/engine/scenario/golden';
import { ScenarioRun, type RunOptions, type ScenarioReport } from '../../src/engine/scenario/runner';
import { parseScenarioText, type ValidScenario } from '../../src/engine/scenario/validate';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LIBRARY_DIR = 'public/scenarios';
const GOLDEN_DIR = 'test/golden';
const NOT_SCENARIOS = ['index.json', 'scenario.schema.json'];

interface LibraryIndex {
  readonly about: string;
  readonly scenarios: readonly string[];
}

const index = JSON.parse(readFileSync(`${ROOT}${LIBRARY_DIR}/index.json`, 'utf8')) as LibraryIndex;
const scenarioFiles = readdirSync(`${ROOT}${LIBRARY_DIR}`)
  .filter((file) => file.endsWith('.json') && !NOT_SCENARIOS.includes(file))
  .sort();

function load(file: string): ValidScenario {
  const path = `${LIBRARY_DIR}/${file}`;
  return parseScenarioText(readFileSync(`${ROOT}${path}`, 'utf8'), path);
}

function goldenPathOf(file: string): string {
  return `${GOLDEN_DIR}/${file.replace(/\.json$/, '')}.golden.json`;
}

/** One finished run per library file, shared by the checks that only read it. */
const finished = new Map<string, { run: ScenarioRun; report: ScenarioReport }>();
function finishedRun(file: string): { run: ScenarioRun; report: ScenarioReport } {
  let entry = finished.get(file);
  if (entry === undefined) {
    const run = new ScenarioRun(load(file));
    entry = { run, report: run.runToEnd() };
    finished.set(file, entry);
  }
  return entry;
}

/**
 * Why a run's digest is not its golden one, for a person: the differing lines and what to do.
 * Null when they match.
 */
function goldenMismatch(goldenPath: string, golden: GoldenDigest, digest: GoldenDigest): string | null {
  const diff = diffDigests(golden, digest);
  if (diff.length === 0) return null;
  return [
    `${goldenPath} no longer matches the run:`,
    ...diff,
    'If this change in behaviour is intended, run `npm run golden`, review the new digests, and commit them with the change.',
  ].join('\n');
}

/** Runs the way the page does: short slices, a bound on events per slice, stopping at pauses. */
function runInSlices(valid: ValidScenario, options: RunOptions & { sliceUs: number; maxEvents: number }): { report: ScenarioReport; pausesStopped: number } {
  const run = new ScenarioRun(valid, options);
  let pausesStopped = 0;
  for (let calls = 0; !run.done; calls++) {
    if (calls > 1_000_000) throw new Error('the sliced run does not end');
    if (run.advance(run.nowUs + options.sliceUs, options.maxEvents)) pausesStopped++;
  }
  return { report: run.report(), pausesStopped };
}

describe('the library index', () => {
  it('lists exactly the scenario files of public/scenarios, each once', () => {
    expect([...index.scenarios].sort()).toEqual(scenarioFiles);
    expect(new Set(index.scenarios).size).toBe(index.scenarios.length);
    expect(scenarioFiles.length).toBeGreaterThan(0);
  });

  it.each(index.scenarios)('names %s, which exists', (file) => {
    expect(existsSync(`${ROOT}${LIBRARY_DIR}/${file}`)).toBe(true);
  });
});

/**
 * Each check of a scenario may run it whole; the largest lesson (large-cluster.json, 30 brokers
 * and 1,000 partitions) takes seconds per run, and longer on a busy machine.
 */
const SCENARIO_TEST_TIMEOUT_MS = 180_000;

describe.each(scenarioFiles)('library scenario %s', { timeout: SCENARIO_TEST_TIMEOUT_MS }, (file) => {
  it('validates, and points editors at the JSON Schema', () => {
    const valid = load(file);
    expect(valid.scenario.name.length).toBeGreaterThan(0);
    const raw = JSON.parse(readFileSync(`${ROOT}${LIBRARY_DIR}/${file}`, 'utf8')) as { $schema?: string };
    expect(raw.$schema).toBe('./scenario.schema.json');
  });

  it('runs to its end with every expectation held', () => {
    const { report } = finishedRun(file);
    expect(report.complete).toBe(true);
    expect(report.simulatedMs).toBe(report.durationMs);
    expect(report.expectations.length).toBeGreaterThan(0);
    const notHeld = report.expectations.filter((expectation) => expectation.passed !== true);
    expect(notHeld, 'expectations that did not hold').toEqual([]);
    expect(report.passed).toBe(true);
  });

  it('matches its golden digest', () => {
    const goldenPath = goldenPathOf(file);
    expect(existsSync(`${ROOT}${goldenPath}`), `${goldenPath} is missing; run \`npm run golden\` to record it`).toBe(true);
    const golden = JSON.parse(readFileSync(`${ROOT}${goldenPath}`, 'utf8')) as GoldenDigest;
    const digest = digestOf(finishedRun(file).run, `${LIBRARY_DIR}/${file}`);
    const mismatch = goldenMismatch(goldenPath, golden, digest);
    if (mismatch !== null) expect.fail(mismatch);
    // diffDigests is empty only for equal digests; this backs it up field by field.
    expect(digest).toEqual(golden);
  });

  it('gives the same trace on a second run with the same seed', () => {
    const again = new ScenarioRun(load(file)).runToEnd();
    const first = finishedRun(file).report;
    expect(again.traceHash).toBe(first.traceHash);
    expect(again.events).toBe(first.events);
    expect(again).toEqual(first);
  });

  it('gives another trace with another seed (the --seed override)', () => {
    const valid = load(file);
    const seed = valid.scenario.seed + 1_000;
    const other = new ScenarioRun(valid, { seed }).runToEnd();
    expect(other.seed).toBe(seed);
    expect(other.traceHash).not.toBe(finishedRun(file).report.traceHash);
  });

  it('gives the same trace and report in 137 ms slices of at most 50 events, pauses stopping, as in one go', () => {
    const valid = load(file);
    const sliced = runInSlices(valid, { sliceUs: 137_000, maxEvents: 50, pauses: 'stop' });
    const whole = finishedRun(file).report;
    expect(sliced.report.traceHash).toBe(whole.traceHash);
    expect(sliced.report).toEqual(whole);
    // Every presenter pause stopped the sliced run once.
    expect(sliced.pausesStopped).toBe(valid.scenario.timeline.filter((step) => step.pause !== undefined).length);
  });
});

describe('the golden digests', () => {
  it('exist only for scenarios of the library (no stale digest is left behind)', () => {
    const goldens = readdirSync(`${ROOT}${GOLDEN_DIR}`).filter((file) => file.endsWith('.json')).sort();
    expect(goldens).toEqual(scenarioFiles.map((file) => goldenPathOf(file).slice(GOLDEN_DIR.length + 1)).sort());
  });

  it('catch a change in behaviour and say how to accept it on purpose', () => {
    const file = scenarioFiles[0]!;
    const digest = digestOf(finishedRun(file).run, `${LIBRARY_DIR}/${file}`);
    const tampered: GoldenDigest = { ...digest, traceHash: '0000000000000000', events: digest.events + 1, story: digest.story.slice(1) };
    const mismatch = goldenMismatch('golden.json', tampered, digest);
    expect(mismatch).not.toBeNull();
    expect(mismatch).toContain(`traceHash: 0000000000000000 → ${digest.traceHash}`);
    expect(mismatch).toContain(`events: ${digest.events + 1} → ${digest.events}`);
    expect(mismatch).toContain(`+ story: ${digest.story[0]}`);
    expect(mismatch).toContain('npm run golden');
    expect(goldenMismatch('golden.json', digest, { ...digest })).toBeNull();
  });

  it('catch the same story told in another order', () => {
    const file = scenarioFiles[0]!;
    const digest = digestOf(finishedRun(file).run, `${LIBRARY_DIR}/${file}`);
    expect(digest.story.length).toBeGreaterThan(2);
    const swapped = [digest.story[1]!, digest.story[0]!, ...digest.story.slice(2)];
    const diff = diffDigests({ ...digest, story: swapped }, digest);
    expect(diff).toEqual([`  ~ story: the same lines in another order, from line 1: ${digest.story[1]} → ${digest.story[0]}`]);
    const repeated = diffDigests({ ...digest, expectations: [...digest.expectations, digest.expectations[0]!] }, digest);
    expect(repeated).toHaveLength(1);
    expect(repeated[0]).toContain('~ expectations:');
  });
});
