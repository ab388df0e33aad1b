// The target's live view for as long as it is shown: link state, metrics, status, trader states
// and signals from the watch's frames; `logs` frames go to `onTail`. A new query (a filter
// change) restarts the watch; a new target or unmounting stops it (watch_stop).
import { useEffect, useRef, useState } from "react";
import type { InspectTarget, LogQuery, LogsView, Metrics, SignalFrame, Status, SupportFrame, TraderState, ViewerLinkState } from "../../bindings";
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
  /** The watch itself could not start. */
  error: BackendError | null;
}

const EMPTY: SupportLive = { link: null, metrics: null, status: null, traders: {}, signals: [], error: null };
const MAX_LIVE_SIGNALS = 200;

/** The live state after one frame (`logs` frames are not part of it). */
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
): SupportLive {
  const [live, setLive] = useState<SupportLive>(EMPTY);
  const tail = useRef(onTail);
  tail.current = onTail;
  // One string per distinct query: an equal query (a re-render) does not restart the watch.
  const key = query === null ? null : JSON.stringify([query.minLevel, query.search, query.after]);

  useEffect(() => {
    if (key === null || query === null) return;
    let active = true;
    let unwatch: Unwatch | null = null;
    api
      .watch(target.app, target.machineId, query, (frame) => {
        if (!active) return;
        if (frame.type === "logs") tail.current(frame);
        else setLive((l) => applyFrame(l, frame));
      })
      .then(
        (stop) => {
          // Stopped before the watch answered: end it now.
          if (active) unwatch = stop;
          else void stop();
        },
        (thrown: unknown) => {
          if (active) setLive((l) => ({ ...l, error: BackendError.from(thrown) }));
        },
      );
    return () => {
      active = false;
      if (unwatch !== null) void unwatch();
    };
    // `query` is followed through `key` (its value), not its identity.
  }, [api, target.app, target.machineId, key]);

  return live;
}
