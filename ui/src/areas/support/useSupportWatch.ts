// The target's live view for as long as it is shown: link state, metrics, status, trader states
// and signals from one watch, and the log tail (its `logs` frames go to `onTail`) from another.
// A new query (a filter change) restarts only the tail, so the viewer connection — a look the
// agent records for the owner — stays up; a new target or unmounting stops both (watch_stop).
import { useCallback, useEffect, useRef, useState } from "react";
import type { InspectTarget, LogQuery, LogsView, Metrics, SignalFrame, Status, SupportFrame, TraderState, ViewerLinkState, WatchParts } from "../../bindings";
import type { SupportApi, Unwatch } from "../../backend/apis";
import { BackendError } from "../../backend/backend";

export interface LinkFrame {
  state: ViewerLinkState;
  detail: string | null;
}

export interface SupportLive {
  link: LinkFrame | null;
  metrics: Metrics | null;
  status: Status | null;
  /** Newest state per trader id, from `trader_state` frames. */
  traders: Record<string, TraderState>;
  /** Signals that arrived live, in arrival order. */
  signals: SignalFrame[];
  /** The live view's watch could not start. */
  error: BackendError | null;
  /** Why the log tail stopped (null while it runs). */
  tailEnded: string | null;
}

export interface SupportWatch extends SupportLive {
  /** Starts the stopped log tail again (from the same page). */
  restartTail: () => void;
}

const EMPTY: SupportLive = { link: null, metrics: null, status: null, traders: {}, signals: [], error: null, tailEnded: null };
const MAX_LIVE_SIGNALS = 200;

/** The live state after one frame (`logs` and `tail_ended` frames are the tail's). */
export function applyFrame(live: SupportLive, frame: SupportFrame): SupportLive {
  switch (frame.type) {
    case "link":
      return { ...live, link: { state: frame.state, detail: frame.detail } };
    case "metrics": {
      const { type: _type, ...metrics } = frame;
      return { ...live, metrics };
    }
    case "status":
      return { ...live, status: { state: frame.state, reason: frame.reason } };
    case "trader_state": {
      const { type: _type, ...trader } = frame;
      return { ...live, traders: { ...live.traders, [trader.traderId]: trader } };
    }
    case "signal": {
      const { type: _type, ...signal } = frame;
      if (live.signals.some((s) => s.seq === signal.seq)) return live;
      return { ...live, signals: [...live.signals, signal].slice(-MAX_LIVE_SIGNALS) };
    }
    default:
      return live;
  }
}

export function useSupportWatch(
  api: SupportApi,
  target: InspectTarget,
  query: LogQuery | null,
  onTail: (view: LogsView) => void,
): SupportWatch {
  const [live, setLive] = useState<SupportLive>(EMPTY);
  const [tailRun, setTailRun] = useState(0);
  const restartTail = useCallback(() => setTailRun((n) => n + 1), []);
  const tail = useRef(onTail);
  tail.current = onTail;
  // One string per distinct query: an equal query (a re-render) does not restart the tail.
  const key = query === null ? null : JSON.stringify([query.minLevel, query.search, query.after]);

  // The live view: one viewer connection per target, kept across filter changes.
  useEffect(() => {
    setLive(EMPTY);
    return runWatch(
      api,
      target,
      { live: true, tail: null },
      (frame) => setLive((l) => applyFrame(l, frame)),
      (error) => setLive((l) => ({ ...l, error })),
    );
  }, [api, target.app, target.machineId]);

  // The log tail after the loaded page: restarted by a new filter.
  useEffect(() => {
    if (key === null || query === null) return;
    setLive((l) => (l.tailEnded === null ? l : { ...l, tailEnded: null }));
    return runWatch(
      api,
      target,
      { live: false, tail: query },
      (frame) => {
        if (frame.type === "logs") tail.current(frame);
        else if (frame.type === "tail_ended") setLive((l) => ({ ...l, tailEnded: frame.detail }));
      },
      (error) => setLive((l) => ({ ...l, tailEnded: error.message })),
    );
    // `query` is followed through `key` (its value), not its identity.
  }, [api, target.app, target.machineId, key, tailRun]);

  return { ...live, restartTail };
}

/** Starts one watch; the returned cleanup stops it (also when it had not answered yet). */
function runWatch(
  api: SupportApi,
  target: InspectTarget,
  parts: WatchParts,
  onFrame: (frame: SupportFrame) => void,
  onError: (error: BackendError) => void,
): () => void {
  let active = true;
  let unwatch: Unwatch | null = null;
  api
    .watch(target.app, target.machineId, parts, (frame) => {
      if (active) onFrame(frame);
    })
    .then(
      (stop) => {
        // Stopped before the watch answered: end it now.
        if (active) unwatch = stop;
        else void stop();
      },
      (thrown: unknown) => {
        if (active) onError(BackendError.from(thrown));
      },
    );
  return () => {
    active = false;
    if (unwatch !== null) void unwatch();
  };
}
