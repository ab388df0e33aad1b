// Loads the inspection of the chosen target, and again on Refresh (the newest answer wins).
import { useCallback, useEffect, useRef, useState } from "react";
import type { InspectTarget, Inspection } from "../../bindings";
import type { SupportApi } from "../../backend/apis";
import { BackendError } from "../../backend/backend";

export interface InspectionState {
  inspection: Inspection | null;
  error: BackendError | null;
  loading: boolean;
  refresh: () => void;
}

export function useInspection(api: SupportApi, target: InspectTarget): InspectionState {
  const [inspection, setInspection] = useState<Inspection | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [loading, setLoading] = useState(false);
  const ticket = useRef(0);
  const mounted = useRef(true);

  const refresh = useCallback(() => {
    const mine = ++ticket.current;
    setLoading(true);
    api.inspect(target.app, target.machineId).then(
      (next) => {
        if (!mounted.current || mine !== ticket.current) return;
        setInspection(next);
        setError(null);
        setLoading(false);
      },
      (thrown: unknown) => {
        if (!mounted.current || mine !== ticket.current) return;
        setError(BackendError.from(thrown));
        setLoading(false);
      },
    );
  }, [api, target.app, target.machineId]);

  useEffect(() => {
    mounted.current = true;
    refresh();
    return () => {
      mounted.current = false;
    };
  }, [refresh]);

  return { inspection, error, loading, refresh };
}
