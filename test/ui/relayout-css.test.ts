// What stops each change of a playing frame at a relayout boundary (issue 7, item 9;
// docs/architecture.md, "every playing frame's Layout rooted below the document"). Chromium lays a
// frame out from the document as soon as one change reaches it, so every box below must stay a
// boundary: size and layout containment (LayoutObject's ObjectIsRelayoutBoundary), on a block that is
// neither a flex nor a grid item, with a size that does not come from its text. These read the style
// sheets and markup as text, so a rule dropped or a wrapper removed fails here rather than only in
// `bench/layout-roots.ts`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { declarationsOf } from './css-rules';
import { LIVE_ROWS_MAX } from '../../src/ui/components/EventLog';

const perfCss = readFileSync('src/ui/perf.css', 'utf8');
const stylesCss = readFileSync('src/ui/styles.css', 'utf8');
const app = readFileSync('src/ui/App.tsx', 'utf8');
const sessionsMenu = readFileSync('src/ui/components/SessionsMenu.tsx', 'utf8');

function containOf(css: string, selector: string): string[][] {
  return declarationsOf(css, selector).flatMap((body) => [...body.matchAll(/(?:^|;)\s*contain:\s*([^;]+)/g)].map((match) => match[1]!.trim().split(/\s+/)));
}

/** perf.css makes `selector` a relayout boundary: size and layout containment, without style or paint (isolation nodes ask for full layerizations). */
function expectBoundary(selector: string): void {
  const values = containOf(perfCss, selector);
  expect(values, selector).not.toEqual([]);
  for (const value of values) {
    expect(value, selector).toEqual(expect.arrayContaining(['size', 'layout']));
    expect(value, selector).not.toContain('style');
    expect(value, selector).not.toContain('paint');
  }
}

/** The smallest height of an event log row: 5 px padding above and below, a 12.5 px line (~15 px), a 1 px border. */
const LOG_ROW_HEIGHT_MIN_PX = 26;

const SIDEBAR_BOX = '.sidebar:not(.sidebar-inspecting) > .sidebar-box:has(> .log-full)';
const eventLog = readFileSync('src/ui/components/EventLog.tsx', 'utf8');

describe('relayout boundaries outside the topology', () => {
  it('each is a boundary: size and layout containment, without style or paint (isolation nodes ask for full layerizations)', () => {
    for (const selector of ['.clock-time', '.clock-sub', '.topology .react-flow__renderer', '.save-status-text', SIDEBAR_BOX]) expectBoundary(selector);
  });

  it("the clock's lines are one line high, and the clock spans its column (its intrinsic width is gone)", () => {
    for (const selector of ['.clock-time', '.clock-sub']) {
      const body = declarationsOf(perfCss, selector).join(';');
      expect(body, selector).toMatch(/height:\s*1lh/);
      expect(body, selector).toMatch(/white-space:\s*nowrap/);
    }
    expect(declarationsOf(perfCss, '.topbar > .clock').join(';')).toMatch(/justify-self:\s*stretch/);
  });

  it("the sidebar's panels sit in a box of their own, the flex container, since the sidebar is a grid item", () => {
    expect(app).toMatch(/<aside className=\{[^}]*'sidebar'[^}]*\}>\s*(\{\/\*[\s\S]*?\*\/\}\s*)?<div className="sidebar-box">/);
    const sidebar = declarationsOf(stylesCss, '.sidebar').join(';');
    expect(sidebar).not.toMatch(/display:\s*flex/);
    expect(sidebar).not.toMatch(/max-height/);
    const box = declarationsOf(stylesCss, '.sidebar-box').join(';');
    expect(box).toMatch(/display:\s*flex/);
    expect(box).toMatch(/max-height:\s*calc\(100vh - 96px\)/);
  });

  it('the sidebar holds its height only when the log surely fills it, and a playing run reaches that many rows', () => {
    // EventLog marks itself full once it draws LIVE_ROWS_MAX rows (a playing run draws that many).
    expect(eventLog).toMatch(/const full = newestFirst\.length >= LIVE_ROWS_MAX;/);
    expect(eventLog).toMatch(/className=\{full \? 'panel log log-full' : 'panel log'\}/);
    // That many rows are taller than the sidebar's max-height (100vh - 96px) on a 2560x1440 screen.
    expect(LIVE_ROWS_MAX * LOG_ROW_HEIGHT_MIN_PX).toBeGreaterThan(1440 - 96);
    expect(declarationsOf(perfCss, SIDEBAR_BOX).join(';')).toMatch(/height:\s*calc\(100vh - 96px\)/);
  });

  it('no selector counts rows with :has() and nth-child: that restyled every row of the log at each arrival', () => {
    expect(perfCss.replace(/\/\*[\s\S]*?\*\//g, '')).not.toMatch(/:has\([^)]*nth-child/);
  });

  it("the save status's text is a block inside the pill (a flex item of the summary), one line high", () => {
    expect(sessionsMenu).toMatch(/<span className="save-status-text">\{STATUS_TEXT\[saving\.status\]\}<\/span>/);
    const body = declarationsOf(perfCss, '.save-status-text').join(';');
    expect(body).toMatch(/display:\s*block/);
    expect(body).toMatch(/height:\s*1lh/);
  });

  it('the footer (its trace hash changes every frame) is skipped away from the viewport, at its one-line height', () => {
    const body = declarationsOf(perfCss, '.footnote').join(';');
    expect(body).toMatch(/content-visibility:\s*auto/);
    expect(body).toMatch(/contain-intrinsic-size:\s*auto 36px/);
  });
});

