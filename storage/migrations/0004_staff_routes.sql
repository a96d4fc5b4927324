-- Countries whose hotline chats go to a mission's own staff group instead of the central one.
CREATE TABLE staff_routes (
    country     TEXT    PRIMARY KEY CHECK (length(country) = 2),
    chat_id     INTEGER NOT NULL,
    set_by      INTEGER NOT NULL,
    set_at      TEXT    NOT NULL
);
