// In-memory Backend for unit tests and `npm run dev` in a plain browser. It keeps a token
// only in this object and reports itself as `mock`, so nothing can mistake it for the app.
import type {
  AppStatus,
  AuditEvent,
  AutoStopSettings,
  AutoStopView,
  FlyEventView,
  MachineOutcome,
  Mode,
  MachineStatus,
  Operation,
  OperationProgress,
  Progress,
  RegionsView,
  Schedule,
  TokenInfo,
  TokenStatus,
  WatchdogView,
} from "../bindings";
import { type Backend, BackendError, type StartOptions } from "./backend";
import { MockCosts, type MockCostsOptions } from "./costs";
import { MockLive, type MockLiveOptions } from "./mockLive";
import { MockLocal, type MockLocalOptions } from "./mockLocal";
import { MockSignals, type MockSignalsOptions } from "./mockSignals";
import { MockSupport, type MockSupportOptions } from "./mockSupport";
import { MockTraders, type MockTradersOptions } from "./mockTraders";
import { MockMachine, type MockMachineOptions } from "./mockMachine";

export interface MockOptions {
  /** `support`: behave as `trademind --support` (the app shows only the support window). */
  mode?: Mode;
  /** Every token operation fails as if no keyring were running. */
  keyringUnavailable?: boolean;
  /** The simulated Fly machine: timing, a failure at a chosen step, its initial state. */
  machine?: MockMachineOptions;
  /** The simulated live link, dashboard and audit log (it follows the simulated machine). */
  live?: MockLiveOptions;
  traders?: MockTradersOptions;
  signals?: MockSignalsOptions;
  local?: MockLocalOptions;
  costs?: MockCostsOptions;
  support?: MockSupportOptions;
}

const MACAROON_PREFIXES = ["fm1r_", "fm1a_", "fm2_"];

export class MockBackend implements Backend {
  readonly kind = "mock" as const;
  readonly traders: MockTraders;
  readonly signals: MockSignals;
  readonly local: MockLocal;
  readonly costs: MockCosts;
  /** Support mode's credentials and the scripted users (a healthy and a failing machine). */
  readonly support: MockSupport;
  /** The simulated link, dashboard and audit log; tests inject failures and drive the link. */
  readonly live: MockLive;
  private stored: TokenInfo | null = null;
  private readonly options: MockOptions;
  private autostop: AutoStopView = { settings: { idleMinutes: null, schedule: null }, scheduleText: null, parked: null };
  private watchdog: WatchdogView = {
    alert: null,
    text: null,
    since: null,
    silenceSeconds: 120,
    candleAgeSeconds: 600,
    custom: false,
  };
  /** The simulated machine; tests use it to inject failures and to see which steps ran. */
  readonly machine: MockMachine;

  constructor(options: MockOptions = {}) {
    this.options = options;
    this.machine = new MockMachine(options.machine);
    this.costs = new MockCosts(options.costs);
    this.support = new MockSupport(() => this.options.mode ?? "owner", options.support);
    this.live = new MockLive(options.live, this.machine);
    this.signals = new MockSignals(options.signals);
    this.traders = new MockTraders(options.traders, {
      cloudGate: () => this.cloudGate(),
      lastSignal: (id) => this.signals.lastFor(id),
    });
    this.local = new MockLocal(options.local, {
      localTraders: async () =>
        (await this.traders.list())
          .filter((c) => c.trader.enabled && !c.trader.cloud.enabledInCloud)
          .map((c) => c.trader.id),
      publish: (signal) => this.signals.publish(signal),
    });
  }

  /** Deploys need a started machine and a live link. */
  private async cloudGate() {
    const { state } = await this.machine.status();
    if (state === "started") return null;
    return {
      code: "agent_not_ready" as const,
      message: `the machine is ${state === "none" ? "not created" : state}: traders can only be deployed to a running machine`,
      hint: "Start the machine in the Machine area, then try again.",
    };
  }

  /** Nothing to time in memory. */
  async ready(): Promise<void> {}

  async appStatus(): Promise<AppStatus> {
    const token = this.options.keyringUnavailable ? null : this.status();
    return {
      version: "mock",
      mode: this.options.mode ?? "owner",
      dataDir: "(in memory)",
      logDir: "(in memory)",
      databasePath: "(in memory)",
      database: { ok: true, detail: "in memory", error: null },
      keyring: this.options.keyringUnavailable
        ? { ok: false, detail: null, error: unavailable() }
        : { ok: true, detail: "in memory", error: null },
      token,
    };
  }

  async tokenStatus(): Promise<TokenStatus> {
    this.ensureKeyring();
    return this.status();
  }

  async storeToken(token: string): Promise<TokenStatus> {
    const trimmed = token.trim().replace(/^(flyv1|bearer)(\s+|$)/i, "");
    if (trimmed === "") {
      throw new BackendError({
        code: "invalid_token",
        message: "that is not a Fly API token: it is empty",
        hint: "Paste the whole output of `fly tokens create org`.",
      });
    }
    this.ensureKeyring();
    const kind = MACAROON_PREFIXES.some((p) => trimmed.startsWith(p)) ? "macaroon" : "user";
    this.stored = { source: "keyring", kind, last4: trimmed.slice(-4), envVar: null };
    this.record("token.stored", { tokenKind: kind, last4: this.stored.last4 });
    return this.status();
  }

  async removeToken(): Promise<TokenStatus> {
    this.ensureKeyring();
    if (this.stored) {
      this.stored = null;
      this.record("token.removed", {});
    }
    return this.status();
  }

  async recentEvents(limit: number): Promise<AuditEvent[]> {
    return this.live.recent(limit);
  }

  machineStatus(): Promise<MachineStatus> {
    return this.machine.status();
  }

