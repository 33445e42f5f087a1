// The metadata log's rows are memoised whole (MetadataLogPanel's MlogRow, compared by sameRowProps):
// rows are rebuilt in every frame, so the comparison must say "same" for a row drawn alike from new
// objects and "changed" for every field a row draws, or a row would show a stale figure.
import { describe, expect, it } from 'vitest';
import type { MetadataLogEntry } from '../../src/engine/api';
import { rowsOf, sameRowProps } from '../../src/ui/components/MetadataLogPanel';

const entry = { offset: 41, epoch: 3, committed: false, text: 'PartitionChange orders-7 leader broker-2' } as MetadataLogEntry;
const record = (changes: Partial<MetadataLogEntry> = {}) => ({ kind: 'record' as const, key: 'rec-41-3', entry: { ...entry, ...changes } });
const noops = (changes: Partial<{ first: number; last: number; epoch: number; committed: boolean }> = {}) => ({
  kind: 'noops' as const,
  key: 'noop-40',
  first: 40,
  last: 44,
  epoch: 3,
  committed: true,
  ...changes,
});

describe('a metadata log row re-renders when, and only when, what it draws changed', () => {
  it('says same for rows rebuilt alike from new objects', () => {
    expect(sameRowProps({ row: record(), settled: false, highWatermark: 40 }, { row: record(), settled: false, highWatermark: 41 })).toBe(true);
    expect(sameRowProps({ row: noops(), settled: true, highWatermark: 40 }, { row: noops(), settled: true, highWatermark: 45 })).toBe(true);
    const gap = { kind: 'gap' as const, key: 'gap-10', from: 10, to: 12 };
    expect(sameRowProps({ row: gap, settled: false, highWatermark: 1 }, { row: { ...gap }, settled: false, highWatermark: 2 })).toBe(true);
  });

  it('says changed for every field a row draws', () => {
    const base = { row: record(), settled: false, highWatermark: 40 };
    expect(sameRowProps(base, { ...base, row: record({ committed: true }) })).toBe(false);
    expect(sameRowProps(base, { ...base, row: record({ text: 'PartitionChange orders-7 leader broker-3' }) })).toBe(false);
    expect(sameRowProps(base, { ...base, row: record({ epoch: 4 }) })).toBe(false);
    expect(sameRowProps(base, { ...base, settled: true })).toBe(false);
    const run = { row: noops(), settled: false, highWatermark: 40 };
    expect(sameRowProps(run, { ...run, row: noops({ first: 39 }) })).toBe(false);
    expect(sameRowProps(run, { ...run, row: noops({ last: 45 }) })).toBe(false);
    expect(sameRowProps(run, { ...run, row: noops({ committed: false }) })).toBe(false);
    const hw = { row: { kind: 'hw' as const, key: 'hw' }, settled: false, highWatermark: 40 };
    expect(sameRowProps(hw, { ...hw, highWatermark: 41 })).toBe(false);
    const gap = { row: { kind: 'gap' as const, key: 'gap-10', from: 10, to: 12 }, settled: false, highWatermark: 1 };
    expect(sameRowProps(gap, { ...gap, row: { ...gap.row, to: 13 } })).toBe(false);
    expect(sameRowProps(base, run)).toBe(false);
  });
});

describe('a run of NoOps keeps its key (a new key mounts the row again, and its highlight runs again)', () => {
  const noOp = (offset: number, epoch = 1): MetadataLogEntry => ({ offset, epoch, committed: true, text: 'NoOp', bytes: 10 }) as MetadataLogEntry;
  const range = (from: number, to: number, epoch = 1) => Array.from({ length: to - from + 1 }, (_, index) => noOp(from + index, epoch));
  const keys = (entries: MetadataLogEntry[], highWatermark = 10_000) => rowsOf(entries, highWatermark, 40).rows.map((row) => row.key);

  it('while NoOps join it at the top, and while the page trims its oldest entries', () => {
    const before = keys([{ offset: 99, epoch: 1, committed: true, text: 'RegisterBroker broker-1', bytes: 10 } as MetadataLogEntry, ...range(100, 499)]);
    const grown = keys([{ offset: 99, epoch: 1, committed: true, text: 'RegisterBroker broker-1', bytes: 10 } as MetadataLogEntry, ...range(100, 500)]);
    expect(grown).toEqual(before);
    // An idle log of NoOps alone, its oldest entries trimmed as new ones come: one row, one key.
    expect(keys(range(101, 500))).toEqual(keys(range(100, 499)));
    expect(keys(range(101, 500))).toHaveLength(2); // the high watermark's line, then the run
  });

  it('apart from an older epoch’s run at the same offsets', () => {
    const oldLeader = keys([{ offset: 9, epoch: 1, committed: true, text: 'Topic orders', bytes: 10 } as MetadataLogEntry, ...range(10, 20, 1)]);
    const newLeader = keys([{ offset: 9, epoch: 1, committed: true, text: 'Topic orders', bytes: 10 } as MetadataLogEntry, ...range(10, 20, 2)]);
    expect(newLeader).not.toEqual(oldLeader);
  });
});
