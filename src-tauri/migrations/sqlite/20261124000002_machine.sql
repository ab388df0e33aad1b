-- The user's cloud machine as this app last saw it: one row per profile (data dir).
CREATE TABLE machine (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    app         TEXT    NOT NULL,            -- the user's own Fly app, https://<app>.fly.dev
    org_slug    TEXT    NOT NULL,
    machine_id  TEXT,                        -- NULL until the machine step created/found it
    instance_id TEXT,                        -- the machine version we expect Fly to run
    region      TEXT    NOT NULL,
    size        TEXT    NOT NULL,            -- guest preset, e.g. shared-cpu-2x
    image       TEXT    NOT NULL,            -- pinned by tag or digest, never :latest
    state       TEXT,                        -- Fly's state when last seen
    seen_at     TEXT,                        -- RFC 3339, when Fly last reported `state`
    updated_at  TEXT    NOT NULL
);

-- One provisioning attempt (`machine start`) and its named steps, resumed after a crash.
CREATE TABLE provision_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  TEXT    NOT NULL UNIQUE,     -- client-generated, in the machine's metadata
    actor       TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    size        TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    error       TEXT    CHECK (error IS NULL OR json_valid(error))
);
CREATE INDEX provision_runs_status ON provision_runs (status, id);

CREATE TABLE provision_steps (
    run_id      INTEGER NOT NULL REFERENCES provision_runs (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    step        TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    started_at  TEXT,
    finished_at TEXT,
    output      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(output)),
    error       TEXT    CHECK (error IS NULL OR json_valid(error)),
    PRIMARY KEY (run_id, step)
);

-- Who is changing the machine right now, across the window and CLI processes of a profile.
CREATE TABLE machine_lock (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    holder      TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL             -- unix milliseconds; a crashed holder's lock lapses
);
