// One metric's chart: its title, latest value and the core's SVG, drawn in place.
import type { ChartView } from "../../bindings";
import { InlineSvg } from "../../components/InlineSvg";
import { chartId } from "./format";

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
      <InlineSvg className="chart-frame" svg={chart.svg} label={`${chart.title} over ${rangeLabel}`} />
    </figure>
  );
}
