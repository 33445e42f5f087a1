// What each node of the topology shows, fed to that node alone: a small external store keyed by
// node id, read with useSyncExternalStore, so a frame in which three cards changed re-renders
// those three nodes and not the whole graph (a React context re-renders every reader whenever its
// value changes, and at 30 brokers that was ~40 nodes every frame).
//
// The topology stages the frame's entries while it renders (a node that renders in the same pass
// reads them) and, once React has committed, tells the nodes whose entry is another object. An
// entry is kept (the same object) while what its node draws is the same; the caller decides that
// (`keepEntries`), so the store never compares values itself.
//
// Owns: the entries and who listens to which. Never: reads the DOM or the clock, or builds entries.

/** The entries for `next`, each the previous object while `same` says it draws the same. */
export function keepEntries<V>(previous: ReadonlyMap<string, V>, next: ReadonlyMap<string, V>, same: (before: V, after: V) => boolean): Map<string, V> {
  const kept = new Map<string, V>();
  for (const [id, value] of next) {
    const before = previous.get(id);
    kept.set(id, before !== undefined && same(before, value) ? before : value);
  }
  return kept;
}

export class NodeFeed<V> {
  /** What the nodes last rendered from (told after the last commit). */
  private told: ReadonlyMap<string, V> = new Map();
  /** The newest entries: read by nodes rendering now. */
  private staged: ReadonlyMap<string, V> = new Map();
  /** Per node id, the nodes listening (one each; a set, as React may subscribe twice while remounting). */
  private readonly listeners = new Map<string, Set<() => void>>();

  /** The entries of this render. Call while rendering; `publish` once committed. */
  stage(entries: ReadonlyMap<string, V>): void {
    this.staged = entries;
  }

  /** The entries staged last (what the nodes show, or are about to). */
  entries(): ReadonlyMap<string, V> {
    return this.staged;
  }

  /** Tells each node whose entry is not the object it was last told of; returns how many were told. */
  publish(): number {
    let told = 0;
    for (const [id, value] of this.staged) {
      if (this.told.get(id) === value) continue;
      const listeners = this.listeners.get(id);
      if (listeners === undefined) continue;
      told++;
      for (const listener of listeners) listener();
    }
    this.told = this.staged;
    return told;
  }

  get(id: string): V | undefined {
    return this.staged.get(id);
  }

  subscribe(id: string, listener: () => void): () => void {
    let set = this.listeners.get(id);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }
}
