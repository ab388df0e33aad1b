import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ApiError, MetricName } from "../bindings";
import { BackendProvider } from "../backend/context";
import { MockBackend, type MockOptions } from "../backend/mock";
import { Dashboard } from "./Dashboard";

const SHORT: Record<MetricName, string> = {
  cpuPercent: "cpu",
  memoryBytes: "memory",
  lastCandleAgeSeconds: "candle-age",
  queueDepth: "queue",
  evaluationsPerMinute: "evaluations",
  activeTraders: "active-traders",
  streamsConnected: "streams-connected",
  symbols: "symbols",
  binanceWeightUsed: "binance-weight-used",
  signalsTotal: "signals",
  errorsTotal: "errors",
};

function renderDashboard(options: MockOptions = {}) {
  const backend = new MockBackend({
    machine: { initial: "started", stepMs: 4 },
    ...options,
    live: { connectMs: 5, frameMs: 40, ...options.live },
  });
  const view = render(
    <BackendProvider backend={backend}>
      <Dashboard />
    </BackendProvider>,
  );
  return { backend, ...view };
}

const active = (backend: MockBackend) => backend.live.dashboardWatches.filter((w) => w.active).map((w) => w.range);

describe("Dashboard → charts", () => {
  it("shows one chart per metric with its test id, title, latest value and its drawing", async () => {
    renderDashboard();
    await screen.findByTestId("metrics-chart-cpu");
    for (const short of Object.values(SHORT)) {
      const card = screen.getByTestId(`metrics-chart-${short}`);
      const frame = card.querySelector("[role=img]")!;
      expect(frame.getAttribute("aria-label")).toMatch(/over the last hour$/);
      expect(frame.querySelector("svg polyline")).not.toBeNull();
      expect(card.querySelector(".chart-latest")!.textContent).not.toBe("—");
    }
    // Drawn in place: no image URL for WebKit to cache on every redraw.
    expect(document.querySelector(".chart-card img")).toBeNull();
    expect(screen.getByTestId("metrics-chart-cpu").textContent).toContain("CPU");
  });

  it("updates the charts as frames arrive", async () => {
    renderDashboard();
    const card = await screen.findByTestId("metrics-chart-memory");
    const first = Number(card.getAttribute("data-updated"));
    expect(first).toBeGreaterThan(0);
    await waitFor(() => expect(Number(screen.getByTestId("metrics-chart-memory").getAttribute("data-updated"))).toBeGreaterThan(first));
  });

  it("switching range ends the old subscription, starts the new one, and unmount ends it", async () => {
    const { backend, unmount } = renderDashboard();
    await screen.findByTestId("metrics-chart-cpu");
    expect(active(backend)).toEqual(["1h"]);
    expect(screen.getByTestId("metrics-range-1h").getAttribute("aria-checked")).toBe("true");

    fireEvent.click(screen.getByTestId("metrics-range-7d"));
    await waitFor(() => expect(screen.getByTestId("metrics-charts").getAttribute("data-range")).toBe("7d"));
    expect(active(backend)).toEqual(["7d"]);
    expect(backend.live.dashboardWatches.map((w) => w.range)).toEqual(["1h", "7d"]);
    expect(screen.getByTestId("metrics-range-7d").getAttribute("aria-checked")).toBe("true");
    expect(screen.getByTestId("metrics-range-1h").getAttribute("aria-checked")).toBe("false");
    expect(screen.getByRole("radiogroup", { name: "Chart range" })).toBeTruthy();

    // Arrow keys move the choice, like any radio group.
    fireEvent.keyDown(screen.getByTestId("metrics-range-7d"), { key: "ArrowRight" });
    await waitFor(() => expect(active(backend)).toEqual(["15m"]));

    unmount();
    expect(active(backend)).toEqual([]);
  });

  it("shows the headline figures and warns when the newest candle is stale", async () => {
    const { backend } = renderDashboard();
    await screen.findByTestId("metrics-headline");
    expect(screen.getByTestId("metrics-figure-cpu-value").textContent).toMatch(/^\d+ %$/);
    expect(screen.getByTestId("metrics-figure-memory").textContent).toMatch(/of 2,048 MB/);
    expect(screen.getByTestId("metrics-figure-candle-age").getAttribute("data-warn")).toBe("false");

    // A frame whose newest candle is 5 minutes old.
    const watch = backend.live.dashboardWatches.find((w) => w.active)!;
    const original = watch.onFrame;
    watch.onFrame = (frame) => original({ ...frame, latest: { ...frame.latest!, lastCandleAgeSeconds: 300 } });
    await waitFor(() => expect(screen.getByTestId("metrics-figure-candle-age").getAttribute("data-warn")).toBe("true"));
    expect(screen.getByTestId("metrics-figure-candle-age").textContent).toMatch(/5 min ago.*Stale/);
  });
});

