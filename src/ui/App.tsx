import { useActorRef, useSelector } from '@xstate/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Speed } from '../worker/host';
import { compareParamOf, compareSetups, parseCompareParam, type CompareSpec } from './compare';
import { CompareSession } from './compare-session';
import { ComparePicker } from './components/ComparePicker';
import { CompareView, useCompareTop } from './components/CompareView';
import { EventLog } from './components/EventLog';
import { FailurePanel } from './components/FailurePanel';
import { LessonPicker } from './components/LessonPicker';
import { MetadataLogPanel } from './components/MetadataLogPanel';
import { MetricsPanel } from './components/MetricsPanel';
import { NetworkPanel } from './components/NetworkPanel';
import { PartitionsPanel } from './components/PartitionsPanel';
import { QuorumPanel } from './components/QuorumPanel';
import { ScenarioPanel } from './components/ScenarioPanel';
import { SessionsMenu } from './components/SessionsMenu';
import { Timeline } from './components/Timeline';
import { TopBar } from './components/TopBar';
import { Topology } from './components/Topology';
import type { Setup } from './engine-client';
import { FREE_PLAY_CONFIG, freePlayBrokersOf } from './free-play';
import { authoritativeController, quorumOf } from './kraft';
import { SESSION_SYSTEM_ID, sessionMachine } from './session-machine';
import { useClientState } from './use-client';
import type { MenuRequest, Selection } from './selection';
import { DEFAULT_SEED, linkFor, type PageParams } from './url-params';

/** Compare mode: choosing what to compare, or two runs under way. */
type CompareMode =
  | { readonly kind: 'picking'; readonly problem: string | null }
  | { readonly kind: 'running'; readonly session: CompareSession; readonly lessonId: string | null; readonly lessonName: string };

