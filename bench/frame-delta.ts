// What a frame costs to cross from the worker to the page, whole or as a patch (worker/frame-delta.ts),
// on the 30-broker lesson (public/scenarios/large-cluster.json) through the worker host's own code:
// 8 simulated s to form, then 10 s in 320 ms steps (10x at ~30 frames a wall second, as the page
// bench plays it). Both sides use V8's own serializer (node:v8, the one postMessage uses): the
// worker's side is serialize (and the diff), the page's deserialize (and applying the patch).
// Prints bytes and CPU microseconds per frame, each the median of `ROUNDS` rounds over the same
// frames. Run: npx tsx bench/frame-delta.ts. Measures only; changes nothing.
// What the page's side allocates per frame (deserialize, then apply), which does not depend on the
// machine's load, is printed when the young generation is large enough that no scavenge runs while
// one frame is decoded: node --max-semi-space-size=512 --min-semi-space-size=512 --import tsx
// bench/frame-delta.ts (a scavenge empties the space and makes its frame unreadable: such frames
// are left out).
import { readFileSync } from 'node:fs';
import { deserialize, getHeapSpaceStatistics, serialize } from 'node:v8';
import { applyPatch, diffValue } from '../src/worker/frame-delta';
import { EngineHost, type Frame } from '../src/worker/host';

const SECOND_US = 1_000_000;
const ROUNDS = 15;

const settle = () => new Promise((resolve) => setImmediate(resolve));

const host = new EngineHost({ now: () => 0 }, { schedule: (task) => void setTimeout(task, 0) });
const frames: Frame[] = [];
host.subscribe((frame) => void frames.push(frame));
const loaded = host.loadScenario(readFileSync('public/scenarios/large-cluster.json', 'utf8'));
if (!loaded.ok) throw new Error(loaded.error);
await host.runFor(8 * SECOND_US);
await settle();
const from = frames.length;
for (let ranUs = 0; ranUs < 10 * SECOND_US; ranUs += 320_000) {
  await host.runFor(320_000);
  await settle();
}
const measured = frames.slice(from - 1);

function cpuUs(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}
const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const pairs = measured.length - 1;
const rounds = { wholeOut: [] as number[], wholeIn: [] as number[], patchOut: [] as number[], patchIn: [] as number[] };
let wholeBytes = 0;
let patchBytes = 0;
for (let round = 0; round < ROUNDS; round++) {
  const wholeWire: Buffer[] = [];
  const patchWire: Buffer[] = [];
  rounds.wholeOut.push(cpuUs(() => { for (let i = 1; i <= pairs; i++) wholeWire.push(serialize(measured[i])); }));
  rounds.patchOut.push(cpuUs(() => { for (let i = 1; i <= pairs; i++) patchWire.push(serialize(diffValue(measured[i - 1], measured[i]))); }));
  rounds.wholeIn.push(cpuUs(() => { for (const bytes of wholeWire) deserialize(bytes); }));
  let held: unknown = deserialize(serialize(measured[0]));
  rounds.patchIn.push(cpuUs(() => { for (const bytes of patchWire) held = applyPatch(held, deserialize(bytes)); }));
  wholeBytes = wholeWire.reduce((sum, bytes) => sum + bytes.length, 0);
  patchBytes = patchWire.reduce((sum, bytes) => sum + bytes.length, 0);
}
const perFrame = (values: number[]) => (median(values) / pairs).toFixed(0);
console.log(`${pairs} frames at 30 brokers, median of ${ROUNDS} rounds, per frame:`);
console.log(`  whole  ${(wholeBytes / pairs / 1024).toFixed(1)} KB serialized; worker serialize ${perFrame(rounds.wholeOut)} µs, page deserialize ${perFrame(rounds.wholeIn)} µs`);
console.log(`  patch  ${(patchBytes / pairs / 1024).toFixed(1)} KB serialized; worker diff+serialize ${perFrame(rounds.patchOut)} µs, page deserialize+apply ${perFrame(rounds.patchIn)} µs`);

/** Bytes used in V8's young generation (new objects land there until a scavenge). */
const youngBytes = (): number => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? 0;
const patchWire = measured.slice(1).map((frame, i) => serialize(diffValue(measured[i], frame)));
let held: unknown = deserialize(serialize(measured[0]));
let deserializedBytes = 0;
let appliedBytes = 0;
let readable = 0;
for (const bytes of patchWire) {
  const before = youngBytes();
  const patch = deserialize(bytes) as Parameters<typeof applyPatch>[1];
  const deserialized = youngBytes();
  held = applyPatch(held, patch);
  const applied = youngBytes();
  if (deserialized < before || applied < deserialized) continue;
  deserializedBytes += deserialized - before;
  appliedBytes += applied - deserialized;
  readable++;
}
if (readable >= pairs / 2) {
  console.log(`  page allocates per patch: deserialize ${(deserializedBytes / readable / 1024).toFixed(1)} KB, apply ${(appliedBytes / readable / 1024).toFixed(1)} KB (${readable} of ${pairs} frames without a scavenge)`);
} else {
  console.log(`  page allocations: unreadable (${readable} of ${pairs} frames without a scavenge); run with node --max-semi-space-size=512 --min-semi-space-size=512 --import tsx`);
}
