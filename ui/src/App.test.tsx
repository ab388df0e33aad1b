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
    await screen.findByTestId("nav-dashboard");
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
    fireEvent.click(await screen.findByTestId("nav-signals"));
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
    fireEvent.click(await screen.findByTestId("nav-events"));
    expect(await screen.findByTestId("area-events")).toBeTruthy();
    expect(readies).toBe(0);
  });

  it("warns when running on the in-memory backend", async () => {
    render(
      <BackendProvider backend={new MockBackend()}>
        <App />
      </BackendProvider>,
    );
    expect((await screen.findByTestId("mock-banner")).textContent).toMatch(/nothing is stored/);
  });

  it("shows a neutral loading state, and no owner area, until the status is in", async () => {
    const backend = new MockBackend();
    let answer: (() => void) | null = null;
    const appStatus = backend.appStatus.bind(backend);
    backend.appStatus = () => new Promise((resolve) => (answer = () => void appStatus().then(resolve)));
    let machineCalls = 0;
    backend.machineStatus = () => {
      machineCalls += 1;
      return Promise.reject(new Error("not yet"));
    };
    render(
      <BackendProvider backend={backend}>
        <App />
      </BackendProvider>,
    );
    expect(screen.getByTestId("app-loading")).toBeTruthy();
    expect(screen.queryByTestId("nav-dashboard")).toBeNull();
    await waitFor(() => expect(answer).not.toBeNull());
    expect(machineCalls).toBe(0);
    answer!();
    expect(await screen.findByTestId("nav-dashboard")).toBeTruthy();
    expect(screen.queryByTestId("app-loading")).toBeNull();
  });
});
