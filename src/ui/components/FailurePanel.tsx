interface Props {
  readonly message: string;
  readonly onRestart: () => void;
}

/** Shown instead of the cluster when the worker failed or the config was refused: never a blank page. */
export function FailurePanel({ message, onRestart }: Props) {
  return (
    <section className="failure" role="alert" aria-labelledby="failure-title">
      <h2 id="failure-title">The simulation stopped</h2>
      <pre className="failure-text">{message}</pre>
      <p>Your page is fine. Restarting starts a fresh simulation worker with the same settings.</p>
      <button type="button" className="btn btn-primary" onClick={onRestart} autoFocus>
        Restart the simulation
      </button>
    </section>
  );
}
