#!/bin/sh
# failover.sh - end to end: a fleet of two hosts sharing a Redis that fails over.
# Two private Postfix + mailvetd pairs on loopback ("mx-a" and "mx-b": their own
# ports, queues, sinks, work directories, their own copies of the signature files)
# use one Redis through Sentinel
# (tests/redis-sentinel-lib.sh: a master, a replica and three Sentinels, real
# redis-server processes, the master judged down after 1000 ms):
#   1. A campaign burst: the same invoice (the same text and the same zip) in many
#      messages, the first sent to host A, the rest split across both hosts by four
#      clients at once.  Each mailvetd logs cache=hit|miss|partial|off per message:
#      the attachment is scanned once for the whole fleet, host B scans nothing (it
#      reads host A's reports), and every message reaches its host's sink.
#   2. Failover under load: the clients send to both hosts again; after the first
#      few messages the Redis master is killed with SIGKILL.  The clients go on
#      until both hosts have said that the cache is back, and some more.  Every
#      message is answered 250 (0 tempfailed) and delivered to the sink (0 lost);
#      each host logs one line that the cache went and one that it is back, on the
#      master the Sentinels promoted, and hits resume there.
# Counts and times are printed as TAP diagnostics.  Needs root, Postfix and
# redis-server; otherwise SKIP.  TAP on stdout.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SWAKS=${SWAKS:-swaks}
BURST=${FAILOVER_BURST:-40}
CLIENTS=4 # two per host

. "$top_srcdir/tests/e2e/postfix-lib.sh"

if reason=$(pf_cannot_run); then
    echo "1..0 # SKIP $reason"
    exit 0
fi
for tool in redis-server redis-cli python3; do
    if ! command -v "$tool" > /dev/null 2>&1; then
        echo "1..0 # SKIP $tool not installed (Debian packages redis-server, python3)"
        exit 0
    fi
done

MAILVETD=$top_builddir/milter/mailvetd/mailvetd
PLAN=11
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/redis-sentinel-lib.sh"

HOST_VARS="PF_WORK PF_CONF PF_QUEUE PF_DATA PF_LOG PF_SINKDIR PF_SMTP_PORT PF_SINK_PORT
PF_REINJECT_PORT PF_SINK_PID PF_STARTED MV_PID"
# host_save X / host_use X - the postfix-lib.sh variables of host X kept and restored
host_save() { for _v in $HOST_VARS; do eval "${1}_$_v=\${$_v:-}"; done; }
host_use() { for _v in $HOST_VARS; do eval "$_v=\${${1}_$_v:-}"; done; }

CLIENT_PIDS=
HOSTS=
finish() {
    for _p in $CLIENT_PIDS; do kill "$_p" 2> /dev/null; done
    for _p in $CLIENT_PIDS; do wait "$_p" 2> /dev/null; done
    for _h in $HOSTS; do
        host_use "$_h"
        pf_mailvetd_stop
        pf_stop_all
        host_save "$_h"
    done
    if [ "$failed" -gt 0 ] || [ "$n" -ne "$PLAN" ]; then
        for _h in $HOSTS; do
            host_use "$_h"
            echo "# ===== host $_h"
            pf_diag "$PF_WORK/mailvetd.log" "$PF_LOG"
        done
        pf_diag "$RS_DIR"/sentinel-*.log
    fi
    rs_stop
    for _h in $HOSTS; do
        host_use "$_h"
        pf_cleanup
    done
}
trap finish EXIT
trap 'exit 1' INT TERM HUP PIPE

# --- Redis with Sentinels, then the two hosts -----------------------------------------
pf_init "$top_builddir/tests/work" || bail "pf_init failed"
HOSTS=A
host_save A
rs_start "$PF_WORK/redis" > "$PF_WORK/rs.out" 2>&1 ||
    bail "Redis with Sentinels does not start: $(cat "$PF_WORK/rs.out")"
diag "Redis master 127.0.0.1:$RS_MASTER, replica 127.0.0.1:$RS_REPLICA, Sentinels $RS_SENTINELS"
SHARED=$PF_WORK
sh "$top_srcdir/tests/samples/make-samples.sh" "$SHARED/samples" > "$SHARED/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$SHARED/samples.out")"

