//! Owner commands (`deploy_trader`, `undeploy_trader`, `pause`, `resume`) and their ids: each
//! gets a random 128-bit id once, when it is written to the outbox, and keeps it on every
//! resend so that the agent applies it at most once.

use rand::RngCore;
use screener::protocol::{ClientFrame, Command, DeployTrader, Role, UndeployTrader};
use screener::trader::Trader;

use crate::link::error::LinkError;

/// A command only the owner may send.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnerCommand {
    DeployTrader(Box<Trader>),
    UndeployTrader { trader_id: String, version: u64 },
    Pause,
    Resume,
}

impl OwnerCommand {
    /// The protocol name of the command.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::DeployTrader(_) => "deploy_trader",
            Self::UndeployTrader { .. } => "undeploy_trader",
            Self::Pause => "pause",
            Self::Resume => "resume",
        }
    }

    /// The frame that carries it under `id`.
    pub fn into_frame(self, id: String) -> ClientFrame {
        match self {
            Self::DeployTrader(trader) => ClientFrame::DeployTrader(DeployTrader {
                id,
                trader: *trader,
            }),
            Self::UndeployTrader { trader_id, version } => {
                ClientFrame::UndeployTrader(UndeployTrader {
                    id,
                    trader_id,
                    version,
                })
            }
            Self::Pause => ClientFrame::Pause(Command { id }),
            Self::Resume => ClientFrame::Resume(Command { id }),
        }
    }

    /// Refuses the command for a viewer (the agent would answer `forbidden` anyway).
    pub fn check_role(&self, role: Option<Role>) -> Result<(), LinkError> {
        match role {
            Some(Role::Viewer) => Err(LinkError::Forbidden {
                what: format!("send {}", self.kind()),
            }),
            _ => Ok(()),
        }
    }
}

/// A fresh command id: 128 random bits as 32 hex digits.
pub fn new_command_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_digits_and_unique() {
        let a = new_command_id();
        let b = new_command_id();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn viewers_are_refused_owner_commands() {
        // Every owner command, from a viewer: refused; from an owner or before any greeting:
        // allowed (the agent has the last word).
        for command in [OwnerCommand::Pause, OwnerCommand::Resume] {
            let err = command.check_role(Some(Role::Viewer)).unwrap_err();
            assert!(matches!(err, LinkError::Forbidden { .. }));
            assert!(command.check_role(Some(Role::Owner)).is_ok());
            assert!(command.check_role(None).is_ok());
        }
    }

    #[test]
    fn the_frame_carries_the_id() {
        let frame = OwnerCommand::UndeployTrader {
            trader_id: "t".into(),
            version: 2,
        }
        .into_frame("abc".into());
        assert_eq!(frame.command_id(), Some("abc"));
    }
}
