//! The `machine` row: the user's Fly app and machine as this app last saw them.

use serde::Serialize;
use ts_rs::TS;

use crate::error::Result;
use crate::store::{now, Store};

/// What the app knows about the user's machine (one per profile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MachineRecord {
    pub app: String,
    pub org_slug: String,
    pub machine_id: Option<String>,
    pub instance_id: Option<String>,
    pub region: String,
    pub size: String,
    pub image: String,
    /// Fly's state when last seen.
    pub state: Option<String>,
    /// RFC 3339, when Fly last reported `state`.
    pub seen_at: Option<String>,
    /// The Fly secrets version provisioning last set.
    pub secrets_version: Option<i64>,
    /// A hash of Fly's digests of the agent secrets as this profile set them.
    #[serde(skip)]
    #[ts(skip)]
    pub secrets_fingerprint: Option<String>,
}

type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

impl Store {
    /// The machine record, if provisioning ever got as far as the app.
    pub async fn machine(&self) -> Result<Option<MachineRecord>> {
        let row: Option<Row> = sqlx::query_as(
            "SELECT app, org_slug, machine_id, instance_id, region, size, image, state, seen_at, \
                    secrets_version, secrets_fingerprint FROM machine WHERE id = 1",
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(
            |(
                app,
                org_slug,
                machine_id,
                instance_id,
                region,
                size,
                image,
                state,
                seen_at,
                secrets_version,
                secrets_fingerprint,
            )| {
                MachineRecord {
                    app,
                    org_slug,
                    machine_id,
                    instance_id,
                    region,
                    size,
                    image,
                    state,
                    seen_at,
                    secrets_version,
                    secrets_fingerprint,
                }
            },
        ))
    }

    /// Writes the whole record.
    pub async fn save_machine(&self, m: &MachineRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO machine (id, app, org_slug, machine_id, instance_id, region, size, image, \
                                  state, seen_at, secrets_version, secrets_fingerprint, \
                                  updated_at) \
             VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET app = excluded.app, org_slug = excluded.org_slug, \
               machine_id = excluded.machine_id, instance_id = excluded.instance_id, \
               region = excluded.region, size = excluded.size, image = excluded.image, \
               state = excluded.state, seen_at = excluded.seen_at, \
               secrets_version = excluded.secrets_version, \
               secrets_fingerprint = excluded.secrets_fingerprint, updated_at = excluded.updated_at",
        )
        .bind(&m.app)
        .bind(&m.org_slug)
        .bind(&m.machine_id)
        .bind(&m.instance_id)
        .bind(&m.region)
        .bind(&m.size)
        .bind(&m.image)
        .bind(&m.state)
        .bind(&m.seen_at)
        .bind(m.secrets_version)
        .bind(&m.secrets_fingerprint)
        .bind(now())
        .execute(self.pool())
        .await?;
        self.note_machine_state().await
    }

    /// Records the state Fly reported for the machine (and its version when known).
    pub async fn machine_seen(&self, state: &str, instance_id: Option<&str>) -> Result<()> {
        sqlx::query(
            "UPDATE machine SET state = ?, seen_at = ?, updated_at = ?, \
               instance_id = COALESCE(?, instance_id) WHERE id = 1",
        )
        .bind(state)
        .bind(now())
        .bind(now())
        .bind(instance_id)
        .execute(self.pool())
        .await?;
        self.note_machine_state().await
    }

    /// Forgets the machine (destroyed), keeping the app, region, size and image.
    pub async fn machine_gone(&self) -> Result<()> {
        sqlx::query(
            "UPDATE machine SET machine_id = NULL, instance_id = NULL, state = 'destroyed', \
               seen_at = ?, updated_at = ? WHERE id = 1",
        )
        .bind(now())
        .bind(now())
        .execute(self.pool())
        .await?;
        self.note_machine_state().await
    }

    /// Forgets everything (the app is gone).
    pub async fn forget_machine(&self) -> Result<()> {
        sqlx::query("DELETE FROM machine WHERE id = 1")
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn saves_updates_and_forgets_the_machine() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        assert_eq!(store.machine().await.unwrap(), None);
        let mut record = MachineRecord {
            app: "trademind-abc".into(),
            org_slug: "personal".into(),
            machine_id: None,
            instance_id: None,
            region: "ams".into(),
            size: "shared-cpu-2x".into(),
            image: "registry.fly.io/trademind-screener:0.1.0".into(),
            state: None,
            seen_at: None,
            secrets_version: None,
            secrets_fingerprint: None,
        };
        store.save_machine(&record).await.unwrap();
        record.machine_id = Some("148e1234567890".into());
        store.save_machine(&record).await.unwrap();
        store.machine_seen("started", Some("01J0")).await.unwrap();
        let seen = store.machine().await.unwrap().unwrap();
        assert_eq!(seen.state.as_deref(), Some("started"));
        assert_eq!(seen.instance_id.as_deref(), Some("01J0"));
        assert!(seen.seen_at.is_some());
        store.machine_gone().await.unwrap();
        let gone = store.machine().await.unwrap().unwrap();
        assert_eq!(
            (gone.machine_id, gone.state.as_deref()),
            (None, Some("destroyed"))
        );
        assert_eq!(gone.app, "trademind-abc");
        store.forget_machine().await.unwrap();
        assert_eq!(store.machine().await.unwrap(), None);
    }
}
