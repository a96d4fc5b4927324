-- Several replicas on one database (webhook mode behind a load balancer).

-- The inbox (migration 0015) in webhook mode: updates the receiver stored, claimed by the
-- replicas. One chat's updates are handled in order, across replicas:
--   chat_key    the chat (or user) whose updates must be handled in order, NULL for none;
--   claimed_by / claimed_until: the replica handling it and its lease; an expired lease
--               (the replica died) makes the update claimable again.
-- A chat's next update is claimed only once the ones before it are done.
ALTER TABLE inbox ADD COLUMN chat_key INTEGER;
ALTER TABLE inbox ADD COLUMN claimed_by TEXT;
ALTER TABLE inbox ADD COLUMN claimed_until TEXT;
CREATE INDEX inbox_chat_new ON inbox (chat_key, update_id) WHERE state = 'new';
-- Erasure finds a webhook update still waiting by its chat too.
CREATE INDEX inbox_chat ON inbox (chat_key) WHERE chat_key IS NOT NULL;

-- Outbox rows in a replica's hands: no other replica takes them until the lease expires
-- (a restarted replica of the same name releases its own at once).
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;

-- The same for SMS rows (issue 16's SMS outbox): one replica sends each.
ALTER TABLE sms_outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE sms_outbox ADD COLUMN claimed_until TEXT;

-- Named leases: a scheduled job (a notice's occurrence) runs on the replica that holds it.
CREATE TABLE leases (
    name        TEXT    PRIMARY KEY,
    holder      TEXT    NOT NULL,
    until       TEXT    NOT NULL
);

-- Live replicas (a heartbeat each): the send budget is shared out among them.
CREATE TABLE replicas (
    name        TEXT    PRIMARY KEY,
    started_at  TEXT    NOT NULL,
    seen_at     TEXT    NOT NULL
);
