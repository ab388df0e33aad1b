//! Typed errors of the core and their wire form `{code, message, hint}`.
//!
//! [`Error`] is what core functions return. [`ApiError`] is what crosses a boundary (a Tauri
//! command, the CLI's JSON output): a stable [`ErrorCode`] the UI can branch on, a message that
//! says what happened and a hint that says what the user can do. No secret ever appears in
//! either: the variants carry only descriptions, never the offending value.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Everything the core can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The pasted token does not have the shape of a Fly API token.
    #[error("that is not a Fly API token: {reason}")]
    InvalidToken { reason: String },

    /// A request argument is malformed (not the token: see [`Error::InvalidToken`]).
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// A name that must be one of a fixed set (a metric, a chart range) is not; the hint lists
    /// the valid ones. Code `invalid_input`.
    #[error("unknown {what} `{got}`")]
    UnknownName {
        what: &'static str,
        got: String,
        /// The valid names, comma-separated.
        expected: String,
    },

    /// No keyring backend answered: no Secret Service on the session bus, a locked collection
    /// the user declined to unlock, or no persistent backend compiled in.
    #[error("the OS keyring is not available: {detail}")]
    KeyringUnavailable { detail: String },

    /// The keyring answered but refused or failed the operation.
    #[error("the OS keyring failed: {detail}")]
    Keyring { detail: String },

    /// The local database could not be opened, migrated or written.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),

    /// A migration failed at start-up.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),

    /// A file or directory could not be read or written.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    /// No Fly token in the environment or the keyring.
    #[error("no Fly API token is set")]
    NoToken,

    /// A destructive operation was asked for without confirming it.
    #[error("{what} needs confirmation")]
    ConfirmationRequired { what: String },

    /// There is no machine to act on.
    #[error("there is no TradeMind machine yet")]
    NoMachine,

    /// Another window or command is changing the machine.
    #[error("another TradeMind process is changing the machine ({holder})")]
    MachineBusy { holder: String },

    /// The machine is in a state the operation cannot start from.
    #[error("the machine is {state}: {what}")]
    MachineState { state: String, what: String },

    /// The agent on the machine did not report ready in time.
    #[error("the screener agent did not become ready: {detail}")]
    AgentNotReady { detail: String },

    /// A Fly Machines API call failed; [`crate::fly::FlyError`] says how.
    #[error(transparent)]
    Fly(#[from] crate::fly::FlyError),

    /// The live link to the agent failed; [`crate::link::LinkError`] says how.
    #[error(transparent)]
    Link(#[from] crate::link::LinkError),

    /// The record changed since it was loaded (optimistic locking).
    #[error("{what} changed elsewhere: it is at version {current}, not {expected}")]
    VersionConflict {
        what: String,
        expected: u64,
        current: u64,
    },

    /// Binance (live market data) could not be reached.
    #[error("Binance could not be reached: {detail}")]
    MarketUnreachable { detail: String },

    /// Support mode is read-only: the backend refuses every operation that would change the
    /// user's machine, traders or settings. Code `forbidden`.
    #[error("{operation} is not allowed in support mode: support access is read-only")]
    SupportReadOnly { operation: String },

    /// A bug or an impossible state; the message says where.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// An I/O error with a description of what was being done.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }

    /// The stable code the UI and scripts branch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidToken { .. } => ErrorCode::InvalidToken,
            Self::InvalidInput(_) | Self::UnknownName { .. } => ErrorCode::InvalidInput,
            Self::KeyringUnavailable { .. } => ErrorCode::KeyringUnavailable,
            Self::Keyring { .. } => ErrorCode::Keyring,
            Self::Database(_) | Self::Migration(_) => ErrorCode::Database,
            Self::Io { .. } => ErrorCode::Io,
            Self::NoToken => ErrorCode::NoToken,
            Self::ConfirmationRequired { .. } => ErrorCode::ConfirmationRequired,
            Self::NoMachine => ErrorCode::NoMachine,
            Self::MachineBusy { .. } => ErrorCode::MachineBusy,
            Self::MachineState { .. } => ErrorCode::MachineState,
            Self::AgentNotReady { .. } => ErrorCode::AgentNotReady,
            Self::Fly(e) => e.code(),
            Self::Link(e) => e.code(),
            Self::VersionConflict { .. } => ErrorCode::VersionConflict,
            Self::MarketUnreachable { .. } => ErrorCode::MarketUnreachable,
            Self::SupportReadOnly { .. } => ErrorCode::Forbidden,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        if let Self::UnknownName { what, expected, .. } = self {
            return Some(format!("Use one of these {what} names: {expected}."));
        }
        let hint = match self {
            Self::InvalidToken { .. } => {
                "Paste the whole output of `fly tokens create org` (it starts with `FlyV1 fm2_`), \
                 or of `fly auth token`."
            }
            Self::InvalidInput(_) | Self::UnknownName { .. } => "Check the value and try again.",
            Self::KeyringUnavailable { .. } => {
                "Start and unlock your desktop keyring (GNOME Keyring, KWallet or another \
                 Secret Service provider), then try again. For a one-off session you can set \
                 FLY_API_TOKEN in the environment instead; it is never stored."
            }
            Self::Keyring { .. } => {
                "Unlock the keyring if your desktop asks, then try again; if it keeps failing, \
                 check the keyring with `secret-tool search service app.trademind.desktop`."
            }
            Self::Database(_) | Self::Migration(_) => {
                "Check that the data directory is writable and not on a full disk; \
                 `trademind status` shows where it is."
            }
            Self::Io { .. } => "Check the path's permissions and free disk space.",
            Self::NoToken => {
                "Create one with `fly tokens create org` and paste it in Settings, or run \
                 `fly tokens create org | trademind login --token-stdin`."
            }
            Self::ConfirmationRequired { .. } => {
                "Confirm in the dialog, or pass --yes on the command line."
            }
            Self::NoMachine => "Start one with `trademind machine start` or the Start button.",
            Self::MachineBusy { .. } => {
                "Wait for the other operation to finish (see `trademind machine status`), then \
                 try again."
            }
            Self::MachineState { .. } => {
                "Check `trademind machine status` for the machine's state and the next action."
            }
            Self::AgentNotReady { .. } => {
                "The machine is up but the screener agent is not answering: check \
                 `trademind machine events` for crashes, then Retry (it resumes from this step) \
                 or Restart the machine."
            }
            Self::Fly(e) => e.hint(),
            Self::Link(e) => e.hint(),
            Self::VersionConflict { .. } => {
                "Reload to see the current version, then apply your change again."
            }
            Self::MarketUnreachable { .. } => {
                "Check the internet connection, or choose a folder of recorded candles to \
                 screen offline."
            }
            Self::SupportReadOnly { .. } => {
                "Support mode only inspects. Ask the machine's owner to make the change in their \
                 TradeMind, or open TradeMind without --support with the owner's token."
            }
            Self::Internal(_) => {
                "This is a bug in TradeMind. Please report it with the log file from the log \
                 directory (`trademind status` shows where it is)."
            }
        };
        Some(hint.to_owned())
    }
}

