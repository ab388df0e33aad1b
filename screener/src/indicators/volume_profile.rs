//! High-volume nodes from a volume profile (`calculateHighVolumeNodes`, original §2.3 row 24),
//! reproduced exactly as the original browser computed them, quirks included.
//!
//! Over the last `lookback` bars:
//! 1. The price range is the lowest low to the highest high, cut into `bins` equal bins. No
//!    range (a single price) means no nodes.
//! 2. Each bar spreads its volume — and its taker-buy volume when given (Binance kline field
//!    9), else 0 — evenly over the bins from `min(open, close, low)` to
//!    `max(open, close, high)`. The share that would fall past the last bin (a bar reaching
//!    the very top of the range) is dropped, as in the original.
//! 3. A bin is a node when its volume is at least the `threshold` percentile of the bins
//!    (element `floor(threshold / 100 * bins)` of the sorted volumes, 0 past the end), is
//!    positive, exceeds both neighbours (0 beyond the edges) by more than `peak_tolerance`,
//!    and its `strength = volume / max volume * 100` is at least `min_strength`.
//! 4. Nodes are `{price: bin centre, volume, buyVolume, sellVolume = volume - buyVolume,
//!    strength, priceRange: [bin low, bin high]}`, strongest first (ties in price order).
//!
//! Bars with a non-finite open, high, low, close or volume are skipped, as the original
//! skipped NaN. [`VolumeProfile`] keeps the last `lookback` bars for the incremental case.

use serde::{Deserialize, Serialize};

use super::error::{check_lengths, check_period, IndicatorError, Result};
use super::ring::Ring;

/// Largest accepted bin count (bounds what a filter can make the engine allocate).
pub const MAX_BINS: usize = 10_000;

/// Options of [`high_volume_nodes`]; `Default` is the helper's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HvnOptions {
    /// Number of price bins, 1..=[`MAX_BINS`]. Default 30.
    pub bins: usize,
    /// Percentile (0..=100) a bin's volume must reach. Default 70.
    pub threshold: f64,
    /// Bars used, counted back from the last. Default 250.
    pub lookback: usize,
    /// Minimum strength (percent of the largest bin). Default 50.
    pub min_strength: f64,
    /// Relative margin by which a node must exceed both neighbours (>= 0). Default 0.05.
    pub peak_tolerance: f64,
}

impl Default for HvnOptions {
    fn default() -> Self {
        Self {
            bins: 30,
            threshold: 70.0,
            lookback: 250,
            min_strength: 50.0,
            peak_tolerance: 0.05,
        }
    }
}

impl HvnOptions {
    fn check(&self) -> Result<()> {
        if !(1..=MAX_BINS).contains(&self.bins) {
            return Err(IndicatorError::PeriodOutOfRange {
                name: "bins",
                value: self.bins,
                min: 1,
                max: MAX_BINS,
            });
        }
        check_period("lookback", self.lookback, 1)?;
        let reals = [
            (
                "threshold",
                self.threshold,
                (0.0..=100.0).contains(&self.threshold),
                "between 0 and 100",
            ),
            (
                "min strength",
                self.min_strength,
                self.min_strength.is_finite(),
                "finite",
            ),
            (
                "peak tolerance",
                self.peak_tolerance,
                self.peak_tolerance >= 0.0 && self.peak_tolerance.is_finite(),
                "finite and >= 0",
            ),
        ];
        for (name, value, ok, expected) in reals {
            if !ok {
                return Err(IndicatorError::InvalidParameter {
                    name,
                    value,
                    expected,
                });
            }
        }
        Ok(())
    }
}

/// A high-volume node, serialised as the helpers' `VolumeNode`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeNode {
    pub price: f64,
    pub volume: f64,
    pub buy_volume: f64,
    pub sell_volume: f64,
    pub strength: f64,
    pub price_range: [f64; 2],
}

/// One bar's inputs.
#[derive(Debug, Clone, Copy)]
struct Bar {
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    volume: f64,
    buy: f64,
}

