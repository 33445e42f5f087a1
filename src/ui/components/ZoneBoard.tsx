import type { Snapshot } from '../../engine/api';
import type { ControllerView } from '../../engine/controller/controller';
import { REGIONAL } from '../../engine/net/network';
import type { Quorum } from '../kraft';
import type { MenuRequest, Selection } from '../selection';
import { ProcessCard } from './ProcessCard';

interface Props {
  readonly snapshot: Snapshot;
  readonly quorum: Quorum;
  readonly authority: { readonly id: string; readonly view: ControllerView } | null;
  readonly ready: boolean;
  readonly onFault: (fault: unknown) => void;
  /** Selects a process for the inspect panel (passed to each card). */
  readonly onSelect?: (selection: Selection) => void;
  readonly selected?: Selection | null;
  /** Opens the actions menu of a process or a zone (right-click, or a card's ⋯ button). */
  readonly onMenu?: (request: MenuRequest) => void;
}

/** The physical cluster: one column per availability zone, controllers above brokers; regional services below. */
export function ZoneBoard({ snapshot, quorum, authority, ready, onFault, onSelect, selected = null, onMenu }: Props) {
  const isSelected = (id: string): boolean => selected?.kind === 'process' && selected.id === id;
  const regional = snapshot.processes.filter((process) => process.zone === REGIONAL);
  return (
    <>
      <section className="zones" aria-label="Availability zones" style={{ gridTemplateColumns: `repeat(${snapshot.zones.length}, minmax(0, 1fr))` }}>
        {snapshot.zones.map((zone) => {
          const members = snapshot.processes.filter((process) => process.zone === zone.id);
          const ordered = [...members.filter((p) => p.role === 'controller'), ...members.filter((p) => p.role !== 'controller')];
          return (
            <div key={zone.id} className={zone.isolated ? 'zone zone-isolated' : 'zone'} data-testid={`zone-${zone.id}`}>
              <header
                className="zone-head"
                onContextMenu={
                  onMenu === undefined
                    ? undefined
                    : (event) => {
                        event.preventDefault();
                        onMenu({ target: { kind: 'zone', id: zone.id }, x: event.clientX, y: event.clientY });
                      }
                }
              >
                <div>
                  <h2>{zone.id}</h2>
                  <span className="zone-sub">
                    {zone.isolated ? 'cut off from the rest of the network' : `availability zone · ${members.length} processes`}
                  </span>
                </div>
                {onMenu !== undefined && (
                  <button
                    type="button"
                    className="btn btn-small btn-icon"
                    aria-haspopup="menu"
                    aria-label={`Actions for ${zone.id}`}
                    data-testid={`actions-${zone.id}`}
                    onClick={(event) => {
                      const rect = event.currentTarget.getBoundingClientRect();
                      onMenu({ target: { kind: 'zone', id: zone.id }, x: rect.left, y: rect.bottom + 4 });
                    }}
                  >
                    ⋯
                  </button>
                )}
                {zone.isolated ? (
                  <button type="button" className="btn btn-small" disabled={!ready} onClick={() => onFault({ kind: 'heal', target: zone.id })}>
                    Reconnect zone
                  </button>
                ) : (
                  <button
                    type="button"
                    className="btn btn-small btn-warn"
                    disabled={!ready}
                    onClick={() => onFault({ kind: 'isolate-zone', zone: zone.id })}
                    aria-label={`Cut ${zone.id} off from the rest of the network`}
                  >
                    Cut off
                  </button>
                )}
              </header>
              <div className="zone-body">
                {ordered.map((process) => (
                  <ProcessCard key={process.id} process={process} quorum={quorum} authority={authority} ready={ready} onFault={onFault} onSelect={onSelect} selected={isSelected(process.id)} onMenu={onMenu} />
                ))}
              </div>
            </div>
          );
        })}
      </section>
      {regional.length > 0 && (
        <section className="region" aria-label="Regional services" data-testid="region">
          <header className="zone-head">
            <div>
              <h2>Region</h2>
              <span className="zone-sub">regional services, in no zone: every broker reaches them</span>
            </div>
          </header>
          <div className="region-body">
            {regional.map((process) => (
              <ProcessCard key={process.id} process={process} quorum={quorum} authority={authority} ready={ready} onFault={onFault} onSelect={onSelect} selected={isSelected(process.id)} onMenu={onMenu} />
            ))}
          </div>
        </section>
      )}
    </>
  );
}