describe("Dashboard → scale recommendation", () => {
  it("Apply resizes to the recommended size, disabled while it runs", async () => {
    const { backend } = renderDashboard();
    const text = await screen.findByTestId("scale-text");
    expect(text.textContent).toMatch(/^The agent recommends 2 vCPUs \(size performance-2x, \$0\.\d{4}\/h → \$0\.\d{4}\/h\)/);
    const resized: string[] = [];
    const original = backend.machineResize.bind(backend);
    // The resize waits for the test, so "while it runs" is a state the test holds.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    backend.machineResize = async (size) => {
      resized.push(size);
      await held;
      return original(size);
    };
    const apply = screen.getByTestId("scale-apply") as HTMLButtonElement;
    fireEvent.click(apply);
    await waitFor(() => expect(apply.disabled).toBe(true));
    expect(screen.getByTestId("scale-status").textContent).toBe("Resizing to performance-2x…");
    expect(resized).toEqual(["performance-2x"]);
    release();
    // Once the machine runs the recommended size the callout goes away.
    await waitFor(() => expect(screen.queryByTestId("scale-callout")).toBeNull());
    expect((await backend.machineStatus()).size).toBe("performance-2x");
  });

  it("shows why Apply failed and lets the user try again", async () => {
    const { backend } = renderDashboard();
    await screen.findByTestId("scale-apply");
    const busy: ApiError = { code: "machine_busy", message: "another operation is running on the machine", hint: "Wait for it to finish." };
    backend.machine.failNext("resize", busy);
    fireEvent.click(screen.getByTestId("scale-apply"));
    const error = await screen.findByTestId("scale-error");
    expect(error.getAttribute("data-code")).toBe("machine_busy");
    expect(screen.getByTestId("scale-error-hint").textContent).toBe("Wait for it to finish.");
    expect((screen.getByTestId("scale-apply") as HTMLButtonElement).disabled).toBe(false);
  });

  it("has no callout when the machine already runs the recommended size", async () => {
    renderDashboard({ live: { recommendCpus: null } });
    await screen.findByTestId("metrics-chart-cpu");
    expect(screen.queryByTestId("scale-callout")).toBeNull();
  });
});

describe("Dashboard → empty and error states", () => {
  it("tells the user to start the machine when there is none", async () => {
    renderDashboard({ machine: { stepMs: 4 } });
    const empty = await screen.findByTestId("dashboard-empty");
    await waitFor(() => expect(empty.textContent).toMatch(/No machine yet.*Machine.*Start/));
    expect(screen.queryByTestId("metrics-chart-cpu")).toBeNull();
    expect(screen.getByTestId("dashboard-link").getAttribute("data-state")).toBe("offline");
  });

  it("says the machine is stopped", async () => {
    renderDashboard({ machine: { initial: "stopped", stepMs: 4 } });
    const empty = await screen.findByTestId("dashboard-empty");
    await waitFor(() => expect(empty.textContent).toMatch(/not running.*stopped/));
  });

  it("shows the link's state at the top", async () => {
    renderDashboard();
    await waitFor(() => expect(screen.getByTestId("dashboard-link").getAttribute("data-state")).toBe("live"));
    expect(screen.getByTestId("dashboard-link").textContent).toContain("Live (owner)");
  });

  it("shows a failed subscription with its hint", async () => {
    const backend = new MockBackend({ machine: { initial: "started" } });
    backend.live.failNext("watchDashboard", { code: "internal", message: "the dashboard is not available", hint: "Restart TradeMind." });
    render(
      <BackendProvider backend={backend}>
        <Dashboard />
      </BackendProvider>,
    );
    expect((await screen.findByTestId("dashboard-error-message")).textContent).toBe("the dashboard is not available");
    expect(screen.queryByTestId("dashboard-loading")).toBeNull();
  });
});
