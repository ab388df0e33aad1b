//! Time helpers: wall-clock stamps in the API's formats (RFC 3339, Unix ms/s), mapping the
//! fake's `Instant` schedule onto wall-clock time, and Go duration strings (`"10s"`).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The wall-clock time matching a (past or future) `Instant`.
pub(crate) fn wall(at: Instant) -> SystemTime {
    let (now_i, now_s) = (Instant::now(), SystemTime::now());
    if at <= now_i {
        now_s - (now_i - at)
    } else {
        now_s + (at - now_i)
    }
}

pub(crate) fn unix_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Unix seconds, rounded up (an expiry is never reported earlier than it happens).
pub(crate) fn unix_secs_ceil(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0))
        .unwrap_or_default()
}

/// `2026-08-14T09:57:35Z`, the format Fly uses for `created_at`/`updated_at`.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `2026-08-14T09:57:35.123456789Z`, the format of Fly's log timestamps.
pub(crate) fn rfc3339_nanos(t: SystemTime) -> String {
    let nanos = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let seconds = rfc3339(t);
    format!("{}.{nanos:09}Z", seconds.trim_end_matches('Z'))
}

/// Howard Hinnant's days-since-epoch → (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A Go duration (`"10s"`, `"1m30s"`, `"250ms"`) or a bare number of seconds.
pub(crate) fn parse_go_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        return (secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let mut total = 0.0_f64;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += value * unit;
        rest = &rest[unit_len..];
    }
    Some(Duration::from_secs_f64(total))
}

/// A JSON duration: Go string, or integer nanoseconds (fly-go accepts both).
pub(crate) fn json_duration(value: &serde_json::Value) -> Option<Duration> {
    match value {
        serde_json::Value::String(s) => parse_go_duration(s),
        serde_json::Value::Number(n) => n.as_u64().map(Duration::from_nanos),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        let t = UNIX_EPOCH + Duration::from_secs(1_708_569_778);
        assert_eq!(rfc3339(t), "2024-02-22T02:42:58Z");
        let t = t + Duration::from_nanos(1_005);
        assert_eq!(rfc3339_nanos(t), "2024-02-22T02:42:58.000001005Z");
    }

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_go_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_go_duration("5"), Some(Duration::from_secs(5)));
        assert_eq!(parse_go_duration("5 parsecs"), None);
    }
}
