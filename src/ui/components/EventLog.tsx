import { memo, useRef } from 'react';
import type { TraceEntry } from '../../engine/api';
import { formatClock } from '../../engine/sim/time';
import { useLiveWindow } from '../use-live-window';

interface Props {
  readonly log: readonly TraceEntry[];
  readonly trace: readonly TraceEntry[];
  /** Messages and timers shown too (the worker's frames carry the raw trace only then: the page asks for it). */
  readonly showMessages: boolean;
  readonly onShowMessages: (shown: boolean) => void;
  /** The run plays: only the newest LIVE_ROWS_MAX entries are drawn, the rest when it pauses. */
  readonly live?: boolean;
}

/**
 * Entries drawn at most while the run plays (the page keeps up to LOG_ENTRIES_MAX, 500). Entries
 * arrive at the top, so while playing a reader sees the newest; every drawn row costs the page in
 * each frame (bench/page.ts at 10x, docs/architecture.md), so older ones are drawn on pause, to be
 * scrolled through then.
 */
export const LIVE_ROWS_MAX = 100;

/** The shortest row (one line: padding, text and its border), perf.css's and styles.css's figures. */
export const ROW_MIN_PX = 26;

/**
 * Rows the windowed log draws to fill a view `viewPx` high: as many one-line rows as fit, one more
 * for the row cut at the bottom, never more than there are. Rows are one to three lines, so the
 * window is always full and usually holds fewer lines than rows.
 */
export function windowRows(viewPx: number, rows: number): number {
  if (!(viewPx > 0)) return 0;
  return Math.min(rows, Math.ceil(viewPx / ROW_MIN_PX) + 1);
}

function describe(entry: TraceEntry): string {
  switch (entry.kind) {
    case 'deliver':
      return `${entry.peer} → ${entry.process}: ${entry.label}`;
    case 'timer':
      return `${entry.process}: timer ${entry.label}`;
    case 'drop':
      return `${entry.label} from ${entry.peer} to ${entry.process} dropped`;
    default:
      return entry.label;
  }
}

/**
 * Notable events, newest first; optionally every message and timer as well.
 *
 * Windowed while it plays with the list full and no one at it (issue 7, docs/architecture.md,
 * "Rendering budget: the event log windowed"): an arrival then moved all LIVE_ROWS_MAX rows, each a
 * `content-visibility: auto` chunk (perf.css), and changed the list's scroll extent, and each of
 * those made Chromium re-layerize the whole page. Windowed, the list draws only the rows its view
 * shows, in a box of the view's height that is a layer of its own (its rows' moves repaint the
 * layer, nothing else), over a spacer that keeps the scroll extent the full list had when measured.
 * A pointer over the list, focus in it, a touch or a scroll away from the top draws every row again
 * (as before), so reading, scrolling and the keyboard meet the full list; so does a pause.
 */
export function EventLog({ log, trace, showMessages, onShowMessages, live = false }: Props) {
  const entries = showMessages ? mergeByTime(log, trace) : log;
  const newestFirst = entries.slice(live ? Math.max(0, entries.length - LIVE_ROWS_MAX) : 0).reverse();
  const notDrawn = entries.length - newestFirst.length;
  // Drawing LIVE_ROWS_MAX rows or more, the log surely fills the sidebar: perf.css then holds the
  // sidebar's height (a relayout boundary). A class, not a row count in a selector: `:has()` over
  // `nth-child` restyled every row at each arrival.
  const full = newestFirst.length >= LIVE_ROWS_MAX;
  const listRef = useRef<HTMLOListElement>(null);
  // Measured again when the toggle changes what the list holds.
  const { viewPx, spacerPx, handlers } = useLiveWindow(listRef, live && full, showMessages);
  const rows = viewPx === null ? newestFirst : newestFirst.slice(0, windowRows(viewPx, newestFirst.length));
  const rowItems = rows.map((entry) => <LogRow key={`${entry.kind}-${entry.index}`} entry={entry} />);
  return (
    <section className={full ? 'panel log log-full' : 'panel log'} aria-label="Event log">
      <header className="panel-head">
        <h2>Events</h2>
        <MessagesToggle checked={showMessages} onChange={onShowMessages} />
      </header>
      {newestFirst.length === 0 ? (
        <p className="empty">Nothing has happened yet. Press Play to start the cluster.</p>
      ) : (
        <ol
          ref={listRef}
          className="log-list"
          data-testid="event-log"
          tabIndex={0}
          aria-label="Events, newest first"
          {...handlers}
        >
          {viewPx === null || spacerPx === null ? (
            rowItems
          ) : (
            <>
              <li className="log-window" role="none" style={{ height: viewPx }}>
                <ol role="none">{rowItems}</ol>
              </li>
              <li className="log-spacer" role="none" aria-hidden="true" style={{ height: spacerPx }} />
            </>
          )}
          {viewPx === null && notDrawn > 0 && (
            <li className="log-more" data-testid="event-log-not-drawn">
              ⋯ {notDrawn} older {notDrawn === 1 ? 'event' : 'events'}: pause to scroll through them
            </li>
          )}
        </ol>
      )}
    </section>
  );
}

/**
 * The "messages & timers" switch, memoised on its value and (stable) handler: the log renders in
 * every frame, and React's update of a checkbox resets its name and type each time it is diffed,
 * three DOM mutation records per frame for a switch that did not change.
 */
const MessagesToggle = memo(function MessagesToggle({ checked, onChange }: { checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <label className="toggle">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      messages &amp; timers
    </label>
  );
});

/** One entry; memoised on it (the page keeps entries' objects across frames), so each frame draws only the new ones. */
const LogRow = memo(function LogRow({ entry }: { entry: TraceEntry }) {
  return (
    <li className={`log-${entry.kind}`}>
      <time>{formatClock(entry.timeUs)}</time>
      <span>{describe(entry)}</span>
    </li>
  );
});

/** Kinds that only the raw trace carries; the others are already in the notable log. */
const RAW_ONLY = new Set<TraceEntry['kind']>(['deliver', 'timer', 'drop']);

/** Notable and raw entries come from two rings with their own indices; order them by time. */
function mergeByTime(log: readonly TraceEntry[], trace: readonly TraceEntry[]): TraceEntry[] {
  const raw = trace.filter((entry) => RAW_ONLY.has(entry.kind));
  return [...log, ...raw].sort((a, b) => a.timeUs - b.timeUs);
}
