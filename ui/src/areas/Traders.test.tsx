import { describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { LinkState, Trader } from "../bindings";
import type { Unwatch } from "../backend/apis";
import { BackendProvider } from "../backend/context";
import { MockBackend, type MockOptions } from "../backend/mock";
import { Traders } from "./Traders";
import { readText } from "./traders/download";

const USER = "user-pullback-trend-rider";
const RSI = "builtin-rsi-oversold-bounce";
const GOLDEN = "builtin-golden-cross";
// Polls far apart unless a test wants them: each test drives the list itself.
const NO_POLL = 60_000;

/** The live link reports `state` (or cannot be watched at all when null). */
function setLink(backend: MockBackend, state: LinkState["state"] | null) {
  const watchLink = async (onView: (v: { state: LinkState; agentUrl: string | null; attempts: number; pendingCommands: number }) => void): Promise<Unwatch> => {
    if (state === null) throw new Error("the live link is not built");
    const view: LinkState =
      state === "live" ? { state: "live", role: "owner", since: new Date().toISOString() } : { state: "connecting" };
    onView({ state: view, agentUrl: "https://a.fly.dev", attempts: 1, pendingCommands: 0 });
    return async () => {};
  };
  Object.assign(backend.live, { watchLink });
}

function renderTraders(
  options: MockOptions = {},
  { link = "live" as LinkState["state"] | null, pollMs = NO_POLL, prepare = (_b: MockBackend) => {} } = {},
) {
  const backend = new MockBackend({ machine: { initial: "started", stepMs: 1 }, traders: { deployMs: 30 }, ...options });
  setLink(backend, link);
  prepare(backend);
  render(
    <BackendProvider backend={backend}>
      <Traders pollMs={pollMs} />
    </BackendProvider>,
  );
  return backend;
}

const card = (id: string) => screen.getByTestId(`trader-card-${id}`);
const badge = (id: string) => screen.getByTestId(`trader-badge-${id}`);
const toggle = (id: string) => screen.getByTestId(`trader-cloud-toggle-${id}`) as HTMLButtonElement;

async function loaded() {
  await waitFor(() => expect(screen.getByTestId(`trader-card-${USER}`)).toBeTruthy());
}

async function toggleAllowed(id: string) {
  await waitFor(() => expect(toggle(id).disabled).toBe(false));
}

describe("Traders → cards", () => {
  it("shows name, description, interval, built-in marker, last signal and a badge per placement", async () => {
    renderTraders({}, {
      prepare: (b) => {
        b.traders.place(RSI, "cloud", 4);
        b.traders.place(GOLDEN, "deploying");
        b.traders.place("builtin-volume-spike", "undeploying");
        b.traders.place("builtin-vwap-reclaim", "error", null, "the agent refused: filter exceeded its memory cap");
      },
    });
    await loaded();
    const expected: Record<string, [string, string]> = {
      [USER]: ["local", "Local"],
      [RSI]: ["cloud", "Cloud v4"],
      [GOLDEN]: ["deploying", "Deploying…"],
      "builtin-volume-spike": ["undeploying", "Undeploying…"],
      "builtin-vwap-reclaim": ["error", "Error"],
    };
    for (const [id, [placement, text]] of Object.entries(expected)) {
      expect(badge(id).getAttribute("data-placement")).toBe(placement);
      expect(badge(id).textContent).toBe(text);
      expect(card(id).getAttribute("data-placement")).toBe(placement);
    }
    expect(screen.getByTestId("trader-badge-error-builtin-vwap-reclaim").textContent).toContain("memory cap");

    const user = within(card(USER));
    expect(user.getByText("1h pullback trend rider")).toBeTruthy();
    expect(user.getByText(/15m pullback to the EMA\(20\)/)).toBeTruthy();
    expect(screen.getByTestId(`trader-interval-${USER}`).textContent).toBe("Every 15m");
    expect(screen.queryByTestId(`trader-builtin-${USER}`)).toBeNull();
    expect(screen.getByTestId(`trader-builtin-${RSI}`).textContent).toBe("Built-in");
    // Built-ins first, then user traders.
    const ids = Array.from(screen.getByTestId("traders-list").children).map((c) => c.getAttribute("data-testid"));
    expect(ids[ids.length - 1]).toBe(`trader-card-${USER}`);
    // The seeded feed holds signals of the RSI trader, none of the user's.
    expect(screen.getByTestId(`trader-last-${RSI}`).textContent).toMatch(/Last signal \w+USDT 15m · \d+ (min|h) ago/);
    expect(screen.getByTestId(`trader-last-${USER}`).textContent).toBe("No signal yet");
  });

  it("switches a trader off and on with its enabled switch", async () => {
    renderTraders();
    await loaded();
    const enabled = screen.getByTestId(`trader-enabled-${USER}`);
    expect(enabled.getAttribute("aria-checked")).toBe("true");
    fireEvent.click(enabled);
    await waitFor(() => expect(screen.getByTestId(`trader-enabled-${USER}`).getAttribute("aria-checked")).toBe("false"));
    expect(card(USER).className).toContain("trader-card-off");
  });

  it("filters by enabled, cloud and built-in, and searches", async () => {
    const backend = renderTraders({}, { prepare: (b) => b.traders.place(GOLDEN, "cloud", 1) });
    await loaded();
    await backend.traders.setEnabled(RSI, false);
    fireEvent.click(screen.getByTestId(`trader-enabled-${USER}`)); // the list refreshes after it
    await waitFor(() => expect(screen.getByTestId(`trader-enabled-${USER}`).getAttribute("aria-checked")).toBe("false"));

    fireEvent.click(screen.getByTestId("traders-filter-builtin"));
    expect(screen.queryByTestId(`trader-card-${USER}`)).toBeNull();
    expect(screen.getByTestId(`trader-card-${RSI}`)).toBeTruthy();

    fireEvent.click(screen.getByTestId("traders-filter-cloud"));
    expect(screen.getAllByTestId(/^trader-card-/).map((c) => c.getAttribute("data-testid"))).toEqual([`trader-card-${GOLDEN}`]);

    fireEvent.click(screen.getByTestId("traders-filter-enabled"));
    expect(screen.queryByTestId(`trader-card-${RSI}`)).toBeNull();
    expect(screen.queryByTestId(`trader-card-${USER}`)).toBeNull();
    expect(screen.getByTestId(`trader-card-${GOLDEN}`)).toBeTruthy();

    fireEvent.click(screen.getByTestId("traders-filter-all"));
    fireEvent.change(screen.getByTestId("traders-search"), { target: { value: "GOLDEN" } });
    expect(screen.getAllByTestId(/^trader-card-/).map((c) => c.getAttribute("data-testid"))).toEqual([`trader-card-${GOLDEN}`]);
    fireEvent.change(screen.getByTestId("traders-search"), { target: { value: "no such trader" } });
    expect(screen.getByTestId("traders-empty").textContent).toContain("No trader matches");
  });

  it("refreshes the list periodically", async () => {
    const backend = renderTraders({}, { pollMs: 40 });
    await loaded();
    backend.traders.place(RSI, "cloud", 9);
    await waitFor(() => expect(badge(RSI).textContent).toBe("Cloud v9"));
  });
});

describe("Traders → cloud toggle", () => {
  it("is disabled with the reason while the machine is not running", async () => {
    renderTraders({ machine: { initial: "stopped", stepMs: 1 } });
    await loaded();
    await waitFor(() => expect(toggle(USER).title).toMatch(/machine is stopped/));
    expect(toggle(USER).disabled).toBe(true);
    expect(screen.getByTestId("traders-cloud-gate").textContent).toMatch(/start it in the Machine area/);
  });

  it("is disabled while the link is not live, and when the link cannot be watched", async () => {
    renderTraders({}, { link: "connecting" });
    await loaded();
    await waitFor(() => expect(toggle(USER).title).toMatch(/link to the agent is connecting/));
    expect(toggle(USER).disabled).toBe(true);
  });

  it("treats a link that cannot be watched as offline", async () => {
    renderTraders({}, { link: null });
    await loaded();
    await waitFor(() => expect(toggle(USER).title).toMatch(/offline/));
    expect(toggle(USER).disabled).toBe(true);
  });

  it("deploys with the version it loaded: Deploying… then Cloud vN", async () => {
    const backend = renderTraders({}, { pollMs: 40 });
    const setCloud = vi.spyOn(backend.traders, "setCloud");
    await loaded();
    await toggleAllowed(USER);
    expect(toggle(USER).getAttribute("aria-checked")).toBe("false");
    fireEvent.click(toggle(USER));
    expect(setCloud).toHaveBeenCalledWith(USER, true, 3);
    await waitFor(() => expect(badge(USER).textContent).toBe("Deploying…"));
    expect(toggle(USER).getAttribute("aria-checked")).toBe("true");
    await waitFor(() => expect(badge(USER).textContent).toBe("Cloud v4"));

    fireEvent.click(toggle(USER));
    expect(setCloud).toHaveBeenLastCalledWith(USER, false, 4);
    await waitFor(() => expect(badge(USER).textContent).toBe("Local"));
  });

  it("shows a version conflict with Reload and never retries it", async () => {
    const backend = renderTraders();
    const setCloud = vi.spyOn(backend.traders, "setCloud");
    await loaded();
    await toggleAllowed(USER);
    backend.traders.touch(USER); // changed elsewhere: version 4
    fireEvent.click(toggle(USER));
    const error = await screen.findByTestId(`trader-error-${USER}`);
    expect(error.getAttribute("data-code")).toBe("version_conflict");
    expect(error.textContent).toMatch(/version 3, now 4/);
    await new Promise((r) => setTimeout(r, 60));
    expect(setCloud).toHaveBeenCalledTimes(1);
    expect(badge(USER).textContent).toBe("Local");

    fireEvent.click(screen.getByTestId(`trader-reload-${USER}`));
    await waitFor(() => expect(screen.queryByTestId(`trader-error-${USER}`)).toBeNull());
    expect(within(card(USER)).getByText("v4")).toBeTruthy();
    fireEvent.click(toggle(USER));
    await waitFor(() => expect(setCloud).toHaveBeenLastCalledWith(USER, true, 4));
  });

  it("shows the core's refusal", async () => {
    const backend = renderTraders();
    await loaded();
    await toggleAllowed(USER);
    // The machine stops between the gate's last read and the click.
    await backend.machine.stop();
    fireEvent.click(toggle(USER));
    const error = await screen.findByTestId(`trader-error-${USER}`);
    expect(error.getAttribute("data-code")).toBe("agent_not_ready");
    expect(screen.queryByTestId(`trader-reload-${USER}`)).toBeNull();
  });
});

describe("Traders → conflicts", () => {
  it("keeps mine: deploys a newer version", async () => {
    const backend = renderTraders({}, { prepare: (b) => b.traders.injectConflict(USER, 7) });
    const resolve = vi.spyOn(backend.traders, "resolveConflict");
    await loaded();
    const banner = screen.getByTestId(`trader-conflict-${USER}`);
    expect(banner.textContent).toMatch(/this computer has v3, the cloud runs v7/);
    const mine = screen.getByTestId(`trader-conflict-mine-${USER}`);
    expect(mine.textContent).toBe("Keep mine (deploy v8)");
    fireEvent.click(mine);
    expect(resolve).toHaveBeenCalledWith(USER, "mine");
    await waitFor(() => expect(screen.queryByTestId(`trader-conflict-${USER}`)).toBeNull());
    expect(badge(USER).textContent).toBe("Deploying…");
  });

  it("keeps the cloud's: runs the cloud's version", async () => {
    const backend = renderTraders({}, { prepare: (b) => b.traders.injectConflict(USER, 7) });
    const resolve = vi.spyOn(backend.traders, "resolveConflict");
    await loaded();
    fireEvent.click(screen.getByTestId(`trader-conflict-cloud-${USER}`));
    expect(resolve).toHaveBeenCalledWith(USER, "cloud");
    await waitFor(() => expect(screen.queryByTestId(`trader-conflict-${USER}`)).toBeNull());
    expect(badge(USER).textContent).toBe("Cloud v7");
  });
});

function setCode(code: string) {
  fireEvent.change(screen.getByTestId("trader-code"), { target: { value: code } });
}

describe("Traders → editor", () => {
  it("shows check problems with line numbers, moves the caret to one, and blocks Save", async () => {
    renderTraders();
    await loaded();
    fireEvent.click(screen.getByTestId("traders-new"));
    fireEvent.change(screen.getByTestId("trader-name"), { target: { value: "Broken" } });
    const code = "const k = timeframes['15m'];\nconst h = timeframes['1h'];\nconst r = fetch('x');\nreturn (true;\n";
    setCode(code);
    fireEvent.click(screen.getByTestId("trader-check"));
    await screen.findByTestId("trader-problems");

    const problems = screen.getAllByTestId(/^trader-problem-\d+$/);
    const text = problems.map((p) => p.textContent);
    expect(text.some((t) => /^Line 3:\d+ `fetch` is not available/.test(t ?? ""))).toBe(true);
    expect(text.some((t) => /^Line 2 reads timeframes\['1h'\] but 1h is not a required timeframe/.test(t ?? ""))).toBe(true);
    expect(text.some((t) => /^Line 4:\d+ unexpected `;`|^Line 4:\d+ `\(` is never closed/.test(t ?? ""))).toBe(true);
    expect(screen.getByTestId("trader-check-summary").textContent).toMatch(/problems?: fix/);
    expect(screen.queryByTestId("trader-dry-run")).toBeNull();
    expect((screen.getByTestId("trader-save") as HTMLButtonElement).disabled).toBe(true);
    // Problem lines are marked in the gutter.
    expect(screen.getByTestId("trader-code-gutter").children[1]!.className).toBe("gutter-bad");

    const fetchProblem = problems.find((p) => p.getAttribute("data-line") === "3")!;
    fireEvent.click(fetchProblem);
    const area = screen.getByTestId("trader-code") as HTMLTextAreaElement;
    expect(document.activeElement).toBe(area);
    const line3 = code.indexOf("const r");
    expect(area.selectionStart).toBe(line3 + code.split("\n")[2]!.indexOf("fetch"));

    // Editing after the check marks it stale and lets Save through to the core's validation.
    setCode("const k = timeframes['15m'];\nreturn k.length > 0;\n");
    expect(screen.getByTestId("trader-check-summary").textContent).toMatch(/edited since the check/);
    expect((screen.getByTestId("trader-save") as HTMLButtonElement).disabled).toBe(false);
  });

  it("checks a valid trader (dry run) and saves it as a new card", async () => {
    const backend = renderTraders();
    const save = vi.spyOn(backend.traders, "save");
    await loaded();
    fireEvent.click(screen.getByTestId("traders-new"));
    fireEvent.change(screen.getByTestId("trader-name"), { target: { value: "Quiet RSI" } });
    fireEvent.change(screen.getByTestId("trader-description"), { target: { value: "RSI below 30" } });
    fireEvent.change(screen.getByTestId("trader-interval"), { target: { value: "1h" } });
    fireEvent.click(screen.getByTestId("trader-timeframe-1h"));
    fireEvent.click(screen.getByTestId("trader-timeframe-15m"));
    fireEvent.change(screen.getByTestId("trader-cooldown"), { target: { value: "12" } });
    fireEvent.change(screen.getByTestId("trader-symbols"), { target: { value: "btcusdt, ETHUSDT  ethusdt" } });
    fireEvent.click(screen.getByTestId("trader-notify"));
    fireEvent.change(screen.getByTestId("trader-instructions"), { target: { value: "Longs only." } });
    setCode("const k = timeframes['1h'];\nconst rsi = helpers.getLatestRSI(k, 14);\nreturn rsi !== null && rsi < 30;\n");
    fireEvent.click(screen.getByTestId("trader-check"));
    const dry = await screen.findByTestId("trader-dry-run");
    expect(dry.textContent).toMatch(/BTCUSDT 1h, 500 recorded candles/);
    expect(screen.getByTestId("trader-dry-evaluations").textContent).toBe("500");
    expect(screen.getByTestId("trader-check-summary").textContent).toBe("No problems: it can be saved.");

    fireEvent.click(screen.getByTestId("trader-save"));
    await waitFor(() => expect(screen.queryByTestId("trader-editor")).toBeNull());
    const saved = save.mock.calls[0]![0] as Trader;
    expect(saved.id).toBe("");
    expect(saved.filter.refreshInterval).toBe("1h");
    expect(saved.filter.requiredTimeframes).toEqual(["1h"]);
    expect(saved.filter.cooldownBars).toBe(12);
    expect(saved.filter.symbols).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(saved.cloud.notifyOnSignal).toBe(true);
    expect(saved.strategy.instructions).toBe("Longs only.");
    expect(screen.getByTestId("traders-message").textContent).toMatch(/Saved “Quiet RSI” \(version 1\)/);
    await waitFor(() => expect(screen.getByText("Quiet RSI")).toBeTruthy());
  });

  it("shows version_conflict on save with Reload, which loads the stored version", async () => {
    const backend = renderTraders();
    const save = vi.spyOn(backend.traders, "save");
    await loaded();
    fireEvent.click(screen.getByTestId(`trader-edit-${USER}`));
    expect(screen.getByText("Version 3")).toBeTruthy();
    fireEvent.change(screen.getByTestId("trader-name"), { target: { value: "Renamed here" } });
    backend.traders.touch(USER);
    fireEvent.click(screen.getByTestId("trader-save"));
    const error = await screen.findByTestId("trader-editor-error");
    expect(error.getAttribute("data-code")).toBe("version_conflict");
    expect(screen.getByTestId("trader-editor-error-hint").textContent).toMatch(/Reload/);
    expect(save).toHaveBeenCalledTimes(1);

    fireEvent.click(screen.getByTestId("trader-editor-reload"));
    await waitFor(() => expect(screen.getByText("Version 4")).toBeTruthy());
    expect((screen.getByTestId("trader-name") as HTMLInputElement).value).toBe("1h pullback trend rider");
    expect(screen.queryByTestId("trader-editor-error")).toBeNull();
  });

  it("opens a built-in read-only; Duplicate makes an editable copy", async () => {
    renderTraders();
    await loaded();
    fireEvent.click(screen.getByTestId(`trader-view-${RSI}`));
    expect(screen.getByTestId("trader-readonly")).toBeTruthy();
    expect((screen.getByTestId("trader-code") as HTMLTextAreaElement).readOnly).toBe(true);
    expect((screen.getByTestId("trader-name") as HTMLInputElement).readOnly).toBe(true);
    expect(screen.queryByTestId("trader-save")).toBeNull();
    expect(screen.queryByTestId("trader-delete")).toBeNull();
    fireEvent.click(screen.getByTestId("trader-duplicate"));
    expect((screen.getByTestId("trader-name") as HTMLInputElement).value).toBe("RSI oversold bounce (copy)");
    expect((screen.getByTestId("trader-code") as HTMLTextAreaElement).readOnly).toBe(false);
    expect((screen.getByTestId("trader-save") as HTMLButtonElement).disabled).toBe(false);
  });

  it("inserts two spaces on Tab in the code editor", async () => {
    renderTraders();
    await loaded();
    fireEvent.click(screen.getByTestId("traders-new"));
    const area = screen.getByTestId("trader-code") as HTMLTextAreaElement;
    setCode("ab");
    area.setSelectionRange(1, 1);
    fireEvent.keyDown(area, { key: "Tab" });
    expect(area.value).toBe("a  b");
  });

  it("deletes a user trader only after confirmation", async () => {
    const backend = renderTraders();
    const remove = vi.spyOn(backend.traders, "remove");
    await loaded();
    fireEvent.click(screen.getByTestId(`trader-edit-${USER}`));
    fireEvent.click(screen.getByTestId("trader-delete"));
    fireEvent.click(screen.getByTestId("trader-delete-cancel"));
    expect(remove).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("trader-delete"));
    fireEvent.click(screen.getByTestId("trader-delete-confirm"));
    await waitFor(() => expect(screen.queryByTestId("trader-editor")).toBeNull());
    expect(remove).toHaveBeenCalledWith(USER, 3);
    await waitFor(() => expect(screen.queryByTestId(`trader-card-${USER}`)).toBeNull());
  });
});

