//! The signal feed: stored signals of both sources as [`SignalView`]s, the list's filter
//! rules, and the task that publishes new ones (cloud frames after the link stored them,
//! local ones after local screening stored them) on the [`SignalBus`].

use std::collections::HashMap;

use chrono::Utc;
use screener::protocol::ServerFrame;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::view::{SignalBus, SignalFilter, SignalView};
use crate::error::{Error, Result};
use crate::store::local_signals::StoredSignal;
use crate::store::Store;

/// Signals listed when the filter's limit is 0.
pub const DEFAULT_LIMIT: u32 = 200;
/// The most signals one list returns.
pub const MAX_LIMIT: u32 = 1000;

/// The filter's limit, checked: 0 means [`DEFAULT_LIMIT`], above [`MAX_LIMIT`] is refused.
pub fn checked_limit(filter: &SignalFilter) -> Result<u32> {
    match filter.limit {
        0 => Ok(DEFAULT_LIMIT),
        n if n > MAX_LIMIT => Err(Error::InvalidInput(format!(
            "limit {n} is above {MAX_LIMIT}"
        ))),
        n => Ok(n),
    }
}

/// Lists stored signals matching `filter`, newest first, with trader names.
pub async fn list(store: &Store, filter: &SignalFilter) -> Result<Vec<SignalView>> {
    let limit = checked_limit(filter)?;
    if let Some(symbol) = &filter.symbol {
        if symbol.trim().is_empty() || !symbol.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::InvalidInput(format!(
                "`{symbol}` is not a symbol like BTCUSDT"
            )));
        }
    }
    let names = trader_names(store).await?;
    let stored = store.signals(filter, limit).await?;
    Ok(stored.iter().map(|s| view(s, &names)).collect())
}

/// Trader ids to names, for the views.
pub async fn trader_names(store: &Store) -> Result<HashMap<String, String>> {
    Ok(store
        .traders()
        .await?
        .into_iter()
        .map(|row| (row.trader.id, row.trader.name))
        .collect())
}

/// A stored signal as the feed shows it.
pub fn view(signal: &StoredSignal, names: &HashMap<String, String>) -> SignalView {
    let analysis = signal.analysis.as_ref();
    SignalView {
        key: signal.key(),
        seq: signal.seq,
        source: signal.source,
        trader_name: names
            .get(&signal.trader_id)
            .cloned()
            .unwrap_or_else(|| signal.trader_id.clone()),
        trader_id: signal.trader_id.clone(),
        symbol: signal.symbol.clone(),
        interval: signal.interval,
        price: signal.price,
        open_time: signal.open_time,
        close_time: signal.close_time,
        received_at: signal.received_at,
        conditions: signal.conditions.clone(),
        decision: analysis.map(|a| a.decision.clone()),
        direction: analysis.map(|a| a.direction.clone()),
        confidence: analysis.map(|a| (a.confidence / 100.0).clamp(0.0, 1.0)),
    }
}

/// Publishes cloud signals and analyses (after the link stored them) on `bus` until
/// `cancel`; an analysis republishes its signal with the decision. Also takes in
/// `trader_state` frames (see [`crate::traders::cloud::take_frame`]).
pub async fn follow_cloud(
    store: Store,
    bus: SignalBus,
    mut frames: broadcast::Receiver<ServerFrame>,
    cancel: CancellationToken,
) {
    loop {
        let frame = tokio::select! {
            _ = cancel.cancelled() => return,
            frame = frames.recv() => frame,
        };
        let frame = match frame {
            Ok(frame) => frame,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "signal feed lagged behind the agent's frames");
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if let Err(e) = take(&store, &bus, &frame).await {
            tracing::warn!(error = %e, "an agent frame was not taken in");
        }
    }
}

async fn take(store: &Store, bus: &SignalBus, frame: &ServerFrame) -> Result<()> {
    crate::traders::cloud::take_frame(store, frame).await?;
    let seq = match frame {
        ServerFrame::Signal(signal) => signal.seq,
        ServerFrame::Analysis(analysis) => analysis.seq,
        _ => return Ok(()),
    };
    let Some(cursor) = store.agent_cursor().await? else {
        return Ok(());
    };
    let key = format!("cloud:{}:{seq}", cursor.journal_id);
    if let Some(stored) = store.signal_by_key(&key).await? {
        bus.publish(view(&stored, &trader_names(store).await?));
    }
    Ok(())
}

