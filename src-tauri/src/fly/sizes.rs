//! Guest sizes and regions as documented (doc §5): the presets with estimated prices, the
//! memory rules, a cost estimate per hour and per day from the documented price formula, and
//! the documented region table — a fallback for `GET /platform/regions` — marking where
//! Binance refuses connections (US regions answer HTTP 451), so callers default to a region
//! where the screener can reach Binance.
//!
//! Prices are the iad baseline in USD. Published: shared-cpu-1x $1.94/month, performance-N
//! $31·N/month; other presets are the doc's linear extrapolation ($1.944 per shared CPU)
//! and are flagged `published: false`. RAM above the preset costs about $5 per GB per 30
//! days; a month is 30 days (2 592 000 s). Stopped and suspended machines pay only rootfs at
//! $0.15 per GB per 30 days. Regions cost more or less than iad by a factor Fly does not
//! publish in machine-readable form; only lax is documented (2.33 / 1.94).

use super::types::{CpuKind, Guest};
use crate::error::Error;

/// Seconds in Fly's 30-day billing month.
pub const SECONDS_PER_MONTH: f64 = 2_592_000.0;
/// Extra RAM above a preset's default, USD per GB per 30 days (iad).
pub const EXTRA_RAM_USD_PER_GB_MONTH: f64 = 5.0;
/// Rootfs of stopped/suspended machines and volumes, USD per GB per 30 days.
pub const STORAGE_USD_PER_GB_MONTH: f64 = 0.15;
/// The size to use when nothing else is chosen (Fly's default).
pub const DEFAULT_PRESET: &str = "shared-cpu-1x";

/// A named guest size.
#[derive(Debug, Clone, PartialEq)]
pub struct SizePreset {
    pub name: &'static str,
    pub cpu_kind: CpuKind,
    pub cpus: u32,
    /// The default (and included) memory.
    pub memory_mb: u32,
    /// USD per 30 days when started all the time, iad.
    pub usd_per_month: f64,
    /// Whether Fly published this figure (else it is the doc's linear extrapolation).
    pub published: bool,
}

impl SizePreset {
    /// The preset as a `guest` for a machine config.
    pub fn guest(&self) -> Guest {
        Guest::new(self.cpu_kind.clone(), self.cpus, self.memory_mb)
    }
}

const fn shared(name: &'static str, cpus: u32, published: bool) -> SizePreset {
    SizePreset {
        name,
        cpu_kind: CpuKind::Shared,
        cpus,
        memory_mb: 256 * cpus,
        usd_per_month: 1.944 * cpus as f64,
        published,
    }
}

const fn performance(name: &'static str, cpus: u32, published: bool) -> SizePreset {
    SizePreset {
        name,
        cpu_kind: CpuKind::Performance,
        cpus,
        memory_mb: 2048 * cpus,
        usd_per_month: 31.0 * cpus as f64,
        published,
    }
}

/// fly-go's `MachinePresets` without the discontinued GPU sizes.
pub static PRESETS: [SizePreset; 14] = [
    shared("shared-cpu-1x", 1, true),
    shared("shared-cpu-2x", 2, false),
    shared("shared-cpu-4x", 4, false),
    shared("shared-cpu-6x", 6, false),
    shared("shared-cpu-8x", 8, false),
    performance("performance-1x", 1, true),
    performance("performance-2x", 2, true),
    performance("performance-4x", 4, true),
    performance("performance-6x", 6, false),
    performance("performance-8x", 8, true),
    performance("performance-10x", 10, false),
    performance("performance-12x", 12, false),
    performance("performance-14x", 14, false),
    performance("performance-16x", 16, false),
];

/// The preset with this name.
pub fn preset(name: &str) -> Option<&'static SizePreset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// The preset a guest is billed as: same CPU kind and count.
pub fn preset_for(guest: &Guest) -> Option<&'static SizePreset> {
    PRESETS
        .iter()
        .find(|p| p.cpu_kind == guest.cpu_kind && p.cpus == guest.cpus)
}

