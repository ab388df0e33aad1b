// The provisioning step list's model: one row per step, built from the latest run the core
// reports (MachineStatus.lastRun) and updated live from the progress channel.
import type { Progress, RunView, Step, StepState } from "../../bindings";
import { BackendError } from "../../backend/backend";

export const STEPS: readonly Step[] = ["token", "app", "secrets", "volume", "machine", "started", "ready", "done"];

export const STEP_TITLES: Record<Step, string> = {
  token: "Fly token",
  app: "Fly app",
  secrets: "Agent secrets",
  volume: "Data volume",
  machine: "Machine",
  started: "Started on Fly",
  ready: "Agent ready",
  done: "Done",
};

/** How many of a step's newest log lines are shown. */
export const LINES_KEPT = 3;

export interface StepRow {
  step: Step;
  state: StepState;
  /** From the live channel only: the core's run record has no durations. */
  elapsedMs: number | null;
  /** When `elapsedMs` was measured (ms since the epoch), so a running step's time can tick. */
  at: number | null;
  /** Finished by an earlier run and skipped by this one (the core's "— done earlier"). */
  earlier: boolean;
  lines: string[];
  error: BackendError | null;
}

export function pendingRows(): StepRow[] {
  return STEPS.map((step) => ({ step, state: "pending", elapsedMs: null, at: null, earlier: false, lines: [], error: null }));
}

/** Rows for the latest run as the core recorded it (states and a failed step's error). */
export function rowsFromRun(run: RunView | null): StepRow[] {
  const rows = pendingRows();
  if (run === null) return rows;
  return rows.map((row) => {
    const recorded = run.steps.find((s) => s.step === row.step);
    if (recorded === undefined) return row;
    return {
      ...row,
      state: recorded.state,
      error: recorded.state === "failed" && recorded.error !== null ? BackendError.from(recorded.error) : null,
    };
  });
}

/** One progress event, received `at`, applied to the rows (a new array; other rows kept). */
export function applyProgress(rows: StepRow[], event: Progress, at: number = Date.now()): StepRow[] {
  return rows.map((row) => {
    if (row.step !== event.step) return row;
    const earlier = event.state === "done" && event.elapsedMs === 0 && event.line.endsWith("done earlier");
    return {
      ...row,
      state: event.state,
      elapsedMs: earlier ? null : event.elapsedMs,
      at: earlier ? null : at,
      earlier,
      lines: event.line === "" ? row.lines : [...row.lines, event.line].slice(-LINES_KEPT),
      error: event.state === "failed" ? row.error : null,
    };
  });
}

/** Puts the operation's error (with its hint) on the failed row; false when no row failed. */
export function attachError(rows: StepRow[], error: BackendError): { rows: StepRow[]; attached: boolean } {
  const index = rows.findIndex((row) => row.state === "failed");
  if (index < 0) return { rows, attached: false };
  return { rows: rows.map((row, i) => (i === index ? { ...row, error } : row)), attached: true };
}

/** The failed row, if any. */
export function failedRow(rows: StepRow[]): StepRow | undefined {
  return rows.find((row) => row.state === "failed");
}

/** A step's elapsed time at `now`: a running step's time grows from its last event. */
export function elapsedAt(row: StepRow, now: number, live: boolean): number | null {
  if (row.elapsedMs === null) return null;
  if (!live || row.state !== "running" || row.at === null) return row.elapsedMs;
  return row.elapsedMs + Math.max(0, now - row.at);
}
