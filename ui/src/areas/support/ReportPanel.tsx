// Writes the diagnostics report (HTML index, charts, every secret redacted) into a folder and says what it wrote.
import { useState, type FormEvent } from "react";
import type { InspectTarget, ReportSummary } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";

export function ReportPanel({ target }: { target: InspectTarget }) {
  const backend = useBackend();
  const [dir, setDir] = useState("");
  const [summary, setSummary] = useState<ReportSummary | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      setSummary(await backend.support.report(target.app, target.machineId, dir));
      setError(null);
    } catch (thrown) {
      setSummary(null);
      setError(BackendError.from(thrown));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="support-report-title" data-testid="support-report">
      <h2 id="support-report-title">Diagnostics report</h2>
      <form className="token-form" onSubmit={(e) => void submit(e)}>
        <label htmlFor="support-report-dir">Folder (new or empty, or a previous report)</label>
        <input
          id="support-report-dir"
          data-testid="support-report-dir"
          value={dir}
          onChange={(e) => setDir(e.target.value)}
          placeholder="/home/you/reports/tm-app"
        />
        <button type="submit" data-testid="support-report-submit" disabled={busy}>
          {busy ? "Writing…" : "Write diagnostics report"}
        </button>
      </form>
      {error !== null && <ErrorNotice error={error} testId="support-report-error" />}
      {summary !== null && (
        <dl className="facts" data-testid="support-report-result">
          <dt>Open</dt>
          <dd>
            <code data-testid="support-report-index">{summary.index}</code>
          </dd>
          <dt>Files</dt>
          <dd data-testid="support-report-files">{summary.files.length}</dd>
          <dt>Redactions</dt>
          <dd data-testid="support-report-redactions">{summary.redactions}</dd>
          <dt>Findings</dt>
          <dd data-testid="support-report-findings">{summary.findings}</dd>
        </dl>
      )}
    </section>
  );
}
