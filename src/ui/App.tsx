import { useActorRef, useSelector } from '@xstate/react';
import { useCallback } from 'react';
import type { Speed } from '../worker/host';
import { EventLog } from './components/EventLog';
import { FailurePanel } from './components/FailurePanel';
import { NetworkPanel } from './components/NetworkPanel';
import { TopBar } from './components/TopBar';
import { ZoneBoard } from './components/ZoneBoard';
import { SESSION_SYSTEM_ID, sessionMachine } from './session-machine';
import { useClientState } from './use-client';
import type { PageParams } from './url-params';

export function App({ params }: { params: PageParams }) {
  const session = useActorRef(sessionMachine, { input: { config: {}, seed: params.seed }, systemId: SESSION_SYSTEM_ID });
  const state = useSelector(session, (snapshot) => snapshot);
  const { frame, log, trace } = useClientState(state.context.client);
  const ready = state.matches('ready');
  const playing = state.matches({ ready: 'playing' });

  const onFault = useCallback((fault: unknown) => session.send({ type: 'INJECT', fault }), [session]);
  const onSpeed = useCallback((speed: Speed) => session.send({ type: 'SET_SPEED', speed }), [session]);

  return (
    <div className="app">
      <TopBar
        frame={frame}
        ready={ready}
        playing={playing}
        speed={state.context.speed}
        seed={params.seed}
        onPlay={() => session.send({ type: 'PLAY' })}
        onPause={() => session.send({ type: 'PAUSE' })}
        onStep={() => session.send({ type: 'STEP' })}
        onSpeed={onSpeed}
      />
      {params.problems.map((problem) => (
        <p key={problem} className="banner banner-warn" role="status">
          {problem}
        </p>
      ))}
      {state.context.notice !== null && (
        <p className="banner banner-bad" role="alert">
          {state.context.notice}
          <button type="button" className="btn btn-small" onClick={() => session.send({ type: 'NOTICE', message: null })}>
            Dismiss
          </button>
        </p>
      )}
      {state.matches('failed') ? (
        <main className="main main-failed">
          <FailurePanel message={state.context.error ?? 'Unknown failure'} onRestart={() => session.send({ type: 'RESTART' })} />
        </main>
      ) : frame === null ? (
        <main className="main main-loading" aria-busy="true">
          <p className="loading">Starting the simulation worker…</p>
        </main>
      ) : (
        <main className="main">
          <div className="stage">
            <ZoneBoard snapshot={frame.snapshot} ready={ready} onFault={onFault} />
            <NetworkPanel snapshot={frame.snapshot} ready={ready} onFault={onFault} />
          </div>
          <EventLog log={log} trace={trace} />
        </main>
      )}
      <footer className="footnote">
        Trace hash <code data-testid="trace-hash">{frame?.snapshot.traceHash ?? '—'}</code> · same seed, same run, on every machine
      </footer>
    </div>
  );
}
