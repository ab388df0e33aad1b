-- The dead-man's switch's thresholds, when the user set them (`src/watchdog`): no frame for
-- `silence_seconds`, or a newest candle older than `candle_age_seconds`, raises the alert.
-- No row: the defaults (120 s, 600 s).

CREATE TABLE watchdog_thresholds (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    silence_seconds    INTEGER NOT NULL CHECK (silence_seconds BETWEEN 30 AND 86400),
    candle_age_seconds INTEGER NOT NULL CHECK (candle_age_seconds BETWEEN 60 AND 86400),
    updated_at         TEXT    NOT NULL
);
