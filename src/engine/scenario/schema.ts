// The scenario file: the playground's one language for "set up this cluster, break this at that
// moment, explain it, and check what happened". One JSON object, validated whole before anything
// runs: first its shape (this schema), then its meaning (validate.ts: targets exist, times fall
// inside the duration, metrics are known). The same schema is exported as JSON Schema for editors
// (public/scenarios/scenario.schema.json, written by `npm run schema`).

import { z } from 'zod';
import { SEED_MAX, consumerSchema, engineConfigSchema, producerSchema, topicSchema } from '../config';
import { faultSchema } from '../faults';
import { DURATION_PATTERN, parseDuration } from '../sim/time';
import { integerIn, oneOf, strictObject } from '../validation';

/** Bounds that keep a scenario, and the memory of its run, reasonable. */
export const TIMELINE_STEPS_MAX = 1_000;
export const EXPECTATIONS_MAX = 200;
export const SCENARIO_TEXT_MAX = 4_000;

const durationText = 'a duration: a number and a unit, like "250ms", "90s", "15m" or "1h"';

/** A human duration ("90s") in the file; microseconds once parsed. */
export const duration = z
  .string({ error: durationText })
  .trim()
  .regex(DURATION_PATTERN, { error: durationText })
  .transform((text) => {
    const parsed = parseDuration(text);
    if (!parsed.ok) throw new Error(`duration pattern and parser disagree on "${text}"`);
    return parsed.us;
  });

export const COMPARISONS = ['<', '<=', '==', '!=', '>=', '>'] as const;
export type Comparison = (typeof COMPARISONS)[number];

const predicateShape = {
  metric: z.string({ error: 'a metric name, like "processes.crashed"' }),
  process: z.string({ error: 'a process name, like "broker-1"' }).optional(),
  op: oneOf(COMPARISONS),
  value: z.number({ error: 'a number' }),
};

export const predicateSchema = strictObject(predicateShape);

const text = z.string({ error: 'text' }).max(SCENARIO_TEXT_MAX, { error: `text of at most ${SCENARIO_TEXT_MAX} characters` });

export const stepSchema = strictObject({
  /** When: at a simulated time ... */
  at: duration.optional(),
  /** ... or the first time a condition holds (checked every 100 ms of simulated time). */
  when: predicateSchema.optional(),
  /** What: faults to inject, */
  action: z.union([faultSchema, z.array(faultSchema)], { error: 'a fault, or a list of faults' }).optional(),
  /** a caption shown to the audience, */
  caption: text.optional(),
  /** a pause for the presenter (true, or a note for them), */
  pause: z.union([z.literal(true), text], { error: 'true, or a note for the presenter' }).optional(),
  /** and checks that must hold at that moment. */
  expect: z.union([predicateSchema, z.array(predicateSchema)], { error: 'a check, or a list of checks' }).optional(),
});

export const expectationSchema = strictObject({
  name: z.string({ error: 'a name for the report' }).min(1, { error: 'a name for the report' }).max(200),
  ...predicateShape,
  /** Checked at exactly this time; */
  at: duration.optional(),
  /** or must have come to hold, and still hold, at this time (the report says since when); */
  by: duration.optional(),
  /** or must hold at every check (every 100 ms) and at the end; without any of these, at the end. */
  always: z.boolean({ error: 'true or false' }).optional(),
});

/** A producer of the scenario's load: the engine's producer settings, with start and stop as durations. */
export const loadProducerSchema = producerSchema.omit({ startMs: true, stopMs: true }).extend({
  /** When it starts producing (default: at once). */
  start: duration.optional(),
  /** When it stops (default: never). */
  stop: duration.optional(),
});

/** A consumer of the scenario's load: the engine's consumer settings, with start and stop as durations. */
export const loadConsumerSchema = consumerSchema.omit({ startMs: true, stopMs: true }).extend({
  /** When it starts (default: at once). */
  start: duration.optional(),
  /** When it closes: commits, then leaves its group (default: never). */
  stop: duration.optional(),
});

export const loadSchema = strictObject({
  producers: z.array(loadProducerSchema).max(100).default([]),
  consumers: z.array(loadConsumerSchema).max(100).default([]),
});

export const scenarioSchema = strictObject({
  $schema: z.string().optional(),
  name: z.string({ error: 'a title' }).min(1, { error: 'a title' }).max(120, { error: 'a title of at most 120 characters' }),
  description: text.default(''),
  seed: integerIn(0, SEED_MAX).default(1),
  duration,
  cluster: engineConfigSchema.prefault({}),
  /** Topics the cluster starts with (added to any in "cluster.topics"). */
  topics: z.array(topicSchema).max(1_000).default([]),
  /** Clients driving traffic, starting and stopping at given times. */
  load: loadSchema.prefault({}),
  timeline: z.array(stepSchema).max(TIMELINE_STEPS_MAX).default([]),
  expectations: z.array(expectationSchema).max(EXPECTATIONS_MAX).default([]),
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioStep = z.output<typeof stepSchema>;
export type Predicate = z.output<typeof predicateSchema>;
export type Expectation = z.output<typeof expectationSchema>;

/** The JSON Schema of the file as people write it (durations as text), for editors. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Kora Playground scenario',
    description: 'A cluster, a timeline of faults, captions and pauses, and expectations checked while it runs.',
  };
}
