// The headline figures of the newest metrics: CPU, memory of the limit, candle age (with a
// stale warning), evaluations per minute, queue depth, signals and errors.
import type { Metrics } from "../../bindings";
import { age, count, megabytes, STALE_CANDLE_SECONDS } from "./format";

interface Figure {
  id: string;
  label: string;
  value: string;
  note: string;
  warn?: boolean;
}

function figures(m: Metrics): Figure[] {
  const stale = m.lastCandleAgeSeconds !== null && m.lastCandleAgeSeconds > STALE_CANDLE_SECONDS;
  const memoryShare = m.memoryLimitBytes > 0 ? Math.round((m.memoryBytes / m.memoryLimitBytes) * 100) : null;
  return [
    { id: "cpu", label: "CPU", value: `${m.cpuPercent.toFixed(0)} %`, note: "of all vCPUs", warn: m.cpuPercent >= 90 },
    {
      id: "memory",
      label: "Memory",
      value: megabytes(m.memoryBytes),
      note: `of ${megabytes(m.memoryLimitBytes)}${memoryShare === null ? "" : ` (${memoryShare} %)`}`,
      warn: memoryShare !== null && memoryShare >= 90,
    },
    {
      id: "candle-age",
      label: "Last candle",
      value: m.lastCandleAgeSeconds === null ? "none yet" : `${age(m.lastCandleAgeSeconds)} ago`,
      note: stale ? "Stale: market data is not arriving" : `${m.streamsConnected} streams, ${count(m.symbols)} symbols`,
      warn: stale,
    },
    { id: "evaluations", label: "Evaluations", value: count(m.evaluationsPerMinute), note: "per minute" },
    { id: "queue", label: "Queue", value: count(m.queueDepth), note: "candles and analyses waiting" },
    { id: "signals", label: "Signals", value: count(m.signalsTotal), note: "since the agent started" },
    { id: "errors", label: "Errors", value: count(m.errorsTotal), note: "since the agent started", warn: m.errorsTotal > 0 },
  ];
}

export function Headline({ metrics }: { metrics: Metrics }) {
  return (
    <dl className="headline" data-testid="metrics-headline">
      {figures(metrics).map((f) => (
        <div
          key={f.id}
          className={f.warn === true ? "figure figure-warn" : "figure"}
          data-testid={`metrics-figure-${f.id}`}
          data-warn={f.warn === true}
        >
          <dt>{f.label}</dt>
          <dd className="figure-value" data-testid={`metrics-figure-${f.id}-value`}>
            {f.value}
          </dd>
          <dd className="figure-note">{f.note}</dd>
        </div>
      ))}
    </dl>
  );
}
