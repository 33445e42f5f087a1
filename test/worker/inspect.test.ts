// The host carries the partition the page inspects, in detail, in every frame: chosen with
// setInspected (a frame follows at once), answered as of the frame's moment (so a rewind shows the
// earlier detail), null when the metadata has no such partition, and gone when the page stops
// inspecting. A bad target is refused with a sentence. Frames stay small: one partition's detail.
import { describe, expect, it } from 'vitest';
import { EngineHost, type Frame } from '../../src/worker/host';

const SECOND = 1_000_000;

function setUp(): { host: EngineHost; frames: Frame[] } {
  const host = new EngineHost({ now: () => 0 }, { schedule: (task) => void setTimeout(task, 0) });
  const frames: Frame[] = [];
  host.subscribe((frame) => void frames.push(frame));
  const created = host.create(
    {
      topics: [{ name: 'orders', partitions: 3, replicationFactor: 3 }],
      producers: [{ topic: 'orders', recordsPerSecond: 1_000, acks: 'all', startMs: 2_000 }],
    },
    3,
  );
  expect(created.ok).toBe(true);
  return { host, frames };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the inspected partition in frames', () => {
  it('is carried once chosen, follows the run, and is gone once the page stops inspecting', async () => {
    const { host, frames } = setUp();
    expect((await host.runFor(6 * SECOND)).ok).toBe(true);
    await settle();
    expect(frames.at(-1)!.inspected).toBeNull();

    expect(host.setInspected({ topic: 'orders', partition: 2 }).ok).toBe(true);
    await settle();
    const first = frames.at(-1)!.inspected!;
    expect(first.target).toEqual({ topic: 'orders', partition: 2 });
    expect(first.detail!.replicas).toHaveLength(3);
    const leaderEnd = first.detail!.replicas.find((replica) => replica.leader)!.logEndOffset!;
    expect(leaderEnd).toBeGreaterThan(0);

    host.runFor(2 * SECOND);
    await settle();
    const later = frames.at(-1)!.inspected!.detail!;
    expect(later.replicas.find((replica) => replica.leader)!.logEndOffset!).toBeGreaterThan(leaderEnd);
    // One partition's detail is a few hundred bytes: nothing like a per-partition list per frame.
    expect(JSON.stringify(frames.at(-1)!.inspected).length).toBeLessThan(2_000);

    host.setInspected(null);
    await settle();
    expect(frames.at(-1)!.inspected).toBeNull();
  });

  it('answers null detail for a partition the metadata does not have, and refuses a malformed target', async () => {
    const { host, frames } = setUp();
    host.runFor(3 * SECOND);
    expect(host.setInspected({ topic: 'orders', partition: 9 }).ok).toBe(true);
    await settle();
    expect(frames.at(-1)!.inspected).toEqual({ target: { topic: 'orders', partition: 9 }, detail: null });

    const refused = host.setInspected({ topic: 'orders', partition: -1 });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error).toContain('expected { topic: a topic name, partition: a whole number from 0 } or null');
    // The earlier target stands.
    host.runFor(SECOND);
    await settle();
    expect(frames.at(-1)!.inspected!.target).toEqual({ topic: 'orders', partition: 9 });
  });

  it('shows the detail of the moment a rewind rebuilds', async () => {
    const { host, frames } = setUp();
    host.setInspected({ topic: 'orders', partition: 0 });
    host.runFor(10 * SECOND);
    await settle();
    const atTen = frames.at(-1)!.inspected!.detail!.replicas.find((replica) => replica.leader)!.logEndOffset!;
    const seek = await host.seek(5 * SECOND);
    expect(seek.ok && seek.value.completed).toBe(true);
    await settle();
    const atFive = frames.at(-1)!;
    expect(atFive.snapshot.timeUs).toBe(5 * SECOND);
    const leaderAtFive = atFive.inspected!.detail!.replicas.find((replica) => replica.leader)!.logEndOffset!;
    expect(leaderAtFive).toBeGreaterThan(0);
    expect(leaderAtFive).toBeLessThan(atTen);
  });
});
