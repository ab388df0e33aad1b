// The live feed: `list(filter)` first, then every watched signal that passes the filter,
// batched and flushed at most every `flushMs` (so 100 signals a second never freezes the UI),
// de-duplicated by key and capped to the newest 1 000.
import { useCallback, useEffect, useRef, useState } from "react";
import type { SignalView } from "../../bindings";
import { BackendError } from "../../backend/backend";
import type { Backend } from "../../backend/backend";
import { FEED_CAP, matchesSignal, mergeSignals, toSignalFilter, type FeedFilter } from "./feed";

export const FLUSH_MS = 250;

export interface SignalFeed {
  rows: SignalView[] | null;
  error: BackendError | null;
  /** The live subscription failed (the list still shows stored signals). */
  watchError: BackendError | null;
  reload: () => void;
}

export function useSignalFeed(backend: Backend, filter: FeedFilter, flushMs: number = FLUSH_MS): SignalFeed {
  const [rows, setRows] = useState<SignalView[] | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [watchError, setWatchError] = useState<BackendError | null>(null);
  const [generation, setGeneration] = useState(0);
  const pending = useRef<SignalView[]>([]);
  const loaded = useRef(false);
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const filterKey = `${filter.traderId ?? ""}|${filter.symbol.trim().toUpperCase()}|${filter.source ?? ""}`;

  // Live signals: one subscription for the area's lifetime; batched into `pending`.
  useEffect(() => {
    let live = true;
    let unwatch: (() => Promise<void>) | null = null;
    backend.signals
      .watch((signal) => {
        if (live && matchesSignal(signal, filterRef.current)) pending.current.push(signal);
      })
      .then(
        (stop) => {
          if (live) unwatch = stop;
          else void stop().catch(() => {});
        },
        (thrown: unknown) => live && setWatchError(BackendError.from(thrown)),
      );
    const timer = setInterval(() => {
      // Signals that arrive before the list answers wait until it has.
      if (pending.current.length === 0 || !loaded.current) return;
      const batch = pending.current;
      pending.current = [];
      setRows((current) => mergeSignals(current ?? [], batch, FEED_CAP));
    }, flushMs);
    return () => {
      live = false;
      clearInterval(timer);
      void unwatch?.().catch(() => {});
    };
  }, [backend, flushMs]);

  // Stored signals again whenever the filter changes; queued live ones that no longer match go.
  useEffect(() => {
    let live = true;
    const current = filterRef.current;
    pending.current = pending.current.filter((s) => matchesSignal(s, current));
    loaded.current = false;
    setRows(null);
    backend.signals.list(toSignalFilter(current)).then(
      (list) => {
        if (!live) return;
        loaded.current = true;
        setRows(mergeSignals([], list, FEED_CAP));
        setError(null);
      },
      (thrown: unknown) => {
        if (!live) return;
        loaded.current = true;
        setRows([]);
        setError(BackendError.from(thrown));
      },
    );
    return () => {
      live = false;
    };
  }, [backend, filterKey, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { rows, error, watchError, reload };
}
