# The cost of scraping /metrics for scripts/bench: one `vaewatch serve` (queue mode, 2 workers, metrics.listen on a
# free loopback port) drains 1,000,000 rows inserted at once, eight times on emptied tables after two unmeasured drains,
# alternately unscraped and scraped 100 times a second for the whole drain (four curl processes at 25 requests/s each, every one on a
# kept-alive connection: one curl alone falls behind 100/s when a request takes over 10 ms). Source this file, then:
#   metrics_bench VAEWATCH MODEL CONNINFO
# The daemon's sessions commit with synchronous_commit off: what a scrape costs is CPU time, and with each commit
# waiting for its WAL flush, this VM's disk stalls moved single drains by a factor of five, unscraped or not; without
# the waits the loop is bound by the CPU, which is where a scrape's cost shows.
# MODEL is a model file on the 32 features f0…f31. Figures (each the median of the four drains of its kind; the
# drains alternate, so that a load that comes and goes on the machine weighs on both kinds alike):
#   postgres_metrics.rows_per_s.unscraped          rows / seconds from the INSERT's commit to an empty queue
#   postgres_metrics.rows_per_s.scraped_100_per_s  the same while /metrics is scraped
#   postgres_metrics.scrapes_per_s                 scrapes answered per second during the scraped drains
#   postgres_metrics.cost_pct                      100 × (1 − scraped / unscraped)
#   postgres_metrics.daemon_cpu_ms_per_1000_rows.* the daemon's own CPU time (user + system, /proc) per 1,000 rows
#                                                  in each kind of drain: what serving the scrapes costs the daemon,
#                                                  which a load from elsewhere on the machine moves less than rows/s
source "$(dirname "${BASH_SOURCE[0]}")/median.sh"

