// The Machine area over time: progress kept while the user is elsewhere, ticking elapsed
// times, "stuck" past Fly's thresholds, Stop/Restart progress, and opening it from elsewhere.
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { App } from "../../App";
import { BackendProvider } from "../../backend/context";
import { MockBackend } from "../../backend/mock";
import type { MockMachineOptions } from "../../backend/mockMachine";
import { Dashboard } from "../Dashboard";
import { Machine } from "../Machine";

const HOUR = 3_600_000;
const button = (id: string) => screen.getByTestId(id) as HTMLButtonElement;
const text = (id: string) => screen.getByTestId(id).textContent ?? "";
const attr = (id: string, name: string) => screen.getByTestId(id).getAttribute(name);

function renderMachine(options: MockMachineOptions, pollMs = HOUR) {
  const backend = new MockBackend({ machine: options });
  render(
    <BackendProvider backend={backend}>
      <Machine pollMs={pollMs} />
    </BackendProvider>,
  );
  return backend;
}

function renderApp(options: MockMachineOptions, initialArea: "machine" | "dashboard" = "machine") {
  const backend = new MockBackend({ machine: options, live: { connectMs: 5, frameMs: 40 } });
  render(
    <BackendProvider backend={backend}>
      <App initialArea={initialArea} />
    </BackendProvider>,
  );
  return backend;
}

async function stateIs(state: string) {
  await waitFor(() => expect(attr("machine-state", "data-state")).toBe(state));
}

/** Moves the fake clock (and every timer due) forward, letting React render in between. */
async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("Machine → an operation outlives the area", () => {
  it("keeps a start's progress while the user is on another area, and never offers Start twice", async () => {
    const backend = renderApp({ stepMs: 300 });
    const starts = vi.spyOn(backend, "machineStart");
    await stateIs("none");
    fireEvent.click(button("machine-start"));
    await waitFor(() => expect(attr("provision-step-app", "data-state")).toBe("running"));

    fireEvent.click(screen.getByTestId("nav-dashboard"));
    expect(screen.queryByTestId("area-machine")).toBeNull();
    // The run goes on while Machine is not shown.
    await waitFor(() => expect(backend.machine.performed).toContain("volume"), { timeout: 3000 });

    fireEvent.click(screen.getByTestId("nav-machine"));
    // Back at once: the steps already done, one running, the operation still in progress.
    expect(attr("provision-step-token", "data-state")).toBe("done");
    expect(attr("provision-step-app", "data-state")).toBe("done");
    expect(["running", "done"]).toContain(attr("provision-step-volume", "data-state"));
    expect(screen.getByTestId("provision-step-token-elapsed").textContent).toMatch(/\d/);
    expect(attr("machine-op", "data-op")).toBe("start");
    expect(attr("machine-op", "data-state")).toBe("running");
    expect(button("machine-start").disabled).toBe(true);
    expect(button("machine-start").textContent).toBe("Starting…");

    await waitFor(() => expect(attr("provision-step-done", "data-state")).toBe("done"), { timeout: 6000 });
    await stateIs("started");
    expect(attr("machine-op", "data-state")).toBe("done");
    expect(text("machine-op-title")).toBe("Started");
    expect(text("machine-op-elapsed")).toMatch(/^took \d+(\.\d)? (ms|s)$/);
    expect(text("machine-message")).toMatch(/is running/);
    expect(starts).toHaveBeenCalledTimes(1);
    expect(backend.machine.performed).toEqual(["token", "app", "secrets", "volume", "machine", "started", "ready", "done"]);
  });

  it("keeps a failed step's error and Retry across leaving and coming back", async () => {
    const backend = renderApp({
      stepMs: 4,
      failAt: { step: "secrets", error: { code: "fly_timeout", message: "Fly did not answer in 30 s", hint: "Retry." } },
    });
    await stateIs("none");
    fireEvent.click(button("machine-start"));
    await screen.findByTestId("provision-step-secrets-error");
    fireEvent.click(screen.getByTestId("nav-events"));
    fireEvent.click(screen.getByTestId("nav-machine"));
    expect(attr("provision-step-secrets-error", "data-code")).toBe("fly_timeout");
    expect(attr("machine-op", "data-state")).toBe("failed");
    expect(text("machine-op-title")).toBe("Start failed");
    expect(text("machine-op-target")).toBe("at step 3 of 8, Agent secrets: Retry resumes there");
    await waitFor(() => expect(button("provision-retry").disabled).toBe(false));
    fireEvent.click(button("provision-retry"));
    await stateIs("started");
    expect(backend.machine.performed.slice(3)).toEqual(["secrets", "volume", "machine", "started", "ready", "done"]);
  });
});

