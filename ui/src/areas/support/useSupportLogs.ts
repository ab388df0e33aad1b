// The logs panel's state: the applied filter, the page it loaded, the live tail's lines (only
// while following) and the query the watch runs with (after the page's nextToken).
import { useCallback, useEffect, useRef, useState } from "react";
import type { InspectTarget, LogLevel, LogQuery, LogsView } from "../../bindings";
import type { SupportApi } from "../../backend/apis";
import { BackendError } from "../../backend/backend";
import { appendLines, EMPTY_LOGS, type LogBuffer } from "./logBuffer";

export interface LogFilter {
  minLevel: LogLevel | null;
  search: string;
}

export interface SupportLogs {
  filter: LogFilter;
  buffer: LogBuffer;
  error: BackendError | null;
  loading: boolean;
  follow: boolean;
  setFollow: (on: boolean) => void;
  /** Loads the backlog for `filter`; on success the watch restarts after it. */
  apply: (filter: LogFilter) => void;
  /** The live tail's pages (appended while following). */
  onTail: (view: LogsView) => void;
  /** What the watch runs with; null until the first page answered. */
  watchQuery: LogQuery | null;
}

export function useSupportLogs(api: SupportApi, target: InspectTarget): SupportLogs {
  const [filter, setFilter] = useState<LogFilter>({ minLevel: null, search: "" });
  const [buffer, setBuffer] = useState<LogBuffer>(EMPTY_LOGS);
  const [error, setError] = useState<BackendError | null>(null);
  const [loading, setLoading] = useState(false);
  const [follow, setFollowState] = useState(true);
  const [watchQuery, setWatchQuery] = useState<LogQuery | null>(null);
  const following = useRef(true);
  const ticket = useRef(0);
  const mounted = useRef(true);

  const apply = useCallback(
    (next: LogFilter) => {
      const mine = ++ticket.current;
      const search = next.search.trim() === "" ? null : next.search;
      const query: LogQuery = { minLevel: next.minLevel, search, after: null };
      setLoading(true);
      api.logs(target.app, target.machineId, query).then(
        (page) => {
          if (!mounted.current || mine !== ticket.current) return;
          setFilter(next);
          setBuffer(appendLines(EMPTY_LOGS, page.lines));
          setError(null);
          setLoading(false);
          setWatchQuery({ ...query, after: page.nextToken });
        },
        (thrown: unknown) => {
          if (!mounted.current || mine !== ticket.current) return;
          setError(BackendError.from(thrown));
          setLoading(false);
          // The live view still starts when the first page failed (its tail then brings the backlog).
          setWatchQuery((old) => old ?? { minLevel: null, search: null, after: null });
        },
      );
    },
    [api, target.app, target.machineId],
  );

  useEffect(() => {
    mounted.current = true;
    apply({ minLevel: null, search: "" });
    return () => {
      mounted.current = false;
    };
  }, [apply]);

  const onTail = useCallback((view: LogsView) => {
    if (following.current && mounted.current) setBuffer((b) => appendLines(b, view.lines));
  }, []);

  const setFollow = useCallback((on: boolean) => {
    following.current = on;
    setFollowState(on);
  }, []);

  return { filter, buffer, error, loading, follow, setFollow, apply, onTail, watchQuery };
}
