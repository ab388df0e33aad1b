//! Indicator SPECs as the `screener indicators` command takes them: `name[:p1,p2,…]`, e.g.
//! `rsi:14`, `macd:12,26,9`, `bbands:20,2`, `obv`. Parameters may be omitted from the right;
//! omitted ones take the usual defaults (`rsi` = `rsi:14`).

use std::fmt;
use std::str::FromStr;

/// One indicator with its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IndicatorSpec {
    Sma {
        period: usize,
    },
    Ema {
        period: usize,
    },
    Wma {
        period: usize,
    },
    Rsi {
        period: usize,
    },
    Macd {
        fast: usize,
        slow: usize,
        signal: usize,
    },
    Bbands {
        period: usize,
        mult: f64,
    },
    Atr {
        period: usize,
    },
    Stoch {
        k: usize,
        slow_k: usize,
        slow_d: usize,
    },
    StochRsi {
        rsi: usize,
        stoch: usize,
        k: usize,
        d: usize,
    },
    Adx {
        period: usize,
    },
    Obv,
    Vwap,
}

/// Why a SPEC was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("indicator SPEC `{spec}`: {reason}")]
pub struct SpecError {
    pub spec: String,
    pub reason: String,
}

/// The names and parameter lists accepted, for error messages and `--help`.
pub const SPEC_FORMS: &str = "sma:20, ema:20, wma:20, rsi:14, macd:12,26,9, bbands:20,2, atr:14, \
stoch:14,3,3, stochrsi:14,14,3,3, adx:14, obv, vwap";

/// Most parameters any indicator takes.
const MAX_PARAMS: usize = 4;
/// Largest period accepted: far beyond any chart, small enough to keep memory bounded.
const MAX_PERIOD: usize = 100_000;

impl FromStr for IndicatorSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, SpecError> {
        let fail = |reason: String| SpecError {
            spec: text.to_owned(),
            reason,
        };
        let (name, params) = match text.trim().split_once(':') {
            Some((name, params)) => (name, params.split(',').map(str::trim).collect()),
            None => (text.trim(), Vec::new()),
        };
        if params.len() > MAX_PARAMS {
            return Err(fail(format!("too many parameters ({})", params.len())));
        }
        let name = name.to_ascii_lowercase();
        let p = Params {
            raw: &params,
            fail: &fail,
        };
        let spec = match name.as_str() {
            "sma" => Self::Sma {
                period: p.period(0, 20)?,
            },
            "ema" => Self::Ema {
                period: p.period(0, 20)?,
            },
            "wma" => Self::Wma {
                period: p.period(0, 20)?,
            },
            "rsi" => Self::Rsi {
                period: p.period(0, 14)?,
            },
            "atr" => Self::Atr {
                period: p.period(0, 14)?,
            },
            "adx" => Self::Adx {
                period: p.period(0, 14)?,
            },
            "macd" => {
                let (fast, slow) = (p.period(0, 12)?, p.period(1, 26)?);
                if fast >= slow {
                    return Err(fail(format!(
                        "fast period {fast} must be below slow {slow}"
                    )));
                }
                Self::Macd {
                    fast,
                    slow,
                    signal: p.period(2, 9)?,
                }
            }
            "bbands" => Self::Bbands {
                period: p.period(0, 20)?,
                mult: p.positive(1, 2.0)?,
            },
            "stoch" => Self::Stoch {
                k: p.period(0, 14)?,
                slow_k: p.period(1, 3)?,
                slow_d: p.period(2, 3)?,
            },
            "stochrsi" => Self::StochRsi {
                rsi: p.period(0, 14)?,
                stoch: p.period(1, 14)?,
                k: p.period(2, 3)?,
                d: p.period(3, 3)?,
            },
            "obv" | "vwap" if !params.is_empty() => {
                return Err(fail(format!("{name} takes no parameters")))
            }
            "obv" => Self::Obv,
            "vwap" => Self::Vwap,
            _ => return Err(fail(format!("unknown indicator; known: {SPEC_FORMS}"))),
        };
        p.check_count(spec.param_count())?;
        Ok(spec)
    }
}

impl IndicatorSpec {
    fn param_count(&self) -> usize {
        match self {
            Self::Sma { .. }
            | Self::Ema { .. }
            | Self::Wma { .. }
            | Self::Rsi { .. }
            | Self::Atr { .. }
            | Self::Adx { .. } => 1,
            Self::Bbands { .. } => 2,
            Self::Macd { .. } | Self::Stoch { .. } => 3,
            Self::StochRsi { .. } => 4,
            Self::Obv | Self::Vwap => 0,
        }
    }
}

