import { describe, expect, it } from "vitest";
import { checkTrader } from "../../backend/mockTraders";
import { blankTrader, duplicate, lineStart, parseSymbols, placementLabel, timeAgo } from "./model";
import { cloudGate } from "./useCloudGate";

describe("traders model", () => {
  it("labels every placement", () => {
    expect(placementLabel({ placement: "local", cloudVersion: null })).toBe("Local");
    expect(placementLabel({ placement: "cloud", cloudVersion: 12 })).toBe("Cloud v12");
    expect(placementLabel({ placement: "cloud", cloudVersion: null })).toBe("Cloud");
    expect(placementLabel({ placement: "deploying", cloudVersion: 3 })).toBe("Deploying…");
    expect(placementLabel({ placement: "undeploying", cloudVersion: 3 })).toBe("Undeploying…");
    expect(placementLabel({ placement: "error", cloudVersion: null })).toBe("Error");
  });

  it("says how long ago, and never a negative time", () => {
    const now = 1_000_000_000;
    expect(timeAgo(now + 5000, now)).toBe("just now");
    expect(timeAgo(now - 42_000, now)).toBe("42 s ago");
    expect(timeAgo(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(timeAgo(now - 3 * 3_600_000, now)).toBe("3 h ago");
    expect(timeAgo(now - 3 * 86_400_000, now)).toBe("3 d ago");
  });

  it("parses symbols: upper case, de-duplicated, empty means all", () => {
    expect(parseSymbols("btcusdt, ETHUSDT\n ethusdt,,")).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(parseSymbols("  , ")).toBeNull();
  });

  it("finds where a line starts, and clamps past the end", () => {
    const text = "ab\ncde\n\nf";
    expect(lineStart(text, 1)).toBe(0);
    expect(lineStart(text, 2)).toBe(3);
    expect(lineStart(text, 4)).toBe(8);
    expect(lineStart(text, 99)).toBe(text.length);
  });

  it("duplicates as a new, local trader", () => {
    const t = { ...blankTrader(), id: "builtin-x", name: "X".repeat(60), version: 4 };
    t.cloud.enabledInCloud = true;
    const copy = duplicate(t);
    expect(copy.id).toBe("");
    expect(copy.version).toBe(0);
    expect(copy.name.length).toBe(60);
    expect(copy.cloud.enabledInCloud).toBe(false);
    expect(t.cloud.enabledInCloud).toBe(true);
  });

  it("allows cloud toggles only with a started machine and a live link", () => {
    expect(cloudGate(null, "live").allowed).toBe(false);
    expect(cloudGate("stopped", "live").reason).toMatch(/stopped/);
    expect(cloudGate("none", "live").reason).toMatch(/not created/);
    expect(cloudGate("started", null).reason).toMatch(/offline/);
    expect(cloudGate("started", "circuit_open").reason).toMatch(/paused/);
    expect(cloudGate("started", "live")).toEqual({ allowed: true, reason: null });
  });
});

describe("the mock's check", () => {
  const base = () => ({ ...blankTrader(), name: "T" });

  it("accepts the blank trader's example filter", () => {
    expect(checkTrader(base()).problems).toEqual([]);
  });

  it("reports bad inputs with fields and lines", () => {
    const t = base();
    t.name = " ";
    t.filter.requiredTimeframes = [];
    t.filter.cooldownBars = -1;
    t.filter.code = "const a = [1, 2;\nrequire('fs');\n";
    const fields = checkTrader(t).problems.map((p) => `${p.field}:${p.line ?? "-"}`);
    expect(fields).toEqual(
      expect.arrayContaining(["name:-", "filter.requiredTimeframes:-", "filter.cooldownBars:-", "filter.code:1", "filter.code:2"]),
    );
  });

  it("ignores brackets and words inside strings and comments", () => {
    const t = base();
    t.filter.code = "// fetch ( is fine here\nconst k = timeframes['15m'];\nreturn { match: k.length > 0, conditions: ['a ( b', \"fetch\"] };\n";
    expect(checkTrader(t).problems).toEqual([]);
  });

  it("warns about a required timeframe the code never reads, and code that never returns", () => {
    const t = base();
    t.filter.requiredTimeframes = ["15m", "4h"];
    t.filter.code = "const k = timeframes['15m'];\n";
    expect(checkTrader(t).warnings).toEqual([
      "4h is required but the code never reads timeframes['4h']",
      "the code never returns: it can never match",
    ]);
  });

  it("rejects an empty filter and a name over 60 characters", () => {
    const t = base();
    t.name = "n".repeat(61);
    t.filter.code = "   ";
    const messages = checkTrader(t).problems.map((p) => p.message);
    expect(messages.some((m) => m.includes("at most 60"))).toBe(true);
    expect(messages.some((m) => m.includes("the filter is empty"))).toBe(true);
  });
});
