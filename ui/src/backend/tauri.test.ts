import { afterEach, describe, expect, it } from "vitest";
import { Channel } from "@tauri-apps/api/core";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { Progress } from "../bindings";
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
    await backend.ready();
    expect(calls.map(([c]) => c)).toEqual(["token_store", "token_remove", "token_status", "events_recent", "app_ready"]);
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

describe("TauriBackend machine commands", () => {
  it("calls each machine command with the shell's argument names", async () => {
    const calls: Array<[string, Record<string, unknown> | undefined]> = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args as Record<string, unknown> | undefined]);
      if (cmd === "machine_events") return [];
      return { message: "ok", status: {} };
    });
    const backend = new TauriBackend();
    await backend.machineStatus();
    await backend.machineStop();
    await backend.machineRestart();
    await backend.machineResize("high");
    await backend.machineDestroy(true);
    await backend.machineEvents(20);
    await backend.regionsList();
    await backend.machineReplaceViewerToken();
    expect(calls.map(([c]) => c)).toEqual([
      "machine_status",
      "machine_stop",
      "machine_restart",
      "machine_resize",
      "machine_destroy",
      "machine_events",
      "regions_list",
      "machine_replace_viewer_token",
    ]);
    expect(calls[3]![1]).toEqual({ size: "high" });
    // Stop, restart, destroy and the viewer token's replacement always send a progress channel.
    for (const i of [1, 2, 4, 7]) expect(calls[i]![1]?.["progress"]).toBeInstanceOf(Channel);
    expect(calls[4]![1]?.["confirmed"]).toBe(true);
    expect(calls[5]![1]).toEqual({ limit: 20 });
  });

  it("starts with region, size and a progress channel, and delivers its messages in order", async () => {
    let sent: Record<string, unknown> | undefined;
    const internals = () =>
      (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } })
        .__TAURI_INTERNALS__;
    const first: Progress = { step: "token", state: "running", line: "Checking the Fly token", elapsedMs: 3 };
    const second: Progress = { step: "token", state: "done", line: "Token for personal", elapsedMs: 90 };
    mockIPC((cmd, args) => {
      sent = args as Record<string, unknown>;
      const channel = sent.progress as Channel<Progress>;
      // Out of order on purpose: the Channel reorders by index, as with the real IPC.
      internals().runCallback(channel.id, { index: 1, message: second });
      internals().runCallback(channel.id, { index: 0, message: first });
      return { message: `started by ${cmd}`, status: {} };
    });
    const seen: Progress[] = [];
    const outcome = await new TauriBackend().machineStart({ region: "fra", size: "low" }, (p) => seen.push(p));
    expect(outcome.message).toBe("started by machine_start");
    expect(sent!.region).toBe("fra");
    expect(sent!.size).toBe("low");
    expect(sent!.progress).toBeInstanceOf(Channel);
    expect(seen).toEqual([first, second]);
  });

  it("sends null region and size to resume the latest run", async () => {
    let sent: Record<string, unknown> | undefined;
    mockIPC((_cmd, args) => {
      sent = args as Record<string, unknown>;
      return { message: "ok", status: {} };
    });
    await new TauriBackend().machineStart({}, () => {});
    expect(sent!.region).toBeNull();
    expect(sent!.size).toBeNull();
  });

  it("rejects machine operations with the core's code and hint", async () => {
    mockIPC(() => {
      throw {
        code: "confirmation_required",
        message: "destroying the machine and its data volume needs confirmation",
        hint: "Confirm in the dialog, or pass --yes on the command line.",
      };
    });
    const failure = await new TauriBackend().machineDestroy(false).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BackendError);
    expect((failure as BackendError).code).toBe("confirmation_required");
    expect((failure as BackendError).hint).toMatch(/Confirm in the dialog/);
  });
});

describe("TauriBackend support commands", () => {
  it("calls each support command with the shell's argument names", async () => {
    const calls: Array<[string, Record<string, unknown> | undefined]> = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args as Record<string, unknown> | undefined]);
      return cmd === "support_watch" ? 7 : cmd === "watch_stop" ? true : {};
    });
    const support = new TauriBackend().support;
    const query = { minLevel: "warn" as const, search: "disk", after: "tok" };
    await support.access();
    await support.login("viewer", "secret-value");
    await support.logout(null);
    await support.find("tm-bob");
    await support.inspect("tm-bob", "3d8d");
    await support.logs("tm-bob", null, query);
    const stop = await support.watch("tm-bob", "3d8d", { live: false, tail: query }, () => undefined);
    await stop();
    await support.report("tm-bob", "3d8d", "/tmp/r");
    expect(calls.map(([c]) => c)).toEqual([
      "support_access",
      "support_login",
      "support_logout",
      "support_find",
      "support_inspect",
      "support_logs",
      "support_watch",
      "watch_stop",
      "support_report",
    ]);
    expect(calls[1]![1]).toEqual({ credential: "viewer", token: "secret-value" });
    expect(calls[2]![1]).toEqual({ credential: null });
    expect(calls[3]![1]).toEqual({ query: "tm-bob" });
    expect(calls[4]![1]).toEqual({ app: "tm-bob", machineId: "3d8d" });
    expect(calls[5]![1]).toEqual({ app: "tm-bob", machineId: null, query });
    expect(calls[6]![1]).toMatchObject({ app: "tm-bob", machineId: "3d8d", parts: { live: false, tail: query } });
    expect(calls[6]![1]?.["channel"]).toBeInstanceOf(Channel);
    expect(calls[7]![1]).toEqual({ id: 7 });
    expect(calls[8]![1]).toEqual({ app: "tm-bob", machineId: "3d8d", dir: "/tmp/r" });
  });
});
