//! What tests can read and change behind the API's back: snapshots of apps and machines,
//! secrets and volumes, forced state changes ("stopped outside the app", "stuck in
//! starting") and removing an app.

use super::server::lock;
use super::state::machine::MachineState;
use super::FakeFly;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Instant;

/// An app as the fake holds it.
#[derive(Clone, Debug)]
pub struct AppSnapshot {
    pub name: String,
    pub org_slug: String,
    /// Machines that are neither destroying nor destroyed.
    pub live_machines: usize,
    pub secrets_version: u64,
}

/// A machine as the fake holds it (including destroyed and not-yet-visible ones).
#[derive(Clone, Debug)]
pub struct MachineSnapshot {
    pub id: String,
    pub name: String,
    pub state: String,
    pub region: String,
    pub instance_id: String,
    /// Every instance id so far, oldest first.
    pub versions: Vec<String>,
    pub config: Value,
    pub metadata: BTreeMap<String, String>,
    pub cordoned: bool,
    pub lease_nonce: Option<String>,
    pub lease_owner: Option<String>,
    /// `min_secrets_version` the last create/update carried.
    pub min_secrets_version: Option<u64>,
    /// The app's secrets version when the machine last (re)booted.
    pub booted_secrets_version: Option<u64>,
    /// Whether GET would find it right now.
    pub visible: bool,
    /// `(type, status, source)` of every event, oldest first.
    pub events: Vec<(String, String, String)>,
    /// The Machine JSON the API would return (full view).
    pub json: Value,
}

impl FakeFly {
    /// Every app, by name.
    pub fn apps(&self) -> Vec<AppSnapshot> {
        let world = self.shared.world();
        world
            .apps
            .values()
            .map(|a| AppSnapshot {
                name: a.name.clone(),
                org_slug: a.org_slug.clone(),
                live_machines: a.live_machines().count(),
                secrets_version: a.secrets_version,
            })
            .collect()
    }

    /// Every machine of `app` ever created, in creation order (empty for an unknown app).
    pub fn machines(&self, app: &str) -> Vec<MachineSnapshot> {
        let now = Instant::now();
        let t = &self.shared.timings;
        let world = self.shared.world();
        let Some(app) = world.apps.get(app) else {
            return Vec::new();
        };
        app.machines
            .iter()
            .map(|m| MachineSnapshot {
                id: m.id.clone(),
                name: m.name.clone(),
                state: m.state.as_str().to_string(),
                region: m.region.clone(),
                instance_id: m.instance_id.clone(),
                versions: m.versions.clone(),
                config: Value::Object(m.config.clone()),
                metadata: m
                    .metadata()
                    .into_iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_string())))
                    .collect(),
                cordoned: m.cordoned,
                lease_nonce: m.lease.as_ref().map(|l| l.nonce.clone()),
                lease_owner: m.lease.as_ref().map(|l| l.owner.clone()),
                min_secrets_version: m.min_secrets_version,
                booted_secrets_version: m.booted_secrets_version,
                visible: m.is_visible(now, t),
                events: m
                    .events
                    .iter()
                    .map(|e| (e.kind.to_string(), e.status.clone(), e.source.to_string()))
                    .collect(),
                json: m.to_json(now, t, false),
            })
            .collect()
    }

    /// One machine by id.
    pub fn machine(&self, app: &str, id: &str) -> Option<MachineSnapshot> {
        self.machines(app).into_iter().find(|m| m.id == id)
    }

    /// Forces a machine into `state` (e.g. `"stopped"`, `"destroyed"`, `"failed"`, or a
    /// transient one like `"starting"` to leave it stuck), cancelling pending transitions.
    /// Panics on an unknown app, machine or state.
    pub fn set_machine_state(&self, app: &str, id: &str, state: &str) {
        let state =
            MachineState::parse(state).unwrap_or_else(|| panic!("unknown machine state {state:?}"));
        {
            let mut world = self.shared.world();
            let machine = world
                .apps
                .get_mut(app)
                .and_then(|a| a.machines.iter_mut().find(|m| m.id == id))
                .unwrap_or_else(|| panic!("no machine {id} in app {app}"));
            machine.force_state(Instant::now(), state);
        }
        self.shared.notify();
    }

    /// Makes a just-created app or machine visible at once (skips the visibility lag).
    pub fn reveal(&self, app: &str) {
        let now = Instant::now();
        let mut world = self.shared.world();
        if let Some(a) = world.apps.get_mut(app) {
            a.visible_at = a.visible_at.min(now);
            for m in &mut a.machines {
                m.visible_at = m.visible_at.min(now);
            }
        }
    }

    /// Deletes an app and everything in it, as if removed outside the client. Returns
    /// whether it existed.
    pub fn remove_app(&self, app: &str) -> bool {
        let removed = self.shared.world().apps.remove(app);
        let existed = removed.is_some();
        for volume in removed.iter().flat_map(|a| &a.volumes) {
            self.shared.volume_deleted(&volume.id);
        }
        self.shared.notify();
        existed
    }

    /// The app's secrets (name → value) and current secrets version.
    pub fn secrets(&self, app: &str) -> (BTreeMap<String, String>, u64) {
        let world = self.shared.world();
        world
            .apps
            .get(app)
            .map(|a| {
                let values = a
                    .secrets
                    .iter()
                    .map(|(k, s)| (k.clone(), s.value.clone()))
                    .collect();
                (values, a.secrets_version)
            })
            .unwrap_or_default()
    }

    /// The app's volumes as the API renders them (destroyed ones included).
    pub fn volumes(&self, app: &str) -> Vec<Value> {
        let world = self.shared.world();
        world
            .apps
            .get(app)
            .map(|a| a.volumes.iter().map(|v| a.volume_json(v)).collect())
            .unwrap_or_default()
    }

    /// Drops the lease on a machine as if its TTL had run out.
    pub fn expire_lease(&self, app: &str, id: &str) {
        let mut world = lock(&self.shared.world);
        if let Some(m) = world
            .apps
            .get_mut(app)
            .and_then(|a| a.machines.iter_mut().find(|m| m.id == id))
        {
            m.lease = None;
        }
    }
}