/// Now, in ms since the epoch.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::signals::SignalSource;
    use screener::engine::Signal;
    use screener::market::Interval;
    use screener::protocol::{AnalysisFrame, Role, SignalFrame};

    fn local(seq: u64, trader: &str, symbol: &str) -> Signal {
        Signal {
            seq,
            trader_id: trader.into(),
            symbol: symbol.into(),
            interval: Interval::M15,
            open_time: 1_000 * seq as i64,
            close_time: 1_000 * seq as i64 + 999,
            price: 10.0 + seq as f64,
            conditions: vec![],
        }
    }

    async fn filled() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        store.adopt_journal("j", 0, Role::Owner).await.unwrap();
        for seq in 1..=3 {
            let frame = SignalFrame {
                seq,
                trader_id: "cloudy".into(),
                symbol: "ETHUSDT".into(),
                interval: Interval::H1,
                open_time: 0,
                close_time: 0,
                price: 1.0,
                conditions: vec!["x".into()],
            };
            store.save_signal("j", &frame).await.unwrap();
        }
        let analysis = AnalysisFrame {
            seq: 2,
            decision: "enter_trade".into(),
            direction: "long".into(),
            confidence: 80.0,
            reasoning: String::new(),
            key_levels: serde_json::Value::Null,
            trade_plan: serde_json::Value::Null,
            model: "m".into(),
            error: None,
        };
        store.save_analysis("j", &analysis).await.unwrap();
        // Local signals received after the cloud ones (received_at far in the future).
        let later = now_ms() + 60_000;
        for seq in 1..=4 {
            let symbol = if seq % 2 == 0 { "BTCUSDT" } else { "ETHUSDT" };
            store
                .save_local_signal("run1", &local(seq, "mine", symbol), later + seq as i64)
                .await
                .unwrap();
        }
        (dir, store)
    }

    #[tokio::test]
    async fn lists_both_sources_newest_first_with_filters() {
        let (_dir, store) = filled().await;
        let all = list(&store, &SignalFilter::default()).await.unwrap();
        assert_eq!(all.len(), 7);
        assert_eq!(all[0].key, "local:run1:4");
        assert!(all.windows(2).all(|w| w[0].received_at >= w[1].received_at));
        let cloud2 = all.iter().find(|s| s.key == "cloud:j:2").unwrap();
        assert_eq!(cloud2.decision.as_deref(), Some("enter_trade"));
        assert_eq!(cloud2.confidence, Some(0.8));

        let by = |f: SignalFilter| {
            let store = store.clone();
            async move { list(&store, &f).await.unwrap() }
        };
        let eth = by(SignalFilter {
            symbol: Some("ethusdt".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(eth.len(), 5, "case-insensitive symbol");
        let cloud = by(SignalFilter {
            source: Some(SignalSource::Cloud),
            ..Default::default()
        })
        .await;
        assert!(cloud.iter().all(|s| s.source == SignalSource::Cloud) && cloud.len() == 3);
        let mine = by(SignalFilter {
            trader_id: Some("mine".into()),
            limit: 2,
            ..Default::default()
        })
        .await;
        assert_eq!(
            mine.iter().map(|s| s.seq).collect::<Vec<_>>(),
            [4, 3],
            "limit keeps the newest"
        );
        let before = by(SignalFilter {
            before_ms: Some(all[1].received_at),
            source: Some(SignalSource::Local),
            ..Default::default()
        })
        .await;
        assert_eq!(before.iter().map(|s| s.seq).collect::<Vec<_>>(), [2, 1]);
        let nothing = by(SignalFilter {
            trader_id: Some("nobody".into()),
            ..Default::default()
        })
        .await;
        assert!(nothing.is_empty());
    }

    #[tokio::test]
    async fn bad_filters_are_invalid_input() {
        let (_dir, store) = filled().await;
        for filter in [
            SignalFilter {
                limit: 1001,
                ..Default::default()
            },
            SignalFilter {
                symbol: Some("BTC/USDT".into()),
                ..Default::default()
            },
            SignalFilter {
                symbol: Some(" ".into()),
                ..Default::default()
            },
        ] {
            let err = list(&store, &filter).await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidInput, "{filter:?}");
        }
        assert_eq!(
            list(
                &store,
                &SignalFilter {
                    limit: 1000,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .len(),
            7
        );
        for key in ["nope", "cloud:j", "other:j:1", "cloud:j:x"] {
            assert!(store.signal_by_key(key).await.is_err(), "{key}");
        }
        assert!(store.signal_by_key("cloud:j:99").await.unwrap().is_none());
    }
}
