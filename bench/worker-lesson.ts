// The page bench's 30-broker lesson (public/scenarios/large-cluster.json) through the worker
// host's own code path, headless in Node: EngineHost runs 160 simulated ms per frame (10x at
// ~60 frames a wall second) and builds every frame as it does for the page. Prints CPU ms per
// simulated second, with frames built and without (no listener: the host builds none), so the
// split engine / frame building reads off the two. Run: npx tsx bench/worker-lesson.ts [frames|engine|both]
// Measures only; changes nothing. Time here is the process's CPU time (process.cpuUsage).
import { readFileSync } from 'node:fs';
import { EngineHost, type Frame } from '../src/worker/host';

const SECOND_US = 1_000_000;
const FORM_US = 5 * SECOND_US;
const MEASURE_US = 30 * SECOND_US;
const FRAME_SIM_US = 160_000;

const settle = () => new Promise((resolve) => setImmediate(resolve));

async function run(withFrames: boolean): Promise<{ cpuMsPerSimSecond: number; frames: number; largestBytes: number }> {
  const host = new EngineHost({ now: () => 0 }, { schedule: (task) => void setTimeout(task, 0) });
  let frames = 0;
  let largestBytes = 0;
  let last: Frame | null = null;
  if (withFrames) {
    host.subscribe((frame) => {
      frames++;
      last = frame;
    });
  }
  const loaded = host.loadScenario(readFileSync('public/scenarios/large-cluster.json', 'utf8'));
  if (!loaded.ok) throw new Error(loaded.error);
  await host.runFor(FORM_US);
  await settle();
  const start = process.cpuUsage();
  for (let ranUs = 0; ranUs < MEASURE_US; ranUs += FRAME_SIM_US) {
    const outcome = await host.runFor(FRAME_SIM_US);
    if (!outcome.ok) throw new Error(outcome.error);
    await settle();
  }
  const used = process.cpuUsage(start);
  if (last !== null && process.env.FRAME_BYTES === '1') largestBytes = JSON.stringify(last).length;
  return { cpuMsPerSimSecond: (used.user + used.system) / 1_000 / (MEASURE_US / SECOND_US), frames, largestBytes };
}

const mode = process.argv[2] ?? 'both';
if (mode === 'frames' || mode === 'both') console.log('frames', JSON.stringify(await run(true)));
if (mode === 'engine' || mode === 'both') console.log('engine only', JSON.stringify(await run(false)));
