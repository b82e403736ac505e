#!/bin/sh
# service.sh - mailvetd as systemd runs it, without systemd: the sd_notify protocol
# (Type=notify) read from a unix datagram socket named by NOTIFY_SOCKET, as systemd
# reads it, and "mailvetd --reload", the unit's ExecReload=, which must fail when the
# daemon refuses the reload.
#   READY=1 comes once the milter socket listens, with STATUS= naming the generation;
#   SIGUSR1 gives RELOADING=1 then READY=1 and the next generation; --reload exits 0
#   once the new generation is live, 78 with the daemon's reason when it is refused
#   (and STATUS= then says so and why), 75 when no answer comes in time (--timeout, a
#   duration with its unit; a bare number exits 64), 69 without a daemon; SIGTERM gives
#   STOPPING=1.  Without NOTIFY_SOCKET nothing is sent.
# TAP on stdout; env: top_srcdir, top_builddir.  Needs perl (the receiver).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVETD=$top_builddir/milter/mailvetd/mailvetd

PLAN=17
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

[ -x "$MAILVETD" ] || bail "$MAILVETD not built"
command -v perl > /dev/null 2>&1 || bail "perl is required (the datagram receiver)"

work_dir service
W=$(cd "$W" && pwd -P)
# unix socket paths must fit sun_path (108 bytes)
if [ ${#W} -gt 70 ]; then
    rm -rf "$W"
    W=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-service-XXXXXX") || bail "mktemp failed"
fi

PIDS=
cleanup() {
    for p in $PIDS; do
        kill -KILL "$p" 2> /dev/null
        wait "$p" 2> /dev/null
    done
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"


# receiver NAME [MILTER-SOCKET] - start recv-dgram.pl on $W/NAME.sock writing $W/NAME.out
receiver() {
    : > "$W/$1.out"
    perl "$top_srcdir/tests/recv-dgram.pl" "$W/$1.sock" "$W/$1.out" ${2:+"$2"} 2> "$W/$1.err" &
    PIDS="$PIDS $!"
    wait_until 10 grep -q '^BOUND$' "$W/$1.out" || bail "recv-dgram.pl did not bind $W/$1.sock: $(cat "$W/$1.err")"
}
# lines FILE ERE - how many lines of FILE match
lines() { grep -c -E "$2" "$1" 2> /dev/null; }
# stop PID - SIGTERM, bounded wait, reap; RC is its exit status
stop() {
    kill -TERM "$1" 2> /dev/null
    if ! wait_until 30 gone "$1"; then
        diag "pid $1 still running 30 s after SIGTERM; killing it"
        kill -KILL "$1" 2> /dev/null
    fi
    wait "$1" 2> /dev/null
    RC=$?
}
show() { [ -f "$1" ] && sed 's/^/#   /' "$1"; }

mkdir "$W/policy"
printf 'actions:\n  suspicious: reject\n' > "$W/policy/policy.yaml"
mkdir -m 700 "$W/q"
cat > "$W/notify.yaml" << EOF
socket: unix:$W/milter.sock
user: ""
metrics_listen: ""
pid_file: $W/mailvetd.pid
database: $W/samples/sigs
policy_dir: $W/policy
reload_check_interval: 0s
tmpdir: $W
quarantine_dir: $W/q
EOF
rule() {
    cat > "$W/policy/$1.yaml" << EOF
rules:
  - id: $2
    category: suspicious
    score: 1
    match:
      subject: {regex: "^$2\$"}
EOF
}
# mailvetd refuses a policy without a rule: the first generation has one
rule zero ZERO

# --- Type=notify ---------------------------------------------------------------
receiver notify "$W/milter.sock"
env -u JOURNAL_STREAM NOTIFY_SOCKET="$W/notify.sock" \
    "$MAILVETD" -c "$W/notify.yaml" -f > "$W/notify-daemon.log" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
N=$W/notify.out
wait_until 30 grep -q '^READY=1' "$N"
if grep -q '^READY=1' "$N" && wait_until 5 grep -q 'LISTENING' "$N" && grep -q '^LISTENING$' "$N"; then
    ok "READY=1 arrives, and the milter socket takes connections by then"
else
    not_ok "READY=1 arrives, and the milter socket takes connections by then"
    show "$N"
    show "$W/notify-daemon.log"
fi
if grep -q '^READY=1|STATUS=generation 1: 1 signature, 1 rule; 0 messages in flight$' "$N"; then
    ok "its STATUS= names generation 1, its signatures and rules, and the messages in flight"
else
    not_ok "its STATUS= names generation 1, its signatures and rules, and the messages in flight"
    show "$N"
fi

# SIGUSR1 with a new rule: RELOADING=1, then READY=1 with generation 2
rule one ONE
kill -USR1 "$pid"
wait_until 30 grep -q 'STATUS=generation 2' "$N"
got=$(grep -E '^(RELOADING|READY)=1' "$N" | sed 's/|.*//' | tr '\n' ' ')
if [ "$got" = "READY=1 RELOADING=1 READY=1 " ] &&
    grep -q '^RELOADING=1|MONOTONIC_USEC=[0-9][0-9]*|STATUS=reloading' "$N" &&
    grep -q '^READY=1|STATUS=generation 2: 1 signature, 2 rules; ' "$N"; then
    ok "SIGUSR1: RELOADING=1 (with MONOTONIC_USEC), then READY=1 with generation 2 and its rule"
else
    not_ok "SIGUSR1: RELOADING=1 (with MONOTONIC_USEC), then READY=1 with generation 2 and its rule"
    diag "notifications: $got"
    show "$N"
fi

# --reload, the unit's ExecReload=: exit 0 once the new generation is live
rule two TWO
"$MAILVETD" -c "$W/notify.yaml" --reload > "$W/reload-good.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q 'reload done, now generation 3: 1 signature, 3 rules' "$W/reload-good.out"; then
    ok "mailvetd --reload after a good change: exit 0, \"reload done, now generation 3 ...\""
else
    not_ok "mailvetd --reload after a good change: exit 0, \"reload done, now generation 3 ...\""
    diag "exit $rc"
    show "$W/reload-good.out"
fi
# the daemon said so before the command returned, not later
if grep -q '^READY=1|STATUS=generation 3: ' "$N" &&
    [ "$(lines "$N" '^RELOADING=1')" -eq 2 ]; then
    ok "the daemon sent RELOADING=1 and READY=1 with generation 3 before --reload returned"
else
    not_ok "the daemon sent RELOADING=1 and READY=1 with generation 3 before --reload returned"
    show "$N"
fi

# a broken policy file: the reload is refused, and --reload fails with the reason
printf 'rules:\n  - id: BROKEN\n    bogus: 1\n' > "$W/policy/broken.yaml"
"$MAILVETD" -c "$W/notify.yaml" --reload > "$W/reload-bad.out" 2>&1
rc=$?
if [ $rc -eq 78 ] &&
    grep -q "reload refused, generation 3 keeps serving: $W/policy/broken.yaml:[0-9]*: " \
        "$W/reload-bad.out"; then
    ok "a broken policy file: --reload exits 78 with the daemon's reason naming file and line"
else
    not_ok "a broken policy file: --reload exits 78 with the daemon's reason naming file and line"
    diag "exit $rc"
    show "$W/reload-bad.out"
fi
if grep '^READY=1' "$N" | tail -n 1 | grep -q "^READY=1|STATUS=generation 3: .*; reload refused at [0-9:]*: $W/policy/broken.yaml:[0-9]*: "; then
    ok "after the refused reload STATUS= says generation 3 serves, the reload was refused, and why"
else
    not_ok "after the refused reload STATUS= says generation 3 serves, the reload was refused, and why"
    show "$N"
fi
if ! gone "$pid" && perl -MIO::Socket::UNIX -e 'exit(IO::Socket::UNIX->new(Peer => $ARGV[0]) ? 0 : 1)' \
    "$W/milter.sock"; then
    ok "the daemon keeps running and answering after the refused reload"
else
    not_ok "the daemon keeps running and answering after the refused reload"
    show "$W/notify-daemon.log"
fi

# the same command as systemd runs it: $MAINPID, stderr the journal's stream
: > "$W/journal.err"
env MAINPID="$pid" JOURNAL_STREAM="$(stat -c '%d:%i' "$W/journal.err")" \
    "$MAILVETD" -c "$W/notify.yaml" --reload 2>> "$W/journal.err"
rc=$?
if [ $rc -eq 78 ] && [ "$(wc -l < "$W/journal.err")" -eq 1 ] &&
    grep -q '^<3>error: reload refused, generation 3 keeps serving: ' "$W/journal.err"; then
    ok "under the journal (\$MAINPID, JOURNAL_STREAM): exit 78, one line with <3> and no timestamp"
else
    not_ok "under the journal (\$MAINPID, JOURNAL_STREAM): exit 78, one line with <3> and no timestamp"
    diag "exit $rc"
    show "$W/journal.err"
fi

# fixed: the next --reload succeeds again and STATUS= forgets the refusal
rm "$W/policy/broken.yaml"
"$MAILVETD" -c "$W/notify.yaml" --reload > "$W/reload-fixed.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep '^READY=1' "$N" | tail -n 1 | grep -q '^READY=1|STATUS=generation 4: 1 signature, 3 rules; [0-9]* messages\{0,1\} in flight$'; then
    ok "once fixed, --reload exits 0 and STATUS= shows generation 4 without the refusal"
else
    not_ok "once fixed, --reload exits 0 and STATUS= shows generation 4 without the refusal"
    diag "exit $rc"
    show "$W/reload-fixed.out"
    show "$N"
fi

# --reload with no answer in time: a stopped daemon, a short --timeout
kill -STOP "$pid"
"$MAILVETD" -c "$W/notify.yaml" --reload --timeout 1s > "$W/reload-stopped.out" 2>&1
rc=$?
kill -CONT "$pid"
if [ $rc -eq 75 ] && grep -q "no answer from mailvetd pid $pid within 1 s" "$W/reload-stopped.out"; then
    ok "a daemon that does not answer: --reload gives up after --timeout, exit 75, saying so"
else
    not_ok "a daemon that does not answer: --reload gives up after --timeout, exit 75, saying so"
    diag "exit $rc"
    show "$W/reload-stopped.out"
fi
# the reload it asked for still happens: generation 5, then all is quiet
wait_until 30 grep -q 'STATUS=generation 5' "$N"
# --timeout is a duration of mailvet.yaml's grammar: a bare number is refused, asking
# for a unit, before anything is signalled
"$MAILVETD" -c "$W/notify.yaml" --reload --timeout 30 > "$W/reload-bare.out" 2>&1
rc=$?
if [ $rc -eq 64 ] && grep -q 'mailvetd: --timeout: 30: a duration needs a unit: 30s' "$W/reload-bare.out" &&
    ! grep -q 'STATUS=generation 6' "$N"; then
    ok "--timeout 30: exit 64, \"a duration needs a unit\", as in mailvet.yaml; no reload asked"
else
    not_ok "--timeout 30: exit 64, \"a duration needs a unit\", as in mailvet.yaml; no reload asked"
    diag "exit $rc"
    show "$W/reload-bare.out"
fi

stop "$pid"
if [ "$RC" -eq 0 ] && grep -q '^STOPPING=1' "$N"; then
    ok "SIGTERM: STOPPING=1, and exit 0"
else
    not_ok "SIGTERM: STOPPING=1, and exit 0"
    diag "exit $RC"
    show "$N"
fi
if [ ! -e "$W/mailvetd.status" ] && [ ! -e "$W/milter.sock" ] && [ ! -e "$W/mailvetd.pid" ]; then
    ok "at stop the status file, the socket and the pid file are removed"
else
    not_ok "at stop the status file, the socket and the pid file are removed"
    ls -la "$W" | sed 's/^/#   /'
fi
"$MAILVETD" -c "$W/notify.yaml" --reload > "$W/reload-none.out" 2>&1
rc=$?
if [ $rc -eq 69 ] && grep -q "no pid of a running mailvetd" "$W/reload-none.out"; then
    ok "--reload with no daemon running: exit 69, saying so"
else
    not_ok "--reload with no daemon running: exit 69, saying so"
    diag "exit $rc"
    show "$W/reload-none.out"
fi
printf 'socket: unix:%s/milter.sock\nbogus_key: 1\n' "$W" > "$W/badconfig.yaml"
"$MAILVETD" -c "$W/badconfig.yaml" --reload > "$W/reload-badconfig.out" 2>&1
rc=$?
if [ $rc -eq 78 ] && grep -q "reload refused: $W/badconfig.yaml does not load" "$W/reload-badconfig.out" &&
    grep -q "$W/badconfig.yaml:2: bogus_key" "$W/reload-badconfig.out"; then
    ok "--reload with a configuration that does not load: exit 78 with its file:line errors"
else
    not_ok "--reload with a configuration that does not load: exit 78 with its file:line errors"
    diag "exit $rc"
    show "$W/reload-badconfig.out"
fi

# without NOTIFY_SOCKET: no notification anywhere, the daemon runs as before
env -u NOTIFY_SOCKET -u JOURNAL_STREAM "$MAILVETD" -c "$W/notify.yaml" -f > "$W/plain.log" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
before=$(wc -l < "$N")
wait_until 30 test -S "$W/milter.sock"
kill -USR1 "$pid"
wait_until 30 grep -q 'reload: generation=2 ' "$W/plain.log"
stop "$pid"
if [ "$RC" -eq 0 ] && grep -q 'reload: generation=2 ' "$W/plain.log" &&
    [ "$(wc -l < "$N")" -eq "$before" ]; then
    ok "without NOTIFY_SOCKET: starts, reloads, stops (exit 0), and notifies nobody"
else
    not_ok "without NOTIFY_SOCKET: starts, reloads, stops (exit 0), and notifies nobody"
    diag "exit $RC"
    show "$W/plain.log"
fi

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
