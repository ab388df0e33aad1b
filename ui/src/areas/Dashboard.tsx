// Dashboard: the screener machine's live health — the link's state, headline figures, the
// agent's size recommendation with Apply, and one chart per metric over 15 min to 7 days.
import { useState } from "react";
import type { MetricsRange } from "../bindings";
import { useBackend } from "../backend/context";
import { ErrorNotice } from "../components/ErrorNotice";
import { useLinkView } from "../components/useLinkView";
import { ChartCard } from "./dashboard/ChartCard";
import { EmptyState } from "./dashboard/EmptyState";
import { RANGES } from "./dashboard/format";
import { Headline } from "./dashboard/Headline";
import { LinkSummary } from "./dashboard/LinkSummary";
import { RangePicker } from "./dashboard/RangePicker";
import { ScaleCallout } from "./dashboard/ScaleCallout";
import { useDashboard } from "./dashboard/useDashboard";

export function Dashboard() {
  const backend = useBackend();
  const [range, setRange] = useState<MetricsRange>("1h");
  const link = useLinkView(backend);
  const { frame, error } = useDashboard(backend, range);
  const rangeLabel = RANGES.find((r) => r.range === range)?.long ?? range;
  const hasMetrics = frame !== null && frame.latest !== null;

  return (
    <section aria-labelledby="dashboard-title" data-testid="area-dashboard" className="dashboard">
      <header className="area-head">
        <h1 id="dashboard-title">Dashboard</h1>
        <RangePicker value={range} onChange={setRange} />
      </header>

      <LinkSummary view={link.view} receivedAt={link.receivedAt} />

      {error !== null && <ErrorNotice error={error} testId="dashboard-error" />}
      {frame === null && error === null && (
        <p className="muted loading" data-testid="dashboard-loading">
          Loading the charts…
        </p>
      )}
      {frame !== null && !hasMetrics && <EmptyState link={link.view} />}

      {hasMetrics && (
        <>
          <Headline metrics={frame.latest!} />
          {frame.recommendation !== null && frame.recommendation.differs && <ScaleCallout advice={frame.recommendation} />}
          <div className="chart-grid" data-testid="metrics-charts" data-range={frame.range} aria-busy={frame.range !== range}>
            {frame.charts.map((chart) => (
              <ChartCard key={chart.metric} chart={chart} updatedAtMs={frame.latestAtMs} rangeLabel={rangeLabel} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
