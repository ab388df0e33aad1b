// Subscribes to the dashboard's frames for one range; a new range ends the old subscription
// first, and unmounting ends the current one.
import { useEffect, useState } from "react";
import type { DashboardFrame, MetricsRange } from "../../bindings";
import type { Unwatch } from "../../backend/apis";
import { BackendError, type Backend } from "../../backend/backend";

export interface DashboardWatch {
  /** The newest frame of the current range (null until the first arrives). */
  frame: DashboardFrame | null;
  error: BackendError | null;
}

export function useDashboard(backend: Backend, range: MetricsRange): DashboardWatch {
  const [state, setState] = useState<DashboardWatch>({ frame: null, error: null });

  useEffect(() => {
    let current = true;
    let unwatch: Unwatch | null = null;
    // Keep the old charts on screen until the new range's first frame replaces them.
    setState((s) => ({ frame: s.frame, error: null }));
    backend.live
      .watchDashboard(range, (frame) => {
        if (current && frame.range === range) setState({ frame, error: null });
      })
      .then(
        (stop) => {
          if (current) unwatch = stop;
          else void stop();
        },
        (thrown: unknown) => {
          if (current) setState({ frame: null, error: BackendError.from(thrown) });
        },
      );
    return () => {
      current = false;
      if (unwatch !== null) void unwatch();
    };
  }, [backend, range]);

  return state;
}
