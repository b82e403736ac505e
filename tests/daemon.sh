#!/bin/sh
# daemon.sh - mailvetd as an administrator meets it: config validation with
# -n, refusing to start without signatures (fail-closed.sh has every refusal),
# the warning of policy_dir: "", the socket and pid file it creates, SIGTERM,
# dropping privileges to the configured user, and the owner and mode of what it
# makes (socket, quarantine_dir) or refuses (a quarantine_dir open to others).
# One socket, one daemon: a second mailvetd started by mistake on a socket a live
# one answers refuses and leaves it alone, a socket left by a killed one is
# replaced, and a daemon whose socket was replaced does not remove the new one
# when it stops.
# TAP on stdout; run by "make check" (env: top_srcdir, top_builddir).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVETD=$top_builddir/milter/mailvetd/mailvetd

PLAN=32
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"
diag_file() { [ -f "$1" ] && sed 's/^/#   /' "$1"; }

[ -x "$MAILVETD" ] || bail "$MAILVETD not built"

mkdir -p "$top_builddir/tests/work" || bail "cannot make tests/work"
W=$(mktemp -d "$top_builddir/tests/work/daemon-XXXXXX") || bail "mktemp failed"
W=$(cd "$W" && pwd -P)
# Readable by an unprivileged user (the privilege-drop case reads the sigs).
chmod 755 "$W"
# Sockets live in $W: keep their paths within sun_path (108 bytes); and user
# nobody must reach $W (a clone under /root is not reachable): else use /tmp.
if [ ${#W} -gt 80 ] || { [ "$(id -u)" = 0 ] &&
    ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$W" 2>/dev/null; }; then
    rmdir "$W"
    W=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-daemon-XXXXXX") || bail "mktemp failed"
    chmod 755 "$W"
fi

PIDS=
cleanup() {
    trap '' PIPE
    for p in $PIDS; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"
chmod -R a+rX "$W/samples"
SIGS=$W/samples/sigs

# ready SOCK PID - socket exists, or the daemon already died.
ready() { [ -S "$1" ] || gone "$2"; }
# answers SOCK - something accepts a connection on the unix socket SOCK.
answers() {
    perl -MIO::Socket::UNIX -e 'exit(IO::Socket::UNIX->new(Peer => $ARGV[0]) ? 0 : 1)' "$1"
}
# stop PID - SIGTERM, bounded wait, reap; sets RC to the exit status.
stop() {
    kill -TERM "$1" 2>/dev/null
    if ! wait_until 30 gone "$1"; then
        diag "pid $1 still running 30 s after SIGTERM; killing it"
        kill -KILL "$1" 2>/dev/null
    fi
    wait "$1" 2>/dev/null
    RC=$?
}

# --- -V --------------------------------------------------------------------
want_version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
out=$("$MAILVETD" -V 2>&1)
rc=$?
case $out in
*"$want_version"*)
    if [ $rc -eq 0 ]; then ok "mailvetd -V prints version $want_version, exit 0"
    else not_ok "mailvetd -V exits 0"; diag "exit $rc"; fi ;;
*) not_ok "mailvetd -V prints version $want_version"; diag "got (exit $rc): $out" ;;
esac

# --- -n: configuration check -----------------------------------------------
cat > "$W/good.yaml" <<EOF
socket: unix:$W/good.sock
socket_mode: "0660"
user: ""
metrics_listen: ""
pid_file: $W/good.pid
database: $SIGS
policy_dir: ""
tmpdir: $W
quarantine_dir: $W/q-open
on_error: tempfail
add_header: true
max_scan_time: 120s
EOF
out=$("$MAILVETD" -n -c "$W/good.yaml" 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
    ok "mailvetd -n accepts a good config (exit 0)"
else
    not_ok "mailvetd -n accepts a good config (exit 0)"
    diag "exit $rc: $out"
fi
if [ ! -e "$W/good.sock" ] && [ ! -e "$W/good.pid" ]; then
    ok "mailvetd -n creates neither socket nor pid file"
else
    not_ok "mailvetd -n creates neither socket nor pid file"
fi

# Line 4 holds the misspelt key "databse".
cat > "$W/unknown.yaml" <<EOF
socket: unix:$W/unknown.sock
socket_mode: "0660"
# signatures
databse: $SIGS
EOF
out=$("$MAILVETD" -n -c "$W/unknown.yaml" 2>&1)
rc=$?
if [ $rc -eq 78 ]; then
    ok "mailvetd -n on an unknown key exits 78 (EX_CONFIG)"
else
    not_ok "mailvetd -n on an unknown key exits 78 (EX_CONFIG)"
    diag "exit $rc"
fi
case $out in
*"$W/unknown.yaml:4: databse:"*)
    ok "the error names file:line and the key ($W/unknown.yaml:4: databse:)" ;;
*) not_ok "the error names file:line and the key"
   diag "want '$W/unknown.yaml:4: databse: ...', got: $out" ;;
