//! Candles kept resident inside a worker's JavaScript realm, per (symbol, interval), so a
//! candle close costs one new kline, not a rebuild of 500.
//!
//! Each series holds the last `history` klines as frozen 12-element Binance arrays. After an
//! update, [`ResidentSeries::snapshot`] gives one frozen array of them that every trader
//! evaluating the symbol on this close shares (filters cannot modify it for each other).
//!
//! Measured alternative: a fresh unfrozen copy per evaluation (no freeze, faster indexing)
//! costs a 500-element `slice()` (≈ 7 µs here) per trader instead of one slice + freeze
//! (≈ 18 µs) per close, which is slower as soon as four traders share a (symbol, interval).

use std::rc::Rc;

use rquickjs::{Array, Ctx, Persistent, Value};

use crate::filter::helpers::{freeze, snapshot, Columns, SharedData};
use crate::market::{decimal, Candle};

/// What the worker reserves per resident kline on top of the filters' memory cap: the kline
/// itself (a frozen 12-element array with up to 8 decimal strings, measured by the test below)
/// plus its share of the helper results cached for the latest close.
pub const KLINE_BYTES: usize = 1600;

/// One (symbol, interval)'s klines in JS.
pub struct ResidentSeries {
    /// Frozen kline arrays, oldest first; at most `history` long.
    klines: Persistent<Array<'static>>,
    /// The latest close's frozen snapshot and the id it is registered under for the native
    /// helpers (made on first use, released on update).
    snapshot: Option<(Persistent<Array<'static>>, u32)>,
    /// The same candles as columns for the native helpers, shared (not copied) with the
    /// registration of the latest close.
    columns: Rc<Columns>,
    history: usize,
    last_open_time: Option<i64>,
    /// The newest kline's close as a JS string, reused as the next kline's open when equal.
    last_close: Option<(u64, Persistent<Value<'static>>)>,
}

impl ResidentSeries {
    pub fn new(ctx: &Ctx<'_>, history: usize) -> rquickjs::Result<Self> {
        Ok(Self {
            klines: Persistent::save(ctx, Array::new(ctx.clone())?),
            snapshot: None,
            columns: Rc::new(Columns::with_capacity(history + 1)),
            history,
            last_open_time: None,
            last_close: None,
        })
    }

    /// Klines held.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Appends newer candles (an equal open time is a refresh of the last one and replaces
    /// it; older ones are ignored), trimming to `history`.
    pub fn apply(
        &mut self,
        ctx: &Ctx<'_>,
        data: &SharedData,
        candles: &[Candle],
    ) -> rquickjs::Result<()> {
        if candles.is_empty() {
            return Ok(());
        }
        // Release the previous close first, so its columns are ours again (no copy below).
        if let Some((_, id)) = self.snapshot.take() {
            data.borrow_mut().release(id);
        }
        let columns = Rc::make_mut(&mut self.columns);
        let klines = self.klines.clone().restore(ctx)?;
        let push: rquickjs::Function = klines.as_object().get("push")?;
        for candle in candles {
            let replaces = match self.last_open_time {
                Some(last) if candle.open_time < last => continue,
                Some(last) => candle.open_time == last,
                None => false,
            };
            let previous_close = match (&self.last_close, replaces) {
                (Some((bits, value)), false) => Some((*bits, value.clone().restore(ctx)?)),
                _ => None,
            };
            let (kline, close) = to_kline(ctx, data, candle, previous_close)?;
            if replaces {
                let index = klines.len().saturating_sub(1);
                klines.set(index, kline)?;
                columns.replace_last(candle);
            } else {
                push.call::<_, ()>((rquickjs::function::This(klines.clone()), kline))?;
                columns.push_candle(candle);
            }
            self.last_close = Some((close.0, Persistent::save(ctx, close.1)));
            self.last_open_time = Some(candle.open_time);
        }
        let excess = klines.len().saturating_sub(self.history);
        if excess > 0 {
            let splice: rquickjs::Function = klines.as_object().get("splice")?;
            splice.call::<_, ()>((rquickjs::function::This(klines.clone()), 0, excess))?;
        }
        columns.keep_last(self.history);
        Ok(())
    }

    /// The frozen array filters receive for the latest close, tagged with the id under which
    /// its columns are registered for the native helpers.
    pub fn snapshot<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        data: &SharedData,
    ) -> rquickjs::Result<Array<'js>> {
        if let Some((snapshot, _)) = &self.snapshot {
            return snapshot.clone().restore(ctx);
        }
        let klines = self.klines.clone();
        let id = data
            .borrow_mut()
            .register(Rc::clone(&self.columns), klines.clone());
        let made = snapshot(ctx, data, klines.restore(ctx)?, id)?;
        self.snapshot = Some((Persistent::save(ctx, made.clone()), id));
        Ok(made)
    }
}

