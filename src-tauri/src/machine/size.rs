//! The machine's guest size, chosen as a CPU priority (`low`, `normal`, `high`) or as any of
//! Fly's preset names, with the estimated cost per hour, day and month — the machine while
//! started plus its data volume ([`plan::VOLUME_SIZE_GB`] GB at Fly's $0.15 per GB per 30
//! days, billed whether the machine runs or not).
//!
//! The agent keeps candles for its whole universe in memory (≈ 0.8 GB for 400 symbols × 3
//! intervals × 500 candles, `docs/engine-performance.md`), so no size gets less than 1 GB:
//! a preset below that is given 1024 MB (priced with Fly's extra-RAM rate).

use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::fly::sizes::{self, CostEstimate};
use crate::fly::types::{CpuKind, Guest};
use crate::machine::plan;

/// The size used when none is chosen.
pub const DEFAULT_SIZE: &str = "normal";
/// The least memory the agent gets.
pub const MIN_MEMORY_MB: u32 = 1024;

/// The three CPU priorities: (name, label, CPU kind, CPUs, memory MB).
const PRIORITIES: [(&str, &str, CpuKind, u32, u32); 3] = [
    ("low", "Low — 1 shared CPU, 1 GB", CpuKind::Shared, 1, 1024),
    (
        "normal",
        "Normal — 2 shared CPUs, 2 GB",
        CpuKind::Shared,
        2,
        2048,
    ),
    (
        "high",
        "High — 1 dedicated CPU, 2 GB",
        CpuKind::Performance,
        1,
        2048,
    ),
];

/// A size by name, and the guest it means.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineSize {
    pub name: String,
    pub guest: Guest,
}

impl MachineSize {
    /// A CPU priority or a Fly preset name.
    pub fn parse(name: &str) -> Result<Self> {
        let name = name.trim().to_ascii_lowercase();
        if let Some((_, _, kind, cpus, memory)) = PRIORITIES.iter().find(|p| p.0 == name) {
            return Ok(Self {
                name,
                guest: Guest::new(kind.clone(), *cpus, *memory),
            });
        }
        if let Some(preset) = sizes::preset(&name) {
            let mut guest = preset.guest();
            guest.memory_mb = guest.memory_mb.max(MIN_MEMORY_MB);
            return Ok(Self { name, guest });
        }
        Err(Error::InvalidInput(format!(
            "{name:?} is not a machine size: use low, normal or high, or a Fly preset such as \
             shared-cpu-2x or performance-2x (`trademind regions` lists them)"
        )))
    }

    /// The name for a guest found on Fly: a CPU priority or preset it matches, else the
    /// preset of its CPU kind and count.
    pub fn name_of(guest: &Guest) -> String {
        let same = |g: &Guest| {
            g.cpu_kind == guest.cpu_kind && g.cpus == guest.cpus && g.memory_mb == guest.memory_mb
        };
        PRIORITIES
            .iter()
            .map(|p| p.0)
            .chain(sizes::PRESETS.iter().map(|p| p.name))
            .find(|name| Self::parse(name).is_ok_and(|size| same(&size.guest)))
            .or_else(|| sizes::preset_for(guest).map(|p| p.name))
            .unwrap_or("custom")
            .to_owned()
    }

    /// What it costs started all the time in `region`, with its data volume: the started
    /// rate (times the region's factor) plus the volume at the storage rate (doc §5: the
    /// factor applies to compute only).
    pub fn cost(&self, region: &str) -> Option<CostEstimate> {
        let started = sizes::started_cost(
            &self.guest,
            sizes::region_price_factor(region).unwrap_or(1.0),
        )?;
        Some(CostEstimate::from_month(
            started.per_month + volume_cost().per_month,
        ))
    }
}

/// What the agent's data volume costs, started or stopped.
pub fn volume_cost() -> CostEstimate {
    CostEstimate::from_month(f64::from(plan::VOLUME_SIZE_GB) * sizes::STORAGE_USD_PER_GB_MONTH)
}

