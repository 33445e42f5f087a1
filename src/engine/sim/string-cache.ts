// A direct-mapped cache in front of a Map keyed by short strings (process ids, message types,
// timer keys), for the kernel's lookups on every event: a slot chosen from the key's length and
// two of its characters, holding one key and its value. A hit is one array read and one string
// compare (a pointer compare for the interned literals these keys mostly are), where a Map lookup
// hashes and probes; a miss (a slot taken by another key) falls back to the Map and takes the slot.
//
// Owns: nothing but copies of what its Map holds. Never: answers differently from the Map it
// stands in front of (a key's value is set in both, never changed in the Map alone), or grows:
// its size is fixed (STRING_CACHE_SLOTS).

/** Slots of one cache (a power of two): a few times the keys that are hot at once. */
export const STRING_CACHE_SLOTS = 256;
const SLOT_MASK = STRING_CACHE_SLOTS - 1;

/** The slot of `key`: length and first and last characters ('broker-1' and 'broker-2' land apart). */
function slotOf(key: string): number {
  const length = key.length;
  if (length === 0) return 0;
  return (length * 31 + key.charCodeAt(length - 1) * 7 + key.charCodeAt(0)) & SLOT_MASK;
}

export class StringCache<V> {
  private readonly keys: (string | null)[] = new Array<string | null>(STRING_CACHE_SLOTS).fill(null);
  private readonly values: (V | undefined)[] = new Array<V | undefined>(STRING_CACHE_SLOTS).fill(undefined);

  /** The value cached for `key`, or undefined when its slot holds another key (ask the Map, then `remember`). */
  get(key: string): V | undefined {
    const slot = slotOf(key);
    return this.keys[slot] === key ? this.values[slot] : undefined;
  }

  /** Puts `key` and its value (as the Map has it) in the key's slot, in place of what was there. */
  remember(key: string, value: V): void {
    const slot = slotOf(key);
    this.keys[slot] = key;
    this.values[slot] = value;
  }
}
