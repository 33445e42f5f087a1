// Goal: a comparison shared at a moment reopens exactly: both runs at that moment, with the faults
// applied to both replayed in both, each side at its own event count; and a compare link that does
// not read names the parameter, the value and what is expected, opening the default cluster (or the
// single view, when only the comparison is wrong) with nothing half-applied.
// Method: two real EngineHosts behind the conductor (as compare-session.test.ts drives them), a
// crash and a step between events, the link written by shareLinkFor and read back as the page reads
// it (readPageParams, resolveLinkPayloads, setupFromLink, compareFromLink), then a second pair of
// hosts opened from the link; bad links built by hand, their payloads with the real codec.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareFromLink, compareParamOf, COMPARE_PRESETS, type CompareMoment } from '../../src/ui/compare';
import { CompareSession, type CompareClock } from '../../src/ui/compare-session';
import type { LibraryEntry } from '../../src/ui/library';
import { encodePayload, SHARE_LINK_CHARS_MAX } from '../../src/ui/link-payload';
import { setupFromLink } from '../../src/ui/session-machine';
import { readPageParams, resolveLinkPayloads, shareLinkFor, type PageParams } from '../../src/ui/url-params';
import { EngineHost } from '../../src/worker/host';
import { hostClient } from './host-client';

const LESSON = 'isr-vs-quorum-straggler';
const lessonText = readFileSync(`public/scenarios/${LESSON}.json`, 'utf8');
const library: LibraryEntry[] = [{ id: LESSON, file: `${LESSON}.json`, name: 'ISR vs quorum', description: '', text: lessonText }];
const replication = COMPARE_PRESETS.find((preset) => preset.id === 'replication')!.spec;
const crash = { kind: 'crash', process: 'broker-2' };

const clock: CompareClock = { now: () => 0, nextFrame: () => new Promise((resolve) => setTimeout(resolve, 0)) };

function pairOfHosts(plan: ConstructorParameters<typeof CompareSession>[0]) {
  const hosts = [new EngineHost(), new EngineHost()] as const;
  return { hosts, session: new CompareSession(plan, (side) => hostClient(hosts[side]), clock) };
}

async function until(condition: () => boolean, roundsMax = 20_000): Promise<void> {
  for (let round = 0; round < roundsMax && !condition(); round++) await new Promise((resolve) => setTimeout(resolve, 0));
  if (!condition()) throw new Error('the condition never held');
}

/** The page's reading of a link: its parameters, the single view's setup, and the comparison with its moment. */
async function openLink(link: string) {
  const url = new URL(link);
  const params = await resolveLinkPayloads(readPageParams(url.search, url.hash));
  const single = setupFromLink(params, library);
  return { params, single, moment: momentOf(params) };
}

function momentOf(params: PageParams): CompareMoment | null {
  const shared = params.compareMoment;
  return shared === null ? null : { atUs: shared.atUs, events: shared.events, inputs: params.compareActions };
}

function runOf(host: EngineHost) {
  const snapshot = host.snapshot()!;
  return { timeUs: snapshot.timeUs, events: snapshot.events, traceHash: snapshot.traceHash, broker2: snapshot.processes.find((process) => process.id === 'broker-2')!.status };
}

/** Plays both sides at Max until `atUs` has passed, then pauses between rounds. */
async function playTo(session: CompareSession, atUs: number): Promise<void> {
  session.setSpeed('max');
  session.play();
  await until(() => session.current.timeUs >= atUs);
  session.pause();
  // A round under way finishes first: the next command (inject, momentToShare, seek) queues behind it.
}

