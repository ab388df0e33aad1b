// Names and figures shared by the Dashboard's parts.
import type { MetricName, MetricsRange } from "../../bindings";

export const RANGES: readonly { range: MetricsRange; label: string; long: string }[] = [
  { range: "15m", label: "15 min", long: "the last 15 minutes" },
  { range: "1h", label: "1 hour", long: "the last hour" },
  { range: "24h", label: "24 hours", long: "the last 24 hours" },
  { range: "7d", label: "7 days", long: "the last 7 days" },
];

const SHORT: Partial<Record<MetricName, string>> = {
  cpuPercent: "cpu",
  memoryBytes: "memory",
  lastCandleAgeSeconds: "candle-age",
  evaluationsPerMinute: "evaluations",
  queueDepth: "queue",
  signalsTotal: "signals",
  errorsTotal: "errors",
};

/** The chart's short name in test ids: `cpu`, `candle-age`, `binance-weight-used`, … */
export function chartId(metric: MetricName): string {
  return SHORT[metric] ?? metric.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Candles close every minute on the shortest interval: older than two of them is stale. */
export const STALE_CANDLE_SECONDS = 120;

export function megabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024)).toLocaleString()} MB`;
}

export function count(n: number): string {
  return Math.round(n).toLocaleString();
}

/** `42 s`, `3 min`, `2 h 10 min`. */
export function age(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

