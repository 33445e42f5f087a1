// What compare mode runs: one setting, two values, applied to a lesson or to free play, giving the
// two setups the two workers start from. Also reads and writes the link's `compare` parameter
// ("dataReplication:isr,quorum"). Pure (no DOM, no worker), so it is tested in Node.
//
// Owns: the presets a person picks from, reading a typed path and two values, and checking each
// variant as the worker would (the scenario parser, or the engine config's) before any worker
// starts, so a bad variant is explained and nothing half-starts.
// Never: varies the seed (the same seed on both sides is the point of a comparison), or runs
// anything.

import { resolveConfig } from '../engine/config';
import { parseScenario } from '../engine/scenario/validate';
import { parseSettingPath, parseSettingValues, settingName, SettingError, withSetting } from '../engine/scenario/variants';
import { ValidationError } from '../engine/validation';
import type { Setup } from './engine-client';
import type { SessionInput } from '../worker/sessions';
import { momentText } from './url-params';

/** One setting with the two values compared; side A runs the first, side B the second. */
export interface CompareSpec {
  /** Path in a scenario file ("cluster.dataReplication"). */
  readonly path: readonly string[];
  readonly values: readonly [unknown, unknown];
}

export interface ComparePreset {
  readonly id: string;
  readonly label: string;
  readonly spec: CompareSpec;
}

/** The designs the issue asks to contrast, offered ready-made. */
export const COMPARE_PRESETS: readonly ComparePreset[] = [
  { id: 'replication', label: 'ISR vs majority quorum (dataReplication)', spec: { path: ['cluster', 'dataReplication'], values: ['isr', 'quorum'] } },
  { id: 'controller', label: 'KRaft vs ZooKeeper controller (controllerMode)', spec: { path: ['cluster', 'controllerMode'], values: ['kraft', 'zookeeper'] } },
  // Tiered storage (KIP-405): closed segments go to the object store; its broker switch, false by default.
  { id: 'tiering', label: 'Tiered storage off vs on (remote.log.storage.system.enable)', spec: { path: ['cluster', 'config', 'remote.log.storage.system.enable'], values: [false, true] } },
  { id: 'lag', label: 'replica.lag.time.max.ms 30000 vs 5000', spec: { path: ['cluster', 'config', 'replica.lag.time.max.ms'], values: [30_000, 5_000] } },
];

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** The name a person reads and types: "dataReplication", "config.replica.lag.time.max.ms". */
export function specPath(spec: CompareSpec): string {
  return settingName(spec.path);
}

/** "dataReplication=isr" for side 0. */
export function sideLabel(spec: CompareSpec, side: 0 | 1): string {
  return `${specPath(spec)}=${String(spec.values[side])}`;
}

/** A typed path and a typed pair of values ("isr, quorum"): exactly two, different. */
export function parseCompareInput(pathText: string, valuesText: string): Parsed<CompareSpec> {
  const pathTrimmed = pathText.trim();
  if (pathTrimmed === '') return { ok: false, error: 'Name the setting to vary, like dataReplication or config.min.insync.replicas.' };
  let path: string[];
  let values: unknown[];
  try {
    path = parseSettingPath(pathTrimmed);
    values = parseSettingValues(pathTrimmed, valuesText.trim());
  } catch (error) {
    if (error instanceof SettingError) return { ok: false, error: `${error.message}.` };
    throw error;
  }
  if (path[0] === 'seed') return { ok: false, error: 'The seed cannot be varied: both sides run the same seed, so that only the setting differs.' };
  if (values.length !== 2) {
    return { ok: false, error: `${pathTrimmed}: got ${values.length} value${values.length === 1 ? '' : 's'} ("${valuesText.trim()}"); compare mode takes exactly two, separated by a comma, like isr,quorum.` };
  }
  if (Object.is(values[0], values[1])) return { ok: false, error: `${pathTrimmed}: both values are ${String(values[0])}; give two different values.` };
  return { ok: true, value: { path, values: [values[0], values[1]] } };
}

/** The link's form: "dataReplication:isr,quorum". */
export function parseCompareParam(text: string): Parsed<CompareSpec> {
  const at = text.indexOf(':');
  if (at < 0) return { ok: false, error: `The link's compare "${text}" has no ":"; expected SETTING:A,B, like compare=dataReplication:isr,quorum.` };
  const parsed = parseCompareInput(text.slice(0, at), text.slice(at + 1));
  return parsed.ok ? parsed : { ok: false, error: `The link's compare "${text}" does not read: ${parsed.error}` };
}

export function compareParamOf(spec: CompareSpec): string {
  return `${specPath(spec)}:${spec.values.map(String).join(',')}`;
}

/** A presenter's pause of the lesson's timeline, at a fixed time: compare mode stops both sides there. */
export interface PresenterPause {
  readonly atUs: number;
  readonly text: string;
}