# the campaign: one invoice, the same text and zip in every message; only the
# Subject and Message-ID (the token the sinks are counted by) differ
M=$SHARED/msgs
mkdir -p "$M"
python3 - "$M/invoice.zip" << 'EOF' || bail "cannot make the campaign's zip"
import random, sys, zipfile
rnd = random.Random(42)
rows = "\n".join(" ".join("%08x" % rnd.getrandbits(32) for _ in range(8)) for _ in range(4000))
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("ledger.txt", (2024, 1, 1, 0, 0, 0)), rows)
EOF
base64 "$M/invoice.zip" > "$M/invoice.b64"
# make_msg TOKEN - $M/TOKEN.eml
make_msg() {
    {
        printf 'From: billing@example.net\nTo: %s@example.com\nSubject: fleet %s\n' "$1" "$1"
        printf 'Message-ID: <%s@example.net>\nMIME-Version: 1.0\n' "$1"
        printf 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\n'
        printf 'Dear customer, please find the invoice attached.\n--B\n'
        printf 'Content-Type: application/zip; name=invoice.zip\nContent-Transfer-Encoding: base64\n\n'
        cat "$M/invoice.b64"
        printf -- '--B--\n'
    } > "$M/$1.eml"
}

# start_host X NAME - the pair of host X (myhostname NAME) sharing the Sentinels
start_host() {
    mkdir -p "$PF_WORK/tmp" "$PF_WORK/quarantine"
    chmod 755 "$PF_WORK/tmp"
    # each host its own copy of the signatures, written when it starts: the same
    # files, other paths and times, as a fleet fetches them
    cp -r "$SHARED/samples/sigs" "$PF_WORK/sigs"
    cat > "$PF_WORK/mailvetd.yaml" << EOF
socket: "unix:$PF_WORK/mailvetd.sock"
socket_mode: "0666"
user: ""
metrics_listen: ""
pid_file: ""
database: "$PF_WORK/sigs"
tmpdir: "$PF_WORK/tmp"
policy_dir: ""
quarantine_dir: "$PF_WORK/quarantine"
log_clean: true
redis_sentinels: "$RS_SENTINELS"
redis_master_name: $RS_NAME
redis_timeout: 500ms
cache_secret: "one-secret-for-the-whole-fleet"
# Redis alone: this test watches the fleet's shared cache, which each host's local
# cache (on by default) would answer for before Redis
local_cache_size: 0
EOF
    pf_start_sink || bail "smtp-sink of host $1"
    pf_configure "unix:$PF_WORK/mailvetd.sock"
    sed -i "s/^myhostname = .*/myhostname = $2.example.com/" "$PF_CONF/main.cf"
    pf_mailvetd_start || bail "mailvetd of host $1 did not start: $(tail -5 "$PF_WORK/mailvetd.log")"
    pf_start || bail "Postfix of host $1"
    host_save "$1"
}
start_host A mx-a
pf_init "$top_builddir/tests/work" || bail "pf_init failed"
HOSTS="A B"
start_host B mx-b
diag "host A: smtpd 127.0.0.1:$A_PF_SMTP_PORT, sink $A_PF_SINK_PORT; host B: smtpd 127.0.0.1:$B_PF_SMTP_PORT, sink $B_PF_SINK_PORT"

# send HOST TOKEN - the message TOKEN to HOST's smtpd: "TOKEN HOST 250|other"
send() {
    eval "_port=\$${1}_PF_SMTP_PORT"
    _out=$("$SWAKS" --server 127.0.0.1 --port "$_port" --from billing@example.net \
        --to "$2@example.com" --data "$M/$2.eml" --timeout 60 2>&1)
    if printf '%s\n' "$_out" | grep -q '^<- *250 .*queued as'; then
        echo "$2 $1 250"
    else
        echo "$2 $1 other"
        printf '%s\n' "$_out" > "$SHARED/swaks-$2.out"
    fi
}
# verdict lines of host X's mailvetd; cache_lines X STATE - those with cache=STATE
log_of() { eval "echo \$${1}_PF_WORK/mailvetd.log"; }
verdict_lines() { grep -c ': verdict=' "$(log_of "$1")"; }
cache_lines() { grep -c ": verdict=.* cache=$2 " "$(log_of "$1")"; }
# delivered PREFIX - messages whose token starts with PREFIX in the two sinks
delivered() {
    cat "$A_PF_SINKDIR"/msg.* "$B_PF_SINKDIR"/msg.* 2> /dev/null |
        grep -c "^Subject: fleet $1"
}
wait_delivered() { [ "$(delivered "$1")" -ge "$2" ]; }

