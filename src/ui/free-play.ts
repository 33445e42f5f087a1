// The cluster a person gets without a lesson: the engine's defaults (3 zones, 3 controllers,
// 6 brokers) and one topic, so brokers have partitions to lead and follow from the start. A link
// may ask for another broker count (?brokers=30), to see a bigger cluster laid out.
import { BROKERS_MAX } from '../engine/config';

export const FREE_PLAY_CONFIG = {
  topics: [{ name: 'orders', partitions: 12, replicationFactor: 3 }],
} as const;

/** Free play's topic has 3 replicas, each on its own broker. */
export const FREE_PLAY_BROKERS_MIN = 3;
export const FREE_PLAY_BROKERS_MAX = BROKERS_MAX;
/** With more brokers, the topic gets this many partitions per broker (at least the default 12), so every broker leads some. */
const PARTITIONS_PER_BROKER = 2;

/** Free play with `brokers` brokers (null: the defaults, FREE_PLAY_CONFIG itself). */
export function freePlayConfig(brokers: number | null): object {
  if (brokers === null) return FREE_PLAY_CONFIG;
  const partitions = Math.max(FREE_PLAY_CONFIG.topics[0].partitions, PARTITIONS_PER_BROKER * brokers);
  return { brokers, topics: [{ ...FREE_PLAY_CONFIG.topics[0], partitions }] };
}

/** The broker count a free-play config asked for, or null when it keeps the default. */
export function freePlayBrokersOf(config: unknown): number | null {
  if (typeof config !== 'object' || config === null || !('brokers' in config)) return null;
  const brokers = (config as { brokers: unknown }).brokers;
  return typeof brokers === 'number' ? brokers : null;
}

/** How the lesson pickers name free play: the default cluster, or the broker count a link asked for. */
export function freePlayLabel(brokers: number | null): string {
  return brokers === null ? 'Free play: the default cluster' : `Free play: a ${brokers}-broker cluster`;
}
