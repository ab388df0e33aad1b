// Events: the audit log — what the app, the command line and Fly did, newest first — with
// filters by family, actor and text, "Load more" paging, and each event's raw details.
import { useCallback, useEffect, useRef, useState } from "react";
import type { AuditEvent } from "../bindings";
import { BackendError } from "../backend/backend";
import { useBackend } from "../backend/context";
import { ErrorNotice } from "../components/ErrorNotice";
import { EventFilters } from "./events/EventFilters";
import { EventRow } from "./events/EventRow";
import { eventFilter, PAGE, type Family } from "./events/query";

export const SEARCH_DEBOUNCE_MS = 300;

export function Events({ debounceMs = SEARCH_DEBOUNCE_MS }: { debounceMs?: number }) {
  const backend = useBackend();
  const [family, setFamily] = useState<Family>("all");
  const [actor, setActor] = useState("");
  const [text, setText] = useState("");
  const [search, setSearch] = useState("");
  const [rows, setRows] = useState<AuditEvent[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState<"page" | "more" | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  // Only the newest request's answer is shown: a slow answer to old filters is dropped.
  const ticket = useRef(0);

  useEffect(() => {
    const timer = setTimeout(() => setSearch(text), debounceMs);
    return () => clearTimeout(timer);
  }, [text, debounceMs]);

  const load = useCallback(
    async (beforeId: number | null) => {
      const mine = ++ticket.current;
      setLoading(beforeId === null ? "page" : "more");
      try {
        const page = await backend.live.events(eventFilter(family, actor, search, beforeId));
        if (mine !== ticket.current) return;
        setRows((old) => (beforeId === null ? page : [...(old ?? []), ...page]));
        setHasMore(page.length === PAGE);
        setError(null);
      } catch (thrown) {
        if (mine !== ticket.current) return;
        setError(BackendError.from(thrown));
      } finally {
        if (mine === ticket.current) setLoading(null);
      }
    },
    [backend, family, actor, search],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  const filtered = family !== "all" || actor !== "" || search.trim() !== "";
  const last = rows !== null && rows.length > 0 ? rows[rows.length - 1]!.id : null;

  return (
    <section aria-labelledby="events-title" data-testid="area-events">
      <header className="area-head">
        <h1 id="events-title">Events</h1>
        <button type="button" data-testid="events-refresh" disabled={loading === "page"} onClick={() => void load(null)}>
          {loading === "page" && rows !== null ? "Refreshing…" : "Refresh"}
        </button>
      </header>

      <section className="panel" aria-label="Audit log">
        <EventFilters
          family={family}
          actor={actor}
          text={text}
          onFamily={setFamily}
          onActor={setActor}
          onText={setText}
        />
        {error !== null && <ErrorNotice error={error} testId="events-error" />}
        {rows === null && error === null && <p className="muted">Reading the audit log…</p>}
        {rows !== null && rows.length === 0 && (
          <p className="events-empty muted" data-testid="events-empty">
            {filtered
              ? "No events match these filters. Try All, Anyone, or a shorter search."
              : "Nothing recorded yet: starting the machine, storing a token or deploying a trader shows up here."}
          </p>
        )}
        {rows !== null && rows.length > 0 && (
          <ol className="event-list" data-testid="events-list" aria-busy={loading !== null}>
            {rows.map((event) => (
              <EventRow key={event.id} event={event} />
            ))}
          </ol>
        )}
        {hasMore && rows !== null && (
          <div className="events-more">
            <button type="button" data-testid="events-more" disabled={loading !== null} onClick={() => void load(last)}>
              {loading === "more" ? "Loading…" : "Load more"}
            </button>
          </div>
        )}
      </section>
    </section>
  );
}