esac
case $out in
*"did you mean"*database*) ok "the error suggests the nearest key (database)" ;;
*) not_ok "the error suggests the nearest key (database)"; diag "got: $out" ;;
esac

# A bad value: on_error takes tempfail or accept.  Line 3.
cat > "$W/badvalue.yaml" <<EOF
socket: unix:$W/badvalue.sock
database: $SIGS
on_error: sometimes
EOF
out=$("$MAILVETD" -n -c "$W/badvalue.yaml" 2>&1)
rc=$?
case $rc:$out in
78:*"$W/badvalue.yaml:3: on_error:"*)
    ok "a bad on_error value: exit 78, $W/badvalue.yaml:3: on_error: ..." ;;
*) not_ok "a bad on_error value: exit 78 naming file:3 and on_error"
   diag "exit $rc: $out" ;;
esac

out=$("$MAILVETD" -n -c "$W/no-such.yaml" 2>&1)
rc=$?
case $rc:$out in
0:*) not_ok "a missing config file is an error"; diag "exit 0: $out" ;;
*"$W/no-such.yaml"*) ok "a missing config file is an error naming the file (exit $rc)" ;;
*) not_ok "a missing config file is an error naming the file"; diag "exit $rc: $out" ;;
esac

# --- a missing signature database ------------------------------------------
cat > "$W/nodb.yaml" <<EOF
socket: unix:$W/nodb.sock
socket_mode: "0660"
user: ""
pid_file: $W/nodb.pid
database: $W/no-such-sigs
policy_dir: ""
EOF
# It must exit on its own; timeout only bounds a daemon that wrongly stays up.
timeout 60 "$MAILVETD" -c "$W/nodb.yaml" -f > "$W/nodb.log" 2>&1
rc=$?
case $rc in
0) not_ok "without its signature database mailvetd refuses to start"
   diag "exit 0" ;;
124) not_ok "without its signature database mailvetd refuses to start"
     diag "still running after 60 s" ;;
*) ok "without its signature database mailvetd refuses to start (exit $rc)" ;;
esac
if grep -q -F "$W/no-such-sigs" "$W/nodb.log"; then
    ok "the refusal names the missing directory"
else
    not_ok "the refusal names the missing directory $W/no-such-sigs"
    diag_file "$W/nodb.log"
fi
if [ ! -e "$W/nodb.sock" ] && [ ! -e "$W/nodb.pid" ]; then
    ok "a daemon that refused to start left no socket and no pid file"
else
    not_ok "a daemon that refused to start left no socket and no pid file"
    ls -l "$W" | sed 's/^/#   /'
fi

# --- a pid file it cannot write ---------------------------------------------
# found out only once the socket exists (the directory may be made by the service
# manager just before): one line naming the key and the fix, exit 73, no socket left
sed "s|^pid_file: .*|pid_file: $W/no-such-dir/mailvetd.pid|; s/good\.sock/nopid.sock/" \
    "$W/good.yaml" > "$W/nopid.yaml"
timeout 60 "$MAILVETD" -c "$W/nopid.yaml" -f > "$W/nopid.log" 2>&1
rc=$?
if [ "$rc" -eq 73 ] && [ ! -e "$W/nopid.sock" ] &&
    grep -q -F "error: $W/nopid.yaml: pid_file: $W/no-such-dir/mailvetd.pid: cannot write it (No such file or directory); create its directory, writable by the user that starts mailvetd, or set pid_file: to another path (\"\" for none)" "$W/nopid.log"; then
    ok "a pid_file in a missing directory: exit 73, one line naming the key and the fix, no socket left"
else
    not_ok "a pid_file in a missing directory: exit 73, one line naming the key and the fix, no socket left"
    diag "exit $rc"
    diag_file "$W/nopid.log"
    ls -l "$W" | sed 's/^/#   /'
