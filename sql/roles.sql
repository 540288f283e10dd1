-- A least-privilege role for the vaewatch daemon. Apply after `vaewatch init-db`, as the owner of schema
-- vaewatch (or a superuser):
--     psql -v ON_ERROR_STOP=1 -f sql/roles.sql
-- then give a login role the group and read access to each source table:
--     CREATE ROLE vaewatch_app LOGIN;           -- its password goes in a pgpass file, never in the config
--     GRANT vaewatch_daemon TO vaewatch_app;
--     GRANT SELECT ON public.metrics TO vaewatch_daemon;
-- The daemon needs no DDL: init-db (schema, trigger) runs once as the owner.
BEGIN;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'vaewatch_daemon') THEN
        CREATE ROLE vaewatch_daemon NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA vaewatch TO vaewatch_daemon;
GRANT SELECT ON vaewatch.schema_migrations, vaewatch.sources TO vaewatch_daemon;
GRANT SELECT, INSERT, UPDATE ON vaewatch.scores TO vaewatch_daemon;   -- INSERT ... ON CONFLICT DO UPDATE
GRANT SELECT ON vaewatch.anomalies TO vaewatch_daemon;
-- Claiming takes row locks (FOR UPDATE SKIP LOCKED), which need UPDATE; claims delete; backfill enqueues.
GRANT SELECT, INSERT, UPDATE, DELETE ON vaewatch.queue TO vaewatch_daemon;
GRANT SELECT, INSERT, UPDATE ON vaewatch.watermarks TO vaewatch_daemon;
GRANT SELECT, INSERT, UPDATE ON vaewatch.models TO vaewatch_daemon;
GRANT INSERT ON vaewatch.retrains, vaewatch.dead_letters TO vaewatch_daemon;
GRANT USAGE ON SEQUENCE vaewatch.queue_id_seq, vaewatch.retrains_id_seq, vaewatch.dead_letters_id_seq
    TO vaewatch_daemon;

COMMIT;
