// The object store: an emulated S3-like regional service that any broker can read and write, the
// remote tier of Kora's storage (KIP-405's RemoteStorageManager stores segments in one). It is a
// simulated process in no zone (REGIONAL): requests travel the network like any other message, a
// PUT carries its object's bytes, a GET brings them back.
//
// Operations, as S3 names them: PutObject, GetObject (whole object, or its first `rangeBytes`),
// ListObjectsV2 (by prefix, at most LIST_KEYS_MAX keys a page), DeleteObject. Each request waits
// a first-byte latency (requestLatencyMs, drawn between half and one and a half times it) and then
// its bytes at throughputMBps per request, as one S3 connection gives. Requests are served in
// parallel: S3 has no queue a client can see, until it answers 503 SlowDown.
//
// Faults: an outage (every request answered 503 ServiceUnavailable, as S3 does during an event) and
// a slow period (extra latency per request). The objects are the store's durable state: an outage
// loses nothing.
//
// Cost, with assumed prices named (AWS S3 Standard, us-east-1, list prices): storage
// $0.023 per GB-month, PUT/LIST $0.005 per 1,000 requests, GET $0.0004 per 1,000, DELETE free.
//
// Bodies: the store keeps each object's metadata (key, size, when stored) in the heap; its body
// (the segment's batch list) lives in the cold tier (cold-tier.ts): in the heap, or encoded in a
// ColdStore (IndexedDB in the browser). A GetObject asks the cold tier for the body when it
// arrives, for the moment its answer is due; the kernel holds the run at that moment until the body
// is loaded, so the answer leaves at the same simulated time whichever tier holds the bytes.
//
// Never: loses an acknowledged PUT, answers before its latency, or holds more than OBJECTS_MAX.

import type { LogBatch } from '../broker/protocol';
import type { Effects, Message } from '../sim/process';
import { US_PER_MS, US_PER_SECOND, type TimeUs } from '../sim/time';
import type { ColdTier } from './cold-tier';

export const OBJECT_STORE_ID = 'object-store';
/** Objects the store holds at most; a PUT beyond is refused with SlowDown. */
export const OBJECTS_MAX = 1_000_000;
/** Keys in one ListObjectsV2 page (S3's MaxKeys default). */
export const LIST_KEYS_MAX = 1_000;
/** Bytes of a request's or response's headers. */
export const OBJECT_HEADER_BYTES = 300;

/** Assumed prices (AWS S3 Standard, us-east-1), in dollars. */
export const S3_PRICES = {
  storagePerGbMonth: 0.023,
  putPerThousand: 0.005,
  listPerThousand: 0.005,
  getPerThousand: 0.0004,
  deletePerThousand: 0,
} as const;

const SECONDS_PER_MONTH = 30 * 24 * 3600;
const BYTES_PER_GB = 1e9;

export type ObjectStoreError = 'NONE' | 'NoSuchKey' | 'ServiceUnavailable' | 'SlowDown';
export type ObjectOperation = 'PutObject' | 'GetObject' | 'ListObjectsV2' | 'DeleteObject';

export interface ObjectStoreSettings {
  readonly requestLatencyUs: TimeUs;
  readonly bytesPerSecond: number;
}

/** What the store keeps of an object in the heap: its metadata. Its body is in the cold tier, under the same key. */
export interface StoredObject {
  readonly key: string;
  readonly objectBytes: number;
  /** Batches in the body (the segment's batch count). */
  readonly batchCount: number;
  readonly storedUs: TimeUs;
}

/**
 * The store's index of objects, compact: key -> slot in a Map of numbers, and each slot's size,
 * batch count and time stored in typed arrays (about 60 bytes an object with its key, instead of a
 * record object, its numbers and the Map's entry: a long tiered run holds tens of thousands).
 * Slots of deleted objects are reused. Reads build a StoredObject for the caller.
 */
export class ObjectIndex {
  private readonly slots = new Map<string, number>();
  private objectBytes = new Float64Array(64);
  private batchCounts = new Uint32Array(64);
  private storedUs = new Float64Array(64);
  private readonly free: number[] = [];
  private used = 0;

  get size(): number {
    return this.slots.size;
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  get(key: string): StoredObject | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    return { key, objectBytes: this.objectBytes[slot]!, batchCount: this.batchCounts[slot]!, storedUs: this.storedUs[slot]! };
  }

  set(key: string, object: Omit<StoredObject, 'key'>): void {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.used++;
      if (slot >= this.objectBytes.length) this.grow();
      this.slots.set(key, slot);
    }
    this.objectBytes[slot] = object.objectBytes;
    this.batchCounts[slot] = object.batchCount;
    this.storedUs[slot] = object.storedUs;
  }

  delete(key: string): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.slots.delete(key);
    this.free.push(slot);
    return true;
  }

  /** Keys in the order they were first stored. */
  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  private grow(): void {
    const length = this.objectBytes.length * 2;
    const objectBytes = new Float64Array(length);
    objectBytes.set(this.objectBytes);
    const batchCounts = new Uint32Array(length);
    batchCounts.set(this.batchCounts);
    const storedUs = new Float64Array(length);
    storedUs.set(this.storedUs);
    this.objectBytes = objectBytes;
    this.batchCounts = batchCounts;
    this.storedUs = storedUs;
  }
}

