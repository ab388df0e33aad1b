// The link's label: the reconnect countdown from the moment the state arrived.
import { describe, expect, it } from "vitest";
import type { LinkState } from "../bindings";
import { linkLabel } from "./linkText";

const ERROR = { code: "agent_unreachable" as const, message: "refused", hint: null };

describe("linkLabel", () => {
  const reconnecting: LinkState = { state: "reconnecting", attempt: 1, nextInMs: 1000, lastError: ERROR };

  it("counts a reconnect down from nextInMs", () => {
    const at = 1_000_000;
    expect(linkLabel(reconnecting, at, at)).toBe("Reconnecting — attempt 1, next in 1 s");
    expect(linkLabel(reconnecting, at, at + 999)).toBe("Reconnecting — attempt 1, next in 1 s");
    expect(linkLabel(reconnecting, at, at + 1000)).toBe("Reconnecting — attempt 1, retrying now");
    expect(linkLabel(reconnecting, at, at + 60_000)).toBe("Reconnecting — attempt 1, retrying now");
  });

  it("never counts above nextInMs when the clock's last tick is older than the state", () => {
    const at = 1_000_000;
    expect(linkLabel(reconnecting, at, at - 1)).toBe("Reconnecting — attempt 1, next in 1 s");
    expect(linkLabel(reconnecting, at, at - 900)).toBe("Reconnecting — attempt 1, next in 1 s");
  });
});
