// `npm run golden`: re-records the golden digest of every scenario in the library, on purpose,
// and prints what changed. Review the changes, then commit them with the change that caused them.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { diffDigests, digestOf, type GoldenDigest } from '../src/engine/scenario/golden';
import { ScenarioRun } from '../src/engine/scenario/runner';
import { parseScenarioText } from '../src/engine/scenario/validate';

export const LIBRARY_DIR = 'public/scenarios';
export const GOLDEN_DIR = 'test/golden';

let changed = 0;
for (const file of readdirSync(LIBRARY_DIR).filter((name) => name.endsWith('.json') && !name.endsWith('.schema.json') && name !== 'index.json').sort()) {
  const path = `${LIBRARY_DIR}/${file}`;
  const run = new ScenarioRun(parseScenarioText(readFileSync(path, 'utf8'), path));
  run.runToEnd();
  const digest = digestOf(run, path);
  const goldenPath = `${GOLDEN_DIR}/${basename(file, '.json')}.golden.json`;
  const before: GoldenDigest | null = existsSync(goldenPath) ? JSON.parse(readFileSync(goldenPath, 'utf8')) : null;
  const diff = before === null ? ['  (new)'] : diffDigests(before, digest);
  if (diff.length > 0) {
    changed++;
    console.log(`${goldenPath}:\n${diff.join('\n')}`);
  }
  writeFileSync(goldenPath, `${JSON.stringify(digest, null, 2)}\n`);
}
console.log(changed === 0 ? 'golden digests unchanged' : `${changed} golden digest(s) re-recorded: review the changes above before committing`);
