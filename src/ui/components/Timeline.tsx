// The run's timeline: simulated time from zero to the furthest moment reached (a lesson's whole
// length), one lane of markers per kind (faults, the person's actions, the lesson's steps,
// elections, fencing, ISR changes, data loss, checks) with filters, and rewind: drag or click the
// track, use the keyboard on it, or activate a marker, and the worker rebuilds that moment.
//
// Keyboard: the track is a slider (arrows ±1 s, Shift+arrows ±0.1 s, Page Up/Down ±10 s, Home, End;
// the moment is rebuilt once the keys rest, or at once with Enter). Each lane is one tab stop whose
// markers are walked with the arrow keys (a roving tabindex); a marker says what it was when hovered
// or focused, and Enter takes the run to it.
//
// Never: simulates, or holds the run's state: the worker does both; this draws frames and sends SEEK.
// Marker text is shown as text, never as HTML.

import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { formatClock } from '../../engine/sim/time';
import type { TimelineFrame } from '../../worker/host';
import { MARKER_KINDS, type MarkerKind, type TimelineMarker } from '../../worker/timeline';
import { digitsAsZeros, StableText } from './StableText';
import './timeline.css';

interface Props {
  readonly timeline: TimelineFrame;
  readonly markers: readonly TimelineMarker[];
  readonly nowUs: number;
  /** A lesson's length; free play has none and its timeline grows in steps. */
  readonly durationUs: number | null;
  readonly ready: boolean;
  readonly onSeek: (atUs: number) => void;
}

const KIND_INFO: Record<MarkerKind, { readonly label: string; readonly glyph: string }> = {
  fault: { label: 'Faults', glyph: '✕' },
  you: { label: 'Your actions', glyph: '●' },
  lesson: { label: 'Lesson steps', glyph: '◆' },
  election: { label: 'Elections', glyph: '★' },
  fencing: { label: 'Fencing', glyph: '■' },
  isr: { label: 'ISR changes', glyph: '▼' },
  loss: { label: 'Data loss', glyph: '!' },
  check: { label: 'Checks', glyph: '✓' },
};

/** Kinds shown until the person changes the filters: checks are many and have their own panel. */
const SHOWN_AT_FIRST: ReadonlySet<MarkerKind> = new Set(MARKER_KINDS.filter((kind) => kind !== 'check'));

const SECOND_US = 1_000_000;
/** Spans a free run's timeline grows through, so marker positions change rarely. */
const SPAN_STEPS_US = [10, 30, 60, 120, 300, 600, 1_200, 1_800, 3_600, 7_200].map((seconds) => seconds * SECOND_US);
/** Keys resting this long rebuild the moment they chose. */
const KEY_SETTLE_MS = 400;

function spanFor(headUs: number, durationUs: number | null): number {
  if (durationUs !== null) return Math.max(durationUs, headUs, 1);
  return SPAN_STEPS_US.find((span) => span >= headUs) ?? Math.ceil(headUs / (3_600 * SECOND_US)) * 3_600 * SECOND_US;
}

const percent = (atUs: number, spanUs: number): string => `${Math.min(100, (atUs / spanUs) * 100)}%`;