describe("Machine → elapsed times", () => {
  it("tick while a step runs, show its log lines live, and freeze to the final duration", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    // Each step takes a minute: a log line at 30 s, done at 60 s.
    renderMachine({ stepMs: 60_000 });
    await stateIs("none");
    fireEvent.click(button("machine-start"));
    await waitFor(() => expect(attr("provision-step-token", "data-state")).toBe("running"));
    expect(text("provision-step-token-lines")).toBe("Checking the Fly token");

    await advance(12_000);
    expect(text("provision-step-token-elapsed")).toBe("12 s");
    expect(attr("provision-step-token-elapsed", "data-ticking")).toBe("true");
    expect(text("machine-op-elapsed")).toBe("12 s");
    await advance(20_000);
    expect(text("provision-step-token-elapsed")).toBe("32 s");
    expect(text("provision-step-token-lines")).toContain("GET /v1/tokens/current");

    await advance(30_000);
    expect(attr("provision-step-token", "data-state")).toBe("done");
    expect(attr("provision-step-token-elapsed", "data-ticking")).toBe("false");
    expect(text("provision-step-token-elapsed")).toMatch(/^1 min 0\d s$/);
    expect(text("provision-step-token-lines")).toContain("Token for organisation personal");
    const frozen = text("provision-step-token-elapsed");
    await advance(10_000);
    expect(text("provision-step-token-elapsed")).toBe(frozen);
    // The next step has its own clock, and the whole operation's goes on.
    expect(text("provision-step-app-elapsed")).toMatch(/^1\d s$/);
    expect(text("machine-op-elapsed")).toMatch(/^1 min 1\d s$/);
    expect(text("machine-op-detail")).toMatch(/Step 2 of 8: Fly app/);
  });
});

describe("Machine → stuck", () => {
  it("warns past Fly's 5-minute threshold, counting from the state's start between checks", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    // No poll in the hour: the warning comes from the UI's own count.
    renderMachine({ initial: "starting" });
    await stateIs("starting");
    expect(screen.queryByTestId("machine-stuck-hint")).toBeNull();
    expect(button("machine-stop").disabled).toBe(true);

    await advance(4 * 60_000 + 50_000);
    expect(screen.queryByTestId("machine-stuck-hint")).toBeNull();
    expect(text("machine-state-age")).toMatch(/^for 4 min 5\d s$/);

    await advance(70_000);
    expect(text("machine-stuck-hint")).toMatch(
      /^Starting for 6 min — past Fly's 5-minute threshold, so Fly considers it stuck\. Stop it, then Start it again; if it stays stuck, Destroy it/,
    );
    expect(screen.getByTestId("machine-stuck").textContent).toBe("Stuck");
    expect(attr("machine-state", "data-tone")).toBe("bad");
    // The escape hatches open.
    expect(button("machine-stop").disabled).toBe(false);
    expect(button("machine-destroy").disabled).toBe(false);
    expect(button("machine-start").disabled).toBe(true);
  });

  it("never calls a steady state stuck", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    renderMachine({ initial: "stopped" });
    await stateIs("stopped");
    await advance(30 * 60_000);
    expect(screen.queryByTestId("machine-stuck-hint")).toBeNull();
    expect(screen.queryByTestId("machine-state-age")).toBeNull();
  });
});

