//! The month's costs as an SVG bar chart: USD per UTC day (compute and storage stacked), with
//! the budget's daily share as a red line when there is a budget. plotters' SVG backend, labels
//! as SVG text like the other charts; pure: the same report gives the same bytes.

use plotters::prelude::*;

use crate::costs::view::CostReport;
use crate::error::{Error, Result};

const STORAGE: RGBColor = super::MUTED;

/// Draws `report`'s days as bars of `width` × `height` pixels.
pub fn render_costs(report: &CostReport, size: (u32, u32)) -> Result<String> {
    super::font::register();
    let mut svg = String::new();
    draw(report, size, &mut svg)
        .map_err(|e| Error::Internal(format!("drawing the cost chart: {e}")))?;
    Ok(svg)
}

fn draw(
    report: &CostReport,
    size: (u32, u32),
    svg: &mut String,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&super::BACKGROUND)?;
    let days = report.days.len().max(1) as f64;
    let daily_budget = report.budget.as_ref().map(|b| b.monthly_usd / days);
    let highest = report
        .days
        .iter()
        .map(|d| d.total_usd)
        .chain(daily_budget)
        .fold(0.0, f64::max);
    let top = (highest * 1.1).max(0.01);
    let title = format!("USD per day — {} (UTC)", report.month);
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .caption(title, (super::FONT, 16).into_font().color(&super::TITLE))
        .x_label_area_size(20)
        .y_label_area_size(50)
        .build_cartesian_2d(0.5..days + 0.5, 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(super::GRID)
        .axis_style(super::GRID)
        .label_style((super::FONT, 12).into_font().color(&super::MUTED))
        .x_labels(report.days.len().clamp(1, 10))
        .x_label_formatter(&|v| format!("{:.0}", v))
        .y_label_formatter(&|v| format!("${v:.2}"))
        .draw()?;
    for (i, day) in report.days.iter().enumerate() {
        let x = (i + 1) as f64;
        let (left, right) = (x - 0.35, x + 0.35);
        if day.storage_usd > 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(left, 0.0), (right, day.storage_usd)],
                STORAGE.filled(),
            )))?;
        }
        if day.compute_usd > 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(left, day.storage_usd), (right, day.total_usd)],
                super::LINE_COLOR.filled(),
            )))?;
        }
    }
    if let Some(daily) = daily_budget {
        chart.draw_series(LineSeries::new(
            [(0.5, daily), (days + 0.5, daily)],
            super::LIMIT_COLOR.stroke_width(1),
        ))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::costs::budget::Budget;
    use crate::costs::ledger::{month_costs, Month, StateChange};
    use crate::costs::PriceTable;

    fn report(budget: Option<&Budget>) -> CostReport {
        let month = Month::parse("2026-11").unwrap();
        let start = month.start_ms();
        let changes = [
            ("started", 0),
            ("stopped", 8),
            ("started", 48),
            ("stopped", 60),
        ]
        .map(|(state, hour)| StateChange {
            machine_id: "m1".into(),
            state: state.into(),
            size: "normal".into(),
            region: "sin".into(),
            at_ms: start + hour * 3_600_000,
        });
        let costs = month_costs(&changes, &PriceTable::default(), month, month.end_ms());
        CostReport::new(&costs, month.end_ms(), budget, vec![])
    }

    fn count(svg: &str, needle: &str) -> usize {
        svg.matches(needle).count()
    }

    #[test]
    fn one_storage_bar_a_day_and_compute_on_started_days() {
        let svg = render_costs(&report(None), (600, 240)).unwrap();
        assert!(svg.contains("USD per day — 2026-11 (UTC)"));
        assert!(svg.contains("#171E26"), "dark background");
        let storage = "fill=\"#8B98A5\" stroke=\"none\"/>";
        let compute = "fill=\"#58A6FF\" stroke=\"none\"/>";
        assert_eq!(count(&svg, storage), 30, "{svg}");
        assert_eq!(count(&svg, compute), 2);
        assert_eq!(count(&svg, "#F85149"), 0, "no budget line");
        assert_eq!(svg, render_costs(&report(None), (600, 240)).unwrap());
        let budget = Budget::new(3.0, false).unwrap();
        let with_budget = render_costs(&report(Some(&budget)), (600, 240)).unwrap();
        assert_eq!(count(&with_budget, "#F85149"), 1);
    }
}
