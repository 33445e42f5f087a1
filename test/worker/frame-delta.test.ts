// Frames travel as patches (worker/frame-delta.ts): at 30 brokers and 1,000 partitions (the lesson
// large-cluster.json) the page receives the first frame whole and each later one as a patch against
// the frame it acknowledged, and rebuilds exactly the frame the host built, through crashes, an
// inspected process and the raw trace shown. Each message crosses as the browser sends it
// (structuredClone), so the page never shares an object with the worker.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyPatch, diffValue, FrameDecoder, FrameDeltaEncoder, type FrameMessage } from '../../src/worker/frame-delta';
import { EngineHost, type Frame } from '../../src/worker/host';

const SECOND = 1_000_000;
const FRAME_BYTES_MAX = 100 * 1024;
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const bytesOf = (value: unknown): number => JSON.stringify(value).length;

interface Wire {
  host: EngineHost;
  /** Each frame as the host built it, cloned when sent. */
  built: Frame[];
  messages: FrameMessage[];
  /** Each frame as the page rebuilt it. */
  rebuilt: Frame[];
}

function largeClusterOverTheWire(): Wire {
  const host = new EngineHost({ now: () => 0 }, { schedule: (task) => void setTimeout(task, 0) });
  const wire: Wire = { host, built: [], messages: [], rebuilt: [] };
  const decoder = new FrameDecoder();
  const encoder = new FrameDeltaEncoder();
  const toPage = encoder.listenerFor((message) => {
    const received = structuredClone(message);
    wire.messages.push(received);
    wire.rebuilt.push(decoder.decode(received));
  });
  host.subscribe((frame) => {
    wire.built.push(structuredClone(frame));
    return toPage(frame);
  });
  expect(host.loadScenario(readFileSync('public/scenarios/large-cluster.json', 'utf8')).ok).toBe(true);
  return wire;
}

async function play(host: EngineHost, durationUs: number, stepUs: number): Promise<void> {
  for (let ranUs = 0; ranUs < durationUs; ranUs += stepUs) {
    expect((await host.runFor(stepUs)).ok).toBe(true);
    await settle();
  }
}

describe('frames over the wire at 30 brokers', () => {
  it('travel whole once, then as patches a fraction of their size, and the page rebuilds each exactly', async () => {
    const wire = largeClusterOverTheWire();
    await play(wire.host, 8 * SECOND, SECOND);
    // Ten simulated seconds in the page's rhythm (320 ms a frame at 10x and ~30 frames a second).
    const from = wire.messages.length;
    await play(wire.host, 10 * SECOND, 320_000);
    // A crash, an inspected broker (its view travels whole), the raw trace shown: keys come and go.
    expect(wire.host.inject({ kind: 'crash', process: 'broker-7' }).ok).toBe(true);
    expect(wire.host.setInspectedProcess('broker-4').ok).toBe(true);
    wire.host.setTraceShown(true);
    await play(wire.host, 2 * SECOND, 320_000);
    wire.host.setTraceShown(false);
    expect(wire.host.setInspectedProcess(null).ok).toBe(true);
    await play(wire.host, SECOND, 320_000);

    expect(wire.messages[0]!.kind).toBe('whole');
    expect(wire.messages.slice(1).every((message) => message.kind === 'patch')).toBe(true);
    expect(wire.rebuilt).toHaveLength(wire.built.length);
    for (let i = 0; i < wire.built.length; i++) expect(wire.rebuilt[i], `frame ${i + 1}`).toStrictEqual(wire.built[i]);
    // The crash reached the page through a patch.
    const crashed = wire.rebuilt.at(-1)!.snapshot.processes.find((process) => process.id === 'broker-7')!;
    expect(crashed.status).not.toBe('up');

    // While playing, a patch carries what changed: measured ~18 KB against ~88 KB whole (20%).
    const playing = wire.messages.slice(from, from + 30);
    const wholeBytes = wire.built.slice(from, from + 30).reduce((sum, frame) => sum + bytesOf(frame), 0);
    const patchBytes = playing.reduce((sum, message) => sum + bytesOf(message), 0);
    expect(patchBytes / wholeBytes).toBeLessThan(0.25);
    expect(Math.max(...wire.messages.map(bytesOf))).toBeLessThan(FRAME_BYTES_MAX);
  });

  it('sends the next frame whole after the page refused a patch (a resync), at once while paused, and on a new subscription', async () => {
    const host = new EngineHost({ now: () => 0 }, { schedule: (task) => void setTimeout(task, 0) });
    expect(host.loadScenario(readFileSync('public/scenarios/large-cluster.json', 'utf8')).ok).toBe(true);
    const decoder = new FrameDecoder();
    const received: FrameMessage[] = [];
    let refuse = false;
    host.subscribeFrames((message) => {
      received.push(message);
      if (refuse) {
        refuse = false;
        return Promise.reject(new Error('the page refused this frame'));
      }
      decoder.decode(structuredClone(message));
      return undefined;
    });
    await play(host, 3 * SECOND, SECOND);
    // Paused: inspecting a broker publishes one patch, which the page refuses; nothing else runs.
    refuse = true;
    expect(host.setInspectedProcess('broker-2').ok).toBe(true);
    await settle();
    await settle();
    const refused = received.at(-2)!;
    const resent = received.at(-1)!;
    expect(refused.kind).toBe('patch');
    expect(resent.kind).toBe('whole');
    if (resent.kind === 'whole' && refused.kind === 'patch') expect(resent.frame.sequence).toBe(refused.sequence + 1);
    // Then patches again, against the whole frame.
    await play(host, SECOND, SECOND);
    expect(received.at(-1)!.kind).toBe('patch');

    const again: FrameMessage[] = [];
    host.subscribeFrames((message) => void again.push(message));
    await play(host, SECOND, SECOND);
    expect(again.map((message) => message.kind)).toEqual(['whole', 'patch']);
  });

  it('refuses a patch against a frame the page does not hold, naming both', () => {
    const decoder = new FrameDecoder();
    expect(() => decoder.decode({ kind: 'patch', base: 4, sequence: 5, patch: {} })).toThrow('frame 5 is a patch against frame 4, but the page holds none');
  });
});

