-- vaewatch 004: what init-db set up for each source; queued keys in one canonical text, whatever the inserting
-- session's settings; a row-level trigger for partitioned tables, so rows inserted straight into a partition (present
-- or attached later) are queued too.
BEGIN;

-- One row per source that init-db set up: a later init-db with another key or other columns is refused, since the
-- queued keys, the verdicts' source_id and the models all follow them.
CREATE TABLE IF NOT EXISTS vaewatch.sources (
    source       text PRIMARY KEY,                -- the name verdicts carry, e.g. public.metrics
    source_table text NOT NULL,                   -- schema.table, as the catalog has it
    key_column   text NOT NULL,
    columns      text[] NOT NULL,                 -- the feature columns, in model order
    mode         text NOT NULL CHECK (mode IN ('queue', 'watermark')),
    set_up_at    timestamptz NOT NULL DEFAULT now()
);

-- The key's text depended on the inserting session: DateStyle, TimeZone and extra_float_digits change how a
-- timestamptz, timestamp or float8 key prints, so the daemon read it back as another value (or as none). The
-- function's SET clauses pin the settings every vaewatch connection also pins (ConnectionSettings), so one row
-- always has one source_id.
CREATE OR REPLACE FUNCTION vaewatch.enqueue() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET datestyle = 'ISO, YMD' SET timezone = 'UTC' SET intervalstyle = 'postgres' SET extra_float_digits = 1
SET bytea_output = 'hex' AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO vaewatch.queue (source, source_id) SELECT $1, (%I)::text FROM vaewatch_new_rows',
        TG_ARGV[0]) USING TG_ARGV[1];
    PERFORM pg_notify('vaewatch', TG_ARGV[1]);
    RETURN NULL;
END
$$;

-- The same for one row: a statement-level trigger on a partitioned table fires only for statements that name the
-- parent, and a partition cannot have transition tables, but a row-level trigger on the parent is cloned onto every
-- partition, those attached later included. Two identical NOTIFYs in one transaction arrive once.
CREATE OR REPLACE FUNCTION vaewatch.enqueue_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET datestyle = 'ISO, YMD' SET timezone = 'UTC' SET intervalstyle = 'postgres' SET extra_float_digits = 1
SET bytea_output = 'hex' AS $$
DECLARE
    key text;
BEGIN
    EXECUTE format('SELECT ($1).%I::text', TG_ARGV[0]) INTO key USING NEW;
    INSERT INTO vaewatch.queue (source, source_id) VALUES (TG_ARGV[1], key);
    PERFORM pg_notify('vaewatch', TG_ARGV[1]);
    RETURN NULL;
END
$$;

-- Installs (or replaces) the trigger: per statement on a plain table, per row on a partitioned one.
CREATE OR REPLACE FUNCTION vaewatch.install_trigger(source_table regclass, key_column name, source_name text)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS vaewatch_enqueue ON %s', source_table);
    IF (SELECT relkind FROM pg_class WHERE oid = source_table) = 'p' THEN
        EXECUTE format(
            'CREATE TRIGGER vaewatch_enqueue AFTER INSERT ON %s '
            'FOR EACH ROW EXECUTE FUNCTION vaewatch.enqueue_row(%L, %L)',
            source_table, key_column, source_name);
    ELSE
        EXECUTE format(
            'CREATE TRIGGER vaewatch_enqueue AFTER INSERT ON %s REFERENCING NEW TABLE AS vaewatch_new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION vaewatch.enqueue(%L, %L)',
            source_table, key_column, source_name);
    END IF;
END
$$;

-- Whether `key` reads as a value of `key_type` in this session. The claim uses it only after a claim failed on a
-- key that does not (one queued before this migration, in another session's DateStyle): such a key becomes a dead
-- letter instead of stalling the queue. Each call is a subtransaction, so the common path never calls it.
CREATE OR REPLACE FUNCTION vaewatch.key_reads_as(key text, key_type regtype) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('SELECT %L::%s', key, key_type);
    RETURN true;
EXCEPTION WHEN data_exception THEN
    RETURN false;
END
$$;

-- Partitioned tables that 002 set up with a statement-level trigger: reinstall theirs per row.
DO $$
DECLARE
    found record;
    arguments text[];
BEGIN
    FOR found IN
        SELECT t.tgrelid::regclass AS source_table, t.tgargs
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE t.tgname = 'vaewatch_enqueue' AND c.relkind = 'p' AND NOT t.tgisinternal
    LOOP
        -- tgargs: each argument followed by a NUL byte; the escape encoding writes NUL as \000 and \ as \\.
        arguments := string_to_array(encode(found.tgargs, 'escape'), '\000');
        PERFORM vaewatch.install_trigger(
            found.source_table, replace(arguments[1], '\\', '\'), replace(arguments[2], '\\', '\'));
    END LOOP;
END
$$;

INSERT INTO vaewatch.schema_migrations (version, name) VALUES (4, '004_sources.sql') ON CONFLICT DO NOTHING;
COMMIT;
