//! The fake's world: apps (global names, per-org), their machines, volumes and secrets, with
//! the visibility lags of §8 (new apps and machines 404 for a moment).

pub(crate) mod guest;
mod lifecycle;
pub(crate) mod machine;

use super::clock::{rfc3339, unix_millis};
use super::config::Timings;
use super::http::{app_not_found, machine_not_found, Reply};
use machine::{Machine, MachineState};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Instant, SystemTime};

#[derive(Clone, Debug)]
pub(crate) struct Secret {
    pub value: String,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
}

#[derive(Clone, Debug)]
pub(crate) struct Volume {
    pub id: String,
    pub name: String,
    pub region: String,
    pub zone: String,
    pub size_gb: u64,
    pub encrypted: bool,
    pub fstype: String,
    pub created_at: SystemTime,
    pub destroyed: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct App {
    pub id: String,
    pub name: String,
    pub org_slug: String,
    pub internal_numeric_id: u64,
    pub created_at: SystemTime,
    pub visible_at: Instant,
    pub machines: Vec<Machine>,
    pub volumes: Vec<Volume>,
    pub secrets: BTreeMap<String, Secret>,
    pub secrets_version: u64,
}

impl App {
    pub fn new(name: String, org_slug: String, visible_at: Instant, numeric_id: u64) -> Self {
        Self {
            id: super::ids::alnum(16),
            name,
            org_slug,
            internal_numeric_id: numeric_id,
            created_at: SystemTime::now(),
            visible_at,
            machines: Vec::new(),
            volumes: Vec::new(),
            secrets: BTreeMap::new(),
            secrets_version: 0,
        }
    }

    /// Machines that are neither destroyed nor destroying.
    pub fn live_machines(&self) -> impl Iterator<Item = &Machine> {
        self.machines
            .iter()
            .filter(|m| !matches!(m.state, MachineState::Destroyed | MachineState::Destroying))
    }

    pub fn to_json(&self, org_name: &str, org_numeric_id: u64) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "status": if self.machines.is_empty() { "pending" } else { "deployed" },
            "network": "default",
            "machine_count": self.live_machines().count(),
            "volume_count": self.volumes.iter().filter(|v| !v.destroyed).count(),
            "internal_numeric_id": self.internal_numeric_id,
            "organization": { "name": org_name, "slug": self.org_slug, "internal_numeric_id": org_numeric_id },
            "cname_target": format!("{}.fly.dev", self.name),
            "app_role": "",
            "created_at": unix_millis(self.created_at),
        })
    }

    /// A machine the API can see right now, else 404.
    pub fn machine_mut(
        &mut self,
        id: &str,
        now: Instant,
        t: &Timings,
    ) -> Result<&mut Machine, Reply> {
        self.machines
            .iter_mut()
            .find(|m| m.id == id && m.is_visible(now, t))
            .ok_or_else(machine_not_found)
    }

    /// The live machine that mounts `volume_id`, if any.
    pub fn attached_machine(&self, volume_id: &str) -> Option<&Machine> {
        self.live_machines().find(|m| {
            guest::mounted_volumes(&m.config)
                .iter()
                .any(|v| v == volume_id)
        })
    }

    pub fn volume_json(&self, v: &Volume) -> Value {
        let attached = self.attached_machine(&v.id).map(|m| m.id.clone());
        json!({
            "id": v.id,
            "name": v.name,
            "state": if v.destroyed { "destroyed" } else { "created" },
            "size_gb": v.size_gb,
            "region": v.region,
            "zone": v.zone,
            "encrypted": v.encrypted,
            "attached_machine_id": attached,
            "attached_alloc_id": Value::Null,
            "created_at": rfc3339(v.created_at),
            "blocks": 0, "block_size": 4096, "blocks_free": 0, "blocks_avail": 0,
            "fstype": v.fstype,
            "snapshot_retention": 5,
            "auto_backup_enabled": true,
            "host_status": "ok",
        })
    }
}

/// Everything the fake knows.
#[derive(Default)]
pub(crate) struct World {
    pub apps: BTreeMap<String, App>,
    pub next_numeric_id: u64,
}

impl World {
    /// Runs every due transition and lease expiry.
    pub fn advance(&mut self, now: Instant) {
        for app in self.apps.values_mut() {
            for m in &mut app.machines {
                m.advance(now);
            }
        }
    }

    /// An app the API can see right now, else 404.
    pub fn app(&self, name: &str, now: Instant) -> Result<&App, Reply> {
        self.apps
            .get(name)
            .filter(|a| now >= a.visible_at)
            .ok_or_else(app_not_found)
    }

    pub fn app_mut(&mut self, name: &str, now: Instant) -> Result<&mut App, Reply> {
        self.apps
            .get_mut(name)
            .filter(|a| now >= a.visible_at)
            .ok_or_else(app_not_found)
    }

    /// The earliest scheduled transition anywhere (for `/wait` wake-ups); machines held for
    /// their process's exit have none until it exits.
    pub fn next_step_at(&self) -> Option<Instant> {
        self.apps
            .values()
            .flat_map(|a| a.machines.iter())
            .filter(|m| !m.held())
            .filter_map(|m| m.plan.front().map(|s| s.at))
            .min()
    }
}
