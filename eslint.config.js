// Lint rules. The block for src/engine/ is the enforcement of the engine's purity (DESIGN.md):
// no wall clock, no Math.random, no DOM, no Node modules, no timers, no promises or await. A test
// (test/engine/purity.test.ts) proves these rules still fire, so they cannot rot silently.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const forbiddenInEngine = 'is not allowed in src/engine/: the engine is pure and deterministic (see docs/architecture.md)';

export const enginePurityRules = {
  'no-restricted-globals': [
    'error',
    ...[
      'Date',
      'performance',
      'setTimeout',
      'setInterval',
      'setImmediate',
      'clearTimeout',
      'clearInterval',
      'queueMicrotask',
      'requestAnimationFrame',
      'window',
      'document',
      'self',
      'navigator',
      'localStorage',
      'indexedDB',
      'fetch',
      'process',
      'Buffer',
      'require',
      'crypto',
      'Promise',
      'Worker',
      'postMessage',
      // Intl reads the host's locale and time zone; weak references depend on the garbage collector.
      'Intl',
      'WeakRef',
      'FinalizationRegistry',
      'eval',
      'Function',
    ].map((name) => ({ name, message: `${name} ${forbiddenInEngine}` })),
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: `Math.random ${forbiddenInEngine}; use the seeded Prng` },
    { object: 'Date', property: 'now', message: `Date.now ${forbiddenInEngine}; time arrives as an argument` },
    { object: 'globalThis', message: `globalThis ${forbiddenInEngine}` },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: 'AwaitExpression', message: `await ${forbiddenInEngine}; the engine is synchronous` },
    { selector: 'FunctionDeclaration[async=true]', message: `async functions ${forbiddenInEngine}` },
    { selector: 'ArrowFunctionExpression[async=true]', message: `async functions ${forbiddenInEngine}` },
    { selector: 'FunctionExpression[async=true]', message: `async functions ${forbiddenInEngine}` },
    { selector: 'ImportExpression', message: `dynamic import ${forbiddenInEngine}` },
    { selector: 'ForOfStatement[await=true]', message: `for await ${forbiddenInEngine}; the engine is synchronous` },
    { selector: 'VariableDeclarator[init.type="Identifier"][init.name="Math"]', message: `aliasing Math ${forbiddenInEngine}; call Math's pure functions directly` },
    { selector: 'CallExpression[callee.property.name="toLocaleString"]', message: `toLocaleString ${forbiddenInEngine}: it depends on the host's locale` },
  ],
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['node:*'], message: `Node modules ${forbiddenInEngine}` },
        { group: ['fs', 'path', 'os', 'crypto', 'worker_threads', 'child_process', 'events', 'util', 'url'], message: `Node modules ${forbiddenInEngine}` },
        { group: ['react', 'react-*', 'comlink', 'idb', 'xstate', '@xstate/*'], message: `UI and host libraries ${forbiddenInEngine}` },
        { group: ['**/ui/**', '**/worker/**', '**/cli/**'], message: `the engine must not import the layers above it` },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  {
    files: ['src/engine/**/*.ts'],
    languageOptions: { globals: {} },
    rules: enginePurityRules,
  },
);
