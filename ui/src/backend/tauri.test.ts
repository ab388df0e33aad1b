import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { BackendError } from "./backend";
import { TauriBackend } from "./tauri";

afterEach(() => clearMocks());

describe("TauriBackend", () => {
  it("calls the shell's commands with their argument names", async () => {
    const calls: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "events_recent") return [];
      return { present: false, active: null, stored: null, envWarning: null };
    });
    const backend = new TauriBackend();
    await backend.storeToken("fm2_x");
    await backend.removeToken();
    await backend.tokenStatus();
    await backend.recentEvents(5);
    expect(calls.map(([c]) => c)).toEqual(["token_store", "token_remove", "token_status", "events_recent"]);
    expect(calls[0]![1]).toEqual({ token: "fm2_x" });
    expect(calls[3]![1]).toEqual({ limit: 5 });
  });

  it("rejects with a BackendError carrying the core's code and hint", async () => {
    mockIPC(() => {
      throw { code: "invalid_token", message: "that is not a Fly API token: it is empty", hint: "Paste it" };
    });
    const failure = await new TauriBackend().storeToken("").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BackendError);
    expect((failure as BackendError).code).toBe("invalid_token");
    expect((failure as BackendError).hint).toBe("Paste it");
  });
});
