// The machine's state as Fly reports it, the agent's readiness, "stuck", and what to do next.
import type { MachineStatus, NextAction } from "../../bindings";
import { TRANSIENT } from "./availability";
import { localTime, usd } from "./format";

const NEXT_LABEL: Record<NextAction, string> = {
  start: "Start",
  retry: "Retry",
  stop: "Stop",
  wait: "Wait",
  restart: "Restart",
  destroy: "Destroy",
};

type Tone = "ok" | "busy" | "off" | "bad";

function tone(status: MachineStatus): Tone {
  if (status.stuck || status.crashLooping || status.state === "failed") return "bad";
  if (status.state === "started") return status.agent !== null ? "ok" : "busy";
  if (TRANSIENT.has(status.state)) return "busy";
  return "off";
}

function stateLabel(state: string): string {
  if (state === "none") return "No machine";
  return state.charAt(0).toUpperCase() + state.slice(1).replace(/_/g, " ");
}

function agentLabel(status: MachineStatus): string {
  if (status.state !== "started") return "not running";
  if (status.agent !== null) {
    const version = status.agent.agentVersion === null ? "" : ` (${status.agent.agentVersion})`;
    return `${status.agent.status}${version}`;
  }
  return status.agentProblem === null ? "not answering yet" : `not ready — ${status.agentProblem}`;
}

export function MachineStateBadge({ status }: { status: MachineStatus }) {
  return (
    <div className="machine-state" data-testid="machine-state" data-state={status.state} data-tone={tone(status)}>
      <p className="machine-state-line">
        <span className={`badge badge-${tone(status)}`} data-testid="machine-state-fly">
          {stateLabel(status.state)}
        </span>
        {status.stuck && (
          <span className="badge badge-bad" data-testid="machine-stuck">
            Stuck
          </span>
        )}
        {status.crashLooping && (
          <span className="badge badge-bad" data-testid="machine-crash-looping">
            Crash-looping
          </span>
        )}
        <span className="muted">
          Agent: <span data-testid="machine-agent">{agentLabel(status)}</span>
        </span>
      </p>
      <p className="machine-next" data-testid="machine-next" data-action={status.nextAction}>
        <strong>Next: {NEXT_LABEL[status.nextAction]}.</strong> {status.advice}
      </p>
      {status.drift !== null && (
        <p className="notice warning" data-testid="machine-drift">
          {status.drift}
        </p>
      )}
      <dl className="facts">
        {status.app !== null && (
          <>
            <dt>App</dt>
            <dd data-testid="machine-app">{status.app}</dd>
          </>
        )}
        {status.machineId !== null && (
          <>
            <dt>Machine</dt>
            <dd>
              <code>{status.machineId}</code>
              {status.region !== null && ` in ${status.region}`}
              {status.size !== null && `, size ${status.size}`}
            </dd>
          </>
        )}
        {status.since !== null && (
          <>
            <dt>Since</dt>
            <dd>
              <time dateTime={status.since}>{localTime(status.since)}</time>
            </dd>
          </>
        )}
        {status.cost !== null && (
          <>
            <dt>Cost while started</dt>
            <dd data-testid="machine-cost">
              {usd(status.cost.usdPerHour)}/hour · {usd(status.cost.usdPerDay)}/day · {usd(status.cost.usdPerMonth)}
              /month (estimate)
            </dd>
          </>
        )}
        <dt>Checked</dt>
        <dd>
          <time dateTime={status.checkedAt}>{localTime(status.checkedAt)}</time>
        </dd>
      </dl>
    </div>
  );
}