export function Timeline({ timeline, markers, nowUs, durationUs, ready, onSeek }: Props) {
  const { headUs, rewound, rebuilding, branched } = timeline;
  const spanUs = spanFor(headUs, durationUs);
  const [shown, setShown] = useState<ReadonlySet<MarkerKind>>(SHOWN_AT_FIRST);
  /** Where a drag or the keys point, before the worker shows it. */
  const [previewUs, setPreviewUs] = useState<number | null>(null);
  const trackRef = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);
  const keyTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (keyTimer.current !== null && clearTimeout(keyTimer.current)), []);

  const clamp = useCallback((atUs: number) => Math.max(0, Math.min(headUs, Math.round(atUs))), [headUs]);
  const commit = useCallback(
    (atUs: number) => {
      if (keyTimer.current !== null) clearTimeout(keyTimer.current);
      keyTimer.current = null;
      setPreviewUs(null);
      onSeek(clamp(atUs));
    },
    [clamp, onSeek],
  );

  const timeAt = (clientX: number): number => {
    const rect = trackRef.current!.getBoundingClientRect();
    const fraction = Math.max(0, Math.min(1, (clientX - rect.left) / rect.width));
    const atUs = fraction * spanUs;
    // Near the furthest moment, snap to it exactly (it may lie between two events at one time).
    if (Math.abs(atUs - headUs) < spanUs * 0.005) return headUs;
    return clamp(Math.round(atUs / 1_000) * 1_000);
  };

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (!ready || event.button !== 0) return;
    dragging.current = true;
    event.currentTarget.setPointerCapture?.(event.pointerId);
    setPreviewUs(timeAt(event.clientX));
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (dragging.current) setPreviewUs(timeAt(event.clientX));
  };
  const onPointerUp = (event: PointerEvent<HTMLDivElement>) => {
    if (!dragging.current) return;
    dragging.current = false;
    commit(timeAt(event.clientX));
  };

  const shownUs = previewUs ?? rebuilding?.targetUs ?? nowUs;
  const onTrackKey = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!ready) return;
    const stepUs = event.shiftKey ? SECOND_US / 10 : SECOND_US;
    const moves: Record<string, number> = {
      ArrowLeft: shownUs - stepUs,
      ArrowDown: shownUs - stepUs,
      ArrowRight: shownUs + stepUs,
      ArrowUp: shownUs + stepUs,
      PageDown: shownUs - 10 * SECOND_US,
      PageUp: shownUs + 10 * SECOND_US,
      Home: 0,
      End: headUs,
    };
    if (event.key === 'Enter' && previewUs !== null) {
      event.preventDefault();
      commit(previewUs);
      return;
    }
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = clamp(target);
    setPreviewUs(next);
    if (keyTimer.current !== null) clearTimeout(keyTimer.current);
    keyTimer.current = setTimeout(() => commit(next), KEY_SETTLE_MS);
  };

  const counts = useMemo(() => {
    const byKind = new Map<MarkerKind, number>(MARKER_KINDS.map((kind) => [kind, 0]));
    for (const marker of markers) byKind.set(marker.kind, (byKind.get(marker.kind) ?? 0) + 1);
    return byKind;
  }, [markers]);
  const toggle = useCallback(
    (kind: MarkerKind) =>
      setShown((current) => {
        const next = new Set(current);
        if (next.has(kind)) next.delete(kind);
        else next.add(kind);
        return next;
      }),
    [],
  );
  // The lanes, the filters and the markers' seek keep their identity while a run plays (the head
  // moves every frame; markers arrive a few times a second), so the memoised parts below redraw
  // only when a marker arrives or the filters change, not on every frame (issue 7, item 9).
  const lanes = useMemo(() => MARKER_KINDS.filter((kind) => shown.has(kind) && (counts.get(kind) ?? 0) > 0), [shown, counts]);
  const latestCommit = useRef(commit);
  latestCommit.current = commit;
  const seekMarker = useCallback((atUs: number) => latestCommit.current(atUs), []);
  return (
    <section className="panel timeline" aria-label="Timeline" data-testid="timeline">
      <header className="panel-head">
        <h2>Timeline</h2>
        <Filters shown={shown} counts={counts} onToggle={toggle} />
      </header>

      <div className="tl-body">
        <div
          ref={trackRef}
          className={ready ? 'tl-track' : 'tl-track tl-disabled'}
          role="slider"
          tabIndex={0}
          aria-label="Moment shown: drag, click or use the arrow keys to rewind"
          aria-valuemin={0}
          aria-valuemax={headUs}
          aria-valuenow={shownUs}
          aria-valuetext={`${formatClock(shownUs)} of ${formatClock(headUs)} reached`}
          aria-disabled={!ready}
          data-testid="timeline-track"
          data-head-us={headUs}
          data-span-us={spanUs}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerCancel={() => {
            dragging.current = false;
            setPreviewUs(null);
          }}
          onKeyDown={onTrackKey}
        >
          <div className="tl-reached" style={{ width: percent(headUs, spanUs) }} />
          <div className="tl-past" style={{ width: percent(Math.min(nowUs, headUs), spanUs) }} />
          {rebuilding !== null && <div className="tl-rebuilt" style={{ width: percent(rebuilding.reachedUs, spanUs) }} />}
          <Ticks spanUs={spanUs} />
          {/* Placed by its margin in the track's grid, not positioned: see timeline.css. */}
          <div className={shownUs > spanUs * 0.85 ? 'tl-playhead tl-playhead-end' : 'tl-playhead'} style={{ marginLeft: `calc(${percent(shownUs, spanUs)} - 1px)` }} aria-hidden="true">
            <span className="tl-playhead-label">{formatClock(shownUs)}</span>
          </div>
        </div>
        <MarkerLanes kinds={lanes} markers={markers} spanUs={spanUs} futureAfterUs={rewound?.atUs ?? null} ready={ready} onSeek={seekMarker} />
        {lanes.length === 0 && <p className="empty tl-empty">No markers of the kinds shown yet.</p>}
      </div>

      {rebuilding !== null && (
        <div className="tl-status" role="status" data-testid="rebuilding">
          <span>Rebuilding the moment {formatClock(rebuilding.targetUs)}…</span>
          <div
            className="tl-progress"
            role="progressbar"
            aria-label="Rebuilding the earlier moment"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(progressOf(rebuilding) * 100)}
          >
            <div className="tl-progress-fill" style={{ width: `${progressOf(rebuilding) * 100}%` }} />
          </div>
        </div>
      )}
      {rebuilding === null && rewound !== null && (
        <div className="tl-status tl-rewound" role="status" data-testid="rewound">
          <p>
            <strong>Rewound to {formatClock(rewound.atUs)}</strong> of a run that reached {formatClock(headUs)}. Playing on, stepping or acting
            starts a new future from here
            {rewound.laterActionCount === 0
              ? '.'
              : `, and drops your ${rewound.laterActionCount === 1 ? 'action' : `${rewound.laterActionCount} actions`} after this moment: ${rewound.laterActions
                  .map((action) => `${action.text} at ${formatClock(action.atUs)}`)
                  .join('; ')}${rewound.laterActionCount > rewound.laterActions.length ? '; …' : ''}.`}
          </p>
          <button type="button" className="btn btn-small" onClick={() => commit(headUs)} disabled={!ready} data-testid="timeline-return">
            Back to {formatClock(headUs)}
          </button>
        </div>
      )}
      {rebuilding === null && rewound === null && branched !== null && (
        <p className="tl-status tl-branched" role="status" data-testid="branched">
          A new future from {formatClock(branched.atUs)}:{' '}
          {branched.droppedActions === 0
            ? 'nothing you did later was dropped.'
            : `${branched.droppedActions} later action${branched.droppedActions === 1 ? ' was' : 's were'} dropped.`}
        </p>
      )}
    </section>
  );
}

