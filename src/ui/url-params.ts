// Reads and writes the page's links. A link names what to run and, when shared, the moment to show:
//
//   ?scenario=zone-outage&seed=7&t=12500.25&events=48213#actions=<payload>
//   ?seed=7&t=3000#text=<payload>          an edited scenario, its text in the link
//   ?scenario=zone-outage&seed=7&compare=dataReplication:isr,quorum&t=41200&events=48213,47990#actions=<payload>
//                                          compare mode: both runs at a moment, each side's event count
//
// scenario  a library lesson's id;   seed  0..2^32-1;   t  simulated ms (up to 3 decimals: µs);
// events    the engine's event count at that moment (exact: a moment may fall between two events
//           at one time); session  a saved run to resume (a reload); compare  SETTING:A,B.
// After "#" (never sent to a server): text  an edited scenario, actions  the person's actions up to
// the moment, each a compressed payload (link-payload.ts). In a compare link, `events` gives each
// side's count ("A,B": one setting apart, the two runs pass through different events) and each
// action carries both sides' counts ({ atUs, events: [A, B], fault }); the actions are the same
// faults at the same times on both sides, and are checked for each side as a single run's are.
//
// Every parameter is checked; one that does not read is reported in words that name it, its value
// and what is expected, and the page opens the default cluster instead (a bad link still opens a
// working playground, and never half of what it asked for). Never: touches the DOM or the worker.
import { SEED_MAX } from '../engine/config';
import { FREE_PLAY_BROKERS_MAX, FREE_PLAY_BROKERS_MIN } from './free-play';
import { parseFault } from '../engine/faults';
import { SCENARIO_DURATION_MAX_US, parseScenarioText } from '../engine/scenario/validate';
import { ValidationError, type ValidationProblem } from '../engine/validation';
import type { SessionInput } from '../worker/sessions';
import { decodePayload, encodePayload } from './link-payload';

/** A moment of simulated time named by a link. */
export interface LinkMoment {
  readonly atUs: number;
  /** The event count at that moment, when the link gives it (exact); null: every event due by atUs. */
  readonly events: number | null;
}

/** A compare link's moment: one simulated time, and each side's event count there (when the link gives them). */
export interface CompareLinkMoment {
  readonly atUs: number;
  readonly events: readonly [number, number] | null;
}

/** One action as a link carries it: a single run's event count, or a comparison's pair (side A's, side B's). */
export interface LinkAction {
  readonly atUs: number;
  readonly events: number | readonly [number, number];
  readonly fault: unknown;
}

export interface PageParams {
  /** Seed from the link, or null for the default (the scenario's own seed, or DEFAULT_SEED). */
  readonly seed: number | null;
  /** Scenario id from the link ("zone-outage"), checked against the library once it is loaded. */
  readonly scenario: string | null;
  /** A saved session to resume (a reload of a page that was running one). */
  readonly session: string | null;
  /** Compare mode's setting and two values, as the link wrote it ("dataReplication:isr,quorum"); read by compare.ts. */
  readonly compare: string | null;
  /** The moment to open at (t and events), or null: time zero. Null in a compare link (see compareMoment). */
  readonly moment: LinkMoment | null;
  /** A compare link's moment (t, and events=A,B): both runs open there; the single view opens at zero. */
  readonly compareMoment: CompareLinkMoment | null;
  /** The edited scenario's payload (#text=), decoded by resolveLinkPayloads into `edited`. */
  readonly textPayload: string | null;
  /** The person's actions' payload (#actions=), decoded by resolveLinkPayloads into `actions`. */
  readonly actionsPayload: string | null;
  /** An edited scenario's text from the link, once decoded. */
  readonly edited: string | null;
  /** The person's actions up to the moment, once decoded and checked. */
  readonly actions: readonly SessionInput[];
  /** A compare link's actions as each side replays them (its own event counts), once decoded and checked. */
  readonly compareActions: readonly [readonly SessionInput[], readonly SessionInput[]];
  /** Free play with this many brokers ("brokers=30"); null: the default cluster. */
  readonly brokers: number | null;
  /** What is wrong with the link: when not empty, the default cluster opens. */
  readonly problems: readonly string[];
}

