// The dead-man thresholds panel: shows the defaults, saves minutes as seconds, refuses bad
// values with the core's error, and goes back to the defaults.
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { BackendProvider } from "../../backend/context";
import { MockBackend } from "../../backend/mock";
import { DeadManPanel } from "./DeadManPanel";

function renderPanel(backend: MockBackend) {
  render(
    <BackendProvider backend={backend}>
      <DeadManPanel />
    </BackendProvider>,
  );
}

const value = (id: string) => (screen.getByTestId(id) as HTMLInputElement).value;

describe("DeadManPanel", () => {
  it("saves thresholds in minutes as seconds, refuses bad ones, and resets", async () => {
    const backend = new MockBackend();
    renderPanel(backend);
    await waitFor(() => expect(value("deadman-silence")).toBe("2"));
    expect(value("deadman-candle-age")).toBe("10");
    expect((screen.getByTestId("deadman-reset") as HTMLButtonElement).disabled).toBe(true);

    fireEvent.change(screen.getByTestId("deadman-silence"), { target: { value: "5" } });
    fireEvent.change(screen.getByTestId("deadman-candle-age"), { target: { value: "30" } });
    fireEvent.click(screen.getByTestId("deadman-save"));
    await waitFor(() => expect((screen.getByTestId("deadman-reset") as HTMLButtonElement).disabled).toBe(false));
    const saved = await backend.watchdogState();
    expect([saved.silenceSeconds, saved.candleAgeSeconds, saved.custom]).toEqual([300, 1800, true]);

    // Too short: the core's error, nothing changed.
    fireEvent.change(screen.getByTestId("deadman-silence"), { target: { value: "0.1" } });
    fireEvent.click(screen.getByTestId("deadman-save"));
    await waitFor(() => expect(screen.getByTestId("deadman-error").textContent).toContain("30–86400"));
    expect((await backend.watchdogState()).silenceSeconds).toBe(300);
    // Empty: refused before asking.
    fireEvent.change(screen.getByTestId("deadman-candle-age"), { target: { value: "" } });
    fireEvent.click(screen.getByTestId("deadman-save"));
    await waitFor(() => expect(screen.getByTestId("deadman-error").textContent).toContain("both thresholds"));

    fireEvent.click(screen.getByTestId("deadman-reset"));
    await waitFor(() => expect(value("deadman-silence")).toBe("2"));
    expect((await backend.watchdogState()).custom).toBe(false);
  });
});
