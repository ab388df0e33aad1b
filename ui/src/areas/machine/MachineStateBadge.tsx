// The machine's state as Fly reports it, the agent's readiness, "stuck", and what to do next.
import type { MachineStatus, NextAction } from "../../bindings";
import { TRANSIENT } from "./availability";
import { clock, localTime, usd } from "./format";
import { isStuck, stateAgeMs, stuckAdvice } from "./stuck";

const NEXT_LABEL: Record<NextAction, string> = {
  start: "Start",
  retry: "Retry",
  stop: "Stop",
  wait: "Wait",
  restart: "Restart",
  destroy: "Destroy",
};

type Tone = "ok" | "busy" | "off" | "bad";

function tone(status: MachineStatus, stuck: boolean): Tone {
  if (stuck || status.crashLooping || status.state === "failed") return "bad";
  if (status.state === "started") return status.agent !== null ? "ok" : "busy";
  if (TRANSIENT.has(status.state)) return "busy";
  return "off";
}

function stateLabel(state: string): string {
  if (state === "none") return "No machine";
  return state.charAt(0).toUpperCase() + state.slice(1).replace(/_/g, " ");
}

function agentTone(status: MachineStatus): Tone {
  if (status.state !== "started") return "off";
  if (status.agent !== null) return "ok";
  return status.agentProblem === null ? "busy" : "bad";
}

function agentLabel(status: MachineStatus): string {
  if (status.state !== "started") return "not running";
  if (status.agent !== null) {
    const version = status.agent.agentVersion === null ? "" : ` (${status.agent.agentVersion})`;
    return `${status.agent.status}${version}`;
  }
  return status.agentProblem === null ? "not answering yet" : `not ready — ${status.agentProblem}`;
}

export function MachineStateBadge({ status, now }: { status: MachineStatus; now: number }) {
  const stuck = isStuck(status, now);
  const age = TRANSIENT.has(status.state) ? stateAgeMs(status, now) : null;
  const shade = tone(status, stuck);
  return (
    <div className="machine-state" data-testid="machine-state" data-state={status.state} data-tone={shade}>
      <div className="machine-state-line">
        <span className="state-label">Fly</span>
        <span className={`badge badge-${shade}`} data-testid="machine-state-fly">
          <span className="badge-dot" aria-hidden="true" />
          {stateLabel(status.state)}
        </span>
        {age !== null && (
          <span className="muted" data-testid="machine-state-age">
            for {clock(age)}
          </span>
        )}
        {stuck && (
          <span className="badge badge-bad" data-testid="machine-stuck">
            Stuck
          </span>
        )}
        {status.crashLooping && (
          <span className="badge badge-bad" data-testid="machine-crash-looping">
            Crash-looping
          </span>
        )}
        <span className="state-sep" aria-hidden="true" />
        <span className="state-label">Agent</span>
        <span className={`badge badge-${agentTone(status)}`} data-testid="machine-agent-badge">
          <span className="badge-dot" aria-hidden="true" />
          <span data-testid="machine-agent">{agentLabel(status)}</span>
        </span>
      </div>
      {stuck && (
        <p className="notice danger" role="alert" data-testid="machine-stuck-hint">
          {stuckAdvice(status, now)}
        </p>
      )}
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
