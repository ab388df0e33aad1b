//! `screener indicators`: indicator series of a candle file as one JSON object mapping each
//! SPEC (as given) to its full series aligned with the input candles (`null` where not
//! computable), or to an object of named series for multi-output indicators.

use std::io::Write;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

use super::spec::IndicatorSpec;
use crate::indicators as ind;
use crate::market::{CandleFile, Interval};

/// Arguments of `screener indicators`.
#[derive(Debug, Clone)]
pub struct IndicatorArgs {
    pub input: PathBuf,
    /// SPECs as the user wrote them (they are the output's keys).
    pub specs: Vec<String>,
    pub last: Option<usize>,
    pub interval: Option<Interval>,
    pub json: bool,
}

/// Why nothing could be computed.
#[derive(Debug, thiserror::Error)]
pub enum IndicatorsError {
    #[error(transparent)]
    Spec(#[from] super::spec::SpecError),
    #[error(transparent)]
    Read(#[from] crate::market::ReadError),
    #[error("indicator SPEC `{spec}`: {source}")]
    Compute {
        spec: String,
        source: ind::IndicatorError,
    },
    #[error("no indicator given (use --indicator SPEC, e.g. rsi:14)")]
    NoSpec,
    #[error("writing the output: {0}")]
    Output(#[from] std::io::Error),
}

/// Computes and writes the series.
pub fn indicators(args: &IndicatorArgs, out: &mut impl Write) -> Result<(), IndicatorsError> {
    if args.specs.is_empty() {
        return Err(IndicatorsError::NoSpec);
    }
    let parsed = args
        .specs
        .iter()
        .map(|s| s.parse::<IndicatorSpec>().map(|p| (s.clone(), p)))
        .collect::<Result<Vec<_>, _>>()?;
    // The symbol does not matter here; the interval comes from the file name or --interval.
    let file = CandleFile::load(&args.input, Some("INPUT"), args.interval)?;
    let columns = Columns::of(&file);
    let keep = args.last.unwrap_or(usize::MAX);
    let mut result = Map::new();
    for (text, spec) in &parsed {
        let value = compute(spec, &columns, keep).map_err(|source| IndicatorsError::Compute {
            spec: text.clone(),
            source,
        })?;
        result.insert(text.clone(), value);
    }
    if args.json {
        writeln!(out, "{}", Value::Object(result))?;
    } else {
        write_table(out, &file, &result, keep.min(10))?;
    }
    Ok(())
}

struct Columns {
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
    volume: Vec<f64>,
}

impl Columns {
    fn of(file: &CandleFile) -> Self {
        let col = |f: fn(&crate::market::Candle) -> f64| file.candles.iter().map(f).collect();
        Columns {
            high: col(|c| c.high),
            low: col(|c| c.low),
            close: col(|c| c.close),
            volume: col(|c| c.volume),
        }
    }
}

fn tail(series: &ind::Series, keep: usize) -> Value {
    let from = series.len().saturating_sub(keep);
    Value::Array(
        series[from..]
            .iter()
            .map(|v| v.map_or(Value::Null, |x| json!(x)))
            .collect(),
    )
}

fn named(fields: &[(&str, &ind::Series)], keep: usize) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(name, s)| ((*name).to_owned(), tail(s, keep)))
            .collect(),
    )
}

fn compute(spec: &IndicatorSpec, c: &Columns, keep: usize) -> Result<Value, ind::IndicatorError> {
    use IndicatorSpec as S;
    Ok(match *spec {
        S::Sma { period } => tail(&ind::sma(&c.close, period)?, keep),
        S::Ema { period } => tail(&ind::ema(&c.close, period)?, keep),
        S::Wma { period } => tail(&ind::wma(&c.close, period)?, keep),
        S::Rsi { period } => tail(&ind::rsi(&c.close, period)?, keep),
        S::Atr { period } => tail(&ind::atr(&c.high, &c.low, &c.close, period)?, keep),
        S::Obv => tail(&ind::obv(&c.close, &c.volume)?, keep),
        S::Vwap => tail(
            &ind::vwap(&c.high, &c.low, &c.close, &c.volume, None)?,
            keep,
        ),
        S::Macd { fast, slow, signal } => {
            let m = ind::macd(&c.close, fast, slow, signal)?;
            named(
                &[
                    ("macd", &m.macd),
                    ("signal", &m.signal),
                    ("histogram", &m.histogram),
                ],
                keep,
            )
        }
        S::Bbands { period, mult } => {
            let b = ind::bollinger(&c.close, period, mult)?;
            named(
                &[
                    ("upper", &b.upper),
                    ("middle", &b.middle),
                    ("lower", &b.lower),
                ],
                keep,
            )
        }
        S::Stoch { k, slow_k, slow_d } => {
            let s = ind::stochastic(&c.high, &c.low, &c.close, k, slow_k, slow_d)?;
            named(&[("k", &s.k), ("d", &s.d)], keep)
        }
        S::StochRsi { rsi, stoch, k, d } => {
            let s = ind::stoch_rsi(&c.close, rsi, stoch, k, d)?;
            named(&[("k", &s.k), ("d", &s.d)], keep)
        }
        S::Adx { period } => {
            let a = ind::adx(&c.high, &c.low, &c.close, period)?;
            named(
                &[
                    ("adx", &a.adx),
                    ("plusDI", &a.plus_di),
                    ("minusDI", &a.minus_di),
                ],
                keep,
            )
        }
    })
}

/// The last rows as a readable table: open time, close, then each series.
fn write_table(
    out: &mut impl Write,
    file: &CandleFile,
    result: &Map<String, Value>,
    rows: usize,
) -> std::io::Result<()> {
    let mut columns: Vec<(String, Vec<Value>)> = Vec::new();
    for (spec, value) in result {
        match value {
            Value::Array(values) => columns.push((spec.clone(), values.clone())),
            Value::Object(fields) => {
                for (name, values) in fields {
                    columns.push((
                        format!("{spec}.{name}"),
                        values.as_array().cloned().unwrap_or_default(),
                    ));
                }
            }
            _ => {}
        }
    }
    write!(out, "{:<24} {:>14}", "open time (UTC ms)", "close")?;
    for (name, _) in &columns {
        write!(out, " {name:>18}")?;
    }
    writeln!(out)?;
    let n = file.candles.len();
    for row in n.saturating_sub(rows)..n {
        write!(
            out,
            "{:<24} {:>14}",
            file.candles[row].open_time,
            crate::market::decimal::shortest(file.candles[row].close)
        )?;
        for (_, values) in &columns {
            let at = values.len() as isize - (n - row) as isize;
            let text = usize::try_from(at)
                .ok()
                .and_then(|i| values.get(i))
                .and_then(Value::as_f64)
                .map_or("-".to_owned(), |v| format!("{v:.6}"));
            write!(out, " {text:>18}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}
