// The support window's pure parts: the log buffer's cap, error grouping, merging live data, frames.
import { describe, expect, it } from "vitest";
import type { LogLine, SignalFrame } from "../../bindings";
import { groupErrors } from "./errorGroups";
import { appendLines, EMPTY_LOGS, MAX_LOG_LINES } from "./logBuffer";
import { mergeSignals } from "./SignalsList";
import { mergeTraders } from "./TradersTable";
import { applyFrame, type SupportLive } from "./useSupportWatch";

const line = (message: string): LogLine => ({ at: "2025-06-01T12:00:00Z", level: "info", message, instance: "m", region: "fra" });
const signal = (seq: number): SignalFrame => ({ seq, traderId: "t", symbol: "BTCUSDT", interval: "5m", openTime: 0, closeTime: seq, price: 1, conditions: [] });

describe("log buffer", () => {
  it("keeps the newest MAX_LOG_LINES lines with increasing numbers", () => {
    let buffer = appendLines(EMPTY_LOGS, Array.from({ length: 1500 }, (_, i) => line(`a${i}`)));
    buffer = appendLines(buffer, Array.from({ length: 1500 }, (_, i) => line(`b${i}`)));
    expect(MAX_LOG_LINES).toBe(2000);
    expect(buffer.lines).toHaveLength(2000);
    expect(buffer.dropped).toBe(1000);
    expect(buffer.lines[0]!.line.message).toBe("a1000");
    expect(buffer.lines[1999]!.line.message).toBe("b1499");
    expect(buffer.lines[1999]!.n - buffer.lines[0]!.n).toBe(1999);
  });

  it("an empty page changes nothing", () => {
    expect(appendLines(EMPTY_LOGS, [])).toEqual(EMPTY_LOGS);
  });
});

describe("groupErrors", () => {
  it("groups by source and message, most frequent first, with the newest time", () => {
    const groups = groupErrors([
      { at: "2025-06-01T10:00:00Z", source: "engine", message: "gap" },
      { at: "2025-06-01T12:00:00Z", source: "binance", message: "closed" },
      { at: "2025-06-01T11:00:00Z", source: "binance", message: "closed" },
      { at: "2025-06-01T09:00:00Z", source: "storage", message: "gap" },
    ]);
    expect(groups.map((g) => [g.source, g.message, g.count, g.last])).toEqual([
      ["binance", "closed", 2, "2025-06-01T12:00:00Z"],
      ["engine", "gap", 1, "2025-06-01T10:00:00Z"],
      ["storage", "gap", 1, "2025-06-01T09:00:00Z"],
    ]);
    expect(groupErrors([])).toEqual([]);
  });
});

describe("live data", () => {
  it("merges signals by seq, newest first, without duplicates", () => {
    expect(mergeSignals([signal(1), signal(2)], [signal(2), signal(3)]).map((s) => s.seq)).toEqual([3, 2, 1]);
  });

  it("applies live trader states over the snapshot and appends new traders", () => {
    const merged = mergeTraders(
      [{ traderId: "a", version: 1, state: "deployed", error: null }],
      { a: { traderId: "a", version: 2, state: "error", error: "x" }, b: { traderId: "b", version: 1, state: "deployed", error: null } },
    );
    expect(merged.map((t) => [t.traderId, t.version, t.state])).toEqual([
      ["a", 2, "error"],
      ["b", 1, "deployed"],
    ]);
  });

  it("applies frames: link, status, a repeated signal only once; logs frames are not state", () => {
    const empty: SupportLive = { link: null, metrics: null, status: null, traders: {}, signals: [], error: null, tailEnded: null };
    let live = applyFrame(empty, { type: "link", state: "retrying", detail: "timeout" });
    live = applyFrame(live, { type: "status", state: "paused", reason: "maintenance" });
    live = applyFrame(live, { type: "signal", ...signal(5) });
    live = applyFrame(live, { type: "signal", ...signal(5) });
    expect(live.link).toEqual({ state: "retrying", detail: "timeout" });
    expect(live.status).toEqual({ state: "paused", reason: "maintenance" });
    expect(live.signals).toHaveLength(1);
    expect(live.signals[0]).not.toHaveProperty("type");
    expect(applyFrame(live, { type: "logs", lines: [line("x")], nextToken: null, scanned: 1 })).toBe(live);
  });
});
