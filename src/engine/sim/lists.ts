// Helpers for the lists the hot paths reuse instead of allocating one per message.
//
// Never: allocates.

/**
 * Empties a reused list. Not `list.length = 0`: V8 then drops the array's backing store, and the
 * next push allocates it again (~100 ns against ~10 for pops, on the lists a fetch empties).
 */
export function emptyList<T>(list: T[]): void {
  while (list.length > 0) list.pop();
}
