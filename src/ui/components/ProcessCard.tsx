import type { ReactNode } from 'react';
import type { PeerView, ProcessSnapshot } from '../../engine/api';
import type { BrokerState, LifecycleView } from '../../engine/broker/lifecycle';
import type { ControllerView, RegistrationView } from '../../engine/controller/controller';
import { formatSpan } from '../../engine/sim/time';
import { formatBytes, formatCount } from '../format';
import { registrationOf, roleLabel, roleTone, ROLE_HELP, STALE_LEADER_HELP, type Quorum } from '../kraft';

interface Props {
  readonly process: ProcessSnapshot;
  readonly ready: boolean;
  readonly onFault: (fault: unknown) => void;
  readonly quorum: Quorum;
  /** The controller whose view of the brokers counts (the active one, else the most advanced). */
  readonly authority: { readonly id: string; readonly view: ControllerView } | null;
}

const ROLE_LABEL: Record<string, string> = { controller: 'Controller', broker: 'Broker', zookeeper: 'ZooKeeper', client: 'Client', objectStore: 'Object store' };

function statusOf(process: ProcessSnapshot): { label: string; tone: string } {
  if (process.status === 'crashed') return { label: 'Crashed', tone: 'bad' };
  if (process.status === 'stopped') return { label: 'Stopped', tone: 'off' };
  if (process.isolated) return { label: 'Isolated', tone: 'warn' };
  return { label: 'Up', tone: 'good' };
}

const BROKER_STATE: Record<BrokerState, { label: string; tone: string; help: string }> = {
  STARTING: { label: 'STARTING', tone: 'neutral', help: 'Looking for the active controller, to register with it.' },
  RECOVERY: {
    label: 'RECOVERY (fenced)',
    tone: 'warn',
    help: 'Registered, but fenced: it may not lead partitions until it has caught up with the metadata log and the controller unfences it.',
  },
  RUNNING: { label: 'RUNNING', tone: 'good', help: 'Unfenced: it serves clients and may lead partitions. It heartbeats to the controller (every 2 s by default).' },
  PENDING_CONTROLLED_SHUTDOWN: {
    label: 'PENDING_CONTROLLED_SHUTDOWN',
    tone: 'warn',
    help: 'Asked to stop: it waits while the controller moves its partition leadership to other brokers.',
  },
  SHUTTING_DOWN: { label: 'SHUTTING_DOWN', tone: 'warn', help: 'The controller said it may stop: it is exiting cleanly.' },
};

function PeerDots({ peers }: { peers: readonly PeerView[] }) {
  return (
    <ul className="peer-dots" aria-label="Peers this process can reach">
      {peers.map((peer) => (
        <li
          key={peer.id}
          className={`peer-dot peer-${peer.health}`}
          title={`${peer.id}: ${peer.health}${peer.rttUs !== null ? `, round trip ${formatSpan(peer.rttUs)}` : ''}`}
          aria-label={`${peer.id} ${peer.health}`}
        />
      ))}
    </ul>
  );
}

/** The network probe's summary: secondary to what the process does, so small and muted. */
function NetworkLine({ process }: { process: ProcessSnapshot }) {
  const probe = process.view?.probe;
  if (probe === undefined) return null;
  const peers = probe.peers;
  const rtts = peers.map((peer) => peer.rttUs).filter((rtt): rtt is number => rtt !== null);
  const rttMedian = rtts.length > 0 ? [...rtts].sort((a, b) => a - b)[Math.floor(rtts.length / 2)]! : null;
  return (
    <div className="card-net" title={`Network probe: sent ${formatBytes(process.bytesSent)}, received ${formatBytes(process.bytesReceived)}`}>
      <PeerDots peers={peers} />
      <span>
        reaches <strong>{probe.reachable}</strong>/{peers.length} · {rttMedian !== null ? `rtt ${formatSpan(rttMedian)}` : 'rtt —'}
      </span>
      <span className="card-net-bytes">
        ↑ {formatBytes(process.bytesSent)} ↓ {formatBytes(process.bytesReceived)}
      </span>
    </div>
  );
}

