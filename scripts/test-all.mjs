#!/usr/bin/env node
// `npm test`: every check, in order, stopping at the first stage that fails:
//   typecheck, lint (engine purity included), unit and scenario tests in Node (vitest),
//   then the page built and driven in real Chromium (Playwright).
// Ends with one plain line, "tests: N passed, N failed", counted from both runners' JSON reports.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const VITEST_JSON = '.vitest-results.json';
const PLAYWRIGHT_JSON = '.playwright-results.json';

const stages = [
  { name: 'typecheck', command: ['npx', 'tsc', '-p', 'tsconfig.json', '--noEmit'] },
  { name: 'lint', command: ['npx', 'eslint', '.', '--max-warnings', '0'] },
  {
    name: 'unit and scenario tests (Node)',
    command: ['npx', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${VITEST_JSON}`],
  },
  { name: 'browser present', command: ['node', 'scripts/ensure-chromium.mjs'] },
  { name: 'build', command: ['npx', 'vite', 'build', '--logLevel', 'warn'] },
  { name: 'end-to-end tests (Chromium)', command: ['npx', 'playwright', 'test'] },
];

function counts() {
  let passed = 0;
  let failed = 0;
  if (existsSync(VITEST_JSON)) {
    const report = JSON.parse(readFileSync(VITEST_JSON, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
  }
  if (existsSync(PLAYWRIGHT_JSON)) {
    const stats = JSON.parse(readFileSync(PLAYWRIGHT_JSON, 'utf8')).stats ?? {};
    passed += stats.expected ?? 0;
    failed += (stats.unexpected ?? 0) + (stats.flaky ?? 0);
  }
  return { passed, failed };
}

rmSync(VITEST_JSON, { force: true });
rmSync(PLAYWRIGHT_JSON, { force: true });
const started = Date.now();
let failedStage = null;
for (const stage of stages) {
  console.log(`\n── ${stage.name} ─────────────────────────────────────────────`);
  const result = spawnSync(stage.command[0], stage.command.slice(1), { stdio: 'inherit' });
  if (result.status !== 0) {
    failedStage = stage.name;
    break;
  }
}
const { passed, failed } = counts();
const seconds = Math.round((Date.now() - started) / 1000);
console.log('');
if (failedStage !== null) {
  console.log(`npm test: the stage "${failedStage}" failed after ${seconds}s; the stages after it did not run.`);
  console.log(`tests: ${passed} passed, ${Math.max(failed, 1)} failed`);
  process.exit(1);
}
console.log(`npm test: every stage passed in ${seconds}s.`);
console.log(`tests: ${passed} passed, ${failed} failed`);
