// Issue 6's benchmark: the replication issue's reference workload (bench/dataplane.ts: 6 brokers,
// 100 partitions RF 3, 20 MB/s of 1 KB records with acks=all, 3 consumer groups of 2) with tiered
// storage on (remote.storage.enable) for one simulated hour. Total retention is 24 hours, so the
// object store keeps everything uploaded during the hour; local retention keeps the reference's
// 2 minutes on the brokers' disks (local.retention.ms), in 4 MiB segments.
//
// Where cold bodies go (`cold`): the object store's objects, and the local segments each broker's
// simulated page cache has evicted (storage/page-cache.ts; os.page.cache.bytes is set to
// BENCH_PAGE_CACHE_BYTES here, so most of the 2-minute local tail is evicted: the default 18 GiB
// would hold all of it, and the heap with it):
//   file   a FileColdStore on the local disk (Node's stand-in for IndexedDB): the heap keeps only
//          metadata and what the page caches hold, so the heap after a full GC must stay flat.
//   heap   no cold store: every uploaded segment's batch list and every local segment stays in the
//          heap (the engine before issue 6's persistence), which grows for as long as the run goes on.
//
// Reports simulated seconds per wall second, the peak heap (sampled every 10 simulated seconds,
// garbage included), the heap after a full GC every `reportEveryMinutes` (node --expose-gc, as
// `npm run bench` runs), bytes and objects written to the cold store (object bodies and local
// segments: what the IndexedDB adapter would be given to write), and what the object store holds.
// Heap per tiered segment: the heap after GC grows with the segments uploaded (their metadata: the
// object store's index, each replica's remote segment table, the cold store's keys); the slope
// between two reports is that cost. The two points are the first report at or after
// LEDGERS_FULL_MINUTE (the checkers' ledgers are full by then) and the last: before it the slope
// is the ledgers' (~30 MB a minute against ~0.05 MB of segment metadata), so a run that ends
// before minute ~20 does not measure it (say 30 minutes or more; the hour run does).
import { createEngine, type Engine } from '../src/engine/api';
import { DATAPLANE_TOPIC_CONFIG, dataplaneConsumers } from './dataplane';
import { FileColdStore } from './file-cold-store';

/**
 * The bench's os.page.cache.bytes per broker: 64 MiB, sixteen 4 MiB segments. Small on purpose, so
 * that local segments leave the heap (the consumers read at the tail, so it costs no disk reads).
 */
export const BENCH_PAGE_CACHE_BYTES = 64 * 1_048_576;
/**
 * From this minute the durability oracle's and consumption checker's ledgers are at their bound
 * (TRACKED_BATCHES_MAX, 1 million batches, reached at minute ~13 in this load): the heap grows only
 * with per-segment metadata after it.
 */
export const LEDGERS_FULL_MINUTE = 15;

export interface TieringHourOptions {
  readonly minutes?: number;
  readonly cold?: 'file' | 'heap';
  /** os.page.cache.bytes per broker (BENCH_PAGE_CACHE_BYTES). */
  readonly pageCacheBytes?: number;
  readonly reportEveryMinutes?: number;
  /** Told at each report: the minute, the heap after GC (MB), wall ms so far. */
  readonly progress?: (minute: number, heapMb: number, wallMs: number, oracleBatches: number) => void;
}

