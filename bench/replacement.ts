// Broker replacement with and without tiered storage (KIP-405; issue 6): a broker's machine is
// replaced (fault "replace-disk": its partition logs are gone) after some minutes of load, and
// restarted; its replicas copy again from their leaders. Measured: record bytes its followers
// fetched (ReplicaView.replicationBytesIn, since the restart) and the time from the restart
// until it is back in the ISR of every partition it hosts. With tiering the followers copy only
// the local tail (OFFSET_MOVED_TO_TIERED_STORAGE); without it, everything retention still keeps.
// Printed by `npm run bench`, asserted (the direction, not the figures) by test/engine/storage.
import { createEngine, type Engine } from '../src/engine/api';

const SECOND_US = 1_000_000;
export const REPLACED_BROKER = 'broker-3';

export interface ReplacementResult {
  readonly tiering: boolean;
  readonly bytesMoved: number;
  /** From the restart until every partition it hosts has it in the ISR; null if not within the bound. */
  readonly timeToFullReplicationMs: number | null;
  readonly objectStoreBytes: number;
  readonly leaderLocalBytes: number;
  readonly wallMs: number;
}

export interface ReplacementOptions {
  readonly tiering: boolean;
  /** Minutes of load before the replacement. */
  readonly loadMinutes?: number;
  readonly recordsPerSecond?: number;
  readonly seed?: number;
}

/** 3 brokers, 3 partitions at RF 3 (every broker hosts all), 1 KiB records; retention 1 h; tiered: local retention 30 s. */
export function replacementEngine(options: ReplacementOptions): Engine {
  return createEngine(
    {
      brokers: 3,
      config: { 'remote.log.storage.system.enable': options.tiering, 'log.retention.check.interval.ms': 10_000 },
      topics: [
        {
          name: 'events',
          partitions: 3,
          replicationFactor: 3,
          config: {
            'min.insync.replicas': 2,
            'segment.bytes': 4_194_304,
            'retention.ms': 3_600_000,
            ...(options.tiering ? { 'remote.storage.enable': true, 'local.retention.ms': 30_000 } : {}),
          },
        },
      ],
      producers: [{ topic: 'events', recordsPerSecond: options.recordsPerSecond ?? 1_000, acks: 'all', 'linger.ms': 5, startMs: 5_000 }],
    },
    options.seed ?? 11,
  );
}

export function runReplacement(options: ReplacementOptions): ReplacementResult {
  const started = performance.now();
  const engine = replacementEngine(options);
  engine.runFor((5 + (options.loadMinutes ?? 3) * 60) * SECOND_US);
  engine.inject({ kind: 'replace-disk', process: REPLACED_BROKER });
  engine.runFor(15 * SECOND_US); // fenced and out of every ISR before the new machine starts
  engine.inject({ kind: 'restart', process: REPLACED_BROKER });
  const restartUs = engine.nowUs;
  const fullyReplicated = (candidate: Engine): boolean => {
    const controller = candidate.activeController();
    const image = controller === null ? null : candidate.metadataOf(controller);
    if (image === null) return false;
    for (let partition = 0; partition < 3; partition++) if (!image.partition('events', partition)!.isr.includes(REPLACED_BROKER)) return false;
    return true;
  };
  const done = engine.runUntilCondition(fullyReplicated, { maxTimeUs: restartUs + 600 * SECOND_US });
  const timeToFullReplicationMs = done ? Math.round((engine.nowUs - restartUs) / 1_000) : null;
  const views = engine.processViews();
  const replaced = views.find(({ id }) => id === REPLACED_BROKER)!.view.replicas!;
  const store = views.find(({ id }) => id === 'object-store')?.view.objectStore;
  const leaderLocalBytes = views.find(({ id }) => id === 'broker-1')!.view.replicas!.bytes;
  return { tiering: options.tiering, bytesMoved: replaced.replicationBytesIn, timeToFullReplicationMs, objectStoreBytes: store?.bytes ?? 0, leaderLocalBytes, wallMs: performance.now() - started };
}

export function formatReplacement(off: ReplacementResult, on: ReplacementResult): string {
  const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
  const time = (ms: number | null): string => (ms === null ? 'not within 600 s' : `${(ms / 1000).toFixed(1)} s`);
  const ratio = on.bytesMoved === 0 ? '∞' : (off.bytesMoved / on.bytesMoved).toFixed(1);
  return [
    '                     bytes re-copied   time to full replication   broker-1 local disk   object store',
    `  tiering off        ${mb(off.bytesMoved).padStart(12)}      ${time(off.timeToFullReplicationMs).padStart(16)}          ${mb(off.leaderLocalBytes).padStart(12)}     ${mb(off.objectStoreBytes).padStart(10)}`,
    `  tiering on         ${mb(on.bytesMoved).padStart(12)}      ${time(on.timeToFullReplicationMs).padStart(16)}          ${mb(on.leaderLocalBytes).padStart(12)}     ${mb(on.objectStoreBytes).padStart(10)}`,
    `  ratio (off / on)   ${ratio}x fewer bytes with tiering`,
  ].join('\n');
}

// Run alone: `npx tsx bench/replacement.ts`.
if (process.argv[1]?.endsWith('replacement.ts')) {
  const off = runReplacement({ tiering: false });
  const on = runReplacement({ tiering: true });
  console.log('broker replacement (3 brokers, 3 partitions RF 3, 1,000 records/s of 1 KiB for 3 min; broker-3 replaced and restarted)');
  console.log(formatReplacement(off, on));
  console.log(`  wall time: ${Math.round(off.wallMs)} ms off, ${Math.round(on.wallMs)} ms on`);
}
