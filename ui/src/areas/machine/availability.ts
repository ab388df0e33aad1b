// Which machine operations make sense now: from Fly's state as the core reports it, whether
// it is stuck, and whether an operation is already running in this window.
import type { MachineStatus } from "../../bindings";

export type MachineOp = "start" | "stop" | "restart" | "destroy" | "resize";

export type Availability = Record<MachineOp, boolean>;

/** Fly's transient states (src-tauri/src/fly/types/machine.rs `is_transient`). */
export const TRANSIENT: ReadonlySet<string> = new Set([
  "creating",
  "starting",
  "stopping",
  "suspending",
  "restarting",
  "updating",
  "replacing",
  "destroying",
  "launch_failed",
]);

const NOTHING: Availability = { start: false, stop: false, restart: false, destroy: false, resize: false };

/** There is a machine on Fly (not `none`, not `destroyed`). */
export function hasMachine(status: MachineStatus): boolean {
  return status.machineId !== null && status.state !== "none" && status.state !== "destroyed";
}

export function availability(status: MachineStatus | null, busy: boolean): Availability {
  if (busy || status === null) return NOTHING;
  if (!hasMachine(status)) return { ...NOTHING, start: true };
  const state = status.state;
  if (TRANSIENT.has(state)) {
    // Stuck: Stop then Start, or a forced Destroy (the core's advice). Otherwise wait.
    return status.stuck ? { ...NOTHING, stop: true, destroy: true } : NOTHING;
  }
  if (state === "started") {
    return {
      start: status.nextAction === "retry",
      stop: true,
      restart: true,
      destroy: true,
      resize: true,
    };
  }
  // stopped, suspended, created, failed
  return { start: true, stop: false, restart: false, destroy: true, resize: true };
}
