// A ColdStore for tests that keeps bytes but never reads at once, as IndexedDB behind a worker:
// every read is asked for (Engine.coldWaiting), so a test proves the read barrier is used.
import { LOCAL_KEY_PREFIX } from '../../../src/engine/storage/page-cache';
import type { ColdStore } from '../../../src/engine/api';

export class AskedStore implements ColdStore {
  readonly objects = new Map<string, Uint8Array>();
  put(key: string, bytes: Uint8Array): void {
    this.objects.set(key, bytes);
  }
  delete(key: string): void {
    this.objects.delete(key);
  }
  readNow(): Uint8Array | undefined {
    return undefined;
  }
  /** The keys of evicted local segments (page-cache.ts), not the object store's. */
  localKeys(): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith(LOCAL_KEY_PREFIX));
  }
}
