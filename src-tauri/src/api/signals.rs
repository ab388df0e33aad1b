//! Signal operations: the feed's list, a signal's detail, and the notifications of new
//! signals (rate-limited, only for traders with `cloud.notifyOnSignal`).

use std::future::Future;
use std::time::Duration;

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::Core;
use crate::error::{Error, Result};
use crate::signals::detail::{detail as build_detail, klines};
use crate::signals::feed::{self, now_ms, trader_names};
use crate::signals::notify::{Notice, NotifyLimiter};
use crate::signals::{SignalDetail, SignalFilter, SignalSource, SignalView};

/// Stored signals of both sources matching `filter`, newest first.
pub async fn list(core: &Core, filter: &SignalFilter) -> Result<Vec<SignalView>> {
    feed::list(core.store(), filter).await
}

/// The detail of signal `key` (`cloud:<journal>:<seq>` or `local:<run>:<seq>`).
pub async fn detail(core: &Core, key: &str) -> Result<SignalDetail> {
    let stored = core
        .store()
        .signal_by_key(key)
        .await?
        .ok_or_else(|| Error::InvalidInput(format!("there is no signal `{key}`")))?;
    let signal = feed::view(&stored, &trader_names(core.store()).await?);
    let recorded = match stored.source {
        SignalSource::Local => core
            .local()
            .recorded_candles(&stored.symbol, stored.interval)
            .filter(|c| c.iter().any(|c| c.open_time == stored.open_time)),
        SignalSource::Cloud => None,
    };
    let (candles, note) = match recorded {
        Some(candles) => (candles, None),
        None => {
            let base = crate::local::market::rest_url();
            match klines(&base, &stored.symbol, stored.interval, stored.open_time).await {
                Ok(candles) => (candles, None),
                Err(e) => (
                    Vec::new(),
                    Some(format!("Binance could not be reached for the candles: {e}")),
                ),
            }
        }
    };
    build_detail(signal, &stored, candles, note)
}

/// How often held-back notifications are told.
const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// Delivers notices for new signals of traders with `cloud.notifyOnSignal` through
/// `deliver`, rate-limited by [`NotifyLimiter`], until `cancel`.
pub fn notifications(
    core: &Core,
    deliver: impl Fn(Notice) + Send + 'static,
    cancel: CancellationToken,
) -> impl Future<Output = ()> + Send + 'static {
    let store = core.store().clone();
    let mut signals = core.signals().subscribe();
    async move {
        let mut limiter = NotifyLimiter::default();
        let mut flush = tokio::time::interval(FLUSH_EVERY);
        let mut seen = std::collections::HashSet::new();
        loop {
            let notices = tokio::select! {
                _ = cancel.cancelled() => return,
                _ = flush.tick() => limiter.flush(now_ms()),
                signal = signals.recv() => match signal {
                    Ok(signal) => {
                        // An analysis republishes its signal: notify once per key.
                        if !seen.insert(signal.key.clone()) {
                            continue;
                        }
                        let wanted = matches!(
                            store.trader(&signal.trader_id).await,
                            Ok(Some(row)) if row.trader.cloud.notify_on_signal
                        );
                        if !wanted {
                            continue;
                        }
                        limiter.offer(&signal, now_ms())
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            };
            for notice in notices {
                deliver(notice);
            }
        }
    }
}
