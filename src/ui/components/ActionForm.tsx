// The small form of one catalog action (actions.ts): a target picker when the action was not opened
// on a target, its fields with units and defaults, and the engine's own verdict as you type (the
// host's check, which refuses exactly what inject would), shown next to the field it is about.
// Submitting sends the input through the same path as every other button (onFault in App.tsx).
//
// Never: decides by itself what the engine accepts beyond reading numbers; sends an input the last
// check refused; keeps a verdict for values that have changed since (each check is numbered).

import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { Snapshot } from '../../engine/api';
import type { Outcome } from '../../worker/host';
import { convertValues, fieldOfProblem, targetsOf, type ActionSpec, type FieldValue } from '../actions';

/** How long typing must rest before the engine is asked. */
const CHECK_DELAY_MS = 120;

export type CheckInput = (input: unknown) => Promise<Outcome<string>>;

interface Props {
  readonly spec: ActionSpec;
  readonly snapshot: Snapshot;
  /** The target it was opened on; null: the form offers a picker (or none, for cluster-wide actions). */
  readonly targetId: string | null;
  readonly check: CheckInput;
  readonly onSubmit: (input: unknown) => void;
  readonly onCancel: () => void;
}

type Verdict = { readonly state: 'checking' } | { readonly state: 'ok' } | { readonly state: 'refused'; readonly byField: Readonly<Record<string, string>>; readonly general: string | null };

export function ActionForm({ spec, snapshot, targetId, check, onSubmit, onCancel }: Props) {
  const formId = useId();
  const needsTarget = spec.target !== 'cluster' && targetId === null;
  const targets = useMemo(() => (needsTarget ? targetsOf(spec, snapshot) : []), [needsTarget, spec, snapshot]);
  const [pickedTarget, setPickedTarget] = useState<string>(() => targetId ?? targets.find((target) => target.enabled)?.id ?? targets[0]?.id ?? '');
  const target = targetId ?? (needsTarget ? pickedTarget : null);
  // The defaults are read once, when the form opens (a frame later must not overwrite what is typed).
  const [raw, setRaw] = useState<Record<string, FieldValue>>(() => {
    const context = { snapshot, targetId: target };
    return Object.fromEntries(spec.fields.map((field) => [field.name, field.initial(context)]));
  });
  const converted = useMemo(() => convertValues(spec, raw), [spec, raw]);
  const input = useMemo(() => spec.build(target, converted.values), [spec, target, converted.values]);
  const inputKey = JSON.stringify(input);
  const localProblems = converted.problems;
  const hasLocalProblem = Object.keys(localProblems).length > 0 || (needsTarget && target === '');
  const [verdict, setVerdict] = useState<Verdict>({ state: 'checking' });
  const checkSeq = useRef(0);

  useEffect(() => {
    const seq = ++checkSeq.current;
    if (hasLocalProblem) return;
    setVerdict({ state: 'checking' });
    const timer = window.setTimeout(() => {
      void check(JSON.parse(inputKey)).then((outcome) => {
        if (seq !== checkSeq.current) return; // the values changed meanwhile
        if (outcome.ok) {
          setVerdict({ state: 'ok' });
          return;
        }
        const byField: Record<string, string> = {};
        let general: string | null = null;
        for (const problem of outcome.problems) {
          const field = fieldOfProblem(spec, problem.path);
          if (field !== null && byField[field] === undefined) byField[field] = problem.message;
        }
        if (outcome.problems.length === 0) {
          const field = spec.problemField?.(outcome.error) ?? null;
          if (field !== null) byField[field] = outcome.error;
          else general = outcome.error;
        } else if (Object.keys(byField).length === 0) {
          general = outcome.error;
        }
        setVerdict({ state: 'refused', byField, general });
      });
    }, CHECK_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [inputKey, hasLocalProblem, check, spec]);

  const refused = verdict.state === 'refused' ? verdict : null;
  const canSubmit = !hasLocalProblem && verdict.state === 'ok';
  const messageOf = (name: string): string | null => localProblems[name] ?? refused?.byField[name] ?? null;
  const firstField = useRef<HTMLElement | null>(null);
  useEffect(() => firstField.current?.focus(), []);

  return (
    <form
      className="action-form"
      aria-label={spec.label}
      data-testid={`action-form-${spec.id}`}
      onSubmit={(event) => {
        event.preventDefault();
        if (canSubmit) onSubmit(input);
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onCancel();
        }
      }}
    >
      <header className="action-form-head">
        <h3>
          {spec.label}
          {targetId !== null && <span className="muted"> · {targetId}</span>}
        </h3>
        <p className="muted">{spec.help}</p>
      </header>
      {needsTarget && (
        <div className="action-field">
          <label htmlFor={`${formId}-target`}>{spec.target === 'zone' ? 'Zone' : 'Target'}</label>
          <select
            id={`${formId}-target`}
            ref={(element) => {
              if (firstField.current === null) firstField.current = element;
            }}
            value={pickedTarget}
            onChange={(event) => setPickedTarget(event.target.value)}
          >
            {targets.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.id}
                {candidate.enabled ? '' : ' (not now)'}
              </option>
            ))}
          </select>
          {targets.length === 0 && <span className="field-problem" role="alert">nothing of this kind in the cluster</span>}
        </div>
      )}
      {spec.fields.map((field) => {
        const id = `${formId}-${field.name}`;
        const problem = messageOf(field.name);
        const problemId = `${id}-problem`;
        const common = {
          id,
          'aria-invalid': problem !== null,
          'aria-describedby': problem !== null ? problemId : undefined,
          'data-field': field.name,
          ref: (element: HTMLElement | null) => {
            if (firstField.current === null) firstField.current = element;
          },
        };
        const value = raw[field.name];
        const set = (next: FieldValue): void => setRaw((previous) => ({ ...previous, [field.name]: next }));
        return (
          <div key={field.name} className={field.type === 'checkbox' ? 'action-field action-field-check' : 'action-field'} title={field.help}>
            <label htmlFor={id}>{field.label}</label>
            {field.type === 'checkbox' ? (
              <input {...common} type="checkbox" checked={value === true} onChange={(event) => set(event.target.checked)} />
            ) : field.type === 'select' ? (
              <select {...common} value={String(value)} onChange={(event) => set(event.target.value)}>
                {(field.options?.({ snapshot, targetId: target }) ?? []).map(([optionValue, label]) => (
                  <option key={optionValue} value={optionValue}>
                    {label}
                  </option>
                ))}
              </select>
            ) : (
              <input
                {...common}
                type="text"
                inputMode={field.type === 'number' ? 'decimal' : undefined}
                value={String(value)}
                placeholder={field.optional ? 'default' : undefined}
                onChange={(event) => set(event.target.value)}
              />
            )}
            {field.unit !== undefined && <span className="field-unit">{field.unit}</span>}
            {problem !== null && (
              <span id={problemId} className="field-problem" role="alert" data-testid={`problem-${field.name}`}>
                {problem}
              </span>
            )}
          </div>
        );
      })}
      {refused?.general !== null && refused?.general !== undefined && (
        <p className="field-problem" role="alert" data-testid="problem-general">
          {refused.general}
        </p>
      )}
      <footer className="action-form-foot">
        <button type="submit" className="btn btn-small btn-primary" disabled={!canSubmit} data-testid="action-submit">
          {verdict.state === 'checking' && !hasLocalProblem ? 'Checking…' : spec.label}
        </button>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
      </footer>
    </form>
  );
}
