import { describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { SignalView } from "../bindings";
import { BackendProvider } from "../backend/context";
import { MockBackend, type MockOptions } from "../backend/mock";
import { syntheticSignal } from "../backend/mockSignals";
import { Signals } from "./Signals";

const NOW = Date.now();
const cloud = (n: number, ageMs: number) => syntheticSignal(n, "cloud", NOW - ageMs);
const local = (n: number, ageMs: number) => ({ ...syntheticSignal(n, "local", NOW - ageMs), key: `local:run-9:${n}` });

function renderSignals(options: MockOptions = {}, seed: SignalView[] = [cloud(1, 30_000), cloud(2, 20_000), local(1, 10_000)]) {
  const backend = new MockBackend({ signals: { emitMs: 0, seed }, local: { tickMs: 0 }, ...options });
  const view = render(
    <BackendProvider backend={backend}>
      <Signals localPollMs={60_000} flushMs={40} />
    </BackendProvider>,
  );
  return { backend, view };
}

const rowIds = () =>
  Array.from(screen.getByTestId("signals-feed").querySelectorAll("tbody tr")).map((r) => r.getAttribute("data-testid"));

describe("Signals → feed", () => {
  it("lists stored signals newest first, with the source, decision and confidence", async () => {
    renderSignals();
    await screen.findByTestId("signals-feed");
    expect(rowIds()).toEqual(["signal-row-local-1", "signal-row-2", "signal-row-1"]);
    const row = within(screen.getByTestId("signal-row-1"));
    const s = cloud(1, 30_000);
    expect(row.getByText(s.traderName)).toBeTruthy();
    expect(row.getByText(s.symbol)).toBeTruthy();
    expect(row.getByText("Cloud")).toBeTruthy();
    // Seq 1 is analysed ("bad setup") with a confidence.
    expect(screen.getByTestId("signal-row-1").textContent).toMatch(/bad setup · \d+ %/);
    expect(within(screen.getByTestId("signal-row-local-1")).getByText("Local")).toBeTruthy();
  });

  it("adds live signals on top, once per key, in batches", async () => {
    const { backend } = renderSignals();
    await screen.findByTestId("signals-feed");
    await waitFor(() => expect(backend.signals.watching).toBe(1));
    act(() => {
      backend.signals.publish(cloud(3, 0));
      backend.signals.publish(cloud(3, 0));
      backend.signals.publish(cloud(2, 20_000));
    });
    // Nothing renders before the flush.
    expect(screen.queryByTestId("signal-row-3")).toBeNull();
    await waitFor(() => expect(screen.getByTestId("signal-row-3")).toBeTruthy());
    expect(rowIds()).toEqual(["signal-row-3", "signal-row-local-1", "signal-row-2", "signal-row-1"]);
  });

  it("keeps at most the newest 1 000 rows", async () => {
    const seed = Array.from({ length: 1000 }, (_, i) => cloud(i + 1, (1000 - i) * 1000));
    const { backend } = renderSignals({}, seed);
    await screen.findByTestId("signals-feed");
    expect(screen.getByTestId("signals-feed").getAttribute("data-rows")).toBe("1000");
    await waitFor(() => expect(backend.signals.watching).toBe(1));
    act(() => {
      for (let n = 1001; n <= 1100; n++) backend.signals.publish(cloud(n, 0));
    });
    await waitFor(() => expect(screen.getByTestId("signal-row-1100")).toBeTruthy());
    expect(screen.getByTestId("signals-feed").getAttribute("data-rows")).toBe("1000");
    expect(screen.queryByTestId("signal-row-100")).toBeNull();
    expect(screen.getByTestId("signal-row-101")).toBeTruthy();
  });

  it("re-queries with the filters and filters live signals the same way", async () => {
    const { backend } = renderSignals();
    const list = vi.spyOn(backend.signals, "list");
    await screen.findByTestId("signals-feed");
    await waitFor(() => expect(backend.signals.watching).toBe(1));

    fireEvent.click(screen.getByTestId("signals-filter-source-local"));
    await waitFor(() => expect(rowIds()).toEqual(["signal-row-local-1"]));
    expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ source: "local", traderId: null, symbol: null }));
    act(() => {
      backend.signals.publish(cloud(7, 0));
      backend.signals.publish(local(2, 0));
    });
    await waitFor(() => expect(screen.getByTestId("signal-row-local-2")).toBeTruthy());
    await new Promise((r) => setTimeout(r, 80));
    expect(screen.queryByTestId("signal-row-7")).toBeNull();

    fireEvent.click(screen.getByTestId("signals-filter-source-all"));
    const symbol = cloud(2, 0).symbol;
    fireEvent.change(screen.getByTestId("signals-filter-symbol"), { target: { value: symbol.toLowerCase() } });
    fireEvent.keyDown(screen.getByTestId("signals-filter-symbol"), { key: "Enter" });
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ symbol: symbol.toLowerCase() })));
    await waitFor(() => expect(rowIds().length).toBeGreaterThan(0));
    for (const row of screen.getByTestId("signals-feed").querySelectorAll("tbody tr")) {
      expect(row.textContent).toContain(symbol);
    }

    fireEvent.click(screen.getByTestId("signals-filter-clear"));
    const trader = cloud(1, 0).traderId;
    await waitFor(() => expect(screen.getByRole("option", { name: cloud(1, 0).traderName })).toBeTruthy());
    fireEvent.change(screen.getByTestId("signals-filter-trader"), { target: { value: trader } });
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ traderId: trader, symbol: null })));
    await waitFor(() => expect(rowIds()).not.toContain("signal-row-2"));
    expect(rowIds()).toContain("signal-row-1");

    fireEvent.change(screen.getByTestId("signals-filter-trader"), { target: { value: "user-pullback-trend-rider" } });
    expect((await screen.findByTestId("signals-empty")).textContent).toMatch(/No signal matches/);
  });

  it("shows an empty state, and stops watching when the area closes", async () => {
    const { backend, view } = renderSignals({}, []);
    expect((await screen.findByTestId("signals-empty")).textContent).toMatch(/No signals yet/);
    await waitFor(() => expect(backend.signals.watching).toBe(1));
    view.unmount();
    await waitFor(() => expect(backend.signals.watching).toBe(0));
  });
});

