// Saved sessions: a reload resumes the run exactly where it was. Goal: what the worker saves to
// IndexedDB (fake-indexeddb here, the browser's in the Playwright reload test) is enough to rebuild
// the same state, trace hash and all; saving never changes what is simulated; storage that fails
// (quota, no IndexedDB, a damaged record) is reported in words and the run goes on in memory.
// Method: two hosts sharing one store stand for the page before and after a reload.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { EngineHost, type Frame, type HostClock, type HostScheduler } from '../../src/worker/host';
import {
  INDEX_DB_NAME,
  IdbSessionStore,
  SESSIONS_KEPT_MAX,
  UnavailableSessionStore,
  type SessionMeta,
  type SessionStore,
} from '../../src/worker/sessions';

const SECOND = 1_000_000;
const CONFIG = {
  topics: [{ name: 'orders', partitions: 6, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }],
  producers: [{ topic: 'orders', recordsPerSecond: 500, acks: 'all' as const, startMs: 5_000 }],
};

/** A wall clock that moves only when told, and a scheduler nobody runs: runs move by runFor/step. */
const still: HostClock & HostScheduler = { now: () => 0, schedule: () => undefined };

function hostWith(store: SessionStore | null): { host: EngineHost; frames: Frame[] } {
  let wallMs = Date.UTC(2026, 10, 30, 12, 0, 0);
  const host = new EngineHost(still, still, store, () => (wallMs += 1_000));
  const frames: Frame[] = [];
  host.subscribe((frame) => void frames.push(frame));
  return { host, frames };
}

let databases = 0;
/** A store of its own for each test: fake-indexeddb is one global factory, so clear it first. */
async function freshStore(): Promise<IdbSessionStore> {
  const store = new IdbSessionStore();
  for (const session of await store.list()) await store.remove(session.id);
  databases++;
  return store;
}

