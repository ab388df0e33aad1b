//! Regions and sizes to choose from: Fly's live region list (the documented table when Fly
//! cannot be asked), which of them Binance answers from, the default, and every guest size
//! with its estimated cost.

use serde::Serialize;
use ts_rs::TS;

use super::Core;
use crate::error::Result;
use crate::fly::sizes::{self, BinanceAccess};
use crate::machine::size::{self, SizeChoice};

/// One region.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RegionChoice {
    pub code: String,
    pub name: String,
    /// Whether Binance answers from there (`false`: US regions, HTTP 451).
    pub binance: bool,
    pub requires_paid_plan: bool,
}

/// What `trademind regions` and the region picker show.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RegionsView {
    /// `fly` (live list) or `documented` (the built-in table).
    pub source: String,
    /// Why the live list was not used.
    pub warning: Option<String>,
    pub nearest: Option<String>,
    /// The preselected region: the nearest one where Binance answers.
    pub default_region: String,
    pub regions: Vec<RegionChoice>,
    /// Sizes priced for the default region.
    pub sizes: Vec<SizeChoice>,
    pub default_size: String,
}

/// The regions and sizes, live when a token is available.
pub async fn list(core: &Core) -> Result<RegionsView> {
    let live = match core.session(super::Actor::Cli).await {
        Ok(session) => session.fly.regions().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let (source, warning, nearest, mut regions) = match live {
        Ok(list) => {
            let regions: Vec<RegionChoice> = list
                .regions
                .into_iter()
                .filter(|r| !r.deprecated)
                .map(|r| RegionChoice {
                    binance: sizes::binance_access(&r.code) != Some(BinanceAccess::Blocked),
                    code: r.code,
                    name: r.name,
                    requires_paid_plan: r.requires_paid_plan,
                })
                .collect();
            ("fly", None, list.nearest, regions)
        }
        Err(why) => {
            let regions: Vec<RegionChoice> = sizes::REGIONS
                .iter()
                .map(|r| RegionChoice {
                    code: r.code.to_owned(),
                    name: r.location.to_owned(),
                    binance: r.binance == BinanceAccess::Allowed,
                    requires_paid_plan: false,
                })
                .collect();
            let warning = format!(
                "Fly's live list could not be read ({why}); showing the documented regions"
            );
            ("documented", Some(warning), None, regions)
        }
    };
    regions.sort_by(|a: &RegionChoice, b| a.code.cmp(&b.code));
    let default_region = sizes::default_region(nearest.as_deref()).to_owned();
    Ok(RegionsView {
        source: source.to_owned(),
        warning,
        nearest,
        sizes: size::choices(&default_region),
        default_region,
        regions,
        default_size: size::DEFAULT_SIZE.to_owned(),
    })
}