describe("Signals → detail", () => {
  it("shows the chart as an SVG image, indicators, conditions and the analysis", async () => {
    renderSignals();
    fireEvent.click(await screen.findByTestId("signal-row-1"));
    const detail = await screen.findByTestId("signal-detail");
    const img = (await screen.findByTestId("signal-detail-chart")) as HTMLImageElement;
    expect(img.tagName).toBe("IMG");
    const prefix = "data:image/svg+xml;charset=utf-8,";
    expect(img.getAttribute("src")!.startsWith(prefix)).toBe(true);
    expect(decodeURIComponent(img.getAttribute("src")!.slice(prefix.length))).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(detail.querySelector("svg")).toBeNull();
    expect(screen.getByTestId("signal-detail-indicators").textContent).toMatch(/RSI\(14\)/);
    expect(screen.getByTestId("signal-detail-indicators").textContent).toMatch(/ADX\(14\)—/);
    expect(screen.getByTestId("signal-detail-conditions").textContent).toContain(cloud(1, 0).conditions[0]);
    expect(screen.getByTestId("signal-detail-decision").textContent).toBe("bad setup");
    expect(screen.getByTestId("signal-detail-analysis").textContent).toMatch(/Confidence: \d+ %/);
    expect(screen.queryByTestId("signal-detail-note")).toBeNull();
    fireEvent.click(screen.getByTestId("signal-detail-close"));
    expect(screen.queryByTestId("signal-detail")).toBeNull();
  });

  it("shows why candles are missing", async () => {
    renderSignals({}, [local(2, 1000)]);
    fireEvent.click(await screen.findByTestId("signal-row-local-2"));
    expect((await screen.findByTestId("signal-detail-note")).textContent).toMatch(/Binance was unreachable/);
    expect(screen.queryByTestId("signal-detail-chart")).toBeNull();
    expect(screen.getByTestId("signal-detail-analysis").textContent).toMatch(/No analysis/);
  });
});

