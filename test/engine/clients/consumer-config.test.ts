// Goal: a consumer in the config or in a scenario's load either validates whole, with Kafka's
// defaults filled in, or is refused with every problem named by its path, its value and what would
// be right; and a cluster without consumers never creates __consumer_offsets (its trace is as before).
// Method: resolveConfig and checkScenario on small inputs; a short engine run.

import { describe, expect, it } from 'vitest';
import { ValidationError, createEngine } from '../../../src/engine/api';
import { resolveConfig } from '../../../src/engine/config';
import { checkScenario } from '../../../src/engine/scenario/validate';

const topics = [{ name: 'orders', partitions: 3, replicationFactor: 3 }];

function problemsOf(input: unknown): string[] {
  try {
    resolveConfig(input);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  return [];
}

describe('consumers in the engine config', () => {
  it("fills in Kafka's consumer defaults and places consumers as clients after the producers", () => {
    const config = resolveConfig({ brokers: 3, topics, producers: [{ topic: 'orders', recordsPerSecond: 10 }], consumers: [{ topic: 'orders', 'group.id': 'g' }] });
    expect(config.consumers[0]).toMatchObject({
      'partition.assignment.strategy': 'range',
      'session.timeout.ms': 45_000,
      'heartbeat.interval.ms': 3_000,
      'max.poll.interval.ms': 300_000,
      'enable.auto.commit': true,
      'auto.commit.interval.ms': 5_000,
      'auto.offset.reset': 'latest',
      'fetch.max.wait.ms': 500,
      'fetch.min.bytes': 1,
      'max.partition.fetch.bytes': 1_048_576,
    });
    expect(config.kafka['offsets.topic.num.partitions']).toBe(50);
    expect(config.kafka['offsets.topic.replication.factor']).toBe(3);
    expect(config.kafka['group.initial.rebalance.delay.ms']).toBe(3_000);
    expect(config.placements.filter((p) => p.role === 'client').map((p) => `${p.id} ${p.zone}`)).toEqual(['producer-1 zone-a', 'consumer-1 zone-a']);
  });

  it('names each wrong consumer setting by its path', () => {
    const problems = problemsOf({
      brokers: 3,
      topics,
      producers: [{ id: 'twin', topic: 'orders', recordsPerSecond: 1 }],
      consumers: [
        { topic: 'payments', 'group.id': 'g' },
        { id: 'twin', topic: 'orders', 'group.id': 'g', zone: 'zone-z' },
        { topic: 'orders', 'group.id': 'g', 'heartbeat.interval.ms': 45_000 },
      ],
    });
    expect(problems.join('\n')).toMatch(/consumers\[0\]\.topic: .*orders/);
    expect(problems.join('\n')).toMatch(/consumers\[1\]\.id: .*no other producer or consumer/);
    expect(problems.join('\n')).toMatch(/consumers\[1\]\.zone: .*zone-a/);
    expect(problems.join('\n')).toMatch(/consumers\[2\]\.heartbeat\.interval\.ms: .*session\.timeout\.ms/);
    // A value of the wrong shape is refused by the schema, before the cross-checks above.
    const shape = problemsOf({ brokers: 3, topics, consumers: [{ topic: 'orders', 'group.id': 'g', 'partition.assignment.strategy': 'roundrobin' }] });
    expect(shape).toEqual(['consumers[0].partition.assignment.strategy: got "roundrobin"; expected one of "range", "cooperative-sticky"']);
  });

  it("reports a scenario's load.consumers problems where the author wrote them, start and stop included", () => {
    const result = checkScenario({
      name: 'bad consumers',
      duration: '10s',
      topics,
      load: { consumers: [{ topic: 'orders', 'group.id': 'g', start: '5s', stop: '2s' }, { topic: 'nope', 'group.id': 'g' }] },
    });
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.problems.map((problem) => problem.path);
    expect(paths).toContain('load.consumers[0].stop');
    expect(paths).toContain('load.consumers[1].topic');
  });

  it('creates no __consumer_offsets in a run without consumers', () => {
    const engine = createEngine({ brokers: 3, topics, producers: [{ topic: 'orders', recordsPerSecond: 100 }] }, 2);
    engine.runUntil(8_000_000);
    const image = engine.metadataOf(engine.activeController()!)!;
    expect(image.topicsByName.has('orders')).toBe(true);
    expect(image.topicsByName.has('__consumer_offsets')).toBe(false);
  });
});