/** The service's durable state: its objects, and the faults it is in (they outlast anything a client does). */
export interface ObjectStoreDisk {
  readonly objects: ObjectIndex;
  /** The objects' bodies: in the heap, or in a ColdStore (IndexedDB), read by request. */
  readonly bodies: ColdTier;
  /** Bytes of every object held. */
  bytes: number;
  /** An outage: every request is answered 503 ServiceUnavailable. */
  outage: boolean;
  /** A slow period: added to every request's latency. */
  extraLatencyUs: TimeUs;
}

export interface ObjectRequest extends Message {
  readonly type: ObjectOperation;
  /** Chosen by the client, echoed in the response. */
  readonly requestId: number;
  /** The object's key; for ListObjectsV2, the prefix. */
  readonly key: string;
  /** PutObject: the object's size (the message's `bytes` carries them over the network). */
  readonly objectBytes?: number;
  /** PutObject: the body, what a GetObject gives back (the segment's batches). */
  readonly payload?: readonly LogBatch[];
  /** GetObject: read only the first bytes (an HTTP Range). */
  readonly rangeBytes?: number;
}

export interface ObjectResponse extends Message {
  readonly type: 'ObjectStoreResponse';
  readonly requestId: number;
  readonly operation: ObjectOperation;
  readonly key: string;
  readonly error: ObjectStoreError;
  /** GetObject: the object's size and body (its batches). */
  readonly objectBytes: number;
  readonly payload: readonly LogBatch[] | null;
  /** ListObjectsV2: the keys under the prefix, in order, at most LIST_KEYS_MAX. */
  readonly keys: readonly string[];
  /** A sentence for people when the error is not NONE. */
  readonly detail: string;
}

const OPERATIONS: ReadonlySet<string> = new Set(['PutObject', 'GetObject', 'ListObjectsV2', 'DeleteObject']);

export function isObjectRequest(message: Message): message is ObjectRequest {
  return OPERATIONS.has(message.type);
}

export interface ObjectStoreView {
  readonly objects: number;
  readonly bytes: number;
  readonly requests: Readonly<Record<ObjectOperation, number>>;
  readonly errors: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly outage: boolean;
  readonly extraLatencyMs: number;
  readonly inFlight: number;
  /** Dollars a month for the bytes held now. */
  readonly storageDollarsPerMonth: number;
  /** Dollars for the requests made so far. */
  readonly requestDollars: number;
  /** Dollars a month if requests go on at the rate they have had so far. */
  readonly requestDollarsPerMonth: number;
}

const TIMER_PREFIX = 'os:answer:';
/** Requests being served at once, at most; more are answered 503 SlowDown (S3 throttles too). */
export const IN_FLIGHT_MAX = 10_000;

interface Pending {
  readonly from: string;
  readonly response: ObjectResponse;
  /** A GetObject's answer: the key whose body it carries, taken from the cold tier when it leaves. */
  readonly bodyKey: string | null;
}

export class ObjectStore {
  private readonly pending = new Map<number, Pending>();
  private nextAnswer = 0;
  private readonly requests: Record<ObjectOperation, number> = { PutObject: 0, GetObject: 0, ListObjectsV2: 0, DeleteObject: 0 };
  private errors = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private startedUs = 0;

  constructor(
    private readonly settings: ObjectStoreSettings,
    private readonly disk: ObjectStoreDisk,
  ) {}

  start(fx: Effects<Message>): void {
    this.startedUs = fx.nowUs;
  }

  handleRequest(from: string, request: ObjectRequest, fx: Effects<Message>): void {
    this.requests[request.type]++;
    this.bytesIn += request.bytes;
    const response = this.serve(request, fx);
    if (response.error !== 'NONE') this.errors++;
    this.bytesOut += response.bytes;
    // First byte after the request latency (half to one and a half times it), then the bytes at the
    // per-request throughput: a PUT's upload and a GET's download both take their time here.
    const latencyUs = Math.round(this.settings.requestLatencyUs / 2) + fx.prng.int(this.settings.requestLatencyUs + 1) + this.disk.extraLatencyUs;
    const moved = request.type === 'PutObject' ? (request.objectBytes ?? 0) : response.error === 'NONE' && request.type === 'GetObject' ? response.objectBytes : 0;
    const transferUs = Math.ceil((moved * US_PER_SECOND) / this.settings.bytesPerSecond);
    const id = this.nextAnswer++;
    const bodyKey = request.type === 'GetObject' && response.error === 'NONE' ? request.key : null;
    // The answer's body must be in the heap when it leaves: the cold tier loads it by then (or holds the run).
    if (bodyKey !== null) this.disk.bodies.need(bodyKey, fx.nowUs + latencyUs + transferUs);
    this.pending.set(id, { from, response, bodyKey });
    fx.setTimer(`${TIMER_PREFIX}${id}`, latencyUs + transferUs);
  }

