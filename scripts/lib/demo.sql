-- scripts/demo: the demo's source table, its planted incidents and the producer function. Run again, it starts
-- fresh: the tables are dropped and made again, and vaewatch's rows for the demo source are removed.
\set ON_ERROR_STOP on
SET client_min_messages = warning;

-- What a web service reports once a (simulated) minute.
DROP TABLE IF EXISTS public.demo_metrics;
CREATE TABLE public.demo_metrics (
    id            bigint PRIMARY KEY,     -- one row per simulated minute; the producer counts them
    ts            timestamptz NOT NULL,   -- simulated time: not a feature, the model's time context (source.time_column)
    cpu_pct       real NOT NULL,          -- follows the load
    mem_pct       real NOT NULL,          -- nearly flat, a little higher under load
    requests_s    real NOT NULL,          -- daily cycle: quiet at night, busy at noon
    p95_ms        real NOT NULL,          -- grows with the load
    error_pct     real NOT NULL,          -- a little higher under load
    queue_depth   real NOT NULL           -- requests waiting, grows with the load
);

-- The incidents the producer plants, by row: the demo's answer key.
DROP TABLE IF EXISTS public.demo_incidents;
CREATE TABLE public.demo_incidents (
    kind        text PRIMARY KEY,
    first_id    bigint NOT NULL,
    last_id     bigint NOT NULL,
    description text NOT NULL
);

-- A simulated week of history (rows 1–10080, Saturday noon to Saturday noon) comes first, so that the model's
-- time context has seen every day of the week; the live stream starts at row 10081, at noon.
INSERT INTO public.demo_incidents VALUES
    ('spike', 10281, 10283, 'an error burst: CPU 97%, p95 900 ms, 8% errors, 300 requests queued, for 3 minutes'),
    ('slow leak', 10381, 10680, 'memory climbs from 56% to 90% over 5 hours, then the service restarts'),
    ('broken correlation', 10781, 10820, 'high latency at low load: p95 of 120 ms with night-time traffic'),
    ('noon at night', 10951, 10980, 'noon''s traffic at 2:30 am, every metric as at noon: only the time of day tells');

-- A standard normal draw (Box–Muller).
CREATE OR REPLACE FUNCTION public.demo_normal() RETURNS double precision LANGUAGE sql VOLATILE AS $$
    SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
$$;

-- Inserts the next n rows and returns the last id. The noise is seeded by the first row's id, so every run of the
-- demo produces the same stream.
CREATE OR REPLACE FUNCTION public.demo_produce(n integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    first_row bigint;
BEGIN
    SELECT coalesce(max(id), 0) + 1 INTO first_row FROM public.demo_metrics;
    PERFORM setseed(((first_row * 7919) % 20011) / 20011.0);
    INSERT INTO public.demo_metrics
    WITH minute AS (
        SELECT i,
               timestamptz '2026-11-14 12:00:00+00' + (i - 1) * interval '1 minute' AS ts,
               -- the daily cycle: 0.1 at midnight, 1.0 at noon (noon's load all along for 'noon at night')
               CASE WHEN d.kind = 'noon at night' THEN 1.0
                    ELSE 0.55 + 0.45 * sin(2 * pi() * ((((i - 1) % 1440) + 720) / 1440.0 - 0.25)) END AS load
        FROM generate_series(first_row, first_row + n - 1) AS i
        LEFT JOIN public.demo_incidents d ON i BETWEEN d.first_id AND d.last_id
    ), normal AS (
        SELECT i, ts,
               400 + 1600 * load * (1 + 0.05 * demo_normal()) AS requests_s,
               demo_normal() AS n_cpu, demo_normal() AS n_mem, demo_normal() AS n_p95,
               abs(demo_normal()) AS n_err, demo_normal() AS n_queue
        FROM minute
    ), healthy AS (
        SELECT i, ts, requests_s,
               8 + 0.035 * requests_s + 2 * n_cpu AS cpu_pct,
               52 + 0.002 * requests_s + 1.0 * n_mem AS mem_pct,
               48 + 0.025 * requests_s + 5 * n_p95 AS p95_ms,
               0.2 + 0.0001 * requests_s + 0.05 * n_err AS error_pct,
               greatest(0, 2 + 0.01 * requests_s + 3 * n_queue) AS queue_depth
        FROM normal
    )
    SELECT h.i, h.ts,
           CASE WHEN d.kind = 'spike' THEN 97 ELSE h.cpu_pct END,
           CASE WHEN d.kind = 'slow leak'
                THEN h.mem_pct + 34 * (h.i - d.first_id + 1) / (d.last_id - d.first_id + 1.0)
                ELSE h.mem_pct END,
           h.requests_s,
           CASE WHEN d.kind = 'spike' THEN 900 WHEN d.kind = 'broken correlation' THEN 120 + 4 * demo_normal()
                ELSE h.p95_ms END,
           CASE WHEN d.kind = 'spike' THEN 8 ELSE h.error_pct END,
           CASE WHEN d.kind = 'spike' THEN 300 ELSE h.queue_depth END
    FROM healthy h
    LEFT JOIN public.demo_incidents d ON h.i BETWEEN d.first_id AND d.last_id
    ORDER BY h.i;
    RETURN first_row + n - 1;
END
$$;

-- vaewatch's rows for the demo source, from an earlier run (the schema exists once init-db has run).
DO $$
BEGIN
    IF to_regclass('vaewatch.scores') IS NOT NULL THEN
        DELETE FROM vaewatch.scores WHERE source = 'public.demo_metrics';
        DELETE FROM vaewatch.queue WHERE source = 'public.demo_metrics';
        DELETE FROM vaewatch.dead_letters WHERE source = 'public.demo_metrics';
        DELETE FROM vaewatch.watermarks WHERE source = 'public.demo_metrics';
        DELETE FROM vaewatch.models WHERE source = 'public.demo_metrics';
        DELETE FROM vaewatch.retrains WHERE source = 'public.demo_metrics';
    END IF;
END
$$;

SELECT public.demo_produce(10080) AS history_rows \gset
