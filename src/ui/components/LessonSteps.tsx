// The guided lesson's step controls: "Step 3 of 7", Previous and Next, and their keys (P and N, or
// [ and ], when focus is not in a field). Previous rewinds to the previous step's moment with the
// timeline's seek; Next asks the worker to run to the next caption or pause and stop there. The
// counter is announced to screen readers as it changes. Never: runs or rebuilds anything itself.
import { useEffect, useMemo } from 'react';
import './lessons.css';
import type { Moment } from '../../engine/scenario/runner';
import { isTypingTarget, stepPosition } from '../lesson-steps';

interface Props {
  readonly moments: readonly Moment[];
  readonly nowUs: number;
  readonly total: number;
  readonly done: boolean;
  readonly ready: boolean;
  readonly onPrevious: (atUs: number) => void;
  readonly onNext: () => void;
}

export function LessonSteps({ moments, nowUs, total, done, ready, onPrevious, onNext }: Props) {
  const position = useMemo(() => stepPosition(moments, nowUs, total), [moments, nowUs, total]);
  const canPrevious = ready && position.previousAtUs !== null;
  const canNext = ready && !done;
  const previousAtUs = position.previousAtUs;

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented || isTypingTarget(event.target)) return;
      const key = event.key.toLowerCase();
      if ((key === 'n' || key === ']') && canNext) {
        event.preventDefault();
        onNext();
      } else if ((key === 'p' || key === '[') && canPrevious && previousAtUs !== null) {
        event.preventDefault();
        onPrevious(previousAtUs);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [canNext, canPrevious, previousAtUs, onNext, onPrevious]);

  if (total === 0) return null;
  const label = position.reached === 0 ? `Not started: ${total} step${total === 1 ? '' : 's'} ahead` : `Step ${position.reached} of ${total}`;
  return (
    <div className="lesson-steps" role="group" aria-label="Lesson steps">
      <button
        type="button"
        className="btn btn-small"
        disabled={!canPrevious}
        onClick={() => previousAtUs !== null && onPrevious(previousAtUs)}
        aria-keyshortcuts="P"
        title="Back to the previous step (P)"
      >
        ‹ Previous step
      </button>
      <p className="lesson-step-count" aria-live="polite" aria-atomic="true" data-testid="lesson-step">
        {done && position.reached < total ? `${label} (the rest never happened in this run)` : label}
      </p>
      <button type="button" className="btn btn-small btn-primary" disabled={!canNext} onClick={onNext} aria-keyshortcuts="N" title="Run to the next step and pause (N)">
        Next step ›
      </button>
    </div>
  );
}
