import { memo, useMemo, useRef } from 'react';
import type { MetadataLogEntry } from '../../engine/api';
import { Arrivals } from '../arrivals';
import type { Quorum, SeenLog } from '../kraft';
import { HELD_PHASE_MS, useHeldUnlessShown, useOnScreen } from '../use-held-while-hidden';
import { useLiveWindow } from '../use-live-window';

interface Props {
  readonly log: SeenLog;
  readonly quorum: Quorum;
  /** The run plays: off screen, the log may show records up to a second old (use-held-while-hidden.ts). */
  readonly live?: boolean;
}

/** Rows drawn at most (newest first) while paused; older records stay in memory, bounded, but off screen. */
const ROWS_MAX = 120;
/**
 * Rows drawn at most while the run plays. Rows arrive at the top, so while playing a reader sees
 * the newest few; the logs' rows were about half the page's main-thread time per frame at 10x
 * (bench/page.ts, docs/architecture.md), so the rest are drawn when the run pauses, to be scrolled
 * through then.
 */
const ROWS_LIVE_MAX = 40;
/**
 * Rows drawn at most while the run plays and the log is away from the viewport (held: a new value
 * about once a second). At 10x, while partitions change leaders and ISRs, each held turn brought
 * ~40 new rows, mounted and laid out in one frame (~500 layout objects, a frame of its own over
 * 16 ms), where the window (280 px) shows 7. Twelve fill the window; the log nears the viewport
 * (use-held-while-hidden.ts's margin) before it shows, and then draws ROWS_LIVE_MAX again. A screen
 * reader, which reads it off screen, gets the newest twelve rows, correct to the second, and a note
 * of how many more a pause draws.
 */
const ROWS_AWAY_MAX = 12;

/**
 * The rows drawn at most (records, runs of NoOps, the high watermark's line and gaps): 120 when
 * paused; while playing, 40, or 12 while away from the viewport.
 */
export function rowsDrawnMax(live: boolean, onScreen: boolean): number {
  return !live ? ROWS_MAX : onScreen ? ROWS_LIVE_MAX : ROWS_AWAY_MAX;
}

const RECORD_HELP: Record<string, string> = {
  LeaderChange: 'The first record of every epoch, written by its new leader. Once it is committed, that leader is the active controller.',
  RegisterBroker: 'A broker registered with the controller. Its broker epoch is this record’s offset; it starts fenced.',
  UnfenceBroker: 'The broker caught up with the metadata log: it is unfenced and may lead partitions.',
  FenceBroker: 'The broker is fenced: it sent no heartbeat within broker.session.timeout.ms, or its controlled shutdown finished.',
  BrokerRegistrationChange: 'The broker’s registration changed, for example it began a controlled shutdown.',
  Topic: 'A topic was created.',
  Partition: 'A partition was created, with its replicas and first leader.',
  PartitionChange: 'A partition’s leader or in-sync replicas changed.',
  Config: 'A configuration value was set.',
  NoOp: 'Written by the active controller when it has nothing else to write (metadata.max.idle.interval.ms), so everyone sees the log advance.',
};

type Row =
  | { readonly kind: 'record'; readonly key: string; readonly entry: MetadataLogEntry }
  | { readonly kind: 'noops'; readonly key: string; readonly first: number; readonly last: number; readonly epoch: number; readonly committed: boolean }
  | { readonly kind: 'gap'; readonly key: string; readonly from: number; readonly to: number }
  | { readonly kind: 'hw'; readonly key: string };

/**
 * A run of NoOps' key: its epoch and first offset, so it keeps its key while NoOps join it at the
 * top. A run that reaches the oldest entry the page holds keeps one key however the page trims that
 * end (kraft.ts keeps the newest METADATA_LOG_KEPT_MAX): keyed by its first offset, an idle log of
 * NoOps alone changed its one row's key with every NoOp, and the row, mounted again, highlighted
 * for ever. The epoch keeps a new leader's run apart from an old one's at the same offset.
 */
function noopKey(epoch: number, first: number, reachesOldest: boolean): string {
  return reachesOldest ? `noop-${epoch}-oldest` : `noop-${epoch}-${first}`;
}

