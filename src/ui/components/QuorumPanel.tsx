import type { Snapshot } from '../../engine/api';
import type { ReplicaProgress } from '../../engine/raft/node';
import { formatSpan } from '../../engine/sim/time';
import { memo, type Ref } from 'react';
import { roleLabel, roleTone, ROLE_HELP, STALE_LEADER_HELP, type Quorum, type Voter } from '../kraft';
import { digitsAsZeros, StableText } from './StableText';

interface Props {
  /** The snapshot and quorum to draw: held away from the viewport while the run plays (App's DeferredPanels, use-held-while-hidden.ts). */
  readonly snapshot: Snapshot;
  readonly quorum: Quorum;
  readonly ready: boolean;
  readonly onFault: (fault: unknown) => void;
  /** Whether a controller is active to crash, read from the newest snapshot, never a held one. */
  readonly canCrash: boolean;
  /** The panel's section, which its parent watches to know whether it is on screen. */
  readonly sectionRef?: Ref<HTMLElement>;
}

/** Offsets shown at least on the bars' common scale, so that one record of lag stays visible. */
const SCALE_MIN_SPAN = 10;

interface Scale {
  readonly lo: number;
  readonly hi: number;
  at(offset: number): number;
}

/** One scale for every voter's bar: from a little before the slowest to the longest log. */
function scaleOf(quorum: Quorum): Scale {
  const offsets: number[] = [quorum.highWatermark, quorum.logEndOffset];
  for (const voter of quorum.voters) if (voter.raft !== null) offsets.push(voter.raft.logEndOffset);
  for (const progress of quorum.leader?.raft?.voterProgress ?? []) if (progress.endOffset !== null) offsets.push(progress.endOffset);
  const hi = Math.max(1, ...offsets);
  const lo = Math.max(0, Math.min(Math.min(...offsets) - 2, hi - SCALE_MIN_SPAN));
  return { lo, hi, at: (offset) => Math.max(0, Math.min(100, ((offset - lo) / (hi - lo)) * 100)) };
}

function LogBar({ voter, quorum, scale, seen }: { voter: Voter; quorum: Quorum; scale: Scale; seen: ReplicaProgress | undefined }) {
  const raft = voter.raft;
  const hw = quorum.highWatermark;
  const end = raft?.logEndOffset ?? null;
  const committedEnd = end === null ? null : Math.min(end, hw);
  const label =
    end !== null
      ? `${voter.id}: log end ${end}, ${end > hw ? `${end - hw} record${end - hw === 1 ? '' : 's'} not committed yet` : 'everything committed'}`
      : `${voter.id} is down${seen?.endOffset != null ? `; the leader last saw its log end at ${seen.endOffset}` : ''}`;
  return (
    <div className="logbar" role="img" aria-label={label} title={label}>
      {committedEnd !== null && <span className="logbar-fill" style={{ width: `${scale.at(committedEnd)}%` }} />}
      {end !== null && committedEnd !== null && end > committedEnd && (
        <span className="logbar-pending" style={{ left: `${scale.at(committedEnd)}%`, width: `${scale.at(end) - scale.at(committedEnd)}%` }} />
      )}
      {end === null && seen?.endOffset != null && <span className="logbar-ghost" style={{ width: `${scale.at(seen.endOffset)}%` }} />}
      {seen?.endOffset != null && end !== null && (
        <span className="logbar-seen" style={{ left: `${scale.at(seen.endOffset)}%` }} title={`The leader saw ${voter.id} reach ${seen.endOffset}`} />
      )}
      <span className="logbar-hw" style={{ left: `${scale.at(hw)}%` }} />
    </div>
  );
}

/** A voter's epoch, log end and high watermark, as its head shows them (and, digits as zeros, as its sizer does). */
function VoterFigures({ epoch, end, hw }: { epoch: string; end: string; hw: string }) {
  return (
    <>
      epoch <strong>{epoch}</strong> · end <strong>{end}</strong> · HW <strong>{hw}</strong>
    </>
  );
}

function Votes({ voter, quorum }: { voter: Voter; quorum: Quorum }) {
  const votes = voter.raft?.votes ?? [];
  return (
    <ul className="votes" aria-label={`Votes for ${voter.id}: ${votes.length} of ${quorum.majority} needed`}>
      {quorum.voters.map((other) => {
        const granted = votes.includes(other.id);
        return (
          <li key={other.id} className={granted ? 'vote vote-yes' : 'vote'}>
            <span aria-hidden="true">{granted ? '✓' : '…'}</span> {other.id}
            <span className="visually-hidden">{granted ? ' voted yes' : ' no vote yet'}</span>
          </li>
        );
      })}
    </ul>
  );
}

