// Which window this is (the owner's app or the read-only support window), from the first
// status answer; then tells the core the window is interactive so it logs the start-up time.
import { useEffect, useState } from "react";
import type { Mode } from "../bindings";
import { useBackend } from "../backend/context";

/** `null` while the first status is pending; `failed` when it could not be read. */
export type AppMode = Mode | "failed" | null;

/**
 * Reads `appStatus()` once. After the screen for the mode has rendered (the effect runs after
 * the commit), calls `backend.ready()` once; a failed status only loses that log line.
 */
export function useAppMode(): AppMode {
  const backend = useBackend();
  const [mode, setMode] = useState<AppMode>(null);

  useEffect(() => {
    let cancelled = false;
    backend.appStatus().then(
      (status) => {
        if (!cancelled) setMode(status.mode);
      },
      () => {
        if (!cancelled) setMode("failed");
      },
    );
    return () => {
      cancelled = true;
    };
  }, [backend]);

  const known = mode === "owner" || mode === "support";
  useEffect(() => {
    if (known) backend.ready().catch(() => undefined);
  }, [backend, known]);

  return mode;
}
