import type { ReactNode } from 'react';
import type { Moment } from '../../engine/scenario/runner';
import { formatClock } from '../../engine/sim/time';
import type { ScenarioFrame } from '../../worker/host';

interface Props {
  readonly scenario: ScenarioFrame;
  readonly timeUs: number;
  readonly moments: readonly Moment[];
  readonly ready: boolean;
  readonly onContinue: () => void;
  readonly onReplay: () => void;
  /** The guided lesson's step controls (Previous, "Step 3 of 7", Next). */
  readonly steps?: ReactNode;
}

/**
 * A lesson as it unfolds: where we are in it, what the presenter wants the audience to see now,
 * the story so far, and the expectations, decided live. All scenario text is rendered as text.
 */
export function ScenarioPanel({ scenario, timeUs, moments, ready, onContinue, onReplay, steps }: Props) {
  const { info } = scenario;
  const captions = moments.filter((moment) => moment.kind === 'caption');
  const current = captions.at(-1);
  const earlier = captions.slice(0, -1).reverse();
  const progress = Math.min(1, timeUs / info.durationUs);
  const held = scenario.expectations.filter((expectation) => expectation.passed === true).length;
  const failed = scenario.expectations.filter((expectation) => expectation.passed === false).length;
  return (
    <section className="panel lesson" aria-label={`Lesson: ${info.name}`} data-testid="scenario-panel">
      <header className="panel-head">
        <h2>Lesson</h2>
        <span className="muted">
          {formatClock(timeUs)} / {formatClock(info.durationUs)}
        </span>
      </header>
      <h3 className="lesson-title">{info.name}</h3>
      {info.description !== '' && <p className="lesson-description">{info.description}</p>}
      <div
        className="lesson-progress"
        role="progressbar"
        aria-label="Lesson progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(progress * 100)}
      >
        <div className="lesson-progress-fill" style={{ width: `${progress * 100}%` }} />
        {info.stepTimesUs.map((atUs, index) => (
          <span key={index} className="lesson-marker" style={{ left: `${Math.min(100, (atUs / info.durationUs) * 100)}%` }} aria-hidden="true" />
        ))}
      </div>

      {steps}

      {scenario.pausedFor !== null && (
        <div className="lesson-pause" role="status" data-testid="presenter-pause">
          <strong>Paused for the presenter</strong>
          <p>{scenario.pausedFor}</p>
          <button type="button" className="btn btn-primary" onClick={onContinue} disabled={!ready}>
            Continue
          </button>
        </div>
      )}

      {current !== undefined ? (
        <blockquote className="caption" data-testid="caption" aria-live="polite">
          <time>{formatClock(current.atUs)}</time>
          <p>{current.text}</p>
        </blockquote>
      ) : (
        <p className="empty">Press Play: captions appear here as the story unfolds.</p>
      )}

      {earlier.length > 0 && (
        <details className="story">
          <summary>Story so far ({earlier.length} earlier)</summary>
          <ol>
            {earlier.map((moment) => (
              <li key={moment.index}>
                <time>{formatClock(moment.atUs)}</time> {moment.text}
              </li>
            ))}
          </ol>
        </details>
      )}

      {scenario.expectations.length > 0 && (
        <div className="expectations">
          <h4>
            Expectations <span className="muted">{held} held{failed > 0 ? `, ${failed} failed` : ''}</span>
          </h4>
          <ul data-testid="expectations">
            {scenario.expectations.map((expectation) => {
              const state = expectation.passed === true ? 'pass' : expectation.passed === false ? 'fail' : 'open';
              return (
                <li key={expectation.name} className={`expectation expectation-${state}`} title={expectation.detail}>
                  <span className="expectation-mark" aria-label={state === 'pass' ? 'held' : state === 'fail' ? 'failed' : 'not decided yet'}>
                    {state === 'pass' ? '✓' : state === 'fail' ? '✗' : '…'}
                  </span>
                  <span>
                    {expectation.name}
                    {state !== 'open' && <small className="expectation-detail">{expectation.detail}</small>}
                  </span>
                </li>
              );
            })}
          </ul>
        </div>
      )}

      {scenario.done && (
        <div className={failed > 0 ? 'lesson-done lesson-done-bad' : 'lesson-done'} role="status" data-testid="lesson-done">
          <strong>{failed > 0 ? `Finished: ${failed} expectation${failed === 1 ? '' : 's'} did not hold.` : `Finished: all ${held} expectations held.`}</strong>
          <button type="button" className="btn btn-small" onClick={onReplay} disabled={!ready}>
            Replay
          </button>
        </div>
      )}
    </section>
  );
}
