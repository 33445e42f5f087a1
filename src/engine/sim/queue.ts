// The pending-event queue: a 4-ary min-heap ordered by (timeUs, seq) (shallower than a binary
// heap, so a pop touches fewer cache lines; measured faster in `npm run bench`). `seq` is a counter the
// kernel assigns at scheduling time, so two events due at the same microsecond run in the order
// they were scheduled, on every host. That tie-break is the whole of the kernel's determinism.
//
// The heap holds no objects: its entries are three parallel typed arrays (time, seq, and a
// *handle*, an integer the caller chooses, the kernel's index into its pool of event records), so
// pushing an event allocates nothing and a sift compares numbers stored side by side rather than
// fields of objects scattered over the heap. The arrays double when full; the caller bounds how
// many events it keeps pending.
//
// Never: reorders events with equal (timeUs, seq), or looks at what a handle stands for.

/** Entries the arrays start with; they double as the queue grows. */
const INITIAL_CAPACITY = 1_024;

export class EventQueue {
  private timesUs = new Float64Array(INITIAL_CAPACITY);
  private seqs = new Float64Array(INITIAL_CAPACITY);
  private handles = new Int32Array(INITIAL_CAPACITY);
  private length = 0;

  get size(): number {
    return this.length;
  }

  /** Time of the first event, or +Infinity when the queue is empty. */
  peekTimeUs(): number {
    return this.length === 0 ? Number.POSITIVE_INFINITY : this.timesUs[0]!;
  }

  /** Handle of the first event, or -1 when the queue is empty. */
  peekHandle(): number {
    return this.length === 0 ? -1 : this.handles[0]!;
  }

  /** Sequence number of the first event (meaningless when the queue is empty: check peekTimeUs first). */
  peekSeq(): number {
    return this.seqs[0]!;
  }

  /** Queues the event `handle` (a non-negative 31-bit integer) due at `timeUs`, scheduled as number `seq`. */
  push(timeUs: number, seq: number, handle: number): void {
    if (this.length === this.handles.length) this.grow();
    this.siftUp(this.length++, timeUs, seq, handle);
  }

  /**
   * Removes the first event and returns its handle, or -1 when the queue is empty. Floyd's
   * bottom-up deletion: the hole at the root goes down the smallest children to a leaf (three
   * compares a level to pick among four children, none against the moved entry), then the last
   * entry, which nearly always belongs near the bottom, sifts up from there. Same result as the
   * top-down sift, with about a fifth fewer compares. Times decide; a seq is read only on a tie
   * (rare: an event is seldom due at the same microsecond as another).
   */
  pop(): number {
    if (this.length === 0) return -1;
    const timesUs = this.timesUs;
    const seqs = this.seqs;
    const handles = this.handles;
    const top = handles[0]!;
    const last = --this.length;
    if (last === 0) return top;
    const length = last;
    let index = 0;
    for (;;) {
      const firstChild = 4 * index + 1;
      if (firstChild >= length) break;
      let childIndex = firstChild;
      let childTimeUs = timesUs[firstChild]!;
      const lastChild = firstChild + 4 < length ? firstChild + 4 : length;
      for (let candidateIndex = firstChild + 1; candidateIndex < lastChild; candidateIndex++) {
        const candidateTimeUs = timesUs[candidateIndex]!;
        if (candidateTimeUs < childTimeUs || (candidateTimeUs === childTimeUs && seqs[candidateIndex]! < seqs[childIndex]!)) {
          childIndex = candidateIndex;
          childTimeUs = candidateTimeUs;
        }
      }
      timesUs[index] = childTimeUs;
      seqs[index] = seqs[childIndex]!;
      handles[index] = handles[childIndex]!;
      index = childIndex;
    }
    // The hole is at a leaf: the last entry goes there, then up while its parent comes after it.
    this.siftUp(index, timesUs[last]!, seqs[last]!, handles[last]!);
    return top;
  }

  /** Puts the event (`timeUs`, `seq`, `handle`) in the hole at `index`, moving the hole toward the root while the parent comes after it. */
  private siftUp(index: number, timeUs: number, seq: number, handle: number): void {
    const timesUs = this.timesUs;
    const seqs = this.seqs;
    const handles = this.handles;
    while (index > 0) {
      const parentIndex = (index - 1) >> 2;
      const parentTimeUs = timesUs[parentIndex]!;
      if (!(timeUs < parentTimeUs || (timeUs === parentTimeUs && seq < seqs[parentIndex]!))) break;
      timesUs[index] = parentTimeUs;
      seqs[index] = seqs[parentIndex]!;
      handles[index] = handles[parentIndex]!;
      index = parentIndex;
    }
    timesUs[index] = timeUs;
    seqs[index] = seq;
    handles[index] = handle;
  }

