import { afterEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ApiError } from "../bindings";
import { BackendProvider } from "../backend/context";
import { MockBackend } from "../backend/mock";
import { LinkIndicator } from "./LinkIndicator";

const REFUSED: ApiError = { code: "agent_unreachable", message: "connection refused by the agent", hint: "Check the machine." };

function renderIndicator(backend = new MockBackend({ live: { connectMs: 5, frameMs: 50 } })) {
  render(
    <BackendProvider backend={backend}>
      <LinkIndicator />
    </BackendProvider>,
  );
  return backend;
}

const state = () => screen.getByTestId("link-state");

afterEach(() => vi.useRealTimers());

describe("LinkIndicator", () => {
  it("goes from connecting to live (no machine source: the agent is up) and hides Reconnect when live", async () => {
    renderIndicator(new MockBackend({ live: { connectMs: 5, frameMs: 50, followMachine: false } }));
    await waitFor(() => expect(state().getAttribute("data-state")).toBe("connecting"));
    expect(state().textContent).toBe("Connecting…");
    expect(state().getAttribute("role")).toBe("status");
    expect(state().getAttribute("aria-live")).toBe("polite");
    await waitFor(() => expect(state().getAttribute("data-state")).toBe("live"));
    expect(state().textContent).toBe("Live (owner)");
    expect(screen.queryByTestId("link-reconnect")).toBeNull();
  });

  it("is offline without a running machine, and Reconnect asks the backend", async () => {
    const backend = renderIndicator();
    await waitFor(() => expect(state().getAttribute("data-state")).toBe("offline"));
    expect(state().textContent).toBe("Offline");
    fireEvent.click(screen.getByTestId("link-reconnect"));
    await waitFor(() => expect(backend.live.reconnects).toBe(1));
  });

  it("counts down to the next attempt and shows the last error as a tooltip", async () => {
    vi.useFakeTimers();
    const backend = renderIndicator(new MockBackend({ live: { connectMs: 60_000, followMachine: false } }));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1);
    });
    act(() => backend.live.setLink({ state: "reconnecting", attempt: 3, nextInMs: 4000, lastError: REFUSED }));
    expect(state().getAttribute("data-state")).toBe("reconnecting");
    expect(state().textContent).toBe("Reconnecting — attempt 3, next in 4 s");
    expect(state().getAttribute("title")).toContain("connection refused by the agent");
    expect(screen.getByTestId("link-error").textContent).toBe(REFUSED.message);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1000);
    });
    expect(state().textContent).toBe("Reconnecting — attempt 3, next in 3 s");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(3000);
    });
    expect(state().textContent).toBe("Reconnecting — attempt 3, retrying now");
    expect(screen.getByTestId("link-reconnect")).toBeTruthy();
  });

  it("shows until when the circuit is open, in local time", async () => {
    const backend = renderIndicator();
    await waitFor(() => expect(state().getAttribute("data-state")).toBe("offline"));
    const until = new Date(Date.now() + 10 * 60_000);
    act(() => backend.live.setLink({ state: "circuit_open", until: until.toISOString(), reason: REFUSED }));
    const hhmm = until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    expect(state().textContent).toBe(`Circuit open until ${hhmm}`);
    expect(state().getAttribute("data-state")).toBe("circuit_open");
    expect(screen.getByTestId("link-reconnect")).toBeTruthy();
  });

  it("reports a failed Reconnect instead of swallowing it", async () => {
    const backend = renderIndicator();
    await waitFor(() => expect(state().getAttribute("data-state")).toBe("offline"));
    backend.live.failNext("reconnect", REFUSED);
    fireEvent.click(screen.getByTestId("link-reconnect"));
    await waitFor(() => expect(screen.getByTestId("link-error").textContent).toBe(REFUSED.message));
    expect(backend.live.reconnects).toBe(0);
  });

  it("retries with backoff after failed connects, then opens the circuit", async () => {
    const backend = new MockBackend({ machine: { initial: "started" }, live: { connectMs: 5, frameMs: 50, failConnects: 10, circuitAfter: 2 } });
    renderIndicator(backend);
    await waitFor(() => expect(state().getAttribute("data-state")).toBe("reconnecting"));
    expect(state().textContent).toMatch(/^Reconnecting — attempt 1, next in 1 s$/);
    await waitFor(() => expect(state().getAttribute("data-state")).toBe("circuit_open"), { timeout: 3000 });
  });

  it("ends its subscription on unmount", async () => {
    const backend = new MockBackend();
    let stopped = 0;
    const original = backend.live.watchLink.bind(backend.live);
    backend.live.watchLink = async (onView) => {
      const stop = await original(onView);
      return async () => {
        stopped += 1;
        await stop();
      };
    };
    const { unmount } = render(
      <BackendProvider backend={backend}>
        <LinkIndicator />
      </BackendProvider>,
    );
    await waitFor(() => expect(state().getAttribute("data-state")).toBe("offline"));
    unmount();
    expect(stopped).toBe(1);
  });
});
