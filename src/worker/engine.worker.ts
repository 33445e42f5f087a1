// The engine's Web Worker: one EngineHost, exposed with comlink on the worker's global scope.
// The page never simulates; it only sends commands and draws frames. Node tests load this same
// module in a worker_threads Worker whose global scope is given the same two methods
// (test/worker/node-worker-entry.mjs).
// Runs are saved to IndexedDB (a page reload resumes them); where there is none (a browser that
// refuses storage, a Node worker thread) the host runs in memory and says so.
import { expose } from 'comlink';
import { EngineHost } from './host';
import { IdbSessionStore, UnavailableSessionStore } from './sessions';

const store = typeof indexedDB === 'undefined' ? new UnavailableSessionStore() : new IdbSessionStore();
expose(new EngineHost(undefined, undefined, store));
