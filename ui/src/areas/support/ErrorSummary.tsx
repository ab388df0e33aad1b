// The agent's recent errors (from its history), grouped with a count and the last time.
import type { AgentErrorRecord } from "../../bindings";
import { localTime } from "../machine/format";
import { groupErrors } from "./errorGroups";

export function ErrorSummary({ errors }: { errors: AgentErrorRecord[] | null }) {
  const groups = errors === null ? [] : groupErrors(errors);
  return (
    <section className="panel" aria-labelledby="support-errors-title" data-testid="support-errors">
      <h2 id="support-errors-title">Agent errors</h2>
      {errors === null ? (
        <p className="muted">No history from the agent (see Last 24 hours).</p>
      ) : groups.length === 0 ? (
        <p className="muted" data-testid="support-errors-none">
          No errors in the agent's history.
        </p>
      ) : (
        <table className="support-table">
          <thead>
            <tr>
              <th scope="col">Count</th>
              <th scope="col">Source</th>
              <th scope="col">Message</th>
              <th scope="col">Last</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={`${g.source}\u0000${g.message}`} data-testid="support-error-group" data-source={g.source} data-count={g.count}>
                <td>{g.count}×</td>
                <td>{g.source}</td>
                <td>{g.message}</td>
                <td>
                  <time dateTime={g.last}>{localTime(g.last)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
