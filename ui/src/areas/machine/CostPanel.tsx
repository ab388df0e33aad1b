// The machine's costs: the month's spend per UTC day as a chart, its totals, and the monthly
// budget (a banner at 80 % and 100 %, an optional hard stop) — from the core's cost ledger.
import { useCallback, useEffect, useState } from "react";
import type { CostReport } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";
import { InlineSvg } from "../../components/InlineSvg";

const CHART_WIDTH = 640;
const CHART_HEIGHT = 220;

const usd = (value: number) => `$${value.toFixed(2)}`;

export function CostPanel() {
  const backend = useBackend();
  const [month, setMonth] = useState<string | null>(null);
  const [report, setReport] = useState<CostReport | null>(null);
  const [chart, setChart] = useState<string | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [budgetText, setBudgetText] = useState("");
  const [hardStop, setHardStop] = useState(false);

  const load = useCallback(async () => {
    try {
      const [next, svg] = await Promise.all([
        backend.costs.report(month),
        backend.costs.chart(month, CHART_WIDTH, CHART_HEIGHT),
      ]);
      setReport(next);
      setChart(svg);
      if (next.budget !== null) {
        setBudgetText(String(next.budget.monthlyUsd));
        setHardStop(next.budget.hardStop);
      }
      setError(null);
    } catch (thrown) {
      setError(BackendError.from(thrown));
    }
  }, [backend, month]);

  useEffect(() => {
    void load();
  }, [load]);

  const saveBudget = async (monthlyUsd: number | null) => {
    try {
      await backend.costs.setBudget(monthlyUsd, hardStop);
      if (monthlyUsd === null) setBudgetText("");
      await load();
    } catch (thrown) {
      setError(BackendError.from(thrown));
    }
  };

  const budget = report?.budget ?? null;
  return (
    <section className="panel" aria-labelledby="costs-title" data-testid="cost-panel">
      <div className="panel-head">
        <h2 id="costs-title">Costs</h2>
        <label>
          Month{" "}
          <input
            type="month"
            data-testid="cost-month"
            aria-label="Month"
            value={month ?? report?.month ?? ""}
            onChange={(e) => setMonth(e.target.value === "" ? null : e.target.value)}
          />
        </label>
        <button type="button" data-testid="cost-refresh" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {error !== null && <ErrorNotice error={error} testId="cost-error" />}
      {budget !== null && budget.level !== "ok" && (
        <p className="notice warning" role="alert" data-testid="cost-budget-banner">
          {budget.level === "exceeded" ? "Monthly budget reached" : "80 % of the monthly budget spent"}:{" "}
          {usd(budget.spentUsd)} of {usd(budget.monthlyUsd)} ({budget.percent.toFixed(0)} %)
          {budget.hardStop && budget.level === "exceeded" ? " — the hard stop stops the machine." : "."}
        </p>
      )}
      {report !== null && (
        <p data-testid="cost-total">
          {report.month}: <strong>{usd(report.totalUsd)}</strong>{" "}
          <span className="muted">
            (compute {usd(report.computeUsd)}, storage {usd(report.storageUsd)}; UTC days, to{" "}
            {report.asOf})
          </span>
        </p>
      )}
      {report !== null && report.unpriced.length > 0 && (
        <p className="warning-text" data-testid="cost-unpriced">
          No price for {report.unpriced.join(", ")} (counted as $0).
        </p>
      )}
      {chart !== null && report !== null && (
        <div data-testid="cost-chart">
          <InlineSvg className="chart-frame" svg={chart} label={`USD per day in ${report.month}`} />
        </div>
      )}
      <form
        className="cost-budget"
        onSubmit={(e) => {
          e.preventDefault();
          void saveBudget(Number(budgetText));
        }}
      >
        <label>
          Monthly budget (USD){" "}
          <input
            type="number"
            step="0.01"
            data-testid="cost-budget-input"
            aria-label="Monthly budget in USD"
            value={budgetText}
            onChange={(e) => setBudgetText(e.target.value)}
          />
        </label>{" "}
        <label>
          <input
            type="checkbox"
            data-testid="cost-budget-hard-stop"
            checked={hardStop}
            onChange={(e) => setHardStop(e.target.checked)}
          />{" "}
          Stop the machine at 100 %
        </label>{" "}
        <button type="submit" data-testid="cost-budget-save" disabled={budgetText.trim() === ""}>
          Save budget
        </button>{" "}
        <button
          type="button"
          data-testid="cost-budget-clear"
          disabled={budget === null}
          onClick={() => void saveBudget(null)}
        >
          No budget
        </button>
      </form>
    </section>
  );
}
