// The app-level budget banner: hidden under 80 %, a warning from 80 %, an alert at 100 %.
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { BackendProvider } from "../backend/context";
import { MockBackend } from "../backend/mock";
import { BudgetBanner } from "./BudgetBanner";

async function withBudget(monthlyUsd: number | null, hardStop = false) {
  // 10 days at $0.38: $3.80 spent this month.
  const backend = new MockBackend({ costs: { usdPerDay: 0.38, days: 10 } });
  if (monthlyUsd !== null) await backend.costs.setBudget(monthlyUsd, hardStop);
  render(
    <BackendProvider backend={backend}>
      <BudgetBanner pollMs={50} />
    </BackendProvider>,
  );
  return backend;
}

describe("BudgetBanner", () => {
  it("says nothing without a budget or under 80 %", async () => {
    await withBudget(null);
    await new Promise((r) => setTimeout(r, 120));
    expect(screen.queryByTestId("budget-banner")).toBeNull();
    await withBudget(10);
    await new Promise((r) => setTimeout(r, 120));
    expect(screen.queryByTestId("budget-banner")).toBeNull();
  });

  it("warns past 80 % and alerts at 100 % with the hard stop", async () => {
    await withBudget(4.5);
    const warning = await screen.findByTestId("budget-banner");
    expect(warning.dataset.level).toBe("warning");
    expect(warning.textContent).toContain("80 %");
  });

  it("alerts once the budget is reached, naming the hard stop", async () => {
    await withBudget(3, true);
    const alert = await screen.findByTestId("budget-banner");
    expect(alert.dataset.level).toBe("exceeded");
    expect(alert.textContent).toContain("reached the budget");
    expect(alert.textContent).toContain("hard stop");
  });
});