  /**
   * Removes every event for which `keep(handle)` is false, in O(n). Order among the rest is
   * unchanged. `keep` is called once per event, so it may release what a rejected handle holds.
   */
  retain(keep: (handle: number) => boolean): number {
    const before = this.length;
    const timesUs = this.timesUs;
    const seqs = this.seqs;
    const handles = this.handles;
    let kept = 0;
    for (let index = 0; index < before; index++) {
      if (!keep(handles[index]!)) continue;
      timesUs[kept] = timesUs[index]!;
      seqs[kept] = seqs[index]!;
      handles[kept] = handles[index]!;
      kept++;
    }
    this.length = kept;
    // Heapify from the last parent, (length - 2) >> 2, which is -1 for 0 or 1 events.
    for (let index = (kept - 2) >> 2; index >= 0; index--) {
      this.siftDown(timesUs[index]!, seqs[index]!, handles[index]!, index);
    }
    return before - kept;
  }

  /** Puts (timeUs, seq, handle) at `start` or below, moving smaller children up. */
  private siftDown(timeUs: number, seq: number, handle: number, start: number): void {
    const timesUs = this.timesUs;
    const seqs = this.seqs;
    const handles = this.handles;
    const length = this.length;
    let index = start;
    for (;;) {
      const firstChild = 4 * index + 1;
      if (firstChild >= length) break;
      let childIndex = firstChild;
      let childTimeUs = timesUs[firstChild]!;
      let childSeq = seqs[firstChild]!;
      const lastChild = Math.min(firstChild + 4, length);
      for (let candidateIndex = firstChild + 1; candidateIndex < lastChild; candidateIndex++) {
        const candidateTimeUs = timesUs[candidateIndex]!;
        if (candidateTimeUs < childTimeUs || (candidateTimeUs === childTimeUs && seqs[candidateIndex]! < childSeq)) {
          childIndex = candidateIndex;
          childTimeUs = candidateTimeUs;
          childSeq = seqs[candidateIndex]!;
        }
      }
      if (!(childTimeUs < timeUs || (childTimeUs === timeUs && childSeq < seq))) break;
      timesUs[index] = childTimeUs;
      seqs[index] = childSeq;
      handles[index] = handles[childIndex]!;
      index = childIndex;
    }
    timesUs[index] = timeUs;
    seqs[index] = seq;
    handles[index] = handle;
  }

  private grow(): void {
    const capacity = this.handles.length * 2;
    const timesUs = new Float64Array(capacity);
    const seqs = new Float64Array(capacity);
    const handles = new Int32Array(capacity);
    timesUs.set(this.timesUs);
    seqs.set(this.seqs);
    handles.set(this.handles);
    this.timesUs = timesUs;
    this.seqs = seqs;
    this.handles = handles;
  }
}

/**
 * Two heaps read as one queue: the same (timeUs, seq) order as one EventQueue holding every event,
 * since seq numbers are unique and a pop takes the earlier of the two heads. The caller picks a
 * lane per event so that each heap stays small where it is busiest: the kernel puts messages in
 * flight (a few at once, ~7 in the data-plane reference, ~94% of its events) in one lane and
 * timers (~200 pending, mostly far ahead: request timeouts, long-poll parks) in the other, so a
 * message's push and pop sift through a heap of a few entries instead of one of ~200.
 */
export class LanedEventQueue {
  /** Messages in flight. */
  readonly near = new EventQueue();
  /** Everything else: timers, control actions, starts, messages to oneself. */
  readonly far = new EventQueue();

  get size(): number {
    return this.near.size + this.far.size;
  }

  /** Time of the first event of either lane, or +Infinity when both are empty. */
  peekTimeUs(): number {
    const nearUs = this.near.peekTimeUs();
    const farUs = this.far.peekTimeUs();
    return nearUs < farUs ? nearUs : farUs;
  }

  /** Handle of the first event of either lane, or -1 when both are empty. */
  peekHandle(): number {
    return this.nearFirst() ? this.near.peekHandle() : this.far.peekHandle();
  }

  pushNear(timeUs: number, seq: number, handle: number): void {
    this.near.push(timeUs, seq, handle);
  }

  pushFar(timeUs: number, seq: number, handle: number): void {
    this.far.push(timeUs, seq, handle);
  }

  /** Removes the first event of either lane and returns its handle, or -1 when both are empty. */
  pop(): number {
    return this.nearFirst() ? this.near.pop() : this.far.pop();
  }

  /** retain() on both lanes. */
  retain(keep: (handle: number) => boolean): number {
    return this.near.retain(keep) + this.far.retain(keep);
  }

  /** Whether the near lane's head comes first (false when it is empty). */
  private nearFirst(): boolean {
    const nearUs = this.near.peekTimeUs();
    const farUs = this.far.peekTimeUs();
    if (nearUs !== farUs) return nearUs < farUs;
    return nearUs !== Number.POSITIVE_INFINITY && this.near.peekSeq() < this.far.peekSeq();
  }
}
