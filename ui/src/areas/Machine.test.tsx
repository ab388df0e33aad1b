import { describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { MachineStatus, Progress, Step } from "../bindings";
import { BackendProvider } from "../backend/context";
import { MockBackend, type MockOptions } from "../backend/mock";
import { Machine } from "./Machine";

const STEPS: Step[] = ["token", "app", "secrets", "volume", "machine", "started", "ready", "done"];
// Polls far apart unless a test wants them: each test drives the status itself.
const NO_POLL = 60_000;

function renderMachine(options: MockOptions["machine"] = {}, pollMs = NO_POLL) {
  const backend = new MockBackend({ machine: { stepMs: 4, ...options } });
  render(
    <BackendProvider backend={backend}>
      <Machine pollMs={pollMs} />
    </BackendProvider>,
  );
  return backend;
}

const button = (id: string) => screen.getByTestId(id) as HTMLButtonElement;

async function stateIs(state: string) {
  await waitFor(() => expect(screen.getByTestId("machine-state").getAttribute("data-state")).toBe(state));
}

function stepState(step: Step): string | null {
  return screen.getByTestId(`provision-step-${step}`).getAttribute("data-state");
}

/** Records every progress event the area receives, in order. */
function recordProgress(backend: MockBackend): Progress[] {
  const seen: Progress[] = [];
  const original = backend.machineStart.bind(backend);
  backend.machineStart = (options, onProgress) =>
    original(options, (event) => {
      seen.push(event);
      onProgress(event);
    });
  return seen;
}

describe("Machine → start", () => {
  it("shows every step in order, with elapsed times and log lines, and ends running", async () => {
    const backend = renderMachine();
    const seen = recordProgress(backend);
    await stateIs("none");
    expect(screen.getByTestId("machine-next").getAttribute("data-action")).toBe("start");

    fireEvent.click(button("machine-start"));
    // While it runs every button is disabled.
    await waitFor(() => expect(stepState("token")).not.toBe("pending"));
    for (const id of ["machine-start", "machine-stop", "machine-restart", "machine-destroy"]) {
      expect(button(id).disabled).toBe(true);
    }

    await waitFor(() => expect(stepState("done")).toBe("done"));
    await stateIs("started");

    // Each step ran, then finished, strictly one after the other.
    const order = seen.filter((e) => e.state === "running").map((e) => e.step);
    expect([...new Set(order)]).toEqual(STEPS);
    const finished = seen.filter((e) => e.state === "done").map((e) => e.step);
    expect(finished).toEqual(STEPS);
    for (const [i, step] of STEPS.entries()) {
      const firstRun = seen.findIndex((e) => e.step === step && e.state === "running");
      const previousDone = i === 0 ? -1 : seen.findIndex((e) => e.step === STEPS[i - 1] && e.state === "done");
      expect(firstRun).toBeGreaterThan(previousDone);
    }

    // The rows show the list in order, each done with its elapsed time and its newest lines.
    const rows = Array.from(screen.getByTestId("provision-steps").children);
    const ids = rows.map((r) => r.getAttribute("data-testid"));
    expect(ids).toEqual(STEPS.map((s) => `provision-step-${s}`));
    for (const step of STEPS) {
      expect(stepState(step)).toBe("done");
      expect(screen.getByTestId(`provision-step-${step}-elapsed`).textContent).toMatch(/\d+(\.\d)? (ms|s)/);
      expect(screen.getByTestId(`provision-step-${step}-lines`).textContent).not.toBe("");
    }
    expect(screen.getByTestId("provision-step-started-lines").textContent).toMatch(/started/);
    expect(screen.getByTestId("provision-steps").getAttribute("aria-live")).toBe("polite");

    expect(screen.getByTestId("machine-agent").textContent).toMatch(/^ready/);
    expect(screen.getByTestId("machine-next").getAttribute("data-action")).toBe("stop");
    expect(screen.getByTestId("machine-message").textContent).toMatch(/is running/);
    await waitFor(() => expect(screen.getAllByTestId("machine-event").length).toBeGreaterThan(0));
  });

  it("starts in the chosen region and size", async () => {
    const backend = renderMachine();
    const spy = vi.spyOn(backend, "machineStart");
    const region = (await screen.findByTestId("machine-region")) as HTMLSelectElement;
    await stateIs("none");
    fireEvent.change(region, { target: { value: "fra" } });
    fireEvent.change(screen.getByTestId("machine-size"), { target: { value: "high" } });
    fireEvent.click(button("machine-start"));
    await stateIs("started");
    expect(spy.mock.calls[0]![0]).toEqual({ region: "fra", size: "high" });
    expect(screen.getByTestId("machine-state").textContent).toContain("in fra, size high");
  });
});

describe("Machine → a failed step and Retry", () => {
  const failure = {
    step: "machine" as const,
    error: {
      code: "fly_no_capacity" as const,
      message: "Fly has no capacity for this machine in sin",
      hint: "Retry in a few minutes, or choose another region.",
    },
  };

  it("shows the error with its hint, and Retry resumes from the failed step", async () => {
    const backend = renderMachine({ failAt: failure });
    await stateIs("none");
    fireEvent.click(button("machine-start"));

    const hint = await screen.findByTestId("provision-step-machine-error-hint");
    expect(hint.textContent).toBe("Retry in a few minutes, or choose another region.");
    expect(screen.getByTestId("provision-step-machine-error").getAttribute("data-code")).toBe("fly_no_capacity");
    expect(screen.getByTestId("provision-step-machine-error-message").textContent).toBe(failure.error.message);
    expect(stepState("machine")).toBe("failed");
    for (const step of ["token", "app", "secrets", "volume"] as const) expect(stepState(step)).toBe("done");
    for (const step of ["started", "ready", "done"] as const) expect(stepState(step)).toBe("pending");
    // The step's error is shown at the step, not twice.
    expect(screen.queryByTestId("machine-error")).toBeNull();
    await waitFor(() => expect(screen.getByTestId("machine-next").getAttribute("data-action")).toBe("retry"));
    expect(button("machine-start").textContent).toBe("Retry");
    expect(backend.machine.performed).toEqual(["token", "app", "secrets", "volume", "machine"]);

    const retries = vi.spyOn(backend, "machineStart");
    fireEvent.click(button("provision-retry"));
    await waitFor(() => expect(stepState("done")).toBe("done"));
    await stateIs("started");

    // Resumed: no region or size sent, the steps before `machine` not run again.
    expect(retries.mock.calls[0]![0]).toEqual({});
    expect(backend.machine.performed.slice(5)).toEqual(["machine", "started", "ready", "done"]);
    for (const step of ["token", "app", "secrets", "volume"] as const) {
      const row = screen.getByTestId(`provision-step-${step}`);
      expect(row.getAttribute("data-earlier")).toBe("true");
      expect(screen.getByTestId(`provision-step-${step}-state`).textContent).toBe("Done earlier");
    }
    expect(screen.getByTestId("provision-step-machine").getAttribute("data-earlier")).toBe("false");
    expect(screen.queryByTestId("provision-retry")).toBeNull();
  });

  it("starts a new run when another region is picked after a failure", async () => {
    const backend = renderMachine({ failAt: failure });
    await stateIs("none");
    fireEvent.click(button("machine-start"));
    await screen.findByTestId("provision-step-machine-error");
    const starts = vi.spyOn(backend, "machineStart");
    fireEvent.change(screen.getByTestId("machine-region"), { target: { value: "fra" } });
    fireEvent.click(button("machine-start"));
    await stateIs("started");
    expect(starts.mock.calls[0]![0]).toEqual({ region: "fra", size: "normal" });
    expect(backend.machine.performed.slice(5)).toEqual(STEPS);
  });

  it("shows the failed step from the core's record when the area opens", async () => {
    const backend = new MockBackend({ machine: { stepMs: 2, failAt: failure } });
    await backend.machineStart({}, () => {}).catch(() => undefined);
    render(
      <BackendProvider backend={backend}>
        <Machine pollMs={NO_POLL} />
      </BackendProvider>,
    );
    expect((await screen.findByTestId("provision-step-machine-error-hint")).textContent).toMatch(/Retry/);
    expect(stepState("volume")).toBe("done");
    fireEvent.click(button("provision-retry"));
    await stateIs("started");
    expect(backend.machine.performed.slice(5)).toEqual(["machine", "started", "ready", "done"]);
  });

  it("shows a start error that is not a step's with the buttons", async () => {
    const backend = renderMachine();
    backend.machine.failNext("start", {
      code: "no_token",
      message: "no Fly API token is set",
      hint: "Create one with `fly tokens create org` and paste it in Settings.",
    });
    await stateIs("none");
    fireEvent.click(button("machine-start"));
    const error = await screen.findByTestId("machine-error");
    expect(error.getAttribute("data-code")).toBe("no_token");
    expect(screen.getByTestId("machine-error-hint").textContent).toMatch(/Settings/);
    expect(screen.queryByTestId("provision-steps")).toBeNull();
    expect(button("machine-start").disabled).toBe(false);
  });
});

describe("Machine → destroy", () => {
  it("requires typing the app name; Cancel and Escape do nothing", async () => {
    const backend = renderMachine({ initial: "started" });
    const destroy = vi.spyOn(backend, "machineDestroy");
    await stateIs("started");

    fireEvent.click(button("machine-destroy"));
    const dialog = screen.getByRole("dialog", { name: "Destroy the machine?" });
    const input = screen.getByTestId("machine-destroy-input");
    expect(document.activeElement).toBe(input);
    expect(button("machine-destroy-confirm").disabled).toBe(true);
    fireEvent.change(input, { target: { value: "trademind-wrong" } });
    expect(button("machine-destroy-confirm").disabled).toBe(true);
    fireEvent.submit(input.closest("form")!);

    fireEvent.click(button("machine-destroy-cancel"));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(button("machine-destroy"));

    fireEvent.click(button("machine-destroy"));
    fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(dialog.isConnected).toBe(false);
    expect(destroy).not.toHaveBeenCalled();
    await stateIs("started");

    fireEvent.click(button("machine-destroy"));
    fireEvent.change(screen.getByTestId("machine-destroy-input"), { target: { value: "trademind-0a1b2c3d4e" } });
    fireEvent.click(button("machine-destroy-confirm"));
    await stateIs("destroyed");
    expect(destroy).toHaveBeenCalledTimes(1);
    expect(destroy).toHaveBeenCalledWith(true);
    expect(screen.getByTestId("machine-message").textContent).toMatch(/destroyed/);
    expect(button("machine-start").disabled).toBe(false);
    expect(button("machine-destroy").disabled).toBe(true);
  });

  it("is refused by the backend without confirmation", async () => {
    const backend = new MockBackend({ machine: { initial: "started" } });
    const refused = await backend.machineDestroy(false).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "confirmation_required", hint: expect.stringMatching(/Confirm/) });
    expect((await backend.machineStatus()).state).toBe("started");
  });
});

