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

/**
 * A record's integer fields sit side by side in one Int32Array (kind, target, source,
 * incarnation: 16 bytes), so running an event reads one cache line for them, not one per field.
 */
const INT_FIELDS = 4;
const KIND = 0;
const TARGET = 1;
const SOURCE = 2;
const INCARNATION = 3;

/** `T`: what a timer's record points at (the kernel's timer state), so firing it needs no lookup by key. */
export class EventPool<T extends object> {
  /** kind, target, source and incarnation of each record, INT_FIELDS apart: read them with kindOf, targetOf, sourceOf, incarnationOf. */
  private ints = new Int32Array(INITIAL_CAPACITY * INT_FIELDS);
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
    return this.generations.length;
  }

  kindOf(handle: number): number {
    return this.ints[handle * INT_FIELDS + KIND]!;
  }

  targetOf(handle: number): number {
    return this.ints[handle * INT_FIELDS + TARGET]!;
  }

  sourceOf(handle: number): number {
    return this.ints[handle * INT_FIELDS + SOURCE]!;
  }

  incarnationOf(handle: number): number {
    return this.ints[handle * INT_FIELDS + INCARNATION]!;
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
    const handle = this.takeMessage(kind, target, source, incarnation, label, message);
    this.generations[handle] = generation;
    this.actions[handle] = action;
    this.timers[handle] = timer;
    return handle;
  }

  /**
   * take() for a message (or an event with no payload): a free record's action and timer are null
   * already (release clears them; new records start so) and its generation is read only for
   * timers, so a delivery, the most common event, writes six fields instead of nine.
   */
  takeMessage(kind: number, target: number, source: number, incarnation: number, label: string, message: Message | null): number {
    const handle = this.allocate();
    const ints = this.ints;
    const at = handle * INT_FIELDS;
    ints[at + KIND] = kind;
    ints[at + TARGET] = target;
    ints[at + SOURCE] = source;
    ints[at + INCARNATION] = incarnation;
    this.labels[handle] = label;
    this.messages[handle] = message;
    return handle;
  }

  /** A free record's handle (its message, action and timer null), from the free list or new. */
  private allocate(): number {
    if (this.freeCount > 0) return this.freeHandles[--this.freeCount]!;
    const handle = this.created++;
    if (handle === this.generations.length) this.grow();
    this.labels.push('');
    this.messages.push(null);
    this.actions.push(null);
    this.timers.push(null);
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

  /** release() for a record taken by takeMessage (its action and timer are null): two fields to clear, not four. */
  releaseMessage(handle: number): void {
    this.messages[handle] = null;
    this.labels[handle] = '';
    this.freeHandles[this.freeCount++] = handle;
  }

  private grow(): void {
    const capacity = this.generations.length * 2;
    this.ints = copyInto(new Int32Array(capacity * INT_FIELDS), this.ints);
    this.generations = copyInto(new Float64Array(capacity), this.generations);
    this.freeHandles = copyInto(new Int32Array(capacity), this.freeHandles);
  }
}

function copyInto<A extends Int32Array | Float64Array>(into: A, from: A): A {
  into.set(from as never);
  return into;
}
