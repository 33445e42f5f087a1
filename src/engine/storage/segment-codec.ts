// The compact binary form of a segment's batch list: what the object store's objects (and, later,
// cold local segments) are when they leave the heap for a ColdStore (IndexedDB in the browser).
//
// Layout, version 1 (all integers are LEB128 varints; signed ones zigzag-encoded first, so that
// -1, a producer id of a non-idempotent batch, takes one byte):
//   byte     version (1)
//   varint   batch count
//   per batch, each field relative to the batch before it where that makes it small:
//     zigzag   baseOffset - previous batch's end offset (0 for a log without gaps)
//     varint   records, bytes
//     zigzag   epoch, producerId, baseSequence
//     zigzag   appendedUs - previous appendedUs; createdUs - appendedUs
//     varint   batchId: length of the prefix shared with the previous batchId, then the rest's
//              UTF-8 length and bytes ("producer-1/7" then "producer-1/8" costs 2 bytes)
//     byte     1 if an internal record follows (its JSON as UTF-8, length first), else 0
//   4 bytes  CRC-32C (Castagnoli) of everything before it, big-endian: the checksum Kafka puts on
//            every record batch (DefaultRecordBatch, org.apache.kafka.common.utils.Crc32C).
// Integers must be safe (below 2^53): offsets, sizes and times in µs always are.
//
// Never: reads anything but its argument, or returns a batch list from bytes that fail the checksum
// or the layout (it throws CorruptObjectError, naming what was wrong).

import type { InternalRecord, LogBatch } from '../broker/protocol';

export const SEGMENT_CODEC_VERSION = 1;
const CHECKSUM_BYTES = 4;

/** Bytes that do not hold a segment: a damaged record, a wrong version, a cut-off write. */
export class CorruptObjectError extends Error {
  constructor(what: string) {
    super(`a stored segment is damaged: ${what}`);
    this.name = 'CorruptObjectError';
  }
}

// ---- CRC-32C ---------------------------------------------------------------------------------

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1; // reflected Castagnoli polynomial
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `bytes[0, length)`. */
export function crc32c(bytes: Uint8Array, length = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = 0; i < length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---- writing ---------------------------------------------------------------------------------

class Writer {
  private buffer = new Uint8Array(256);
  length = 0;

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  byte(value: number): void {
    this.room(1);
    this.buffer[this.length++] = value;
  }

  varint(value: number, field: string): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`segment codec: ${field} is ${value}; expected a whole number from 0 to 2^53`);
    this.room(8);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
  }

  zigzag(value: number, field: string): void {
    if (!Number.isSafeInteger(value) || Math.abs(value) > 2 ** 51) throw new RangeError(`segment codec: ${field} is ${value}; expected a whole number within ±2^51`);
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1, field);
  }

  bytes(value: Uint8Array): void {
    this.room(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  finish(): Uint8Array {
    this.room(CHECKSUM_BYTES);
    const crc = crc32c(this.buffer, this.length);
    this.buffer[this.length++] = crc >>> 24;
    this.buffer[this.length++] = (crc >>> 16) & 0xff;
    this.buffer[this.length++] = (crc >>> 8) & 0xff;
    this.buffer[this.length++] = crc & 0xff;
    return this.buffer.slice(0, this.length);
  }
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

function sharedPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  // Never split a surrogate pair: the rest must be valid UTF-16 on its own.
  if (i > 0 && i < b.length && (b.charCodeAt(i - 1) & 0xfc00) === 0xd800) i--;
  return i;
}

/** A segment's batches, in order, as bytes (see the layout above). */
export function encodeBatches(batches: readonly LogBatch[]): Uint8Array {
  const out = new Writer();
  out.byte(SEGMENT_CODEC_VERSION);
  out.varint(batches.length, 'batch count');
  let previousEnd: number | null = null;
  let previousAppendedUs = 0;
  let previousId = '';
  for (const batch of batches) {
    // The first batch's is its base offset; later ones', the gap after the batch before (0 in a log).
    out.zigzag(previousEnd === null ? batch.baseOffset : batch.baseOffset - previousEnd, 'baseOffset');
    out.varint(batch.records, 'records');
    out.varint(batch.bytes, 'bytes');
    out.zigzag(batch.epoch, 'epoch');
    out.zigzag(batch.producerId, 'producerId');
    out.zigzag(batch.baseSequence, 'baseSequence');
    out.zigzag(batch.appendedUs - previousAppendedUs, 'appendedUs');
    out.zigzag(batch.createdUs - batch.appendedUs, 'createdUs');
    const shared = sharedPrefix(previousId, batch.batchId);
    const rest = utf8.encode(batch.batchId.slice(shared));
    out.varint(shared, 'batchId prefix');
    out.varint(rest.length, 'batchId length');
    out.bytes(rest);
    if (batch.payload === undefined) {
      out.byte(0);
    } else {
      const json = utf8.encode(JSON.stringify(batch.payload));
      out.byte(1);
      out.varint(json.length, 'payload length');
      out.bytes(json);
    }
    previousEnd = batch.baseOffset + batch.records;
    previousAppendedUs = batch.appendedUs;
    previousId = batch.batchId;
  }
  return out.finish();
}

// ---- reading ---------------------------------------------------------------------------------

class Reader {
  position = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly end: number,
  ) {}

  byte(field: string): number {
    if (this.position >= this.end) throw new CorruptObjectError(`it ends inside ${field} (at byte ${this.position})`);
    return this.bytes[this.position++]!;
  }

  varint(field: string): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.byte(field);
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 0x80;
    }
    throw new CorruptObjectError(`${field} at byte ${this.position} is longer than any number it may hold`);
  }

  zigzag(field: string): number {
    const value = this.varint(field);
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }

  slice(length: number, field: string): Uint8Array {
    if (this.position + length > this.end) throw new CorruptObjectError(`${field} says ${length} bytes but only ${this.end - this.position} are left`);
    const slice = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return slice;
  }
}

