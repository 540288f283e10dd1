-- scripts/demo: what vaewatch found, against the planted incidents. Flagged rows less than 30 rows apart are
-- grouped into one episode, the way an operator reads a page of alerts.
\set ON_ERROR_STOP on
\pset footer off
\pset null '-'

\echo
\echo 'Top anomalies (vaewatch.anomalies, flagged rows grouped into episodes, by peak score):'
WITH flagged AS (
    SELECT source_id::bigint AS id, score, threshold, top_features
    FROM vaewatch.anomalies
    WHERE source = 'public.demo_metrics'
), marked AS (
    SELECT *, CASE WHEN id - lag(id) OVER (ORDER BY id) < 30 THEN 0 ELSE 1 END AS starts
    FROM flagged
), episodes AS (
    SELECT *, sum(starts) OVER (ORDER BY id) AS episode FROM marked
), summary AS (
    SELECT min(id) AS first_id, max(id) AS last_id, count(*) AS flagged, max(score) AS peak,
           (array_agg(id ORDER BY score DESC))[1] AS peak_id,
           (array_agg(threshold ORDER BY score DESC))[1] AS threshold,
           (array_agg(top_features ORDER BY score DESC))[1] AS top
    FROM episodes
    GROUP BY episode
)
SELECT to_char(m.ts, 'Dy HH24:MI') AS sim_time,
       CASE WHEN s.first_id = s.last_id THEN s.first_id::text ELSE s.first_id || '–' || s.last_id END AS rows,
       s.flagged,
       round(s.peak::numeric, 1) AS peak_score,
       round(s.threshold::numeric, 1) AS threshold,
       (SELECT string_agg(f->>'feature' || ' ' || round(100 * (f->>'share')::numeric) || '%', ', ')
        FROM jsonb_array_elements(s.top) AS f) AS explained_by,
       coalesce(i.kind, '(not planted)') AS planted
FROM summary s
JOIN public.demo_metrics m ON m.id = s.peak_id
LEFT JOIN public.demo_incidents i ON s.last_id >= i.first_id AND s.first_id <= i.last_id
ORDER BY s.peak DESC
LIMIT 8;

\echo 'Planted incidents:'
SELECT i.kind, i.first_id || '–' || i.last_id AS rows,
       count(sc.source_id) AS scored,
       count(sc.source_id) FILTER (WHERE sc.is_anomaly) AS flagged,
       CASE WHEN count(sc.source_id) = 0 THEN 'not reached'
            WHEN count(sc.source_id) FILTER (WHERE sc.is_anomaly) > 0 THEN 'caught'
            ELSE 'missed' END AS verdict,
       min(sc.source_id::bigint) FILTER (WHERE sc.is_anomaly) - i.first_id AS rows_until_first_flag
FROM public.demo_incidents i
LEFT JOIN vaewatch.scores sc
       ON sc.source = 'public.demo_metrics' AND sc.source_id::bigint BETWEEN i.first_id AND i.last_id
GROUP BY i.kind, i.first_id, i.last_id, i.description
ORDER BY i.first_id;

\echo 'Outside the incidents:'
SELECT count(*) AS scored, count(*) FILTER (WHERE is_anomaly) AS flagged,
       round(100.0 * count(*) FILTER (WHERE is_anomaly) / greatest(count(*), 1), 2) AS flagged_pct
FROM vaewatch.scores sc
WHERE sc.source = 'public.demo_metrics'
  AND NOT EXISTS (SELECT 1 FROM public.demo_incidents i
                  WHERE sc.source_id::bigint BETWEEN i.first_id AND i.last_id);

\echo 'Retrains (warm, in the background, on the recent rows judged normal):'
SELECT to_version AS model, reason, records AS trained_on,
       round(extract(epoch FROM finished_at - started_at)::numeric, 1) AS seconds, outcome
FROM vaewatch.retrains
WHERE source = 'public.demo_metrics'
ORDER BY id;
