// A broker card's storage bar (ProcessCard's barEndAt): each segment spans the bar and is slid left
// to end at its share, in steps of a thousandth, so the style string changes only when the bar's
// end moves a visible step (a growing log on a 1 TB disk writes nothing) and never by layout.
import { describe, expect, it } from 'vitest';
import { barEndAt } from '../../src/ui/components/ProcessCard';

describe("a card's storage bar", () => {
  it('ends each segment at its share of the bar: empty slid all the way out, full not slid', () => {
    expect(barEndAt(0)).toBe('translateX(-100%)');
    expect(barEndAt(1)).toBe('translateX(0%)');
    expect(barEndAt(0.25)).toBe('translateX(-75%)');
    expect(barEndAt(0.1234)).toBe('translateX(-87.7%)');
  });

  it('clamps shares outside the bar (other files and logs can exceed the capacity together)', () => {
    expect(barEndAt(1.7)).toBe(barEndAt(1));
    expect(barEndAt(-0.01)).toBe(barEndAt(0));
  });

  it('writes the same style while the end moves less than a thousandth of the bar', () => {
    const capacityBytes = 1_099_511_627_776; // 1 TB, log.dir.capacity.bytes in the 30-broker lesson
    const early = barEndAt(23_000_000 / capacityBytes);
    expect(barEndAt(90_000_000 / capacityBytes)).toBe(early);
    expect(barEndAt(2_000_000_000 / capacityBytes)).not.toBe(early);
  });
});
