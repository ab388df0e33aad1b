//! The desktop bench's arithmetic and log reading (`benches/desktop`), here so its unit tests
//! run with the crate's: medians, least-squares slopes, kB → MB, and the start-up figure the
//! app logs (`window interactive ms_since_start=N`).

/// kB → MB (10^6 bytes, as the figures).
pub fn mb(kb: u64) -> f64 {
    kb as f64 * 1024.0 / 1e6
}

/// The median; NaN for no values.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// The mean; NaN for no values.
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Least-squares slope of `y` over `x`; `None` with fewer than two distinct `x`.
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// `ms_since_start=N` of the first `window interactive` line of a log.
pub fn interactive_ms(log: &str) -> Option<u64> {
    let line = log.lines().find(|l| l.contains("window interactive"))?;
    let (_, rest) = line.split_once("ms_since_start=")?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(mean(&[1.0, 2.0, 6.0]), 3.0);
        let line: Vec<(f64, f64)> = (0..5).map(|x| (x as f64, 2.0 * x as f64 + 7.0)).collect();
        assert!((slope(&line).unwrap() - 2.0).abs() < 1e-9);
        assert_eq!(slope(&[(1.0, 1.0), (1.0, 5.0)]), None, "one x");
        assert_eq!(slope(&[]), None);
        assert!((mb(1000) - 1.024).abs() < 1e-9);
    }

    #[test]
    fn reads_the_figure_of_the_first_interactive_line() {
        let log = "2026-11-24T16:00:00Z  INFO trademind: TradeMind starting\n\
                   2026-11-24T16:00:01Z  INFO trademind::shell::startup: window interactive ms_since_start=812\n\
                   2026-11-24T16:00:09Z  INFO x: window interactive ms_since_start=9\n";
        assert_eq!(interactive_ms(log), Some(812));
        assert_eq!(interactive_ms("window interactive\n"), None);
        assert_eq!(
            interactive_ms("window interactive ms_since_start=x\n"),
            None
        );
        assert_eq!(interactive_ms(""), None);
    }
}
