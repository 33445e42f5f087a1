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

/**
 * Lines that differ between two digests, as "- old" / "+ new", for a person to review; empty only
 * when the digests are equal. The same lines in another order (two processes noticing a crash in
 * the other order) are a change too, shown as "~".
 */
export function diffDigests(before: GoldenDigest, after: GoldenDigest): string[] {
  const lines: string[] = [];
  for (const key of ['scenario', 'seed', 'traceHash', 'events', 'simulatedMs'] as const) {
    if (before[key] !== after[key]) lines.push(`  ${key}: ${String(before[key])} → ${String(after[key])}`);
  }
  for (const key of ['story', 'expectations'] as const) {
    const old = new Set(before[key]);
    const fresh = new Set(after[key]);
    const removed = before[key].filter((line) => !fresh.has(line));
    const added = after[key].filter((line) => !old.has(line));
    for (const line of removed) lines.push(`  - ${key}: ${line}`);
    for (const line of added) lines.push(`  + ${key}: ${line}`);
    if (removed.length === 0 && added.length === 0) {
      const index = before[key].findIndex((line, i) => line !== after[key][i]);
      const moved = index === -1 && before[key].length !== after[key].length ? before[key].length : index;
      if (moved !== -1) {
        lines.push(`  ~ ${key}: the same lines in another order, from line ${moved + 1}: ${before[key][moved] ?? '(none)'} → ${after[key][moved] ?? '(none)'}`);
      }
    }
  }
  return lines;
}
