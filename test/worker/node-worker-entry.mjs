// Loads src/worker/engine.worker.ts, unchanged, inside a Node worker_threads Worker. A browser
// worker's global scope has postMessage and addEventListener("message"); here they come from
// comlink's Node adapter over parentPort, so the worker module's `expose(host)` works as it does
// in the page. tsx's loader, registered for this thread, compiles the TypeScript on import.
import { parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { tsImport } from 'tsx/esm/api';

const endpoint = nodeEndpoint(parentPort);
globalThis.postMessage = (message, transfer) => endpoint.postMessage(message, transfer);
globalThis.addEventListener = (type, handler) => endpoint.addEventListener(type, handler);
globalThis.removeEventListener = (type, handler) => endpoint.removeEventListener(type, handler);

await tsImport('../../src/worker/engine.worker.ts', import.meta.url);
