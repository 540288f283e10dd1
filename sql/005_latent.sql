-- vaewatch 005: each verdict's latent mean, the record's place on the model's map of the data (sink.latent).
BEGIN;

-- NULL unless the daemon runs with sink.latent: true. A nullable column without a default is added to the catalog
-- only: no existing row is rewritten, however large the table.
ALTER TABLE vaewatch.scores ADD COLUMN IF NOT EXISTS latent float4[]; -- μ of q(z|x), one number per latent unit

-- The flagged rows, now with their latent means (a new column goes last, as CREATE OR REPLACE VIEW requires).
CREATE OR REPLACE VIEW vaewatch.anomalies AS
    SELECT source, source_id, scored_at, score, recon, kl, threshold, model_version, top_features, missing, latent
    FROM vaewatch.scores
    WHERE is_anomaly;

INSERT INTO vaewatch.schema_migrations (version, name) VALUES (5, '005_latent.sql') ON CONFLICT DO NOTHING;
COMMIT;
