// The pending-event queue: a 4-ary min-heap ordered by (timeUs, seq) (shallower than a binary
// heap, so a pop touches fewer cache lines; measured faster in `npm run bench`). `seq` is a counter the
// kernel assigns at scheduling time, so two events due at the same microsecond run in the order
// they were scheduled, on every host. That tie-break is the whole of the kernel's determinism.

export interface Queued {
  readonly timeUs: number;
  readonly seq: number;
}

function before(x: Queued, y: Queued): boolean {
  return x.timeUs < y.timeUs || (x.timeUs === y.timeUs && x.seq < y.seq);
}

export class EventQueue<E extends Queued> {
  private heap: E[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): E | undefined {
    return this.heap[0];
  }

  push(event: E): void {
    const heap = this.heap;
    let index = heap.length;
    heap.push(event);
    // Sift up: move the hole toward the root while the parent comes after the new event.
    while (index > 0) {
      const parentIndex = (index - 1) >> 2;
      const parent = heap[parentIndex]!;
      if (!before(event, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = event;
  }

  pop(): E | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) this.siftDown(last, 0);
    return top;
  }

  /** Removes every event for which `keep` is false, in O(n). Order among the rest is unchanged. */
  retain(keep: (event: E) => boolean): number {
    const before = this.heap.length;
    this.heap = this.heap.filter(keep);
    // Heapify from the last parent, (length - 2) >> 2, which is -1 for 0 or 1 events: sifting
    // index 0 of an empty heap would write `undefined` into it.
    for (let index = (this.heap.length - 2) >> 2; index >= 0; index--) {
      this.siftDown(this.heap[index]!, index);
    }
    return before - this.heap.length;
  }

  private siftDown(event: E, start: number): void {
    const heap = this.heap;
    const length = heap.length;
    let index = start;
    for (;;) {
      const firstChild = 4 * index + 1;
      if (firstChild >= length) break;
      let childIndex = firstChild;
      let child = heap[firstChild]!;
      const lastChild = Math.min(firstChild + 4, length);
      for (let candidateIndex = firstChild + 1; candidateIndex < lastChild; candidateIndex++) {
        const candidate = heap[candidateIndex]!;
        if (before(candidate, child)) {
          childIndex = candidateIndex;
          child = candidate;
        }
      }
      if (!before(child, event)) break;
      heap[index] = child;
      index = childIndex;
    }
    heap[index] = event;
  }
}
