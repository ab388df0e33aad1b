//! Chart structure checks: the SVG is well-formed XML, and its polylines, dots and labels are
//! the ones the input calls for. Pixels are not compared.

use quick_xml::events::Event;
use quick_xml::Reader;

use super::*;

/// 2026-11-24T00:00:00Z.
const T0: i64 = 1_795_478_400_000;
const MIN: i64 = 60_000;
const SIZE: ChartSize = ChartSize {
    width: 800,
    height: 300,
};
const LINE: &str = "#58A6FF";
const LIMIT: &str = "#F85149";

/// An element of the parsed SVG: its name, attributes and text.
#[derive(Debug)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `svg` (panicking unless it is well-formed XML with one `<svg>` root) into its
/// elements in document order.
fn parse(svg: &str) -> Vec<Node> {
    let mut reader = Reader::from_str(svg);
    let mut nodes: Vec<Node> = Vec::new();
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut roots = 0;
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (element, closes) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(e) => {
                let name = e.name().as_ref().to_owned();
                let (opened, _) = open.pop().expect("an end tag without a start");
                assert_eq!(opened, name, "mismatched tags");
                continue;
            }
            Event::Text(t) => {
                if let Some((_, index)) = open.last() {
                    nodes[*index].text.push_str(t.as_ref());
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let e = element.unwrap();
        if open.is_empty() {
            roots += 1;
        }
        let name = e.name().as_ref().to_owned();
        let attrs = e
            .attributes()
            .map(|a| {
                let a = a.expect("a well-formed attribute");
                (a.key.as_ref().to_owned(), a.value.to_string())
            })
            .collect();
        nodes.push(Node {
            name: name.clone(),
            attrs,
            text: String::new(),
        });
        if !closes {
            open.push((name, nodes.len() - 1));
        }
    }
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    assert_eq!(roots, 1, "one root element");
    assert_eq!(nodes[0].name, "svg");
    nodes
}

/// The point counts of the polylines drawn in `color`.
fn polylines(nodes: &[Node], color: &str) -> Vec<usize> {
    nodes
        .iter()
        .filter(|n| n.name == "polyline" && n.attr("stroke") == Some(color))
        .map(|n| n.attr("points").unwrap().split_whitespace().count())
        .collect()
}

fn texts(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter(|n| n.name == "text")
        .map(|n| n.text.trim().to_owned())
        .collect()
}

fn dots(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .filter(|n| n.name == "circle" && n.attr("fill") == Some(LINE))
        .count()
}

/// `n` points every `step` ms ending at `end`, values 0, 1, 2, …
fn series(end: i64, n: i64, step: i64) -> Vec<MetricPoint> {
    (0..n)
        .map(|i| MetricPoint {
            at_ms: end - (n - 1 - i) * step,
            value: i as f64,
        })
        .collect()
}

fn render(metric: MetricName, range: MetricsRange, end_ms: i64, points: &[MetricPoint]) -> String {
    let data = ChartData {
        end_ms,
        points,
        limit: Some(1_073_741_824.0),
        utc_offset_minutes: 0,
    };
    render_chart(metric, range, &data, SIZE).unwrap()
}

#[test]
fn one_polyline_with_every_point_of_a_continuous_series() {
    let end = T0 + 15 * MIN;
    let points = series(end, 300, 2_000);
    let svg = render(
        MetricName::CpuPercent,
        MetricsRange::Minutes15,
        end,
        &points,
    );
    let nodes = parse(&svg);
    assert_eq!(nodes[0].attr("width"), Some("800"));
    assert_eq!(nodes[0].attr("height"), Some("300"));
    assert_eq!(polylines(&nodes, LINE), vec![300]);
    assert_eq!(dots(&nodes), 0);
    // Points before the range are not drawn.
    let longer = series(end, 600, 2_000);
    let nodes = parse(&render(
        MetricName::CpuPercent,
        MetricsRange::Minutes15,
        end,
        &longer,
    ));
    assert_eq!(polylines(&nodes, LINE), vec![451]);
}

#[test]
fn gaps_longer_than_three_intervals_break_the_line() {
    let end = T0 + 24 * 60 * MIN;
    // Minute roll-ups: 10 points, a 4-minute hole (> 3 × 1 min), 5 points, a 3-minute hole
    // (not a gap), 5 points, a 10-minute hole, then one lone point.
    let mut times = Vec::new();
    let mut t = end - 6 * 60 * MIN;
    for (count, hole) in [(10, 4), (5, 3), (5, 10), (1, 0)] {
        for i in 0..count {
            times.push(t);
            if i + 1 < count {
                t += MIN;
            }
        }
        t += hole * MIN;
    }
    let points: Vec<MetricPoint> = times
        .iter()
        .map(|&at_ms| MetricPoint { at_ms, value: 5.0 })
        .collect();
    assert_eq!(runs(&points, 3 * MIN).len(), 3);
    let nodes = parse(&render(
        MetricName::QueueDepth,
        MetricsRange::Hours24,
        end,
        &points,
    ));
    assert_eq!(polylines(&nodes, LINE), vec![10, 10]);
    assert_eq!(dots(&nodes), 1, "the lone point is a dot");

    // At full rate a gap is anything over 6 s.
    let mut points = series(T0, 10, 2_000);
    points.extend(series(T0 + 6_000 + 18_000, 10, 2_000)); // exactly 6 s after: joined
    points.extend(series(T0 + 6_000 + 18_000 + 7_000 + 18_000, 10, 2_000)); // 7 s: a gap
    let nodes = parse(&render(
        MetricName::CpuPercent,
        MetricsRange::Minutes15,
        T0 + 5 * MIN,
        &points,
    ));
    assert_eq!(polylines(&nodes, LINE), vec![20, 10]);
}

#[test]
fn no_points_is_the_empty_state() {
    for range in MetricsRange::ALL {
        let svg = render(MetricName::CpuPercent, range, T0, &[]);
        let nodes = parse(&svg);
        assert!(polylines(&nodes, LINE).is_empty());
        assert_eq!(dots(&nodes), 0);
        let texts = texts(&nodes);
        assert!(
            texts.iter().any(|t| t.starts_with("No data for the last")),
            "{range:?}: {texts:?}"
        );
        // The axes are still there, with unit labels.
        assert!(texts.iter().any(|t| t == "100%"), "{texts:?}");
    }
    let nodes = parse(&render(
        MetricName::CpuPercent,
        MetricsRange::Hour1,
        T0,
        &[],
    ));
    assert!(texts(&nodes).contains(&"No data for the last hour".to_owned()));
    // Points all outside the range: empty too.
    let old = series(T0 - 2 * 60 * MIN, 10, 2_000);
    let nodes = parse(&render(
        MetricName::CpuPercent,
        MetricsRange::Hour1,
        T0,
        &old,
    ));
    assert!(polylines(&nodes, LINE).is_empty());
    assert!(texts(&nodes).contains(&"No data for the last hour".to_owned()));
}

#[test]
fn labels_carry_units() {
    let end = T0 + 60 * MIN;
    let points: Vec<MetricPoint> = series(end, 100, 2_000)
        .into_iter()
        .map(|p| MetricPoint {
            value: 400_000_000.0 + p.value,
            ..p
        })
        .collect();
    let cases = [
        (MetricName::CpuPercent, "CPU (%)", "%"),
        (MetricName::MemoryBytes, "Memory (MB)", " MB"),
        (
            MetricName::LastCandleAgeSeconds,
            "Last candle age (s)",
            " s",
        ),
        (
            MetricName::EvaluationsPerMinute,
            "Evaluations (per minute)",
            "/min",
        ),
    ];
    for (metric, caption, suffix) in cases {
        let nodes = parse(&render(metric, MetricsRange::Hour1, end, &points));
        let texts = texts(&nodes);
        assert!(texts.contains(&caption.to_owned()), "{texts:?}");
        let values: Vec<&String> = texts.iter().filter(|t| t.ends_with(suffix)).collect();
        assert!(values.len() >= 3, "{metric:?}: {texts:?}");
    }
}

#[test]
fn memory_chart_draws_the_limit() {
    let end = T0 + 60 * MIN;
    let points: Vec<MetricPoint> = series(end, 50, 2_000)
        .into_iter()
        .map(|p| MetricPoint {
            value: 300_000_000.0,
            ..p
        })
        .collect();
    let nodes = parse(&render(
        MetricName::MemoryBytes,
        MetricsRange::Hour1,
        end,
        &points,
    ));
    assert_eq!(polylines(&nodes, LIMIT), vec![2]);
    assert!(texts(&nodes).contains(&"limit 1074 MB".to_owned()));
    // The limit is above the data line: a smaller y in SVG.
    let limit_y: i32 = nodes
        .iter()
        .find(|n| n.name == "polyline" && n.attr("stroke") == Some(LIMIT))
        .and_then(|n| n.attr("points"))
        .and_then(|p| p.split([',', ' ']).nth(1))
        .unwrap()
        .parse()
        .unwrap();
    let line_y: i32 = nodes
        .iter()
        .find(|n| n.name == "polyline" && n.attr("stroke") == Some(LINE))
        .and_then(|n| n.attr("points"))
        .and_then(|p| p.split([',', ' ']).nth(1))
        .unwrap()
        .parse()
        .unwrap();
    assert!(limit_y < line_y, "{limit_y} vs {line_y}");
    // Other metrics ignore the limit.
    let nodes = parse(&render(
        MetricName::CpuPercent,
        MetricsRange::Hour1,
        end,
        &points,
    ));
    assert!(polylines(&nodes, LIMIT).is_empty());
}

#[test]
fn time_ticks_suit_each_range() {
    let end = T0 + 60 * MIN;
    let hour = texts(&parse(&render(
        MetricName::QueueDepth,
        MetricsRange::Hour1,
        end,
        &[],
    )));
    for label in [
        "00:00", "00:10", "00:20", "00:30", "00:40", "00:50", "01:00",
    ] {
        assert!(hour.contains(&label.to_owned()), "{label}: {hour:?}");
    }
    let quarter = texts(&parse(&render(
        MetricName::QueueDepth,
        MetricsRange::Minutes15,
        end,
        &[],
    )));
    for label in ["00:45", "00:48", "00:51", "00:54", "00:57", "01:00"] {
        assert!(quarter.contains(&label.to_owned()), "{label}: {quarter:?}");
    }
    let day = texts(&parse(&render(
        MetricName::QueueDepth,
        MetricsRange::Hours24,
        T0,
        &[],
    )));
    for label in ["00:00", "03:00", "12:00", "21:00"] {
        assert!(day.contains(&label.to_owned()), "{label}: {day:?}");
    }
    // 2026-11-24 is a Tuesday: a week back to Tuesday the 17th, at midnight.
    let week = texts(&parse(&render(
        MetricName::QueueDepth,
        MetricsRange::Days7,
        T0,
        &[],
    )));
    for label in ["Tue 17", "Wed 18", "Mon 23", "Tue 24"] {
        assert!(week.contains(&label.to_owned()), "{label}: {week:?}");
    }
    // Local time: an hour east of UTC.
    let data = ChartData {
        end_ms: end,
        points: &[],
        limit: None,
        utc_offset_minutes: 60,
    };
    let local = texts(&parse(
        &render_chart(MetricName::QueueDepth, MetricsRange::Hour1, &data, SIZE).unwrap(),
    ));
    assert!(local.contains(&"01:10".to_owned()) && local.contains(&"02:00".to_owned()));
    assert!(!local.contains(&"00:10".to_owned()), "{local:?}");
}

#[test]
fn same_input_same_bytes() {
    let end = T0 + 7 * 24 * 60 * MIN;
    let points = series(end, 10_080, MIN);
    let a = render(MetricName::MemoryBytes, MetricsRange::Days7, end, &points);
    let b = render(MetricName::MemoryBytes, MetricsRange::Days7, end, &points);
    assert_eq!(a, b);
    assert_eq!(polylines(&parse(&a), LINE), vec![10_080]);
}

#[test]
fn numbers_read_short() {
    assert_eq!(format_number(0.0), "0");
    assert_eq!(format_number(2.5), "2.5");
    assert_eq!(format_number(0.126), "0.13");
    assert_eq!(format_number(12.6), "13");
    assert_eq!(format_number(1073.741824), "1074");
    assert_eq!(format_number(-0.001), "0");
}

/// Decodes a PNG chart into its size and RGB pixels.
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("PNG image data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

fn count_color(pixels: &[u8], color: RGBColor) -> usize {
    pixels
        .chunks_exact(3)
        .filter(|p| p == &[color.0, color.1, color.2])
        .count()
}

#[test]
fn png_has_the_line_the_limit_and_rasterized_text() {
    let end = T0 + 60 * MIN;
    let points: Vec<MetricPoint> = series(end, 1_800, 2_000)
        .into_iter()
        .map(|p| MetricPoint {
            value: 300_000_000.0 + p.value * 1e5,
            ..p
        })
        .collect();
    let data = ChartData {
        end_ms: end,
        points: &points,
        limit: Some(1_073_741_824.0),
        utc_offset_minutes: 0,
    };
    let bytes =
        render_chart_png(MetricName::MemoryBytes, MetricsRange::Hour1, &data, SIZE).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let (width, height, pixels) = decode_png(&bytes);
    assert_eq!((width, height), (800, 300));
    assert!(count_color(&pixels, BACKGROUND) > 100_000, "the background");
    assert!(count_color(&pixels, LINE_COLOR) > 200, "the data line");
    assert!(count_color(&pixels, LIMIT_COLOR) > 200, "the limit line");
    // The caption is drawn with the embedded font: bright pixels in the top band.
    let caption_band = &pixels[..(width * 30 * 3) as usize];
    let bright = caption_band
        .chunks_exact(3)
        .filter(|p| p.iter().all(|c| *c > 0xC0))
        .count();
    assert!(bright > 30, "caption text pixels: {bright}");
    assert_eq!(
        bytes,
        render_chart_png(MetricName::MemoryBytes, MetricsRange::Hour1, &data, SIZE).unwrap(),
        "deterministic"
    );
    // Without the limit there is no red.
    let cpu = render_chart_png(MetricName::CpuPercent, MetricsRange::Hour1, &data, SIZE).unwrap();
    assert_eq!(count_color(&decode_png(&cpu).2, LIMIT_COLOR), 0);
}

#[test]
fn png_without_points_is_the_empty_state() {
    let data = ChartData {
        end_ms: T0,
        points: &[],
        limit: None,
        utc_offset_minutes: 0,
    };
    let small = ChartSize {
        width: 320,
        height: 160,
    };
    let bytes = render_chart_png(MetricName::QueueDepth, MetricsRange::Hours24, &data, small)
        .expect("an empty chart draws");
    let (width, height, pixels) = decode_png(&bytes);
    assert_eq!((width, height), (320, 160));
    assert_eq!(count_color(&pixels, LINE_COLOR), 0);
    // "No data …" in the middle: muted text pixels near the centre row.
    let row = (height / 2) as usize;
    let centre: Vec<&[u8]> = pixels
        .chunks_exact(3)
        .skip((row - 8) * width as usize)
        .take(16 * width as usize)
        .filter(|p| p != &[BACKGROUND.0, BACKGROUND.1, BACKGROUND.2])
        .collect();
    assert!(centre.len() > 50, "{}", centre.len());
}

#[test]
fn png_sharp_turns_do_not_spike() {
    // A sawtooth between 20 and 80 %: plotters' thick bitmap polylines would grow miter
    // spikes at each drop, up through the 100 % line to the top of the image.
    let end = T0 + 24 * 60 * MIN;
    let points: Vec<MetricPoint> = series(end, 1_440, MIN)
        .into_iter()
        .map(|p| MetricPoint {
            value: 20.0 + (p.value as i64 % 60) as f64,
            ..p
        })
        .collect();
    let data = ChartData {
        end_ms: end,
        points: &points,
        limit: None,
        utc_offset_minutes: 0,
    };
    let bytes =
        render_chart_png(MetricName::CpuPercent, MetricsRange::Hours24, &data, SIZE).unwrap();
    let (width, _, pixels) = decode_png(&bytes);
    let top_band = &pixels[..(width * 40 * 3) as usize];
    assert_eq!(count_color(top_band, LINE_COLOR), 0, "nothing above 100 %");
    assert!(count_color(&pixels, LINE_COLOR) > 1_000);
}
