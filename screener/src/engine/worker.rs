//! An evaluation worker: a thread that owns one [`Sandbox`] and the resident candle arrays of
//! the symbols assigned to it, and evaluates rounds of (symbol, traders) it is sent.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use rquickjs::{Array, CatchResultExt, Ctx, Object, Persistent, Value};

use super::resident::{ResidentSeries, KLINE_BYTES};
use crate::filter::helpers::{self, freeze, Call, HelperData, SharedData};
use crate::filter::{FilterError, FilterErrorKind, Limits, Sandbox, Verdict};
use crate::market::{Candle, Interval};
use crate::trader::Trader;

/// One symbol's part of a round: its new candles, its ticker, and the traders to run on it.
pub struct SymbolRound {
    pub symbol: String,
    /// Candles newer than what this worker holds, per interval (oldest first).
    pub updates: Vec<(Interval, Vec<Candle>)>,
    /// The 24 h ticker as Binance sends it (JSON object).
    pub ticker: serde_json::Value,
    pub traders: Vec<Arc<Trader>>,
}

/// One evaluation's result.
pub struct Outcome {
    pub trader_id: String,
    pub symbol: String,
    /// `None`: not evaluated, because the trader already exceeded its limits on
    /// [`LIMIT_FAILURES_PER_ROUND`] symbols in this round.
    pub result: Option<Result<Verdict, FilterError>>,
}

/// Deadline or memory-cap failures after which a trader is not run again in the same round,
/// so one runaway filter costs at most this many deadlines per worker, not one per symbol.
pub const LIMIT_FAILURES_PER_ROUND: u32 = 2;

/// Whether an error is the sandbox stopping a filter at one of its limits.
pub fn hit_limits(error: &FilterError) -> bool {
    matches!(
        error.kind,
        FilterErrorKind::Timeout | FilterErrorKind::OutOfMemory
    )
}

enum Command {
    Round(Vec<SymbolRound>, Sender<Vec<Outcome>>),
    Forget(String),
}

/// The engine's handle on a worker thread. Dropping it stops the thread after its current round.
pub struct Worker {
    commands: Option<Sender<Command>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts a worker; fails if its sandbox cannot be created.
    pub fn spawn(index: usize, limits: Limits, history: usize) -> Result<Self, String> {
        let (commands, inbox) = mpsc::channel();
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("screener-worker-{index}"))
            .spawn(move || match State::new(limits, history) {
                Ok(state) => {
                    let _ = ready_tx.send(Ok(()));
                    state.run(inbox);
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            })
            .map_err(|e| format!("starting worker {index}: {e}"))?;
        ready_rx
            .recv()
            .map_err(|_| format!("worker {index} died while starting"))??;
        Ok(Self {
            commands: Some(commands),
            thread: Some(thread),
        })
    }

    /// Sends a round; the outcomes arrive on the returned receiver.
    pub fn submit(&self, round: Vec<SymbolRound>) -> Receiver<Vec<Outcome>> {
        let (reply, outcomes) = mpsc::channel();
        if let Some(commands) = &self.commands {
            let _ = commands.send(Command::Round(round, reply));
        }
        outcomes
    }

