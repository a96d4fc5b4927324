-- The durable inbox (polling; webhook mode may reuse it): every update as Telegram sent it,
-- committed before it is confirmed (the next getUpdates offset), handled from here and
-- marked when its handlers finished. Unfinished ones are handled again at start-up.
-- A handled row keeps no personal data: its payload and user id are cleared.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    payload     TEXT,
    -- A short hash of the payload: Telegram sending an unconfirmed update again sends the
    -- same one; a different update under a known id is new (ids restart for a new token,
    -- and after a week without updates).
    digest      TEXT    NOT NULL DEFAULT '',
    -- Whose update it is (the sender, else the chat), for erasure; NULL once handled.
    user_id     INTEGER,
    state       TEXT    NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'done', 'skipped')),
    received_at TEXT    NOT NULL,
    handled_at  TEXT,
    -- Why a skipped update could not be read (the exception's type, never its data).
    error       TEXT
);
CREATE INDEX inbox_new ON inbox (update_id) WHERE state = 'new';
CREATE INDEX inbox_user ON inbox (user_id) WHERE user_id IS NOT NULL;

-- Citizens' messages on their way into their ticket's topic: the hotline's relay queue.
-- One row per citizen message (or edit, or note of the bot's for staff); the group sender
-- takes a ticket's pending rows together (a digest while the group's budget is short).
-- The update id makes a re-handled update relay once.
CREATE TABLE relays (
    id              INTEGER PRIMARY KEY,
    ticket_id       INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    staff_chat_id   INTEGER NOT NULL,
    update_id       INTEGER UNIQUE,
    kind            TEXT    NOT NULL,
    -- The citizen's message: what is copied, and what gets the delivery mark.
    message_id      INTEGER,
    -- Text or caption as HTML, the file of a photo/video/document/audio, the album it is in,
    -- and the sender's Telegram name (topic name of an unregistered citizen): cleared once
    -- relayed.
    body            TEXT,
    file_id         TEXT,
    media_group_id  TEXT,
    sender_name     TEXT,
    -- An edit is posted as a reply to the topic copy of the message it edits.
    reply_to        INTEGER,
    written_at      TEXT    NOT NULL,
    urgent          INTEGER NOT NULL DEFAULT 0,
    state           TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'sent', 'failed')),
    staff_message_id INTEGER,
    created_at      TEXT    NOT NULL,
    done_at         TEXT
);
CREATE INDEX relays_pending ON relays (staff_chat_id, ticket_id, id) WHERE state = 'pending';
CREATE INDEX relays_message ON relays (ticket_id, message_id);

-- A ticket marked urgent by the words of a message (top of /queue, flagged in the topic),
-- and when the citizen's first message was acknowledged (a re-handled update after a crash
-- still gets the acknowledgement the crash cut off; tickets from before are acknowledged).
ALTER TABLE tickets ADD COLUMN urgent_at TEXT;
ALTER TABLE tickets ADD COLUMN acked_at TEXT;
UPDATE tickets SET acked_at = created_at;

-- Overflow groups: more staff groups for a country's tickets (owner = its code) or for the
-- central group's (owner = '*'); a new ticket goes to the least loaded of them.
CREATE TABLE staff_overflow (
    owner       TEXT    NOT NULL CHECK (owner = '*' OR length(owner) = 2),
    chat_id     INTEGER NOT NULL,
    set_by      INTEGER NOT NULL,
    set_at      TEXT    NOT NULL,
    PRIMARY KEY (owner, chat_id)
);
