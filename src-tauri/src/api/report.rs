//! The diagnostics report operation: inspect a user's app, gather its logs, the audit log,
//! the app's own recent log lines and every secret this installation knows (to redact), and
//! write the report ([`crate::inspect::report`]) off the async executor.

use std::path::Path;

use super::inspect::{inspector, record_target, resolve};
use super::Core;
use crate::error::{Error, Result};
use crate::inspect::credentials;
use crate::inspect::{LogQuery, LogsView, ReportSummary, SupportCredential};
use crate::sensitive::Sensitive;

/// Log lines a report includes.
const REPORT_LOG_LINES: usize = 500;

/// Writes the diagnostics report for a user's app into `dir`.
pub async fn report(
    core: &Core,
    app: &str,
    machine_id: Option<&str>,
    dir: &Path,
) -> Result<ReportSummary> {
    if dir.as_os_str().is_empty() {
        return Err(Error::InvalidInput("choose a folder for the report".into()));
    }
    let inspector = inspector(core).await?;
    let target = resolve(&inspector, app, machine_id).await?;
    record_target(core, "report", &target).await?;
    let inspection = inspector.inspect(target).await?;
    let logs = crate::inspect::logs::page(
        &inspector.logs,
        &inspection.target.app,
        inspection.target.machine_id.as_deref(),
        &LogQuery::default(),
    )
    .await
    .unwrap_or_else(|e| LogsView {
        lines: vec![crate::inspect::LogLine {
            at: inspection.generated_at.clone(),
            level: "error".into(),
            message: format!("Fly's logs could not be read: {e}"),
            instance: String::new(),
            region: String::new(),
        }],
        next_token: None,
        scanned: 0,
    });
    let audit = core.store().recent_events(200).await?;
    let secrets = known_secrets(core).await;
    let log_dir = core.paths().log_dir.clone();
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let app_log = crate::inspect::report::app_log_tail(&log_dir, REPORT_LOG_LINES)?;
        crate::inspect::report::write(
            &crate::inspect::report::ReportInput {
                inspection: &inspection,
                logs: &logs,
                app_log: &app_log,
                audit: &audit,
                secrets: &secrets,
            },
            &dir,
        )
    })
    .await
    .map_err(|e| Error::Internal(format!("the report task failed: {e}")))?
}

/// Every secret this installation knows, to redact from reports.
async fn known_secrets(core: &Core) -> Vec<Sensitive<String>> {
    let mut secrets = Vec::new();
    for which in [SupportCredential::Fly, SupportCredential::Viewer] {
        if let Ok(Some(held)) = credentials::load(core.vault(), which).await {
            secrets.push(held.value);
        }
    }
    if let Ok(vault) = core.vault() {
        if let Ok(Some(token)) = vault.load_fly_token().await {
            secrets.push(Sensitive::new(token.expose().to_owned()));
        }
        for account in [
            crate::secrets::SecretAccount::AgentOwnerToken,
            crate::secrets::SecretAccount::AgentViewerToken,
            crate::secrets::SecretAccount::LlmApiKey,
        ] {
            if let Ok(Some(value)) = vault.load_secret(account).await {
                secrets.push(value);
            }
        }
    }
    for var in super::token::TOKEN_ENV_VARS {
        if let Ok(value) = std::env::var(var) {
            secrets.push(Sensitive::new(value));
        }
    }
    secrets
}
