// The support mock's two scripted users: Alice's healthy machine and Bob's failing one
// (crash-looping agent, stale candles, errors in its history and its logs).
import type {
  AgentHistory,
  AgentInspection,
  ApiError,
  ChartView,
  FlyEventView,
  HistorySample,
  InspectTarget,
  LogLine,
  MachineInspection,
  Metrics,
  SignalFrame,
  Versions,
  Finding,
} from "../bindings";

export interface MockSupportUser {
  target: InspectTarget;
  versions: Versions;
  machine: MachineInspection;
  /** The agent as the viewer token sees it (the viewer-token-less view is derived from it). */
  agent: AgentInspection;
  findings: Finding[];
  logs: LogLine[];
}

const NOW = Date.parse("2025-06-01T12:00:00Z");
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();

function metrics(overrides: Partial<Metrics>): Metrics {
  return {
    cpuPercent: 12.5,
    memoryBytes: 180 * 1024 * 1024,
    memoryLimitBytes: 1024 * 1024 * 1024,
    uptimeSeconds: 86_000,
    symbols: 412,
    streamsConnected: 3,
    lastCandleAgeSeconds: 4,
    activeTraders: 2,
    evaluationsPerMinute: 820,
    queueDepth: 0,
    signalsTotal: 37,
    errorsTotal: 0,
    binanceWeightUsed: 40,
    scaleRecommendation: 1,
    ...overrides,
  };
}

function samples(m: Metrics, count: number): HistorySample[] {
  return Array.from({ length: count }, (_, i) => ({
    at: at(count - i),
    cpuPercent: m.cpuPercent + (i % 5),
    memoryBytes: m.memoryBytes,
    memoryLimitBytes: m.memoryLimitBytes,
    uptimeSeconds: m.uptimeSeconds - (count - i) * 60,
    streamsConnected: m.streamsConnected,
    lastCandleAgeSeconds: m.lastCandleAgeSeconds,
    activeTraders: m.activeTraders,
    evaluationsPerMinute: m.evaluationsPerMinute,
    queueDepth: m.queueDepth,
    signalsTotal: m.signalsTotal,
    errorsTotal: m.errorsTotal,
  }));
}

/** A small line chart like the core's plotters SVG. */
function chart(metric: ChartView["metric"], title: string, latest: string, values: number[]): ChartView {
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${(i * 300) / Math.max(1, values.length - 1)},${100 - (v / max) * 90}`).join(" ");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100"><rect width="300" height="100" fill="#161b22"/><polyline points="${points}" fill="none" stroke="#2bb673" stroke-width="2"/><text x="4" y="12" font-size="10" fill="#8b949e">${title}</text></svg>`;
  return { metric, title, latest, svg };
}

function signal(seq: number, traderId: string, symbol: string, minutesAgo: number, price: number): SignalFrame {
  const closeTime = NOW - minutesAgo * 60_000;
  return { seq, traderId, symbol, interval: "5m", openTime: closeTime - 300_000, closeTime, price, conditions: ["rsi < 30"] };
}

function history(m: Metrics, errors: AgentHistory["errors"], boots: AgentHistory["boots"], machineId: string): AgentHistory {
  return { agentVersion: "0.9.2", machineId, protocolVersion: 3, bootedAt: boots[boots.length - 1]?.at ?? at(1440), samples: samples(m, 30), boots, errors, accesses: [] };
}

function config(app: string, user: string) {
  return {
    image: "registry.fly.io/trademind-agent:0.9.2",
    cpuKind: "shared",
    cpus: 1,
    memoryMb: 1024,
    services: [{ protocol: "tcp", internalPort: 8080, ports: ["443 (tls, http)"], autostop: "off" }],
    checks: [{ name: "health", kind: "http", path: "/health", interval: "15s", status: "passing", output: null }],
    restart: "on-failure (max 10)",
    mounts: ["vol_data on /data"],
    envNames: ["RUST_LOG", "TRADEMIND_VIEWER_TOKEN", "TRADEMIND_CONTROL_TOKEN"],
    metadata: [
      { key: "trademind_user", value: user },
      { key: "trademind_app", value: app },
    ],
  };
}

