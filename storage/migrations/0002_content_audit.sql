-- Content that admins edit without a deploy (the FAQ and the country directory, one YAML
-- document), and the audit log of staff and admin actions.
CREATE TABLE content (
    name        TEXT    PRIMARY KEY,
    body        TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    updated_by  INTEGER
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor_id    INTEGER,
    action      TEXT    NOT NULL,
    details     TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
