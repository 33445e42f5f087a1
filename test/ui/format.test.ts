// How the page writes numbers people read at a glance: a consumer's partitions as runs.
import { describe, expect, it } from 'vitest';
import { formatRanges } from '../../src/ui/format';

describe('formatRanges', () => {
  it('writes runs of three or more as a range, pairs and singles as they are', () => {
    expect(formatRanges([0, 1, 2, 5, 7, 8])).toBe('0–2, 5, 7, 8');
    expect(formatRanges([3])).toBe('3');
    expect(formatRanges([])).toBe('');
  });

  it('keeps a big member of a group short: 200 partitions in one run', () => {
    expect(formatRanges(Array.from({ length: 200 }, (_, index) => 200 + index))).toBe('200–399');
  });
});
