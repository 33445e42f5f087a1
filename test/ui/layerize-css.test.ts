// What keeps Chromium from re-layerizing the whole page in every playing frame (issue 7, item 9;
// docs/architecture.md, "what asks for full layerizations, found"): probes on the large-cluster
// page found three kinds of paint layer that change while a run plays and ask for a full
// layerization (~4 ms) whenever they do. These read the style sheets as text, so a rule brought
// back (a layer with style or paint containment, a size as a layer of its own, a positioned fill or
// playhead) fails here rather than only in a trace.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { declarationsOf } from './css-rules';

const perfCss = readFileSync('src/ui/perf.css', 'utf8');
const timelineCss = readFileSync('src/ui/components/timeline.css', 'utf8');
const stylesCss = readFileSync('src/ui/styles.css', 'utf8');
const sessionsMenu = readFileSync('src/ui/components/SessionsMenu.tsx', 'utf8');

function containOf(css: string, selector: string): string[] {
  return declarationsOf(css, selector).flatMap((body) => [...body.matchAll(/(?:^|;)\s*contain:\s*([^;]+)/g)].map((match) => match[1]!.trim()));
}

describe('layers that change while playing', () => {
  it('keep layout containment without style or paint containment (those give isolation nodes)', () => {
    for (const selector of ['.card-figures dd', '.card-broker .card-figures dd', '.tl-track', '.lesson-progress', '.card .stat-row']) {
      const values = containOf(perfCss, selector);
      expect(values, selector).not.toEqual([]);
      for (const value of values) {
        expect(value.split(/\s+/), selector).toContain('layout');
        expect(value.split(/\s+/), selector).not.toContain('style');
        expect(value.split(/\s+/), selector).not.toContain('paint');
      }
    }
  });

  it('a card size is not a layer of its own: its box changes width with its text', () => {
    expect(containOf(perfCss, '.card .stat-row > span')).toEqual([]);
  });

  it("the timeline's fills and playhead are not positioned: a positioned box is a layer, and they move every frame", () => {
    for (const selector of ['.tl-reached', '.tl-past', '.tl-playhead', '.tl-playhead-label']) {
      const bodies = declarationsOf(timelineCss, selector);
      expect(bodies, selector).not.toEqual([]);
      for (const body of bodies) expect(body, selector).not.toMatch(/position:\s*(absolute|relative|fixed|sticky)/);
    }
  });

  it("the save status holds the width of its longest text, so its flips move nothing", () => {
    const texts = [...sessionsMenu.matchAll(/^\s+(?:saving|saved|failed|off): '([^']+)',$/gm)].map((match) => match[1]!);
    expect(texts.length).toBe(4);
    const longest = texts.reduce((a, b) => (b.length > a.length ? b : a));
    const after = declarationsOf(stylesCss, '.save-status::after').join(';');
    expect(after).toContain(`content: '${longest}'`);
    expect(after).toMatch(/height:\s*0/);
    expect(after).toMatch(/visibility:\s*hidden/);
  });

  it("the save status's text layer paints a box wider than its longest text, so a flip keeps its paint chunk's bounds", () => {
    // A layer's chunk is bounded by what it draws: with the text alone, each flip changed the bounds
    // and asked for a full layerization. The box reaches into the pill's padding, in its colour.
    const body = declarationsOf(perfCss, '.save-status-text').join(';');
    expect(body).toMatch(/background-color:\s*inherit/);
    const inset = Number(/margin:\s*0 -(\d+)px/.exec(body)?.[1]);
    expect(body).toMatch(new RegExp(`padding:\\s*0 ${inset}px`));
    const pillPadding = Number(/padding:\s*\d+px (\d+)px/.exec(declarationsOf(stylesCss, '.save-status').join(';'))?.[1]);
    expect(inset).toBeGreaterThan(0);
    expect(inset).toBeLessThanOrEqual(pillPadding);
  });

  it("the clock's lines paint the top bar's background over a box wider than their text, so a new time keeps their chunks' bounds", () => {
    // Each line is a layer (layout containment) whose chunk was bounded by its text's ink, which
    // differs from one digit to the next: about a third of the clock's changes asked for a full
    // layerization. The box reaches past the text on both sides, in the top bar's own colour.
    const body = declarationsOf(perfCss, '.clock-sub').join(';');
    expect(declarationsOf(perfCss, '.clock-time').join(';')).toBe(body);
    const barBackground = /background:\s*([^;]+)/.exec(declarationsOf(stylesCss, '.topbar').join(';'))?.[1]?.trim();
    expect(barBackground).toBeDefined();
    expect(body).toContain(`background-color: ${barBackground}`);
    const inset = Number(/margin:\s*0 -(\d+)px/.exec(body)?.[1]);
    expect(inset).toBeGreaterThan(0);
    expect(body).toMatch(new RegExp(`padding:\\s*0 ${inset}px`));
    expect(containOf(perfCss, '.clock-time')).toEqual(['size layout']);
  });
});
