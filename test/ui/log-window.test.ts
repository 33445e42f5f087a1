// The event log windowed while it plays (EventLog.tsx, issue 7): how many rows fill the view, and
// that the markup before any measurement (React's server renderer: no layout) is the full list.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../src/engine/api';
import { EventLog, LIVE_ROWS_MAX, ROW_MIN_PX, windowRows } from '../../src/ui/components/EventLog';

describe('windowRows', () => {
  it('draws as many one-line rows as the view holds, plus the one cut at its bottom', () => {
    expect(windowRows(ROW_MIN_PX * 10, 100)).toBe(11);
    expect(windowRows(ROW_MIN_PX * 10 + 1, 100)).toBe(12);
    expect(windowRows(141, 100)).toBe(7);
    expect(windowRows(579, 100)).toBe(24);
  });

  it('never draws more rows than there are, and none for a view with no height', () => {
    expect(windowRows(5_000, LIVE_ROWS_MAX)).toBe(LIVE_ROWS_MAX);
    expect(windowRows(0, 100)).toBe(0);
    expect(windowRows(-5, 100)).toBe(0);
    expect(windowRows(Number.NaN, 100)).toBe(0);
  });

  it('fills the view even when every drawn row has the shortest height', () => {
    for (const view of [1, 25, 26, 27, 141, 535, 579, 1_300]) {
      expect(windowRows(view, 1_000) * ROW_MIN_PX).toBeGreaterThanOrEqual(view + ROW_MIN_PX);
    }
  });
});

describe('the event log before it is measured', () => {
  const notes = Array.from({ length: LIVE_ROWS_MAX + 5 }, (_, index) => ({ index, timeUs: index * 1_000, kind: 'note', process: null, peer: null, label: `event number ${index}` }) as TraceEntry);
  it('draws the full list, with no window or spacer, playing or paused', () => {
    for (const live of [true, false]) {
      const markup = renderToStaticMarkup(createElement(EventLog, { log: notes, trace: [], showMessages: false, onShowMessages: () => {}, live }));
      expect(markup).not.toContain('log-window');
      expect(markup).not.toContain('log-spacer');
      expect(markup.split('<li class="log-note"').length - 1).toBe(live ? LIVE_ROWS_MAX : LIVE_ROWS_MAX + 5);
    }
  });
});
