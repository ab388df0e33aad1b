// The agent's last 24 h as the core drew them (SVG placed safely through InlineSvg), or why there are none.
import type { ApiError, ChartView } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { ErrorNotice } from "../../components/ErrorNotice";
import { InlineSvg } from "../../components/InlineSvg";

export function HistoryCharts({ charts, historyError }: { charts: ChartView[]; historyError: ApiError | null }) {
  return (
    <section className="panel" aria-labelledby="support-charts-title" data-testid="support-charts">
      <h2 id="support-charts-title">Last 24 hours</h2>
      {charts.length === 0 ? (
        <div data-testid="support-charts-empty">
          <p className="muted">No history charts.</p>
          {historyError !== null && <ErrorNotice error={new BackendError(historyError)} testId="support-history-error" />}
        </div>
      ) : (
        <div className="chart-grid chart-grid-wide">
          {charts.map((chart) => (
            <figure key={chart.metric} className="chart-card" data-testid={`support-chart-${chart.metric}`}>
              <figcaption className="chart-head">
                <span className="chart-title">{chart.title}</span>
                <span className="chart-latest">{chart.latest ?? "—"}</span>
              </figcaption>
              <InlineSvg className="chart-frame" svg={chart.svg} label={`${chart.title} over the last 24 hours`} />
            </figure>
          ))}
        </div>
      )}
    </section>
  );
}
