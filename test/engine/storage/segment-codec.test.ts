// The segment codec: a batch list becomes compact bytes with a CRC-32C and comes back whole, and
// bytes that are not such a list are refused by name, never decoded into something else.
// Method: round trips of hand-made and seeded random batch lists (gaps, negative producer ids,
// internal records, non-ASCII batch ids), the CRC-32C against its published check value, then
// every single-byte corruption and every truncation of one encoded segment.
import { describe, expect, it } from 'vitest';
import type { LogBatch } from '../../../src/engine/broker/protocol';
import { Prng } from '../../../src/engine/sim/prng';
import { CorruptObjectError, SEGMENT_CODEC_VERSION, crc32c, decodeBatches, encodeBatches } from '../../../src/engine/storage/segment-codec';

function batch(overrides: Partial<LogBatch> & { baseOffset: number }): LogBatch {
  return { records: 1, bytes: 1_000, epoch: 3, producerId: 7, baseSequence: overrides.baseOffset, batchId: `producer-1/${overrides.baseOffset}`, appendedUs: 1_000_000 + overrides.baseOffset * 5_000, createdUs: 995_000 + overrides.baseOffset * 5_000, ...overrides };
}

/** A seeded segment: consecutive batches of 1..20 records, times moving forward, some producers non-idempotent. */
function randomSegment(seed: number, count: number): LogBatch[] {
  const prng = new Prng(seed);
  const batches: LogBatch[] = [];
  let offset = prng.int(1_000_000_000);
  let appendedUs = prng.int(3_600_000_000);
  for (let i = 0; i < count; i++) {
    const records = 1 + prng.int(20);
    appendedUs += prng.int(20_000);
    const idempotent = prng.int(4) !== 0;
    batches.push({
      baseOffset: offset,
      records,
      bytes: records * (100 + prng.int(2_000)),
      epoch: 1 + prng.int(5),
      producerId: idempotent ? prng.int(50) : -1,
      baseSequence: idempotent ? prng.int(100_000) : -1,
      batchId: `producer-${1 + prng.int(3)}/${i}`,
      appendedUs,
      createdUs: appendedUs - prng.int(50_000),
    });
    offset += records;
  }
  return batches;
}

describe('the segment codec', () => {
  it('computes the CRC-32C Kafka puts on record batches (the check value of "123456789" is e3069283)', () => {
    expect(crc32c(new TextEncoder().encode('123456789')).toString(16)).toBe('e3069283');
  });

  it('gives back exactly the batches it was given, in far fewer bytes than their JSON', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const batches = randomSegment(seed, 500);
      const bytes = encodeBatches(batches);
      expect(decodeBatches(bytes)).toEqual(batches);
      expect(bytes[0]).toBe(SEGMENT_CODEC_VERSION);
      expect(bytes.length).toBeLessThan(JSON.stringify(batches).length / 5);
    }
  });

  it('keeps gaps between batches, internal records and batch ids in any script', () => {
    const batches = [
      batch({ baseOffset: 0 }),
      batch({ baseOffset: 5, records: 2, producerId: -1, baseSequence: -1, batchId: 'coordinator/é✓𝄞' }),
      batch({ baseOffset: 7, payload: { kind: 'OffsetCommit', group: 'audit', offset: 42 } as { kind: string } }),
      batch({ baseOffset: 8, batchId: 'coordinator/é✓𝄟' }),
    ];
    expect(decodeBatches(encodeBatches(batches))).toEqual(batches);
    expect(decodeBatches(encodeBatches([]))).toEqual([]);
  });

  it('refuses numbers it cannot carry exactly, naming the field', () => {
    expect(() => encodeBatches([batch({ baseOffset: 0, records: 1.5 })])).toThrow(/records is 1.5/);
    expect(() => encodeBatches([batch({ baseOffset: 2 ** 60 })])).toThrow(/baseOffset/);
  });

  it('refuses every single flipped byte and every cut-off copy of a segment', () => {
    const bytes = encodeBatches(randomSegment(9, 40));
    for (let position = 0; position < bytes.length; position++) {
      const damaged = bytes.slice();
      damaged[position] = damaged[position]! ^ 0x20;
      expect(() => decodeBatches(damaged), `byte ${position} flipped`).toThrow(CorruptObjectError);
    }
    for (let length = 0; length < bytes.length; length++) {
      expect(() => decodeBatches(bytes.subarray(0, length)), `cut to ${length} bytes`).toThrow(CorruptObjectError);
    }
  });

  it('says why: a wrong version, a checksum that does not match, a record that is not bytes', () => {
    const bytes = encodeBatches([batch({ baseOffset: 0 })]);
    const flipped = bytes.slice();
    flipped[3] = flipped[3]! ^ 1;
    expect(() => decodeBatches(flipped)).toThrow(/CRC-32C is [0-9a-f]+ but it says/);
    // A later version with a valid checksum: refused for its version, not its checksum.
    const later = bytes.slice(0, bytes.length - 4);
    later[0] = SEGMENT_CODEC_VERSION + 1;
    const crc = crc32c(later);
    const resealed = new Uint8Array([...later, crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff]);
    expect(() => decodeBatches(resealed)).toThrow(/format version is 2; this build reads version 1/);
    expect(() => decodeBatches({ length: 3 } as unknown as Uint8Array)).toThrow(/not bytes/);
  });
});
