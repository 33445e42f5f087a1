// The simulation kernel: a virtual clock, one queue of pending events, the processes, and the
// trace. It is the only thing that advances time, and it does so only by taking the next event.
//
// Owns: process lives (start, crash, restart), timers, message delivery through the Network, the
// rolling trace hash and two bounded trace rings (every event; notable events for people).
// Never: reads the wall clock, awaits, or iterates anything whose order could differ between hosts.
//
// Event order is (timeUs, seq). A timer or message belongs to one life of its process (its
// `incarnation`, which counts lives: 1 for the first): a crash ends that life, and a restart
// begins the next, so every timer and message of the old life is recognised as stale without
// searching the queue; and stale entries are
// skipped when they surface, or swept out when they pile up (STALE_EVENTS_MAX).
//
// Timers re-armed later (a request timeout armed at every request and cancelled at its answer) do
// not each take a queue entry: a timer keeps one entry in the queue, its *anchor*, at or before its
// deadline, also while cancelled (disarmed) until the anchor surfaces. Arming it at or after the
// anchor's time only records the new deadline and the sequence number it would have had; when the
// anchor surfaces early, it is put back at that (deadline, seq), or dropped if disarmed. So the
// firing order is exactly the one with one entry per arming, without the heap work of the others.
//
// The hold (setHold): a time at and after which no event runs until the hold moves. The cold tier
// sets it to the moment an answer needs a body that is not loaded yet (storage/cold-tier.ts); a run
// call reaching it returns early with `held` set, and the host loads the body and runs on. The
// clock stays at the last event run, so a held run and an unheld one pass through the same states.

import { Refusal, type Network } from '../net/network';
import { EventPool } from './event-pool';
import { RollingHash, hashString32 } from './hash';
import type { Effects, Message, ProcessLogic, ProcessSpec, Role, TimerHandle } from './process';
import type { Prng } from './prng';
import { LanedEventQueue } from './queue';
import { StringCache } from './string-cache';
import type { TimeUs } from './time';

export const EventKind = {
  Start: 0,
  Deliver: 1,
  Timer: 2,
  Control: 3,
  Crash: 4,
  Restart: 5,
  Note: 6,
  Drop: 7,
} as const;
export type EventKindCode = (typeof EventKind)[keyof typeof EventKind];
export const EVENT_KIND_NAMES = ['start', 'deliver', 'timer', 'control', 'crash', 'restart', 'note', 'drop'] as const;
export type EventKindName = (typeof EVENT_KIND_NAMES)[number];

/** Bound of the ring of recent events (all kinds). */
export const TRACE_RING_CAPACITY = 4096;
/** Bound of the ring of notable events (notes, crashes, restarts, control actions). */
export const NOTABLE_RING_CAPACITY = 1024;
/** Cancelled or superseded timers tolerated in the queue before a sweep. */
export const STALE_EVENTS_MAX = 4096;
/** Timer states kept for reuse after they left a process's table. */
const SPARE_TIMER_STATES_MAX = 1_024;
/** Timer handles (`fx.timer(key)`) one life of a process may hold: one per key used again and again, never one per request. */
export const TIMER_HANDLES_MAX = 4_096;
/** Label hashes kept (message types, timer keys, notes); labels beyond it are hashed each time they are traced. */
const LABEL_HASHES_MAX = 65_536;
/** Bound on processes, matching the network's endpoint bound. */
export const PROCESSES_MAX = 1024;

const NO_PROCESS = -1;
/** The sender of commands given with Kernel.command. */
export const OPERATOR = 'operator';

export interface TraceEntry {
  /** Position in the whole trace: the n-th traced event since time zero. */
  readonly index: number;
  readonly timeUs: TimeUs;
  readonly kind: EventKindName;
  readonly process: string | null;
  readonly peer: string | null;
  /** Message type, timer name, control label or note text. */
  readonly label: string;
}

/** up: running; crashed: died, memory lost; stopped: exited cleanly (a controlled shutdown). */
export type ProcessStatus = 'up' | 'crashed' | 'stopped';

/** A timer with an entry in the queue: the deadline and sequence number of its last arming, and that entry. */
interface TimerState {
  /** The key it fires with (`timer(key)`), and its key in the process's table. */
  key: string;
  /** The key's label hash for the trace, found once when the key is set (not at every firing). */
  keyHash: number;
  /** Its number from `fx.timer(key)` in this life, or -1: a timer with a handle stays in its table while idle (its life holds the number). */
  handle: number;
  /** False once cancelled: the anchor stays queued, to be reused by the next arming or dropped when it surfaces. */
  armed: boolean;
  /** The generation of the last arming: the queue entry carrying it fires. */
  generation: number;
  deadlineUs: number;
  seq: number;
  /** The generation of the one queue entry that stands for this timer (at anchorUs <= deadlineUs); -1 once out of its table. */
  anchorGeneration: number;
  anchorUs: number;
}

