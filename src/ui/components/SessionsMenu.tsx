// The runs saved in this browser: where the current one is saved, and the list of earlier ones to
// reopen (resumed where they were) or delete. The worker owns the storage; this only asks it.
import { memo, useCallback, useState } from 'react';
import { formatSpan } from '../../engine/sim/time';
import type { SessionFrame } from '../../worker/host';
import type { SessionMeta } from '../../worker/sessions';
import type { EngineClient } from '../engine-client';

interface Props {
  readonly client: EngineClient | null;
  readonly saving: SessionFrame | null;
  readonly disabled: boolean;
  readonly onResume: (id: string) => void;
}

/** styles.css's .save-status::after holds the width of the longest of these: keep them in step. */
const STATUS_TEXT: Record<SessionFrame['status'], string> = {
  saving: 'Saving…',
  saved: 'Saved in this browser',
  failed: 'Not saved',
  off: 'Not saved',
};

function when(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export const SessionsMenu = memo(function SessionsMenu({ client, saving, disabled, onResume }: Props) {
  const [sessions, setSessions] = useState<readonly SessionMeta[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    if (client === null) return;
    const listed = await client.listSessions();
    if (listed.ok) {
      setSessions(listed.value);
      setProblem(null);
    } else {
      setProblem(listed.error);
    }
  }, [client]);

  const remove = useCallback(
    async (id: string) => {
      if (client === null) return;
      const removed = await client.deleteSession(id);
      if (!removed.ok) setProblem(removed.error);
      await refresh();
    },
    [client, refresh],
  );

  return (
    <details className="sessions" onToggle={(event) => void ((event.target as HTMLDetailsElement).open && refresh())}>
      <summary data-testid="sessions-toggle">
        Sessions
        {saving !== null && (
          <span className={`save-status save-${saving.status}`} data-testid="save-status" title={saving.message ?? (saving.id === null ? '' : `session ${saving.id}`)}>
            {/* A box of its own (perf.css: a relayout boundary), as the pill is a flex item of the summary. */}
            <span className="save-status-text">{STATUS_TEXT[saving.status]}</span>
          </span>
        )}
      </summary>
      <div className="sessions-panel" role="region" aria-label="Sessions saved in this browser">
        <p className="muted">
          Each run is saved in this browser as it goes (IndexedDB). Reload the page and it resumes; open an earlier run and it resumes where it was.
        </p>
        {problem !== null && <p className="card-hint">{problem}</p>}
        {sessions === null ? (
          <p className="muted">Loading…</p>
        ) : sessions.length === 0 ? (
          <p className="muted">No saved sessions.</p>
        ) : (
          <ul className="sessions-list">
            {sessions.map((session) => {
              const current = session.id === saving?.id;
              return (
                <li key={session.id} data-testid={`session-${session.id}`}>
                  <div>
                    <strong>{session.name}</strong>
                    {current && <span className="muted"> (this one)</span>}
                    <div className="muted">
                      {when(session.createdAtMs)} · {session.simulatedUs === 0 ? 'not started' : `at ${formatSpan(session.simulatedUs)}`} · seed {session.seed} · {session.inputs}{' '}
                      {session.inputs === 1 ? 'action' : 'actions'}
                    </div>
                  </div>
                  <span className="sessions-actions">
                    <button type="button" className="btn btn-small" disabled={disabled || current} onClick={() => onResume(session.id)}>
                      Open
                    </button>
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={disabled || current}
                      onClick={() => void remove(session.id)}
                      aria-label={`Delete the saved session ${session.name} of ${when(session.createdAtMs)}`}
                    >
                      Delete
                    </button>
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </details>
  );
});
