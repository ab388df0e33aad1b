//! The de-duplication rule of `trader-filters.md`: a signal at candle index `i` of a
//! (trader, symbol, interval) blocks matches at `i+1 … i+cooldownBars−1`; a match at
//! `i+cooldownBars` or later fires again. Candle indexes count closed candles of that series,
//! so gaps in time do not shorten or lengthen a cooldown.

use std::collections::HashMap;

use crate::market::Interval;

type Key = (String, String, Interval);

/// Where each (trader, symbol, interval) last fired.
#[derive(Debug, Default)]
pub struct Cooldowns {
    last_signal: HashMap<Key, u64>,
}

impl Cooldowns {
    /// Whether a match at `candle_index` may fire; records it when it does.
    pub fn admit(
        &mut self,
        trader: &str,
        symbol: &str,
        interval: Interval,
        candle_index: u64,
        bars: u32,
    ) -> bool {
        let key = (trader.to_owned(), symbol.to_owned(), interval);
        match self.last_signal.get(&key) {
            Some(&last) if candle_index < last.saturating_add(u64::from(bars)) => false,
            _ => {
                self.last_signal.insert(key, candle_index);
                true
            }
        }
    }

    /// Forgets a trader (removed, or updated with new code).
    pub fn forget_trader(&mut self, trader: &str) {
        self.last_signal.retain(|(t, _, _), _| t != trader);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_blocks_the_next_bars_minus_one_matches() {
        let mut c = Cooldowns::default();
        let i = Interval::M5;
        assert!(c.admit("t", "BTC", i, 10, 3));
        assert!(!c.admit("t", "BTC", i, 11, 3));
        assert!(!c.admit("t", "BTC", i, 12, 3));
        assert!(
            c.admit("t", "BTC", i, 13, 3),
            "i + cooldownBars fires again"
        );
        assert!(!c.admit("t", "BTC", i, 14, 3));
    }

    #[test]
    fn keys_are_independent_and_cooldown_one_never_blocks() {
        let mut c = Cooldowns::default();
        assert!(c.admit("t", "BTC", Interval::M5, 1, 50));
        assert!(c.admit("t", "ETH", Interval::M5, 1, 50));
        assert!(c.admit("u", "BTC", Interval::M5, 1, 50));
        assert!(c.admit("t", "BTC", Interval::H1, 1, 50));
        for n in 0..5 {
            assert!(c.admit("every", "BTC", Interval::M1, n, 1));
        }
        c.forget_trader("t");
        assert!(c.admit("t", "BTC", Interval::M5, 2, 50));
    }
}
