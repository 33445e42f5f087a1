#!/usr/bin/env node
// The command-line entry: compiles the TypeScript CLI on the fly with tsx (a dependency), so
// `npx kora-playground ...` works right after `npm install`, with no build step.
import { tsImport } from 'tsx/esm/api';

const { main, nodeIo } = await tsImport('../src/cli/main.ts', import.meta.url);
process.exitCode = main(process.argv.slice(2), nodeIo());
