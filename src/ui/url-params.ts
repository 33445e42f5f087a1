// Reads the page's URL parameters. A parameter that does not parse is reported, in words that
// say how to fix it, and the default is used: a bad link still opens a working playground.
import { SEED_MAX } from '../engine/config';
import { FREE_PLAY_BROKERS_MAX, FREE_PLAY_BROKERS_MIN } from './free-play';

export interface PageParams {
  /** Seed from the link, or null for the default (the scenario's own seed, or DEFAULT_SEED). */
  readonly seed: number | null;
  /** Scenario id from the link ("zone-outage"), checked against the library once it is loaded. */
  readonly scenario: string | null;
  /** A saved session to resume (a reload of a page that was running one). */
  readonly session: string | null;
  /** Compare mode's setting and two values, as the link wrote it ("dataReplication:isr,quorum"); read by compare.ts. */
  readonly compare: string | null;
  /** Free play with this many brokers ("brokers=30"); null: the default cluster. */
  readonly brokers: number | null;
  readonly problems: readonly string[];
}

export const DEFAULT_SEED = 1;

export function readPageParams(search: string): PageParams {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  let seed: number | null = null;
  const seedText = params.get('seed');
  if (seedText !== null) {
    const value = Number(seedText);
    if (seedText.trim() !== '' && Number.isInteger(value) && value >= 0 && value <= SEED_MAX) {
      seed = value;
    } else {
      problems.push(
        `The link's seed "${seedText}" is not a whole number from 0 to ${SEED_MAX}; the default seed is used. Fix the link with, for example, ?seed=42.`,
      );
    }
  }
  const scenarioText = params.get('scenario');
  const scenario = scenarioText === null || scenarioText.trim() === '' ? null : scenarioText.trim();
  const sessionText = params.get('session');
  const session = sessionText === null || sessionText.trim() === '' ? null : sessionText.trim();
  const compareText = params.get('compare');
  const compare = compareText === null || compareText.trim() === '' ? null : compareText.trim();
  const brokers = readBrokers(params.get('brokers'), scenario, problems);
  return { seed, scenario, session, compare, brokers, problems };
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
