// The monthly budget, wherever the user is: a banner at 80 % (warning) and 100 % (exceeded)
// of the budget, from the core's cost report (the same figures as the Machine area).
import { useCallback } from "react";
import { useBackend } from "../backend/context";
import { usePolled } from "./usePolled";

export function BudgetBanner({ pollMs = 60_000 }: { pollMs?: number }) {
  const backend = useBackend();
  const report = usePolled(useCallback(() => backend.costs.report(null), [backend]), pollMs);
  const budget = report?.budget ?? null;
  if (budget === null || budget.level === "ok") return null;
  const spent = `$${budget.spentUsd.toFixed(2)} of $${budget.monthlyUsd.toFixed(2)} (${Math.round(budget.percent)} %)`;
  const text =
    budget.level === "exceeded"
      ? `This month's machine costs reached the budget: ${spent}.${budget.hardStop ? " The hard stop stops the machine." : ""}`
      : `This month's machine costs passed 80 % of the budget: ${spent}.`;
  return (
    <div className={budget.level === "exceeded" ? "error" : "notice warning"} role="alert" data-testid="budget-banner" data-level={budget.level}>
      <p>{text}</p>
    </div>
  );
}
