// Where a learner is in a guided lesson: how many of its steps (timeline steps with a caption or a
// presenter pause) have happened by the moment shown, and the moment Previous goes back to. Read
// from the run's moments, which the page rebuilds from the start after every rewind, so the count
// is right wherever the timeline was dragged. Never: asks the worker anything; pure.
import type { Moment } from '../engine/scenario/runner';

export interface StepPosition {
  /** Steps that have happened at or before the moment shown. */
  readonly reached: number;
  readonly total: number;
  /**
   * Where Previous goes: the moment of the step before the newest one reached (steps at one time
   * count as one stop), 0 before the first; null when no step has happened yet.
   */
  readonly previousAtUs: number | null;
}

/** A moment that is a lesson step happening (its caption shown, or the presenter's pause). */
export function isStepMoment(moment: Moment): boolean {
  return (moment.kind === 'caption' || moment.kind === 'pause') && moment.step !== undefined;
}

export function stepPosition(moments: readonly Moment[], nowUs: number, total: number): StepPosition {
  const firstAtUs = new Map<number, number>();
  for (const moment of moments) {
    if (!isStepMoment(moment) || moment.atUs > nowUs || firstAtUs.has(moment.step!)) continue;
    firstAtUs.set(moment.step!, moment.atUs);
  }
  if (firstAtUs.size === 0) return { reached: 0, total, previousAtUs: null };
  const times = [...firstAtUs.values()];
  const newestUs = Math.max(...times);
  const earlier = times.filter((atUs) => atUs < newestUs);
  return { reached: Math.min(firstAtUs.size, total), total, previousAtUs: earlier.length === 0 ? 0 : Math.max(...earlier) };
}

/** True when a key press comes from somewhere typing happens (shortcuts must not steal it). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['button', 'checkbox', 'radio', 'range', 'submit', 'reset'].includes(type);
}