describe("Machine → Stop and Restart progress", () => {
  it("shows an indeterminate progress with the target state, elapsed time and Fly's state, then the outcome", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    renderMachine({ initial: "started", stepMs: 8_000 });
    await stateIs("started");
    fireEvent.click(button("machine-stop"));
    await waitFor(() => expect(attr("machine-op", "data-state")).toBe("running"));
    expect(attr("machine-op", "data-op")).toBe("stop");
    expect(text("machine-op-title")).toBe("Stopping the machine…");
    expect(text("machine-op-target")).toBe("→ stopped");
    const bar = screen.getByRole("progressbar", { name: "Stopping the machine" });
    expect(bar.getAttribute("aria-valuetext")).toBe("in progress");
    expect(bar.getAttribute("aria-valuenow")).toBeNull();

    // Fly's state is read every 2 seconds while it runs.
    await advance(3_000);
    expect(text("machine-op-elapsed")).toBe("3 s");
    expect(text("machine-op-detail")).toBe("Fly reports stopping.");
    await stateIs("stopping");

    await advance(6_000);
    await stateIs("stopped");
    expect(attr("machine-op", "data-state")).toBe("done");
    expect(text("machine-op-title")).toBe("Stopped");
    expect(text("machine-op-elapsed")).toMatch(/^took 8\.\d s$/);
    expect(text("machine-op-target")).toBe("now stopped");
    expect(text("machine-message")).toMatch(/stopped/);
    const done = text("machine-op-elapsed");
    await advance(5_000);
    expect(text("machine-op-elapsed")).toBe(done);

    fireEvent.click(button("machine-start"));
    await waitFor(() => expect(attr("machine-op", "data-op")).toBe("start"));
    // A start has a step count instead.
    expect(screen.getByRole("progressbar", { name: "Starting the machine" }).getAttribute("aria-valuetext")).toMatch(
      /^\d of 8 steps$/,
    );
  });

  it("shows a failed stop with its error and the progress marked failed", async () => {
    const backend = renderMachine({ initial: "started", stepMs: 4 });
    await stateIs("started");
    backend.machine.failNext("restart", { code: "fly_lease_held", message: "lease held", hint: "Wait a minute." });
    fireEvent.click(button("machine-restart"));
    await waitFor(() => expect(attr("machine-op", "data-state")).toBe("failed"));
    expect(text("machine-op-title")).toBe("Restart failed");
    expect(attr("machine-error", "data-code")).toBe("fly_lease_held");
  });
});

describe("Machine → cost", () => {
  it("prices every size per hour and per day, and the running machine per hour, day and month", async () => {
    const backend = renderMachine({ initial: "started", stepMs: 4 });
    const sizes = (await backend.regionsList()).sizes;
    const size = (await screen.findByTestId("machine-size")) as HTMLSelectElement;
    await stateIs("started");
    for (const s of sizes) {
      const option = size.querySelector<HTMLOptionElement>(`option[value="${s.name}"]`)!;
      expect(option.textContent).toContain(`$${s.usdPerHour.toFixed(4)}/h`);
      expect(option.textContent).toContain(`$${s.usdPerDay.toFixed(2)}/day`);
    }
    const normal = sizes.find((s) => s.name === "normal")!;
    expect(text("machine-cost")).toContain(`$${normal.usdPerDay.toFixed(2)}/day`);
    expect(text("machine-cost")).toContain(`$${normal.usdPerHour.toFixed(4)}/hour`);
  });
});

describe("Machine → agent readiness next to Fly's state", () => {
  it("reads ready, not answering or not running", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    renderMachine({ initial: "started", stepMs: 4_000 });
    await stateIs("started");
    expect(text("machine-state-fly")).toBe("Started");
    expect(text("machine-agent")).toBe("ready (mock)");
    expect(attr("machine-agent-badge", "class")).toContain("badge-ok");
    fireEvent.click(button("machine-restart"));
    await advance(1_000);
    expect(text("machine-agent")).toBe("not running");
    expect(attr("machine-agent-badge", "class")).toContain("badge-off");
    await advance(4_000);
    await stateIs("started");
    expect(text("machine-agent")).toBe("ready (mock)");
  });
});

describe("Navigation", () => {
  it("opens Machine from the Dashboard's empty state", async () => {
    renderApp({ stepMs: 4 }, "dashboard");
    const open = await screen.findByTestId("dashboard-open-machine");
    expect(open.textContent).toBe("Open Machine");
    fireEvent.click(open);
    expect(await screen.findByTestId("area-machine")).toBeTruthy();
    expect(attr("nav-machine", "aria-current")).toBe("page");
    expect(attr("nav-dashboard", "aria-current")).toBeNull();
    await stateIs("none");
  });

  it("offers no link outside the app shell", async () => {
    render(
      <BackendProvider backend={new MockBackend({ live: { connectMs: 5, frameMs: 40 } })}>
        <Dashboard />
      </BackendProvider>,
    );
    await screen.findByTestId("dashboard-empty");
    expect(screen.queryByTestId("dashboard-open-machine")).toBeNull();
  });
});
