// Import traders from a JSON file (with a report of what was skipped and why) and export the
// selected traders, or every user trader, as `traders.json`.
import { useRef, useState } from "react";
import type { ImportReport } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";
import { downloadText, readText } from "./download";

export function ImportExport({ selected, onImported }: { selected: string[]; onImported: () => void }) {
  const backend = useBackend();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<{ file: string; report: ImportReport } | null>(null);
  const [error, setError] = useState<BackendError | null>(null);

  const importFile = async (file: File) => {
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      const text = await readText(file);
      setReport({ file: file.name, report: await backend.traders.importJson(text) });
      onImported();
    } catch (thrown) {
      setError(BackendError.from(thrown));
    } finally {
      setBusy(false);
      if (input.current !== null) input.current.value = "";
    }
  };

  const exportChosen = async () => {
    setError(null);
    try {
      downloadText("traders.json", await backend.traders.exportJson(selected));
    } catch (thrown) {
      setError(BackendError.from(thrown));
    }
  };

  return (
    <>
      <div className="import-export">
        <button type="button" data-testid="traders-import" disabled={busy} onClick={() => input.current?.click()}>
          {busy ? "Importing…" : "Import…"}
        </button>
        <input
          ref={input}
          type="file"
          accept=".json,application/json"
          className="visually-hidden"
          data-testid="traders-import-input"
          aria-label="Import traders from a JSON file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file !== undefined) void importFile(file);
          }}
        />
        <button type="button" data-testid="traders-export" onClick={() => void exportChosen()}>
          {selected.length === 0 ? "Export all" : `Export ${selected.length} selected`}
        </button>
      </div>
      {(report !== null || error !== null) && (
        <div className="import-result">
          {error !== null && <ErrorNotice error={error} testId="traders-import-error" />}
          {report !== null && (
            <div className="panel import-report" role="status" data-testid="traders-import-report">
              <div className="panel-head">
                <h2>Imported from {report.file}</h2>
                <button type="button" aria-label="Close the import report" onClick={() => setReport(null)}>
                  Close
                </button>
              </div>
              <p data-testid="traders-import-count">
                {report.report.imported.length} imported, {report.report.skipped.length} skipped.
              </p>
              {report.report.skipped.length > 0 && (
                <ul className="skipped" data-testid="traders-import-skipped">
                  {report.report.skipped.map((s, i) => (
                    <li key={i}>
                      <strong>{s.name}</strong>: {s.reason}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </div>
      )}
    </>
  );
}
