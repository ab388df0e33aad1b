// The Backend's areas beyond the machine: traders, signals, local screening, the live link
// (link state, dashboard, audit events) and support mode. Each is one group of `#[tauri::command]`s.
import type {
  AuditEvent,
  ConflictChoice,
  DashboardFrame,
  EventFilter,
  ImportReport,
  InspectTarget,
  Inspection,
  LinkView,
  LocalStart,
  LocalStatus,
  LogQuery,
  WatchParts,
  LogsView,
  MetricsRange,
  ReportSummary,
  SignalDetail,
  SignalFilter,
  SignalView,
  SupportAccess,
  SupportCredential,
  SupportFrame,
  Trader,
  TraderCard,
  TraderCheck,
} from "../bindings";

/** Ends a live subscription. */
export type Unwatch = () => Promise<void>;

export interface TradersApi {
  /** Every trader (built-ins first), with placement, conflict and last signal. */
  list(): Promise<TraderCard[]>;
  /** The engine's validation (problems with line numbers) and a dry run on recorded data. */
  check(trader: Trader): Promise<TraderCheck>;
  /**
   * Creates (`id` empty) or updates a trader. `trader.version` is the version the editor
   * loaded; a newer stored one fails with `version_conflict`, an invalid one with `invalid_input`.
   */
  save(trader: Trader): Promise<TraderCard>;
  /** Deletes a user trader at `version` (built-ins cannot be deleted). */
  remove(id: string, version: number): Promise<void>;
  setEnabled(id: string, enabled: boolean): Promise<TraderCard>;
  /**
   * Deploys (`on`) or undeploys the trader on the machine through the outbox. Refused unless
   * the machine runs and the link is live; `version_conflict` when `expectedVersion` is stale.
   */
  setCloud(id: string, on: boolean, expectedVersion: number): Promise<TraderCard>;
  resolveConflict(id: string, choice: ConflictChoice): Promise<TraderCard>;
  /** A JSON array (or one record) of traders, e.g. a file the user picked. */
  importJson(json: string): Promise<ImportReport>;
  /** The chosen traders as a JSON array (every user trader when `ids` is empty). */
  exportJson(ids: string[]): Promise<string>;
}

export interface SignalsApi {
  /** Stored signals of both sources, newest first. */
  list(filter: SignalFilter): Promise<SignalView[]>;
  /** Every new signal (cloud and local) once it is stored. */
  watch(onSignal: (signal: SignalView) => void): Promise<Unwatch>;
  /** Candles, indicator values and a chart for one signal (by `key`). */
  detail(key: string): Promise<SignalDetail>;
}

export interface LocalApi {
  status(): Promise<LocalStatus>;
  /** Starts local screening (live Binance, or recorded files when `dataDir` is set). */
  start(request: LocalStart): Promise<LocalStatus>;
  stop(): Promise<LocalStatus>;
}

export interface LiveApi {
  /** The link's state now and on every change. */
  watchLink(onView: (view: LinkView) => void): Promise<Unwatch>;
  /** Connect again now (resets the backoff and the circuit breaker). */
  reconnect(): Promise<LinkView>;
  /** Every chart of `range`, now and as metrics arrive (at most 4 frames a second). */
  watchDashboard(range: MetricsRange, onFrame: (frame: DashboardFrame) => void): Promise<Unwatch>;
  /** The audit log with filters, newest first. */
  events(filter: EventFilter): Promise<AuditEvent[]>;
}

/**
 * Support mode (`trademind --support`): support's own credentials and read-only inspection of
 * a user's app. The support window calls only these (and `appStatus`, `ready`, `live.events`).
 */
export interface SupportApi {
  /** The mode and which credentials are set (described by their last 4 characters only). */
  access(): Promise<SupportAccess>;
  /** Validates a pasted credential and stores it in the OS keyring; the answer never repeats it. */
  login(credential: SupportCredential, token: string): Promise<SupportAccess>;
  /** Forgets one stored credential, or both (`null`). */
  logout(credential: SupportCredential | null): Promise<SupportAccess>;
  /** Apps and machines matching an app name, machine id or user id/email (`invalid_input` when none). */
  find(query: string): Promise<InspectTarget[]>;
  /** Everything about the app's machine and agent now, with the findings (most severe first). */
  inspect(app: string, machineId: string | null): Promise<Inspection>;
  /** One page of the machine's logs (oldest first) and the token for newer lines. */
  logs(app: string, machineId: string | null, query: LogQuery): Promise<LogsView>;
  /**
   * The agent's live view (`parts.live`) and/or the log tail after `parts.tail.after`, until the
   * returned Unwatch. The window runs them as two watches so a new filter restarts only the tail.
   */
  watch(app: string, machineId: string | null, parts: WatchParts, onFrame: (frame: SupportFrame) => void): Promise<Unwatch>;
  /** Writes the diagnostics report (HTML index, charts, redacted) into `dir`. */
  report(app: string, machineId: string | null, dir: string): Promise<ReportSummary>;
}
