//! What the user's machine should be: the app name, the pinned agent image, the region, the
//! guest size and the data volume, from the settings and the token's organisation — and the
//! machine config that says so to Fly.

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::fly::types::{
    Autostop, CreateMachineRequest, FlyDuration, MachineCheck, MachineConfig, MachineService,
    Mount, RestartMode, RestartPolicy, ServicePort, StopConfig,
};
use crate::machine::size::MachineSize;

/// The agent image when none is configured: pinned to this build's agent version.
pub const DEFAULT_IMAGE: &str = concat!(
    "registry.fly.io/trademind-agent:",
    env!("CARGO_PKG_VERSION")
);

/// The port the agent listens on inside the machine (`screener serve --listen 0.0.0.0:8080`).
pub const AGENT_PORT: u16 = 8080;

/// The agent machine's name. Fly keeps machine names unique per app, so a second create
/// with this name is refused: the app can never hold two agents made by concurrent starts.
pub const AGENT_NAME: &str = "trademind-agent";

/// Metadata key with the desktop version that created the machine.
pub const VERSION_KEY: &str = "trademind_version";
/// Restarts Fly makes after a crash before leaving the machine `stopped` (then shown as
/// crash-looping with its exit events).
pub const MAX_RESTARTS: u32 = 10;
/// The agent gets this long to drain (flush its signal journal) when stopped.
pub const STOP_TIMEOUT_SECS: u64 = 30;

/// The name of the agent's data volume (Fly: 1–30 lowercase letters, digits and underscores;
/// names are not unique, the provisioning step keeps it to one per app). `screener/fly.toml`
/// mounts the same name.
pub const VOLUME_NAME: &str = "trademind_data";
/// Where the volume is mounted: the agent's `--data-dir` (the image's CMD), holding its
/// SQLite journal — signals, deployed traders, applied command ids. Fly resets the root file
/// system on every restart, stop/start and update; only a volume keeps these.
pub const DATA_PATH: &str = "/data";
/// The volume's size in GB (Fly sizes volumes in whole GB and can extend one later; the
/// journal is a small SQLite file).
pub const VOLUME_SIZE_GB: u32 = 1;

/// Metadata key marking the machine as TradeMind's agent (how it is found again).
pub const ROLE_KEY: &str = "trademind_role";
/// The value of [`ROLE_KEY`].
pub const ROLE_AGENT: &str = "agent";
/// Metadata key holding the user the machine was made for (the token's user, an email or id),
/// so support staff can find a user's machine by it.
pub const USER_KEY: &str = "trademind_user";
// The metadata key holding a run's client-generated request id is the client's
// `crate::fly::REQUEST_ID_METADATA_KEY`: the client writes it on create and finds by it.

/// The user's app name: `trademind-` and a stable hash of the organisation and user, so the
/// same person finds the same app from any computer, and names never clash between people.
pub fn app_name(org_slug: &str, user: Option<&str>) -> String {
    let mut hash = Sha256::new();
    hash.update(org_slug.as_bytes());
    hash.update([0]);
    hash.update(user.unwrap_or("").as_bytes());
    let digest = hash.finalize();
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("trademind-{hex}")
}

/// The volume the machine config mounts on [`DATA_PATH`], if any.
pub fn data_volume(config: &MachineConfig) -> Option<&str> {
    config
        .mounts
        .iter()
        .find(|m| m.path.trim_end_matches('/') == DATA_PATH)
        .map(|m| m.volume.as_str())
        .filter(|id| !id.is_empty())
}

/// Checks an app name the user chose (Fly: under 63 characters, lowercase letters, digits and
/// dashes).
pub fn check_app_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() < 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "{name:?} is not a valid Fly app name (under 63 characters: lowercase letters, \
             digits and dashes)"
        )))
    }
}

/// Checks that an image reference is pinned: a digest (`@sha256:…`) or an explicit tag other
/// than `latest`. A floating tag would let a machine restart onto an agent this app was never
/// tested with.
pub fn check_image(image: &str) -> Result<()> {
    let image = image.trim();
    if image.is_empty() || image.contains(char::is_whitespace) {
        return Err(Error::InvalidInput(format!(
            "{image:?} is not an image reference"
        )));
    }
    if let Some((_, digest)) = image.split_once('@') {
        let hex = digest.strip_prefix("sha256:").unwrap_or("");
        if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(());
        }
        return Err(Error::InvalidInput(format!(
            "{image:?} has a malformed digest (expected @sha256: and 64 hex digits)"
        )));
    }
    // The tag is after the last ':' that comes after the last '/' (a registry port is not one).
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, "latest")) => Err(Error::InvalidInput(format!(
            "{image:?} uses the floating tag `latest`; pin a version tag or a digest"
        ))),
        Some((_, tag)) if !tag.is_empty() => Ok(()),
        _ => Err(Error::InvalidInput(format!(
            "{image:?} has no tag (that means `latest`); pin a version tag or a digest"
        ))),
    }
}