function Figure({ label, value, help, testId }: { label: string; value: string | number; help: string; testId?: string }) {
  return (
    <div title={help}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

function ControllerBody({ process, quorum }: { process: ProcessSnapshot; quorum: Quorum }) {
  const voter = quorum.voters.find((candidate) => candidate.id === process.id);
  const raft = voter?.raft;
  if (voter === undefined || raft === null || raft === undefined) return null;
  const label = roleLabel(voter, quorum);
  const isLeader = quorum.leader?.id === process.id;
  const tone = roleTone(voter, quorum);
  const leaderNote =
    raft.role === 'follower' && raft.leader !== null
      ? `of ${raft.leader}`
      : raft.role === 'candidate'
        ? `election for epoch ${raft.epoch}`
        : null;
  return (
    <>
      <div className="card-state">
        <span className={`chip chip-role chip-${tone}`} data-testid={`role-${process.id}`} title={tone === 'stale' ? STALE_LEADER_HELP : ROLE_HELP[raft.role]}>
          {isLeader && (
            <span className="chip-star" aria-hidden="true">
              ★
            </span>
          )}
          {label}
        </span>
        {leaderNote !== null && <span className="muted card-note">{leaderNote}</span>}
      </div>
      <dl className="card-figures">
        <Figure label="Epoch" value={raft.epoch} help="The election term this controller is in. Each new leader starts a new, higher epoch." />
        <Figure
          label="Log end"
          value={raft.logEndOffset}
          help="The offset its next metadata record will get: how many records its copy of the log holds."
        />
        <Figure
          label="Committed"
          value={raft.highWatermark}
          help="High watermark: every record below this offset is stored by a majority of controllers, so it is committed and survives a failure."
        />
      </dl>
    </>
  );
}

function RegistrationChip({ id, registration, authority }: { id: string; registration: RegistrationView | null; authority: string | null }) {
  const text =
    authority === null
      ? 'Controller unknown'
      : registration === null
        ? 'Not registered'
        : registration.inControlledShutdown
          ? 'In controlled shutdown'
          : registration.fenced
            ? 'Fenced'
            : 'Unfenced';
  const tone = registration === null ? 'neutral' : registration.fenced ? 'fenced' : registration.inControlledShutdown ? 'warn' : 'good';
  const help =
    authority === null
      ? 'No controller is running, so no one knows this broker’s registration right now.'
      : registration === null
        ? `${authority} has no registration for this broker yet.`
        : registration.fenced
          ? `${authority} has fenced it: no partition leadership goes to it, and its metadata is not trusted until it heartbeats and catches up again.`
          : `${authority} counts it as a live broker.`;
  const epoch = registration === null ? '' : ` Broker epoch ${registration.brokerEpoch}: the offset of its registration record.`;
  return (
    <span className={`chip chip-reg chip-${tone}`} data-testid={`registration-${id}`} title={`${help}${epoch}`}>
      {text}
    </span>
  );
}

interface BrokerBodyProps {
  readonly process: ProcessSnapshot;
  readonly broker: LifecycleView;
  readonly appliedOffset: number | null;
  /** The registration chip, when the cluster runs KRaft. */
  readonly registration: ReactNode;
}

function BrokerBody({ process, broker, appliedOffset, registration }: BrokerBodyProps) {
  const state = BROKER_STATE[broker.state];
  return (
    <>
      <div className="card-state">
        <span className={`chip chip-life chip-${state.tone}`} data-testid={`lifecycle-${process.id}`} title={state.help}>
          {state.label}
        </span>
        {registration !== null && (
          <span className="card-registration">
            <span className="muted">controller:</span>
            {registration}
          </span>
        )}
      </div>
      <dl className="card-figures">
        <Figure label="Leads" value={broker.leaderOf} help="Partitions this broker leads: clients produce to and fetch from it." />
        <Figure label="Follows" value={broker.followerOf} help="Partitions this broker holds a follower replica of." />
        <Figure
          label="Applied"
          value={appliedOffset ?? '—'}
          help="How far it has applied the metadata log (an offset): brokers follow the log as observers, without voting."
          testId={`applied-${process.id}`}
        />
      </dl>
    </>
  );
}

/** ZooKeeper mode (the contrast): the controller role lives in one broker, elected through ZooKeeper. */
function LegacyBody({ process }: { process: ProcessSnapshot }) {
  const legacy = process.view?.legacy;
  const zookeeper = process.view?.zookeeper;
  if (zookeeper !== undefined) {
    return (
      <dl className="card-figures">
        <Figure label="/controller" value={zookeeper.controller ?? 'none'} help="The broker whose session holds the /controller node: the controller." />
        <Figure label="Ctrl epoch" value={zookeeper.controllerEpoch} help="Goes up by one each time a broker wins the race for /controller." />
        <Figure label="Sessions" value={zookeeper.sessions} help="Broker sessions ZooKeeper considers alive." />
      </dl>
    );
  }
  if (legacy === undefined) return null;
  return (
    <>
      {legacy.controllerState !== 'none' && (
        <div className="card-state">
          <span
            className={`chip chip-role ${legacy.controllerState === 'active' ? 'chip-leader' : 'chip-leader-pending'}`}
            title="In ZooKeeper mode the controller is one of the brokers. After winning the race for /controller it must load every partition's state from ZooKeeper before it can act."
          >
            {legacy.controllerState === 'active' ? 'Controller' : 'Controller · loading metadata'}
          </span>
        </div>
      )}
      <dl className="card-figures">
        <Figure label="Leads" value={legacy.leaderOf} help="Partitions this broker leads." />
        <Figure label="Follows" value={legacy.followerOf} help="Partitions this broker holds a follower replica of." />
        <Figure label="Known" value={legacy.partitionsKnown} help="Partition states the controller has sent this broker." />
      </dl>
    </>
  );
}

/** A producer: what it has had acknowledged, what failed, how long acknowledgements take, and its last error. */
function ProducerBody({ process }: { process: ProcessSnapshot }) {
  const producer = process.view?.producer;
  if (producer === undefined) return null;
  const p99 = producer.latencyUs.count > 0 ? formatSpan(producer.latencyUs.p99) : '—';
  return (
    <>
      <dl className="card-figures" data-testid={`producer-figures-${process.id}`}>
        <Figure label="Acked" value={formatCount(producer.recordsAcked)} help="Records the brokers acknowledged (with this producer's acks setting)." />
        <Figure label="Failed" value={formatCount(producer.recordsFailed)} help="Records given up on: delivery.timeout.ms passed, a non-retriable error, or a full buffer." />
        <Figure label="p99" value={p99} help="99th percentile of produce latency: from a batch's first record to its acknowledgement." />
      </dl>
      <div className="stat-row muted">
        <span>{producer.metadataKnown ? `${formatCount(producer.queuedRecords)} queued · ${producer.requestsInFlight} in flight` : 'waiting for metadata'}</span>
      </div>
      {producer.recentErrors.length > 0 && (
        <ul className="producer-errors" aria-label={`${process.id}'s latest errors`} data-testid={`producer-errors-${process.id}`}>
          {producer.recentErrors.map((error) => (
            <li key={error.code} title={error.detail}>
              <time>{formatSpan(error.atUs)}</time>
              {error.detail.length > 160 ? `${error.detail.slice(0, 160)}…` : error.detail}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function DownBody({ process }: { process: ProcessSnapshot }) {
  if (process.status === 'stopped') {
    return (
      <p className="card-down">
        <strong>Stopped (controlled shutdown).</strong> It handed its partitions over first; its disk is whole.
      </p>
    );
  }
  return <p className="card-down">{process.crashes > 0 ? `Down. Crashed ${process.crashes}×; its disk survives, its memory does not.` : 'Down.'}</p>;
}

export function ProcessCard({ process, ready, onFault, quorum, authority }: Props) {
  const status = statusOf(process);
  const up = process.status === 'up' && process.view !== null;
  const broker = process.view?.broker;
  const isBroker = process.role === 'broker';
  // In ZooKeeper mode (the contrast) there are no KRaft controllers and no registrations.
  const kraft = quorum.voters.length > 0;
  const registration = isBroker ? registrationOf(authority?.view ?? null, process.id) : null;
  const registrationChip =
    isBroker && kraft ? <RegistrationChip id={process.id} registration={registration} authority={authority?.id ?? null} /> : null;
  const canShutDown = up && broker !== undefined && (broker.state === 'STARTING' || broker.state === 'RECOVERY' || broker.state === 'RUNNING');
  return (
    <article
      className={`card card-${process.role} card-${status.tone}`}
      data-testid={`process-${process.id}`}
      aria-label={`${ROLE_LABEL[process.role] ?? process.role} ${process.id}, ${status.label}`}
    >
      <header className="card-head">
        <span className={`role-icon role-${process.role}`} aria-hidden="true">
          {process.role === 'controller' ? '◆' : process.role === 'zookeeper' ? '●' : '■'}
        </span>
        <div className="card-title">
          <h3>{process.id}</h3>
          <span className="card-role">{ROLE_LABEL[process.role] ?? process.role}</span>
        </div>
        <span className={`pill pill-${status.tone}`} data-testid={`status-${process.id}`}>
          {status.label}
        </span>
      </header>
      <div className="card-body">
        {!up && <DownBody process={process} />}
        {up && process.role === 'controller' && <ControllerBody process={process} quorum={quorum} />}
        {up && process.role === 'client' && <ProducerBody process={process} />}
        {up && !kraft && <LegacyBody process={process} />}
        {up && broker !== undefined && (
          <BrokerBody process={process} broker={broker} appliedOffset={process.view?.raft?.appliedOffset ?? null} registration={registrationChip} />
        )}
        {!up && registrationChip !== null && (
          <div className="card-registration">
            <span className="muted">{authority !== null ? `${authority.id} says` : 'Controller:'}</span>
            {registrationChip}
            {registration !== null && <span className="muted">· broker epoch {registration.brokerEpoch}</span>}
          </div>
        )}
        {!up && isBroker && kraft && registration !== null && !registration.fenced && (
          <p className="card-hint">Still counted as live: the controller fences a broker after broker.session.timeout.ms (9 s by default) without a heartbeat.</p>
        )}
        {up && <NetworkLine process={process} />}
      </div>
      <footer className="card-actions">
        {process.status === 'up' ? (
          <button type="button" className="btn btn-small btn-danger" disabled={!ready} onClick={() => onFault({ kind: 'crash', process: process.id })}>
            Crash
          </button>
        ) : (
          <button type="button" className="btn btn-small" disabled={!ready} onClick={() => onFault({ kind: 'restart', process: process.id })}>
            Restart
          </button>
        )}
        {process.isolated ? (
          <button type="button" className="btn btn-small" disabled={!ready} onClick={() => onFault({ kind: 'heal', target: process.id })}>
            Reconnect
          </button>
        ) : (
          <button type="button" className="btn btn-small" disabled={!ready} onClick={() => onFault({ kind: 'isolate', process: process.id })}>
            Isolate
          </button>
        )}
        {canShutDown && (
          <button
            type="button"
            className="btn btn-small"
            disabled={!ready}
            onClick={() => onFault({ kind: 'shutdown', process: process.id })}
            title="Controlled shutdown: the broker asks the controller to move its partition leadership away, then stops cleanly"
          >
            Shut down
          </button>
        )}
      </footer>
    </article>
  );
}