function alice(): MockSupportUser {
  const app = "tm-alice-3f9a";
  const id = "e784079b5e6e89";
  const user = "alice@example.com";
  const m = metrics({});
  const events: FlyEventView[] = [
    { id: "ev-a2", at: at(1440), kind: "start", status: "started", source: "flyd", exitCode: null, oomKilled: null, restartCount: null },
    { id: "ev-a1", at: at(1442), kind: "launch", status: "created", source: "user", exitCode: null, oomKilled: null, restartCount: null },
  ];
  return {
    target: { app, machineId: id, machineName: "trademind-agent", region: "fra", state: "started", user, matchedBy: "app" },
    versions: { app: "0.9.2", appProtocol: 3, agent: "0.9.2", agentProtocol: 3, image: "registry.fly.io/trademind-agent:0.9.2" },
    machine: { id, name: "trademind-agent", state: "started", region: "fra", instanceId: "01HZA", createdAt: at(1442), updatedAt: at(1440), config: config(app, user), events },
    agent: {
      url: `https://${app}.fly.dev`,
      health: { httpStatus: 200, status: "ok", agentVersion: "0.9.2", uptimeSeconds: m.uptimeSeconds, symbols: m.symbols, lastCandleAgeSeconds: 4, activeTraders: 2, machineId: id },
      healthError: null,
      greeting: { agentVersion: "0.9.2", protocolVersion: 3, machineId: id, startedAt: at(1440), capabilities: ["history", "signals"], lastSeq: 37 },
      status: { state: "running", reason: null },
      metrics: m,
      traders: [
        { traderId: "rsi-bounce", version: 3, state: "deployed", error: null },
        { traderId: "volume-spike", version: 1, state: "deployed", error: null },
      ],
      signals: [signal(36, "rsi-bounce", "BTCUSDT", 50, 67_010.5), signal(37, "volume-spike", "ETHUSDT", 10, 3_512.25)],
      linkError: null,
      history: history(m, [], [{ at: at(1440), agentVersion: "0.9.2" }], id),
      historyError: null,
    },
    findings: [
      { severity: "info", code: "healthy", title: "Nothing wrong found", detail: "The machine runs and the agent answers with fresh candles.", advice: "Nothing to do." },
    ],
    logs: [
      { at: at(30), level: "info", message: "agent started, 412 symbols", instance: id, region: "fra" },
      { at: at(20), level: "debug", message: "evaluated 820 candles", instance: id, region: "fra" },
      { at: at(10), level: "info", message: "signal 37 volume-spike ETHUSDT", instance: id, region: "fra" },
    ],
  };
}

