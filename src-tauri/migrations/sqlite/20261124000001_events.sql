-- Audit log: who did what, when. Never holds a secret.
CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT    NOT NULL,            -- RFC 3339, UTC, milliseconds
    actor   TEXT    NOT NULL,            -- gui | cli | …
    kind    TEXT    NOT NULL,            -- token.stored | token.removed | …
    details TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(details))
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_kind ON events (kind, at);
