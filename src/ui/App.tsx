import { useActorRef, useSelector } from '@xstate/react';
import { memo, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { formatClock } from '../engine/sim/time';
import type { Speed } from '../worker/host';
import { compareFromLink, compareParamOf, compareSetups, type CompareMoment, type ComparePlan, type CompareSpec } from './compare';
import { CompareSession } from './compare-session';
import { ActionMenu } from './components/ActionMenu';
import type { CheckInput } from './components/ActionForm';
import { ComparePicker } from './components/ComparePicker';
import { CompareView, useCompareTop } from './components/CompareView';
import { EventLog } from './components/EventLog';
import { InspectPanel } from './components/InspectPanel';
import { FailurePanel } from './components/FailurePanel';
import { LessonPicker } from './components/LessonPicker';
import { LessonSteps } from './components/LessonSteps';
import { MetadataLogPanel } from './components/MetadataLogPanel';
import { MetricsPanel } from './components/MetricsPanel';
import { NetworkPanel } from './components/NetworkPanel';
import { PartitionsPanel } from './components/PartitionsPanel';
import { QuorumPanel } from './components/QuorumPanel';
import { ScenarioEditor } from './components/ScenarioEditor';
import { ScenarioPanel } from './components/ScenarioPanel';
import { SessionsMenu } from './components/SessionsMenu';
import { SharePanel } from './components/SharePanel';
import { Timeline } from './components/Timeline';
import { Toolbar } from './components/Toolbar';
import { TopBar } from './components/TopBar';
import { Topology } from './components/Topology';
import type { ClientState, Setup } from './engine-client';
import { FREE_PLAY_CONFIG, freePlayBrokersOf } from './free-play';
import { anyActiveController, authoritativeController, quorumOf } from './kraft';
import { advanceBrokerRates, type RateWindow } from './inspect';
import { encodePayload, SHARE_LINK_CHARS_MAX } from './link-payload';
import { freePlayScenarioText } from './scenario-text';
import { sameSelection, type MenuRequest, type Selection } from './selection';
import { SESSION_SYSTEM_ID, sessionMachine } from './session-machine';
import { useClientState } from './use-client';
import { useCompareAddress } from './use-compare-address';
import { HELD_PHASE_MS, useElementOnScreen, useHeldUnlessShown, useHeldWhileHiddenAt } from './use-held-while-hidden';
import { DEFAULT_SEED, linkFor, type PageParams } from './url-params';

/** Compare mode: choosing what to compare, or two runs under way. */
type CompareMode =
  | { readonly kind: 'picking'; readonly problem: string | null }
  | {
      readonly kind: 'running';
      readonly session: CompareSession;
      readonly lessonId: string | null;
      readonly lessonName: string;
      readonly edited: string | null;
      /** Free play's broker count when it is not the default (?brokers=N), so links reopen that cluster. */
      readonly brokers: number | null;
    };

export function App({ params }: { params: PageParams }) {
  const session = useActorRef(sessionMachine, { input: { params }, systemId: SESSION_SYSTEM_ID });
  const state = useSelector(session, (snapshot) => snapshot);
  const clientState = useClientState(state.context.client);
  const { frame, log, trace, moments, timeline } = clientState;
  // The panels below the topology draw from a deferred copy of the frame (LaterPanels).
  const snapshot = frame?.snapshot ?? null;
  const quorum = useMemo(() => (snapshot === null ? null : quorumOf(snapshot)), [snapshot]);
  const authority = useMemo(() => (snapshot === null ? null : authoritativeController(snapshot)), [snapshot]);
  const ready = state.matches('ready');
  const playing = state.matches({ ready: 'playing' });
  const { setup, library } = state.context;
  const lessonId = setup.kind === 'scenario' ? setup.id : null;
  /** Free play's broker count when a link asked for one (?brokers=N), else null. */
  const freeBrokers = setup.kind === 'free' ? freePlayBrokersOf(setup.config) : null;
  /** The text of an edited scenario (not a library lesson's), when one runs. */
  const editedText = setup.kind === 'scenario' && setup.id === null ? setup.text : null;
  const editedPayload = useEditedPayload(editedText);
  const [editing, setEditing] = useState(false);
  const setupSeed = setup.kind === 'free' ? setup.seed : setup.kind === 'scenario' ? (setup.seed ?? DEFAULT_SEED) : DEFAULT_SEED;
  const seed = frame?.snapshot.seed ?? setupSeed;
  const savedAs = frame?.session.id ?? null;
  const [compareMode, setCompareMode] = useState<CompareMode | null>(null);
  const [compareProblems, setCompareProblems] = useState<readonly string[]>([]);
  const comparing = compareMode?.kind === 'running' ? compareMode : null;
  const compareTop = useCompareTop(comparing?.session ?? null);
  // While comparing, the address follows the moment both runs stand at: a reload reopens it there.
  useCompareAddress(comparing?.session ?? null, {
    scenario: comparing?.lessonId ?? null,
    edited: comparing?.edited ?? null,
    seed: compareTop?.frame?.snapshot.seed ?? seed,
    brokers: comparing?.brokers ?? null,
  });
  // Inspect: what the person selected (a process, a partition, a zone), looked up in each frame.
  const [selected, setSelected] = useState<Selection | null>(null);
  /** Where focus was when the panel opened: it goes back there when the panel closes. */
  const opener = useRef<HTMLElement | null>(null);
  const onSelect = useCallback(
    (next: Selection) => {
      if (selected === null && document.activeElement instanceof HTMLElement) opener.current = document.activeElement;
      if (!sameSelection(selected, next)) setSelected(next);
    },
    [selected],
  );
  const closeInspect = useCallback(() => {
    setSelected(null);
    const back = opener.current;
    opener.current = null;
    // After the panel has gone; a card re-rendered since keeps the same button element.
    requestAnimationFrame(() => {
      if (back !== null && back.isConnected) back.focus();
    });
  }, []);
  // The topology selects on a click and clears on a click of the empty canvas (or Escape).
  const onTopologySelect = useCallback((next: Selection | null) => (next === null ? closeInspect() : onSelect(next)), [closeInspect, onSelect]);
  // Every broker's load over the last simulated second, kept across frames so a broker inspected while paused has them.
  const rateWindows = useRef<ReadonlyMap<string, RateWindow>>(new Map());
  const brokerRates = useMemo(() => {
    if (snapshot !== null) rateWindows.current = advanceBrokerRates(rateWindows.current, snapshot);
    return rateWindows.current;
  }, [snapshot]);
  // The worker's frames carry the selected partition in detail (per-replica HW, log starts, settings).
  const client = state.context.client;
  const inspectTopic = selected?.kind === 'partition' ? selected.topic : null;
  const inspectPartition = selected?.kind === 'partition' ? selected.partition : null;
  useEffect(() => {
    if (client === null) return;
    void client.inspect(inspectTopic === null || inspectPartition === null ? null : { topic: inspectTopic, partition: inspectPartition }).catch(() => undefined);
  }, [client, inspectTopic, inspectPartition]);
  // Frames carry the inspected process's view whole; the others leave out what only this panel reads (worker/frame-views.ts).
  const inspectProcessId = selected?.kind === 'process' ? selected.id : null;
  useEffect(() => {
    if (client === null) return;
    void client.inspectProcess(inspectProcessId).catch(() => undefined);
  }, [client, inspectProcessId]);
  // Frames carry the raw trace only while the event log shows messages and timers.
  const [traceShown, setTraceShown] = useState(false);
  useEffect(() => {
    if (client === null) return;
    void client.showTrace(traceShown).catch(() => undefined);
  }, [client, traceShown]);
  // Escape closes the panel from anywhere on the page, unless something else took the key (a menu, a field).
  useEffect(() => {
    if (selected === null) return;
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      const target = event.target instanceof HTMLElement ? event.target : null;
      if (target !== null && target.closest('input, textarea, select, [role="dialog"], [role="menu"], [role="listbox"]') !== null) return;
      closeInspect();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [selected, closeInspect]);

  // The address bar always holds a link that reopens what is on screen (and, on reload, resumes it).
  useEffect(() => {
    if (setup.kind === 'resume') return; // until it has booted
    const linkSeed = setup.kind === 'free' && setup.seed === DEFAULT_SEED ? null : setup.seed;
    const brokers = setup.kind === 'free' ? freePlayBrokersOf(setup.config) : null;
    // In compare mode the link reopens the comparison (a saved single session is not what is on screen).
    const link = comparing
      ? linkFor({ scenario: comparing.lessonId, seed: linkSeed, compare: compareParamOf(comparing.session.plan.spec), brokers: comparing.brokers })
      : linkFor({ scenario: lessonId, seed: linkSeed, session: savedAs, brokers });
    // An edited scenario keeps its text in the link (after "#"), while it fits: its session resumes it on reload anyway.
    const hash = (comparing === null || comparing.edited !== null) && editedPayload !== null && link.length + editedPayload.length + 6 <= SHARE_LINK_CHARS_MAX ? `#text=${editedPayload}` : '';
    window.history.replaceState(null, '', link + hash);
  }, [lessonId, setup, savedAs, comparing, editedPayload]);

  /**
   * Starts two workers on `lessonId` (null: free play), `spec` varied; the single view's run is
   * paused meanwhile and found as it was on leaving. A variant the lesson does not allow is
   * explained (in the form, or as a banner for a link) and nothing starts.
   */
  /** What compare mode varies: the lesson `id`, free play (null), or (`edited`) the edited scenario the single view runs. */
  const compareBase = useCallback(
    (id: string | null, edited: boolean) => {
      const entry = library.find((candidate) => candidate.id === id);
      const currentSeed = setup.kind === 'scenario' && setup.id === id ? setup.seed : null;
      if (entry !== undefined) return { entry, base: { kind: 'scenario', id: entry.id, text: entry.text, seed: currentSeed } as const };
      if (edited && setup.kind === 'scenario' && setup.id === null) return { entry, base: { kind: 'scenario', id: null, text: setup.text, seed: setup.seed } as const };
      // Free play compares the cluster on screen (?brokers=N included); from a lesson, the default one.
      if (setup.kind === 'free') return { entry, base: { kind: 'free', config: setup.config, seed: setup.seed } as const };
      return { entry, base: { kind: 'free', config: FREE_PLAY_CONFIG, seed: DEFAULT_SEED } as const };
    },
    [library, setup],
  );

  /** Two workers on `plan`, the single view paused meanwhile; a link's moment opens on both, or the default cluster opens instead. */
  const runCompare = useCallback(
    (plan: ComparePlan, { entry, base }: ReturnType<typeof compareBase>, moment: CompareMoment | null): void => {
      session.send({ type: 'PAUSE' });
      const compare = new CompareSession(plan);
      const edited = base.kind === 'scenario' && base.id === null ? base.text : null;
      setCompareProblems([]);
      const brokers = base.kind === 'free' ? freePlayBrokersOf(base.config) : null;
      const freeName = brokers === null ? 'Free play' : `Free play with ${brokers} brokers`;
      setCompareMode({ kind: 'running', session: compare, lessonId: entry?.id ?? null, lessonName: entry?.name ?? (edited !== null ? 'Your edited scenario' : freeName), edited, brokers });
      void compare.start(moment).then((started) => {
        if (started.ok || moment === null) return compare.setSpeed(state.context.speed);
        // Nothing half-applied: a link's moment that either side cannot open opens the default cluster.
        compare.dispose();
        setCompareMode(null);
        setCompareProblems([`${started.error} The default cluster is open instead.`]);
        session.send({ type: 'OPEN', setup: { kind: 'free', config: FREE_PLAY_CONFIG, seed: DEFAULT_SEED } });
      });
    },
    [session, state.context.speed],
  );

  const startCompare = useCallback(
    (id: string | null, spec: CompareSpec, edited: boolean): void => {
      const chosen = compareBase(id, edited);
      const plan = compareSetups(chosen.base, spec);
      if (!plan.ok) setCompareMode({ kind: 'picking', problem: plan.error });
      else runCompare(plan.value, chosen, null);
    },
    [compareBase, runCompare],
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

  // A link with compare=SETTING:A,B (and maybe a moment) opens compare mode once the lesson is ready;
  // a bad one explains itself: a bad comparison leaves the single view open, a bad moment the default cluster.
  const linkCompareHandled = useRef(false);
  const linkProblems = state.context.problems.length;
  useEffect(() => {
    if (linkCompareHandled.current || params.compare === null || !ready) return;
    linkCompareHandled.current = true;
    if (linkProblems > 0) {
      setCompareProblems([`The comparison (compare=${params.compare}) was not started: the link has the problems above.`]);
      return;
    }
    const shared = params.compareMoment;
    const moment = shared === null ? null : { atUs: shared.atUs, events: shared.events, inputs: params.compareActions };
    const chosen = compareBase(lessonId, true);
    const linked = compareFromLink(params.compare, chosen.base, moment);
    if (linked.ok) runCompare(linked.value.plan, chosen, moment);
    else if (linked.part === 'moment') {
      setCompareProblems([`${linked.error} The default cluster is open instead.`]);
      session.send({ type: 'OPEN', setup: { kind: 'free', config: FREE_PLAY_CONFIG, seed: DEFAULT_SEED } });
    } else {
      const unapplied = shared === null ? '' : " at the start (the link's moment and actions belong to the comparison)";
      setCompareProblems([`${linked.error} The normal view is open instead${unapplied}.`]);
    }
  }, [params.compare, params.compareMoment, params.compareActions, ready, lessonId, linkProblems, compareBase, runCompare, session]);


  const onFault = useCallback((fault: unknown) => session.send({ type: 'INJECT', fault }), [session]);
  // Stable, so that the lesson panel's memoised end skips the frames (ScenarioPanel's LessonEnd).
  const onReplay = useCallback(() => session.send({ type: 'OPEN', setup }), [session, setup]);
  // The context menu open now (a process's or a zone's), from a right-click or a card's ⋯ button.
  const [menu, setMenu] = useState<MenuRequest | null>(null);
  const closeMenu = useCallback(() => setMenu(null), []);
  // Forms ask the engine as you type: the host refuses exactly what inject would (Engine.check).
  const check = useCallback<CheckInput>(
    (input) => client?.checkFault(input) ?? Promise.resolve({ ok: false, error: 'the simulation is not running', problems: [] }),
    [client],
  );
  const onSpeed = useCallback((speed: Speed) => session.send({ type: 'SET_SPEED', speed }), [session]);
  // Stable, so the memoised TopBar skips the deferred render.
  const onPlay = useCallback(() => session.send({ type: 'PLAY' }), [session]);
  const onPause = useCallback(() => session.send({ type: 'PAUSE' }), [session]);
  const onStep = useCallback(() => session.send({ type: 'STEP' }), [session]);
  const onSeek = useCallback((atUs: number) => session.send({ type: 'SEEK', atUs }), [session]);
  const onNextStep = useCallback(() => session.send({ type: 'NEXT_STEP' }), [session]);
  const runEdited = useCallback(
    (text: string) => {
      setEditing(false);
      session.send({ type: 'OPEN', setup: { kind: 'scenario', id: null, text, seed: null } });
    },
    [session],
  );
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

  // The bar under the title (lessons, sessions, editing, sharing, compare mode) changes with the run
  // chosen, not with its frames: made as one element while what it shows is the same, which React
  // skips when it meets it again (issue 7, item 9: App reconciled its ~5 elements in every urgent commit).
  const loadingLibrary = state.matches('loadingLibrary');
  const booting = state.matches('booting');
  const saving = frame?.session ?? null;
  const scripted = state.context.scenario !== null;
  const shareSeed = comparing !== null ? (compareTop?.frame?.snapshot.seed ?? seed) : seed;
  const shareDisabled = comparing !== null ? compareTop?.ready !== true && compareTop?.state.status !== 'ended' : !ready || frame === null;
  const subbar = useMemo(
    () => (
      <nav className="subbar" aria-label="Lessons">
        <LessonPicker library={library} current={lessonId} edited={editedText !== null} freeBrokers={freeBrokers} disabled={comparing !== null || loadingLibrary || booting} onOpen={open} />
        <SessionsMenu client={client} saving={saving} disabled={!ready || comparing !== null} onResume={resume} />
        <button type="button" className="btn btn-small" aria-expanded={editing} disabled={comparing !== null || loadingLibrary || booting} onClick={() => setEditing(!editing)}>
          Edit scenario
        </button>
        <SharePanel
          client={client}
          compare={comparing?.session ?? null}
          scenario={comparing !== null ? comparing.lessonId : lessonId}
          edited={comparing !== null ? comparing.edited : editedText}
          seed={shareSeed}
          brokers={comparing !== null ? comparing.brokers : freeBrokers}
          disabled={shareDisabled}
        />
        {comparing !== null ? (
          <button type="button" className="btn btn-small" onClick={leaveCompare}>
            Leave compare mode
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-small"
            aria-expanded={compareMode?.kind === 'picking'}
            disabled={loadingLibrary}
            onClick={() => setCompareMode(compareMode === null ? { kind: 'picking', problem: null } : null)}
          >
            Compare two designs…
          </button>
        )}
        <span className="muted">
          {comparing !== null
            ? 'Compare mode: two runs side by side. Play drives both; a fault you inject reaches both.'
            : scripted
            ? 'A scripted lesson: press Play and follow the captions. You can still break things yourself.'
            : 'Free play: press Play, then crash a broker or the active controller, or cut a zone off, and watch the others notice.'}
        </span>
      </nav>
    ),
    [library, lessonId, editedText, freeBrokers, comparing, loadingLibrary, booting, open, client, saving, ready, resume, editing, shareSeed, shareDisabled, leaveCompare, compareMode, scripted],
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
          onPlay={onPlay}
          onPause={onPause}
          onStep={onStep}
          onSpeed={onSpeed}
        />
      )}
      {subbar}
      {state.matches('booting') && setup.kind !== 'resume' && setup.moment !== undefined && (
        <p className="banner banner-warn" role="status" data-testid="opening-moment">
          Rebuilding the shared moment ({formatClock(setup.moment.atUs)} of simulated time{setup.moment.inputs.length > 0 ? `, with ${setup.moment.inputs.length} action${setup.moment.inputs.length === 1 ? '' : 's'}` : ''})…
        </p>
      )}
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
      {editing && comparing === null && (
        <div className="editor-wrap">
          <ScenarioEditor
            key={`${setup.kind}:${lessonId ?? ''}:${editedText ?? ''}`}
            initialText={setup.kind === 'scenario' ? setup.text : freePlayScenarioText(seed)}
            title={state.context.scenario?.name ?? (editedText !== null ? 'Your edited scenario' : 'Free play, as a scenario')}
            onRun={runEdited}
            onClose={() => setEditing(false)}
          />
        </div>
      )}
      {compareMode?.kind === 'picking' && (
        <div className="compare-picker-wrap">
          <ComparePicker
            library={library}
            current={lessonId}
            edited={editedText !== null}
            freeBrokers={freeBrokers}
            problem={compareMode.problem}
            onStart={startCompare}
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
              <Toolbar snapshot={frame.snapshot} ready={ready} check={check} onFault={onFault} />
              <Topology
                snapshot={frame.snapshot}
                quorum={quorum}
                authority={authority}
                ready={ready}
                playing={frame.playing}
                onFault={onFault}
                selection={selected}
                onSelect={onTopologySelect}
                onMenu={setMenu}
              />
              {menu !== null && <ActionMenu request={menu} snapshot={frame.snapshot} ready={ready} check={check} onFault={onFault} onClose={closeMenu} />}
              <LaterPanels state={clientState} ready={ready} onFault={onFault} onSelect={onSelect} selected={selected} />
            </div>
            <aside className={selected === null ? 'sidebar' : 'sidebar sidebar-inspecting'}>
              {/* The panels stack in a box of their own: perf.css makes it a relayout boundary while the
                  log fills it, which the sidebar (a grid item) cannot be. */}
              <div className="sidebar-box">
                {frame.scenario !== null && (
                  <ScenarioPanel
                    scenario={frame.scenario}
                    timeUs={frame.snapshot.timeUs}
                    moments={moments}
                    ready={ready}
                    onContinue={onPlay}
                    onReplay={onReplay}
                    steps={
                      <LessonSteps
                        moments={moments}
                        nowUs={frame.snapshot.timeUs}
                        total={frame.scenario.info.lessonSteps}
                        done={frame.scenario.done}
                        ready={ready && frame.timeline.rebuilding === null}
                        onPrevious={onSeek}
                        onNext={onNextStep}
                      />
                    }
                  />
                )}
                {selected !== null && (
                  <InspectPanel
                    selection={selected}
                    snapshot={frame.snapshot}
                    inspected={frame.inspected}
                    quorum={quorum}
                    authority={authority}
                    rateWindows={brokerRates}
                    onSelect={onSelect}
                    onClose={closeInspect}
                  />
                )}
                <EventLog log={log} trace={trace} showMessages={traceShown} onShowMessages={setTraceShown} live={frame?.playing ?? false} />
              </div>
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

interface LaterPanelsProps {
  /** The client's state; LaterPanels draws from a deferred copy of it (useDeferredValue). */
  readonly state: ClientState;
  readonly ready: boolean;
  readonly onFault: (fault: unknown) => void;
  readonly onSelect: (selection: Selection) => void;
  readonly selected: Selection | null;
}

/**
 * The panels below the topology (quorum, metadata log, partitions, charts, network), drawn from a
 * deferred copy of the client's state: React renders them after the urgent update (clock,
 * timeline, topology, event log) has been committed, in slices it can interrupt (issue 7: at 30
 * brokers one frame's render and commit of everything held the main thread for well over 16 ms).
 * The deferred copy is taken here, not in App, so the background render starts at these panels:
 * taken in App, it re-rendered App and everything App draws unmemoised (the top bar, the lesson
 * bar, the timeline) a second time per frame.
 */
function LaterPanels({ state, ...rest }: LaterPanelsProps) {
  const deferred = useDeferredValue(state);
  return <DeferredPanels state={deferred} {...rest} />;
}

/**
 * Memoised: the urgent render passes the same deferred state and skips them. The panels held whole
 * away from the viewport while the run plays (the quorum, the charts, the network) are held here,
 * not in each panel: a held panel is given the same props and the deferred commit skips it, where
 * each rendered in every deferred commit only to decide to hold (issue 7, item 9). Each watches its
 * own section (a callback ref: a panel may mount after this one) on its own turn of the second
 * (HELD_PHASE_MS); the metadata log settles its rows' arrivals as it renders, and the partitions
 * hold row by row, so those two still decide for themselves.
 */
const DeferredPanels = memo(function DeferredPanels({ state, ready, onFault, onSelect, selected }: LaterPanelsProps) {
  const snapshot = state.frame?.snapshot ?? null;
  const quorum = useMemo(() => (snapshot === null ? null : quorumOf(snapshot)), [snapshot]);
  /** While the run plays, a panel off screen may show what it shows up to a second late (use-held-while-hidden.ts). */
  const live = state.frame?.playing ?? false;
  const [quorumSection, setQuorumSection] = useState<HTMLElement | null>(null);
  const [metricsSection, setMetricsSection] = useState<HTMLElement | null>(null);
  const [networkSection, setNetworkSection] = useState<HTMLElement | null>(null);
  const newestKraft = useMemo(() => (snapshot === null || quorum === null ? null : { snapshot, quorum }), [snapshot, quorum]);
  const quorumOnScreen = useElementOnScreen(quorumSection);
  const kraft = useHeldUnlessShown(newestKraft, quorumOnScreen, live, HELD_PHASE_MS.kraft);
  const network = snapshot?.network ?? null;
  const zones = snapshot?.zones ?? null;
  const newestNet = useMemo(() => (network === null || zones === null ? null : { net: network, zones }), [network, zones]);
  const net = useHeldWhileHiddenAt(newestNet, networkSection, live, HELD_PHASE_MS.network);
  const series = useHeldWhileHiddenAt(state.series, metricsSection, live, HELD_PHASE_MS.metrics);
  if (snapshot === null || quorum === null) return null;
  return (
    <>
      {quorum.voters.length > 0 && kraft !== null && (
        // Away from the viewport, the quorum's log bars jump to each held value instead of running
        // their 0.3 s transitions (styles.css, `.kraft-away`): a layout per frame nobody sees.
        <div className={quorumOnScreen ? 'kraft' : 'kraft kraft-away'}>
          <QuorumPanel snapshot={kraft.snapshot} quorum={kraft.quorum} ready={ready} onFault={onFault} canCrash={anyActiveController(snapshot)} sectionRef={setQuorumSection} />
          <MetadataLogPanel log={state.metadataLog} quorum={quorum} live={live} />
        </div>
      )}
      {snapshot.partitions.length > 0 && <PartitionsPanel partitions={snapshot.partitions} total={snapshot.partitionsTotal} onSelect={onSelect} selected={selected} live={live} />}
      {state.series.meta.length > 0 && <MetricsPanel data={series} live={live} sectionRef={setMetricsSection} />}
      {net !== null && <NetworkPanel net={net.net} zones={net.zones} ready={ready} onFault={onFault} sectionRef={setNetworkSection} />}
    </>
  );
});

/** The edited scenario's text compressed for the address bar (null until ready, or without one). */
function useEditedPayload(text: string | null): string | null {
  const [encoded, setEncoded] = useState<{ text: string; payload: string } | null>(null);
  useEffect(() => {
    if (text === null) return;
    let live = true;
    void encodePayload(text).then((payload) => {
      if (live) setEncoded({ text, payload });
    });
    return () => {
      live = false;
    };
  }, [text]);
  return text !== null && encoded?.text === text ? encoded.payload : null;
}
