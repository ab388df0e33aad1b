// Fly's events for the machine, newest first: exits with their codes and restart counts show a crash loop.
import type { FlyEventView } from "../../bindings";
import { localTime } from "../machine/format";

export function FlyEventsTable({ events }: { events: FlyEventView[] }) {
  if (events.length === 0) return <p className="muted">Fly reports no events.</p>;
  return (
    <table className="support-table" data-testid="support-events">
      <caption className="visually-hidden">Fly events, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Source</th>
          <th scope="col">Exit code</th>
          <th scope="col">Restarts</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id} data-testid="support-event" data-kind={e.kind} className={e.exitCode !== null && e.exitCode !== 0 ? "support-row-bad" : undefined}>
            <td>
              <time dateTime={e.at}>{localTime(e.at)}</time>
            </td>
            <td>{e.kind}</td>
            <td>{e.status}</td>
            <td>{e.source}</td>
            <td data-testid="support-event-exit">
              {e.exitCode ?? ""}
              {e.oomKilled === true && " (out of memory)"}
            </td>
            <td data-testid="support-event-restarts">{e.restartCount ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
