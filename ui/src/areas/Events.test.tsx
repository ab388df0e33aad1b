import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { AuditEvent, EventFilter } from "../bindings";
import { BackendProvider } from "../backend/context";
import { MockBackend } from "../backend/mock";
import { Events } from "./Events";

const KINDS = ["machine.start", "provision.step", "link.connected", "trader.deploy", "token.stored", "fly.exit"];

/** `count` events, ids 1..count, oldest first in time; kinds and actors rotate. */
function history(count: number): AuditEvent[] {
  const start = Date.parse("2026-03-01T10:00:00Z");
  return Array.from({ length: count }, (_, i) => {
    const id = count - i;
    return {
      id,
      at: new Date(start + id * 60_000).toISOString(),
      actor: id % 3 === 0 ? "cli" : "gui",
      kind: KINDS[id % KINDS.length]!,
      machineId: null,
      details: { note: `event number ${id}` },
    };
  });
}

function renderEvents(events: AuditEvent[], debounceMs = 5) {
  const backend = new MockBackend({ live: { events } });
  const queries: EventFilter[] = [];
  const original = backend.live.events.bind(backend.live);
  backend.live.events = (filter) => {
    queries.push(filter);
    return original(filter);
  };
  render(
    <BackendProvider backend={backend}>
      <Events debounceMs={debounceMs} />
    </BackendProvider>,
  );
  return { backend, queries };
}

const rowIds = () =>
  Array.from(screen.getByTestId("events-list").children).map((li) => Number(li.getAttribute("data-testid")!.slice("event-row-".length)));

describe("Events → list", () => {
  it("shows the newest events first with time, actor, kind and a readable summary; raw JSON on demand", async () => {
    const events: AuditEvent[] = [
      { id: 2, at: "2026-03-01T10:05:00Z", actor: "gui", kind: "machine.update", machineId: "e78", details: { size: { from: "low", to: "normal" }, version: "01J" } },
      { id: 1, at: "2026-03-01T10:00:00Z", actor: "cli", kind: "token.stored", machineId: null, details: { tokenKind: "macaroon", last4: "Xq7Z" } },
    ];
    renderEvents(events);
    const row = await screen.findByTestId("event-row-2");
    expect(rowIds()).toEqual([2, 1]);
    expect(row.textContent).toContain(new Date("2026-03-01T10:05:00Z").toLocaleString());
    expect(row.textContent).toContain("Desktop app");
    expect(row.textContent).toContain("machine.update");
    expect(screen.getByTestId("event-row-2-summary").textContent).toBe("Resized the machine: low → normal · machine e78");
    expect(screen.getByTestId("event-row-1-summary").textContent).toBe("Stored a Fly macaroon token ending …Xq7Z");
    expect(screen.getByTestId("event-row-1").textContent).toContain("Command line");

    expect(screen.queryByTestId("event-row-2-raw")).toBeNull();
    const toggle = screen.getByTestId("event-row-2-toggle");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(JSON.parse(screen.getByTestId("event-row-2-raw").textContent!)).toEqual(events[0]!.details);
  });

  it("summarizes unknown kinds field by field instead of dumping JSON", async () => {
    renderEvents([{ id: 1, at: "2026-03-01T10:00:00Z", actor: "gui", kind: "trader.deploy", machineId: null, details: { traderId: "rsi", expectedVersion: 3 } }]);
    expect((await screen.findByTestId("event-row-1-summary")).textContent).toBe("trader id: rsi · expected version: 3");
  });

  it("pages with Load more using the last id, until there are no more", async () => {
    const { queries } = renderEvents(history(120));
    await screen.findByTestId("event-row-120");
    expect(rowIds()).toHaveLength(50);
    expect(rowIds()[0]).toBe(120);
    fireEvent.click(screen.getByTestId("events-more"));
    await screen.findByTestId("event-row-21");
    expect(queries.at(-1)!.beforeId).toBe(71);
    expect(rowIds()).toHaveLength(100);
    fireEvent.click(screen.getByTestId("events-more"));
    await screen.findByTestId("event-row-1");
    expect(rowIds()).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));
    expect(screen.queryByTestId("events-more")).toBeNull();
  });

  it("refreshes to show new events", async () => {
    const { backend } = renderEvents(history(3));
    await screen.findByTestId("event-row-3");
    backend.live.record("gui", "machine.stop", { from: "started" });
    fireEvent.click(screen.getByTestId("events-refresh"));
    expect((await screen.findByTestId("event-row-4-summary")).textContent).toBe("Stopped the machine (it was started)");
  });
});

describe("Events → filters", () => {
  it("filters by family and by actor", async () => {
    const { queries } = renderEvents(history(30));
    await screen.findByTestId("event-row-30");
    fireEvent.click(screen.getByTestId("events-family-machine"));
    await waitFor(() => expect(rowIds().every((id) => id % KINDS.length === 0)).toBe(true));
    expect(queries.at(-1)!.kind).toBe("machine");
    expect(screen.getByTestId("events-family-machine").getAttribute("aria-checked")).toBe("true");
    for (const id of rowIds()) expect(screen.getByTestId(`event-row-${id}`).getAttribute("data-kind")).toBe("machine.start");

    fireEvent.click(screen.getByTestId("events-family-all"));
    fireEvent.change(screen.getByTestId("events-actor"), { target: { value: "cli" } });
    await waitFor(() => expect(rowIds()).toEqual([30, 27, 24, 21, 18, 15, 12, 9, 6, 3]));
    expect(queries.at(-1)).toMatchObject({ kind: null, actor: "cli", text: null, beforeId: null });
  });

  it("searches the text after a pause, not on every key", async () => {
    const { queries } = renderEvents(history(30), 80);
    await screen.findByTestId("event-row-30");
    const before = queries.length;
    const input = screen.getByTestId("events-search");
    for (const partial of ["n", "nu", "number 1"]) fireEvent.change(input, { target: { value: partial } });
    await waitFor(() => expect(rowIds()).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 1]));
    expect(queries.slice(before).map((q) => q.text)).toEqual(["number 1"]);
  });

  it("says when no event matches, and shows a failed read with its hint", async () => {
    const { backend } = renderEvents(history(5));
    await screen.findByTestId("event-row-5");
    fireEvent.change(screen.getByTestId("events-search"), { target: { value: "no such text" } });
    expect((await screen.findByTestId("events-empty")).textContent).toMatch(/No events match/);

    backend.live.failNext("events", { code: "database", message: "the database is locked", hint: "Close other TradeMind windows." });
    fireEvent.click(screen.getByTestId("events-refresh"));
    const error = await screen.findByTestId("events-error");
    expect(within(error).getByTestId("events-error-hint").textContent).toBe("Close other TradeMind windows.");
  });

  it("says nothing was recorded on a fresh install", async () => {
    renderEvents([]);
    expect((await screen.findByTestId("events-empty")).textContent).toMatch(/Nothing recorded yet/);
  });
});