describe('saved sessions', () => {
  it('a reloaded page resumes a free run at the same moment, in the same state, actions included', async () => {
    const store = await freshStore();
    const before = hostWith(store);
    before.host.create(CONFIG, 7);
    before.host.runFor(12 * SECOND);
    expect(before.host.inject({ kind: 'crash', process: 'broker-2' }).ok).toBe(true);
    before.host.runFor(3 * SECOND);
    before.host.step(); // stop between two events at one moment: the event count makes it exact
    before.host.step();
    expect(before.host.inject({ kind: 'isolate-zone', zone: 'zone-c' }).ok).toBe(true);
    before.host.runFor(4 * SECOND);
    before.host.pause();
    await before.host.flushSessions();
    const id = before.frames.at(-1)!.session.id!;
    expect(before.frames.at(-1)!.session).toEqual({ id, status: 'saved', message: null });

    const after = hostWith(store);
    const resumed = await after.host.resumeSession(id);
    expect(resumed.ok).toBe(true);
    expect(after.host.traceHash()).toBe(before.host.traceHash());
    expect(after.host.snapshot().timeUs).toBe(before.host.snapshot().timeUs);
    expect(after.frames.at(-1)!.session).toEqual({ id, status: 'saved', message: null });
    // And it goes on as the original would have.
    before.host.runFor(5 * SECOND);
    after.host.runFor(5 * SECOND);
    expect(after.host.traceHash()).toBe(before.host.traceHash());
  });

  it('a lesson resumes mid-way, with its captions so far and the person\'s own action', async () => {
    const store = await freshStore();
    const text = readFileSync('public/scenarios/acks-all-leader-crash.json', 'utf8');
    const before = hostWith(store);
    before.host.loadScenario(text, { id: 'acks-all-leader-crash' });
    before.host.runFor(20 * SECOND);
    before.host.inject({ kind: 'slow-disk', process: 'broker-3', extraLatencyMs: 5 });
    before.host.runFor(5 * SECOND);
    before.host.pause();
    await before.host.flushSessions();
    const id = before.frames.at(-1)!.session.id!;

    const after = hostWith(store);
    const resumed = await after.host.resumeSession(id);
    expect(resumed.ok && resumed.value.source).toEqual({ kind: 'scenario', id: 'acks-all-leader-crash', text });
    expect(after.host.traceHash()).toBe(before.host.traceHash());
    const captions = (frames: Frame[]) =>
      frames.flatMap((frame) => frame.scenario?.moments ?? []).filter((moment) => moment.kind === 'caption').map((moment) => `${moment.atUs} ${moment.text}`);
    expect(captions(after.frames)).toEqual(captions(before.frames));
    expect(captions(after.frames)).toHaveLength(3); // at 6 s, at 15 s, and when broker-1 was fenced
    before.host.runFor(30 * SECOND);
    after.host.runFor(30 * SECOND);
    expect(after.host.scenarioReport()!.traceHash).toBe(before.host.scenarioReport()!.traceHash);
  });

  it('saving changes nothing that is simulated: the same run with and without a store has one trace', async () => {
    const store = await freshStore();
    const runs = [hostWith(store), hostWith(null)].map(({ host }) => {
      host.create(CONFIG, 3);
      host.runFor(8 * SECOND);
      host.inject({ kind: 'crash', process: 'broker-1' });
      host.runFor(8 * SECOND);
      return host.traceHash();
    });
    expect(runs[0]).toBe(runs[1]);
  });

  it('lists sessions newest first, deletes them, and keeps at most SESSIONS_KEPT_MAX', async () => {
    const store = await freshStore();
    const { host, frames } = hostWith(store);
    for (let index = 0; index < SESSIONS_KEPT_MAX + 2; index++) host.create({}, index);
    await host.flushSessions();
    const listed = await host.listSessions();
    expect(listed.ok && listed.value.length).toBe(SESSIONS_KEPT_MAX);
    const sessions = (listed.ok ? listed.value : []) as SessionMeta[];
    expect(sessions[0]!.seed).toBe(SESSIONS_KEPT_MAX + 1); // the newest
    expect(sessions.map((session) => session.name)).toEqual(Array(SESSIONS_KEPT_MAX).fill('Free play'));
    const running = frames.at(-1)!.session.id!;
    expect(await host.deleteSession(running)).toMatchObject({ ok: false, error: 'this session is the one running; open another before deleting it' });
    expect((await host.deleteSession(sessions[1]!.id)).ok).toBe(true);
    const again = await host.listSessions();
    expect(again.ok && again.value.map((session) => session.id)).not.toContain(sessions[1]!.id);
  });

  it('a session that is not there, or whose record is damaged, is refused by name and changes nothing', async () => {
    const store = await freshStore();
    const { host } = hostWith(store);
    host.create(CONFIG, 5);
    host.runFor(2 * SECOND);
    await host.flushSessions();
    const hash = host.traceHash();
    expect(await host.resumeSession('nope')).toMatchObject({ ok: false, error: expect.stringContaining('no saved session "nope" in this browser') });

    const id = (await store.list())[0]!.id;
    const db = await openDB(INDEX_DB_NAME);
    await db.put('sessions', { ...(await db.get('sessions', id)), simulatedUs: 'soon' });
    db.close();
    expect(await host.resumeSession(id)).toMatchObject({
      ok: false,
      error: `the saved session ${id} is damaged ("simulatedUs" is "soon", not a number ≥ 0); it cannot be resumed: delete it from the session list`,
    });
    expect(host.traceHash()).toBe(hash);
  });

  it('a full disk (QuotaExceededError) stops saving, says so, and the run goes on in memory', async () => {
    const real = await freshStore();
    const full: SessionStore = {
      create: (meta) => real.create(meta),
      appendInput: () => Promise.reject(new DOMException('quota', 'QuotaExceededError')),
      saveProgress: (id, progress) => real.saveProgress(id, progress),
      list: () => real.list(),
      load: (id) => real.load(id),
      remove: (id) => real.remove(id),
    };
    const { host, frames } = hostWith(full);
    host.create(CONFIG, 9);
    host.runFor(6 * SECOND);
    expect(host.inject({ kind: 'crash', process: 'broker-4' }).ok).toBe(true);
    await host.flushSessions();
    const status = frames.at(-1)!.session;
    expect(status.status).toBe('failed');
    expect(status.message).toBe(
      'Saving stopped: the browser refused more storage (QuotaExceededError). The simulation goes on in memory; delete old sessions to save again.',
    );
    host.runFor(6 * SECOND);
    expect(host.snapshot().timeUs).toBe(12 * SECOND);
  });

  it('without IndexedDB the page is told sessions are not saved, and the run works', async () => {
    const { host, frames } = hostWith(new UnavailableSessionStore());
    host.create(CONFIG, 1);
    await host.flushSessions();
    expect(frames.at(-1)!.session.message).toBe(
      'Sessions are not saved: this browser does not allow IndexedDB here (UnavailableError; private browsing?). The simulation runs in memory only.',
    );
    host.runFor(3 * SECOND);
    expect(host.snapshot().timeUs).toBe(3 * SECOND);
    expect(databases).toBeGreaterThan(0);
  });
});
