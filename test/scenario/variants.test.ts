// Goal: a setting path means the same thing to the CLI's `compare --set` and the page's compare
// mode. Method: read paths and values the way people type them (bare cluster names, Kafka names
// with dots under "config", list items by index, top-level fields), put values into a copy of a
// scenario, and check that every malformed input is refused with a sentence naming it.
import { describe, expect, it } from 'vitest';
import { parseSetting, parseSettingPath, parseSettingValue, SettingError, settingName, variantsOf, withSetting } from '../../src/engine/scenario/variants';

describe('reading a setting', () => {
  it('takes a bare name as a cluster setting, and a top-level field of the file as itself', () => {
    expect(parseSettingPath('dataReplication')).toEqual(['cluster', 'dataReplication']);
    expect(parseSettingPath('cluster.brokers')).toEqual(['cluster', 'brokers']);
    expect(parseSettingPath('seed')).toEqual(['seed']);
    expect(parseSettingPath('topics.0.partitions')).toEqual(['topics', '0', 'partitions']);
    expect(parseSettingPath('load.producers.0.acks')).toEqual(['load', 'producers', '0', 'acks']);
  });

  it('keeps a Kafka setting name whole under "config" (its dots are part of the name)', () => {
    expect(parseSettingPath('config.min.insync.replicas')).toEqual(['cluster', 'config', 'min.insync.replicas']);
    expect(parseSettingPath('cluster.config.replica.lag.time.max.ms')).toEqual(['cluster', 'config', 'replica.lag.time.max.ms']);
    expect(settingName(['cluster', 'config', 'min.insync.replicas'])).toBe('config.min.insync.replicas');
    expect(settingName(['topics', '0', 'partitions'])).toBe('topics.0.partitions');
  });

  it('reads numbers, booleans and null as JSON would, anything else as text', () => {
    expect(parseSettingValue('3')).toBe(3);
    expect(parseSettingValue('-1.5')).toBe(-1.5);
    expect(parseSettingValue('true')).toBe(true);
    expect(parseSettingValue('null')).toBeNull();
    expect(parseSettingValue('all')).toBe('all');
    expect(parseSetting('acks=1, all')).toEqual({ path: ['cluster', 'acks'], values: [1, 'all'] });
  });

  it('refuses a setting without values, an empty value, an empty segment, or characters a path cannot have', () => {
    expect(() => parseSetting('brokers')).toThrow('got "brokers"; expected PATH=VALUE[,VALUE...]');
    expect(() => parseSetting('brokers=3,,4')).toThrow('brokers: an empty value in "3,,4"');
    expect(() => parseSetting('cluster..brokers=3')).toThrow('"cluster..brokers" has an empty segment');
    expect(() => parseSetting('clu ster=3')).toThrow(SettingError);
    expect(() => parseSettingPath('a/b')).toThrow('has characters a path cannot have');
  });
});

describe('putting a value into a scenario', () => {
  const scenario = { name: 'x', cluster: { brokers: 3 }, topics: [{ name: 'orders', partitions: 1 }] };

  it('writes into a copy, making the objects on the way, and leaves the original alone', () => {
    const varied = withSetting(scenario, ['cluster', 'config', 'min.insync.replicas'], 2) as typeof scenario & { cluster: { config: Record<string, unknown> } };
    expect(varied.cluster.config['min.insync.replicas']).toBe(2);
    expect(varied.cluster.brokers).toBe(3);
    expect(scenario.cluster).toEqual({ brokers: 3 });
    const partitions = withSetting(scenario, ['topics', '0', 'partitions'], 6) as typeof scenario;
    expect(partitions.topics[0]!.partitions).toBe(6);
    expect(scenario.topics[0]!.partitions).toBe(1);
  });

  it('refuses to go through a value that is not an object or a list, naming it', () => {
    expect(() => withSetting(scenario, ['cluster', 'brokers', 'count'], 2)).toThrow('cluster.brokers.count: "brokers" in the file is 3, not an object or a list, so it has no "count"');
    expect(() => withSetting([1, 2], ['seed'], 2)).toThrow('the scenario is not a JSON object');
  });

  it('makes every combination of several settings, labelled, within a bound', () => {
    const variants = variantsOf(scenario, [parseSetting('brokers=3,4'), parseSetting('seed=1,2')], 8);
    expect(variants.map((variant) => variant.label)).toEqual(['brokers=3 seed=1', 'brokers=3 seed=2', 'brokers=4 seed=1', 'brokers=4 seed=2']);
    expect((variants[3]!.input as { seed: number; cluster: { brokers: number } }).cluster.brokers).toBe(4);
    expect(() => variantsOf(scenario, [parseSetting('brokers=1,2,3'), parseSetting('seed=1,2,3')], 8)).toThrow('at most 8 variants; these values make 9');
  });
});
