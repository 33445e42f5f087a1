// Goal: `kora-playground compare FILE --set PATH=A,B` runs one scenario once per value and shows
// the variants side by side: each expectation's verdict with the value it saw, then key metrics;
// --json gives one object with every variant's whole report; it exits 0 even where a variant
// breaks an expectation (showing that is its job), and 2 on a bad --set, naming what is wrong.
// Method: main() with a fake CliIo (files from memory or the repository), as cli.test.ts does; the
// library's ISR-vs-quorum lesson is the real comparison.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMPARE_VARIANTS_MAX, EXIT_BAD_INPUT, EXIT_OK, main, type CliIo } from '../../src/cli/main';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STRAGGLER = 'public/scenarios/isr-vs-quorum-straggler.json';

function cli(argv: readonly string[], files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    errIsTty: false,
    readFile: (path) => files[path] ?? readFileSync(`${ROOT}${path}`, 'utf8'),
    nowMs: () => 0,
  };
  const code = main(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Two brokers, and an expectation on the broker count: it holds for brokers=2 and not for 3. */
const SMALL = JSON.stringify({
  name: 'Two brokers',
  seed: 4,
  duration: '3s',
  cluster: { zones: 1, controllers: 1, brokers: 2 },
  expectations: [{ name: 'two brokers are active', metric: 'ActiveBrokerCount', op: '==', value: 2, by: '3s' }],
});

const STRAGGLER_SMALL = 'small-topic.json';
const SMALL_WITH_TOPIC = JSON.stringify({
  name: 'Three brokers and a topic',
  seed: 4,
  duration: '2s',
  cluster: { zones: 1, controllers: 1, brokers: 3 },
  topics: [{ name: 'orders', partitions: 1, replicationFactor: 1 }],
});

describe('kora-playground compare', () => {
  it('runs the straggler lesson with ISR and with a majority quorum, side by side', () => {
    const { code, stdout } = cli(['compare', STRAGGLER, '--set', 'dataReplication=isr,quorum']);
    expect(code).toBe(EXIT_OK);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`Comparison: ISR or majority quorum: a straggler, then two of three down  (${STRAGGLER}), seed 21`);
    expect(lines[2]).toMatch(/^\s+dataReplication=isr\s+dataReplication=quorum$/);
    const row = (name: string) => lines.find((line) => line.startsWith(name))!.slice(name.length).trim().split(/\s{3,}/);
    // ISR waits for the straggler (seconds); the quorum does not (milliseconds).
    const [isrP99, quorumP99] = row('produce p99 over the straggling window (ms)');
    expect(isrP99).toMatch(/^✗ \d+/);
    expect(quorumP99).toMatch(/^✓ \d+/);
    expect(Number(isrP99!.slice(2))).toBeGreaterThan(5_000);
    expect(Number(quorumP99!.slice(2))).toBeLessThan(100);
    // Two of three down: ISR keeps a leader; the quorum has none.
    expect(row('two of three down: orders-0 has no leader')).toEqual(['✗ 0', '✓ 1']);
    expect(row('no acknowledged record is ever lost')).toEqual(['✓ 0', '✓ 0']);
    expect(row('  OfflinePartitionsCount')).toEqual(['0', '1']);
  });

  it('prints one JSON object with every variant\'s report with --json', () => {
    const { code, stdout } = cli(['compare', 'small.json', '--set', 'brokers=2,3', '--json'], { 'small.json': SMALL });
    expect(code).toBe(EXIT_OK);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(stdout) as { file: string; variants: { label: string; report: { passed: boolean; metrics: Record<string, number> } }[] };
    expect(parsed.file).toBe('small.json');
    expect(parsed.variants.map((variant) => variant.label)).toEqual(['brokers=2', 'brokers=3']);
    expect(parsed.variants.map((variant) => variant.report.metrics.ActiveBrokerCount)).toEqual([2, 3]);
    expect(parsed.variants.map((variant) => variant.report.passed)).toEqual([true, false]);
  });

  it('combines several --set flags, and takes a top-level field (seed) as itself', () => {
    const { code, stdout } = cli(['compare', 'small.json', '--set', 'brokers=2,3', '--set', 'seed=4,5', '--json'], { 'small.json': SMALL });
    expect(code).toBe(EXIT_OK);
    const parsed = JSON.parse(stdout) as { variants: { label: string; report: { seed: number } }[] };
    expect(parsed.variants.map((variant) => variant.label)).toEqual(['brokers=2 seed=4', 'brokers=2 seed=5', 'brokers=3 seed=4', 'brokers=3 seed=5']);
    expect(parsed.variants.map((variant) => variant.report.seed)).toEqual([4, 5, 4, 5]);
  });

  it('takes Kafka setting names whole under "config", and list items by index', () => {
    const { code, stdout } = cli(
      ['compare', STRAGGLER_SMALL, '--set', 'config.replica.lag.time.max.ms=5000,20000', '--set', 'topics.0.replicationFactor=3', '--json'],
      { [STRAGGLER_SMALL]: SMALL_WITH_TOPIC },
    );
    expect(code).toBe(EXIT_OK);
    const parsed = JSON.parse(stdout) as { variants: { label: string }[] };
    expect(parsed.variants.map((variant) => variant.label)).toEqual([
      'config.replica.lag.time.max.ms=5000 topics.0.replicationFactor=3',
      'config.replica.lag.time.max.ms=20000 topics.0.replicationFactor=3',
    ]);
    const tooMany = cli(['compare', STRAGGLER_SMALL, '--set', 'topics.0.replicationFactor=4'], { [STRAGGLER_SMALL]: SMALL_WITH_TOPIC });
    expect(tooMany.code).toBe(EXIT_BAD_INPUT);
    expect(tooMany.stderr).toContain('topics[0].replicationFactor');
  });

  it('refuses a --set without values, a value the scenario does not allow, or too many variants, with exit 2', () => {
    const noValue = cli(['compare', 'small.json', '--set', 'brokers'], { 'small.json': SMALL });
    expect(noValue.code).toBe(EXIT_BAD_INPUT);
    expect(noValue.stderr).toContain('--set: got "brokers"; expected PATH=VALUE[,VALUE...]');
    const noSet = cli(['compare', 'small.json'], { 'small.json': SMALL });
    expect(noSet.code).toBe(EXIT_BAD_INPUT);
    expect(noSet.stderr).toContain('compare needs at least one --set PATH=A,B');
    const badValue = cli(['compare', 'small.json', '--set', 'dataReplication=isr,raft'], { 'small.json': SMALL });
    expect(badValue.code).toBe(EXIT_BAD_INPUT);
    expect(badValue.stderr).toContain('small.json with dataReplication=raft');
    expect(badValue.stderr).toContain('cluster.dataReplication');
    const many = cli(['compare', 'small.json', '--set', 'brokers=1,2,3', '--set', 'seed=1,2,3'], { 'small.json': SMALL });
    expect(many.code).toBe(EXIT_BAD_INPUT);
    expect(many.stderr).toContain(`compare runs at most ${COMPARE_VARIANTS_MAX} variants; these --set values make 9`);
  });
});
