// Whether cloud toggles are allowed: the machine is started (polled) and the live link is
// `live` (watched). A link that cannot be watched counts as offline.
import { useEffect, useState } from "react";
import type { LinkState } from "../../bindings";
import type { Backend } from "../../backend/backend";

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

export function cloudGate(machineState: string | null, link: LinkState["state"] | null): CloudGate {
  if (machineState === null) return { allowed: false, reason: "Checking the machine…" };
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
        () => live && setMachine("unknown (Fly did not answer)"),
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