const chartParts = readFileSync('src/ui/components/chart-parts.tsx', 'utf8');

describe("the charts' tables for screen readers: each rebuild stops at a boundary of its own (nineteenth session)", () => {
  it('the box holding a table is a boundary, placed at the corner of its figure rather than at its static place', () => {
    expectBoundary('.chart > .chart-table-box');
    const body = declarationsOf(perfCss, '.chart > .chart-table-box').join(';');
    // An absolutely positioned box left at its static place (left and top auto) is never a relayout boundary.
    expect(body).toMatch(/top:\s*0/);
    expect(body).toMatch(/left:\s*0/);
    // Its containing block is the figure, so the box stays inside the chart, 1 px and clipped as before.
    expect(declarationsOf(stylesCss, '.chart').join(';')).toMatch(/position:\s*relative/);
    const hidden = declarationsOf(stylesCss, '.visually-hidden').join(';');
    for (const rule of [/position:\s*absolute/, /width:\s*1px/, /height:\s*1px/, /overflow:\s*hidden/, /clip:\s*rect\(0 0 0 0\)/]) expect(hidden).toMatch(rule);
    // The table's wrapper, a child of the figure (MetricsPanel's and CompareCharts' charts), carries the class.
    expect(chartParts).toMatch(/<div className="visually-hidden chart-table-box">\s*<table data-testid=\{testId\}>/);
  });
});

const quorumPanel = readFileSync('src/ui/components/QuorumPanel.tsx', 'utf8');
const metadataLogPanel = readFileSync('src/ui/components/MetadataLogPanel.tsx', 'utf8');

