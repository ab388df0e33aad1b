//! Machine leases (doc §2.2, §8.5): acquire, refresh, read, release, and [`FlyClient::with_lease`]
//! which runs work under a lease and always releases it.
//!
//! The lease answers wrap their data: `{"status":"success","data":{nonce, expires_at, owner,
//! description, version}}`. A lease held by someone else is a 409, final (not retried). To make
//! acquisition safe to retry, each request carries a unique description; after an ambiguous
//! failure the current lease is read and, if it carries that description, it is ours.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::client::{decode, Call, FlyClient};
use super::error::FlyError;
use super::retry;
use super::types::{Lease, LeaseNonce};

/// flyctl asks for 120 s.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(120);

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Serialize)]
struct LeaseBody<'a> {
    ttl: u64,
    description: &'a str,
}

impl FlyClient {
    /// `POST …/lease` `{"ttl", "description"}`. [`FlyError::LeaseHeld`] when another owner
    /// holds it. The description gets a random suffix so a retried request recognises its own
    /// lease.
    pub async fn acquire_lease(
        &self,
        app: &str,
        id: &str,
        ttl: Duration,
        description: &str,
    ) -> Result<Lease, FlyError> {
        let tag: u32 = rand::rng().random();
        let description = format!("{description} [{tag:08x}]");
        let body = LeaseBody {
            ttl: ttl.as_secs().max(1),
            description: &description,
        };
        let call = Call::post(&["apps", app, "machines", id, "lease"]).json(&body)?;
        let call = &call;
        let description = description.as_str();
        let lease = retry::run_recovering(
            &self.options().retry,
            &call.describe(),
            |attempt| async move {
                let body = self.send_once(call, attempt).await?;
                Ok(decode::<Envelope<Lease>>(call, &body)?.data)
            },
            |_| async move {
                let current = self.current_lease(app, id).await.ok().flatten();
                Ok(current.filter(|lease| lease.description == description))
            },
        )
        .await?;
        tracing::debug!(
            app,
            machine = id,
            expires_at = lease.expires_at,
            "acquired lease"
        );
        Ok(lease)
    }

    /// Extends a lease we hold: the same call with our nonce in the header.
    pub async fn refresh_lease(
        &self,
        app: &str,
        id: &str,
        nonce: &LeaseNonce,
        ttl: Duration,
    ) -> Result<Lease, FlyError> {
        let call = Call::post(&["apps", app, "machines", id, "lease"])
            .json(&serde_json::json!({ "ttl": ttl.as_secs().max(1) }))?
            .nonce(Some(nonce));
        let envelope: Envelope<Lease> = self.fetch(call).await?;
        Ok(envelope.data)
    }

    /// `GET …/lease`; `None` when there is no lease (404 `lease not found`).
    pub async fn current_lease(&self, app: &str, id: &str) -> Result<Option<Lease>, FlyError> {
        match self
            .fetch::<Envelope<Lease>>(Call::get(&["apps", app, "machines", id, "lease"]))
            .await
        {
            Ok(envelope) => Ok(Some(envelope.data)),
            Err(FlyError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `DELETE …/lease` with our nonce. A lease that is already gone (expired: 404 `lease not
    /// found`) counts as released.
    pub async fn release_lease(
        &self,
        app: &str,
        id: &str,
        nonce: &LeaseNonce,
    ) -> Result<(), FlyError> {
        let call = Call::delete(&["apps", app, "machines", id, "lease"]).nonce(Some(nonce));
        match self.perform(call).await {
            Ok(()) | Err(FlyError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Acquires the machine's lease, runs `work` with it (pass `lease.nonce` to every
    /// mutating call; compare `lease.version` with a cached `instance_id` and re-read the
    /// machine if they differ), and releases the lease whatever `work` returned. If `work`
    /// panics or the future is dropped, the release is spawned on the runtime; the TTL bounds
    /// the lease if even that cannot run. A failed release after successful work is logged,
    /// not returned (the lease expires by itself).
    pub async fn with_lease<T, E, F, Fut>(
        &self,
        app: &str,
        id: &str,
        ttl: Duration,
        description: &str,
        work: F,
    ) -> Result<T, E>
    where
        F: FnOnce(Lease) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<FlyError>,
    {
        let lease = self.acquire_lease(app, id, ttl, description).await?;
        let mut guard = LeaseGuard {
            client: self.clone(),
            app: app.to_owned(),
            machine: id.to_owned(),
            nonce: Some(lease.nonce.clone()),
        };
        let result = work(lease).await;
        if let Err(e) = guard.release().await {
            tracing::warn!(app, machine = id, error = %e, "could not release the lease; it expires by its TTL");
        }
        result
    }
}

/// Releases the lease on drop if [`LeaseGuard::release`] did not run.
struct LeaseGuard {
    client: FlyClient,
    app: String,
    machine: String,
    nonce: Option<LeaseNonce>,
}

impl LeaseGuard {
    async fn release(&mut self) -> Result<(), FlyError> {
        match self.nonce.take() {
            Some(nonce) => {
                self.client
                    .release_lease(&self.app, &self.machine, &nonce)
                    .await
            }
            None => Ok(()),
        }
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        let Some(nonce) = self.nonce.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let client = self.client.clone();
        let (app, machine) = (self.app.clone(), self.machine.clone());
        runtime.spawn(async move {
            if let Err(e) = client.release_lease(&app, &machine, &nonce).await {
                tracing::warn!(app, machine, error = %e, "could not release an abandoned lease");
            }
        });
    }
}
