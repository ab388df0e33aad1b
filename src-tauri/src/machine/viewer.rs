//! A new viewer token for the agent: how the owner ends the live access they gave support.
//! The new token is set as the app's secret first, then kept in the keyring (so the keyring
//! never holds a token the agent does not know), and a started machine is restarted, because
//! Fly hands secrets to a machine only when it boots. From then on the old token gets 401.

use serde_json::json;

use crate::error::{Error, Result};
use crate::fly::types::MachineState;
use crate::machine::lifecycle::{self, locked, target, Target};
use crate::machine::operation::Reporter;
use crate::machine::steps::{generate_token, write_agent_secrets};
use crate::machine::Session;
use crate::secrets::SecretAccount;
use crate::store::events::EventKind;

/// Replaces the agent's viewer token; restarts a started machine so the old one stops
/// working at once. A machine changing state is left alone (nothing is replaced).
pub async fn rotate(session: &Session, report: &Reporter) -> Result<String> {
    locked(session, "viewer-token replace", || async {
        report.line("Finding the machine on Fly");
        let Target { app, machine } = target(session).await?;
        let (id, state) = (machine.id.as_str(), machine.state);
        if !matches!(
            state,
            MachineState::Started | MachineState::Stopped | MachineState::Suspended
        ) {
            return Err(Error::MachineState {
                state: state.to_string(),
                what: "the viewer token is replaced on a started or stopped machine; wait for \
                       it to settle"
                    .into(),
            });
        }
        let vault = session.vault()?;
        let owner = vault
            .load_secret(SecretAccount::AgentOwnerToken)
            .await?
            .ok_or_else(|| {
                Error::InvalidInput(
                    "this computer holds none of the agent's tokens: start the machine from \
                     here first"
                        .into(),
                )
            })?;
        let llm = vault.load_secret(SecretAccount::LlmApiKey).await?;
        let viewer = generate_token("tmv_");
        report.line(format!("Setting a new viewer token as a secret of {app}"));
        let version = write_agent_secrets(session, &app, &owner, &viewer, llm.as_ref()).await?;
        vault
            .store_secret(SecretAccount::AgentViewerToken, &viewer)
            .await?;
        session
            .audit(
                EventKind::SupportAccess,
                Some(id),
                json!({"what": "viewer-token replaced", "secretsVersion": version}),
            )
            .await;
        if state != MachineState::Started {
            let message = format!(
                "New viewer token set; machine {id} is {state} and its agent takes the new \
                 token when it next starts"
            );
            report.done(message.clone());
            return Ok(message);
        }
        let reason = json!({"reason": "new viewer token"});
        lifecycle::restart_started(session, report, &app, id, reason).await?;
        Ok(format!(
            "New viewer token set and machine {id} restarted: the old viewer token no longer \
             works"
        ))
    })
    .await
}
