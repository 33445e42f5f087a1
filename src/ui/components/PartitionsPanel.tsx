import { memo, useRef } from 'react';
import type { PartitionSnapshot, ReplicaSnapshot } from '../../engine/api';
import type { Selection } from '../selection';
import { formatInteger } from '../format';
import { useRowsHeldWhileHidden } from '../rows-held';

interface Props {
  readonly partitions: readonly PartitionSnapshot[];
  readonly total: number;
  /** Selects a partition for the inspect panel: each partition's name becomes a button. */
  readonly onSelect?: (selection: Selection) => void;
  readonly selected?: Selection | null;
  /** The run plays: off screen, each row may show its partition up to a second old, rows on phases of their own (rows-held.ts). */
  readonly live?: boolean;
}

type ReplicaState = 'leader' | 'isr' | 'out' | 'down';

const STATE_HELP: Record<ReplicaState, string> = {
  leader: 'The leader: producers write to it and consumers read from it; the followers copy its log by fetching.',
  isr: 'In sync: this follower has fetched everything recently, so it could take over as leader without losing a committed record.',
  out: 'Out of the ISR: this follower fell behind (or was down) and must catch up before it counts again. It cannot become leader in a clean election.',
  down: 'Not running: it neither stores nor serves records until it restarts.',
};

const count = formatInteger;

function stateOf(replica: ReplicaSnapshot, partition: PartitionSnapshot): ReplicaState {
  if (!replica.running) return 'down';
  if (replica.broker === partition.leader) return 'leader';
  return replica.inIsr ? 'isr' : 'out';
}

function stateLabel(state: ReplicaState, replica: ReplicaSnapshot, partition: PartitionSnapshot): string {
  switch (state) {
    case 'leader':
      return 'leader';
    case 'isr':
      return 'ISR';
    case 'out':
      return 'out of ISR';
    case 'down':
      return replica.broker === partition.leader ? 'down · still leader' : replica.inIsr ? 'down · still in ISR' : 'down';
  }
}

function stateHelp(state: ReplicaState, replica: ReplicaSnapshot, partition: PartitionSnapshot): string {
  if (state !== 'down') return STATE_HELP[state];
  if (replica.broker === partition.leader) return `${STATE_HELP.down} The controller has not noticed yet: it still names ${replica.broker} the leader until its session times out.`;
  if (replica.inIsr) return `${STATE_HELP.down} The leader has not dropped it from the ISR yet.`;
  return STATE_HELP.down;
}

/**
 * One replica's log on the row's scale: committed (solid) up to the HW, appended (hatched) beyond, a
 * mark where the disk ends. Its words are its `title` alone, which is also the image's accessible
 * name (accname 1.2, step 2I: a tooltip attribute names an element that has no other name; axe's
 * role-img-alt accepts it): the label changes with the log end in each refresh of the row, and an
 * `aria-label` beside it doubled the writes (issue 7, item 9: two attribute writes per changed
 * replica, ~20% of the page's DOM mutation records while playing).
 */
function ReplicaBar({ replica, hw, max }: { replica: ReplicaSnapshot; hw: number | null; max: number }) {
  const at = (offset: number) => Math.max(0, Math.min(100, (offset / max) * 100));
  const end = replica.logEndOffset;
  const committed = end === null ? null : hw === null ? 0 : Math.min(end, hw);
  const label =
    end === null
      ? `${replica.broker} has no log for this partition yet`
      : `${replica.broker}: log end ${count(end)}${committed !== null && end > committed ? `, ${count(end - committed)} not committed yet` : ', everything committed'}${
          replica.flushedOffset !== null ? `; on disk for sure up to ${count(replica.flushedOffset)}, the rest only in the page cache` : ''
        }`;
  return (
    <div className={end === null ? 'logbar logbar-broker logbar-empty' : 'logbar logbar-broker'} role="img" title={label}>
      {committed !== null && committed > 0 && <span className="logbar-fill" style={{ width: `${at(committed)}%` }} />}
      {end !== null && committed !== null && end > committed && (
        <span className="logbar-pending" style={{ left: `${at(committed)}%`, width: `${at(end) - at(committed)}%` }} />
      )}
      {end !== null && replica.flushedOffset !== null && <span className="logbar-flush" style={{ left: `${at(replica.flushedOffset)}%` }} />}
      {hw !== null && <span className="logbar-hw" style={{ left: `${at(hw)}%` }} />}
    </div>
  );
}

