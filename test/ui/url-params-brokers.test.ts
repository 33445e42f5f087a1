// Goal: a link can open free play with another broker count (?brokers=30), so a big cluster can be
// seen and tested; a bad count is explained (what was given, what is allowed, how to fix it) and the
// default cluster opens; a lesson's link ignores it, saying so; the address bar keeps it, and so do
// a shared moment's link and a comparison's link made from that cluster.
// Method: the page's own parser and link builder, and the engine building the config they give.

import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/api';
import { FREE_PLAY_CONFIG, freePlayBrokersOf, freePlayConfig, freePlayLabel } from '../../src/ui/free-play';
import { linkFor, readPageParams, shareLinkFor } from '../../src/ui/url-params';

describe('the brokers= link parameter', () => {
  it('opens free play with that many brokers, each leading partitions', () => {
    const params = readPageParams('?brokers=30');
    expect(params.brokers).toBe(30);
    expect(params.problems).toEqual([]);
    const config = freePlayConfig(params.brokers);
    const engine = createEngine(config, 1, { series: false });
    expect(engine.snapshot().processes.filter((process) => process.role === 'broker')).toHaveLength(30);
    // The topic is created once the brokers have registered.
    engine.runUntil(5_000_000);
    const snapshot = engine.snapshot();
    expect(snapshot.partitionsTotal).toBe(60);
    expect(new Set(snapshot.partitions.map((partition) => partition.leader)).size).toBe(30);
    expect(freePlayBrokersOf(config)).toBe(30);
  });

  it('keeps the default cluster itself when the link has no brokers=', () => {
    const params = readPageParams('?seed=4');
    expect(params.brokers).toBeNull();
    expect(freePlayConfig(params.brokers)).toBe(FREE_PLAY_CONFIG);
    expect(freePlayBrokersOf(FREE_PLAY_CONFIG)).toBeNull();
  });

  for (const bad of ['two', '2', '65', '7.5', '', '-3']) {
    it(`explains brokers=${bad === '' ? '(empty)' : bad} and opens the default cluster`, () => {
      const params = readPageParams(`?brokers=${bad}`);
      expect(params.brokers).toBeNull();
      expect(params.problems).toHaveLength(1);
      expect(params.problems[0]).toContain(`brokers "${bad}"`);
      expect(params.problems[0]).toContain('from 3 to 64');
      expect(params.problems[0]).toContain('?brokers=30');
    });
  }

  it('is ignored, with a word, on a lesson link: the lesson brings its own cluster', () => {
    const params = readPageParams('?scenario=zone-outage&brokers=12');
    expect(params.brokers).toBeNull();
    expect(params.problems).toEqual(['The link\'s brokers=12 applies to free play only; the lesson "zone-outage" brings its own cluster.']);
  });

  it('stays in the address bar with the session, so a shared link opens the same cluster', () => {
    expect(linkFor({ scenario: null, seed: null, session: 'abc', brokers: 30 })).toBe('?brokers=30&session=abc');
    expect(linkFor({ scenario: null, seed: null, brokers: null })).toBe('?');
  });

  it("travels in a shared moment's link and a comparison's, and is read back with the moment", async () => {
    const moment = { scenario: null, edited: null, seed: 7, atUs: 12_500_000, events: 4_321, actions: [] };
    const single = await shareLinkFor('http://x/', { ...moment, brokers: 30 }, 2_000);
    expect(single).toEqual({ ok: true, link: 'http://x/?brokers=30&seed=7&t=12500&events=4321' });
    const read = readPageParams(new URL(single.ok ? single.link : '').search);
    expect(read.problems).toEqual([]);
    expect(read.brokers).toBe(30);
    expect(read.moment).toEqual({ atUs: 12_500_000, events: 4_321 });

    const compared = await shareLinkFor('http://x/', { ...moment, brokers: 9, compare: 'dataReplication:isr,quorum', events: [10, 11] }, 2_000);
    expect(compared.ok && compared.link).toBe('http://x/?brokers=9&seed=7&compare=dataReplication%3Aisr%2Cquorum&t=12500&events=10%2C11');
    expect(linkFor({ scenario: null, seed: 7, compare: 'dataReplication:isr,quorum', brokers: 9 })).toBe('?brokers=9&seed=7&compare=dataReplication%3Aisr%2Cquorum');

    // The default cluster and a lesson say nothing of brokers.
    expect(await shareLinkFor('http://x/', { ...moment, brokers: null }, 2_000)).toEqual({ ok: true, link: 'http://x/?seed=7&t=12500&events=4321' });
    const lesson = await shareLinkFor('http://x/', { ...moment, scenario: 'zone-outage', brokers: 30 }, 2_000);
    expect(lesson.ok && lesson.link).toBe('http://x/?scenario=zone-outage&seed=7&t=12500&events=4321');
  });

  it('names free play in the lesson pickers by the broker count the link asked for', () => {
    expect(freePlayLabel(freePlayBrokersOf(FREE_PLAY_CONFIG))).toBe('Free play: the default cluster');
    expect(freePlayLabel(freePlayBrokersOf(freePlayConfig(readPageParams('?brokers=30').brokers)))).toBe('Free play: a 30-broker cluster');
  });
});
