-- Bans outlive erasure as a record that names nobody: the subject is a keyed hash of the
-- Telegram id (HMAC-SHA256, the key from BAN_KEY or the stored secret below), with the
-- reason and the date. The old `bans` rows (by Telegram id) are converted by the bot at
-- start, since SQL cannot compute an HMAC; erasure still deletes any left there.
CREATE TABLE ban_records (
    subject     TEXT    PRIMARY KEY,
    reason      TEXT    NOT NULL,
    banned_by   INTEGER NOT NULL,
    at          TEXT    NOT NULL
);

-- Secrets the bot generates once and keeps (the ban key when BAN_KEY is not set).
CREATE TABLE secrets (
    name        TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL
);

-- The citizen card at the top of a ticket's topic: edited to "data erased" on erasure when
-- the topic cannot be deleted.
ALTER TABLE tickets ADD COLUMN card_message_id INTEGER;
