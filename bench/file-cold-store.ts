// A ColdStore on the local disk, for Node hosts that must keep the heap bounded over long runs (the
// tiering-hour bench): every encoded body is appended to one scratch file after its length (4 bytes,
// little-endian), and only its position (key -> offset, one number in a Map) stays in the heap. Reads are synchronous (readSync), so the engine never
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
  /** Key -> where its length prefix starts in the file. */
  private readonly index = new Map<string, number>();
  private readonly lengthBytes = new Uint8Array(4);
  private end = 0;
  /** Bytes appended to the file (what a browser would write to IndexedDB). */
  bytesWritten = 0;
  objectsWritten = 0;

  put(key: string, bytes: Uint8Array): void {
    new DataView(this.lengthBytes.buffer).setUint32(0, bytes.length, true);
    writeSync(this.fd, this.lengthBytes, 0, 4, this.end);
    writeSync(this.fd, bytes, 0, bytes.length, this.end + 4);
    this.index.set(key, this.end);
    this.end += 4 + bytes.length;
    this.bytesWritten += bytes.length;
    this.objectsWritten++;
  }

  delete(key: string): void {
    this.index.delete(key);
  }

  readNow(key: string): Uint8Array | undefined {
    const offset = this.index.get(key);
    if (offset === undefined) return undefined;
    readSync(this.fd, this.lengthBytes, 0, 4, offset);
    const length = new DataView(this.lengthBytes.buffer).getUint32(0, true);
    const bytes = new Uint8Array(length);
    readSync(this.fd, bytes, 0, length, offset + 4);
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
