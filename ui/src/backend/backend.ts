// The one door from the UI to the app's Rust core. Two implementations: `TauriBackend`
// (the real app, over Tauri IPC) and `MockBackend` (in memory, for tests and browser dev).
import type {
  ApiError,
  AppStatus,
  AuditEvent,
  AutoStopSettings,
  AutoStopView,
  ErrorCode,
  FlyEventView,
  MachineOutcome,
  MachineStatus,
  OperationProgress,
  Progress,
  RegionsView,
  TokenStatus,
  WatchdogView,
} from "../bindings";
import type { LiveApi, LocalApi, SignalsApi, SupportApi, TradersApi } from "./apis";
import type { CostsApi } from "./costs";

/** What Start asks for; unset values come from the existing machine (or a failed run), then defaults. */
export interface StartOptions {
  region?: string;
  size?: string;
}

export interface Backend {
  /** Which implementation this is; the shell warns when it is not the real app. */
  readonly kind: "tauri" | "mock";
  appStatus(): Promise<AppStatus>;
  /** The window is interactive (first screen rendered, first status in): the core logs its start-up time. */
  ready(): Promise<void>;
  tokenStatus(): Promise<TokenStatus>;
  /** Validates and stores a pasted token; the answer describes it, never repeats it. */
  storeToken(token: string): Promise<TokenStatus>;
  removeToken(): Promise<TokenStatus>;
  recentEvents(limit: number): Promise<AuditEvent[]>;

  /** The machine as Fly reports it now (the core reconciles its record), with the next action. */
  machineStatus(): Promise<MachineStatus>;
  /**
   * Starts the machine, or resumes the latest failed or interrupted run when it asks for the
   * same region and size (leave both unset to resume). `onProgress` receives every step event.
   */
  machineStart(options: StartOptions, onProgress: (event: Progress) => void): Promise<MachineOutcome>;
  /** Stop, restart and destroy report each phase to `onProgress` (the last one `done`). */
  machineStop(onProgress?: (event: OperationProgress) => void): Promise<MachineOutcome>;
  machineRestart(onProgress?: (event: OperationProgress) => void): Promise<MachineOutcome>;
  /**
   * Replaces the agent's viewer token (support's live access ends): a started machine restarts
   * so the old token stops working. The token itself never reaches the window.
   */
  machineReplaceViewerToken(onProgress?: (event: OperationProgress) => void): Promise<MachineOutcome>;
  machineResize(size: string): Promise<MachineOutcome>;
  /** Fails with `confirmation_required` unless `confirmed` (set only after the dialog). */
  machineDestroy(confirmed: boolean, onProgress?: (event: OperationProgress) => void): Promise<MachineOutcome>;
  /** Fly's newest events for the machine (1–50), newest first. */
  machineEvents(limit: number): Promise<FlyEventView[]>;
  /** Regions (flagged where Binance is blocked) and sizes with estimated costs. */
  regionsList(): Promise<RegionsView>;
  /** Auto-stop settings and whether the app has parked the machine (and why). */
  autostopGet(): Promise<AutoStopView>;
  /** Fails with `invalid_input` for an idle period of 0 or an invalid schedule. */
  autostopSet(settings: AutoStopSettings): Promise<AutoStopView>;
  /** The dead-man alert in force (the agent went quiet while the machine runs), if any. */
  watchdogState(): Promise<WatchdogView>;
  /** Sets the dead-man thresholds in seconds (both null: the defaults). */
  watchdogSet(silenceSeconds: number | null, candleAgeSeconds: number | null): Promise<WatchdogView>;

  readonly traders: TradersApi;
  readonly signals: SignalsApi;
  readonly local: LocalApi;
  /** The link to the agent, the dashboard's charts and the audit log. */
  readonly live: LiveApi;
  /** The machine's costs per day and month, and the monthly budget. */
  readonly costs: CostsApi;
  /** Support mode's credentials and read-only inspection (the support window's only data). */
  readonly support: SupportApi;
}

// Every code, checked by the compiler: a code added to the Rust enum fails `tsc` until it is
// listed here (an unknown code would otherwise be reported as `internal`).
const CODES: Record<ErrorCode, true> = {
  invalid_token: true,
  invalid_input: true,
  keyring_unavailable: true,
  keyring: true,
  database: true,
  io: true,
  no_token: true,
  confirmation_required: true,
  no_machine: true,
  machine_busy: true,
  machine_state: true,
  agent_not_ready: true,
  fly_unauthorized: true,
  fly_read_only: true,
  fly_forbidden: true,
  fly_not_found: true,
  fly_lease_held: true,
  fly_illegal_state: true,
  fly_no_capacity: true,
  fly_rate_limited: true,
  fly_timeout: true,
  fly_geo_blocked: true,
  fly_already_exists: true,
  fly_rejected: true,
  fly_unavailable: true,
  fly_update_not_applied: true,
  unauthorized: true,
  forbidden: true,
  agent_unreachable: true,
  agent_protocol: true,
  version_conflict: true,
  market_unreachable: true,
  internal: true,
};
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.keys(CODES));

/** An operation's failure as the core reported it: `{code, message, hint}`. */
export class BackendError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | null;

  constructor(error: ApiError) {
    super(error.message);
    this.name = "BackendError";
    this.code = error.code;
    this.hint = error.hint;
  }

  /** Turns anything thrown by a transport into a BackendError (unknown shapes → internal). */
  static from(thrown: unknown): BackendError {
    if (thrown instanceof BackendError) return thrown;
    if (isApiError(thrown)) return new BackendError(thrown);
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return new BackendError({
      code: "internal",
      message: `unexpected failure: ${message}`,
      hint: "This is a bug in TradeMind; please report it with the log file.",
    });
  }
}

function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === "string" &&
    KNOWN_CODES.has(v.code) &&
    typeof v.message === "string" &&
    (v.hint === null || typeof v.hint === "string")
  );
}
