// Goal: the JSON Schema that editors use for scenario files (public/scenarios/scenario.schema.json)
// is the one the runner validates with, never a stale copy; it accepts every library file; and it
// refuses the shape mistakes an editor can flag while typing (unknown keys, a duration without a
// unit, an unknown fault kind), leaving meaning (does broker-9 exist?) to the runner's validation.
// Method: the checked-in file compared with scenarioJsonSchema(), byte for byte as
// `npm run schema` writes it. Then a small checker for exactly the JSON Schema keywords the
// schema uses (it throws on any other, so it cannot silently ignore a new one), run over the
// library and over some files of the bad corpus.

import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema } from '../../src/engine/scenario/schema';

const LIBRARY_DIR = fileURLToPath(new URL('../../public/scenarios/', import.meta.url));
const BAD_DIR = fileURLToPath(new URL('./bad/', import.meta.url));
const SCHEMA_FILE = `${LIBRARY_DIR}scenario.schema.json`;

type JsonSchema = Record<string, unknown>;

/** Keywords that only annotate. */
const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'default']);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * The problems of `value` against `schema` (paths like "timeline[0].at"); empty when it conforms.
 * Supports the keywords scenario.schema.json uses, and throws on any other.
 */
function conformance(schema: JsonSchema, value: unknown, path = '(root)'): string[] {
  const problems: string[] = [];
  const at = (key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path === '(root)' ? key : `${path}.${key}`);
  for (const [keyword, rule] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case 'type': {
        const actual = typeOf(value);
        if (actual !== rule && !(rule === 'number' && actual === 'integer')) problems.push(`${path}: a ${actual}, not a ${String(rule)}`);
        break;
      }
      case 'const':
        if (value !== rule) problems.push(`${path}: not ${JSON.stringify(rule)}`);
        break;
      case 'enum':
        if (!(rule as unknown[]).includes(value)) problems.push(`${path}: not one of ${JSON.stringify(rule)}`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(rule as string, 'u').test(value)) problems.push(`${path}: does not match ${String(rule)}`);
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < (rule as number)) problems.push(`${path}: shorter than ${String(rule)}`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > (rule as number)) problems.push(`${path}: longer than ${String(rule)}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (rule as number)) problems.push(`${path}: below ${String(rule)}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (rule as number)) problems.push(`${path}: above ${String(rule)}`);
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (rule as number)) problems.push(`${path}: fewer than ${String(rule)} items`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > (rule as number)) problems.push(`${path}: more than ${String(rule)} items`);
        break;
      case 'items':
        if (Array.isArray(value)) value.forEach((item, index) => problems.push(...conformance(rule as JsonSchema, item, at(index))));
        break;
      case 'required':
        if (typeOf(value) === 'object') {
          for (const key of rule as string[]) if (!(key in (value as object))) problems.push(`${at(key)}: missing`);
        }
        break;
      case 'properties':
        if (typeOf(value) === 'object') {
          for (const [key, sub] of Object.entries(rule as Record<string, JsonSchema>)) {
            if (key in (value as object)) problems.push(...conformance(sub, (value as Record<string, unknown>)[key], at(key)));
          }
        }
        break;
      case 'additionalProperties':
        if (rule !== false) throw new Error(`${path}: additionalProperties ${JSON.stringify(rule)} is not supported by this checker`);
        if (typeOf(value) === 'object') {
          const known = Object.keys((schema.properties ?? {}) as object);
          for (const key of Object.keys(value as object)) if (!known.includes(key)) problems.push(`${at(key)}: not allowed`);
        }
        break;
      case 'anyOf':
      case 'oneOf': {
        const matching = (rule as JsonSchema[]).filter((option) => conformance(option, value, path).length === 0).length;
        if (keyword === 'anyOf' ? matching === 0 : matching !== 1) problems.push(`${path}: matches ${matching} of the ${keyword} options`);
        break;
      }
      default:
        throw new Error(`${path}: the keyword "${keyword}" is not supported by this checker; extend it`);
    }
  }
  return problems;
}

const schemaOnDisk = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as JsonSchema;
const libraryFiles = readdirSync(LIBRARY_DIR).filter((file) => file.endsWith('.json') && file !== 'index.json' && file !== 'scenario.schema.json');

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

describe('the scenario JSON Schema', () => {
  it('is up to date with the schema the runner validates with', () => {
    const expected = `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
    expect(readFileSync(SCHEMA_FILE, 'utf8') === expected, 'public/scenarios/scenario.schema.json is stale: run `npm run schema`').toBe(true);
  });

  it('describes a scenario: its required keys, its durations, its fault kinds', () => {
    const properties = schemaOnDisk.properties as Record<string, JsonSchema>;
    expect(schemaOnDisk.title).toBe('Kora Playground scenario');
    expect(schemaOnDisk.required).toEqual(['name', 'duration']);
    expect(schemaOnDisk.additionalProperties).toBe(false);
    expect(Object.keys(properties)).toEqual(['$schema', 'name', 'description', 'seed', 'duration', 'cluster', 'topics', 'load', 'timeline', 'expectations']);
    // Durations are the text people write, not the microseconds they become.
    expect(properties.duration).toEqual({ type: 'string', pattern: '^(\\d+(?:\\.\\d+)?)\\s*(us|µs|ms|s|m|h)$' });
    const step = (properties.timeline as { items: { properties: Record<string, JsonSchema> } }).items;
    const faults = (step.properties.action!.anyOf as JsonSchema[])[0]!.oneOf as { properties: { kind: { const: string } } }[];
    expect(faults.map((fault) => fault.properties.kind.const)).toEqual([
      'crash',
      'power-loss',
      'fill-disk',
      'replace-disk',
      'restart',
      'shutdown',
      'isolate',
      'isolate-zone',
      'cut-link',
      'slow-link',
      'lossy-link',
      'throttle-link',
      'slow-disk',
      'change-load',
      'object-store-outage',
      'slow-object-store',
      'heal',
      'alter-config',
      // Load actions (load-actions.ts) share the faults' path.
      'add-producer',
      'remove-producer',
      'change-producer',
      'add-consumer',
      'remove-consumer',
      'create-topic',
    ]);
  });

  it.each(libraryFiles)('accepts the library file %s', (file) => {
    expect(conformance(schemaOnDisk, readJson(`${LIBRARY_DIR}${file}`))).toEqual([]);
  });

  it.each([
    ['unknown-top-level-key.json', 'seeed: not allowed'],
    ['unknown-step-key.json', 'timeline[0].captoin: not allowed'],
    ['duration-without-unit.json', 'duration: does not match'],
    ['duration-in-words.json', 'duration: does not match'],
    ['bad-fault-kind.json', 'timeline[0].action: matches 0 of the anyOf options'],
    ['no-brokers.json', 'cluster.brokers: below 1'],
    ['bad-comparison.json', 'timeline[0].expect: matches 0 of the anyOf options'],
  ])('flags the shape mistake of bad/%s as an editor would', (file, problem) => {
    const problems = conformance(schemaOnDisk, readJson(`${BAD_DIR}${file}`));
    expect(problems.some((line) => line.startsWith(problem)), problems.join('\n')).toBe(true);
  });

  it.each(['unknown-process.json', 'unknown-zone.json', 'step-past-duration.json', 'duplicate-expectation-names.json'])(
    'leaves the meaning mistake of bad/%s to the runner (the schema cannot know it)',
    (file) => {
      expect(conformance(schemaOnDisk, readJson(`${BAD_DIR}${file}`))).toEqual([]);
    },
  );
});
