// What the inspector noticed, most severe first, each with what to do about it.
import type { Finding } from "../../bindings";

export function FindingsList({ findings }: { findings: Finding[] }) {
  return (
    <section className="panel" aria-labelledby="support-findings-title" data-testid="support-findings">
      <h2 id="support-findings-title">Findings</h2>
      {findings.length === 0 ? (
        <p className="muted">Nothing noticed.</p>
      ) : (
        <ul className="support-findings">
          {findings.map((f) => (
            <li key={f.code} className={`finding finding-${f.severity}`} data-testid={`finding-${f.code}`} data-severity={f.severity}>
              <p className="finding-title">
                <span className="finding-severity">{f.severity}</span> {f.title}
              </p>
              <p className="finding-detail">{f.detail}</p>
              <p className="finding-advice">→ {f.advice}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