/// The agent machine's whole config: the pinned image, the guest size, the data volume
/// `volume_id` mounted on [`DATA_PATH`], restarts on failure and never auto-destroyed, one
/// HTTPS service on the agent's port with an HTTP check on `/health`, and the proxy's
/// autostop and autostart off — it is a background worker that must keep running without
/// traffic, and only the user starts it.
pub fn agent_config(image: &str, size: &MachineSize, volume_id: &str) -> Result<MachineConfig> {
    check_image(image)?;
    crate::fly::sizes::check_guest(&size.guest)?;
    let health = MachineCheck {
        kind: Some("http".into()),
        port: Some(AGENT_PORT),
        interval: Some(FlyDuration::seconds(15)),
        timeout: Some(FlyDuration::seconds(5)),
        grace_period: Some(FlyDuration::seconds(30)),
        method: Some("GET".into()),
        path: Some("/health".into()),
        protocol: Some("http".into()),
        ..MachineCheck::default()
    };
    let port = |port: u16, handlers: &[&str], force_https: Option<bool>| ServicePort {
        port: Some(port),
        handlers: handlers.iter().map(|h| (*h).to_owned()).collect(),
        force_https,
        ..ServicePort::default()
    };
    let service = MachineService {
        protocol: "tcp".into(),
        internal_port: AGENT_PORT,
        ports: vec![
            port(443, &["tls", "http"], None),
            port(80, &["http"], Some(true)),
        ],
        autostop: Some(Autostop::Off),
        autostart: Some(false),
        min_machines_running: Some(0),
        checks: vec![health],
        ..MachineService::default()
    };
    let mut config = MachineConfig {
        image: image.to_owned(),
        guest: Some(size.guest.clone()),
        services: vec![service],
        mounts: vec![Mount {
            volume: volume_id.to_owned(),
            path: DATA_PATH.to_owned(),
            ..Mount::default()
        }],
        restart: Some(RestartPolicy {
            policy: RestartMode::OnFailure,
            max_retries: Some(MAX_RESTARTS),
        }),
        auto_destroy: Some(false),
        stop_config: Some(StopConfig {
            signal: Some("SIGTERM".into()),
            timeout: Some(FlyDuration::seconds(STOP_TIMEOUT_SECS)),
        }),
        ..MachineConfig::default()
    };
    config.metadata.insert(ROLE_KEY.into(), ROLE_AGENT.into());
    config
        .metadata
        .insert(VERSION_KEY.into(), env!("CARGO_PKG_VERSION").into());
    Ok(config)
}

/// The create request: the config, an explicit region — the volume's: a machine can mount
/// only a volume in its own region (doc §2.2 "Placement rule") —, and the secrets version to
/// boot with.
pub fn create_request(
    image: &str,
    size: &MachineSize,
    region: &str,
    volume_id: &str,
    secrets_version: Option<u64>,
) -> Result<CreateMachineRequest> {
    Ok(CreateMachineRequest {
        config: agent_config(image, size, volume_id)?,
        name: Some(AGENT_NAME.into()),
        region: Some(region.to_owned()),
        min_secrets_version: secrets_version,
        ..CreateMachineRequest::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names_are_stable_per_person_and_valid() {
        let a = app_name("personal", Some("ana@example.com"));
        assert_eq!(a, app_name("personal", Some("ana@example.com")));
        assert_ne!(a, app_name("personal", Some("bo@example.com")));
        assert_ne!(a, app_name("acme", Some("ana@example.com")));
        assert!(a.starts_with("trademind-") && a.len() == "trademind-".len() + 10);
        check_app_name(&a).unwrap();
        for bad in [
            "",
            "Has-Caps",
            "under_score",
            "-dash",
            "dash-",
            &"a".repeat(63),
        ] {
            assert!(check_app_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_agent_config_is_a_pinned_always_on_worker_with_a_health_check() {
        let size = MachineSize::parse("normal").unwrap();
        let request =
            create_request(DEFAULT_IMAGE, &size, "sin", "vol_1234567890abcdef", Some(7)).unwrap();
        assert_eq!(data_volume(&request.config), Some("vol_1234567890abcdef"));
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["region"], "sin");
        assert_eq!(
            json["config"]["mounts"],
            serde_json::json!([{"volume": "vol_1234567890abcdef", "path": "/data"}]),
            "the journal's directory is on the volume"
        );
        assert_eq!(json["min_secrets_version"], 7);
        let config = &json["config"];
        assert_eq!(config["image"], DEFAULT_IMAGE);
        assert_eq!(config["guest"]["cpus"], 2);
        assert_eq!(config["guest"]["memory_mb"], 2048);
        assert_eq!(config["auto_destroy"], false);
        assert_eq!(config["restart"]["policy"], "on-failure");
        assert_eq!(config["metadata"][ROLE_KEY], ROLE_AGENT);
        let service = &config["services"][0];
        assert_eq!(service["internal_port"], AGENT_PORT);
        assert_eq!(
            service["autostop"], false,
            "autostop off for a background worker"
        );
        assert_eq!(service["autostart"], false);
        assert_eq!(service["checks"][0]["type"], "http");
        assert_eq!(service["checks"][0]["path"], "/health");
        assert!(create_request("x/agent:latest", &size, "sin", "vol_1", None).is_err());
    }

    #[test]
    fn the_volume_name_is_a_valid_fly_volume_name() {
        assert!(
            (1..=30).contains(&VOLUME_NAME.len())
                && VOLUME_NAME
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        );
        let mut config = MachineConfig::default();
        assert_eq!(data_volume(&config), None);
        config.mounts.push(Mount {
            volume: "vol_x".into(),
            path: "/data/".into(),
            ..Mount::default()
        });
        assert_eq!(data_volume(&config), Some("vol_x"));
    }

    #[test]
    fn images_must_be_pinned() {
        check_image(DEFAULT_IMAGE).unwrap();
        check_image("registry.fly.io/trademind-agent:0.1.0").unwrap();
        check_image("localhost:5000/agent:1.2").unwrap();
        check_image(&format!("ghcr.io/x/agent@sha256:{}", "a".repeat(64))).unwrap();
        for bad in [
            "registry.fly.io/trademind-agent:latest",
            "registry.fly.io/trademind-agent",
            "localhost:5000/agent",
            "ghcr.io/x/agent@sha256:abc",
            "",
            "two words:1",
        ] {
            assert!(check_image(bad).is_err(), "{bad:?}");
        }
    }
}