fi

# --- root only when told ----------------------------------------------------
sed 's/^user: .*/user: root/; s/good\.sock/root.sock/; s/good\.pid/root.pid/' "$W/good.yaml" > "$W/root.yaml"
timeout 60 "$MAILVETD" -c "$W/root.yaml" -f > "$W/root.log" 2>&1
rc=$?
if [ "$rc" -eq 78 ] && grep -q "user: root is root" "$W/root.log" && [ ! -e "$W/root.sock" ]; then
    ok "user: root is refused (exit 78, no socket), the message says how to run unprivileged"
else
    not_ok "user: root is refused (exit 78, no socket), the message says how to run unprivileged"
    diag "exit $rc"; diag_file "$W/root.log"
fi

# --- start, pid file, socket mode, SIGTERM ---------------------------------
mkdir -m 755 "$W/q-open"
"$MAILVETD" -c "$W/good.yaml" -f > "$W/good.log" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
wait_until 30 ready "$W/good.sock" "$pid"
if [ -S "$W/good.sock" ] && ! gone "$pid"; then
    ok "mailvetd -f starts and listens on unix:$W/good.sock"
    mode=$(stat -c %a "$W/good.sock")
    if [ "$mode" = 660 ]; then
        ok "the socket has the configured mode 0660"
    else
        not_ok "the socket has the configured mode 0660"; diag "got $mode"
    fi
    # The pid file is written once the socket is up; allow it a moment.
    wait_until 10 test -s "$W/good.pid"
    got=$(cat "$W/good.pid" 2>/dev/null | tr -d ' \n')
    if [ "$got" = "$pid" ]; then
        ok "the pid file holds the daemon's pid ($pid)"
    else
        not_ok "the pid file holds the daemon's pid ($pid)"; diag "got '$got'"
    fi
    if grep -q "quarantine_dir unusable.*$W/q-open: mode 0755 lets group or others in.*chmod 0700" \
        "$W/good.log"; then
        ok "a quarantine_dir open to others (0755): the log says it is unusable and how to fix it"
    else
        not_ok "a quarantine_dir open to others (0755): the log says it is unusable and how to fix it"
        diag_file "$W/good.log"
    fi
    if grep -q "warning: policy_dir is \"\" in $W/good.yaml: running without rules" "$W/good.log"; then
        ok "policy_dir \"\": the log warns at start that it runs without rules"
    else
        not_ok "policy_dir \"\": the log warns at start that it runs without rules"
        diag_file "$W/good.log"
    fi
    if [ "$(id -u)" = 0 ]; then
        if grep -q 'running as root (user: "" in' "$W/good.log"; then
            ok "started as root with user \"\": the log warns that it runs as root"
        else
            not_ok "started as root with user \"\": the log warns that it runs as root"
            diag_file "$W/good.log"
        fi
    else
        skip "the root warning: not root"
    fi
    stop "$pid"
    if [ "$RC" -eq 0 ]; then
        ok "SIGTERM: mailvetd exits 0"
    else
        not_ok "SIGTERM: mailvetd exits 0"; diag "exit $RC"; diag_file "$W/good.log"
    fi
    if [ ! -e "$W/good.sock" ] && [ ! -e "$W/good.pid" ]; then
        ok "SIGTERM: socket and pid file are removed"
    else
        not_ok "SIGTERM: socket and pid file are removed"
        ls -l "$W" | sed 's/^/#   /'
    fi
else
    not_ok "mailvetd -f starts and listens on unix:$W/good.sock"
    diag_file "$W/good.log"
    for d in "socket mode" "pid file" "no-rules warning" "root warning" "SIGTERM exit" \
        "SIGTERM cleanup"; do
        not_ok "$d (daemon did not start)"
    done
fi

# --- one socket, one daemon -----------------------------------------------
sed 's/good\.sock/one.sock/; s/good\.pid/one.pid/' "$W/good.yaml" > "$W/one.yaml"
"$MAILVETD" -c "$W/one.yaml" -f > "$W/one.log" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
wait_until 30 ready "$W/one.sock" "$pid"
wait_until 10 test -s "$W/one.pid"
ino=$(stat -c %i "$W/one.sock" 2>/dev/null)
# the same configuration again, by mistake
timeout 60 "$MAILVETD" -c "$W/one.yaml" -f > "$W/second.log" 2>&1
rc=$?
want="$W/one.yaml: socket: unix socket $W/one.sock is in use by a running mailvetd (pid $pid); stop it first"
if [ $rc -eq 69 ] && grep -q -F "$want" "$W/second.log"; then
    ok "a second mailvetd on a live socket refuses: exit 69, naming the socket and the pid"