  async machineStart(options: StartOptions, onProgress: (event: Progress) => void): Promise<MachineOutcome> {
    const outcome = await this.machine.start(options, onProgress);
    this.record("machine.start", { machineId: outcome.status.machineId ?? "" });
    return outcome;
  }

  async machineStop(onProgress?: (event: OperationProgress) => void): Promise<MachineOutcome> {
    const report = operationReporter("stop", onProgress);
    report("Stopping the machine", false);
    const outcome = await this.machine.stop();
    report(outcome.message, true);
    this.record("machine.stop", {});
    return outcome;
  }

  async machineRestart(onProgress?: (event: OperationProgress) => void): Promise<MachineOutcome> {
    const report = operationReporter("restart", onProgress);
    report("Restarting the machine", false);
    const outcome = await this.machine.restart();
    report(outcome.message, true);
    this.record("machine.restart", {});
    return outcome;
  }

  async machineReplaceViewerToken(onProgress?: (event: OperationProgress) => void): Promise<MachineOutcome> {
    const report = operationReporter("viewer_token", onProgress);
    report("Setting a new viewer token", false);
    const outcome = await this.machine.replaceViewerToken();
    report(outcome.message, true);
    this.record("support.access", { what: "viewer-token replaced" });
    return outcome;
  }

  async machineResize(size: string): Promise<MachineOutcome> {
    const outcome = await this.machine.resize(size);
    this.record("machine.update", { size });
    return outcome;
  }

  async machineDestroy(confirmed: boolean, onProgress?: (event: OperationProgress) => void): Promise<MachineOutcome> {
    const report = operationReporter("destroy", onProgress);
    if (confirmed) report("Destroying the machine", false);
    const outcome = await this.machine.destroy(confirmed);
    report(outcome.message, true);
    this.record("machine.destroy", {});
    return outcome;
  }

  machineEvents(limit: number): Promise<FlyEventView[]> {
    return this.machine.events(limit);
  }

  regionsList(): Promise<RegionsView> {
    return this.machine.regions();
  }

  autostopGet(): Promise<AutoStopView> {
    return Promise.resolve(structuredClone(this.autostop));
  }

  autostopSet(settings: AutoStopSettings): Promise<AutoStopView> {
    const idle = settings.idleMinutes;
    if (idle !== null && (idle < 1 || idle > 10080 || !Number.isInteger(idle))) {
      return Promise.reject(
        new BackendError({ code: "invalid_input", message: `the idle period must be 1 minute to 7 days, not ${idle} min`, hint: null }),
      );
    }
    const s = settings.schedule;
    if (s !== null && (s.days.length === 0 || s.startMinute === s.endMinute || s.startMinute >= 1440 || s.endMinute >= 1440)) {
      return Promise.reject(new BackendError({ code: "invalid_input", message: "schedule: invalid window", hint: null }));
    }
    this.autostop = { ...this.autostop, settings, scheduleText: s === null ? null : mockScheduleText(s) };
    this.record("autostop.set", {});
    return this.autostopGet();
  }

  watchdogState(): Promise<WatchdogView> {
    return Promise.resolve({ ...this.watchdog });
  }

  watchdogSet(silenceSeconds: number | null, candleAgeSeconds: number | null): Promise<WatchdogView> {
    if (silenceSeconds === null && candleAgeSeconds === null) {
      this.watchdog = { ...this.watchdog, silenceSeconds: 120, candleAgeSeconds: 600, custom: false };
      return this.watchdogState();
    }
    const silence = silenceSeconds ?? -1;
    const age = candleAgeSeconds ?? -1;
    if (!Number.isInteger(silence) || silence < 30 || silence > 86_400) {
      return Promise.reject(new BackendError({ code: "invalid_input", message: `the silence threshold must be 30–86400 seconds, not ${silence}`, hint: "Check the value and try again." }));
    }
    if (!Number.isInteger(age) || age < 60 || age > 86_400) {
      return Promise.reject(new BackendError({ code: "invalid_input", message: `the candle age threshold must be 60–86400 seconds, not ${age}`, hint: "Check the value and try again." }));
    }
    this.watchdog = { ...this.watchdog, silenceSeconds: silence, candleAgeSeconds: age, custom: true };
    return this.watchdogState();
  }

  /** Test hooks: the machine parked for `text`, and a dead-man alert in force. */
  setParked(text: string | null): void {
    this.autostop = {
      ...this.autostop,
      parked: text === null ? null : { reason: { kind: "idle", minutes: 30 }, text, at: new Date().toISOString() },
    };
  }

  setWatchdog(view: Pick<WatchdogView, "alert" | "text" | "since">): void {
    this.watchdog = { ...this.watchdog, ...view };
  }

  private status(): TokenStatus {
    return { present: this.stored !== null, active: this.stored, stored: this.stored, envWarning: null };
  }

  private ensureKeyring(): void {
    if (this.options.keyringUnavailable) throw new BackendError(unavailable());
  }

  private record(kind: string, details: Record<string, string>): void {
    this.live.record("gui", kind, details);
  }
}

function unavailable() {
  return {
    code: "keyring_unavailable" as const,
    message: "the OS keyring is not available: no Secret Service on the session bus",
    hint: "Start and unlock your desktop keyring, then try again.",
  };
}

/** Sends an operation's progress lines, stamped since the operation began. */
function operationReporter(
  operation: Operation,
  onProgress?: (event: OperationProgress) => void,
): (line: string, done: boolean) => void {
  const began = Date.now();
  return (line, done) => onProgress?.({ operation, line, elapsedMs: Date.now() - began, done });
}

function mockScheduleText(s: Schedule): string {
  const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  return `${s.days.join(",")} ${hm(s.startMinute)}-${hm(s.endMinute)}`;
}