/// Checks a guest against Fly's rules: CPU counts per kind, memory per CPU (shared 256–2048
/// MB, performance 2048–8192 MB) in steps of 256 MB (shared) or 1024 MB (performance).
pub fn check_guest(guest: &Guest) -> Result<(), Error> {
    let (counts, per_cpu, step): (&[u32], (u32, u32), u32) = match guest.cpu_kind {
        CpuKind::Shared => (&[1, 2, 4, 6, 8], (256, 2048), 256),
        CpuKind::Performance => (
            &[1, 2, 4, 6, 8, 10, 12, 14, 16, 32, 64, 128],
            (2048, 8192),
            1024,
        ),
        CpuKind::Unknown(ref kind) => {
            return Err(Error::InvalidInput(format!("unknown CPU kind {kind:?}")))
        }
    };
    if !counts.contains(&guest.cpus) {
        return Err(Error::InvalidInput(format!(
            "{} CPUs is not offered for {} machines (choose one of {counts:?})",
            guest.cpus, guest.cpu_kind
        )));
    }
    let (low, high) = (per_cpu.0 * guest.cpus, per_cpu.1 * guest.cpus);
    if !(low..=high).contains(&guest.memory_mb) || guest.memory_mb % step != 0 {
        return Err(Error::InvalidInput(format!(
            "{} MB is not valid for {} × {}: use {low}–{high} MB in steps of {step} MB",
            guest.memory_mb, guest.cpus, guest.cpu_kind
        )));
    }
    Ok(())
}

/// A cost rate at several scales (USD).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostEstimate {
    pub per_second: f64,
    pub per_hour: f64,
    pub per_day: f64,
    pub per_month: f64,
}

impl CostEstimate {
    /// From a 30-day monthly figure.
    pub fn from_month(per_month: f64) -> Self {
        let per_second = per_month / SECONDS_PER_MONTH;
        Self {
            per_second,
            per_hour: per_second * 3600.0,
            per_day: per_second * 86_400.0,
            per_month,
        }
    }
}

/// What a started machine of this guest costs: its preset's price plus extra RAM, times the
/// region's factor (1.0 = iad). `None` for a CPU kind/count with no preset.
pub fn started_cost(guest: &Guest, region_factor: f64) -> Option<CostEstimate> {
    let preset = preset_for(guest)?;
    let extra_gb = f64::from(guest.memory_mb.saturating_sub(preset.memory_mb)) / 1024.0;
    let month = preset.usd_per_month + extra_gb * EXTRA_RAM_USD_PER_GB_MONTH;
    Some(CostEstimate::from_month(month * region_factor))
}

/// What a stopped or suspended machine costs: its rootfs only.
pub fn stopped_cost(rootfs_gb: f64) -> CostEstimate {
    CostEstimate::from_month(rootfs_gb * STORAGE_USD_PER_GB_MONTH)
}

/// One day's cost (doc §5 formula): started hours at the started rate, the rest of the day
/// at the rootfs rate, plus provisioned volumes.
pub fn day_cost(
    guest: &Guest,
    started_hours: f64,
    rootfs_gb: f64,
    volumes_gb: f64,
    region_factor: f64,
) -> Option<f64> {
    let started_hours = started_hours.clamp(0.0, 24.0);
    let running = started_cost(guest, region_factor)?.per_hour * started_hours;
    let idle = stopped_cost(rootfs_gb).per_hour * (24.0 - started_hours);
    let volumes = volumes_gb * STORAGE_USD_PER_GB_MONTH / 30.0;
    Some(running + idle + volumes)
}

/// The documented price factor of a region against iad, when there is one.
pub fn region_price_factor(code: &str) -> Option<f64> {
    match code {
        "iad" => Some(1.0),
        "lax" => Some(2.33 / 1.94),
        _ => None,
    }
}

