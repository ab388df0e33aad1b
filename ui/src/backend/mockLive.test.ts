import { describe, expect, it } from "vitest";
import type { AuditEvent, EventFilter } from "../bindings";
import { BackendError } from "./backend";
import { MockLive, syntheticSvg } from "./mockLive";

const filter = (f: Partial<EventFilter> = {}): EventFilter => ({ kind: null, actor: null, text: null, beforeId: null, limit: 0, ...f });

const LOG: AuditEvent[] = [
  { id: 3, at: "2026-03-01T10:02:00Z", actor: "gui", kind: "machine.stop", machineId: null, details: { from: "started" } },
  { id: 2, at: "2026-03-01T10:01:00Z", actor: "cli", kind: "machinery.odd", machineId: null, details: {} },
  { id: 1, at: "2026-03-01T10:00:00Z", actor: "fly", kind: "machine", machineId: null, details: { note: "Exit Code" } },
];

describe("MockLive → audit log", () => {
  it("filters a family by prefix with a dot, not by any prefix", async () => {
    const live = new MockLive({ events: LOG.map((e) => ({ ...e })) });
    expect((await live.events(filter({ kind: "machine" }))).map((e) => e.id)).toEqual([3, 1]);
    expect((await live.events(filter({ kind: "machine.stop" }))).map((e) => e.id)).toEqual([3]);
  });

  it("searches text case-insensitively, pages by id and rejects a limit over 1000", async () => {
    const live = new MockLive({ events: LOG.map((e) => ({ ...e })) });
    expect((await live.events(filter({ text: "exit code" }))).map((e) => e.id)).toEqual([1]);
    expect((await live.events(filter({ beforeId: 3, limit: 1 }))).map((e) => e.id)).toEqual([2]);
    await expect(live.events(filter({ limit: 1001 }))).rejects.toBeInstanceOf(BackendError);
  });

  it("rejects an unknown range", async () => {
    const live = new MockLive({ events: [] });
    await expect(live.watchDashboard("2h" as never, () => {})).rejects.toMatchObject({ code: "invalid_input" });
  });
});

describe("syntheticSvg", () => {
  it("is a standalone SVG document that scales with its data", () => {
    const svg = syntheticSvg([0, 5, 10]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith("</svg>")).toBe(true);
    expect(svg).not.toContain("<script");
    // A flat series sits at 1/1.15 of the height (15 % headroom), end to end.
    const y = (120 - 120 / 1.15).toFixed(1);
    expect(syntheticSvg([1, 1])).toContain(`points="0.0,${y} 320.0,${y}"`);
  });
});
