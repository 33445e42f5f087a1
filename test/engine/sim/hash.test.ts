// Goal: RollingHash.mixEvent, the kernel's one call per traced event, folds exactly what the three
// calls it replaced fold (mix(time), mixWord(word), mixWord(label hash)), so traces and goldens
// keep their digests; including times past 2^32 µs (71 minutes), where the time has a high word.
// Method: two hashes fed the same seeded values, one through mixEvent and one through the three
// calls, compared after every event; the long-run branch is proven hit by the times drawn.

import { describe, expect, it } from 'vitest';
import { RollingHash, hashString32 } from '../../../src/engine/sim/hash';
import { Prng } from '../../../src/engine/sim/prng';

describe('RollingHash.mixEvent', () => {
  it('gives the digest of mix(time), mixWord(word), mixWord(labelHash), before and past 2^32 µs', () => {
    const prng = new Prng(11, 'hash-test');
    const fused = new RollingHash();
    const plain = new RollingHash();
    let pastHighWord = 0;
    for (let n = 0; n < 5_000; n++) {
      // Times up to ~2^34 µs (about 4.8 hours): about three quarters have a high word.
      const timeUs = prng.nextU32() * 4 + prng.int(4);
      if (timeUs >= 0x1_0000_0000) pastHighWord++;
      const word = prng.nextU32() | 0;
      const labelHash = hashString32(`label-${prng.int(50)}`);
      fused.mixEvent(timeUs, word, labelHash);
      plain.mix(timeUs);
      plain.mixWord(word);
      plain.mixWord(labelHash);
      expect(fused.hex(), `event ${n} at ${timeUs} µs`).toBe(plain.hex());
    }
    expect(pastHighWord).toBeGreaterThan(1_000);
    expect(pastHighWord).toBeLessThan(5_000);
  });
});