describe('a comparison shared at a moment reopens there', () => {
  it('both runs open at the moment with the crash replayed in both: the same clock, event counts and trace hashes, and the same future', async () => {
    const base = { kind: 'scenario' as const, id: LESSON, text: lessonText, seed: null };
    const first = compareFromLink(compareParamOf(replication), base, null);
    if (!first.ok) throw new Error(first.error);
    const original = pairOfHosts(first.value.plan);
    expect(await original.session.start()).toEqual({ ok: true, value: undefined });
    await playTo(original.session, 14_000_000);
    await original.session.inject(crash);
    expect(original.session.current.faults).toEqual([{ atUs: original.session.current.timeUs, kind: 'crash', what: 'crash broker-2' }]);
    // Steps leave side A between two events of one time: only its exact event count rebuilds it.
    for (let i = 0; i < 3; i++) await original.session.step();
    const shared = await original.session.momentToShare();
    if (!shared.ok) throw new Error(shared.error);
    const [a, b] = original.hosts.map(runOf);
    expect(shared.value.events).toEqual([a!.events, b!.events]);
    expect(a!.events).not.toBe(b!.events); // one setting apart, the runs pass through different events

    const made = await shareLinkFor('http://x/', { scenario: LESSON, edited: null, seed: original.hosts[0].snapshot()!.seed, compare: compareParamOf(replication), ...shared.value }, SHARE_LINK_CHARS_MAX);
    if (!made.ok) throw new Error(made.error);
    expect(made.link).toMatch(/^http:\/\/x\/\?scenario=isr-vs-quorum-straggler&seed=\d+&compare=dataReplication%3Aisr%2Cquorum&t=[\d.]+&events=\d+%2C\d+#actions=[\w-]+$/);

    const { params, single, moment } = await openLink(made.link);
    expect(params.problems).toEqual([]);
    // The single view behind compare mode opens the lesson at zero: the moment is the comparison's.
    expect(single).toEqual({ setup: { kind: 'scenario', id: LESSON, text: lessonText, seed: params.seed }, problems: [] });
    expect(moment?.inputs.map((side) => side.map((input) => input.fault))).toEqual([[crash], [crash]]);
    const linked = compareFromLink(params.compare!, { ...base, seed: params.seed }, moment);
    if (!linked.ok) throw new Error(linked.error);
    const reopened = pairOfHosts(linked.value.plan);
    expect(await reopened.session.start(linked.value.moment)).toEqual({ ok: true, value: undefined });
    expect(reopened.session.current).toMatchObject({ status: 'paused', timeUs: a!.timeUs, headUs: a!.timeUs, faults: original.session.current.faults, opening: null });
    expect(reopened.hosts.map(runOf)).toEqual([a, b]);
    expect(a!.broker2).toBe('crashed');

    // Both pairs play on alike: the reopened moment is the run itself, not a look-alike.
    await Promise.all([playTo(original.session, 20_000_000), playTo(reopened.session, 20_000_000)]);
    await original.session.seek(20_000_000);
    await reopened.session.seek(20_000_000);
    expect(reopened.hosts.map(runOf)).toEqual(original.hosts.map(runOf));
  });

  it('a moment either side cannot reach (a side event count edited) fails the comparison, naming the side', async () => {
    const base = { kind: 'scenario' as const, id: LESSON, text: lessonText, seed: null };
    const first = compareFromLink(compareParamOf(replication), base, null);
    if (!first.ok) throw new Error(first.error);
    const original = pairOfHosts(first.value.plan);
    await original.session.start();
    await playTo(original.session, 3_000_000);
    const shared = await original.session.momentToShare();
    if (!shared.ok) throw new Error(shared.error);
    const reopened = pairOfHosts(first.value.plan);
    const edited = { atUs: shared.value.atUs, events: [shared.value.events[0], shared.value.events[1] + 5] as const, inputs: [[], []] as const };
    const outcome = await reopened.session.start(edited);
    expect(outcome).toEqual({ ok: false, error: expect.stringMatching(/^The link's moment could not be opened: side B \(dataReplication=quorum\): the run reaches \d+ events at .*, not the link's \d+/) });
    expect(reopened.session.current.status).toBe('failed');
  });
});

describe('a compare link that does not read says which part, what it held and what was expected', () => {
  const compare = 'compare=dataReplication:isr,quorum';
  async function actionsHash(actions: unknown): Promise<string> {
    return `#actions=${await encodePayload(JSON.stringify(actions))}`;
  }
  const cases: [string, string, () => Promise<string>, RegExp][] = [
    ['one event count where a comparison needs two', `?scenario=${LESSON}&${compare}&t=10000&events=500`, async () => '', /event counts events "500" are not two counts; a compare link gives each side's/],
    ['actions in a single run\'s form', `?scenario=${LESSON}&${compare}&t=10000&events=500,600`, () => actionsHash([{ atUs: 1, events: 5, fault: crash }]), /actions\[0\]\.events: got 5; expected each side's event count as a pair \[A, B\]/],
    ['an action after the moment', `?scenario=${LESSON}&${compare}&t=10000&events=500,600`, () => actionsHash([{ atUs: 20_000_000, events: [5, 5], fault: crash }]), /actions\[0\]\.atUs: got 20000000; expected whole µs from 0 to the moment's 10000000/],
    ["an action past side B's event count", `?scenario=${LESSON}&${compare}&t=10000&events=500,600`, () => actionsHash([{ atUs: 1, events: [5, 900], fault: crash }]), /actions\[0\]\.events\[1\] \(side B\): got 900; expected a whole event count from 0 to the moment's 600/],
    ['a fault the engine does not know', `?scenario=${LESSON}&${compare}&t=10000`, () => actionsHash([{ atUs: 1, events: [5, 5], fault: { kind: 'explode' } }]), /actions\[0\]\.fault: .*kind/],
    ['actions cut short', `?scenario=${LESSON}&${compare}&t=10000`, async () => '#actions=abcde', /actions #actions "abcde" do not read: its length cannot be base64url/],
  ];
  for (const [what, search, hash, message] of cases) {
    it(`${what}: the default cluster opens, and no comparison`, async () => {
      const { params, single } = await openLink(`http://x/${search}${await hash()}`);
      expect(params.problems).toHaveLength(1);
      expect(params.problems[0]).toMatch(message);
      expect(params.problems[0]).toMatch(/The default cluster is open instead/);
      expect(single.setup).toEqual(expect.objectContaining({ kind: 'free', seed: 1 }));
      expect('moment' in single.setup && single.setup.moment !== undefined).toBe(false);
    });
  }

  const base = { kind: 'scenario' as const, id: LESSON, text: lessonText, seed: null };
  it('an unknown setting, or a value the setting does not take: the comparison is refused by name and the single view stays', () => {
    expect(compareFromLink('noSuchSetting:a,b', base, null)).toEqual({
      ok: false,
      part: 'compare',
      error: expect.stringMatching(/^The link's compare "noSuchSetting:a,b" cannot run: Side A \(noSuchSetting=a\) cannot run: cluster\.noSuchSetting: this key is not known here/),
    });
    expect(compareFromLink('dataReplication:isr,raft', base, null)).toEqual({
      ok: false,
      part: 'compare',
      error: expect.stringMatching(/^The link's compare "dataReplication:isr,raft" cannot run: Side B \(dataReplication=raft\) cannot run: cluster\.dataReplication: got "raft"; expected one of "isr", "quorum"/),
    });
    expect(compareFromLink('dataReplication:isr', base, null)).toMatchObject({ ok: false, part: 'compare', error: expect.stringContaining('compare mode takes exactly two') });
  });

  it("a moment past the lesson's end is refused before any worker starts, as the moment's fault", async () => {
    const { params, moment } = await openLink(`http://x/?scenario=${LESSON}&${compare}&t=90000.001`);
    expect(params.problems).toEqual([]);
    expect(compareFromLink(params.compare!, base, moment)).toEqual({
      ok: false,
      part: 'moment',
      error: `The link's moment t "90000.001" is past the lesson's end at 90000 ms; expected a moment from t=0 to t=90000.`,
    });
    // At the end itself, it opens.
    expect(compareFromLink(params.compare!, base, { ...moment!, atUs: 90_000_000 }).ok).toBe(true);
  });
});
