// Saved sessions: what a page reload needs to resume a run, kept in IndexedDB by the worker.
//
// A run is deterministic, so a session is small: what was run (a free cluster's config or a
// scenario's text), the seed, the person's actions with the simulated moment of each (time and
// event count), and how far the run had got. Resuming rebuilds the engine and replays the actions
// at their moments (see EngineHost.resumeSession); the trace hash saved with the progress proves
// the replay reached the same state.
//
// Layout, so a person can find it in the browser's developer tools (Application > IndexedDB):
//   kora-playground                       one store, "sessions": each session's SessionMeta
//   kora-playground-session-<id>          one database per session, store "inputs": its actions,
//                                         and store "objects": the object store's bodies, encoded
//                                         (cold-store-idb.ts writes them behind the run)
// Writes are made behind the simulation (the host never waits for them); a failure is reported,
// never thrown into the run. Records read back are checked: a damaged one is refused by name.
//
// Never: imported by the engine (it is the host's business), or trusted without checking.

import { deleteDB, openDB, type IDBPDatabase } from 'idb';

export const INDEX_DB_NAME = 'kora-playground';
export const SESSION_DB_PREFIX = 'kora-playground-session-';
/** Sessions kept at most: starting one more deletes the oldest. */
export const SESSIONS_KEPT_MAX = 30;
/** Actions a session keeps at most (the engine records as many). */
export const SESSION_INPUTS_MAX = 100_000;

export type SessionSource =
  | { readonly kind: 'free'; readonly config: unknown }
  | { readonly kind: 'scenario'; readonly id: string | null; readonly text: string };

export interface SessionProgress {
  /** Wall-clock time of the last save (ms since 1970), for the session list. */
  readonly savedAtMs: number;
  readonly simulatedUs: number;
  /** Events the engine had processed: the exact moment, as time alone may fall between events. */
  readonly events: number;
  readonly traceHash: string;
  readonly inputs: number;
}

export interface SessionMeta extends SessionProgress {
  readonly id: string;
  /** The scenario's name, or "Free play". */
  readonly name: string;
  readonly createdAtMs: number;
  readonly source: SessionSource;
  readonly seed: number;
}

/** One action a person took, at the moment they took it. */
export interface SessionInput {
  readonly atUs: number;
  readonly events: number;
  readonly fault: unknown;
}

export interface SessionStore {
  create(meta: SessionMeta): Promise<void>;
  appendInput(id: string, index: number, input: SessionInput): Promise<void>;
  saveProgress(id: string, progress: SessionProgress): Promise<void>;
  /** Newest first. */
  list(): Promise<SessionMeta[]>;
  load(id: string): Promise<{ meta: SessionMeta; inputs: SessionInput[] }>;
  remove(id: string): Promise<void>;
}

/** A saved record that does not hold what it should; the session cannot be resumed. */
export class DamagedSessionError extends Error {
  constructor(
    readonly sessionId: string,
    what: string,
  ) {
    super(`the saved session ${sessionId} is damaged (${what}); it cannot be resumed: delete it from the session list`);
  }
}

export class MissingSessionError extends Error {
  constructor(readonly sessionId: string) {
    super(`no saved session "${sessionId}" in this browser (sessions are kept per browser, at most ${SESSIONS_KEPT_MAX})`);
  }
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Checks a meta record read back; returns it typed, or throws DamagedSessionError naming the field. */
export function checkMeta(id: string, record: unknown): SessionMeta {
  if (typeof record !== 'object' || record === null) throw new DamagedSessionError(id, 'its record is not an object');
  const meta = record as Record<string, unknown>;
  for (const field of ['createdAtMs', 'savedAtMs', 'simulatedUs', 'events', 'seed', 'inputs'] as const) {
    if (!isNumber(meta[field]) || (meta[field] as number) < 0) throw new DamagedSessionError(id, `"${field}" is ${JSON.stringify(meta[field])}, not a number ≥ 0`);
  }
  if (meta.id !== id) throw new DamagedSessionError(id, `its id says ${JSON.stringify(meta.id)}`);
  if (typeof meta.name !== 'string' || typeof meta.traceHash !== 'string') throw new DamagedSessionError(id, 'its name or trace hash is not text');
  const source = meta.source as Record<string, unknown> | null | undefined;
  if (typeof source !== 'object' || source === null) throw new DamagedSessionError(id, 'it does not say what ran');
  if (source.kind === 'scenario') {
    if (typeof source.text !== 'string') throw new DamagedSessionError(id, "its scenario's text is missing");
  } else if (source.kind !== 'free') {
    throw new DamagedSessionError(id, `its source kind is ${JSON.stringify(source.kind)}`);
  }
  return meta as unknown as SessionMeta;
}

function checkInput(id: string, index: number, record: unknown): SessionInput {
  const input = record as Record<string, unknown> | null;
  if (typeof input !== 'object' || input === null || !isNumber(input.atUs) || !isNumber(input.events) || typeof input.fault !== 'object' || input.fault === null) {
    throw new DamagedSessionError(id, `action ${index + 1} is not a time, an event count and a fault`);
  }
  return input as unknown as SessionInput;
}

/** Version 2 added the "objects" store (cold bytes); version 1 databases are upgraded in place. */
export const SESSION_DB_VERSION = 2;

/**
 * Opens a session's own database, creating its stores. A connection closes itself when another
 * wants to delete or upgrade the database (deleting a session must never wait on a run's writer).
 */
export function openSessionDb(id: string): Promise<IDBPDatabase> {
  return openDB(`${SESSION_DB_PREFIX}${id}`, SESSION_DB_VERSION, {
    upgrade(db) {
      if (!db.objectStoreNames.contains('inputs')) db.createObjectStore('inputs');
      if (!db.objectStoreNames.contains('objects')) db.createObjectStore('objects');
    },
    blocking(_current, _next, event) {
      (event.target as IDBDatabase).close();
    },
  });
}

/** The sessions in IndexedDB (the browser's, or fake-indexeddb's in Node). */
export class IdbSessionStore implements SessionStore {
  private index: Promise<IDBPDatabase> | null = null;

