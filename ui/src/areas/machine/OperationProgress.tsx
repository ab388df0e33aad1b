// The running (or last) operation: what it does, where it is going, how long it has taken, and
// what Fly reports meanwhile. Start has a step count; Stop, Restart, Resize and Destroy report
// only their outcome, so their bar is indeterminate until it arrives.
import type { MachineOp } from "./availability";
import { clock, duration } from "./format";
import type { OperationRun } from "./operation";
import { STEP_TITLES, type StepRow } from "./steps";

const DOING: Record<MachineOp, string> = {
  start: "Starting the machine",
  stop: "Stopping the machine",
  restart: "Restarting the machine",
  destroy: "Destroying the machine",
  resize: "Resizing the machine",
};

const DONE: Record<MachineOp, string> = {
  start: "Started",
  stop: "Stopped",
  restart: "Restarted",
  destroy: "Destroyed",
  resize: "Resized",
};

const NAME: Record<MachineOp, string> = {
  start: "Start",
  stop: "Stop",
  restart: "Restart",
  destroy: "Destroy",
  resize: "Resize",
};

export function OperationProgress({
  run,
  rows,
  flyState,
  now,
}: {
  run: OperationRun;
  /** A start's step rows (for its step count). */
  rows: StepRow[] | null;
  /** Fly's state as last read. */
  flyState: string | null;
  now: number;
}) {
  const running = run.finishedAt === null;
  const failed = !running && run.status === null;
  const elapsed = (run.finishedAt ?? now) - run.startedAt;
  const steps = run.op === "start" ? rows : null;
  const done = steps?.filter((r) => r.state === "done").length ?? 0;
  const currentStep = steps?.find((r) => r.state === "running" || r.state === "failed");
  const percent = steps !== null && steps.length > 0 ? Math.round((done / steps.length) * 100) : null;
  const state = running ? "running" : failed ? "failed" : "done";

  return (
    <div className={`op op-${state}`} data-testid="machine-op" data-op={run.op} data-state={state}>
      <div className="op-head">
        <span className="op-title" data-testid="machine-op-title">
          {running ? `${DOING[run.op]}…` : failed ? `${NAME[run.op]} failed` : DONE[run.op]}
        </span>
        <span className="op-target" data-testid="machine-op-target">
          {running ? `→ ${run.target}` : failed ? failedAt(steps) : `now ${run.status?.state ?? run.target}`}
        </span>
        <span className="op-elapsed" data-testid="machine-op-elapsed" title={running ? "Elapsed" : "Took"}>
          {running ? clock(elapsed) : `took ${duration(elapsed)}`}
        </span>
      </div>
      <div
        className={`op-track${running && percent === null ? " op-indeterminate" : ""}`}
        role="progressbar"
        aria-label={DOING[run.op]}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={running ? (percent ?? undefined) : 100}
        aria-valuetext={running ? (percent === null ? "in progress" : `${done} of ${steps!.length} steps`) : state}
      >
        <div className="op-bar" style={running && percent !== null ? { width: `${Math.max(percent, 4)}%` } : undefined} />
      </div>
      {running && (
        <p className="op-detail muted" data-testid="machine-op-detail">
          {steps !== null && currentStep !== undefined
            ? `Step ${done + 1} of ${steps.length}: ${STEP_TITLES[currentStep.step]}. `
            : ""}
          {flyState !== null && (
            <>
              Fly reports <strong>{flyState === "none" ? "no machine yet" : flyState.replace(/_/g, " ")}</strong>.
            </>
          )}
        </p>
      )}
    </div>
  );
}

/** Where a failed start stopped, for its summary line. */
function failedAt(steps: StepRow[] | null): string {
  const index = steps?.findIndex((r) => r.state === "failed") ?? -1;
  if (steps === null || index < 0) return "";
  return `at step ${index + 1} of ${steps.length}, ${STEP_TITLES[steps[index]!.step]}: Retry resumes there`;
}
