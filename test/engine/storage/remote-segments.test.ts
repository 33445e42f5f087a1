// What a tiered segment costs in the heap once its body is cold, and that the compact forms keep
// what Kafka keeps.
//
// Goal: a long tiered run grows the heap only by per-segment metadata (KIP-405's
// RemoteLogSegmentMetadata in each replica's table, the object store's index entry, the cold
// store's key), and that is under 300 bytes a segment. Method: first the remote segment table by
// itself (every field round-trips, a multi-epoch segment keeps its map, changes make new tables and
// leave old ones as they were); then a structural bound: 6,000 segments' metadata built through
// the code the engine uses (PutObject into the object store, with the bench's file cold store, and
// the tables replicas hold), the heap measured after a full GC before and after.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FileColdStore } from '../../../bench/file-cold-store';
import { LEDGERS_FULL_MINUTE, heapPerSegmentOf } from '../../../bench/tiering-hour';
import type { RemoteLogSegmentMetadata } from '../../../src/engine/broker/partition-log';
import { Prng } from '../../../src/engine/sim/prng';
import type { Effects, Message } from '../../../src/engine/sim/process';
import { ColdTier } from '../../../src/engine/storage/cold-tier';
import { OBJECT_HEADER_BYTES, ObjectIndex, ObjectStore, type ObjectStoreDisk } from '../../../src/engine/storage/object-store';
import { RemoteSegmentTable, remoteObjectKey } from '../../../src/engine/storage/remote-segments';

function record(partitionKey: string, baseOffset: number, overrides: Partial<RemoteLogSegmentMetadata> = {}): RemoteLogSegmentMetadata {
  const leaderEpoch = overrides.leaderEpoch ?? 3;
  return {
    objectKey: remoteObjectKey(partitionKey, baseOffset, leaderEpoch),
    baseOffset,
    endOffset: baseOffset + 4_095,
    leaderEpoch,
    segmentLeaderEpochs: [{ epoch: leaderEpoch, startOffset: baseOffset }],
    segmentSizeInBytes: 4_194_304,
    maxTimestampUs: 3_600_000_000 + baseOffset,
    state: 'COPY_SEGMENT_FINISHED',
    ...overrides,
  };
}

describe('the remote segment table', () => {
  it('gives back every field of RemoteLogSegmentMetadata as it was stored, the object key derived', () => {
    const records = [record('events-7', 0), record('events-7', 4_096, { state: 'COPY_SEGMENT_STARTED', leaderEpoch: 4 }), record('events-7', 8_192, { maxTimestampUs: 2 ** 40 })];
    const table = RemoteSegmentTable.of('events-7', records);
    expect([...table]).toEqual(records);
    expect(table.objectKey(1)).toBe('events-7/4096-4.log');
    expect(table.highestCopiedOffset, 'the STARTED copy does not count').toBe(12_287);
    expect(table.segmentsWithEpochMaps, 'one epoch from the base offset: a column, no map').toBe(0);
  });

  it('keeps the whole epoch map of a segment that holds more than one leader epoch (a leader change inside it)', () => {
    const epochs = [
      { epoch: 3, startOffset: 100 },
      { epoch: 5, startOffset: 180 },
    ];
    const table = RemoteSegmentTable.of('events-0', [record('events-0', 0), record('events-0', 100, { segmentLeaderEpochs: epochs, leaderEpoch: 5 })]);
    expect(table.segmentLeaderEpochs(1)).toEqual(epochs);
    expect(table.segmentsWithEpochMaps).toBe(1);
    // Removing the first row moves the map with its segment.
    const later = table.without(0);
    expect(later.at(0).segmentLeaderEpochs).toEqual(epochs);
    expect(later.at(0).baseOffset).toBe(100);
  });

  it('is immutable: every change makes a new table and the old one still says what it said (followers may hold it)', () => {
    const first = RemoteSegmentTable.of('events-1', [record('events-1', 0, { state: 'COPY_SEGMENT_STARTED' })]);
    const finished = first.withState(0, 'COPY_SEGMENT_FINISHED');
    const appended = finished.append(record('events-1', 4_096, { state: 'COPY_SEGMENT_STARTED' }));
    const deleting = appended.withState(0, 'DELETE_SEGMENT_STARTED');
    const dropped = deleting.withoutState('COPY_SEGMENT_STARTED');
    expect(first.state(0)).toBe('COPY_SEGMENT_STARTED');
    expect(finished.state(0)).toBe('COPY_SEGMENT_FINISHED');
    expect(finished.length).toBe(1);
    expect(appended.length).toBe(2);
    expect(deleting.state(0)).toBe('DELETE_SEGMENT_STARTED');
    expect(appended.state(0)).toBe('COPY_SEGMENT_FINISHED');
    expect(dropped.length).toBe(1);
    expect(dropped.withoutState('COPY_SEGMENT_STARTED'), 'nothing to drop: the same table').toBe(dropped);
    expect(appended.without(-1), 'a copy when the row is gone (followers hear the list again, as before)').not.toBe(appended);
    expect([...appended.without(-1)]).toEqual([...appended]);
    expect(deleting.holds(0, 4_095), 'DELETE_SEGMENT_STARTED: the object is still stored').toBe(true);
    expect(deleting.holds(4_096, 4_100), 'a STARTED copy holds nothing yet').toBe(false);
    expect(appended.rowHolding(5_000)).toBe(-1);
    expect(appended.rowHolding(4_095)).toBe(0);
    expect(appended.rowOf(4_096, 3)).toBe(1);
  });

  it('refuses a record whose key is not its own or whose size is not a Java int, naming both', () => {
    const table = RemoteSegmentTable.empty('events-2');
    expect(() => table.append({ ...record('events-2', 0), objectKey: 'events-3/0-3.log' })).toThrow('remote segments of events-2: the object key "events-3/0-3.log" is not events-2/0-3.log');
    expect(() => table.append(record('events-2', 0, { segmentSizeInBytes: 2 ** 31 }))).toThrow("segmentSizeInBytes 2147483648 is not a size Kafka's int holds");
  });
});

