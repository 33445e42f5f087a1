// Helpers for the lists on the hot paths: reused lists emptied without allocating, short lists
// searched, long-lived lists made in the elements kind their pushes will keep.
//
// Never: allocates, except the list objectList is asked for.

/**
 * Empties a reused list. Not `list.length = 0`: V8 then drops the array's backing store, and the
 * next push allocates it again (~100 ns against ~10 for pops, on the lists a fetch empties).
 */
export function emptyList<T>(list: T[]): void {
  while (list.length > 0) list.pop();
}

/**
 * Whether `list` holds `value` (===). A loop, not `Array.prototype.includes`: on the few-entry lists
 * checked once per batch read (the durability oracle's readers of a batch), V8 calls the builtin
 * rather than inlining it (`ArrayIncludesSmiOrObject`: with the ISR's check per follower fetch,
 * now ReplicaManager's inIsr, ~50 M instructions a simulated minute of the reference). For strings,
 * === is the SameValueZero that includes uses.
 */
export function listHas<T>(list: readonly T[], value: T): boolean {
  for (let index = 0; index < list.length; index++) if (list[index] === value) return true;
  return false;
}

/**
 * A new empty list already of V8's elements kind for objects (PACKED_ELEMENTS), for a long-lived
 * list filled by push on a hot path. A `[]` starts as a list of small integers (PACKED_SMI_ELEMENTS)
 * and changes kind at its first object; a push site that has seen both kinds (new lists and grown
 * ones) is not inlined by V8's optimizing compiler, which then calls the generic
 * `Array.prototype.push` builtin on every push (JSCallReducer's ReduceArrayPrototypePush takes
 * receivers that differ in packedness only). Lists made here give their push sites one kind.
 */
export function objectList<T extends object>(): T[] {
  const list: (T | null)[] = [null];
  list.pop();
  return list as T[];
}
