//! Volumes (doc §2.3): list, get, create, extend, delete. A volume lives on one host in one
//! region; create it before the machine that mounts it (or pass `compute` so it lands on a
//! host that can take that machine), and note that an update cannot change the mount.

use super::client::{Call, FlyClient};
use super::error::FlyError;
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

    /// `POST /apps/{app}/volumes`. Not retried after an ambiguous failure by lookup: list the
    /// volumes by name before creating again.
    pub async fn create_volume(
        &self,
        app: &str,
        request: &CreateVolumeRequest,
    ) -> Result<Volume, FlyError> {
        let call = Call::post(&["apps", app, "volumes"]).json(request)?;
        let volume: Volume = self.fetch(call).await?;
        tracing::info!(app, volume = %volume.id, region = %volume.region, "created volume");
        Ok(volume)
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
