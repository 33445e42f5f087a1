// The cluster a person gets without a lesson: the engine's defaults (3 zones, 3 controllers,
// 6 brokers) and one topic, so brokers have partitions to lead and follow from the start.
export const FREE_PLAY_CONFIG = {
  topics: [{ name: 'orders', partitions: 12, replicationFactor: 3 }],
} as const;