else
    not_ok "a second mailvetd on a live socket refuses: exit 69, naming the socket and the pid"
    diag "exit $rc, want: $want"; diag_file "$W/second.log"
fi
if ! gone "$pid" && [ "$(stat -c %i "$W/one.sock" 2>/dev/null)" = "$ino" ] && answers "$W/one.sock" &&
    [ "$(cat "$W/one.pid" 2>/dev/null)" = "$pid" ]; then
    ok "the first keeps running and answering on the same socket; its pid file is untouched"
else
    not_ok "the first keeps running and answering on the same socket; its pid file is untouched"
    ls -li "$W" | sed 's/^/#   /'
fi
# killed: its socket file stays, and nobody answers on it
kill -KILL "$pid"
wait "$pid" 2>/dev/null
if [ -S "$W/one.sock" ] && ! answers "$W/one.sock"; then
    "$MAILVETD" -c "$W/one.yaml" -f > "$W/after-kill.log" 2>&1 &
    pid=$!
    PIDS="$PIDS $pid"
    wait_until 30 test "$(stat -c %i "$W/one.sock" 2>/dev/null)" != "$ino"
    if ! gone "$pid" && answers "$W/one.sock"; then
        ok "a socket left by a SIGKILLed mailvetd is replaced: the next one starts and answers"
    else
        not_ok "a socket left by a SIGKILLed mailvetd is replaced: the next one starts and answers"
        diag_file "$W/after-kill.log"
    fi
    stop "$pid"
else
    not_ok "a socket left by a SIGKILLed mailvetd is replaced (no dead socket to start with)"
fi

# A daemon whose socket file was removed while it ran, and another started on the
# path, must not remove the other's socket when it stops.  libmilter itself unlinks
# whatever socket is at its path when it stops, unless it runs as root: so the first
# runs as nobody when the test is root, with the socket in a directory it may write.
sed 's/good\.sock/sockdir\/a.sock/; s/good\.pid/a.pid/' "$W/good.yaml" > "$W/a.yaml"
mkdir -m 755 "$W/sockdir"
if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
    chown nobody "$W/sockdir"
    sed -i 's/^user: .*/user: nobody/; s/^pid_file: .*/pid_file: ""/; s|^tmpdir: .*|tmpdir: /tmp|' "$W/a.yaml"
fi
"$MAILVETD" -c "$W/a.yaml" -f > "$W/a.log" 2>&1 &
apid=$!
PIDS="$PIDS $apid"
wait_until 30 ready "$W/sockdir/a.sock" "$apid"
rm -f "$W/sockdir/a.sock"
sed 's/good\.sock/sockdir\/a.sock/; s/good\.pid/b.pid/' "$W/good.yaml" > "$W/b.yaml"
"$MAILVETD" -c "$W/b.yaml" -f > "$W/b.log" 2>&1 &
bpid=$!
PIDS="$PIDS $bpid"
wait_until 30 ready "$W/sockdir/a.sock" "$bpid"
stop "$apid"
if [ "$RC" -eq 0 ] && [ -S "$W/sockdir/a.sock" ] && answers "$W/sockdir/a.sock" && ! gone "$bpid"; then
    ok "a daemon whose socket was replaced stops (exit 0) without removing the new one"
else
    not_ok "a daemon whose socket was replaced stops (exit 0) without removing the new one"
    diag "exit $RC"; diag_file "$W/a.log"; ls -la "$W/sockdir" | sed 's/^/#   /'
fi
if grep -q "$W/sockdir/a.sock: another socket took its place: left in place" "$W/a.log"; then
    ok "and it says so in its log"
else
    not_ok "and it says so in its log"; diag_file "$W/a.log"
fi
stop "$bpid"
if [ "$RC" -eq 0 ] && [ ! -e "$W/sockdir/a.sock" ] && [ ! -e "$W/b.pid" ] && [ ! -e "$W/b.status" ]; then
    ok "the second one stops and removes its own socket, pid file and status file"