function pick(json: string, name = "traders.json") {
  const input = screen.getByTestId("traders-import-input") as HTMLInputElement;
  const file = new File([json], name, { type: "application/json" });
  Object.defineProperty(input, "files", { value: [file], configurable: true });
  fireEvent.change(input);
}

describe("Traders → import and export", () => {
  it("imports a file and reports what was skipped and why", async () => {
    renderTraders();
    await loaded();
    pick(
      JSON.stringify([
        { name: "Imported breakout", filter: { code: "return true;", refreshInterval: "4h" } },
        { description: "no name", filter: { code: "return true;" } },
        { name: "Bad interval", filter: { code: "return true;", refreshInterval: "7m" } },
        { name: "Golden cross", filter: { code: "return true;" } },
        { name: "No code", filter: {} },
        42,
      ]),
      "mine.json",
    );
    const report = await screen.findByTestId("traders-import-report");
    expect(report.textContent).toMatch(/Imported from mine\.json/);
    expect(screen.getByTestId("traders-import-count").textContent).toBe("1 imported, 5 skipped.");
    const skipped = screen.getByTestId("traders-import-skipped").textContent ?? "";
    expect(skipped).toMatch(/record 2: it has no name/);
    expect(skipped).toMatch(/Bad interval: refresh interval “7m” is not one of/);
    expect(skipped).toMatch(/Golden cross: a trader named “Golden cross” already exists/);
    expect(skipped).toMatch(/No code: its filter has no code/);
    expect(skipped).toMatch(/record 6: not a trader record/);
    await waitFor(() => expect(screen.getByText("Imported breakout")).toBeTruthy());
  });

  it("shows a file that is not JSON as an error", async () => {
    renderTraders();
    await loaded();
    pick("{ not json");
    const error = await screen.findByTestId("traders-import-error");
    expect(error.getAttribute("data-code")).toBe("invalid_input");
    expect(error.textContent).toMatch(/not JSON/);
  });

  it("exports the selected traders, or every user trader, as traders.json", async () => {
    const blobs: Blob[] = [];
    const names: string[] = [];
    const create = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return `blob:mock/${blobs.length}`;
    });
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() });
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download);
    });
    const backend = renderTraders();
    const exportJson = vi.spyOn(backend.traders, "exportJson");
    await loaded();

    expect(screen.getByTestId("traders-export").textContent).toBe("Export all");
    fireEvent.click(screen.getByTestId("traders-export"));
    await waitFor(() => expect(blobs).toHaveLength(1));
    expect(exportJson).toHaveBeenLastCalledWith([]);
    const all = JSON.parse(await readText(blobs[0]!)) as Trader[];
    expect(all.map((t) => t.id)).toEqual([USER]);
    expect(all[0]!.filter.code).toContain("timeframes['1h']");

    fireEvent.click(screen.getByTestId(`trader-select-${RSI}`));
    fireEvent.click(screen.getByTestId(`trader-select-${GOLDEN}`));
    expect(screen.getByTestId("traders-export").textContent).toBe("Export 2 selected");
    fireEvent.click(screen.getByTestId("traders-export"));
    await waitFor(() => expect(blobs).toHaveLength(2));
    const chosen = JSON.parse(await readText(blobs[1]!)) as Trader[];
    expect(chosen.map((t) => t.name).sort()).toEqual(["Golden cross", "RSI oversold bounce"]);
    expect(blobs[1]!.type).toBe("application/json");
    expect(names).toEqual(["traders.json", "traders.json"]);
    click.mockRestore();
    await act(async () => {});
  });
});
