//! The `helpers` object filters receive: every helper of `trader-filters.md`, implemented
//! natively on [`crate::indicators`].
//!
//! - `data`: candle columns of the engine's snapshots and the result cache.
//! - `call`: reading arguments, caching, building results.
//! - `averages`, `momentum`, `volume`, `patterns`: the helpers by family.

mod averages;
mod call;
pub mod data;
mod momentum;
mod patterns;
mod volume;

use rquickjs::function::Rest;
use rquickjs::{Ctx, Function, Object, Persistent, Value};

pub use call::Call;
pub use data::{freeze, snapshot, Columns, HelperData, SharedData, SERIES_ID};
pub use volume::{default_nodes, nodes_to_js};

type HelperFn = for<'js> fn(&Call<'js>) -> rquickjs::Result<Value<'js>>;

/// Every helper by its JavaScript name, as the original exported them.
pub const HELPERS: &[(&str, HelperFn)] = &[
    ("calculateMA", averages::calculate_ma),
    ("calculateMASeries", averages::calculate_ma_series),
    ("calculateSMA", averages::calculate_sma),
    ("calculateEMA", averages::calculate_ema),
    ("calculateEMASeries", averages::calculate_ema_series),
    ("getLatestEMA", averages::get_latest_ema),
    ("calculateAvgVolume", averages::calculate_avg_volume),
    ("calculateMACDValues", averages::calculate_macd_values),
    ("getLatestMACD", averages::get_latest_macd),
    ("calculateMACD", averages::calculate_macd),
    (
        "calculateBollingerBands",
        averages::calculate_bollinger_bands,
    ),
    (
        "getLatestBollingerBands",
        averages::get_latest_bollinger_bands,
    ),
    ("calculateRSI", momentum::calculate_rsi),
    ("getLatestRSI", momentum::get_latest_rsi),
    ("calculateStochRSI", momentum::calculate_stoch_rsi),
    ("getLatestStochRSI", momentum::get_latest_stoch_rsi),
    ("calculateStochastic", momentum::calculate_stochastic),
    ("calculateATR", momentum::calculate_atr),
    ("getLatestATR", momentum::get_latest_atr),
    ("calculateADX", momentum::calculate_adx),
    ("calculateADXSeries", momentum::calculate_adx_series),
    ("calculateOBV", momentum::calculate_obv),
    ("calculateVWAP", volume::calculate_vwap),
    ("calculateVWAPSeries", volume::calculate_vwap_series),
    ("getLatestVWAP", volume::get_latest_vwap),
    ("calculateVWAPBands", volume::calculate_vwap_bands),
    ("getLatestVWAPBands", volume::get_latest_vwap_bands),
    ("calculatePVISeries", volume::calculate_pvi_series),
    ("getLatestPVI", volume::get_latest_pvi),
    (
        "calculateHighVolumeNodes",
        volume::calculate_high_volume_nodes,
    ),
    ("isNearHVN", volume::is_near_hvn),
    ("getClosestHVN", volume::get_closest_hvn),
    ("countHVNInRange", volume::count_hvn_in_range),
    ("clearHVNCache", volume::clear_hvn_cache),
    ("getHighestHigh", patterns::get_highest_high),
    ("getLowestLow", patterns::get_lowest_low),
    ("detectEngulfingPattern", patterns::detect_engulfing_pattern),
    (
        "detectGenericDivergence",
        patterns::detect_generic_divergence,
    ),
    ("detectRSIDivergence", patterns::detect_rsi_divergence),
];

/// Builds the frozen `helpers` object for a realm.
pub fn install<'js>(
    ctx: &Ctx<'js>,
    data: &SharedData,
) -> rquickjs::Result<Persistent<Object<'static>>> {
    let helpers = Object::new(ctx.clone())?;
    for &(name, helper) in HELPERS {
        let data = data.clone();
        let function = Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<Value<'js>> {
                helper(&Call {
                    ctx,
                    data: data.clone(),
                    name,
                    args: args.0,
                })
            },
        )?
        .with_name(name)?;
        helpers.set(name, function)?;
    }
    let object: Object = ctx.globals().get("Object")?;
    let freeze: Function = object.get("freeze")?;
    freeze.call::<_, ()>((helpers.clone(),))?;
    let snapshot: Function = ctx.eval(data::SNAPSHOT_JS)?;
    let mut shared = data.borrow_mut();
    shared.freeze = Some(Persistent::save(ctx, freeze));
    shared.snapshot = Some(Persistent::save(ctx, snapshot));
    Ok(Persistent::save(ctx, helpers))
}
