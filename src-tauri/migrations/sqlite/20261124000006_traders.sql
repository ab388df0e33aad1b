-- Traders (`src/traders`): the built-ins (refreshed from the app at every start) and the
-- user's own, each with its version and where it should run; and the signals of local
-- screening (the cloud's are in `agent_signals`).

CREATE TABLE traders (
    id            TEXT    PRIMARY KEY,
    builtin       INTEGER NOT NULL CHECK (builtin IN (0, 1)),
    record        TEXT    NOT NULL CHECK (json_valid(record)),  -- the Trader JSON
    version       INTEGER NOT NULL CHECK (version >= 1),       -- authoritative over record.version
    enabled       INTEGER NOT NULL CHECK (enabled IN (0, 1)),  -- authoritative over record.enabled
    cloud_wanted  INTEGER NOT NULL DEFAULT 0 CHECK (cloud_wanted IN (0, 1)),
    cloud_version INTEGER,                                     -- the agent's last trader_state
    cloud_state   TEXT    CHECK (cloud_state IS NULL OR cloud_state IN ('deployed', 'undeployed', 'error')),
    cloud_error   TEXT,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE local_signals (
    run_id      TEXT    NOT NULL,            -- one local screening run
    seq         INTEGER NOT NULL,            -- the engine's seq within the run
    trader_id   TEXT    NOT NULL,
    symbol      TEXT    NOT NULL,
    interval    TEXT    NOT NULL,
    open_time   INTEGER NOT NULL,
    close_time  INTEGER NOT NULL,
    price       REAL    NOT NULL,
    conditions  TEXT    NOT NULL CHECK (json_valid(conditions)),
    received_at INTEGER NOT NULL,            -- ms since the epoch
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX local_signals_received ON local_signals (received_at);
CREATE INDEX agent_signals_received ON agent_signals (received_at);
