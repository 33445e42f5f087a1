// What a person has picked on the page to look at or act on: a process (broker, controller,
// producer, consumer, the object store), a partition, or a zone. The topology sets it on click,
// the inspect panel shows it, context menus act on it. Plain data, so it can sit in a URL or a
// test; it never holds a snapshot (the panel looks the target up in the current frame, so a
// selection of something that went away shows that it went away).

export type Selection =
  | { readonly kind: 'process'; readonly id: string }
  | { readonly kind: 'partition'; readonly topic: string; readonly partition: number }
  | { readonly kind: 'zone'; readonly id: string };

/** A request to open the actions menu of `target` at viewport (client) coordinates (x, y), from a right-click or the keyboard. */
export interface MenuRequest {
  readonly target: Selection;
  readonly x: number;
  readonly y: number;
}

export function sameSelection(a: Selection | null, b: Selection | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind === 'process' && b.kind === 'process') return a.id === b.id;
  if (a.kind === 'zone' && b.kind === 'zone') return a.id === b.id;
  if (a.kind === 'partition' && b.kind === 'partition') return a.topic === b.topic && a.partition === b.partition;
  return false;
}

/** A short label for headings and screen readers: "broker-2", "orders-3", "zone-b". */
export function selectionLabel(selection: Selection): string {
  return selection.kind === 'partition' ? `${selection.topic}-${selection.partition}` : selection.id;
}
