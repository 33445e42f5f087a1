// Goal: compare mode starts only what both sides can run. Method: read the setting a person types
// or a link carries, build both sides' setups from real library lessons and from free play, and
// check that each refusal says which side, which path, and what would be right.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPARE_PRESETS, compareParamOf, compareSetups, parseCompareInput, parseCompareParam } from '../../src/ui/compare';
import { FREE_PLAY_CONFIG } from '../../src/ui/free-play';
import { linkFor, readPageParams } from '../../src/ui/url-params';

const preset = (id: string) => COMPARE_PRESETS.find((candidate) => candidate.id === id)!.spec;
const lesson = (id: string) => ({ kind: 'scenario' as const, id, text: readFileSync(`public/scenarios/${id}.json`, 'utf8'), seed: null });
const free = { kind: 'free' as const, config: FREE_PLAY_CONFIG, seed: 1 };

describe('the setting a person types or a link carries', () => {
  it('reads a link "SETTING:A,B" and writes the same back', () => {
    const parsed = parseCompareParam('dataReplication:isr,quorum');
    expect(parsed).toEqual({ ok: true, value: { path: ['cluster', 'dataReplication'], values: ['isr', 'quorum'] } });
    if (parsed.ok) expect(compareParamOf(parsed.value)).toBe('dataReplication:isr,quorum');
    expect(parseCompareParam('config.min.insync.replicas:1,2')).toEqual({ ok: true, value: { path: ['cluster', 'config', 'min.insync.replicas'], values: [1, 2] } });
  });

  it('explains a link without ":", with one value, three values, the same value twice, or the seed', () => {
    expect(parseCompareParam('dataReplication=isr,quorum')).toEqual({ ok: false, error: expect.stringContaining('has no ":"; expected SETTING:A,B') });
    expect(parseCompareParam('dataReplication:isr')).toEqual({ ok: false, error: expect.stringContaining('got 1 value ("isr"); compare mode takes exactly two') });
    expect(parseCompareInput('brokers', '3,4,5')).toEqual({ ok: false, error: expect.stringContaining('got 3 values') });
    expect(parseCompareInput('brokers', '3, 3')).toEqual({ ok: false, error: 'brokers: both values are 3; give two different values.' });
    expect(parseCompareInput('seed', '1,2')).toEqual({ ok: false, error: expect.stringContaining('The seed cannot be varied') });
    expect(parseCompareInput('  ', '1,2')).toEqual({ ok: false, error: expect.stringContaining('Name the setting to vary') });
    expect(parseCompareInput('data replication', 'isr,quorum')).toEqual({ ok: false, error: expect.stringContaining('characters a path cannot have') });
  });
});

describe('the compare link', () => {
  it('round-trips through the address bar: the page reads what linkFor wrote', () => {
    const link = linkFor({ scenario: 'isr-vs-quorum-straggler', seed: null, compare: 'dataReplication:isr,quorum' });
    expect(link).toBe('?scenario=isr-vs-quorum-straggler&compare=dataReplication%3Aisr%2Cquorum');
    const params = readPageParams(link);
    expect(params.compare).toBe('dataReplication:isr,quorum');
    expect(params.problems).toEqual([]);
    expect(parseCompareParam(params.compare!).ok).toBe(true);
    expect(readPageParams('?compare=%20').compare).toBeNull();
    expect(readPageParams('?scenario=zone-outage').compare).toBeNull();
  });
});

describe('both sides of a comparison', () => {
  it('runs the straggler lesson once with ISR and once with the quorum, the rest of the file the same', () => {
    const plan = compareSetups(lesson('isr-vs-quorum-straggler'), preset('replication'));
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    const [a, b] = plan.value.sides.map((side) => (side.kind === 'scenario' ? JSON.parse(side.text) : null));
    expect(a.cluster.dataReplication).toBe('isr');
    expect(b.cluster.dataReplication).toBe('quorum');
    expect({ ...a, cluster: null }).toEqual({ ...b, cluster: null });
    expect(a.seed).toBe(b.seed);
    expect(plan.value.durationUs).toBe(90_000_000);
    expect(plan.value.pauses).toEqual([]);
  });

  it("keeps the lesson's presenter pauses, so both sides stop there together", () => {
    const plan = compareSetups(lesson('zone-outage'), preset('lag'));
    expect(plan.ok && plan.value.pauses.length).toBeGreaterThan(0);
    if (plan.ok) expect(plan.value.pauses[0]).toEqual({ atUs: 15_000_000, text: expect.stringContaining('Ask the room') });
  });

  it('refuses a value the lesson does not allow, naming the side and the path, and starts neither', () => {
    const spec = parseCompareInput('dataReplication', 'isr,raft');
    if (!spec.ok) throw new Error(spec.error);
    const plan = compareSetups(lesson('isr-vs-quorum-straggler'), spec.value);
    expect(plan).toEqual({ ok: false, error: expect.stringMatching(/^Side B \(dataReplication=raft\) cannot run: cluster\.dataReplication: /) });
  });

  it('refuses a quorum in ZooKeeper mode, as the engine does (the contrasts do not combine)', () => {
    const plan = compareSetups(lesson('isr-vs-quorum-straggler'), preset('controller'));
    expect(plan).toEqual({ ok: false, error: expect.stringContaining('Side B (controllerMode=zookeeper) cannot run') });
  });

  it('offers every contrast the issue names, each valid on a library lesson that has what it needs', () => {
    expect(COMPARE_PRESETS.map((candidate) => candidate.id)).toEqual(['replication', 'controller', 'tiering', 'lag']);
    expect(compareSetups(lesson('isr-vs-quorum-straggler'), preset('tiering')).ok).toBe(true);
    expect(compareSetups(lesson('controller-failover'), preset('controller')).ok).toBe(true);
  });

  it('varies free play through its engine config: a cluster setting is a field of it', () => {
    const plan = compareSetups(free, preset('controller'));
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.value.sides.map((side) => (side.kind === 'free' ? (side.config as { controllerMode: string }).controllerMode : null))).toEqual(['kraft', 'zookeeper']);
    expect(plan.value.durationUs).toBeNull();
    const bad = parseCompareInput('brokers', '3,999');
    if (!bad.ok) throw new Error(bad.error);
    expect(compareSetups(free, bad.value)).toEqual({ ok: false, error: expect.stringContaining('Side B (brokers=999) cannot run: brokers:') });
  });
});
