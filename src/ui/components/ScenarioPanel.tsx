import { memo, type ReactNode } from 'react';
import type { Moment } from '../../engine/scenario/runner';
import { formatClock } from '../../engine/sim/time';
import type { ScenarioFrame } from '../../worker/host';
import { digitsAsZeros, StableText } from './StableText';

type Info = ScenarioFrame['info'];
type Expectations = ScenarioFrame['expectations'];

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
 * The clock and the progress bar change in every frame; the rest is drawn by parts memoised on
 * the frame's objects, which keep their identity while unchanged (frame-delta.ts; the moments are
 * a new array only when one arrives): issue 7, item 9, the panel reconciled its ~40 elements in
 * every urgent commit to change two.
 */
export function ScenarioPanel({ scenario, timeUs, moments, ready, onContinue, onReplay, steps }: Props) {
  const { info } = scenario;
  const progress = Math.min(1, timeUs / info.durationUs);
  return (
    <section className="panel lesson" aria-label={`Lesson: ${info.name}`} data-testid="scenario-panel">
      <header className="panel-head">
        <h2>Lesson</h2>
        <span className="muted">
          {formatClock(timeUs)} / {formatClock(info.durationUs)}
        </span>
      </header>
      <LessonIntro info={info} />
      <div
        className="lesson-progress"
        role="progressbar"
        aria-label="Lesson progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(progress * 100)}
      >
        <div className="lesson-progress-fill" style={{ width: `${progress * 100}%` }} />
        <StepMarkers info={info} />
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

      <LessonStory moments={moments} />
      <LessonEnd expectations={scenario.expectations} done={scenario.done} ready={ready} onReplay={onReplay} />
    </section>
  );
}

/** The lesson's title and description. */
const LessonIntro = memo(function LessonIntro({ info }: { info: Info }) {
  return (
    <>
      <h3 className="lesson-title">{info.name}</h3>
      {info.description !== '' && <p className="lesson-description">{info.description}</p>}
    </>
  );
});

/** Where the lesson's steps fall on its progress bar. */
const StepMarkers = memo(function StepMarkers({ info }: { info: Info }) {
  return info.stepTimesUs.map((atUs, index) => (
    <span key={index} className="lesson-marker" style={{ left: `${Math.min(100, (atUs / info.durationUs) * 100)}%` }} aria-hidden="true" />
  ));
});

/** The newest caption, and the earlier ones folded. */
const LessonStory = memo(function LessonStory({ moments }: { moments: readonly Moment[] }) {
  const captions = moments.filter((moment) => moment.kind === 'caption');
  const current = captions.at(-1);
  const earlier = captions.slice(0, -1).reverse();
  return (
    <>
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
    </>
  );
});

interface EndProps {
  readonly expectations: Expectations;
  readonly done: boolean;
  readonly ready: boolean;
  readonly onReplay: () => void;
}

/**
 * The copy an expectation's detail is drawn over: its digits as zeros, and each time span at least
 * one decimal long. The runner trims a span's zeros ("at 34s", then "at 34.3s": formatSpan), so a
 * copy of the text alone changed width, and wrapped differently, whenever a check fell on a whole
 * second; this one changes only when a number gains a digit. Never narrower than the text.
 */
export function detailTemplate(detail: string): string {
  return digitsAsZeros(detail).replace(/\b(0+)(?:\.(0+))?(µs|ms|s)\b/g, (_match, whole: string, fraction: string | undefined, unit: string) => `${whole}.${'0'.repeat(Math.max(1, fraction?.length ?? 0))}${unit}`);
}

/**
 * One expectation, memoised on what it draws: an expectation checked throughout the run says so with
 * the value last seen ("held at every check so far (last: ...)"), a new text in every frame, while
 * the others stay as they are. Its detail is a tooltip only while undecided: once decided the item
 * shows it in full, and a title repeating it wrote the same new text twice in every frame. That
 * detail is drawn over a copy of itself with its digits as zeros (StableText): its height followed
 * its text, and each new value that wrapped differently (digits are proportional) changed the lesson
 * panel's scroll extent or moved the event log below it, and Chromium re-layerized the page for it
 * (docs/architecture.md, the seventeenth session).
 */
const ExpectationItem = memo(function ExpectationItem({ name, passed, detail }: { name: string; passed: boolean | null; detail: string }) {
  const state = passed === true ? 'pass' : passed === false ? 'fail' : 'open';
  return (
    <li className={`expectation expectation-${state}`} title={state === 'open' ? detail : undefined}>
      <span className="expectation-mark" aria-label={state === 'pass' ? 'held' : state === 'fail' ? 'failed' : 'not decided yet'}>
        {state === 'pass' ? '✓' : state === 'fail' ? '✗' : '…'}
      </span>
      <span>
        {name}
        {state !== 'open' && (
          <small className="expectation-detail">
            <StableText text={detail} template={detailTemplate(detail)} />
          </small>
        )}
      </span>
    </li>
  );
});

/** The expectations, and the lesson's end (App's onReplay is stable while the setup is the same). */
const LessonEnd = memo(
  function LessonEnd({ expectations, done, ready, onReplay }: EndProps) {
    const held = expectations.filter((expectation) => expectation.passed === true).length;
    const failed = expectations.filter((expectation) => expectation.passed === false).length;
    return (
      <>
        {expectations.length > 0 && (
          <div className="expectations">
            <h4>
              Expectations <span className="muted">{held} held{failed > 0 ? `, ${failed} failed` : ''}</span>
            </h4>
            <ul data-testid="expectations">
              {expectations.map((expectation) => (
                <ExpectationItem key={expectation.name} name={expectation.name} passed={expectation.passed} detail={expectation.detail} />
              ))}
            </ul>
          </div>
        )}

        {done && (
          <div className={failed > 0 ? 'lesson-done lesson-done-bad' : 'lesson-done'} role="status" data-testid="lesson-done">
            <strong>{failed > 0 ? `Finished: ${failed} expectation${failed === 1 ? '' : 's'} did not hold.` : `Finished: all ${held} expectations held.`}</strong>
            <button type="button" className="btn btn-small" onClick={onReplay} disabled={!ready}>
              Replay
            </button>
          </div>
        )}
      </>
    );
  },
);