interface ProcessSlot {
  readonly index: number;
  readonly spec: ProcessSpec<unknown, Message>;
  readonly prng: Prng;
  logic: ProcessLogic<Message> | null;
  status: ProcessStatus;
  incarnation: number;
  /**
   * Timers by key: armed, or disarmed with their anchor still queued, or idle (no anchor: fired or
   * dropped) with a handle; a keyed timer without a handle leaves the table as it goes idle, so keys
   * used once (a park per request) never pile up. A queue entry that is not
   * an armed timer's anchor is stale.
   */
  readonly timers: Map<string, TimerState>;
  /** The timers with a handle, by handle (`fx.timer(key)`): also in `timers`, never forgotten in this life; at most TIMER_HANDLES_MAX. */
  readonly handles: TimerState[];
  effects: ProcessEffects | null;
  crashes: number;
}

export interface ProcessInfo {
  readonly id: string;
  readonly role: Role;
  readonly zone: string;
  readonly status: ProcessStatus;
  readonly incarnation: number;
  readonly crashes: number;
}

/**
 * Kind, process and peer of a traced event in one word, as the trace hash folds them (processes
 * are fewer than 2^12, PROCESSES_MAX): the ring stores this word, one store instead of three.
 */
function packEvent(kind: number, process: number, peer: number): number {
  return (kind << 24) | ((process + 1) << 12) | (peer + 1);
}

class TraceRing {
  // Number fields start as numbers (see "Field representations" in docs/architecture.md): a field
  // declared without a value is defined as undefined first (ES2022 class fields), and V8 then keeps
  // it "tagged", so every load of it in optimized code checks for a heap number.
  readonly capacity: number = 0;
  private readonly mask: number = 0;
  private readonly timeUs: Float64Array;
  /** packEvent(kind, process, peer) of each entry. */
  private readonly word: Int32Array;
  private readonly label: string[];
  private next = 0;

  /** @param capacity a power of two */
  constructor(capacity: number) {
    if ((capacity & (capacity - 1)) !== 0) throw new Error(`trace ring capacity ${capacity} is not a power of two`);
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.timeUs = new Float64Array(capacity);
    this.word = new Int32Array(capacity);
    this.label = new Array<string>(capacity).fill('');
  }

  /** How many entries were ever recorded (the index the next one gets). */
  get total(): number {
    return this.next;
  }

  /** @param word packEvent(kind, process, peer) */
  record(timeUs: number, word: number, label: string): void {
    const slot = this.next & this.mask;
    this.timeUs[slot] = timeUs;
    this.word[slot] = word;
    this.label[slot] = label;
    this.next++;
  }

  /** Entries with index >= `fromIndex` still in the ring, oldest first, at most `limit` (newest kept). */
  read(fromIndex: number, limit: number, names: readonly string[]): TraceEntry[] {
    const first = Math.max(fromIndex, this.next - this.capacity, this.next - limit, 0);
    const entries: TraceEntry[] = [];
    for (let index = first; index < this.next; index++) {
      const slot = index & this.mask;
      const word = this.word[slot]!;
      const process = ((word >>> 12) & 0xfff) - 1;
      const peer = (word & 0xfff) - 1;
      entries.push({
        index,
        timeUs: this.timeUs[slot]!,
        kind: EVENT_KIND_NAMES[word >>> 24]!,
        process: process === NO_PROCESS ? null : names[process]!,
        peer: peer === NO_PROCESS ? null : names[peer]!,
        label: this.label[slot]!,
      });
    }
    return entries;
  }
}

/** The Effects a process is handed: one per life, refusing use after that life ended. */
class ProcessEffects implements Effects<Message> {
  /** The life this object serves (a number from the start: see TraceRing's fields). */
  private readonly incarnation: number = 0;

  constructor(
    private readonly kernel: Kernel,
    private readonly slot: ProcessSlot,
    incarnation: number,
  ) {
    this.incarnation = incarnation;
  }

  get nowUs(): TimeUs {
    return this.kernel.nowUs;
  }

  get self(): string {
    return this.slot.spec.id;
  }

  get prng(): Prng {
    return this.slot.prng;
  }

  send(to: string, message: Message, type: string = message.type, bytes: number = message.bytes): void {
    this.assertAlive('send');
    this.kernel.sendFrom(this.slot, to, message, type, bytes);
  }

  setTimer(key: string, delayUs: TimeUs): void {
    this.assertAlive('setTimer');
    this.kernel.setTimerFor(this.slot, key, delayUs);
  }

  cancelTimer(key: string): void {
    this.assertAlive('cancelTimer');
    this.kernel.cancelTimerFor(this.slot, key);
  }

  timer(key: string): TimerHandle {
    this.assertAlive('timer');
    return this.kernel.timerHandleFor(this.slot, key);
  }

