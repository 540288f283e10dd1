-- vaewatch 003: source positions (watermark mode), the model registry and the retrain log.
BEGIN;

-- Watermark mode: the last key scored per source, advanced in the transaction that writes the verdicts, and the
-- key up to which every row is settled (no transaction that could still commit a smaller key is in progress).
-- Rows between the two without a verdict are late commits; the daemon sweeps them up.
CREATE TABLE IF NOT EXISTS vaewatch.watermarks (
    source     text PRIMARY KEY,
    last_key   text,                          -- NULL: nothing scored yet
    safe_key   text,                          -- NULL: nothing settled yet
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every model version, so that several daemons can share one trainer and a restart loads the newest.
CREATE TABLE IF NOT EXISTS vaewatch.models (
    source     text NOT NULL,
    version    integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    bytes      bytea NOT NULL,                -- the model file, exactly as written to disk
    checksum   text NOT NULL,                 -- CRC-32C of the file, as inspect prints it
    metrics    jsonb NOT NULL DEFAULT '{}',   -- training summary: records, epochs, loss, threshold, ...
    active     boolean NOT NULL DEFAULT true, -- false: kept for the record, never loaded
    PRIMARY KEY (source, version)
);

-- One row per retrain run, successful or not.
CREATE TABLE IF NOT EXISTS vaewatch.retrains (
    id           bigserial PRIMARY KEY,
    source       text NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL DEFAULT now(),
    reason       text NOT NULL,               -- 'schedule', 'records', 'signal', ...
    records      integer NOT NULL,            -- training-window size
    from_version integer,
    to_version   integer,                     -- NULL when it failed
    outcome      text NOT NULL,               -- 'ok' or the error
    metrics      jsonb
);
CREATE INDEX IF NOT EXISTS retrains_source ON vaewatch.retrains (source, started_at);

INSERT INTO vaewatch.schema_migrations (version, name) VALUES (3, '003_state.sql') ON CONFLICT DO NOTHING;
COMMIT;
