// The dead-man alert: shown while the running machine's agent has gone quiet.
import { useEffect, useState } from "react";
import type { WatchdogView } from "../bindings";
import { useBackend } from "../backend/context";

export function DeadManBanner({ pollMs = 15_000 }: { pollMs?: number }) {
  const backend = useBackend();
  const [view, setView] = useState<WatchdogView | null>(null);
  useEffect(() => {
    let live = true;
    const look = () =>
      backend.watchdogState().then(
        (v) => live && setView(v),
        () => undefined,
      );
    void look();
    const timer = setInterval(() => void look(), pollMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [backend, pollMs]);
  if (view === null || view.alert === null) return null;
  return (
    <div className="error" role="alert" data-testid="deadman-banner" data-kind={view.alert.kind}>
      <p>Your machine is not answering: {view.text}</p>
    </div>
  );
}
