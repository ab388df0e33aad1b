// An in-memory live link for MockBackend: link states (offline → connecting → live, backoff,
// circuit breaker, Reconnect), a dashboard that emits frames with small synthetic SVG charts
// on a timer, a scale recommendation and a filterable audit log, with failures to inject.
import type {
  ApiError,
  AuditEvent,
  ChartView,
  DashboardFrame,
  EventFilter,
  LinkState,
  LinkView,
  MachineStatus,
  MetricName,
  Metrics,
  MetricsRange,
  ScaleAdvice,
  SizeChoice,
} from "../bindings";
import type { JsonValue } from "../bindings/serde_json/JsonValue";
import type { LiveApi, Unwatch } from "./apis";
import { BackendError } from "./backend";

/** A LiveApi call that `failNext` can make fail. */
export type LiveOperation = "watchLink" | "reconnect" | "watchDashboard" | "events";

/** What the link follows: the simulated machine (a link needs a started machine with its agent). */
export interface MockLiveMachine {
  status(): Promise<MachineStatus>;
  regions(): Promise<{ sizes: SizeChoice[] }>;
}

export interface MockLiveOptions {
  /** How long a connection attempt takes (default 600 ms). */
  connectMs?: number;
  /** How often the dashboard redraws and the link checks the machine (default 2000 ms). */
  frameMs?: number;
  /** This many connection attempts fail (with `agent_unreachable`) before one succeeds. */
  failConnects?: number;
  /** Consecutive failures that open the circuit breaker (default 5). */
  circuitAfter?: number;
  /** The agent's metrics are missing: frames carry no charts (the dashboard's empty state). */
  noMetrics?: boolean;
  /** vCPUs the synthetic load calls for (default 2; `null`: no recommendation). */
  recommendCpus?: number | null;
  /** `false`: the link and the charts ignore the simulated machine, as if it ran (default true). */
  followMachine?: boolean;
  /** The audit log's first rows (default: a short, plausible history). */
  events?: AuditEvent[];
}

const METRICS: readonly MetricName[] = [
  "cpuPercent",
  "memoryBytes",
  "lastCandleAgeSeconds",
  "queueDepth",
  "evaluationsPerMinute",
  "activeTraders",
  "streamsConnected",
  "symbols",
  "binanceWeightUsed",
  "signalsTotal",
  "errorsTotal",
];

const TITLES: Record<MetricName, [string, string]> = {
  cpuPercent: ["CPU", " %"],
  memoryBytes: ["Memory", " MB"],
  lastCandleAgeSeconds: ["Last candle age", " s"],
  queueDepth: ["Queue depth", ""],
  evaluationsPerMinute: ["Evaluations", " /min"],
  activeTraders: ["Active traders", ""],
  streamsConnected: ["Streams connected", ""],
  symbols: ["Symbols", ""],
  binanceWeightUsed: ["Binance weight", " /min"],
  signalsTotal: ["Signals (total)", ""],
  errorsTotal: ["Errors (total)", ""],
};

const MEMORY_LIMIT = 2048 * 1024 * 1024;
const POINTS = 48;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function unreachable(): ApiError {
  return {
    code: "agent_unreachable",
    message: "the agent did not answer: connection refused",
    hint: "Check the machine on the Machine page; the link keeps retrying.",
  };
}

/** The synthetic load at sample `t` (a slow wave, so charts move between frames). */
function sample(t: number): Metrics {
  const wave = Math.sin(t / 5);
  return {
    cpuPercent: Math.round((58 + 22 * wave) * 10) / 10,
    memoryBytes: Math.round((820 + 60 * Math.cos(t / 7)) * 1024 * 1024),
    memoryLimitBytes: MEMORY_LIMIT,
    uptimeSeconds: 3600 + t * 2,
    symbols: 180,
    streamsConnected: 4,
    lastCandleAgeSeconds: 3 + (t % 9),
    activeTraders: 6,
    evaluationsPerMinute: Math.round(1400 + 300 * wave),
    queueDepth: Math.max(0, Math.round(3 + 3 * Math.sin(t / 3))),
    signalsTotal: 12 + Math.floor(t / 6),
    errorsTotal: 1 + Math.floor(t / 40),
    binanceWeightUsed: Math.round(240 + 40 * wave),
    scaleRecommendation: 2,
  };
}

