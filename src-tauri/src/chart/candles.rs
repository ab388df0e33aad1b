//! A signal's candles as an SVG candlestick chart (plotters' SVG backend, labels as SVG text
//! measured with the embedded chart font, like the metrics charts): green and red bodies with their wicks on a candle
//! index axis, and the signal's candle marked by a vertical band and a dot at its price.
//! Pure: the same input gives the same bytes.

use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::signals::CandleView;

const UP: RGBColor = RGBColor(0x2B, 0xB6, 0x73);
const DOWN: RGBColor = RGBColor(0xF8, 0x51, 0x49);
const MARK: RGBColor = super::LINE_COLOR;

/// Draws `candles` (oldest first) with the candle opened at `marked_open_time` marked at
/// `price`. With no candles, the frame and "No candles" are drawn.
pub fn render_candles(
    title: &str,
    candles: &[CandleView],
    marked_open_time: i64,
    price: f64,
    (width, height): (u32, u32),
) -> Result<String> {
    super::font::register();
    let mut svg = String::new();
    draw(
        title,
        candles,
        marked_open_time,
        price,
        (width, height),
        &mut svg,
    )
    .map_err(|e| Error::Internal(format!("drawing the candle chart: {e}")))?;
    Ok(svg)
}

fn draw(
    title: &str,
    candles: &[CandleView],
    marked: i64,
    price: f64,
    size: (u32, u32),
    svg: &mut String,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&super::BACKGROUND)?;
    let low = candles.iter().map(|c| c.low).fold(f64::INFINITY, f64::min);
    let high = candles
        .iter()
        .map(|c| c.high)
        .fold(f64::NEG_INFINITY, f64::max);
    let (low, high) = if low.is_finite() && high.is_finite() && high > low {
        let pad = (high - low) * 0.05;
        (low - pad, high + pad)
    } else if low.is_finite() {
        (low * 0.99, low * 1.01 + 1e-9)
    } else {
        (0.0, 1.0)
    };
    let n = candles.len().max(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .caption(title, (super::FONT, 16).into_font().color(&super::TITLE))
        .x_label_area_size(20)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..n - 0.5, low..high)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(super::GRID)
        .axis_style(super::GRID)
        .label_style((super::FONT, 12).into_font().color(&super::MUTED))
        .x_labels(0)
        .y_label_formatter(&|v| crate::chart::format_number(*v))
        .draw()?;
    if candles.is_empty() {
        root.draw(&Text::new(
            "No candles",
            ((size.0 / 2) as i32 - 30, (size.1 / 2) as i32),
            (super::FONT, 14).into_font().color(&super::MUTED),
        ))?;
        root.present()?;
        return Ok(());
    }
    if let Some(at) = candles.iter().position(|c| c.open_time == marked) {
        let x = at as f64;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.5, low), (x + 0.5, high)],
            MARK.mix(0.15).filled(),
        )))?;
        chart.draw_series(std::iter::once(Circle::new((x, price), 4, MARK.filled())))?;
    }
    for (i, c) in candles.iter().enumerate() {
        let x = i as f64;
        let colour = if c.close >= c.open { UP } else { DOWN };
        let (bottom, top) = (c.open.min(c.close), c.open.max(c.close));
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, c.low), (x, c.high)],
            colour.stroke_width(1),
        )))?;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.35, bottom), (x + 0.35, top)],
            colour.filled(),
        )))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candle(i: i64, open: f64, close: f64) -> CandleView {
        CandleView {
            open_time: i * 60_000,
            open,
            high: open.max(close) + 1.0,
            low: open.min(close) - 1.0,
            close,
            volume: 1.0,
        }
    }

    #[test]
    fn draws_candles_and_marks_the_signal() {
        let candles: Vec<_> = (0..30)
            .map(|i| candle(i, 100.0 + i as f64, 101.0 + i as f64 - (i % 3) as f64))
            .collect();
        let svg = render_candles("BTCUSDT 1m", &candles, 29 * 60_000, 128.0, (600, 300)).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("BTCUSDT 1m"));
        assert!(svg.to_lowercase().contains("#58a6ff"), "the mark");
        assert_eq!(
            svg,
            render_candles("BTCUSDT 1m", &candles, 29 * 60_000, 128.0, (600, 300)).unwrap(),
            "deterministic"
        );
        // Without the signal's candle there is no mark.
        let unmarked = render_candles("x", &candles, 1, 128.0, (600, 300)).unwrap();
        assert!(!unmarked.to_lowercase().contains("#58a6ff"));
    }

    #[test]
    fn no_candles_and_flat_prices_still_draw() {
        let empty = render_candles("x", &[], 0, 1.0, (300, 200)).unwrap();
        assert!(empty.contains("No candles"));
        let flat = vec![candle(0, 5.0, 5.0)];
        assert!(render_candles("x", &flat, 0, 5.0, (300, 200)).is_ok());
    }
}
