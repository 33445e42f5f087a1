#!/usr/bin/env node
// Makes sure the OS's Chromium is there for the browser tests. Playwright never downloads one:
// the tests use Debian's `chromium` package at /usr/bin/chromium (or $CHROMIUM_PATH).
// Installs it with apt-get when missing and this user is root; otherwise stops and says exactly
// what to install.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function version() {
  try {
    return execFileSync(chromiumPath, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

if (existsSync(chromiumPath) && version() !== null) {
  console.log(`browser: ${version()} at ${chromiumPath}`);
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
let hasApt = false;
try {
  execFileSync('apt-get', ['--version'], { stdio: 'ignore' });
  hasApt = true;
} catch {
  hasApt = false;
}

if (!isRoot || !hasApt || process.env.CHROMIUM_PATH !== undefined) {
  console.error(
    [
      `The browser tests need Chromium at ${chromiumPath}, and it is not there.`,
      'Install it from your OS packages, for example on Debian or Ubuntu:',
      '  sudo apt-get update && sudo apt-get install -y chromium',
      'or point CHROMIUM_PATH at an existing Chromium or Chrome binary.',
      'Playwright is not allowed to download its own browser here.',
    ].join('\n'),
  );
  process.exit(1);
}

console.log('browser: Chromium is missing; installing the Debian package "chromium" (about 30 s)...');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
const installed = version();
if (installed === null) {
  console.error(`apt-get finished but ${chromiumPath} does not run; install Chromium by hand and retry.`);
  process.exit(1);
}
console.log(`browser: ${installed} at ${chromiumPath}`);
