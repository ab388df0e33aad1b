// Local screening on this computer: on/off, live Binance or a folder of recorded candles, which
// traders (default: every enabled one not in the cloud), and what runs now. No Fly token needed.
import { useCallback, useEffect, useState } from "react";
import type { LocalStatus, TraderCard } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Switch } from "../traders/Switch";
import { usePolling } from "../traders/usePolling";

export const LOCAL_POLL_MS = 2000;

type Source = "live" | "recorded";

const MODE_LABEL: Record<LocalStatus["mode"], string> = {
  off: "Off",
  live: "Live Binance",
  recorded: "Recorded data",
};

export function LocalControls({ pollMs = LOCAL_POLL_MS }: { pollMs?: number }) {
  const backend = useBackend();
  const [status, setStatus] = useState<LocalStatus | null>(null);
  const [statusError, setStatusError] = useState<BackendError | null>(null);
  const [opError, setOpError] = useState<BackendError | null>(null);
  const [busy, setBusy] = useState(false);
  const [source, setSource] = useState<Source>("live");
  const [dataDir, setDataDir] = useState("");
  const [candidates, setCandidates] = useState<TraderCard[] | null>(null);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());

  const read = useCallback(async () => {
    try {
      setStatus(await backend.local.status());
      setStatusError(null);
    } catch (thrown) {
      setStatusError(BackendError.from(thrown));
    }
  }, [backend]);
  usePolling(read, pollMs);

  useEffect(() => {
    let live = true;
    backend.traders.list().then(
      (cards) => live && setCandidates(cards.filter((c) => c.trader.enabled && !c.trader.cloud.enabledInCloud)),
      () => live && setCandidates([]),
    );
    return () => {
      live = false;
    };
  }, [backend]);

  const running = status !== null && status.mode !== "off";
  const needsDir = source === "recorded" && dataDir.trim() === "";

  const toggle = async (on: boolean) => {
    setBusy(true);
    setOpError(null);
    try {
      setStatus(
        on
          ? await backend.local.start({ traders: [...chosen], dataDir: source === "recorded" ? dataDir.trim() : null })
          : await backend.local.stop(),
      );
    } catch (thrown) {
      setOpError(BackendError.from(thrown));
      await read();
    } finally {
      setBusy(false);
    }
  };

  const error = opError ?? (status?.error != null ? new BackendError(status.error) : null);
  const mode = status?.mode ?? "off";

  return (
    <section className="panel local" aria-labelledby="local-title" data-testid="local-controls">
      <div className="panel-head">
        <div>
          <h2 id="local-title">Local screening</h2>
          <p className="muted local-sub">Runs on this computer with your traders. No Fly token or machine needed.</p>
        </div>
        <label className="switch-label">
          <span>{running ? "On" : "Off"}</span>
          <Switch
            checked={running}
            label="Local screening"
            testId="local-mode-toggle"
            disabled={busy || status === null || (!running && needsDir)}
            disabledReason={needsDir ? "Type the folder of recorded candles first." : null}
            busy={busy}
            onChange={(on) => void toggle(on)}
          />
        </label>
      </div>

      <div className="local-grid">
        <fieldset className="field" disabled={running || busy}>
          <legend>Market data</legend>
          <label className="check">
            <input
              type="radio"
              name="local-source"
              data-testid="local-source-live"
              checked={source === "live"}
              onChange={() => {
                setSource("live");
                setOpError(null);
              }}
            />
            Live Binance
          </label>
          <label className="check">
            <input
              type="radio"
              name="local-source"
              data-testid="local-source-recorded"
              checked={source === "recorded"}
              onChange={() => {
                setSource("recorded");
                setOpError(null);
              }}
            />
            Recorded data
          </label>
          {source === "recorded" && (
            <input
              data-testid="local-data-dir"
              aria-label="Folder of recorded candles"
              placeholder="/path/to/recorded/candles"
              spellCheck={false}
              value={dataDir}
              onChange={(e) => setDataDir(e.target.value)}
            />
          )}
        </fieldset>

        <fieldset className="field" disabled={running || busy}>
          <legend>Traders</legend>
          {candidates === null ? (
            <p className="muted">Loading traders…</p>
          ) : (
            <details className="trader-pick">
              <summary data-testid="local-traders-summary">
                {chosen.size === 0
                  ? `All enabled traders not in the cloud (${candidates.length})`
                  : `${chosen.size} chosen`}
              </summary>
              {candidates.length === 0 ? (
                <p className="muted">Every enabled trader runs in the cloud.</p>
              ) : (
                <ul className="pick-list">
                  {candidates.map((c) => (
                    <li key={c.trader.id}>
                      <label className="check">
                        <input
                          type="checkbox"
                          data-testid={`local-trader-${c.trader.id}`}
                          checked={chosen.has(c.trader.id)}
                          onChange={(e) =>
                            setChosen((s) => {
                              const next = new Set(s);
                              if (e.target.checked) next.add(c.trader.id);
                              else next.delete(c.trader.id);
                              return next;
                            })
                          }
                        />
                        {c.trader.name}
                      </label>
                    </li>
                  ))}
                </ul>
              )}
            </details>
          )}
        </fieldset>

        <div className="local-now" data-testid="local-mode" data-mode={mode} role="status">
          <p className="local-mode-line">
            <span className={`badge badge-${mode === "off" ? "off" : status?.finished ? "busy" : "ok"}`}>
              {MODE_LABEL[mode]}
            </span>
            {status?.finished === true && (
              <span className="badge badge-busy" data-testid="local-finished">
                Replay finished
              </span>
            )}
          </p>
          {status !== null && mode !== "off" && (
            <dl className="facts facts-tight">
              <dt>Data</dt>
              <dd data-testid="local-data">{status.data ?? "—"}</dd>
              <dt>Traders</dt>
              <dd>{status.traders.length}</dd>
              <dt>Symbols</dt>
              <dd>{status.symbols}</dd>
              <dt>Candles</dt>
              <dd data-testid="local-candles">{status.candles.toLocaleString("en-US")}</dd>
              <dt>Signals</dt>
              <dd data-testid="local-signals">{status.signals}</dd>
            </dl>
          )}
          {mode === "off" && <p className="muted">Not screening on this computer.</p>}
        </div>
      </div>

      {statusError !== null && <ErrorNotice error={statusError} testId="local-status-error" />}
      {error !== null && <ErrorNotice error={error} testId="local-error" />}
    </section>
  );
}
