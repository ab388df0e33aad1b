import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { BackendProvider } from "../backend/context";
import { MockBackend } from "../backend/mock";
import { Settings } from "./Settings";

const TOKEN = "FlyV1 fm2_lJPECAAAAAAAAxgnxBBe2vy0nWbLSmzrbAqPmo5XwrVodHRwczovL2FwaS5mbHkXq7Z";

function renderSettings(backend = new MockBackend()) {
  render(
    <BackendProvider backend={backend}>
      <Settings />
    </BackendProvider>,
  );
  return backend;
}

async function paste(token: string) {
  const input = await screen.findByTestId("settings-token-input");
  fireEvent.change(input, { target: { value: token } });
  fireEvent.click(screen.getByTestId("settings-token-save"));
}

describe("Settings → Fly API token", () => {
  it("stores a pasted token and then shows only its last four characters", async () => {
    renderSettings();
    await paste(TOKEN);
    const status = await screen.findByTestId("settings-token-state");
    expect(status.textContent).toMatch(/^Token stored \(…Xq7Z\)/);
    expect(screen.queryByTestId("settings-token-input")).toBeNull();
    expect(document.body.innerHTML).not.toContain("fm2_lJPEC");
    await waitFor(() => expect(screen.getByText("token.stored")).toBeTruthy());
  });

  it("disables Store for a blank draft", async () => {
    renderSettings();
    const input = await screen.findByTestId("settings-token-input");
    fireEvent.change(input, { target: { value: "   " } });
    expect((screen.getByTestId("settings-token-save") as HTMLButtonElement).disabled).toBe(true);
  });

  it("removes the token only after confirmation", async () => {
    renderSettings();
    await paste(TOKEN);
    fireEvent.click(await screen.findByTestId("token-remove"));
    fireEvent.click(screen.getByTestId("token-remove-cancel"));
    expect(screen.getByTestId("settings-token-state")).toBeTruthy();
    fireEvent.click(screen.getByTestId("token-remove"));
    fireEvent.click(screen.getByTestId("token-remove-confirm"));
    await screen.findByTestId("settings-token-input");
    expect(screen.queryByTestId("settings-token-state")).toBeNull();
    await waitFor(() => expect(screen.getByText("token.removed")).toBeTruthy());
  });

  it("shows the message and hint of a failure and keeps the draft", async () => {
    renderSettings(new MockBackend());
    await paste("FlyV1 ");
    const message = await screen.findByTestId("token-error-message");
    expect(message.textContent).toBe("that is not a Fly API token: it is empty");
    expect(screen.getByTestId("token-error-hint").textContent).toContain("fly tokens create");
    expect((screen.getByTestId("settings-token-input") as HTMLInputElement).value).toBe("FlyV1 ");
  });

  it("explains an unavailable keyring instead of crashing", async () => {
    renderSettings(new MockBackend({ keyringUnavailable: true }));
    const error = await screen.findByTestId("token-error");
    expect(error.getAttribute("data-code")).toBe("keyring_unavailable");
    expect(screen.getByTestId("token-error-hint").textContent).toMatch(/keyring/);
    expect((await screen.findByTestId("check-keyring")).textContent).toMatch(/^Problem/);
  });
});

describe("Settings → test ids", () => {
  it("names the token input, save button and state line with stable settings-token-* ids", async () => {
    renderSettings();
    const input = await screen.findByTestId("settings-token-input");
    expect(input.getAttribute("type")).toBe("password");
    expect(screen.getByTestId("settings-token-save").getAttribute("type")).toBe("submit");
    expect(screen.queryByTestId("settings-token-state")).toBeNull();
    await paste(TOKEN);
    expect((await screen.findByTestId("settings-token-state")).getAttribute("aria-live")).toBe("polite");
    for (const old of ["token-input", "token-save", "token-status"]) expect(screen.queryByTestId(old)).toBeNull();
  });
});

describe("Settings → loading", () => {
  it("reads the token state once, not once per render", async () => {
    const backend = new MockBackend();
    let reads = 0;
    const original = backend.tokenStatus.bind(backend);
    backend.tokenStatus = () => {
      reads += 1;
      return original();
    };
    renderSettings(backend);
    await screen.findByTestId("settings-token-input");
    await new Promise((r) => setTimeout(r, 100));
    // StrictMode is off in tests: exactly one read on mount.
    expect(reads).toBe(1);
  });
});
