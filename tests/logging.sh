#!/bin/sh
# logging.sh - where mailvetd's log lines go, read without a syslog daemon: the
# syslog sink's lines through the MAILVET_SYSLOG_SOCKET test hook (a unix datagram
# socket, read as /dev/log would be), stderr from a file.
#   -f under the journal (JOURNAL_STREAM names stderr): syslog, with facility mail and
#   each line's priority, "mailvetd[PID]: warning: ...", and nothing on stderr;
#   detached (no -f): syslog with log_facility, and a refusal before detaching on
#   stderr too; -f with stderr to a file: timestamped lines there, nothing to syslog.
# TAP on stdout; env: top_srcdir, top_builddir.  Needs perl (the receiver).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVETD=$top_builddir/milter/mailvetd/mailvetd

PLAN=8
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

[ -x "$MAILVETD" ] || bail "$MAILVETD not built"
command -v perl > /dev/null 2>&1 || bail "perl is required (the datagram receiver)"

work_dir logging
W=$(cd "$W" && pwd -P)
# unix socket paths must fit sun_path (108 bytes)
if [ ${#W} -gt 70 ]; then
    rm -rf "$W"
    W=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-logging-XXXXXX") || bail "mktemp failed"
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

# receiver NAME - start recv-dgram.pl on $W/NAME.sock writing $W/NAME.out
receiver() {
    : > "$W/$1.out"
    perl "$top_srcdir/tests/recv-dgram.pl" "$W/$1.sock" "$W/$1.out" 2> "$W/$1.err" &
    PIDS="$PIDS $!"
    wait_until 10 grep -q '^BOUND$' "$W/$1.out" || bail "recv-dgram.pl did not bind $W/$1.sock: $(cat "$W/$1.err")"
}
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

# A quarantine_dir open to others makes a warning at start (daemon.sh checks its text).
mkdir -m 755 "$W/q-open"
cat > "$W/log.yaml" << EOF
socket: unix:$W/milter.sock
user: ""
metrics_listen: ""
pid_file: $W/mailvetd.pid
database: $W/samples/sigs
policy_dir: ""
tmpdir: $W
quarantine_dir: $W/q-open
EOF
receiver syslog
S=$W/syslog.out

# -f under the journal: syslog, with the facility (mail) and the priority, not stderr
: > "$W/fj.err"
env MAILVET_SYSLOG_SOCKET="$W/syslog.sock" JOURNAL_STREAM="$(stat -c '%d:%i' "$W/fj.err")" \
    "$MAILVETD" -c "$W/log.yaml" -f > "$W/fj.out" 2>> "$W/fj.err" &
pid=$!
PIDS="$PIDS $pid"
wait_until 30 grep -q 'ready: socket=' "$S"
stop "$pid"
# <20> = mail (2) * 8 + warning (4); <22> = mail * 8 + info (6)
if grep -q "^<20>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* mailvetd\[$pid\]: warning: quarantine_dir unusable" "$S"; then
    ok "-f under the journal: a warning goes to syslog as <20> (mail.warning), \"mailvetd[PID]: warning: ...\""
else
    not_ok "-f under the journal: a warning goes to syslog as <20> (mail.warning), \"mailvetd[PID]: warning: ...\""
    show "$S"
fi
if grep -q "^<22>.* mailvetd\[$pid\]: ready: socket=unix:$W/milter.sock " "$S" &&
    grep -q "^<22>.* mailvetd\[$pid\]: stopped$" "$S"; then
    ok "-f under the journal: info lines go to syslog as <22> (mail.info)"
else
    not_ok "-f under the journal: info lines go to syslog as <22> (mail.info)"
    show "$S"
fi
if [ ! -s "$W/fj.err" ] && [ ! -s "$W/fj.out" ]; then
    ok "-f under the journal: nothing on stderr or stdout (no line twice in the journal)"
else
    not_ok "-f under the journal: nothing on stderr or stdout (no line twice in the journal)"
    show "$W/fj.err"
fi

# without -f, detached, log_facility: local3 (19): <155> error, <156> warning, <158> info
printf 'log_facility: local3\n' >> "$W/log.yaml"
env -u JOURNAL_STREAM MAILVET_SYSLOG_SOCKET="$W/syslog.sock" \
    "$MAILVETD" -c "$W/log.yaml" > "$W/bg.out" 2> "$W/bg.err" < /dev/null
rc=$?
wait_until 30 grep -q '^<158>.*ready: socket=' "$S"
dpid=$(cat "$W/mailvetd.pid" 2> /dev/null)
if [ $rc -eq 0 ] && [ -n "$dpid" ] &&
    grep -q "^<158>.* mailvetd\[$dpid\]: ready: socket=unix:$W/milter.sock " "$S"; then
    ok "detached (no -f): the daemon's lines go to syslog with log_facility local3 (<158> info)"
else
    not_ok "detached (no -f): the daemon's lines go to syslog with log_facility local3 (<158> info)"
    diag "exit $rc, pid file: $dpid"
    show "$S"
    show "$W/bg.err"
fi
if grep -q "^<156>.* mailvetd\[$dpid\]: warning: quarantine_dir unusable" "$S"; then
    ok "detached: a warning goes to syslog as <156> (local3.warning)"
else
    not_ok "detached: a warning goes to syslog as <156> (local3.warning)"
    show "$S"
fi
# a second one, by mistake, before it detaches: the refusal on stderr and in syslog
env -u JOURNAL_STREAM MAILVET_SYSLOG_SOCKET="$W/syslog.sock" \
    "$MAILVETD" -c "$W/log.yaml" > "$W/bg2.out" 2> "$W/bg2.err" < /dev/null
rc=$?
want="socket: unix socket $W/milter.sock is in use by a running mailvetd (pid $dpid); stop it first"
if [ $rc -eq 69 ] && grep -q "error: $W/log.yaml: $want" "$W/bg2.err" &&
    grep -q "^<155>.* mailvetd\[[0-9]*\]: error: $W/log.yaml: $want" "$S"; then
    ok "a second one refused before detaching: exit 69, the line on stderr and in syslog (<155>)"
else
    not_ok "a second one refused before detaching: exit 69, the line on stderr and in syslog (<155>)"
    diag "exit $rc"
    show "$W/bg2.err"
    show "$S"
fi
if [ -n "$dpid" ]; then
    kill -TERM "$dpid"
    wait_until 30 gone "$dpid"
fi
if wait_until 10 grep -q "^<158>.* mailvetd\[$dpid\]: stopped$" "$S"; then
    ok "detached: SIGTERM, and \"stopped\" reaches syslog"
else
    not_ok "detached: SIGTERM, and \"stopped\" reaches syslog"
    show "$S"
fi

# -f with stderr to a file (not the journal): stderr, timestamped, and no syslog
cp "$S" "$S.before"
env -u JOURNAL_STREAM MAILVET_SYSLOG_SOCKET="$W/syslog.sock" \
    "$MAILVETD" -c "$W/log.yaml" -f > "$W/ff.out" 2> "$W/ff.err" &
pid=$!
PIDS="$PIDS $pid"
wait_until 30 grep -q 'ready: socket=' "$W/ff.err"
stop "$pid"
if grep -q "^[0-9-]*T[0-9:]* mailvetd\[$pid\]: warning: quarantine_dir unusable" "$W/ff.err" &&
    grep -q "^[0-9-]*T[0-9:]* mailvetd\[$pid\]: stopped$" "$W/ff.err" &&
    cmp -s "$S" "$S.before"; then
    ok "-f with stderr to a file: timestamped lines on stderr, none to syslog"
else
    not_ok "-f with stderr to a file: timestamped lines on stderr, none to syslog"
    show "$W/ff.err"
    diff "$S.before" "$S" | sed 's/^/#   /'
fi

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
