//! Decimal strings as Binance writes them: how candles and tickers turn `f64` values back into
//! the strings JavaScript filters receive (`parseFloat(k[4])`).
//!
//! Two forms, never exponent notation:
//! - [`shortest`]: the shortest string that parses back to the same `f64`, so a value read from
//!   `"16726"` prints as `"16726"` and one read from `"0.00002853"` as `"0.00002853"`. Used for
//!   values taken verbatim from a source (prices, volumes of one candle).
//! - [`rounded`]: fixed to a number of decimals, trailing zeros trimmed. Used for computed values
//!   (sums, differences) whose last bits are floating-point noise (`1992.6809999999998`).

/// The shortest round-trip decimal form of `value`, without exponent (`1e-8` → `"0.00000001"`).
///
/// Negative zero prints as `"0"`. Non-finite values (which no reader produces) print in the
/// spelling JavaScript's `parseFloat` understands: `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub fn shortest(value: f64) -> String {
    if let Some(special) = non_finite(value) {
        return special.to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    // `Display` for f64 is the shortest round-trip representation and never uses exponents.
    format!("{value}")
}

/// `value` rounded to `decimals` places with trailing zeros (and a bare `.`) removed.
pub fn rounded(value: f64, decimals: usize) -> String {
    if let Some(special) = non_finite(value) {
        return special.to_owned();
    }
    let fixed = format!("{value:.decimals$}");
    let trimmed = if fixed.contains('.') {
        fixed.trim_end_matches('0').trim_end_matches('.')
    } else {
        fixed.as_str()
    };
    if trimmed == "-0" {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `value` with exactly `decimals` places, as Binance's `priceChangePercent` (`"-95.960"`).
pub fn fixed(value: f64, decimals: usize) -> String {
    if let Some(special) = non_finite(value) {
        return special.to_owned();
    }
    let text = format!("{value:.decimals$}");
    // `-0.000` → `0.000`
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_owned()
    } else {
        text
    }
}

fn non_finite(value: f64) -> Option<&'static str> {
    if value.is_nan() {
        Some("NaN")
    } else if value == f64::INFINITY {
        Some("Infinity")
    } else if value == f64::NEG_INFINITY {
        Some("-Infinity")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_keeps_source_spelling_without_exponents() {
        assert_eq!(shortest(16726.0), "16726");
        assert_eq!(shortest(16726.1), "16726.1");
        assert_eq!(shortest(0.00002853), "0.00002853");
        assert_eq!(shortest(1e-8), "0.00000001");
        assert_eq!(shortest(36304.2), "36304.2");
        assert_eq!(shortest(1e21), "1000000000000000000000");
        assert_eq!(shortest(-0.0), "0");
        assert_eq!(shortest(-1.5), "-1.5");
        assert_eq!(shortest(f64::NAN), "NaN");
        assert_eq!(shortest(f64::NEG_INFINITY), "-Infinity");
        for s in ["0.01634790", "17212.12", "110.66042", "0.09946999"] {
            let v: f64 = s.parse().unwrap_or(f64::NAN);
            assert_eq!(shortest(v).parse::<f64>().ok(), Some(v), "{s} round-trips");
        }
    }

    #[test]
    fn rounded_hides_float_noise() {
        assert_eq!(rounded(691.508 + 1301.173, 8), "1992.681");
        assert_eq!(rounded(2.0, 8), "2");
        assert_eq!(rounded(-0.000000001, 8), "0");
        assert_eq!(rounded(1200.0, 8), "1200");
        assert_eq!(rounded(1200.0, 0), "1200");
    }

    #[test]
    fn fixed_pads_like_binance_percentages() {
        assert_eq!(fixed(-95.96, 3), "-95.960");
        assert_eq!(fixed(-0.0001, 3), "0.000");
        assert_eq!(fixed(7.0, 3), "7.000");
    }
}
