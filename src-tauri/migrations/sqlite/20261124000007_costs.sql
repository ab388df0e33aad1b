-- Costs (`src/store/costs.rs`, `src/costs/`): the machine's state changes as this app learned
-- them, the monthly budget, per-size price overrides, and which budget alerts were raised.

-- One row per change of (state, size, region) of a machine; runtime and storage are
-- accounted from consecutive rows. Times are unix milliseconds.
CREATE TABLE machine_states (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    machine_id  TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    size        TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL
);
CREATE INDEX machine_states_machine ON machine_states (machine_id, at_ms);
CREATE INDEX machine_states_at ON machine_states (at_ms);

-- The monthly budget (none without a row).
CREATE TABLE cost_budget (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    monthly_usd REAL    NOT NULL CHECK (monthly_usd > 0),
    hard_stop   INTEGER NOT NULL CHECK (hard_stop IN (0, 1)),
    updated_at  TEXT    NOT NULL
);

-- USD per started hour for a size, replacing the documented price.
CREATE TABLE cost_price_overrides (
    size         TEXT PRIMARY KEY,
    usd_per_hour REAL NOT NULL CHECK (usd_per_hour >= 0)
);

-- A budget alert (`80`, `100`, `stop`) raised for a month (`YYYY-MM`), at most once.
CREATE TABLE budget_alerts (
    month   TEXT    NOT NULL,
    alert   TEXT    NOT NULL,
    at_ms   INTEGER NOT NULL,
    PRIMARY KEY (month, alert)
);