  arm(handle: TimerHandle, delayUs: TimeUs): void {
    this.assertAlive('arm');
    this.kernel.armTimer(this.slot, this.kernel.timerOfHandle(this.slot, handle), delayUs);
  }

  disarm(handle: TimerHandle): void {
    this.assertAlive('disarm');
    this.kernel.disarmTimer(this.kernel.timerOfHandle(this.slot, handle));
  }

  note(text: string): void {
    this.assertAlive('note');
    this.kernel.recordNote(this.slot.index, NO_PROCESS, text);
  }

  exit(reason: string): void {
    this.assertAlive('exit');
    this.kernel.stopProcess(this.slot, reason);
  }

  private assertAlive(what: string): void {
    if (this.slot.incarnation !== this.incarnation || this.slot.status !== 'up') {
      throw new Error(`${this.slot.spec.id}: ${what}() called by a life that has ended (a crash discards all its state)`);
    }
  }
}

export class Kernel {
  /**
   * The clock. Every store truncates (a no-op on these whole numbers) so that V8 keeps it as a small
   * integer (Smi: below 2^31 µs, ~35 minutes, on 64-bit Node; 2^30 with pointer compression) rather
   * than the heap number a Float64Array read gives: a clock held as a double made every object that
   * stores `nowUs` (a log batch's appendedUs, the durability oracle's ackedUs, ...) carry its own
   * 16-byte boxed number for as long as it lives (~350 k of them in the reference's retained heap).
   */
  private now = 0;
  private seq = 0;
  private generation = 0;
  private eventsProcessed = 0;
  private staleEvents = 0;
  /**
   * Pending events: their order (the queue, of handles) and their records (the pool), allocation-free
   * per event. Messages routed through the network go in the queue's near lane, all else in its far
   * lane: the same order as one heap, with a message's heap work over the few in flight.
   */
  private readonly queue = new LanedEventQueue();
  private readonly events = new EventPool<TimerState>();
  /** Timer states no longer in any process's table, for reuse by the next new timer (at most SPARE_TIMER_STATES_MAX). */
  private readonly spareTimerStates: TimerState[] = [];
  private readonly slots: ProcessSlot[] = [];
  private readonly slotById = new Map<string, ProcessSlot>();
  /** slotById's hot entries, for the lookup of every send (processes are never removed, so an entry never goes stale). */
  private readonly slotCache = new StringCache<ProcessSlot>();
  private readonly names: string[] = [];
  private readonly hash = new RollingHash();
  private readonly labelHashes = new Map<string, number>();
  /** labelHashes' hot entries (message types, timer keys), for the hash of every traced event. */
  private readonly labelHashCache = new StringCache<number>();
  private readonly recent = new TraceRing(TRACE_RING_CAPACITY);
  private readonly notable = new TraceRing(NOTABLE_RING_CAPACITY);
  private deliveriesLostToCrash = 0;
  private stopRequested = false;
  /** No event at or after this time runs (the cold tier's read barrier); +Infinity: none. */
  private holdUs: TimeUs = Number.POSITIVE_INFINITY;
  private heldByHold = false;
  /** A read-only observer called as the clock reaches each multiple of its period (see observeEvery). */
  private observer: ((boundaryUs: TimeUs) => void) | null = null;
  private observePeriodUs = 0;
  /** The next boundary the observer has not seen; +Infinity without an observer (one compare per event). */
  private nextObserveUs = Number.POSITIVE_INFINITY;

  constructor(
    readonly network: Network,
    private readonly prng: Prng,
  ) {}

  get nowUs(): TimeUs {
    return this.now;
  }

  get eventCount(): number {
    return this.eventsProcessed;
  }

  get pendingEvents(): number {
    return this.queue.size;
  }

  /** The rolling hash of every event so far: equal hashes mean equal runs. */
  get traceHash(): string {
    return this.hash.hex();
  }

  get lostToCrash(): number {
    return this.deliveriesLostToCrash;
  }

  // ---- processes ----------------------------------------------------------------------------

  /** Adds a process and starts it now (its `start` runs as the next event at this time). */
  addProcess<D, M extends Message>(spec: ProcessSpec<D, M>): void {
    if (this.slotById.has(spec.id)) throw new Error(`kernel: a process named "${spec.id}" already exists`);
    if (this.slots.length >= PROCESSES_MAX) throw new Error(`kernel: at most ${PROCESSES_MAX} processes`);
    const index = this.network.addEndpoint(spec.id, spec.zone);
    if (index !== this.slots.length) throw new Error('kernel: network endpoints and processes are out of step');
    const slot: ProcessSlot = {
      index,
      spec: spec as unknown as ProcessSpec<unknown, Message>,
      prng: this.prng.fork(`process:${spec.id}`),
      logic: null,
      status: 'crashed',
      incarnation: 0,
      timers: new Map(),
      handles: [],
      effects: null,
      crashes: 0,
    };
    this.slots.push(slot);
    this.slotById.set(spec.id, slot);
    this.names.push(spec.id);
    this.beginLife(slot);
    this.push(EventKind.Start, index, NO_PROCESS, 'start', null, null, this.now, slot.incarnation);
  }

