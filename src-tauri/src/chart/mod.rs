//! Metrics charts drawn with plotters: SVG for the app, PNG for diagnostics reports.
//!
//! One drawing function, generic over the plotters backend, draws both. The SVG backend writes
//! every label as a plain `<text>` element that the web view renders with its own fonts; the
//! PNG is rasterized with ab_glyph from the embedded DejaVu Sans ([`font`]), which is also what
//! text is measured with for layout, so no system font is ever read. Nothing here reads the
//! clock: [`render_chart`] and [`render_chart_png`] are pure functions of their input, and the
//! same input gives byte-identical output.
//!
//! Layout: a caption (the metric and its unit), a time axis whose ticks sit on round local
//! times (every 3 min for 15 min, 10 min for 1 h, 3 h for 24 h, a day at midnight for 7 d), a
//! value axis from 0 with unit-suffixed labels, and one `<polyline>` per run of points without
//! a gap (a silence longer than 3 × the range's interval breaks the line; a lone point is a
//! dot). The memory chart adds the memory limit as a red line. With no points the axes are
//! drawn and "No data" is written in the middle.

pub mod candles;
pub mod costs;
pub mod font;

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};
use crate::store::metrics::{MetricName, MetricPoint, MetricsRange};

// The app's dark theme (`ui/src/styles.css`): charts sit on its panels.
/// The data line's colour.
pub const LINE_COLOR: RGBColor = RGBColor(0x58, 0xA6, 0xFF);
/// The memory limit line's colour.
pub const LIMIT_COLOR: RGBColor = RGBColor(0xF8, 0x51, 0x49);
/// The background (the app's panel colour).
pub const BACKGROUND: RGBColor = RGBColor(0x17, 0x1E, 0x26);
/// Grid lines and axes.
pub const GRID: RGBColor = RGBColor(0x26, 0x31, 0x3D);
/// Axis labels and notes.
pub const MUTED: RGBColor = RGBColor(0x8B, 0x98, 0xA5);
/// Captions.
pub const TITLE: RGBColor = RGBColor(0xE6, 0xED, 0xF3);
pub(crate) const FONT: &str = "sans-serif";

/// The chart's size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartSize {
    pub width: u32,
    pub height: u32,
}

/// What a chart shows besides its metric and range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartData<'a> {
    /// The right edge of the time axis (ms since the epoch): the range is
    /// `end_ms - range.span_ms() ..= end_ms`. Points outside it are not drawn.
    pub end_ms: i64,
    /// In time order, values in the metric's raw unit (bytes for memory).
    pub points: &'a [MetricPoint],
    /// The memory limit in bytes (drawn on the memory chart only).
    pub limit: Option<f64>,
    /// The local time zone's offset from UTC, for the tick labels.
    pub utc_offset_minutes: i32,
}

/// How a metric is shown: caption, unit and the factor from the raw value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Display {
    pub title: &'static str,
    /// Appended to value labels; empty for plain counts.
    pub unit: &'static str,
    pub scale: f64,
    /// The value axis reaches at least this far (100 for a percentage).
    pub min_top: f64,
}

/// How `metric` is labelled.
pub fn display(metric: MetricName) -> Display {
    let (title, unit, scale, min_top) = match metric {
        MetricName::CpuPercent => ("CPU", "%", 1.0, 100.0),
        MetricName::MemoryBytes => ("Memory", "MB", 1e-6, 1.0),
        MetricName::LastCandleAgeSeconds => ("Last candle age", "s", 1.0, 1.0),
        MetricName::QueueDepth => ("Queue depth", "", 1.0, 1.0),
        MetricName::EvaluationsPerMinute => ("Evaluations", "/min", 1.0, 1.0),
        MetricName::ActiveTraders => ("Active traders", "", 1.0, 1.0),
        MetricName::StreamsConnected => ("Streams connected", "", 1.0, 1.0),
        MetricName::Symbols => ("Symbols", "", 1.0, 1.0),
        MetricName::BinanceWeightUsed => ("Binance weight", "/min", 1.0, 1.0),
        MetricName::SignalsTotal => ("Signals (total)", "", 1.0, 1.0),
        MetricName::ErrorsTotal => ("Errors (total)", "", 1.0, 1.0),
    };
    Display {
        title,
        unit,
        scale,
        min_top,
    }
}