impl fmt::Display for IndicatorSpec {
    /// The canonical form, every parameter spelled out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sma { period } => write!(f, "sma:{period}"),
            Self::Ema { period } => write!(f, "ema:{period}"),
            Self::Wma { period } => write!(f, "wma:{period}"),
            Self::Rsi { period } => write!(f, "rsi:{period}"),
            Self::Atr { period } => write!(f, "atr:{period}"),
            Self::Adx { period } => write!(f, "adx:{period}"),
            Self::Macd { fast, slow, signal } => write!(f, "macd:{fast},{slow},{signal}"),
            Self::Bbands { period, mult } => write!(f, "bbands:{period},{mult}"),
            Self::Stoch { k, slow_k, slow_d } => write!(f, "stoch:{k},{slow_k},{slow_d}"),
            Self::StochRsi { rsi, stoch, k, d } => write!(f, "stochrsi:{rsi},{stoch},{k},{d}"),
            Self::Obv => f.write_str("obv"),
            Self::Vwap => f.write_str("vwap"),
        }
    }
}

/// Positional parameters with defaults.
struct Params<'a, F: Fn(String) -> SpecError> {
    raw: &'a [&'a str],
    fail: &'a F,
}

impl<F: Fn(String) -> SpecError> Params<'_, F> {
    fn get(&self, index: usize) -> Option<&str> {
        self.raw.get(index).copied()
    }

    fn period(&self, index: usize, default: usize) -> Result<usize, SpecError> {
        let Some(text) = self.get(index) else {
            return Ok(default);
        };
        match text.parse::<usize>() {
            Ok(0) => Err((self.fail)(format!(
                "parameter {} must be at least 1",
                index + 1
            ))),
            Ok(n) if n > MAX_PERIOD => Err((self.fail)(format!(
                "parameter {} is above the maximum {MAX_PERIOD}",
                index + 1
            ))),
            Ok(n) => Ok(n),
            Err(_) => Err((self.fail)(format!(
                "parameter {} (`{text}`) is not a whole number",
                index + 1
            ))),
        }
    }

    fn positive(&self, index: usize, default: f64) -> Result<f64, SpecError> {
        let Some(text) = self.get(index) else {
            return Ok(default);
        };
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
            _ => Err((self.fail)(format!(
                "parameter {} (`{text}`) must be a positive number",
                index + 1
            ))),
        }
    }

    fn check_count(&self, expected: usize) -> Result<(), SpecError> {
        if self.raw.len() > expected {
            return Err((self.fail)(format!(
                "takes at most {expected} parameter(s), got {}",
                self.raw.len()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> IndicatorSpec {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn reason(s: &str) -> String {
        s.parse::<IndicatorSpec>().unwrap_err().reason
    }

    #[test]
    fn every_documented_form_parses_and_round_trips() {
        for form in SPEC_FORMS.split(", ") {
            let spec = parse(form);
            assert_eq!(spec.to_string(), form, "canonical form of {form}");
        }
    }

    #[test]
    fn omitted_parameters_take_defaults() {
        assert_eq!(parse("rsi"), IndicatorSpec::Rsi { period: 14 });
        assert_eq!(
            parse("MACD:8"),
            IndicatorSpec::Macd {
                fast: 8,
                slow: 26,
                signal: 9
            }
        );
        assert_eq!(
            parse("bbands:10"),
            IndicatorSpec::Bbands {
                period: 10,
                mult: 2.0
            }
        );
        assert_eq!(parse("EMA: 5"), IndicatorSpec::Ema { period: 5 });
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        assert!(reason("foo:3").starts_with("unknown indicator; known: sma:20"));
        assert_eq!(reason("sma:0"), "parameter 1 must be at least 1");
        assert_eq!(reason("sma:x"), "parameter 1 (`x`) is not a whole number");
        assert_eq!(reason("sma:-3"), "parameter 1 (`-3`) is not a whole number");
        assert_eq!(reason("sma:20,3"), "takes at most 1 parameter(s), got 2");
        assert_eq!(
            reason("bbands:20,-2"),
            "parameter 2 (`-2`) must be a positive number"
        );
        assert_eq!(
            reason("bbands:20,NaN"),
            "parameter 2 (`NaN`) must be a positive number"
        );
        assert_eq!(
            reason("macd:26,12,9"),
            "fast period 26 must be below slow 12"
        );
        assert_eq!(reason("obv:3"), "obv takes no parameters");
        assert_eq!(reason("sma:1,2,3,4,5"), "too many parameters (5)");
        assert_eq!(
            reason("sma:1000000"),
            "parameter 1 is above the maximum 100000"
        );
        assert_eq!(reason("sma:"), "parameter 1 (``) is not a whole number");
        let e = "rsi:abc".parse::<IndicatorSpec>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "indicator SPEC `rsi:abc`: parameter 1 (`abc`) is not a whole number"
        );
    }
}
