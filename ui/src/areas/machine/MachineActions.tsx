// Start, Stop, Restart, Destroy: each enabled only when it applies and no operation runs.
import type { Ref } from "react";
import type { Availability, MachineOp } from "./availability";

const LABELS: Record<Exclude<MachineOp, "resize">, string> = {
  start: "Start",
  stop: "Stop",
  restart: "Restart",
  destroy: "Destroy…",
};

const RUNNING: Record<MachineOp, string> = {
  start: "Starting…",
  stop: "Stopping…",
  restart: "Restarting…",
  destroy: "Destroying…",
  resize: "Resizing…",
};

export function MachineActions({
  allowed,
  running,
  startLabel,
  onRun,
  destroyRef,
}: {
  allowed: Availability;
  /** The operation running now, if any. */
  running: MachineOp | null;
  /** "Start" or "Retry" (when the last start failed and will be resumed). */
  startLabel: string;
  onRun: (op: Exclude<MachineOp, "resize">) => void;
  /** Focus returns to Destroy when its dialog closes. */
  destroyRef: Ref<HTMLButtonElement>;
}) {
  const ops = ["start", "stop", "restart", "destroy"] as const;
  return (
    <div className="machine-actions" role="group" aria-label="Machine operations">
      {ops.map((op) => (
        <button
          key={op}
          ref={op === "destroy" ? destroyRef : undefined}
          type="button"
          className={op === "destroy" ? "danger-outline" : op === "start" ? "primary" : undefined}
          data-testid={`machine-${op}`}
          disabled={!allowed[op]}
          aria-busy={running === op}
          onClick={() => onRun(op)}
        >
          {running === op ? RUNNING[op] : op === "start" ? startLabel : LABELS[op]}
        </button>
      ))}
    </div>
  );
}
