// One metric's chart: its title, latest value and the core's SVG, shown as an image.
import type { ChartView } from "../../bindings";
import { chartId, svgSource } from "./format";

export function ChartCard({ chart, updatedAtMs, rangeLabel }: { chart: ChartView; updatedAtMs: number | null; rangeLabel: string }) {
  const id = chartId(chart.metric);
  return (
    <figure
      className="chart-card"
      data-testid={`metrics-chart-${id}`}
      data-metric={chart.metric}
      data-updated={updatedAtMs ?? ""}
    >
      <figcaption className="chart-head">
        <span className="chart-title">{chart.title}</span>
        <span className="chart-latest" data-testid={`metrics-chart-${id}-latest`}>
          {chart.latest ?? "—"}
        </span>
      </figcaption>
      <div className="chart-frame">
        <img src={svgSource(chart.svg)} alt={`${chart.title} over ${rangeLabel}`} loading="lazy" decoding="async" />
      </div>
    </figure>
  );
}
