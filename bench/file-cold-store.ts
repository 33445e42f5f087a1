// A ColdStore on the local disk, for Node hosts that must keep the heap bounded over long runs (the
// tiering-hour bench): every encoded body is appended to one scratch file, and only its position
// (key -> offset, length) stays in the heap. Reads are synchronous (readSync), so the engine never
// waits at its read barrier. A deleted body's bytes stay in the file until it is removed (a bench
// file lives for one run); a rewritten key points at its newest bytes.
//
// Never: used by the engine directly (it is given as options.coldStore), or kept after `close`.

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ColdStore } from '../src/engine/api';

export class FileColdStore implements ColdStore {
  private readonly directory = mkdtempSync(join(tmpdir(), 'kora-cold-'));
  private readonly fd = openSync(join(this.directory, 'objects.bin'), 'w+');
  private readonly index = new Map<string, { readonly offset: number; readonly length: number }>();
  private end = 0;
  /** Bytes appended to the file (what a browser would write to IndexedDB). */
  bytesWritten = 0;
  objectsWritten = 0;

  put(key: string, bytes: Uint8Array): void {
    writeSync(this.fd, bytes, 0, bytes.length, this.end);
    this.index.set(key, { offset: this.end, length: bytes.length });
    this.end += bytes.length;
    this.bytesWritten += bytes.length;
    this.objectsWritten++;
  }

  delete(key: string): void {
    this.index.delete(key);
  }

  readNow(key: string): Uint8Array | undefined {
    const place = this.index.get(key);
    if (place === undefined) return undefined;
    const bytes = new Uint8Array(place.length);
    readSync(this.fd, bytes, 0, place.length, place.offset);
    return bytes;
  }

  get objects(): number {
    return this.index.size;
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.directory, { recursive: true, force: true });
  }
}
