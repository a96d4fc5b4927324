-- Citizens who talked to the bot: language and consent. One row per Telegram user.
CREATE TABLE citizens (
    user_id     INTEGER PRIMARY KEY,
    lang        TEXT    NOT NULL DEFAULT 'ru' CHECK (lang IN ('ru', 'kk')),
    consent_at  TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- The current registration of a citizen abroad: where they are and what they need.
CREATE TABLE registrations (
    user_id     INTEGER PRIMARY KEY REFERENCES citizens (user_id) ON DELETE CASCADE,
    full_name   TEXT    NOT NULL,
    country     TEXT    NOT NULL CHECK (length(country) = 2),
    city        TEXT    NOT NULL,
    latitude    REAL,
    longitude   REAL,
    status      TEXT    NOT NULL
        CHECK (status IN ('resident', 'tourist', 'transit', 'stuck', 'other')),
    party_size  INTEGER NOT NULL CHECK (party_size BETWEEN 1 AND 20),
    children    INTEGER NOT NULL DEFAULT 0 CHECK (children BETWEEN 0 AND party_size),
    phone       TEXT    NOT NULL,
    needs       TEXT    NOT NULL
        CHECK (needs IN ('none', 'consular', 'accommodation', 'evacuation')),
    note        TEXT,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX registrations_country ON registrations (country, active, status);

-- Every place a citizen reported, so moves through transit points stay visible.
CREATE TABLE place_history (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES citizens (user_id) ON DELETE CASCADE,
    country     TEXT    NOT NULL,
    city        TEXT    NOT NULL,
    latitude    REAL,
    longitude   REAL,
    status      TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL
);
CREATE INDEX place_history_user ON place_history (user_id, recorded_at);

-- python-telegram-bot persistence: conversation states and per-user scratch data (drafts),
-- so a restart resumes a registration at the step where it stopped.
CREATE TABLE conversation_states (
    name        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    PRIMARY KEY (name, key)
);
CREATE TABLE user_state (
    user_id     INTEGER PRIMARY KEY,
    data        TEXT    NOT NULL
);
