-- PostgreSQL's version of 0014_registration_counts.sql (its triggers call a function).
CREATE TABLE registration_counts (
    country     TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    needs       TEXT    NOT NULL,
    n           BIGINT  NOT NULL DEFAULT 0,
    people      BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (country, status, needs)
);
INSERT INTO registration_counts (country, status, needs, n, people)
    SELECT country, status, needs, count(*), sum(party_size) FROM registrations
    WHERE active = 1 GROUP BY country, status, needs;

CREATE TABLE registration_days (
    country     TEXT    NOT NULL,
    day         TEXT    NOT NULL,
    n           BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (country, day)
);
INSERT INTO registration_days (country, day, n)
    SELECT country, substr(updated_at, 1, 10), count(*) FROM registrations
    WHERE active = 1 GROUP BY country, substr(updated_at, 1, 10);
CREATE INDEX registration_days_day ON registration_days (day, country);

CREATE FUNCTION registration_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_group TEXT := NULL;
    new_group TEXT := NULL;
    old_day TEXT := NULL;
    new_day TEXT := NULL;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.active = 1 THEN
        old_group := OLD.country || '/' || OLD.status || '/' || OLD.needs;
        old_day := OLD.country || '/' || substr(OLD.updated_at, 1, 10);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.active = 1 THEN
        new_group := NEW.country || '/' || NEW.status || '/' || NEW.needs;
        new_day := NEW.country || '/' || substr(NEW.updated_at, 1, 10);
    END IF;
    -- Counter rows are locked in key order (groups, then days), so two registrations
    -- moving in opposite directions between the same rows cannot deadlock.
    IF new_group IS NOT NULL AND (old_group IS NULL OR new_group < old_group) THEN
        INSERT INTO registration_counts AS rc (country, status, needs, n, people)
            VALUES (NEW.country, NEW.status, NEW.needs, 1, NEW.party_size)
            ON CONFLICT (country, status, needs)
            DO UPDATE SET n = rc.n + 1, people = rc.people + excluded.people;
        new_group := NULL;
    END IF;
    IF old_group IS NOT NULL THEN
        UPDATE registration_counts SET n = n - 1, people = people - OLD.party_size
            WHERE country = OLD.country AND status = OLD.status AND needs = OLD.needs;
    END IF;
    IF new_group IS NOT NULL THEN
        INSERT INTO registration_counts AS rc (country, status, needs, n, people)
            VALUES (NEW.country, NEW.status, NEW.needs, 1, NEW.party_size)
            ON CONFLICT (country, status, needs)
            DO UPDATE SET n = rc.n + 1, people = rc.people + excluded.people;
    END IF;
    IF new_day IS NOT NULL AND (old_day IS NULL OR new_day < old_day) THEN
        INSERT INTO registration_days AS rd (country, day, n)
            VALUES (NEW.country, substr(NEW.updated_at, 1, 10), 1)
            ON CONFLICT (country, day) DO UPDATE SET n = rd.n + 1;
        new_day := NULL;
    END IF;
    IF old_day IS NOT NULL THEN
        UPDATE registration_days SET n = n - 1
            WHERE country = OLD.country AND day = substr(OLD.updated_at, 1, 10);
    END IF;
    IF new_day IS NOT NULL THEN
        INSERT INTO registration_days AS rd (country, day, n)
            VALUES (NEW.country, substr(NEW.updated_at, 1, 10), 1)
            ON CONFLICT (country, day) DO UPDATE SET n = rd.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER registrations_counted_insert AFTER INSERT ON registrations
    FOR EACH ROW EXECUTE FUNCTION registration_counted();
CREATE TRIGGER registrations_counted_delete AFTER DELETE ON registrations
    FOR EACH ROW EXECUTE FUNCTION registration_counted();
CREATE TRIGGER registrations_counted_update
    AFTER UPDATE OF country, status, needs, party_size, active, updated_at ON registrations
    FOR EACH ROW EXECUTE FUNCTION registration_counted();

DROP INDEX registrations_stats;
CREATE INDEX registrations_created ON registrations (active, created_at, country);
CREATE INDEX registrations_stale ON registrations (active, updated_at, country);
