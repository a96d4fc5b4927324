-- Hotline chats: one ticket per conversation, shown to staff as a forum topic.
CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES citizens (user_id) ON DELETE CASCADE,
    staff_chat_id   INTEGER NOT NULL,
    thread_id       INTEGER,
    status          TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at      TEXT    NOT NULL,
    last_citizen_at TEXT,
    last_staff_at   TEXT,
    closed_at       TEXT,
    rating          INTEGER CHECK (rating BETWEEN 1 AND 5)
);
-- At most one open ticket per citizen: two first messages at once cannot open two.
CREATE UNIQUE INDEX tickets_one_open ON tickets (user_id) WHERE status = 'open';
CREATE INDEX tickets_thread ON tickets (staff_chat_id, thread_id);

-- Which staff-side copy belongs to which citizen-side message (replies, edits).
CREATE TABLE ticket_messages (
    id                  INTEGER PRIMARY KEY,
    ticket_id           INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    direction           TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    citizen_message_id  INTEGER NOT NULL,
    staff_message_id    INTEGER NOT NULL,
    created_at          TEXT    NOT NULL
);
CREATE INDEX ticket_messages_citizen ON ticket_messages (ticket_id, citizen_message_id);
CREATE INDEX ticket_messages_staff ON ticket_messages (ticket_id, staff_message_id);

CREATE TABLE bans (
    user_id     INTEGER PRIMARY KEY,
    reason      TEXT    NOT NULL,
    banned_by   INTEGER NOT NULL,
    at          TEXT    NOT NULL
);