describe('patches', () => {
  it('keep what did not change, keys in their order and undefined values', () => {
    const before = { a: { deep: [1, 2, 3] }, b: { x: 1, y: undefined as number | undefined }, c: [{ id: 'p' }, { id: 'q' }] };
    const after = { a: before.a, b: { x: 2, y: undefined }, c: [{ id: 'p' }, { id: 'r' }] };
    const patch = diffValue(before, after)!;
    expect(patch).toEqual({ b: { x: 2 }, c: { 1: { id: 'r' } } });
    const rebuilt = applyPatch(structuredClone(before), structuredClone(patch)) as typeof after;
    expect(rebuilt).toStrictEqual(after);
    expect(Object.keys(rebuilt.b)).toEqual(['x', 'y']);
    expect(before.b.x, 'the value patched is not changed').toBe(1);
    const kept = { ...before };
    expect((applyPatch(kept, patch) as typeof after).a).toBe(kept.a);
  });

  it('replace an object whose keys changed or moved, and an array whose length changed, whole', () => {
    expect(diffValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toEqual([{ b: 2, a: 1 }]);
    expect(diffValue({ a: 1 }, { a: 1, b: undefined })).toEqual([{ a: 1, b: undefined }]);
    expect(diffValue([1, 2], [1, 2, 3])).toEqual([[1, 2, 3]]);
    expect(diffValue(new Map([[1, 2]]), new Map([[1, 2]]))).toHaveLength(1);
    expect(diffValue({ n: Number.NaN }, { n: Number.NaN })).toBeUndefined();
    expect(applyPatch({ b: 2, a: 1 }, [{ a: 1 }])).toEqual({ a: 1 });
  });

  it('carry a changed number, string, boolean or null bare, and anything else (undefined, an object, an array) wrapped', () => {
    // Goal: the counters that make most of a patch travel without an array each; a wrapped value and
    // a nested patch stay told apart. Method: each kind of change, its patch, and the round trip
    // through structuredClone (as postMessage sends it).
    const before = { n: 1, s: 'a', b: false, z: null as number | null, u: 1 as number | undefined, o: 'x' as unknown, l: 1 as unknown, big: 1n, keep: { k: 1 } };
    const after = { n: 2.5, s: 'b', b: true, z: 0, u: undefined, o: { k: 2 }, l: [3], big: 2n, keep: before.keep };
    const patch = diffValue(before, after)!;
    expect(patch).toStrictEqual({ n: 2.5, s: 'b', b: true, z: 0, u: [undefined], o: [{ k: 2 }], l: [[3]], big: 2n });
    expect(diffValue({ v: 1 }, { v: null })).toStrictEqual({ v: null });
    expect(diffValue({ v: null }, { v: 1 })).toStrictEqual({ v: 1 });
    const rebuilt = applyPatch(structuredClone(before), structuredClone(patch)) as typeof after;
    expect(rebuilt).toStrictEqual({ ...after, keep: { k: 1 } });
    expect(applyPatch(before, patch)).toHaveProperty('keep', before.keep);
    // A bare leaf and a nested patch of the same key are not confused: an object patches, a value replaces.
    expect(applyPatch({ v: { k: 1 } }, { v: { k: 0 } })).toStrictEqual({ v: { k: 0 } });
    expect(applyPatch({ v: { k: 1 } }, { v: 0 })).toStrictEqual({ v: 0 });
  });
});
