// The shape of every simulated process (controller, broker, client, object store).
//
// A process is a sans-I/O state machine. The kernel calls it with one input at a time (it started,
// a message arrived, a timer fired) and an `Effects` through which it states what it wants (send
// this, wake me then). It never reads a clock, awaits, or touches storage: time arrives as
// `fx.nowUs`, chance as `fx.prng`.
//
// Crash and restart are structural, not a convention: the volatile state is the `ProcessLogic`
// object itself, which the kernel discards on a crash; the durable state (the process's disk) is a
// separate object that survives and is handed to `create` for the next life. A spec may say what a
// crash does to its disk (`onCrash`, for example dropping writes that were never flushed).

import type { Prng } from './prng';
import type { TimeUs } from './time';

export type Role = 'controller' | 'broker' | 'client' | 'objectStore' | 'zookeeper';

/**
 * A timer's number within one life of a process (`fx.timer(key)`): arming and disarming it by
 * number needs no lookup by key. It stands for the same timer as the key (setTimer(key) and
 * arm(handle) re-arm one timer), fires as `timer(key)`, and is void once its life ends.
 */
export type TimerHandle = number & { readonly __timerHandle: never };

/** Every message names its type (for traces and logs) and its size on the wire. */
export interface Message {
  readonly type: string;
  readonly bytes: number;
}

export interface Effects<M extends Message = Message> {
  /** Simulated time of the input being handled. */
  readonly nowUs: TimeUs;
  /** This process's id. */
  readonly self: string;
  /** This process's own stream of chance, continued across restarts. */
  readonly prng: Prng;
  /**
   * Sends a message through the network; it may arrive late, or never. A hot path that knows the
   * message's shape passes its `type` and `bytes` too (they must be the message's own): read here,
   * over every message shape of the engine, they would be megamorphic property loads, two per send.
   */
  send(to: string, message: M, type?: M['type'], bytes?: number): void;
  /** Arms (or re-arms) the timer named `key` to fire `delayUs` from now. */
  setTimer(key: string, delayUs: TimeUs): void;
  cancelTimer(key: string): void;
  /**
   * The handle of the timer named `key` in this life (the same number for the same key), for hot
   * paths: `arm` and `disarm` then do what setTimer and cancelTimer do, with the same firing order.
   * At most TIMER_HANDLES_MAX keys per life (a handle is for a key used again and again, not one per request).
   */
  timer(key: string): TimerHandle;
  /** Arms (or re-arms) the timer `handle` to fire `delayUs` from now: setTimer by number. */
  arm(handle: TimerHandle, delayUs: TimeUs): void;
  /** Cancels the timer `handle` if armed: cancelTimer by number. */
  disarm(handle: TimerHandle): void;
  /** A line for the event log: something a person watching would want to know. */
  note(text: string): void;
  /** Ends this life cleanly (a controlled shutdown); the last thing a handler does. */
  exit(reason: string): void;
}

export interface ProcessLogic<M extends Message = Message> {
  /** Called once per life: at boot and after every restart. */
  start(fx: Effects<M>): void;
  /**
   * `type` is the message's own, as the kernel read it at the send (given by the kernel, optional
   * for other callers): a switch on it reads no field of the message, which over every message
   * shape of the engine would be a megamorphic property load at every delivery.
   */
  receive(from: string, message: M, fx: Effects<M>, type?: M['type']): void;
  timer(key: string, fx: Effects<M>): void;
  /** A JSON-safe summary of this process for snapshots. */
  view(nowUs: TimeUs): Record<string, unknown>;
}

export interface ProcessSpec<D = unknown, M extends Message = Message> {
  readonly id: string;
  readonly role: Role;
  /** A zone name, or REGIONAL for regional services. */
  readonly zone: string;
  /** State that survives a crash (the process's disk). */
  readonly durable: D;
  /** Builds a fresh volatile state for a new life. */
  create(durable: D): ProcessLogic<M>;
  /** What a crash does to the disk; by default nothing is lost. */
  onCrash?(durable: D): void;
}

/**
 * Handles by key for an Effects other than the kernel's (a test double, a recording wrapper):
 * `timer(key)` numbers keys in order of first use, and `key(handle)` reads a number back, so
 * `arm(handle, d)` can be `setTimer(key(handle), d)`. Bounded by the keys its user names.
 */
export class TimerKeys {
  private readonly keys: string[] = [];
  private readonly handles = new Map<string, TimerHandle>();

  timer(key: string): TimerHandle {
    let handle = this.handles.get(key);
    if (handle === undefined) {
      handle = this.keys.length as TimerHandle;
      this.keys.push(key);
      this.handles.set(key, handle);
    }
    return handle;
  }

  key(handle: TimerHandle): string {
    const key = this.keys[handle];
    if (key === undefined) throw new Error(`timer handle ${String(handle)} was never given (${this.keys.length} keys named)`);
    return key;
  }
}
