// Runs `read` now, then every `ms` while the window is visible (and again when it shows).
import { useEffect, useRef } from "react";

export function usePolling(read: () => Promise<void> | void, ms: number): void {
  const latest = useRef(read);
  latest.current = read;
  useEffect(() => {
    const tick = () => {
      if (document.visibilityState !== "hidden") void latest.current();
    };
    tick();
    const timer = setInterval(tick, ms);
    const onVisible = () => {
      if (document.visibilityState === "visible") tick();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [ms]);
}
