// In-memory signals for tests and the browser preview: a seeded history, filters, a live feed
// on a timer, and a detail with generated candles and a small hand-made SVG chart.
import type { AnalysisFrame, CandleView, Interval, SignalDetail, SignalFilter, SignalView } from "../bindings";
import type { SignalsApi, Unwatch } from "./apis";
import { BackendError } from "./backend";

export interface MockSignalsOptions {
  /** How often `watch` emits a synthetic cloud signal; 0 never (tests publish themselves). */
  emitMs?: number;
  /** Signals stored before anything runs (default: a generated history of 24). */
  seed?: SignalView[];
}

const TRADERS: readonly [string, string, Interval][] = [
  ["builtin-rsi-oversold-bounce", "RSI oversold bounce", "15m"],
  ["builtin-volume-spike", "Volume spike", "5m"],
  ["builtin-golden-cross", "Golden cross", "1h"],
  ["builtin-vwap-reclaim", "VWAP reclaim", "5m"],
];
const SYMBOLS: readonly [string, number][] = [
  ["BTCUSDT", 67_250],
  ["ETHUSDT", 3_480],
  ["SOLUSDT", 152.4],
  ["BNBUSDT", 585.2],
  ["XRPUSDT", 0.5231],
  ["DOGEUSDT", 0.1432],
];
const DECISIONS = ["enter_trade", "bad_setup", "wait", null] as const;
const INTERVAL_MS: Partial<Record<Interval, number>> = { "5m": 300_000, "15m": 900_000, "1h": 3_600_000 };

/** A plausible signal, the same for the same `n`. */
export function syntheticSignal(n: number, source: "cloud" | "local", receivedAt: number): SignalView {
  const [traderId, traderName, interval] = TRADERS[n % TRADERS.length]!;
  const [symbol, base] = SYMBOLS[(n * 7) % SYMBOLS.length]!;
  const step = INTERVAL_MS[interval] ?? 300_000;
  const closeTime = Math.floor(receivedAt / step) * step - 1;
  const decision = source === "cloud" ? DECISIONS[n % DECISIONS.length]! : null;
  return {
    key: `${source}:${source === "cloud" ? "journal-1" : "run-1"}:${n}`,
    seq: n,
    source,
    traderId,
    traderName,
    symbol,
    interval,
    price: round(base * (1 + (((n * 37) % 21) - 10) / 1000)),
    openTime: closeTime + 1 - step,
    closeTime,
    receivedAt,
    conditions: [`condition of ${traderName}`, `${symbol} ${interval} candle closed`],
    decision,
    direction: decision === null ? null : decision === "enter_trade" ? "long" : "none",
    confidence: decision === null ? null : 0.5 + ((n * 13) % 45) / 100,
  };
}

function round(value: number): number {
  return Number(value.toPrecision(6));
}

export class MockSignals implements SignalsApi {
  private readonly stored: SignalView[];
  private readonly watchers = new Set<(signal: SignalView) => void>();
  private readonly emitMs: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private next: number;

  constructor(options: MockSignalsOptions = {}) {
    this.emitMs = options.emitMs ?? 4000;
    const now = Date.now();
    this.stored = options.seed ?? Array.from({ length: 24 }, (_, i) => syntheticSignal(i + 1, "cloud", now - (24 - i) * 420_000));
    this.next = this.stored.reduce((max, s) => (s.source === "cloud" ? Math.max(max, s.seq) : max), 0) + 1;
  }

  async list(filter: SignalFilter): Promise<SignalView[]> {
    if (filter.limit < 0 || filter.limit > 1000) {
      throw new BackendError({ code: "invalid_input", message: `limit must be 1–1000, not ${filter.limit}`, hint: null });
    }
    const limit = filter.limit === 0 ? 200 : filter.limit;
    const symbol = filter.symbol?.trim().toUpperCase() ?? "";
    return this.stored
      .filter(
        (s) =>
          (filter.traderId === null || s.traderId === filter.traderId) &&
          (symbol === "" || s.symbol === symbol) &&
          (filter.source === null || s.source === filter.source) &&
          (filter.beforeMs === null || s.receivedAt < filter.beforeMs),
      )
      .sort((a, b) => b.receivedAt - a.receivedAt)
      .slice(0, limit);
  }