export const DEFAULT_SEED = 1;

/** Actions a link carries at most (the link's own length bounds them far below this). */
export const LINK_ACTIONS_MAX = 1_000;

const OPENS_DEFAULT = 'The default cluster is open instead.';
const MOMENT_PATTERN = /^\d{1,11}(?:\.\d{1,3})?$/;
const COUNT_PATTERN = /^\d{1,15}$/;
const COUNT_PAIR_PATTERN = /^(\d{1,15}),(\d{1,15})$/;

/** A value as a banner quotes it: short, so a long damaged payload does not fill the page. */
function quoted(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 37)}…` : value;
  return JSON.stringify(shown);
}

function problem(name: string, value: string, expected: string): string {
  return `The link's ${name} ${quoted(value)} ${expected}. ${OPENS_DEFAULT}`;
}

/** Reads the query (and the part after "#"); payloads stay encoded until resolveLinkPayloads. */
export function readPageParams(search: string, hash = ''): PageParams {
  const params = new URLSearchParams(search);
  const after = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const problems: string[] = [];
  let seed: number | null = null;
  const seedText = params.get('seed');
  if (seedText !== null) {
    const value = Number(seedText);
    if (seedText.trim() !== '' && Number.isInteger(value) && value >= 0 && value <= SEED_MAX) {
      seed = value;
    } else {
      problems.push(problem('seed', seedText, `is not a whole number from 0 to ${SEED_MAX}; fix the link with, for example, seed=42`));
    }
  }
  const scenario = nonEmpty(params.get('scenario'));
  const session = nonEmpty(params.get('session'));
  const compare = nonEmpty(params.get('compare'));
  const textPayload = after.get('text');
  const actionsPayload = after.get('actions');
  const brokers = readBrokers(params.get('brokers'), scenario, problems);

  let moment: LinkMoment | null = null;
  let compareMoment: CompareLinkMoment | null = null;
  const tText = params.get('t');
  const eventsText = params.get('events');
  if (tText !== null) {
    const atUs = MOMENT_PATTERN.test(tText) ? momentUs(tText) : null;
    if (atUs === null || atUs > SCENARIO_DURATION_MAX_US) {
      problems.push(problem('moment t', tText, `is not a simulated time; expected milliseconds from 0 to ${SCENARIO_DURATION_MAX_US / 1_000} with at most 3 decimals, like t=12500 or t=12500.25`));
    } else if (compare !== null) {
      // A comparison's moment: both runs stand at one time, each at its own event count.
      let events: readonly [number, number] | null = null;
      if (eventsText !== null) {
        const pair = COUNT_PAIR_PATTERN.exec(eventsText);
        const values = pair === null ? [] : [Number(pair[1]), Number(pair[2])];
        if (values.length === 2 && values.every((value) => Number.isSafeInteger(value))) events = [values[0]!, values[1]!];
        else problems.push(problem('event counts events', eventsText, "are not two counts; a compare link gives each side's, expected two whole numbers separated by a comma (side A's, side B's), like events=48213,47990"));
      }
      compareMoment = { atUs, events };
    } else {
      let events: number | null = null;
      if (eventsText !== null) {
        const value = Number(eventsText);
        if (COUNT_PATTERN.test(eventsText) && Number.isSafeInteger(value)) events = value;
        else problems.push(problem('event count events', eventsText, 'is not a count; expected a whole number from 0, like events=48213'));
      }
      moment = { atUs, events };
    }
  } else if (eventsText !== null) {
    problems.push(problem('event count events', eventsText, 'comes without a moment; expected t= (simulated ms) beside it, like t=12500&events=48213'));
  }
  if (textPayload !== null && scenario !== null) {
    problems.push(problem('scenario', scenario, 'comes with an edited scenario (#text=) too; expected one of them, the library lesson or the edited text'));
  }
  if (actionsPayload !== null && moment === null && compareMoment === null) {
    problems.push(problem('actions', actionsPayload, 'come without a moment; expected t= (simulated ms) beside them, as the Share button writes'));
  }
  return { seed, scenario, session, compare, brokers, moment, compareMoment, textPayload, actionsPayload, edited: null, actions: [], compareActions: [[], []], problems };
}

