// Goal: a link can open free play with another broker count (?brokers=30), so a big cluster can be
// seen and tested; a bad count is explained (what was given, what is allowed, how to fix it) and the
// default cluster opens; a lesson's link ignores it, saying so; the address bar keeps it.
// Method: the page's own parser and link builder, and the engine building the config they give.

import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/api';
import { FREE_PLAY_CONFIG, freePlayBrokersOf, freePlayConfig } from '../../src/ui/free-play';
import { linkFor, readPageParams } from '../../src/ui/url-params';

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
});