function value(metrics: Metrics, metric: MetricName): number {
  if (metric === "memoryBytes") return metrics.memoryBytes / 1e6;
  return metrics[metric] ?? 0;
}

/** A small, valid SVG line chart in the colours of the core's charts (dark panel, blue line). */
export function syntheticSvg(values: number[]): string {
  const width = 320;
  const height = 120;
  const top = Math.max(1, ...values) * 1.15;
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / top) * height).toFixed(1)}`).join(" ");
  const grid = [0.25, 0.5, 0.75].map((f) => `<line x1="0" x2="${width}" y1="${height * f}" y2="${height * f}" stroke="#26313D"/>`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="100%" height="100%" fill="#171E26"/>${grid.join("")}` +
    `<polyline fill="none" stroke="#58A6FF" stroke-width="2" points="${points}"/></svg>`
  );
}

function seedEvents(now: number): AuditEvent[] {
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const rows: Omit<AuditEvent, "id">[] = [
    { at: at(300), actor: "gui", kind: "provision.step", machineId: null, details: { runId: 1, step: "app", state: "done", line: "app trademind-0a1b2c3d4e created" } },
    { at: at(299), actor: "gui", kind: "volume.create", machineId: null, details: { volume: "vol_4mock", name: "trademind_data", region: "sin", sizeGb: 1 } },
    { at: at(298), actor: "gui", kind: "machine.start", machineId: "e780001mock", details: { via: "create", region: "sin", size: "normal" } },
    { at: at(297), actor: "gui", kind: "link.connected", machineId: "e780001mock", details: { role: "owner", agentVersion: "mock" } },
    { at: at(240), actor: "gui", kind: "trader.deploy", machineId: "e780001mock", details: { trader: "RSI oversold", version: 3 } },
    { at: at(180), actor: "fly", kind: "fly.exit", machineId: "e780001mock", details: { status: "stopped", source: "flyd", exitCode: 137, oomKilled: true } },
    { at: at(179), actor: "gui", kind: "link.reconnecting", machineId: "e780001mock", details: { attempt: 1, error: unreachable() } },
    { at: at(178), actor: "fly", kind: "fly.restart", machineId: "e780001mock", details: { status: "started", source: "flyd", restartCount: 1 } },
    { at: at(177), actor: "gui", kind: "link.connected", machineId: "e780001mock", details: { role: "owner", agentVersion: "mock" } },
    { at: at(60), actor: "cli", kind: "machine.update", machineId: "e780001mock", details: { size: { from: "low", to: "normal" }, version: "01JMOCK" } },
    { at: at(30), actor: "gui", kind: "machine.stop", machineId: "e780001mock", details: { from: "started" } },
  ];
  return rows.map((row, i) => ({ id: i + 1, ...row })).reverse();
}

interface DashboardWatch {
  range: MetricsRange;
  onFrame: (frame: DashboardFrame) => void;
  active: boolean;
}

export class MockLive implements LiveApi {
  /** Every dashboard subscription so far, in order; tests check which ones are still active. */
  readonly dashboardWatches: DashboardWatch[] = [];
  /** How many times `reconnect` was called. */
  reconnects = 0;
  private readonly options: MockLiveOptions;
  private readonly machine: MockLiveMachine | null;
  private readonly failures = new Map<LiveOperation, ApiError>();
  private readonly linkWatchers = new Set<(view: LinkView) => void>();
  private link: LinkState = { state: "offline", error: null };
  private attempts = 0;
  private failed = 0;
  private failConnects: number;
  private connecting = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private tick = 0;
  private log: AuditEvent[];
  private noMetrics: boolean;

  constructor(options: MockLiveOptions = {}, machine: MockLiveMachine | null = null) {
    this.options = options;
    this.machine = options.followMachine === false ? null : machine;
    this.failConnects = options.failConnects ?? 0;
    this.noMetrics = options.noMetrics ?? false;
    this.log = options.events ?? seedEvents(Date.now());
  }

