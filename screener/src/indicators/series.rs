//! The shape of every batch output: a `Series` as long as the input, `None` where no value
//! can be computed, and the finite prefix that decides where computing stops.

/// One output value per input value; `None` where the value is not computable (inside the
/// lookback, or at and after the first non-finite input).
pub type Series = Vec<Option<f64>>;

/// The last computable value of a series: what the `getLatest*` helpers return.
pub fn latest(series: &[Option<f64>]) -> Option<f64> {
    series.iter().rev().find_map(|v| *v)
}

/// Number of leading finite values of `values` (its length when all are finite).
///
/// Checked in blocks so the common all-finite case runs at memory speed.
pub(crate) fn finite_len(values: &[f64]) -> usize {
    const BLOCK: usize = 16;
    let mut start = 0;
    for block in values.chunks_exact(BLOCK) {
        if !block.iter().fold(true, |ok, v| ok & v.is_finite()) {
            break;
        }
        start += BLOCK;
    }
    start
        + values[start..]
            .iter()
            .position(|v| !v.is_finite())
            .unwrap_or(values.len() - start)
}

/// Number of leading positions at which every one of `inputs` is finite.
pub(crate) fn finite_len_all(inputs: &[&[f64]]) -> usize {
    inputs.iter().map(|s| finite_len(s)).min().unwrap_or(0)
}

/// Lays `out` out for a result of `len` values and returns the positions
/// `lookback..valid` for the caller to fill; the positions before (the lookback) and after
/// (from the first non-finite input on) are set to `None`. Reuses `out`'s allocation:
/// a buffer that is already long enough is overwritten in place, without a fill pass.
pub(crate) fn layout(
    out: &mut Series,
    len: usize,
    lookback: usize,
    valid: usize,
) -> &mut [Option<f64>] {
    if out.len() < len {
        out.resize(len, None);
    } else {
        out.truncate(len);
    }
    let first = lookback.min(valid);
    out[..first].fill(None);
    out[valid..].fill(None);
    &mut out[first..valid]
}

/// Makes `out` a series of `len` Nones.
pub(crate) fn fill_none(out: &mut Series, len: usize) {
    layout(out, len, len, len);
}

/// A finite input prefix and the output slots a moving average fills.
pub(crate) type Window<'a> = (&'a [f64], &'a mut [Option<f64>]);

/// The common start of a moving average over `period` values: checks the period, lays out
/// `out` for the finite prefix of `values`, and returns that prefix with the slots from index
/// `period - 1` on — or `None` (with `out` all `None`) when the prefix is shorter than `period`.
pub(crate) fn moving_window<'a>(
    values: &'a [f64],
    period: usize,
    out: &'a mut Series,
) -> super::error::Result<Option<Window<'a>>> {
    super::error::check_period("period", period, 1)?;
    let len = values.len();
    let valid = finite_len(values);
    if valid < period {
        fill_none(out, len);
        return Ok(None);
    }
    Ok(Some((
        &values[..valid],
        layout(out, len, period - 1, valid),
    )))
}

/// Copies `values` into `slots` (a period-1 moving average is its input).
pub(crate) fn identity(values: &[f64], slots: &mut [Option<f64>]) {
    for (slot, &x) in slots.iter_mut().zip(values) {
        *slot = Some(x);
    }
}

/// Runs a batch computation into a fresh series.
pub(crate) fn fresh<E>(compute: impl FnOnce(&mut Series) -> Result<(), E>) -> Result<Series, E> {
    let mut out = Vec::new();
    compute(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_skips_trailing_nones() {
        assert_eq!(latest(&[Some(1.0), Some(2.0), None]), Some(2.0));
        assert_eq!(latest(&[None, None]), None);
        assert_eq!(latest(&[]), None);
    }

    #[test]
    fn finite_len_stops_at_the_first_nan_or_infinity() {
        let mut v: Vec<f64> = (0..100).map(f64::from).collect();
        assert_eq!(finite_len(&v), 100);
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for at in [0, 15, 16, 17, 63, 99] {
                let saved = v[at];
                v[at] = bad;
                assert_eq!(finite_len(&v), at, "{bad} at {at}");
                v[at] = saved;
            }
        }
        assert_eq!(finite_len(&[]), 0);
        assert_eq!(finite_len_all(&[&v, &v[..40]]), 40);
        assert_eq!(finite_len_all(&[]), 0);
    }

    #[test]
    fn layout_sets_lookback_and_tail_and_reuses_the_buffer() {
        let mut out = vec![Some(9.0); 8];
        let slots = layout(&mut out, 5, 2, 4);
        assert_eq!(slots.len(), 2);
        slots[0] = Some(1.0);
        slots[1] = Some(2.0);
        assert_eq!(out, vec![None, None, Some(1.0), Some(2.0), None]);
        let mut short = vec![Some(9.0)];
        assert_eq!(layout(&mut short, 3, 1, 3).len(), 2);
        assert_eq!(short[0], None);
        assert!(layout(&mut out, 5, 9, 3).is_empty());
        assert_eq!(out, vec![None; 5]);
        fill_none(&mut out, 2);
        assert_eq!(out, vec![None, None]);
        let made: Result<Series, ()> = fresh(|o| {
            o.push(Some(1.0));
            Ok(())
        });
        assert_eq!(made, Ok(vec![Some(1.0)]));
    }
}
