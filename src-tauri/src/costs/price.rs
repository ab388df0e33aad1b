//! The price table: the started price per hour of a size in a region (from the documented
//! formula in [`crate::fly::sizes`]), overridable per size, and the storage price.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::fly::sizes;
use crate::machine::plan;
use crate::machine::size::MachineSize;

/// Hours in Fly's 30-day billing month.
const HOURS_PER_MONTH: f64 = 720.0;

/// Prices with the user's per-size overrides (USD per started hour).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceTable {
    overrides: BTreeMap<String, f64>,
}

impl PriceTable {
    /// A table with these overrides (size name → USD per hour), each checked.
    pub fn with_overrides(overrides: impl IntoIterator<Item = (String, f64)>) -> Result<Self> {
        let mut table = Self::default();
        for (size, usd) in overrides {
            let (size, usd) = check_override(&size, usd)?;
            table.overrides.insert(size, usd);
        }
        Ok(table)
    }

    /// The overrides, by size name.
    pub fn overrides(&self) -> &BTreeMap<String, f64> {
        &self.overrides
    }

    /// USD per hour while a machine of `size` is started in `region`: the override for the
    /// size, else the documented price times the region's factor (1.0 when undocumented).
    /// `None` for a size that is neither a CPU priority nor a Fly preset.
    pub fn started_per_hour(&self, size: &str, region: &str) -> Option<f64> {
        let size = MachineSize::parse(size).ok()?;
        if let Some(usd) = self.overrides.get(&size.name) {
            return Some(*usd);
        }
        let factor = sizes::region_price_factor(region).unwrap_or(1.0);
        sizes::started_cost(&size.guest, factor).map(|c| c.per_hour)
    }
}

/// USD per hour for the agent's data volume, started or not.
pub fn storage_per_hour() -> f64 {
    f64::from(plan::VOLUME_SIZE_GB) * sizes::STORAGE_USD_PER_GB_MONTH / HOURS_PER_MONTH
}

/// Checks an override: a known size (normalised name) and a finite, non-negative price.
pub fn check_override(size: &str, usd_per_hour: f64) -> Result<(String, f64)> {
    let size = MachineSize::parse(size)?;
    if !usd_per_hour.is_finite() || usd_per_hour < 0.0 {
        return Err(Error::InvalidInput(format!(
            "{usd_per_hour} is not a price: give USD per started hour, 0 or more"
        )));
    }
    Ok((size.name, usd_per_hour))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_prices_and_overrides() {
        let table = PriceTable::default();
        // normal = shared-cpu-2x ($3.888) + 1.5 GB extra RAM × $5, per 720 h.
        let normal = table.started_per_hour("normal", "sin").unwrap();
        assert!((normal - 11.388 / 720.0).abs() < 1e-12, "{normal}");
        let high = table.started_per_hour("high", "sin").unwrap();
        assert!((high - 31.0 / 720.0).abs() < 1e-12, "{high}");
        let lax = table.started_per_hour("high", "lax").unwrap();
        assert!((lax - 31.0 / 720.0 * 2.33 / 1.94).abs() < 1e-12);
        assert_eq!(table.started_per_hour("huge", "sin"), None);
        assert!((storage_per_hour() * 24.0 - 0.005).abs() < 1e-12);

        let table = PriceTable::with_overrides([(" Normal ".to_owned(), 0.02)]).unwrap();
        assert_eq!(table.started_per_hour("normal", "lax"), Some(0.02));
        assert!((table.started_per_hour("high", "sin").unwrap() - high).abs() < 1e-12);
    }

    #[test]
    fn bad_overrides_are_refused() {
        for (size, usd) in [
            ("huge", 0.1),
            ("normal", -0.01),
            ("normal", f64::NAN),
            ("normal", f64::INFINITY),
        ] {
            let err = PriceTable::with_overrides([(size.to_owned(), usd)]).unwrap_err();
            assert!(matches!(err, Error::InvalidInput(_)), "{size} {usd}: {err}");
        }
    }
}
