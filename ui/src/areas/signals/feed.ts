// The signals feed's pure parts: merge new signals (de-duplicated by key, newest first, capped)
// and apply the same filter the core applies to `list`.
import type { SignalFilter, SignalView } from "../../bindings";

/** Rows kept in memory: the newest 1 000. */
export const FEED_CAP = 1000;

export interface FeedFilter {
  traderId: string | null;
  symbol: string;
  source: SignalFilter["source"];
}

export const NO_FILTER: FeedFilter = { traderId: null, symbol: "", source: null };

export function toSignalFilter(filter: FeedFilter, limit: number = FEED_CAP): SignalFilter {
  const symbol = filter.symbol.trim();
  return { traderId: filter.traderId, symbol: symbol === "" ? null : symbol, source: filter.source, limit, beforeMs: null };
}

/** The core's rule: exact trader and source, exact symbol case-insensitively. */
export function matchesSignal(signal: SignalView, filter: FeedFilter): boolean {
  const symbol = filter.symbol.trim().toUpperCase();
  return (
    (filter.traderId === null || signal.traderId === filter.traderId) &&
    (symbol === "" || signal.symbol.toUpperCase() === symbol) &&
    (filter.source === null || signal.source === filter.source)
  );
}

function newerFirst(a: SignalView, b: SignalView): number {
  return b.receivedAt - a.receivedAt || b.seq - a.seq;
}

/**
 * `rows` (newest first) with `incoming` added: a key already present is kept once (the newer
 * copy wins), the result is ordered newest first and holds at most `cap` rows.
 */
export function mergeSignals(rows: readonly SignalView[], incoming: readonly SignalView[], cap: number = FEED_CAP): SignalView[] {
  if (incoming.length === 0) return rows.length <= cap ? (rows as SignalView[]) : rows.slice(0, cap);
  const byKey = new Map<string, SignalView>();
  for (const s of rows) byKey.set(s.key, s);
  for (const s of incoming) byKey.set(s.key, s);
  return [...byKey.values()].sort(newerFirst).slice(0, cap);
}

/** The row's test id: `signal-row-<seq>` for cloud, `signal-row-local-<seq>` for local. */
export function rowTestId(signal: SignalView): string {
  return signal.source === "local" ? `signal-row-local-${signal.seq}` : `signal-row-${signal.seq}`;
}

/** `67 250.1`, `0.5231`: enough digits for any USDT pair. */
export function formatPrice(price: number): string {
  if (price >= 1000) return price.toLocaleString("en-US", { maximumFractionDigits: 2 });
  if (price >= 1) return price.toLocaleString("en-US", { maximumFractionDigits: 4 });
  return price.toPrecision(4);
}

export function decisionLabel(decision: string): string {
  return decision.replace(/_/g, " ");
}

export function decisionTone(decision: string): "ok" | "busy" | "off" | "bad" {
  if (decision === "enter_trade" || decision === "good") return "ok";
  if (decision === "wait") return "busy";
  if (decision === "failed") return "bad";
  return "off";
}