/// A size offered to the user, with its price.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SizeChoice {
    pub name: String,
    pub label: String,
    pub cpu_kind: String,
    pub cpus: u32,
    pub memory_mb: u32,
    /// USD while started, with the 1 GB data volume, estimated from Fly's documented price
    /// formula (iad baseline).
    pub usd_per_hour: f64,
    pub usd_per_day: f64,
    pub usd_per_month: f64,
    /// Whether the price is Fly's published figure (else the documented extrapolation).
    pub published_price: bool,
}

/// Every size: the three priorities, then Fly's presets.
pub fn choices(region: &str) -> Vec<SizeChoice> {
    let priorities = PRIORITIES.iter().map(|p| (p.0, p.1.to_owned()));
    let presets = sizes::PRESETS.iter().map(|p| {
        let label = format!(
            "{} — {} {} CPU{}",
            p.name,
            p.cpus,
            p.cpu_kind,
            if p.cpus == 1 { "" } else { "s" }
        );
        (p.name, label)
    });
    priorities
        .chain(presets)
        .filter_map(|(name, label)| {
            let size = MachineSize::parse(name).ok()?;
            let cost = size.cost(region)?;
            let published = sizes::preset_for(&size.guest).is_some_and(|p| p.published);
            Some(SizeChoice {
                name: size.name.clone(),
                label,
                cpu_kind: size.guest.cpu_kind.to_string(),
                cpus: size.guest.cpus,
                memory_mb: size.guest.memory_mb,
                usd_per_hour: cost.per_hour,
                usd_per_day: cost.per_day,
                usd_per_month: cost.per_month,
                published_price: published,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_and_presets_parse_to_valid_guests() {
        for choice in choices("iad") {
            let size = MachineSize::parse(&choice.name).unwrap();
            sizes::check_guest(&size.guest).unwrap();
            assert!(size.guest.memory_mb >= MIN_MEMORY_MB, "{}", choice.name);
        }
        let normal = MachineSize::parse(" Normal ").unwrap();
        assert_eq!(normal.name, "normal");
        assert_eq!((normal.guest.cpus, normal.guest.memory_mb), (2, 2048));
        let small = MachineSize::parse("shared-cpu-1x").unwrap();
        assert_eq!(small.guest.memory_mb, 1024, "raised to the agent's minimum");
        for bad in ["", "huge", "shared-cpu-3x", "performance"] {
            let err = MachineSize::parse(bad).unwrap_err();
            assert!(
                err.to_string().contains("low, normal or high"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn guests_found_on_fly_are_named() {
        for name in ["low", "normal", "high", "performance-4x"] {
            let size = MachineSize::parse(name).unwrap();
            assert_eq!(MachineSize::name_of(&size.guest), name);
        }
        let odd = Guest::new(CpuKind::Shared, 4, 4096);
        assert_eq!(MachineSize::name_of(&odd), "shared-cpu-4x");
    }

    #[test]
    fn costs_follow_the_documented_formula() {
        // shared-cpu-1x with 1 GB: $1.94 + 0.75 GB × $5 = $5.69/month (doc table: $5.70),
        // plus the 1 GB volume at $0.15/month.
        let volume = volume_cost();
        assert!((volume.per_month - 0.15).abs() < 1e-9, "{volume:?}");
        assert!(
            (volume.per_day - 0.005).abs() < 1e-9,
            "1 GB × 0.15 / 30 a day"
        );
        let low = MachineSize::parse("low").unwrap().cost("iad").unwrap();
        assert!((low.per_month - (5.694 + 0.15)).abs() < 0.01, "{low:?}");
        assert!((low.per_day - low.per_month / 30.0).abs() < 1e-9);
        assert!((low.per_hour * 24.0 - low.per_day).abs() < 1e-9);
        // The same as the doc's day formula for a machine started all day with 1 GB of volume.
        let guest = MachineSize::parse("low").unwrap().guest;
        let day = sizes::day_cost(&guest, 24.0, 0.0, 1.0, 1.0).unwrap();
        assert!((low.per_day - day).abs() < 1e-9, "{} vs {day}", low.per_day);
        let high = MachineSize::parse("high").unwrap().cost("iad").unwrap();
        assert!((high.per_month - 31.15).abs() < 0.01, "{high:?}");
        let lax = MachineSize::parse("high").unwrap().cost("lax").unwrap();
        assert!(lax.per_month > high.per_month, "lax costs more than iad");
    }
}
