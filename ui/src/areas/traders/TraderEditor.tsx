// The trader editor: new, edit, or a built-in read-only (with Duplicate). Check runs the
// engine's validation and a dry run; Save is disabled while the check has problems; a
// `version_conflict` on save is shown with Reload, never retried.
import { useMemo, useRef, useState } from "react";
import type { Interval, Trader, TraderCard, TraderCheck, TraderProblem } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";
import { CheckResult } from "./CheckResult";
import { CodeEditor } from "./CodeEditor";
import { DeleteDialog } from "./DeleteDialog";
import { lineStart, parseSymbols, REFRESH_INTERVALS } from "./model";

export function TraderEditor({
  trader,
  builtin,
  onSaved,
  onClose,
  onDuplicate,
  onDeleted,
  reload,
}: {
  trader: Trader;
  builtin: boolean;
  onSaved: (card: TraderCard) => void;
  onClose: () => void;
  onDuplicate: (trader: Trader) => void;
  onDeleted: () => void;
  /** The stored trader now (after a version conflict), or null when it is gone. */
  reload: (id: string) => Promise<Trader | null>;
}) {
  const backend = useBackend();
  const [draft, setDraft] = useState<Trader>(() => structuredClone(trader));
  const [symbolsText, setSymbolsText] = useState((trader.filter.symbols ?? []).join(", "));
  const [check, setCheck] = useState<{ result: TraderCheck; of: string } | null>(null);
  const [checking, setChecking] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const code = useRef<HTMLTextAreaElement | null>(null);

  const readOnly = builtin;
  const isNew = draft.id === "";
  const current: Trader = useMemo(
    () => ({ ...draft, filter: { ...draft.filter, symbols: parseSymbols(symbolsText) } }),
    [draft, symbolsText],
  );
  const snapshot = JSON.stringify(current);
  const stale = check !== null && check.of !== snapshot;
  const blocking = check !== null && !stale && check.result.problems.length > 0;
  const badLines = useMemo(
    () => new Set((check?.result.problems ?? []).flatMap((p) => (p.line === null ? [] : [p.line]))),
    [check],
  );

  const edit = (change: (t: Trader) => Trader) => setDraft((t) => change(structuredClone(t)));
  const setFilter = <K extends keyof Trader["filter"]>(key: K, value: Trader["filter"][K]) =>
    edit((t) => ({ ...t, filter: { ...t.filter, [key]: value } }));

  const toggleTimeframe = (interval: Interval, on: boolean) =>
    setFilter(
      "requiredTimeframes",
      REFRESH_INTERVALS.filter((i) => (i === interval ? on : draft.filter.requiredTimeframes.includes(i))),
    );

  const runCheck = async () => {
    setChecking(true);
    setError(null);
    try {
      setCheck({ result: await backend.traders.check(current), of: snapshot });
    } catch (thrown) {
      setError(BackendError.from(thrown));
    } finally {
      setChecking(false);
    }
  };

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      onSaved(await backend.traders.save(current));
    } catch (thrown) {
      setError(BackendError.from(thrown));
    } finally {
      setSaving(false);
    }
  };

  const reloadStored = async () => {
    try {
      const stored = await reload(draft.id);
      if (stored === null) {
        setError(new BackendError({ code: "invalid_input", message: "this trader was deleted elsewhere", hint: "Close the editor." }));
        return;
      }
      setDraft(structuredClone(stored));
      setSymbolsText((stored.filter.symbols ?? []).join(", "));
      setCheck(null);
      setError(null);
    } catch (thrown) {
      setError(BackendError.from(thrown));
    }
  };

  const remove = async () => {
    setConfirmDelete(false);
    setSaving(true);
    setError(null);
    try {
      await backend.traders.remove(draft.id, draft.version);
      onDeleted();
    } catch (thrown) {
      setError(BackendError.from(thrown));
      setSaving(false);
    }
  };

  const goto = (problem: TraderProblem) => {
    const area = code.current;
    if (area === null || problem.line === null) return;
    const start = lineStart(area.value, problem.line) + Math.max(0, (problem.column ?? 1) - 1);
    area.focus();
    area.setSelectionRange(start, start);
    // Bring the line into view: the textarea's line height times the line index.
    const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (problem.line - 3) * lineHeight);
  };

  const title = readOnly ? draft.name : isNew ? (draft.name.trim() === "" ? "New trader" : draft.name) : `Edit ${draft.name}`;

  return (
    <section className="panel trader-editor" aria-labelledby="trader-editor-title" data-testid="trader-editor">
      <div className="panel-head">
        <h2 id="trader-editor-title">{title}</h2>
        <span className="muted">
          {readOnly ? "Built-in · read-only" : isNew ? "Not saved yet" : `Version ${draft.version}`}
        </span>
      </div>
      {readOnly && (
        <p className="notice" data-testid="trader-readonly">
          Built-in traders cannot be changed. Duplicate it to make your own version.
        </p>
      )}

      <div className="editor-grid">
        <div className="field">
          <label htmlFor="trader-name">Name</label>
          <input
            id="trader-name"
            data-testid="trader-name"
            maxLength={60}
            readOnly={readOnly}
            value={draft.name}
            onChange={(e) => edit((t) => ({ ...t, name: e.target.value }))}
          />
        </div>
        <div className="field">
          <label htmlFor="trader-interval">Runs on every close of</label>
          <select
            id="trader-interval"
            data-testid="trader-interval"
            disabled={readOnly}
            value={draft.filter.refreshInterval}
            onChange={(e) => setFilter("refreshInterval", e.target.value as Interval)}
          >
            {REFRESH_INTERVALS.map((i) => (
              <option key={i} value={i}>
                {i} candle
              </option>
            ))}
          </select>
        </div>
        <div className="field field-wide">
          <label htmlFor="trader-description">Description</label>
          <textarea
            id="trader-description"
            data-testid="trader-description"
            rows={2}
            readOnly={readOnly}
            value={draft.description}
            onChange={(e) => edit((t) => ({ ...t, description: e.target.value }))}
          />
        </div>
        <fieldset className="field field-wide timeframes" disabled={readOnly}>
          <legend>Timeframes the code reads</legend>
          <div className="chips">
            {REFRESH_INTERVALS.map((i) => (
              <label key={i} className={`chip${draft.filter.requiredTimeframes.includes(i) ? " chip-on" : ""}`}>
                <input
                  type="checkbox"
                  data-testid={`trader-timeframe-${i}`}
                  checked={draft.filter.requiredTimeframes.includes(i)}
                  onChange={(e) => toggleTimeframe(i, e.target.checked)}
                />
                {i}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor="trader-cooldown">Cooldown (bars)</label>
          <input
            id="trader-cooldown"
            data-testid="trader-cooldown"
            type="number"
            min={0}
            step={1}
            readOnly={readOnly}
            value={Number.isFinite(draft.filter.cooldownBars) ? draft.filter.cooldownBars : ""}
            onChange={(e) => setFilter("cooldownBars", e.target.value === "" ? NaN : Number(e.target.value))}
          />
          <p className="field-note muted">Quiet candles after a signal for the same symbol.</p>
        </div>
        <div className="field">
          <label htmlFor="trader-symbols">Symbols (optional)</label>
          <input
            id="trader-symbols"
            data-testid="trader-symbols"
            placeholder="All symbols the engine streams"
            readOnly={readOnly}
            value={symbolsText}
            onChange={(e) => setSymbolsText(e.target.value)}
          />
          <p className="field-note muted">Comma-separated, e.g. BTCUSDT, ETHUSDT.</p>
        </div>
        <label className="check field-wide">
          <input
            type="checkbox"
            data-testid="trader-notify"
            disabled={readOnly}
            checked={draft.cloud.notifyOnSignal}
            onChange={(e) => edit((t) => ({ ...t, cloud: { ...t.cloud, notifyOnSignal: e.target.checked } }))}
          />
          Notify me on every signal
        </label>
        <div className="field field-wide">
          <label htmlFor="trader-code">
            Filter <span className="muted">— body of <code>async (ticker, timeframes, helpers, hvnNodes)</code></span>
          </label>
          <CodeEditor
            value={draft.filter.code}
            onChange={(c) => setFilter("code", c)}
            readOnly={readOnly}
            badLines={stale ? new Set() : badLines}
            textareaRef={code}
          />
        </div>
        <div className="field field-wide">
          <label htmlFor="trader-instructions">Strategy instructions for the AI analyst</label>
          <textarea
            id="trader-instructions"
            data-testid="trader-instructions"
            rows={3}
            readOnly={readOnly}
            placeholder="E.g. take longs only; skip setups into resistance."
            value={draft.strategy.instructions}
            onChange={(e) => edit((t) => ({ ...t, strategy: { ...t.strategy, instructions: e.target.value } }))}
          />
        </div>
      </div>

      {check !== null && <CheckResult check={check.result} stale={stale} onGoto={goto} />}
      {error !== null && (
        <div className="editor-error">
          <ErrorNotice error={error} testId="trader-editor-error" />
          {error.code === "version_conflict" && (
            <button type="button" data-testid="trader-editor-reload" onClick={() => void reloadStored()}>
              Reload the stored version (discards your edits)
            </button>
          )}
        </div>
      )}

      <div className="editor-actions">
        <button type="button" data-testid="trader-check" disabled={checking} aria-busy={checking} onClick={() => void runCheck()}>
          {checking ? "Checking…" : "Check"}
        </button>
        {readOnly ? (
          <button type="button" className="primary" data-testid="trader-duplicate" onClick={() => onDuplicate(draft)}>
            Duplicate
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            data-testid="trader-save"
            disabled={saving || blocking}
            title={blocking ? "Fix the problems the check found first." : undefined}
            aria-busy={saving}
            onClick={() => void save()}
          >
            {saving ? "Saving…" : "Save"}
          </button>
        )}
        <button type="button" data-testid="trader-close" onClick={onClose}>
          {readOnly ? "Close" : "Cancel"}
        </button>
        <span className="spacer" />
        {!readOnly && !isNew && (
          <button
            type="button"
            className="danger-outline"
            data-testid="trader-delete"
            disabled={saving}
            onClick={() => setConfirmDelete(true)}
          >
            Delete
          </button>
        )}
      </div>

      {confirmDelete && (
        <DeleteDialog name={draft.name} onConfirm={() => void remove()} onCancel={() => setConfirmDelete(false)} />
      )}
    </section>
  );
}
