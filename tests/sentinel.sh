#!/bin/sh
# sentinel.sh - the Redis cache behind Sentinel, through "mailvet scan", against real
# redis-server processes this test starts (tests/redis-sentinel-lib.sh: a master, a
# replica, three Sentinels judging the master down after 1000 ms):
#   - settings refused, each with one line naming the key: redis and redis_sentinels
#     both (by mailvet scan, mailvetd -n and mailvet check-config), redis_sentinels without redis_master_name, redis_master_name alone,
#     redis_replicas "sentinel" without Sentinels, an address without a port;
#   - discovery: the master the Sentinels name holds the keys, the second scan hits;
#   - a Sentinel with requirepass: redis_sentinel_password is sent (AUTH), and
#     without it the cache is off and stderr says why, once;
#   - a master name the Sentinels do not know: the scan is right, the cache off, and
#     stderr says once why (naming the name);
#   - replicas for reads: with redis_replicas "sentinel" or a list, the MGETs go to the
#     replica (its MGET count grows, the master's does not) and still hit; a replica
#     that is down: the reads go to the master, no error;
#   - failover inside one run: one "mailvet scan" of several messages pauses on a FIFO;
#     the master is killed with SIGKILL, the Sentinels promote the replica, the run
#     goes on: every message gets its verdict, the cache is back on the new master
#     (hits), and stderr says once that it went and once that it is back, naming the
#     new master;
#   - a manual failover (SENTINEL FAILOVER) turns the master into a replica under a
#     running scan (Sentinel closes its clients' connections, so the cache reconnects
#     and ROLE says "slave"; a connection that stayed would get READONLY to its SET):
#     the cache asks the Sentinels again and writes to the new master; one line each
#     way.
# TAP on stdout; env: top_srcdir, top_builddir.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet

PLAN=23
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/redis-sentinel-lib.sh"

[ -x "$MAILVET" ] || bail "$MAILVET not built"
for tool in jq redis-server redis-cli; do
    command -v "$tool" > /dev/null 2>&1 || bail "$tool is required (apt-get install jq redis-server)"
done

work_dir sentinel
trap 'rs_stop; [ -n "${KEEP_WORK:-}" ] || rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP PIPE
S=$W/samples
sh "$top_srcdir/tests/samples/make-samples.sh" "$S" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"
mkdir -p "$W/tmp"

base() {
    cat << EOF
database: "$S/sigs"
tmpdir: "$W/tmp"
policy_dir: ""
cache_secret: "test-secret-of-the-sentinel-suite"
# Redis alone: with the local cache on, a repeated lookup would never reach it
local_cache_size: 0
redis_timeout: 500ms
EOF
}

# refused NAME WANT LINE... - a config of base and LINEs: exit 2 and stderr WANT exactly
refused() {
    _name=$1
    _want=$2
    shift 2
    { base; for l in "$@"; do echo "$l"; done; } > "$W/$_name.yaml"
    "$MAILVET" scan -c "$W/$_name.yaml" "$S/clean.eml" > /dev/null 2> "$W/$_name.err"
    _rc=$?
    if [ "$_rc" -eq 2 ] && [ "$(cat "$W/$_name.err")" = "mailvet: $W/$_name.yaml: $_want" ]; then
        ok "refused: $_name"
    else
        not_ok "refused: $_name (exit $_rc)"
        diag "got:  $(cat "$W/$_name.err")" "want: mailvet: $W/$_name.yaml: $_want"
    fi
}

refused both "redis_sentinels: set together with redis; set redis for one server, or redis_sentinels and redis_master_name for Sentinel, not both" \
    'redis: "127.0.0.1:6379"' 'redis_sentinels: "127.0.0.1:26379"' 'redis_master_name: mymaster'