/// Result of core operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The small set of error kinds a consumer can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidToken,
    InvalidInput,
    KeyringUnavailable,
    Keyring,
    Database,
    Io,
    /// No Fly token is set.
    NoToken,
    /// A destructive operation was not confirmed.
    ConfirmationRequired,
    /// There is no machine yet.
    NoMachine,
    /// Another process is changing the machine.
    MachineBusy,
    /// Not possible in the machine's current state.
    MachineState,
    /// The agent did not report ready in time.
    AgentNotReady,
    /// Fly rejected the token (401).
    FlyUnauthorized,
    /// The token may only read, or covers another app (403 on a change).
    FlyReadOnly,
    /// The token does not cover this app or org (403 on a read).
    FlyForbidden,
    FlyNotFound,
    /// Someone else holds the machine's lease (409).
    FlyLeaseHeld,
    /// Not possible in the machine's current state (412).
    FlyIllegalState,
    /// The region has no capacity for this size.
    FlyNoCapacity,
    FlyRateLimited,
    /// Fly did not answer in time; the action may still complete.
    FlyTimeout,
    /// Binance refuses the region (HTTP 451, US regions).
    FlyGeoBlocked,
    /// The name is taken.
    FlyAlreadyExists,
    /// Fly refused the request as invalid (400/422).
    FlyRejected,
    /// Fly's API failed (5xx) or could not be reached.
    FlyUnavailable,
    /// An update did not take: the machine runs the old version.
    FlyUpdateNotApplied,
    /// The agent refused the token on the live link (401).
    Unauthorized,
    /// The link's role (viewer) may not send this command.
    Forbidden,
    /// The agent could not be reached, did not answer in time, or the connection dropped.
    AgentUnreachable,
    /// The agent broke protocol v1.
    AgentProtocol,
    /// The record changed elsewhere since it was loaded (optimistic locking).
    VersionConflict,
    /// Binance (live market data) could not be reached.
    MarketUnreachable,
    Internal,
}

