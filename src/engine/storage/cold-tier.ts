// The cold tier: where the object store's object bodies (an uploaded segment's batch list) live,
// and the read barrier that lets a synchronous engine read them from an asynchronous store.
//
// Two modes, chosen when the engine is built, with the same simulated outcomes:
//   heap   no ColdStore: bodies stay in the heap as batch lists (what the engine always did).
//   store  a ColdStore port (implemented outside the engine: MemoryColdStore below, IndexedDB in
//          src/worker/cold-store-idb.ts): a body is encoded (segment-codec.ts) and handed to
//          `put`; only the object's metadata stays in the heap (object-store.ts keeps it).
//
// Reads by request. A GetObject is answered after a simulated latency, so the object store knows,
// when the request arrives at time T0, that its answer at T1 >= T0 needs body K: it calls
// `need(K, T1)`. The body is taken from the cache of decoded bodies (COLD_CACHE_OBJECTS_MAX), or
// read at once when the store can (`readNow`: memory, a file, IndexedDB's write-behind buffer);
// otherwise K is *waiting*. The earliest time a waiting body is needed is the *hold*: the kernel
// runs no event at or after it (Kernel.setHold), and the run call returns with `held` set. The host
// loads the waiting keys (awaiting IndexedDB), hands each back with Engine.provideCold, and runs
// on. The answer is delivered at T1 whether the body came from the heap, at once, or a second of
// wall time later: simulated outcomes never depend on the store or on wall time, so the trace is
// the same with persistence on or off. The host may load a waiting key as soon as it is asked
// for, long before the run reaches the hold (a prefetch, for free).
//
// Local segments a broker's page cache evicted (page-cache.ts) use the same tier and the same
// barrier, under keys starting with "local/": a disk read that misses needs its body at the read's
// completion time. An object store crash drops only its own needs, never those.
//
// A body needed by a pending answer is pinned until the answer takes it: a DeleteObject in between
// (S3 serves a GET that started before a DELETE) deletes it from the store only once taken.
//
// Never: encodes or decodes in heap mode, reads a clock, awaits, or delivers an answer whose body
// it does not hold (take() throws: the barrier was bypassed). Holds at most COLD_CACHE_OBJECTS_MAX
// decoded bodies besides the pinned ones (bounded by the object store's IN_FLIGHT_MAX requests).

import type { LogBatch } from '../broker/protocol';
import type { TimeUs } from '../sim/time';
import { decodeBatches, encodeBatches } from './segment-codec';

/** Decoded bodies kept in the heap for reads (least recently used goes first). */
export const COLD_CACHE_OBJECTS_MAX = 16;

/**
 * Where cold bytes go: implemented outside the engine. put and delete are fire-and-forget (an
 * adapter writes behind the simulation); readNow answers at once or not at all.
 */
export interface ColdStore {
  put(key: string, bytes: Uint8Array): void;
  delete(key: string): void;
  /** The bytes now when this store can read synchronously; undefined when they must be loaded (Engine.coldWaiting). */
  readNow(key: string): Uint8Array | undefined;
}

/** A ColdStore in the heap that keeps encoded bytes (Node, tests): compact, and always readable at once. */
export class MemoryColdStore implements ColdStore {
  private readonly objects = new Map<string, Uint8Array>();
  private bytesHeld = 0;

  put(key: string, bytes: Uint8Array): void {
    this.bytesHeld += bytes.length - (this.objects.get(key)?.length ?? 0);
    this.objects.set(key, bytes);
  }

  delete(key: string): void {
    this.bytesHeld -= this.objects.get(key)?.length ?? 0;
    this.objects.delete(key);
  }

  readNow(key: string): Uint8Array | undefined {
    return this.objects.get(key);
  }

  get size(): number {
    return this.objects.size;
  }

  get bytes(): number {
    return this.bytesHeld;
  }

  keys(): IterableIterator<string> {
    return this.objects.keys();
  }
}

