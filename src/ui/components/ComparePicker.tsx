// The form that opens compare mode: a lesson (or free play, or the edited scenario the single view
// runs), and one setting with two values,
// either a ready-made contrast (ISR vs quorum, KRaft vs ZooKeeper, ...) or a path and two values
// the person types, checked as they type (parseCompareInput) and again, per side, on start (the
// scenario's own validation, by App through compareSetups).
//
// Owns: the form's fields. Never: starts workers (App does, on onStart).

import { useId, useState } from 'react';
import { COMPARE_PRESETS, parseCompareInput, type CompareSpec } from '../compare';
import { freePlayLabel } from '../free-play';
import type { LibraryEntry } from '../library';

interface Props {
  readonly library: readonly LibraryEntry[];
  /** The lesson open in the single view (preselected), or null for free play. */
  readonly current: string | null;
  /** Whether the single view runs an edited scenario: it is offered (and preselected). */
  readonly edited: boolean;
  /** Free play's broker count when a link asked for one (`?brokers=N`), else null: a free-play comparison runs that cluster. */
  readonly freeBrokers?: number | null;
  /** Why the last start was refused (a variant the scenario does not allow), shown under the form. */
  readonly problem: string | null;
  /** The lesson chosen (null: free play, or the edited scenario when `edited` is true) and the setting. */
  readonly onStart: (lessonId: string | null, spec: CompareSpec, edited: boolean) => void;
  readonly onCancel: () => void;
}

const CUSTOM = 'custom';
/** The select's value for the edited scenario (lesson ids are file names, which never start with ":"). */
const EDITED = ':edited';

export function ComparePicker({ library, current, edited, freeBrokers = null, problem, onStart, onCancel }: Props) {
  const ids = useId();
  const [lesson, setLesson] = useState<string>(edited ? EDITED : (current ?? ''));
  const [preset, setPreset] = useState<string>(COMPARE_PRESETS[0]!.id);
  const [path, setPath] = useState('config.min.insync.replicas');
  const [values, setValues] = useState('1,2');
  const chosen = COMPARE_PRESETS.find((candidate) => candidate.id === preset);
  const custom = preset === CUSTOM ? parseCompareInput(path, values) : null;
  const spec = chosen?.spec ?? (custom?.ok === true ? custom.value : null);
  return (
    <section className="panel compare-picker" aria-label="Set up compare mode">
      <header className="panel-head">
        <h2>Compare two designs</h2>
        <span className="muted">two workers run the same lesson with the same seed, load and faults; one setting differs</span>
      </header>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (spec !== null) onStart(lesson === '' || lesson === EDITED ? null : lesson, spec, lesson === EDITED);
        }}
      >
        <label className="picker">
          <span>Lesson</span>
          <select value={lesson} onChange={(event) => setLesson(event.target.value)} aria-label="Lesson to compare">
            <option value="">{freePlayLabel(freeBrokers)}</option>
            {edited && <option value={EDITED}>Your edited scenario</option>}
            {library.map((entry) => (
              <option key={entry.id} value={entry.id}>
                {entry.name}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="compare-choices">
          <legend>Setting to vary</legend>
          {COMPARE_PRESETS.map((option) => (
            <label key={option.id} className="compare-choice">
              <input type="radio" name={`${ids}-preset`} value={option.id} checked={preset === option.id} onChange={() => setPreset(option.id)} />
              {option.label}
            </label>
          ))}
          <label className="compare-choice">
            <input type="radio" name={`${ids}-preset`} value={CUSTOM} checked={preset === CUSTOM} onChange={() => setPreset(CUSTOM)} />
            Another setting:
          </label>
          <div className="compare-custom">
            <label>
              <span>path</span>
              <input
                type="text"
                value={path}
                spellCheck={false}
                aria-label="Setting path"
                aria-invalid={custom?.ok === false}
                aria-describedby={`${ids}-error`}
                onFocus={() => setPreset(CUSTOM)}
                onChange={(event) => setPath(event.target.value)}
              />
            </label>
            <label>
              <span>two values</span>
              <input
                type="text"
                value={values}
                spellCheck={false}
                aria-label="Two values, separated by a comma"
                aria-invalid={custom?.ok === false}
                aria-describedby={`${ids}-error`}
                onFocus={() => setPreset(CUSTOM)}
                onChange={(event) => setValues(event.target.value)}
              />
            </label>
          </div>
          <p className="muted compare-hint">
            A path is a field of the scenario file: a name under "cluster" (dataReplication, brokers), a Kafka setting (config.min.insync.replicas), or a
            field like load.producers.0.acks.
          </p>
          <p id={`${ids}-error`} className="compare-error" role={custom?.ok === false ? 'alert' : undefined} data-testid="compare-input-error">
            {custom?.ok === false ? custom.error : ''}
          </p>
        </fieldset>
        {problem !== null && (
          <p className="banner banner-bad" role="alert" data-testid="compare-start-problem">
            {problem}
          </p>
        )}
        <div className="compare-actions">
          <button type="submit" className="btn btn-primary" disabled={spec === null}>
            Start comparing
          </button>
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