/**
 * A replica's name and state chip, memoised on what they draw: a partition's row re-renders when any
 * replica's log end moves (most rows, at their refresh), while who leads and who is in sync rarely
 * changes (issue 7, item 9: the row's elements reconciled in each deferred commit).
 */
const ReplicaHead = memo(function ReplicaHead({ name, broker, leads, state, label, help }: { name: string; broker: string; leads: boolean; state: ReplicaState; label: string; help: string }) {
  return (
    <>
      <span className="replica-broker">
        {leads && (
          <span className="chip-star" aria-hidden="true">
            ★{' '}
          </span>
        )}
        {broker}
      </span>
      <span
        className={`chip replica-state chip-${state === 'leader' ? 'leader' : state === 'isr' ? 'good' : state === 'out' ? 'warn' : 'down'}`}
        data-testid={`replica-state-${name}-${broker}`}
        title={help}
      >
        {label}
      </span>
    </>
  );
});

interface RowProps {
  readonly partition: PartitionSnapshot;
  readonly onSelect: Props['onSelect'];
  readonly selected: boolean;
}

/** Whether two partitions draw the same row: every field a row shows (frames bring new objects, often with the same figures). */
export function samePartition(a: PartitionSnapshot, b: PartitionSnapshot): boolean {
  if (
    a.topic !== b.topic ||
    a.partition !== b.partition ||
    a.leader !== b.leader ||
    a.leaderEpoch !== b.leaderEpoch ||
    a.highWatermark !== b.highWatermark ||
    a.unclean !== b.unclean ||
    a.replicas.length !== b.replicas.length
  ) {
    return false;
  }
  return a.replicas.every((replica, index) => {
    const other = b.replicas[index]!;
    return (
      replica.broker === other.broker &&
      replica.logEndOffset === other.logEndOffset &&
      replica.flushedOffset === other.flushedOffset &&
      replica.inIsr === other.inIsr &&
      replica.running === other.running
    );
  });
}

/** A partition's name, a button that inspects it: memoised, as its click handler would otherwise be new in every refresh of the row. */
const PartitionName = memo(function PartitionName({ topic, partition, onSelect, selected }: { topic: string; partition: number; onSelect: Props['onSelect']; selected: boolean }) {
  const name = `${topic}-${partition}`;
  return onSelect === undefined ? (
    <span className="part-name">{name}</span>
  ) : (
    <button
      type="button"
      className="part-name part-name-button"
      onClick={() => onSelect({ kind: 'partition', topic, partition })}
      aria-current={selected ? 'true' : undefined}
      title={`Inspect ${name}: each replica's log end, high watermark and log start`}
      data-testid={`select-partition-${name}`}
    >
      {name}
    </button>
  );
});

/** A partition's leader and its epoch, memoised on them: they change at an election, the row's figures in every refresh. */
const PartitionLeader = memo(function PartitionLeader({ name, leader, leaderDown, epoch }: { name: string; leader: string; leaderDown: boolean; epoch: number }) {
  return (
    <span className="part-leader" title="The broker that serves this partition now, and the epoch it leads in: the epoch goes up by one at each new leader.">
      leader <strong data-testid={`partition-leader-${name}`}>{leader}</strong>
      {leaderDown && <span className="muted"> (down)</span>} · epoch <strong>{epoch}</strong>
    </span>
  );
});

