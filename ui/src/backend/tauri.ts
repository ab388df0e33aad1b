// Backend over Tauri IPC: each method is one `#[tauri::command]` in src-tauri/src/shell.
import { Channel } from "@tauri-apps/api/core";
import type {
  AppStatus,
  AuditEvent,
  AutoStopSettings,
  AutoStopView,
  FlyEventView,
  MachineOutcome,
  MachineStatus,
  OperationProgress,
  Progress,
  RegionsView,
  TokenStatus,
  WatchdogView,
} from "../bindings";
import type { Backend, StartOptions } from "./backend";
import { call } from "./call";
import { TauriCosts } from "./costs";
import { TauriLive, TauriLocal, TauriSignals, TauriSupport, TauriTraders } from "./tauriApis";

export class TauriBackend implements Backend {
  readonly kind = "tauri" as const;
  readonly traders = new TauriTraders();
  readonly costs = new TauriCosts();
  readonly signals = new TauriSignals();
  readonly local = new TauriLocal();
  readonly live = new TauriLive();
  readonly support = new TauriSupport();

  appStatus(): Promise<AppStatus> {
    return call("app_status");
  }

  ready(): Promise<void> {
    return call("app_ready");
  }

  tokenStatus(): Promise<TokenStatus> {
    return call("token_status");
  }

  storeToken(token: string): Promise<TokenStatus> {
    return call("token_store", { token });
  }

  removeToken(): Promise<TokenStatus> {
    return call("token_remove");
  }

  recentEvents(limit: number): Promise<AuditEvent[]> {
    return call("events_recent", { limit });
  }

  machineStatus(): Promise<MachineStatus> {
    return call("machine_status");
  }

  machineStart(options: StartOptions, onProgress: (event: Progress) => void): Promise<MachineOutcome> {
    // The handler is set before the channel is sent: Tauri does not replay earlier messages.
    const progress = new Channel<Progress>(onProgress);
    return call("machine_start", { region: options.region ?? null, size: options.size ?? null, progress });
  }

  machineStop(onProgress?: (event: OperationProgress) => void): Promise<MachineOutcome> {
    return call("machine_stop", { progress: operationChannel(onProgress) });
  }

  machineRestart(onProgress?: (event: OperationProgress) => void): Promise<MachineOutcome> {
    return call("machine_restart", { progress: operationChannel(onProgress) });
  }

  machineReplaceViewerToken(onProgress?: (event: OperationProgress) => void): Promise<MachineOutcome> {
    return call("machine_replace_viewer_token", { progress: operationChannel(onProgress) });
  }

  machineResize(size: string): Promise<MachineOutcome> {
    return call("machine_resize", { size });
  }

  machineDestroy(confirmed: boolean, onProgress?: (event: OperationProgress) => void): Promise<MachineOutcome> {
    return call("machine_destroy", { confirmed, progress: operationChannel(onProgress) });
  }

  machineEvents(limit: number): Promise<FlyEventView[]> {
    return call("machine_events", { limit });
  }

  regionsList(): Promise<RegionsView> {
    return call("regions_list");
  }

  autostopGet(): Promise<AutoStopView> {
    return call("autostop_get");
  }

  autostopSet(settings: AutoStopSettings): Promise<AutoStopView> {
    return call("autostop_set", { settings });
  }

  watchdogState(): Promise<WatchdogView> {
    return call("watchdog_state");
  }

  watchdogSet(silenceSeconds: number | null, candleAgeSeconds: number | null): Promise<WatchdogView> {
    return call("watchdog_set", { silenceSeconds, candleAgeSeconds });
  }
}

/** The channel an operation reports on (the command always takes one; no listener drops them). */
function operationChannel(onProgress?: (event: OperationProgress) => void): Channel<OperationProgress> {
  return new Channel<OperationProgress>(onProgress ?? (() => undefined));
}
