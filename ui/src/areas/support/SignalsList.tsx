// The agent's recent signals, newest first: the inspection's and those that arrived live.
import type { SignalFrame } from "../../bindings";

const MAX_SHOWN = 100;

/** Both lists merged by seq (no duplicates), newest first. */
export function mergeSignals(snapshot: SignalFrame[], live: SignalFrame[]): SignalFrame[] {
  const bySeq = new Map<number, SignalFrame>();
  for (const s of [...snapshot, ...live]) bySeq.set(s.seq, s);
  return Array.from(bySeq.values())
    .sort((a, b) => b.seq - a.seq)
    .slice(0, MAX_SHOWN);
}

export function SignalsList({ signals }: { signals: SignalFrame[] }) {
  return (
    <section className="panel" aria-labelledby="support-signals-title" data-testid="support-signals">
      <h2 id="support-signals-title">Recent signals</h2>
      {signals.length === 0 ? (
        <p className="muted">None reported.</p>
      ) : (
        <ol className="plain-list">
          {signals.map((s) => (
            <li key={s.seq} data-testid="support-signal" data-seq={s.seq}>
              <span className="muted">#{s.seq}</span> <time dateTime={new Date(s.closeTime).toISOString()}>{new Date(s.closeTime).toLocaleString()}</time>{" "}
              <code>{s.traderId}</code> {s.symbol} {s.interval} at {s.price} <span className="muted">({s.conditions.join(", ")})</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
