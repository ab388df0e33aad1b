// The owner's Support area: how to let support in read-only, with this machine's app and id.
import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import { BackendProvider } from "../backend/context";
import { MockBackend } from "../backend/mock";
import { SupportArea } from "./SupportArea";

describe("Support area", () => {
  it("explains read-only support with the machine's app name and id, and no token", async () => {
    const backend = new MockBackend({ machine: { initial: "started" } });
    await backend.storeToken("FlyV1 fm2_ownerSECRETtoken1234");
    const status = await backend.machineStatus();
    render(
      <BackendProvider backend={backend}>
        <SupportArea />
      </BackendProvider>,
    );
    const area = screen.getByTestId("support-area");
    await waitFor(() => expect(screen.getByTestId("support-app-name").textContent).toBe(status.app));
    expect(status.app).not.toBeNull();
    expect(screen.getByTestId("support-machine-id").textContent).toBe(status.machineId);
    for (const text of ["fly tokens create readonly", "trademind machine viewer-token", "trademind --support", "support.access"]) {
      expect(area.textContent).toContain(text);
    }
    expect(document.body.innerHTML).not.toContain("ownerSECRET");
    expect(screen.queryAllByRole("textbox")).toHaveLength(0);
  });

  it("says so when there is no machine yet", async () => {
    const backend = new MockBackend();
    const status = await backend.machineStatus();
    expect(status.machineId).toBeNull();
    render(
      <BackendProvider backend={backend}>
        <SupportArea />
      </BackendProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("support-machine-id").textContent).toBe("none"));
    expect(screen.getByTestId("support-app-name").textContent).toBe(status.app ?? "not created yet");
  });
});
