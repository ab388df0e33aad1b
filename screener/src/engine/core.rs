//! The engine: traders evaluated on the close of each candle of their `refreshInterval`, for
//! every symbol of their universe, in parallel over worker threads; matches turned into
//! numbered signals under the cooldown rule; per-trader counts.
//!
//! The engine is synchronous and owns no I/O: a caller (the agent's live feed, the replay of
//! recorded files, the desktop's local mode) hands it closed candles in rounds — every candle
//! that closed at the same moment — and receives the signals and errors of that round.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::cooldown::Cooldowns;
use super::registry::{Change, Registry, RegistryError};
use super::signal::Signal;
use super::worker::{hit_limits, Outcome, SymbolRound, Worker};
use crate::filter::{FilterError, FilterErrorKind, Limits, Sandbox};
use crate::market::{Candle, CandleStore, Interval, SeriesKey, Ticker, Upsert};
use crate::trader::record::{DEFAULT_HISTORY, MAX_HISTORY};
use crate::trader::Trader;

/// Engine settings.
#[derive(Debug, Clone, Copy)]
pub struct EngineConfig {
    /// Evaluation threads (default: the machine's cores).
    pub workers: usize,
    /// Candles per interval a filter sees (default 500, at most 1500).
    pub history: usize,
    /// Sandbox limits per worker.
    pub limits: Limits,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            history: DEFAULT_HISTORY,
            limits: Limits::default(),
        }
    }
}

/// A candle that closed.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedCandle {
    pub symbol: String,
    pub interval: Interval,
    pub candle: Candle,
}

/// Consecutive rounds in which a trader hit its sandbox limits before it is quarantined.
pub const QUARANTINE_AFTER_ROUNDS: u32 = 3;

/// Counts per trader.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraderStats {
    pub evaluations: u64,
    pub errors: u64,
    pub signals: u64,
    /// Evaluations not run because the trader had already hit its limits in that round.
    pub skipped: u64,
    /// Paused by the engine after hitting its limits in [`QUARANTINE_AFTER_ROUNDS`] rounds in
    /// a row; a new version (or enabling it again) resumes it.
    pub quarantined: bool,
    #[serde(skip)]
    limit_rounds: u32,
}

/// What one round produced.
#[derive(Debug, Default)]
pub struct RoundReport {
    pub signals: Vec<Signal>,
    pub errors: Vec<FilterError>,
    pub evaluations: usize,
}

/// Why the engine refused a request.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Registry(#[from] RegistryError),
    #[error("invalid trader: {0}")]
    Filter(FilterError),
    #[error("history must be 1–{MAX_HISTORY} candles, not {0}")]
    History(usize),
    #[error("{0}")]
    Start(String),
}

/// The screener engine.
pub struct Engine {
    config: EngineConfig,
    registry: Registry,
    store: CandleStore,
    cooldowns: Cooldowns,
    /// Closed candles seen per series: the candle index the cooldown counts in.
    candle_index: HashMap<SeriesKey, u64>,
    /// Open time of the newest candle each series' worker holds.
    sent: HashMap<SeriesKey, i64>,
    /// (trader, symbol) pairs already told they lack a timeframe.
    missing_reported: HashSet<(String, String)>,
    stats: BTreeMap<String, TraderStats>,
    seq: u64,
    paused: bool,
    checker: Sandbox,
    workers: Vec<Worker>,
}

/// Candles kept per series: the history, and a full day of the smallest interval for the
/// derived 24 h ticker.
fn capacity(history: usize, interval: Interval) -> usize {
    let day = (24 * 60 * 60 * 1000 / interval.duration_ms().max(1)) as usize + 1;
    history.max(day)
}

impl Engine {
    /// Starts the worker threads.
    pub fn new(config: EngineConfig) -> Result<Self, EngineError> {
        if !(1..=MAX_HISTORY).contains(&config.history) {
            return Err(EngineError::History(config.history));
        }
        let workers = (0..config.workers.max(1))
            .map(|i| Worker::spawn(i, config.limits, config.history))
            .collect::<Result<Vec<_>, _>>()
            .map_err(EngineError::Start)?;
        Ok(Self {
            config,
            registry: Registry::default(),
            store: CandleStore::new(capacity(config.history, Interval::M1)),
            cooldowns: Cooldowns::default(),
            candle_index: HashMap::new(),
            sent: HashMap::new(),
            missing_reported: HashSet::new(),
            stats: BTreeMap::new(),
            seq: 0,
            paused: false,
            checker: Sandbox::new(config.limits).map_err(EngineError::Start)?,
            workers,
        })
    }

    /// Adds or updates a trader (by version). Its filter is compiled first: a syntax error
    /// refuses it here and never reaches a round.
    pub fn upsert_trader(&mut self, trader: Trader) -> Result<Change, EngineError> {
        if let Some(current) = self.registry.get(&trader.id) {
            if current.version >= trader.version {
                return Ok(self.registry.upsert(trader)?);
            }
        }
        self.checker
            .compile(&trader.id, trader.version, &trader.filter.code)
            .map_err(EngineError::Filter)?;
        self.checker.remove(&trader.id);
        let id = trader.id.clone();
        let change = self.registry.upsert(trader)?;
        if change == Change::Updated {
            self.cooldowns.forget_trader(&id);
            self.workers.iter().for_each(|w| w.forget(&id));
        }
        let stats = self.stats.entry(id).or_default();
        stats.quarantined = false;
        stats.limit_rounds = 0;
        Ok(change)
    }

