//! Idempotent machine create (doc §8.2). The API has no idempotency key, and a 408, a 5xx or a
//! dropped connection on create may still have created the machine. So the caller passes a
//! client-generated [`CreateRequestId`], stored in the machine's metadata under
//! [`REQUEST_ID_METADATA_KEY`]; after an ambiguous failure the client lists the app's
//! machines looking for it (briefly, as the list is eventually consistent) and only creates
//! again when it is not there — flyctl's blue-green launch does the same.
//!
//! Persist the id before calling: a provisioning step resumed after a crash can then find the
//! machine with [`FlyClient::find_machine_by_request_id`] instead of creating a second one.

use std::fmt;

use rand::Rng;
use tokio::time::Instant;

use super::client::{decode, Call, FlyClient};
use super::error::FlyError;
use super::machines::{list_call, ListMachines};
use super::retry;
use super::types::{CreateMachineRequest, Machine};

/// The config metadata key that carries the create request id.
pub const REQUEST_ID_METADATA_KEY: &str = "trademind_request_id";

/// A client-generated id that makes one machine create idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreateRequestId(String);

impl CreateRequestId {
    /// 128 random bits as 32 hex characters.
    pub fn generate() -> Self {
        let bits: u128 = rand::rng().random();
        Self(format!("{bits:032x}"))
    }

    /// An id generated earlier (e.g. read back from the provisioning journal).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreateRequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FlyClient {
    /// `POST /apps/{app}/machines`, at most once per `request_id`: transient failures are
    /// retried, but after an ambiguous one the machine is first looked up by its request id.
    /// A `409 already_exists` after an ambiguous failure is also checked against it (our own
    /// earlier attempt may be what exists). Capacity errors are returned at once so the
    /// caller can pick another region.
    pub async fn create_machine(
        &self,
        app: &str,
        request: &CreateMachineRequest,
        request_id: &CreateRequestId,
    ) -> Result<Machine, FlyError> {
        let mut body = request.clone();
        body.config.metadata.insert(
            REQUEST_ID_METADATA_KEY.to_owned(),
            request_id.as_str().to_owned(),
        );
        let call = Call::post(&["apps", app, "machines"]).json(&body)?;
        let call = &call;
        let machine = retry::run_recovering(
            &self.options().retry,
            &call.describe(),
            |attempt| async move {
                let body = self.send_once(call, attempt).await?;
                decode::<Machine>(call, &body)
            },
            |error| {
                tracing::warn!(app, request_id = %request_id, error = %error, "create may have happened; looking for the machine");
                self.look_for_created(app, request_id)
            },
        )
        .await?;
        tracing::info!(app, machine = %machine.id, region = %machine.region, request_id = %request_id, "created machine");
        Ok(machine)
    }

    /// The live machine whose metadata carries `request_id`, if the list shows one now.
    pub async fn find_machine_by_request_id(
        &self,
        app: &str,
        request_id: &CreateRequestId,
    ) -> Result<Option<Machine>, FlyError> {
        let filter = ListMachines {
            metadata: vec![(
                REQUEST_ID_METADATA_KEY.to_owned(),
                request_id.as_str().to_owned(),
            )],
            ..ListMachines::default()
        };
        let machines = self.list_machines(app, &filter).await?;
        Ok(pick(machines, request_id))
    }

    /// Lists (one HTTP attempt per look) for the create-lookup window, pausing first: the
    /// machine may take a moment to appear in the list.
    async fn look_for_created(
        &self,
        app: &str,
        request_id: &CreateRequestId,
    ) -> Result<Option<Machine>, FlyError> {
        let propagation = &self.options().propagation;
        let deadline = Instant::now() + propagation.create_lookup;
        let filter = ListMachines {
            metadata: vec![(
                REQUEST_ID_METADATA_KEY.to_owned(),
                request_id.as_str().to_owned(),
            )],
            ..ListMachines::default()
        };
        let call = list_call(app, &filter);
        let mut look = 1;
        loop {
            tokio::time::sleep(propagation.delay(look)).await;
            match self.send_once(&call, look).await {
                Ok(body) => {
                    let machines: Vec<Machine> = decode(&call, &body)?;
                    if let Some(found) = pick(machines, request_id) {
                        return Ok(Some(found));
                    }
                }
                Err(e) if e.is_transient() => {}
                Err(e) => return Err(e),
            }
            if Instant::now() + propagation.delay(look + 1) >= deadline {
                return Ok(None);
            }
            look += 1;
        }
    }
}

/// The active machine tagged with `request_id` (checked here too: the filter is a hint).
fn pick(machines: Vec<Machine>, request_id: &CreateRequestId) -> Option<Machine> {
    machines.into_iter().find(|m| {
        m.state.is_active() && m.metadata(REQUEST_ID_METADATA_KEY) == Some(request_id.as_str())
    })
}
