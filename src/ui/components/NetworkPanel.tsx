import { memo, type Ref } from 'react';
import type { Snapshot } from '../../engine/api';
import { CROSS_ZONE_USD_PER_GB, crossZoneCostUsd, formatBytes, formatCount, formatUsd } from '../format';

interface Props {
  /** The network and zones to draw: held away from the viewport while the run plays, on the panel's own turn of the second (App's DeferredPanels, HELD_PHASE_MS). */
  readonly net: Snapshot['network'];
  readonly zones: Snapshot['zones'];
  readonly ready: boolean;
  readonly onFault: (fault: unknown) => void;
  /** The panel's section, which its parent watches to know whether it is on screen. */
  readonly sectionRef?: Ref<HTMLElement>;
}

/**
 * Traffic between zones and the network's faults. Its counts move in every frame; held below the
 * fold while the run plays (on its own turn of the second, HELD_PHASE_MS), it draws them about once
 * a second there, and in every deferred commit on screen or paused. Memoised: its parent decides
 * what it shows and gives a held panel the same network and zones (frame-delta.ts keeps unchanged
 * objects), so the deferred commits in which it holds skip it (issue 7, item 9: it rendered in each
 * of them only to decide to hold). The heal button's count and state follow the faults it shows: on
 * screen, or paused, the newest. Its parts are memoised on the text they show (counts in three
 * significant figures, the zones and faults by identity), so a commit reconciles the figures and
 * cells whose text changed (issue 7, item 9: the panel reconciled its ~40 elements in each deferred
 * commit).
 */
export const NetworkPanel = memo(function NetworkPanel({ net, zones, ready, onFault, sectionRef }: Props) {
  const bytesBetween = (from: string, to: string) =>
    net.zoneTraffic.find((traffic) => traffic.from === from && traffic.to === to)?.bytes ?? 0;
  return (
    <section ref={sectionRef} className="panel network" aria-label="Network">
      <NetworkHead faults={net.faults.length} ready={ready} onFault={onFault} />
      <dl className="figures">
        <NetworkFigure label="Messages" value={formatCount(net.messagesTotal)} />
        <NetworkFigure label="Bytes" value={formatBytes(net.bytesTotal)} />
        <NetworkFigure
          label="Cross-zone"
          help={`Billed on both sides at $${CROSS_ZONE_USD_PER_GB}/GB each way (AWS price assumed)`}
          testId="cross-zone-bytes"
          value={formatBytes(net.crossZoneBytes)}
          cost={formatUsd(crossZoneCostUsd(net.crossZoneBytes))}
        />
        <NetworkFigure label="Dropped" help="Messages refused by a partition, or lost on a lossy link" testId="dropped" value={formatCount(net.droppedByPartition + net.droppedByLoss)} />
      </dl>
      <table className="matrix">
        {MATRIX_CAPTION}
        <MatrixHead zones={zones} />
        <tbody>
          {zones.map(({ id: from }) => (
            <ZoneRow key={from} from={from} zones={zones} cells={zones.map(({ id: to }) => formatBytes(bytesBetween(from, to))).join(CELL_SEPARATOR)} />
          ))}
        </tbody>
      </table>
      <FaultList faults={net.faults} />
    </section>
  );
});

type Zones = Snapshot['zones'];

/** Joins a row's cells into one string (memo compares strings; no formatted size holds it). */
const CELL_SEPARATOR = '\n';

const MATRIX_CAPTION = <caption>Bytes sent between zones (row → column)</caption>;

const NetworkHead = memo(function NetworkHead({ faults, ready, onFault }: { faults: number; ready: boolean; onFault: Props['onFault'] }) {
  return (
    <header className="panel-head">
      <h2>Network</h2>
      {faults > 0 && (
        <button type="button" className="btn btn-small" disabled={!ready} onClick={() => onFault({ kind: 'heal' })}>
          Heal all ({faults})
        </button>
      )}
    </header>
  );
});

interface FigureProps {
  readonly label: string;
  readonly value: string;
  readonly help?: string;
  readonly testId?: string;
  /** Drawn muted after the value (the cross-zone bytes' price). */
  readonly cost?: string;
}

const NetworkFigure = memo(function NetworkFigure({ label, value, help, testId, cost }: FigureProps) {
  return (
    <div>
      <dt title={help}>{label}</dt>
      <dd data-testid={testId}>
        {cost === undefined ? (
          value
        ) : (
          <>
            {value} <span className="muted">{cost}</span>
          </>
        )}
      </dd>
    </div>
  );
});

const MatrixHead = memo(function MatrixHead({ zones }: { zones: Zones }) {
  return (
    <thead>
      <tr>
        <th scope="col">from \ to</th>
        {zones.map(({ id }) => (
          <th key={id} scope="col">
            {id}
          </th>
        ))}
      </tr>
    </thead>
  );
});

/** One zone's row of the matrix: `cells` are its bytes sent to each zone, as text, joined by CELL_SEPARATOR. */
const ZoneRow = memo(function ZoneRow({ from, zones, cells }: { from: string; zones: Zones; cells: string }) {
  const texts = cells.split(CELL_SEPARATOR);
  return (
    <tr>
      <th scope="row">{from}</th>
      {zones.map(({ id: to }, index) => (
        <td key={to} className={from === to ? 'same-zone' : 'cross-zone'}>
          {texts[index]}
        </td>
      ))}
    </tr>
  );
});

const FaultList = memo(function FaultList({ faults }: { faults: Snapshot['network']['faults'] }) {
  if (faults.length === 0) return null;
  return (
    <ul className="faults" aria-label="Active network faults">
      {faults.map((fault, index) => (
        <li key={index}>
          {fault.kind === 'isolate-process'
            ? `${fault.process} isolated`
            : fault.kind === 'isolate-zone'
              ? `${fault.zone} cut off`
              : `${fault.kind} ${fault.from} → ${fault.to}`}
        </li>
      ))}
    </ul>
  );
});
