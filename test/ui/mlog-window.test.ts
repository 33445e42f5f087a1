// The metadata log's rows windowed while the run plays (MetadataLogPanel's MlogList,
// use-live-window.ts, perf.css; issue 7, item 9, docs/architecture.md "the metadata log's rows
// windowed"): each arrival moved every row of the scroller, and a row with a paint property node of
// its own (a settled row's content-visibility, the screen-reader text's clip) or a changed scroll
// extent made Chromium re-layerize the whole page. These pin what the paused probe measured: the
// rows stay list items of one list in every state, carry no clipped text, and the held window is a
// clipped layer whose rows are not skippable boxes.
import { readFileSync } from 'node:fs';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { MetadataLogEntry } from '../../src/engine/api';
import { MetadataLogPanel } from '../../src/ui/components/MetadataLogPanel';
import type { Quorum, SeenLog } from '../../src/ui/kraft';
import { spacerOf } from '../../src/ui/use-live-window';
import { declarationsOf } from './css-rules';

const perfCss = readFileSync('src/ui/perf.css', 'utf8');
const stylesCss = readFileSync('src/ui/styles.css', 'utf8');

const entries: MetadataLogEntry[] = Array.from({ length: 60 }, (_, offset) => ({ offset, epoch: 1, text: `Topic topic-${offset}`, bytes: 100, committed: offset < 58 }));
const log: SeenLog = { view: { source: 'controller-1', logStartOffset: 0, endOffset: 60, highWatermark: 58, snapshotEndOffset: null, entries }, entries };
const quorum: Quorum = { voters: [], majority: 2, leader: null, epoch: 1, highWatermark: 58, logEndOffset: 60, active: null };
const panel = (live: boolean) => renderToStaticMarkup(createElement(MetadataLogPanel, { log, quorum, live }));

describe('the metadata log list', () => {
  it('is one list whose rows are its own items, in the scroller, playing and paused alike', () => {
    for (const live of [true, false]) {
      const markup = panel(live);
      const list = /<div class="mlog-list"><div class="mlog-window"><ol class="mlog-rows" data-testid="metadata-log" aria-label="Metadata log records, newest first" tabindex="0">([\s\S]*?)<\/ol><\/div><\/div>/.exec(markup);
      expect(list, `live ${live}`).not.toBeNull();
      // Every child of the list is a list item: no wrapper between the list and its rows.
      const children = list![1]!.match(/<li[ >]/g) ?? [];
      expect(children.length).toBeGreaterThan(30);
      expect(list![1]!.replace(/<li[\s\S]*?<\/li>/g, '')).toBe('');
    }
  });

  it('draws no window in the first render: the list is measured unwindowed first', () => {
    expect(panel(true)).not.toContain('mlog-window-held');
    expect(panel(true)).not.toContain('mlog-spacer');
  });

  it("says 'committed' to a screen reader in text that has no clip of its own", () => {
    const markup = panel(true);
    expect(markup).toContain('<span class="mlog-sr">committed</span>');
    expect(markup).not.toContain('visually-hidden');
    const sr = declarationsOf(stylesCss, '.mlog-sr').join(';');
    expect(sr).toMatch(/color:\s*transparent/);
    for (const property of ['clip', 'clip-path', 'overflow', 'position', 'opacity', 'contain', 'transform']) expect(sr).not.toMatch(new RegExp(`(^|;)\\s*${property}:`));
  });
});

describe('the held window (perf.css)', () => {
  it('is a clipped layer of the scroller’s height over a list taller than it', () => {
    const held = declarationsOf(perfCss, '.mlog-window-held').join(';');
    expect(held).toMatch(/height:\s*100%/);
    expect(held).toMatch(/overflow:\s*clip/);
    expect(held).toMatch(/will-change:\s*transform/);
    expect(declarationsOf(perfCss, '.mlog-window-held > .mlog-rows').join(';')).toMatch(/height:\s*calc\(100% \+ \d+px\)/);
  });

  it('leaves settled rows skippable only while the list is not held', () => {
    expect(declarationsOf(perfCss, '.mlog-window:not(.mlog-window-held) > .mlog-rows > li.mlog-settled').join(';')).toMatch(/content-visibility:\s*auto/);
    expect(perfCss.replace(/\/\*[\s\S]*?\*\//g, '')).not.toMatch(/\.mlog-list > li/);
  });
});

describe('spacerOf', () => {
  it('keeps the measured extent below a window of the view’s height, and none for a list that did not scroll', () => {
    expect(spacerOf(278, 1236)).toBe(958);
    expect(spacerOf(278, 278)).toBe(0);
    expect(spacerOf(278, 120)).toBe(0);
    expect(spacerOf(278, 500.6)).toBe(223);
  });
});
