// The context menu of a target (a MenuRequest from selection.ts: a process or a zone, at page
// coordinates): the catalog's actions for it (actions.ts), those that make no sense now shown
// disabled. An action without fields is sent at once; one with fields opens its form in place.
// Keyboard: it takes focus on its first enabled item; arrows, Home and End move; Enter or Space
// acts; Escape (or Tab) closes and gives focus back to what opened it. It stays inside the viewport.
//
// Never: acts on a stale target (it reads the current snapshot every render), or stays open over
// a click elsewhere.

import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Snapshot } from '../../engine/api';
import { actionsFor, type ActionSpec } from '../actions';
import { selectionLabel, type MenuRequest } from '../selection';
import { moveMenuFocus, useCloseOnOutsidePress } from '../menu-keys';
import { ActionForm, type CheckInput } from './ActionForm';

/** Kept between the menu and the viewport's edge. */
const EDGE_MARGIN_PX = 8;

interface Props {
  readonly request: MenuRequest;
  readonly snapshot: Snapshot;
  readonly ready: boolean;
  readonly check: CheckInput;
  readonly onFault: (input: unknown) => void;
  readonly onClose: () => void;
}

export function ActionMenu({ request, snapshot, ready, check, onFault, onClose }: Props) {
  const target = request.target;
  const targetId = target.kind === 'partition' ? null : target.id;
  const actions = actionsFor(target, snapshot);
  const enabledOf = (spec: ActionSpec): boolean => ready && spec.enabled({ snapshot, targetId });
  const [form, setForm] = useState<ActionSpec | null>(null);
  const box = useRef<HTMLDivElement | null>(null);
  const items = useRef<(HTMLButtonElement | null)[]>([]);
  const [position, setPosition] = useState({ left: request.x, top: request.y });
  const opener = useRef<Element | null>(null);

  // Remember what had focus, and give it back on closing.
  useEffect(() => {
    opener.current = document.activeElement;
    return () => {
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
    };
  }, []);

  // Inside the viewport, measured once laid out (and again when the form replaces the list).
  useLayoutEffect(() => {
    const element = box.current;
    if (element === null) return;
    const rect = element.getBoundingClientRect();
    const left = Math.max(EDGE_MARGIN_PX, Math.min(request.x, window.innerWidth - rect.width - EDGE_MARGIN_PX));
    const top = Math.max(EDGE_MARGIN_PX, Math.min(request.y, window.innerHeight - rect.height - EDGE_MARGIN_PX));
    setPosition((previous) => (previous.left === left && previous.top === top ? previous : { left, top }));
  }, [request.x, request.y, form]);

  // Focus the first enabled item when the list shows.
  useEffect(() => {
    if (form !== null) return;
    const first = items.current.find((item) => item !== null && item.getAttribute('aria-disabled') !== 'true') ?? items.current[0];
    first?.focus();
  }, [form]);

  // A click outside closes it.
  useCloseOnOutsidePress(box, true, onClose);

  const act = (spec: ActionSpec): void => {
    if (!enabledOf(spec)) return;
    if (spec.fields.length > 0) {
      setForm(spec);
      return;
    }
    onFault(spec.build(targetId, {}));
    onClose();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (form !== null) return; // the form handles its own keys (Escape cancels it)
    if (moveMenuFocus(event, items.current)) return;
    if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault();
      onClose();
    }
  };

  const label = selectionLabel(target);
  return (
    <div
      ref={box}
      className="action-menu"
      style={{ left: position.left, top: position.top }}
      data-testid="action-menu"
      onKeyDown={onKeyDown}
      onContextMenu={(event) => event.preventDefault()}
    >
      {form !== null ? (
        <ActionForm
          spec={form}
          snapshot={snapshot}
          targetId={targetId}
          check={check}
          onSubmit={(input) => {
            onFault(input);
            onClose();
          }}
          onCancel={() => setForm(null)}
        />
      ) : (
        <div role="menu" aria-label={`Actions for ${label}`}>
          <div className="action-menu-title" aria-hidden="true">
            {label}
          </div>
          {actions.length === 0 && <p className="muted action-menu-empty">Nothing to do to {label} from here.</p>}
          {actions.map((spec, index) => {
            const enabled = enabledOf(spec);
            return (
              <button
                key={spec.id}
                ref={(element) => {
                  items.current[index] = element;
                }}
                type="button"
                role="menuitem"
                tabIndex={-1}
                className={`action-menu-item action-${spec.group}`}
                aria-disabled={!enabled}
                title={spec.help}
                data-action={spec.id}
                onClick={() => act(spec)}
              >
                <span>{spec.label}</span>
                {spec.fields.length > 0 && <span aria-hidden="true">…</span>}
              </button>
            );
          })}
        </div>
      )}
    </div>
  );
}
