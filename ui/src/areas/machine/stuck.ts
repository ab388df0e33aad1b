// "Stuck" as Fly defines it (machine-states doc, src-tauri/src/machine/status.rs): a transient
// state that lasts beyond 5 minutes (`updating`/`replacing`: 10). The core flags it when it
// checks; between checks the UI counts from `since` so the warning appears on time.
import type { MachineStatus } from "../../bindings";
import { TRANSIENT } from "./availability";

export const STUCK_AFTER_MS = 5 * 60_000;
export const STUCK_UPDATING_AFTER_MS = 10 * 60_000;

export function stuckThresholdMs(state: string): number {
  return state === "updating" || state === "replacing" ? STUCK_UPDATING_AFTER_MS : STUCK_AFTER_MS;
}

/** How long the machine has been in its current state at `now`, when Fly says since when. */
export function stateAgeMs(status: MachineStatus, now: number): number | null {
  if (status.since === null) return null;
  const since = Date.parse(status.since);
  return Number.isNaN(since) ? null : Math.max(0, now - since);
}

/** Stuck per the core, or per Fly's threshold counted here since the core's last check. */
export function isStuck(status: MachineStatus, now: number): boolean {
  if (!TRANSIENT.has(status.state)) return false;
  if (status.stuck) return true;
  const age = stateAgeMs(status, now);
  return age !== null && age > stuckThresholdMs(status.state);
}

/**
 * What the user reads when the machine is stuck: for how long, Fly's threshold, and — until the
 * core's own advice says so (`status.stuck`) — what to do.
 */
export function stuckAdvice(status: MachineStatus, now: number): string {
  const age = stateAgeMs(status, now);
  const threshold = stuckThresholdMs(status.state);
  const state = status.state.charAt(0).toUpperCase() + status.state.slice(1).replace(/_/g, " ");
  const forHow = age !== null && age > threshold ? ` for ${Math.floor(age / 60_000)} min` : "";
  const what = `${state}${forHow} — past Fly's ${threshold / 60_000}-minute threshold, so Fly considers it stuck.`;
  if (status.stuck) return what;
  return `${what} Stop it, then Start it again; if it stays stuck, Destroy it and Start a new one.`;
}
