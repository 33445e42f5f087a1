import type { PeerView, ProcessSnapshot } from '../../engine/api';
import { formatSpan } from '../../engine/sim/time';
import { formatBytes } from '../format';

interface Props {
  readonly process: ProcessSnapshot;
  readonly ready: boolean;
  readonly onFault: (fault: unknown) => void;
}

const ROLE_LABEL: Record<string, string> = { controller: 'Controller', broker: 'Broker', client: 'Client', objectStore: 'Object store' };

function statusOf(process: ProcessSnapshot): { label: string; tone: string } {
  if (process.status === 'crashed') return { label: 'Crashed', tone: 'bad' };
  if (process.isolated) return { label: 'Isolated', tone: 'warn' };
  return { label: 'Up', tone: 'good' };
}

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

export function ProcessCard({ process, ready, onFault }: Props) {
  const status = statusOf(process);
  const probe = process.view?.probe;
  const peers = probe?.peers ?? [];
  const rtts = peers.map((peer) => peer.rttUs).filter((rtt): rtt is number => rtt !== null);
  const rttMedian = rtts.length > 0 ? [...rtts].sort((a, b) => a - b)[Math.floor(rtts.length / 2)]! : null;
  return (
    <article className={`card card-${process.role} card-${status.tone}`} data-testid={`process-${process.id}`} aria-label={`${ROLE_LABEL[process.role]} ${process.id}, ${status.label}`}>
      <header className="card-head">
        <span className={`role-icon role-${process.role}`} aria-hidden="true">
          {process.role === 'controller' ? '◆' : '■'}
        </span>
        <div className="card-title">
          <h3>{process.id}</h3>
          <span className="card-role">{ROLE_LABEL[process.role]}</span>
        </div>
        <span className={`pill pill-${status.tone}`} data-testid={`status-${process.id}`}>
          {status.label}
        </span>
      </header>
      {process.status === 'up' && probe ? (
        <div className="card-body">
          <div className="stat-row">
            <span>
              reaches <strong>{probe.reachable}</strong>/{peers.length} peers
            </span>
            <span>{rttMedian !== null ? `rtt ${formatSpan(rttMedian)}` : 'rtt —'}</span>
          </div>
          <PeerDots peers={peers} />
          <div className="stat-row muted">
            <span>↑ {formatBytes(process.bytesSent)}</span>
            <span>↓ {formatBytes(process.bytesReceived)}</span>
          </div>
        </div>
      ) : (
        <div className="card-body card-down">
          {process.crashes > 0 ? `Down. Crashed ${process.crashes}×; its disk survives, its memory does not.` : 'Down.'}
        </div>
      )}
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
      </footer>
    </article>
  );
}
