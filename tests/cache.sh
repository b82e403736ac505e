#!/bin/sh
# cache.sh - the Redis verdict cache through "mailvet scan", against a real
# redis-server this test starts on a unix socket of its own (and stops):
#   - a message scanned twice: the second time every leaf is a hit, with the same
#     verdict, reasons and the identical inventory (objects) as the first;
#   - EICAR in a zip: a hit keeps the detection and the inner names;
#   - a tampered value is ignored (counted rejected), the leaf scanned again, the
#     verdict unchanged;
#   - the same signature files in another directory, with other times and another
#     freshclam.dat (a second host of a fleet): the same keys, a hit;
#   - a change of the signature files (a reload) changes the keys: a miss;
#   - Redis stopped: the scan is right (same verdict), the cache "off", no error,
#     and stderr says once that Redis is unavailable;
#   - a Redis that answers slowly but correctly (tests/slow-redis.py in front of it:
#     every line of a reply 50 ms late, so each read is well within redis_timeout
#     but the 201 lines of an MGET of 200 keys are not): a message of 200
#     attachments ends in its verdict with the MGET failed on the deadline (before,
#     it waited the 20 s of slow replies with no error), and stderr says that Redis
#     is unavailable, naming redis_timeout (the breaker's trials are counted by no
#     check: how many fit in the scan depends on the machine);
#   - no cache_secret with redis set: the configuration is refused by name.
# TAP on stdout; env: top_srcdir, top_builddir.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet

PLAN=20
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

[ -x "$MAILVET" ] || bail "$MAILVET not built"
for tool in jq redis-server redis-cli python3; do
    command -v "$tool" > /dev/null 2>&1 ||
        bail "$tool is required (apt-get install jq redis-server python3)"
done

work_dir cache
S=$W/samples
sh "$top_srcdir/tests/samples/make-samples.sh" "$S" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"

# a database of our own, so that the test can change it
mkdir -p "$W/db" "$W/tmp"
cp "$S/sigs/"* "$W/db/"

SOCK=$W/redis.sock
redis_start() {
    redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --save '' \
        --appendonly no --daemonize yes --pidfile "$W/redis.pid" --logfile "$W/redis.log" \
        --dir "$W" > /dev/null 2>&1 || bail "redis-server does not start: $(cat "$W/redis.log")"
    for _ in $(seq 50); do
        redis-cli -s "$SOCK" ping > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    bail "redis-server does not answer: $(cat "$W/redis.log")"
}
redis_stop() {
    redis-cli -s "$SOCK" shutdown nosave > /dev/null 2>&1
    for _ in $(seq 50); do
        [ -S "$SOCK" ] || return 0
        sleep 0.1
    done
}
SLOW_PID=
trap '[ -z "$SLOW_PID" ] || kill "$SLOW_PID" 2>/dev/null; redis_stop
      [ -n "${KEEP_WORK:-}" ] || rm -rf "$W"' EXIT

cat > "$W/cache.yaml" <<EOF
database: "$W/db"
tmpdir: "$W/tmp"
policy_dir: ""
redis: "unix:$SOCK"
cache_secret: "test-secret-of-the-cache-suite"
# Redis alone: the local cache would answer before it
local_cache_size: 0
EOF

# scan NAME FILE - mailvet scan --json with the cache config into $W/NAME.json
scan() {
    "$MAILVET" scan -c "$W/cache.yaml" --json "$2" > "$W/$1.json" 2> "$W/$1.err"
    RC=$?
}
jqt() { jq -e "$2" "$W/$1.json" > /dev/null 2>&1; }
show() { diag "$(cat "$W/$1.json" "$W/$1.err" 2>/dev/null)"; }
# same A B - verdict, reasons and inventory identical
same() {
    jq -S '{verdict, reasons, objects}' "$W/$1.json" > "$W/$1.cmp" 2>/dev/null &&
        jq -S '{verdict, reasons, objects}' "$W/$2.json" > "$W/$2.cmp" 2>/dev/null &&
        cmp -s "$W/$1.cmp" "$W/$2.cmp"
}

redis_start

scan first "$S/eicar-zip-zip.eml"
if [ "$RC" -eq 1 ] && jqt first '.cache.state == "miss" and all(.parts[]; .cache == "miss")'; then
    ok "first scan: infected, every leaf a miss"
else
    not_ok "first scan: infected, every leaf a miss"; show first
fi
scan second "$S/eicar-zip-zip.eml"
if [ "$RC" -eq 1 ] && jqt second '.cache.state == "hit" and .cache.hits >= 2 and all(.parts[]; .cache == "hit")'; then
    ok "second scan: every leaf a hit"
else
    not_ok "second scan: every leaf a hit"; show second