describe("Machine → buttons per state", () => {
  const enabled = () =>
    ["machine-start", "machine-stop", "machine-restart", "machine-destroy"].filter((id) => !button(id).disabled);

  it("no machine: only Start", async () => {
    renderMachine();
    await stateIs("none");
    expect(enabled()).toEqual(["machine-start"]);
  });

  it("started: Stop, Restart, Destroy; stopped: Start, Destroy", async () => {
    renderMachine({ initial: "started" });
    await stateIs("started");
    expect(enabled()).toEqual(["machine-stop", "machine-restart", "machine-destroy"]);
    fireEvent.click(button("machine-stop"));
    expect(enabled()).toEqual([]);
    await stateIs("stopped");
    expect(enabled()).toEqual(["machine-start", "machine-destroy"]);
    expect(screen.getByTestId("machine-agent").textContent).toBe("not running");
  });

  it("in a transient state: wait; stuck: shown, with Stop and Destroy", async () => {
    renderMachine({ initial: "stopping", stuck: true });
    await stateIs("stopping");
    expect(screen.getByTestId("machine-stuck").textContent).toBe("Stuck");
    expect(screen.getByTestId("machine-next").textContent).toMatch(/Stuck stopping/);
    expect(enabled()).toEqual(["machine-stop", "machine-destroy"]);
    cleanupAndRender({ initial: "starting" });
    await stateIs("starting");
    expect(screen.queryByTestId("machine-stuck")).toBeNull();
    expect(screen.getByTestId("machine-next").getAttribute("data-action")).toBe("wait");
    expect(enabled()).toEqual([]);
  });

  it("restart goes back to started with the agent ready", async () => {
    renderMachine({ initial: "started" });
    await stateIs("started");
    fireEvent.click(button("machine-restart"));
    expect(button("machine-restart").textContent).toBe("Restarting…");
    await waitFor(() => expect(screen.getByTestId("machine-message").textContent).toMatch(/restarted/));
    await stateIs("started");
  });
});

