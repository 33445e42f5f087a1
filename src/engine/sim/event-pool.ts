// The kernel's pending events, as records in parallel arrays addressed by an integer handle (the
// handle the event queue orders). A record is taken when an event is scheduled and given back
// when it has run or been swept, so the steady state allocates nothing per event: the arrays grow
// to the largest number of events ever pending at once and are reused from then on.
//
// Owns: the records' fields and the free list. Never: decides order (the queue does) or keeps a
// message, an action or a timer state alive after its record was released.

import type { Message } from './process';

/** Records the arrays start with; they double as more events are pending at once. */
const INITIAL_CAPACITY = 1_024;

/** `T`: what a timer's record points at (the kernel's timer state), so firing it needs no lookup by key. */
export class EventPool<T extends object> {
  kinds = new Uint8Array(INITIAL_CAPACITY);
  targets = new Int32Array(INITIAL_CAPACITY);
  sources = new Int32Array(INITIAL_CAPACITY);
  incarnations = new Int32Array(INITIAL_CAPACITY);
  /** Timer generations: a counter of armings over the whole run, so a double rather than an int32. */
  generations = new Float64Array(INITIAL_CAPACITY);
  readonly labels: string[] = [];
  readonly messages: (Message | null)[] = [];
  readonly actions: ((() => void) | null)[] = [];
  readonly timers: (T | null)[] = [];
  private freeHandles = new Int32Array(INITIAL_CAPACITY);
  private freeCount = 0;
  /** Records ever handed out: handles below it exist. */
  private created = 0;

  /** Records in use (scheduled and not yet released). */
  get inUse(): number {
    return this.created - this.freeCount;
  }

  /** Records the arrays hold (in use or free): the most ever pending at once, rounded up. */
  get capacity(): number {
    return this.kinds.length;
  }

  /** Takes a record and fills it; returns its handle. */
  take(
    kind: number,
    target: number,
    source: number,
    incarnation: number,
    generation: number,
    label: string,
    message: Message | null,
    action: (() => void) | null,
    timer: T | null,
  ): number {
    let handle: number;
    if (this.freeCount > 0) {
      handle = this.freeHandles[--this.freeCount]!;
      this.labels[handle] = label;
      this.messages[handle] = message;
      this.actions[handle] = action;
      this.timers[handle] = timer;
    } else {
      handle = this.created++;
      if (handle === this.kinds.length) this.grow();
      this.labels.push(label);
      this.messages.push(message);
      this.actions.push(action);
      this.timers.push(timer);
    }
    this.kinds[handle] = kind;
    this.targets[handle] = target;
    this.sources[handle] = source;
    this.incarnations[handle] = incarnation;
    this.generations[handle] = generation;
    return handle;
  }

  /** Gives a record back: what it referenced can be collected, and the handle will be reused. */
  release(handle: number): void {
    this.messages[handle] = null;
    this.actions[handle] = null;
    this.timers[handle] = null;
    this.labels[handle] = '';
    this.freeHandles[this.freeCount++] = handle;
  }

  private grow(): void {
    const capacity = this.kinds.length * 2;
    this.kinds = copyInto(new Uint8Array(capacity), this.kinds);
    this.targets = copyInto(new Int32Array(capacity), this.targets);
    this.sources = copyInto(new Int32Array(capacity), this.sources);
    this.incarnations = copyInto(new Int32Array(capacity), this.incarnations);
    this.generations = copyInto(new Float64Array(capacity), this.generations);
    this.freeHandles = copyInto(new Int32Array(capacity), this.freeHandles);
  }
}

function copyInto<A extends Uint8Array | Int32Array | Float64Array>(into: A, from: A): A {
  into.set(from as never);
  return into;
}