fi
if same first second; then
    ok "the hit gives the same verdict, reasons and the identical inventory"
else
    not_ok "the hit gives the same verdict, reasons and the identical inventory"
    diag "$(diff "$W/first.cmp" "$W/second.cmp")"
fi
if jqt second 'any(.objects[]; (.name // "") == "eicar.com" and (.signatures | length) > 0)'; then
    ok "the cached inventory keeps the inner names and their signatures"
else
    not_ok "the cached inventory keeps the inner names and their signatures"; show second
fi

keys=$(redis-cli -s "$SOCK" --scan --pattern 'mv:*' | wc -l)
if [ "$keys" -ge 2 ]; then ok "Redis holds one mv:* key per leaf ($keys)"; else not_ok "Redis holds one mv:* key per leaf (got $keys)"; fi
ttl=$(redis-cli -s "$SOCK" --scan --pattern 'mv:*' | head -1 | xargs redis-cli -s "$SOCK" ttl)
if [ "${ttl:-0}" -gt 0 ]; then ok "cached values expire (TTL $ttl s)"; else not_ok "cached values expire (TTL ${ttl:-none})"; fi

# tamper with every value: the HMAC no longer verifies
for k in $(redis-cli -s "$SOCK" --scan --pattern 'mv:*'); do
    redis-cli -s "$SOCK" set "$k" "forged clean report" keepttl > /dev/null
done
scan tampered "$S/eicar-zip-zip.eml"
if [ "$RC" -eq 1 ] && jqt tampered '.cache.rejected >= 1 and .cache.hits == 0 and .verdict == "infected"'; then
    ok "tampered values are rejected and the message is scanned again: still infected"
else
    not_ok "tampered values are rejected and the message is scanned again: still infected"; show tampered
fi
scan again "$S/eicar-zip-zip.eml"
if jqt again '.cache.state == "hit"' && same first again; then
    ok "the rescan replaced the forged values: hits again, same result"
else
    not_ok "the rescan replaced the forged values: hits again, same result"; show again
fi

# a second host of a fleet: the same signature files in another directory, written at
# another time, beside freshclam's own state: the same keys
mkdir -p "$W/db2"
cp "$W/db/"* "$W/db2/"
touch -d '2001-01-01 00:00' "$W/db2/"*
echo "freshclam state of another host" > "$W/db2/freshclam.dat"
sed "s|^database: .*|database: \"$W/db2\"|" "$W/cache.yaml" > "$W/host2.yaml"
"$MAILVET" scan -c "$W/host2.yaml" --json "$S/eicar-zip-zip.eml" > "$W/host2.json" 2> "$W/host2.err"
if jqt host2 '.cache.state == "hit"' && same first host2; then
    ok "another host with the same signature files elsewhere, of other times: hits, same result"
else
    not_ok "another host with the same signature files elsewhere, of other times: hits, same result"; show host2
fi

# a signature update (what a reload loads) changes the keys
cp "$W/db/eicar.hdb" "$W/db/second.hdb" 2>/dev/null || cp "$W/db/"*.hdb "$W/db/second.hdb"
scan reloaded "$S/eicar-zip-zip.eml"
if jqt reloaded '.cache.state == "miss" and .cache.hits == 0'; then
    ok "after a signature change the old entries are not used"
else
    not_ok "after a signature change the old entries are not used"; show reloaded
fi

scan clean1 "$S/clean.eml"
scan clean2 "$S/clean.eml"
if [ "$RC" -eq 0 ] && jqt clean2 '.verdict == "clean" and .cache.state == "hit"' && same clean1 clean2; then
    ok "a clean message: hit on the second scan, still clean"
else
    not_ok "a clean message: hit on the second scan, still clean"; show clean2
fi

# the same bytes under another name: its own report (the objects' names and paths, the
# type checks depend on the name), never the first one's from the cache
for nm in report.txt invoice.pdf; do
    printf 'Subject: %s\nFrom: a@example.com\nTo: b@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=%s\n\nthe same bytes under two names, %s\n--b--\n' \
        "$nm" "$nm" "$$" > "$W/named-$nm.eml"
done
scan named1 "$W/named-report.txt.eml"
scan named2 "$W/named-invoice.pdf.eml"
if jqt named1 '[.parts[] | select(.filename == "report.txt") | .cache] == ["miss"]' &&
    jqt named2 '[.parts[] | select(.filename == "invoice.pdf") | .cache] == ["miss"] and ([.objects[].name] | index("invoice.pdf") != null) and ([.objects[].name] | index("report.txt") == null)'; then
    ok "the same bytes under another name: scanned again, the objects named as in this message"
