// Small, fast, deterministic hashes on 32-bit integer arithmetic (no platform crypto), used for
// fork labels, message type tags and the rolling trace hash.

/** FNV-1a over the UTF-16 code units of a string. */
export function hashString32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A 64-bit rolling hash kept as two independent 32-bit lanes. Each `mix` folds one integer into
 * both lanes (FNV-style in one, murmur3-style in the other), so the digest depends on every value
 * and on their order. Integers above 2^32 (times in µs) are folded as their high and low words.
 */
export class RollingHash {
  // Signed 32-bit words (`| 0`): the lanes are only ever ToInt32 arithmetic, and an initial value
  // above 2^31 (a heap number) would leave the fields "tagged" in V8's map, so that every load in
  // mixEvent (once per traced event) checked for a heap number. hex() reads them unsigned.
  private a = 0x811c9dc5 | 0;
  private b = 0x9747b28c | 0;

  /** Folds a non-negative integer below 2^53 (both of its 32-bit words). */
  mix(value: number): void {
    this.mixWord(value >>> 0);
    if (value >= 0x1_0000_0000) this.mixWord(Math.floor(value / 0x1_0000_0000) >>> 0);
  }

  /** Folds one 32-bit word. */
  mixWord(word: number): void {
    this.a = Math.imul(this.a ^ word, 0x01000193);
    let k = Math.imul(word, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let b = this.b ^ k;
    b = (b << 13) | (b >>> 19);
    this.b = (Math.imul(b, 5) + 0xe6546b64) | 0;
  }

  /**
   * Folds one traced event: `timeUs` (as `mix` does), then `word`, then `labelHash`. The same
   * digest as those three calls, with the lanes kept in locals (the kernel calls it per event).
   */
  mixEvent(timeUs: number, word: number, labelHash: number): void {
    if (timeUs >= 0x1_0000_0000) {
      // Past 71 minutes of µs: the high word too (rare; the plain calls).
      this.mix(timeUs);
      this.mixWord(word);
      this.mixWord(labelHash);
      return;
    }
    const low = timeUs >>> 0;
    let a = Math.imul(this.a ^ low, 0x01000193);
    let k = Math.imul(low, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let b = this.b ^ k;
    b = (b << 13) | (b >>> 19);
    b = (Math.imul(b, 5) + 0xe6546b64) | 0;
    a = Math.imul(a ^ word, 0x01000193);
    k = Math.imul(word, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    b ^= k;
    b = (b << 13) | (b >>> 19);
    b = (Math.imul(b, 5) + 0xe6546b64) | 0;
    a = Math.imul(a ^ labelHash, 0x01000193);
    k = Math.imul(labelHash, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    b ^= k;
    b = (b << 13) | (b >>> 19);
    this.a = a;
    this.b = (Math.imul(b, 5) + 0xe6546b64) | 0;
  }

  /** The digest as 16 lowercase hex digits. */
  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}
