// How many topology cards a frame redraws while the 30-broker lesson plays (issue 7, item 9),
// headless and load-independent: the page bench's lesson (public/scenarios/large-cluster.json)
// through EngineHost, one frame per FRAME_SIM_US of simulated time and FRAME_WALL_MS of wall time
// (10x at ~31 worker messages a second, as bench/page.ts measured on a quiet machine), each frame's
// cards chosen by card-refresh.ts's nextShownCards. Prints cards redrawn per frame (mean, p95, max)
// and per wall second, split into state changes (shown at once) and figures whose phase came, and
// which part of the state key changed most. Beside it, the rule it replaced (a third of the cards
// per frame, in turns) on the same frames. A second argument adds a gap of that many wall ms
// before every GAP_EVERY-th frame (a slow frame, a slow worker task, a GC: what made a frame after
// it bring due every card whose phase passed in the gap, before refresh-budget.ts).
// Run: npx tsx bench/card-refresh.ts [wallMsPerFrame] [gapMs]
// Measures only; changes nothing.
import { readFileSync } from 'node:fs';
import type { ProcessSnapshot } from '../src/engine/api';
import { cardStateKey, nextShownCards, type ShownCards } from '../src/ui/card-refresh';
import { EngineHost, type Frame } from '../src/worker/host';

const SECOND_US = 1_000_000;
const FORM_US = 4 * SECOND_US;
const MEASURE_US = 120 * SECOND_US;
const FRAME_WALL_MS = Number(process.argv[2] ?? 32);
const FRAME_SIM_US = Math.round(FRAME_WALL_MS * 10 * 1_000);
/** A gap of GAP_MS wall ms (none: 0) before every GAP_EVERY-th frame: about once a wall second at 32 ms a frame. */
const GAP_MS = Number(process.argv[3] ?? 0);
const GAP_EVERY = 31;
/** The rule before: a card whose figures alone changed waited for its turn, one frame in TURNS. */
const TURNS = 3;

const settle = () => new Promise((resolve) => setImmediate(resolve));

const host = new EngineHost({ now: () => 0 }, { schedule: (task) => void setTimeout(task, 0) });
let last: Frame | null = null;
host.subscribe((frame) => {
  last = frame;
});
const loaded = host.loadScenario(readFileSync('public/scenarios/large-cluster.json', 'utf8'));
if (!loaded.ok) throw new Error(loaded.error);
await host.runFor(FORM_US);
await settle();

let shown: ShownCards | null = null;
let turns: { turn: number; shown: Map<string, { process: ProcessSnapshot; state: string }> } | null = null;
const perFrame: number[] = [];
const perFrameTurns: number[] = [];
let byState = 0;
let byPhase = 0;
const changedParts = new Map<number, number>();
let frames = 0;
for (let ranUs = 0; ranUs < MEASURE_US; ranUs += FRAME_SIM_US) {
  const outcome = await host.runFor(FRAME_SIM_US);
  if (!outcome.ok) throw new Error(outcome.error);
  await settle();
  const snapshot = (last as Frame | null)!.snapshot;
  const nowMs = frames * FRAME_WALL_MS + Math.floor(frames / GAP_EVERY) * GAP_MS;
  frames++;
  const previous: ShownCards | null = shown;
  shown = nextShownCards(previous, snapshot.processes, { nowMs, timeUs: snapshot.timeUs, exact: false });
  let redrawn = 0;
  for (const process of snapshot.processes) {
    const before = previous?.shown.get(process.id);
    const now = shown.shown.get(process.id)!;
    if (before === undefined || now === before || before.process === process) continue;
    redrawn++;
    const stateBefore = cardStateKey(before.process);
    const stateNow = cardStateKey(now.process);
    if (stateBefore !== stateNow) {
      byState++;
      const a = stateBefore.split('|');
      const b = stateNow.split('|');
      a.forEach((part, index) => {
        if (part !== b[index]) changedParts.set(index, (changedParts.get(index) ?? 0) + 1);
      });
    } else byPhase++;
  }
  if (previous !== null) perFrame.push(redrawn);
  // The rule before, on the same frames.
  const turn: number = (turns?.turn ?? -1) + 1;
  const next = new Map<string, { process: ProcessSnapshot; state: string }>();
  let redrawnTurns = 0;
  snapshot.processes.forEach((process, index) => {
    const state = cardStateKey(process);
    const before = turns?.shown.get(process.id);
    const due = before === undefined || before.state !== state || (index + turn) % TURNS === 0;
    next.set(process.id, due ? { process, state } : before);
    if (before !== undefined && due && before.process !== process) redrawnTurns++;
  });
  if (turns !== null) perFrameTurns.push(redrawnTurns);
  turns = { turn, shown: next };
}

function summary(counts: number[]): string {
  const sorted = [...counts].sort((a, b) => a - b);
  const mean = counts.reduce((sum, count) => sum + count, 0) / counts.length;
  const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!;
  const wallMs = counts.length * FRAME_WALL_MS + Math.floor(counts.length / GAP_EVERY) * GAP_MS;
  return `mean ${mean.toFixed(1)}, p95 ${p95}, max ${sorted.at(-1)}; per wall second ${((mean * counts.length * 1_000) / wallMs).toFixed(0)}`;
}
const processes = (last as Frame | null)!.snapshot.processes.length;
console.log(`large-cluster.json, ${processes} cards, ${perFrame.length} frames of ${FRAME_SIM_US / 1_000} simulated ms at ${FRAME_WALL_MS} wall ms${GAP_MS > 0 ? `, a gap of ${GAP_MS} ms before every ${GAP_EVERY}th` : ''}`);
console.log(`  phases (card-refresh.ts)   cards redrawn per frame ${summary(perFrame)}; by state ${byState}, by phase ${byPhase}`);
console.log(`  turns of ${TURNS} (before)        cards redrawn per frame ${summary(perFrameTurns)}`);
console.log(`  state key parts changed (index: count): ${[...changedParts].sort((a, b) => b[1] - a[1]).map(([index, count]) => `${index}: ${count}`).join(', ')}`);
