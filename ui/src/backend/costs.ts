// The Machine area's costs and budget: the API, its Tauri implementation and an in-memory mock.
import type { BudgetLevel, CostDay, CostReport } from "../bindings";
import { BackendError } from "./backend";
import { call } from "./call";

export interface CostsApi {
  /** The month's costs per UTC day (`YYYY-MM`; null: this month) with the budget's status. */
  report(month: string | null): Promise<CostReport>;
  /** The same as an SVG bar chart (plotters) of `width` × `height` pixels. */
  chart(month: string | null, width: number, height: number): Promise<string>;
  /** Sets the monthly budget (null removes it); answers with this month's report. */
  setBudget(monthlyUsd: number | null, hardStop: boolean): Promise<CostReport>;
}

export class TauriCosts implements CostsApi {
  report(month: string | null): Promise<CostReport> {
    return call("costs_report", { month });
  }

  chart(month: string | null, width: number, height: number): Promise<string> {
    return call("costs_chart", { month, width, height });
  }

  setBudget(monthlyUsd: number | null, hardStop: boolean): Promise<CostReport> {
    return call("budget_set", { monthlyUsd, hardStop });
  }
}

/** A month of mock days: `usdPerDay` on each of the first `days` days. */
export interface MockCostsOptions {
  month?: string;
  usdPerDay?: number;
  days?: number;
}

export class MockCosts implements CostsApi {
  private budget: { monthlyUsd: number; hardStop: boolean } | null = null;
  private readonly month: string;
  private readonly usdPerDay: number;
  private readonly spentDays: number;

  constructor(options: MockCostsOptions = {}) {
    this.month = options.month ?? "2026-11";
    this.usdPerDay = options.usdPerDay ?? 0.38;
    this.spentDays = options.days ?? 10;
  }

  async report(month: string | null): Promise<CostReport> {
    const wanted = month ?? this.month;
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(wanted)) {
      throw new BackendError({ code: "invalid_input", message: `"${wanted}" is not a month: use YYYY-MM`, hint: null });
    }
    const [year, m] = wanted.split("-").map(Number) as [number, number];
    const count = new Date(Date.UTC(year, m, 0)).getUTCDate();
    const same = wanted === this.month;
    const days: CostDay[] = Array.from({ length: count }, (_, i) => {
      const compute = same && i < this.spentDays ? this.usdPerDay - 0.005 : 0;
      const storage = same && i < this.spentDays ? 0.005 : 0;
      return {
        date: `${wanted}-${String(i + 1).padStart(2, "0")}`,
        startedHours: compute > 0 ? 24 : 0,
        computeUsd: compute,
        storageUsd: storage,
        totalUsd: compute + storage,
      };
    });
    const total = days.reduce((sum, d) => sum + d.totalUsd, 0);
    const budget = this.budget === null ? null : budgetStatus(this.budget, total);
    return {
      month: wanted,
      asOf: `${this.month}-${String(this.spentDays).padStart(2, "0")}T23:59:59Z`,
      days,
      computeUsd: days.reduce((sum, d) => sum + d.computeUsd, 0),
      storageUsd: days.reduce((sum, d) => sum + d.storageUsd, 0),
      totalUsd: total,
      budget,
      overrides: [],
      unpriced: [],
    };
  }

  async chart(month: string | null, width: number, height: number): Promise<string> {
    const report = await this.report(month);
    const top = Math.max(0.01, ...report.days.map((d) => d.totalUsd)) * 1.1;
    const step = width / report.days.length;
    const bars = report.days
      .map((d, i) => {
        const h = Math.round((d.totalUsd / top) * (height - 20));
        return `<rect x="${Math.round(i * step + 2)}" y="${height - h}" width="${Math.max(1, Math.round(step - 4))}" height="${h}" fill="#58A6FF"/>`;
      })
      .join("");
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="0" y="0" width="${width}" height="${height}" fill="#171E26"/>${bars}</svg>`;
  }

  async setBudget(monthlyUsd: number | null, hardStop: boolean): Promise<CostReport> {
    if (monthlyUsd !== null && !(Number.isFinite(monthlyUsd) && monthlyUsd > 0)) {
      throw new BackendError({ code: "invalid_input", message: `${monthlyUsd} is not a budget: give USD per month, more than 0`, hint: null });
    }
    this.budget = monthlyUsd === null ? null : { monthlyUsd, hardStop };
    return this.report(null);
  }
}

function budgetStatus(budget: { monthlyUsd: number; hardStop: boolean }, spent: number) {
  const percent = (spent / budget.monthlyUsd) * 100;
  const level: BudgetLevel = percent >= 100 ? "exceeded" : percent >= 80 ? "warning" : "ok";
  return { ...budget, spentUsd: spent, percent, level };
}
