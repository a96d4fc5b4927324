-- Safety checks ("Are you safe?") and register freshness pings ("Are you still in ...?")
-- go through the same outbox as notices: paced, durable, resumed after a crash.
ALTER TABLE notices ADD COLUMN kind TEXT NOT NULL DEFAULT 'notice'
    CHECK (kind IN ('notice', 'safety', 'fresh'));
-- A safety check can be narrowed to one city (compared case-insensitively).
ALTER TABLE notices ADD COLUMN city TEXT;
-- The recipient's answer: safe / help (safety), here / moved / home (freshness).
ALTER TABLE outbox ADD COLUMN answer TEXT;
ALTER TABLE outbox ADD COLUMN answered_at TEXT;
CREATE INDEX notices_kind ON notices (kind, state);
CREATE INDEX registrations_updated ON registrations (active, updated_at);
