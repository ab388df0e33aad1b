import { describe, expect, it } from "vitest";
import type { MachineStatus } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { availability } from "./availability";
import { applyProgress, attachError, pendingRows, rowsFromRun } from "./steps";

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
