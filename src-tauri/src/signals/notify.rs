//! Desktop notifications for new signals, rate-limited: per trader at most one per
//! [`PER_TRADER_MS`], overall at most [`OVERALL_MAX`] per [`WINDOW_MS`]. What is held back is
//! counted and told in one "N more signals" notice as soon as the overall budget allows.
//! Only traders with `cloud.notifyOnSignal` notify; the caller checks that. The clock is
//! passed in (ms), so tests control it.

use std::collections::{HashMap, VecDeque};

use super::view::SignalView;

pub const PER_TRADER_MS: i64 = 60_000;
pub const WINDOW_MS: i64 = 60_000;
pub const OVERALL_MAX: usize = 5;

/// A notification to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

impl Notice {
    fn of(signal: &SignalView) -> Self {
        Self {
            title: format!("{}: {}", signal.trader_name, signal.symbol),
            body: format!(
                "{} signal at {} ({})",
                signal.interval,
                signal.price,
                match signal.source {
                    super::SignalSource::Cloud => "cloud",
                    super::SignalSource::Local => "local",
                }
            ),
        }
    }

    fn more(count: u32) -> Self {
        Self {
            title: "TradeMind".into(),
            body: if count == 1 {
                "1 more signal".into()
            } else {
                format!("{count} more signals")
            },
        }
    }
}

/// The limiter's memory.
#[derive(Debug, Default)]
pub struct NotifyLimiter {
    last_per_trader: HashMap<String, i64>,
    shown: VecDeque<i64>,
    held_back: u32,
}

impl NotifyLimiter {
    /// A new signal at `now`: the notices to show now (none, the signal's, or first a
    /// coalesced "N more" when the budget has room again).
    pub fn offer(&mut self, signal: &SignalView, now: i64) -> Vec<Notice> {
        let mut out = self.flush(now);
        let recent = self
            .last_per_trader
            .get(&signal.trader_id)
            .is_some_and(|at| now - at < PER_TRADER_MS);
        if recent || !self.has_room(now) {
            self.held_back += 1;
            return out;
        }
        self.last_per_trader.insert(signal.trader_id.clone(), now);
        self.shown.push_back(now);
        out.push(Notice::of(signal));
        out
    }

    /// The coalesced notice of held-back signals, if there are some and the budget has room.
    /// Call it now and then (e.g. every few seconds) so a quiet spell still tells them.
    pub fn flush(&mut self, now: i64) -> Vec<Notice> {
        if self.held_back == 0 || !self.has_room(now) {
            return Vec::new();
        }
        let count = std::mem::take(&mut self.held_back);
        self.shown.push_back(now);
        vec![Notice::more(count)]
    }

    /// Signals held back and not told yet.
    pub fn held_back(&self) -> u32 {
        self.held_back
    }

    fn has_room(&mut self, now: i64) -> bool {
        while self.shown.front().is_some_and(|at| now - at >= WINDOW_MS) {
            self.shown.pop_front();
        }
        self.shown.len() < OVERALL_MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::SignalSource;
    use screener::market::Interval;

    fn signal(trader: &str) -> SignalView {
        SignalView {
            key: "k".into(),
            seq: 1,
            source: SignalSource::Local,
            trader_id: trader.into(),
            trader_name: trader.to_uppercase(),
            symbol: "BTCUSDT".into(),
            interval: Interval::M5,
            price: 1.5,
            open_time: 0,
            close_time: 0,
            received_at: 0,
            conditions: vec![],
            decision: None,
            direction: None,
            confidence: None,
        }
    }

    #[test]
    fn one_per_trader_per_minute() {
        let mut limiter = NotifyLimiter::default();
        assert_eq!(limiter.offer(&signal("a"), 0).len(), 1);
        assert!(limiter.offer(&signal("a"), 59_999).is_empty());
        assert_eq!(limiter.held_back(), 1);
        // Another trader is not held back by `a`; a's minute over: the "1 more" comes first.
        assert_eq!(limiter.offer(&signal("b"), 1_000)[0].body, "1 more signal");
        let later = limiter.offer(&signal("a"), 60_000);
        assert_eq!(later.len(), 1);
        assert!(later[0].title.starts_with("A:"));
    }

    #[test]
    fn five_a_minute_overall_and_the_rest_coalesced() {
        let mut limiter = NotifyLimiter::default();
        let mut shown = 0;
        for i in 0..12 {
            shown += limiter.offer(&signal(&format!("t{i}")), i * 100).len();
        }
        assert_eq!(shown, OVERALL_MAX);
        assert_eq!(limiter.held_back(), 7);
        // Still within the minute: nothing more.
        assert!(limiter.flush(59_000).is_empty());
        // The first notice left the window: one notice tells all seven.
        let told = limiter.flush(60_000);
        assert_eq!(told, vec![Notice::more(7)]);
        assert_eq!(limiter.held_back(), 0);
        assert!(limiter.flush(120_000).is_empty(), "told once");
    }
}