function progressOf(rebuilding: NonNullable<TimelineFrame['rebuilding']>): number {
  return rebuilding.targetUs === 0 ? 1 : Math.min(1, rebuilding.reachedUs / rebuilding.targetUs);
}

/**
 * The filter per kind, with its count: redrawn when a count or a filter changes. The count changes
 * with each new marker of its kind while a run plays, and as text in a flex item it laid the page
 * out from the document; drawn over a copy of itself (StableText, perf.css's `.stable-text`), a new
 * count lays out its own box unless it gains a digit (issue 7, item 9).
 */
const Filters = memo(function Filters({
  shown,
  counts,
  onToggle,
}: {
  shown: ReadonlySet<MarkerKind>;
  counts: ReadonlyMap<MarkerKind, number>;
  onToggle: (kind: MarkerKind) => void;
}) {
  return (
    <fieldset className="tl-filters">
      <legend className="sr-only">Show markers of these kinds</legend>
      {MARKER_KINDS.map((kind) => (
        <label key={kind} className={`tl-filter tl-kind-${kind}`}>
          <input type="checkbox" checked={shown.has(kind)} onChange={() => onToggle(kind)} />
          <span className="tl-glyph" aria-hidden="true">
            {KIND_INFO[kind].glyph}
          </span>
          {KIND_INFO[kind].label}{' '}
          <span className="muted">
            <StableText text={`(${counts.get(kind) ?? 0})`} template={digitsAsZeros(`(${counts.get(kind) ?? 0})`)} />
          </span>
        </label>
      ))}
    </fieldset>
  );
});

const Ticks = memo(function Ticks({ spanUs }: { spanUs: number }) {
  const seconds = spanUs / SECOND_US;
  const everyS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600].find((step) => seconds / step <= 10) ?? 7_200;
  const ticks: number[] = [];
  for (let atS = 0; atS <= seconds; atS += everyS) ticks.push(atS * SECOND_US);
  return (
    <div className="tl-ticks" aria-hidden="true">
      {ticks.map((atUs) => (
        <span key={atUs} className="tl-tick" style={{ left: percent(atUs, spanUs) }}>
          {formatClock(atUs).replace(/\.000$/, '')}
        </span>
      ))}
    </div>
  );
});

