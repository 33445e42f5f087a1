// Reads the page's URL parameters. A parameter that does not parse is reported, in words that
// say how to fix it, and the default is used: a bad link still opens a working playground.
import { SEED_MAX } from '../engine/config';

export interface PageParams {
  readonly seed: number;
  readonly problems: readonly string[];
}

export const DEFAULT_SEED = 1;

export function readPageParams(search: string): PageParams {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  let seed = DEFAULT_SEED;
  const seedText = params.get('seed');
  if (seedText !== null) {
    const value = Number(seedText);
    if (seedText.trim() !== '' && Number.isInteger(value) && value >= 0 && value <= SEED_MAX) {
      seed = value;
    } else {
      problems.push(
        `The link's seed "${seedText}" is not a whole number from 0 to ${SEED_MAX}; the default seed ${DEFAULT_SEED} is used. Fix the link with, for example, ?seed=42.`,
      );
    }
  }
  return { seed, problems };
}
