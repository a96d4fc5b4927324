-- Several replicas on one database (webhook mode behind a load balancer).

-- The inbox: every update Telegram delivered, committed before it is answered 200, so an
-- update a replica never stored is redelivered by Telegram, and one it stored is handled
-- even if that replica dies. Generic on purpose (polling can use it too):
--   update_id   Telegram's id (duplicates from redelivery are ignored);
--   chat_key    the chat (or user) whose updates must be handled in order, NULL for none;
--   payload     the update's JSON, emptied once handled (it holds personal data);
--   state       'pending' until handled, then 'done' (kept a day to ignore redeliveries);
--   claimed_by / claimed_until: the replica handling it and its lease; an expired lease
--               (the replica died) makes the update claimable again.
-- A chat's next update is claimed only once the one before it is done.
CREATE TABLE inbox (
    update_id       INTEGER PRIMARY KEY,
    chat_key        INTEGER,
    payload         TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    received_at     TEXT    NOT NULL,
    claimed_by      TEXT,
    claimed_until   TEXT,
    done_at         TEXT
);
CREATE INDEX inbox_pending ON inbox (state, chat_key, update_id);
CREATE INDEX inbox_done ON inbox (state, done_at);

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
