-- Evacuation departures: seats offered in the chat, confirmed with passport data, boarded.

-- Offers travel through the notice outbox (paced, durable, resumed after a crash) on a
-- carrier notice of a new kind. The kind's CHECK is widened in place, as SQLite documents
-- for loosening a constraint: outbox rows reference notices ON DELETE CASCADE and foreign
-- keys cannot be switched off inside this transaction, so rebuilding `notices` would empty
-- the outbox; and a textual edit keeps whatever columns other migrations added. The new
-- tables below change the schema cookie, so other connections re-read the schema.
PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = replace(sql, '''fresh''', '''fresh'', ''evacuation''')
    WHERE type = 'table' AND name = 'notices' AND instr(sql, '''evacuation''') = 0;
PRAGMA writable_schema = RESET;
-- Fails the migration (and rolls it back) if the edit above did not take.
INSERT INTO notices (author_id, text_ru, schedule, state, created_at, updated_at, kind)
    VALUES (0, '', 'now', 'done', '', '', 'evacuation');
DELETE FROM notices WHERE id = last_insert_rowid();

-- Vulnerable people in the party (children, elderly, medical need, pregnancy): asked at
-- registration, optional; they are offered seats first.
ALTER TABLE registrations ADD COLUMN vulnerable INTEGER NOT NULL DEFAULT 0;

CREATE TABLE departures (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('charter', 'scheduled', 'bus', 'other')),
    country         TEXT    NOT NULL CHECK (length(country) = 2),
    city            TEXT    NOT NULL,
    -- Who is offered seats: those who need evacuation, or everyone registered; in the whole
    -- country or only in `city`.
    audience        TEXT    NOT NULL CHECK (audience IN ('evacuation', 'all')),
    city_only       INTEGER NOT NULL DEFAULT 0,
    point           TEXT    NOT NULL,
    latitude        REAL,
    longitude       REAL,
    destination     TEXT,
    -- The UTC instant; staff type it in the country's local time.
    departs_at      TEXT    NOT NULL,
    seats           INTEGER NOT NULL CHECK (seats BETWEEN 1 AND 10000),
    -- How long an offer stays open (its deadline is the offer's time plus this).
    confirm_hours   INTEGER NOT NULL CHECK (confirm_hours BETWEEN 1 AND 72),
    state           TEXT    NOT NULL DEFAULT 'open'
        CHECK (state IN ('open', 'cancelled', 'departed')),
    -- The carrier notice whose outbox rows are this departure's offers and messages.
    notice_id       INTEGER NOT NULL REFERENCES notices (id),
    created_by      INTEGER NOT NULL,
    -- The staff message that shows this departure's counts, kept current.
    card_chat       INTEGER,
    card_msg        INTEGER,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    finished_at     TEXT,
    -- People boarded, counted when it departs: the stats keep it after erasures.
    evacuated       INTEGER NOT NULL DEFAULT 0,
    -- When the passport fields of its passengers were erased (retention).
    erased_at       TEXT
);
CREATE INDEX departures_state ON departures (state, departs_at);
CREATE INDEX departures_notice ON departures (notice_id);

-- One row per party and departure: offered, then confirmed, declined or expired.
CREATE TABLE evac_offers (
    id              INTEGER PRIMARY KEY,
    departure_id    INTEGER NOT NULL REFERENCES departures (id) ON DELETE CASCADE,
    -- Erasure of the citizen takes their offers and passengers with it.
    user_id         INTEGER NOT NULL REFERENCES citizens (user_id) ON DELETE CASCADE,
    seats           INTEGER NOT NULL CHECK (seats BETWEEN 1 AND 20),
    state           TEXT    NOT NULL DEFAULT 'offered'
        CHECK (state IN ('offered', 'confirmed', 'declined', 'expired', 'withdrawn')),
    -- A random part of the offer's buttons: forged callback data names no real token.
    token           TEXT    NOT NULL,
    offered_at      TEXT    NOT NULL,
    deadline_at     TEXT    NOT NULL,
    answered_at     TEXT,
    confirmation    TEXT    UNIQUE,
    boarding_code   TEXT    UNIQUE,
    boarded_at      TEXT,
    UNIQUE (departure_id, user_id)
);
CREATE INDEX evac_offers_state ON evac_offers (departure_id, state);
CREATE INDEX evac_offers_deadline ON evac_offers (state, deadline_at);
CREATE INDEX evac_offers_user ON evac_offers (user_id, state);

-- The people of a party, as in their passports: for manifests only. Stored as the citizen
-- types them (never in the conversation's persisted data), so what an unconfirmed offer
-- leaves behind goes with the offer when it is declined, expires or is withdrawn; erased
-- PASSPORT_RETENTION_DAYS after the departure, and at once by /delete.
CREATE TABLE evac_passengers (
    offer_id        INTEGER NOT NULL REFERENCES evac_offers (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    full_name       TEXT    NOT NULL,
    passport        TEXT,
    birth_date      TEXT,
    PRIMARY KEY (offer_id, position)
);
