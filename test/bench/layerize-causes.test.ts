// bench/layerize-causes.ts gives each Layerize pass the objects PrePaint invalidated since the pass
// before, on a hand-made trace: an object seen only before full passes ranks first as a suspect,
// one seen before other passes too after it, and an inserted element (the layout tree rebuilt)
// counts as an object of its own; events of other threads are not read.
import { describe, expect, it } from 'vitest';
import { causesOf, REBUILT } from '../../bench/layerize-causes';

const MAIN = { pid: 10, tid: 1 };
const OTHER = { pid: 10, tid: 2 };

function invalidated(object: string, ts: number, thread = MAIN) {
  return { name: 'PaintInvalidator::InvalidatePaint()', ph: 'X', ts, dur: 1, ...thread, args: { object } };
}
function pass(ts: number, full: boolean) {
  return [{ name: 'Layerize', ph: 'X', ts, dur: 100, ...MAIN }, ...(full ? [{ name: 'PaintArtifactCompositor::Update', ph: 'X', ts: ts + 10, dur: 50, ...MAIN }] : [])];
}

describe('the causes of full layerizations in bench/layerize-causes.ts', () => {
  const trace = {
    traceEvents: [
      { name: 'thread_name', ph: 'M', ts: 0, ...MAIN, args: { name: 'CrRendererMain' } },
      { name: 'thread_name', ph: 'M', ts: 0, ...OTHER, args: { name: 'CrRendererMain' } },
      invalidated("LayoutBlockFlow SPAN class='save-status-text'", 100),
      invalidated("LayoutBlockFlow DIV class='clock-time'", 110),
      ...pass(200, true),
      invalidated("LayoutBlockFlow DIV class='clock-time'", 400),
      ...pass(500, false),
      invalidated("LayoutGrid LI class='mlog-row' 12", 600),
      { name: 'Document::rebuildLayoutTree', ph: 'X', ts: 610, dur: 5, ...MAIN },
      invalidated("LayoutBlockFlow DIV class='clock-time'", 620),
      invalidated("LayoutBlockFlow SPAN class='save-status-text'", 630, OTHER),
      ...pass(700, true),
    ],
  };

  it('ranks what came only before full passes first, numbers folded', () => {
    const causes = causesOf(trace);
    expect(causes.passes).toBe(3);
    expect(causes.fullPasses).toBe(2);
    expect(causes.suspects).toEqual([
      { object: REBUILT, beforeFull: 1, beforeOther: 0 },
      { object: "LayoutBlockFlow SPAN class='save-status-text'", beforeFull: 1, beforeOther: 0 },
      { object: "LayoutGrid LI class='mlog-row' #", beforeFull: 1, beforeOther: 0 },
      { object: "LayoutBlockFlow DIV class='clock-time'", beforeFull: 2, beforeOther: 1 },
    ]);
  });
});
