import { describe, expect, it } from "vitest";
import type { SignalView } from "../../bindings";
import { syntheticSignal } from "../../backend/mockSignals";
import { FEED_CAP, matchesSignal, mergeSignals, rowTestId, toSignalFilter } from "./feed";

const at = (n: number, ms: number, source: "cloud" | "local" = "cloud"): SignalView => syntheticSignal(n, source, ms);

describe("mergeSignals", () => {
  it("orders newest first and keeps one row per key", () => {
    const rows = mergeSignals([], [at(1, 1000), at(2, 3000), at(3, 2000)]);
    expect(rows.map((s) => s.seq)).toEqual([2, 3, 1]);
    const again = mergeSignals(rows, [at(2, 3000), at(4, 4000), at(4, 4000)]);
    expect(again.map((s) => s.seq)).toEqual([4, 2, 3, 1]);
  });

  it("keeps cloud and local signals with the same seq apart", () => {
    const rows = mergeSignals([], [at(5, 1000, "cloud"), at(5, 1000, "local")]);
    expect(rows).toHaveLength(2);
    expect(rows.map(rowTestId).sort()).toEqual(["signal-row-5", "signal-row-local-5"]);
  });

  it("caps at the newest 1 000", () => {
    const many = Array.from({ length: 1500 }, (_, i) => at(i + 1, (i + 1) * 10));
    const rows = mergeSignals([], many);
    expect(rows).toHaveLength(FEED_CAP);
    expect(rows[0]!.seq).toBe(1500);
    expect(rows[FEED_CAP - 1]!.seq).toBe(501);
    const more = mergeSignals(rows, [at(2000, 99_999)]);
    expect(more).toHaveLength(FEED_CAP);
    expect(more[0]!.seq).toBe(2000);
    expect(more.some((s) => s.seq === 501)).toBe(false);
  });
});

describe("matchesSignal", () => {
  const s = at(1, 1000);
  it("matches trader and source exactly and the symbol case-insensitively", () => {
    expect(matchesSignal(s, { traderId: null, symbol: "", source: null })).toBe(true);
    expect(matchesSignal(s, { traderId: s.traderId, symbol: ` ${s.symbol.toLowerCase()} `, source: "cloud" })).toBe(true);
    expect(matchesSignal(s, { traderId: "other", symbol: "", source: null })).toBe(false);
    expect(matchesSignal(s, { traderId: null, symbol: s.symbol.slice(0, 3), source: null })).toBe(false);
    expect(matchesSignal(s, { traderId: null, symbol: "", source: "local" })).toBe(false);
  });

  it("sends an empty symbol as no filter", () => {
    expect(toSignalFilter({ traderId: null, symbol: "  ", source: "local" })).toEqual({
      traderId: null,
      symbol: null,
      source: "local",
      limit: 1000,
      beforeMs: null,
    });
  });
});