  hasProcess(id: string): boolean {
    return this.slotById.has(id);
  }

  processes(): ProcessInfo[] {
    return this.slots.map((slot) => ({
      id: slot.spec.id,
      role: slot.spec.role,
      zone: slot.spec.zone,
      status: slot.status,
      incarnation: slot.incarnation,
      crashes: slot.crashes,
    }));
  }

  /** The live logic of a process (null while it is down): for the engine's own inspection, never for protocol code. */
  logicOf(id: string): ProcessLogic<Message> | null {
    return this.slotOf(id).logic;
  }

  /** The process's durable state (its disk), whether it runs or not. */
  durableOf(id: string): unknown {
    return this.slotOf(id).spec.durable;
  }

  /** Entries in the process's timer table (armed, disarmed with a queued anchor, or idle with a handle): keys used once leave it. */
  timersHeldBy(id: string): number {
    return this.slotOf(id).timers.size;
  }

  /** The process's own summary; null while it is crashed. */
  viewOf(id: string): Record<string, unknown> | null {
    const slot = this.slotOf(id);
    return slot.logic === null ? null : slot.logic.view(this.now);
  }

  /** Crashes a process now: its volatile state, timers and unread messages are gone. */
  crash(id: string): void {
    const slot = this.slotOf(id);
    if (slot.status !== 'up') throw new Error(`${id} is already ${slot.status}; restart it first`);
    this.endLife(slot, 'crashed');
    slot.crashes++;
    slot.spec.onCrash?.(slot.spec.durable);
    this.traceEvent(EventKind.Crash, slot.index, NO_PROCESS, 'crash');
    this.notable.record(this.now, packEvent(EventKind.Crash, slot.index, NO_PROCESS), `${id} crashed`);
    this.sweepIfStale();
  }

  /** A process exits cleanly (its own decision): like a crash for its memory, but its disk is whole. */
  stopProcess(slot: ProcessSlot, reason: string): void {
    this.endLife(slot, 'stopped');
    this.traceEvent(EventKind.Crash, slot.index, NO_PROCESS, 'exit');
    this.notable.record(this.now, packEvent(EventKind.Crash, slot.index, NO_PROCESS), `${slot.spec.id} stopped: ${reason}`);
    this.sweepIfStale();
  }

  private endLife(slot: ProcessSlot, status: ProcessStatus): void {
    for (const state of slot.timers.values()) {
      if (state.armed) this.staleEvents++; // disarmed ones were counted when cancelled
      state.anchorGeneration = -1; // its queued anchor is stale now, like every record of this life
    }
    slot.timers.clear();
    slot.handles.length = 0; // a life's handles end with it
    slot.logic = null;
    slot.effects = null;
    slot.status = status;
  }

  /**
   * Delivers an operator's command to a process now, from outside the network (it cannot be
   * partitioned away). The process receives it from "operator".
   */
  command(id: string, message: Message): void {
    const slot = this.slotOf(id);
    if (slot.status !== 'up') throw new Error(`${id} is ${slot.status}; a command needs a running process`);
    this.push(EventKind.Deliver, slot.index, NO_PROCESS, message.type, message, null, this.now, slot.incarnation);
  }

  /** Restarts a crashed or stopped process now from its durable state. */
  restart(id: string): void {
    const slot = this.slotOf(id);
    if (slot.status === 'up') throw new Error(`${id} is running; only a crashed or stopped process can be restarted`);
    this.beginLife(slot);
    this.traceEvent(EventKind.Restart, slot.index, NO_PROCESS, 'restart');
    this.notable.record(this.now, packEvent(EventKind.Restart, slot.index, NO_PROCESS), `${id} restarted`);
    this.push(EventKind.Start, slot.index, NO_PROCESS, 'start', null, null, this.now, slot.incarnation);
  }

  /**
   * Ends a running process's life cleanly and starts the next at once from its disk, as an
   * application that closes a client and opens a new one with new settings (change-producer). Its
   * timers and unread mail go with the old life, as in a restart.
   */
  relaunch(id: string, reason: string): void {
    const slot = this.slotOf(id);
    if (slot.status !== 'up') throw new Error(`${id} is ${slot.status}; only a running process can be relaunched`);
    this.stopProcess(slot, reason);
    this.restart(id);
  }

  // ---- scheduling ---------------------------------------------------------------------------

  /** Runs `action` at `atUs` (not before now), ordered with every other event; for faults and scripts. */
  schedule(atUs: TimeUs, label: string, action: () => void): void {
    if (!Number.isInteger(atUs) || atUs < this.now) {
      throw new Error(`kernel: cannot schedule "${label}" at ${atUs}µs; now is ${this.now}µs`);
    }
    this.push(EventKind.Control, NO_PROCESS, NO_PROCESS, label, null, action, atUs, 0);
  }

