// The dead-man's switch's thresholds: how long the agent may send nothing, and how old its
// newest candle may get, before the desktop alerts (in the window and as a notification).
import { useEffect, useState } from "react";
import type { WatchdogView } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";

/** Minutes as typed, in whole seconds; null when not a positive number. */
function seconds(minutes: string): number | null {
  const value = Number(minutes);
  return minutes.trim() === "" || !Number.isFinite(value) || value <= 0 ? null : Math.round(value * 60);
}

export function DeadManPanel() {
  const backend = useBackend();
  const [view, setView] = useState<WatchdogView | null>(null);
  const [silence, setSilence] = useState("");
  const [age, setAge] = useState("");
  const [error, setError] = useState<BackendError | null>(null);

  const show = (v: WatchdogView) => {
    setView(v);
    setSilence(String(v.silenceSeconds / 60));
    setAge(String(v.candleAgeSeconds / 60));
  };

  useEffect(() => {
    backend.watchdogState().then(show, (e: unknown) => setError(BackendError.from(e)));
  }, [backend]);

  const save = async (reset: boolean) => {
    const s = reset ? null : seconds(silence);
    const a = reset ? null : seconds(age);
    if (!reset && (s === null || a === null)) {
      setError(new BackendError({ code: "invalid_input", message: "give both thresholds in minutes", hint: "For example 2 and 10." }));
      return;
    }
    try {
      show(await backend.watchdogSet(s, a));
      setError(null);
    } catch (thrown) {
      setError(BackendError.from(thrown));
    }
  };

  return (
    <section className="panel" aria-labelledby="deadman-title" data-testid="deadman-panel">
      <h2 id="deadman-title">Dead-man's switch</h2>
      <p className="muted">
        The app alerts when your running machine's agent sends nothing, or its candles get old, for longer than
        this{view !== null && !view.custom ? " (the defaults)" : ""}.
      </p>
      <label>
        Minutes without a word from the agent (0.5–1440)
        <input data-testid="deadman-silence" type="number" min={0.5} step={0.5} value={silence} onChange={(e) => setSilence(e.target.value)} />
      </label>
      <label>
        Minutes of candle age (1–1440)
        <input data-testid="deadman-candle-age" type="number" min={1} value={age} onChange={(e) => setAge(e.target.value)} />
      </label>
      <button type="button" data-testid="deadman-save" onClick={() => void save(false)}>
        Save thresholds
      </button>
      <button type="button" data-testid="deadman-reset" onClick={() => void save(true)} disabled={view !== null && !view.custom}>
        Defaults
      </button>
      {error !== null && <ErrorNotice error={error} testId="deadman-error" />}
    </section>
  );
}
