// The tool bar above the cluster: a "Break" menu with every fault and a "Load" menu with every load
// action of the catalog (actions.ts), each opening its small form (ActionForm) below the bar, with a
// target picker filled from the snapshot. Menus are keyboard operable (role="menu": arrows, Home,
// End, Enter, Escape gives focus back to the button).
//
// Never: lists an action whose kind of target this cluster does not have (no object store, no
// producers), or sends anything itself: the form's submit goes to onFault, like every button.

import { memo, useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Snapshot } from '../../engine/api';
import { ACTIONS, targetsOf, type ActionSpec, type TargetKind } from '../actions';
import { ActionForm, type CheckInput } from './ActionForm';
import { moveMenuFocus, useCloseOnOutsidePress } from '../menu-keys';

const TARGET_NOUN: Record<TargetKind, string> = {
  broker: 'a broker',
  controller: 'a controller',
  server: 'a broker or controller',
  client: 'a client',
  producer: 'a producer',
  consumer: 'a consumer',
  objectStore: 'the object store',
  zone: 'a zone',
  cluster: '',
};

/** The tool bar's name for an action: the catalog's label, and what it acts on when that is not obvious. */
export function toolbarLabel(spec: ActionSpec): string {
  const noun = TARGET_NOUN[spec.target];
  if (noun === '' || spec.target === 'objectStore' || spec.target === 'zone') return spec.label;
  return `${spec.label}: ${noun}`;
}

interface Props {
  readonly snapshot: Snapshot;
  readonly ready: boolean;
  readonly check: CheckInput;
  readonly onFault: (input: unknown) => void;
  /** The line after the menus (compare mode has no cards to right-click, and says where actions go). */
  readonly hint?: string;
}

/** No actions listed: a closed menu's (it lists them only while open). */
const NO_ACTIONS: readonly ActionSpec[] = [];

/**
 * Memoised: the deferred render of App (the panels below the topology) brings the same props. A
 * menu's actions are looked up (every action's targets in the snapshot) only while it is open.
 */
export const Toolbar = memo(function Toolbar({ snapshot, ready, check, onFault, hint = 'Or right-click a card (or use its ⋯ button) for what you can do to it.' }: Props) {
  const [open, setOpen] = useState<'break' | 'load' | null>(null);
  const [form, setForm] = useState<ActionSpec | null>(null);
  // Stable, so the memoised menus skip the render of every frame while closed (the snapshot changes, they do not).
  const onOpen = useCallback((group: 'break' | 'load', value: boolean) => setOpen(value ? group : null), []);
  const onChoose = useCallback((spec: ActionSpec) => {
    setOpen(null);
    setForm(spec);
  }, []);
  const available = (group: 'break' | 'load'): ActionSpec[] =>
    ACTIONS.filter((spec) => spec.group === group && (spec.target === 'cluster' ? spec.enabled({ snapshot, targetId: null }) : targetsOf(spec, snapshot).length > 0));
  return (
    <section className="toolbar" aria-label="Break and load">
      <div className="toolbar-row" role="toolbar" aria-label="Break and load menus">
        {(['break', 'load'] as const).map((group) => (
          <ToolbarMenu
            key={group}
            group={group}
            label={group === 'break' ? 'Break' : 'Load'}
            actions={open === group ? available(group) : NO_ACTIONS}
            open={open === group}
            disabled={!ready}
            onOpen={onOpen}
            onChoose={onChoose}
          />
        ))}
        <span className="muted toolbar-hint">{hint}</span>
      </div>
      {form !== null && (
        <div className="toolbar-form">
          <ActionForm
            key={form.id}
            spec={form}
            snapshot={snapshot}
            targetId={null}
            check={check}
            onSubmit={(input) => {
              onFault(input);
              setForm(null);
            }}
            onCancel={() => setForm(null)}
          />
        </div>
      )}
    </section>
  );
});

/** Memoised: closed, its props stay the same from frame to frame (no actions listed, stable handlers). */
const ToolbarMenu = memo(function ToolbarMenu({
  group,
  label,
  actions,
  open,
  disabled,
  onOpen,
  onChoose,
}: {
  group: 'break' | 'load';
  label: string;
  actions: readonly ActionSpec[];
  open: boolean;
  disabled: boolean;
  onOpen: (group: 'break' | 'load', open: boolean) => void;
  onChoose: (spec: ActionSpec) => void;
}) {
  const button = useRef<HTMLButtonElement | null>(null);
  const wrap = useRef<HTMLDivElement | null>(null);
  const items = useRef<(HTMLButtonElement | null)[]>([]);

  useEffect(() => {
    if (open) items.current.find((item) => item !== null)?.focus();
  }, [open]);

  const closeQuietly = useCallback(() => onOpen(group, false), [onOpen, group]);
  useCloseOnOutsidePress(wrap, open, closeQuietly);

  const close = (): void => {
    onOpen(group, false);
    button.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (moveMenuFocus(event, items.current)) return;
    if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault();
      close();
    }
  };

  return (
    <div className="toolbar-menu" ref={wrap}>
      <button
        ref={button}
        type="button"
        className={`btn btn-small ${group === 'break' ? 'btn-danger' : 'btn-primary'}`}
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={disabled}
        data-testid={`toolbar-${group}`}
        onClick={() => onOpen(group, !open)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown') {
            event.preventDefault();
            onOpen(group, true);
          }
        }}
      >
        {label} ▾
      </button>
      {open && (
        <div className="toolbar-dropdown" role="menu" aria-label={`${label} actions`} onKeyDown={onKeyDown}>
          {actions.map((spec, index) => (
            <button
              key={spec.id}
              ref={(element) => {
                items.current[index] = element;
              }}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className="action-menu-item"
              title={spec.help}
              data-action={spec.id}
              onClick={() => onChoose(spec)}
            >
              {toolbarLabel(spec)}…
            </button>
          ))}
        </div>
      )}
    </div>
  );
});
