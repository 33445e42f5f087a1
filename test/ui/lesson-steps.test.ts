// Goal: "Step k of N" and the moment Previous goes back to are right wherever the learner is,
// including steps that happen out of the file's order and steps sharing one time. Method: moments
// as a run records them, read at several moments.
import { describe, expect, it } from 'vitest';
import type { Moment } from '../../src/engine/scenario/runner';
import { stepPosition } from '../../src/ui/lesson-steps';

const S = 1_000_000;
let index = 0;
const moment = (kind: Moment['kind'], atUs: number, step?: number): Moment => ({ index: index++, kind, atUs, text: `${kind} at ${atUs}`, ...(step === undefined ? {} : { step }) });

// Step 0 captions at 2 s; step 1 acts and captions at 10 s; step 3 (a "when") fires at 6 s, before
// step 2's pause at 15 s; a check and an action without a caption are not steps.
const moments: Moment[] = [
  moment('caption', 2 * S, 0),
  moment('caption', 6 * S, 3),
  moment('action', 10 * S, 1),
  moment('caption', 10 * S, 1),
  moment('check', 12 * S, 1),
  moment('caption', 15 * S, 4),
  moment('pause', 15 * S, 2),
];

describe('where a learner is in a lesson', () => {
  it('counts the steps that happened by the moment shown, in the order they happened', () => {
    expect(stepPosition(moments, 0, 5)).toEqual({ reached: 0, total: 5, previousAtUs: null });
    expect(stepPosition(moments, 2 * S, 5)).toEqual({ reached: 1, total: 5, previousAtUs: 0 });
    expect(stepPosition(moments, 7 * S, 5)).toEqual({ reached: 2, total: 5, previousAtUs: 2 * S });
    expect(stepPosition(moments, 10 * S, 5)).toEqual({ reached: 3, total: 5, previousAtUs: 6 * S });
  });

  it('treats steps at one time as one stop for Previous', () => {
    expect(stepPosition(moments, 15 * S, 5)).toEqual({ reached: 5, total: 5, previousAtUs: 10 * S });
  });

  it('ignores moments later than the one shown (a rewound run keeps none, but a stale list might)', () => {
    expect(stepPosition(moments, 9 * S, 5).reached).toBe(2);
  });
});