  /** Records a line in the notable trace, attributed to a process or to no one. */
  recordNote(process: number, peer: number, text: string): void {
    this.traceEvent(EventKind.Note, process, peer, text);
    this.notable.record(this.now, packEvent(EventKind.Note, process, peer), text);
  }

  /** A note from outside any process (the API, a scenario), for the event log. */
  announce(text: string): void {
    this.recordNote(NO_PROCESS, NO_PROCESS, text);
  }

  // ---- running ------------------------------------------------------------------------------

  /** Events at or after `holdUs` wait until the hold moves (+Infinity lifts it). */
  setHold(holdUs: TimeUs): void {
    this.holdUs = holdUs;
  }

  /** True when the last run call (runUntil, step) stopped at the hold, with events due that it did not run. */
  get held(): boolean {
    return this.heldByHold;
  }

  /**
   * Asks the current runUntil to return right after the event being handled (a presenter's
   * pause). The clock stays at that event's time; the next runUntil continues from there.
   */
  requestStop(): void {
    this.stopRequested = true;
  }

  /**
   * Calls `observer(boundaryUs)` once per multiple of `periodUs` as the clock reaches it: after
   * every event before the boundary and before any event (or outside action) at or after it, so
   * however a host slices a run the observer sees the same states. The observer must only read: it
   * is not an event, never enters the trace, and must not schedule, send or change anything.
   * Boundaries already passed (the observer arrives late) are not replayed.
   */
  observeEvery(periodUs: TimeUs, observer: (boundaryUs: TimeUs) => void): void {
    if (!Number.isInteger(periodUs) || periodUs <= 0) throw new RangeError(`kernel: observer period: got ${periodUs}; expected a positive whole number of µs`);
    if (this.observer !== null) throw new Error('kernel: an observer is already attached');
    this.observer = observer;
    this.observePeriodUs = periodUs;
    this.nextObserveUs = (Math.floor(this.now / periodUs) + 1) * periodUs;
  }

  /** Lets the observer see every boundary at or before `timeUs` it has not seen. */
  private observeUpTo(timeUs: TimeUs): void {
    while (this.nextObserveUs <= timeUs) {
      const boundaryUs = this.nextObserveUs;
      this.nextObserveUs += this.observePeriodUs;
      this.now = Math.trunc(boundaryUs); // the clock reaches the boundary; nothing happens at it before the observer looks
      this.observer!(boundaryUs);
    }
  }

  /** Processes the next event. Returns false when the queue is empty. */
  step(): boolean {
    this.heldByHold = false;
    const timeUs = this.queue.peekTimeUs();
    if (timeUs === Number.POSITIVE_INFINITY) return false;
    if (timeUs >= this.holdUs) {
      this.heldByHold = true;
      return false;
    }
    const handle = this.queue.pop();
    if (timeUs >= this.nextObserveUs) this.observeUpTo(timeUs);
    this.now = Math.trunc(timeUs);
    this.dispatch(handle);
    return true;
  }

  /**
   * Processes every event due at or before `timeUs`, then sets the clock to `timeUs`. Stops early,
   * with the clock at the last event, after `maxEvents` events taken off the queue (skipped stale
   * timers included) or when an event requested a stop. Returns how many events were taken.
   */
  runUntil(timeUs: TimeUs, maxEvents = Number.POSITIVE_INFINITY): number {
    if (timeUs < this.now) throw new Error(`kernel: cannot run back to ${timeUs}µs; now is ${this.now}µs`);
    let processed = 0;
    const near = this.queue.near;
    const far = this.queue.far;
    this.heldByHold = false;
    while (processed < maxEvents) {
      // The earlier head of the two lanes (LanedEventQueue.pop's choice, made once here for the peek and the pop).
      const nearUs = near.peekTimeUs();
      const farUs = far.peekTimeUs();
      const fromNear = nearUs < farUs || (nearUs === farUs && nearUs !== Number.POSITIVE_INFINITY && near.peekSeq() < far.peekSeq());
      const nextUs = fromNear ? nearUs : farUs;
      if (nextUs > timeUs) {
        if (timeUs >= this.holdUs) {
          // Nothing due before the target, but the hold forbids reaching it: the clock stops short.
          this.heldByHold = true;
          return processed;
        }
        if (timeUs >= this.nextObserveUs) this.observeUpTo(timeUs);
        this.now = Math.trunc(timeUs);
        return processed;
      }
      if (nextUs >= this.holdUs) {
        this.heldByHold = true;
        return processed;
      }
      const handle = fromNear ? near.pop() : far.pop();
      if (nextUs >= this.nextObserveUs) this.observeUpTo(nextUs);
      this.now = Math.trunc(nextUs);
      this.dispatch(handle);
      processed++;
      if (this.stopRequested) {
        this.stopRequested = false;
        return processed;
      }
    }
    return processed;
  }

