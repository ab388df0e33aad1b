// The support mock itself: the preview's ticking live view stops with its watch; logs tokens.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SupportFrame } from "../bindings";
import { MockSupport } from "./mockSupport";

afterEach(() => vi.useRealTimers());

describe("MockSupport", () => {
  it("ticks metrics and log lines to a watch until it is stopped", async () => {
    vi.useFakeTimers();
    const support = new MockSupport(() => "support", { loggedIn: true, tickMs: 100 });
    const frames: SupportFrame[] = [];
    const parts = { live: true, tail: { minLevel: null, search: null, after: null } };
    const stop = await support.watch("tm-alice-3f9a", null, parts, (f) => frames.push(f));
    vi.advanceTimersByTime(250);
    expect(frames.filter((f) => f.type === "metrics")).toHaveLength(2);
    expect(frames.filter((f) => f.type === "logs")).toHaveLength(2);
    await stop();
    await stop();
    expect(support.stops).toBe(1);
    const seen = frames.length;
    vi.advanceTimersByTime(1000);
    expect(frames).toHaveLength(seen);
  });

  it("pages logs after a token and needs the Fly token", async () => {
    const support = new MockSupport(() => "support", {});
    const query = { minLevel: null, search: null, after: null };
    await expect(support.logs("tm-bob-71c2", null, query)).rejects.toMatchObject({ code: "invalid_input" });
    await support.login("fly", "fm2_abcd");
    const page = await support.logs("tm-bob-71c2", null, query);
    expect(page.lines).toHaveLength(6);
    const next = await support.logs("tm-bob-71c2", null, { ...query, after: page.nextToken });
    expect(next.lines).toEqual([]);
    expect(next.scanned).toBe(0);
  });
});
