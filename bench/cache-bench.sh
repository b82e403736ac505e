#!/bin/sh
# cache-bench.sh [COUNT] - one campaign attachment in COUNT (default 1000) separate
# messages, scanned by "mailvet scan" with no cache, then with the Redis cache alone
# (cold: the first message fills it), then with the local cache alone (the default:
# in memory, as long as the command), in the same invocation; prints messages per
# second for each and their ratios to no cache.  Starts its own redis-server on a unix socket and stops it.
# The attachment is a 300 KB zip of text and a 1 MB PDF-like file, the kind of
# attachment a campaign sends to thousands of mailboxes; the signatures are the
# bundled test set plus whatever -d DIR gives (e.g. /var/lib/clamav for the full
# ClamAV database, where the scan costs far more and the cache far more too).
# Usage: bench/cache-bench.sh [-d DATABASE] [COUNT]   (from the build tree)
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet
database=$top_builddir/policies/signatures-default
if [ "${1:-}" = -d ]; then
    database=$2
    shift 2
fi
count=${1:-1000}

[ -x "$MAILVET" ] || { echo "cache-bench: build first ($MAILVET)" >&2; exit 2; }
for tool in redis-server redis-cli zip base64; do
    command -v "$tool" > /dev/null || { echo "cache-bench: $tool is required" >&2; exit 2; }
done

W=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-cache-bench.XXXXXX")
SOCK=$W/redis.sock
trap 'redis-cli -s "$SOCK" shutdown nosave > /dev/null 2>&1; rm -rf "$W"' EXIT
mkdir -p "$W/msgs" "$W/tmp" "$W/att"

# the campaign's attachment: deterministic bytes (fixed seed)
awk 'BEGIN { srand(42); for (i = 0; i < 6000; i++) { s = ""; for (j = 0; j < 8; j++) s = s sprintf("%08x ", int(rand() * 4294967295)); print s } }' > "$W/att/ledger.txt"
{ printf '%%PDF-1.4\n'; head -c 1000000 /dev/zero | tr '\0' 'x'; printf '\n%%%%EOF\n'; } > "$W/att/statement.pdf"
(cd "$W/att" && zip -q -X invoice.zip ledger.txt statement.pdf)
base64 "$W/att/invoice.zip" > "$W/att/invoice.b64"

i=0
while [ "$i" -lt "$count" ]; do
    i=$((i + 1))
    {
        printf 'From: billing@example.net\nTo: user%d@example.com\nSubject: Invoice %d\n' "$i" "$i"
        printf 'Message-ID: <bench-%d@example.net>\nMIME-Version: 1.0\n' "$i"
        printf 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\n'
        printf 'Dear customer %d, please find the invoice attached.\n--B\n' "$i"
        printf 'Content-Type: application/zip; name=invoice.zip\nContent-Transfer-Encoding: base64\n\n'
        cat "$W/att/invoice.b64"
        printf -- '--B--\n'
    } > "$W/msgs/m$i.eml"
done

redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --save '' --appendonly no \
    --daemonize yes --pidfile "$W/redis.pid" --logfile "$W/redis.log" --dir "$W" > /dev/null
for _ in $(seq 50); do redis-cli -s "$SOCK" ping > /dev/null 2>&1 && break; sleep 0.1; done

base="database: \"$database\"
tmpdir: \"$W/tmp\"
policy_dir: \"$top_srcdir/policies\""
printf '%s\nlocal_cache_size: 0\n' "$base" > "$W/off.yaml"
printf '%s\nlocal_cache_size: 0\nredis: "unix:%s"\ncache_secret: "bench-secret-0123456789"\n' \
    "$base" "$SOCK" > "$W/on.yaml"
printf '%s\n' "$base" > "$W/local.yaml"

# run CONFIG - seconds to scan every message with one mailvet scan
run() {
    start=$(date +%s.%N)
    "$MAILVET" scan -c "$1" --json "$W"/msgs/*.eml > "$W/out.json" || [ $? -eq 1 ]
    end=$(date +%s.%N)
    echo "$start $end" | awk '{ printf "%.3f", $2 - $1 }'
}

off=$(run "$W/off.yaml")
on=$(run "$W/on.yaml")
# the zip is the same in every message (a hit after the first); the text differs
hits=$(grep -o '"filename" *: *"invoice.zip"[^}]*"cache" *: *"hit"' "$W/out.json" | wc -l)
local=$(run "$W/local.yaml")
lhits=$(grep -o '"filename" *: *"invoice.zip"[^}]*"cache" *: *"hit"' "$W/out.json" | wc -l)

echo "mailvet cache benchmark: $count messages, one $(wc -c < "$W/att/invoice.zip")-byte zip each"
echo "signatures: $database"
awk -v n="$count" -v off="$off" -v on="$on" -v hits="$hits" -v loc="$local" -v lhits="$lhits" 'BEGIN {
    printf "no cache:    %8.1f msg/s  (%.2f s)\n", n / off, off
    printf "Redis cache: %8.1f msg/s  (%.2f s, the zip a hit in %d of %d messages)\n", n / on, on, hits, n
    printf "local cache: %8.1f msg/s  (%.2f s, the zip a hit in %d of %d messages)\n", n / loc, loc, lhits, n
    printf "ratio Redis/none: %.2f, local/none: %.2f\n", off / on, off / loc
}'
