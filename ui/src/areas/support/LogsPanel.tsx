// The machine's logs: a level and a text filter (applied on Enter or Apply), the live tail
// appending while "Live tail" is on, and at most MAX_LOG_LINES lines kept.
import { useState, type FormEvent } from "react";
import type { LogLevel } from "../../bindings";
import { ErrorNotice } from "../../components/ErrorNotice";
import { localTime } from "../machine/format";
import { MAX_LOG_LINES } from "./logBuffer";
import type { SupportLogs } from "./useSupportLogs";

const LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];

export function LogsPanel({
  logs,
  tailEnded,
  onRestartTail,
}: {
  logs: SupportLogs;
  /** Why the live tail stopped, if it did. */
  tailEnded: string | null;
  onRestartTail: () => void;
}) {
  const [level, setLevel] = useState<LogLevel | "">(logs.filter.minLevel ?? "");
  const [search, setSearch] = useState(logs.filter.search);
  const { buffer } = logs;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    logs.apply({ minLevel: level === "" ? null : level, search });
  };

  return (
    <section className="panel" aria-labelledby="support-logs-title" data-testid="support-logs">
      <div className="panel-head">
        <h2 id="support-logs-title">Logs</h2>
        <label className="check">
          <input
            type="checkbox"
            data-testid="support-log-follow"
            checked={logs.follow}
            onChange={(e) => logs.setFollow(e.target.checked)}
          />
          Live tail
        </label>
      </div>
      <form className="support-log-filters" onSubmit={submit} aria-label="Log filters">
        <label htmlFor="support-log-level">At least</label>
        <select id="support-log-level" data-testid="support-log-level" value={level} onChange={(e) => setLevel(e.target.value as LogLevel | "")}>
          <option value="">any level</option>
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
        <label htmlFor="support-log-search" className="visually-hidden">
          Search the log messages
        </label>
        <input
          id="support-log-search"
          data-testid="support-log-search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="Search messages"
        />
        <button type="submit" data-testid="support-log-apply" disabled={logs.loading}>
          Apply
        </button>
      </form>
      {logs.error !== null && <ErrorNotice error={logs.error} testId="support-logs-error" />}
      {tailEnded !== null && (
        <div className="notice warning" role="status" data-testid="support-tail-ended">
          The live tail stopped: {tailEnded}{" "}
          <button type="button" data-testid="support-tail-restart" onClick={onRestartTail}>
            Restart the tail
          </button>
        </div>
      )}
      <p className="muted" data-testid="support-log-count" aria-live="polite">
        {buffer.lines.length} line{buffer.lines.length === 1 ? "" : "s"}
        {buffer.dropped > 0 && ` (the oldest ${buffer.dropped} dropped: at most ${MAX_LOG_LINES} kept)`}
        {!logs.follow && " · live tail paused"}
      </p>
      <ol className="support-log-lines" aria-label="Log lines" aria-busy={logs.loading}>
        {buffer.lines.map(({ n, line }) => (
          <li key={n} data-testid="support-log-line" data-level={line.level} className={`log-${line.level}`}>
            <time dateTime={line.at}>{localTime(line.at)}</time> <span className="log-level">{line.level}</span> {line.message}
          </li>
        ))}
      </ol>
    </section>
  );
}
