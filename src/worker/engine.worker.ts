// The engine's Web Worker: one EngineHost, exposed with comlink on the worker's global scope.
// The page never simulates; it only sends commands and draws frames. Node tests load this same
// module in a worker_threads Worker whose global scope is given the same two methods
// (test/worker/node-worker-entry.mjs).
// Runs are saved to IndexedDB (a page reload resumes them), and so are the object store's segments
// (cold-store-idb.ts: in the session's database, out of the heap); where there is no IndexedDB (a
// browser that refuses storage, a Node worker thread) the host runs in memory and says so.
import { expose } from 'comlink';
import { IdbColdStore } from './cold-store-idb';
import { EngineHost } from './host';
import { IdbSessionStore, UnavailableSessionStore } from './sessions';

const available = typeof indexedDB !== 'undefined';
const store = available ? new IdbSessionStore() : new UnavailableSessionStore();
expose(new EngineHost(undefined, undefined, store, undefined, available ? (id, onFailure) => new IdbColdStore(id, onFailure) : null));