    /// Removes a trader.
    pub fn remove_trader(&mut self, id: &str) -> Result<(), EngineError> {
        self.registry.remove(id)?;
        self.cooldowns.forget_trader(id);
        self.workers.iter().for_each(|w| w.forget(id));
        Ok(())
    }

    /// Enables or pauses one trader.
    pub fn set_trader_enabled(&mut self, id: &str, enabled: bool) -> Result<(), EngineError> {
        self.registry.set_enabled(id, enabled)?;
        if enabled {
            let stats = self.stats.entry(id.to_owned()).or_default();
            stats.quarantined = false;
            stats.limit_rounds = 0;
        }
        Ok(())
    }

    /// Stops evaluating (candles are still stored) / resumes.
    pub fn pause(&mut self) {
        self.paused = true;
    }
    pub fn resume(&mut self) {
        self.paused = false;
    }
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Counts per trader, by id.
    pub fn stats(&self) -> &BTreeMap<String, TraderStats> {
        &self.stats
    }

    /// The loaded traders.
    pub fn traders(&self) -> impl Iterator<Item = &Arc<Trader>> {
        self.registry.iter()
    }

    /// The candle store (read-only).
    pub fn store(&self) -> &CandleStore {
        &self.store
    }

    /// Stores a round of closed candles and evaluates every trader due on them.
    pub fn close_candles(&mut self, closes: &[ClosedCandle]) -> RoundReport {
        let mut due: Vec<(ClosedCandle, u64)> = Vec::new();
        for close in closes {
            let key = SeriesKey::new(&close.symbol, close.interval);
            let capacity = capacity(self.config.history, close.interval);
            let outcome = self
                .store
                .series_with_capacity(&close.symbol, close.interval, capacity)
                .upsert(close.candle);
            let index = self.candle_index.entry(key).or_insert(0);
            if matches!(outcome, Upsert::Appended) {
                *index += 1;
            }
            if matches!(outcome, Upsert::Appended | Upsert::Refreshed) {
                due.push((close.clone(), *index));
            }
        }
        if self.paused {
            return RoundReport::default();
        }
        self.evaluate(&due)
    }

    fn evaluate(&mut self, due: &[(ClosedCandle, u64)]) -> RoundReport {
        let mut report = RoundReport::default();
        // symbol → (its closes this round, traders due on it)
        let mut per_symbol: BTreeMap<String, Vec<(Arc<Trader>, Interval)>> = BTreeMap::new();
        for (close, _) in due {
            for trader in self.registry.iter() {
                let runs_here = trader.enabled
                    && trader.filter.refresh_interval == close.interval
                    && trader
                        .filter
                        .symbols
                        .as_ref()
                        .is_none_or(|s| s.iter().any(|x| x == &close.symbol));
                if !runs_here {
                    continue;
                }
                if let Some(missing) = self.missing_timeframe(trader, &close.symbol) {
                    if self
                        .missing_reported
                        .insert((trader.id.clone(), close.symbol.clone()))
                    {
                        report.errors.push(FilterError {
                            kind: FilterErrorKind::Runtime,
                            trader_id: trader.id.clone(),
                            symbol: Some(close.symbol.clone()),
                            message: format!(
                                "no {missing} candles for {} (required timeframe)",
                                close.symbol
                            ),
                            line: None,
                        });
                        self.stats.entry(trader.id.clone()).or_default().errors += 1;
                    }
                    continue;
                }
                per_symbol
                    .entry(close.symbol.clone())
                    .or_default()
                    .push((Arc::clone(trader), close.interval));
            }
        }
        if per_symbol.is_empty() {
            return report;
        }
        let n = self.workers.len();
        let mut rounds: Vec<Vec<SymbolRound>> = (0..n).map(|_| Vec::new()).collect();
        for (symbol, traders) in &per_symbol {
            let part = self.symbol_round(symbol, traders);
            rounds[worker_of(symbol, n)].push(part);
        }
        let pending: Vec<_> = rounds
            .into_iter()
            .enumerate()
            .filter(|(_, r)| !r.is_empty())
            .map(|(i, r)| self.workers[i].submit(r))
            .collect();
        let mut outcomes: Vec<Outcome> = pending
            .into_iter()
            .flat_map(|rx| rx.recv().unwrap_or_default())
            .collect();
        outcomes.sort_by(|a, b| (&a.symbol, &a.trader_id).cmp(&(&b.symbol, &b.trader_id)));

        let closes: HashMap<(&str, Interval), &(ClosedCandle, u64)> = due
            .iter()
            .map(|d| ((d.0.symbol.as_str(), d.0.interval), d))
            .collect();
        let mut hit_this_round: std::collections::BTreeSet<String> = Default::default();
        for outcome in outcomes {
            let Some(trader) = self.registry.get(&outcome.trader_id).cloned() else {
                continue;
            };
            let stats = self.stats.entry(trader.id.clone()).or_default();
            let Some(result) = outcome.result else {
                stats.skipped += 1;
                hit_this_round.insert(trader.id.clone());
                continue;
            };
            report.evaluations += 1;
            stats.evaluations += 1;
            if result.as_ref().is_err_and(hit_limits) {
                hit_this_round.insert(trader.id.clone());
            }
            match result {
                Err(error) => {
                    stats.errors += 1;
                    report.errors.push(error);
                }
                Ok(verdict) if verdict.matched => {
                    let interval = trader.filter.refresh_interval;
                    let Some((close, index)) = closes.get(&(outcome.symbol.as_str(), interval))
                    else {
                        continue;
                    };
                    if self.cooldowns.admit(
                        &trader.id,
                        &outcome.symbol,
                        interval,
                        *index,
                        trader.filter.cooldown_bars,
                    ) {
                        self.seq += 1;
                        stats.signals += 1;
                        report.signals.push(Signal {
                            seq: self.seq,
                            trader_id: trader.id.clone(),
                            symbol: outcome.symbol.clone(),
                            interval,
                            open_time: close.candle.open_time,
                            close_time: close.candle.close_time,
                            price: close.candle.close,
                            conditions: verdict.conditions,
                        });
                    }
                }
                Ok(_) => {}
            }
        }
        self.track_limits(&per_symbol, &hit_this_round, &mut report);
        report
    }

