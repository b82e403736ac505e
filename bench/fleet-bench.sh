#!/bin/sh
# fleet-bench.sh [-H HOSTS] [-j STREAMS] [-f] [COUNT] - the fleet's cache hit rate on a
# campaign burst: COUNT (default 1000) messages carrying the same invoice (the same text
# and the same zip of 288 KB) split round-robin across HOSTS (2) hosts of STREAMS (4)
# "mailvet scan" processes each, all started at once against one Redis behind three
# Sentinels (tests/redis-sentinel-lib.sh: real redis-server processes, started and
# stopped here), all with the same cache_secret and signatures, so the same keys.
# Two runs: "cold" (every host starts on an empty cache at the same moment, as when a
# campaign begins: the first lookups race) and "seeded" (one message scanned first).
# With -f the master is killed (SIGKILL) in the middle of a third run, once half the
# messages are answered: the lookups made while the Sentinels promote the replica are
# misses and are scanned.  Prints per host and for the fleet: leaf lookups, hits, hit
# rate (hits / lookups), and how often the attachment was scanned (messages whose
# leaves were not all hits).  A figure of the cache's sharing, not of speed.
# Usage: bench/fleet-bench.sh [-H HOSTS] [-j STREAMS] [-f] [COUNT]   (from the build tree)
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet
hosts=2
streams=4
failover=
while getopts H:j:f opt; do
    case $opt in
    H) hosts=$OPTARG ;;
    j) streams=$OPTARG ;;
    f) failover=1 ;;
    *) echo "usage: fleet-bench.sh [-H HOSTS] [-j STREAMS] [-f] [COUNT]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
count=${1:-1000}

[ -x "$MAILVET" ] || { echo "fleet-bench: build first ($MAILVET)" >&2; exit 2; }
for tool in redis-server redis-cli jq python3 base64; do
    command -v "$tool" > /dev/null || { echo "fleet-bench: $tool is required" >&2; exit 2; }
done
. "$top_srcdir/tests/redis-sentinel-lib.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-fleet-bench.XXXXXX")
trap 'rs_stop; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP PIPE
mkdir -p "$W/msgs" "$W/tmp"
sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" > "$W/samples.out" 2>&1 ||
    { echo "fleet-bench: make-samples.sh failed" >&2; exit 1; }
rs_start "$W/redis" || exit 1

python3 - "$W/invoice.zip" << 'EOF'
import random, sys, zipfile
rnd = random.Random(42)
rows = "\n".join(" ".join("%08x" % rnd.getrandbits(32) for _ in range(8)) for _ in range(4000))
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("ledger.txt", (2024, 1, 1, 0, 0, 0)), rows)
EOF
base64 "$W/invoice.zip" > "$W/invoice.b64"
i=0
while [ "$i" -lt "$count" ]; do
    i=$((i + 1))
    {
        printf 'From: billing@example.net\nTo: user%d@example.com\nSubject: Invoice %d\n' "$i" "$i"
        printf 'Message-ID: <fleet-%d@example.net>\nMIME-Version: 1.0\n' "$i"
        printf 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\n'
        printf 'Dear customer, please find the invoice attached.\n--B\n'
        printf 'Content-Type: application/zip; name=invoice.zip\nContent-Transfer-Encoding: base64\n\n'
        cat "$W/invoice.b64"
        printf -- '--B--\n'
    } > "$W/msgs/m$(printf '%05d' "$i").eml"
done
cat > "$W/fleet.yaml" << EOF
database: "$W/samples/sigs"
tmpdir: "$W/tmp"
policy_dir: ""
redis_sentinels: "$RS_SENTINELS"
redis_master_name: $RS_NAME
redis_timeout: 500ms
cache_secret: "one-secret-for-the-whole-fleet"
# the shared cache alone (each process's local cache would answer its repeats first)
local_cache_size: 0
EOF

# run NAME [KILL] - every stream of every host at once; KILL: SIGKILL the master once
# half the messages are answered.  Results in $W/NAME.H.S (one JSON line per message).
run() {
    rs_cli "$(rs_master)" flushall > /dev/null
    pids=
    h=0
    while [ "$h" -lt "$hosts" ]; do
        s=0
        while [ "$s" -lt "$streams" ]; do
            # message k goes to host k mod hosts, stream (k / hosts) mod streams
            ls "$W/msgs" | awk -v H="$hosts" -v S="$streams" -v h="$h" -v s="$s" -v d="$W/msgs" \
                '(NR - 1) % H == h && int((NR - 1) / H) % S == s { print d "/" $0 }' > "$W/list.$h.$s"
            xargs "$MAILVET" scan -c "$W/fleet.yaml" --json < "$W/list.$h.$s" \
                > "$W/$1.$h.$s" 2> "$W/err.$1.$h.$s" &
            pids="$pids $!"
            s=$((s + 1))
        done
        h=$((h + 1))
    done
    if [ -n "${2:-}" ]; then
        old=$(rs_master)
        half() { [ "$(cat "$W/$1".*.[0-9] | wc -l)" -ge $((count / 2)) ]; }
        rs_until 600 half "$1"
        rs_kill "$old"
    fi
    for p in $pids; do wait "$p" || true; done
}

# report NAME - per host and for the fleet
report() {
    echo "$1:"
    h=0
    while [ "$h" -lt "$hosts" ]; do
        cat "$W/$1.$h".[0-9]* | jq -s -r --arg h "$h" '
            (map(.cache.hits) | add) as $hits | (map(.cache.hits + .cache.misses) | add) as $looks |
            "  host \($h): \(length) messages, \($looks) leaf lookups, \($hits) hits (\(100 * $hits / $looks | floor * 1)%), attachment scanned \(map(select(.cache.state != "hit")) | length) times"'
        h=$((h + 1))
    done
    cat "$W/$1".*.[0-9]* | jq -s -r '
        (map(.cache.hits) | add) as $hits | (map(.cache.hits + .cache.misses) | add) as $looks |
        "  fleet: \(length) messages, \($looks) leaf lookups, \($hits) hits, hit rate \(10000 * $hits / $looks | floor / 100)%, attachment scanned \(map(select(.cache.state != "hit")) | length) times"'
}

echo "mailvet fleet cache benchmark: $count messages, one $(wc -c < "$W/invoice.zip")-byte zip each,"
echo "$hosts hosts x $streams streams (mailvet scan), Redis behind 3 Sentinels"
run cold
report cold
# seeded: one message first, then the burst
rs_cli "$(rs_master)" flushall > /dev/null
"$MAILVET" scan -c "$W/fleet.yaml" --json "$W/msgs/m00001.eml" > /dev/null || true
pids=
h=0
while [ "$h" -lt "$hosts" ]; do
    s=0
    while [ "$s" -lt "$streams" ]; do
        xargs "$MAILVET" scan -c "$W/fleet.yaml" --json < "$W/list.$h.$s" > "$W/seeded.$h.$s" \
            2> /dev/null &
        pids="$pids $!"
        s=$((s + 1))
    done
    h=$((h + 1))
done
for p in $pids; do wait "$p" || true; done
report seeded
if [ -n "$failover" ]; then
    run failover kill
    report failover
    echo "  (master 127.0.0.1:$old killed at half; the Sentinels promoted 127.0.0.1:$(rs_master);" \
        "\"cache: redis\" lines: $(cat "$W"/err.failover.* | grep -c 'cache: redis unavailable') down," \
        "$(cat "$W"/err.failover.* | grep -c 'cache: redis available again') back, over $((hosts * streams)) processes)"
fi
