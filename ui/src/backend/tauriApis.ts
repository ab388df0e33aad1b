// The traders, signals, local, live and support groups over Tauri IPC (see `apis.ts`). Live data comes
// through `Channel`s; each `*_watch` command returns an id that `watch_stop` ends.
import { Channel } from "@tauri-apps/api/core";
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
import type { LiveApi, LocalApi, SignalsApi, SupportApi, TradersApi, Unwatch } from "./apis";
import { call } from "./call";

async function watch<T>(command: string, onMessage: (message: T) => void, args: Record<string, unknown> = {}): Promise<Unwatch> {
  // The handler is set before the channel is sent: Tauri does not replay earlier messages.
  const channel = new Channel<T>(onMessage);
  const id = await call<number>(command, { ...args, channel });
  return async () => {
    await call<boolean>("watch_stop", { id });
  };
}

export class TauriTraders implements TradersApi {
  list(): Promise<TraderCard[]> {
    return call("traders_list");
  }
  check(trader: Trader): Promise<TraderCheck> {
    return call("trader_check", { trader });
  }
  save(trader: Trader): Promise<TraderCard> {
    return call("trader_save", { trader });
  }
  async remove(id: string, version: number): Promise<void> {
    await call("trader_delete", { id, version });
  }
  setEnabled(id: string, enabled: boolean): Promise<TraderCard> {
    return call("trader_set_enabled", { id, enabled });
  }
  setCloud(id: string, on: boolean, expectedVersion: number): Promise<TraderCard> {
    return call("trader_set_cloud", { id, on, expectedVersion });
  }
  resolveConflict(id: string, choice: ConflictChoice): Promise<TraderCard> {
    return call("trader_resolve_conflict", { id, choice });
  }
  importJson(json: string): Promise<ImportReport> {
    return call("traders_import", { json });
  }
  exportJson(ids: string[]): Promise<string> {
    return call("traders_export", { ids });
  }
}

export class TauriSignals implements SignalsApi {
  list(filter: SignalFilter): Promise<SignalView[]> {
    return call("signals_list", { filter });
  }
  watch(onSignal: (signal: SignalView) => void): Promise<Unwatch> {
    return watch("signals_watch", onSignal);
  }
  detail(key: string): Promise<SignalDetail> {
    return call("signal_detail", { key });
  }
}

export class TauriLocal implements LocalApi {
  status(): Promise<LocalStatus> {
    return call("local_status");
  }
  start(request: LocalStart): Promise<LocalStatus> {
    return call("local_start", { request });
  }
  stop(): Promise<LocalStatus> {
    return call("local_stop");
  }
}

export class TauriLive implements LiveApi {
  watchLink(onView: (view: LinkView) => void): Promise<Unwatch> {
    return watch("link_watch", onView);
  }
  reconnect(): Promise<LinkView> {
    return call("link_reconnect");
  }
  watchDashboard(range: MetricsRange, onFrame: (frame: DashboardFrame) => void): Promise<Unwatch> {
    return watch("dashboard_watch", onFrame, { range });
  }
  events(filter: EventFilter): Promise<AuditEvent[]> {
    return call("events_query", { filter });
  }
}

/** The `support_*` commands of `src-tauri/src/shell/support.rs` (the support window's capability). */
export class TauriSupport implements SupportApi {
  access(): Promise<SupportAccess> {
    return call("support_access");
  }
  login(credential: SupportCredential, token: string): Promise<SupportAccess> {
    return call("support_login", { credential, token });
  }
  logout(credential: SupportCredential | null): Promise<SupportAccess> {
    return call("support_logout", { credential });
  }
  find(query: string): Promise<InspectTarget[]> {
    return call("support_find", { query });
  }
  inspect(app: string, machineId: string | null): Promise<Inspection> {
    return call("support_inspect", { app, machineId });
  }
  logs(app: string, machineId: string | null, query: LogQuery): Promise<LogsView> {
    return call("support_logs", { app, machineId, query });
  }
  watch(app: string, machineId: string | null, parts: WatchParts, onFrame: (frame: SupportFrame) => void): Promise<Unwatch> {
    return watch("support_watch", onFrame, { app, machineId, parts });
  }
  report(app: string, machineId: string | null, dir: string): Promise<ReportSummary> {
    return call("support_report", { app, machineId, dir });
  }
}