  /** Time of the next pending event, or null. */
  nextEventTimeUs(): TimeUs | null {
    const timeUs = this.queue.peekTimeUs();
    return timeUs === Number.POSITIVE_INFINITY ? null : timeUs;
  }

  // ---- trace --------------------------------------------------------------------------------

  recentTrace(fromIndex = 0, limit = TRACE_RING_CAPACITY): TraceEntry[] {
    return this.recent.read(fromIndex, limit, this.names);
  }

  notableTrace(fromIndex = 0, limit = NOTABLE_RING_CAPACITY): TraceEntry[] {
    return this.notable.read(fromIndex, limit, this.names);
  }

  get traceLength(): number {
    return this.recent.total;
  }

  get notableLength(): number {
    return this.notable.total;
  }

  // ---- used by ProcessEffects ---------------------------------------------------------------

  /** Sends `message`, whose type and size are `type` and `bytes` (read by the sender, see Effects.send). */
  sendFrom(slot: ProcessSlot, to: string, message: Message, type: string, bytes: number): void {
    let target = this.slotCache.get(to);
    if (target === undefined) {
      target = this.slotById.get(to);
      if (target === undefined) throw new Error(`${slot.spec.id}: sent ${type} to unknown process "${to}"`);
      this.slotCache.remember(to, target);
    }
    if (target === slot) {
      this.push(EventKind.Deliver, slot.index, slot.index, type, message, null, this.now, target.incarnation);
      return;
    }
    const arrivalUs = this.network.route(slot.index, target.index, bytes, this.now);
    if (arrivalUs === Refusal.Partitioned || arrivalUs === Refusal.Lost) {
      // Refused by a partition or lost on the wire: traced like a drop in flight.
      this.traceEvent(EventKind.Drop, target.index, slot.index, type);
      return;
    }
    this.queue.pushNear(arrivalUs, this.seq++, this.events.takeMessage(EventKind.Deliver, target.index, slot.index, target.incarnation, type, message));
  }

  setTimerFor(slot: ProcessSlot, key: string, delayUs: TimeUs): void {
    const state = slot.timers.get(key);
    if (state !== undefined) {
      this.armTimer(slot, state, delayUs);
      return;
    }
    checkDelay(slot, key, delayUs);
    const generation = ++this.generation;
    const seq = this.seq++; // the sequence number this arming would have had as its own entry
    const deadlineUs = this.now + delayUs;
    const anchored = this.newTimerState(key);
    anchored.armed = true;
    anchored.generation = generation;
    anchored.deadlineUs = deadlineUs;
    anchored.seq = seq;
    anchored.anchorGeneration = generation;
    anchored.anchorUs = deadlineUs;
    slot.timers.set(key, anchored);
    this.queue.pushFar(deadlineUs, seq, this.events.take(EventKind.Timer, slot.index, NO_PROCESS, slot.incarnation, generation, key, null, null, anchored));
    this.sweepIfStale();
  }

  /** Arms a timer in the process's table (by key or by handle): the same arming, sequence number and queue work either way. */
  armTimer(slot: ProcessSlot, state: TimerState, delayUs: TimeUs): void {
    checkDelay(slot, state.key, delayUs);
    const generation = ++this.generation;
    const seq = this.seq++; // the sequence number this arming would have had as its own entry
    const deadlineUs = this.now + delayUs;
    if (state.anchorUs <= deadlineUs) {
      // Armed at or after its anchor: the anchor will be put back at this deadline when it surfaces.
      if (!state.armed) {
        state.armed = true;
        this.staleEvents = Math.max(0, this.staleEvents - 1); // its anchor counts again
      }
      state.generation = generation;
      state.deadlineUs = deadlineUs;
      state.seq = seq;
      return;
    }
    if (state.armed) {
      this.staleEvents++; // earlier than its anchor: that entry is stale from now on (a disarmed one already was)
    }
    state.armed = true;
    state.generation = generation;
    state.deadlineUs = deadlineUs;
    state.seq = seq;
    state.anchorGeneration = generation;
    state.anchorUs = deadlineUs;
    this.queue.pushFar(deadlineUs, seq, this.events.take(EventKind.Timer, slot.index, NO_PROCESS, slot.incarnation, generation, state.key, null, null, state));
    this.sweepIfStale();
  }

  cancelTimerFor(slot: ProcessSlot, key: string): void {
    const state = slot.timers.get(key);
    if (state !== undefined) this.disarmTimer(state);
  }

  disarmTimer(state: TimerState): void {
    if (state.armed) {
      state.armed = false; // the anchor stays queued: the next arming at or after it reuses it
      this.staleEvents++;
      this.sweepIfStale();
    }
  }

