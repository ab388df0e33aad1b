-- The agent's durable state: every signal before it is sent, the deployed traders, the
-- commands already applied, and whether screening is paused.
CREATE TABLE signals (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,   -- the protocol's `seq`, never reused
    trader_id   TEXT    NOT NULL,
    symbol      TEXT    NOT NULL,
    interval    TEXT    NOT NULL,
    open_time   INTEGER NOT NULL,
    close_time  INTEGER NOT NULL,
    price       REAL    NOT NULL,
    conditions  TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(conditions)),
    recorded_at TEXT    NOT NULL,
    analysis    TEXT    CHECK (analysis IS NULL OR json_valid(analysis)),
    -- A candle close signals a trader at most once, even if it is seen again after a restart.
    UNIQUE (trader_id, symbol, interval, close_time)
);

CREATE TABLE traders (
    id          TEXT    PRIMARY KEY,
    version     INTEGER NOT NULL,
    record      TEXT    NOT NULL CHECK (json_valid(record)),
    deployed_at TEXT    NOT NULL
);

CREATE TABLE commands (
    id          TEXT    PRIMARY KEY,                 -- the client's command id
    applied_at  TEXT    NOT NULL
);

CREATE TABLE settings (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL
);