impl Bar {
    fn usable(&self) -> bool {
        [self.open, self.high, self.low, self.close, self.volume]
            .iter()
            .all(|v| v.is_finite())
    }
}

/// The nodes of `bars` (already cut to the lookback).
fn nodes(bars: impl Iterator<Item = Bar> + Clone, o: &HvnOptions) -> Vec<VolumeNode> {
    let lows = bars.clone().map(|b| b.low).filter(|v| v.is_finite());
    let highs = bars.clone().map(|b| b.high).filter(|v| v.is_finite());
    let low = lows.fold(f64::INFINITY, f64::min);
    let high = highs.fold(f64::NEG_INFINITY, f64::max);
    if !(low.is_finite() && high.is_finite()) || low >= high {
        return Vec::new();
    }
    let size = (high - low) / o.bins as f64;
    let last = o.bins as i64 - 1;
    let mut volume = vec![0.0; o.bins];
    let mut buy = vec![0.0; o.bins];
    for bar in bars.filter(Bar::usable) {
        let bottom = bar.open.min(bar.close).min(bar.low);
        let top = bar.open.max(bar.close).max(bar.high);
        let first = ((bottom - low) / size).floor() as i64;
        let end = ((top - low) / size).floor() as i64;
        let spanned = (end - first + 1).max(1) as f64;
        let share = bar.volume / spanned;
        let buy_share = if bar.buy.is_nan() {
            0.0
        } else {
            bar.buy / spanned
        };
        for j in first.max(0)..=end.min(last) {
            volume[j as usize] += share;
            buy[j as usize] += buy_share;
        }
    }
    let mut sorted = volume.clone();
    sorted.sort_by(f64::total_cmp);
    let cut_index = ((o.threshold / 100.0) * o.bins as f64).floor() as usize;
    let cut = sorted.get(cut_index).copied().unwrap_or(0.0);
    let max = volume.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let margin = 1.0 + o.peak_tolerance;
    let mut found = Vec::new();
    for (j, &v) in volume.iter().enumerate() {
        let previous = if j > 0 { volume[j - 1] } else { 0.0 };
        let next = volume.get(j + 1).copied().unwrap_or(0.0);
        if !(v >= cut && v > 0.0 && v > previous * margin && v > next * margin) {
            continue;
        }
        let strength = if max > 0.0 { (v / max) * 100.0 } else { 0.0 };
        if strength >= o.min_strength {
            let bin_low = low + j as f64 * size;
            let bin_high = bin_low + size;
            found.push(VolumeNode {
                price: (bin_low + bin_high) / 2.0,
                volume: v,
                buy_volume: buy[j],
                sell_volume: v - buy[j],
                strength,
                price_range: [bin_low, bin_high],
            });
        }
    }
    found.sort_by(|a, b| b.strength.total_cmp(&a.strength));
    found
}

/// High-volume nodes of the last `options.lookback` bars. `taker_buy_volume` is the taker
/// buy base volume per bar when known (its volume counts as `buyVolume`).
pub fn high_volume_nodes(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    taker_buy_volume: Option<&[f64]>,
    options: &HvnOptions,
) -> Result<Vec<VolumeNode>> {
    options.check()?;
    let mut inputs = vec![
        ("open", open),
        ("high", high),
        ("low", low),
        ("close", close),
        ("volume", volume),
    ];
    if let Some(buy) = taker_buy_volume {
        inputs.push(("taker buy volume", buy));
    }
    let len = check_lengths(&inputs)?;
    let first = len.saturating_sub(options.lookback);
    let bars = (first..len).map(|i| Bar {
        open: open[i],
        high: high[i],
        low: low[i],
        close: close[i],
        volume: volume[i],
        buy: taker_buy_volume.map_or(f64::NAN, |b| b[i]),
    });
    Ok(nodes(bars, options))
}

/// The last `lookback` bars, for computing nodes as candles arrive.
#[derive(Debug, Clone)]
pub struct VolumeProfile {
    options: HvnOptions,
    columns: [Ring; 6],
}