# --- 1. the campaign burst ------------------------------------------------------------
i=0
while [ $i -lt "$BURST" ]; do
    i=$((i + 1))
    make_msg "$(printf 'burst-%03d' $i)"
done
send A burst-001 > "$SHARED/sent.burst.0"
# client K HOST PREFIX FIRST STEP - every STEP-th message from FIRST on, to HOST
client() {
    _i=$4
    while [ "$_i" -le "$BURST" ]; do
        send "$2" "$(printf '%s-%03d' "$3" "$_i")"
        _i=$((_i + $5))
    done > "$SHARED/sent.$3.$1"
}
client 1 A burst 2 4 &
CLIENT_PIDS="$!"
client 2 B burst 3 4 &
CLIENT_PIDS="$CLIENT_PIDS $!"
client 3 A burst 4 4 &
CLIENT_PIDS="$CLIENT_PIDS $!"
client 4 B burst 5 4 &
CLIENT_PIDS="$CLIENT_PIDS $!"
for p in $CLIENT_PIDS; do wait "$p"; done
CLIENT_PIDS=
cat "$SHARED"/sent.burst.* > "$SHARED/sent.burst"
pf_wait_until 60 wait_delivered burst- "$BURST"
a_n=$(verdict_lines A)
b_n=$(verdict_lines B)
a_hit=$(cache_lines A hit)
b_hit=$(cache_lines B hit)
scans=$((a_n - a_hit + b_n - b_hit))
diag "burst: $BURST messages; host A answered $a_n ($a_hit hits), host B $b_n ($b_hit hits)"
diag "burst: the attachment was scanned $scans time(s) for the fleet; fleet hit rate $((a_hit + b_hit))/$((a_n + b_n)) messages"
check "burst: every message answered 250 and delivered to a sink ($(grep -c ' 250$' "$SHARED/sent.burst") answered, $(delivered burst-) delivered, of $BURST)" \
    test "$(grep -c ' 250$' "$SHARED/sent.burst")" -eq "$BURST" -a "$(delivered burst-)" -eq "$BURST"
check "burst: each host answered its share ($a_n + $b_n = $BURST, both > 0)" \
    test $((a_n + b_n)) -eq "$BURST" -a "$a_n" -gt 0 -a "$b_n" -gt 0
check "burst: the attachment was scanned once for the whole fleet ($scans)" test "$scans" -eq 1
check "burst: host B scanned nothing: all $b_n of its messages were hits on host A's reports ($b_hit)" \
    test "$b_hit" -eq "$b_n"

# --- 2. the Redis master killed under load ---------------------------------------------
OLD=$(rs_master)
STOP=$SHARED/stop
# runner K HOST - messages fail-K-NNN to HOST until $STOP exists (400 at most)
runner() {
    _i=0
    while [ ! -f "$STOP" ] && [ $_i -lt 400 ]; do
        _i=$((_i + 1))
        _tok=$(printf 'fail-%s-%03d' "$1" $_i)
        make_msg "$_tok"
        send "$2" "$_tok"
    done > "$SHARED/sent.fail.$1"
}
a0=$(verdict_lines A)
b0=$(verdict_lines B)
runner 1 A &
CLIENT_PIDS="$!"
runner 2 B &
CLIENT_PIDS="$CLIENT_PIDS $!"
runner 3 A &
CLIENT_PIDS="$CLIENT_PIDS $!"
runner 4 B &
CLIENT_PIDS="$CLIENT_PIDS $!"
busy() { [ "$(verdict_lines A)" -ge $((a0 + 10)) ] && [ "$(verdict_lines B)" -ge $((b0 + 10)) ]; }
pf_wait_until 60 busy || bail "the hosts answered only $(($(verdict_lines A) - a0)) and $(($(verdict_lines B) - b0)) messages in 60 s"
a_kill=$(verdict_lines A)
b_kill=$(verdict_lines B)
rs_kill "$OLD"
t0=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - t0) / 1000000 )); }
promoted_ms=
a_back_ms=
b_back_ms=
back_re="cache: redis available again: master "
# until both hosts are back (60 s at most: a hang guard, not a measure)
while [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 60 ]; do
    [ -n "$promoted_ms" ] || ! rs_moved "$OLD" || promoted_ms=$(ms_since)
    [ -n "$a_back_ms" ] || ! grep -q "$back_re" "$A_PF_WORK/mailvetd.log" || a_back_ms=$(ms_since)
    [ -n "$b_back_ms" ] || ! grep -q "$back_re" "$B_PF_WORK/mailvetd.log" || b_back_ms=$(ms_since)
    [ -n "$promoted_ms" ] && [ -n "$a_back_ms" ] && [ -n "$b_back_ms" ] && break
    sleep 0.1