/** What the tier did, for the page, the bench and tests. */
export interface ColdTierView {
  readonly mode: 'heap' | 'store';
  readonly objectsWritten: number;
  /** Encoded bytes handed to the store. */
  readonly bytesWritten: number;
  readonly objectsDeleted: number;
  /** Of objectsWritten and bytesWritten, local segments' bodies (keys under "local/", page-cache.ts). */
  readonly localObjectsWritten: number;
  readonly localBytesWritten: number;
  /** Bodies read for answers: from the cache, at once from the store, or loaded by the host. */
  readonly cacheHits: number;
  readonly readsNow: number;
  readonly loadsProvided: number;
  /** Keys the run waits for now (the host loads them). */
  readonly waiting: number;
  readonly cachedObjects: number;
}

interface Pin {
  batches: readonly LogBatch[] | null;
  /** Answers that will take this body. */
  count: number;
  /** The earliest of their delivery times. */
  neededUs: TimeUs;
}

export class ColdTier {
  private readonly heap: Map<string, readonly LogBatch[]> | null;
  /**
   * Store mode: the keys this run has put and not deleted from the store. A host that shares one
   * store between runs (a rewind that branches) deletes the rest: an abandoned future's keys.
   */
  private readonly live: Set<string> | null;
  private readonly cache = new Map<string, readonly LogBatch[]>();
  private readonly pins = new Map<string, Pin>();
  /** Keys deleted while pinned: deleted from the store once the last answer took them. */
  private readonly deleteWhenTaken = new Set<string>();
  private holdUs: TimeUs = Number.POSITIVE_INFINITY;
  private objectsWritten = 0;
  private bytesWritten = 0;
  private objectsDeleted = 0;
  private localObjectsWritten = 0;
  private localBytesWritten = 0;
  private cacheHits = 0;
  private readsNow = 0;
  private loadsProvided = 0;
  /** Told whenever the hold moves (the kernel's setHold). */
  onHold: (holdUs: TimeUs) => void = () => undefined;

  constructor(private readonly store: ColdStore | null) {
    this.heap = store === null ? new Map() : null;
    this.live = store === null ? null : new Set();
  }

  get mode(): 'heap' | 'store' {
    return this.store === null ? 'heap' : 'store';
  }

  /** Stores an object's body (PutObject). The caller may keep using `batches`: closed segments never change. */
  put(key: string, batches: readonly LogBatch[]): void {
    this.objectsWritten++;
    this.deleteWhenTaken.delete(key); // a new body under this key: the pending delete was of the old one
    if (this.heap !== null) {
      this.heap.set(key, batches);
      return;
    }
    const bytes = encodeBatches(batches);
    this.bytesWritten += bytes.length;
    if (key.startsWith('local/')) {
      this.localObjectsWritten++;
      this.localBytesWritten += bytes.length;
    }
    this.cache.delete(key);
    this.live!.add(key);
    this.store!.put(key, bytes);
  }

  /** Deletes an object's body (DeleteObject); a body still needed by a pending answer goes once taken. */
  delete(key: string): void {
    this.objectsDeleted++;
    if (this.heap !== null) {
      this.heap.delete(key);
      return;
    }
    this.cache.delete(key);
    if (this.pins.has(key)) this.deleteWhenTaken.add(key);
    else this.deleteFromStore(key);
  }

  /** An answer at `neededUs` will take the body of `key`: it is pinned until then, and loaded by then. */
  need(key: string, neededUs: TimeUs): void {
    let pin = this.pins.get(key);
    if (pin === undefined) {
      pin = { batches: this.lookNow(key), count: 0, neededUs };
      this.pins.set(key, pin);
    }
    pin.count++;
    if (pin.batches === null && neededUs < pin.neededUs) pin.neededUs = neededUs;
    if (pin.batches === null) this.moveHold();
  }

  /** The body an answer delivers now (it was needed, and is loaded: the kernel held the run until it was). */
  take(key: string): readonly LogBatch[] {
    const pin = this.pins.get(key);
    if (pin === undefined || pin.batches === null) {
      throw new Error(`cold tier: the answer for "${key}" is due but its body was ${pin === undefined ? 'never asked for' : 'not loaded'}; the read barrier was bypassed`);
    }
    const batches = pin.batches;
    if (--pin.count === 0) {
      this.pins.delete(key);
      if (this.deleteWhenTaken.delete(key)) this.deleteFromStore(key);
      else this.remember(key, batches);
    }
    return batches;
  }