/** Newest first; runs of NoOps folded into one row; the high watermark as a line between rows. */
export function rowsOf(entries: readonly MetadataLogEntry[], highWatermark: number, rowsMax: number): { rows: Row[]; notDrawn: number } {
  const rows: Row[] = [];
  let hwPlaced = false;
  let newer: MetadataLogEntry | null = null;
  let i = entries.length - 1;
  for (; i >= 0 && rows.length < rowsMax; i--) {
    const entry = entries[i]!;
    if (newer !== null && newer.offset - entry.offset > 1) {
      rows.push({ kind: 'gap', key: `gap-${entry.offset}`, from: entry.offset + 1, to: newer.offset - 1 });
    }
    if (!hwPlaced && entry.offset < highWatermark) {
      rows.push({ kind: 'hw', key: 'hw' });
      hwPlaced = true;
    }
    const last = rows.at(-1);
    const isNoOp = entry.text === 'NoOp';
    if (isNoOp && last?.kind === 'noops' && last.epoch === entry.epoch && last.committed === entry.committed && last.first === entry.offset + 1) {
      rows[rows.length - 1] = { ...last, first: entry.offset, key: noopKey(entry.epoch, entry.offset, i === 0) };
    } else if (isNoOp) {
      rows.push({ kind: 'noops', key: noopKey(entry.epoch, entry.offset, i === 0), first: entry.offset, last: entry.offset, epoch: entry.epoch, committed: entry.committed });
    } else {
      rows.push({ kind: 'record', key: `rec-${entry.offset}-${entry.epoch}`, entry });
    }
    newer = entry;
  }
  if (!hwPlaced && entries.length > 0 && i < 0) rows.push({ kind: 'hw', key: 'hw' });
  return { rows, notDrawn: i + 1 };
}

// Rows' parts are memoised on their text and mark, and the rows whole (MlogRow): the rows drawn are the same from frame to frame but for the newest.
const RecordText = memo(function RecordText({ text }: { text: string }) {
  const match = /^(\w+)(.*)$/.exec(text);
  if (match === null) return <span className="mlog-text">{text}</span>;
  return (
    <span className="mlog-text" title={RECORD_HELP[match[1]!]}>
      <b>{match[1]}</b>
      {match[2]}
    </span>
  );
});

const Mark = memo(function Mark({ committed }: { committed: boolean }) {
  return committed ? (
    <span className="mlog-mark mlog-mark-yes" title="Committed: a majority of controllers has it">
      <span aria-hidden="true">✓</span>
      {/* Not .visually-hidden: its clip is a paint property node of its own in every row, which each
          arrival moved, and that made Chromium re-layerize the page (styles.css, `.mlog-sr`). */}
      <span className="mlog-sr">committed</span>
    </span>
  ) : (
    <span className="mlog-mark mlog-mark-no" title="Appended by the leader, not yet stored by a majority: a new leader could still drop it">
      uncommitted
    </span>
  );
});

interface RowProps {
  readonly row: Row;
  /** Its arrival highlight is over (perf.css may skip it off screen). */
  readonly settled: boolean;
  /** Drawn by the high watermark's row only. */
  readonly highWatermark: number;
}

/** Whether a row draws the same for `next` as for `previous`: rows are rebuilt each frame (rowsOf), mostly with the same figures. */
export function sameRowProps(previous: RowProps, next: RowProps): boolean {
  const a = previous.row;
  const b = next.row;
  if (previous.settled !== next.settled || a.kind !== b.kind || a.key !== b.key) return false;
  switch (a.kind) {
    case 'hw':
      return previous.highWatermark === next.highWatermark;
    case 'gap':
      return b.kind === 'gap' && a.from === b.from && a.to === b.to;
    case 'noops':
      return b.kind === 'noops' && a.first === b.first && a.last === b.last && a.epoch === b.epoch && a.committed === b.committed;
    case 'record':
      return (
        b.kind === 'record' &&
        (a.entry === b.entry ||
          (a.entry.offset === b.entry.offset && a.entry.epoch === b.entry.epoch && a.entry.committed === b.entry.committed && a.entry.text === b.entry.text))
      );
  }
}

/**
 * One row, memoised whole: of the rows drawn (up to ROWS_LIVE_MAX while playing) a frame changes
 * the newest few (an arrival, a record committed, the high watermark's line), so each deferred
 * commit reconciled ~40 rows' elements to change those (issue 7, item 9: the script per frame).
 */
