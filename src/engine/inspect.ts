// One partition in detail, for the page's inspect panel: what the committed metadata says (leader,
// leader epoch, ISR, replicas), what each replica's disk and memory hold (log end, high watermark,
// log start, local log start with tiering, flushed offset, bytes), and the topic settings that
// decide its durability (replication factor, min.insync.replicas, unclean.leader.election.enable,
// remote.storage.enable). Frames carry only the first SNAPSHOT_PARTITIONS_MAX partitions and no
// per-replica high watermark or log start, so the worker answers this for the one partition a
// person has selected instead of growing every frame.
//
// Read-only: it never changes a log, an image or a trace; the engine's state is passed in.

import type { ReplicaManager } from './broker/replica-manager';
import type { PartitionLog } from './broker/partition-log';
import { dataReplicationOf, type EngineConfig } from './config';
import type { MetadataImage } from './controller/image';

export interface ReplicaDetail {
  readonly broker: string;
  readonly running: boolean;
  readonly inIsr: boolean;
  readonly leader: boolean;
  /** Null when the broker's disk holds no log for this partition (yet). */
  readonly logEndOffset: number | null;
  /**
   * This replica's own high watermark (a follower learns it from the leader's fetch answers, so it
   * may lag the leader's). Null while the broker is down, or holds no role for the partition.
   */
  readonly highWatermark: number | null;
  /** The log start offset: below it, records are deleted everywhere (Kafka's logStartOffset). */
  readonly logStartOffset: number | null;
  /** KIP-405: the first offset still on this disk; below it (down to the log start) only in the object store. */
  readonly localLogStartOffset: number | null;
  /** Written back to the disk for sure; the rest is in the page cache and a crash loses it. */
  readonly flushedOffset: number | null;
  readonly bytes: number | null;
  readonly segments: number | null;
}

export interface PartitionDetail {
  readonly topic: string;
  readonly partition: number;
  readonly leader: string | null;
  readonly leaderEpoch: number;
  /** Bumps with every leader or ISR change (Kafka's partition epoch). */
  readonly partitionEpoch: number;
  readonly isr: readonly string[];
  readonly replicas: readonly ReplicaDetail[];
  /** RECOVERING after an unclean election (KIP-704). */
  readonly unclean: boolean;
  readonly config: {
    readonly replicationFactor: number;
    readonly minInsyncReplicas: number;
    readonly uncleanLeaderElectionEnable: boolean;
    /** The topic's remote.storage.enable, honoured only with remote.log.storage.system.enable. */
    readonly remoteStorageEnable: boolean;
    /** 'isr' (Kafka) or 'quorum' (the majority contrast). */
    readonly dataReplication: 'isr' | 'quorum';
  };
}

/** What inspecting a partition needs from the engine, without reaching into its kernel. */
export interface PartitionInspectSource {
  readonly config: EngineConfig;
  /** The committed metadata the page trusts (the active controller's, else the most advanced one's). */
  readonly image: MetadataImage;
  readonly running: (broker: string) => boolean;
  /** The broker's log for `key` (`topic-partition`) on its disk, which survives a crash. */
  readonly logOf: (broker: string, key: string) => PartitionLog | null;
  /** The running broker's replica manager, null while it is down. */
  readonly replicasOf: (broker: string) => ReplicaManager | null;
}

/** A setting as the metadata has it: the topic's own Config record, else the cluster's, else the static value. */
function configOf(image: MetadataImage, topic: string, name: string): string | undefined {
  return image.configs.get(`topic:${topic}/${name}`) ?? image.configs.get(`cluster/${name}`);
}

/** The partition in detail, or null when the metadata has no such partition. */
export function inspectPartition(source: PartitionInspectSource, topic: string, partition: number): PartitionDetail | null {
  const state = source.image.partition(topic, partition);
  if (state === undefined) return null;
  const key = `${topic}-${partition}`;
  const replicas = state.replicas.map((broker): ReplicaDetail => {
    const log = source.logOf(broker, key);
    const running = source.running(broker);
    const manager = running ? source.replicasOf(broker) : null;
    return {
      broker,
      running,
      inIsr: state.isr.includes(broker),
      leader: state.leader === broker,
      logEndOffset: log?.endOffset ?? null,
      highWatermark: manager?.replicaHighWatermark(topic, partition) ?? null,
      logStartOffset: log?.logStartOffset ?? null,
      localLogStartOffset: log?.localLogStartOffset ?? null,
      flushedOffset: log?.flushedEndOffset ?? null,
      bytes: log?.bytes ?? null,
      segments: log === null ? null : log.segmentViews().length,
    };
  });
  const { config, image } = source;
  const topicConfig = config.topics.find((candidate) => candidate.name === topic);
  const minIsr = configOf(image, topic, 'min.insync.replicas');
  const unclean = configOf(image, topic, 'unclean.leader.election.enable');
  return {
    topic,
    partition,
    leader: state.leader,
    leaderEpoch: state.leaderEpoch,
    partitionEpoch: state.partitionEpoch,
    isr: [...state.isr],
    replicas,
    unclean: state.leaderRecoveryState === 'RECOVERING',
    config: {
      replicationFactor: state.replicas.length,
      minInsyncReplicas: minIsr === undefined ? config.kafka['min.insync.replicas'] : Number(minIsr),
      uncleanLeaderElectionEnable: unclean === undefined ? config.kafka['unclean.leader.election.enable'] : unclean === 'true',
      remoteStorageEnable: topicConfig?.config['remote.storage.enable'] === true && config.kafka['remote.log.storage.system.enable'],
      dataReplication: dataReplicationOf(config)(topic),
    },
  };
}
