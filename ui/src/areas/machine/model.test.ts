import { describe, expect, it } from "vitest";
import type { MachineStatus } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { availability } from "./availability";
import { clock } from "./format";
import { applyProgress, attachError, elapsedAt, pendingRows, rowsFromRun } from "./steps";
import { isStuck, stuckAdvice } from "./stuck";

function status(state: string, extra: Partial<MachineStatus> = {}): MachineStatus {
  return {
    app: "a",
    machineId: state === "none" ? null : "m1",
    region: "sin",
    size: "normal",
    image: null,
    state,
    since: null,
    stuck: false,
    crashLooping: false,
    drift: null,
    nextAction: "start",
    advice: "",
    agentUrl: null,
    agent: null,
    agentProblem: null,
    cost: null,
    lastRun: null,
    checkedAt: "2026-01-01T00:00:00Z",
    ...extra,
  };
}

describe("availability", () => {
  it("follows the state, the retry advice and whether an operation runs", () => {
    expect(availability(null, false)).toMatchObject({ start: false, stop: false });
    expect(availability(status("none"), false)).toEqual({
      start: true,
      stop: false,
      restart: false,
      destroy: false,
      resize: false,
    });
    expect(availability(status("destroyed", { machineId: null }), false).start).toBe(true);
    expect(availability(status("started"), false)).toMatchObject({ start: false, stop: true, restart: true });
    expect(availability(status("started", { nextAction: "retry" }), false).start).toBe(true);
    expect(availability(status("stopped"), false)).toMatchObject({ start: true, stop: false, destroy: true });
    expect(availability(status("updating"), false)).toMatchObject({ start: false, stop: false, destroy: false });
    expect(availability(status("updating", { stuck: true }), false)).toMatchObject({ stop: true, destroy: true });
    expect(Object.values(availability(status("started"), true)).some(Boolean)).toBe(false);
  });
});

describe("step rows", () => {
  it("keep the newest lines, mark skipped steps and carry a failed step's error", () => {
    let rows = pendingRows();
    for (const line of ["a", "b", "c", "d"]) {
      rows = applyProgress(rows, { step: "token", state: "running", line, elapsedMs: 5 });
    }
    expect(rows[0]!.lines).toEqual(["b", "c", "d"]);
    rows = applyProgress(rows, { step: "app", state: "done", line: "Preparing your Fly app — done earlier", elapsedMs: 0 });
    expect(rows[1]).toMatchObject({ state: "done", earlier: true, elapsedMs: null });
    rows = applyProgress(rows, { step: "secrets", state: "failed", line: "boom", elapsedMs: 7 });
    const error = new BackendError({ code: "fly_timeout", message: "boom", hint: "later" });
    const attached = attachError(rows, error);
    expect(attached.attached).toBe(true);
    expect(attached.rows[2]!.error).toBe(error);
    expect(attachError(pendingRows(), error).attached).toBe(false);
  });

  it("come from the core's record with a failed step's {code, message, hint}", () => {
    const rows = rowsFromRun({
      id: 1,
      status: "failed",
      region: "fra",
      size: "normal",
      startedAt: "2026-01-01T00:00:00Z",
      steps: [
        { step: "token", state: "done", startedAt: null, finishedAt: null, error: null },
        {
          step: "app",
          state: "failed",
          startedAt: null,
          finishedAt: null,
          error: { code: "fly_forbidden", message: "no", hint: "ask" },
        },
      ],
    });
    expect(rows.map((r) => r.state).slice(0, 3)).toEqual(["done", "failed", "pending"]);
    expect(rows[1]!.error?.code).toBe("fly_forbidden");
    expect(rows[1]!.error?.hint).toBe("ask");
  });
});

describe("stuck", () => {
  const at = (iso: string) => Date.parse(iso);
  const since = "2026-01-01T10:00:00Z";

  it("follows Fly's thresholds: 5 minutes, 10 for updating and replacing, never for steady states", () => {
    expect(isStuck(status("starting", { since }), at("2026-01-01T10:05:00Z"))).toBe(false);
    expect(isStuck(status("starting", { since }), at("2026-01-01T10:05:01Z"))).toBe(true);
    expect(isStuck(status("destroying", { since }), at("2026-01-01T10:06:00Z"))).toBe(true);
    expect(isStuck(status("updating", { since }), at("2026-01-01T10:09:00Z"))).toBe(false);
    expect(isStuck(status("replacing", { since }), at("2026-01-01T10:10:01Z"))).toBe(true);
    expect(isStuck(status("stopped", { since }), at("2026-01-02T10:00:00Z"))).toBe(false);
    // The core's flag counts even when the UI cannot count (no or unreadable `since`).
    expect(isStuck(status("stopping", { stuck: true }), at(since))).toBe(true);
    expect(isStuck(status("stopping", { since: "not a time" }), at("2026-01-02T10:00:00Z"))).toBe(false);
    // A clock behind `since` is not stuck.
    expect(isStuck(status("starting", { since }), at("2026-01-01T09:00:00Z"))).toBe(false);
  });

  it("says for how long, the threshold and what to do", () => {
    const advice = stuckAdvice(status("restarting", { since }), at("2026-01-01T10:07:30Z"));
    expect(advice).toMatch(/^Restarting for 7 min — past Fly's 5-minute threshold/);
    expect(advice).toMatch(/Stop it, then Start it again; if it stays stuck, Destroy it/);
    // Once the core flags it, its advice (the Next line) says what to do; the UI's does not repeat it.
    expect(stuckAdvice(status("updating", { stuck: true }), 0)).toBe(
      "Updating — past Fly's 10-minute threshold, so Fly considers it stuck.",
    );
    expect(stuckAdvice(status("stopping", { since, stuck: true }), at("2026-01-01T10:11:00Z"))).toBe(
      "Stopping for 11 min — past Fly's 5-minute threshold, so Fly considers it stuck.",
    );
  });
});

describe("elapsed time", () => {
  it("ticks for a running step of a live run only, and formats as a clock", () => {
    let rows = applyProgress(pendingRows(), { step: "token", state: "running", line: "x", elapsedMs: 2000 }, 10_000);
    expect(elapsedAt(rows[0]!, 15_000, true)).toBe(7000);
    expect(elapsedAt(rows[0]!, 15_000, false)).toBe(2000);
    expect(elapsedAt(rows[0]!, 5_000, true)).toBe(2000);
    rows = applyProgress(rows, { step: "token", state: "done", line: "y", elapsedMs: 4000 }, 12_000);
    expect(elapsedAt(rows[0]!, 99_000, true)).toBe(4000);
    expect(elapsedAt(rows[1]!, 99_000, true)).toBeNull();
    expect([0, 999, 59_999, 60_000, 125_000, 3_725_000, -5].map(clock)).toEqual([
      "0 s",
      "0 s",
      "59 s",
      "1 min 00 s",
      "2 min 05 s",
      "1 h 02 min",
      "0 s",
    ]);
  });
});
