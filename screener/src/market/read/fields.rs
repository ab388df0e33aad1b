//! Field-level parsing and checks shared by every reader: decimal and integer fields,
//! millisecond/microsecond timestamps, the consistency of one candle, and the order of rows.

use std::fmt;

use crate::market::candle::Candle;
use crate::market::interval::Interval;

use super::Problem;

/// Names of the 12 kline fields, in Binance's order (the shared CSV uses the first six).
const NAMES: [&str; 12] = [
    "open time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close time",
    "quote volume",
    "trades",
    "taker buy base volume",
    "taker buy quote volume",
    "ignore",
];

/// A kline field by its 0-based position; displays as `field 3 (high)` (1-based, like columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field(pub usize);

impl Field {
    pub const OPEN_TIME: Field = Field(0);
    pub const OPEN: Field = Field(1);
    pub const HIGH: Field = Field(2);
    pub const LOW: Field = Field(3);
    pub const CLOSE: Field = Field(4);
    pub const VOLUME: Field = Field(5);
    pub const CLOSE_TIME: Field = Field(6);
    pub const QUOTE_VOLUME: Field = Field(7);
    pub const TRADES: Field = Field(8);
    pub const TAKER_BUY_BASE: Field = Field(9);
    pub const TAKER_BUY_QUOTE: Field = Field(10);

    /// The field's name, e.g. `"high"`.
    pub fn name(self) -> &'static str {
        NAMES.get(self.0).copied().unwrap_or("extra")
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field {} ({})", self.0 + 1, self.name())
    }
}

/// Timestamps below this are rejected: before 1973-03-03 in ms, so most likely seconds.
const MIN_MS: i64 = 100_000_000_000;
/// From here on a timestamp has 14+ digits and is read as microseconds (freqtrade's rule).
const MIN_US: i64 = 10_000_000_000_000;
/// 17+ digits is neither unit.
const MAX_US: i64 = 10_000_000_000_000_000;

/// A price or volume: a finite decimal number.
pub(super) fn decimal(field: Field, text: &str) -> Result<f64, Problem> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(Problem::NotANumber {
            field,
            value: text.to_owned(),
        }),
    }
}

/// A non-negative integer (trade count).
pub(super) fn count(field: Field, text: &str) -> Result<u64, Problem> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| Problem::NotAnInteger {
            field,
            value: text.to_owned(),
        })
}

/// An epoch timestamp written as an integer in ms (13 digits) or µs (16 digits), in ms.
pub(super) fn timestamp(field: Field, text: &str) -> Result<i64, Problem> {
    let value = text
        .trim()
        .parse::<i64>()
        .map_err(|_| Problem::NotAnInteger {
            field,
            value: text.to_owned(),
        })?;
    timestamp_ms(field, value)
}

/// Normalises an epoch timestamp in ms or µs to ms (µs are floored, so a µs close time
/// `…999999` becomes `…999`).
pub(super) fn timestamp_ms(field: Field, value: i64) -> Result<i64, Problem> {
    match value {
        MIN_MS..MIN_US => Ok(value),
        MIN_US..MAX_US => Ok(value / 1_000),
        _ => Err(Problem::Timestamp { field, value }),
    }
}

/// Checks one parsed candle: non-negative prices and volumes, `low ≤ open, close ≤ high`,
/// and a close time that fits `interval` (exactly `open + interval − 1` for a candle on the
/// interval's grid; within that for off-grid candles, which early Binance data has).
pub(super) fn check_candle(candle: &Candle, interval: Interval) -> Result<(), Problem> {
    let volumes = [
        (Field::VOLUME, Some(candle.volume)),
        (Field::QUOTE_VOLUME, candle.quote_volume),
        (Field::TAKER_BUY_BASE, candle.taker_buy_base_volume),
        (Field::TAKER_BUY_QUOTE, candle.taker_buy_quote_volume),
    ];
    for (field, value) in volumes {
        if let Some(value) = value.filter(|v| *v < 0.0) {
            return Err(Problem::Negative { field, value });
        }
    }
    if candle.high < candle.low {
        return Err(Problem::HighBelowLow {
            high: candle.high,
            low: candle.low,
        });
    }
    if candle.low < 0.0 {
        return Err(Problem::Negative {
            field: Field::LOW,
            value: candle.low,
        });
    }
    for (field, value) in [(Field::OPEN, candle.open), (Field::CLOSE, candle.close)] {
        if value < candle.low || value > candle.high {
            return Err(Problem::OutsideRange {
                field,
                value,
                low: candle.low,
                high: candle.high,
            });
        }
    }
    let expected = candle.open_time.saturating_add(interval.duration_ms() - 1);
    let fits = if interval.is_aligned(candle.open_time) {
        candle.close_time == expected
    } else {
        (candle.open_time..=expected).contains(&candle.close_time)
    };
    if !fits {
        return Err(Problem::CloseTime {
            open_time: candle.open_time,
            close_time: candle.close_time,
            interval,
        });
    }
    Ok(())
}

