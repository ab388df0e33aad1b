// Subscribes to the live link's state for as long as the component is mounted.
import { useEffect, useState } from "react";
import type { LinkView } from "../bindings";
import type { Unwatch } from "../backend/apis";
import { BackendError, type Backend } from "../backend/backend";

export interface LinkWatch {
  view: LinkView | null;
  /** When `view` arrived (ms since the epoch): a reconnect's countdown starts there. */
  receivedAt: number;
  /** The subscription itself failed. */
  error: BackendError | null;
}

export function useLinkView(backend: Backend): LinkWatch {
  const [watch, setWatch] = useState<LinkWatch>({ view: null, receivedAt: 0, error: null });

  useEffect(() => {
    let mounted = true;
    let unwatch: Unwatch | null = null;
    backend.live
      .watchLink((view) => {
        if (mounted) setWatch({ view, receivedAt: Date.now(), error: null });
      })
      .then(
        (stop) => {
          // Unmounted before the subscription answered: end it now.
          if (mounted) unwatch = stop;
          else void stop();
        },
        (thrown: unknown) => {
          if (mounted) setWatch((w) => ({ ...w, error: BackendError.from(thrown) }));
        },
      );
    return () => {
      mounted = false;
      if (unwatch !== null) void unwatch();
    };
  }, [backend]);

  return watch;
}