/** What compare mode starts: the setting, both sides' setups, and the lesson's length and pauses. */
export interface ComparePlan {
  readonly spec: CompareSpec;
  readonly sides: readonly [Setup, Setup];
  /** The lesson's duration; null in free play (no end). */
  readonly durationUs: number | null;
  readonly pauses: readonly PresenterPause[];
}

/**
 * The two setups to start, each checked as its worker would check it; a variant that is not valid
 * is refused with what is wrong, by side and path, and neither side starts.
 */
export function compareSetups(base: Exclude<Setup, { kind: 'resume' }>, spec: CompareSpec): Parsed<ComparePlan> {
  const sides: Setup[] = [];
  let durationUs: number | null = null;
  let pauses: PresenterPause[] = [];
  for (const side of [0, 1] as const) {
    const label = sideLabel(spec, side);
    try {
      if (base.kind === 'scenario') {
        const input: unknown = JSON.parse(base.text.startsWith('\uFEFF') ? base.text.slice(1) : base.text);
        const varied = withSetting(input, spec.path, spec.values[side]);
        const valid = parseScenario(varied, `the lesson with ${label}`);
        // Both sides share the timeline (a varied timeline would be no comparison): side A's decides.
        if (side === 0) {
          durationUs = valid.scenario.duration;
          pauses = valid.scenario.timeline.flatMap((step) =>
            step.at === undefined || step.pause === undefined ? [] : [{ atUs: step.at, text: step.pause === true ? 'The presenter paused here.' : step.pause }],
          );
        }
        sides.push({ kind: 'scenario', id: base.id, text: JSON.stringify(varied), seed: base.seed });
      } else {
        // Free play runs an engine config: a cluster setting is a field of it, as are its topics.
        const path = spec.path[0] === 'cluster' ? spec.path.slice(1) : spec.path;
        const varied = withSetting(base.config, path, spec.values[side]);
        resolveConfig(varied);
        sides.push({ kind: 'free', config: varied, seed: base.seed });
      }
    } catch (error) {
      if (error instanceof ValidationError) {
        const where = base.kind === 'scenario' ? `the lesson with ${label}` : `free play with ${label}`;
        return { ok: false, error: `Side ${side === 0 ? 'A' : 'B'} (${label}) cannot run: ${error.problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ')} (${where}).` };
      }
      if (error instanceof SettingError) return { ok: false, error: `Side ${side === 0 ? 'A' : 'B'} (${label}) cannot run: ${error.message}.` };
      if (error instanceof SyntaxError) return { ok: false, error: `The lesson's file is not valid JSON (${error.message}); it cannot be compared.` };
      throw error;
    }
  }
  return { ok: true, value: { spec, sides: [sides[0]!, sides[1]!], durationUs, pauses } };
}

/**
 * A shared moment both sides open at (a compare link's t, events=A,B and actions): each side
 * replays the same faults at the same times, at its own event counts, then pauses there.
 */
export interface CompareMoment {
  readonly atUs: number;
  /** Each side's exact event count at the moment; null: every event due by atUs. */
  readonly events: readonly [number, number] | null;
  readonly inputs: readonly [readonly SessionInput[], readonly SessionInput[]];
}

/**
 * Why a link's moment cannot be opened on this plan, before any worker starts (null: it can): a
 * moment past the lesson's end. The workers check the rest (each side reaches the link's event
 * counts, its actions replay) as they open it.
 */
export function compareMomentProblem(plan: ComparePlan, moment: CompareMoment): string | null {
  if (plan.durationUs !== null && moment.atUs > plan.durationUs) {
    return `The link's moment t "${momentText(moment.atUs)}" is past the lesson's end at ${momentText(plan.durationUs)} ms; expected a moment from t=0 to t=${momentText(plan.durationUs)}.`;
  }
  return null;
}

/**
 * A compare link, read whole before any worker starts: the parameter (SETTING:A,B), both sides'
 * variants of `base`, and the moment, if any, within the lesson. What does not read is refused with
 * a sentence naming the link's compare (or t), its value and what is expected.
 */
export function compareFromLink(
  text: string,
  base: Exclude<Setup, { kind: 'resume' }>,
  moment: CompareMoment | null,
): { readonly ok: true; readonly value: { plan: ComparePlan; moment: CompareMoment | null } } | { readonly ok: false; readonly error: string; readonly part: 'compare' | 'moment' } {
  const parsed = parseCompareParam(text);
  if (!parsed.ok) return { ...parsed, part: 'compare' };
  const plan = compareSetups(base, parsed.value);
  if (!plan.ok) return { ok: false, error: `The link's compare "${text}" cannot run: ${plan.error}`, part: 'compare' };
  const problem = moment === null ? null : compareMomentProblem(plan.value, moment);
  return problem === null ? { ok: true, value: { plan: plan.value, moment } } : { ok: false, error: problem, part: 'moment' };
}
