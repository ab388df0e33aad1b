//! Binance kline intervals: parsing and display (`"5m"`), their length in milliseconds, and
//! the UTC bucket a timestamp falls in.
//!
//! Supported: `1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w`. Binance's `1M` (and the
//! archives' `1mo`) is a calendar month of varying length; it is rejected with
//! [`IntervalError::Monthly`] rather than approximated, because a fixed-length stand-in would
//! silently produce buckets that match no exchange candle.
//!
//! Buckets are aligned to UTC: every interval up to `3d` starts at a multiple of its length
//! since the Unix epoch (so `1d` starts at 00:00 UTC and `4h` at 00:00, 04:00, …), and `1w`
//! starts on Monday 00:00 UTC, as Binance's weekly candles do. The Unix epoch was a Thursday,
//! so weeks are counted from Monday 1970-01-05 instead.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;
/// Monday 1970-01-05 00:00 UTC: the first week boundary after the epoch (a Thursday).
const FIRST_MONDAY: i64 = 4 * DAY;

/// A fixed-length Binance kline interval (`"5m"` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS)]
pub enum Interval {
    #[ts(rename = "1s")]
    S1,
    #[ts(rename = "1m")]
    M1,
    #[ts(rename = "3m")]
    M3,
    #[ts(rename = "5m")]
    M5,
    #[ts(rename = "15m")]
    M15,
    #[ts(rename = "30m")]
    M30,
    #[ts(rename = "1h")]
    H1,
    #[ts(rename = "2h")]
    H2,
    #[ts(rename = "4h")]
    H4,
    #[ts(rename = "6h")]
    H6,
    #[ts(rename = "8h")]
    H8,
    #[ts(rename = "12h")]
    H12,
    #[ts(rename = "1d")]
    D1,
    #[ts(rename = "3d")]
    D3,
    #[ts(rename = "1w")]
    W1,
}

/// Why a string is not a supported interval.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    /// `1M` / `1mo`: a calendar month has no fixed length, so it is not supported.
    #[error("interval `{0}` (calendar month) is not supported: months have no fixed length")]
    Monthly(String),
    /// Anything else that is not a Binance interval.
    #[error(
        "unknown interval `{0}`; expected one of 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w"
    )]
    Unknown(String),
}

impl Interval {
    /// Every supported interval, shortest first.
    pub const ALL: [Interval; 15] = [
        Interval::S1,
        Interval::M1,
        Interval::M3,
        Interval::M5,
        Interval::M15,
        Interval::M30,
        Interval::H1,
        Interval::H2,
        Interval::H4,
        Interval::H6,
        Interval::H8,
        Interval::H12,
        Interval::D1,
        Interval::D3,
        Interval::W1,
    ];

