interface Props {
  readonly message: string;
  readonly onRestart: () => void;
  /** Offered when a lesson failed to open: go back to the default cluster instead. */
  readonly onOpenDefault: (() => void) | null;
}

/** Shown instead of the cluster when the worker failed or a setup was refused: never a blank page. */
export function FailurePanel({ message, onRestart, onOpenDefault }: Props) {
  return (
    <section className="failure" role="alert" aria-labelledby="failure-title">
      <h2 id="failure-title">The simulation stopped</h2>
      <pre className="failure-text">{message}</pre>
      <p>Your page is fine. Restarting starts a fresh simulation worker with the same settings.</p>
      <div className="failure-actions">
        <button type="button" className="btn btn-primary" onClick={onRestart} autoFocus>
          Restart the simulation
        </button>
        {onOpenDefault !== null && (
          <button type="button" className="btn" onClick={onOpenDefault}>
            Open the default cluster
          </button>
        )}
      </div>
    </section>
  );
}
