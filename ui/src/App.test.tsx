import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
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

  it("tells the core it is interactive once, after the first status answer", async () => {
    const backend = new MockBackend();
    const order: string[] = [];
    const appStatus = backend.appStatus.bind(backend);
    backend.appStatus = async () => {
      const status = await appStatus();
      order.push("status");
      return status;
    };
    backend.ready = async () => {
      order.push("ready");
    };
    render(
      <BackendProvider backend={backend}>
        <App />
      </BackendProvider>,
    );
    await waitFor(() => expect(order).toContain("ready"));
    fireEvent.click(screen.getByTestId("nav-signals"));
    await screen.findByTestId("area-signals");
    expect(order.filter((o) => o === "ready")).toEqual(["ready"]);
    expect(order.indexOf("status")).toBeLessThan(order.indexOf("ready"));
  });

  it("stays usable when the status call fails (no ready, no crash)", async () => {
    const backend = new MockBackend();
    let readies = 0;
    backend.appStatus = () => Promise.reject(new Error("core gone"));
    backend.ready = async () => {
      readies += 1;
    };
    render(
      <BackendProvider backend={backend}>
        <App />
      </BackendProvider>,
    );
    fireEvent.click(screen.getByTestId("nav-events"));
    expect(await screen.findByTestId("area-events")).toBeTruthy();
    expect(readies).toBe(0);
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
