// One setting of a scenario file, varied: "dataReplication=isr,quorum" read as a path and its
// values, and a copy of the file with one value put at that path. The CLI's `compare --set` and
// the page's compare mode (and its `?compare=dataReplication:isr,quorum` link) share this code, so
// a path means the same thing in both.
//
// Owns: reading a setting path and its values, and writing a value into a copy of a scenario's
// JSON. Never: validates the result (the scenario's own parser does, naming the variant), mutates
// the input it is given, or reads anything but its arguments.

import { scenarioSchema } from './schema';

/** A scenario field to vary: its path in the file, as segments, and the values to try. */
export interface Setting {
  readonly path: readonly string[];
  readonly values: readonly unknown[];
}

/** A setting that does not read, or cannot be put into the file; the message names both. */
export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingError';
  }
}

/** "3" → 3, "true" → true, "null" → null, anything else stays text. */
export function parseSettingValue(text: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  return text;
}

/**
 * A dotted path as segments in the file. Kafka's setting names have dots of their own, so under a
 * "config" object the rest is one name (config.replica.lag.time.max.ms); a first name that is not a
 * top-level field of a scenario is a cluster setting (dataReplication → cluster.dataReplication).
 */
export function parseSettingPath(text: string): string[] {
  if (!/^[A-Za-z0-9_.$-]+$/.test(text)) {
    throw new SettingError(`the setting path "${text}" has characters a path cannot have; expected a dotted path like dataReplication or cluster.brokers`);
  }
  const dotted = text.split('.');
  if (dotted.some((segment) => segment === '')) throw new SettingError(`"${text}" has an empty segment; expected a dotted path like cluster.brokers`);
  const configAt = dotted.indexOf('config');
  const segments = configAt < 0 || configAt === dotted.length - 1 ? dotted : [...dotted.slice(0, configAt + 1), dotted.slice(configAt + 1).join('.')];
  const topLevel = Object.keys(scenarioSchema.shape);
  return topLevel.includes(segments[0]!) ? segments : ['cluster', ...segments];
}

/** A comma-separated list of values ("isr,quorum"); none may be empty. */
export function parseSettingValues(pathText: string, valuesText: string): unknown[] {
  const values = valuesText.split(',').map((value) => value.trim());
  if (values.some((value) => value === '')) throw new SettingError(`${pathText}: an empty value in "${valuesText}"; expected values separated by commas, like isr,quorum`);
  return values.map(parseSettingValue);
}

/** "PATH=A,B[,...]", as `compare --set` takes it. */
export function parseSetting(text: string): Setting {
  const match = /^([^=]+)=(.+)$/.exec(text);
  if (match === null) throw new SettingError(`got "${text}"; expected PATH=VALUE[,VALUE...], like dataReplication=isr,quorum`);
  return { path: parseSettingPath(match[1]!), values: parseSettingValues(match[1]!, match[2]!) };
}

/** How a setting is shown: its path without the implied "cluster.", as a person would type it. */
export function settingName(path: readonly string[]): string {
  return path[0] === 'cluster' ? path.slice(1).join('.') : path.join('.');
}

/** A copy of `input` (a scenario's JSON) with `value` at `path`; missing objects on the way are made. */
export function withSetting(input: unknown, path: readonly string[], value: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new SettingError('the scenario is not a JSON object, so no setting can be put into it');
  const root = structuredClone(input) as Record<string, unknown>;
  let node = root;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (next === undefined) node[segment] = {};
    else if (typeof next !== 'object' || next === null) {
      throw new SettingError(`${path.join('.')}: "${segment}" in the file is ${JSON.stringify(next)}, not an object or a list, so it has no "${path[path.indexOf(segment) + 1]}"`);
    }
    // A list is indexed by number (topics.0.partitions), as an object by name.
    node = node[segment] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
  return root;
}

/** Every combination of the settings' values, each with its label ("dataReplication=isr brokers=3"). */
export function variantsOf(input: unknown, settings: readonly Setting[], variantsMax: number): { label: string; input: unknown }[] {
  const count = settings.reduce((product, setting) => product * setting.values.length, 1);
  if (count > variantsMax) throw new SettingError(`at most ${variantsMax} variants; these values make ${count}`);
  let combos: { label: string; input: unknown }[] = [{ label: '', input }];
  for (const setting of settings) {
    combos = combos.flatMap((combo) =>
      setting.values.map((value) => ({
        label: `${combo.label}${combo.label === '' ? '' : ' '}${settingName(setting.path)}=${String(value)}`,
        input: withSetting(combo.input, setting.path, value),
      })),
    );
  }
  return combos;
}
