// Compare mode on the page: two runs of the same lesson (or free play), one setting different,
// side by side: who sets the pace, the faults applied to both, the key figures of each side, each
// side's expectations, and charts overlaying both runs. The transport (play, pause, step, speed)
// lives in the top bar, wired to the CompareSession by App. Faults and load come from the same tool
// bar as the single view (Toolbar, over side A's snapshot), each checked by both workers as it is
// typed; the lesson's steps from the same LessonSteps, paced by side A.
//
// Owns: presenting a CompareSession and both its clients' stores. Never: talks to a worker itself
// (the session does, so that a fault reaches both sides or neither).

import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { formatClock } from '../../engine/sim/time';
import type { Frame } from '../../worker/host';
import { sideLabel, specPath } from '../compare';
import type { CompareClient, CompareSession, CompareState } from '../compare-session';
import type { ClientState } from '../engine-client';
import { column } from '../series-store';
import { CompareCharts } from './CompareCharts';
import type { CheckInput } from './ActionForm';
import { FailurePanel } from './FailurePanel';
import { LessonSteps } from './LessonSteps';
import { Toolbar } from './Toolbar';

interface Props {
  readonly session: CompareSession;
  readonly lessonName: string;
  readonly onLeave: () => void;
  readonly onRestart: () => void;
}

/** Re-renders when the conductor's state changes. */
export function useCompareState(session: CompareSession): CompareState {
  useSyncExternalStore(session.subscribe, session.getVersion);
  return session.current;
}

const noSubscribe = () => () => undefined;
const noVersion = () => -1;

/**
 * What the top bar shows in compare mode: side A's frame (the clock both sides share), marked
 * playing and behind as the conductor is, since neither worker plays by itself. Null outside it.
 */
export function useCompareTop(session: CompareSession | null): { state: CompareState; frame: Frame | null; ready: boolean } | null {
  useSyncExternalStore(session?.subscribe ?? noSubscribe, session?.getVersion ?? noVersion);
  const client = session?.clients[0] ?? null;
  useSyncExternalStore(client?.subscribe ?? noSubscribe, client?.getVersion ?? noVersion);
  // Side B too: the footer beside the top bar shows both sides' trace hashes (B's last frame may come after A's).
  const clientB = session?.clients[1] ?? null;
  useSyncExternalStore(clientB?.subscribe ?? noSubscribe, clientB?.getVersion ?? noVersion);
  if (session === null || client === null) return null;
  const state = session.current;
  const frameA = client.current.frame;
  const frame = frameA === null ? null : { ...frameA, playing: state.status === 'playing', behind: state.status === 'playing' && state.pacedBy !== null && state.speed !== 'max' };
  return { state, frame, ready: state.status === 'paused' || state.status === 'playing' };
}

/** One side's frames, as useClientState reads a single client. */
function useSide(client: CompareClient): ClientState {
  useSyncExternalStore(client.subscribe, client.getVersion);
  return client.current;
}