describe('heap per tiered segment, a structural bound', () => {
  it(`holds a cold segment's metadata in under 300 bytes of heap: ${RemoteSegmentTable.BYTES_PER_SEGMENT} bytes of columns per table, the object index, the cold store's key`, () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const partitions = 60;
    const perPartition = 100;
    const segments = partitions * perPartition;
    const fileStore = new FileColdStore();
    try {
      gc();
      const before = process.memoryUsage().heapUsed;
      // The object store as the engine builds it, with the bench's cold store: bodies go to a file.
      const disk: ObjectStoreDisk = { objects: new ObjectIndex(), bodies: new ColdTier(fileStore), bytes: 0, outage: false, extraLatencyUs: 0 };
      const store = new ObjectStore({ requestLatencyUs: 20_000, bytesPerSecond: 100e6 }, disk);
      const fx = { self: 'object-store', nowUs: 0, prng: new Prng(1), setTimer: () => undefined, send: () => undefined } as unknown as Effects<Message>;
      // Every replica's table: three per partition, each a different version (the worst case: a
      // follower that has not heard the latest yet); in steady state the followers share the leader's.
      const tables: RemoteSegmentTable[] = [];
      let requestId = 0;
      for (let partition = 0; partition < partitions; partition++) {
        const key = `events-${partition}`;
        const records: RemoteLogSegmentMetadata[] = [];
        for (let index = 0; index < perPartition; index++) {
          const metadata = record(key, index * 4_096);
          records.push(metadata);
          const batch = { baseOffset: metadata.baseOffset, records: 1, bytes: 1_000, epoch: 3, producerId: 1, baseSequence: index, batchId: `p/${index}`, appendedUs: 0, createdUs: 0 };
          store.handleRequest('broker-1', { type: 'PutObject', bytes: OBJECT_HEADER_BYTES, requestId: ++requestId, key: metadata.objectKey, objectBytes: metadata.segmentSizeInBytes, payload: [batch] }, fx);
        }
        tables.push(RemoteSegmentTable.of(key, records), RemoteSegmentTable.of(key, records.slice(0, -1)), RemoteSegmentTable.of(key, records.slice(0, -2)));
      }
      // The answers the store would send are pending timers here: they are per request, not per segment.
      (store as unknown as { pending: Map<number, unknown> }).pending.clear();
      gc();
      const after = process.memoryUsage().heapUsed;
      const perSegment = (after - before) / segments;
      expect(disk.objects.size).toBe(segments);
      expect(fileStore.objects).toBe(segments);
      expect(tables.every((table) => table.segmentsWithEpochMaps === 0)).toBe(true);
      expect(perSegment, `${perSegment.toFixed(0)} bytes of heap per segment`).toBeLessThan(300);
      expect(perSegment, 'the measurement saw the metadata (a segment is not free)').toBeGreaterThan(3 * RemoteSegmentTable.BYTES_PER_SEGMENT);
    } finally {
      fileStore.close();
    }
  });
});

describe("the tiering bench's heap per segment", () => {
  const report = (minute: number, heapBytes: number, segmentsCopied: number) => ({ minute, mb: Math.round(heapBytes / 1e6), oracleBatches: 0, heapBytes, segmentsCopied });

  it(`is the slope from the first report at minute ${LEDGERS_FULL_MINUTE} or later (the ledgers are full) to the last`, () => {
    const reports = [report(10, 300e6, 2_800), report(15, 500e6, 4_200), report(20, 500.5e6, 5_600), report(25, 501e6, 7_000)];
    expect(heapPerSegmentOf(reports)).toEqual({ bytes: Math.round(1e6 / 2_800), fromMinute: 15, toMinute: 25 });
  });

  it('is not measured by a run that ends before it has two such reports: the ledgers would be the slope', () => {
    expect(heapPerSegmentOf([report(6, 240e6, 1_600), report(12, 456e6, 3_248)])).toBeNull();
    expect(heapPerSegmentOf([report(10, 390e6, 2_800), report(15, 500e6, 4_200)])).toBeNull();
  });
});