export function App({ params }: { params: PageParams }) {
  const session = useActorRef(sessionMachine, { input: { params }, systemId: SESSION_SYSTEM_ID });
  const state = useSelector(session, (snapshot) => snapshot);
  const { frame, log, trace, moments, metadataLog, series, timeline } = useClientState(state.context.client);
  const snapshot = frame?.snapshot ?? null;
  const quorum = useMemo(() => (snapshot === null ? null : quorumOf(snapshot)), [snapshot]);
  const authority = useMemo(() => (snapshot === null ? null : authoritativeController(snapshot)), [snapshot]);
  const ready = state.matches('ready');
  const playing = state.matches({ ready: 'playing' });
  const { setup, library } = state.context;
  const lessonId = setup.kind === 'scenario' ? setup.id : null;
  const setupSeed = setup.kind === 'free' ? setup.seed : setup.kind === 'scenario' ? (setup.seed ?? DEFAULT_SEED) : DEFAULT_SEED;
  const seed = frame?.snapshot.seed ?? setupSeed;
  const savedAs = frame?.session.id ?? null;
  const [compareMode, setCompareMode] = useState<CompareMode | null>(null);
  const [compareProblems, setCompareProblems] = useState<readonly string[]>([]);
  const comparing = compareMode?.kind === 'running' ? compareMode : null;
  const compareTop = useCompareTop(comparing?.session ?? null);
  // What the person picked on the topology, and where they asked for an actions menu (the menu itself comes with the actions tool bar).
  const [selection, setSelection] = useState<Selection | null>(null);
  const [, setMenu] = useState<MenuRequest | null>(null);

  // The address bar always holds a link that reopens what is on screen (and, on reload, resumes it).
  useEffect(() => {
    if (setup.kind === 'resume') return; // until it has booted
    const linkSeed = setup.kind === 'free' && setup.seed === DEFAULT_SEED ? null : setup.seed;
    const brokers = setup.kind === 'free' ? freePlayBrokersOf(setup.config) : null;
    // In compare mode the link reopens the comparison (a saved single session is not what is on screen).
    const link = comparing
      ? linkFor({ scenario: comparing.lessonId, seed: linkSeed, compare: compareParamOf(comparing.session.plan.spec) })
      : linkFor({ scenario: lessonId, seed: linkSeed, session: savedAs, brokers });
    window.history.replaceState(null, '', link);
  }, [lessonId, setup, savedAs, comparing]);

  /**
   * Starts two workers on `lessonId` (null: free play), `spec` varied; the single view's run is
   * paused meanwhile and found as it was on leaving. A variant the lesson does not allow is
   * explained (in the form, or as a banner for a link) and nothing starts.
   */
  const startCompare = useCallback(
    (id: string | null, spec: CompareSpec, from: 'form' | 'link'): void => {
      const entry = library.find((candidate) => candidate.id === id);
      const currentSeed = setup.kind === 'scenario' && setup.id === id ? setup.seed : null;
      const base =
        entry === undefined
          ? ({ kind: 'free', config: FREE_PLAY_CONFIG, seed: setup.kind === 'free' ? setup.seed : DEFAULT_SEED } as const)
          : ({ kind: 'scenario', id: entry.id, text: entry.text, seed: currentSeed } as const);
      const plan = compareSetups(base, spec);
      if (!plan.ok) {
        if (from === 'form') setCompareMode({ kind: 'picking', problem: plan.error });
        else setCompareProblems([`${plan.error} The normal view is open instead.`]);
        return;
      }
      session.send({ type: 'PAUSE' });
      const compare = new CompareSession(plan.value);
      setCompareProblems([]);
      setCompareMode({ kind: 'running', session: compare, lessonId: entry?.id ?? null, lessonName: entry?.name ?? 'Free play' });
      void compare.start().then(() => compare.setSpeed(state.context.speed));
    },
    [library, setup, session, state.context.speed],
  );

  const leaveCompare = useCallback(() => {
    if (comparing !== null) comparing.session.dispose();
    setCompareMode(null);
  }, [comparing]);

  const restartCompare = useCallback(() => {
    if (comparing === null) return;
    comparing.session.dispose();
    const compare = new CompareSession(comparing.session.plan);
    setCompareMode({ ...comparing, session: compare });
    void compare.start();
  }, [comparing]);

  // A link with compare=SETTING:A,B opens compare mode once the lesson is ready; a bad one explains itself.
  const linkCompareHandled = useRef(false);
  useEffect(() => {
    if (linkCompareHandled.current || params.compare === null || !ready) return;
    linkCompareHandled.current = true;
    const parsed = parseCompareParam(params.compare);
    if (!parsed.ok) {
      setCompareProblems([`${parsed.error} The normal view is open instead.`]);
      return;
    }
    startCompare(lessonId, parsed.value, 'link');
  }, [params.compare, ready, lessonId, startCompare]);


  const onFault = useCallback((fault: unknown) => session.send({ type: 'INJECT', fault }), [session]);
  const onSpeed = useCallback((speed: Speed) => session.send({ type: 'SET_SPEED', speed }), [session]);
  const onSeek = useCallback((atUs: number) => session.send({ type: 'SEEK', atUs }), [session]);
  const open = useCallback(
    (id: string | null) => {
      const entry = library.find((candidate) => candidate.id === id);
      const next: Setup =
        entry === undefined ? { kind: 'free', config: FREE_PLAY_CONFIG, seed: DEFAULT_SEED } : { kind: 'scenario', id: entry.id, text: entry.text, seed: null };
      session.send({ type: 'OPEN', setup: next });
    },
    [library, session],
  );

  const resume = useCallback(
    (id: string) => {
      const fallback = state.context.setup.kind === 'resume' ? state.context.setup.fallback : state.context.setup;
      session.send({ type: 'OPEN', setup: { kind: 'resume', id, fallback } });
    },
    [session, state.context.setup],
  );

  return (
    <div className="app">
      {comparing !== null && compareTop !== null ? (
        <TopBar
          frame={compareTop.frame}
          ready={compareTop.ready}
          playing={compareTop.state.status === 'playing'}
          speed={compareTop.state.speed}
          seed={compareTop.frame?.snapshot.seed ?? seed}
          onPlay={() => comparing.session.play()}
          onPause={() => comparing.session.pause()}
          onStep={() => void comparing.session.step()}
          onSpeed={(speed) => {
            comparing.session.setSpeed(speed);
            onSpeed(speed);
          }}
        />
      ) : (
        <TopBar
          frame={frame}
          ready={ready}
          playing={playing}
          speed={state.context.speed}
          seed={seed}
          onPlay={() => session.send({ type: 'PLAY' })}
          onPause={() => session.send({ type: 'PAUSE' })}
          onStep={() => session.send({ type: 'STEP' })}
          onSpeed={onSpeed}
        />
      )}
      <nav className="subbar" aria-label="Lessons">
        <LessonPicker library={library} current={lessonId} disabled={comparing !== null || state.matches('loadingLibrary') || state.matches('booting')} onOpen={open} />
        <SessionsMenu client={state.context.client} saving={frame?.session ?? null} disabled={!ready || comparing !== null} onResume={resume} />
        {comparing !== null ? (
          <button type="button" className="btn btn-small" onClick={leaveCompare}>
            Leave compare mode
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-small"
            aria-expanded={compareMode?.kind === 'picking'}
            disabled={state.matches('loadingLibrary')}
            onClick={() => setCompareMode(compareMode === null ? { kind: 'picking', problem: null } : null)}
          >
            Compare two designs…
          </button>
        )}
        <span className="muted">
          {comparing !== null
            ? 'Compare mode: two runs side by side. Play drives both; a fault you inject reaches both.'
            : state.context.scenario !== null
            ? 'A scripted lesson: press Play and follow the captions. You can still break things yourself.'
            : 'Free play: press Play, then crash a broker or the active controller, or cut a zone off, and watch the others notice.'}
        </span>
      </nav>
      {[...state.context.problems, ...compareProblems].map((problem) => (
        <p key={problem} className="banner banner-warn" role="status">
          {problem}
        </p>
      ))}
      {comparing === null && frame !== null && frame.snapshot.durability.lostRecords > 0 && (
        <div className="banner banner-loss" role="alert" data-testid="data-loss">
          <strong>
            Data loss: {frame.snapshot.durability.lostRecords.toLocaleString('en-US')} acknowledged record
            {frame.snapshot.durability.lostRecords === 1 ? '' : 's'} lost
          </strong>
          <span>{frame.snapshot.durability.losses[0]?.cause}</span>
        </div>
      )}
      {comparing === null && frame !== null && frame.session.message !== null && (
        <p className="banner banner-warn" role="status" data-testid="save-problem">
          {frame.session.message}
        </p>
      )}
      {comparing === null && state.context.notice !== null && (
        <p className="banner banner-bad" role="alert">
          {state.context.notice}
          <button type="button" className="btn btn-small" onClick={() => session.send({ type: 'NOTICE', message: null })}>
            Dismiss
          </button>
        </p>
      )}
      {compareMode?.kind === 'picking' && (
        <div className="compare-picker-wrap">
          <ComparePicker
            library={library}
            current={lessonId}
            problem={compareMode.problem}
            onStart={(id, spec) => startCompare(id, spec, 'form')}
            onCancel={() => setCompareMode(null)}
          />
        </div>
      )}
      {comparing !== null ? (
        <CompareView session={comparing.session} lessonName={comparing.lessonName} onLeave={leaveCompare} onRestart={restartCompare} />
      ) : state.matches('failed') ? (
        <main className="main main-failed">
          <FailurePanel
            message={state.context.error ?? 'Unknown failure'}
            onRestart={() => session.send({ type: 'RESTART' })}
            onOpenDefault={setup.kind === 'scenario' ? () => open(null) : null}
          />
        </main>
      ) : frame === null || quorum === null ? (
        <main className="main main-loading" aria-busy="true">
          <p className="loading">{state.matches('loadingLibrary') ? 'Loading the lessons…' : 'Starting the simulation worker…'}</p>
        </main>
      ) : (
        <>
          <Timeline
            timeline={frame.timeline}
            markers={timeline.markers}
            nowUs={frame.snapshot.timeUs}
            durationUs={frame.scenario?.info.durationUs ?? null}
            ready={ready && frame.timeline.rebuilding === null}
            onSeek={onSeek}
          />
          <main className="main">
            <div className="stage">
              <Topology
                snapshot={frame.snapshot}
                quorum={quorum}
                authority={authority}
                ready={ready}
                onFault={onFault}
                selection={selection}
                onSelect={setSelection}
                onMenu={setMenu}
              />
              {quorum.voters.length > 0 && (
                <div className="kraft">
                  <QuorumPanel snapshot={frame.snapshot} quorum={quorum} ready={ready} onFault={onFault} />
                  <MetadataLogPanel log={metadataLog} quorum={quorum} />
                </div>
              )}
              {frame.snapshot.partitions.length > 0 && <PartitionsPanel partitions={frame.snapshot.partitions} total={frame.snapshot.partitionsTotal} />}
              {series.meta.length > 0 && <MetricsPanel data={series} />}
              <NetworkPanel snapshot={frame.snapshot} ready={ready} onFault={onFault} />
            </div>
            <aside className="sidebar">
              {frame.scenario !== null && (
                <ScenarioPanel
                  scenario={frame.scenario}
                  timeUs={frame.snapshot.timeUs}
                  moments={moments}
                  ready={ready}
                  onContinue={() => session.send({ type: 'PLAY' })}
                  onReplay={() => session.send({ type: 'OPEN', setup })}
                />
              )}
              <EventLog log={log} trace={trace} />
            </aside>
          </main>
        </>
      )}
      <footer className="footnote">
        {comparing !== null ? (
          <>
            Trace hashes <code data-testid="compare-trace-hashes">A {comparing.session.clients[0].current.frame?.snapshot.traceHash ?? '—'} · B {comparing.session.clients[1].current.frame?.snapshot.traceHash ?? '—'}</code> · one
            setting apart, the same seed
          </>
        ) : (
          <>
            Trace hash <code data-testid="trace-hash">{frame?.snapshot.traceHash ?? '—'}</code> · same seed, same run, on every machine
          </>
        )}
      </footer>
    </div>
  );
}
