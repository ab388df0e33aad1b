// The agent's size recommendation, when it differs from the machine's, with Apply (a resize).
import { useState } from "react";
import type { ScaleAdvice } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";
import { usd } from "../machine/format";

export function ScaleCallout({ advice }: { advice: ScaleAdvice }) {
  const backend = useBackend();
  const [applying, setApplying] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<BackendError | null>(null);

  const apply = async () => {
    setApplying(true);
    setMessage(null);
    setError(null);
    try {
      const outcome = await backend.machineResize(advice.recommendedSize);
      setMessage(outcome.message);
    } catch (thrown) {
      setError(BackendError.from(thrown));
    } finally {
      setApplying(false);
    }
  };

  const cpus = `${advice.recommendedCpus} vCPU${advice.recommendedCpus === 1 ? "" : "s"}`;
  const more = advice.recommendedCpus > advice.currentCpus;
  return (
    <section className="callout" aria-labelledby="scale-title" data-testid="scale-callout">
      <div className="callout-body">
        <h2 id="scale-title">{more ? "Your machine is working hard" : "Your machine has room to spare"}</h2>
        <p data-testid="scale-text">
          The agent recommends <strong>{cpus}</strong> (size <code>{advice.recommendedSize}</code>,{" "}
          {usd(advice.currentCostPerHour)}/h → {usd(advice.recommendedCostPerHour)}/h).{" "}
          <span className="muted">
            It runs {advice.currentSize} with {advice.currentCpus} vCPU{advice.currentCpus === 1 ? "" : "s"} now; applying restarts
            the machine.
          </span>
        </p>
        <p className="muted" role="status" data-testid="scale-status">
          {applying ? `Resizing to ${advice.recommendedSize}…` : (message ?? "")}
        </p>
        {error !== null && <ErrorNotice error={error} testId="scale-error" />}
      </div>
      <button
        type="button"
        className="primary"
        data-testid="scale-apply"
        disabled={applying}
        aria-busy={applying}
        onClick={() => void apply()}
      >
        {applying ? "Applying…" : "Apply"}
      </button>
    </section>
  );
}