else
    not_ok "the second one stops and removes its own socket, pid file and status file"
    diag "exit $RC"; ls -la "$W" "$W/sockdir" | sed 's/^/#   /'
fi
# a name that is not a socket is never replaced
: > "$W/plain-file.sock"
sed 's/good\.sock/plain-file.sock/; s/good\.pid/plain.pid/' "$W/good.yaml" > "$W/plain.yaml"
timeout 60 "$MAILVETD" -c "$W/plain.yaml" -f > "$W/plain.log" 2>&1
rc=$?
if [ $rc -eq 69 ] && [ -f "$W/plain-file.sock" ] &&
    grep -q "$W/plain-file.sock exists and is not a socket" "$W/plain.log"; then
    ok "a socket path that holds a regular file: refused (exit 69), the file left alone"
else
    not_ok "a socket path that holds a regular file: refused (exit 69), the file left alone"
    diag "exit $rc"; diag_file "$W/plain.log"
fi

# --- dropping privileges ---------------------------------------------------
if [ "$(id -u)" != 0 ]; then
    for what in "runs as the configured user" "keeps no root group" \
        "socket owned by the user" "quarantine_dir made by the user"; do
        skip "$what: not root"
    done
elif ! nobody_uid=$(id -u nobody 2>/dev/null); then
    for what in "runs as the configured user" "keeps no root group" \
        "socket owned by the user" "quarantine_dir made by the user"; do
        skip "$what: no user nobody"
    done
else
    nobody_gid=$(id -g nobody)
    # a spool directory the user owns, as a package would make it; quarantine/
    # below it does not exist yet
    mkdir -m 755 "$W/spool"
    chown nobody "$W/spool"
    cat > "$W/nobody.yaml" <<EOF
socket: unix:$W/nobody.sock
socket_mode: "0666"
user: nobody
metrics_listen: ""
pid_file: ""
database: $SIGS
policy_dir: ""
tmpdir: /tmp
quarantine_dir: $W/spool/quarantine
EOF
    "$MAILVETD" -c "$W/nobody.yaml" -f > "$W/nobody.log" 2>&1 &
    pid=$!
    PIDS="$PIDS $pid"
    wait_until 30 ready "$W/nobody.sock" "$pid"
    if [ -S "$W/nobody.sock" ] && ! gone "$pid"; then
        uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
        gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
        groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$pid/status")
        want="$nobody_uid $nobody_uid $nobody_uid $nobody_uid"
        wantg="$nobody_gid $nobody_gid $nobody_gid $nobody_gid"
        if [ "$uids" = "$want" ] && [ "$gids" = "$wantg" ]; then
            ok "user: nobody - real, effective, saved uid and gid are nobody's"
        else
            not_ok "user: nobody - real, effective, saved uid and gid are nobody's"
            diag "Uid: $uids (want $want); Gid: $gids (want $wantg)"
        fi
        case " $groups " in
        *" 0 "*) not_ok "user: nobody - no supplementary root group"
                 diag "Groups:$groups" ;;
        *) ok "user: nobody - no supplementary root group" ;;
        esac
        sock=$(stat -c '%U %a' "$W/nobody.sock")
        check "user: nobody - the socket is nobody's, mode 0666 as configured (got $sock)" \
            [ "$sock" = "nobody 666" ]
        q=$(stat -c '%U %a' "$W/spool/quarantine" 2>/dev/null)
        if [ "$q" = "nobody 700" ] && ! grep -q "quarantine_dir unusable" "$W/nobody.log"; then
            ok "user: nobody - quarantine_dir made at start by nobody, mode 0700, no warning"
        else
            not_ok "user: nobody - quarantine_dir made at start by nobody, mode 0700, no warning"
            diag "got '$q'"
        fi
        stop "$pid"
    else
        not_ok "user: nobody - daemon started"
        not_ok "user: nobody - no supplementary root group (not started)"
        not_ok "user: nobody - socket owner (not started)"
        not_ok "user: nobody - quarantine_dir (not started)"
        diag_file "$W/nobody.log"
    fi
fi

if [ "$failed" -ne 0 ]; then
    for f in good nodb nobody; do
        [ -f "$W/$f.log" ] || continue
        diag "--- mailvetd log ($f)"
        diag_file "$W/$f.log"
    done
fi
[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
