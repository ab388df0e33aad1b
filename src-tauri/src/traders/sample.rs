//! The recorded candles the editor's dry run replays, embedded in the app (see
//! `samples/README.md`): a day of BTCBUSD 1m candles for traders refreshing every 1m–30m, and
//! five days of BTCUSDT 1h candles for 1h and longer.

use std::sync::OnceLock;

use screener::market::{parse_candles, Candle, Interval};

const MINUTES: &str = include_str!("../../samples/binance_btcbusd_1m_2022-12-13.csv");
const HOURS: &str = include_str!("../../samples/binance_btcusdt_1h_2018-05-01_2018-05-05.csv");

/// A recorded series.
#[derive(Debug)]
pub struct Recorded {
    pub symbol: &'static str,
    pub interval: Interval,
    pub candles: Vec<Candle>,
}

/// The series to dry-run a trader refreshing every `refresh` on.
pub fn for_interval(refresh: Interval) -> &'static Recorded {
    static MINUTE: OnceLock<Recorded> = OnceLock::new();
    static HOUR: OnceLock<Recorded> = OnceLock::new();
    if refresh.duration_ms() < Interval::H1.duration_ms() {
        MINUTE.get_or_init(|| load("BTCBUSD", Interval::M1, MINUTES, "btcbusd 1m sample"))
    } else {
        HOUR.get_or_init(|| load("BTCUSDT", Interval::H1, HOURS, "btcusdt 1h sample"))
    }
}

fn load(symbol: &'static str, interval: Interval, text: &str, name: &str) -> Recorded {
    // The samples are checked by the tests; a bad one is a build-time bug.
    let (_, candles) = parse_candles(text, name, interval, None)
        .unwrap_or_else(|e| panic!("embedded sample {name}: {e}"));
    Recorded {
        symbol,
        interval,
        candles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_parse_and_cover_every_refresh_interval() {
        assert_eq!(for_interval(Interval::M1).candles.len(), 1440);
        assert_eq!(for_interval(Interval::M30).interval, Interval::M1);
        let hours = for_interval(Interval::D1);
        assert_eq!((hours.interval, hours.candles.len()), (Interval::H1, 120));
    }
}
