import { describe, expect, it } from "vitest";
import { BackendError } from "./backend";

describe("BackendError.from", () => {
  it("keeps code, message and hint of a core error", () => {
    const e = BackendError.from({ code: "keyring_unavailable", message: "no keyring", hint: "start it" });
    expect(e).toBeInstanceOf(BackendError);
    expect(e.code).toBe("keyring_unavailable");
    expect(e.message).toBe("no keyring");
    expect(e.hint).toBe("start it");
  });

  it("accepts a null hint", () => {
    expect(BackendError.from({ code: "io", message: "m", hint: null }).hint).toBeNull();
  });

  it("turns unknown shapes into internal errors instead of crashing", () => {
    for (const thrown of ["boom", new Error("boom"), { code: "made_up", message: "x", hint: null }, null, 42]) {
      const e = BackendError.from(thrown);
      expect(e.code).toBe("internal");
      expect(e.message).toMatch(/^unexpected failure: /);
      expect(e.hint).not.toBeNull();
    }
  });
});