  /** Whether this run still has a body under `key` in the store (store mode; heap mode: false). */
  isLive(key: string): boolean {
    return this.live?.has(key) === true;
  }

  private deleteFromStore(key: string): void {
    this.live?.delete(key);
    this.store?.delete(key);
  }

  /** Keys the run waits for, in the order they were asked for. */
  waiting(): string[] {
    const keys: string[] = [];
    for (const [key, pin] of this.pins) if (pin.batches === null) keys.push(key);
    return keys;
  }

  /**
   * The bytes of a waiting key, loaded by the host. Returns false when nothing waits for it (asked
   * twice, or the object store crashed meanwhile). Throws CorruptObjectError on damaged bytes.
   */
  provide(key: string, bytes: Uint8Array): boolean {
    const pin = this.pins.get(key);
    if (pin === undefined || pin.batches !== null) return false;
    pin.batches = decodeBatches(bytes);
    this.loadsProvided++;
    this.moveHold();
    return true;
  }

  /** A read that asked for `key` will never take it (its broker crashed): one pin fewer. */
  unneed(key: string): void {
    const pin = this.pins.get(key);
    if (pin === undefined) return;
    if (--pin.count > 0) return;
    this.pins.delete(key);
    if (this.deleteWhenTaken.delete(key)) this.deleteFromStore(key);
    this.moveHold();
  }

  /**
   * A body read at once, without waiting at the barrier (a synchronous path met an evicted local
   * segment): from the decoded cache or the store's readNow; null when the store must load it.
   */
  readLocalNow(key: string): readonly LogBatch[] | null {
    const pinned = this.pins.get(key)?.batches;
    return pinned ?? this.lookNow(key);
  }

  /**
   * The object store crashed: its pending answers are gone, and nothing waits for their bodies.
   * Local segments' reads (keys under "local/", page-cache.ts) belong to the brokers and stay.
   */
  dropNeeds(): void {
    for (const key of this.deleteWhenTaken) {
      if (key.startsWith('local/')) continue;
      this.deleteFromStore(key);
      this.deleteWhenTaken.delete(key);
    }
    for (const key of [...this.pins.keys()]) if (!key.startsWith('local/')) this.pins.delete(key);
    this.moveHold();
  }

  view(): ColdTierView {
    return {
      mode: this.mode,
      objectsWritten: this.objectsWritten,
      bytesWritten: this.bytesWritten,
      objectsDeleted: this.objectsDeleted,
      localObjectsWritten: this.localObjectsWritten,
      localBytesWritten: this.localBytesWritten,
      cacheHits: this.cacheHits,
      readsNow: this.readsNow,
      loadsProvided: this.loadsProvided,
      waiting: this.waiting().length,
      cachedObjects: this.cache.size,
    };
  }

  private lookNow(key: string): readonly LogBatch[] | null {
    if (this.heap !== null) return this.heap.get(key) ?? null;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cacheHits++;
      this.cache.delete(key);
      this.cache.set(key, cached); // most recently used last
      return cached;
    }
    const bytes = this.store!.readNow(key);
    if (bytes === undefined) return null;
    this.readsNow++;
    return decodeBatches(bytes);
  }

  private remember(key: string, batches: readonly LogBatch[]): void {
    if (this.heap !== null) return;
    this.cache.delete(key);
    this.cache.set(key, batches);
    if (this.cache.size > COLD_CACHE_OBJECTS_MAX) this.cache.delete(this.cache.keys().next().value!);
  }

  private moveHold(): void {
    let holdUs = Number.POSITIVE_INFINITY;
    for (const pin of this.pins.values()) if (pin.batches === null && pin.neededUs < holdUs) holdUs = pin.neededUs;
    if (holdUs === this.holdUs) return;
    this.holdUs = holdUs;
    this.onHold(holdUs);
  }
}
