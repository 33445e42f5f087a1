// The engine's Web Worker: one EngineHost, exposed with comlink on the worker's global scope.
// The page never simulates; it only sends commands and draws frames. Node tests load this same
// module in a worker_threads Worker whose global scope is given the same two methods
// (test/worker/node-worker-entry.mjs).
import { expose } from 'comlink';
import { EngineHost } from './host';

expose(new EngineHost());
