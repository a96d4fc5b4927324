-- Staff roles granted by admins. Admins listed in ADMIN_IDS are not stored here: the
-- environment bootstraps them and no command can revoke them.
CREATE TABLE staff (
    user_id     INTEGER PRIMARY KEY,
    role        TEXT    NOT NULL CHECK (role IN ('admin', 'staff')),
    -- Comma-separated ISO codes a staff member serves; empty for admins (everything).
    countries   TEXT    NOT NULL DEFAULT '',
    granted_by  INTEGER,
    granted_at  TEXT    NOT NULL
);

-- Official notices: bilingual text, audience, schedule. One row per notice; a daily notice
-- is one row whose `next_run` advances.
CREATE TABLE notices (
    id              INTEGER PRIMARY KEY,
    author_id       INTEGER NOT NULL,
    -- Comma-separated filters; empty means "any".
    countries       TEXT    NOT NULL DEFAULT '',
    statuses        TEXT    NOT NULL DEFAULT '',
    needs           TEXT    NOT NULL DEFAULT '',
    text_ru         TEXT    NOT NULL,
    -- NULL: the author chose to send the Russian text to everyone.
    text_kk         TEXT,
    media_kind      TEXT    CHECK (media_kind IN ('photo', 'document')),
    media_file_id   TEXT,
    ack             INTEGER NOT NULL DEFAULT 0,
    schedule        TEXT    NOT NULL CHECK (schedule IN ('now', 'at', 'daily')),
    tz_mode         TEXT    NOT NULL DEFAULT 'astana' CHECK (tz_mode IN ('astana', 'local')),
    -- 'at': 'YYYY-MM-DD HH:MM'; 'daily': 'HH:MM' (wall clock of tz_mode).
    wall_time       TEXT,
    until_date      TEXT,
    -- The next occurrence to fill ('YYYY-MM-DD HH:MM' wall clock, 'now'), and the UTC
    -- instant it is filled at; NULL when no occurrence is left.
    next_run        TEXT,
    fill_at         TEXT,
    state           TEXT    NOT NULL DEFAULT 'active'
        CHECK (state IN ('active', 'done', 'cancelled', 'missed', 'recalled')),
    version         INTEGER NOT NULL DEFAULT 1,
    missed_runs     INTEGER NOT NULL DEFAULT 0,
    progress_chat   INTEGER,
    progress_msg    INTEGER,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    finished_at     TEXT
);
CREATE INDEX notices_state ON notices (state, fill_at);

-- The durable outbox: one row per recipient and occurrence (op 'send'), plus edits and
-- deletions of delivered copies. The engine sends what is pending and due; a restart
-- resumes from here.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    notice_id   INTEGER NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    run         TEXT    NOT NULL,
    user_id     INTEGER NOT NULL,
    op          TEXT    NOT NULL DEFAULT 'send' CHECK (op IN ('send', 'edit', 'delete')),
    lang        TEXT    NOT NULL,
    country     TEXT    NOT NULL,
    due_at      TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sent', 'failed', 'blocked', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    message_id  INTEGER,
    version     INTEGER NOT NULL DEFAULT 1,
    acked_at    TEXT,
    error       TEXT,
    done_at     TEXT
);
-- A recipient gets each occurrence once, however often the fill is retried.
CREATE UNIQUE INDEX outbox_once ON outbox (notice_id, run, user_id) WHERE op = 'send';
CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'pending';
CREATE INDEX outbox_notice ON outbox (notice_id, op, state);
CREATE INDEX outbox_user ON outbox (user_id, notice_id);
