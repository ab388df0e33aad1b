// In-memory support mode: credentials held here (described by last 4 only), the two scripted
// users of `mockSupportData.ts`, logs with filters and tokens, a live watch tests drive by hand.
import type {
  ApiError,
  CredentialInfo,
  InspectTarget,
  Inspection,
  LogLine,
  LogQuery,
  LogsView,
  Mode,
  ReportSummary,
  SupportAccess,
  SupportCredential,
  SupportFrame,
  WatchParts,
} from "../bindings";
import type { SupportApi, Unwatch } from "./apis";
import { BackendError } from "./backend";
import { mockCharts, mockSupportUsers, type MockSupportUser } from "./mockSupportData";

export type SupportOperation = "access" | "login" | "logout" | "find" | "inspect" | "logs" | "watch" | "report";

export interface MockSupportOptions {
  /** Both credentials already stored (the browser preview's support mode). */
  loggedIn?: boolean;
  /** Live frames every this many ms; unset: none (tests send frames with `emit`). */
  tickMs?: number;
}

/** One `watch` call as the mock saw it. */
export interface MockSupportWatch {
  app: string;
  machineId: string | null;
  /** Streams the agent's live view. */
  live: boolean;
  /** The log tail's query; null: no tail. */
  query: LogQuery | null;
  active: boolean;
}

const LEVELS = ["debug", "info", "warn", "error"];
const MAX_SEARCH = 200;

export class MockSupport implements SupportApi {
  private fly: CredentialInfo | null = null;
  private viewer: CredentialInfo | null = null;
  private readonly users: MockSupportUser[] = mockSupportUsers();
  private readonly failures = new Map<SupportOperation, ApiError>();
  private readonly listeners = new Map<MockSupportWatch, (frame: SupportFrame) => void>();
  /** Every watch started, in order (tests check the query and that it was stopped). */
  readonly watches: MockSupportWatch[] = [];
  /** How many watches were stopped (`watch_stop`). */
  stops = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private ticks = 0;

  constructor(
    private readonly mode: () => Mode,
    private readonly options: MockSupportOptions = {},
  ) {
    if (options.loggedIn) {
      this.fly = { source: "keyring", last4: "…mock" };
      this.viewer = { source: "keyring", last4: "…view" };
    }
  }

  /** The next call of `operation` fails with `error`. */
  failNext(operation: SupportOperation, error: ApiError): void {
    this.failures.set(operation, error);
  }

  /** Sends `frame` to every active watch. */
  emit(frame: SupportFrame): void {
    for (const listener of Array.from(this.listeners.values())) listener(frame);
  }

  async access(): Promise<SupportAccess> {
    this.injected("access");
    return { mode: this.mode(), flyToken: this.fly, viewerToken: this.viewer };
  }

  async login(credential: SupportCredential, token: string): Promise<SupportAccess> {
    this.injected("login");
    const value = credential === "fly" ? flyToken(token) : viewerToken(token);
    const info: CredentialInfo = { source: "keyring", last4: `…${value.slice(-4)}` };
    if (credential === "fly") this.fly = info;
    else this.viewer = info;
    return this.access();
  }

  async logout(credential: SupportCredential | null): Promise<SupportAccess> {
    this.injected("logout");
    if (credential !== "viewer") this.fly = null;
    if (credential !== "fly") this.viewer = null;
    return this.access();
  }

  async find(query: string): Promise<InspectTarget[]> {
    this.injected("find");
    const q = query.trim();
    if (q === "" || q.length > 200 || /\p{Cc}/u.test(q)) {
      throw invalid("give an app name, a machine id or a user id (1–200 characters)");
    }
    this.requireFly();
    const lower = q.toLowerCase();
    const found: InspectTarget[] = [];
    for (const { target } of this.users) {
      if (target.app === lower) found.push({ ...target, matchedBy: "app" });
      else if (target.machineId === lower) found.push({ ...target, matchedBy: "machine" });
      else if (target.user?.toLowerCase() === lower) found.push({ ...target, matchedBy: "user" });
    }
    if (found.length === 0) throw invalid(`no TradeMind app, agent machine or user matches "${q}" in the token's organisation`);
    return found;
  }

  async inspect(app: string, machineId: string | null): Promise<Inspection> {
    this.injected("inspect");
    this.requireFly();
    const user = this.user(app, machineId);
    const viewer = this.viewer !== null;
    const missing = { code: "invalid_input" as const, message: "the agent's viewer token is not set", hint: "Paste it in the support window." };
    const agent = viewer
      ? structuredClone(user.agent)
      : { ...structuredClone(user.agent), greeting: null, status: null, metrics: null, traders: [], signals: [], history: null, linkError: missing, historyError: missing };
    return {
      generatedAt: new Date().toISOString(),
      target: { ...user.target },
      versions: { ...user.versions },
      machine: structuredClone(user.machine),
      agent,
      findings: structuredClone(user.findings),
      charts: mockCharts(user, viewer),
    };
  }

  async logs(app: string, machineId: string | null, query: LogQuery): Promise<LogsView> {
    this.injected("logs");
    checkQuery(query);
    this.requireFly();
    const all = this.user(app, machineId).logs;
    const from = query.after === null ? 0 : Number(query.after.replace(/^tok-/, "")) || 0;
    const scanned = all.slice(from);
    return { lines: scanned.filter((line) => matches(line, query)), nextToken: `tok-${all.length}`, scanned: scanned.length };
  }

