// Per-peer state found by the kernel's index of the sender (Effects.senderIndex) rather than by
// the sender's name in a Map: an array read where a lookup by name hashes and probes. The index is
// stable for the run (the kernel's process slots are never reused), so a value kept at an index
// stays right as long as the owner's Map never replaces the value of a name.
//
// Owns: nothing but copies of what its owner's Map holds. Never: trusts an index alone. A handler
// may be run again later for a message it held (a disk queue handing it back during another
// delivery), when `senderIndex` is that delivery's sender: callers check the value is the one for
// the `from` they were given, and take it from their Map when not. Bound: one slot per process.

/** The value kept for the sender `peer`, or undefined when none is kept or the input came from no process. */
export function atPeer<T>(byPeer: readonly (T | undefined)[], peer: number | undefined): T | undefined {
  return peer === undefined || peer < 0 || peer >= byPeer.length ? undefined : byPeer[peer];
}

/** Keeps `value` for the sender `peer` (nothing when the input came from no process). The array stays packed. */
export function setAtPeer<T>(byPeer: (T | undefined)[], peer: number | undefined, value: T): void {
  if (peer === undefined || peer < 0) return;
  while (byPeer.length < peer) byPeer.push(undefined);
  byPeer[peer] = value;
}
