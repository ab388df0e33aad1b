// The link's state at the top of the Dashboard: where the data comes from, or why it does not.
import type { LinkView } from "../../bindings";
import { clock, linkAdvice, linkError, linkLabel, linkTone } from "../../components/linkText";
import { useNow } from "../../components/useNow";

export function LinkSummary({ view, receivedAt }: { view: LinkView | null; receivedAt: number }) {
  const now = useNow(view?.state.state === "reconnecting");
  if (view === null) {
    return (
      <p className="link-summary muted" data-testid="dashboard-link">
        Reading the link…
      </p>
    );
  }
  const state = view.state;
  const error = linkError(state);
  return (
    <div className={`link-summary link-${linkTone(state)}`} data-testid="dashboard-link" data-state={state.state}>
      <p className="link-summary-line">
        <span className="link-dot" aria-hidden="true" />
        <strong>{linkLabel(state, receivedAt, now)}</strong>
        {view.agentUrl !== null && <code className="muted">{view.agentUrl}</code>}
        {state.state === "live" && <span className="muted">since {clock(state.since, now)}</span>}
        {view.pendingCommands > 0 && (
          <span className="badge badge-busy">{view.pendingCommands} command{view.pendingCommands === 1 ? "" : "s"} waiting</span>
        )}
      </p>
      <p className="link-summary-advice muted">
        {linkAdvice(state)}
        {error !== null && <span className="warning-text"> Last error: {error.message}</span>}
      </p>
    </div>
  );
}
