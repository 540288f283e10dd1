# A private PostgreSQL cluster in a folder, for scripts/bench and scripts/demo. Source this file, then:
#   pg_cluster_start DIR    initdb (first time) and start; the socket is DIR/socket, port 5432; sets PG_CONNINFO
#   pg_cluster_stop DIR     stop it (fast), if it runs
#   pg_queue_drained CONNINFO  wait until vaewatch.queue is empty (polls every 50 ms)
# PostgreSQL refuses to run as root: as root, the server runs as user nobody and DIR is given to it.

pg_cluster_bindir() {
    local dir
    if dir=$(pg_config --bindir 2>/dev/null) && [[ -x "$dir/initdb" ]]; then
        echo "$dir"
        return 0 # a bare return in an EXIT trap would return the status the script exits with
    fi
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -z "$dir" || ! -x "$dir/initdb" ]]; then
        echo "PostgreSQL server binaries not found; run scripts/setup (installs postgresql)" >&2
        return 1
    fi
    echo "$dir"
}

# Runs a server tool as the cluster's owner: nobody when we are root, ourselves otherwise.
pg_cluster_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        setpriv --reuid=65534 --regid=65534 --clear-groups -- env -C / "$@"
    else
        "$@"
    fi
}

pg_cluster_start() {
    local dir bin
    dir=$(realpath -m "$1")
    bin=$(pg_cluster_bindir) || return 1
    mkdir -p "$dir/socket"
    if [[ $(id -u) -eq 0 ]]; then
        chown 65534:65534 "$dir" "$dir/socket"
        chmod 0755 "$dir"
        # nobody must be able to reach the folder through its parents.
        local parent
        parent=$(dirname "$dir")
        while [[ "$parent" != / ]]; do
            chmod o+x "$parent" 2>/dev/null || true
            parent=$(dirname "$parent")
        done
    fi
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        pg_cluster_as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
            >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    fi
    pg_cluster_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir/socket' -c port=5432 -c shared_buffers=256MB -c max_wal_size=4GB" \
        start >/dev/null || { tail -n 20 "$dir/server.log" >&2; return 1; }
    PG_CONNINFO="host=$dir/socket port=5432 user=postgres dbname=postgres"
    export PG_CONNINFO
}

pg_cluster_stop() {
    local dir bin
    dir=$(realpath -m "$1")
    bin=$(pg_cluster_bindir) || return 1
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        pg_cluster_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

pg_queue_drained() {
    local queued
    while true; do
        queued=$(psql -q -X -t -A "$1" -c "SELECT count(*) FROM vaewatch.queue")
        [[ $queued == 0 ]] && return
        sleep 0.05
    done
}