function cleanupAndRender(options: MockOptions["machine"]) {
  cleanup();
  return renderMachine(options);
}

describe("Machine → region and size", () => {
  it("marks the default region, flags and disables the regions Binance blocks", async () => {
    renderMachine();
    const region = (await screen.findByTestId("machine-region")) as HTMLSelectElement;
    expect(region.value).toBe("sin");
    const option = (code: string) => region.querySelector<HTMLOptionElement>(`option[value="${code}"]`)!;
    expect(option("sin").textContent).toMatch(/default/);
    expect(option("iad").textContent).toMatch(/Binance blocked/);
    expect(option("iad").disabled).toBe(true);
    expect(option("fra").disabled).toBe(false);
    expect(screen.getByLabelText("Region")).toBe(region);
  });

  it("shows the estimated cost per hour and per day of the chosen size", async () => {
    const backend = renderMachine();
    const sizes = (await backend.regionsList()).sizes;
    const size = (await screen.findByTestId("machine-size")) as HTMLSelectElement;
    expect(screen.getByLabelText("Size (CPU priority)")).toBe(size);
    expect(size.value).toBe("normal");
    const normal = sizes.find((s) => s.name === "normal")!;
    const high = sizes.find((s) => s.name === "high")!;
    const cost = () => screen.getByTestId("machine-size-cost").textContent ?? "";
    expect(cost()).toContain(`$${normal.usdPerHour.toFixed(4)}/hour`);
    expect(cost()).toContain(`$${normal.usdPerDay.toFixed(2)}/day`);
    fireEvent.change(size, { target: { value: "high" } });
    expect(cost()).toContain(`$${high.usdPerHour.toFixed(4)}/hour`);
    expect(cost()).toContain(`$${high.usdPerDay.toFixed(2)}/day`);
  });

  it("locks the region of an existing machine and resizes it", async () => {
    const backend = renderMachine({ initial: "stopped" });
    const resize = vi.spyOn(backend, "machineResize");
    await stateIs("stopped");
    expect((screen.getByTestId("machine-region") as HTMLSelectElement).disabled).toBe(true);
    expect(button("machine-resize").disabled).toBe(true);
    fireEvent.change(screen.getByTestId("machine-size"), { target: { value: "low" } });
    fireEvent.click(button("machine-resize"));
    await waitFor(() => expect(screen.getByTestId("machine-state").textContent).toContain("size low"));
    expect(resize).toHaveBeenCalledWith("low");
    expect(screen.getByTestId("machine-cost").textContent).toMatch(/\/hour/);
  });
});

