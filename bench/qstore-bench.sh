#!/bin/sh
# qstore-bench.sh [-n COUNT] [-s SIZE] [-t "1 32"] - quarantine write latency: the
# directory store against PostgreSQL, at 1 and 32 concurrent writers (threads of one
# process, as mailvetd's connection threads), COUNT (200) writes each of SIZE (20000)
# bytes, through qstore_put() (tests/qstore-bench.c).  The directory is under the build
# tree (its disk, fsync included); PostgreSQL is a private server (tests/pg-lib.sh)
# in a temporary directory, on loopback with password authentication and its default
# durability (fsync on, synchronous_commit on), so a write is a committed row.  Prints
# one line per run: mean, median, 99th percentile, maximum and writes per second.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
COUNT=200
SIZE=20000
THREADS="1 32"
while getopts n:s:t: opt; do
    case $opt in
    n) COUNT=$OPTARG ;;
    s) SIZE=$OPTARG ;;
    t) THREADS=$OPTARG ;;
    *) echo "usage: qstore-bench.sh [-n COUNT] [-s SIZE] [-t \"1 32\"]" >&2; exit 64 ;;
    esac
done

. "$top_srcdir/tests/pg-lib.sh"
make -s -C "$top_builddir/tests" qstore-bench > /dev/null
BENCH=$top_builddir/tests/qstore-bench
W=$(mktemp -d "$top_builddir/tests/work/qstore-bench-XXXXXX" 2> /dev/null || mktemp -d)
trap 'pg_cleanup; rm -rf "$W"' EXIT

pg_start || { echo "qstore-bench.sh: PostgreSQL: $PG_WHY" >&2; exit 1; }
# the test's server runs with fsync off; a benchmark measures durable commits
pg_stop
pg_as "$PG_BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=100" \
    start > /dev/null
printf 'quarantine_dir: %s/q\n' "$W" > "$W/dir.yaml"
printf 'quarantine_store: postgresql\nquarantine_db: "%s"\nquarantine_host: bench.example.com\n' \
    "$PG_CONNINFO" > "$W/pg.yaml"
"$top_builddir/milter/mailvet/mailvet" quarantine -c "$W/pg.yaml" migrate > /dev/null

echo "quarantine write latency, $COUNT writes per writer, $SIZE bytes each ($(nproc) CPUs)"
for t in $THREADS; do
    rm -rf "$W/q"
    "$BENCH" -c "$W/dir.yaml" -t "$t" -n "$COUNT" -s "$SIZE"
    PG_DB=mailvet pg_sql "TRUNCATE quarantine"
    "$BENCH" -c "$W/pg.yaml" -t "$t" -n "$COUNT" -s "$SIZE"
done
