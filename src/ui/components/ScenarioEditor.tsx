// The scenario editor: the running scenario's JSON (or free play as a scenario) in a text area with
// line numbers, validated as one types (VALIDATE_DEBOUNCE_MS after the last key) by the same
// validator the worker and the CLI use. Each problem is listed with its path and line (a click puts
// the caret there) and its line is marked in the gutter. "Run this scenario" stays disabled while
// the text is invalid or not yet checked; running starts a new run from the text (the library's file
// is not changed). A plain textarea: a code editor library (CodeMirror ~150 KB, Monaco ~2 MB) would
// weigh more than the rest of the page for what line numbers and a problem list already give.
// Never: renders scenario text as HTML (React writes it as text).
import { useEffect, useMemo, useRef, useState } from 'react';
import './lessons.css';
import { problemsOfScenarioText, type EditorProblem } from '../scenario-text';

/** Quiet time after the last key before the text is validated. */
export const VALIDATE_DEBOUNCE_MS = 300;

interface Props {
  readonly initialText: string;
  /** What is being edited, for the heading ("A broker crashes and comes back", "Free play"). */
  readonly title: string;
  readonly onRun: (text: string) => void;
  readonly onClose: () => void;
}

export function ScenarioEditor({ initialText, title, onRun, onClose }: Props) {
  const [text, setText] = useState(initialText);
  const [checked, setChecked] = useState<{ text: string; problems: readonly EditorProblem[] }>(() => ({ text: initialText, problems: problemsOfScenarioText(initialText) }));
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (text === checked.text) return;
    const timer = setTimeout(() => setChecked({ text, problems: problemsOfScenarioText(text) }), VALIDATE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, checked.text]);

  const stale = text !== checked.text;
  const problems = checked.problems;
  const lineCount = useMemo(() => text.split('\n').length, [text]);
  const badLines = useMemo(() => new Set(problems.flatMap((problem) => (problem.line === null ? [] : [problem.line]))), [problems]);

  const goToLine = (line: number): void => {
    const textarea = area.current;
    if (textarea === null) return;
    const lines = text.split('\n');
    const start = lines.slice(0, line - 1).reduce((sum, each) => sum + each.length + 1, 0);
    textarea.focus();
    textarea.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    const lineHeightPx = parseFloat(getComputedStyle(textarea).lineHeight) || 18;
    textarea.scrollTop = Math.max(0, (line - 3) * lineHeightPx);
  };

  const status = stale ? 'Checking…' : problems.length === 0 ? 'Valid: ready to run.' : `${problems.length} problem${problems.length === 1 ? '' : 's'}: fix ${problems.length === 1 ? 'it' : 'them'} to run.`;

  return (
    <section className="panel editor" aria-label="Scenario editor" data-testid="scenario-editor">
      <header className="panel-head">
        <h2>Edit scenario</h2>
        <span className="muted">{title}</span>
      </header>
      <div className="editor-body">
        <div className="editor-text">
          <div className="editor-gutter" ref={gutter} aria-hidden="true">
            {Array.from({ length: lineCount }, (_, index) => (
              <span key={index} className={badLines.has(index + 1) ? 'editor-line-bad' : undefined}>
                {index + 1}
              </span>
            ))}
          </div>
          <textarea
            ref={area}
            className="editor-area"
            value={text}
            spellCheck={false}
            autoCapitalize="off"
            autoCorrect="off"
            wrap="off"
            aria-label="Scenario JSON"
            aria-describedby="editor-status"
            aria-invalid={!stale && problems.length > 0}
            data-testid="scenario-text"
            onChange={(event) => setText(event.target.value)}
            onScroll={(event) => {
              if (gutter.current !== null) gutter.current.scrollTop = event.currentTarget.scrollTop;
            }}
          />
        </div>
        <div className="editor-side">
          <p id="editor-status" className={problems.length > 0 && !stale ? 'editor-status editor-status-bad' : 'editor-status'} role="status" data-testid="editor-status">
            {status}
          </p>
          {problems.length > 0 && (
            <ul className="editor-problems" data-testid="editor-problems">
              {problems.map((problem, index) => (
                <li key={`${index}-${problem.path}`} data-line={problem.line ?? undefined}>
                  {problem.line !== null ? (
                    <button type="button" className="link-button" onClick={() => goToLine(problem.line!)} title={problem.exact ? 'Go to this line' : 'Go to the enclosing object (the key is missing)'}>
                      line {problem.line}
                    </button>
                  ) : (
                    <span className="muted">no line</span>
                  )}{' '}
                  <code>{problem.path}</code>: {problem.message}
                </li>
              ))}
            </ul>
          )}
          <div className="editor-actions">
            <button type="button" className="btn btn-primary" disabled={stale || problems.length > 0} onClick={() => onRun(text)}>
              Run this scenario
            </button>
            <button type="button" className="btn" onClick={() => setText(initialText)} disabled={text === initialText}>
              Undo all edits
            </button>
            <button type="button" className="btn" onClick={onClose}>
              Close
            </button>
          </div>
          <p className="muted editor-help">
            The fields are described in <a href="./scenarios/scenario.schema.json">scenario.schema.json</a>. Running starts a new run from this text; the library's lesson is
            not changed, and Share gives the edited scenario its own link.
          </p>
        </div>
      </div>
    </section>
  );
}
