// The worker bridge, end to end in Node: the same module the page loads (engine.worker.ts) runs
// in a worker_threads Worker and is driven through comlink, as the page drives it. Checks that a
// run in the worker is the same run as in this thread (trace hash), that frames flow with
// backpressure (never a second frame before the first is acknowledged), and that bad input
// comes back as a named error without breaking the worker.
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { createEngine } from '../../src/engine/api';
import type { EngineHost, Frame } from '../../src/worker/host';

const entry = fileURLToPath(new URL('./node-worker-entry.mjs', import.meta.url));

describe('engine worker over comlink (worker_threads)', { timeout: 20_000 }, () => {
  let worker: Worker;
  let host: Comlink.Remote<EngineHost>;

  beforeEach(() => {
    worker = new Worker(entry);
    worker.on('error', (error) => {
      throw new Error(`the engine worker died: ${error.message}`);
    });
    host = Comlink.wrap<EngineHost>(nodeEndpoint(worker));
  });

  afterEach(async () => {
    host[Comlink.releaseProxy]();
    await worker.terminate();
  });

  it('runs the same simulation as the engine in this thread (same seed, same trace hash)', async () => {
    const config = { brokers: 6, controllers: 3 };
    const created = await host.create(config, 42);
    expect(created.ok).toBe(true);
    const ran = await host.runFor(10_000_000);
    expect(ran.ok && ran.value).toBeGreaterThan(1_000);

    const local = createEngine(config, 42);
    local.runFor(10_000_000);
    expect(await host.traceHash()).toBe(local.traceHash);
    const snapshot = await host.snapshot();
    expect(snapshot.timeUs).toBe(10_000_000);
    expect(snapshot.events).toBe(local.eventCount);
  });

  it('streams frames while playing, one at a time: the next waits for the page to draw', async () => {
    await host.create({}, 7);
    const frames: Frame[] = [];
    let drawing = 0;
    let overlapped = false;
    await host.subscribe(
      Comlink.proxy(async (frame: Frame) => {
        drawing++;
        if (drawing > 1) overlapped = true;
        frames.push(frame);
        await new Promise((resolve) => setTimeout(resolve, 20)); // a slow page
        drawing--;
      }),
    );
    await host.setSpeed('max');
    await host.play();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (frames.at(-1)?.snapshot.timeUs ?? 0) < 5_000_000) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await host.pause();
    expect(overlapped).toBe(false);
    const last = frames.at(-1)!;
    expect(last.snapshot.timeUs).toBeGreaterThanOrEqual(5_000_000);
    const sequences = frames.map((frame) => frame.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    // Frames carry each event of the full trace at most once, in order.
    const traced = frames.flatMap((frame) => frame.snapshot.recent.map((entry) => entry.index));
    expect(new Set(traced).size).toBe(traced.length);
    expect(traced).toEqual([...traced].sort((a, b) => a - b));
  });

  it('runs a library scenario in the worker to the same trace as its golden digest', async () => {
    const text = readFileSync('public/scenarios/broker-crash.json', 'utf8');
    const golden = JSON.parse(readFileSync('test/golden/broker-crash.golden.json', 'utf8')) as { traceHash: string };
    const loaded = await host.loadScenario(text);
    expect(loaded.ok).toBe(true);
    await host.runFor(30_000_000);
    expect(await host.traceHash()).toBe(golden.traceHash);
    const report = await host.scenarioReport();
    expect(report?.passed).toBe(true);
    expect(report?.complete).toBe(true);
  });

  it('answers bad input with a named error and keeps working', async () => {
    const bad = await host.create({ brokers: 0, zones: 9 }, 1);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problems.map((problem) => problem.path)).toEqual(expect.arrayContaining(['brokers', 'zones']));
      expect(bad.error).toMatch(/brokers: got 0; expected an integer from 1 to 64/);
    }
    expect((await host.create({}, 1)).ok).toBe(true);
    const fault = await host.inject({ kind: 'crash', process: 'broker-99' });
    expect(fault.ok).toBe(false);
    if (!fault.ok) expect(fault.error).toMatch(/no process "broker-99"/);
    const crashed = await host.inject({ kind: 'crash', process: 'broker-2' });
    expect(crashed).toEqual({ ok: true, value: 'crash' });
    const snapshot = await host.snapshot();
    expect(snapshot.processes.find((process) => process.id === 'broker-2')?.status).toBe('crashed');
  });
});