  /** The next call of `operation` fails with `error` (once). */
  failNext(operation: LiveOperation, error: ApiError): void {
    this.failures.set(operation, error);
  }

  /** The next `count` connection attempts fail. */
  failConnections(count: number): void {
    this.failConnects = count;
  }

  /** Turns the agent's metrics off or on (off: the dashboard's empty state). */
  setMetrics(on: boolean): void {
    this.noMetrics = !on;
  }

  /** Sets the link's state as is (and tells every watcher). */
  setLink(state: LinkState): void {
    this.link = state;
    this.publish();
  }

  /** Drops a live link: it starts reconnecting with backoff. */
  drop(error: ApiError = unreachable()): void {
    this.failed = 0;
    void this.fail(error);
  }

  /** Appends an audit event (newest first), as the core does. */
  record(actor: string, kind: string, details: JsonValue, machineId: string | null = null): AuditEvent {
    const id = (this.log[0]?.id ?? 0) + 1;
    const event = { id, at: new Date().toISOString(), actor, kind, machineId, details };
    this.log.unshift(event);
    return event;
  }

  /** The newest `limit` audit events. */
  recent(limit: number): AuditEvent[] {
    return this.log.slice(0, limit);
  }

  async watchLink(onView: (view: LinkView) => void): Promise<Unwatch> {
    this.injected("watchLink");
    this.linkWatchers.add(onView);
    onView(this.view());
    this.ensureTimer();
    void this.follow();
    return async () => {
      this.linkWatchers.delete(onView);
      this.stopTimerIfIdle();
    };
  }

  async reconnect(): Promise<LinkView> {
    this.injected("reconnect");
    this.reconnects += 1;
    this.failed = 0;
    this.connecting = false;
    void this.connect();
    return this.view();
  }

  async watchDashboard(range: MetricsRange, onFrame: (frame: DashboardFrame) => void): Promise<Unwatch> {
    this.injected("watchDashboard");
    if (!["15m", "1h", "24h", "7d"].includes(range)) {
      throw new BackendError({ code: "invalid_input", message: `invalid input: "${range}" is not a range`, hint: null });
    }
    const watch: DashboardWatch = { range, onFrame, active: true };
    this.dashboardWatches.push(watch);
    this.ensureTimer();
    void this.frame(range).then((frame) => {
      if (watch.active) onFrame(frame);
    });
    return async () => {
      watch.active = false;
      this.stopTimerIfIdle();
    };
  }

  async events(filter: EventFilter): Promise<AuditEvent[]> {
    this.injected("events");
    if (filter.limit > 1000) {
      throw new BackendError({ code: "invalid_input", message: "invalid input: limit is 1–1000", hint: null });
    }
    const limit = filter.limit === 0 ? 200 : filter.limit;
    const text = filter.text?.trim().toLowerCase() ?? "";
    return this.log
      .filter((e) => filter.kind === null || e.kind === filter.kind || e.kind.startsWith(`${filter.kind}.`))
      .filter((e) => filter.actor === null || e.actor === filter.actor)
      .filter((e) => text === "" || `${e.kind} ${JSON.stringify(e.details)}`.toLowerCase().includes(text))
      .filter((e) => filter.beforeId === null || e.id < filter.beforeId)
      .slice(0, limit);
  }

  private view(): LinkView {
    const app = this.link.state === "offline" ? null : "https://trademind-0a1b2c3d4e.fly.dev";
    return { state: this.link, agentUrl: app, attempts: this.attempts, pendingCommands: 0 };
  }

  private publish(): void {
    const view = this.view();
    for (const watcher of this.linkWatchers) watcher(view);
  }

  private injected(operation: LiveOperation): void {
    const error = this.failures.get(operation);
    if (error !== undefined) {
      this.failures.delete(operation);
      throw new BackendError(error);
    }
  }

  private async running(): Promise<MachineStatus | null> {
    if (this.machine === null) return null;
    try {
      return await this.machine.status();
    } catch {
      return null;
    }
  }

  /** Whether the link can exist: no machine source counts as a machine that runs. */
  private async machineUp(): Promise<boolean> {
    if (this.machine === null) return true;
    const status = await this.running();
    return status !== null && status.state === "started" && status.agent !== null;
  }

