//! Candles kept resident inside a worker's JavaScript realm, per (symbol, interval), so a
//! candle close costs one new kline, not a rebuild of 500.
//!
//! Each series holds the last `history` klines as frozen 12-element Binance arrays. After an
//! update, [`ResidentSeries::snapshot`] gives one frozen array of them that every trader
//! evaluating the symbol on this close shares (filters cannot modify it for each other).

use rquickjs::{Array, Ctx, Object, Persistent};

use crate::market::{decimal, Candle};

/// One (symbol, interval)'s klines in JS.
pub struct ResidentSeries {
    /// Frozen kline arrays, oldest first; at most `history` long.
    klines: Persistent<Array<'static>>,
    /// The frozen snapshot for the latest close (built lazily, dropped on update).
    snapshot: Option<Persistent<Array<'static>>>,
    history: usize,
    last_open_time: Option<i64>,
}

impl ResidentSeries {
    pub fn new(ctx: &Ctx<'_>, history: usize) -> rquickjs::Result<Self> {
        Ok(Self {
            klines: Persistent::save(ctx, Array::new(ctx.clone())?),
            snapshot: None,
            history,
            last_open_time: None,
        })
    }

    /// Appends newer candles (older or equal open times are refreshes of the last one and
    /// replace it), trimming to `history`.
    pub fn apply(&mut self, ctx: &Ctx<'_>, candles: &[Candle]) -> rquickjs::Result<()> {
        if candles.is_empty() {
            return Ok(());
        }
        let klines = self.klines.clone().restore(ctx)?;
        let push: rquickjs::Function = klines.as_object().get("push")?;
        for candle in candles {
            let kline = to_kline(ctx, candle)?;
            match self.last_open_time {
                Some(last) if candle.open_time == last => {
                    let index = klines.len().saturating_sub(1);
                    klines.set(index, kline)?;
                }
                Some(last) if candle.open_time < last => continue,
                _ => {
                    push.call::<_, ()>((rquickjs::function::This(klines.clone()), kline))?;
                }
            }
            self.last_open_time = Some(candle.open_time);
        }
        let excess = klines.len().saturating_sub(self.history);
        if excess > 0 {
            let splice: rquickjs::Function = klines.as_object().get("splice")?;
            splice.call::<_, ()>((rquickjs::function::This(klines.clone()), 0, excess))?;
        }
        self.snapshot = None;
        Ok(())
    }

    /// The frozen array filters receive for the latest close.
    pub fn snapshot<'js>(&mut self, ctx: &Ctx<'js>) -> rquickjs::Result<Array<'js>> {
        if let Some(snapshot) = &self.snapshot {
            return snapshot.clone().restore(ctx);
        }
        let klines = self.klines.clone().restore(ctx)?;
        let slice: rquickjs::Function = klines.as_object().get("slice")?;
        let copy: Array = slice.call((rquickjs::function::This(klines),))?;
        freeze(ctx, copy.as_object())?;
        self.snapshot = Some(Persistent::save(ctx, copy.clone()));
        Ok(copy)
    }
}

/// A candle as the frozen 12-element Binance kline array.
pub fn to_kline<'js>(ctx: &Ctx<'js>, c: &Candle) -> rquickjs::Result<Array<'js>> {
    let kline = Array::new(ctx.clone())?;
    kline.set(0, c.open_time as f64)?;
    kline.set(1, decimal::shortest(c.open))?;
    kline.set(2, decimal::shortest(c.high))?;
    kline.set(3, decimal::shortest(c.low))?;
    kline.set(4, decimal::shortest(c.close))?;
    kline.set(5, decimal::shortest(c.volume))?;
    kline.set(6, c.close_time as f64)?;
    kline.set(7, decimal::shortest(c.quote_volume_or_estimate()))?;
    kline.set(8, c.trades.unwrap_or(0) as f64)?;
    kline.set(9, decimal::shortest(c.taker_buy_base_volume.unwrap_or(0.0)))?;
    kline.set(
        10,
        decimal::shortest(c.taker_buy_quote_volume.unwrap_or(0.0)),
    )?;
    kline.set(11, "0")?;
    freeze(ctx, kline.as_object())?;
    Ok(kline)
}

/// `Object.freeze(object)`.
pub fn freeze<'js>(ctx: &Ctx<'js>, object: &Object<'js>) -> rquickjs::Result<()> {
    let object_ctor: Object = ctx.globals().get("Object")?;
    let freeze: rquickjs::Function = object_ctor.get("freeze")?;
    freeze.call::<_, ()>((object.clone(),))
}