/// The time between ticks and how their labels read.
fn ticks(range: MetricsRange) -> (i64, &'static str) {
    const MIN: i64 = 60_000;
    match range {
        MetricsRange::Minutes15 => (3 * MIN, "%H:%M"),
        MetricsRange::Hour1 => (10 * MIN, "%H:%M"),
        MetricsRange::Hours24 => (3 * 60 * MIN, "%H:%M"),
        MetricsRange::Days7 => (24 * 60 * MIN, "%a %d"),
    }
}

/// The time axis: ms since the epoch, ticks on round local times.
#[derive(Debug, Clone)]
struct TimeAxis {
    start: i64,
    end: i64,
    step: i64,
    offset_ms: i64,
}

impl TimeAxis {
    fn ticks(&self) -> Vec<i64> {
        // The first multiple of `step` in local time at or after the start.
        let local = self.start + self.offset_ms;
        let first = local.div_euclid(self.step) * self.step
            + if local.rem_euclid(self.step) == 0 {
                0
            } else {
                self.step
            };
        (0..)
            .map(|i| first + i * self.step - self.offset_ms)
            .take_while(|t| *t <= self.end)
            .collect()
    }
}

impl Ranged for TimeAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = i64;

    fn map(&self, value: &i64, limit: (i32, i32)) -> i32 {
        let f = (value - self.start) as f64 / (self.end - self.start) as f64;
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<i64> {
        self.ticks()
    }

    fn range(&self) -> Range<i64> {
        self.start..self.end
    }
}

/// A number as a short label: no decimals from 10 up, at most two below, no trailing zeros.
pub fn format_number(v: f64) -> String {
    let text = if v.abs() >= 10.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    if text == "-0" {
        "0".to_owned()
    } else {
        text
    }
}

/// A value with its unit as the axis labels show it (`42%`, `512 MB`, `3`).
pub fn with_unit(v: f64, unit: &str) -> String {
    match unit {
        "" => format_number(v),
        "%" | "/min" => format!("{}{unit}", format_number(v)),
        _ => format!("{} {unit}", format_number(v)),
    }
}

/// Splits `points` into runs without a gap longer than `max_gap_ms`.
pub fn runs(points: &[MetricPoint], max_gap_ms: i64) -> Vec<&[MetricPoint]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..points.len() {
        if points[i].at_ms - points[i - 1].at_ms > max_gap_ms {
            out.push(&points[start..i]);
            start = i;
        }
    }
    if start < points.len() {
        out.push(&points[start..]);
    }
    out
}

fn range_words(range: MetricsRange) -> &'static str {
    match range {
        MetricsRange::Minutes15 => "the last 15 minutes",
        MetricsRange::Hour1 => "the last hour",
        MetricsRange::Hours24 => "the last 24 hours",
        MetricsRange::Days7 => "the last 7 days",
    }
}

/// Draws `metric` over `range` as an SVG document. Deterministic: the same input gives the
/// same bytes.
pub fn render_chart(
    metric: MetricName,
    range: MetricsRange,
    data: &ChartData<'_>,
    size: ChartSize,
) -> Result<String> {
    font::register();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (size.width, size.height)).into_drawing_area();
        draw(metric, range, data, &root, Lines::Polylines)
            .map_err(|e| drawing_failed(metric, e))?;
    }
    Ok(svg)
}

/// Draws `metric` over `range` as a PNG image (RGB, `size` pixels), with the same layout as
/// [`render_chart`]. Deterministic.
pub fn render_chart_png(
    metric: MetricName,
    range: MetricsRange,
    data: &ChartData<'_>,
    size: ChartSize,
) -> Result<Vec<u8>> {
    font::register();
    let mut pixels = vec![0_u8; size.width as usize * size.height as usize * 3];
    {
        let root =
            BitMapBackend::with_buffer(&mut pixels, (size.width, size.height)).into_drawing_area();
        draw(metric, range, data, &root, Lines::Segments).map_err(|e| drawing_failed(metric, e))?;
    }
    encode_png(&pixels, size)
        .map_err(|e| Error::Internal(format!("encoding the {} chart: {e}", metric.as_str())))
}

fn drawing_failed(metric: MetricName, e: Box<dyn std::error::Error>) -> Error {
    Error::Internal(format!("drawing the {} chart: {e}", metric.as_str()))
}