# the daemon and check-config refuse the same file with the same line (exit 78)
MAILVETD=$top_builddir/milter/mailvetd/mailvetd
{ echo 'user: ""'; cat "$W/both.yaml"; } > "$W/both-daemon.yaml"
want="$W/both-daemon.yaml: redis_sentinels: set together with redis; set redis for one server, or redis_sentinels and redis_master_name for Sentinel, not both"
"$MAILVETD" -n -c "$W/both-daemon.yaml" > "$W/both-daemon.out" 2>&1
rc=$?
if [ "$rc" -eq 78 ] && grep -qxF "$want" "$W/both-daemon.out"; then
    ok "mailvetd -n refuses redis with redis_sentinels (exit 78), one line"
else
    not_ok "mailvetd -n refuses redis with redis_sentinels (exit $rc)"; diag "$(cat "$W/both-daemon.out")"
fi
"$MAILVET" check-config -c "$W/both-daemon.yaml" > /dev/null 2> "$W/both-check.err"
rc=$?
if [ "$rc" -eq 78 ] && [ "$(cat "$W/both-check.err")" = "$want" ]; then
    ok "mailvet check-config refuses it too (exit 78), the same line"
else
    not_ok "mailvet check-config refuses it too (exit $rc)"; diag "$(cat "$W/both-check.err")"
fi
refused no-name "redis_master_name: required with redis_sentinels (the NAME of the Sentinels' \"sentinel monitor NAME ...\")" \
    'redis_sentinels: "127.0.0.1:26379, 127.0.0.1:26380"'
refused name-alone "redis_master_name: set without redis or redis_sentinels, so the cache is off; set one of them or remove redis_master_name" \
    'redis_master_name: mymaster'
refused replicas-sentinel "redis_replicas: \"sentinel\" needs redis_sentinels (the Sentinels list the replicas); with redis, name the replicas: \"HOST:PORT, ...\"" \
    'redis: "127.0.0.1:6379"' 'redis_replicas: sentinel'
refused no-port "redis_sentinels: \"127.0.0.1\" is not unix:/PATH, HOST:PORT or [IPV6]:PORT" \
    'redis_sentinels: "127.0.0.1:26379, 127.0.0.1"' 'redis_master_name: mymaster'

rs_start "$W/redis" > "$W/rs.out" 2>&1 || bail "Redis with Sentinels does not start: $(cat "$W/rs.out")"
diag "master 127.0.0.1:$RS_MASTER, replica 127.0.0.1:$RS_REPLICA, Sentinels $RS_SENTINELS"

