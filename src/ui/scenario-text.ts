// The scenario editor's judgement of a text: the validator's problems (the same parseScenarioText
// the worker and the CLI use), each with the line it points to; and the text the editor starts
// from in free play. Never: touches the DOM; never runs anything.
import { ValidationError } from '../engine/validation';
import { parseScenarioText } from '../engine/scenario/validate';
import { FREE_PLAY_CONFIG } from './free-play';
import { lineOfPath, scanJsonLines } from './json-lines';

export interface EditorProblem {
  /** The validator's path ("timeline[2].at"), or "line L, column C" for a syntax error. */
  readonly path: string;
  readonly message: string;
  /** 1-based line in the text, or null when it cannot be placed. */
  readonly line: number | null;
  /** False when the path names something the text lacks: `line` is then the enclosing value's. */
  readonly exact: boolean;
}

/** Every problem of a scenario text, with its line; empty when it would run. */
export function problemsOfScenarioText(text: string): EditorProblem[] {
  try {
    parseScenarioText(text);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) {
      return [{ path: '(root)', message: error instanceof Error ? error.message : String(error), line: null, exact: false }];
    }
    const scanned = error.problems.some((problem) => problem.path.startsWith('line ')) ? null : scanJsonLines(text.replace(/^\uFEFF/, ''));
    return error.problems.map((problem) => {
      const syntax = /^line (\d+), column \d+$/.exec(problem.path);
      if (syntax !== null) return { ...problem, line: Number(syntax[1]), exact: true };
      const found = lineOfPath(text, problem.path, scanned);
      return { ...problem, line: found?.line ?? null, exact: found?.exact ?? false };
    });
  }
}

/** Free play as a scenario file: the default cluster with its seed, ready for a timeline. */
export function freePlayScenarioText(seed: number): string {
  const scenario = {
    name: 'Free play, edited',
    description: 'The default cluster. Add steps to the timeline: an "at" time, then an "action", a "caption" or a "pause".',
    seed,
    duration: '5m',
    cluster: { topics: FREE_PLAY_CONFIG.topics },
    timeline: [{ at: '5s', caption: 'Your first caption: edit me.' }],
    expectations: [],
  };
  return `${JSON.stringify(scenario, null, 2)}\n`;
}
