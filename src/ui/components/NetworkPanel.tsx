import type { Snapshot } from '../../engine/api';
import { CROSS_ZONE_USD_PER_GB, crossZoneCostUsd, formatBytes, formatCount, formatUsd } from '../format';

interface Props {
  readonly snapshot: Snapshot;
  readonly ready: boolean;
  readonly onFault: (fault: unknown) => void;
}

export function NetworkPanel({ snapshot, ready, onFault }: Props) {
  const net = snapshot.network;
  const zones = snapshot.zones.map((zone) => zone.id);
  const bytesBetween = (from: string, to: string) =>
    net.zoneTraffic.find((traffic) => traffic.from === from && traffic.to === to)?.bytes ?? 0;
  return (
    <section className="panel network" aria-label="Network">
      <header className="panel-head">
        <h2>Network</h2>
        {net.faults.length > 0 && (
          <button type="button" className="btn btn-small" disabled={!ready} onClick={() => onFault({ kind: 'heal' })}>
            Heal all ({net.faults.length})
          </button>
        )}
      </header>
      <dl className="figures">
        <div>
          <dt>Messages</dt>
          <dd>{formatCount(net.messagesTotal)}</dd>
        </div>
        <div>
          <dt>Bytes</dt>
          <dd>{formatBytes(net.bytesTotal)}</dd>
        </div>
        <div>
          <dt title={`Billed on both sides at $${CROSS_ZONE_USD_PER_GB}/GB each way (AWS price assumed)`}>Cross-zone</dt>
          <dd data-testid="cross-zone-bytes">
            {formatBytes(net.crossZoneBytes)} <span className="muted">{formatUsd(crossZoneCostUsd(net.crossZoneBytes))}</span>
          </dd>
        </div>
        <div>
          <dt title="Messages refused by a partition, or lost on a lossy link">Dropped</dt>
          <dd data-testid="dropped">{formatCount(net.droppedByPartition + net.droppedByLoss)}</dd>
        </div>
      </dl>
      <table className="matrix">
        <caption>Bytes sent between zones (row → column)</caption>
        <thead>
          <tr>
            <th scope="col">from \ to</th>
            {zones.map((zone) => (
              <th key={zone} scope="col">
                {zone}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {zones.map((from) => (
            <tr key={from}>
              <th scope="row">{from}</th>
              {zones.map((to) => (
                <td key={to} className={from === to ? 'same-zone' : 'cross-zone'}>
                  {formatBytes(bytesBetween(from, to))}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {net.faults.length > 0 && (
        <ul className="faults" aria-label="Active network faults">
          {net.faults.map((fault, index) => (
            <li key={index}>
              {fault.kind === 'isolate-process'
                ? `${fault.process} isolated`
                : fault.kind === 'isolate-zone'
                  ? `${fault.zone} cut off`
                  : `${fault.kind} ${fault.from} → ${fault.to}`}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
