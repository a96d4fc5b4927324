-- The hotline team's tools: who holds a ticket, how long a citizen has waited, when staff
-- first answered, why a ticket closed, and the country it counts for in /stats hotline.
ALTER TABLE tickets ADD COLUMN country TEXT;
ALTER TABLE tickets ADD COLUMN assignee_id INTEGER;
ALTER TABLE tickets ADD COLUMN assigned_at TEXT;
-- The citizen's first message since the last staff answer (NULL: nobody is waiting).
ALTER TABLE tickets ADD COLUMN waiting_since TEXT;
ALTER TABLE tickets ADD COLUMN first_staff_at TEXT;
-- Seconds from opening to the first staff answer, and to the (latest) close: kept as numbers
-- so /stats hotline sorts integers instead of parsing two times per ticket (3x faster at
-- 50,000 tickets, bench/scale.py).
ALTER TABLE tickets ADD COLUMN response_seconds INTEGER;
ALTER TABLE tickets ADD COLUMN close_seconds INTEGER;
-- When this wait was flagged as past its threshold; cleared by the next staff answer.
ALTER TABLE tickets ADD COLUMN alarmed_at TEXT;
-- 'idle': closed by the bot after TICKET_IDLE_DAYS; the citizen's next message reopens it.
ALTER TABLE tickets ADD COLUMN closed_reason TEXT CHECK (closed_reason IN ('staff', 'idle'));

-- Tickets opened before the upgrade: the country and the waits are read from what is stored.
UPDATE tickets SET country = (SELECT r.country FROM registrations r WHERE r.user_id = tickets.user_id);
UPDATE tickets SET waiting_since = last_citizen_at
    WHERE status = 'open' AND last_citizen_at IS NOT NULL
    AND (last_staff_at IS NULL OR last_staff_at < last_citizen_at);
UPDATE tickets SET first_staff_at = (SELECT min(m.created_at) FROM ticket_messages m
    WHERE m.ticket_id = tickets.id AND m.direction = 'out');
UPDATE tickets SET response_seconds =
    CAST(round((julianday(first_staff_at) - julianday(created_at)) * 86400) AS INTEGER);
UPDATE tickets SET closed_reason = 'staff',
    close_seconds = CAST(round((julianday(closed_at) - julianday(created_at)) * 86400) AS INTEGER)
    WHERE status = 'closed';

-- /stats hotline reads tickets by the day they opened and closed; the watch reads the waits.
-- Covering: each of its queries reads one narrow index, never the rows.
CREATE INDEX tickets_created ON tickets (created_at, country, response_seconds, assignee_id);
CREATE INDEX tickets_closed ON tickets (closed_at, country, close_seconds, rating, assignee_id)
    WHERE closed_at IS NOT NULL;
CREATE INDEX tickets_waiting ON tickets (waiting_since) WHERE status = 'open';
CREATE INDEX tickets_assignee ON tickets (assignee_id) WHERE status = 'open';

-- Staff members as the bot last saw them, so /assign @username finds the user id (the Bot
-- API cannot look a user up by username) and alarms can mention them by name.
CREATE TABLE desk_officers (
    user_id     INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    username    TEXT,
    seen_at     TEXT    NOT NULL
);
CREATE INDEX desk_officers_username ON desk_officers (lower(username));

-- "Did this help?": one verdict per citizen and FAQ entry, the latest one counts.
CREATE TABLE faq_feedback (
    id          INTEGER PRIMARY KEY,
    entry_id    TEXT    NOT NULL,
    user_id     INTEGER NOT NULL,
    helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    at          TEXT    NOT NULL,
    UNIQUE (user_id, entry_id)
);
CREATE INDEX faq_feedback_at ON faq_feedback (at, entry_id, helpful);

-- Free-text questions the FAQ could not answer with confidence, stripped of numbers, names,
-- links and addresses before they are stored; `key` is their sorted word stems (grouping).
-- Erased with the citizen.
CREATE TABLE faq_questions (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    lang        TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    at          TEXT    NOT NULL
);
-- /faq_report groups by key and wording: read in the index's order, without a sort, and
-- without the rows (17 ms for 100,000 questions; on (at, key): 190 ms).
CREATE INDEX faq_questions_key ON faq_questions (key, text, at);
CREATE INDEX faq_questions_user ON faq_questions (user_id);
