# pg-lib.sh - a private PostgreSQL for a test (sourced, not run), in a temporary
# directory of its own, listening on 127.0.0.1 and a socket in that directory, with
# password (SCRAM) authentication over TCP, as a fleet's database would have.
# PostgreSQL refuses to run as root: when the test runs as root the server runs as
# nobody (runuser), and its directory belongs to nobody.
#   pg_find                    PG_BIN, or false with PG_WHY when the server binaries
#                              (initdb, pg_ctl, postgres, psql) are missing
#   pg_start                   a new cluster, started: PGDIR, PG_PORT, PG_PASSWORD,
#                              PG_CONNINFO (libpq key=value, the password in it); false
#                              with PG_WHY.  Preset PGDIR (an empty directory), PG_PORT
#                              and PG_LISTEN ("" = the socket only; PG_CONNINFO then
#                              names the socket's directory) to choose them.
#   pg_stop / pg_restart       pg_ctl stop (fast) / start again, on the same port
#   pg_sql SQL                 psql as the superuser over the socket, unaligned, quiet
#   pg_cleanup                 stop the server and remove its directory
# Env: MAILVET_PG_BIN (default /usr/lib/postgresql/15/bin).
PG_BIN=${MAILVET_PG_BIN:-/usr/lib/postgresql/15/bin}
PGDIR=${PGDIR:-}
PG_PORT=${PG_PORT:-}
PG_LISTEN=${PG_LISTEN-127.0.0.1}
PG_WHY=

pg_find() {
    for _b in initdb pg_ctl postgres psql; do
        if [ ! -x "$PG_BIN/$_b" ]; then
            PG_WHY="$PG_BIN/$_b missing (apt-get install postgresql)"
            return 1
        fi
    done
}

# pg_as CMD... - CMD as the server's user
pg_as() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

# pg_free_port - PG_PORT = a free port, claimed for this script (port-lib.sh)
pg_free_port() {
    # read here, not when sourced: the copy of this file a milter test's teardown
    # sources to stop the server (t-quarantine-pg.setup) runs without top_srcdir
    . "$top_srcdir/tests/port-lib.sh" || return 1
    port_pick || return 1
    PG_PORT=$PORT_PICKED
}

pg_start() {
    pg_find || return 1
    [ -n "$PGDIR" ] || PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-pg-XXXXXX") ||
        { PG_WHY="mktemp"; return 1; }
    chmod 700 "$PGDIR"
    [ "$(id -u)" -ne 0 ] || chown nobody "$PGDIR"
    PG_PASSWORD="pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    printf '%s\n' "$PG_PASSWORD" > "$PGDIR/pwfile"
    [ "$(id -u)" -ne 0 ] || chown nobody "$PGDIR/pwfile"
    if ! pg_as "$PG_BIN/initdb" -D "$PGDIR/data" -U mailvet --pwfile="$PGDIR/pwfile" \
            --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-sync \
            > "$PGDIR/initdb.log" 2>&1; then
        PG_WHY="initdb failed: $(tail -n 3 "$PGDIR/initdb.log")"
        return 1
    fi
    rm -f "$PGDIR/pwfile"
    [ -n "$PG_PORT" ] || pg_free_port || { PG_WHY="no free port"; return 1; }
    pg_restart || return 1
    pg_sql "CREATE DATABASE mailvet" > /dev/null || { PG_WHY="CREATE DATABASE failed"; return 1; }
    if [ -n "$PG_LISTEN" ]; then
        PG_CONNINFO="host=127.0.0.1 port=$PG_PORT dbname=mailvet user=mailvet password=$PG_PASSWORD"
    else
        PG_CONNINFO="host=$PGDIR port=$PG_PORT dbname=mailvet user=mailvet"
    fi
}

pg_restart() {
    if ! pg_as "$PG_BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
            -o "-p $PG_PORT -k $PGDIR -c listen_addresses='$PG_LISTEN' -c fsync=off" \
            start > "$PGDIR/pg_ctl.log" 2>&1; then
        PG_WHY="pg_ctl start failed: $(tail -n 3 "$PGDIR/server.log" 2>/dev/null)"
        return 1
    fi
}

pg_stop() {
    pg_as "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop > /dev/null 2>&1
}

pg_sql() {
    pg_as "$PG_BIN/psql" -X -q -A -t -h "$PGDIR" -p "$PG_PORT" -U mailvet -d "${PG_DB:-postgres}" \
        -v ON_ERROR_STOP=1 -c "$1"
}

pg_cleanup() {
    if [ -n "$PGDIR" ] && [ -d "$PGDIR/data" ]; then
        pg_stop
    fi
    [ -z "$PGDIR" ] || [ -n "${KEEP_WORK:-}" ] || rm -rf "$PGDIR"
}
