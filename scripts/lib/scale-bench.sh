# Scale-out figures for scripts/bench: 1, 2 and 4 `vaewatch serve` processes (each with its default workers) on one
# table in queue mode. Source this file, then:
#   scale_bench VAEWATCH MODEL CONNINFO
# MODEL is a model file on the 32 features f0…f31. For each daemon count, on a fresh table:
#   postgres_scale.rows_per_s.daemons_N   200,000 rows inserted at once, drained by the daemons: rows / seconds
#                                         from the INSERT's commit to an empty queue
#   postgres_scale.p99_ms.daemons_N       a producer commits one row per statement at 1,000 rows/s for 10 s; the
#                                         time from each row's insert to its verdict's insert (a trigger records
#                                         clock_timestamp() when the verdict row is written, just before the batch
#                                         commits), 99th percentile
scale_bench() {
    local vaewatch=$1 model=$2 conninfo=$3 count scratch columns features values
    local PGOPTIONS="-c client_min_messages=warning"
    export PGOPTIONS
    columns=$(for i in $(seq 0 31); do printf 'f%d float8, ' "$i"; done)
    features=$(seq -s, -f 'f%g' 0 31)
    values=$(for i in $(seq 0 31); do printf 'sin(i * 0.01 * %d) + cos(i * 0.007 + %d), ' "$((i + 1))" "$i"; done)
    for count in 1 2 4; do
        scratch=$(mktemp -d /tmp/vaewatch-scale.XXXXXX)
        psql -q -X -v ON_ERROR_STOP=1 "$conninfo" > /dev/null <<SQL
DROP TABLE IF EXISTS public.scale_bench;
DROP SCHEMA IF EXISTS vaewatch CASCADE;
CREATE TABLE public.scale_bench (id bigserial PRIMARY KEY, ${columns} inserted_at timestamptz NOT NULL DEFAULT clock_timestamp());
SQL
        "$vaewatch" init-db --database "$conninfo" --source public.scale_bench --key id --columns "$features" > /dev/null
        local pids=() daemon
        for daemon in $(seq "$count"); do
            mkdir -p "$scratch/$daemon/state" "$scratch/$daemon/run"
            "$vaewatch" serve --set source.kind=postgres --set source.table=public.scale_bench --set source.key=id \
                --set "database.url=$conninfo" --set sink.kind=postgres --set "model.path=$model" \
                --set training.every_records=0 --set training.every_seconds=0 --set source.poll=0.2 \
                --set "state.directory=$scratch/$daemon/state" --set "state.runtime_directory=$scratch/$daemon/run" \
                > /dev/null 2> "$scratch/$daemon/log" &
            pids+=($!)
        done
        for daemon in $(seq "$count"); do
            for _ in $(seq 100); do
                grep -q '"state": "running"' "$scratch/$daemon/run/status.json" 2> /dev/null && break
                sleep 0.1
            done
        done
        # Throughput: 200,000 rows at once, drained.
        local start end queued
        psql -q -X -v ON_ERROR_STOP=1 "$conninfo" -c \
            "INSERT INTO public.scale_bench ($features) SELECT ${values%, } FROM generate_series(1, 200000) i" > /dev/null
        start=$(date +%s.%N)  # The rows and their queue entries are visible from the INSERT's commit on.
        pg_queue_drained "$conninfo"
        end=$(date +%s.%N)
        echo "postgres_scale.rows_per_s.daemons_$count $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%d", 200000 / (e - s) }') rows/s"
        # Latency: one row per committed statement at 1,000 rows/s for 10 s.
        psql -q -X -v ON_ERROR_STOP=1 "$conninfo" > /dev/null <<'SQL'
CREATE TABLE public.scale_verdict_times (source_id text, at timestamptz);
CREATE FUNCTION public.scale_verdict_time() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO public.scale_verdict_times VALUES (NEW.source_id, clock_timestamp()); RETURN NULL; END $$;
CREATE TRIGGER scale_verdict_time AFTER INSERT ON vaewatch.scores FOR EACH ROW EXECUTE FUNCTION public.scale_verdict_time();
SQL
        psql -q -X -v ON_ERROR_STOP=1 "$conninfo" > /dev/null <<SQL
DO \$\$
DECLARE started timestamptz := clock_timestamp();
BEGIN
    FOR i IN 1..10000 LOOP
        INSERT INTO public.scale_bench ($features) SELECT ${values%, };
        COMMIT;
        PERFORM pg_sleep(greatest(0, extract(epoch FROM started + i * interval '1 ms' - clock_timestamp())));
    END LOOP;
END \$\$;
SQL
        for _ in $(seq 100); do
            queued=$(psql -q -X -t -A "$conninfo" -c "SELECT count(*) FROM vaewatch.queue")
            [[ $queued == 0 ]] && break
            sleep 0.1
        done
        echo "postgres_scale.p99_ms.daemons_$count $(psql -q -X -t -A "$conninfo" -c "
            SELECT round((1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM t.at - r.inserted_at)))::numeric, 1)
            FROM public.scale_verdict_times t JOIN public.scale_bench r ON r.id::text = t.source_id
            WHERE r.id > 200000") ms"
        kill -TERM "${pids[@]}" 2> /dev/null || true
        wait "${pids[@]}" 2> /dev/null || true
        psql -q -X "$conninfo" -c "DROP TABLE IF EXISTS public.scale_verdict_times; DROP FUNCTION IF EXISTS public.scale_verdict_time() CASCADE" > /dev/null
        rm -rf "$scratch"
    done
}