  /** Opens the index database; rejects when IndexedDB is not available here (private mode, a sandbox). */
  private openIndex(): Promise<IDBPDatabase> {
    this.index ??= openDB(INDEX_DB_NAME, 1, {
      upgrade(db) {
        db.createObjectStore('sessions', { keyPath: 'id' });
      },
    }).catch((error: unknown) => {
      this.index = null;
      throw error;
    });
    return this.index;
  }

  private openSession(id: string): Promise<IDBPDatabase> {
    return openSessionDb(id);
  }

  async create(meta: SessionMeta): Promise<void> {
    const index = await this.openIndex();
    await index.put('sessions', meta);
    const session = await this.openSession(meta.id);
    session.close();
    const all = await this.list();
    for (const old of all.slice(SESSIONS_KEPT_MAX)) await this.remove(old.id);
  }

  async appendInput(id: string, position: number, input: SessionInput): Promise<void> {
    if (position >= SESSION_INPUTS_MAX) throw new Error(`a session keeps at most ${SESSION_INPUTS_MAX} actions`);
    const session = await this.openSession(id);
    try {
      await session.put('inputs', input, position);
    } finally {
      session.close();
    }
  }

  async saveProgress(id: string, progress: SessionProgress): Promise<void> {
    const index = await this.openIndex();
    const tx = index.transaction('sessions', 'readwrite');
    const meta = (await tx.store.get(id)) as SessionMeta | undefined;
    if (meta !== undefined) await tx.store.put({ ...meta, ...progress });
    await tx.done;
  }

  async list(): Promise<SessionMeta[]> {
    const index = await this.openIndex();
    const records = (await index.getAll('sessions')) as unknown[];
    const sessions: SessionMeta[] = [];
    for (const record of records) {
      const id = (record as { id?: unknown } | null)?.id;
      try {
        sessions.push(checkMeta(String(id), record));
      } catch {
        // A damaged record is listed by load(), which names the problem; the list shows the rest.
      }
    }
    return sessions.sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  async load(id: string): Promise<{ meta: SessionMeta; inputs: SessionInput[] }> {
    const index = await this.openIndex();
    const record: unknown = await index.get('sessions', id);
    if (record === undefined) throw new MissingSessionError(id);
    const meta = checkMeta(id, record);
    const session = await this.openSession(id);
    try {
      const records = (await session.getAll('inputs')) as unknown[];
      if (records.length < meta.inputs) throw new DamagedSessionError(id, `it lists ${meta.inputs} actions but holds ${records.length}`);
      return { meta, inputs: records.slice(0, meta.inputs).map((input, position) => checkInput(id, position, input)) };
    } finally {
      session.close();
    }
  }

  async remove(id: string): Promise<void> {
    const index = await this.openIndex();
    await index.delete('sessions', id);
    await deleteDB(`${SESSION_DB_PREFIX}${id}`);
  }
}

/** Where IndexedDB does not exist at all: every call fails, and says so, so the page can tell the person. */
export class UnavailableSessionStore implements SessionStore {
  private fail(): Promise<never> {
    const error = new Error('IndexedDB does not exist in this browser context');
    error.name = 'UnavailableError';
    return Promise.reject(error);
  }

  create(): Promise<void> {
    return this.fail();
  }
  appendInput(): Promise<void> {
    return this.fail();
  }
  saveProgress(): Promise<void> {
    return this.fail();
  }
  list(): Promise<SessionMeta[]> {
    return this.fail();
  }
  load(): Promise<{ meta: SessionMeta; inputs: SessionInput[] }> {
    return this.fail();
  }
  remove(): Promise<void> {
    return this.fail();
  }
}

/** Words for a storage failure, for the page: what happened, what it means, what to do. */
export function describeStorageFailure(error: unknown): string {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'QuotaExceededError') {
    return 'Saving stopped: the browser refused more storage (QuotaExceededError). The simulation goes on in memory; delete old sessions to save again.';
  }
  if (name === 'InvalidStateError' || name === 'SecurityError' || name === 'UnknownError' || name === 'UnavailableError') {
    return `Sessions are not saved: this browser does not allow IndexedDB here (${name}; private browsing?). The simulation runs in memory only.`;
  }
  return `Saving stopped: ${message}. The simulation goes on in memory.`;
}