export function CompareView({ session, lessonName, onLeave, onRestart }: Props) {
  const state = useCompareState(session);
  const a = useSide(session.clients[0]);
  const b = useSide(session.clients[1]);
  const spec = session.plan.spec;
  // Stable identities: a new pair per render would rebuild every chart (uPlot is created per line set).
  const names = useMemo(() => [sideLabel(spec, 0), sideLabel(spec, 1)] as const, [spec]);
  const sides = [a, b] as const;
  const series = useMemo(() => [a.series, b.series] as const, [a.series, b.series]);
  const ready = state.status === 'paused' || state.status === 'playing' || state.status === 'ended';
  const check = useCallback<CheckInput>((input) => checkBoth(session, input), [session]);
  const onFault = useCallback((input: unknown) => void session.inject(input), [session]);
  const onPrevious = useCallback((atUs: number) => void session.seek(atUs), [session]);
  const onNext = useCallback(() => void session.nextStep(), [session]);
  const scenario = a.frame?.scenario ?? null;

  return (
    <main className="compare" aria-label="Compare mode">
      <section className="panel compare-head">
        <div>
          <h2>
            Comparing <code>{specPath(spec)}</code>: <span className="side-tag side-a">A = {String(spec.values[0])}</span>{' '}
            <span className="side-tag side-b">B = {String(spec.values[1])}</span>
          </h2>
          <p className="muted">
            {lessonName}: two workers, the same seed, load and faults; only {specPath(spec)} differs. Play, pause, step and speed drive both on one simulated
            clock.
          </p>
        </div>
        <button type="button" className="btn" onClick={onLeave}>
          Leave compare mode
        </button>
      </section>
      <Pace state={state} names={names} />
      <Caption moments={a.moments} />
      {scenario !== null && a.frame !== null && scenario.info.lessonSteps > 0 && (
        <div className="compare-steps">
          <LessonSteps
            moments={a.moments}
            nowUs={a.frame.snapshot.timeUs}
            total={scenario.info.lessonSteps}
            done={scenario.done}
            ready={ready && a.frame.timeline.rebuilding === null && (b.frame?.timeline.rebuilding ?? null) === null}
            onPrevious={onPrevious}
            onNext={onNext}
          />
          {state.timeUs < state.headUs && (
            <span className="muted" data-testid="compare-rewound">
              Both sides rewound to {formatClock(state.timeUs)} (they reached {formatClock(state.headUs)}): Play, Step or a fault starts a new future on both.
            </span>
          )}
        </div>
      )}
      {state.pausedFor !== null && (
        <p className="banner banner-warn" role="status">
          The presenter paused here: {state.pausedFor} Press Play to go on.
        </p>
      )}
      {state.status === 'ended' && (
        <p className="banner banner-warn" role="status" data-testid="compare-ended">
          The lesson has ended on both sides at {formatClock(state.timeUs)}.
        </p>
      )}
      {state.notice !== null && (
        <p className="banner banner-bad" role="alert" data-testid="compare-notice">
          {state.notice}
          <button type="button" className="btn btn-small" onClick={() => session.dismissNotice()}>
            Dismiss
          </button>
        </p>
      )}
      {state.status === 'failed' ? (
        <div className="main-failed">
          <FailurePanel message={state.error ?? 'Unknown failure'} onRestart={onRestart} onOpenDefault={onLeave} />
        </div>
      ) : state.status === 'booting' || a.frame === null || b.frame === null ? (
        <p className="loading" aria-busy="true" data-testid="compare-loading">
          {state.opening === null
            ? 'Starting two simulation workers…'
            : `Starting two simulation workers and rebuilding the shared moment in both (${formatClock(state.opening.atUs)} of simulated time${state.opening.actions > 0 ? `, with ${state.opening.actions} action${state.opening.actions === 1 ? '' : 's'}` : ''})…`}
        </p>
      ) : (
        <>
          <Toolbar
            snapshot={a.frame.snapshot}
            ready={ready}
            check={check}
            onFault={onFault}
            hint="Each action goes to both runs at the same simulated moment, or to neither: its form says if one side cannot take it."
          />
          <CompareFaults faults={state.faults} nowUs={state.timeUs} />
          <KeyFigures sides={sides} names={names} />
          <CompareCharts sides={series} sideNames={names} />
        </>
      )}
    </main>
  );
}

/** The lesson's newest caption (the timeline is the same on both sides; side A's moments are read). */
function Caption({ moments }: { moments: ClientState['moments'] }) {
  let caption: ClientState['moments'][number] | undefined;
  for (let i = moments.length - 1; i >= 0 && caption === undefined; i--) if (moments[i]!.kind === 'caption') caption = moments[i];
  if (caption === undefined) return null;
  return (
    <p className="banner banner-caption" role="status" data-testid="compare-caption">
      <span>
        <strong>{formatClock(caption.atUs)}</strong> {caption.text}
      </span>
    </p>
  );
}

function Pace({ state, names }: { state: CompareState; names: readonly [string, string] }) {
  if (state.status !== 'playing' || state.pacedBy === null) return null;
  const side = state.pacedBy;
  const pace = state.wallMsPerSimSecond;
  const perSecond = (ms: number | null) => (ms === null ? '—' : `${ms.toFixed(0)} ms`);
  // Within a fifth of each other, neither side really leads: say so rather than name one.
  const even = pace[0] !== null && pace[1] !== null && Math.max(pace[0], pace[1]) < 1.2 * Math.min(pace[0], pace[1]);
  const who = even ? 'Both workers take about as long' : `Side ${side === 0 ? 'A' : 'B'} (${names[side]}) is the slower worker`;
  const text =
    state.speed === 'max'
      ? `${who}: at Max both advance together, as fast as the slower one goes.`
      : `Behind the chosen ${state.speed}× speed. ${who}; it sets the pace and the other waits for it.`;
  return (
    <p className="banner banner-warn" role="status" data-testid="compare-pace">
      <span>
        {text} Work per simulated second: A {perSecond(pace[0])}, B {perSecond(pace[1])}.
      </span>
    </p>
  );
}

/**
 * Whether both workers would take this input now (EngineHost.checkFault on each): the tool bar's
 * forms ask as you type, so a fault one side cannot take is refused in the form, naming the side.
 */
export async function checkBoth(session: CompareSession, input: unknown): ReturnType<CheckInput> {
  const checks = await Promise.all(session.clients.map((client) => client.checkFault(input)));
  for (const [index, outcome] of checks.entries()) {
    if (outcome.ok) continue;
    const side = index as 0 | 1;
    const who = `side ${side === 0 ? 'A' : 'B'} (${sideLabel(session.plan.spec, side)}) cannot take it`;
    return { ...outcome, error: `${who}: ${outcome.error}`, problems: outcome.problems.map((problem) => ({ ...problem, message: `${who}: ${problem.message}` })) };
  }
  return checks[0]!;
}