else
    not_ok "the same bytes under another name: scanned again, the objects named as in this message"; show named2
fi

# brief - verdict and cache of NAME's result, and its stderr
brief() { diag "$(jq -c '{verdict, cache}' "$W/$1.json" 2>&1; cat "$W/$1.err")"; }

# a slow Redis: every line of every reply 50 ms late (each read well within the
# 200 ms redis_timeout); the MGET of 200 keys answers 201 lines, 200 SETs 200 more
redis-cli -s "$SOCK" flushall > /dev/null
python3 "$top_srcdir/tests/slow-redis.py" "$W/slow.sock" "$SOCK" 50 > "$W/slow.log" 2>&1 &
SLOW_PID=$!
for _ in $(seq 50); do
    [ -S "$W/slow.sock" ] && break
    sleep 0.1
done
[ -S "$W/slow.sock" ] || bail "slow-redis.py does not start: $(cat "$W/slow.log")"
sed "s|^redis: .*|redis: \"unix:$W/slow.sock\"|" "$W/cache.yaml" > "$W/slow.yaml"
printf 'redis_timeout: 200ms\n' >> "$W/slow.yaml"
# (the breaker's trial after its first second may go through or fail again, so how
# many times depends on the machine's speed: the checks hold either way)
t0=$(date +%s%N)
timeout 120 "$MAILVET" scan -c "$W/slow.yaml" --json "$S/many-parts.eml" > "$W/slow.json" 2> "$W/slow.err"
RC=$?
t1=$(date +%s%N)
diag "200 attachments against the slow Redis: $(( (t1 - t0) / 1000000 )) ms"
# a hang check (timeout), not a benchmark
if [ "$RC" -eq 0 ] && jqt slow '.verdict == "clean"'; then
    ok "slow Redis: 200 attachments end in their verdict"
else
    not_ok "slow Redis: 200 attachments end in their verdict (exit $RC)"; brief slow
fi
# before redis_timeout bounded the whole call: no error at all, every reply waited for
if jqt slow '.cache.errors >= 1 and .cache.hits == 0'; then
    ok "slow Redis: the MGET fails on the deadline (an error counted, nothing read)"
else
    not_ok "slow Redis: the MGET fails on the deadline (an error counted, nothing read)"; brief slow
fi
down=$(grep -c "cache: redis unavailable: " "$W/slow.err")
if [ "$down" -ge 1 ] && [ "$(grep -c "cache: redis unavailable: .*redis_timeout" "$W/slow.err")" -eq "$down" ]; then
    ok "slow Redis: stderr says the cache is down, naming redis_timeout"
else
    not_ok "slow Redis: stderr says the cache is down, naming redis_timeout"
    diag "$(cat "$W/slow.err")"
fi
kill "$SLOW_PID" 2>/dev/null
wait "$SLOW_PID" 2>/dev/null
SLOW_PID=

redis_stop
scan down "$S/eicar-zip-zip.eml"
if [ "$RC" -eq 1 ] && jqt down '.verdict == "infected" and .cache.hits == 0'; then
    ok "Redis stopped: the message is scanned without the cache, still infected"
else
    not_ok "Redis stopped: the message is scanned without the cache, still infected"; show down
fi
scan down-clean "$S/clean.eml"
if [ "$RC" -eq 0 ] && jqt down-clean '.verdict == "clean"'; then
    ok "Redis stopped: a clean message is clean, no error"
else
    not_ok "Redis stopped: a clean message is clean, no error"; show down-clean
fi
if ! grep -qi "error" "$W/down.err" "$W/down-clean.err" 2>/dev/null; then
    ok "Redis stopped: no error on stderr"
else
    not_ok "Redis stopped: no error on stderr"; diag "$(cat "$W/down.err" "$W/down-clean.err")"
fi
if [ "$(grep -c "cache: redis unavailable: " "$W/down.err")" -eq 1 ]; then
    ok "Redis stopped: stderr says once that the cache is down"
else
    not_ok "Redis stopped: stderr says once that the cache is down"; diag "$(cat "$W/down.err")"
fi

sed '/^cache_secret:/d' "$W/cache.yaml" > "$W/nosecret.yaml"
"$MAILVET" scan -c "$W/nosecret.yaml" --json "$S/clean.eml" > "$W/nosecret.json" 2> "$W/nosecret.err"
RC=$?
if [ "$RC" -eq 2 ] && grep -q "cache_secret" "$W/nosecret.err"; then
    ok "redis without cache_secret is refused, naming cache_secret"
else
    not_ok "redis without cache_secret is refused, naming cache_secret (exit $RC)"; diag "$(cat "$W/nosecret.err")"
fi

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ] && [ "$n" -eq "$PLAN" ]
