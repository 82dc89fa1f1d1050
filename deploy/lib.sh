# Shell functions shared by deploy/run.sh, deploy/test.sh and the integration tests.
# Source it; it defines functions and sets nothing else.

gw_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

gw_pg_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] || { echo "PostgreSQL server binaries not found (deploy/install-deps.sh installs them)" >&2; return 1; }
    echo "$d"
}

# Runs a command as the cluster's owner: postgres when we are root (initdb refuses root), else ourselves.
gw_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# gw_pg_start DIR: creates (first time) and starts a private cluster in DIR. It listens on a unix
# socket in DIR/run only (no TCP port) and trusts only its owner (socket mode 0700; root can connect
# too). Prints nothing; the socket directory is DIR/run.
gw_pg_start() {
    local dir=$1 bin
    bin=$(gw_pg_bindir) || return 1
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$dir"
        chmod 0700 "$dir"
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        gw_pg_as_owner mkdir -p "$dir/data" "$dir/run"
        gw_pg_as_owner "$bin/initdb" -D "$dir/data" -U gateway --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; return 1; }
        cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir/run'
unix_socket_permissions = 0700
fsync = ${GW_PG_FSYNC:-on}
max_connections = 200
CONF
    fi
    gw_pg_as_owner mkdir -p "$dir/run"
    if ! gw_pg_as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        gw_pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null ||
            { tail -n 20 "$dir/postgres.log" >&2; return 1; }
    fi
}

gw_pg_stop() {
    local dir=$1 bin
    bin=$(gw_pg_bindir) || return 0
    [ -f "$dir/data/PG_VERSION" ] || return 0
    gw_pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# gw_pg_createdb DIR NAME: creates database NAME (owned by the gateway role) if it does not exist.
gw_pg_createdb() {
    local dir=$1 name=$2
    if ! psql -h "$dir/run" -U gateway -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
        psql -h "$dir/run" -U gateway -d postgres -qc "CREATE DATABASE \"$name\"" >/dev/null
    fi
}

# gw_build DIR [cmake options...]: configures and builds the project into DIR.
gw_build() {
    local dir=$1
    shift
    cmake -S "$(gw_root)" -B "$dir" "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log" >&2; return 1; }
    if ! cmake --build "$dir" -j"$(nproc)" >"$dir.build.log" 2>&1; then
        grep -E 'error|warning|Error' "$dir.build.log" >&2 || tail -n 30 "$dir.build.log" >&2
        return 1
    fi
}

# gw_wait_line FILE PATTERN [SECONDS]: waits until FILE has a line matching PATTERN; prints it.
gw_wait_line() {
    local file=$1 pattern=$2 secs=${3:-30} i
    for ((i = 0; i < secs * 10; i++)); do
        if grep -m1 -E "$pattern" "$file" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "timed out waiting for '$pattern' in $file" >&2
    return 1
}