interface LanesProps {
  readonly kinds: readonly MarkerKind[];
  readonly markers: readonly TimelineMarker[];
  readonly spanUs: number;
  /** While rewound: markers after this moment belong to the future that a branch would drop. */
  readonly futureAfterUs: number | null;
  readonly ready: boolean;
  readonly onSeek: (atUs: number) => void;
}

/** Redrawn only when the markers, the span, the filters or the moment shown change, not per frame of a run. */
const MarkerLanes = memo(function MarkerLanes({ kinds, markers, spanUs, futureAfterUs, ready, onSeek }: LanesProps) {
  const [hovered, setHovered] = useState<TimelineMarker | null>(null);
  return (
    <div className="tl-lanes">
      {kinds.map((kind) => (
        <Lane
          key={kind}
          kind={kind}
          markers={markers.filter((marker) => marker.kind === kind).sort((a, b) => a.atUs - b.atUs || a.id - b.id)}
          spanUs={spanUs}
          futureAfterUs={futureAfterUs}
          ready={ready}
          onSeek={onSeek}
          onHover={setHovered}
        />
      ))}
      {hovered !== null && (
        <div className="tl-tip" role="tooltip" id="tl-tip" style={{ left: percent(hovered.atUs, spanUs) }} data-testid="timeline-tip">
          <time>{formatClock(hovered.atUs)}</time> <strong>{KIND_INFO[hovered.kind].label}</strong>
          <p>{hovered.text}</p>
        </div>
      )}
    </div>
  );
});

interface LaneProps {
  readonly kind: MarkerKind;
  readonly markers: readonly TimelineMarker[];
  readonly spanUs: number;
  readonly futureAfterUs: number | null;
  readonly ready: boolean;
  readonly onSeek: (atUs: number) => void;
  readonly onHover: (marker: TimelineMarker | null) => void;
}

function Lane({ kind, markers, spanUs, futureAfterUs, ready, onSeek, onHover }: LaneProps) {
  const [active, setActive] = useState(0);
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const activeIndex = Math.min(active, markers.length - 1);
  const onKey = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const next = event.key === 'ArrowRight' ? index + 1 : event.key === 'ArrowLeft' ? index - 1 : event.key === 'Home' ? 0 : event.key === 'End' ? markers.length - 1 : null;
    if (next === null) return;
    event.preventDefault();
    const target = Math.max(0, Math.min(markers.length - 1, next));
    setActive(target);
    buttons.current[target]?.focus();
  };
  return (
    <div className={`tl-lane tl-kind-${kind}`} role="group" aria-label={`${KIND_INFO[kind].label}: ${markers.length}; arrow keys move between them, Enter goes to one`}>
      <span className="tl-lane-label" aria-hidden="true">
        {KIND_INFO[kind].label}
      </span>
      <div className="tl-lane-track">
        {markers.map((marker, index) => {
          const glyph = marker.kind === 'check' && marker.passed === false ? '✗' : KIND_INFO[kind].glyph;
          const future = futureAfterUs !== null && marker.atUs > futureAfterUs;
          return (
            <button
              key={marker.id}
              ref={(element) => void (buttons.current[index] = element)}
              type="button"
              className={`tl-marker${future ? ' tl-future' : ''}${marker.kind === 'check' && marker.passed === false ? ' tl-failed' : ''}`}
              style={{ left: percent(marker.atUs, spanUs) }}
              tabIndex={index === activeIndex ? 0 : -1}
              disabled={!ready}
              aria-label={`${formatClock(marker.atUs)}, ${KIND_INFO[kind].label.toLowerCase()}${future ? ' (after the moment shown)' : ''}: ${marker.text}`}
              aria-describedby="tl-tip"
              data-testid="timeline-marker"
              data-kind={marker.kind}
              data-at-us={marker.atUs}
              onMouseEnter={() => onHover(marker)}
              onMouseLeave={() => onHover(null)}
              onFocus={() => {
                setActive(index);
                onHover(marker);
              }}
              onBlur={() => onHover(null)}
              onKeyDown={(event) => onKey(event, index)}
              onClick={() => onSeek(marker.atUs)}
            >
              {glyph}
            </button>
          );
        })}
      </div>
    </div>
  );
}
