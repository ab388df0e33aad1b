import { describe, expect, it } from "vitest";
import { fireEvent, render, screen } from "@testing-library/react";
import { App } from "./App";
import { AREAS } from "./areas/areas";
import { BackendProvider } from "./backend/context";
import { MockBackend } from "./backend/mock";

describe("App shell", () => {
  it("navigates to every area and marks the current one", async () => {
    render(
      <BackendProvider backend={new MockBackend()}>
        <App />
      </BackendProvider>,
    );
    expect(AREAS.map((a) => a.label)).toEqual(["Dashboard", "Traders", "Signals", "Machine", "Events", "Settings", "Support"]);
    for (const area of AREAS) {
      fireEvent.click(screen.getByTestId(`nav-${area.id}`));
      expect(await screen.findByTestId(`area-${area.id}`)).toBeTruthy();
      expect(screen.getByTestId(`nav-${area.id}`).getAttribute("aria-current")).toBe("page");
    }
  });

  it("says what unbuilt areas will hold, without data", () => {
    render(
      <BackendProvider backend={new MockBackend()}>
        <App initialArea="support" />
      </BackendProvider>,
    );
    const area = screen.getByTestId("area-support");
    expect(area.textContent).toContain("Not built yet");
    expect(area.querySelectorAll("li").length).toBeGreaterThan(0);
  });

  it("warns when running on the in-memory backend", () => {
    render(
      <BackendProvider backend={new MockBackend()}>
        <App />
      </BackendProvider>,
    );
    expect(screen.getByTestId("mock-banner").textContent).toMatch(/nothing is stored/);
  });
});
