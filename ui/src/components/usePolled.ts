// A value the core is asked for now and every `pollMs` after (failures keep the last value).
import { useEffect, useState } from "react";

export function usePolled<T>(fetch: () => Promise<T>, pollMs: number): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    let live = true;
    const look = () =>
      fetch().then(
        (v) => live && setValue(v),
        () => undefined,
      );
    void look();
    const timer = setInterval(() => void look(), pollMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [fetch, pollMs]);
  return value;
}
