import { describe, expect, it } from "vitest";
import { act, renderHook, waitFor } from "@testing-library/react";
import { MockBackend } from "../../backend/mock";
import { syntheticSignal } from "../../backend/mockSignals";
import { NO_FILTER } from "./feed";
import { useSignalFeed } from "./useSignalFeed";

describe("useSignalFeed", () => {
  it("renders 100 signals a second in at most a few batches", async () => {
    const backend = new MockBackend({ signals: { emitMs: 0, seed: [] } });
    let renders = 0;
    const { result } = renderHook(() => {
      renders += 1;
      return useSignalFeed(backend, NO_FILTER, 250);
    });
    await waitFor(() => expect(result.current.rows).toEqual([]));
    await waitFor(() => expect(backend.signals.watching).toBe(1));
    const before = renders;

    const started = Date.now();
    for (let n = 1; n <= 100; n++) {
      act(() => backend.signals.publish(syntheticSignal(n, "cloud", started + n)));
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(() => expect(result.current.rows).toHaveLength(100));
    const elapsed = Date.now() - started;
    // One render per flush (every 250 ms), never one per signal.
    expect(renders - before).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 2);
    expect(result.current.rows![0]!.seq).toBe(100);
  });

  it("reports a subscription that fails and still lists stored signals", async () => {
    const backend = new MockBackend({ signals: { emitMs: 0, seed: [syntheticSignal(1, "cloud", Date.now())] } });
    backend.signals.watch = async () => {
      throw new Error("channel closed");
    };
    const { result } = renderHook(() => useSignalFeed(backend, NO_FILTER, 50));
    await waitFor(() => expect(result.current.watchError?.message).toMatch(/channel closed/));
    await waitFor(() => expect(result.current.rows).toHaveLength(1));
  });

  it("shows a failed list as an error with no rows", async () => {
    const backend = new MockBackend({ signals: { emitMs: 0 } });
    const { result } = renderHook(() => useSignalFeed(backend, { ...NO_FILTER }, 50));
    await waitFor(() => expect(result.current.rows).not.toBeNull());
    backend.signals.list = async () => {
      throw new Error("database is locked");
    };
    act(() => result.current.reload());
    await waitFor(() => expect(result.current.error?.code).toBe("internal"));
    expect(result.current.rows).toEqual([]);
  });
});
