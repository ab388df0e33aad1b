// Ending support's live access (owner side): replaces the agent's viewer token. A started
// machine restarts so the old token stops working at once; the progress lines come from the
// core as they happen, and the token itself never reaches this window.
import { useState } from "react";
import type { MachineStatus, OperationProgress } from "../bindings";
import { BackendError } from "../backend/backend";
import { useBackend } from "../backend/context";
import { ErrorNotice } from "../components/ErrorNotice";

export function ViewerTokenPanel({
  status,
  onStatus,
}: {
  status: MachineStatus | null;
  onStatus: (status: MachineStatus) => void;
}) {
  const backend = useBackend();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [lines, setLines] = useState<OperationProgress[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const hasMachine = status?.machineId != null;
  const started = status?.state === "started";

  async function replace() {
    setConfirming(false);
    setBusy(true);
    setLines([]);
    setDone(null);
    setError(null);
    try {
      const outcome = await backend.machineReplaceViewerToken((event) => setLines((seen) => [...seen, event]));
      setDone(outcome.message);
      onStatus(outcome.status);
    } catch (thrown: unknown) {
      setError(BackendError.from(thrown));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="viewer-token-title" data-testid="viewer-token-panel">
      <h2 id="viewer-token-title">Ending support's access</h2>
      <p>
        Revoke the read-only Fly token with <code>fly tokens revoke</code>. To end access to the live agent too, replace
        its viewer token: the old one stops working{" "}
        {started ? "once the machine has restarted (screening pauses for the restart)" : "when the machine next starts"}
        . Give support the new one with <code>trademind machine viewer-token</code> if they need it again.
      </p>
      {confirming ? (
        <div className="confirm" role="group" aria-label="Confirm the new viewer token">
          <span>{started ? "Replace the viewer token and restart the machine?" : "Replace the viewer token?"}</span>
          <button type="button" className="danger" data-testid="viewer-token-replace-confirm" onClick={() => void replace()}>
            Replace
          </button>
          <button type="button" data-testid="viewer-token-replace-cancel" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          data-testid="viewer-token-replace"
          disabled={busy || !hasMachine}
          title={hasMachine ? undefined : "There is no machine yet"}
          onClick={() => setConfirming(true)}
        >
          {busy ? "Replacing…" : "Replace the viewer token"}
        </button>
      )}
      {busy && (
        <div className="op-track op-indeterminate" role="progressbar" aria-label="Replacing the viewer token" aria-valuetext="in progress">
          <div className="op-bar" />
        </div>
      )}
      {lines.length > 0 && (
        <ol className="progress-lines" aria-live="polite" data-testid="viewer-token-progress">
          {lines.map((event, i) => (
            <li key={i} className={event.done ? "done" : undefined}>
              {event.line}
            </li>
          ))}
        </ol>
      )}
      {done !== null && (
        <p className="notice" role="status" data-testid="viewer-token-done">
          {done}
        </p>
      )}
      {error !== null && <ErrorNotice error={error} testId="viewer-token-error" />}
    </section>
  );
}
