-- vaewatch 006: which daemon wrote each verdict and ran each retrain, for several daemons on one source.
BEGIN;

-- The daemon that wrote the verdict, as host:pid (NULL for verdicts written before 006). The trainer among several
-- daemons reads the verdicts the others wrote by it, so that its training window holds every daemon's records.
-- A nullable column without a default is added to the catalog only: no existing row is rewritten.
ALTER TABLE vaewatch.scores ADD COLUMN IF NOT EXISTS scored_by text;

-- The daemon that ran the retrain, as host:pid.
ALTER TABLE vaewatch.retrains ADD COLUMN IF NOT EXISTS instance text;

-- The flagged rows, now with the daemon that flagged each (a new column goes last, as CREATE OR REPLACE VIEW
-- requires).
CREATE OR REPLACE VIEW vaewatch.anomalies AS
    SELECT source, source_id, scored_at, score, recon, kl, threshold, model_version, top_features, missing, latent,
           scored_by
    FROM vaewatch.scores
    WHERE is_anomaly;

INSERT INTO vaewatch.schema_migrations (version, name) VALUES (6, '006_instances.sql') ON CONFLICT DO NOTHING;
COMMIT;
