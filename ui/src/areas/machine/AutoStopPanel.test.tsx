// Auto-stop panel and dead-man banner against the mock backend: save, refuse bad input, parked line, alert.
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { BackendProvider } from "../../backend/context";
import { MockBackend } from "../../backend/mock";
import { DeadManBanner } from "../../components/DeadManBanner";
import { AutoStopPanel } from "./AutoStopPanel";

afterEach(cleanup);

function renderPanel(backend = new MockBackend()) {
  render(
    <BackendProvider backend={backend}>
      <AutoStopPanel />
      <DeadManBanner pollMs={20} />
    </BackendProvider>,
  );
  return backend;
}

describe("AutoStopPanel", () => {
  it("saves an idle period and a schedule", async () => {
    const backend = renderPanel();
    fireEvent.change(screen.getByTestId("autostop-idle"), { target: { value: "30" } });
    fireEvent.click(screen.getByTestId("autostop-day-mon"));
    fireEvent.click(screen.getByTestId("autostop-day-fri"));
    fireEvent.click(screen.getByTestId("autostop-save"));
    await waitFor(() => expect(screen.getByTestId("autostop-schedule").textContent).toBe("Schedule: mon,fri 08:00-22:00"));
    const saved = await backend.autostopGet();
    expect(saved.settings.idleMinutes).toBe(30);
    expect(saved.settings.schedule?.days).toEqual(["mon", "fri"]);
  });

  it("refuses an idle period of 0 and a time past 23:59", async () => {
    const backend = renderPanel();
    fireEvent.change(screen.getByTestId("autostop-idle"), { target: { value: "0" } });
    fireEvent.click(screen.getByTestId("autostop-save"));
    await waitFor(() => expect(screen.getByTestId("autostop-error").getAttribute("data-code")).toBe("invalid_input"));
    fireEvent.change(screen.getByTestId("autostop-idle"), { target: { value: "" } });
    fireEvent.click(screen.getByTestId("autostop-day-sat"));
    fireEvent.change(screen.getByTestId("autostop-start"), { target: { value: "25:00" } });
    fireEvent.click(screen.getByTestId("autostop-save"));
    await waitFor(() => expect(screen.getByTestId("autostop-error-message").textContent).toContain("HH:MM"));
    expect((await backend.autostopGet()).settings).toEqual({ idleMinutes: null, schedule: null });
  });

  it("shows the parked reason and the dead-man alert while in force", async () => {
    const backend = new MockBackend();
    backend.setParked("no cloud trader for 30 min");
    renderPanel(backend);
    await waitFor(() => expect(screen.getByTestId("machine-parked").textContent).toBe("Parked — no cloud trader for 30 min"));
    expect(screen.queryByTestId("deadman-banner")).toBeNull();
    backend.setWatchdog({
      alert: { kind: "silent", silentSeconds: 130 },
      text: "the agent has sent nothing for 130 s",
      since: null,
    });
    await waitFor(() => expect(screen.getByTestId("deadman-banner").getAttribute("data-kind")).toBe("silent"));
    backend.setWatchdog({ alert: null, text: null, since: null });
    await waitFor(() => expect(screen.queryByTestId("deadman-banner")).toBeNull());
  });
});
