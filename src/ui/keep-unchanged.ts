// Keeping objects the same from frame to frame while what they show is the same, so that React
// (memo, React Flow's edge wrappers) skips them by identity: each frame's items are rebuilt only
// when their signature (a string of what they show) changed, and the list itself is kept when no
// item changed. Pure: the caller holds the last result (a ref) and passes it back.

export interface Kept<T> {
  /** What the items belong to (a structure): another key starts afresh. */
  readonly key: string;
  readonly items: readonly T[];
  readonly byId: ReadonlyMap<string, { readonly signature: string; readonly item: T }>;
}

export interface KeepOptions<S, T> {
  readonly idOf: (source: S) => string;
  readonly signatureOf: (source: S) => string;
  readonly build: (source: S) => T;
}

/** The items for `sources`, each kept from `kept` while its id and signature are the same. */
export function keepUnchanged<S, T>(kept: Kept<T> | null, key: string, sources: readonly S[], options: KeepOptions<S, T>): Kept<T> {
  const previous = kept !== null && kept.key === key ? kept : null;
  const byId = new Map<string, { signature: string; item: T }>();
  let changed = previous === null || previous.items.length !== sources.length;
  const items = sources.map((source, index) => {
    const id = options.idOf(source);
    const signature = options.signatureOf(source);
    const old = previous?.byId.get(id);
    const item = old !== undefined && old.signature === signature ? old.item : options.build(source);
    if (!changed && previous!.items[index] !== item) changed = true;
    byId.set(id, { signature, item });
    return item;
  });
  return changed ? { key, items, byId } : previous!;
}
