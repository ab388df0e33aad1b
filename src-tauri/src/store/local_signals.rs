//! Signals of local screening (`local_signals`), and the one query over both sources that the
//! signal feed lists: local rows and the agent's (`agent_signals`), newest first.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use screener::engine::Signal;
use screener::market::Interval;
use screener::protocol::AnalysisFrame;

use crate::error::{Error, Result};
use crate::signals::{SignalFilter, SignalSource};
use crate::store::Store;

/// A stored signal of either source.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSignal {
    pub source: SignalSource,
    /// The agent's journal id (cloud) or the local run id.
    pub stream: String,
    pub seq: u64,
    pub trader_id: String,
    pub symbol: String,
    pub interval: Interval,
    pub open_time: i64,
    pub close_time: i64,
    pub price: f64,
    pub conditions: Vec<String>,
    /// ms since the epoch.
    pub received_at: i64,
    pub analysis: Option<AnalysisFrame>,
}

impl StoredSignal {
    /// `cloud:<journal>:<seq>` or `local:<run>:<seq>`.
    pub fn key(&self) -> String {
        let source = match self.source {
            SignalSource::Cloud => "cloud",
            SignalSource::Local => "local",
        };
        format!("{source}:{}:{}", self.stream, self.seq)
    }
}

type Row = (
    String,
    i64,
    String,
    String,
    String,
    i64,
    i64,
    f64,
    String,
    String,
    Option<String>,
);

impl Store {
    /// Stores a local signal of run `run_id` (a repeat is ignored); true when new.
    pub async fn save_local_signal(
        &self,
        run_id: &str,
        signal: &Signal,
        received_at: i64,
    ) -> Result<bool> {
        let conditions = serde_json::to_string(&signal.conditions)
            .map_err(|e| Error::Internal(format!("signal conditions: {e}")))?;
        let done = sqlx::query(
            "INSERT INTO local_signals (run_id, seq, trader_id, symbol, interval, open_time, \
                                        close_time, price, conditions, received_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(run_id)
        .bind(signal.seq as i64)
        .bind(&signal.trader_id)
        .bind(&signal.symbol)
        .bind(signal.interval.as_str())
        .bind(signal.open_time)
        .bind(signal.close_time)
        .bind(signal.price)
        .bind(conditions)
        .bind(received_at)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The highest seq of any local run (0 before the first): a new run numbers its signals
    /// after it, so local seqs stay unique across runs (the feed's rows are keyed by them).
    pub async fn local_signal_seq_max(&self) -> Result<u64> {
        let max: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM local_signals")
            .fetch_one(self.pool())
            .await?;
        Ok(max.unwrap_or(0).max(0) as u64)
    }

    /// Signals of both sources matching `filter` (already checked: `limit` 1–1000), newest
    /// first.
    pub async fn signals(&self, filter: &SignalFilter, limit: u32) -> Result<Vec<StoredSignal>> {
        let mut all = Vec::new();
        if filter.source != Some(SignalSource::Local) {
            all.extend(self.signals_of(SignalSource::Cloud, filter, limit).await?);
        }
        if filter.source != Some(SignalSource::Cloud) {
            all.extend(self.signals_of(SignalSource::Local, filter, limit).await?);
        }
        all.sort_by(|a, b| {
            (b.received_at, b.open_time, b.seq).cmp(&(a.received_at, a.open_time, a.seq))
        });
        all.truncate(limit as usize);
        Ok(all)
    }

    /// One stored signal by its key, if there is one.
    pub async fn signal_by_key(&self, key: &str) -> Result<Option<StoredSignal>> {
        let bad = || Error::InvalidInput(format!("`{key}` is not a signal key"));
        let (source, rest) = key.split_once(':').ok_or_else(bad)?;
        let (stream, seq) = rest.rsplit_once(':').ok_or_else(bad)?;
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        let sql = match source {
            "cloud" => format!("{CLOUD_SELECT} WHERE journal_id = ? AND seq = ?"),
            "local" => format!("{LOCAL_SELECT} WHERE run_id = ? AND seq = ?"),
            _ => return Err(bad()),
        };
        let source = if source == "cloud" {
            SignalSource::Cloud
        } else {
            SignalSource::Local
        };
        let row: Option<Row> = sqlx::query_as(&sql)
            .bind(stream)
            .bind(seq)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| from_row(source, r)).transpose()
    }

    async fn signals_of(
        &self,
        source: SignalSource,
        filter: &SignalFilter,
        limit: u32,
    ) -> Result<Vec<StoredSignal>> {
        let (select, stream_received) = match source {
            SignalSource::Cloud => (CLOUD_SELECT, "received_at"),
            SignalSource::Local => (LOCAL_SELECT, "received_at"),
        };
        let mut sql = format!("{select} WHERE 1 = 1");
        if filter.trader_id.is_some() {
            sql.push_str(" AND trader_id = ?");
        }
        if filter.symbol.is_some() {
            sql.push_str(" AND UPPER(symbol) = UPPER(?)");
        }
        if filter.before_ms.is_some() {
            sql.push_str(&format!(" AND {stream_received} < ?"));
        }
        sql.push_str(&format!(
            " ORDER BY {stream_received} DESC, seq DESC LIMIT ?"
        ));
        let mut query = sqlx::query_as::<_, Row>(&sql);
        if let Some(trader) = &filter.trader_id {
            query = query.bind(trader);
        }
        if let Some(symbol) = &filter.symbol {
            query = query.bind(symbol);
        }
        if let Some(before) = filter.before_ms {
            query = match source {
                SignalSource::Cloud => query.bind(rfc3339(before)),
                SignalSource::Local => query.bind(before),
            };
        }
        let rows = query.bind(i64::from(limit)).fetch_all(self.pool()).await?;
        rows.into_iter().map(|r| from_row(source, r)).collect()
    }
}

const CLOUD_SELECT: &str = "SELECT journal_id, seq, trader_id, symbol, interval, open_time, \
                            close_time, price, conditions, received_at, analysis \
                            FROM agent_signals";
const LOCAL_SELECT: &str = "SELECT run_id, seq, trader_id, symbol, interval, open_time, \
                            close_time, price, conditions, CAST(received_at AS TEXT), NULL \
                            FROM local_signals";

/// The stored time format (`store::now`) of a time in ms, for comparisons in SQL.
fn rfc3339(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn from_row(source: SignalSource, row: Row) -> Result<StoredSignal> {
    let (
        stream,
        seq,
        trader_id,
        symbol,
        interval,
        open_time,
        close_time,
        price,
        conditions,
        at,
        analysis,
    ) = row;
    let bad = |what: &str, e: String| Error::Internal(format!("stored signal {seq}: {what}: {e}"));
    let received_at = match source {
        SignalSource::Cloud => DateTime::parse_from_rfc3339(&at)
            .map_err(|e| bad("received_at", e.to_string()))?
            .timestamp_millis(),
        SignalSource::Local => at.parse().map_err(|_| bad("received_at", at.clone()))?,
    };
    Ok(StoredSignal {
        source,
        stream,
        seq: seq as u64,
        trader_id,
        symbol,
        interval: interval
            .parse()
            .map_err(|e: screener::market::IntervalError| bad("interval", e.to_string()))?,
        open_time,
        close_time,
        price,
        conditions: serde_json::from_str(&conditions)
            .map_err(|e| bad("conditions", e.to_string()))?,
        received_at,
        analysis: analysis
            .map(|a| serde_json::from_str(&a))
            .transpose()
            .map_err(|e| bad("analysis", e.to_string()))?,
    })
}
