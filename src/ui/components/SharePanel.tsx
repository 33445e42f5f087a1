// "Share": a link to the moment shown, with the lesson (or the edited scenario's text), the seed,
// the simulated time and event count (free play's broker count when not the default), and the person's actions up to it; opening it rebuilds the
// same moment (same clock, same trace hash). The link goes to the clipboard; where the browser
// refuses (no permission, no secure context), it is shown selected in a field to copy by hand.
// A link too long to travel is refused with the reason. In compare mode the link also names the
// comparison (compare=SETTING:A,B) and gives each side's event count; its actions are the faults
// applied to both (CompareSession.momentToShare), and opening it shows both runs at the moment.
// Never: changes the run.
import { memo, useEffect, useRef, useState } from 'react';
import './lessons.css';
import { compareParamOf } from '../compare';
import type { CompareSession } from '../compare-session';
import type { EngineClient } from '../engine-client';
import { SHARE_LINK_CHARS_MAX } from '../link-payload';
import { shareLinkFor, type SharedMoment } from '../url-params';

interface Props {
  readonly client: EngineClient | null;
  /** In compare mode, the two runs: the link is to the moment both show. */
  readonly compare: CompareSession | null;
  /** The library lesson's id, or null (free play, or an edited scenario). */
  readonly scenario: string | null;
  /** The edited scenario's text, when one runs. */
  readonly edited: string | null;
  readonly seed: number;
  /** Free play's broker count when it is not the default (?brokers=N), or null. */
  readonly brokers: number | null;
  readonly disabled: boolean;
}

type ShareState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'working' }
  | { readonly kind: 'copied'; readonly link: string }
  | { readonly kind: 'manual'; readonly link: string; readonly reason: string }
  | { readonly kind: 'refused'; readonly message: string };

export const SharePanel = memo(function SharePanel({ client, compare, scenario, edited, seed, brokers, disabled }: Props) {
  const [state, setState] = useState<ShareState>({ kind: 'idle' });
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (state.kind === 'manual' && field.current !== null) {
      field.current.focus();
      field.current.select();
    }
  }, [state]);

  const share = async (): Promise<void> => {
    if (client === null && compare === null) return;
    setState({ kind: 'working' });
    const setup = { scenario, edited, seed, brokers };
    let shared: SharedMoment;
    if (compare !== null) {
      const moment = await compare.momentToShare();
      if (!moment.ok) {
        setState({ kind: 'refused', message: `This moment cannot be shared yet: ${moment.error}.` });
        return;
      }
      shared = { ...setup, compare: compareParamOf(compare.plan.spec), ...moment.value };
    } else {
      const moment = await client!.momentToShare();
      if (!moment.ok) {
        setState({ kind: 'refused', message: `This moment cannot be shared yet: ${moment.error}.` });
        return;
      }
      shared = { ...setup, atUs: moment.value.atUs, events: moment.value.events, actions: moment.value.inputs };
    }
    const base = `${window.location.origin}${window.location.pathname}`;
    const made = await shareLinkFor(base, shared, SHARE_LINK_CHARS_MAX);
    if (!made.ok) {
      setState({ kind: 'refused', message: made.error });
      return;
    }
    try {
      if (navigator.clipboard === undefined) throw new Error('this page has no clipboard access (it needs https or localhost)');
      await navigator.clipboard.writeText(made.link);
      setState({ kind: 'copied', link: made.link });
    } catch (error) {
      const reason = error instanceof Error && error.message !== '' ? error.message : 'the browser refused';
      setState({ kind: 'manual', link: made.link, reason });
    }
  };

  return (
    <div className="share">
      <button
        type="button"
        className="btn btn-small"
        disabled={disabled || (client === null && compare === null) || state.kind === 'working'}
        onClick={() => void share()}
        title="Copy a link to this moment: the lesson, the seed, the simulated time and your actions"
      >
        Share this moment
      </button>
      {state.kind !== 'idle' && state.kind !== 'working' && (
        <div className="share-panel" role="group" aria-label="Shared link" data-testid="share-panel">
          <p role="status" className={state.kind === 'refused' ? 'share-bad' : undefined}>
            {state.kind === 'copied'
              ? compare !== null
                ? 'Link copied. Opening it shows both runs at this moment, with the same actions: the same clock and the same trace hashes.'
                : 'Link copied. Opening it shows this moment: the same clock and the same trace hash.'
              : state.kind === 'manual'
                ? `The clipboard refused (${state.reason}): the link is selected below; copy it with Ctrl+C (⌘C on a Mac).`
                : state.message}
          </p>
          {state.kind !== 'refused' && (
            <input ref={field} className="share-link" type="text" readOnly value={state.link} aria-label="Link to this moment" data-testid="share-link" onFocus={(event) => event.currentTarget.select()} />
          )}
          <button type="button" className="btn btn-small" onClick={() => setState({ kind: 'idle' })}>
            Close
          </button>
        </div>
      )}
    </div>
  );
});