metrics_bench() {
    local vaewatch=$1 model=$2 conninfo=$3 rows=1000000 scratch columns features values url run
    local PGOPTIONS="-c client_min_messages=warning"
    export PGOPTIONS
    columns=$(for i in $(seq 0 31); do printf 'f%d float8, ' "$i"; done)
    features=$(seq -s, -f 'f%g' 0 31)
    values=$(for i in $(seq 0 31); do printf 'sin(i * 0.01 * %d) + cos(i * 0.007 + %d) AS f%d, ' "$((i + 1))" "$i" "$i"; done)
    scratch=$(mktemp -d /tmp/vaewatch-metrics-bench.XXXXXX)
    psql -q -X -v ON_ERROR_STOP=1 "$conninfo" > /dev/null <<SQL
DROP TABLE IF EXISTS public.metrics_bench, public.metrics_bench_rows;
DROP SCHEMA IF EXISTS vaewatch CASCADE;
CREATE TABLE public.metrics_bench (id bigserial PRIMARY KEY, ${columns%, });
CREATE UNLOGGED TABLE public.metrics_bench_rows AS SELECT ${values%, } FROM generate_series(1, $rows) i;
SQL
    "$vaewatch" init-db --database "$conninfo" --source public.metrics_bench --key id --columns "$features" > /dev/null
    # Autovacuum stays off these tables, and each drain starts from fresh statistics and an empty queue instead: an
    # autovacuum run that landed in a drain (its ANALYZE of the 1,000,000-row table holds a snapshot for seconds,
    # so the queue rows the claims delete stay in its index) stalled claims past their statement timeout and cut
    # that drain to a fifth, scraped or not; what this measures is the scrapes.
    psql -q -X -v ON_ERROR_STOP=1 "$conninfo" > /dev/null <<SQL
ALTER TABLE public.metrics_bench SET (autovacuum_enabled = off);
ALTER TABLE vaewatch.queue SET (autovacuum_enabled = off);
ALTER TABLE vaewatch.scores SET (autovacuum_enabled = off);
SQL
    mkdir -p "$scratch/state" "$scratch/run"
    "$vaewatch" serve --set source.kind=postgres --set source.table=public.metrics_bench --set source.key=id \
        --set "database.url=$conninfo options='-c synchronous_commit=off'" --set sink.kind=postgres \
        --set "model.path=$model" \
        --set training.every_records=0 --set training.every_seconds=0 --set source.poll=0.2 \
        --set metrics.listen=127.0.0.1:0 \
        --set "state.directory=$scratch/state" --set "state.runtime_directory=$scratch/run" \
        > /dev/null 2> "$scratch/log" &
    local daemon=$!
    for _ in $(seq 100); do
        url=$(sed -n 's/.*serving metrics metrics.url=\([^ ]*\).*/\1/p' "$scratch/log")
        [[ -n $url ]] && grep -q '"state": "running"' "$scratch/run/status.json" 2> /dev/null && break
        sleep 0.1
    done
    if [[ -z $url ]]; then
        cat "$scratch/log" >&2
        kill -TERM "$daemon"
        return 1
    fi
    local unscraped=() scraped=() answered=0 scraping=0 cpu_unscraped=() cpu_scraped=()
    # Two first drains warm the caches, the tables' files and the WAL segments up; they are not measured. Each
    # drain starts after a CHECKPOINT, so that no drain pays for a checkpoint the writes before it started (without
    # it, drains of one kind varied threefold).
    for run in warm-up warm-up unscraped scraped unscraped scraped unscraped scraped unscraped scraped; do
        psql -q -X -v ON_ERROR_STOP=1 "$conninfo" -c "TRUNCATE public.metrics_bench, vaewatch.scores, vaewatch.queue" > /dev/null
        psql -q -X -v ON_ERROR_STOP=1 "$conninfo" -c \
            "INSERT INTO public.metrics_bench ($features) SELECT $features FROM public.metrics_bench_rows" > /dev/null
        psql -q -X -v ON_ERROR_STOP=1 "$conninfo" -c "ANALYZE public.metrics_bench, vaewatch.queue" -c "CHECKPOINT" > /dev/null
        local start end scrapers=() scraper cpu_start cpu_end cpu
        cpu_start=$(daemon_cpu_ticks "$daemon")
        start=$(date +%s.%N)  # The rows and their queue entries are visible from the INSERT's commit on.
        if [[ $run == scraped ]]; then
            for scraper in 1 2 3 4; do
                # Line-buffered: the count of answers must survive the kill at the end of the drain.
                stdbuf -oL curl -s --rate 25/s -o /dev/null -w '%{http_code}\n' "$url?n=[1-100000]" \
                    > "$scratch/scrapes.$scraper" &
                scrapers+=($!)
            done
        fi
        pg_queue_drained "$conninfo"
        end=$(date +%s.%N)
        cpu_end=$(daemon_cpu_ticks "$daemon")
        cpu=$(awk -v a="$cpu_start" -v b="$cpu_end" -v hz="$(getconf CLK_TCK)" -v n="$rows" \
            'BEGIN { printf "%.3f", (b - a) * 1000 / hz / (n / 1000) }')
        if ((${#scrapers[@]})); then
            kill "${scrapers[@]}" 2> /dev/null || true
            wait "${scrapers[@]}" 2> /dev/null || true
            answered=$(( answered + $(cat "$scratch"/scrapes.* | grep -c '^200$' || true) ))
            rm -f "$scratch"/scrapes.*
            scraping=$(awk -v a="$scraping" -v s="$start" -v e="$end" 'BEGIN { print a + e - s }')
            scraped+=("$(awk -v s="$start" -v e="$end" -v n="$rows" 'BEGIN { printf "%d", n / (e - s) }')")
            cpu_scraped+=("$cpu")
        elif [[ $run == unscraped ]]; then
            unscraped+=("$(awk -v s="$start" -v e="$end" -v n="$rows" 'BEGIN { printf "%d", n / (e - s) }')")
            cpu_unscraped+=("$cpu")
        fi
    done
    kill -TERM "$daemon" 2> /dev/null || true
    wait "$daemon" 2> /dev/null || true
    local base with
    base=$(median "${unscraped[@]}")
    with=$(median "${scraped[@]}")
    echo "postgres_metrics.rows_per_s.unscraped $base rows/s (${unscraped[*]})"
    echo "postgres_metrics.rows_per_s.scraped_100_per_s $with rows/s (${scraped[*]})"
    echo "postgres_metrics.scrapes_per_s $(awk -v n="$answered" -v s="$scraping" 'BEGIN { printf "%.1f", n / s }') scrapes/s"
    echo "postgres_metrics.cost_pct $(awk -v b="$base" -v w="$with" 'BEGIN { printf "%.1f", 100 * (1 - w / b) }') %"
    echo "postgres_metrics.daemon_cpu_ms_per_1000_rows.unscraped $(median "${cpu_unscraped[@]}") ms (${cpu_unscraped[*]})"
    echo "postgres_metrics.daemon_cpu_ms_per_1000_rows.scraped_100_per_s $(median "${cpu_scraped[@]}") ms (${cpu_scraped[*]})"
    psql -q -X "$conninfo" -c "DROP TABLE IF EXISTS public.metrics_bench, public.metrics_bench_rows" > /dev/null
    rm -rf "$scratch"
}

# The CPU time `pid` has used, user and system, in clock ticks (/proc/PID/stat fields 14 and 15).
daemon_cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}