done
NEW=$(rs_master)
# a little more traffic on the new master, then stop the clients
a_back=$(verdict_lines A)
b_back=$(verdict_lines B)
more() { [ "$(verdict_lines A)" -ge $((a_back + 10)) ] && [ "$(verdict_lines B)" -ge $((b_back + 10)) ]; }
pf_wait_until 60 more
touch "$STOP"
for p in $CLIENT_PIDS; do wait "$p"; done
CLIENT_PIDS=
cat "$SHARED"/sent.fail.* > "$SHARED/sent.fail"
sent=$(wc -l < "$SHARED/sent.fail")
answered=$(grep -c ' 250$' "$SHARED/sent.fail")
pf_wait_until 60 wait_delivered fail- "$sent"
got=$(delivered fail-)

diag "failover: the master 127.0.0.1:$OLD killed after host A answered $((a_kill - a0)) and host B $((b_kill - b0)) messages of this run"
diag "failover: the Sentinels promoted 127.0.0.1:$NEW after ${promoted_ms:-?} ms; the cache was back on host A after ${a_back_ms:-?} ms, on host B after ${b_back_ms:-?} ms"
diag "failover: $sent messages sent, $answered answered 250, $((sent - answered)) tempfailed or refused, $got delivered, $((sent - got)) lost"
check "failover: the Sentinels promoted the replica (127.0.0.1:$OLD -> 127.0.0.1:$NEW)" \
    test -n "$promoted_ms" -a -n "$NEW" -a "$NEW" != "$OLD"
check "failover: every message answered 250 by its host: 0 tempfailed ($answered of $sent)" \
    test "$answered" -eq "$sent" -a "$sent" -gt 0
check "failover: every message delivered to its host's sink: 0 lost ($got of $sent)" test "$got" -eq "$sent"
for h in A B; do
    log=$(log_of "$h")
    down=$(grep -c 'cache: redis unavailable: ' "$log")
    up=$(grep -c 'cache: redis available again' "$log")
    if [ "$down" -eq 1 ] && [ "$up" -eq 1 ] && grep -q "${back_re}127.0.0.1:$NEW\$" "$log"; then
        ok "host $h: one line that the cache went, one that it is back on 127.0.0.1:$NEW"
    else
        not_ok "host $h: one line that the cache went, one that it is back on the new master ($down, $up)"
    fi
    diag "host $h: $(grep 'cache: redis' "$log" | sed 's/^[^ ]* //' | tr '\n' '|')"
done
# hits after each host's "back" line: the new master had the replicated reports
hits_after() { awk -v re="$back_re" 'index($0, re) { on = 1 } on && / cache=hit / { n++ } END { print n + 0 }' "$(log_of "$1")"; }
a_after=$(hits_after A)
b_after=$(hits_after B)
check "failover: hits resume on the new master on both hosts (A $a_after, B $b_after)" \
    test "$a_after" -gt 0 -a "$b_after" -gt 0
tf=$(cat "$A_PF_LOG" "$B_PF_LOG" | grep -c -E 'milter-reject: .* 4[0-9][0-9] |status=deferred')
check "failover: neither Postfix logged a milter tempfail or a deferral ($tf)" test "$tf" -eq 0
[ "$tf" -eq 0 ] || pf_deferrals "$A_PF_LOG" "$B_PF_LOG"

[ "$failed" -eq 0 ] && [ "$n" -eq "$PLAN" ]
