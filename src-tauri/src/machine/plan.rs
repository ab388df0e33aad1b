//! What the user's machine should be: the app name, the pinned agent image, the region and
//! the guest size, from the settings and the token's organisation.

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The agent image when none is configured: pinned to this build's agent version.
pub const DEFAULT_IMAGE: &str = concat!(
    "registry.fly.io/trademind-agent:",
    env!("CARGO_PKG_VERSION")
);

/// The port the agent listens on inside the machine (`screener serve --listen 0.0.0.0:8080`).
pub const AGENT_PORT: u16 = 8080;

/// Metadata key marking the machine as TradeMind's agent (how it is found again).
pub const ROLE_KEY: &str = "trademind_role";
/// The value of [`ROLE_KEY`].
pub const ROLE_AGENT: &str = "agent";
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
