// The agent's latest numbers (live `metrics` frames, else the inspection's snapshot) and the watch's link state.
import type { Metrics, ViewerLinkState } from "../../bindings";
import { age, count, megabytes } from "../dashboard/format";
import type { LinkFrame } from "./useSupportWatch";

const LINK_CLASS: Record<ViewerLinkState, string> = {
  live: "link-ok",
  connecting: "link-busy",
  retrying: "link-busy",
  unauthorized: "link-bad",
  ended: "link-bad",
};

export function LiveMetrics({ metrics, live, link }: { metrics: Metrics | null; live: boolean; link: LinkFrame | null }) {
  const state: ViewerLinkState = link?.state ?? "connecting";
  return (
    <section className="panel" aria-labelledby="support-metrics-title" data-testid="support-live">
      <div className="panel-head">
        <h2 id="support-metrics-title">Live metrics</h2>
        <p className={`link-state ${LINK_CLASS[state]}`} data-testid="support-link-state" data-state={state} role="status">
          <span className="link-dot" aria-hidden="true" />
          {state}
          {link?.detail != null && <span className="muted"> — {link.detail}</span>}
        </p>
      </div>
      {metrics === null ? (
        <p className="muted" data-testid="support-metrics" data-source="none">
          No metrics yet: they need the agent's viewer token and a running agent.
        </p>
      ) : (
        <dl className="headline" data-testid="support-metrics" data-source={live ? "live" : "snapshot"}>
          <Figure label="CPU" value={`${metrics.cpuPercent.toFixed(1)} %`} id="cpu" />
          <Figure label="Memory" value={`${megabytes(metrics.memoryBytes)} / ${megabytes(metrics.memoryLimitBytes)}`} id="memory" />
          <Figure label="Uptime" value={age(metrics.uptimeSeconds)} id="uptime" />
          <Figure label="Last candle" value={metrics.lastCandleAgeSeconds === null ? "none yet" : `${age(metrics.lastCandleAgeSeconds)} ago`} id="candle" />
          <Figure label="Streams" value={count(metrics.streamsConnected)} id="streams" />
          <Figure label="Symbols" value={count(metrics.symbols)} id="symbols" />
          <Figure label="Evaluations / min" value={count(metrics.evaluationsPerMinute)} id="evaluations" />
          <Figure label="Queue" value={count(metrics.queueDepth)} id="queue" />
          <Figure label="Signals" value={count(metrics.signalsTotal)} id="signals" />
          <Figure label="Errors" value={count(metrics.errorsTotal)} id="errors" />
        </dl>
      )}
    </section>
  );
}

function Figure({ label, value, id }: { label: string; value: string; id: string }) {
  return (
    <div className="figure">
      <dt>{label}</dt>
      <dd className="figure-value" data-testid={`support-metric-${id}`}>
        {value}
      </dd>
    </div>
  );
}
