//! Local screening operations: start (recorded files or live Binance), stop, status.

use std::path::PathBuf;

use super::Core;
use crate::error::Result;
use crate::local::market::{feed_config, probe, rest_url};
use crate::local::replay::load_files;
use crate::local::{LocalStart, LocalStatus, Source};

/// Local screening now.
pub fn status(core: &Core) -> LocalStatus {
    core.local().status()
}

/// Starts local screening: recorded when `data_dir` is set, else live Binance once it
/// answers (`market_unreachable` with a hint to use recorded data otherwise). Traders: the
/// named ones, or every enabled one not in the cloud.
pub async fn start(core: &Core, request: LocalStart) -> Result<LocalStatus> {
    core.require_owner("local start").await?;
    let traders = super::traders::local_traders(core, &request.traders).await?;
    let source = match &request.data_dir {
        Some(dir) => {
            let path = PathBuf::from(dir);
            let files = tokio::task::spawn_blocking(move || load_files(&path))
                .await
                .map_err(|e| crate::error::Error::Internal(format!("reading candles: {e}")))??;
            Source::Recorded {
                label: dir.clone(),
                files,
            }
        }
        None => {
            let base = rest_url();
            probe(&base).await?;
            Source::Live {
                label: "Binance".into(),
                config: Box::new(feed_config(&base, &traders)),
            }
        }
    };
    core.local()
        .start(
            core.store().clone(),
            core.signals().clone(),
            traders,
            source,
        )
        .await
}

/// Stops local screening and waits for it to drain.
pub async fn stop(core: &Core) -> LocalStatus {
    core.local().stop().await
}
