// Whether cloud toggles are allowed: the machine is started (polled) and the live link is
// `live` (watched). A link that cannot be watched counts as offline.
import { useEffect, useState } from "react";
import type { LinkState } from "../../bindings";
import { type Backend, BackendError } from "../../backend/backend";

export const GATE_POLL_MS = 10_000;

export interface CloudGate {
  allowed: boolean;
  /** Why toggles are disabled (tooltip), null when allowed. */
  reason: string | null;
}

function linkWords(state: LinkState["state"] | null): string {
  switch (state) {
    case null:
    case "offline":
      return "offline";
    case "connecting":
      return "connecting";
    case "reconnecting":
      return "reconnecting";
    case "circuit_open":
      return "paused after repeated failures";
    case "live":
      return "live";
  }
}

/** The machine's state, or why it is not known (`no_token`, or Fly did not answer). */
export const NO_TOKEN = "no_token";
export const FLY_SILENT = "fly_silent";

export function cloudGate(machineState: string | null, link: LinkState["state"] | null): CloudGate {
  if (machineState === null) return { allowed: false, reason: "Checking the machine…" };
  if (machineState === NO_TOKEN) {
    return { allowed: false, reason: "No Fly token yet: add one in Settings to run traders in the cloud. Local screening needs none." };
  }
  if (machineState === FLY_SILENT) {
    return { allowed: false, reason: "Fly did not answer, so the machine's state is unknown: try again in a moment." };
  }
  if (machineState !== "started") {
    const state = machineState === "none" ? "not created" : machineState;
    return { allowed: false, reason: `The machine is ${state}: start it in the Machine area to deploy traders.` };
  }
  if (link !== "live") {
    return { allowed: false, reason: `The link to the agent is ${linkWords(link)}: wait until it is live.` };
  }
  return { allowed: true, reason: null };
}

export function useCloudGate(backend: Backend, pollMs: number = GATE_POLL_MS): CloudGate {
  const [machine, setMachine] = useState<string | null>(null);
  const [link, setLink] = useState<LinkState["state"] | null>(null);

  useEffect(() => {
    let live = true;
    const read = () => {
      if (document.visibilityState === "hidden") return;
      backend.machineStatus().then(
        (status) => live && setMachine(status.state),
        (e: unknown) =>
          live && setMachine(e instanceof BackendError && e.code === "no_token" ? NO_TOKEN : FLY_SILENT),
      );
    };
    read();
    const timer = setInterval(read, pollMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [backend, pollMs]);

  useEffect(() => {
    let live = true;
    let unwatch: (() => Promise<void>) | null = null;
    (async () => {
      try {
        const stop = await backend.live.watchLink((view) => live && setLink(view.state.state));
        if (live) unwatch = stop;
        else void stop().catch(() => {});
      } catch {
        if (live) setLink("offline");
      }
    })();
    return () => {
      live = false;
      void unwatch?.().catch(() => {});
    };
  }, [backend]);

  return cloudGate(machine, link);
}
