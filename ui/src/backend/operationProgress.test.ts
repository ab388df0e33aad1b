// Stop, restart and destroy report their phases (the mock backend's side of the contract).
import { describe, expect, it } from "vitest";
import type { OperationProgress } from "../bindings";
import { BackendError } from "./backend";
import { MockBackend } from "./mock";

describe("machine operation progress", () => {
  it("reports each operation's lines with the outcome last, marked done", async () => {
    const backend = new MockBackend({ machine: { stepMs: 2 } });
    await backend.machineStart({}, () => {});
    for (const [operation, run] of [
      ["restart", (on: (e: OperationProgress) => void) => backend.machineRestart(on)],
      ["stop", (on: (e: OperationProgress) => void) => backend.machineStop(on)],
      ["destroy", (on: (e: OperationProgress) => void) => backend.machineDestroy(true, on)],
    ] as const) {
      const seen: OperationProgress[] = [];
      const outcome = await run((e) => seen.push(e));
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen.every((e) => e.operation === operation)).toBe(true);
      expect(seen.map((e) => e.done)).toEqual([...seen.slice(1).map(() => false), true]);
      expect(seen.at(-1)!.line).toBe(outcome.message);
      expect(seen.at(-1)!.elapsedMs).toBeGreaterThanOrEqual(seen[0]!.elapsedMs);
    }
  });

  it("an unconfirmed destroy reports nothing and is refused", async () => {
    const backend = new MockBackend({ machine: { stepMs: 2 } });
    await backend.machineStart({}, () => {});
    const seen: OperationProgress[] = [];
    const refused = await backend.machineDestroy(false, (e) => seen.push(e)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BackendError);
    expect(seen).toEqual([]);
  });

  it("works without a listener", async () => {
    const backend = new MockBackend({ machine: { stepMs: 2 } });
    await backend.machineStart({}, () => {});
    await expect(backend.machineStop()).resolves.toMatchObject({ status: { state: "stopped" } });
  });
});
