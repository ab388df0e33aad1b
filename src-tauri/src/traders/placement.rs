//! Where a trader runs, as its badge shows it, from three facts: the user's wish (the
//! `cloud_wanted` column), the outbox (a deploy or undeploy not answered yet, or refused) and
//! the agent's last `trader_state`.
//!
//! Rules, in order: the newest outbox command about the trader decides while it is pending
//! (`deploying` / `undeploying`) or failed (`error`; a `version_conflict` also yields a
//! [`TraderConflict`]); then an agent-reported error is `error`; then, wanted in the cloud:
//! `cloud` once the agent reports it deployed at the stored version, else `deploying`; not
//! wanted: `undeploying` while the agent still reports it deployed, else `local`.

use screener::protocol::{ClientFrame, DeployState};

use super::view::{Placement, TraderConflict};
use crate::store::outbox::{CommandState, OutboxEntry};
use crate::store::traders::TraderRow;

/// A trader's badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub placement: Placement,
    pub error: Option<String>,
    pub conflict: Option<TraderConflict>,
}

/// The outbox commands about trader `id`, oldest first.
pub fn commands_about<'a>(outbox: &'a [OutboxEntry], id: &str) -> Vec<&'a OutboxEntry> {
    outbox
        .iter()
        .filter(|entry| match &entry.frame {
            ClientFrame::DeployTrader(d) => d.trader.id == id,
            ClientFrame::UndeployTrader(u) => u.trader_id == id,
            _ => false,
        })
        .collect()
}

/// Computes the badge of `row` given the whole outbox.
pub fn badge(row: &TraderRow, outbox: &[OutboxEntry]) -> Badge {
    let version = row.trader.version;
    let plain = |placement| Badge {
        placement,
        error: None,
        conflict: None,
    };
    if let Some(last) = commands_about(outbox, &row.trader.id).last() {
        let deploy = matches!(last.frame, ClientFrame::DeployTrader(_));
        match (last.state, &last.error) {
            (CommandState::Pending, _) => {
                return plain(if deploy {
                    Placement::Deploying
                } else {
                    Placement::Undeploying
                })
            }
            (CommandState::Failed, Some(error)) => {
                let conflict = (error.code == "version_conflict").then(|| TraderConflict {
                    local_version: version,
                    cloud_version: row
                        .cloud_version
                        .filter(|v| *v != version)
                        .or_else(|| version_in(&error.message))
                        .unwrap_or(version),
                    message: error.message.clone(),
                });
                return Badge {
                    placement: Placement::Error,
                    error: Some(format!("the agent refused it: {}", error.message)),
                    conflict,
                };
            }
            (CommandState::Failed, None) => {}
        }
    }
    if row.cloud_state == Some(DeployState::Error) {
        return Badge {
            placement: Placement::Error,
            error: Some(
                row.cloud_error
                    .clone()
                    .unwrap_or_else(|| "the agent reports it failing".into()),
            ),
            conflict: None,
        };
    }
    let deployed_at = (row.cloud_state == Some(DeployState::Deployed))
        .then_some(row.cloud_version)
        .flatten();
    plain(match (row.cloud_wanted, deployed_at) {
        (true, Some(v)) if v == version => Placement::Cloud,
        (true, _) => Placement::Deploying,
        (false, Some(_)) => Placement::Undeploying,
        (false, None) => Placement::Local,
    })
}

/// The number after "version " in an agent message ("deployed at version 7; …").
fn version_in(message: &str) -> Option<u64> {
    let at = message.find("version ")? + "version ".len();
    let digits: String = message[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::outbox::CommandError;
    use screener::protocol::{DeployTrader, UndeployTrader};

    fn row(wanted: bool, state: Option<(DeployState, u64)>) -> TraderRow {
        let mut trader = screener::trader::builtins::builtins().remove(0);
        trader.version = 3;
        TraderRow {
            trader,
            builtin: true,
            cloud_wanted: wanted,
            cloud_version: state.map(|s| s.1),
            cloud_state: state.map(|s| s.0),
            cloud_error: None,
        }
    }

    fn entry(row: &TraderRow, deploy: bool, failed: Option<(&str, &str)>) -> OutboxEntry {
        let frame = if deploy {
            ClientFrame::DeployTrader(DeployTrader {
                id: "c".into(),
                trader: row.trader.clone(),
            })
        } else {
            ClientFrame::UndeployTrader(UndeployTrader {
                id: "c".into(),
                trader_id: row.trader.id.clone(),
                version: 3,
            })
        };
        OutboxEntry {
            id: "c".into(),
            kind: "x".into(),
            state: if failed.is_some() {
                CommandState::Failed
            } else {
                CommandState::Pending
            },
            attempts: 1,
            created_at: String::new(),
            sent_at: None,
            error: failed.map(|(code, message)| CommandError {
                code: code.into(),
                message: message.into(),
            }),
            frame,
        }
    }

    #[test]
    fn badges_follow_the_rules() {
        use DeployState::*;
        let local = row(false, None);
        assert_eq!(badge(&local, &[]).placement, Placement::Local);
        let wanted = row(true, None);
        assert_eq!(
            badge(&wanted, &[entry(&wanted, true, None)]).placement,
            Placement::Deploying
        );
        assert_eq!(badge(&wanted, &[]).placement, Placement::Deploying);
        let deployed = row(true, Some((Deployed, 3)));
        assert_eq!(badge(&deployed, &[]).placement, Placement::Cloud);
        // Deployed at an older version than stored: the update is on its way.
        assert_eq!(
            badge(&row(true, Some((Deployed, 2))), &[]).placement,
            Placement::Deploying
        );
        let leaving = row(false, Some((Deployed, 3)));
        assert_eq!(
            badge(&leaving, &[entry(&leaving, false, None)]).placement,
            Placement::Undeploying
        );
        assert_eq!(
            badge(&row(false, Some((Undeployed, 3))), &[]).placement,
            Placement::Local
        );
        let mut failing = row(true, Some((Error, 3)));
        failing.cloud_error = Some("out of memory".into());
        let b = badge(&failing, &[]);
        assert_eq!(
            (b.placement, b.error.as_deref()),
            (Placement::Error, Some("out of memory"))
        );
        // Another trader's command does not matter.
        let mut other = row(false, None);
        other.trader.id = "other".into();
        assert_eq!(
            badge(&local, &[entry(&other, true, None)]).placement,
            Placement::Local
        );
    }

    #[test]
    fn a_refused_deploy_is_an_error_and_a_version_conflict_a_conflict() {
        let wanted = row(true, Some((DeployState::Deployed, 9)));
        let refused = entry(
            &wanted,
            true,
            Some((
                "version_conflict",
                "trader x is deployed at version 9; version 3 is older",
            )),
        );
        let b = badge(&wanted, &[refused]);
        assert_eq!(b.placement, Placement::Error);
        let conflict = b.conflict.unwrap();
        assert_eq!((conflict.local_version, conflict.cloud_version), (3, 9));
        // Without a trader_state, the version is read from the agent's message.
        let unknown = row(true, None);
        let refused = entry(
            &unknown,
            true,
            Some(("version_conflict", "deployed at version 12, not 3")),
        );
        assert_eq!(
            badge(&unknown, &[refused]).conflict.unwrap().cloud_version,
            12
        );
        let invalid = entry(&unknown, true, Some(("invalid_trader", "bad code")));
        let b = badge(&unknown, &[invalid]);
        assert!(b.conflict.is_none() && b.placement == Placement::Error);
    }
}
