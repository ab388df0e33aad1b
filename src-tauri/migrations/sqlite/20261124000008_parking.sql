-- Auto-stop (`src/parking`) and the dead-man's switch (`src/watchdog`): one row each.
-- `parking`: the user's settings and, while the app has parked the machine, why.
-- `watchdog`: the alert in force (none when `alert` is NULL), for the window to read.

CREATE TABLE parking (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    idle_minutes  INTEGER CHECK (idle_minutes IS NULL OR idle_minutes BETWEEN 1 AND 10080),
    schedule      TEXT    CHECK (schedule IS NULL OR json_valid(schedule)),  -- a Schedule JSON
    parked_reason TEXT    CHECK (parked_reason IS NULL OR json_valid(parked_reason)),  -- a ParkReason JSON
    parked_at     TEXT,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE watchdog (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    alert     TEXT    CHECK (alert IS NULL OR json_valid(alert)),  -- a DeadManAlert JSON
    since     TEXT,
    updated_at TEXT   NOT NULL
);
