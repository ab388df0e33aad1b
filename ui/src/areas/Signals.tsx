// Signals: local screening controls, then the live feed of cloud and local signals with
// filters (trader, symbol, source) and a detail panel for the selected one.
import { useEffect, useState } from "react";
import type { SignalView, TraderCard } from "../bindings";
import { useBackend } from "../backend/context";
import { ErrorNotice } from "../components/ErrorNotice";
import { NO_FILTER, type FeedFilter } from "./signals/feed";
import { LOCAL_POLL_MS, LocalControls } from "./signals/LocalControls";
import { SignalDetailPanel } from "./signals/SignalDetailPanel";
import { SignalFeed } from "./signals/SignalFeed";
import { FLUSH_MS, useSignalFeed } from "./signals/useSignalFeed";

export function Signals({ localPollMs = LOCAL_POLL_MS, flushMs = FLUSH_MS }: { localPollMs?: number; flushMs?: number }) {
  const backend = useBackend();
  const [filter, setFilter] = useState<FeedFilter>(NO_FILTER);
  const [symbolText, setSymbolText] = useState("");
  const [traders, setTraders] = useState<TraderCard[]>([]);
  const [open, setOpen] = useState<SignalView | null>(null);
  const feed = useSignalFeed(backend, filter, flushMs);

  useEffect(() => {
    let live = true;
    backend.traders.list().then(
      (cards) => live && setTraders(cards),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [backend]);

  // The symbol filter applies when typing pauses.
  useEffect(() => {
    const timer = setTimeout(() => setFilter((f) => (f.symbol === symbolText ? f : { ...f, symbol: symbolText })), 300);
    return () => clearTimeout(timer);
  }, [symbolText]);

  const filtered = filter.traderId !== null || filter.symbol.trim() !== "" || filter.source !== null;

  return (
    <section aria-labelledby="signals-title" data-testid="area-signals">
      <h1 id="signals-title">Signals</h1>
      <LocalControls pollMs={localPollMs} />

      <div className="toolbar">
        <select
          data-testid="signals-filter-trader"
          aria-label="Trader"
          value={filter.traderId ?? ""}
          onChange={(e) => setFilter((f) => ({ ...f, traderId: e.target.value === "" ? null : e.target.value }))}
        >
          <option value="">All traders</option>
          {traders.map((c) => (
            <option key={c.trader.id} value={c.trader.id}>
              {c.trader.name}
            </option>
          ))}
        </select>
        <input
          type="search"
          className="search search-narrow"
          data-testid="signals-filter-symbol"
          aria-label="Symbol"
          placeholder="Symbol, e.g. BTCUSDT"
          spellCheck={false}
          value={symbolText}
          onChange={(e) => setSymbolText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") setFilter((f) => ({ ...f, symbol: symbolText }));
          }}
        />
        <div className="segmented" role="group" aria-label="Source">
          {([null, "cloud", "local"] as const).map((s) => (
            <button
              key={s ?? "all"}
              type="button"
              data-testid={`signals-filter-source-${s ?? "all"}`}
              aria-pressed={filter.source === s}
              onClick={() => setFilter((f) => ({ ...f, source: s }))}
            >
              {s === null ? "All" : s === "cloud" ? "Cloud" : "Local"}
            </button>
          ))}
        </div>
        {filtered && (
          <button
            type="button"
            className="link-button"
            data-testid="signals-filter-clear"
            onClick={() => {
              setSymbolText("");
              setFilter(NO_FILTER);
            }}
          >
            Clear filters
          </button>
        )}
      </div>

      {feed.error !== null && <ErrorNotice error={feed.error} testId="signals-error" />}
      {feed.watchError !== null && (
        <p className="notice warning" data-testid="signals-watch-error">
          New signals are not arriving live ({feed.watchError.message}).{" "}
          <button type="button" className="link-button" onClick={feed.reload}>
            Reload
          </button>
        </p>
      )}

      <div className={`signals-body${open !== null ? " with-detail" : ""}`}>
        <div className="signals-list">
          {feed.rows === null && <p className="muted">Loading signals…</p>}
          {feed.rows !== null && (
            <SignalFeed
              rows={feed.rows}
              selectedKey={open?.key ?? null}
              onOpen={setOpen}
              empty={
                feed.error !== null
                  ? "Signals could not be read."
                  : filtered
                    ? "No signal matches these filters."
                    : "No signals yet. They appear here as soon as a trader fires, in the cloud or on this computer."
              }
            />
          )}
        </div>
        {open !== null && <SignalDetailPanel signal={open} onClose={() => setOpen(null)} />}
      </div>
    </section>
  );
}