/// A candle as the frozen 12-element Binance kline array, and its close (bits and JS string).
///
/// Decimal strings with the same value are created once and shared (JS strings are
/// immutable): `"0"` for unknown taker volumes and the ignore field, prices that repeat within
/// the kline (a close equal to the high, …) and an open equal to the previous kline's close
/// (`previous_close`), as it nearly always is. Resident klines are most of a worker's memory.
pub fn to_kline<'js>(
    ctx: &Ctx<'js>,
    data: &SharedData,
    c: &Candle,
    previous_close: Option<(u64, Value<'js>)>,
) -> rquickjs::Result<(Array<'js>, (u64, Value<'js>))> {
    let mut made: Vec<(u64, Value<'js>)> = Vec::with_capacity(9);
    made.extend(previous_close);
    let bits_of = |v: f64| if v == 0.0 { 0 } else { v.to_bits() };
    let mut text = |v: f64| -> rquickjs::Result<Value<'js>> {
        let bits = bits_of(v);
        if let Some((_, value)) = made.iter().find(|(b, _)| *b == bits) {
            return Ok(value.clone());
        }
        let v = if v == 0.0 { 0.0 } else { v }; // one "0", never "-0"
        let value = rquickjs::String::from_str(ctx.clone(), &decimal::shortest(v))?.into_value();
        made.push((bits, value.clone()));
        Ok(value)
    };
    let kline = Array::new(ctx.clone())?;
    let close = text(c.close)?;
    kline.set(0, c.open_time as f64)?;
    kline.set(1, text(c.open)?)?;
    kline.set(2, text(c.high)?)?;
    kline.set(3, text(c.low)?)?;
    kline.set(4, close.clone())?;
    kline.set(5, text(c.volume)?)?;
    kline.set(6, c.close_time as f64)?;
    kline.set(7, text(c.quote_volume_or_estimate())?)?;
    kline.set(8, c.trades.unwrap_or(0) as f64)?;
    kline.set(9, text(c.taker_buy_base_volume.unwrap_or(0.0))?)?;
    kline.set(10, text(c.taker_buy_quote_volume.unwrap_or(0.0))?)?;
    kline.set(11, text(0.0)?)?;
    freeze(ctx, data, kline.clone().into_value())?;
    Ok((kline, (bits_of(c.close), close)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::helpers::HelperData;
    use crate::market::Interval;

    /// Measures what a resident kline costs in the JS heap (prints it; asserts the estimate the
    /// worker reserves is not below it).
    #[test]
    fn resident_kline_cost_is_within_the_reserved_estimate() {
        let runtime = rquickjs::Runtime::new().unwrap();
        let context = rquickjs::Context::full(&runtime).unwrap();
        let data = SharedData::new(std::cell::RefCell::new(HelperData::default()));
        let before = runtime.memory_usage().memory_used_size;
        let candles: Vec<Candle> = (0..2000)
            .map(|i| {
                Candle::new(
                    i * 300_000,
                    Interval::M5,
                    16726.1 + i as f64,
                    16728.8,
                    16726.0,
                    16727.3,
                    691.508,
                )
            })
            .collect();
        let mut series = context.with(|ctx| ResidentSeries::new(&ctx, 2000).unwrap());
        context.with(|ctx| series.apply(&ctx, &data, &candles).unwrap());
        let after = runtime.memory_usage().memory_used_size;
        let per_kline = (after - before) as f64 / 2000.0;
        println!("one resident kline: {per_kline:.0} bytes");
        assert!(
            per_kline < KLINE_BYTES as f64 * 0.7,
            "{per_kline} bytes per kline leaves too little for caches"
        );
        drop(series);
        data.borrow_mut().clear();
    }
}
