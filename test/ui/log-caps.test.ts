// The event log and the metadata log draw only their newest rows while the run plays, and every
// row once it pauses (EventLog's LIVE_ROWS_MAX, MetadataLogPanel's live cap): rendered to markup
// with React's server renderer, which runs the components without a browser.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { MetadataLogEntry, TraceEntry } from '../../src/engine/api';
import { EventLog, LIVE_ROWS_MAX } from '../../src/ui/components/EventLog';
import { MetadataLogPanel, rowsDrawnMax } from '../../src/ui/components/MetadataLogPanel';
import type { Quorum, SeenLog } from '../../src/ui/kraft';

function notes(count: number): TraceEntry[] {
  return Array.from({ length: count }, (_, index) => ({ index, timeUs: index * 1_000, kind: 'note', process: null, peer: null, label: `event number ${index}` }) as TraceEntry);
}

function eventLog(count: number, live: boolean): string {
  return renderToStaticMarkup(createElement(EventLog, { log: notes(count), trace: [], showMessages: false, onShowMessages: () => {}, live }));
}

function occurrences(markup: string, text: string): number {
  return markup.split(text).length - 1;
}

describe('the event log while playing and paused', () => {
  it('draws the newest LIVE_ROWS_MAX entries while playing and says how many older ones a pause shows', () => {
    const markup = eventLog(LIVE_ROWS_MAX + 50, true);
    expect(occurrences(markup, '<li class="log-note"')).toBe(LIVE_ROWS_MAX);
    expect(markup).toContain(`event number ${LIVE_ROWS_MAX + 49}<`);
    expect(markup).toContain('event number 50<');
    expect(markup).not.toContain('event number 49<');
    expect(markup).toContain('50 older events: pause to scroll through them');
  });

  it('draws every entry when paused, and when there are no more than the cap', () => {
    const paused = eventLog(LIVE_ROWS_MAX + 50, false);
    expect(occurrences(paused, '<li class="log-note"')).toBe(LIVE_ROWS_MAX + 50);
    expect(paused).not.toContain('older events');
    const few = eventLog(LIVE_ROWS_MAX, true);
    expect(occurrences(few, '<li class="log-note"')).toBe(LIVE_ROWS_MAX);
    expect(few).not.toContain('older events');
  });
});

describe('the metadata log while playing and paused', () => {
  const entries: MetadataLogEntry[] = Array.from({ length: 100 }, (_, offset) => ({ offset, epoch: 1, text: `Topic topic-${offset}`, bytes: 100, committed: offset < 98 }));
  const log: SeenLog = { view: { source: 'controller-1', logStartOffset: 0, endOffset: 100, highWatermark: 98, snapshotEndOffset: null, entries }, entries };
  const quorum: Quorum = { voters: [], majority: 2, leader: null, epoch: 1, highWatermark: 98, logEndOffset: 100, active: null };
  const panel = (live: boolean) => renderToStaticMarkup(createElement(MetadataLogPanel, { log, quorum, live }));

  it('draws its newest rows while playing, the high watermark among them, and the rest when paused', () => {
    const playing = panel(true);
    const drawn = occurrences(playing, 'data-offset=');
    expect(drawn).toBeGreaterThan(30);
    expect(drawn).toBeLessThan(50);
    expect(playing).toContain('data-offset="99"');
    expect(playing).toContain('high watermark 98');
    expect(playing).toContain(`${100 - drawn} older records drawn when paused`);
    const paused = panel(false);
    expect(occurrences(paused, 'data-offset=')).toBe(100);
    expect(paused).toContain('data-offset="0"');
    expect(paused).not.toContain('older records');
  });

  it('draws fewer rows while playing away from the viewport (enough to fill its window), and all of them paused', () => {
    expect(rowsDrawnMax(true, false)).toBeLessThan(rowsDrawnMax(true, true));
    // The window (280 px) shows ~7 rows of 39 px: the away cap still fills it.
    expect(rowsDrawnMax(true, false)).toBeGreaterThanOrEqual(Math.ceil(280 / 39));
    expect(rowsDrawnMax(false, false)).toBe(rowsDrawnMax(false, true));
    expect(rowsDrawnMax(false, false)).toBeGreaterThan(rowsDrawnMax(true, true));
  });
});
