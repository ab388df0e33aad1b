// The Traders area's pure parts: badge labels, list filters, drafts, and "time ago".
import type { Interval, Placement, Trader, TraderCard } from "../../bindings";

export type CardFilter = "all" | "enabled" | "cloud" | "builtin";

export const CARD_FILTERS: readonly { id: CardFilter; label: string }[] = [
  { id: "all", label: "All" },
  { id: "enabled", label: "Enabled" },
  { id: "cloud", label: "In the cloud" },
  { id: "builtin", label: "Built-in" },
];

/** The intervals a filter can run on (the engine's refresh intervals). */
export const REFRESH_INTERVALS: readonly Interval[] = ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d"];

/** What the badge says: `Local`, `Cloud v3`, `Deploying…`, `Undeploying…`, `Error`. */
export function placementLabel(card: Pick<TraderCard, "placement" | "cloudVersion">): string {
  switch (card.placement) {
    case "local":
      return "Local";
    case "cloud":
      return card.cloudVersion === null ? "Cloud" : `Cloud v${card.cloudVersion}`;
    case "deploying":
      return "Deploying…";
    case "undeploying":
      return "Undeploying…";
    case "error":
      return "Error";
  }
}

export function placementTone(placement: Placement): "ok" | "busy" | "off" | "bad" {
  switch (placement) {
    case "cloud":
      return "ok";
    case "deploying":
    case "undeploying":
      return "busy";
    case "error":
      return "bad";
    case "local":
      return "off";
  }
}

/** In the cloud or on its way there (the toggle is on). */
export function inCloud(card: TraderCard): boolean {
  return card.trader.cloud.enabledInCloud;
}

export function matchesCard(card: TraderCard, filter: CardFilter, search: string): boolean {
  const ok =
    filter === "all" ||
    (filter === "enabled" && card.trader.enabled) ||
    (filter === "cloud" && (inCloud(card) || card.placement === "cloud")) ||
    (filter === "builtin" && card.builtin);
  if (!ok) return false;
  const needle = search.trim().toLowerCase();
  if (needle === "") return true;
  const t = card.trader;
  return [t.name, t.description, t.filter.refreshInterval, ...(t.filter.symbols ?? [])].some((s) =>
    s.toLowerCase().includes(needle),
  );
}

/** `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function timeAgo(ms: number, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** A new, empty user trader (`id` empty: the core assigns one on save). */
export function blankTrader(): Trader {
  return {
    id: "",
    name: "",
    description: "",
    enabled: true,
    filter: {
      code: "// Return true, false or { match, conditions }.\nconst k = timeframes['15m'];\nconst rsi = helpers.getLatestRSI(k, 14);\nif (rsi === null) return false;\nreturn { match: rsi < 30, conditions: [`RSI(14) ${rsi.toFixed(1)}`] };\n",
      description: [],
      refreshInterval: "15m",
      requiredTimeframes: ["15m"],
      cooldownBars: 50,
      symbols: null,
    },
    strategy: {
      instructions: "",
      riskManagement: { stopLoss: 0.02, takeProfit: 0.05, maxPositions: 3, positionSizePercent: 0.1, maxDrawdown: null },
      aiAnalysisLimit: 100,
      modelTier: "standard",
      maxConcurrentAnalysis: 3,
    },
    cloud: { enabledInCloud: false, notifyOnSignal: false, notifyOnAnalysis: false },
    version: 0,
  };
}

/** An editable copy of a trader (e.g. a built-in): new id, "(copy)" name, not in the cloud. */
export function duplicate(t: Trader): Trader {
  const copy = structuredClone(t);
  return {
    ...copy,
    id: "",
    name: `${t.name} (copy)`.slice(0, 60),
    version: 0,
    cloud: { ...copy.cloud, enabledInCloud: false },
  };
}

/** `BTCUSDT, ethusdt ,` → `["BTCUSDT", "ETHUSDT"]`; empty → null (every symbol). */
export function parseSymbols(text: string): string[] | null {
  const symbols = text
    .split(/[\s,]+/)
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== "");
  return symbols.length === 0 ? null : [...new Set(symbols)];
}

/** Where each line of `text` starts, to move the caret to a line. */
export function lineStart(text: string, line: number): number {
  let offset = 0;
  for (let i = 1; i < line; i++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return offset;
}
