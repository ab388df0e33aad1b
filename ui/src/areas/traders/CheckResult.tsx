// The editor's check: problems (with lines; clicking one moves the caret there), warnings and
// the dry run on recorded candles.
import type { TraderCheck, TraderProblem } from "../../bindings";

function where(p: TraderProblem): string {
  if (p.line === null) return p.field;
  return p.column === null ? `Line ${p.line}` : `Line ${p.line}:${p.column}`;
}

export function CheckResult({
  check,
  stale,
  onGoto,
}: {
  check: TraderCheck;
  stale: boolean;
  onGoto: (problem: TraderProblem) => void;
}) {
  const dry = check.dryRun;
  return (
    <section className="check-result" aria-label="Check result" data-testid="trader-check-result" data-ok={check.ok}>
      <p className={`check-summary ${check.ok ? "check-ok" : "check-bad"}`} data-testid="trader-check-summary">
        {check.ok
          ? "No problems: it can be saved."
          : `${check.problems.length} problem${check.problems.length === 1 ? "" : "s"}: fix ${check.problems.length === 1 ? "it" : "them"} to save.`}
        {stale && <span className="muted"> (edited since the check)</span>}
      </p>
      {check.problems.length > 0 && (
        <ul className="problems" data-testid="trader-problems">
          {check.problems.map((p, i) => (
            <li key={i}>
              <button
                type="button"
                className="problem"
                data-testid={`trader-problem-${i}`}
                data-line={p.line ?? undefined}
                onClick={() => onGoto(p)}
              >
                <span className="problem-where">{where(p)}</span> {p.message}
              </button>
            </li>
          ))}
        </ul>
      )}
      {check.warnings.length > 0 && (
        <ul className="warnings" data-testid="trader-warnings">
          {check.warnings.map((w, i) => (
            <li key={i} className="warning-text">
              {w}
            </li>
          ))}
        </ul>
      )}
      {dry !== null && (
        <div className="dry-run" data-testid="trader-dry-run">
          <h4>Dry run</h4>
          <dl className="facts">
            <dt>Sample</dt>
            <dd>{dry.sample}</dd>
            <dt>Evaluations</dt>
            <dd data-testid="trader-dry-evaluations">{dry.evaluations}</dd>
            <dt>Signals</dt>
            <dd data-testid="trader-dry-signals">{dry.signals}</dd>
            <dt>Errors</dt>
            <dd>{dry.errors.length}</dd>
            <dt>Duration</dt>
            <dd>{dry.durationMs.toFixed(1)} ms</dd>
          </dl>
          {dry.errors.length > 0 && (
            <ul className="problems" data-testid="trader-dry-errors">
              {dry.errors.map((p, i) => (
                <li key={i}>
                  <button type="button" className="problem" onClick={() => onGoto(p)}>
                    <span className="problem-where">{where(p)}</span> {p.message}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
