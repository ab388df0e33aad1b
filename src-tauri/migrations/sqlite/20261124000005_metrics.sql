-- The agent's `metrics` frames (`src/store/metrics.rs`): the last hour at full rate (one row
-- per frame, about every 2 s) and 7 days at one row per minute. Rows are keyed by the Fly app
-- the frames came from (`local` without one) and the time they were received, in ms since the
-- epoch. Rolling up and pruning happen on insert, once per minute, over index ranges only.

CREATE TABLE metrics_samples (
    machine                 TEXT    NOT NULL,
    at_ms                   INTEGER NOT NULL,
    cpu_percent             REAL    NOT NULL,
    memory_bytes            INTEGER NOT NULL,
    memory_limit_bytes      INTEGER NOT NULL,
    uptime_seconds          INTEGER NOT NULL,
    symbols                 INTEGER NOT NULL,
    streams_connected       INTEGER NOT NULL,
    last_candle_age_seconds REAL,              -- NULL before the agent's first closed candle
    active_traders          INTEGER NOT NULL,
    evaluations_per_minute  INTEGER NOT NULL,
    queue_depth             INTEGER NOT NULL,
    signals_total           INTEGER NOT NULL,
    errors_total            INTEGER NOT NULL,
    binance_weight_used     INTEGER NOT NULL,
    scale_recommendation    INTEGER NOT NULL,
    PRIMARY KEY (machine, at_ms)
) WITHOUT ROWID;
-- Pruning across machines (frames of an app replaced since) by time alone.
CREATE INDEX metrics_samples_at ON metrics_samples (at_ms);

-- One row per (machine, minute) with samples: gauges are the minute's average, the cumulative
-- counters (signals_total, errors_total), the memory limit and the scale recommendation its
-- maximum (the counter's value at the minute's end unless the agent restarted in it).
CREATE TABLE metrics_minutes (
    machine                 TEXT    NOT NULL,
    minute_ms               INTEGER NOT NULL,  -- the minute's start
    samples                 INTEGER NOT NULL,
    cpu_percent             REAL    NOT NULL,
    memory_bytes            REAL    NOT NULL,
    memory_limit_bytes      INTEGER NOT NULL,
    uptime_seconds          INTEGER NOT NULL,
    symbols                 REAL    NOT NULL,
    streams_connected       REAL    NOT NULL,
    last_candle_age_seconds REAL,              -- NULL when no sample of the minute had one
    active_traders          REAL    NOT NULL,
    evaluations_per_minute  REAL    NOT NULL,
    queue_depth             REAL    NOT NULL,
    signals_total           INTEGER NOT NULL,
    errors_total            INTEGER NOT NULL,
    binance_weight_used     REAL    NOT NULL,
    scale_recommendation    INTEGER NOT NULL,
    PRIMARY KEY (machine, minute_ms)
) WITHOUT ROWID;
CREATE INDEX metrics_minutes_at ON metrics_minutes (minute_ms);

-- Per machine: every minute before `rolled_until_ms` is in metrics_minutes.
CREATE TABLE metrics_rollup (
    machine         TEXT    PRIMARY KEY,
    rolled_until_ms INTEGER NOT NULL
);