/// Whether Binance's API answers from a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinanceAccess {
    /// Not a documented restricted location.
    Allowed,
    /// US regions: Binance answers HTTP 451 (original system, §4.1).
    Blocked,
}

/// A region from the documented table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionInfo {
    pub code: &'static str,
    pub location: &'static str,
    /// ISO 3166 country code.
    pub country: &'static str,
    /// All but gru and jnb are gateway regions.
    pub gateway: bool,
    pub binance: BinanceAccess,
}

const fn region(code: &'static str, location: &'static str, country: &'static str) -> RegionInfo {
    let us = matches!(country.as_bytes(), b"US");
    let gateway = !matches!(code.as_bytes(), b"gru" | b"jnb");
    RegionInfo {
        code,
        location,
        country,
        gateway,
        binance: if us {
            BinanceAccess::Blocked
        } else {
            BinanceAccess::Allowed
        },
    }
}

/// The documented regions (fallback when the live list cannot be read).
pub static REGIONS: [RegionInfo; 18] = [
    region("ams", "Amsterdam, NL", "NL"),
    region("arn", "Stockholm, SE", "SE"),
    region("bom", "Mumbai, IN", "IN"),
    region("cdg", "Paris, FR", "FR"),
    region("dfw", "Dallas, US", "US"),
    region("ewr", "Secaucus NJ, US", "US"),
    region("fra", "Frankfurt, DE", "DE"),
    region("gru", "São Paulo, BR", "BR"),
    region("iad", "Ashburn, Virginia, US", "US"),
    region("jnb", "Johannesburg, ZA", "ZA"),
    region("lax", "Los Angeles, US", "US"),
    region("lhr", "London, UK", "GB"),
    region("nrt", "Tokyo, JP", "JP"),
    region("ord", "Chicago, US", "US"),
    region("sin", "Singapore", "SG"),
    region("sjc", "San Jose, US", "US"),
    region("syd", "Sydney, AU", "AU"),
    region("yyz", "Toronto, CA", "CA"),
];

/// The default region: where the original system settled (Binance answers there).
pub const DEFAULT_REGION: &str = "sin";

/// The documented region with this code.
pub fn region_info(code: &str) -> Option<&'static RegionInfo> {
    REGIONS.iter().find(|r| r.code == code)
}

/// Whether Binance is known to answer from `code` (`None`: not in the documented table).
pub fn binance_access(code: &str) -> Option<BinanceAccess> {
    region_info(code).map(|r| r.binance)
}

