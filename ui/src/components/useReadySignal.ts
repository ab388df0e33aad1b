// Tells the core the window is interactive (first render done, first status in) so it logs the start-up time.
import { useEffect } from "react";
import { useBackend } from "../backend/context";

/**
 * After the first render, once the first status answer is in, calls `backend.ready()` (the
 * core logs `window interactive` with the time since start; a failure only loses that line).
 */
export function useReadySignal(): void {
  const backend = useBackend();
  useEffect(() => {
    let cancelled = false;
    backend
      .appStatus()
      .then(() => (cancelled ? undefined : backend.ready()))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [backend]);
}