    /// Binance's spelling, e.g. `"5m"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Interval::S1 => "1s",
            Interval::M1 => "1m",
            Interval::M3 => "3m",
            Interval::M5 => "5m",
            Interval::M15 => "15m",
            Interval::M30 => "30m",
            Interval::H1 => "1h",
            Interval::H2 => "2h",
            Interval::H4 => "4h",
            Interval::H6 => "6h",
            Interval::H8 => "8h",
            Interval::H12 => "12h",
            Interval::D1 => "1d",
            Interval::D3 => "3d",
            Interval::W1 => "1w",
        }
    }

    /// Length in milliseconds.
    pub const fn duration_ms(self) -> i64 {
        match self {
            Interval::S1 => SECOND,
            Interval::M1 => MINUTE,
            Interval::M3 => 3 * MINUTE,
            Interval::M5 => 5 * MINUTE,
            Interval::M15 => 15 * MINUTE,
            Interval::M30 => 30 * MINUTE,
            Interval::H1 => HOUR,
            Interval::H2 => 2 * HOUR,
            Interval::H4 => 4 * HOUR,
            Interval::H6 => 6 * HOUR,
            Interval::H8 => 8 * HOUR,
            Interval::H12 => 12 * HOUR,
            Interval::D1 => DAY,
            Interval::D3 => 3 * DAY,
            Interval::W1 => WEEK,
        }
    }

    /// The interval whose length is exactly `ms`, if any.
    pub fn from_duration_ms(ms: i64) -> Option<Interval> {
        Interval::ALL.into_iter().find(|i| i.duration_ms() == ms)
    }

    /// Open time of the UTC-aligned bucket containing `timestamp_ms`.
    pub fn bucket_start(self, timestamp_ms: i64) -> i64 {
        let length = self.duration_ms();
        let origin = if self == Interval::W1 {
            FIRST_MONDAY
        } else {
            0
        };
        let offset = timestamp_ms.wrapping_sub(origin).rem_euclid(length);
        timestamp_ms.saturating_sub(offset)
    }

    /// First millisecond after the bucket containing `timestamp_ms` (its exclusive end).
    pub fn bucket_end(self, timestamp_ms: i64) -> i64 {
        self.bucket_start(timestamp_ms)
            .saturating_add(self.duration_ms())
    }

    /// Whether `timestamp_ms` is exactly a bucket start.
    pub fn is_aligned(self, timestamp_ms: i64) -> bool {
        self.bucket_start(timestamp_ms) == timestamp_ms
    }

    /// Whether buckets of `self` are unions of whole buckets of `smaller` (so `smaller`
    /// candles can be aggregated into `self`): `self` is longer and a multiple of it.
    pub fn is_multiple_of(self, smaller: Interval) -> bool {
        self.duration_ms() > smaller.duration_ms()
            && self.duration_ms() % smaller.duration_ms() == 0
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Interval {
    type Err = IntervalError;

    /// Parses Binance's case-sensitive spelling (`"1m"` is a minute, `"1M"` a month).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(found) = Interval::ALL.into_iter().find(|i| i.as_str() == s) {
            return Ok(found);
        }
        if s == "1M" || s == "1mo" {
            return Err(IntervalError::Monthly(s.to_owned()));
        }
        Err(IntervalError::Unknown(s.to_owned()))
    }
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip_for_every_interval() {
        for interval in Interval::ALL {
            assert_eq!(interval.as_str().parse::<Interval>(), Ok(interval));
            assert_eq!(interval.to_string(), interval.as_str());
            assert_eq!(
                Interval::from_duration_ms(interval.duration_ms()),
                Some(interval)
            );
        }
    }

    #[test]
    fn month_and_garbage_are_rejected_with_reasons() {
        assert_eq!(
            "1M".parse::<Interval>(),
            Err(IntervalError::Monthly("1M".into()))
        );
        assert_eq!(
            "1mo".parse::<Interval>(),
            Err(IntervalError::Monthly("1mo".into()))
        );
        assert_eq!(
            "7m".parse::<Interval>(),
            Err(IntervalError::Unknown("7m".into()))
        );
        assert!(
            "5M".parse::<Interval>().is_err(),
            "intervals are case-sensitive"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(Interval::M5.duration_ms(), 300_000);
        assert_eq!(Interval::H4.duration_ms(), 14_400_000);
        assert_eq!(Interval::W1.duration_ms(), 604_800_000);
    }

    #[test]
    fn buckets_align_to_utc() {
        // 2023-01-02 16:47:13.500 UTC
        let t = 1_672_678_033_500;
        assert_eq!(Interval::M5.bucket_start(t), 1_672_677_900_000); // 16:45
        assert_eq!(Interval::H1.bucket_start(t), 1_672_675_200_000); // 16:00
        assert_eq!(Interval::H4.bucket_start(t), 1_672_675_200_000); // 16:00
        assert_eq!(Interval::D1.bucket_start(t), 1_672_617_600_000); // 2023-01-02 00:00
        assert_eq!(Interval::M5.bucket_end(t), 1_672_678_200_000);
        assert!(Interval::M5.is_aligned(1_672_677_900_000));
        assert!(!Interval::M5.is_aligned(t));
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2023-01-02 was a Monday; 2023-01-08 23:59:59.999 is the following Sunday.
        let monday = 1_672_617_600_000;
        assert_eq!(Interval::W1.bucket_start(monday), monday);
        assert_eq!(Interval::W1.bucket_start(monday + WEEK - 1), monday);
        assert_eq!(Interval::W1.bucket_start(monday + WEEK), monday + WEEK);
        assert_eq!(Interval::W1.bucket_start(monday - 1), monday - WEEK);
        // The epoch (a Thursday) belongs to the week starting Monday 1969-12-29.
        assert_eq!(Interval::W1.bucket_start(0), -3 * DAY);
    }

    #[test]
    fn multiples() {
        assert!(Interval::M30.is_multiple_of(Interval::M5));
        assert!(Interval::W1.is_multiple_of(Interval::D1));
        assert!(!Interval::W1.is_multiple_of(Interval::D3));
        assert!(!Interval::M5.is_multiple_of(Interval::M3));
        assert!(!Interval::M5.is_multiple_of(Interval::M5));
    }

    #[test]
    fn serde_uses_the_string_form() {
        assert_eq!(
            serde_json::to_string(&Interval::H12).ok().as_deref(),
            Some("\"12h\"")
        );
        let parsed: Result<Interval, _> = serde_json::from_str("\"15m\"");
        assert_eq!(parsed.ok(), Some(Interval::M15));
        let month: Result<Interval, _> = serde_json::from_str("\"1M\"");
        assert!(month.is_err());
    }
}
