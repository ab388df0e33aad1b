// The support window end to end on the in-memory backend: support mode shows only it and calls
// no owner command; credentials, find, inspection, logs, live frames, report and the watch's life.
import { describe, expect, it } from "vitest";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { App } from "../../App";
import { BackendProvider } from "../../backend/context";
import { MockBackend } from "../../backend/mock";
import type { LiveApi, LocalApi, SignalsApi, TradersApi } from "../../backend/apis";
import type { Backend } from "../../backend/backend";
import type { CostsApi } from "../../backend/costs";
import type { LogLine } from "../../bindings";

// Every owner command, checked by the compiler: a method added to an owner API fails `tsc`
// until it is listed here (so the "no owner call" test cannot silently miss it).
type Groups = "traders" | "signals" | "local" | "live" | "costs" | "support";
const OWNER_METHODS: Record<Exclude<keyof Backend, "kind" | "appStatus" | "ready" | Groups>, true> = {
  tokenStatus: true,
  storeToken: true,
  removeToken: true,
  recentEvents: true,
  machineStatus: true,
  machineStart: true,
  machineStop: true,
  machineRestart: true,
  machineReplaceViewerToken: true,
  machineResize: true,
  machineDestroy: true,
  machineEvents: true,
  regionsList: true,
  autostopGet: true,
  autostopSet: true,
  watchdogState: true,
  watchdogSet: true,
};
const TRADERS: Record<keyof TradersApi, true> = {
  list: true, check: true, save: true, remove: true, setEnabled: true, setCloud: true, resolveConflict: true, importJson: true, exportJson: true,
};
const SIGNALS: Record<keyof SignalsApi, true> = { list: true, watch: true, detail: true };
const LOCAL: Record<keyof LocalApi, true> = { status: true, start: true, stop: true };
// `events` (events_query) is in the support window's capability.
const LIVE: Record<Exclude<keyof LiveApi, "events">, true> = { watchLink: true, reconnect: true, watchDashboard: true };
const COSTS: Record<keyof CostsApi, true> = { report: true, chart: true, setBudget: true };
const OWNER_GROUPS: Record<Exclude<Groups, "support">, string[]> = {
  traders: Object.keys(TRADERS),
  signals: Object.keys(SIGNALS),
  local: Object.keys(LOCAL),
  live: Object.keys(LIVE),
  costs: Object.keys(COSTS),
};

/** A support-mode backend whose every owner command throws and is recorded. */
function supportBackend(options: { loggedIn?: boolean } = {}) {
  const backend = new MockBackend({ mode: "support", support: { loggedIn: options.loggedIn ?? true } });
  const ownerCalls: string[] = [];
  const forbid = (target: Record<string, unknown>, name: string, label: string) => {
    target[name] = () => {
      ownerCalls.push(label);
      throw new Error(`owner command ${label} called in support mode`);
    };
  };
  for (const name of Object.keys(OWNER_METHODS)) forbid(backend as unknown as Record<string, unknown>, name, name);
  for (const [group, names] of Object.entries(OWNER_GROUPS)) {
    const api = (backend as unknown as Record<string, Record<string, unknown>>)[group]!;
    for (const name of names) forbid(api, name, `${group}.${name}`);
  }
  let readies = 0;
  backend.ready = async () => {
    readies += 1;
  };
  return { backend, ownerCalls, readies: () => readies };
}

function renderApp(backend: MockBackend) {
  return render(
    <BackendProvider backend={backend}>
      <App />
    </BackendProvider>,
  );
}

async function inspect(query: string, key: string) {
  fireEvent.change(await screen.findByTestId("support-find-input"), { target: { value: query } });
  fireEvent.click(screen.getByTestId("support-find-submit"));
  fireEvent.click(await screen.findByTestId(`support-target-${key}`));
  await screen.findByTestId("support-findings");
}

const BOB = "tm-bob-71c2-3d8d9e1c2b4a58";
const ALICE = "tm-alice-3f9a-e784079b5e6e89";
const lineCount = () => screen.queryAllByTestId("support-log-line").length;
/** The log-tail watches and the live-view watches started so far, in order. */
const tails = (backend: MockBackend) => backend.support.watches.filter((w) => w.query !== null);
const lives = (backend: MockBackend) => backend.support.watches.filter((w) => w.live);
const logLine = (level: string, message: string): LogLine => ({ at: new Date().toISOString(), level, message, instance: "3d8d9e1c2b4a58", region: "sin" });