const MlogRow = memo(function MlogRow({ row, settled, highWatermark }: RowProps) {
  switch (row.kind) {
    case 'hw':
      return (
        <li className="mlog-hw" aria-label={`High watermark ${highWatermark}: records below are committed`}>
          <span>
            high watermark {highWatermark} · committed below
          </span>
        </li>
      );
    case 'gap':
      return (
        <li className="mlog-gap">
          ⋯ offsets {row.from}–{row.to} went by between two frames
        </li>
      );
    case 'noops':
      return (
        <li
          className={`${row.committed ? 'mlog-row mlog-noop mlog-committed' : 'mlog-row mlog-noop mlog-pending'}${settled ? ' mlog-settled' : ''}`}
          data-committed={row.committed}
          data-offset={row.last}
        >
          <span className="mlog-offset">{row.first === row.last ? row.last : `${row.first}–${row.last}`}</span>
          <span className="mlog-epoch" title={`Written in epoch ${row.epoch}`}>
            e{row.epoch}
          </span>
          <span className="mlog-text" title={RECORD_HELP.NoOp}>
            <b>NoOp</b>
            {row.first === row.last ? '' : ` ×${row.last - row.first + 1}`}
          </span>
          <Mark committed={row.committed} />
        </li>
      );
    case 'record':
      return (
        <li
          className={`${row.entry.committed ? 'mlog-row mlog-committed' : 'mlog-row mlog-pending'}${settled ? ' mlog-settled' : ''}`}
          data-committed={row.entry.committed}
          data-offset={row.entry.offset}
        >
          <span className="mlog-offset">{row.entry.offset}</span>
          <span className="mlog-epoch" title={`Written in epoch ${row.entry.epoch}`}>
            e{row.entry.epoch}
          </span>
          <RecordText text={row.entry.text} />
          <Mark committed={row.entry.committed} />
        </li>
      );
  }
}, sameRowProps);

/** The metadata log as the leader has it: records arriving, and the high watermark passing them. */
export function MetadataLogPanel({ log: newestLog, quorum: newestQuorum, live = false }: Props) {
  const section = useRef<HTMLElement>(null);
  const newest = useMemo(() => ({ log: newestLog, quorum: newestQuorum }), [newestLog, newestQuorum]);
  const onScreen = useOnScreen(section);
  const { log, quorum } = useHeldUnlessShown(newest, onScreen, live, HELD_PHASE_MS.kraft);
  const view = log.view;
  // Built again only for another log or high watermark: while the panel is held (off screen) the
  // deferred commits of a second bring the same log, and a run of NoOps folds up to
  // METADATA_LOG_KEPT_MAX (kraft.ts) entries, one object each.
  const rowsMax = rowsDrawnMax(live, onScreen);
  const { rows, notDrawn } = useMemo(() => rowsOf(log.entries, view.highWatermark, rowsMax), [log.entries, view.highWatermark, rowsMax]);
  const arrivalKeys = useMemo(() => rows.flatMap((row) => (row.kind === 'record' || row.kind === 'noops' ? [row.key] : [])), [rows]);
  // Rows whose arrival highlight is over are marked settled: perf.css skips them off screen, and
  // styles.css runs no highlight on them; rows arriving while the log is off screen are settled at
  // once (nobody would see them highlight). The set keeps its identity while no row settles
  // (Arrivals), so a held panel's body is not drawn again.
  const arrivals = useRef<Arrivals | null>(null);
  arrivals.current ??= new Arrivals();
  const settled = arrivals.current.settled(arrivalKeys, performance.now(), !onScreen);
  return (
    <section ref={section} className="panel mlog" aria-label="Metadata log">
      <MlogBody log={log} quorum={quorum} live={live} rows={rows} notDrawn={notDrawn} settled={settled} rowsMax={rowsMax} />
    </section>
  );
}

interface BodyProps {
  readonly log: SeenLog;
  readonly quorum: Quorum;
  /** The cap the rows were drawn under (rowsDrawnMax). */
  readonly rowsMax: number;
  readonly live: boolean;
  readonly rows: readonly Row[];
  readonly notDrawn: number;
  readonly settled: ReadonlySet<string>;
}

/**
 * The panel's content, memoised on what it draws (each the same object while nothing changed):
 * held off screen, the panel renders in every deferred commit of its second with the same log and
 * quorum, and only a row settling changes what it shows (issue 7, item 9: its ~20 elements were
 * reconciled in each of those commits to write nothing).
 */