    /// Quarantines traders that hit their limits in [`QUARANTINE_AFTER_ROUNDS`] rounds in a
    /// row (a runaway filter would otherwise cost deadlines every round); resets the count of
    /// those that ran within them.
    fn track_limits(
        &mut self,
        ran: &BTreeMap<String, Vec<(Arc<Trader>, Interval)>>,
        hit: &std::collections::BTreeSet<String>,
        report: &mut RoundReport,
    ) {
        let ran: std::collections::BTreeSet<&str> =
            ran.values().flatten().map(|(t, _)| t.id.as_str()).collect();
        for id in ran {
            let stats = self.stats.entry(id.to_owned()).or_default();
            if !hit.contains(id) {
                stats.limit_rounds = 0;
                continue;
            }
            stats.limit_rounds += 1;
            if stats.limit_rounds >= QUARANTINE_AFTER_ROUNDS
                && self.registry.set_enabled(id, false).is_ok()
            {
                stats.quarantined = true;
                stats.errors += 1;
                report.errors.push(FilterError {
                    kind: FilterErrorKind::Quarantined,
                    trader_id: id.to_owned(),
                    symbol: None,
                    message: format!(
                        "paused: the filter exceeded its time or memory limits in {QUARANTINE_AFTER_ROUNDS} rounds in a row; fix it and save a new version (or enable it again) to resume"
                    ),
                    line: None,
                });
            }
        }
    }

    /// The first required timeframe with no candles for `symbol`.
    fn missing_timeframe(&self, trader: &Trader, symbol: &str) -> Option<Interval> {
        trader
            .timeframes()
            .into_iter()
            .find(|i| self.store.series(symbol, *i).is_none_or(|s| s.is_empty()))
    }

    /// A symbol's work for its worker: candles it has not been sent yet, and the ticker.
    fn symbol_round(&mut self, symbol: &str, traders: &[(Arc<Trader>, Interval)]) -> SymbolRound {
        let intervals: std::collections::BTreeSet<Interval> =
            traders.iter().flat_map(|(t, _)| t.timeframes()).collect();
        let mut updates = Vec::new();
        for interval in intervals {
            let Some(series) = self.store.series(symbol, interval) else {
                continue;
            };
            let key = SeriesKey::new(symbol, interval);
            let window = series.last_n(self.config.history);
            let since = self.sent.get(&key).copied();
            let fresh: Vec<Candle> = window
                .iter()
                .filter(|c| since.is_none_or(|s| c.open_time >= s))
                .collect();
            if let Some(last) = fresh.last() {
                self.sent.insert(key, last.open_time);
            }
            updates.push((interval, fresh));
        }
        SymbolRound {
            symbol: symbol.to_owned(),
            updates,
            ticker: self.ticker(symbol),
            traders: traders.iter().map(|(t, _)| Arc::clone(t)).collect(),
        }
    }

    /// The rolling 24 h ticker of the symbol's smallest stored interval.
    fn ticker(&self, symbol: &str) -> serde_json::Value {
        let smallest = Interval::ALL
            .iter()
            .filter_map(|i| self.store.series(symbol, *i).filter(|s| !s.is_empty()))
            .next();
        smallest
            .and_then(|s| {
                s.last()
                    .and_then(|last| Ticker::rolling_24h(symbol, s, last.open_time))
            })
            .map(|t| t.to_json())
            .unwrap_or_else(|| serde_json::json!({ "s": symbol, "symbol": symbol }))
    }
}

/// The worker a symbol always goes to (its resident candles live there).
fn worker_of(symbol: &str, workers: usize) -> usize {
    let hash = symbol.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (hash % workers as u64) as usize
}