export interface TieringHourResult {
  readonly cold: 'file' | 'heap';
  readonly simulatedSeconds: number;
  readonly wallMs: number;
  readonly heapPeakMb: number;
  /** Heap used after each report interval (after a full GC when available), MB. */
  readonly heapMbOverTime: readonly { readonly minute: number; readonly mb: number; readonly oracleBatches: number; readonly segmentsCopied: number; readonly heapBytes: number }[];
  /** Heap after GC per segment uploaded, between two reports (see the file's head), and which; null when the run is too short. */
  readonly heapPerSegment: { readonly bytes: number; readonly fromMinute: number; readonly toMinute: number } | null;
  readonly coldBytesWritten: number;
  readonly coldObjectsWritten: number;
  /** Of those, local segments evicted from the page caches (keys under local/). */
  readonly localBytesWritten: number;
  readonly localObjectsWritten: number;
  /** Summed over the brokers at the end: page cache misses, and local segments out of the heap / held in it. */
  readonly pageCacheMisses: number;
  readonly segmentsOutOfHeap: number;
  readonly segmentsHeldInHeap: number;
  /** The most bytes of closed segments any broker's page cache held resident at the end (at most os.page.cache.bytes). */
  readonly residentBytesMax: number;
  readonly objectStoreObjects: number;
  readonly objectStoreBytes: number;
  readonly segmentsCopied: number;
  readonly remoteReads: number;
  readonly lostRecords: number;
  readonly recordsAcked: number;
  readonly events: number;
  readonly traceHash: string;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapMb(): number {
  return Math.round(process.memoryUsage().heapUsed / 1e6);
}

function segmentsCopiedIn(engine: Engine): number {
  let copied = 0;
  for (const { view } of engine.processViews()) copied += view.remoteLog?.segmentsCopied ?? 0;
  return copied;
}

/** The slope of the heap after GC against segments uploaded, between two reports (see the file's head). */
export function heapPerSegmentOf(reports: TieringHourResult['heapMbOverTime']): TieringHourResult['heapPerSegment'] {
  const last = reports.at(-1);
  const from = reports.find(({ minute }) => minute >= LEDGERS_FULL_MINUTE);
  if (last === undefined || from === undefined || from === last || last.segmentsCopied === from.segmentsCopied) return null;
  return { bytes: Math.round((last.heapBytes - from.heapBytes) / (last.segmentsCopied - from.segmentsCopied)), fromMinute: from.minute, toMinute: last.minute };
}

export function createTieringHourEngine(cold: FileColdStore | null, pageCacheBytes = BENCH_PAGE_CACHE_BYTES): Engine {
  return createEngine(
    {
      config: { 'log.retention.check.interval.ms': 30_000, 'remote.log.storage.system.enable': true, 'os.page.cache.bytes': pageCacheBytes },
      topics: [
        {
          name: 'events',
          partitions: 100,
          replicationFactor: 3,
          config: { ...DATAPLANE_TOPIC_CONFIG, 'retention.ms': 86_400_000, 'remote.storage.enable': true, 'local.retention.ms': DATAPLANE_TOPIC_CONFIG['retention.ms'] },
        },
      ],
      producers: [{ topic: 'events', recordsPerSecond: 20_000, recordBytes: 1_000, acks: 'all', 'linger.ms': 5 }],
      consumers: dataplaneConsumers(3),
    },
    1,
    cold === null ? {} : { coldStore: cold },
  );
}

export function runTieringHour(options: TieringHourOptions = {}): TieringHourResult {
  const minutes = options.minutes ?? 60;
  const mode = options.cold ?? 'file';
  const every = options.reportEveryMinutes ?? 5;
  const store = mode === 'file' ? new FileColdStore() : null;
  try {
    const engine = createTieringHourEngine(store, options.pageCacheBytes);
    const heap: { minute: number; mb: number; oracleBatches: number; segmentsCopied: number; heapBytes: number }[] = [];
    let peak = heapMb();
    let gcMs = 0;
    const started = performance.now();
    for (let minute = 1; minute <= minutes; minute++) {
      for (let slice = 0; slice < 6; slice++) {
        engine.runFor(10_000_000);
        if (engine.held) throw new Error('a synchronous cold store never holds the run');
        peak = Math.max(peak, heapMb());
      }
      if (minute % every === 0 || minute === minutes) {
        // As the page does: retires what retention deleted. With 24 h of total retention nothing is
        // retired, so the oracle's ledger grows to its bound (TRACKED_BATCHES_MAX): a checker's memory.
        const status = engine.durability();
        const oracleBatches = status.acknowledgedBatches - status.lostBatches - status.forgottenBatches - status.retiredBatches;
        const gcStarted = performance.now();
        gc?.();
        gcMs += performance.now() - gcStarted;
        const heapBytes = process.memoryUsage().heapUsed;
        heap.push({ minute, mb: Math.round(heapBytes / 1e6), oracleBatches, segmentsCopied: segmentsCopiedIn(engine), heapBytes });
        options.progress?.(minute, heap.at(-1)!.mb, performance.now() - started - gcMs, oracleBatches);
      }
    }
    const wallMs = performance.now() - started - gcMs;
    const views = engine.processViews();
    const objectStore = views.find(({ id }) => id === 'object-store')!.view.objectStore!;
    let segmentsCopied = 0;
    let remoteReads = 0;
    for (const { view } of views) {
      segmentsCopied += view.remoteLog?.segmentsCopied ?? 0;
      remoteReads += view.remoteLog?.remoteReads ?? 0;
    }
    const cold = engine.coldView();
    let pageCacheMisses = 0;
    let segmentsOutOfHeap = 0;
    let segmentsHeldInHeap = 0;
    let residentBytesMax = 0;
    for (const process of engine.snapshot().processes) {
      const pageCache = process.storage?.pageCache;
      if (pageCache === undefined) continue;
      pageCacheMisses += pageCache.misses;
      segmentsOutOfHeap += pageCache.segmentsOutOfHeap;
      segmentsHeldInHeap += pageCache.segmentsHeldInHeap;
      residentBytesMax = Math.max(residentBytesMax, pageCache.residentBytes);
    }
    return {
      cold: mode,
      simulatedSeconds: minutes * 60,
      wallMs,
      heapPeakMb: peak,
      heapMbOverTime: heap,
      heapPerSegment: heapPerSegmentOf(heap),
      coldBytesWritten: cold.bytesWritten,
      coldObjectsWritten: cold.mode === 'store' ? cold.objectsWritten : 0,
      localBytesWritten: cold.localBytesWritten,
      localObjectsWritten: cold.localObjectsWritten,
      pageCacheMisses,
      segmentsOutOfHeap,
      segmentsHeldInHeap,
      residentBytesMax,
      objectStoreObjects: objectStore.objects,
      objectStoreBytes: objectStore.bytes,
      segmentsCopied,
      remoteReads,
      lostRecords: engine.durability().lostRecords,
      recordsAcked: views.find(({ id }) => id === 'producer-1')!.view.producer!.recordsAcked,
      events: engine.eventCount,
      traceHash: engine.traceHash,
    };
  } finally {
    store?.close();
  }
}

export function formatTieringHour(result: TieringHourResult): string {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  return [
    `  cold store                    ${result.cold === 'file' ? 'file on local disk (IndexedDB stand-in): bodies out of the heap' : 'none: bodies in the heap'}`,
    `  simulated s per wall second   ${(result.simulatedSeconds / (result.wallMs / 1000)).toFixed(1)}   (${(result.wallMs / 1000).toFixed(1)} s wall for ${result.simulatedSeconds} simulated s; ${result.events.toLocaleString('en-US')} events)`,
    `  heap after GC (MB) by minute  ${result.heapMbOverTime.map(({ minute, mb }) => `${minute}:${mb}`).join(' ')}${gc === undefined ? ' (no --expose-gc: garbage included)' : ''}`,
    `  durability oracle's ledger    ${result.heapMbOverTime.map(({ minute, oracleBatches }) => `${minute}:${(oracleBatches / 1e6).toFixed(2)}M`).join(' ')} acknowledged batches tracked (bound TRACKED_BATCHES_MAX, 1M)`,
    `  peak heap                     ${result.heapPeakMb} MB`,
    `  heap per segment uploaded     ${
      result.heapPerSegment === null
        ? `not measured: needs two reports from minute ${LEDGERS_FULL_MINUTE} on (the checkers' ledgers fill until then); run 30 minutes or more`
        : `${result.heapPerSegment.bytes} bytes (heap after GC from minute ${result.heapPerSegment.fromMinute} to ${result.heapPerSegment.toMinute} over the segments uploaded meanwhile)`
    }`,
    `  written to the cold store     ${mb(result.coldBytesWritten)} in ${result.coldObjectsWritten.toLocaleString('en-US')} bodies (encoded batch metadata; the simulated segments hold ${mb(result.objectStoreBytes)})`,
    `    of which local segments     ${mb(result.localBytesWritten)} in ${result.localObjectsWritten.toLocaleString('en-US')} (evicted from the page caches); object bodies ${mb(result.coldBytesWritten - result.localBytesWritten)}`,
    `  page caches (all brokers)     ${result.segmentsOutOfHeap.toLocaleString('en-US')} local segments out of the heap, ${result.segmentsHeldInHeap} evicted but held (not uploaded yet), ${result.pageCacheMisses} misses`,
    `  object store                  ${result.objectStoreObjects.toLocaleString('en-US')} objects; ${result.segmentsCopied.toLocaleString('en-US')} segments uploaded, ${result.remoteReads} remote reads`,
    `  records                       ${result.recordsAcked.toLocaleString('en-US')} acknowledged, ${result.lostRecords} lost; trace ${result.traceHash}`,
  ].join('\n');
}

// `npx tsx --expose-gc bench/tiering-hour.ts [minutes] [file|heap] [os.page.cache.bytes]` runs it alone.
if (process.argv[1]?.endsWith('tiering-hour.ts')) {
  const minutes = Number(process.argv[2] ?? 60);
  const cold = (process.argv[3] ?? 'file') as 'file' | 'heap';
  const pageCacheBytes = process.argv[4] === undefined ? BENCH_PAGE_CACHE_BYTES : Number(process.argv[4]);
  console.log(`tiering: issue 5's reference workload with remote.storage.enable, ${minutes} simulated minutes`);
  const progress = (minute: number, mb: number, wallMs: number, oracle: number) => console.log(`  ... minute ${minute}: heap after GC ${mb} MB, ${(wallMs / 1000).toFixed(0)} s wall, oracle tracking ${oracle} batches`);
  console.log(formatTieringHour(runTieringHour({ minutes, cold, pageCacheBytes, reportEveryMinutes: Math.max(1, Math.round(minutes / 12)), progress })));
}
