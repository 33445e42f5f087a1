// Golden digests of scenario runs: the trace hash plus a short, human-readable summary, so that a
// change in behaviour fails a test and shows what changed, not just that a hash moved.
import type { ScenarioRun } from './runner';
import { formatClock } from '../sim/time';

/** Notable events kept in a digest: enough to read the story of a run, small enough to review. */
export const GOLDEN_NOTABLE_MAX = 80;

export interface GoldenDigest {
  readonly scenario: string;
  readonly seed: number;
  readonly traceHash: string;
  readonly events: number;
  readonly simulatedMs: number;
  /** "0:10.000 cut zone-b off from the rest of the network", ... */
  readonly story: readonly string[];
  readonly expectations: readonly string[];
}

export function digestOf(run: ScenarioRun, scenarioFile: string): GoldenDigest {
  const report = run.report();
  const story = run.engine
    .notableLog()
    .filter((entry) => entry.kind !== 'start')
    .slice(0, GOLDEN_NOTABLE_MAX)
    .map((entry) => `${formatClock(entry.timeUs)} ${entry.label}`);
  return {
    scenario: scenarioFile,
    seed: report.seed,
    traceHash: report.traceHash,
    events: report.events,
    simulatedMs: report.simulatedMs,
    story,
    expectations: report.expectations.map((expectation) => `${expectation.passed === true ? 'pass' : expectation.passed === false ? 'FAIL' : 'undecided'}: ${expectation.name}`),
  };
}

/** Lines that differ between two digests, as "- old" / "+ new", for a person to review. */
export function diffDigests(before: GoldenDigest, after: GoldenDigest): string[] {
  const lines: string[] = [];
  for (const key of ['seed', 'traceHash', 'events', 'simulatedMs'] as const) {
    if (before[key] !== after[key]) lines.push(`  ${key}: ${String(before[key])} → ${String(after[key])}`);
  }
  for (const key of ['story', 'expectations'] as const) {
    const old = new Set(before[key]);
    const fresh = new Set(after[key]);
    for (const line of before[key]) if (!fresh.has(line)) lines.push(`  - ${key}: ${line}`);
    for (const line of after[key]) if (!old.has(line)) lines.push(`  + ${key}: ${line}`);
  }
  return lines;
}
