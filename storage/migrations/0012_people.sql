-- Issue 18: what a citizen adds after registering, groups, follows, family links and
-- relatives' inquiries. Every row here goes with its citizen (ON DELETE CASCADE, and the
-- erasure deletes them explicitly too: storage.people.erase_person).

-- Optional details of a registration, one row per citizen.
CREATE TABLE people_details (
    user_id           INTEGER PRIMARY KEY REFERENCES citizens (user_id) ON DELETE CASCADE,
    -- The declared last day of the stay, 'YYYY-MM-DD' in the country's local calendar.
    stay_until        TEXT,
    -- The stay_until that "have you left?" and the erasure warning were sent for.
    stay_asked        TEXT,
    stay_warned       TEXT,
    -- The person to notify at home.
    contact_name      TEXT,
    contact_phone     TEXT,
    contact_relation  TEXT,
    -- What linked relatives receive (1: yes).
    share_safety      INTEGER NOT NULL DEFAULT 1,
    share_place       INTEGER NOT NULL DEFAULT 0,
    share_boarding    INTEGER NOT NULL DEFAULT 0,
    -- The place relatives were last told of ('CC|city'), so they hear only of changes.
    shared_place      TEXT,
    updated_at        TEXT    NOT NULL
);
CREATE INDEX people_details_stay ON people_details (stay_until) WHERE stay_until IS NOT NULL;

-- Those travelling with a citizen ('companion'), or the people of a group a tour leader or
-- employer registered ('group': the group's size is the number of these rows).
CREATE TABLE people_members (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES citizens (user_id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('companion', 'group')),
    position    INTEGER NOT NULL,
    full_name   TEXT    NOT NULL,
    birth_year  INTEGER,
    phone       TEXT,
    -- The name as /find compares it (bot.people.matching.search_key).
    search_key  TEXT    NOT NULL
);
CREATE INDEX people_members_user ON people_members (user_id, kind, position);
CREATE INDEX people_members_phone ON people_members (phone) WHERE phone IS NOT NULL;

-- /find over registrations: name and city as the bot normalises them (Cyrillic, Kazakh and
-- Latin spellings meet; SQLite's lower() knows only ASCII). NULL until the bot has done it:
-- the triggers reset the key whenever a name or a city changes, whoever wrote it.
CREATE TABLE people_search (
    user_id     INTEGER PRIMARY KEY,
    search_key  TEXT
);
INSERT INTO people_search (user_id) SELECT user_id FROM registrations;
CREATE INDEX people_search_pending ON people_search (user_id) WHERE search_key IS NULL;
-- No OR REPLACE in these: the outer statement's conflict policy (an upsert's) would
-- override it. An update, then an insert guarded by NOT EXISTS, cannot conflict.
CREATE TRIGGER people_search_insert AFTER INSERT ON registrations BEGIN
    UPDATE people_search SET search_key = NULL WHERE user_id = new.user_id;
    INSERT INTO people_search (user_id) SELECT new.user_id
        WHERE NOT EXISTS (SELECT 1 FROM people_search WHERE user_id = new.user_id);
END;
CREATE TRIGGER people_search_update AFTER UPDATE OF full_name, city ON registrations
WHEN old.full_name IS NOT new.full_name OR old.city IS NOT new.city BEGIN
    UPDATE people_search SET search_key = NULL WHERE user_id = new.user_id;
    INSERT INTO people_search (user_id) SELECT new.user_id
        WHERE NOT EXISTS (SELECT 1 FROM people_search WHERE user_id = new.user_id);
END;
CREATE TRIGGER people_search_delete AFTER DELETE ON registrations BEGIN
    DELETE FROM people_search WHERE user_id = old.user_id;
END;
CREATE INDEX registrations_phone ON registrations (phone);

-- Countries followed without registering: only the chat (and its language, in citizens).
CREATE TABLE follows (
    user_id     INTEGER NOT NULL REFERENCES citizens (user_id) ON DELETE CASCADE,
    country     TEXT    NOT NULL CHECK (length(country) = 2),
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (user_id, country)
);
CREATE INDEX follows_country ON follows (country);
-- Staff chose at composing to send the notice to the followers of its countries too.
ALTER TABLE notices ADD COLUMN followers INTEGER NOT NULL DEFAULT 0;

-- Family links: a one-time invitation (only its hash is kept), then the link it made.
CREATE TABLE family_invites (
    code_hash   TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES citizens (user_id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT
);
CREATE INDEX family_invites_user ON family_invites (user_id);
CREATE TABLE family_links (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES citizens (user_id) ON DELETE CASCADE,
    relative_id   INTEGER NOT NULL REFERENCES citizens (user_id) ON DELETE CASCADE,
    -- The relative's Telegram first name, so the citizen can tell links apart.
    relative_name TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    UNIQUE (user_id, relative_id)
);
CREATE INDEX family_links_relative ON family_links (relative_id);

-- "I cannot reach my relative": filed by anyone, worked on in a hotline ticket.
CREATE TABLE inquiries (
    id           INTEGER PRIMARY KEY,
    filer_id     INTEGER NOT NULL REFERENCES citizens (user_id) ON DELETE CASCADE,
    full_name    TEXT    NOT NULL,
    phone        TEXT,
    country      TEXT    NOT NULL CHECK (length(country) = 2),
    place        TEXT,
    filer_name   TEXT    NOT NULL,
    filer_phone  TEXT    NOT NULL,
    ticket_id    INTEGER,
    state        TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'found', 'closed')),
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX inquiries_filer ON inquiries (filer_id);
-- Citizens staff asked "may we tell them you are safe?", and their answer.
CREATE TABLE inquiry_asks (
    inquiry_id   INTEGER NOT NULL REFERENCES inquiries (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES citizens (user_id) ON DELETE CASCADE,
    asked_by     INTEGER NOT NULL,
    asked_at     TEXT    NOT NULL,
    answer       TEXT    CHECK (answer IN ('yes', 'no')),
    answered_at  TEXT,
    PRIMARY KEY (inquiry_id, user_id)
);
CREATE INDEX inquiry_asks_user ON inquiry_asks (user_id);
