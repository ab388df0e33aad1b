// The dead-man alert: shown while the running machine's agent has gone quiet.
import { useCallback } from "react";
import { useBackend } from "../backend/context";
import { usePolled } from "./usePolled";

export function DeadManBanner({ pollMs = 15_000 }: { pollMs?: number }) {
  const backend = useBackend();
  const view = usePolled(useCallback(() => backend.watchdogState(), [backend]), pollMs);
  if (view === null || view.alert === null) return null;
  return (
    <div className="error" role="alert" data-testid="deadman-banner" data-kind={view.alert.kind}>
      <p>Your machine is not answering: {view.text}</p>
    </div>
  );
}
