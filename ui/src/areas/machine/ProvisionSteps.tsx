// The provisioning steps of the latest (or the running) start: state, elapsed time, newest log
// lines, and for a failed step its error with the hint and Retry (resumes from that step).
import type { StepState } from "../../bindings";
import { ErrorNotice } from "../../components/ErrorNotice";
import { clock, duration } from "./format";
import { elapsedAt, STEP_TITLES, type StepRow } from "./steps";

const STATE_LABEL: Record<StepState, string> = {
  pending: "Pending",
  running: "Running",
  done: "Done",
  failed: "Failed",
};

const STATE_ICON: Record<StepState, string> = {
  pending: "○",
  running: "◐",
  done: "●",
  failed: "✕",
};

export function ProvisionSteps({
  rows,
  live,
  canRetry,
  onRetry,
  now,
}: {
  rows: StepRow[];
  /** The current time: a running step's elapsed time ticks from its last event. */
  now: number;
  /** A start is running in this window (rows update from its progress). */
  live: boolean;
  canRetry: boolean;
  onRetry: () => void;
}) {
  return (
    <ol className="steps" aria-live="polite" aria-busy={live} data-testid="provision-steps">
      {rows.map((row) => {
        const label = row.earlier ? "Done earlier" : STATE_LABEL[row.state];
        const elapsed = elapsedAt(row, now, live);
        const ticking = live && row.state === "running";
        return (
          <li
            key={row.step}
            className={`step step-${row.state}`}
            data-testid={`provision-step-${row.step}`}
            data-state={row.state}
            data-earlier={row.earlier}
          >
            <div className="step-head">
              <span aria-hidden="true" className="step-icon">
                {STATE_ICON[row.state]}
              </span>
              <span className="step-title">{STEP_TITLES[row.step]}</span>
              <span className="step-state" data-testid={`provision-step-${row.step}-state`}>
                {label}
              </span>
              {elapsed !== null && (
                <span
                  className="muted step-elapsed"
                  data-testid={`provision-step-${row.step}-elapsed`}
                  data-ticking={ticking}
                >
                  {ticking ? clock(elapsed) : duration(elapsed)}
                </span>
              )}
            </div>
            {row.lines.length > 0 && (
              <ul className="step-lines" data-testid={`provision-step-${row.step}-lines`}>
                {row.lines.map((line, i) => (
                  <li key={i}>{line}</li>
                ))}
              </ul>
            )}
            {row.state === "failed" && row.error !== null && (
              <div className="step-failure">
                <ErrorNotice error={row.error} testId={`provision-step-${row.step}-error`} />
                <button
                  type="button"
                  className="primary"
                  data-testid="provision-retry"
                  disabled={!canRetry}
                  onClick={onRetry}
                >
                  Retry from this step
                </button>
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