  /** Follows the machine: a started one is connected to, a stopped one takes the link offline. */
  private async follow(): Promise<void> {
    const up = await this.machineUp();
    if (!up) {
      if (this.link.state !== "offline") {
        this.connecting = false;
        this.setLink({ state: "offline", error: null });
      }
      return;
    }
    if (this.link.state === "offline") void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.connecting) return;
    this.connecting = true;
    this.attempts += 1;
    this.setLink({ state: "connecting" });
    await sleep(this.options.connectMs ?? 600);
    if (!this.connecting) return;
    this.connecting = false;
    if (this.failConnects > 0) {
      this.failConnects -= 1;
      await this.fail(unreachable());
      return;
    }
    this.failed = 0;
    this.setLink({ state: "live", role: "owner", since: new Date().toISOString() });
    this.record("gui", "link.connected", { role: "owner", agentVersion: "mock" });
  }

  private async fail(error: ApiError): Promise<void> {
    this.failed += 1;
    if (this.failed >= (this.options.circuitAfter ?? 5)) {
      const until = new Date(Date.now() + 5 * 60_000).toISOString();
      this.setLink({ state: "circuit_open", until, reason: error });
      this.record("gui", "link.circuit_open", { until, error });
      return;
    }
    const nextInMs = Math.min(30_000, 1000 * 2 ** (this.failed - 1));
    this.setLink({ state: "reconnecting", attempt: this.failed, nextInMs, lastError: error });
    this.record("gui", "link.reconnecting", { attempt: this.failed, error });
    await sleep(nextInMs);
    if (this.link.state === "reconnecting" && this.link.attempt === this.failed) void this.connect();
  }

  private ensureTimer(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.onTick(), this.options.frameMs ?? 2000);
  }

  private stopTimerIfIdle(): void {
    const watched = this.linkWatchers.size > 0 || this.dashboardWatches.some((w) => w.active);
    if (!watched && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private async onTick(): Promise<void> {
    this.tick += 1;
    if (this.linkWatchers.size > 0) await this.follow();
    for (const watch of this.dashboardWatches.filter((w) => w.active)) {
      const frame = await this.frame(watch.range);
      if (watch.active) watch.onFrame(frame);
    }
  }

  private async frame(range: MetricsRange): Promise<DashboardFrame> {
    const status = await this.running();
    const up = this.machine === null || (status?.state === "started" && status.agent !== null);
    if (!up || this.noMetrics) return { range, latest: null, latestAtMs: null, charts: [], recommendation: null };
    const span = { "15m": 1, "1h": 4, "24h": 96, "7d": 672 }[range];
    const history = Array.from({ length: POINTS }, (_, i) => sample(this.tick + (i - POINTS + 1) * span));
    const latest = history[history.length - 1]!;
    const charts: ChartView[] = METRICS.map((metric) => {
      const [title, unit] = TITLES[metric];
      const now = value(latest, metric);
      const shown = Number.isInteger(now) ? String(now) : now.toFixed(1);
      return { metric, title, latest: `${shown}${unit}`, svg: syntheticSvg(history.map((m) => value(m, metric))) };
    });
    return { range, latest, latestAtMs: Date.now(), charts, recommendation: await this.advice(status) };
  }

  private async advice(status: MachineStatus | null): Promise<ScaleAdvice | null> {
    const cpus = this.options.recommendCpus === undefined ? 2 : this.options.recommendCpus;
    if (cpus === null) return null;
    const sizes = this.machine === null ? null : (await this.machine.regions()).sizes;
    const currentSize = status?.size ?? "low";
    const current = sizes?.find((s) => s.name === currentSize);
    const recommended = sizes?.find((s) => s.cpuKind === "performance" && s.cpus === cpus);
    const recommendedSize = recommended?.name ?? `performance-${cpus}x`;
    return {
      currentSize,
      currentCpus: current?.cpus ?? 1,
      recommendedCpus: cpus,
      recommendedSize,
      currentCostPerHour: current?.usdPerHour ?? 0.0081,
      recommendedCostPerHour: recommended?.usdPerHour ?? 0.0863,
      differs: recommendedSize !== currentSize,
    };
  }
}
