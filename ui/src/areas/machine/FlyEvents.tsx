// Fly's newest events for the machine (launch, start, stop, exit, …), newest first.
import type { FlyEventView } from "../../bindings";
import type { BackendError } from "../../backend/backend";
import { ErrorNotice } from "../../components/ErrorNotice";
import { localTime } from "./format";

export function FlyEvents({
  events,
  error,
  onRefresh,
}: {
  events: FlyEventView[];
  error: BackendError | null;
  onRefresh: () => void;
}) {
  return (
    <section className="panel" aria-labelledby="fly-events-title" data-testid="machine-events">
      <div className="panel-head">
        <h2 id="fly-events-title">Recent Fly events</h2>
        <button type="button" data-testid="machine-events-refresh" onClick={onRefresh}>
          Refresh
        </button>
      </div>
      {error !== null && <ErrorNotice error={error} testId="machine-events-error" />}
      {events.length === 0 ? (
        <p className="muted">No events: there is no machine, or Fly has not reported any.</p>
      ) : (
        <ul className="activity">
          {events.map((e) => (
            <li key={e.id} data-testid="machine-event">
              <time dateTime={e.at}>{localTime(e.at)}</time> <strong>{e.kind}</strong> → {e.status}{" "}
              <span className="muted">by {e.source}</span>
              {e.exitCode !== null && <span> · exit code {e.exitCode}</span>}
              {e.oomKilled === true && <span className="warning-text"> · out of memory</span>}
              {e.restartCount !== null && <span className="muted"> · restart #{e.restartCount}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