const MlogBody = memo(function MlogBody({ log, quorum, live, rows, notDrawn, settled, rowsMax }: BodyProps) {
  const view = log.view;
  const sourceRole = quorum.voters.find((voter) => voter.id === view.source)?.raft?.role;
  const sourceNote =
    view.source === quorum.leader?.id
      ? ' (leader)'
      : sourceRole === 'leader'
        ? ' (old leader, cut off)'
        : ' (no leader: the longest log)';
  const sourceHelp =
    view.source === null
      ? 'Every controller is down: no copy of the log to show.'
      : sourceRole === 'leader' && view.source !== quorum.leader?.id
        ? `${view.source} still believes it leads an old epoch. Records it appended past the high watermark were never committed: the new leader’s log wins, and ${view.source} will drop them when it rejoins.`
        : view.source === quorum.leader?.id
          ? 'The leader’s copy: every other copy converges to it.'
          : 'No leader right now: this is the longest copy among the running controllers.';
  const notShown = log.entries.length > 0 ? log.entries[0]!.offset - view.logStartOffset : 0;
  // Paused, the records past ROWS_MAX and those the page no longer holds are one count.
  const olderNotShown = live ? notShown : notShown + notDrawn;
  return (
    <>
      <header className="panel-head">
        <h2>Metadata log</h2>
        <span className="muted mlog-source" data-testid="metadata-log-source" title={sourceHelp}>
          {view.source === null ? 'no controller running' : `${view.source}’s copy${sourceNote}`}
        </span>
      </header>
      <dl className="figures figures-4">
        <div title="The first offset still in the log; everything before it is summarised in a snapshot.">
          <dt>Log start</dt>
          <dd>{view.logStartOffset}</dd>
        </div>
        <div title="A snapshot replaces the log up to this offset with the state it produced, so the log stays bounded.">
          <dt>Snapshot</dt>
          <dd>{view.snapshotEndOffset === null ? 'none yet' : `to ${view.snapshotEndOffset}`}</dd>
        </div>
        <div title="High watermark: records below it are stored by a majority of controllers, so they are committed.">
          <dt>High watermark</dt>
          <dd data-testid="metadata-hw">{view.highWatermark}</dd>
        </div>
        <div title="The offset the next record will get.">
          <dt>Log end</dt>
          <dd>{view.endOffset}</dd>
        </div>
      </dl>
      <p className="helper">
        Every change to the cluster is a record in this log, written by the active controller. <b>Committed</b> records (solid) are on a
        majority of controllers and survive any one failure; <i>uncommitted</i> ones (hatched) are appended but not yet safe.
      </p>
      {rows.length === 0 ? (
        <p className="empty mlog-empty">The log is empty: the controllers have not elected a leader yet. Press Play.</p>
      ) : (
        // In a block of its own: the panel is a flex container, and a flex item is never a relayout
        // boundary; the scroller, its fixed height and its width the block's, is one (perf.css).
        <div className="mlog-frame">
          <MlogList rows={rows} settled={settled} highWatermark={view.highWatermark} live={live} notDrawn={notDrawn} olderNotShown={olderNotShown} rowsMax={rowsMax} />
        </div>
      )}
    </>
  );
});

interface ListProps {
  readonly rows: readonly Row[];
  readonly settled: ReadonlySet<string>;
  readonly highWatermark: number;
  readonly live: boolean;
  readonly notDrawn: number;
  readonly olderNotShown: number;
  readonly rowsMax: number;
}

/**
 * The records, newest first, in a scroller of fixed height. While the run plays and no one is at the
 * list, it is windowed (use-live-window.ts; perf.css, `.mlog-window-held`): each arrival moved every
 * row of the scroller and changed its extent, each time a full layerization of the page (paused
 * probe at 1440x900: 30 of 30 frames). The list keeps every row it draws (a screen reader reads them
 * all), only the rows past the window are clipped, and one structure serves every state, so no row
 * is mounted again (its arrival highlight would run again) when the window comes or goes.
 */
const MlogList = memo(function MlogList({ rows, settled, highWatermark, live, notDrawn, olderNotShown, rowsMax }: ListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  // Measured again when the cap changes (the log nearing the viewport draws 40 rows, not 12), so the scroll extent is the list's.
  const { spacerPx, handlers } = useLiveWindow(scroller, live, rowsMax);
  return (
    <div ref={scroller} className="mlog-list" {...handlers}>
      <div className={spacerPx === null ? 'mlog-window' : 'mlog-window mlog-window-held'}>
        <ol className="mlog-rows" data-testid="metadata-log" aria-label="Metadata log records, newest first" tabIndex={0}>
          {rows.map((row) => (
            <MlogRow key={row.key} row={row} settled={settled.has(row.key)} highWatermark={highWatermark} />
          ))}
          {live && notDrawn > 0 && (
            <li className="mlog-gap" data-testid="metadata-log-not-drawn">
              ⋯ {notDrawn} older {notDrawn === 1 ? 'record' : 'records'} drawn when paused
            </li>
          )}
          {olderNotShown > 0 && <li className="mlog-gap">⋯ {olderNotShown} older records not shown</li>}
        </ol>
      </div>
      {spacerPx !== null && <div className="mlog-spacer" aria-hidden="true" style={{ height: spacerPx }} />}
    </div>
  );
});
