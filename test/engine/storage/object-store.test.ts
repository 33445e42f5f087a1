// The object store, S3's semantics in a simulated regional service: PUT, GET (whole or a range),
// LIST by prefix, DELETE; answers only after the request latency and the bytes' transfer; an outage
// answers 503 and loses nothing; a slow period adds latency; the bill follows the named prices.
// Method: the component with hand-driven effects for its rules, then the whole engine for its
// place in the cluster (a regional process) and for faults, which are refused without a store.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/api';
import { Prng } from '../../../src/engine/sim/prng';
import type { Effects, Message } from '../../../src/engine/sim/process';
import {
  OBJECT_HEADER_BYTES,
  ObjectIndex,
  ObjectStore,
  S3_PRICES,
  type ObjectRequest,
  type ObjectResponse,
  type ObjectStoreDisk,
} from '../../../src/engine/storage/object-store';
import { METRICS } from '../../../src/engine/scenario/metrics';
import { ColdTier } from '../../../src/engine/storage/cold-tier';
import type { LogBatch } from '../../../src/engine/broker/protocol';

/** A one-batch segment body. */
const BODY: readonly LogBatch[] = [
  { baseOffset: 0, records: 10, bytes: 1_000_000, epoch: 1, producerId: 3, baseSequence: 0, batchId: 'producer-1/0', appendedUs: 5, createdUs: 2 },
];

const MS = 1_000;

/** The store with effects driven by hand: requests in, timers fired when the test says. */
function harness(settings = { requestLatencyUs: 20 * MS, bytesPerSecond: 100e6 }) {
  const disk: ObjectStoreDisk = { objects: new ObjectIndex(), bodies: new ColdTier(null), bytes: 0, outage: false, extraLatencyUs: 0 };
  const store = new ObjectStore(settings, disk);
  const timers: { key: string; atUs: number }[] = [];
  const sent: ObjectResponse[] = [];
  const fx = {
    self: 'object-store',
    nowUs: 0,
    prng: new Prng(7),
    setTimer: (key: string, afterUs: number) => timers.push({ key, atUs: fx.nowUs + afterUs }),
    send: (_to: string, message: Message) => sent.push(message as ObjectResponse),
  };
  const effects = fx as unknown as Effects<Message> & { nowUs: number };
  store.start(effects);
  let requestId = 0;
  /** Sends a request and runs time forward until it is answered; returns the answer and when. */
  const call = (request: Omit<ObjectRequest, 'requestId' | 'bytes'> & { bytes?: number }) => {
    const bytes = request.bytes ?? OBJECT_HEADER_BYTES + (request.type === 'PutObject' ? (request.objectBytes ?? 0) : 0);
    const sentAtUs = effects.nowUs;
    store.handleRequest('broker-1', { ...request, bytes, requestId: ++requestId } as ObjectRequest, effects);
    const timer = timers.shift()!;
    effects.nowUs = timer.atUs;
    store.handleTimer(timer.key, effects);
    return { response: sent.shift()!, tookUs: timer.atUs - sentAtUs };
  };
  return { store, disk, fx: effects, call };
}

