// min.insync.replicas as a broker reads it (cluster.ts minInsyncReplicasOf): the topic's own
// Config record, else the cluster's, else the static setting. These stories prove that every way
// the image can change its configs (a replayed Config record, a removed one, a snapshot loaded) is
// seen at the next ask, and that topics keep their own values while asked in turn. The produce
// path's per-partition copy of the answer is tested in broker/produce-min-isr.test.ts.
import { describe, expect, it } from 'vitest';
import { minInsyncReplicasOf } from '../../src/engine/cluster';
import { MetadataImage } from '../../src/engine/controller/image';
import type { MetadataRecord } from '../../src/engine/controller/records';

function config(resource: string, value: string | null): MetadataRecord {
  return { type: 'Config', resource, name: 'min.insync.replicas', value };
}

describe('min.insync.replicas per produced batch', () => {
  it('follows Config records for the topic and the cluster as the image replays them', () => {
    const image = new MetadataImage();
    const minIsr = minInsyncReplicasOf(image, 1);
    expect(minIsr('orders')).toBe(1); // the static setting
    image.replay(config('cluster', '2'), 0);
    expect(minIsr('orders')).toBe(2); // the cluster's dynamic default
    image.replay(config('topic:orders', '3'), 1);
    expect(minIsr('orders')).toBe(3); // the topic's own
    expect(minIsr('payments')).toBe(2); // another topic still has the cluster's
    expect(minIsr('orders')).toBe(3); // and asking about it did not disturb the first
    image.replay(config('topic:orders', null), 2);
    expect(minIsr('orders')).toBe(2); // the topic's record removed: the cluster's again
  });

  it('sees a snapshot loaded in place of the image', () => {
    const source = new MetadataImage();
    source.replay(config('topic:orders', '3'), 0);
    const { data } = source.snapshot();
    const image = new MetadataImage();
    const minIsr = minInsyncReplicasOf(image, 2);
    expect(minIsr('orders')).toBe(2);
    image.load(data, 1);
    expect(minIsr('orders')).toBe(3);
  });
});
