// One trader as a card: what it screens, its switches (enabled, cloud), its badge, its last
// signal, a conflict to resolve, and the outcome of the last action on it.
import { useState } from "react";
import type { TraderCard } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";
import { ConflictBanner } from "./ConflictBanner";
import { inCloud, timeAgo } from "./model";
import { PlacementBadge } from "./PlacementBadge";
import { Switch } from "./Switch";
import type { CloudGate } from "./useCloudGate";

export function TraderCardView({
  card,
  gate,
  selected,
  onSelect,
  onUpdated,
  onReload,
  onOpen,
  onDuplicate,
}: {
  card: TraderCard;
  gate: CloudGate;
  selected: boolean;
  onSelect: (selected: boolean) => void;
  /** An action answered with the card's new state. */
  onUpdated: (card: TraderCard) => void;
  /** Reads the list again (after a failure or a version conflict). */
  onReload: () => Promise<void>;
  onOpen: () => void;
  onDuplicate: () => void;
}) {
  const backend = useBackend();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const t = card.trader;
  const id = t.id;

  const run = async (work: () => Promise<TraderCard>) => {
    setBusy(true);
    setError(null);
    try {
      onUpdated(await work());
    } catch (thrown) {
      setError(BackendError.from(thrown));
    } finally {
      setBusy(false);
    }
  };

  const moving = card.placement === "deploying" || card.placement === "undeploying";
  const cloudReason = gate.reason ?? (moving ? "Waiting for the agent to answer the last change." : null);
  const timeframes = t.filter.requiredTimeframes.join(", ");

  return (
    <article
      className={`trader-card${t.enabled ? "" : " trader-card-off"}`}
      data-testid={`trader-card-${id}`}
      data-placement={card.placement}
      aria-labelledby={`trader-name-${id}`}
    >
      <header className="trader-card-head">
        <input
          type="checkbox"
          data-testid={`trader-select-${id}`}
          aria-label={`Select ${t.name} for export`}
          checked={selected}
          onChange={(e) => onSelect(e.target.checked)}
        />
        <h3 id={`trader-name-${id}`} className="trader-name">
          {t.name}
        </h3>
        {card.builtin && (
          <span className="tag" data-testid={`trader-builtin-${id}`}>
            Built-in
          </span>
        )}
        <label className="switch-label">
          <span className="muted">{t.enabled ? "On" : "Off"}</span>
          <Switch
            checked={t.enabled}
            label={`${t.name} enabled`}
            testId={`trader-enabled-${id}`}
            disabled={busy}
            onChange={(on) => void run(() => backend.traders.setEnabled(id, on))}
          />
        </label>
      </header>

      <p className="trader-desc">{t.description || <span className="muted">No description.</span>}</p>

      <p className="trader-meta">
        <span data-testid={`trader-interval-${id}`}>Every {t.filter.refreshInterval}</span>
        <span>reads {timeframes}</span>
        <span>cooldown {t.filter.cooldownBars} bars</span>
        <span>{t.filter.symbols === null ? "all symbols" : `${t.filter.symbols.length} symbols`}</span>
        <span>v{t.version}</span>
      </p>

      <p className="trader-last" data-testid={`trader-last-${id}`}>
        {card.lastSignal === null ? (
          <span className="muted">No signal yet</span>
        ) : (
          <>
            <span className="muted">Last signal</span> <strong>{card.lastSignal.symbol}</strong>{" "}
            <span className="muted">{card.lastSignal.interval}</span> ·{" "}
            <time dateTime={new Date(card.lastSignal.receivedAt).toISOString()}>{timeAgo(card.lastSignal.receivedAt)}</time>
          </>
        )}
      </p>

      {card.conflict !== null && (
        <ConflictBanner
          id={id}
          conflict={card.conflict}
          busy={busy}
          onChoose={(choice) => void run(() => backend.traders.resolveConflict(id, choice))}
        />
      )}

      <footer className="trader-card-foot">
        <PlacementBadge card={card} />
        <label className="switch-label" title={cloudReason ?? undefined}>
          <span>Cloud</span>
          <Switch
            checked={inCloud(card)}
            label={`Run ${t.name} in the cloud`}
            testId={`trader-cloud-toggle-${id}`}
            disabled={!gate.allowed || busy || moving}
            disabledReason={cloudReason}
            busy={busy || moving}
            onChange={(on) => void run(() => backend.traders.setCloud(id, on, t.version))}
          />
        </label>
        <span className="spacer" />
        {card.builtin ? (
          <>
            <button type="button" data-testid={`trader-view-${id}`} onClick={onOpen}>
              View
            </button>
            <button type="button" data-testid={`trader-duplicate-${id}`} onClick={onDuplicate}>
              Duplicate
            </button>
          </>
        ) : (
          <button type="button" data-testid={`trader-edit-${id}`} onClick={onOpen}>
            Edit
          </button>
        )}
      </footer>

      {error !== null && (
        <div className="trader-card-error">
          <ErrorNotice error={error} testId={`trader-error-${id}`} />
          {error.code === "version_conflict" && (
            <button
              type="button"
              data-testid={`trader-reload-${id}`}
              onClick={() => void onReload().then(() => setError(null))}
            >
              Reload
            </button>
          )}
        </div>
      )}
    </article>
  );
}
