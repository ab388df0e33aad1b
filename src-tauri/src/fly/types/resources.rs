//! Everything around machines: apps and orgs (doc §2.1), volumes (§2.3), app secrets
//! (§2.4, names and digests only — values are never read back), regions and the current
//! token (§2.5, §1), and leases (§2.2).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::null_as_default;

/// A Fly app (`GET /apps/{app}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct App {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// `pending` right after create; `deployed` or `suspended` once usable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_numeric_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cname_target: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The org an app belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_numeric_id: Option<u64>,
}

/// `POST /apps`. The field is `name` (older docs: `app_name`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateAppRequest {
    pub name: String,
    pub org_slug: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_subdomains: Option<bool>,
}

/// A volume (`vol_…`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// `created`, or a destroy-path state (`scheduling_destroy`, `pending_destroy`, …).
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub size_gb: u32,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub zone: String,
    #[serde(default)]
    pub encrypted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_machine_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_alloc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fstype: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_retention: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_backup_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_status: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Volume {
    /// The states of a volume on its way to deletion (fly-go `flaps_volumes.go`).
    pub const DESTROY_STATES: [&'static str; 6] = [
        "scheduling_destroy",
        "fork_cleanup",
        "waiting_for_detach",
        "pending_destroy",
        "destroying",
        "destroyed",
    ];

    /// Not deleted nor being deleted.
    pub fn is_live(&self) -> bool {
        !Self::DESTROY_STATES.contains(&self.state.as_str())
    }

    /// Mounted by a machine (Fly fills `attached_machine_id`; empty counts as none).
    pub fn is_attached(&self) -> bool {
        self.attached_machine_id
            .as_deref()
            .is_some_and(|id| !id.is_empty())
    }
}

/// `POST /apps/{app}/volumes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateVolumeRequest {
    pub name: String,
    pub region: String,
    /// Default 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_gb: Option<u32>,
    /// Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_unique_zone: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_volume_id: Option<String>,
    /// 1–60 days, default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_retention: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_backup_enabled: Option<bool>,
    /// `ext4` or `raw`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fstype: Option<String>,
    /// The guest (`{cpu_kind, cpus, memory_mb}`) of the machine to come, so the volume lands
    /// on a host that can take it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_zone_app_wide: Option<bool>,
}

/// The answer to `PUT …/volumes/{id}/extend`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtendVolumeResponse {
    #[serde(default)]
    pub needs_restart: bool,
    pub volume: Volume,
}

/// An app secret as listed: its name and digest, never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSecret {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// The answer to a secrets write: the new secrets version (pass it as `min_secrets_version`
/// on the next machine create/update) and, for bulk writes, the secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretsVersion {
    pub version: u64,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub secrets: Vec<AppSecret>,
}

/// One region of `GET /platform/regions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub latitude: f64,
    #[serde(default)]
    pub longitude: f64,
    #[serde(default)]
    pub gateway_available: bool,
    #[serde(default)]
    pub requires_paid_plan: bool,
    #[serde(default)]
    pub deprecated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
}

/// `GET /platform/regions` (fly-go's tags are `Regions`/`Nearest`: both spellings read).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionList {
    #[serde(default, alias = "Regions", deserialize_with = "null_as_default")]
    pub regions: Vec<Region>,
    #[serde(default, alias = "Nearest", skip_serializing_if = "Option::is_none")]
    pub nearest: Option<String>,
}

/// What the token in use covers (`GET /tokens/current`, one entry per token part).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Value>,
    /// The apps an app-scoped token is limited to; empty for an org token.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub apps: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restricted_to_machine: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_machine_id: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The nonce of a held lease, sent as `fly-machine-lease-nonce` on calls to the machine.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LeaseNonce(String);

impl LeaseNonce {
    pub fn new(nonce: impl Into<String>) -> Self {
        Self(nonce.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A machine lease (`data` of the lease answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub nonce: LeaseNonce,
    /// Unix seconds.
    #[serde(default)]
    pub expires_at: i64,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub description: String,
    /// The machine version the lease was taken on; if it differs from a cached
    /// `instance_id`, re-read the machine (doc §8.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}