describe('the object store, as S3 answers', () => {
  it('stores an object and gives it back whole, or its first bytes with a range', () => {
    const { call, disk } = harness();
    expect(call({ type: 'PutObject', key: 'orders-0/00000000000000000000.log', objectBytes: 1_000_000, payload: BODY }).response.error).toBe('NONE');
    expect(disk.bytes).toBe(1_000_000);
    const whole = call({ type: 'GetObject', key: 'orders-0/00000000000000000000.log' }).response;
    expect(whole).toMatchObject({ error: 'NONE', objectBytes: 1_000_000, payload: BODY });
    expect(whole.bytes).toBe(OBJECT_HEADER_BYTES + 1_000_000); // the bytes travel back over the network
    expect(call({ type: 'GetObject', key: 'orders-0/00000000000000000000.log', rangeBytes: 4_096 }).response.objectBytes).toBe(4_096);
    expect(call({ type: 'GetObject', key: 'orders-0/nothing' }).response).toMatchObject({ error: 'NoSuchKey', detail: '404 NoSuchKey: no object "orders-0/nothing"' });
  });

  it('lists keys by prefix in order, and deletes (204 whether or not the key was there)', () => {
    const { call, disk } = harness();
    for (const key of ['b/2', 'a/1', 'b/1', 'c/1']) call({ type: 'PutObject', key, objectBytes: 10 });
    expect(call({ type: 'ListObjectsV2', key: 'b/' }).response.keys).toEqual(['b/1', 'b/2']);
    expect(call({ type: 'DeleteObject', key: 'b/1' }).response.error).toBe('NONE');
    expect(call({ type: 'DeleteObject', key: 'b/1' }).response.error).toBe('NONE');
    expect(call({ type: 'ListObjectsV2', key: 'b/' }).response.keys).toEqual(['b/2']);
    expect(disk.bytes).toBe(30);
  });

  it('answers after its latency (half to one and a half times requestLatencyMs) plus the bytes at its throughput', () => {
    const { call } = harness({ requestLatencyUs: 20 * MS, bytesPerSecond: 100e6 });
    for (let index = 0; index < 50; index++) {
      const { tookUs } = call({ type: 'PutObject', key: `k${index}`, objectBytes: 10_000_000 }); // 100 ms at 100 MB/s
      expect(tookUs).toBeGreaterThanOrEqual(10 * MS + 100 * MS);
      expect(tookUs).toBeLessThanOrEqual(30 * MS + 100 * MS);
    }
    expect(call({ type: 'GetObject', key: 'missing' }).tookUs).toBeLessThanOrEqual(30 * MS); // nothing to transfer
  });

  it('during an outage answers 503 and loses nothing; a slow period adds its latency', () => {
    const { call, disk } = harness();
    call({ type: 'PutObject', key: 'kept', objectBytes: 5 });
    disk.outage = true;
    expect(call({ type: 'PutObject', key: 'new', objectBytes: 5 }).response).toMatchObject({ error: 'ServiceUnavailable' });
    expect(call({ type: 'GetObject', key: 'kept' }).response.detail).toContain('503 ServiceUnavailable: the object store is down');
    disk.outage = false;
    expect(call({ type: 'GetObject', key: 'kept' }).response.error).toBe('NONE');
    expect(disk.objects.has('new')).toBe(false);
    disk.extraLatencyUs = 500 * MS;
    expect(call({ type: 'GetObject', key: 'kept' }).tookUs).toBeGreaterThanOrEqual(510 * MS);
  });

  it('bills storage by the GB-month and requests by the thousand, at the named S3 prices', () => {
    const { call, store, fx } = harness();
    call({ type: 'PutObject', key: 'big', objectBytes: 2e9 });
    for (let index = 0; index < 999; index++) call({ type: 'GetObject', key: 'big', rangeBytes: 1 });
    const view = store.view(fx.nowUs);
    expect(view.requests).toEqual({ PutObject: 1, GetObject: 999, ListObjectsV2: 0, DeleteObject: 0 });
    expect(view.storageDollarsPerMonth).toBeCloseTo(2 * S3_PRICES.storagePerGbMonth, 10);
    expect(view.requestDollars).toBeCloseTo((1 * S3_PRICES.putPerThousand + 999 * S3_PRICES.getPerThousand) / 1_000, 12);
    expect(view.requestDollarsPerMonth).toBeGreaterThan(view.requestDollars);
  });
});

describe('the object store in a cluster', () => {
  it('exists only with remote.log.storage.system.enable, as a regional process', () => {
    expect(createEngine({}, 1).processes().some((process) => process.id === 'object-store')).toBe(false);
    const engine = createEngine({ config: { 'remote.log.storage.system.enable': true } }, 1);
    expect(engine.processes().find((process) => process.id === 'object-store')).toMatchObject({ role: 'objectStore', zone: 'region', status: 'up' });
    engine.runFor(1_000_000);
    expect(METRICS.get('objectStore.objects')!.read(engine, undefined)).toBe(0);
  });

  it('takes an outage and a slow period as faults, healed by heal; without a store they are refused by name', () => {
    const engine = createEngine({ config: { 'remote.log.storage.system.enable': true } }, 1);
    const view = () => engine.processViews().find(({ id }) => id === 'object-store')!.view.objectStore!;
    engine.inject({ kind: 'object-store-outage' });
    engine.inject({ kind: 'slow-object-store', extraLatencyMs: 250 });
    expect(view()).toMatchObject({ outage: true, extraLatencyMs: 250 });
    engine.inject({ kind: 'heal', target: 'object-store' });
    expect(view()).toMatchObject({ outage: false, extraLatencyMs: 0 });

    const without = createEngine({}, 1);
    expect(() => without.inject({ kind: 'object-store-outage' })).toThrow(
      'fault "object-store-outage": this cluster has no object store; set "remote.log.storage.system.enable": true in the cluster config to give it one',
    );
  });
});
