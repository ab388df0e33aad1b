// The traders deployed on the agent: id, version and state (with the agent's error), live states winning.
import type { TraderState } from "../../bindings";

export function TradersTable({ traders }: { traders: TraderState[] }) {
  return (
    <section className="panel" aria-labelledby="support-traders-title" data-testid="support-traders">
      <h2 id="support-traders-title">Deployed traders</h2>
      {traders.length === 0 ? (
        <p className="muted">None reported (no viewer token, or nothing deployed).</p>
      ) : (
        <table className="support-table">
          <thead>
            <tr>
              <th scope="col">Trader</th>
              <th scope="col">Version</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {traders.map((t) => (
              <tr key={t.traderId} data-testid={`support-trader-${t.traderId}`} data-state={t.state}>
                <td>
                  <code>{t.traderId}</code>
                </td>
                <td>v{t.version}</td>
                <td>
                  {t.state}
                  {t.error !== null && <span className="warning-text"> — {t.error}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The inspection's traders with every live state applied (live-only traders appended). */
export function mergeTraders(snapshot: TraderState[], live: Record<string, TraderState>): TraderState[] {
  const merged = snapshot.map((t) => live[t.traderId] ?? t);
  const known = new Set(snapshot.map((t) => t.traderId));
  return [...merged, ...Object.values(live).filter((t) => !known.has(t.traderId))];
}
