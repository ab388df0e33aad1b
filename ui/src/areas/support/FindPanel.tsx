// Find: an app name, machine id or user id/email → the matching apps and machines to pick from.
import { useState, type FormEvent } from "react";
import type { InspectTarget } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";

const MATCHED: Record<InspectTarget["matchedBy"], string> = { app: "app name", machine: "machine id", user: "user" };

export function targetKey(target: InspectTarget): string {
  return `${target.app}-${target.machineId ?? "none"}`;
}

export function FindPanel({ selected, onPick }: { selected: InspectTarget | null; onPick: (target: InspectTarget) => void }) {
  const backend = useBackend();
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<InspectTarget[] | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const found = await backend.support.find(query);
      setResults(found);
      setError(null);
    } catch (thrown) {
      setResults(null);
      setError(BackendError.from(thrown));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="support-find-title" data-testid="support-find">
      <h2 id="support-find-title">Find a user's machine</h2>
      <form className="support-find-form" onSubmit={(e) => void submit(e)} role="search">
        <label htmlFor="support-find-input" className="visually-hidden">
          App name, machine id or user id
        </label>
        <input
          id="support-find-input"
          data-testid="support-find-input"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="App name, machine id or user id/email"
        />
        <button type="submit" data-testid="support-find-submit" disabled={busy}>
          {busy ? "Searching…" : "Find"}
        </button>
      </form>
      {error !== null && <ErrorNotice error={error} testId="support-find-error" />}
      {results !== null && (
        <ul className="support-targets" data-testid="support-targets" aria-label="Matches">
          {results.map((t) => (
            <li key={targetKey(t)}>
              <button
                type="button"
                className="support-target"
                data-testid={`support-target-${targetKey(t)}`}
                aria-pressed={selected !== null && targetKey(selected) === targetKey(t)}
                onClick={() => onPick(t)}
              >
                <strong>{t.app}</strong> <code>{t.machineId ?? "no machine"}</code>
                {t.machineName !== null && <span className="muted"> {t.machineName}</span>}
                <span> · {t.state ?? "unknown state"}</span>
                <span> · {t.region ?? "no region"}</span>
                <span> · {t.user ?? "unknown user"}</span>
                <span className="muted"> · matched by {MATCHED[t.matchedBy]}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