  async watch(app: string, machineId: string | null, parts: WatchParts, onFrame: (frame: SupportFrame) => void): Promise<Unwatch> {
    this.injected("watch");
    if (parts.tail !== null) checkQuery(parts.tail);
    else if (!parts.live) throw invalid("nothing to watch: ask for the live view, the log tail or both");
    const watch: MockSupportWatch = { app, machineId, live: parts.live, query: parts.tail === null ? null : { ...parts.tail }, active: true };
    this.watches.push(watch);
    this.listeners.set(watch, (frame) => {
      if (frame.type === "logs" || frame.type === "tail_ended") {
        if (watch.query === null) return;
        if (frame.type === "tail_ended") return onFrame(frame);
        const lines = frame.lines.filter((line) => matches(line, watch.query!));
        if (lines.length > 0) onFrame({ ...frame, lines });
      } else if (watch.live) onFrame(frame);
    });
    if (parts.live) {
      onFrame({ type: "link", state: "connecting", detail: null });
      if (this.viewer !== null) onFrame({ type: "link", state: "live", detail: null });
      else onFrame({ type: "link", state: "ended", detail: "live view: the agent's viewer token is not set" });
    }
    if (this.options.tickMs !== undefined && this.timer === null) {
      this.timer = setInterval(() => this.tick(), this.options.tickMs);
    }
    return async () => {
      if (!watch.active) return;
      watch.active = false;
      this.stops += 1;
      this.listeners.delete(watch);
      if (this.listeners.size === 0 && this.timer !== null) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  async report(app: string, machineId: string | null, dir: string): Promise<ReportSummary> {
    this.injected("report");
    const folder = dir.trim();
    if (folder === "") throw invalid("choose a folder for the report");
    this.requireFly();
    const user = this.user(app, machineId);
    const charts = mockCharts(user, this.viewer !== null).flatMap((c) => [`charts/${c.metric}.svg`, `charts/${c.metric}.png`]);
    const files = ["index.html", "inspection.json", "logs.txt", ...charts];
    return { dir: folder, index: `${folder.replace(/\/$/, "")}/index.html`, files, redactions: 3, findings: user.findings.length };
  }

  /** The browser preview's live view: metrics every tick, a log line and a signal now and then. */
  private tick(): void {
    this.ticks += 1;
    for (const [watch, listener] of Array.from(this.listeners)) {
      const user = this.user(watch.app, watch.machineId);
      const m = user.agent.metrics;
      if (m !== null) listener({ type: "metrics", ...m, cpuPercent: m.cpuPercent + (this.ticks % 7), uptimeSeconds: m.uptimeSeconds + this.ticks * 2 });
      const line: LogLine = { at: new Date().toISOString(), level: this.ticks % 4 === 0 ? "warn" : "info", message: `tick ${this.ticks}`, instance: watch.machineId ?? "", region: user.target.region ?? "" };
      listener({ type: "logs", lines: [line], nextToken: `tok-live-${this.ticks}`, scanned: 1 });
    }
  }

  private user(app: string, machineId: string | null): MockSupportUser {
    const user = this.users.find((u) => u.target.app === app && (machineId === null || u.target.machineId === machineId));
    if (user === undefined) throw invalid(machineId === null ? `no app ${app}` : `app ${app} has no agent machine ${machineId}`);
    return user;
  }

  private requireFly(): void {
    if (this.fly === null) {
      throw invalid("support's read-only Fly token is not set: run `trademind inspect login --token-stdin`, paste it in the support window, or set TRADEMIND_SUPPORT_FLY_TOKEN");
    }
  }

  private injected(operation: SupportOperation): void {
    const failure = this.failures.get(operation);
    if (failure !== undefined) {
      this.failures.delete(operation);
      throw new BackendError(failure);
    }
  }
}

function invalid(message: string): BackendError {
  return new BackendError({ code: "invalid_input", message, hint: "Check the value and try again." });
}

function flyToken(raw: string): string {
  const value = raw.trim().replace(/^(flyv1|bearer)(\s+|$)/i, "").trim();
  if (value === "") {
    throw new BackendError({
      code: "invalid_token",
      message: "that is not a Fly API token: it is empty",
      hint: "Paste the whole output of `fly tokens create readonly`.",
    });
  }
  return value;
}

function viewerToken(raw: string): string {
  const value = raw.trim().replace(/^Bearer /, "").trim();
  if (value.length < 16 || value.length > 4096) throw invalid("the viewer token must be 16–4096 characters");
  if (/[\s\p{Cc}]/u.test(value)) throw invalid("the viewer token must not contain spaces or control characters");
  return value;
}

function checkQuery(query: LogQuery): void {
  const search = query.search ?? "";
  if ([...search].length > MAX_SEARCH || /\p{Cc}/u.test(search)) {
    throw invalid(`the search text must be at most ${MAX_SEARCH} characters, without control characters`);
  }
}

function matches(line: LogLine, query: LogQuery): boolean {
  if (query.minLevel !== null && LEVELS.indexOf(line.level) < LEVELS.indexOf(query.minLevel)) return false;
  const text = query.search?.trim() ?? "";
  return text === "" || line.message.toLowerCase().includes(text.toLowerCase());
}
