//! Candle columns the native helpers compute on, and the cache of their results.
//!
//! The engine registers the columns of each (symbol, interval)'s latest close and gives every
//! evaluation on it one frozen snapshot of the resident kline array, tagged with a hidden id
//! ([`SERIES_ID`]). A helper called with such an array reads the Rust
//! columns directly — no candle is copied out of JavaScript — and a primitive result is cached
//! per (close, helper, parameters) and shared by every trader on that close (see
//! [`super::Call::cached`] for why arrays are not). Arrays built or changed by filter code are
//! read element by element instead.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use rquickjs::{Array, Ctx, Function, Object, Persistent, Value};

use crate::market::Candle;

/// Hidden (non-enumerable) property holding a snapshot's id.
pub const SERIES_ID: &str = "__tmSeries";

/// A series' values by field, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Columns {
    pub open_time: Vec<f64>,
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub volume: Vec<f64>,
    /// Taker-buy base volume (0 where unknown).
    pub taker_buy: Vec<f64>,
}

impl Columns {
    pub fn with_capacity(n: usize) -> Self {
        let v = || Vec::with_capacity(n);
        Columns {
            open_time: v(),
            open: v(),
            high: v(),
            low: v(),
            close: v(),
            volume: v(),
            taker_buy: v(),
        }
    }

    /// Appends a candle.
    pub fn push_candle(&mut self, c: &Candle) {
        let ohlcv = [c.open, c.high, c.low, c.close, c.volume];
        self.push(
            c.open_time as f64,
            ohlcv,
            c.taker_buy_base_volume.unwrap_or(0.0),
        );
    }

    /// Replaces the newest candle (its final version after an incomplete one).
    pub fn replace_last(&mut self, c: &Candle) {
        if !self.is_empty() {
            self.truncate(self.len() - 1);
        }
        self.push_candle(c);
    }

    /// Drops the oldest candles beyond `n`.
    pub fn keep_last(&mut self, n: usize) {
        let excess = self.len().saturating_sub(n);
        if excess > 0 {
            for column in self.all_mut() {
                column.drain(..excess);
            }
        }
    }

    fn truncate(&mut self, n: usize) {
        for column in self.all_mut() {
            column.truncate(n);
        }
    }

    fn all_mut(&mut self) -> [&mut Vec<f64>; 7] {
        [
            &mut self.open_time,
            &mut self.open,
            &mut self.high,
            &mut self.low,
            &mut self.close,
            &mut self.volume,
            &mut self.taker_buy,
        ]
    }

    pub fn push(&mut self, open_time: f64, ohlcv: [f64; 5], taker_buy: f64) {
        let [o, h, l, c, v] = ohlcv;
        self.open_time.push(open_time);
        self.open.push(o);
        self.high.push(h);
        self.low.push(l);
        self.close.push(c);
        self.volume.push(v);
        self.taker_buy.push(taker_buy);
    }

    pub fn len(&self) -> usize {
        self.close.len()
    }

    pub fn is_empty(&self) -> bool {
        self.close.is_empty()
    }
}

type CacheKey = (u32, &'static str, Vec<u64>);

/// One registered close: the columns, the resident kline array copies are made of, and the
/// helper results computed on it.
struct Registered {
    columns: Rc<Columns>,
    klines: Persistent<Array<'static>>,
    results: HashMap<(&'static str, Vec<u64>), Persistent<Value<'static>>>,
}

/// The registered closes of one worker and the cached helper results on them.
#[derive(Default)]
pub struct HelperData {
    /// `Object.freeze` of the realm (for the klines and tickers all traders share).
    pub freeze: Option<Persistent<Function<'static>>>,
    /// `(klines, id) => frozen copy tagged with id` (set by [`super::install`]).
    pub snapshot: Option<Persistent<Function<'static>>>,
    next_id: u32,
    registered: HashMap<u32, Registered>,
}

/// Shared between the worker and the helper functions living in its realm.
pub type SharedData = Rc<RefCell<HelperData>>;

impl HelperData {
    /// Registers a close: its columns (shared with the series that owns them) and the resident
    /// kline array evaluations get copies of; returns its id.
    pub fn register(&mut self, columns: Rc<Columns>, klines: Persistent<Array<'static>>) -> u32 {
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let registered = Registered {
            columns,
            klines,
            results: HashMap::new(),
        };
        self.registered.insert(self.next_id, registered);
        self.next_id
    }

    /// Forgets a close (replaced by a newer one) and its cached results.
    pub fn release(&mut self, id: u32) {
        self.registered.remove(&id);
    }

    /// The columns and resident klines of a registered close.
    pub fn close(&self, id: u32) -> Option<(Rc<Columns>, Persistent<Array<'static>>)> {
        self.registered
            .get(&id)
            .map(|r| (Rc::clone(&r.columns), r.klines.clone()))
    }

    pub fn cached(&self, key: &CacheKey) -> Option<Persistent<Value<'static>>> {
        let (id, name, params) = key;
        self.registered
            .get(id)?
            .results
            .get(&(*name, params.clone()))
            .cloned()
    }

    pub fn store(&mut self, key: CacheKey, value: Persistent<Value<'static>>) {
        let (id, name, params) = key;
        if let Some(registered) = self.registered.get_mut(&id) {
            registered.results.insert((name, params), value);
        }
    }

    /// Drops every JS value held, before the realm goes away.
    pub fn clear(&mut self) {
        self.freeze = None;
        self.snapshot = None;
        self.registered.clear();
    }
}

/// `Object.freeze(value)` through the realm's cached function (set by [`super::install`]).
pub fn freeze<'js>(
    ctx: &Ctx<'js>,
    data: &SharedData,
    value: Value<'js>,
) -> rquickjs::Result<Value<'js>> {
    let cached = data.borrow().freeze.clone();
    let freeze: Function = match cached {
        Some(f) => f.restore(ctx)?,
        None => ctx.globals().get::<_, Object>("Object")?.get("freeze")?,
    };
    freeze.call::<_, ()>((value.clone(),))?;
    Ok(value)
}

fn not_installed() -> rquickjs::Error {
    rquickjs::Error::new_from_js_message(
        "helpers",
        "klines",
        "the realm's helpers are not installed",
    )
}

/// The frozen snapshot of a registered close's resident klines that every evaluation on that
/// close shares, tagged with the close's id.
pub fn snapshot<'js>(
    ctx: &Ctx<'js>,
    data: &SharedData,
    klines: Array<'js>,
    id: u32,
) -> rquickjs::Result<Array<'js>> {
    let function = data.borrow().snapshot.clone();
    match function {
        Some(function) => function.restore(ctx)?.call((klines, id)),
        None => Err(not_installed()),
    }
}

/// Source of the function behind [`snapshot`].
pub const SNAPSHOT_JS: &str = "(klines, id) => { const copy = klines.slice(); \
     Object.defineProperty(copy, '__tmSeries', { value: id }); return Object.freeze(copy); }";