/**
 * Decodes the link's payloads: the edited scenario's text (its meaning is the validator's to
 * judge, when it runs) and the person's actions, each checked (a time and event count no later
 * than the moment's, in order, and a fault the engine knows).
 */
export async function resolveLinkPayloads(params: PageParams): Promise<PageParams> {
  const problems = [...params.problems];
  let edited: string | null = null;
  // With a lesson named too, the conflict is reported already (readPageParams): the text is not read.
  if (params.textPayload !== null && params.scenario === null) {
    const decoded = await decodePayload(params.textPayload);
    if (!decoded.ok) {
      problems.push(problem('edited scenario #text', params.textPayload, `does not read: ${decoded.error}; expected the text the Share button wrote`));
    } else {
      // Judged here, as the worker would: a scenario that cannot run opens the default cluster, not a failure panel.
      const invalid = scenarioProblems(decoded.text);
      if (invalid.length === 0) edited = decoded.text;
      else {
        const listed = invalid.slice(0, 3).map((each) => `${each.path}: ${each.message}`).join('; ');
        problems.push(problem('edited scenario #text', params.textPayload, `reads, but is not a valid scenario (${listed}${invalid.length > 3 ? `; and ${invalid.length - 3} more` : ''})`));
      }
    }
  }
  let actions: readonly SessionInput[] = [];
  let compareActions: PageParams['compareActions'] = [[], []];
  const { moment, compareMoment } = params;
  if (params.actionsPayload !== null && (moment !== null || compareMoment !== null)) {
    const decoded = await decodePayload(params.actionsPayload);
    if (!decoded.ok) {
      problems.push(problem('actions #actions', params.actionsPayload, `do not read: ${decoded.error}; expected the actions the Share button wrote`));
    } else if (moment !== null) {
      const checked = checkActions(decoded.text, moment);
      if (checked.ok) actions = checked.actions;
      else problems.push(problem('actions #actions', params.actionsPayload, `do not read: ${checked.error}`));
    } else if (compareMoment !== null) {
      const checked = checkCompareActions(decoded.text, compareMoment);
      if (checked.ok) compareActions = checked.actions;
      else problems.push(problem('actions #actions', params.actionsPayload, `do not read: ${checked.error}`));
    }
  }
  return { ...params, edited, actions, compareActions, problems };
}

type ActionsChecked<T> = { ok: true; actions: T } | { ok: false; error: string };

/** The person's actions as the link carries them: [{ atUs, events, fault }, ...], oldest first. */
export function checkActions(text: string, moment: LinkMoment): ActionsChecked<SessionInput[]> {
  const list = actionList(text);
  return list.ok ? checkActionItems(list.actions, moment, null) : list;
}

/**
 * A compare link's actions: [{ atUs, events: [A, B], fault }, ...], oldest first: the same faults
 * at the same times on both sides, each side's event count its own. Each side's list is checked
 * as a single run's (checkActionItems), against that side's event count at the moment.
 */
export function checkCompareActions(text: string, moment: CompareLinkMoment): ActionsChecked<[SessionInput[], SessionInput[]]> {
  const list = actionList(text);
  if (!list.ok) return list;
  const sides = ([0, 1] as const).map((side) => checkActionItems(list.actions, { atUs: moment.atUs, events: moment.events?.[side] ?? null }, side));
  for (const side of sides) if (!side.ok) return side;
  return { ok: true, actions: [(sides[0] as { actions: SessionInput[] }).actions, (sides[1] as { actions: SessionInput[] }).actions] };
}

