// Goal: the lint rules that keep src/engine/ pure (no wall clock, no Math.random, no timers, no
// promises, no Node or UI imports, no DOM) really fire, so they cannot rot silently; they do not
// fire on ordinary engine code or outside the engine; and the real engine tree passes them.
// Method: ESLint's Node API with the repository's own eslint.config.js, linting small snippets
// as if they lived at src/engine/sim/example.ts (and at src/ui/x.ts for contrast), then the tree.

import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ENGINE_FILE = 'src/engine/sim/example.ts';
const UI_FILE = 'src/ui/x.ts';
const PURITY_RULES = new Set(['no-restricted-globals', 'no-restricted-properties', 'no-restricted-syntax', 'no-restricted-imports']);

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: process.cwd() });
});

interface Finding {
  readonly ruleId: string | null;
  readonly message: string;
  readonly severity: number;
}

async function lint(code: string, filePath: string): Promise<Finding[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map(({ ruleId, message, severity }) => ({ ruleId, message, severity }));
}

async function purityFindings(code: string, filePath = ENGINE_FILE): Promise<Finding[]> {
  return (await lint(code, filePath)).filter((finding) => finding.ruleId !== null && PURITY_RULES.has(finding.ruleId));
}

// Each snippet is otherwise clean TypeScript, so the only findings expected are the purity rule's.
const forbidden: readonly [name: string, code: string, rule: string, says: string | RegExp][] = [
  ['Date.now()', 'export const nowMs = (): number => Date.now();\n', 'no-restricted-properties', 'Date.now is not allowed in src/engine/'],
  ['new Date()', 'export const stamp = (): string => new Date().toISOString();\n', 'no-restricted-globals', 'Date is not allowed in src/engine/'],
  ['Math.random()', 'export const coin = (): boolean => Math.random() < 0.5;\n', 'no-restricted-properties', /Math\.random is not allowed in src\/engine\/.*; use the seeded Prng/],
  ['performance.now()', 'export const t = (): number => performance.now();\n', 'no-restricted-globals', 'performance is not allowed in src/engine/'],
  ['setTimeout', 'export function later(run: () => void): void {\n  setTimeout(run, 10);\n}\n', 'no-restricted-globals', 'setTimeout is not allowed in src/engine/'],
  ['an async function', 'export async function load(): Promise<number> {\n  return 1;\n}\n', 'no-restricted-syntax', 'async functions is not allowed in src/engine/'],
  ['an async arrow', 'export const load = async (): Promise<number> => 1;\n', 'no-restricted-syntax', 'async functions is not allowed in src/engine/'],
  ['an async method', 'export class Store {\n  async read(): Promise<number> {\n    return 1;\n  }\n}\n', 'no-restricted-syntax', 'async functions is not allowed in src/engine/'],
  ['await', 'export const value = await Promise.resolve(1);\n', 'no-restricted-syntax', /await is not allowed in src\/engine\/.*; the engine is synchronous/],
  ['a dynamic import', "export const lazy = (): unknown => import('./other');\n", 'no-restricted-syntax', 'dynamic import is not allowed in src/engine/'],
  ["import from 'node:fs'", "import { readFileSync } from 'node:fs';\nexport const read = (path: string): string => readFileSync(path, 'utf8');\n", 'no-restricted-imports', 'Node modules is not allowed in src/engine/'],
  ["import from 'fs'", "import { readFileSync } from 'fs';\nexport const read = (path: string): string => readFileSync(path, 'utf8');\n", 'no-restricted-imports', 'Node modules is not allowed in src/engine/'],
  ["import 'react'", "import { useState } from 'react';\nexport const hook = useState;\n", 'no-restricted-imports', 'UI and host libraries is not allowed in src/engine/'],
  ["import 'react-dom/client'", "import { createRoot } from 'react-dom/client';\nexport const root = createRoot;\n", 'no-restricted-imports', 'UI and host libraries is not allowed in src/engine/'],
  ['an import from the UI layer', "import { App } from '../../ui/App';\nexport const app = App;\n", 'no-restricted-imports', 'the engine must not import the layers above it'],
  ['document', "export const title = (): string => document.title;\n", 'no-restricted-globals', 'document is not allowed in src/engine/'],
  ['window', 'export const width = (): number => window.innerWidth;\n', 'no-restricted-globals', 'window is not allowed in src/engine/'],
  ['process.env', "export const debug = (): boolean => process.env.DEBUG === '1';\n", 'no-restricted-globals', 'process is not allowed in src/engine/'],
  ['crypto.getRandomValues', 'export const bytes = (): Uint8Array => crypto.getRandomValues(new Uint8Array(4));\n', 'no-restricted-globals', 'crypto is not allowed in src/engine/'],
  ['globalThis', 'export const g = (): unknown => globalThis.structuredClone;\n', 'no-restricted-properties', 'globalThis is not allowed in src/engine/'],
  ['for await', 'export function drain(items: Iterable<number>): void {\n  void (async () => {\n    for await (const item of items) void item;\n  });\n}\n', 'no-restricted-syntax', /for await is not allowed in src\/engine\//],
  ['Intl', "export const day = (): string => new Intl.DateTimeFormat('en').format(0);\n", 'no-restricted-globals', 'Intl is not allowed in src/engine/'],
  ['an alias of Math', 'const m = Math;\nexport const coin = (): number => m.random();\n', 'no-restricted-syntax', /aliasing Math is not allowed in src\/engine\//],
  ['toLocaleString', 'export const label = (n: number): string => n.toLocaleString();\n', 'no-restricted-syntax', /toLocaleString is not allowed in src\/engine\//],
  ['WeakRef', 'export const ref = (o: object): unknown => new WeakRef(o);\n', 'no-restricted-globals', 'WeakRef is not allowed in src/engine/'],
  ['eval', "export const run = (): unknown => eval('1');\n", 'no-restricted-globals', 'eval is not allowed in src/engine/'],
];

describe('engine purity rules', () => {
  it.each(forbidden)('flag %s in src/engine/', async (_name, code, rule, says) => {
    const findings = await purityFindings(code);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.map((finding) => finding.ruleId)).toContain(rule);
    expect(findings.every((finding) => finding.severity === 2)).toBe(true);
    const messages = findings.map((finding) => finding.message).join('\n');
    if (typeof says === 'string') expect(messages).toContain(says);
    else expect(messages).toMatch(says);
  });

  it('do not flag ordinary engine code', async () => {
    const code = [
      "import type { Effects, Message } from '../sim/process';",
      "import { Prng } from './prng';",
      '',
      'export class Ticker {',
      '  private readonly prng = new Prng(1).fork("ticker");',
      '  private readonly seen = new Map<string, number>();',
      '',
      '  tick(fx: Effects<Message>): number {',
      '    const delayUs = Math.max(1, Math.floor(this.prng.int(1_000) / 2));',
      '    this.seen.set(fx.self, (this.seen.get(fx.self) ?? 0) + 1);',
      "    fx.setTimer('tick', delayUs);",
      '    return [...this.seen.values()].reduce((sum, count) => sum + count, 0);',
      '  }',
      '}',
      '',
    ].join('\n');
    expect(await lint(code, ENGINE_FILE)).toEqual([]);
  });

  it('do not apply outside src/engine/: the same snippets are allowed in src/ui/', async () => {
    for (const [name, code] of forbidden) {
      expect(await purityFindings(code, UI_FILE), name).toEqual([]);
    }
    // The whole lint of a UI file with Math.random and Date.now is clean.
    expect(await lint('export const jitter = (): number => Math.random() * Date.now();\n', UI_FILE)).toEqual([]);
  });

  it('pass on the real src/engine tree with no errors or warnings', async () => {
    const results = await eslint.lintFiles(['src/engine']);
    expect(results.length).toBeGreaterThanOrEqual(12);
    const findings = results.flatMap((result) => result.messages.map((message) => `${result.filePath}:${message.line} ${message.ruleId} ${message.message}`));
    expect(findings).toEqual([]);
  }, 120_000); // linting the whole engine with type information: ~8 s on a quiet host, past 30 s beside other suites on a loaded one
});