# conf NAME LINE... - base, the Sentinels and LINEs
conf() {
    _name=$1
    shift
    { base; echo "redis_sentinels: \"$RS_SENTINELS\""; for l in "$@"; do echo "$l"; done; } > "$W/$_name.yaml"
}
# scan CONF OUT FILE... - mailvet scan --json, the results as one JSON array in OUT.json
scan() {
    _c=$1
    _o=$2
    shift 2
    "$MAILVET" scan -c "$W/$_c.yaml" --json "$@" > "$W/$_o.raw" 2> "$W/$_o.err"
    RC=$?
    jq -s . "$W/$_o.raw" > "$W/$_o.json" 2> /dev/null || echo '[]' > "$W/$_o.json"
}
jqt() { jq -e "$2" "$W/$1.json" > /dev/null 2>&1; }
show() { diag "$(jq -c '.[] | {file, verdict, cache}' "$W/$1.json" 2>&1)" "$(cat "$W/$1.err")"; }
mgets() { rs_cli "$1" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_mget:calls=\([0-9]*\),.*/\1/p' | grep . || echo 0; }
dbsize() { rs_cli "$1" dbsize 2> /dev/null | tr -d '\r'; }

conf sentinel 'redis_master_name: mymaster'
scan sentinel first "$S/eicar-zip.eml"
scan sentinel second "$S/eicar-zip.eml"
if jqt first '.[0].verdict == "infected" and .[0].cache.state == "miss"' &&
    jqt second '.[0].verdict == "infected" and .[0].cache.state == "hit"'; then
    ok "through the Sentinels: a miss, then a hit with the same verdict"
else
    not_ok "through the Sentinels: a miss, then a hit with the same verdict"; show first; show second
fi
if [ "$(dbsize "$RS_MASTER")" -ge 1 ]; then
    ok "the master the Sentinels name (127.0.0.1:$RS_MASTER) holds the keys ($(dbsize "$RS_MASTER"))"
else
    not_ok "the master the Sentinels name holds the keys (got $(dbsize "$RS_MASTER"))"
fi

# a Sentinel that wants a password (requirepass): redis_sentinel_password; it knows
# the master as "authmaster", so that the three others do not take it for a peer
rs_pick
APORT=$RS_PORT
cat > "$W/redis/sentinel-auth.conf" << EOF
port $APORT
bind 127.0.0.1
daemonize yes
pidfile "$W/redis/redis-$APORT.pid"
logfile "$W/redis/sentinel-auth.log"
dir "$W/redis"
requirepass "sentinel-secret-0123"
sentinel monitor authmaster 127.0.0.1 $RS_MASTER 2
EOF
redis-server "$W/redis/sentinel-auth.conf" --sentinel > /dev/null 2>&1 || bail "the Sentinel with a password does not start"
knows() { rs_cli "$APORT" -a sentinel-secret-0123 --no-auth-warning sentinel get-master-addr-by-name authmaster 2> /dev/null | grep -qx "$RS_MASTER"; }
wait_until 10 knows || diag "the Sentinel with a password does not answer"
{ base; echo "redis_sentinels: \"127.0.0.1:$APORT\""; echo 'redis_master_name: authmaster'; } > "$W/noauth.yaml"
{ cat "$W/noauth.yaml"; echo 'redis_sentinel_password: "sentinel-secret-0123"'; } > "$W/auth.yaml"
scan auth auth "$S/eicar-zip.eml"
scan noauth noauth "$S/eicar-zip.eml"
if jqt auth '.[0].verdict == "infected" and .[0].cache.state == "hit"' && [ ! -s "$W/auth.err" ] &&
    jqt noauth '.[0].verdict == "infected" and .[0].cache.state == "off"' &&
    [ "$(grep -c 'cache: redis unavailable: no Sentinel named the master authmaster: .*NOAUTH' "$W/noauth.err")" -eq 1 ]; then
    ok "a Sentinel with requirepass: redis_sentinel_password gets a hit; without it the cache is off, said once (NOAUTH)"
else
    not_ok "a Sentinel with requirepass: redis_sentinel_password gets a hit; without it the cache is off, said once (NOAUTH)"
    show auth; show noauth
fi
rs_kill "$APORT" # (under another name: the three others do not count it as one of them)

conf unknown 'redis_master_name: nosuch'
scan unknown unknown "$S/eicar-zip.eml" "$S/clean.eml"
if [ "$RC" -eq 1 ] && jqt unknown '.[0].verdict == "infected" and .[1].verdict == "clean" and all(.[]; .cache.hits == 0)'; then
    ok "a master name the Sentinels do not know: the verdicts are right, no hit"
else
    not_ok "a master name the Sentinels do not know: the verdicts are right, no hit"; show unknown
fi
if [ "$(grep -c 'cache: redis unavailable: ' "$W/unknown.err")" -eq 1 ] &&
    grep -q "cache: redis unavailable: no Sentinel named the master nosuch: Sentinel 127.0.0.1:[0-9]* does not know a master named nosuch" "$W/unknown.err"; then
    ok "a master name the Sentinels do not know: said once, naming it"
else
    not_ok "a master name the Sentinels do not know: said once, naming it"; diag "$(cat "$W/unknown.err")"
fi

# replicas for reads; the replica has what the master has once it has caught up
has_keys() { [ "$(dbsize "$RS_REPLICA")" -ge "$(dbsize "$RS_MASTER")" ]; }
wait_until 10 has_keys
for how in sentinel list; do
    if [ "$how" = sentinel ]; then
        conf "replicas-$how" 'redis_master_name: mymaster' 'redis_replicas: sentinel'
    else
        conf "replicas-$how" 'redis_master_name: mymaster' "redis_replicas: \"127.0.0.1:$RS_REPLICA\""
    fi
    m0=$(mgets "$RS_MASTER")
    r0=$(mgets "$RS_REPLICA")
    scan "replicas-$how" "replicas-$how" "$S/eicar-zip.eml" "$S/eicar-zip.eml"
    m1=$(mgets "$RS_MASTER")
    r1=$(mgets "$RS_REPLICA")
    if jqt "replicas-$how" 'all(.[]; .verdict == "infected" and .cache.state == "hit")' &&
        [ "$r1" -eq $((r0 + 2)) ] && [ "$m1" -eq "$m0" ]; then
        ok "redis_replicas $how: both lookups hit, on the replica (MGETs there $r0 -> $r1, on the master $m0 -> $m1)"
    else
        not_ok "redis_replicas $how: both lookups hit, on the replica (MGETs there $r0 -> $r1, on the master $m0 -> $m1)"
        show "replicas-$how"
    fi
done
rs_pick
conf replica-down 'redis_master_name: mymaster' "redis_replicas: \"127.0.0.1:$RS_PORT\""
scan replica-down replica-down "$S/eicar-zip.eml"
if jqt replica-down '.[0].verdict == "infected" and .[0].cache.state == "hit"' &&
    [ ! -s "$W/replica-down.err" ]; then
    ok "a replica that is down: the master answers, a hit, nothing on stderr"
else
    not_ok "a replica that is down: the master answers, a hit, nothing on stderr"; show replica-down
fi

# failover in the middle of one run: the run waits on a FIFO while the master dies
OLD=$RS_MASTER
mkfifo "$W/pause.eml"
scan sentinel failover "$S/eicar-zip.eml" "$W/pause.eml" "$S/eicar-zip.eml" "$S/eicar-zip.eml" \
    "$S/clean.eml" &
SCAN_PID=$!
m0=$(mgets "$OLD")
looked() { [ "$(mgets "$OLD")" -gt "$m0" ]; }
wait_until 20 looked || diag "the run did not look up its first message on the master"
rs_kill "$OLD"
t0=$(date +%s%N)
if rs_wait_master "$OLD" 30; then
    NEW=$(rs_master)
    t1=$(date +%s%N)
    ok "SIGKILL of the master: the Sentinels promote 127.0.0.1:$NEW"
    diag "failover took $(( (t1 - t0) / 1000000 )) ms"
else
    NEW=
    not_ok "SIGKILL of the master: the Sentinels promote the replica"
    diag "$(tail -20 "$W/redis/sentinel-$RS_S1.log")"
fi
cat "$S/eicar-zip.eml" > "$W/pause.eml"
wait "$SCAN_PID"
if jqt failover 'length == 5 and ([.[] | .verdict] == ["infected", "infected", "infected", "infected", "clean"])'; then
    ok "failover: every message of the run has its verdict"
else
    not_ok "failover: every message of the run has its verdict"; show failover
fi
if jqt failover '.[0].cache.state == "hit" and .[3].cache.state == "hit"'; then
    ok "failover: hits before, and hits again on the new master in the same run"
else
    not_ok "failover: hits before, and hits again on the new master in the same run"; show failover
fi
if [ "$(grep -c 'cache: redis unavailable: ' "$W/failover.err")" -eq 1 ] &&
    grep -q "cache: redis unavailable: .*127.0.0.1:$OLD" "$W/failover.err"; then
    ok "failover: stderr says once that the cache went, naming the old master"
else
    not_ok "failover: stderr says once that the cache went, naming the old master"; diag "$(cat "$W/failover.err")"
fi
if [ "$(grep -c 'cache: redis available again' "$W/failover.err")" -eq 1 ] &&
    grep -q "cache: redis available again: master 127.0.0.1:$NEW\$" "$W/failover.err"; then
    ok "failover: and once that it is back, naming the new master 127.0.0.1:$NEW"
else
    not_ok "failover: and once that it is back, naming the new master"; diag "$(cat "$W/failover.err")"
fi
scan sentinel after "$S/eicar-zip.eml"
if jqt after '.[0].cache.state == "hit"' && [ ! -s "$W/after.err" ]; then
    ok "a new run finds the new master through the Sentinels: a hit, nothing on stderr"
else
    not_ok "a new run finds the new master through the Sentinels: a hit, nothing on stderr"; show after
fi

# READONLY: a second replica of the new master, then a manual failover to it while a
# run waits on the FIFO; the old master is then a replica answering SETs READONLY
rs_server "$OLD" --replicaof 127.0.0.1 "$NEW" > /dev/null 2>&1
RS_REPLICA=$OLD
wait_until 20 rs_in_sync || diag "the restarted server does not sync"
ready_all() { for p in $RS_SPORTS; do rs_sentinel_ready "$p" || return 1; done; }
wait_until 30 ready_all || diag "the Sentinels do not list the new replica"
printf 'Subject: readonly\nFrom: a@example.com\nTo: b@example.com\nContent-Type: text/plain\n\nA message the cache has not seen %s.\n' "$$" > "$W/fresh.eml"
rm -f "$W/pause.eml"
mkfifo "$W/pause.eml"
scan sentinel readonly "$S/clean.eml" "$W/pause.eml" "$W/fresh.eml" "$W/fresh.eml" &
SCAN_PID=$!
m0=$(mgets "$NEW")
looked() { [ "$(mgets "$NEW")" -gt "$m0" ]; }
wait_until 20 looked || diag "the run did not look up its first message on the master"
rs_cli "$RS_S1" sentinel failover "$RS_NAME" > /dev/null
demoted() { rs_moved "$NEW" && rs_cli "$NEW" role | head -1 | grep -qx slave; }
wait_until 30 demoted || diag "the manual failover did not happen: $(rs_cli "$NEW" role | head -1)"
NEWER=$(rs_master)
cat "$W/fresh.eml" > "$W/pause.eml"
wait "$SCAN_PID"
if jqt readonly 'length == 4 and all(.[]; .verdict == "clean") and .[3].cache.state == "hit"'; then
    ok "manual failover: every message clean, and the last one a hit on 127.0.0.1:$NEWER"
else
    not_ok "manual failover: every message clean, and the last one a hit on the new master"; show readonly
fi
if grep -Eq "cache: redis unavailable: (ROLE: 127.0.0.1:$NEW is a slave and not the master|SET: READONLY)" "$W/readonly.err" &&
    [ "$(grep -c 'cache: redis unavailable' "$W/readonly.err")" -eq 1 ] &&
    [ "$(grep -c "cache: redis available again: master 127.0.0.1:$NEWER\$" "$W/readonly.err")" -eq 1 ]; then
    ok "manual failover: one line that 127.0.0.1:$NEW is no longer the master, one that the cache is back on 127.0.0.1:$NEWER"
elif [ ! -s "$W/readonly.err" ] && jqt readonly '.[3].cache.state == "hit"'; then
    # the demoted master closed the connection and the Sentinels already named the
    # new one when the cache asked again: nothing failed, so nothing to say
    ok "manual failover: the Sentinels named 127.0.0.1:$NEWER before any call failed, nothing said"
else
    not_ok "manual failover: one line that the old master is no longer the master, one that the cache is back"; diag "$(cat "$W/readonly.err")"
fi

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ] && [ "$n" -eq "$PLAN" ]