impl ErrorCode {
    /// What kind of failure this is, for exit codes: the user's to fix, the remote side's
    /// (possibly transient), or local.
    pub fn blame(self) -> Blame {
        match self {
            Self::InvalidToken
            | Self::InvalidInput
            | Self::NoToken
            | Self::ConfirmationRequired
            | Self::NoMachine
            | Self::MachineState
            | Self::FlyUnauthorized
            | Self::FlyReadOnly
            | Self::FlyForbidden
            | Self::FlyGeoBlocked
            | Self::FlyAlreadyExists
            | Self::FlyRejected
            | Self::Unauthorized
            | Self::Forbidden
            | Self::VersionConflict => Blame::User,
            Self::FlyNotFound
            | Self::FlyLeaseHeld
            | Self::FlyIllegalState
            | Self::FlyNoCapacity
            | Self::FlyRateLimited
            | Self::FlyTimeout
            | Self::FlyUnavailable
            | Self::FlyUpdateNotApplied
            | Self::MachineBusy
            | Self::AgentNotReady
            | Self::AgentUnreachable
            | Self::AgentProtocol
            | Self::MarketUnreachable => Blame::Remote,
            Self::KeyringUnavailable
            | Self::Keyring
            | Self::Database
            | Self::Io
            | Self::Internal => Blame::Local,
        }
    }
}

/// Whose failure an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// Bad input, a missing or insufficient token, an unconfirmed action.
    User,
    /// Fly or the agent failed or refused, after retries.
    Remote,
    /// This computer: keyring, database, files, bugs.
    Local,
}

/// An error as it crosses a boundary: to the web view or to a CLI caller (and as recorded
/// with a failed provisioning step, read back with `Deserialize`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub hint: Option<String>,
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        if matches!(error.code(), ErrorCode::Internal | ErrorCode::Database) {
            tracing::error!(error = %error, "operation failed");
        }
        Self {
            code: error.code(),
            message: error.to_string(),
            hint: error.hint(),
        }
    }
}

impl ApiError {
    /// The wire form of an error that the caller still needs (nothing is logged).
    pub fn from_ref(error: &Error) -> Self {
        Self {
            code: error.code(),
            message: error.to_string(),
            hint: error.hint(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_is_code_message_hint() {
        let api: ApiError = Error::InvalidToken {
            reason: "it is empty".into(),
        }
        .into();
        let json = serde_json::to_value(&api).unwrap();
        assert_eq!(json["code"], "invalid_token");
        assert_eq!(json["message"], "that is not a Fly API token: it is empty");
        assert!(json["hint"].as_str().unwrap().contains("fly tokens create"));
        assert_eq!(
            json.as_object().unwrap().len(),
            3,
            "exactly code, message, hint"
        );
    }

    #[test]
    fn every_code_serializes_snake_case() {
        let codes = [
            (ErrorCode::InvalidToken, "invalid_token"),
            (ErrorCode::KeyringUnavailable, "keyring_unavailable"),
            (ErrorCode::Database, "database"),
            (ErrorCode::FlyUnauthorized, "fly_unauthorized"),
            (ErrorCode::FlyReadOnly, "fly_read_only"),
            (ErrorCode::FlyLeaseHeld, "fly_lease_held"),
            (ErrorCode::FlyGeoBlocked, "fly_geo_blocked"),
            (ErrorCode::FlyUpdateNotApplied, "fly_update_not_applied"),
        ];
        for (code, text) in codes {
            assert_eq!(serde_json::to_value(code).unwrap(), text);
        }
    }

    #[test]
    fn io_error_names_what_was_done() {
        let e = Error::io(
            "creating the data directory /x",
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        );
        assert_eq!(e.code(), ErrorCode::Io);
        assert!(e
            .to_string()
            .starts_with("creating the data directory /x: "));
    }
}
