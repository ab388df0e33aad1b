// The live link's state in words, shared by the navigation indicator and the Dashboard.
import type { ApiError, LinkState } from "../bindings";

export type LinkTone = "ok" | "busy" | "off" | "bad";

export function linkTone(state: LinkState): LinkTone {
  switch (state.state) {
    case "live":
      return "ok";
    case "connecting":
    case "reconnecting":
      return "busy";
    case "circuit_open":
      return "bad";
    case "offline":
      return state.error === null ? "off" : "bad";
  }
}

/** `12:04` in local time (the date too when it is not today). */
export function clock(rfc3339: string, now = Date.now()): string {
  const at = new Date(rfc3339);
  if (Number.isNaN(at.getTime())) return rfc3339;
  const time = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return at.toDateString() === new Date(now).toDateString() ? time : `${at.toLocaleDateString()} ${time}`;
}

/** `4 s`, `1 min 05 s`. */
export function seconds(total: number): string {
  if (total < 60) return `${total} s`;
  return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, "0")} s`;
}

/**
 * The state in a few words. `receivedAt` is when the state arrived and `now` the current
 * time: a reconnect counts down from `nextInMs` between them.
 */
export function linkLabel(state: LinkState, receivedAt: number, now: number): string {
  switch (state.state) {
    case "offline":
      return "Offline";
    case "connecting":
      return "Connecting…";
    case "live":
      return `Live (${state.role})`;
    case "reconnecting": {
      // `now` comes from a ticking clock and may be a little older than the state: the
      // countdown never starts above `nextInMs`.
      const elapsed = Math.max(0, now - receivedAt);
      const left = Math.max(0, Math.ceil((state.nextInMs - elapsed) / 1000));
      const next = left === 0 ? "retrying now" : `next in ${seconds(left)}`;
      return `Reconnecting — attempt ${state.attempt}, ${next}`;
    }
    case "circuit_open":
      return `Circuit open until ${clock(state.until, now)}`;
  }
}

/** The error behind the state, if any. */
export function linkError(state: LinkState): ApiError | null {
  switch (state.state) {
    case "offline":
      return state.error;
    case "reconnecting":
      return state.lastError;
    case "circuit_open":
      return state.reason;
    default:
      return null;
  }
}

/** What the state means for the user, one sentence. */
export function linkAdvice(state: LinkState): string {
  switch (state.state) {
    case "offline":
      return state.error === null
        ? "No link to the agent: start your machine on the Machine page and the app connects by itself."
        : "The link stopped. Reconnect, or check the machine on the Machine page.";
    case "connecting":
      return "Connecting to the agent on your machine…";
    case "live":
      return "Connected to the agent: metrics and signals stream in live.";
    case "reconnecting":
      return "The connection dropped; the app retries with a growing pause. Reconnect tries now.";
    case "circuit_open":
      return "Too many failed attempts in a row: the app paused retrying. Reconnect tries now.";
  }
}
