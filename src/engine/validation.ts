// Turning schema failures into sentences a person can act on: every problem, each with where it
// is (a dotted path), what was there, and what is allowed. Used by the engine config and by every
// schema built on it; one bad field never hides another.

import { z } from 'zod';

export interface ValidationProblem {
  /** Where: "network.crossZoneLatencyMs", "timeline[3].target", or "(root)". */
  readonly path: string;
  /** What is wrong and what would be right. */
  readonly message: string;
}

export class ValidationError extends Error {
  constructor(
    readonly subject: string,
    readonly problems: readonly ValidationProblem[],
  ) {
    super(
      `${subject} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${problem.path}: ${problem.message}`).join('\n'),
    );
    this.name = 'ValidationError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '(root)' : text;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return `an ${typeof value}`;
}

function problemsOf(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const issue of issues) {
    const fullPath = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ path: formatPath([...fullPath, key]), message: issue.message });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // The one alternative whose type fits the value (its problems lie inside it, like a fault
      // object with an unknown "kind" given where "a fault, or a list of faults" is allowed) is the
      // one the person meant: its problems name the field to fix. Failing that, a custom message
      // says what is allowed; without one, report the first alternative's problems.
      const fitting = issue.errors.filter((alternative) => alternative.length > 0 && alternative.every(isInside));
      if (fitting.length === 1) {
        problems.push(...problemsOf(fitting[0]!, fullPath));
        continue;
      }
      if (issue.message === 'Invalid input') {
        problems.push(...problemsOf(issue.errors[0]!, fullPath));
        continue;
      }
    }
    const input = valueAtIssue(issue);
    problems.push({ path: formatPath(fullPath), message: `got ${describeValue(input)}; expected ${issue.message}` });
  }
  return problems;
}

/** True when an issue is about something inside the value, not the value's own type. */
function isInside(issue: z.core.$ZodIssue): boolean {
  return issue.path.length > 0 || issue.code === 'unrecognized_keys';
}

/**
 * The value the issue is about. A discriminated union reports a bad discriminator at the key's path
 * ("kind") but with the whole object as input; describe the key's value, not "an object".
 */
function valueAtIssue(issue: z.core.$ZodIssue): unknown {
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_union' && issue.discriminator !== undefined && typeof input === 'object' && input !== null) {
    return (input as Record<string, unknown>)[issue.discriminator];
  }
  return input;
}

/** Parses `input` with `schema`, or throws a ValidationError listing every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new ValidationError(subject, problemsOf(result.error.issues));
}

/** Like parseOrThrow, but returns the problems instead of throwing. */
export function check<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { ok: true; value: z.output<S> } | { ok: false; problems: ValidationProblem[] } {
  const result = schema.safeParse(input, { reportInput: true });
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: problemsOf(result.error.issues) };
}

// ---- schema builders with messages that say what is allowed --------------------------------

/** An object that refuses unknown keys, naming the keys it knows. */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `this key is not known here; allowed keys are ${allowed}`
        : issue.code === 'invalid_type'
          ? 'an object'
          : undefined,
  });
}

export function integerIn(min: number, max: number, unit = '') {
  const allowed = `an integer from ${min} to ${max}${unit === '' ? '' : ` ${unit}`}`;
  return z.number({ error: allowed }).int({ error: allowed }).min(min, { error: allowed }).max(max, { error: allowed });
}

export function numberIn(min: number, max: number, unit = '') {
  const allowed = `a number from ${min} to ${max}${unit === '' ? '' : ` ${unit}`}`;
  return z.number({ error: allowed }).min(min, { error: allowed }).max(max, { error: allowed });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const allowed = `one of ${values.map((value) => JSON.stringify(value)).join(', ')}`;
  return z.enum(values, { error: allowed });
}