function VoterRow({ voter, quorum, scale, now }: { voter: Voter; quorum: Quorum; scale: Scale; now: number }) {
  const raft = voter.raft;
  const tone = roleTone(voter, quorum);
  const seen = quorum.leader?.raft?.voterProgress.find((progress) => progress.id === voter.id);
  let detail: string | null = null;
  // A follower's time since its last fetch changes in every refresh (perf.css holds that line).
  let fetched = false;
  if (raft === null) {
    detail =
      seen?.endOffset != null
        ? `not running · the leader last saw it at offset ${seen.endOffset}`
        : 'not running: it neither votes nor stores records until it restarts';
  } else if (raft.role === 'follower' && seen !== undefined) {
    fetched = seen.lastFetchUs !== null;
    detail =
      seen.lastFetchUs !== null
        ? `fetched from the leader ${formatSpan(Math.max(0, now - seen.lastFetchUs))} ago, up to offset ${seen.endOffset ?? '—'}`
        : 'has not fetched from the leader yet';
  } else if (raft.role === 'voted' || (raft.role === 'unattached' && raft.votedFor !== null)) {
    detail = `voted for ${raft.votedFor} in epoch ${raft.epoch}`;
  } else if (raft.role === 'follower' && raft.leader !== null) {
    detail = `follows ${raft.leader}`;
  }
  return (
    <li className={`voter voter-${tone}`} data-testid={`voter-${voter.id}`}>
      <div className="voter-head">
        <span className="voter-name">
          <span className="role-icon role-controller" aria-hidden="true">
            ◆
          </span>{' '}
          {voter.id}
        </span>
        <span
          className={`chip chip-role chip-${tone}`}
          title={raft === null ? 'Not running: it has no vote and no log to offer.' : tone === 'stale' ? STALE_LEADER_HELP : ROLE_HELP[raft.role]}
        >
          {quorum.leader?.id === voter.id && (
            <span className="chip-star" aria-hidden="true">
              ★
            </span>
          )}
          {roleLabel(voter, quorum)}
        </span>
        <span className="voter-figures">
          {raft !== null ? (
            <StableText
              text={<VoterFigures epoch={String(raft.epoch)} end={String(raft.logEndOffset)} hw={String(raft.highWatermark)} />}
              template={<VoterFigures epoch={digitsAsZeros(raft.epoch)} end={digitsAsZeros(raft.logEndOffset)} hw={digitsAsZeros(raft.highWatermark)} />}
            />
          ) : (
            <span className="muted">—</span>
          )}
        </span>
      </div>
      <LogBar voter={voter} quorum={quorum} scale={scale} seen={seen} />
      {raft?.role === 'candidate' ? (
        <Votes voter={voter} quorum={quorum} />
      ) : (
        detail !== null && <p className={fetched ? 'voter-detail voter-detail-fetched' : 'voter-detail'}>{detail}</p>
      )}
    </li>
  );
}

/**
 * The controller quorum: who leads which epoch, each voter's log, and elections as they happen.
 * Memoised: its parent holds it away from the viewport while the run plays, as the metadata log
 * beside it (its voters' figures change in every frame, and each change laid the page out from the
 * document), and gives a held panel the same props, so the deferred commits of its second skip it
 * (issue 7, item 9: it rendered in each of them only to decide to hold). On screen, or paused, it
 * renders when the snapshot, the quorum, `ready` or the button's state changed (the handler is stable).
 */
export const QuorumPanel = memo(function QuorumPanel({ snapshot, quorum, ready, onFault, canCrash, sectionRef }: Props) {
  const scale = scaleOf(quorum);
  const applied = snapshot.processes.flatMap((process) => (process.role === 'broker' && process.view?.raft !== undefined ? [process.view.raft.appliedOffset] : []));
  const leader = quorum.leader;
  const observers =
    applied.length === 0
      ? 'No broker is running.'
      : `Brokers follow the log as observers (no vote): ${applied.length} running, applied up to offset ${Math.max(...applied)}${Math.min(...applied) < Math.max(...applied) ? ` (slowest ${Math.min(...applied)})` : ''}.`;
  return (
    <section ref={sectionRef} className="panel quorum" aria-label="KRaft controller quorum" data-testid="quorum-panel">
      <header className="panel-head">
        <h2>Controller quorum</h2>
        <button
          type="button"
          className="btn btn-small btn-danger"
          disabled={!ready || !canCrash}
          onClick={() => onFault({ kind: 'crash', process: '@active-controller' })}
          title={canCrash ? 'Crash whichever controller is active now, and watch the others elect a new leader' : 'No controller is active right now: an election is under way'}
        >
          Crash the active controller
        </button>
      </header>
      <dl className="figures figures-3">
        <div title="Raft's term: it goes up by one each time an election starts. A record's epoch tells which leader wrote it.">
          <dt>Epoch</dt>
          <dd data-testid="quorum-epoch">{quorum.epoch}</dd>
        </div>
        <div title="The leader of the quorum is the active controller: it alone decides and writes metadata records.">
          <dt>Leader</dt>
          <dd data-testid="quorum-leader" className={leader === null ? 'electing' : undefined}>
            {leader?.id ?? 'electing…'}
          </dd>
        </div>
        <div title="High watermark: records below this offset are stored by a majority of controllers, so they are committed.">
          <dt>Committed up to</dt>
          <dd className="quorum-hw">{quorum.highWatermark}</dd>
        </div>
      </dl>
      <p className="helper">
        {leader === null
          ? `No leader: controllers that stop hearing from one become candidates and ask for votes; ${quorum.majority} of ${quorum.voters.length} votes win.`
          : `${leader.id} leads epoch ${quorum.epoch}${quorum.active === leader.id ? ' and is the active controller' : ''}. A record is committed once ${quorum.majority} of ${quorum.voters.length} controllers have it.`}
      </p>
      <ol className="voters" aria-label="Voters">
        {quorum.voters.map((voter) => (
          <VoterRow key={voter.id} voter={voter} quorum={quorum} scale={scale} now={snapshot.timeUs} />
        ))}
      </ol>
      <div className="qlegend" aria-hidden="true">
        <span>
          <StableText text={`offsets ${scale.lo}–${scale.hi}`} template={`offsets ${digitsAsZeros(scale.lo)}–${digitsAsZeros(scale.hi)}`} />
        </span>
        <span>
          <i className="key key-committed" /> committed
        </span>
        <span>
          <i className="key key-pending" /> not yet committed
        </span>
        <span>
          <i className="key key-hw" /> high watermark
        </span>
      </div>
      <p className="observers" title="Brokers fetch the metadata log from the leader like followers, but they never vote.">
        <StableText text={observers} template={digitsAsZeros(observers)} />
      </p>
    </section>
  );
});
