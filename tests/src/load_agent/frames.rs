//! The synthetic market of the load generator: signals with realistic symbols, traders and
//! prices (a random walk per symbol), and metrics snapshots like a busy agent's.
//!
//! 100 signals/s is a load figure no real market produces, but each signal still keeps the
//! journal's rule of one signal per (trader, symbol, interval, candle): every combination of
//! trader and symbol fires once per candle, and the candle moves on when all have fired.

use rand::Rng;
use screener::market::Interval;
use screener::protocol::{Metrics, SignalFrame};

/// Symbols with a plausible starting price each.
const SYMBOLS: [(&str, f64); 20] = [
    ("BTCUSDT", 91_234.5),
    ("ETHUSDT", 3_412.8),
    ("SOLUSDT", 182.41),
    ("BNBUSDT", 642.3),
    ("XRPUSDT", 0.6231),
    ("DOGEUSDT", 0.1642),
    ("ADAUSDT", 0.4512),
    ("AVAXUSDT", 36.72),
    ("LINKUSDT", 17.93),
    ("DOTUSDT", 7.214),
    ("TRXUSDT", 0.1287),
    ("MATICUSDT", 0.7123),
    ("LTCUSDT", 84.35),
    ("NEARUSDT", 6.412),
    ("ATOMUSDT", 9.871),
    ("UNIUSDT", 11.24),
    ("APTUSDT", 10.83),
    ("ARBUSDT", 1.132),
    ("OPUSDT", 2.514),
    ("FILUSDT", 5.732),
];

/// Traders and what their filters report as met.
const TRADERS: [(&str, &str); 5] = [
    ("builtin-volume-spike", "volume > 3x 20-bar average"),
    ("rsi-bounce", "rsi(14) < 30"),
    ("macd-cross", "macd crossed above signal"),
    ("breakout-20", "close > 20-bar high"),
    ("vwap-reclaim", "close crossed above vwap"),
];

/// Candle length of every synthetic signal (`1m`).
const CANDLE_MS: i64 = 60_000;

/// Makes the signal stream and the metrics snapshots.
pub struct Market {
    prices: Vec<f64>,
    /// Open time of the first candle (a minute boundary).
    base_open: i64,
    started: std::time::Instant,
}

impl Market {
    pub fn new() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        Self {
            prices: SYMBOLS.iter().map(|(_, p)| *p).collect(),
            base_open: now - now.rem_euclid(CANDLE_MS),
            started: std::time::Instant::now(),
        }
    }

    /// The signal journaled as `seq` (1-based): its trader/symbol pair and candle follow from
    /// the seq, so two seqs never share a (trader, symbol, candle).
    pub fn signal(&mut self, seq: u64) -> SignalFrame {
        let pairs = (SYMBOLS.len() * TRADERS.len()) as u64;
        let n = seq.saturating_sub(1);
        let pair = (n % pairs) as usize;
        let candle = (n / pairs) as i64;
        let symbol = pair % SYMBOLS.len();
        let (trader, condition) = TRADERS[pair / SYMBOLS.len()];
        let price = self.step(symbol);
        let open_time = self.base_open + candle * CANDLE_MS;
        SignalFrame {
            seq,
            trader_id: trader.to_owned(),
            symbol: SYMBOLS[symbol].0.to_owned(),
            interval: Interval::M1,
            open_time,
            close_time: open_time + CANDLE_MS - 1,
            price,
            conditions: vec![condition.to_owned()],
        }
    }

    /// A random walk of ±0.2 % per signal, rounded like Binance prices.
    fn step(&mut self, symbol: usize) -> f64 {
        let change = rand::rng().random_range(-0.002..0.002);
        let price = &mut self.prices[symbol];
        *price *= 1.0 + change;
        let digits = if *price >= 100.0 { 2 } else { 4 };
        let scale = 10f64.powi(digits);
        (*price * scale).round() / scale
    }

    /// A snapshot of a busy agent, `signals_total` signals since it started.
    pub fn metrics(&self, signals_total: u64) -> Metrics {
        let mut rng = rand::rng();
        Metrics {
            cpu_percent: rng.random_range(18.0..42.0),
            memory_bytes: 700_000_000 + rng.random_range(0..40_000_000),
            memory_limit_bytes: 2_147_483_648,
            uptime_seconds: self.started.elapsed().as_secs(),
            symbols: 412,
            streams_connected: 3,
            last_candle_age_seconds: Some(rng.random_range(0.5..20.0)),
            active_traders: TRADERS.len() as u32,
            evaluations_per_minute: 412 * TRADERS.len() as u64,
            queue_depth: rng.random_range(0..4),
            signals_total,
            errors_total: 0,
            binance_weight_used: rng.random_range(20..80),
            scale_recommendation: 2,
        }
    }
}

impl Default for Market {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_signals_share_a_trader_symbol_and_candle() {
        let mut market = Market::new();
        let mut keys = std::collections::HashSet::new();
        for seq in 1..=1_000 {
            let s = market.signal(seq);
            assert_eq!(s.seq, seq);
            assert_eq!(s.close_time, s.open_time + CANDLE_MS - 1);
            assert!(s.price > 0.0);
            assert!(
                keys.insert((s.trader_id, s.symbol, s.open_time)),
                "seq {seq} repeats a candle"
            );
        }
    }
}
