// The page's handle on the engine worker: starts the worker, forwards commands through comlink,
// and keeps the latest frame in a store that React reads with useSyncExternalStore (the snapshot
// is a version number, bumped per frame). The frame listener resolves only after the browser has
// painted the next animation frame: that is the backpressure that keeps the worker from sending
// faster than the page draws.
//
// The client accumulates the event log (notable entries and, when asked, raw trace entries) in
// bounded arrays, so the page can show history that single frames do not carry.

import * as Comlink from 'comlink';
import type { TraceEntry } from '../engine/api';
import type { EngineHost, Frame, Outcome, Speed } from '../worker/host';

/** Bound on notable log entries kept by the page. */
export const LOG_ENTRIES_MAX = 500;
/** Bound on raw trace entries (messages, timers) kept by the page. */
export const TRACE_ENTRIES_MAX = 200;

export interface ClientState {
  readonly frame: Frame | null;
  readonly log: readonly TraceEntry[];
  readonly trace: readonly TraceEntry[];
  /** The largest frame seen so far, in bytes of JSON: what crosses the worker boundary. */
  readonly largestFrameBytes: number;
}

function nextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

export class EngineClient {
  private readonly worker: Worker;
  private readonly remote: Comlink.Remote<EngineHost>;
  private state: ClientState = { frame: null, log: [], trace: [], largestFrameBytes: 0 };
  private version = 0;
  private readonly listeners = new Set<() => void>();
  private disposed = false;

  constructor(private readonly onFailure: (message: string) => void) {
    this.worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), {
      type: 'module',
      name: 'kora-engine',
    });
    this.worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.fail(`The simulation worker stopped: ${event.message || 'it could not be loaded'}`);
    });
    this.worker.addEventListener('messageerror', () => this.fail('The simulation worker sent a message the page could not read.'));
    this.remote = Comlink.wrap<EngineHost>(this.worker);
  }

  // ---- store for useSyncExternalStore -------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  get current(): ClientState {
    return this.state;
  }

  // ---- commands -----------------------------------------------------------------------------

  async start(config: unknown, seed: number): Promise<Outcome<{ zones: readonly string[]; processes: number }>> {
    await this.remote.subscribe(Comlink.proxy((frame: Frame) => this.receive(frame)));
    this.state = { frame: null, log: [], trace: [], largestFrameBytes: 0 };
    // Comlink's Remote<> splits a union return type; the worker returns exactly this Outcome.
    type Created = Outcome<{ zones: readonly string[]; processes: number }>;
    return this.call(() => this.remote.create(config, seed) as Promise<Created>);
  }

  play(): Promise<void> {
    return this.call(() => this.remote.play());
  }

  pause(): Promise<void> {
    return this.call(() => this.remote.pause());
  }

  setSpeed(speed: Speed): Promise<void> {
    return this.call(() => this.remote.setSpeed(speed));
  }

  step(): Promise<TraceEntry | null> {
    return this.call(() => this.remote.step());
  }

  inject(fault: unknown): Promise<Outcome<string>> {
    return this.call(() => this.remote.inject(fault) as Promise<Outcome<string>>);
  }

  dispose(): void {
    this.disposed = true;
    this.remote[Comlink.releaseProxy]();
    this.worker.terminate();
  }

  // ---- internals ----------------------------------------------------------------------------

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.fail(`The simulation worker refused a command: ${message}`);
      throw error;
    }
  }

  private fail(message: string): void {
    if (this.disposed) return;
    this.onFailure(message);
  }

  private receive(frame: Frame): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const previous = this.state;
    const frameBytes = JSON.stringify(frame).length;
    this.state = {
      frame,
      log: appendBounded(previous.log, frame.snapshot.notable, LOG_ENTRIES_MAX),
      trace: appendBounded(previous.trace, frame.snapshot.recent, TRACE_ENTRIES_MAX),
      largestFrameBytes: Math.max(previous.largestFrameBytes, frameBytes),
    };
    this.version++;
    for (const listener of this.listeners) listener();
    return nextPaint();
  }
}

function appendBounded<T>(existing: readonly T[], added: readonly T[], max: number): readonly T[] {
  if (added.length === 0) return existing;
  const merged = existing.concat(added);
  return merged.length > max ? merged.slice(merged.length - max) : merged;
}