  /** The handle of `key`'s timer in this life, made (idle, unarmed) on first use; the key's entry in the table stays for the life. */
  timerHandleFor(slot: ProcessSlot, key: string): TimerHandle {
    let state = slot.timers.get(key);
    if (state !== undefined && state.handle !== -1) return state.handle as TimerHandle;
    if (slot.handles.length >= TIMER_HANDLES_MAX) {
      throw new Error(`${slot.spec.id}: timer "${key}" would be handle number ${TIMER_HANDLES_MAX + 1} in this life; at most ${TIMER_HANDLES_MAX} (TIMER_HANDLES_MAX): use a handle for a key armed again and again, setTimer for keys used once`);
    }
    if (state === undefined) {
      state = this.newTimerState(key); // idle: no anchor, so the first arming queues one
      slot.timers.set(key, state);
    }
    state.handle = slot.handles.length;
    slot.handles.push(state);
    return state.handle as TimerHandle;
  }

  /** The timer a handle stands for in the process's current life; a number it never gave out is refused. */
  timerOfHandle(slot: ProcessSlot, handle: TimerHandle): TimerState {
    const state = slot.handles[handle];
    if (state === undefined) {
      throw new Error(`${slot.spec.id}: timer handle ${String(handle)} was not given by fx.timer(key) in this life (it has ${slot.handles.length})`);
    }
    return state;
  }

  /** A timer state for a new key, idle (no anchor, not armed): reused from the spares when there is one. */
  private newTimerState(key: string): TimerState {
    const keyHash = this.labelHashOf(key);
    const state = this.spareTimerStates.pop();
    if (state === undefined) {
      return { key, keyHash, handle: -1, armed: false, generation: 0, deadlineUs: 0, seq: 0, anchorGeneration: -1, anchorUs: Number.POSITIVE_INFINITY };
    }
    state.key = key;
    state.keyHash = keyHash;
    state.handle = -1;
    state.armed = false;
    state.anchorGeneration = -1;
    state.anchorUs = Number.POSITIVE_INFINITY;
    return state;
  }

  // ---- internals ----------------------------------------------------------------------------

  private slotOf(id: string): ProcessSlot {
    const slot = this.slotById.get(id);
    if (slot === undefined) throw new Error(`no process "${id}"; processes are ${this.names.join(', ')}`);
    return slot;
  }

  private beginLife(slot: ProcessSlot): void {
    slot.incarnation++;
    slot.status = 'up';
    slot.effects = new ProcessEffects(this, slot, slot.incarnation);
    slot.logic = slot.spec.create(slot.spec.durable);
  }

  private push(
    kind: EventKindCode,
    target: number,
    source: number,
    label: string,
    message: Message | null,
    action: (() => void) | null,
    timeUs: number,
    incarnation: number,
    generation = 0,
  ): void {
    this.queue.pushFar(timeUs, this.seq++, this.events.take(kind, target, source, incarnation, generation, label, message, action, null));
  }

  /** Runs the event `handle` (just taken off the queue) and gives its record back. */
  private dispatch(handle: number): void {
    const events = this.events;
    const kind = events.kindOf(handle);
    const label = events.labels[handle]!;
    if (kind === EventKind.Control) {
      const action = events.actions[handle]!;
      events.release(handle);
      this.traceEvent(EventKind.Control, NO_PROCESS, NO_PROCESS, label);
      action();
      return;
    }
    const target = events.targetOf(handle);
    const source = events.sourceOf(handle);
    const slot = this.slots[target]!;
    if (events.incarnationOf(handle) !== slot.incarnation || slot.logic === null) {
      events.release(handle);
      // The life this event belonged to has ended: its timers vanish, its mail is dropped.
      if (kind === EventKind.Timer) this.staleEvents = Math.max(0, this.staleEvents - 1);
      if (kind === EventKind.Deliver) {
        this.deliveriesLostToCrash++;
        this.traceEvent(EventKind.Drop, target, source, label);
      }
      return;
    }
    switch (kind) {
      case EventKind.Start:
        events.release(handle);
        this.traceEvent(EventKind.Start, slot.index, NO_PROCESS, 'start');
        if (slot.incarnation === 1) {
          this.notable.record(this.now, packEvent(EventKind.Start, slot.index, NO_PROCESS), `${slot.spec.id} started in ${slot.spec.zone}`);
        }
        slot.logic.start(slot.effects!);
        return;
      case EventKind.Deliver: {
        const message = events.messages[handle]!;
        events.releaseMessage(handle); // a delivery's record holds no action or timer
        if (source === NO_PROCESS) {
          this.traceEvent(EventKind.Deliver, slot.index, NO_PROCESS, label);
          slot.logic.receive(OPERATOR, message, slot.effects!, label);
          return;
        }
        if (source !== slot.index && !this.network.canReach(source, slot.index)) {
          // A partition began while the message was in flight.
          this.network.countInFlightDrop();
          this.traceEvent(EventKind.Drop, target, source, label);
          return;
        }
        this.traceEvent(EventKind.Deliver, slot.index, source, label);
        slot.logic.receive(this.names[source]!, message, slot.effects!, label);
        return;
      }
      case EventKind.Timer: {
        // The record points at the timer's state: it is this timer's anchor if the state says so
        // (generations are never reused, and a state out of its table has anchorGeneration -1).
        const generation = events.generations[handle]!;
        const state = events.timers[handle]!;
        if (state.anchorGeneration !== generation) {
          events.release(handle);
          this.staleEvents = Math.max(0, this.staleEvents - 1);
          return;
        }
        if (!state.armed) {
          // The anchor of a cancelled timer not armed again since: it goes, and the timer with it.
          events.release(handle);
          this.dropTimer(slot, state);
          this.staleEvents = Math.max(0, this.staleEvents - 1);
          return;
        }
        if (state.generation !== generation) {
          // The anchor of a timer re-armed later: back in the queue at its last arming's (deadline, seq),
          // in the same record (only its generation changes).
          state.anchorGeneration = state.generation;
          state.anchorUs = state.deadlineUs;
          events.generations[handle] = state.generation;
          this.queue.pushFar(state.deadlineUs, state.seq, handle);
          return;
        }
        events.release(handle);
        this.dropTimer(slot, state);
        this.traceHashed(EventKind.Timer, slot.index, NO_PROCESS, label, state.keyHash);
        slot.logic.timer(label, slot.effects!);
        return;
      }
      default:
        events.release(handle);
    }
  }

