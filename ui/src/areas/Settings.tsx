// Settings: the Fly token, this installation's health and paths, and recent activity.
import { useCallback, useEffect, useState } from "react";
import type { AppStatus, AuditEvent, Check } from "../bindings";
import { BackendError } from "../backend/backend";
import { useBackend } from "../backend/context";
import { ErrorNotice } from "../components/ErrorNotice";
import { TokenPanel } from "./TokenPanel";

export function Settings() {
  const backend = useBackend();
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [error, setError] = useState<BackendError | null>(null);

  const refresh = useCallback(async () => {
    try {
      const [s, e] = await Promise.all([backend.appStatus(), backend.recentEvents(10)]);
      setStatus(s);
      setEvents(e);
      setError(null);
    } catch (thrown) {
      setError(BackendError.from(thrown));
    }
  }, [backend]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <section aria-labelledby="settings-title" data-testid="area-settings">
      <h1 id="settings-title">Settings</h1>
      <TokenPanel onChange={() => void refresh()} />

      <section className="panel" aria-labelledby="about-title" data-testid="about-panel">
        <h2 id="about-title">This installation</h2>
        {error !== null && <ErrorNotice error={error} testId="status-error" />}
        {status !== null && (
          <dl className="facts">
            <dt>Version</dt>
            <dd data-testid="app-version">{status.version}</dd>
            <dt>Data folder</dt>
            <dd>
              <code>{status.dataDir}</code>
            </dd>
            <dt>Logs</dt>
            <dd>
              <code>{status.logDir}</code>
            </dd>
            <dt>Database</dt>
            <dd data-testid="check-database">{describe(status.database)}</dd>
            <dt>Keyring</dt>
            <dd data-testid="check-keyring">{describe(status.keyring)}</dd>
          </dl>
        )}
      </section>

      <section className="panel" aria-labelledby="activity-title" data-testid="activity-panel">
        <h2 id="activity-title">Recent activity</h2>
        {events.length === 0 ? (
          <p className="muted">Nothing recorded yet.</p>
        ) : (
          <ul className="activity">
            {events.map((e) => (
              <li key={e.id}>
                <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time> <strong>{e.kind}</strong>{" "}
                <span className="muted">by {e.actor}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}

function describe(check: Check): string {
  if (check.ok) return `OK — ${check.detail ?? ""}`;
  return `Problem — ${check.error?.message ?? "unknown"}`;
}
