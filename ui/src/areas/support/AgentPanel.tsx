// The agent as the viewer sees it: /health (or why it did not answer), the greeting it sent
// and its state (the live one when the watch has sent it).
import type { AgentInspection, Status } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { ErrorNotice } from "../../components/ErrorNotice";
import { age } from "../dashboard/format";
import { localTime } from "../machine/format";

export function AgentPanel({ agent, liveStatus }: { agent: AgentInspection | null; liveStatus: Status | null }) {
  const status = liveStatus ?? agent?.status ?? null;
  return (
    <section className="panel" aria-labelledby="support-agent-title" data-testid="support-agent">
      <h2 id="support-agent-title">Agent</h2>
      {agent === null ? (
        <p className="muted">No agent to ask: the app has no machine.</p>
      ) : (
        <>
          <p className="muted">
            <code>{agent.url}</code>
          </p>
          <Health agent={agent} />
          {status !== null && (
            <p data-testid="support-agent-state" data-state={status.state}>
              State: <strong>{status.state}</strong>
              {status.reason !== null && <span className="muted"> — {status.reason}</span>}
            </p>
          )}
          {agent.greeting !== null ? (
            <p data-testid="support-greeting">
              Greeting: agent {agent.greeting.agentVersion}, protocol {agent.greeting.protocolVersion}, machine{" "}
              <code>{agent.greeting.machineId}</code>, started {localTime(agent.greeting.startedAt)}, last signal #{agent.greeting.lastSeq},
              capabilities {agent.greeting.capabilities.join(", ") || "none"}
            </p>
          ) : (
            agent.linkError !== null && <ErrorNotice error={new BackendError(agent.linkError)} testId="support-link-error" />
          )}
        </>
      )}
    </section>
  );
}

function Health({ agent }: { agent: AgentInspection }) {
  const h = agent.health;
  if (h === null) {
    return (
      <div data-testid="support-health" data-status="unreachable">
        <p>
          Health: <strong>no answer</strong>
        </p>
        {agent.healthError !== null && <ErrorNotice error={new BackendError(agent.healthError)} testId="support-health-error" />}
      </div>
    );
  }
  const parts = [
    `HTTP ${h.httpStatus}`,
    h.agentVersion !== null ? `version ${h.agentVersion}` : null,
    h.uptimeSeconds !== null ? `up ${age(h.uptimeSeconds)}` : null,
    h.symbols !== null ? `${h.symbols} symbols` : null,
    h.lastCandleAgeSeconds !== null ? `last candle ${age(h.lastCandleAgeSeconds)} ago` : null,
    h.activeTraders !== null ? `${h.activeTraders} traders` : null,
  ].filter((p) => p !== null);
  return (
    <p data-testid="support-health" data-status={h.status}>
      Health: <strong>{h.status}</strong> <span className="muted">({parts.join(", ")})</span>
    </p>
  );
}