  /** Returns false for a timer this component does not own. */
  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (!key.startsWith(TIMER_PREFIX)) return false;
    const id = Number(key.slice(TIMER_PREFIX.length));
    const pending = this.pending.get(id);
    if (pending !== undefined) {
      this.pending.delete(id);
      const response = pending.bodyKey === null ? pending.response : { ...pending.response, payload: this.disk.bodies.take(pending.bodyKey) };
      fx.send(pending.from, response);
    }
    return true;
  }

  private serve(request: ObjectRequest, fx: Effects<Message>): ObjectResponse {
    const answer = (error: ObjectStoreError, detail: string, extra: Partial<ObjectResponse> = {}): ObjectResponse => ({
      type: 'ObjectStoreResponse',
      bytes: OBJECT_HEADER_BYTES + (extra.objectBytes !== undefined && request.type === 'GetObject' ? extra.objectBytes : 0) + (extra.keys?.length ?? 0) * 64,
      requestId: request.requestId,
      operation: request.type,
      key: request.key,
      error,
      objectBytes: 0,
      payload: null,
      keys: [],
      detail,
      ...extra,
    });
    if (this.disk.outage) return answer('ServiceUnavailable', `503 ServiceUnavailable: the object store is down (an outage); ${request.type} ${request.key} failed, try again later`);
    if (this.pending.size >= IN_FLIGHT_MAX) return answer('SlowDown', `503 SlowDown: the object store is serving ${IN_FLIGHT_MAX} requests; reduce the request rate`);
    const objects = this.disk.objects;
    switch (request.type) {
      case 'PutObject': {
        const previous = objects.get(request.key);
        if (previous === undefined && objects.size >= OBJECTS_MAX) return answer('SlowDown', `503 SlowDown: the object store holds ${OBJECTS_MAX} objects, the most this simulation keeps`);
        const objectBytes = request.objectBytes ?? 0;
        this.disk.bytes += objectBytes - (previous?.objectBytes ?? 0);
        const batches = request.payload ?? [];
        objects.set(request.key, { objectBytes, batchCount: batches.length, storedUs: fx.nowUs });
        this.disk.bodies.put(request.key, batches);
        return answer('NONE', '');
      }
      case 'GetObject': {
        const object = objects.get(request.key);
        if (object === undefined) return answer('NoSuchKey', `404 NoSuchKey: no object "${request.key}"`);
        const objectBytes = request.rangeBytes === undefined ? object.objectBytes : Math.min(request.rangeBytes, object.objectBytes);
        return answer('NONE', '', { objectBytes }); // the body joins the answer when it leaves (handleTimer)
      }
      case 'ListObjectsV2': {
        const keys: string[] = [];
        for (const key of objects.keys()) if (key.startsWith(request.key)) keys.push(key);
        keys.sort();
        return answer('NONE', '', { keys: keys.slice(0, LIST_KEYS_MAX) });
      }
      case 'DeleteObject': {
        // S3 answers 204 whether or not the key existed.
        const object = objects.get(request.key);
        if (object !== undefined) {
          this.disk.bytes -= object.objectBytes;
          objects.delete(request.key);
          this.disk.bodies.delete(request.key);
        }
        return answer('NONE', '');
      }
    }
  }

  view(nowUs: TimeUs): ObjectStoreView {
    const r = this.requests;
    const requestDollars =
      ((r.PutObject * S3_PRICES.putPerThousand + r.ListObjectsV2 * S3_PRICES.listPerThousand + r.GetObject * S3_PRICES.getPerThousand + r.DeleteObject * S3_PRICES.deletePerThousand) / 1_000);
    const elapsedSeconds = (nowUs - this.startedUs) / US_PER_SECOND;
    return {
      objects: this.disk.objects.size,
      bytes: this.disk.bytes,
      requests: { ...r },
      errors: this.errors,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      outage: this.disk.outage,
      extraLatencyMs: this.disk.extraLatencyUs / US_PER_MS,
      inFlight: this.pending.size,
      storageDollarsPerMonth: (this.disk.bytes / BYTES_PER_GB) * S3_PRICES.storagePerGbMonth,
      requestDollars,
      requestDollarsPerMonth: elapsedSeconds <= 0 ? 0 : (requestDollars / elapsedSeconds) * SECONDS_PER_MONTH,
    };
  }
}
