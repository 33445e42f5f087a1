// Load actions through the worker's host, as the page sends them. Goal: they are recorded and
// marked like faults, so a rewind to before them shows the cluster without the added clients and
// topic, a rewind to after shows them again with the original trace hash, and the timeline's
// markers say what each was in plain words.
// Method: the host with a hand-run scheduler (as rewind.test.ts); states read while the run goes.
import { describe, expect, it } from 'vitest';
import { describeFault, parseFault } from '../../src/engine/faults';
import { EngineHost, type Frame, type HostClock, type HostScheduler, type SeekResult } from '../../src/worker/host';

const SECOND = 1_000_000;
const CONFIG = { brokers: 3, controllers: 1, topics: [{ name: 'orders', partitions: 3, replicationFactor: 3 }] };

class World implements HostClock, HostScheduler {
  wallMs = 0;
  tasks: (() => void)[] = [];
  now(): number {
    return this.wallMs;
  }
  schedule(task: () => void): void {
    this.tasks.push(task);
  }
  async until<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    void promise.then(() => (settled = true));
    for (let guard = 0; guard < 100_000 && !settled; guard++) {
      const task = this.tasks.shift();
      if (task !== undefined) task();
      await Promise.resolve();
    }
    return promise;
  }
}

describe('load actions in the host', () => {
  it('rewinding before them removes the clients and the topic; back after them, the same run', async () => {
    const world = new World();
    const host = new EngineHost(world, world, null, () => 0);
    const frames: Frame[] = [];
    host.subscribe((frame) => void frames.push(frame));
    host.create(CONFIG, 9);
    host.runFor(3 * SECOND);
    const actions = [
      { kind: 'create-topic', name: 'payments', partitions: 2, replicationFactor: 3 },
      { kind: 'add-producer', topic: 'payments', recordsPerSecond: 200 },
      { kind: 'add-consumer', topic: 'payments', 'group.id': 'audit' },
    ];
    for (const action of actions) expect(host.inject(action)).toMatchObject({ ok: true });
    host.runFor(4 * SECOND);
    expect(host.inject({ kind: 'remove-consumer', process: 'consumer-1' })).toMatchObject({ ok: true });
    host.runFor(2 * SECOND);
    const head = { hash: host.traceHash(), snapshot: host.snapshot() };
    expect(head.snapshot.topics.map((topic) => topic.name)).toContain('payments');

    const before = (await world.until(host.seek(2 * SECOND))) as { ok: true; value: SeekResult };
    expect(before.ok).toBe(true);
    const early = host.snapshot();
    expect(early.processes.some((process) => process.id === 'producer-1')).toBe(false);
    expect(early.topics.some((topic) => topic.name === 'payments')).toBe(false);

    const back = (await world.until(host.seek(9 * SECOND))) as { ok: true; value: SeekResult };
    expect(back.value.traceHash).toBe(head.hash);
    expect(host.snapshot().processes.find((process) => process.id === 'consumer-1')?.status).toBe('stopped');

    await new Promise((resolve) => setTimeout(resolve, 0));
    const mine = frames.flatMap((frame) => frame.timeline.markers).filter((marker) => marker.kind === 'you').map((marker) => marker.text);
    // Each marker names what the engine applied, generated id included.
    expect(mine).toEqual([
      describeFault(parseFault(actions[0])),
      describeFault(parseFault({ ...actions[1], id: 'producer-1', zone: 'zone-a' })),
      describeFault(parseFault({ ...actions[2], id: 'consumer-1', zone: 'zone-a' })),
      describeFault(parseFault({ kind: 'remove-consumer', process: 'consumer-1' })),
    ]);
    expect(mine[1]).toBe('add producer-1 to payments: 200 records/s of 1024 bytes, acks=all, in zone-a');
  });
});
