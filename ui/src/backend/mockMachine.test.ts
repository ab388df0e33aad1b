import { describe, expect, it, vi } from "vitest";
import type { Progress } from "../bindings";
import { BackendError } from "./backend";
import { MockMachine, STEPS } from "./mockMachine";

describe("MockMachine", () => {
  it("runs every step in order, running then done, with growing elapsed times", async () => {
    const machine = new MockMachine({ stepMs: 2 });
    const seen: Progress[] = [];
    const outcome = await machine.start({}, (p) => seen.push(p));
    expect(outcome.status.state).toBe("started");
    expect(outcome.status.lastRun?.status).toBe("done");
    expect(seen.filter((p) => p.state === "done").map((p) => p.step)).toEqual(STEPS);
    for (const step of STEPS) {
      const own = seen.filter((p) => p.step === step);
      expect(own.map((p) => p.state)).toEqual(["running", "running", "done"]);
      expect(own[2]!.elapsedMs).toBeGreaterThanOrEqual(own[0]!.elapsedMs);
    }
  });

  it("fails at the chosen step and resumes from it, reporting earlier steps as done earlier", async () => {
    const machine = new MockMachine({ stepMs: 2, failAt: { step: "ready" } });
    const failure = await machine.start({}, () => {}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BackendError);
    const failed = await machine.status();
    expect(failed.nextAction).toBe("retry");
    expect(failed.lastRun?.steps.find((s) => s.step === "ready")?.error).toMatchObject({ code: "fly_no_capacity" });
    const seen: Progress[] = [];
    await machine.start({}, (p) => seen.push(p));
    expect(machine.performed).toEqual([...STEPS.slice(0, 7), "ready", "done"]);
    expect(seen.slice(0, 6).every((p) => p.state === "done" && p.line.endsWith("done earlier"))).toBe(true);
  });

  it("starts a new run when a failed one asked for another region", async () => {
    const machine = new MockMachine({ stepMs: 1, failAt: { step: "volume" } });
    await machine.start({ region: "sin" }, () => {}).catch(() => undefined);
    await machine.start({ region: "fra" }, () => {});
    expect(machine.performed.slice(4)).toEqual(STEPS);
    expect((await machine.status()).region).toBe("fra");
  });

  it("refuses regions Binance blocks, and a second operation while one runs", async () => {
    const machine = new MockMachine({ stepMs: 20 });
    await expect(machine.start({ region: "iad" }, () => {})).rejects.toMatchObject({ code: "invalid_input" });
    const first = machine.start({}, () => {});
    await expect(machine.stop()).rejects.toMatchObject({ code: "machine_busy" });
    await first;
  });

  it("goes stopping → stopped, restarts only when started, destroys only when confirmed", async () => {
    const machine = new MockMachine({ stepMs: 10, initial: "started" });
    const stopping = machine.stop();
    expect((await machine.status()).state).toBe("stopping");
    expect((await stopping).status.state).toBe("stopped");
    await expect(machine.restart()).rejects.toMatchObject({ code: "machine_state" });
    await expect(machine.destroy(false)).rejects.toMatchObject({ code: "confirmation_required" });
    const destroyed = await machine.destroy(true);
    expect(destroyed.status.state).toBe("destroyed");
    expect(destroyed.status.nextAction).toBe("start");
    await expect(machine.events(10)).rejects.toMatchObject({ code: "no_machine" });
  });
});

describe("MockMachine → stuck", () => {
  it("flags a transient state as stuck only past Fly's 5-minute threshold", async () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date("2026-03-01T10:00:00Z"));
      const machine = new MockMachine({ initial: "starting" });
      vi.setSystemTime(new Date("2026-03-01T10:04:59Z"));
      expect(await machine.status()).toMatchObject({ state: "starting", stuck: false, nextAction: "wait" });
      vi.setSystemTime(new Date("2026-03-01T10:05:01Z"));
      const stuck = await machine.status();
      expect(stuck).toMatchObject({ stuck: true, nextAction: "restart" });
      expect(stuck.advice).toMatch(/Stuck starting for over 5 minutes/);
      // A steady state is never stuck, however old.
      const started = new MockMachine({ initial: "started" });
      vi.setSystemTime(new Date("2026-03-01T12:00:00Z"));
      expect((await started.status()).stuck).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