/** A row re-renders only when what it shows changed (a quiet partition, or a paused run, costs nothing). */
const PartitionRow = memo(function PartitionRow({ partition, onSelect, selected }: RowProps) {
  const name = `${partition.topic}-${partition.partition}`;
  const hw = partition.highWatermark;
  const max = Math.max(1, hw ?? 0, ...partition.replicas.map((replica) => replica.logEndOffset ?? 0));
  const isr = partition.replicas.filter((replica) => replica.inIsr).length;
  const leaderDown = partition.leader !== null && partition.replicas.some((replica) => replica.broker === partition.leader && !replica.running);
  return (
    <li className={`${partition.leader === null ? 'part part-offline' : 'part'}${selected ? ' part-selected' : ''}`} data-testid={`partition-${name}`}>
      <div className="part-head">
        <PartitionName topic={partition.topic} partition={partition.partition} onSelect={onSelect} selected={selected} />
        {partition.leader === null ? (
          <span
            className="chip chip-down"
            data-testid={`partition-leader-${name}`}
            title="Offline: no replica leads it, so nobody can write to it or read from it until an in-sync replica comes back."
          >
            ✕ offline: no leader
          </span>
        ) : (
          <PartitionLeader name={name} leader={partition.leader} leaderDown={leaderDown} epoch={partition.leaderEpoch} />
        )}
        {partition.unclean && (
          <span
            className="chip chip-warn"
            title="Unclean election: a replica that was not in sync became leader. Records that only the old leader had are gone."
          >
            ⚠ unclean
          </span>
        )}
        <span className="part-figures" title="High watermark: consumers may read below it. ISR: how many replicas are in sync.">
          HW <strong>{hw === null ? '—' : count(hw)}</strong> · ISR <strong>{isr}</strong>/{partition.replicas.length}
        </span>
      </div>
      <ul className="replicas" aria-label={`Replicas of ${name}`}>
        {partition.replicas.map((replica) => {
          const state = stateOf(replica, partition);
          return (
            <li key={replica.broker} className={`replica replica-${state}`} data-testid={`replica-${name}-${replica.broker}`}>
              <ReplicaHead
                name={name}
                broker={replica.broker}
                leads={partition.leader === replica.broker}
                state={state}
                label={stateLabel(state, replica, partition)}
                help={stateHelp(state, replica, partition)}
              />
              <ReplicaBar replica={replica} hw={hw} max={max} />
              <span className="replica-end" title="Log end offset: how many records this replica has appended.">
                {replica.logEndOffset === null ? 'no log' : count(replica.logEndOffset)}
              </span>
            </li>
          );
        })}
      </ul>
    </li>
  );
}, (previous: RowProps, next: RowProps) => previous.onSelect === next.onSelect && previous.selected === next.selected && samePartition(previous.partition, next.partition));

const keyOfPartition = (partition: PartitionSnapshot): string => `${partition.topic}-${partition.partition}`;

// The panel's helper and legend never change: elements made once, which React skips when it meets
// the same element again (issue 7, item 9: the panel renders in every deferred commit).
const PARTITIONS_HELP = (
  <p className="helper">
    Each partition is copied to several brokers. The <b>leader</b> takes the writes; followers fetch from it. The <b>ISR</b> (in-sync
    replicas) are the copies that are caught up: only they may become leader. The <b>high watermark</b> is how far every ISR replica has
    got: records below it are committed, and only those are shown to consumers.
  </p>
);

const PARTITIONS_LEGEND = (
  <div className="qlegend" aria-hidden="true">
    <span>each bar: offsets 0 to the partition’s longest log</span>
    <span>
      <i className="key pkey-committed" /> committed (below the HW)
    </span>
    <span>
      <i className="key pkey-pending" /> appended, not yet committed
    </span>
    <span>
      <i className="key key-hw" /> high watermark
    </span>
    <span>
      <i className="pkey-flush" /> on disk up to here (the rest in the page cache)
    </span>
  </div>
);

/** The data plane's partitions: each one's replicas, leader, ISR, and how far each log has got. */
export function PartitionsPanel({ partitions: newest, total, onSelect, selected = null, live = false }: Props) {
  const section = useRef<HTMLElement>(null);
  const partitions = useRowsHeldWhileHidden(newest, keyOfPartition, section, live);
  return (
    <section ref={section} className="panel partitions" aria-label="Partitions" data-testid="partitions-panel">
      <header className="panel-head">
        <h2>Partitions</h2>
        <span className="muted" data-testid="partitions-count">
          {total > partitions.length ? `showing ${partitions.length} of ${total} partitions` : `${total} partition${total === 1 ? '' : 's'}`}
        </span>
      </header>
      {PARTITIONS_HELP}
      <ol className="parts" aria-label="Partitions and their replicas">
        {partitions.map((partition) => (
          <PartitionRow
            key={`${partition.topic}-${partition.partition}`}
            partition={partition}
            onSelect={onSelect}
            selected={selected?.kind === 'partition' && selected.topic === partition.topic && selected.partition === partition.partition}
          />
        ))}
      </ol>
      {PARTITIONS_LEGEND}
    </section>
  );
}
