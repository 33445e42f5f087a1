// The engine's ColdStore in IndexedDB: the object store's bodies (encoded segments) of one saved
// session, in its own database `kora-playground-session-<id>`, store "objects" (key -> bytes), where
// a person finds them in the browser's developer tools (Application > IndexedDB).
//
// Writes go behind the simulation: put and delete only note the change (the latest per key wins)
// and a flush, started after the current slice of work, writes up to COLD_WRITE_BATCH_MAX changes
// per transaction until none are left. The engine never waits for a write. What is not written yet
// is still readable at once (readNow), so a body read back soon after its upload never waits
// either. Bytes waiting to be written are bounded: beyond COLD_WRITE_BEHIND_BYTES_MAX the host stops
// running until the writes catch up (backpressure: `backlogBytes`, `flush`), so the heap stays
// bounded however slow IndexedDB is. Reads the engine asks for (Engine.coldWaiting) are `load`ed.
//
// Orphans: a rewind that branches (and a resume) leaves keys the abandoned future wrote; the host
// asks `prune` to delete every key its engine no longer has (Engine.coldKeyLive), behind the run
// like any other change. A key the new future writes again is simply put again.
//
// Bad conditions, as sessions.ts handles them: a write that fails (QuotaExceededError, IndexedDB
// gone) stops writing, says why once (`onFailure`), and keeps every later body in memory: the run
// goes on, in memory, nothing lost (what was written stays readable). A record read back that is
// missing or not bytes is refused by name (DamagedColdObjectError); the codec's checksum catches
// bytes that were changed (Engine.provideCold throws CorruptObjectError).
//
// Never: imported by the engine, awaited by the engine, or holding a connection that blocks the
// session's deletion (openSessionDb closes on versionchange).

import type { IDBPDatabase } from 'idb';
import type { ColdStore } from '../engine/api';
import { openSessionDb } from './sessions';

/** Changes written per IndexedDB transaction at most. */
export const COLD_WRITE_BATCH_MAX = 64;
/** Encoded bytes waiting to be written at most before the host stops running until they are (backpressure). */
export const COLD_WRITE_BEHIND_BYTES_MAX = 32_000_000;

/** What the host needs of a cold store beyond the engine's port: loads, flushes, and how it is doing. */
export interface HostColdStore extends ColdStore {
  /** The bytes of `key`, from memory if they are there, else from the store. */
  load(key: string): Promise<Uint8Array>;
  /** Resolves once every change noted so far is written (or the store has failed). */
  flush(): Promise<void>;
  /**
   * Deletes every key in the database for which `live` says no (an abandoned future's bodies, after
   * a rewind branched); `live` is asked once the keys are read. Resolves with the number deleted.
   */
  prune(live: (key: string) => boolean): Promise<number>;
  /** Bytes noted and not written yet. */
  readonly backlogBytes: number;
  readonly bytesWritten: number;
  readonly objectsWritten: number;
  /** Set once writing stopped: the run keeps its later bodies in memory. */
  readonly failure: unknown;
  close(): void;
}

/** A record that is not there, or not bytes: the body cannot be read back. */
export class DamagedColdObjectError extends Error {
  constructor(
    readonly key: string,
    what: string,
  ) {
    super(`the saved body of ${key} is damaged (${what})`);
    this.name = 'DamagedColdObjectError';
  }
}

export class IdbColdStore implements HostColdStore {
  /** Changes not written yet: bytes to put, or null to delete; in the order noted (a new change to a key moves it last). */
  private readonly pending = new Map<string, Uint8Array | null>();
  private pendingBytes = 0;
  /** After a failed write: every body from then on (and those that failed) stays here. */
  private memory: Map<string, Uint8Array> | null = null;
  private flushing: Promise<void> | null = null;
  private db: Promise<IDBPDatabase> | null = null;
  private written = 0;
  private writtenObjects = 0;
  private failed: unknown = null;
  private closed = false;

  constructor(
    readonly sessionId: string,
    /** Told once, when writing stops. */
    private readonly onFailure: (error: unknown) => void = () => undefined,
    private readonly open: (id: string) => Promise<IDBPDatabase> = openSessionDb,
  ) {}

