// The owner's Support area: how to let support in read-only, with this machine's app and id.
import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
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

  it("replaces the viewer token after a confirmation, restarting a started machine, with its progress", async () => {
    const backend = new MockBackend({ machine: { initial: "started", stepMs: 20 } });
    await backend.storeToken("FlyV1 fm2_ownerSECRETtoken1234");
    const before = await backend.machineStatus();
    render(
      <BackendProvider backend={backend}>
        <SupportArea />
      </BackendProvider>,
    );
    const replace = await screen.findByTestId("viewer-token-replace");
    await waitFor(() => expect((replace as HTMLButtonElement).disabled).toBe(false));
    expect(screen.getByTestId("viewer-token-panel").textContent).toContain("restart");
    // Cancel changes nothing.
    fireEvent.click(replace);
    fireEvent.click(screen.getByTestId("viewer-token-replace-cancel"));
    expect(screen.queryByTestId("viewer-token-progress")).toBeNull();
    expect((await backend.recentEvents(50)).some((e) => e.kind === "support.access")).toBe(false);

    fireEvent.click(screen.getByTestId("viewer-token-replace"));
    expect(screen.getByRole("group", { name: "Confirm the new viewer token" }).textContent).toContain("restart the machine");
    fireEvent.click(screen.getByTestId("viewer-token-replace-confirm"));
    await waitFor(() => expect(screen.getByTestId("viewer-token-done").textContent).toContain("old viewer token no longer works"));
    const progress = screen.getByTestId("viewer-token-progress").textContent ?? "";
    expect(progress).toContain("Setting a new viewer token");
    expect(progress).toContain("restarted");
    const events = await backend.recentEvents(50);
    expect(events.some((e) => e.kind === "support.access" && JSON.stringify(e.details).includes("viewer-token replaced"))).toBe(true);
    expect(events.some((e) => e.kind === "fly.restart" || e.kind === "machine.restart")).toBe(true);
    expect((await backend.machineStatus()).machineId).toBe(before.machineId);
    expect(document.body.innerHTML).not.toMatch(/tmv_/);
  });

  it("shows why a replacement failed, and has nothing to replace without a machine", async () => {
    const backend = new MockBackend({ machine: { initial: "started", stepMs: 20 } });
    await backend.storeToken("FlyV1 fm2_ownerSECRETtoken1234");
    backend.machine.failNext("restart", {
      code: "fly_timeout",
      message: "Fly did not answer in time",
      hint: "Try again in a minute.",
    });
    const { unmount } = render(
      <BackendProvider backend={backend}>
        <SupportArea />
      </BackendProvider>,
    );
    const replace = await screen.findByTestId("viewer-token-replace");
    await waitFor(() => expect((replace as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(replace);
    fireEvent.click(screen.getByTestId("viewer-token-replace-confirm"));
    await waitFor(() => expect(screen.getByTestId("viewer-token-error").dataset["code"]).toBe("fly_timeout"));
    expect(screen.getByTestId("viewer-token-error-hint").textContent).toBe("Try again in a minute.");
    expect(screen.queryByTestId("viewer-token-done")).toBeNull();
    expect((screen.getByTestId("viewer-token-replace") as HTMLButtonElement).disabled).toBe(false);
    unmount();

    render(
      <BackendProvider backend={new MockBackend()}>
        <SupportArea />
      </BackendProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("support-machine-id").textContent).toBe("none"));
    expect((screen.getByTestId("viewer-token-replace") as HTMLButtonElement).disabled).toBe(true);
  });

  it("lists support's recent looks, newest first, and refreshes after a replacement", async () => {
    const backend = new MockBackend({ machine: { initial: "started", stepMs: 20 } });
    await backend.storeToken("FlyV1 fm2_ownerSECRETtoken1234");
    backend.live.record("cli", "support.access", { what: "viewer-token shared" });
    backend.live.record("support", "support.access", { what: "history", at: "2026-11-24T10:00:00.001Z", via: "agent" });
    backend.live.record("support", "support.access", { what: "live connection", at: "2026-11-24T10:00:01.002Z", via: "agent" });
    backend.live.record("gui", "machine.stop", {});
    render(
      <BackendProvider backend={backend}>
        <SupportArea />
      </BackendProvider>,
    );
    await waitFor(() => expect(screen.getAllByTestId("support-look")).toHaveLength(3));
    const texts = screen.getAllByTestId("support-look").map((li) => li.textContent ?? "");
    expect(texts[0]).toContain("Support's viewer token: live connection");
    expect(texts[1]).toContain("Support's viewer token: history");
    expect(texts[2]).toContain("You: viewer-token shared");
    expect(texts.join(" ")).not.toContain("machine.stop");

    const replace = screen.getByTestId("viewer-token-replace") as HTMLButtonElement;
    await waitFor(() => expect(replace.disabled).toBe(false));
    fireEvent.click(replace);
    fireEvent.click(screen.getByTestId("viewer-token-replace-confirm"));
    await screen.findByTestId("viewer-token-done");
    await waitFor(() => expect(screen.getAllByTestId("support-look")).toHaveLength(4));
    expect(screen.getAllByTestId("support-look")[0]!.textContent).toContain("You: viewer-token replaced");
  });

  it("says when support has not looked yet", async () => {
    render(
      <BackendProvider backend={new MockBackend()}>
        <SupportArea />
      </BackendProvider>,
    );
    expect((await screen.findByTestId("support-looks-empty")).textContent).toContain("None recorded");
  });
});
