-- Machine lifecycle in the audit log: which machine an event is about, and Fly's own events
-- imported once each (their Fly id is unique; our own events have none).
ALTER TABLE events ADD COLUMN machine_id TEXT;
ALTER TABLE events ADD COLUMN fly_event_id TEXT;
CREATE UNIQUE INDEX events_fly_event ON events (fly_event_id) WHERE fly_event_id IS NOT NULL;
CREATE INDEX events_machine ON events (machine_id, id);

-- The Fly secrets version provisioning last set (passed as `min_secrets_version`).
ALTER TABLE machine ADD COLUMN secrets_version INTEGER;
-- Fly's digests of the agent secrets as this profile last set them (sha256 over name=digest
-- pairs): a different value on Fly means another computer set its own tokens.
ALTER TABLE machine ADD COLUMN secrets_fingerprint TEXT;
