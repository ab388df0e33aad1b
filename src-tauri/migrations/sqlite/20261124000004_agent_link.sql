-- The live link to the agent (`src/link`): where the signal stream stands, the signals
-- received, and the owner commands waiting for the agent's answer.

-- Which agent journal the stored signals come from and the newest seq processed (one row).
CREATE TABLE agent_cursor (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    journal_id  TEXT    NOT NULL,            -- hello.journalId; another one means seqs restarted
    last_seq    INTEGER NOT NULL,            -- sent as resume_from.afterSeq on every connect
    role        TEXT    CHECK (role IS NULL OR role IN ('owner', 'viewer')),
    updated_at  TEXT    NOT NULL
);

-- Every signal received, once: replays of the same (journal, seq) are ignored.
CREATE TABLE agent_signals (
    journal_id  TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    trader_id   TEXT    NOT NULL,
    symbol      TEXT    NOT NULL,
    interval    TEXT    NOT NULL,
    open_time   INTEGER NOT NULL,            -- ms since the epoch
    close_time  INTEGER NOT NULL,
    price       REAL    NOT NULL,
    conditions  TEXT    NOT NULL CHECK (json_valid(conditions)),
    analysis    TEXT    CHECK (analysis IS NULL OR json_valid(analysis)),
    received_at TEXT    NOT NULL,
    PRIMARY KEY (journal_id, seq)
);

-- Owner commands, written before they are sent; removed when the agent acks them, kept as
-- `failed` (with the agent's code and message) when it refuses them.
CREATE TABLE agent_outbox (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,   -- send order
    id          TEXT    NOT NULL UNIQUE,             -- client-made; resent unchanged
    kind        TEXT    NOT NULL CHECK (kind IN ('deploy_trader', 'undeploy_trader', 'pause', 'resume')),
    frame       TEXT    NOT NULL CHECK (json_valid(frame)),
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,          -- times sent
    error_code  TEXT,
    error_message TEXT,
    created_at  TEXT    NOT NULL,
    sent_at     TEXT,
    answered_at TEXT
);
CREATE INDEX agent_outbox_state ON agent_outbox (state, position);
