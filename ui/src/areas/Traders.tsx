// Traders: built-in and user traders as cards (enabled and cloud switches, placement badges,
// conflicts), filters and search, the editor with Check and a dry run, import and export.
import { useCallback, useMemo, useState } from "react";
import type { Trader, TraderCard } from "../bindings";
import { BackendError } from "../backend/backend";
import { useBackend } from "../backend/context";
import { ErrorNotice } from "../components/ErrorNotice";
import { ImportExport } from "./traders/ImportExport";
import { blankTrader, CARD_FILTERS, duplicate, matchesCard, type CardFilter } from "./traders/model";
import { TraderCardView } from "./traders/TraderCardView";
import { TraderEditor } from "./traders/TraderEditor";
import { GATE_POLL_MS, useCloudGate } from "./traders/useCloudGate";
import { usePolling } from "./traders/usePolling";

export const TRADERS_POLL_MS = 3000;

interface Editing {
  trader: Trader;
  builtin: boolean;
  /** A new editor (fresh state) for every open. */
  session: number;
}

export function Traders({ pollMs = TRADERS_POLL_MS, gatePollMs = GATE_POLL_MS }: { pollMs?: number; gatePollMs?: number }) {
  const backend = useBackend();
  const gate = useCloudGate(backend, gatePollMs);
  const [cards, setCards] = useState<TraderCard[] | null>(null);
  const [listError, setListError] = useState<BackendError | null>(null);
  const [filter, setFilter] = useState<CardFilter>("all");
  const [search, setSearch] = useState("");
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [editing, setEditing] = useState<Editing | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const next = await backend.traders.list();
      setCards(next);
      setListError(null);
      setSelected((s) => new Set([...s].filter((id) => next.some((c) => c.trader.id === id))));
    } catch (thrown) {
      setListError(BackendError.from(thrown));
    }
  }, [backend]);

  usePolling(refresh, pollMs);

  const updated = (card: TraderCard) => {
    setCards((list) => list?.map((c) => (c.trader.id === card.trader.id ? card : c)) ?? list);
    void refresh();
  };

  const open = (trader: Trader, builtin: boolean) =>
    setEditing((e) => ({ trader, builtin, session: (e?.session ?? 0) + 1 }));

  const shown = useMemo(() => (cards ?? []).filter((c) => matchesCard(c, filter, search)), [cards, filter, search]);
  const counts = useMemo(() => {
    const all = cards ?? [];
    return Object.fromEntries(CARD_FILTERS.map((f) => [f.id, all.filter((c) => matchesCard(c, f.id, "")).length]));
  }, [cards]);

  if (editing !== null) {
    return (
      <section aria-labelledby="traders-title" data-testid="area-traders">
        <div className="area-head">
          <h1 id="traders-title">Traders</h1>
          <button type="button" className="link-button" data-testid="trader-back" onClick={() => setEditing(null)}>
            ← All traders
          </button>
        </div>
        <TraderEditor
          key={editing.session}
          trader={editing.trader}
          builtin={editing.builtin}
          onClose={() => setEditing(null)}
          onSaved={(card) => {
            setEditing(null);
            setMessage(`Saved “${card.trader.name}” (version ${card.trader.version}).`);
            void refresh();
          }}
          onDeleted={() => {
            setMessage(`Deleted “${editing.trader.name}”.`);
            setEditing(null);
            void refresh();
          }}
          onDuplicate={(t) => open(duplicate(t), false)}
          reload={async (id) => {
            const list = await backend.traders.list();
            setCards(list);
            return list.find((c) => c.trader.id === id)?.trader ?? null;
          }}
        />
      </section>
    );
  }

  return (
    <section aria-labelledby="traders-title" data-testid="area-traders">
      <div className="area-head">
        <h1 id="traders-title">Traders</h1>
        <div className="area-actions">
          <ImportExport
            selected={[...selected]}
            onImported={() => void refresh()}
          />
          <button type="button" className="primary" data-testid="traders-new" onClick={() => open(blankTrader(), false)}>
            New trader
          </button>
        </div>
      </div>

      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Show">
          {CARD_FILTERS.map((f) => (
            <button
              key={f.id}
              type="button"
              data-testid={`traders-filter-${f.id}`}
              aria-pressed={filter === f.id}
              onClick={() => setFilter(f.id)}
            >
              {f.label} <span className="count">{counts[f.id] ?? 0}</span>
            </button>
          ))}
        </div>
        <input
          type="search"
          className="search"
          data-testid="traders-search"
          aria-label="Search traders"
          placeholder="Search by name, description, interval…"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </div>

      {!gate.allowed && gate.reason !== null && (
        <p className="notice warning gate-notice" data-testid="traders-cloud-gate">
          Cloud toggles are off. {gate.reason}
        </p>
      )}
      {message !== null && (
        <p className="notice" role="status" data-testid="traders-message">
          {message}
        </p>
      )}
      {listError !== null && <ErrorNotice error={listError} testId="traders-error" />}

      {cards === null && listError === null && <p className="muted">Loading traders…</p>}
      {cards !== null && shown.length === 0 && (
        <div className="empty" data-testid="traders-empty">
          {cards.length === 0 ? "No traders yet. Create one or import a file." : "No trader matches this filter."}
        </div>
      )}
      <div className="trader-grid" data-testid="traders-list">
        {shown.map((card) => (
          <TraderCardView
            key={card.trader.id}
            card={card}
            gate={gate}
            selected={selected.has(card.trader.id)}
            onSelect={(on) =>
              setSelected((s) => {
                const next = new Set(s);
                if (on) next.add(card.trader.id);
                else next.delete(card.trader.id);
                return next;
              })
            }
            onUpdated={updated}
            onReload={refresh}
            onOpen={() => open(card.trader, card.builtin)}
            onDuplicate={() => open(duplicate(card.trader), false)}
          />
        ))}
      </div>
    </section>
  );
}