function text(bytes: Uint8Array, field: string): string {
  try {
    return fromUtf8.decode(bytes);
  } catch {
    throw new CorruptObjectError(`${field} is not UTF-8`);
  }
}

/** The batches `encodeBatches` wrote; throws CorruptObjectError when the bytes are not such a list. */
export function decodeBatches(bytes: Uint8Array): LogBatch[] {
  if (!(bytes instanceof Uint8Array)) throw new CorruptObjectError(`it is a ${typeof bytes}, not bytes`);
  if (bytes.length < 1 + CHECKSUM_BYTES) throw new CorruptObjectError(`it holds ${bytes.length} bytes, fewer than a header and a checksum`);
  const end = bytes.length - CHECKSUM_BYTES;
  const stored = ((bytes[end]! << 24) | (bytes[end + 1]! << 16) | (bytes[end + 2]! << 8) | bytes[end + 3]!) >>> 0;
  const actual = crc32c(bytes, end);
  if (stored !== actual) throw new CorruptObjectError(`its CRC-32C is ${actual.toString(16)} but it says ${stored.toString(16)}`);
  const input = new Reader(bytes, end);
  const version = input.byte('the version');
  if (version !== SEGMENT_CODEC_VERSION) throw new CorruptObjectError(`its format version is ${version}; this build reads version ${SEGMENT_CODEC_VERSION}`);
  const count = input.varint('the batch count');
  // Every batch takes at least 11 bytes: a count beyond that is a lie, refused before allocating.
  if (count * 11 > end) throw new CorruptObjectError(`it says ${count} batches in ${end} bytes`);
  const batches: LogBatch[] = new Array<LogBatch>(count);
  let previousEnd: number | null = null;
  let previousAppendedUs = 0;
  let previousId = '';
  for (let index = 0; index < count; index++) {
    const gap = input.zigzag('baseOffset');
    const baseOffset: number = previousEnd === null ? gap : previousEnd + gap;
    const records = input.varint('records');
    const size = input.varint('bytes');
    const epoch = input.zigzag('epoch');
    const producerId = input.zigzag('producerId');
    const baseSequence = input.zigzag('baseSequence');
    const appendedUs = previousAppendedUs + input.zigzag('appendedUs');
    const createdUs = appendedUs + input.zigzag('createdUs');
    const shared = input.varint('batchId prefix');
    if (shared > previousId.length) throw new CorruptObjectError(`batch ${index} shares ${shared} characters of a batch id ${previousId.length} long`);
    const restLength = input.varint('batchId length');
    const batchId = previousId.slice(0, shared) + text(input.slice(restLength, 'batchId'), 'a batch id');
    const flag = input.byte('the payload flag');
    let payload: InternalRecord | undefined;
    if (flag === 1) {
      const length = input.varint('payload length');
      try {
        payload = JSON.parse(text(input.slice(length, 'payload'), 'a payload')) as InternalRecord;
      } catch (error) {
        if (error instanceof CorruptObjectError) throw error;
        throw new CorruptObjectError(`batch ${index}'s internal record is not JSON`);
      }
    } else if (flag !== 0) {
      throw new CorruptObjectError(`batch ${index}'s payload flag is ${flag}`);
    }
    // A first batch's gap is its absolute base offset (encodeBatches starts from it).
    if (previousEnd === null && gap < 0) throw new CorruptObjectError('the first base offset is negative');
    // One shape, with or without a payload, as the brokers make them (see LogBatch.payload).
    batches[index] = { baseOffset, records, bytes: size, epoch, producerId, baseSequence, batchId, appendedUs, createdUs, payload };
    previousEnd = baseOffset + records;
    previousAppendedUs = appendedUs;
    previousId = batchId;
  }
  if (input.position !== end) throw new CorruptObjectError(`${end - input.position} bytes follow the last batch`);
  return batches;
}