function actionList(text: string): ActionsChecked<unknown[]> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'they are not JSON' };
  }
  if (!Array.isArray(json)) return { ok: false, error: 'expected a list of actions' };
  if (json.length > LINK_ACTIONS_MAX) return { ok: false, error: `${json.length} actions; a link carries at most ${LINK_ACTIONS_MAX}` };
  return { ok: true, actions: json };
}

/** Each action in order, up to the moment; `side` reads one side's count from a comparison's pair (null: a single run's count). */
function checkActionItems(items: readonly unknown[], moment: LinkMoment, side: 0 | 1 | null): ActionsChecked<SessionInput[]> {
  const actions: SessionInput[] = [];
  for (const [index, item] of items.entries()) {
    const where = `actions[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return { ok: false, error: `${where}: expected { atUs, events${side === null ? '' : ': [A, B]'}, fault }` };
    const { atUs, events: written, fault } = item as Record<string, unknown>;
    if (typeof atUs !== 'number' || !Number.isSafeInteger(atUs) || atUs < 0 || atUs > moment.atUs) {
      return { ok: false, error: `${where}.atUs: got ${JSON.stringify(atUs)}; expected whole µs from 0 to the moment's ${moment.atUs}` };
    }
    if (side !== null && !(Array.isArray(written) && written.length === 2)) {
      return { ok: false, error: `${where}.events: got ${JSON.stringify(written)}; expected each side's event count as a pair [A, B], as the Share button writes in compare mode` };
    }
    const events: unknown = side === null ? written : (written as unknown[])[side];
    const eventsWhere = side === null ? `${where}.events` : `${where}.events[${side}] (side ${side === 0 ? 'A' : 'B'})`;
    const eventsMax = moment.events ?? Number.MAX_SAFE_INTEGER;
    if (typeof events !== 'number' || !Number.isSafeInteger(events) || events < 0 || events > eventsMax) {
      return { ok: false, error: `${eventsWhere}: got ${JSON.stringify(events)}; expected a whole event count from 0${moment.events === null ? '' : ` to the moment's ${moment.events}`}` };
    }
    const previous = actions.at(-1);
    if (previous !== undefined && (atUs < previous.atUs || events < previous.events)) {
      return { ok: false, error: `${where}: it comes before actions[${index - 1}]; expected the actions oldest first` };
    }
    try {
      parseFault(fault);
    } catch (error) {
      return { ok: false, error: `${where}.fault: ${error instanceof Error ? error.message.replace(/\s+/g, ' ') : String(error)}` };
    }
    actions.push({ atUs, events, fault });
  }
  return { ok: true, actions };
}

/** A scenario text's problems, as the worker's validator names them (none: it runs). */
function scenarioProblems(text: string): readonly ValidationProblem[] {
  try {
    parseScenarioText(text);
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    return [{ path: '(root)', message: error instanceof Error ? error.message : String(error) }];
  }
}

function nonEmpty(text: string | null): string | null {
  return text === null || text.trim() === '' ? null : text.trim();
}

/** "12500.25" ms → 12500250 µs, exactly (no floating point). */
function momentUs(text: string): number {
  const [whole, fraction = ''] = text.split('.');
  return Number(whole) * 1_000 + Number(fraction.padEnd(3, '0'));
}

/** 12500250 µs → "12500.25" (the inverse of momentUs). */
export function momentText(atUs: number): string {
  const whole = Math.floor(atUs / 1_000);
  const fraction = String(atUs % 1_000).padStart(3, '0').replace(/0+$/, '');
  return fraction === '' ? String(whole) : `${whole}.${fraction}`;
}

