-- vaewatch 002: the queue of keys to score, filled by a trigger on each source table (queue mode).
BEGIN;

CREATE TABLE IF NOT EXISTS vaewatch.queue (
    id          bigserial PRIMARY KEY,
    source      text NOT NULL,
    source_id   text NOT NULL,
    enqueued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS queue_source ON vaewatch.queue (source, id);

-- A statement-level trigger: one INSERT into the queue and one NOTIFY per statement, however many rows it
-- inserted (COPY included). Arguments: the key column, then the source name. SECURITY DEFINER, so that producers
-- need no privilege on schema vaewatch.
CREATE OR REPLACE FUNCTION vaewatch.enqueue() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO vaewatch.queue (source, source_id) SELECT $1, (%I)::text FROM vaewatch_new_rows',
        TG_ARGV[0]) USING TG_ARGV[1];
    PERFORM pg_notify('vaewatch', TG_ARGV[1]);
    RETURN NULL;
END
$$;

-- Installs (or replaces) the trigger on `source_table`; `vaewatch init-db` calls it with parameters.
CREATE OR REPLACE FUNCTION vaewatch.install_trigger(source_table regclass, key_column name, source_name text)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS vaewatch_enqueue ON %s', source_table);
    EXECUTE format(
        'CREATE TRIGGER vaewatch_enqueue AFTER INSERT ON %s REFERENCING NEW TABLE AS vaewatch_new_rows '
        'FOR EACH STATEMENT EXECUTE FUNCTION vaewatch.enqueue(%L, %L)',
        source_table, key_column, source_name);
END
$$;

-- Removes the trigger (a source switched to watermark mode); `vaewatch init-db --mode watermark` calls it.
CREATE OR REPLACE FUNCTION vaewatch.remove_trigger(source_table regclass)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS vaewatch_enqueue ON %s', source_table);
END
$$;

INSERT INTO vaewatch.schema_migrations (version, name) VALUES (2, '002_queue.sql') ON CONFLICT DO NOTHING;
COMMIT;
