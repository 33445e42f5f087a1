// A latency histogram with HdrHistogram's bucket layout: a bucket per value below 64 µs, then 32
// linear sub-buckets per power of two (about 3% precision) up to 2^31 µs. Fixed size (a bounded
// Float64Array), integer arithmetic, so percentiles are the same on every host. Shared by the
// clients (produce latency, end-to-end latency) and the metrics layer.
//
// Never: allocates per sample, or reports a value above the largest one recorded.

import type { TimeUs } from '../sim/time';

export interface LatencyView {
  /** Percentiles in µs, about 3% precision. */
  readonly p50: TimeUs;
  readonly p99: TimeUs;
  readonly p999: TimeUs;
  readonly max: TimeUs;
  /** Batches measured; the percentiles are 0 until there is one. */
  readonly count: number;
}

/** Linear sub-buckets per power of two: 32 gives about 3% precision (HdrHistogram's layout). */
const SUB_BUCKETS = 32;
const SUB_BUCKET_BITS = 5;
/** Values below this have a bucket each. */
const LINEAR_LIMIT = 2 * SUB_BUCKETS;
/** Exponents 6 to 30 get SUB_BUCKETS buckets each: up to 2^31 µs (35 minutes); longer lands in the last bucket. */
const HISTOGRAM_BUCKETS = LINEAR_LIMIT + (31 - 6) * SUB_BUCKETS;
const HISTOGRAM_VALUE_MAX = 2 ** 31 - 1;

function bucketOf(valueUs: number): number {
  if (valueUs < LINEAR_LIMIT) return valueUs;
  if (valueUs > HISTOGRAM_VALUE_MAX) return HISTOGRAM_BUCKETS - 1;
  const exponent = 31 - Math.clz32(valueUs);
  const shift = exponent - SUB_BUCKET_BITS;
  // valueUs is a whole number below 2^31 here, so a shift is the exact floor(valueUs / 2^shift), without the power and the division.
  return LINEAR_LIMIT + (exponent - SUB_BUCKET_BITS - 1) * SUB_BUCKETS + ((valueUs >>> shift) - SUB_BUCKETS);
}

/** The largest value that lands in `bucket` (HdrHistogram's highestEquivalentValue). */
function bucketTopUs(bucket: number): number {
  if (bucket < LINEAR_LIMIT) return bucket;
  const exponent = SUB_BUCKET_BITS + 1 + Math.floor((bucket - LINEAR_LIMIT) / SUB_BUCKETS);
  const sub = SUB_BUCKETS + ((bucket - LINEAR_LIMIT) % SUB_BUCKETS);
  return (sub + 1) * 2 ** (exponent - SUB_BUCKET_BITS) - 1;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(HISTOGRAM_BUCKETS);
  private total = 0;
  private maxUs = 0;

  record(valueUs: TimeUs): void {
    const value = Math.max(0, Math.floor(valueUs));
    this.counts[bucketOf(value)]! += 1;
    this.total++;
    if (value > this.maxUs) this.maxUs = value;
  }

  /** The value at `perMille` thousandths of the samples, reported as its bucket's top, never above the max. */
  percentile(perMille: number): TimeUs {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((this.total * perMille) / 1000));
    let seen = 0;
    for (let bucket = 0; bucket < HISTOGRAM_BUCKETS; bucket++) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return Math.min(bucketTopUs(bucket), this.maxUs);
    }
    return this.maxUs;
  }

  /** Buckets in every histogram: the size of the array `addDeltaSince` keeps. */
  static readonly BUCKETS = HISTOGRAM_BUCKETS;

  /**
   * Windowed percentiles without a second histogram per client: adds to `window` what this
   * histogram counted since `previous` (its counts at the last call, HISTOGRAM_BUCKETS long), then
   * stores the counts into `previous`. A histogram that restarted (fewer samples than before: a
   * new life of its client) counts from zero.
   */
  addDeltaSince(previous: Float64Array, window: LatencyHistogram): void {
    let previousTotal = 0;
    for (let bucket = 0; bucket < HISTOGRAM_BUCKETS; bucket++) previousTotal += previous[bucket]!;
    const restarted = previousTotal > this.total;
    for (let bucket = 0; bucket < HISTOGRAM_BUCKETS; bucket++) {
      const now = this.counts[bucket]!;
      const added = restarted ? now : now - previous[bucket]!;
      if (added > 0) window.addToBucket(bucket, added);
      previous[bucket] = now;
    }
  }

  /** Empties the histogram (a window starting again). */
  clear(): void {
    this.counts.fill(0);
    this.total = 0;
    this.maxUs = 0;
  }

  private addToBucket(bucket: number, count: number): void {
    this.counts[bucket]! += count;
    this.total += count;
    // The exact values are not known here: the bucket's top bounds them (about 3% above).
    this.maxUs = Math.max(this.maxUs, bucketTopUs(bucket));
  }

  view(): LatencyView {
    return { p50: this.percentile(500), p99: this.percentile(990), p999: this.percentile(999), max: this.maxUs, count: this.total };
  }
}
