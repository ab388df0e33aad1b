//! Volumes (doc §2.3): list, get, create, extend, delete. A volume lives on one host in one
//! region; create it before the machine that mounts it (or pass `compute` so it lands on a
//! host that can take that machine), and note that an update cannot change the mount.
//!
//! Create is made idempotent the way machine create is (doc §8.2): volume names are not
//! unique and the API has no idempotency key, so after an ambiguous failure the app's volumes
//! are listed, and a new one with the request's name and region is taken as the result.

use tokio::time::Instant;

use super::client::{decode, Call, FlyClient};
use super::error::FlyError;
use super::retry;
use super::types::{CreateVolumeRequest, ExtendVolumeResponse, Volume};

impl FlyClient {
    /// `GET /apps/{app}/volumes`.
    pub async fn list_volumes(&self, app: &str) -> Result<Vec<Volume>, FlyError> {
        self.fetch(Call::get(&["apps", app, "volumes"])).await
    }

    /// `GET /apps/{app}/volumes/{id}`.
    pub async fn get_volume(&self, app: &str, id: &str) -> Result<Volume, FlyError> {
        self.fetch(Call::get(&["apps", app, "volumes", id])).await
    }

    /// `POST /apps/{app}/volumes`, at most once: transient failures are retried, but after an
    /// ambiguous one (408, 5xx, a connection lost after sending) the app's volumes are listed
    /// first — briefly, as a new volume may take a moment to show — and a live volume with the
    /// request's name and region whose id is not in `existing` (the app's volume ids listed
    /// just before this call) is taken as the one this call made. Only when there is none is
    /// the create sent again.
    pub async fn create_volume(
        &self,
        app: &str,
        request: &CreateVolumeRequest,
        existing: &[String],
    ) -> Result<Volume, FlyError> {
        let call = Call::post(&["apps", app, "volumes"]).json(request)?;
        let call = &call;
        let volume = retry::run_recovering(
            &self.options().retry,
            &call.describe(),
            |attempt| async move {
                let body = self.send_once(call, attempt).await?;
                decode::<Volume>(call, &body)
            },
            |error| {
                tracing::warn!(app, name = %request.name, region = %request.region, error = %error, "volume create may have happened; looking for it");
                self.look_for_created_volume(app, request, existing)
            },
        )
        .await?;
        tracing::info!(app, volume = %volume.id, region = %volume.region, "created volume");
        Ok(volume)
    }

    /// Lists (one HTTP attempt per look) for the create-lookup window, pausing first.
    async fn look_for_created_volume(
        &self,
        app: &str,
        request: &CreateVolumeRequest,
        existing: &[String],
    ) -> Result<Option<Volume>, FlyError> {
        let propagation = &self.options().propagation;
        let deadline = Instant::now() + propagation.create_lookup;
        let call = Call::get(&["apps", app, "volumes"]);
        let mut look = 1;
        loop {
            tokio::time::sleep(propagation.delay(look)).await;
            match self.send_once(&call, look).await {
                Ok(body) => {
                    let volumes: Vec<Volume> = decode(&call, &body)?;
                    let found = volumes.into_iter().find(|v| {
                        v.is_live()
                            && v.name == request.name
                            && v.region == request.region
                            && !existing.contains(&v.id)
                    });
                    if found.is_some() {
                        return Ok(found);
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

    /// `PUT /apps/{app}/volumes/{id}/extend` `{"size_gb"}`; says whether a restart is needed.
    pub async fn extend_volume(
        &self,
        app: &str,
        id: &str,
        size_gb: u32,
    ) -> Result<ExtendVolumeResponse, FlyError> {
        let call = Call::put(&["apps", app, "volumes", id, "extend"])
            .json(&serde_json::json!({ "size_gb": size_gb }))?;
        self.fetch(call).await
    }

    /// `DELETE /apps/{app}/volumes/{id}`; answers the volume in its destroy-path state.
    pub async fn delete_volume(&self, app: &str, id: &str) -> Result<Volume, FlyError> {
        self.fetch(Call::delete(&["apps", app, "volumes", id]))
            .await
    }
}
