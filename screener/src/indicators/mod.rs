//! Technical indicators for traders' filters: TA-Lib's definitions where TA-Lib has the
//! indicator, the original helpers' (`docs/original-system.md` §2.3) where it does not.
//!
//! # Two forms of every indicator
//!
//! - **Batch**: a function over slices (closes, or high/low/close/volume) returning a
//!   [`Series`] per output: one `Option<f64>` per input value, `None` where the value is
//!   not computable. Multi-output indicators return small structs of series ([`Macd`],
//!   [`Bands`], [`Stoch`], [`Adx`], [`VwapBands`]). Each has an `_into` twin writing into
//!   caller-owned series and reusing their allocations, for callers that recompute often.
//! - **Incremental**: a state (`Sma`, `Ema`, `Rsi`, `MacdState`, …) with an `update` per new
//!   value or bar, O(1) (windowed VWAP and the volume profile are O(window)), giving the
//!   same values as the batch form: bit for bit, since both run the same arithmetic in the
//!   same order.
//!
//! # Conventions
//!
//! - **Lookback**: `None` before the first computable index, which is TA-Lib's lookback
//!   (e.g. SMA/EMA/WMA/Bollinger `period - 1`, RSI/ATR/DI `period`, ADX `2 * period - 1`,
//!   MACD `slow + signal - 2` for all three lines, STOCH `fast_k + slow_k + slow_d - 3` for
//!   %K and %D). Inputs shorter than that give all-`None` series, never an error.
//! - **Parameters**: periods must be between the indicator's minimum (1, or 2 where TA-Lib
//!   requires it: RSI, MACD fast/slow, Bollinger, ADX) and [`MAX_PERIOD`]; multipliers finite
//!   and `>= 0`; parallel inputs of equal length. Anything else is an [`IndicatorError`] —
//!   nothing here panics on a filter's arguments.
//! - **Non-finite input** (NaN, ±∞): every output at and after the first non-finite input
//!   is `None` — running sums and recursions would carry it forever, and a number computed
//!   around it would be a guess. An incremental state stays `None` after one. Exceptions, as
//!   in the original helpers: [`highest`]/[`lowest`] recover once the bad value leaves their
//!   window, and the volume profile skips bad bars.
//! - **Zero tests** follow TA-Lib 0.8.1, which has no fixed price-unit epsilons any more,
//!   so results do not change with the quote scale (2.8e-5 or 2e4): RSI's and DI's
//!   denominators are tested against exact zero; the stochastic range against
//!   `1e-14 * (|high| + |low|)`; the DI sum against TA-Lib's fixed band `|x| < 1e-14`
//!   (DI are scale-free); the Bollinger variance against relative floors (see
//!   [`bollinger`]).
//! - **Accuracy**: SMA, WMA, Bollinger Bands, Stochastic and OBV use TA-Lib 0.8.1's
//!   arithmetic in TA-Lib's order and reproduce it bit for bit on the reference data. The
//!   recursive smoothers (EMA, MACD, RSI, ATR, ADX/DI) agree with it to about one rounding
//!   (1e-16..1e-15 relative; for MACD, whose lines cross zero, to ~1e-16 of the price
//!   level): TA-Lib shortens their dependency chains with fused multiply-adds, which safe,
//!   portable Rust cannot emit; EMA, MACD, RSI and ATR step as `k * x + (1 - k) * average`
//!   instead (one multiply and one add of latency), ADX keeps TA-Lib's expressions.
//!
//! # Which helper is which
//!
//! `calculateMA*`/`calculateSMA`/`calculateAvgVolume` → [`sma`]; `calculateEMA*` → [`ema`];
//! `calculateRSI` → [`rsi`]; `calculateStochRSI` → [`stoch_rsi`]; `calculateMACD*` →
//! [`macd`]; `calculateADX*` → [`adx`]; `calculateATR` → [`atr`]; `calculateStochastic` →
//! [`stochastic`]; `calculateOBV` → [`obv`]; `getHighestHigh`/`getLowestLow` →
//! [`highest`]/[`lowest`]; `calculatePVISeries` → [`pvi`]; `calculateHighVolumeNodes` →
//! [`high_volume_nodes`]; `calculateBollingerBands` → [`bollinger`]; `calculateVWAP*` →
//! [`vwap`]/[`vwap_bands`]; every `getLatest*` → [`latest`] of the series.

mod adx;
mod atr;
mod bollinger;
mod ema;
mod error;
mod extremes;
mod macd;
mod obv;
mod pvi;
mod ring;
mod rsi;
mod series;
mod sma;
mod stoch_rsi;
mod stochastic;
mod volume_profile;
mod vwap;
mod wma;

pub use adx::{adx, adx_into, Adx, AdxState, AdxValue};
pub use atr::{atr, atr_into, true_range, true_range_into, Atr};
pub use bollinger::{bollinger, bollinger_into, Bands, BandsValue, Bollinger};
pub use ema::{ema, ema_into, Ema};
pub use error::{IndicatorError, Result, MAX_PERIOD};
pub use extremes::{highest, highest_into, lowest, lowest_into, Highest, Lowest};
pub use macd::{macd, macd_into, Macd, MacdState, MacdValue};
pub use obv::{obv, obv_into, Obv};
pub use pvi::{pvi, pvi_into, Pvi};
pub use rsi::{rsi, rsi_into, Rsi};
pub use series::{latest, Series};
pub use sma::{sma, sma_into, Sma};
pub use stoch_rsi::{stoch_rsi, stoch_rsi_into, StochRsi, StochRsiValue};
pub use stochastic::{stochastic, stochastic_into, Stoch, StochValue, Stochastic};
pub use volume_profile::{high_volume_nodes, HvnOptions, VolumeNode, VolumeProfile, MAX_BINS};
pub use vwap::{vwap, vwap_bands, vwap_bands_into, Vwap, VwapBands, VwapValue};
pub use wma::{wma, wma_into, Wma};

/// TA-Lib 0.8's `TA_EPSILON`.
const TA_EPSILON: f64 = 1e-14;

/// TA-Lib's scale-aware zero test (`TA_IS_ZERO_SCALED`): `|v| <= 1e-14 * scale`.
fn is_zero_scaled(v: f64, scale: f64) -> bool {
    v.abs() <= TA_EPSILON * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scaled_zero_band_is_relative() {
        assert!(is_zero_scaled(0.0, 0.0));
        assert!(is_zero_scaled(1.9e-14, 2.0));
        assert!(!is_zero_scaled(2.1e-14, 2.0));
        assert!(is_zero_scaled(1.9e-20, 2e-6));
        assert!(!is_zero_scaled(2.1e-20, 2e-6));
    }
}
