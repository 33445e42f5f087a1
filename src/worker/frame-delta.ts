// Frames as the page receives them: the first frame after the page subscribes travels whole, and
// each later one as a patch against the frame before it (issue 7, item 9: at 30 brokers a whole
// frame is ~90 KB, of which ~9 KB of values change between two frames). The host sends a frame
// only once the page has acknowledged (drawn) the one before (EngineHost.publish), so the frame
// before is exactly what the page holds; a frame the page refused (its listener rejected) is not
// taken as held, and the next one travels whole again (a resync). A new subscription (a reload, a
// new client) starts with a whole frame.
//
// The patch is exact: the page's copy after applying it is structurally equal to the frame the host
// built (same keys in the same order, same values, `undefined` kept), and what did not change keeps
// its identity from the frame before, so the page's stores compare less.
//
// Owns: encoding (FrameDeltaEncoder, in the worker) and decoding (FrameDecoder, on the page). Pure
// data; never reads the engine, never changes a frame it is given, keeps no history beyond the one
// frame the other side holds.

import type { Frame } from './host';

/** A value a patch carries as itself: nothing in it could be read as a nested patch. */
export type PatchLeaf = number | string | boolean | bigint | null;

/**
 * A change to one value: a number, string, boolean, bigint or null replaces it as itself; `[value]`
 * replaces it with anything else (an object, an array, `undefined`); an object patches some of its
 * keys (an object with the same keys in the same order) or some of its indices (an array of the same
 * length). Most changes are counters (~630 of a frame's ~900 patch nodes at 30 brokers): carried
 * bare, each saves the worker, the structured clone and the page an array of its own.
 */
export type Patch = PatchLeaf | readonly [unknown] | { readonly [key: string]: Patch };

/** Whether `value` travels bare in a patch: a primitive other than `undefined` (which means "unchanged" to diffValue's callers). */
function isLeaf(value: unknown): value is PatchLeaf {
  const type = typeof value;
  return value === null || type === 'number' || type === 'string' || type === 'boolean' || type === 'bigint';
}

/** What the page's frame listener receives: a whole frame, or a patch against the frame it holds. */
export type FrameMessage =
  | { readonly kind: 'whole'; readonly frame: Frame }
  | { readonly kind: 'patch'; readonly base: number; readonly sequence: number; readonly patch: Patch };

export type FrameMessageListener = (message: FrameMessage) => Promise<void> | void;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether `before` has exactly `keys`, in that order. */
function hasKeys(before: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(before);
  if (own.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) if (own[i] !== keys[i]) return false;
  return true;
}

/**
 * The patch that turns `before` into `after`, or undefined when they are structurally equal.
 * Objects with other keys (or keys in another order), arrays of another length, and anything that
 * is neither a plain object nor an array (a Map, a Date) are replaced whole.
 */
export function diffValue(before: unknown, after: unknown): Patch | undefined {
  if (Object.is(before, after)) return undefined;
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) return [after];
    let patch: Record<string, Patch> | undefined;
    for (let i = 0; i < after.length; i++) {
      const inner = diffValue(before[i], after[i]);
      if (inner !== undefined) (patch ??= {})[i] = inner;
    }
    return patch;
  }
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = Object.keys(after);
    if (!hasKeys(before, keys)) return [after];
    let patch: Record<string, Patch> | undefined;
    for (const key of keys) {
      const inner = diffValue(before[key], after[key]);
      if (inner !== undefined) (patch ??= {})[key] = inner;
    }
    return patch;
  }
  return isLeaf(after) ? after : [after];
}

/** `before` with `patch` applied; `before` is not changed, and what the patch leaves keeps its identity. */
export function applyPatch(before: unknown, patch: Patch): unknown {
  if (typeof patch !== 'object' || patch === null) return patch;
  if (Array.isArray(patch)) return (patch as readonly [unknown])[0];
  const nested = patch as { readonly [key: string]: Patch };
  // for...in, not Object.keys: a patch is a plain object straight from the structured clone (no
  // inherited keys), and Object.keys built an array per patched object (~13 KB a message at 30
  // brokers, in the page's young generation with everything else a landing frame allocates).
  if (Array.isArray(before)) {
    const copy: unknown[] = before.slice();
    for (const key in nested) {
      const index = Number(key);
      copy[index] = applyPatch(before[index], nested[key]!);
    }
    return copy;
  }
  if (!isPlainObject(before)) throw new Error(`a patch of keys ${Object.keys(nested).join(', ')} reached a value that is neither an object nor an array`);
  const copy: Record<string, unknown> = { ...before };
  for (const key in nested) copy[key] = applyPatch(before[key], nested[key]!);
  return copy;
}

/**
 * The worker's side: turns each frame the host publishes into the message the page needs. A frame
 * travels whole when the page holds none (first, or after a refusal); otherwise as a patch.
 */
export class FrameDeltaEncoder {
  /** The frame the page holds (it acknowledged it); null: the next frame travels whole. */
  private held: Frame | null = null;
  /** Frames sent whole and as patches, for tests and benches. */
  readonly counts = { whole: 0, patch: 0 };

  /**
   * A frame listener for EngineHost.subscribe that forwards each frame to `send` as a message.
   * `resend` is called when the page refused a patch, before the host looks for a next frame, so
   * that a paused run's page gets the whole frame at once (a refused whole frame asks for nothing:
   * a page that cannot take frames must not be sent them in a loop).
   */
  listenerFor(send: FrameMessageListener, resend: () => void = () => undefined): (frame: Frame) => Promise<void> {
    this.held = null;
    return (frame) => {
      const message = this.encode(frame);
      // The host sends the next frame only after this settles: the page holds `frame` once it resolved.
      return Promise.resolve(send(message)).then(
        () => {
          this.held = frame;
        },
        () => {
          this.held = null;
          if (message.kind === 'patch') resend();
        },
      );
    };
  }

  encode(frame: Frame): FrameMessage {
    const held = this.held;
    if (held === null) {
      this.counts.whole++;
      return { kind: 'whole', frame };
    }
    this.counts.patch++;
    return { kind: 'patch', base: held.sequence, sequence: frame.sequence, patch: diffValue(held, frame) ?? {} };
  }
}

/** The page's side: the frame each message stands for, built on the frame it holds. */
export class FrameDecoder {
  private held: Frame | null = null;

  /** The whole frame; throws when a patch is not against the frame held (the host then resends whole). */
  decode(message: FrameMessage): Frame {
    if (message.kind === 'whole') {
      this.held = message.frame;
      return message.frame;
    }
    const held = this.held;
    if (held === null || held.sequence !== message.base) {
      this.held = null;
      throw new Error(`frame ${message.sequence} is a patch against frame ${message.base}, but the page holds ${held === null ? 'none' : `frame ${held.sequence}`}`);
    }
    const frame = applyPatch(held, message.patch) as Frame;
    this.held = frame;
    return frame;
  }

  /** Forgets the frame held (a new subscription): the next message must be whole. */
  reset(): void {
    this.held = null;
  }
}