describe('the KRaft row: what a refresh changes stops at a boundary of its own (sixteenth session)', () => {
  it("the metadata log's list and each voter's log bar are boundaries: fixed heights, widths their block's", () => {
    for (const selector of ['.quorum .logbar', '.mlog-frame > .mlog-list']) expectBoundary(selector);
    expect(declarationsOf(stylesCss, '.mlog-list').join(';')).toMatch(/height:\s*280px/);
    expect(declarationsOf(stylesCss, '.logbar').join(';')).toMatch(/height:\s*10px/);
    // The panel is a flex column (a flex item is never a boundary): the list sits in a block of its own.
    expect(declarationsOf(stylesCss, '.mlog').join(';')).toMatch(/display:\s*flex/);
    expect(metadataLogPanel).toMatch(/<div className="mlog-frame">\s*<MlogList /);
    expect(metadataLogPanel).toMatch(/<div ref=\{scroller\} className="mlog-list"/);
  });

  it("the log's figures, the quorum's high watermark and a follower's detail line are one line high, from 1101 px", () => {
    const wide = perfCss.slice(perfCss.indexOf('@media (min-width: 1101px) {\n  .mlog .figures dd'));
    for (const selector of ['.mlog .figures dd', '.quorum .quorum-hw', '.voter-detail-fetched']) {
      const body = declarationsOf(wide, selector).join(';');
      expect(body, selector).toMatch(/contain:\s*size layout/);
      expect(body, selector).toMatch(/height:\s*1lh/);
      expect(body, selector).toMatch(/white-space:\s*nowrap/);
    }
    expect(quorumPanel).toMatch(/<dd className="quorum-hw">\{quorum\.highWatermark\}<\/dd>/);
    expect(quorumPanel).toMatch(/fetched \? 'voter-detail voter-detail-fetched' : 'voter-detail'/);
  });

  it('the text over its copy is the boundary: absolutely positioned over the copy, which keeps the box its size', () => {
    const text = declarationsOf(stylesCss, '.stable-text').join(';');
    expect(text).toMatch(/position:\s*absolute/);
    expect(text).toMatch(/inset:\s*0/);
    expectBoundary('.stable-text');
    const box = declarationsOf(stylesCss, '.stable').join(';');
    expect(box).toMatch(/display:\s*block/);
    expect(box).toMatch(/position:\s*relative/);
    // Tabular figures: every digit as wide as a zero, so the copy is exactly as wide as the text.
    expect(box).toMatch(/font-variant-numeric:\s*tabular-nums/);
    expect(declarationsOf(stylesCss, '.stable-sizer').join(';')).toMatch(/visibility:\s*hidden/);
    // The legend's `.qlegend span` (inline flex) must not win over them.
    for (const selector of ['.qlegend span.stable', '.qlegend span.stable-sizer', '.qlegend span.stable-text']) expect(declarationsOf(stylesCss, selector), selector).not.toEqual([]);
  });
});

const timelineCss = readFileSync('src/ui/components/timeline.css', 'utf8');
const timelineTsx = readFileSync('src/ui/components/Timeline.tsx', 'utf8');

describe("the timeline's markers and filter counts stop at a boundary of their own (nineteenth session)", () => {
  it("a lane's track is a boundary: a block of its lane's fixed height, its markers in-flow grid items in its one cell", () => {
    expectBoundary('.tl-lane-track');
    const track = declarationsOf(timelineCss, '.tl-lane-track').join(';');
    expect(track).toMatch(/display:\s*grid/);
    expect(track).toMatch(/grid-template:\s*100% \/ 100%/);
    expect(track).toMatch(/height:\s*100%/);
    expect(declarationsOf(timelineCss, '.tl-lane').join(';')).toMatch(/height:\s*20px/);
    // An absolutely positioned marker added to the track still laid the page out from the document.
    const marker = declarationsOf(timelineCss, '.tl-marker').join(';');
    expect(marker).not.toMatch(/position:\s*absolute/);
    expect(marker).toMatch(/position:\s*relative/);
    expect(marker).toMatch(/grid-area:\s*1 \/ 1/);
    expect(marker).toMatch(/justify-self:\s*start/);
    expect(marker).toMatch(/align-self:\s*start/);
    // Placed by `left`, a percentage of the cell's width as it was of the track's.
    expect(timelineTsx).toMatch(/className=\{`tl-marker[^`]*`\}\s*style=\{\{ left: percent\(marker\.atUs, spanUs\) \}\}/);
  });

  it("each filter's count is drawn over a copy of itself whose digits are zeros", () => {
    expect(timelineTsx).toMatch(/<span className="muted">\s*<StableText text=\{`\(\$\{counts\.get\(kind\) \?\? 0\}\)`\} template=\{digitsAsZeros\(`\(\$\{counts\.get\(kind\) \?\? 0\}\)`\)\} \/>\s*<\/span>/);
  });
});