    /// Drops a trader's compiled filter.
    pub fn forget(&self, trader_id: &str) {
        if let Some(commands) = &self.commands {
            let _ = commands.send(Command::Forget(trader_id.to_owned()));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.commands.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What lives on the worker thread. JS handles are released (see `Drop`) before the sandbox.
struct State {
    series: HashMap<(String, Interval), ResidentSeries>,
    helpers: Persistent<Object<'static>>,
    data: SharedData,
    history: usize,
    /// Heap of the realm before any candle (helpers, intrinsics), reserved with the candles.
    baseline: usize,
    /// Klines held by all resident series (kept up to date by `apply`).
    resident_klines: usize,
    sandbox: Sandbox,
}

impl Drop for State {
    fn drop(&mut self) {
        self.data.borrow_mut().clear();
        self.series.clear();
    }
}

impl State {
    fn new(limits: Limits, history: usize) -> Result<Self, String> {
        let sandbox = Sandbox::new(limits)?;
        let data = SharedData::new(std::cell::RefCell::new(HelperData::default()));
        let helpers = sandbox
            .with_ctx(|ctx| helpers::install(&ctx, &data))
            .map_err(|e| format!("preparing the worker's helpers: {e}"))?;
        let baseline = sandbox.memory_used();
        sandbox.reserve(baseline);
        Ok(Self {
            series: HashMap::new(),
            helpers,
            data,
            history,
            baseline,
            resident_klines: 0,
            sandbox,
        })
    }

    fn run(mut self, inbox: Receiver<Command>) {
        while let Ok(command) = inbox.recv() {
            match command {
                Command::Round(round, reply) => {
                    let mut failures = HashMap::new();
                    let outcomes = round
                        .into_iter()
                        .flat_map(|part| self.evaluate(part, &mut failures))
                        .collect();
                    let _ = reply.send(outcomes);
                }
                Command::Forget(id) => self.sandbox.remove(&id),
            }
        }
    }

    fn evaluate(&mut self, part: SymbolRound, failures: &mut HashMap<String, u32>) -> Vec<Outcome> {
        let symbol = part.symbol;
        let fail = |trader: &Trader, kind, message: String| Outcome {
            trader_id: trader.id.clone(),
            symbol: symbol.clone(),
            result: Some(Err(FilterError {
                kind,
                trader_id: trader.id.clone(),
                symbol: Some(symbol.clone()),
                message,
                line: None,
            })),
        };
        if let Err(e) = self.apply(&symbol, &part.updates) {
            let message = format!("updating the candles in the sandbox: {e}");
            return part
                .traders
                .iter()
                .map(|t| fail(t, FilterErrorKind::Runtime, message.clone()))
                .collect();
        }
        // One frozen ticker object per symbol and round, shared by its traders.
        let data = &self.data;
        let ticker = self.sandbox.with_ctx(|ctx| -> rquickjs::Result<_> {
            let ticker = freeze(&ctx, data, ctx.json_parse(part.ticker.to_string())?)?;
            Ok(Persistent::save(&ctx, ticker))
        });
        let ticker = match ticker {
            Ok(ticker) => ticker,
            Err(e) => {
                let message = format!("preparing the ticker: {e}");
                return part
                    .traders
                    .iter()
                    .map(|t| fail(t, FilterErrorKind::Runtime, message.clone()))
                    .collect();
            }
        };
        let mut outcomes = Vec::with_capacity(part.traders.len());
        for trader in &part.traders {
            let outcome = |result| Outcome {
                trader_id: trader.id.clone(),
                symbol: symbol.clone(),
                result,
            };
            if failures.get(&trader.id).copied().unwrap_or(0) >= LIMIT_FAILURES_PER_ROUND {
                outcomes.push(outcome(None));
                continue;
            }
            if let Err(e) = self
                .sandbox
                .compile(&trader.id, trader.version, &trader.filter.code)
            {
                outcomes.push(outcome(Some(Err(e.on_symbol(&symbol)))));
                continue;
            }
            let result = self.run_one(trader, &symbol, &ticker);
            if result.as_ref().is_err_and(hit_limits) {
                *failures.entry(trader.id.clone()).or_insert(0) += 1;
            }
            outcomes.push(outcome(Some(result)));
        }
        outcomes
    }

    fn apply(&mut self, symbol: &str, updates: &[(Interval, Vec<Candle>)]) -> Result<(), String> {
        let history = self.history;
        let series = &mut self.series;
        let data = &self.data;
        let count = &mut self.resident_klines;
        self.sandbox.with_ctx(|ctx| {
            let applied = (|| {
                for (interval, candles) in updates {
                    let resident = match series.entry((symbol.to_owned(), *interval)) {
                        Entry::Occupied(held) => held.into_mut(),
                        Entry::Vacant(slot) => slot.insert(ResidentSeries::new(&ctx, history)?),
                    };
                    let before = resident.len();
                    resident.apply(&ctx, data, candles)?;
                    *count = *count + resident.len() - before;
                }
                Ok::<_, rquickjs::Error>(())
            })();
            // Name the JavaScript exception instead of rquickjs' generic "Exception".
            applied.catch(&ctx).map_err(|e| e.to_string())
        })?;
        self.sandbox
            .reserve(self.baseline + self.resident_klines * KLINE_BYTES);
        Ok(())
    }

    fn run_one(
        &mut self,
        trader: &Trader,
        symbol: &str,
        ticker: &Persistent<Value<'static>>,
    ) -> Result<Verdict, FilterError> {
        let series = &mut self.series;
        let helpers = &self.helpers;
        let data = &self.data;
        let timeframes = trader.timeframes();
        // hvnNodes come from the longest required timeframe, as the original computed them,
        // and only for filters that can read them.
        let longest = timeframes
            .iter()
            .copied()
            .max_by_key(|i| i.duration_ms())
            .filter(|_| self.sandbox.reads_nodes(&trader.id));
        self.sandbox.evaluate(&trader.id, symbol, |ctx: &Ctx<'_>| {
            let ticker = ticker.clone().restore(ctx)?;
            let frames = Object::new(ctx.clone())?;
            let mut nodes = None;
            for interval in &timeframes {
                let key = (symbol.to_owned(), *interval);
                let klines: Value = match series.get_mut(&key) {
                    Some(resident) => resident.snapshot(ctx, data)?.into_value(),
                    None => Array::new(ctx.clone())?.into_value(),
                };
                if Some(*interval) == longest {
                    let call = Call {
                        ctx: ctx.clone(),
                        data: data.clone(),
                        name: "hvnNodes",
                        args: vec![klines.clone()],
                    };
                    nodes = Some(helpers::default_nodes(&call)?);
                }
                frames.set(interval.as_str(), klines)?;
            }
            // `frames` is this evaluation's own object: nothing to protect by freezing it.
            let frames = frames.into_value();
            let nodes = match nodes {
                Some(nodes) => nodes,
                None => Array::new(ctx.clone())?.into_value(),
            };
            Ok([
                ticker,
                frames,
                helpers.clone().restore(ctx)?.into_value(),
                nodes,
            ])
        })
    }
}
