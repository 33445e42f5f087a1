// The quorum panel is memoised on what it draws (the snapshot and quorum its parent holds, `ready`
// and whether a controller is active, which App's DeferredPanels reads from the newest snapshot
// with anyActiveController): what it shows must still follow each of them. Method: a loaded
// engine's panel rendered with React's server renderer, before and after the active controller
// crashes, ready and not.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/engine/api';
import { QuorumPanel } from '../../src/ui/components/QuorumPanel';
import { digitsAsZeros } from '../../src/ui/components/StableText';
import { anyActiveController, quorumOf } from '../../src/ui/kraft';
import { loadedEngine } from './loaded-engine';

function panel(snapshot: Snapshot, ready: boolean): string {
  return renderToStaticMarkup(createElement(QuorumPanel, { snapshot, quorum: quorumOf(snapshot), ready, onFault: () => undefined, canCrash: anyActiveController(snapshot) }));
}

/** The crash button's opening tag. */
function crashButton(markup: string): string {
  const end = markup.indexOf('>Crash the active controller<');
  expect(end).toBeGreaterThan(0);
  return markup.slice(markup.lastIndexOf('<button', end), end);
}

describe('the quorum panel draws the quorum, the epoch and its crash button from its props', () => {
  it('shows the leader and epoch, and offers the crash only while ready and a controller is active', () => {
    const engine = loadedEngine();
    const before = engine.snapshot();
    const quorum = quorumOf(before);
    expect(quorum.leader).not.toBeNull();
    const markup = panel(before, true);
    expect(markup).toContain(`data-testid="quorum-epoch">${quorum.epoch}<`);
    expect(markup).toContain(`data-testid="quorum-leader">${quorum.leader!.id}<`);
    expect(crashButton(markup)).not.toContain('disabled');
    expect(crashButton(panel(before, false))).toContain('disabled');
    // The active controller crashes: until another is elected, none is active and the button is off.
    engine.inject({ kind: 'crash', process: quorum.leader!.id });
    engine.runFor(1_000);
    const after = engine.snapshot();
    expect(after.processes.some((process) => process.view?.controller?.active === true)).toBe(false);
    expect(crashButton(panel(after, true))).toContain('disabled');
  });
});

describe("the quorum panel's changing lines are drawn over a copy with every digit a zero (perf.css: a relayout boundary)", () => {
  it('digitsAsZeros keeps everything but the digits', () => {
    expect(digitsAsZeros('fetched 120 ms ago, up to offset 1145 (slowest 987)')).toBe('fetched 000 ms ago, up to offset 0000 (slowest 000)');
    expect(digitsAsZeros(40)).toBe('00');
    expect(digitsAsZeros('No broker is running.')).toBe('No broker is running.');
  });

  it("each copy is the text it sits under, digits as zeros, hidden from assistive technology", () => {
    const engine = loadedEngine();
    const markup = panel(engine.snapshot(), true);
    const pairs = [...markup.matchAll(/<span class="stable"><span class="stable-sizer" aria-hidden="true">(.*?)<\/span><span class="stable-text">(.*?)<\/span><\/span>/g)];
    // Three voters' figures, the legend's offsets and the observers' line.
    expect(pairs.length).toBe(quorumOf(engine.snapshot()).voters.length + 2);
    for (const [, sizer, text] of pairs) {
      expect(text).toMatch(/[1-9]/);
      expect(sizer).toBe(digitsAsZeros(text!));
    }
    expect(markup).toContain('Brokers follow the log as observers');
  });
});
