#!/bin/sh
# console-bench.sh [COUNT] - the list view of mailvet-console over a quarantine of
# COUNT (default 100000) entries: the entries are written by tests/qstore-helper
# (quarantine_store(), the daemon's code) on tmpfs when /dev/shm is writable, the
# console is started on a loopback port with a user of its own, and curl times each
# page (the best and the median of 5 requests): the first page, a page deep in the
# list, a search by queue id, by a part of the sender, by subject and rule, and by a
# signature nothing has; then an entry stored while the console runs, found on the next
# page (the index's appended line read).  Also the console's start (the index loaded
# and verified) and the same list from "mailvet quarantine list" for comparison.
# Usage: bench/console-bench.sh [COUNT]   (from the build tree; needs curl)
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CONSOLE=$top_builddir/milter/console/mailvet-console
MAILVET=$top_builddir/milter/mailvet/mailvet
HELPER=$top_builddir/tests/qstore-helper
count=${1:-100000}

[ -x "$CONSOLE" ] || { echo "console-bench: build first ($CONSOLE)" >&2; exit 2; }
[ -x "$HELPER" ] || make -C "$top_builddir/tests" qstore-helper > /dev/null ||
    { echo "console-bench: cannot build $HELPER" >&2; exit 2; }
command -v curl > /dev/null || { echo "console-bench: curl is required" >&2; exit 2; }

base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
W=$(mktemp -d "$base/mailvet-console-bench.XXXXXX")
PID=
trap '[ -z "$PID" ] || kill "$PID" 2> /dev/null; rm -rf "$W"' EXIT

. "$top_srcdir/tests/port-lib.sh"
port_pick || exit 2
port=$PORT_PICKED
cat > "$W/mailvet.yaml" <<EOC
quarantine_dir: $W/q
user: ""
console_listen: 127.0.0.1:$port
console_users_file: $W/users
console_audit_log: $W/audit.log
EOC
echo 'bench password' | "$CONSOLE" -c "$W/mailvet.yaml" --add-user bench > /dev/null

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

t0=$(now)
"$HELPER" -q -n "$count" -Q 5B "$W/q"
t1=$(now)
echo "stores: $count entries in $(secs "$t0" "$t1") s ($base)"

t0=$(now)
"$MAILVET" quarantine -c "$W/mailvet.yaml" list > /dev/null
t1=$(now)
echo "mailvet quarantine list (all $count, the index read and verified): $(secs "$t0" "$t1") s"

t0=$(now)
"$CONSOLE" -c "$W/mailvet.yaml" > "$W/console.log" 2>&1 &
PID=$!
until curl -s -o /dev/null "http://127.0.0.1:$port/login"; do
    kill -0 "$PID" 2> /dev/null || { cat "$W/console.log" >&2; exit 1; }
    sleep 0.05
done
t1=$(now)
echo "console start (index loaded and verified) to its first answer: $(secs "$t0" "$t1") s"
curl -s -c "$W/jar" -o /dev/null -d 'user=bench&password=bench+password' \
    "http://127.0.0.1:$port/login"

# timed LABEL PATH - 5 requests: best and median time, the entries that matched
timed() {
    for _i in 1 2 3 4 5; do
        curl -s -b "$W/jar" -o "$W/page" -w '%{time_total}\n' "http://127.0.0.1:$port$2"
    done | sort -n > "$W/times"
    _total=$(sed -n 's/.*data-total="\([0-9]*\)".*/\1/p' "$W/page")
    awk -v label="$1" -v total="$_total" 'NR == 1 { best = $1 } NR == 3 { med = $1 }
        END { printf "  %-44s best %6.1f ms  median %6.1f ms  (%s entries)\n", label,
              best * 1000, med * 1000, total }' "$W/times"
}
echo "list view, page size 50, curl time_total:"
timed "first page" "/"
timed "page 1000" "/?page=1000"
timed "queue id 5B77777" "/?queue_id=5B77777"
timed "sender contains 'mallory'" "/?sender=mallory"
timed "subject 'invoice' and rule 'avaddon'" "/?subject=invoice&rule=avaddon"
timed "signature matching nothing" "/?signature=nothing.here"
timed "any state" "/?state=any"
"$HELPER" -Q 5LATE "$W/q" > /dev/null
timed "after one more store: queue id 5LATE" "/?queue_id=5LATE"
rss=$(awk '/VmRSS/ { print $2, $3 }' "/proc/$PID/status")
echo "console resident memory: $rss"
