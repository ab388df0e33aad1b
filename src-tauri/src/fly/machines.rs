//! Machines (doc §2.2): list, get, update (checked for a new version), start, stop, restart,
//! suspend, destroy (optionally forced), cordon, events and metadata. Create lives in
//! [`super::create`] because it needs the idempotency dance.
//!
//! Every mutating call takes the lease nonce when the caller holds one: a leased machine
//! refuses changes without it, even from the lease holder (doc §8.5).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::client::{decode, Call, FlyClient};
use super::error::{FlyError, Reply};
use super::retry;
use super::types::{
    LeaseNonce, Machine, MachineEvent, MachineState, StartResponse, UpdateMachineRequest,
};

/// Most events `GET …/events` returns.
pub const MAX_EVENTS: u32 = 50;

/// Filters of `GET /apps/{app}/machines`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListMachines {
    pub include_deleted: bool,
    pub region: Option<String>,
    /// Only these states (the API accepts `created`, `started`, `stopped`, `suspended`).
    pub states: Vec<MachineState>,
    /// Omit config, checks, events and nonce.
    pub summary: bool,
    /// `metadata.{key}=value` filters.
    pub metadata: Vec<(String, String)>,
}

/// `POST …/stop`. An empty object is still sent: a missing or wrong body is a 400.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopOptions {
    /// Default `SIGINT` (or the config's `stop_config`).
    pub signal: Option<String>,
    /// How long before the machine is killed.
    pub timeout: Option<Duration>,
}

/// `POST …/restart`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestartOptions {
    pub signal: Option<String>,
    pub timeout: Option<Duration>,
    pub force_stop: bool,
}