  async watch(onSignal: (signal: SignalView) => void): Promise<Unwatch> {
    this.watchers.add(onSignal);
    if (this.timer === null && this.emitMs > 0) {
      this.timer = setInterval(() => this.publish(syntheticSignal(this.next++, "cloud", Date.now())), this.emitMs);
    }
    return async () => {
      this.watchers.delete(onSignal);
      if (this.watchers.size === 0 && this.timer !== null) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  async detail(key: string): Promise<SignalDetail> {
    const signal = this.stored.find((s) => s.key === key);
    if (signal === undefined) {
      throw new BackendError({ code: "invalid_input", message: `no signal ${key}`, hint: "It may have been pruned." });
    }
    // Local signals of a replay have no market to fetch candles from in the preview.
    const offline = signal.source === "local" && signal.seq % 2 === 0;
    const candles = offline ? [] : candlesFor(signal);
    const analysis: AnalysisFrame | null =
      signal.decision === null
        ? null
        : {
            seq: signal.seq,
            decision: signal.decision,
            direction: signal.direction ?? "none",
            confidence: Math.round((signal.confidence ?? 0) * 100),
            reasoning: `${signal.symbol} reclaimed its 20-bar mean on rising volume; the nearest resistance is 1.8 % above.`,
            keyLevels: null,
            tradePlan: null,
            model: "standard",
          };
    return {
      signal,
      candles,
      indicators: [
        { name: "RSI(14)", value: 28 + (signal.seq % 9) },
        { name: "SMA(20)", value: round(signal.price * 0.994) },
        { name: "ATR(14)", value: round(signal.price * 0.012) },
        { name: "ADX(14)", value: null },
      ],
      chartSvg: chartSvg(candles),
      analysis,
      note: offline ? "Binance was unreachable: the candles around this signal could not be fetched." : null,
    };
  }

  /** Stores a signal and hands it to every watcher (local screening and tests use it). */
  publish(signal: SignalView): void {
    this.stored.push(signal);
    for (const watcher of this.watchers) watcher(signal);
  }

  /** The newest signal of a trader, for its card. */
  lastFor(traderId: string): SignalView | null {
    let last: SignalView | null = null;
    for (const s of this.stored) if (s.traderId === traderId && (last === null || s.receivedAt > last.receivedAt)) last = s;
    return last;
  }

  /** Watchers subscribed now (tests check that leaving the area unsubscribes). */
  get watching(): number {
    return this.watchers.size;
  }
}

function candlesFor(signal: SignalView): CandleView[] {
  const step = signal.closeTime + 1 - signal.openTime;
  let close = signal.price * 0.97;
  return Array.from({ length: 40 }, (_, i) => {
    const open = close;
    const drift = Math.sin((signal.seq + i) * 1.3) * 0.006 + (i > 34 ? 0.004 : 0);
    close = i === 39 ? signal.price : open * (1 + drift);
    const high = Math.max(open, close) * 1.002;
    const low = Math.min(open, close) * 0.998;
    return { openTime: signal.openTime - (39 - i) * step, open, high, low, close, volume: 100 + ((i * 17) % 60) };
  });
}

/** A minimal candlestick chart, like the core's plotters SVG. */
function chartSvg(candles: CandleView[]): string {
  const width = 480;
  const height = 200;
  if (candles.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#0f1419"/><text x="50%" y="50%" fill="#8b98a5" text-anchor="middle" font-family="sans-serif" font-size="13">No candles</text></svg>`;
  }
  const hi = Math.max(...candles.map((c) => c.high));
  const lo = Math.min(...candles.map((c) => c.low));
  const y = (v: number) => (10 + ((hi - v) / (hi - lo || 1)) * (height - 20)).toFixed(1);
  const slot = (width - 20) / candles.length;
  const bars = candles
    .map((c, i) => {
      const x = 10 + i * slot + slot / 2;
      const color = c.close >= c.open ? "#2bb673" : "#e5534b";
      const top = y(Math.max(c.open, c.close));
      const body = Math.max(1, Number(y(Math.min(c.open, c.close))) - Number(top));
      return `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${y(c.high)}" y2="${y(c.low)}" stroke="${color}"/><rect x="${(x - slot * 0.35).toFixed(1)}" y="${top}" width="${(slot * 0.7).toFixed(1)}" height="${body.toFixed(1)}" fill="${color}"/>`;
    })
    .join("");
  const last = 10 + (candles.length - 0.5) * slot;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="#0f1419"/>${bars}<line x1="${last.toFixed(1)}" x2="${last.toFixed(1)}" y1="0" y2="${height}" stroke="#d29922" stroke-dasharray="4 3"/></svg>`;
}
