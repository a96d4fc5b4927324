-- Proof of reach (issue 16): who a notice reached, who is reminded, who is handed on to SMS
-- and phone calls; which sends go first; notices that wait for a second staff member.

-- Composing options. An urgent notice overtakes routine ones and ignores local daytime
-- for its reminders. remind_max = 0: no reminders (notices without the "Received" button).
ALTER TABLE notices ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN remind_hours INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN remind_max INTEGER NOT NULL DEFAULT 0;
-- The text sent by SMS to those the notice did not reach (NULL: none).
ALTER TABLE notices ADD COLUMN sms_text TEXT;
-- When the last reminder's wait ran out and the notice was handed on (SMS, the author told).
ALTER TABLE notices ADD COLUMN handed_at TEXT;

-- Lower goes first: urgent notices 0-3, routine 10-13 (inside a notice: evacuation or
-- consular help 0, stuck at an airport or transit point 1, vulnerable 2, others 3),
-- reminders 20-23, freshness pings 30. Rows queued before this migration are routine.
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 13;
-- 0: the notice itself; n: its n-th reminder (a 'send' row with run '<run>~r<n>').
ALTER TABLE outbox ADD COLUMN reminder INTEGER NOT NULL DEFAULT 0;
-- The feeder walks this index in order: what is pending, most urgent first, then oldest.
CREATE INDEX outbox_ready ON outbox (priority, due_at) WHERE state = 'pending';

-- SMS to citizens a notice did not reach: durable and paced like the outbox. The phone is
-- read from the registration at send time and never copied here.
CREATE TABLE sms_outbox (
    id          INTEGER PRIMARY KEY,
    notice_id   INTEGER NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    due_at      TEXT    NOT NULL,
    -- The gateway's message id once accepted, or why it was refused.
    provider_id TEXT,
    error       TEXT,
    created_at  TEXT    NOT NULL,
    done_at     TEXT
);
CREATE UNIQUE INDEX sms_once ON sms_outbox (notice_id, user_id);
CREATE INDEX sms_due ON sms_outbox (due_at) WHERE state = 'pending';
CREATE INDEX sms_user ON sms_outbox (user_id);

-- The two-person rule: a large or urgent notice waits here, as composed, until a second
-- staff member or admin of the same scope approves it; only then is it stored and sent.
CREATE TABLE approvals (
    id          INTEGER PRIMARY KEY,
    author_id   INTEGER NOT NULL,
    -- The composed notice (storage.notices.NoticeDraft as JSON) and its audience's countries.
    draft       TEXT    NOT NULL,
    countries   TEXT    NOT NULL DEFAULT '',
    recipients  INTEGER NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'waiting'
        CHECK (state IN ('waiting', 'approved', 'rejected', 'expired')),
    decided_by  INTEGER,
    decided_at  TEXT,
    notice_id   INTEGER,
    created_at  TEXT    NOT NULL
);
CREATE INDEX approvals_state ON approvals (state, id);