  get backlogBytes(): number {
    return this.pendingBytes;
  }

  get bytesWritten(): number {
    return this.written;
  }

  get objectsWritten(): number {
    return this.writtenObjects;
  }

  get failure(): unknown {
    return this.failed;
  }

  put(key: string, bytes: Uint8Array): void {
    if (this.memory !== null) {
      this.memory.set(key, bytes);
      return;
    }
    this.note(key, bytes);
  }

  delete(key: string): void {
    if (this.memory !== null) {
      // A body written before the failure stays in the database until the session is deleted.
      this.memory.delete(key);
      return;
    }
    this.note(key, null);
  }

  readNow(key: string): Uint8Array | undefined {
    const inMemory = this.memory?.get(key);
    if (inMemory !== undefined) return inMemory;
    return this.pending.get(key) ?? undefined;
  }

  async load(key: string): Promise<Uint8Array> {
    const now = this.readNow(key);
    if (now !== undefined) return now;
    const db = await this.database();
    const record: unknown = await db.get('objects', key);
    if (record === undefined) throw new DamagedColdObjectError(key, 'it is not in the database');
    if (!(record instanceof Uint8Array)) throw new DamagedColdObjectError(key, `it holds ${record === null ? 'null' : typeof record}, not bytes`);
    return record;
  }

  flush(): Promise<void> {
    return this.flushing ?? Promise.resolve();
  }

  async prune(live: (key: string) => boolean): Promise<number> {
    if (this.memory !== null || this.closed) return 0;
    let keys: IDBValidKey[];
    try {
      keys = await (await this.database()).getAllKeys('objects');
    } catch {
      return 0; // unreadable: the orphans stay (they take space, never a run's place)
    }
    let deleted = 0;
    for (const key of keys) {
      if (typeof key !== 'string' || this.pending.has(key) || live(key)) continue;
      this.note(key, null);
      deleted++;
    }
    return deleted;
  }

  close(): void {
    this.closed = true;
    void this.db?.then((db) => db.close(), () => undefined);
  }

  private note(key: string, bytes: Uint8Array | null): void {
    const before = this.pending.get(key);
    if (before !== undefined && before !== null) this.pendingBytes -= before.length;
    this.pending.delete(key); // a newer change goes last
    this.pending.set(key, bytes);
    if (bytes !== null) this.pendingBytes += bytes.length;
    this.flushing ??= this.flushLoop();
  }

  private database(): Promise<IDBPDatabase> {
    this.db ??= this.open(this.sessionId).catch((error: unknown) => {
      this.db = null;
      throw error;
    });
    return this.db;
  }

  private async flushLoop(): Promise<void> {
    // After the current slice of work: the engine's puts of this slice are noted by then.
    await Promise.resolve();
    try {
      while (this.pending.size > 0 && !this.closed) {
        const batch: [string, Uint8Array | null][] = [];
        for (const entry of this.pending) {
          batch.push(entry);
          if (batch.length >= COLD_WRITE_BATCH_MAX) break;
        }
        const db = await this.database();
        const tx = db.transaction('objects', 'readwrite');
        for (const [key, bytes] of batch) {
          if (bytes === null) void tx.store.delete(key);
          else void tx.store.put(bytes, key);
        }
        await tx.done;
        for (const [key, bytes] of batch) {
          if (this.pending.get(key) !== bytes) continue; // changed again meanwhile: that change is still to write
          this.pending.delete(key);
          if (bytes !== null) {
            this.pendingBytes -= bytes.length;
            this.written += bytes.length;
            this.writtenObjects++;
          }
        }
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.flushing = null;
    }
  }

  /** Writing stopped: what waited, and every body from now on, stays in memory. */
  private fail(error: unknown): void {
    if (this.failed !== null) return;
    this.failed = error;
    const memory = new Map<string, Uint8Array>();
    for (const [key, bytes] of this.pending) if (bytes !== null) memory.set(key, bytes);
    this.pending.clear();
    this.pendingBytes = 0;
    this.memory = memory;
    this.onFailure(error);
  }
}