/** The faults applied to both sides, with the moment each was applied (later ones faded while rewound). */
function CompareFaults({ faults, nowUs }: { faults: CompareState['faults']; nowUs: number }) {
  if (faults.length === 0) return null;
  return (
    <section className="panel compare-faults" aria-label="Faults applied to both runs">
      <header className="panel-head">
        <h2>Applied to both</h2>
        <span className="muted">each action is checked by both sides first, then applied to both at the same simulated moment, or to neither</span>
      </header>
      <ol className="compare-fault-list" data-testid="compare-faults">
        {faults.map((fault, index) => (
          <li key={index} className={fault.atUs > nowUs ? 'compare-fault-ahead' : undefined}>
            {formatClock(fault.atUs)} · {fault.what}
            {fault.atUs > nowUs ? ' (after the moment shown: dropped if you act from here)' : ''}
          </li>
        ))}
      </ol>
    </section>
  );
}

function lastOf(values: readonly (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i]!;
  return null;
}

function maxOf(values: readonly (number | null)[]): number | null {
  let max: number | null = null;
  for (const value of values) if (value !== null && (max === null || value > max)) max = value;
  return max;
}

interface Figure {
  readonly label: string;
  readonly id: string;
  readonly value: (side: ClientState) => string;
}

const ms = (value: number | null): string => (value === null ? '—' : value >= 1_000 ? `${(value / 1_000).toFixed(2)} s` : `${value.toFixed(1)} ms`);
const count = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : value.toLocaleString('en-US'));

const FIGURES: readonly Figure[] = [
  { id: 'p99-now', label: 'Produce p99, last second', value: (side) => ms(lastOf(column(side.series, 'producer.latencyMsP99'))) },
  { id: 'p99-worst', label: 'Produce p99, worst second', value: (side) => ms(maxOf(column(side.series, 'producer.latencyMsP99'))) },
  { id: 'acked', label: 'Records acknowledged', value: (side) => count(side.frame?.snapshot.durability.acknowledgedRecords) },
  { id: 'lost', label: 'Acknowledged records lost', value: (side) => count(side.frame?.snapshot.durability.lostRecords) },
  { id: 'urp', label: 'UnderReplicatedPartitions now', value: (side) => count(lastOf(column(side.series, 'UnderReplicatedPartitions'))) },
  { id: 'offline', label: 'OfflinePartitionsCount now', value: (side) => count(lastOf(column(side.series, 'OfflinePartitionsCount'))) },
  {
    id: 'up',
    label: 'Processes up',
    value: (side) => {
      const processes = side.frame?.snapshot.processes ?? [];
      return `${processes.filter((process) => process.status === 'up').length} of ${processes.length}`;
    },
  },
  { id: 'events', label: 'Events simulated', value: (side) => count(side.frame?.snapshot.events) },
  {
    id: 'expectations',
    label: 'Expectations held',
    value: (side) => {
      const results = side.frame?.scenario?.expectations ?? [];
      if (results.length === 0) return '—';
      const held = results.filter((result) => result.passed === true).length;
      const failed = results.filter((result) => result.passed === false).length;
      return `${held} held · ${failed} failed · ${results.length - held - failed} open`;
    },
  },
  { id: 'trace', label: 'Trace hash', value: (side) => side.frame?.snapshot.traceHash ?? '—' },
];

function KeyFigures({ sides, names }: { sides: readonly [ClientState, ClientState]; names: readonly [string, string] }) {
  const expectations = sides[0].frame?.scenario?.expectations ?? [];
  return (
    <section className="panel compare-figures" aria-label="Key figures of both runs">
      <table className="matrix" data-testid="compare-figures">
        <caption>Key figures, side by side</caption>
        <thead>
          <tr>
            <th scope="col">figure</th>
            <th scope="col" className="side-a-col">
              A: {names[0]}
            </th>
            <th scope="col" className="side-b-col">
              B: {names[1]}
            </th>
          </tr>
        </thead>
        <tbody>
          {FIGURES.map((figure) => (
            <tr key={figure.id} data-figure={figure.id}>
              <th scope="row">{figure.label}</th>
              <td data-side="A">{figure.value(sides[0])}</td>
              <td data-side="B">{figure.value(sides[1])}</td>
            </tr>
          ))}
          {expectations.map((expectation, index) => (
            <tr key={`expect-${index}`} data-figure={`expectation-${index}`}>
              <th scope="row">Expect: {expectation.name}</th>
              {sides.map((side, sideIndex) => {
                const result = side.frame?.scenario?.expectations[index];
                const mark = result?.passed === true ? '✓ held' : result?.passed === false ? '✗ did not hold' : '· open';
                return (
                  <td key={sideIndex} data-side={sideIndex === 0 ? 'A' : 'B'} title={result?.detail ?? ''}>
                    {mark}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
