// Polls machine_status every few seconds while the area is shown and the window visible.
// Answers are ordered: an operation's outcome (`accept`) or a newer read wins over a read that
// was sent earlier and answers later, so a slow poll never brings back "started" after a stop.
import { useCallback, useEffect, useRef, useState } from "react";
import type { MachineStatus } from "../../bindings";
import { BackendError } from "../../backend/backend";
import type { Backend } from "../../backend/backend";

export const POLL_MS = 5000;

export interface MachineStatusState {
  status: MachineStatus | null;
  error: BackendError | null;
  /** Reads the status now. */
  refresh: () => Promise<void>;
  /** Takes the status an operation returned; reads sent before it are ignored. */
  accept: (status: MachineStatus) => void;
}

export function useMachineStatus(backend: Backend, pollMs: number = POLL_MS): MachineStatusState {
  const [status, setStatus] = useState<MachineStatus | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const sent = useRef(0);
  const applied = useRef(0);
  const inFlight = useRef(false);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const refresh = useCallback(async () => {
    const ticket = ++sent.current;
    inFlight.current = true;
    try {
      const next = await backend.machineStatus();
      if (!mounted.current || ticket <= applied.current) return;
      applied.current = ticket;
      setStatus(next);
      setError(null);
    } catch (thrown) {
      if (!mounted.current || ticket <= applied.current) return;
      applied.current = ticket;
      setError(BackendError.from(thrown));
    } finally {
      if (ticket === sent.current) inFlight.current = false;
    }
  }, [backend]);

  const accept = useCallback((next: MachineStatus) => {
    applied.current = ++sent.current;
    inFlight.current = false;
    setStatus(next);
    setError(null);
  }, []);

  useEffect(() => {
    void refresh();
    const tick = () => {
      if (document.visibilityState === "hidden" || inFlight.current) return;
      void refresh();
    };
    const timer = setInterval(tick, pollMs);
    const onVisible = () => {
      if (document.visibilityState === "visible") tick();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [refresh, pollMs]);

  return { status, error, refresh, accept };
}
