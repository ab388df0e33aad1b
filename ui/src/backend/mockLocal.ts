// In-memory local screening for tests and the browser preview: off → live or recorded, counts
// that grow on a timer, a replay that finishes, and `market_unreachable` when "offline".
import type { ApiError, LocalStart, LocalStatus, SignalView } from "../bindings";
import type { LocalApi } from "./apis";
import { BackendError } from "./backend";
import { syntheticSignal } from "./mockSignals";

export interface MockLocalOptions {
  /** Binance cannot be reached: live screening fails with `market_unreachable`. */
  offline?: boolean;
  /** How often the counts grow (default 1 s); 0 never. */
  tickMs?: number;
  /** Ticks a recorded replay takes before it finishes (default 8). */
  replayTicks?: number;
}

export interface LocalLinks {
  /** Enabled traders that are not in the cloud (the default selection). */
  localTraders: () => Promise<string[]>;
  /** Where local signals go (the signals feed). */
  publish: (signal: SignalView) => void;
}

const OFF: LocalStatus = {
  mode: "off",
  traders: [],
  data: null,
  startedAt: null,
  symbols: 0,
  candles: 0,
  signals: 0,
  finished: false,
  error: null,
};

export class MockLocal implements LocalApi {
  private current: LocalStatus = { ...OFF };
  private timer: ReturnType<typeof setInterval> | null = null;
  private ticks = 0;
  private run = 0;
  private readonly options: MockLocalOptions;
  private readonly links: LocalLinks;

  constructor(options: MockLocalOptions = {}, links: LocalLinks = { localTraders: async () => [], publish: () => {} }) {
    this.options = options;
    this.links = links;
  }

  /** Binance reachable again (or not), e.g. from a test. */
  setOffline(offline: boolean): void {
    this.options.offline = offline;
  }

  async status(): Promise<LocalStatus> {
    return { ...this.current, traders: [...this.current.traders] };
  }

  async start(request: LocalStart): Promise<LocalStatus> {
    if (this.current.mode !== "off") {
      throw new BackendError({
        code: "invalid_input",
        message: `local screening already runs (${this.current.mode})`,
        hint: "Stop it first.",
      });
    }
    const dir = request.dataDir?.trim() ?? null;
    if (dir === "") {
      throw new BackendError({ code: "invalid_input", message: "the recorded data folder is empty", hint: "Type a folder path." });
    }
    if (dir === null && this.options.offline === true) {
      const error: ApiError = {
        code: "market_unreachable",
        message: "Binance cannot be reached from this computer (api.binance.com timed out)",
        hint: "Check your connection or VPN, or screen recorded data instead.",
      };
      this.current = { ...OFF, error };
      throw new BackendError(error);
    }
    const traders = request.traders.length > 0 ? [...request.traders] : await this.links.localTraders();
    this.run += 1;
    this.ticks = 0;
    this.current = {
      ...OFF,
      mode: dir === null ? "live" : "recorded",
      traders,
      data: dir ?? "Binance",
      startedAt: new Date().toISOString(),
      symbols: dir === null ? 100 : 3,
    };
    const tickMs = this.options.tickMs ?? 1000;
    if (tickMs > 0) this.timer = setInterval(() => this.tick(), tickMs);
    return this.status();
  }

  async stop(): Promise<LocalStatus> {
    this.halt();
    this.current = { ...OFF };
    return this.status();
  }

  /** One step of screening: candles arrive, sometimes a signal; a replay ends. */
  tick(): void {
    if (this.current.mode === "off" || this.current.finished) return;
    this.ticks += 1;
    const signal = this.ticks % 3 === 0;
    if (signal) {
      const n = this.current.signals + 1;
      this.links.publish({ ...syntheticSignal(n, "local", Date.now()), key: `local:run-${this.run}:${n}` });
    }
    this.current = {
      ...this.current,
      candles: this.current.candles + this.current.symbols,
      signals: this.current.signals + (signal ? 1 : 0),
    };
    if (this.current.mode === "recorded" && this.ticks >= (this.options.replayTicks ?? 8)) {
      this.current = { ...this.current, finished: true };
      this.halt();
    }
  }

  private halt(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
