// Backend over Tauri IPC: each method is one `#[tauri::command]` in src-tauri/src/shell.
import { invoke } from "@tauri-apps/api/core";
import type { AppStatus, AuditEvent, TokenStatus } from "../bindings";
import { type Backend, BackendError } from "./backend";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (thrown) {
    throw BackendError.from(thrown);
  }
}

export class TauriBackend implements Backend {
  readonly kind = "tauri" as const;

  appStatus(): Promise<AppStatus> {
    return call("app_status");
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
}
