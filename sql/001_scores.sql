-- vaewatch 001: the schema, the migration log, the verdicts, the anomalies view and the dead letters.
-- Applied once by `vaewatch init-db`; `psql -v ON_ERROR_STOP=1 -f sql/001_scores.sql` applies it by hand.
BEGIN;

CREATE SCHEMA IF NOT EXISTS vaewatch;

-- Which numbered files have been applied.
CREATE TABLE IF NOT EXISTS vaewatch.schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- One verdict per source row: the primary key is what makes a replay after a crash harmless.
CREATE TABLE IF NOT EXISTS vaewatch.scores (
    source        text NOT NULL,             -- the source's name (by default its table, e.g. public.metrics)
    source_id     text NOT NULL,             -- the row's key, as text
    scored_at     timestamptz NOT NULL DEFAULT now(),
    score         double precision NOT NULL, -- recon + beta * kl
    recon         double precision NOT NULL, -- reconstruction error over the observed features
    kl            double precision NOT NULL, -- KL(q(z|x) || N(0, I)): how low the latent density is
    threshold     double precision NOT NULL, -- the calibrated threshold the score was compared with
    is_anomaly    boolean NOT NULL,          -- score > threshold
    model_version integer NOT NULL,
    top_features  jsonb NOT NULL DEFAULT '[]', -- [{"feature": "cpu", "share": 0.61}, ...], largest share first
    missing       integer NOT NULL DEFAULT 0,  -- NULL features, imputed with the training mean
    PRIMARY KEY (source, source_id)
);
-- BRIN: scored_at grows with insertion order, so a block-range index serves time-range queries at a fraction
-- of a B-tree's cost on every insert.
CREATE INDEX IF NOT EXISTS scores_scored_at ON vaewatch.scores USING brin (scored_at);
CREATE INDEX IF NOT EXISTS scores_flagged ON vaewatch.scores (source, scored_at) WHERE is_anomaly;

-- The flagged rows: what analysts query.
CREATE OR REPLACE VIEW vaewatch.anomalies AS
    SELECT source, source_id, scored_at, score, recon, kl, threshold, model_version, top_features, missing
    FROM vaewatch.scores
    WHERE is_anomaly;

-- Rows that could not be scored (stage 'input': a non-finite value) or whose verdict the database refused
-- (stage 'sink': for example a constraint added to vaewatch.scores). Everything else in their batch committed.
CREATE TABLE IF NOT EXISTS vaewatch.dead_letters (
    id        bigserial PRIMARY KEY,
    source    text NOT NULL,
    source_id text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now(),
    stage     text NOT NULL CHECK (stage IN ('input', 'sink')),
    reason    text NOT NULL,
    verdict   jsonb
);
CREATE INDEX IF NOT EXISTS dead_letters_source ON vaewatch.dead_letters (source, source_id);

INSERT INTO vaewatch.schema_migrations (version, name) VALUES (1, '001_scores.sql') ON CONFLICT DO NOTHING;
COMMIT;