impl VolumeProfile {
    pub fn new(options: HvnOptions) -> Result<Self> {
        options.check()?;
        let ring = Ring::new(options.lookback);
        Ok(Self {
            options,
            columns: std::array::from_fn(|_| ring.clone()),
        })
    }

    /// Adds a bar, dropping the oldest once `lookback` bars are held.
    pub fn push(
        &mut self,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
        taker_buy_volume: Option<f64>,
    ) {
        let values = [
            open,
            high,
            low,
            close,
            volume,
            taker_buy_volume.unwrap_or(f64::NAN),
        ];
        for (column, value) in self.columns.iter_mut().zip(values) {
            column.push(value);
        }
    }

    /// The nodes of the bars held: [`high_volume_nodes`] of the last `lookback` bars.
    pub fn nodes(&self) -> Vec<VolumeNode> {
        let [o, h, l, c, v, b] = &self.columns;
        let bars = o
            .iter()
            .zip(h.iter())
            .zip(l.iter())
            .zip(c.iter())
            .zip(v.iter())
            .zip(b.iter())
            .map(|(((((open, high), low), close), volume), buy)| Bar {
                open,
                high,
                low,
                close,
                volume,
                buy,
            });
        nodes(bars, &self.options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(bins: usize) -> HvnOptions {
        HvnOptions {
            bins,
            threshold: 0.0,
            lookback: 100,
            min_strength: 0.0,
            peak_tolerance: 0.0,
        }
    }

    #[test]
    fn volume_concentrates_where_bars_trade() {
        // Range 0..10 in 10 bins; nine bars trade at 4..5 and one spans everything.
        let mut o = vec![4.2; 10];
        let mut h = vec![4.8; 10];
        let mut l = vec![4.1; 10];
        let c = vec![4.5; 10];
        (o[0], h[0], l[0]) = (5.0, 10.0, 0.0);
        let v = vec![10.0; 10];
        let buy = vec![4.0; 10];
        let n = high_volume_nodes(&o, &h, &l, &c, &v, Some(&buy), &options(10)).unwrap();
        assert_eq!(n.len(), 1);
        let node = n[0];
        // Bar 0 spans bins 0..=10 (11 bins): 10/11 per bin, the last share dropped.
        assert!((node.volume - (90.0 + 10.0 / 11.0)).abs() < 1e-12);
        assert!((node.buy_volume - (36.0 + 4.0 / 11.0)).abs() < 1e-12);
        assert!((node.sell_volume - (node.volume - node.buy_volume)).abs() < 1e-12);
        assert_eq!(node.strength, 100.0);
        assert_eq!(node.price, 4.5);
        assert_eq!(node.price_range, [4.0, 5.0]);
    }

    #[test]
    fn nodes_are_sorted_by_strength_and_filtered() {
        // Two clusters, one twice as heavy.
        let mut bars = Vec::new();
        bars.extend(std::iter::repeat_n((1.1, 1.9, 20.0), 3));
        bars.extend(std::iter::repeat_n((7.1, 7.9, 10.0), 3));
        bars.push((0.0, 10.0, 0.0));
        let (l, h, v): (Vec<f64>, Vec<f64>, Vec<f64>) = (
            bars.iter().map(|b| b.0).collect(),
            bars.iter().map(|b| b.1).collect(),
            bars.iter().map(|b| b.2).collect(),
        );
        let n = high_volume_nodes(&l, &h, &l, &l, &v, None, &options(10)).unwrap();
        assert_eq!(n.len(), 2);
        assert_eq!((n[0].price, n[0].strength), (1.5, 100.0));
        assert_eq!((n[1].price, n[1].strength), (7.5, 50.0));
        assert_eq!(n[0].buy_volume, 0.0);
        let strict = HvnOptions {
            min_strength: 60.0,
            ..options(10)
        };
        assert_eq!(
            high_volume_nodes(&l, &h, &l, &l, &v, None, &strict)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn serialises_as_the_helpers_volume_node() {
        let node = VolumeNode {
            price: 1.5,
            volume: 2.0,
            buy_volume: 0.5,
            sell_volume: 1.5,
            strength: 100.0,
            price_range: [1.0, 2.0],
        };
        let json = serde_json::to_string(&node).unwrap();
        assert_eq!(
            json,
            r#"{"price":1.5,"volume":2.0,"buyVolume":0.5,"sellVolume":1.5,"strength":100.0,"priceRange":[1.0,2.0]}"#
        );
    }

    #[test]
    fn degenerate_and_invalid_inputs() {
        let p = [3.0; 5];
        assert!(
            high_volume_nodes(&p, &p, &p, &p, &p, None, &HvnOptions::default())
                .unwrap()
                .is_empty()
        );
        assert!(
            high_volume_nodes(&[], &[], &[], &[], &[], None, &HvnOptions::default())
                .unwrap()
                .is_empty()
        );
        assert!(high_volume_nodes(&p, &p, &p, &p, &p[..2], None, &HvnOptions::default()).is_err());
        assert!(
            high_volume_nodes(&p, &p, &p, &p, &p, Some(&p[..1]), &HvnOptions::default()).is_err()
        );
        for bad in [
            HvnOptions {
                bins: 0,
                ..HvnOptions::default()
            },
            HvnOptions {
                bins: MAX_BINS + 1,
                ..HvnOptions::default()
            },
            HvnOptions {
                lookback: 0,
                ..HvnOptions::default()
            },
            HvnOptions {
                threshold: 101.0,
                ..HvnOptions::default()
            },
            HvnOptions {
                threshold: f64::NAN,
                ..HvnOptions::default()
            },
            HvnOptions {
                min_strength: f64::INFINITY,
                ..HvnOptions::default()
            },
            HvnOptions {
                peak_tolerance: -0.1,
                ..HvnOptions::default()
            },
        ] {
            assert!(VolumeProfile::new(bad).is_err(), "{bad:?}");
            assert!(
                high_volume_nodes(&p, &p, &p, &p, &p, None, &bad).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn non_finite_bars_are_skipped() {
        let l = [1.1, 1.1, f64::NAN, 0.0];
        let h = [1.9, 1.9, 9.0, 10.0];
        let v = [5.0, 5.0, 1000.0, 1.0];
        let n = high_volume_nodes(&l, &h, &l, &l, &v, None, &options(10)).unwrap();
        assert_eq!(n[0].price, 1.5);
        // Bars 0 and 1, plus bar 3 spread over 11 bins; the NaN bar adds nothing.
        assert!((n[0].volume - (10.0 + 1.0 / 11.0)).abs() < 1e-12);
    }

    #[test]
    fn the_window_gives_the_batch_nodes() {
        let c: Vec<f64> = (0..400)
            .map(|i| (f64::from(i) * 0.07).sin() * 5.0 + 50.0)
            .collect();
        let o: Vec<f64> = c.iter().map(|x| x - 0.3).collect();
        let h: Vec<f64> = c.iter().map(|x| x + 0.8).collect();
        let l: Vec<f64> = c.iter().map(|x| x - 0.9).collect();
        let v: Vec<f64> = (0..400).map(|i| f64::from(i % 17) + 1.0).collect();
        let b: Vec<f64> = v.iter().map(|x| x * 0.4).collect();
        let opts = HvnOptions {
            lookback: 120,
            ..HvnOptions::default()
        };
        let mut profile = VolumeProfile::new(opts).unwrap();
        for i in 0..c.len() {
            profile.push(o[i], h[i], l[i], c[i], v[i], Some(b[i]));
            if i % 37 == 0 || i + 1 == c.len() {
                let e = i + 1;
                let batch = high_volume_nodes(
                    &o[..e],
                    &h[..e],
                    &l[..e],
                    &c[..e],
                    &v[..e],
                    Some(&b[..e]),
                    &opts,
                )
                .unwrap();
                assert_eq!(profile.nodes(), batch, "at {i}");
            }
        }
        assert!(!profile.nodes().is_empty());
    }
}
