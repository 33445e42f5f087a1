// Reading an engine's insides from tests: a broker's partition logs from its disk (whether it runs
// or not), and the committed metadata of a partition. Not for the engine's own code: the engine
// exposes views; these reach past them on purpose, to check what is really on disk.
import type { Engine } from '../../src/engine/api';
import type { MemberDisk } from '../../src/engine/cluster';

/** Every partition log on a broker's disk, by "topic-partition". */
export function logsOf(engine: Engine, broker: string) {
  return (engine as unknown as { kernel: { durableOf(id: string): MemberDisk } }).kernel.durableOf(broker).data.logs;
}

/** A broker's log of one partition (orders-0 unless named). */
export function logOf(engine: Engine, broker: string, key = 'orders-0') {
  return logsOf(engine, broker).get(key)!;
}

/** A partition's committed state, as the active controller has it (orders-0 unless named). */
export function partitionState(engine: Engine, topic = 'orders', partition = 0) {
  return engine.metadataOf(engine.activeController()!)!.partition(topic, partition)!;
}