function bob(): MockSupportUser {
  const app = "tm-bob-71c2";
  const id = "3d8d9e1c2b4a58";
  const user = "bob@example.com";
  const m = metrics({ uptimeSeconds: 42, lastCandleAgeSeconds: 1_860, streamsConnected: 0, evaluationsPerMinute: 0, errorsTotal: 14, signalsTotal: 2, activeTraders: 1 });
  const exit = (n: number, minutesAgo: number, code: number): FlyEventView => ({
    id: `ev-b-exit-${n}`, at: at(minutesAgo), kind: "exit", status: "stopped", source: "flyd", exitCode: code, oomKilled: false, restartCount: n,
  });
  const events: FlyEventView[] = [
    { id: "ev-b-start-4", at: at(1), kind: "start", status: "started", source: "flyd", exitCode: null, oomKilled: null, restartCount: 4 },
    exit(4, 2, 1), exit(3, 4, 2), exit(2, 6, 1), exit(1, 8, 1),
    { id: "ev-b-launch", at: at(600), kind: "launch", status: "created", source: "user", exitCode: null, oomKilled: null, restartCount: null },
  ];
  const errors = [
    { at: at(9), source: "binance", message: "websocket closed: 1006" },
    { at: at(7), source: "binance", message: "websocket closed: 1006" },
    { at: at(5), source: "binance", message: "websocket closed: 1006" },
    { at: at(3), source: "engine", message: "candle gap on BTCUSDT 5m" },
    { at: at(2), source: "storage", message: "journal write failed: disk full" },
  ];
  const unreachable: ApiError = { code: "agent_unreachable", message: "the agent did not answer /health: connection refused", hint: "The machine may be restarting; look at its events." };
  return {
    target: { app, machineId: id, machineName: "trademind-agent", region: "sin", state: "started", user, matchedBy: "app" },
    versions: { app: "0.9.2", appProtocol: 3, agent: "0.9.1", agentProtocol: 3, image: "registry.fly.io/trademind-agent:0.9.1" },
    machine: { id, name: "trademind-agent", state: "started", region: "sin", instanceId: "01HZB", createdAt: at(600), updatedAt: at(1), config: { ...config(app, user), checks: [{ name: "health", kind: "http", path: "/health", interval: "15s", status: "critical", output: "connection refused" }] }, events },
    agent: {
      url: `https://${app}.fly.dev`,
      health: null,
      healthError: unreachable,
      greeting: { agentVersion: "0.9.1", protocolVersion: 3, machineId: id, startedAt: at(1), capabilities: ["history"], lastSeq: 2 },
      status: { state: "starting", reason: "waiting for Binance streams" },
      metrics: m,
      traders: [{ traderId: "breakout", version: 2, state: "error", error: "filter refers to unknown indicator ema_200" }],
      signals: [signal(2, "breakout", "SOLUSDT", 400, 152.4)],
      linkError: null,
      history: history(m, errors, [{ at: at(8), agentVersion: "0.9.1" }, { at: at(6), agentVersion: "0.9.1" }, { at: at(1), agentVersion: "0.9.1" }], id),
      historyError: null,
    },
    findings: [
      { severity: "critical", code: "crash_loop", title: "The agent keeps crashing", detail: "4 exits in the last 10 minutes (exit codes 1, 2, 1, 1); Fly restarted it 4 times.", advice: "Read the error log lines before each exit; a bad trader or a full disk are common causes." },
      { severity: "critical", code: "stale_candles", title: "Candles are stale", detail: "The newest closed candle is 31 minutes old; no Binance stream is connected.", advice: "Check the region (Binance blocks some) and the agent's network errors." },
      { severity: "warning", code: "agent_outdated", title: "The agent is older than the app", detail: "Agent 0.9.1, app 0.9.2.", advice: "Ask the owner to restart the machine to pick up the new image." },
    ],
    logs: [
      { at: at(9), level: "info", message: "agent started, 380 symbols", instance: id, region: "sin" },
      { at: at(8), level: "error", message: "journal write failed: disk full", instance: id, region: "sin" },
      { at: at(7), level: "warn", message: "binance websocket closed: 1006, reconnecting", instance: id, region: "sin" },
      { at: at(6), level: "error", message: "panicked at 'candle gap on BTCUSDT 5m'", instance: id, region: "sin" },
      { at: at(4), level: "debug", message: "retrying stream subscribe", instance: id, region: "sin" },
      { at: at(2), level: "error", message: "exiting with code 1", instance: id, region: "sin" },
    ],
  };
}

/** Fresh copies of both users (a test can change one without touching the next). */
export function mockSupportUsers(): MockSupportUser[] {
  return [alice(), bob()];
}

/** The 24 h charts of a user's history (none without history). */
export function mockCharts(user: MockSupportUser, withHistory: boolean): ChartView[] {
  const h = user.agent.history;
  if (!withHistory || h === null) return [];
  return [
    chart("cpuPercent", "CPU", `${h.samples[h.samples.length - 1]!.cpuPercent.toFixed(1)} %`, h.samples.map((s) => s.cpuPercent)),
    chart("errorsTotal", "Errors", String(h.samples[h.samples.length - 1]!.errorsTotal), h.samples.map((s) => s.errorsTotal)),
  ];
}
