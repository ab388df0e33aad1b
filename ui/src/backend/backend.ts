// The one door from the UI to the app's Rust core. Two implementations: `TauriBackend`
// (the real app, over Tauri IPC) and `MockBackend` (in memory, for tests and browser dev).
import type { ApiError, AppStatus, AuditEvent, ErrorCode, TokenStatus } from "../bindings";

export interface Backend {
  /** Which implementation this is; the shell warns when it is not the real app. */
  readonly kind: "tauri" | "mock";
  appStatus(): Promise<AppStatus>;
  tokenStatus(): Promise<TokenStatus>;
  /** Validates and stores a pasted token; the answer describes it, never repeats it. */
  storeToken(token: string): Promise<TokenStatus>;
  removeToken(): Promise<TokenStatus>;
  recentEvents(limit: number): Promise<AuditEvent[]>;
}

const KNOWN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  "invalid_token",
  "invalid_input",
  "keyring_unavailable",
  "keyring",
  "database",
  "io",
  "internal",
]);

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