  private traceEvent(kind: EventKindCode, process: number, peer: number, label: string): void {
    this.traceHashed(kind, process, peer, label, this.labelHashOf(label));
  }

  /** traceEvent with the label's hash known (a timer keeps its key's). */
  private traceHashed(kind: EventKindCode, process: number, peer: number, label: string, labelHash: number): void {
    this.eventsProcessed++;
    const word = packEvent(kind, process, peer);
    this.hash.mixEvent(this.now, word, labelHash);
    this.recent.record(this.now, word, label);
  }

  /** The trace's hash of a label (message type, timer key, note): from the cache, the Map, or computed. */
  private labelHashOf(label: string): number {
    let labelHash = this.labelHashCache.get(label);
    if (labelHash === undefined) {
      labelHash = this.labelHashes.get(label);
      if (labelHash === undefined) {
        labelHash = hashString32(label);
        if (this.labelHashes.size < LABEL_HASHES_MAX) this.labelHashes.set(label, labelHash);
      }
      this.labelHashCache.remember(label, labelHash);
    }
    return labelHash;
  }

  /**
   * Removes cancelled and superseded timers from the queue once they outnumber the live events.
   * Only timers: they leave no trace when skipped, so sweeping never changes the trace hash.
   */
  private sweepIfStale(): void {
    if (this.staleEvents <= STALE_EVENTS_MAX || this.staleEvents * 2 < this.queue.size) return;
    const events = this.events;
    this.queue.retain((handle) => {
      if (events.kindOf(handle) !== EventKind.Timer) return true;
      if (this.isLiveAnchor(handle)) return true;
      events.release(handle);
      return false;
    });
    this.staleEvents = 0;
  }

  /** Whether the queued timer `handle` is the anchor of an armed timer; a disarmed timer whose anchor this is goes with it. */
  private isLiveAnchor(handle: number): boolean {
    const events = this.events;
    const slot = this.slots[events.targetOf(handle)]!;
    if (events.incarnationOf(handle) !== slot.incarnation) return false;
    const state = events.timers[handle]!;
    if (state.anchorGeneration !== events.generations[handle]) return false;
    if (state.armed) return true;
    this.dropTimer(slot, state); // a disarmed timer's anchor goes, so the next arming queues a new one
    return false;
  }

  /**
   * A timer fired, or its disarmed anchor surfaced: it has no queue entry any more. A timer with a
   * handle stays in the table, idle, for its next arming; a keyed one leaves it (the key's next
   * arming makes a new entry, as it would have to queue a new anchor anyway), and its state is
   * kept for reuse. Keys used once (a park per request) thus never pile up, with no scan to forget them.
   */
  private dropTimer(slot: ProcessSlot, state: TimerState): void {
    state.armed = false;
    state.anchorGeneration = -1; // no queue record matches it any more
    state.anchorUs = Number.POSITIVE_INFINITY; // the next arming is before it: it queues a new anchor
    if (state.handle !== -1) return;
    slot.timers.delete(state.key);
    if (this.spareTimerStates.length < SPARE_TIMER_STATES_MAX) this.spareTimerStates.push(state);
  }
}

function checkDelay(slot: ProcessSlot, key: string, delayUs: TimeUs): void {
  if (!Number.isInteger(delayUs) || delayUs < 0) {
    throw new Error(`${slot.spec.id}: timer "${key}" needs a whole, non-negative delay in µs; got ${delayUs}`);
  }
}
