//! Why an indicator refused its input: bad parameters or inputs of unequal length.
//!
//! Indicators never panic on what a trader's filter passes them; everything they cannot
//! compute from valid parameters is a `None` in the output instead.

/// An indicator call that cannot run at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndicatorError {
    /// A period (or bin count, window, lookback) outside its accepted range.
    #[error("{name} must be between {min} and {max}, got {value}")]
    PeriodOutOfRange {
        name: &'static str,
        value: usize,
        min: usize,
        max: usize,
    },
    /// A real-valued parameter that is not finite or outside its accepted range.
    #[error("{name} must be {expected}, got {value}")]
    InvalidParameter {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },
    /// Parallel inputs (high, low, close, volume…) of different lengths.
    #[error("{name} has {found} values but the first input has {expected}")]
    LengthMismatch {
        name: &'static str,
        expected: usize,
        found: usize,
    },
}

/// Shorthand for results of indicator calls.
pub type Result<T> = std::result::Result<T, IndicatorError>;

/// Largest accepted period, as in TA-Lib. It also bounds what an incremental state
/// allocates for its window, so no parameter can make it allocate without limit.
pub const MAX_PERIOD: usize = 100_000;

/// Checks `min <= value <= MAX_PERIOD`.
pub(crate) fn check_period(name: &'static str, value: usize, min: usize) -> Result<usize> {
    if (min..=MAX_PERIOD).contains(&value) {
        Ok(value)
    } else {
        Err(IndicatorError::PeriodOutOfRange {
            name,
            value,
            min,
            max: MAX_PERIOD,
        })
    }
}

/// Checks that a multiplier is finite and not negative.
pub(crate) fn check_multiplier(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(IndicatorError::InvalidParameter {
            name,
            value,
            expected: "a finite number >= 0",
        })
    }
}

/// Checks that every input has the length of the first one; returns that length.
pub(crate) fn check_lengths(inputs: &[(&'static str, &[f64])]) -> Result<usize> {
    let expected = inputs.first().map_or(0, |(_, s)| s.len());
    for (name, s) in inputs {
        if s.len() != expected {
            return Err(IndicatorError::LengthMismatch {
                name,
                expected,
                found: s.len(),
            });
        }
    }
    Ok(expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_outside_the_range_are_rejected_with_their_bounds() {
        assert_eq!(check_period("period", 14, 2), Ok(14));
        assert_eq!(check_period("period", MAX_PERIOD, 1), Ok(MAX_PERIOD));
        let err = check_period("period", 1, 2).unwrap_err();
        assert_eq!(
            err,
            IndicatorError::PeriodOutOfRange {
                name: "period",
                value: 1,
                min: 2,
                max: MAX_PERIOD
            }
        );
        assert_eq!(
            err.to_string(),
            "period must be between 2 and 100000, got 1"
        );
        assert!(check_period("period", MAX_PERIOD + 1, 1).is_err());
    }

    #[test]
    fn multipliers_must_be_finite_and_not_negative() {
        assert_eq!(check_multiplier("mult", 0.0), Ok(0.0));
        assert!(check_multiplier("mult", -1.0).is_err());
        assert!(check_multiplier("mult", f64::NAN).is_err());
        assert!(check_multiplier("mult", f64::INFINITY).is_err());
    }

    #[test]
    fn unequal_lengths_name_the_offending_input() {
        let a = [1.0, 2.0];
        let b = [1.0];
        assert_eq!(check_lengths(&[("high", &a), ("low", &a)]), Ok(2));
        assert_eq!(
            check_lengths(&[("high", &a), ("low", &b)]),
            Err(IndicatorError::LengthMismatch {
                name: "low",
                expected: 2,
                found: 1
            })
        );
        assert_eq!(check_lengths(&[]), Ok(0));
    }
}
