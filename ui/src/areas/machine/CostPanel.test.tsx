// The cost panel over the mock backend: totals and chart, the budget banner at 80 % and 100 %,
// clearing the budget, a refused budget and a bad month shown as errors.
import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { BackendProvider } from "../../backend/context";
import { MockBackend } from "../../backend/mock";
import { TauriCosts } from "../../backend/costs";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { CostPanel } from "./CostPanel";

function renderPanel() {
  // 10 days at $0.38 = $3.80 spent.
  const backend = new MockBackend({ costs: { month: "2026-11", usdPerDay: 0.38, days: 10 } });
  render(
    <BackendProvider backend={backend}>
      <CostPanel />
    </BackendProvider>,
  );
  return backend;
}

const text = (id: string) => screen.getByTestId(id).textContent ?? "";

async function setBudget(usd: string, hardStop = false) {
  fireEvent.change(screen.getByTestId("cost-budget-input"), { target: { value: usd } });
  if (hardStop) fireEvent.click(screen.getByTestId("cost-budget-hard-stop"));
  fireEvent.click(screen.getByTestId("cost-budget-save"));
}

describe("CostPanel", () => {
  it("shows the month's total and its chart, without a banner under budget", async () => {
    renderPanel();
    await waitFor(() => expect(text("cost-total")).toContain("$3.80"));
    expect(text("cost-total")).toContain("2026-11");
    expect(screen.getByTestId("cost-chart").querySelectorAll("rect").length).toBe(31);
    expect(screen.getByRole("img", { name: "USD per day in 2026-11" })).toBeTruthy();
    await setBudget("10");
    await waitFor(() => expect((screen.getByTestId("cost-budget-clear") as HTMLButtonElement).disabled).toBe(false));
    expect(screen.queryByTestId("cost-budget-banner")).toBeNull();
  });

  it("warns at 80 % and at 100 % and clears the budget", async () => {
    renderPanel();
    await waitFor(() => screen.getByTestId("cost-total"));
    await setBudget("4.5");
    await waitFor(() => expect(text("cost-budget-banner")).toContain("80 %"));
    expect(text("cost-budget-banner")).toContain("$3.80 of $4.50");
    await setBudget("3.5", true);
    await waitFor(() => expect(text("cost-budget-banner")).toContain("budget reached"));
    expect(text("cost-budget-banner")).toContain("hard stop");
    fireEvent.click(screen.getByTestId("cost-budget-clear"));
    await waitFor(() => expect(screen.queryByTestId("cost-budget-banner")).toBeNull());
    expect((screen.getByTestId("cost-budget-input") as HTMLInputElement).value).toBe("");
  });

  it("reports a refused budget and shows another month", async () => {
    const backend = renderPanel();
    await waitFor(() => screen.getByTestId("cost-total"));
    await setBudget("-5");
    await waitFor(() => expect(screen.getByTestId("cost-error").getAttribute("data-code")).toBe("invalid_input"));
    expect(text("cost-error-message")).toContain("-5 is not a budget");
    expect((await backend.costs.report(null)).budget).toBeNull();
    fireEvent.change(screen.getByTestId("cost-month"), { target: { value: "2026-10" } });
    await waitFor(() => expect(text("cost-total")).toContain("2026-10: $0.00"));
    expect(screen.queryByTestId("cost-error")).toBeNull();
    await expect(backend.costs.report("2026-13")).rejects.toMatchObject({ code: "invalid_input" });
  });
});

describe("TauriCosts", () => {
  it("calls the cost commands with their argument names", async () => {
    const calls: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === "costs_chart" ? "<svg/>" : {};
    });
    const costs = new TauriCosts();
    await costs.report("2026-11");
    await costs.chart(null, 640, 220);
    await costs.setBudget(12.5, true);
    await costs.setBudget(null, false);
    clearMocks();
    expect(calls).toEqual([
      ["costs_report", { month: "2026-11" }],
      ["costs_chart", { month: null, width: 640, height: 220 }],
      ["budget_set", { monthlyUsd: 12.5, hardStop: true }],
      ["budget_set", { monthlyUsd: null, hardStop: false }],
    ]);
  });
});