describe("Signals → local screening", () => {
  const mode = () => screen.getByTestId("local-mode");
  const toggle = () => screen.getByTestId("local-mode-toggle") as HTMLButtonElement;

  it("starts live screening of the local traders and stops it", async () => {
    const { backend } = renderSignals({}, [cloud(1, 30_000)]);
    const start = vi.spyOn(backend.local, "start");
    await waitFor(() => expect(toggle().disabled).toBe(false));
    expect(mode().getAttribute("data-mode")).toBe("off");
    expect(toggle().getAttribute("aria-checked")).toBe("false");
    expect(screen.getByTestId("local-controls").textContent).toMatch(/No Fly token/);

    fireEvent.click(toggle());
    await waitFor(() => expect(mode().getAttribute("data-mode")).toBe("live"));
    expect(start).toHaveBeenCalledWith({ traders: [], dataDir: null });
    expect(toggle().getAttribute("aria-checked")).toBe("true");
    expect(screen.getByTestId("local-data").textContent).toBe("Binance");

    // Screening runs: candles and local signals arrive (the feed shows them as local rows).
    act(() => {
      for (let i = 0; i < 3; i++) backend.local.tick();
    });
    fireEvent.click(toggle()); // stop
    await waitFor(() => expect(mode().getAttribute("data-mode")).toBe("off"));
    expect(toggle().getAttribute("aria-checked")).toBe("false");
    await waitFor(() => expect(screen.getByTestId("signal-row-local-1")).toBeTruthy());
    expect(screen.getAllByTestId(/^signal-row-local-/).length).toBe(1);
    expect(screen.getByTestId("signal-row-local-1").getAttribute("data-key")).toBe("local:run-1:1");
  });

  it("screens recorded data from a folder, with counts and the finished flag", async () => {
    const { backend } = renderSignals({ local: { tickMs: 0, replayTicks: 2 } });
    const start = vi.spyOn(backend.local, "start");
    await waitFor(() => expect(toggle().disabled).toBe(false));
    fireEvent.click(screen.getByTestId("local-source-recorded"));
    // No folder yet: the toggle says why it cannot start.
    expect(toggle().disabled).toBe(true);
    expect(toggle().title).toMatch(/folder/);
    fireEvent.change(screen.getByTestId("local-data-dir"), { target: { value: " /data/recorded " } });
    fireEvent.click(screen.getByTestId(`local-trader-builtin-golden-cross`));
    fireEvent.click(toggle());
    await waitFor(() => expect(mode().getAttribute("data-mode")).toBe("recorded"));
    expect(start).toHaveBeenCalledWith({ traders: ["builtin-golden-cross"], dataDir: "/data/recorded" });
    expect(screen.getByTestId("local-data").textContent).toBe("/data/recorded");

    backend.local.tick();
    backend.local.tick();
    // The next poll shows the counts and that the replay has finished.
    fireEvent(document, new Event("visibilitychange"));
    await waitFor(() => expect(screen.getByTestId("local-finished")).toBeTruthy());
    expect(screen.getByTestId("local-candles").textContent).toBe("6");
  });

  it("shows market_unreachable with its hint when Binance cannot be reached", async () => {
    renderSignals({ local: { tickMs: 0, offline: true } });
    await waitFor(() => expect(toggle().disabled).toBe(false));
    fireEvent.click(toggle());
    const error = await screen.findByTestId("local-error");
    expect(error.getAttribute("data-code")).toBe("market_unreachable");
    expect(screen.getByTestId("local-error-hint").textContent).toMatch(/recorded data/);
    expect(mode().getAttribute("data-mode")).toBe("off");
    expect(toggle().getAttribute("aria-checked")).toBe("false");
  });
});
