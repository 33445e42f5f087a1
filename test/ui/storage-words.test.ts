// A broker card's storage words ("Disk 8.7 MB / 1.0 TB", "8.7 MB unflushed") change in most refresh
// turns; as flex items that share their row and wrap, each change laid out the whole card (issue 7,
// item 9; bench/card-turn.ts: 143 of a 13-card turn's 299 objects). Their row now lies over a hidden
// copy of itself whose digits are zeros, which sizes the box, and is a relayout boundary; the copy is
// no paint layer. Method: the markup from React's server renderer, and the style sheets as text.
import { readFileSync } from 'node:fs';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { StorageFigures } from '../../src/ui/components/ProcessCard';
import { declarationsOf } from './css-rules';

const perfCss = readFileSync('src/ui/perf.css', 'utf8');
const stylesCss = readFileSync('src/ui/styles.css', 'utf8');

const markup = renderToStaticMarkup(createElement(StorageFigures, { id: 'broker-1', used: '32.7 MB', capacity: '1.0 TB', full: false, unflushed: '18.2 MB' }));

describe("a broker card's storage words", () => {
  it('are drawn over a hidden copy of their row whose digits are zeros, the copy first, in flow', () => {
    const sizer = /<div class="stat-row muted stat-row-sizer" aria-hidden="true">(.*?)<\/div>/.exec(markup);
    expect(sizer?.[1]).toBe('<span>Disk 00.0 MB / 0.0 TB</span><span>00.0 MB unflushed</span>');
    const text = /<div class="stat-row muted stat-row-text">(.*?)<\/div>/.exec(markup);
    expect(text?.[1]).toContain('<span>Disk 32.7 MB / 1.0 TB</span>');
    expect(text?.[1]).toMatch(/data-testid="unflushed-broker-1"[^>]*>18\.2 MB unflushed<\/span>/);
    expect(markup.indexOf('stat-row-sizer')).toBeLessThan(markup.indexOf('stat-row-text'));
  });

  it('say "full" in the copy too, so the copy stays the words\' size', () => {
    const full = renderToStaticMarkup(createElement(StorageFigures, { id: 'b', used: '1.0 TB', capacity: '1.0 TB', full: true, unflushed: '0 B' }));
    expect(full).toContain('<span>Disk 0.0 TB / 0.0 TB · full</span>');
    expect(full).toContain('<span>Disk 1.0 TB / 1.0 TB · full</span>');
  });

  it("the words' row is a relayout boundary over the copy's box, and the copy no layer", () => {
    const row = declarationsOf(perfCss, '.card .stat-row.stat-row-text').join(';');
    expect(row).toMatch(/contain:\s*size layout\s*(;|$)/);
    expect(declarationsOf(perfCss, '.card .stat-row.stat-row-sizer').join(';')).toMatch(/contain:\s*none/);
    // Absolutely positioned at the box's corner (never at its static place), over a positioned box.
    const placed = declarationsOf(stylesCss, '.stat-row-text').join(';');
    expect(placed).toMatch(/position:\s*absolute/);
    expect(placed).toMatch(/inset:\s*0/);
    expect(declarationsOf(stylesCss, '.stat-row-stable').join(';')).toMatch(/position:\s*relative/);
    expect(declarationsOf(stylesCss, '.stat-row-sizer').join(';')).toMatch(/visibility:\s*hidden/);
  });
});