/// Tracks the previous row's open time: rows must strictly increase.
#[derive(Debug, Default)]
pub(super) struct RowOrder {
    previous: Option<i64>,
}

impl RowOrder {
    pub(super) fn check(&mut self, open_time: i64) -> Result<(), Problem> {
        match self.previous {
            Some(previous) if open_time == previous => Err(Problem::Duplicate { open_time }),
            Some(previous) if open_time < previous => Err(Problem::NotIncreasing {
                open_time,
                previous,
            }),
            _ => {
                self.previous = Some(open_time);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_ms_and_us() {
        assert_eq!(
            timestamp(Field::OPEN_TIME, "1637971200000"),
            Ok(1_637_971_200_000)
        );
        assert_eq!(
            timestamp(Field::OPEN_TIME, "1735689600000000"),
            Ok(1_735_689_600_000)
        );
        assert_eq!(
            timestamp(Field::CLOSE_TIME, "1735693199999999"),
            Ok(1_735_693_199_999)
        );
        assert!(
            timestamp(Field::OPEN_TIME, "1637971200").is_err(),
            "seconds"
        );
        assert!(
            timestamp(Field::OPEN_TIME, "17356896000000000").is_err(),
            "17 digits"
        );
        assert!(timestamp(Field::OPEN_TIME, "-1").is_err());
        assert!(timestamp(Field::OPEN_TIME, "1.6e12").is_err());
    }

    #[test]
    fn decimals_must_be_finite() {
        assert_eq!(decimal(Field::OPEN, "0.00002853"), Ok(0.00002853));
        assert_eq!(decimal(Field::OPEN, " 16726 "), Ok(16726.0));
        for bad in ["", "abc", "NaN", "inf", "1,5"] {
            assert!(decimal(Field::OPEN, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn field_display_is_one_based() {
        assert_eq!(Field::HIGH.to_string(), "field 3 (high)");
        assert_eq!(Field(12).to_string(), "field 13 (extra)");
    }

    #[test]
    fn candle_checks() {
        let ok = Candle::new(1_672_677_900_000, Interval::M5, 2.0, 3.0, 1.0, 2.5, 1.0);
        assert_eq!(check_candle(&ok, Interval::M5), Ok(()));
        assert!(matches!(
            check_candle(&ok, Interval::M1),
            Err(Problem::CloseTime { .. })
        ));
        let bad = Candle { high: 0.5, ..ok };
        assert!(matches!(
            check_candle(&bad, Interval::M5),
            Err(Problem::HighBelowLow { .. })
        ));
        let bad = Candle { open: 3.5, ..ok };
        assert!(matches!(
            check_candle(&bad, Interval::M5),
            Err(Problem::OutsideRange {
                field: Field::OPEN,
                ..
            })
        ));
        let bad = Candle { volume: -1.0, ..ok };
        assert!(matches!(
            check_candle(&bad, Interval::M5),
            Err(Problem::Negative {
                field: Field::VOLUME,
                ..
            })
        ));
        // Off-grid (early Binance restarts): tolerated if the close time is within the interval.
        let off_grid = Candle::new(1_672_677_915_000, Interval::M5, 2.0, 3.0, 1.0, 2.5, 1.0);
        assert_eq!(check_candle(&off_grid, Interval::M5), Ok(()));
        let early_close = Candle {
            close_time: off_grid.close_time - 15_000,
            ..off_grid
        };
        assert_eq!(check_candle(&early_close, Interval::M5), Ok(()));
    }

    #[test]
    fn row_order() {
        let mut order = RowOrder::default();
        assert!(order.check(10).is_ok());
        assert_eq!(order.check(10), Err(Problem::Duplicate { open_time: 10 }));
        assert_eq!(
            order.check(5),
            Err(Problem::NotIncreasing {
                open_time: 5,
                previous: 10
            })
        );
        assert!(order.check(11).is_ok());
    }
}