describe("support mode", () => {
  it("renders only the support window and never calls an owner command", async () => {
    const { backend, ownerCalls, readies } = supportBackend();
    renderApp(backend);
    const banner = await screen.findByTestId("support-mode-banner");
    expect(banner.textContent).toContain("Support mode — read-only. Every change is refused.");
    for (const owner of ["nav-dashboard", "nav-machine", "link-state", "deadman-banner", "area-dashboard"]) {
      expect(screen.queryByTestId(owner)).toBeNull();
    }
    await inspect("tm-bob-71c2", BOB);
    fireEvent.click(screen.getByTestId("support-refresh"));
    await waitFor(() => expect((screen.getByTestId("support-refresh") as HTMLButtonElement).disabled).toBe(false));
    await waitFor(() => expect(readies()).toBe(1));
    expect(ownerCalls).toEqual([]);
    // No control that changes anything: every button is a read, support's own credential or the report.
    const READ_ONLY = /^support-(save-fly|save-viewer|forget|find-submit|target-.+|refresh|log-apply|report-submit)$/;
    const buttons = screen.getAllByRole("button").map((b) => b.getAttribute("data-testid") ?? b.textContent);
    expect(buttons.length).toBeGreaterThan(6);
    for (const id of buttons) expect(id).toMatch(READ_ONLY);
  });

  it("saves and forgets credentials without ever showing a token", async () => {
    const { backend } = supportBackend({ loggedIn: false });
    renderApp(backend);
    const fly = (await screen.findByTestId("support-fly-token-input")) as HTMLInputElement;
    await waitFor(() => expect(screen.getByTestId("support-fly-token-state").textContent).toBe("not set"));
    expect(fly.type).toBe("password");
    expect((screen.getByTestId("support-save-fly") as HTMLButtonElement).disabled).toBe(true);

    const flySecret = "FlyV1 fm2_readonlySECRETvalue9Qa7";
    fireEvent.change(fly, { target: { value: flySecret } });
    fireEvent.click(screen.getByTestId("support-save-fly"));
    await waitFor(() => expect(screen.getByTestId("support-fly-token-state").textContent).toBe("…9Qa7 (keyring)"));
    expect(fly.value).toBe("");

    const viewer = screen.getByTestId("support-viewer-token-input") as HTMLInputElement;
    const viewerSecret = "viewer-SECRET-0123456789-wxyz";
    fireEvent.change(viewer, { target: { value: viewerSecret } });
    fireEvent.click(screen.getByTestId("support-save-viewer"));
    await waitFor(() => expect(screen.getByTestId("support-viewer-token-state").textContent).toBe("…wxyz (keyring)"));
    expect(viewer.value).toBe("");
    for (const secret of ["readonlySECRET", "viewer-SECRET"]) expect(document.body.innerHTML).not.toContain(secret);

    fireEvent.click(screen.getByTestId("support-forget"));
    await waitFor(() => expect(screen.getByTestId("support-fly-token-state").textContent).toBe("not set"));
    expect(screen.getByTestId("support-viewer-token-state").textContent).toBe("not set");
    expect((await backend.support.access()).flyToken).toBeNull();
  });

  it("refuses a whitespace-only token with its typed error, and a short viewer token", async () => {
    const { backend } = supportBackend({ loggedIn: false });
    renderApp(backend);
    fireEvent.change(await screen.findByTestId("support-fly-token-input"), { target: { value: "   \t " } });
    fireEvent.click(screen.getByTestId("support-save-fly"));
    const error = await screen.findByTestId("support-credentials-error");
    expect(error.getAttribute("data-code")).toBe("invalid_token");
    expect(screen.getByTestId("support-credentials-error-hint").textContent).toContain("fly tokens create readonly");
    expect(screen.getByTestId("support-fly-token-state").textContent).toBe("not set");

    fireEvent.change(screen.getByTestId("support-viewer-token-input"), { target: { value: "short" } });
    fireEvent.click(screen.getByTestId("support-save-viewer"));
    await waitFor(() => expect(screen.getByTestId("support-credentials-error-message").textContent).toContain("16–4096"));
    expect(screen.getByTestId("support-viewer-token-state").textContent).toBe("not set");
    expect(document.body.innerHTML).not.toContain(">short<");
  });

  it("shows find's invalid_input with its hint, for no match and for an empty query", async () => {
    const { backend } = supportBackend();
    renderApp(backend);
    fireEvent.change(await screen.findByTestId("support-find-input"), { target: { value: "nobody@example.com" } });
    fireEvent.click(screen.getByTestId("support-find-submit"));
    const error = await screen.findByTestId("support-find-error");
    expect(error.getAttribute("data-code")).toBe("invalid_input");
    expect(screen.getByTestId("support-find-error-message").textContent).toContain("nobody@example.com");
    expect(screen.getByTestId("support-find-error-hint").textContent).toBe("Check the value and try again.");

    fireEvent.change(screen.getByTestId("support-find-input"), { target: { value: "   " } });
    fireEvent.click(screen.getByTestId("support-find-submit"));
    await waitFor(() => expect(screen.getByTestId("support-find-error-message").textContent).toContain("1–200 characters"));
    expect(screen.queryByTestId("support-inspection")).toBeNull();
  });

  it("finds by user email and diagnoses the failing machine: findings, exits, errors", async () => {
    const { backend } = supportBackend();
    renderApp(backend);
    await inspect("BOB@example.com", BOB);
    const target = screen.getByTestId(`support-target-${BOB}`);
    expect(target.textContent).toContain("matched by user");
    expect(target.getAttribute("aria-pressed")).toBe("true");

    for (const code of ["crash_loop", "stale_candles"]) {
      expect(screen.getByTestId(`finding-${code}`).getAttribute("data-severity")).toBe("critical");
    }
    const findings = within(screen.getByTestId("support-findings")).getAllByRole("listitem");
    expect(findings[0]!.getAttribute("data-testid")).toBe("finding-crash_loop");
    expect(screen.getByTestId("support-versions").textContent).toContain("agent 0.9.1");
    expect(screen.getByTestId("support-machine-state").getAttribute("data-state")).toBe("started");
    expect(screen.getByTestId("support-env-names").textContent).toContain("TRADEMIND_VIEWER_TOKEN");

    const exits = screen.getAllByTestId("support-event").filter((row) => row.getAttribute("data-kind") === "exit");
    expect(exits.map((row) => within(row).getByTestId("support-event-exit").textContent)).toEqual(["1", "2", "1", "1"]);
    expect(exits.map((row) => within(row).getByTestId("support-event-restarts").textContent)).toEqual(["4", "3", "2", "1"]);

    expect(screen.getByTestId("support-health").getAttribute("data-status")).toBe("unreachable");
    expect(screen.getByTestId("support-health-error").getAttribute("data-code")).toBe("agent_unreachable");

    const groups = screen.getAllByTestId("support-error-group");
    expect(groups.map((g) => [g.getAttribute("data-source"), g.getAttribute("data-count")])).toEqual([
      ["binance", "3"],
      ["storage", "1"],
      ["engine", "1"],
    ]);
    expect(screen.getByTestId("support-trader-breakout").getAttribute("data-state")).toBe("error");
    expect(screen.getAllByTestId(/^support-chart-/).length).toBeGreaterThan(0);
    expect(screen.getByTestId("support-charts").querySelector("svg polyline")).not.toBeNull();
  });

  it("without the viewer token: no charts and says why; the link ends", async () => {
    const { backend } = supportBackend({ loggedIn: false });
    await backend.support.login("fly", "fm2_readonly-token-abcd");
    renderApp(backend);
    await inspect("tm-alice-3f9a", ALICE);
    expect(screen.getByTestId("support-charts-empty")).toBeTruthy();
    expect(screen.getByTestId("support-history-error-message").textContent).toContain("viewer token");
    await waitFor(() => expect(screen.getByTestId("support-link-state").getAttribute("data-state")).toBe("ended"));
    expect(screen.getByTestId("support-metrics").getAttribute("data-source")).toBe("none");
  });

  it("shows live metrics and signals from the watch's frames", async () => {
    const { backend } = supportBackend();
    renderApp(backend);
    await inspect("tm-alice-3f9a", ALICE);
    await waitFor(() => expect(screen.getByTestId("support-link-state").getAttribute("data-state")).toBe("live"));
    expect(screen.getByTestId("support-metrics").getAttribute("data-source")).toBe("snapshot");
    expect(screen.getByTestId("support-metric-cpu").textContent).toBe("12.5 %");

    const snapshot = (await backend.support.inspect("tm-alice-3f9a", "e784079b5e6e89")).agent!.metrics!;
    act(() => backend.support.emit({ type: "metrics", ...snapshot, cpuPercent: 77.25 }));
    expect(screen.getByTestId("support-metrics").getAttribute("data-source")).toBe("live");
    expect(screen.getByTestId("support-metric-cpu").textContent).toBe("77.3 %");

    act(() =>
      backend.support.emit({ type: "signal", seq: 38, traderId: "rsi-bounce", symbol: "SOLUSDT", interval: "5m", openTime: 0, closeTime: 300_000, price: 150, conditions: [] }),
    );
    act(() => backend.support.emit({ type: "trader_state", traderId: "rsi-bounce", version: 4, state: "error", error: "bad filter" }));
    const seqs = screen.getAllByTestId("support-signal").map((s) => s.getAttribute("data-seq"));
    expect(seqs).toEqual(["38", "37", "36"]);
    expect(screen.getByTestId("support-trader-rsi-bounce").getAttribute("data-state")).toBe("error");
  });

  it("filters logs, restarts only the tail after the page, tails while following only", async () => {
    const { backend } = supportBackend();
    renderApp(backend);
    await inspect("tm-bob-71c2", BOB);
    await waitFor(() => expect(lineCount()).toBe(6));
    await waitFor(() => expect(tails(backend)).toHaveLength(1));
    expect(tails(backend)[0]!.query).toEqual({ minLevel: null, search: null, after: "tok-6" });
    expect(tails(backend)[0]!.live).toBe(false);
    expect(lives(backend)).toHaveLength(1);
    expect(lives(backend)[0]!.query).toBeNull();

    fireEvent.change(screen.getByTestId("support-log-level"), { target: { value: "error" } });
    fireEvent.click(screen.getByTestId("support-log-apply"));
    await waitFor(() => expect(lineCount()).toBe(3));
    expect(screen.getAllByTestId("support-log-line").every((l) => l.getAttribute("data-level") === "error")).toBe(true);
    await waitFor(() => expect(tails(backend)).toHaveLength(2));
    expect(tails(backend)[0]!.active).toBe(false);
    expect(tails(backend)[1]!.query).toEqual({ minLevel: "error", search: null, after: "tok-6" });
    // The viewer connection stays up across filter changes.
    expect(lives(backend)).toHaveLength(1);
    expect(lives(backend)[0]!.active).toBe(true);

    // Search applies on Enter (the form's submit).
    fireEvent.change(screen.getByTestId("support-log-search"), { target: { value: "DISK" } });
    fireEvent.submit(screen.getByTestId("support-log-search"));
    await waitFor(() => expect(lineCount()).toBe(1));
    expect(screen.getByTestId("support-log-line").textContent).toContain("disk full");
    await waitFor(() => expect(tails(backend)).toHaveLength(3));
    expect(lives(backend)).toHaveLength(1);

    act(() => backend.support.emit({ type: "logs", lines: [logLine("error", "disk full again"), logLine("info", "disk ok")], nextToken: "t", scanned: 2 }));
    expect(lineCount()).toBe(2);
    expect(screen.getByTestId("support-log-count").textContent).toContain("2 lines");

    fireEvent.click(screen.getByTestId("support-log-follow"));
    act(() => backend.support.emit({ type: "logs", lines: [logLine("error", "disk full while paused")], nextToken: "t2", scanned: 1 }));
    expect(lineCount()).toBe(2);
    expect(screen.getByTestId("support-log-count").textContent).toContain("paused");

    fireEvent.click(screen.getByTestId("support-log-follow"));
    act(() => backend.support.emit({ type: "logs", lines: [logLine("error", "disk full resumed")], nextToken: "t3", scanned: 1 }));
    expect(lineCount()).toBe(3);
  });

  it("refuses an overly long search and keeps the lines and the watch", async () => {
    const { backend } = supportBackend();
    renderApp(backend);
    await inspect("tm-bob-71c2", BOB);
    await waitFor(() => expect(tails(backend)).toHaveLength(1));
    await waitFor(() => expect(lineCount()).toBe(6));
    fireEvent.change(screen.getByTestId("support-log-search"), { target: { value: "x".repeat(201) } });
    fireEvent.click(screen.getByTestId("support-log-apply"));
    const error = await screen.findByTestId("support-logs-error");
    expect(error.getAttribute("data-code")).toBe("invalid_input");
    expect(lineCount()).toBe(6);
    expect(backend.support.watches).toHaveLength(2);
    expect(backend.support.watches.every((w) => w.active)).toBe(true);
  });

  it("says when the live tail stops and restarts it, the live view untouched", async () => {
    const { backend } = supportBackend();
    renderApp(backend);
    await inspect("tm-bob-71c2", BOB);
    await waitFor(() => expect(tails(backend)).toHaveLength(1));
    act(() => backend.support.emit({ type: "tail_ended", detail: "fly_unauthorized: the token was revoked" }));
    expect(screen.getByTestId("support-tail-ended").textContent).toContain("the token was revoked");
    expect(screen.getByTestId("support-link-state").getAttribute("data-state")).not.toBe("ended");
    fireEvent.click(screen.getByTestId("support-tail-restart"));
    await waitFor(() => expect(tails(backend)).toHaveLength(2));
    expect(tails(backend)[0]!.active).toBe(false);
    expect(tails(backend)[1]!.query).toEqual(tails(backend)[0]!.query);
    expect(screen.queryByTestId("support-tail-ended")).toBeNull();
    expect(lives(backend)).toHaveLength(1);
    expect(lives(backend)[0]!.active).toBe(true);
  });

  it("writes the report and shows its summary; an empty folder is refused", async () => {
    const { backend } = supportBackend();
    renderApp(backend);
    await inspect("tm-bob-71c2", BOB);
    fireEvent.click(screen.getByTestId("support-report-submit"));
    expect((await screen.findByTestId("support-report-error")).getAttribute("data-code")).toBe("invalid_input");
    expect(screen.getByTestId("support-report-error-message").textContent).toContain("choose a folder");

    fireEvent.change(screen.getByTestId("support-report-dir"), { target: { value: "/tmp/bob-report/" } });
    fireEvent.click(screen.getByTestId("support-report-submit"));
    await screen.findByTestId("support-report-result");
    expect(screen.getByTestId("support-report-index").textContent).toBe("/tmp/bob-report/index.html");
    expect(Number(screen.getByTestId("support-report-files").textContent)).toBeGreaterThan(3);
    expect(screen.getByTestId("support-report-redactions").textContent).toBe("3");
    expect(screen.getByTestId("support-report-findings").textContent).toBe("3");
    expect(screen.queryByTestId("support-report-error")).toBeNull();
  });

  it("stops the watches when the target changes and when the window unmounts", async () => {
    const { backend } = supportBackend();
    const { unmount } = renderApp(backend);
    await inspect("tm-bob-71c2", BOB);
    await waitFor(() => expect(tails(backend)).toHaveLength(1));
    expect(lives(backend)).toHaveLength(1);
    await inspect("tm-alice-3f9a", ALICE);
    await waitFor(() => expect(tails(backend)).toHaveLength(2));
    expect(lives(backend)).toHaveLength(2);
    expect(lives(backend)[0]!.active).toBe(false);
    expect(tails(backend)[0]!.active).toBe(false);
    expect(lives(backend)[1]!.app).toBe("tm-alice-3f9a");
    expect(tails(backend)[1]!.app).toBe("tm-alice-3f9a");
    expect(backend.support.stops).toBe(2);
    unmount();
    await waitFor(() => expect(backend.support.stops).toBe(4));
    expect(backend.support.watches.every((w) => !w.active)).toBe(true);
  });
});