/** ?brokers=N: free play's broker count, a whole number the engine and free play's topic allow. */
function readBrokers(text: string | null, scenario: string | null, problems: string[]): number | null {
  if (text === null) return null;
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < FREE_PLAY_BROKERS_MIN || value > FREE_PLAY_BROKERS_MAX) {
    problems.push(
      `The link's brokers "${text}" is not a whole number from ${FREE_PLAY_BROKERS_MIN} to ${FREE_PLAY_BROKERS_MAX} (free play's topic keeps 3 replicas); the default 6 brokers are used. Fix the link with, for example, ?brokers=30.`,
    );
    return null;
  }
  if (scenario !== null) {
    problems.push(`The link's brokers=${text} applies to free play only; the lesson "${scenario}" brings its own cluster.`);
    return null;
  }
  return value;
}

/**
 * The link that reopens a setup: ?scenario=zone-outage&seed=7 (only what differs from the
 * defaults), and &session=... so that a reload resumes the saved run rather than starting again.
 */
export function linkFor(setup: { scenario: string | null; seed: number | null; session?: string | null; compare?: string | null; brokers?: number | null }): string {
  const params = new URLSearchParams();
  if (setup.scenario !== null) params.set('scenario', setup.scenario);
  if (setup.brokers !== undefined && setup.brokers !== null) params.set('brokers', String(setup.brokers));
  if (setup.seed !== null) params.set('seed', String(setup.seed));
  if (setup.session !== undefined && setup.session !== null) params.set('session', setup.session);
  if (setup.compare !== undefined && setup.compare !== null) params.set('compare', setup.compare);
  const query = params.toString();
  return query === '' ? '?' : `?${query}`;
}

/**
 * What a shared link holds: the lesson (or edited text), the seed, the moment and the actions up to
 * it; in compare mode also the comparison (compare.ts's SETTING:A,B), with each side's event counts.
 */
export interface SharedMoment {
  readonly scenario: string | null;
  readonly edited: string | null;
  readonly seed: number;
  /** Free play's broker count (?brokers=N), when not the default; a lesson brings its own cluster. */
  readonly brokers?: number | null;
  readonly compare?: string | null;
  readonly atUs: number;
  readonly events: number | readonly [number, number];
  readonly actions: readonly LinkAction[];
}

/**
 * The query and hash of a link to a moment ("?scenario=...&seed=...&t=...&events=...#..."), or
 * why it cannot be given: the whole link, `base` included, must fit SHARE_LINK_CHARS_MAX.
 */
export async function shareLinkFor(base: string, shared: SharedMoment, maxChars: number): Promise<{ ok: true; link: string } | { ok: false; error: string }> {
  const params = new URLSearchParams();
  if (shared.scenario !== null && shared.edited === null) params.set('scenario', shared.scenario);
  if (shared.scenario === null && shared.edited === null && shared.brokers !== undefined && shared.brokers !== null) params.set('brokers', String(shared.brokers));
  params.set('seed', String(shared.seed));
  if (shared.compare !== undefined && shared.compare !== null) params.set('compare', shared.compare);
  params.set('t', momentText(shared.atUs));
  params.set('events', typeof shared.events === 'number' ? String(shared.events) : shared.events.join(','));
  const after = new URLSearchParams();
  if (shared.edited !== null) after.set('text', await encodePayload(shared.edited));
  if (shared.actions.length > 0) after.set('actions', await encodePayload(JSON.stringify(shared.actions)));
  const hash = after.toString();
  const link = `${base}?${params.toString()}${hash === '' ? '' : `#${hash}`}`;
  if (link.length > maxChars) {
    const what = shared.edited !== null ? 'the edited scenario' : 'your actions';
    return {
      ok: false,
      error: `This link would be ${link.length.toLocaleString('en-US')} characters long, more than the ${maxChars.toLocaleString('en-US')} that servers and chat tools reliably carry (RFC 9110 §4.1); ${what} take${shared.edited !== null ? 's' : ''} most of it even compressed. Shorten it, or share the scenario file itself.`,
    };
  }
  return { ok: true, link };
}
