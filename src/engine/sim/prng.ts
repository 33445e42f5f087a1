// Seeded pseudo-random numbers: the only source of chance in the engine.
// xoshiro128** (Blackman and Vigna) on 32-bit integer arithmetic, seeded through splitmix32, so the
// same seed gives the same draws in every JavaScript engine. Draws are integers; floating point
// never decides an outcome.
//
// Streams are forked by label (`prng.fork('net')`): a fork depends only on the root seed and the
// label, never on how many draws were made before, so adding a process or a draw in one subsystem
// does not reshuffle every other subsystem's luck.

import { hashString32 } from './hash';

const UINT32_RANGE = 0x1_0000_0000;

export class Prng {
  // The four words of state start as numbers and stay signed 32-bit words (see the constructor): a
  // field declared without a value is defined as undefined first (ES2022 class fields), and one that
  // held undefined or a heap number stays "tagged" in V8's map, so every load of it checks for a heap number.
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  // The rejection limit of the last bound: most callers draw with the same bound again and again.
  // It starts as the valid pair for bound 1, never 0: a cached bound skips validation, so caching
  // an invalid one would let int(0) through to the sampling loop.
  private lastBound = 1;
  private lastLimit = UINT32_RANGE;

  /** @param seed an integer; only its low 32 bits and the label matter. */
  constructor(
    readonly seed: number,
    readonly label = 'root',
  ) {
    let state = (seed ^ hashString32(label)) >>> 0;
    const next = (): number => {
      // splitmix32: spreads a 32-bit seed over the four words of state.
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    // Kept as signed 32-bit words (`| 0`; every step below is ToInt32 arithmetic, so the draws are
    // the same): a word above 2^31 would be a heap number, and a field that held one stays
    // "tagged" in V8's map, so every later load of it checks for a heap number before the arithmetic.
    this.s0 = next() | 0;
    this.s1 = next() | 0;
    this.s2 = next() | 0;
    this.s3 = next() | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** An independent stream named `label`, derived from this stream's seed and label only. */
  fork(label: string): Prng {
    return new Prng(this.seed, `${this.label}/${label}`);
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform integer in [0, bound), without modulo bias. `bound` is an integer in [1, 2^32]. */
  int(bound: number): number {
    if (bound !== this.lastBound) {
      if (!Number.isInteger(bound) || bound < 1 || bound > UINT32_RANGE) {
        throw new RangeError(`Prng.int: bound must be an integer from 1 to 2^32, got ${bound}`);
      }
      // Reject the top partial block of the 2^32 range so that every residue is equally likely.
      this.lastBound = bound;
      this.lastLimit = UINT32_RANGE - (UINT32_RANGE % bound);
    }
    const limit = this.lastLimit;
    for (let attempt = 0; attempt < 64; attempt++) {
      const draw = this.nextU32();
      // draw % bound, without `%` on a value above 2^31 (a floating-point fmod call): the quotient
      // of two integers below 2^32, rounded to a double, never crosses an integer, so this is exact.
      if (draw < limit) return draw - Math.floor(draw / bound) * bound;
    }
    // 64 rejections in a row has probability below 2^-64 even for the worst bound.
    throw new Error('Prng.int: rejection sampling did not terminate; the generator state is corrupt');
  }

  /** A uniform integer in [min, max], both inclusive. */
  range(min: number, max: number): number {
    if (max < min) throw new RangeError(`Prng.range: max ${max} is below min ${min}`);
    return min + this.int(max - min + 1);
  }

  /** True with probability perMillion / 1,000,000. */
  chancePerMillion(perMillion: number): boolean {
    if (perMillion <= 0) return false;
    if (perMillion >= 1_000_000) return true;
    return this.int(1_000_000) < perMillion;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Prng.pick: the array is empty');
    return items[this.int(items.length)]!;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