/// RGB pixels, row by row, as a PNG file.
fn encode_png(pixels: &[u8], size: ChartSize) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, size.width, size.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(out)
}

/// How a run of points is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lines {
    /// One polyline per run (SVG: the viewer joins the segments cleanly).
    Polylines,
    /// One path per segment (bitmap: plotters' thick polylines grow miter spikes at sharp
    /// turns, separate segments do not).
    Segments,
}

fn draw<DB: DrawingBackend>(
    metric: MetricName,
    range: MetricsRange,
    data: &ChartData<'_>,
    root: &DrawingArea<DB, Shift>,
    lines: Lines,
) -> std::result::Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let shown = display(metric);
    let start = data.end_ms - range.span_ms();
    let first = data.points.partition_point(|p| p.at_ms < start);
    let last = data.points.partition_point(|p| p.at_ms <= data.end_ms);
    let points = &data.points[first..last.max(first)];
    let limit = match metric {
        MetricName::MemoryBytes => data.limit.map(|l| l * shown.scale),
        _ => None,
    };

    let top = points
        .iter()
        .map(|p| p.value * shown.scale)
        .chain(limit)
        .fold(0.0_f64, f64::max);
    let top = if top > 0.0 { top * 1.1 } else { 0.0 }.max(shown.min_top);

    let (step, format) = ticks(range);
    let axis = TimeAxis {
        start,
        end: data.end_ms,
        step,
        offset_ms: i64::from(data.utc_offset_minutes) * 60_000,
    };
    let offset = chrono::FixedOffset::east_opt(data.utc_offset_minutes * 60)
        .ok_or("the UTC offset is out of range")?;
    let x_label = |t: &i64| {
        chrono::DateTime::from_timestamp_millis(*t)
            .map(|d| d.with_timezone(&offset).format(format).to_string())
            .unwrap_or_default()
    };
    let y_label = |v: &f64| with_unit(*v, shown.unit);
    let caption = match shown.unit {
        "" => shown.title.to_owned(),
        "/min" => format!("{} (per minute)", shown.title),
        unit => format!("{} ({unit})", shown.title),
    };

    root.fill(&BACKGROUND)?;
    let mut chart = ChartBuilder::on(root)
        .margin(10)
        .caption(caption, (FONT, 16).into_font().color(&TITLE))
        .x_label_area_size(28)
        .y_label_area_size(64)
        .build_cartesian_2d(axis, 0.0..top)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(GRID)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .y_labels(6)
        .label_style((FONT, 12).into_font().color(&MUTED))
        .draw()?;

    if let Some(limit) = limit {
        chart.draw_series(LineSeries::new(
            [(start, limit), (data.end_ms, limit)],
            LIMIT_COLOR.stroke_width(1),
        ))?;
        let (x, y) = chart.backend_coord(&(start, limit));
        root.draw(&Text::new(
            format!("limit {}", with_unit(limit, shown.unit)),
            (x + 4, y - 2),
            TextStyle::from((FONT, 12).into_font())
                .color(&LIMIT_COLOR)
                .pos(Pos::new(HPos::Left, VPos::Bottom)),
        ))?;
    }

    for run in runs(points, 3 * range.interval_ms()) {
        let coords = run.iter().map(|p| (p.at_ms, p.value * shown.scale));
        if run.len() == 1 {
            chart.draw_series(coords.map(|c| Circle::new(c, 2, LINE_COLOR.filled())))?;
        } else if lines == Lines::Segments {
            let coords: Vec<(i64, f64)> = coords.collect();
            chart.draw_series(
                coords
                    .windows(2)
                    .map(|pair| PathElement::new(pair.to_vec(), LINE_COLOR.stroke_width(2))),
            )?;
        } else {
            chart.draw_series(LineSeries::new(coords, LINE_COLOR.stroke_width(2)))?;
        }
    }

    if points.is_empty() {
        let area = chart.plotting_area().get_pixel_range();
        let centre = (
            (area.0.start + area.0.end) / 2,
            (area.1.start + area.1.end) / 2,
        );
        root.draw(&Text::new(
            format!("No data for {}", range_words(range)),
            centre,
            TextStyle::from((FONT, 14).into_font())
                .color(&MUTED)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests;