describe("Machine → errors and status", () => {
  it("renders a failed operation with its code and hint", async () => {
    const backend = renderMachine({ initial: "started" });
    await stateIs("started");
    backend.machine.failNext("stop", {
      code: "fly_lease_held",
      message: "another client holds the machine's lease",
      hint: "Wait a minute and try again.",
    });
    fireEvent.click(button("machine-stop"));
    const error = await screen.findByTestId("machine-error");
    expect(error.getAttribute("data-code")).toBe("fly_lease_held");
    expect(screen.getByTestId("machine-error-message").textContent).toBe("another client holds the machine's lease");
    expect(screen.getByTestId("machine-error-hint").textContent).toBe("Wait a minute and try again.");
    expect(button("machine-stop").disabled).toBe(false);
  });

  it("renders a status that cannot be read", async () => {
    const backend = new MockBackend();
    backend.machine.failNext("status", {
      code: "fly_unauthorized",
      message: "Fly refused the token",
      hint: "Paste a new token in Settings.",
    });
    render(
      <BackendProvider backend={backend}>
        <Machine pollMs={NO_POLL} />
      </BackendProvider>,
    );
    expect((await screen.findByTestId("machine-status-error")).getAttribute("data-code")).toBe("fly_unauthorized");
    expect(screen.getByTestId("machine-status-error-hint").textContent).toMatch(/Settings/);
    expect(button("machine-start").disabled).toBe(true);
  });

  it("polls the status and picks up changes made elsewhere", async () => {
    const backend = renderMachine({ initial: "started" }, 20);
    await stateIs("started");
    await act(() => backend.machine.stop());
    await stateIs("stopped");
  });

  it("never shows a poll sent before a stop once the stop has answered", async () => {
    const backend = renderMachine({ initial: "started" }, 15);
    await stateIs("started");
    const stale = await backend.machineStatus();
    let release: (s: MachineStatus) => void = () => {};
    const original = backend.machineStatus.bind(backend);
    let hung = false;
    backend.machineStatus = () => {
      if (hung) return original();
      hung = true;
      return new Promise<MachineStatus>((resolve) => {
        release = resolve;
      });
    };
    await waitFor(() => expect(hung).toBe(true));
    fireEvent.click(button("machine-stop"));
    await stateIs("stopped");
    expect(stale.state).toBe("started");
    await act(async () => release(stale));
    expect(screen.getByTestId("machine-state").getAttribute("data-state")).toBe("stopped");
    expect(screen.getByTestId("machine-agent").textContent).toBe("not running");
  });
});