/// A region to preselect: the caller's nearest (from `GET /platform/regions`) when it is a
/// documented region where Binance answers, else [`DEFAULT_REGION`].
pub fn default_region(nearest: Option<&str>) -> &'static str {
    nearest
        .and_then(region_info)
        .filter(|r| r.binance == BinanceAccess::Allowed)
        .map_or(DEFAULT_REGION, |r| r.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guest(kind: CpuKind, cpus: u32, memory_mb: u32) -> Guest {
        Guest::new(kind, cpus, memory_mb)
    }

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance
    }

    /// The doc's published table: size, RAM, $/second, $/month.
    #[test]
    fn prices_match_the_published_table() {
        let table = [
            (CpuKind::Shared, 1, 256, 0.0000008, 1.94),
            (CpuKind::Shared, 1, 1024, 0.0000022, 5.70),
            (CpuKind::Shared, 1, 2048, 0.0000041, 10.70),
            (CpuKind::Performance, 1, 2048, 0.0000120, 31.00),
            (CpuKind::Performance, 1, 4096, 0.0000158, 41.01),
            (CpuKind::Performance, 2, 4096, 0.0000239, 62.00),
            (CpuKind::Performance, 4, 8192, 0.0000478, 124.00),
            (CpuKind::Performance, 8, 16384, 0.0000957, 248.00),
        ];
        for (kind, cpus, memory, per_second, per_month) in table {
            let cost = started_cost(&guest(kind.clone(), cpus, memory), 1.0).unwrap();
            assert!(
                close(cost.per_month, per_month, 0.015),
                "{kind} {cpus}x {memory}: {cost:?}"
            );
            assert!(
                close(cost.per_second, per_second, 0.00000006),
                "{kind} {cpus}x {memory}: {cost:?}"
            );
            assert!(close(cost.per_hour * 720.0, cost.per_month, 1e-9));
            assert!(close(cost.per_day * 30.0, cost.per_month, 1e-9));
        }
    }

    #[test]
    fn extrapolated_presets_match_the_doc() {
        let month = |name| preset(name).unwrap().usd_per_month;
        assert!(close(month("shared-cpu-2x"), 3.89, 0.01));
        assert!(close(month("shared-cpu-4x"), 7.78, 0.01));
        assert!(close(month("shared-cpu-8x"), 15.55, 0.01));
        assert!(close(month("performance-16x"), 496.0, 0.001));
        assert!(!preset("shared-cpu-2x").unwrap().published);
        // The original system's default size, 2 shared CPUs / 512 MB: ≈ $0.13 a day.
        let day = started_cost(&guest(CpuKind::Shared, 2, 512), 1.0)
            .unwrap()
            .per_day;
        assert!(close(day, 3.888 / 30.0, 1e-9));
    }

    #[test]
    fn day_cost_follows_the_formula() {
        let g = guest(CpuKind::Shared, 1, 256);
        // Started all day: the month price / 30.
        assert!(close(
            day_cost(&g, 24.0, 1.0, 0.0, 1.0).unwrap(),
            1.944 / 30.0,
            1e-9
        ));
        // Stopped 10 days with 1 GB rootfs = $0.05 (billing doc example).
        assert!(close(
            day_cost(&g, 0.0, 1.0, 0.0, 1.0).unwrap() * 10.0,
            0.05,
            1e-9
        ));
        // A 3 GB volume adds 3 × 0.15 / 30 a day.
        let with_volume = day_cost(&g, 0.0, 0.0, 3.0, 1.0).unwrap();
        assert!(close(with_volume, 0.015, 1e-9));
        // lax: 2.33 a month for the smallest size.
        let lax = started_cost(&g, region_price_factor("lax").unwrap()).unwrap();
        assert!(close(lax.per_month, 2.33, 0.01));
    }

    #[test]
    fn guest_rules() {
        assert!(check_guest(&PRESETS[0].guest()).is_ok());
        assert!(PRESETS.iter().all(|p| check_guest(&p.guest()).is_ok()));
        assert!(check_guest(&guest(CpuKind::Shared, 2, 512)).is_ok());
        assert!(check_guest(&guest(CpuKind::Shared, 3, 768)).is_err());
        assert!(check_guest(&guest(CpuKind::Shared, 1, 300)).is_err());
        assert!(check_guest(&guest(CpuKind::Shared, 1, 4096)).is_err());
        assert!(check_guest(&guest(CpuKind::Performance, 1, 1024)).is_err());
        assert!(check_guest(&guest(CpuKind::Performance, 2, 12288)).is_ok());
        assert!(check_guest(&guest(CpuKind::Unknown("gpu".into()), 1, 256)).is_err());
    }

    #[test]
    fn regions_mark_binance_blocks() {
        assert_eq!(REGIONS.len(), 18);
        let blocked: Vec<&str> = REGIONS
            .iter()
            .filter(|r| r.binance == BinanceAccess::Blocked)
            .map(|r| r.code)
            .collect();
        assert_eq!(blocked, ["dfw", "ewr", "iad", "lax", "ord", "sjc"]);
        assert!(!region_info("gru").unwrap().gateway && region_info("sin").unwrap().gateway);
        assert_eq!(binance_access(DEFAULT_REGION), Some(BinanceAccess::Allowed));
        assert_eq!(default_region(Some("sjc")), "sin");
        assert_eq!(default_region(Some("fra")), "fra");
        assert_eq!(default_region(Some("xyz")), "sin");
        assert_eq!(default_region(None), "sin");
    }
}
