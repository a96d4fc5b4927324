-- The end of Telegram's flood wait (a 429's retry_after), as ISO 8601 UTC text. The wait
-- belongs to the bot's token, not to the process that was told: a process started after a
-- crash reads it and sends nothing before it. One row at most.
CREATE TABLE flood_wait (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    until   TEXT    NOT NULL
);