/// A Go duration string, as fly-go sends durations.
pub(crate) fn go_duration(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

impl FlyClient {
    /// `GET /apps/{app}/machines`. The list is eventually consistent: a machine created a
    /// moment ago may be missing.
    pub async fn list_machines(
        &self,
        app: &str,
        filter: &ListMachines,
    ) -> Result<Vec<Machine>, FlyError> {
        self.fetch(list_call(app, filter)).await
    }

    /// `GET /apps/{app}/machines/{id}`.
    pub async fn get_machine(&self, app: &str, id: &str) -> Result<Machine, FlyError> {
        self.fetch(Call::get(&["apps", app, "machines", id])).await
    }

    /// `POST /apps/{app}/machines/{id}` with the whole config. With `current_version` set
    /// (the `instance_id` the config was read from), an answer that still carries that
    /// version is [`FlyError::UpdateNotApplied`], and after an ambiguous failure the machine
    /// is re-read: a new version means the update went through and is not sent twice.
    pub async fn update_machine(
        &self,
        app: &str,
        id: &str,
        request: &UpdateMachineRequest,
        nonce: Option<&LeaseNonce>,
    ) -> Result<Machine, FlyError> {
        let call = Call::post(&["apps", app, "machines", id])
            .json(request)?
            .nonce(nonce);
        let call = &call;
        let previous = request.current_version.as_deref();
        let updated = retry::run_recovering(
            &self.options().retry,
            &call.describe(),
            |attempt| async move {
                let body = self.send_once(call, attempt).await?;
                decode::<Machine>(call, &body)
            },
            |_| async move {
                let Some(previous) = previous else {
                    return Ok(None);
                };
                let machine = self.get_machine(app, id).await.ok();
                Ok(machine.filter(|m| m.current_version().is_some_and(|v| v != previous)))
            },
        )
        .await?;
        if let (Some(previous), Some(now)) = (previous, updated.current_version()) {
            if previous == now {
                return Err(FlyError::UpdateNotApplied {
                    machine_id: id.to_owned(),
                    expected: "a new version".to_owned(),
                    actual: now.to_owned(),
                });
            }
        }
        tracing::info!(
            app,
            machine = id,
            version = updated.current_version().unwrap_or(""),
            "updated machine"
        );
        Ok(updated)
    }

    /// `POST …/start`. An answer with `status: "error"` is [`FlyError::IllegalState`].
    pub async fn start_machine(
        &self,
        app: &str,
        id: &str,
        nonce: Option<&LeaseNonce>,
    ) -> Result<StartResponse, FlyError> {
        let call = Call::post(&["apps", app, "machines", id, "start"]).nonce(nonce);
        let response: StartResponse = self.fetch(call).await?;
        if response.status.as_deref() == Some("error") {
            let message = response
                .message
                .clone()
                .unwrap_or_else(|| "start failed".into());
            return Err(FlyError::IllegalState(Reply {
                status: 200,
                message,
                code: None,
                request_id: None,
            }));
        }
        Ok(response)
    }

    /// `POST …/stop` (always with a JSON object body).
    pub async fn stop_machine(
        &self,
        app: &str,
        id: &str,
        options: &StopOptions,
        nonce: Option<&LeaseNonce>,
    ) -> Result<(), FlyError> {
        #[derive(Serialize)]
        struct StopBody<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            signal: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            timeout: Option<String>,
        }
        let body = StopBody {
            signal: options.signal.as_deref(),
            timeout: options.timeout.map(go_duration),
        };
        let call = Call::post(&["apps", app, "machines", id, "stop"])
            .json(&body)?
            .nonce(nonce);
        self.perform(call).await
    }

    /// `POST …/restart?timeout=…&signal=…&force_stop=…`.
    pub async fn restart_machine(
        &self,
        app: &str,
        id: &str,
        options: &RestartOptions,
        nonce: Option<&LeaseNonce>,
    ) -> Result<(), FlyError> {
        let call = Call::post(&["apps", app, "machines", id, "restart"])
            .query_opt("timeout", options.timeout.map(go_duration))
            .query_opt("signal", options.signal.as_deref())
            .query("force_stop", options.force_stop)
            .nonce(nonce);
        self.perform(call).await
    }

    /// `POST …/suspend` (memory ≤ 2 GB, no swap, no schedule).
    pub async fn suspend_machine(
        &self,
        app: &str,
        id: &str,
        nonce: Option<&LeaseNonce>,
    ) -> Result<(), FlyError> {
        let call = Call::post(&["apps", app, "machines", id, "suspend"]).nonce(nonce);
        self.perform(call).await
    }

    /// `DELETE …/{id}[?force=true]`. Without `force` only stopped, suspended (or created,
    /// failed) machines may be destroyed; `force` is the way out of a stuck state.
    pub async fn destroy_machine(
        &self,
        app: &str,
        id: &str,
        force: bool,
        nonce: Option<&LeaseNonce>,
    ) -> Result<(), FlyError> {
        let mut call = Call::delete(&["apps", app, "machines", id]).nonce(nonce);
        if force {
            call = call.query("force", "true");
        }
        self.perform(call).await
    }

    /// `POST …/cordon`: the proxy stops routing to the machine.
    pub async fn cordon_machine(
        &self,
        app: &str,
        id: &str,
        nonce: Option<&LeaseNonce>,
    ) -> Result<(), FlyError> {
        let call = Call::post(&["apps", app, "machines", id, "cordon"]).nonce(nonce);
        self.perform(call).await
    }

    /// `POST …/uncordon`.
    pub async fn uncordon_machine(
        &self,
        app: &str,
        id: &str,
        nonce: Option<&LeaseNonce>,
    ) -> Result<(), FlyError> {
        let call = Call::post(&["apps", app, "machines", id, "uncordon"]).nonce(nonce);
        self.perform(call).await
    }

    /// `GET …/events?limit=N`, newest first; `limit` is clamped to 1–50.
    pub async fn machine_events(
        &self,
        app: &str,
        id: &str,
        limit: u32,
    ) -> Result<Vec<MachineEvent>, FlyError> {
        let call = Call::get(&["apps", app, "machines", id, "events"])
            .query("limit", limit.clamp(1, MAX_EVENTS));
        self.fetch(call).await
    }

    /// `GET …/metadata`.
    pub async fn machine_metadata(
        &self,
        app: &str,
        id: &str,
    ) -> Result<BTreeMap<String, String>, FlyError> {
        self.fetch(Call::get(&["apps", app, "machines", id, "metadata"]))
            .await
    }

    /// `POST …/metadata/{key}` `{"value": …}` (204).
    pub async fn set_machine_metadata(
        &self,
        app: &str,
        id: &str,
        key: &str,
        value: &str,
        nonce: Option<&LeaseNonce>,
    ) -> Result<(), FlyError> {
        let call = Call::post(&["apps", app, "machines", id, "metadata", key])
            .json(&serde_json::json!({ "value": value }))?
            .nonce(nonce);
        self.perform(call).await
    }

    /// `DELETE …/metadata/{key}` (204).
    pub async fn delete_machine_metadata(
        &self,
        app: &str,
        id: &str,
        key: &str,
        nonce: Option<&LeaseNonce>,
    ) -> Result<(), FlyError> {
        let call = Call::delete(&["apps", app, "machines", id, "metadata", key]).nonce(nonce);
        self.perform(call).await
    }
}

/// The list call with its filters as query parameters.
pub(crate) fn list_call(app: &str, filter: &ListMachines) -> Call {
    let mut call = Call::get(&["apps", app, "machines"]);
    if filter.include_deleted {
        call = call.query("include_deleted", "true");
    }
    if let Some(region) = &filter.region {
        call = call.query("region", region);
    }
    if !filter.states.is_empty() {
        let states: Vec<&str> = filter.states.iter().map(MachineState::as_str).collect();
        call = call.query("state", states.join(","));
    }
    if filter.summary {
        call = call.query("summary", "true");
    }
    for (key, value) in &filter.metadata {
        call = call.query(&format!("metadata.{key}"), value);
    }
    call
}
