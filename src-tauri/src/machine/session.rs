//! What every machine operation works with: the profile's database and keyring, a Fly client
//! for the user's token, the endpoints, who is acting, and where progress goes.

use std::sync::Arc;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::fly::FlyClient;
use crate::machine::endpoints::Endpoints;
use crate::machine::{Progress, ProgressSink};
use crate::secrets::{FlyToken, Vault};
use crate::store::events::{Actor, EventKind};
use crate::store::Store;

/// One operation's context. Cheap to clone.
#[derive(Clone)]
pub struct Session {
    pub store: Store,
    /// `Err` carries why the keyring is unavailable; only the secrets step needs it.
    vault: std::result::Result<Vault, String>,
    pub fly: FlyClient,
    pub endpoints: Endpoints,
    pub actor: Actor,
    pub agent_http: reqwest::Client,
    sink: ProgressSink,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("endpoints", &self.endpoints)
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session for `token` against `endpoints`.
    pub fn new(
        store: Store,
        vault: std::result::Result<Vault, String>,
        token: &FlyToken,
        endpoints: Endpoints,
        actor: Actor,
    ) -> Result<Self> {
        let fly = FlyClient::at(token, &endpoints.fly_api_url)?;
        Ok(Self {
            store,
            vault,
            fly,
            endpoints,
            actor,
            agent_http: crate::machine::health::http_client()?,
            sink: Arc::new(|_| {}),
        })
    }

    /// The same session reporting progress to `sink`.
    pub fn with_progress(mut self, sink: ProgressSink) -> Self {
        self.sink = sink;
        self
    }

    /// Replaces the Fly client (tests use tighter retry policies).
    pub fn with_fly(mut self, fly: FlyClient) -> Self {
        self.fly = fly;
        self
    }

    /// The keyring, or why there is none.
    pub fn vault(&self) -> Result<&Vault> {
        self.vault
            .as_ref()
            .map_err(|detail| Error::KeyringUnavailable {
                detail: detail.clone(),
            })
    }

    /// Sends a progress event.
    pub fn progress(&self, event: Progress) {
        (self.sink)(event);
    }

    /// Records an audit event about `machine_id`; a failure to record is logged, never
    /// allowed to fail the operation it describes.
    pub async fn audit(&self, kind: EventKind, machine_id: Option<&str>, details: Value) {
        if let Err(e) = self
            .store
            .record_machine_event(self.actor, kind, machine_id, details)
            .await
        {
            tracing::error!(error = %e, kind = kind.as_str(), "could not record an audit event");
        }
    }
}
