#!/bin/sh
# run-miltertest.sh [DIR/]t-NAME.lua - one protocol test against the real mailvetd, as TAP.
#
# A scenario is a pair: t-NAME.lua drives the milter protocol (with lib.lua),
# and t-NAME.yaml, if present beside it, holds the config keys that make the
# scenario (say "add_header: false"); t-NAME.setup, if present, is a shell script
# run with the work dir as argument before the daemon starts, and t-NAME.teardown
# one run at the end whatever happened (to stop what setup started).  Those keys replace the base keys below;
# @WORK@, @SAMPLES@ and @TMPDIR@ in it stand for the test's directories.  A setup that
# writes WORK/config.yaml (or a symbolic link there) gives the whole configuration
# instead (no base keys, no t-NAME.yaml): its socket (unix:) and tmpdir are read from
# it.  The setup and the script see top_srcdir and top_builddir in their environment.
#
#   1. make a private work dir $top_builddir/tests/work/t-NAME, build the
#      samples there (tests/samples/make-samples.sh)
#   2. write the config: base keys (socket in the work dir, database = the
#      samples' sigs/, user "", pid_file, tmpdir, log_clean, policy_dir "") +
#      t-NAME.yaml
#   3. start $top_builddir/milter/mailvetd/mailvetd -c CONFIG -f, stderr to mailvetd.log,
#      and wait for its socket
#   4. put a reply recorder in front of the socket: miltertest cannot show the
#      text of a reply given before end of message, so a small relay writes
#      every packet mailvetd sends to replies.log before passing it on
#   5. run $MILTERTEST -s t-NAME.lua with MAILVET_* variables (see lib.lua)
#   6. stop mailvetd with SIGTERM and check that it exits 0, that its log
#      shows no crash, and that its tmpdir is left empty
#
# Output: TAP, the plan first, one line per check (the script's checks are
# numbered here).  On failure the daemon log and miltertest's stderr follow as
# "# " comments, and the work dir is kept.  Exit status 0 whenever the TAP
# could be written: failures are "not ok" lines, not an exit status.
# Environment: top_srcdir, top_builddir (default: this script's tree),
# MILTERTEST (unset: looked up in PATH; empty: the test is skipped),
# MAILVETD_WRAPPER (optional: a command the daemon runs under, e.g.
# "valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99":
# its exit status is then the SIGTERM check's).
set -u

if [ $# -ne 1 ]; then
    echo "usage: run-miltertest.sh [DIR/]t-NAME.lua" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd -P)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd -P)}
top_builddir=${top_builddir:-$top_srcdir}
if [ "${MILTERTEST+set}" != set ]; then
    MILTERTEST=$(command -v miltertest 2>/dev/null || true)
fi

lua=$1
[ -f "$lua" ] || lua=$top_srcdir/tests/$1
if [ ! -f "$lua" ]; then
    printf '1..1\nnot ok 1 - find the test script %s\n' "$1"
    exit 0
fi
name=$(basename "$lua" .lua)
luadir=$(cd "$(dirname "$lua")" && pwd -P)
lua=$luadir/$name.lua
yaml=$luadir/$name.yaml
mailvetd=$top_builddir/milter/mailvetd/mailvetd

if [ -z "$MILTERTEST" ] || ! command -v "$MILTERTEST" >/dev/null 2>&1; then
    echo "1..0 # SKIP miltertest not installed"
    exit 0
fi

# --- TAP bookkeeping ----------------------------------------------------------
work=$top_builddir/tests/work/$name
rm -rf "$work"
if ! mkdir -p "$work"; then
    printf '1..1\nnot ok 1 - create the work dir %s\n' "$work"
    exit 0
fi
work=$(cd "$work" && pwd -P)
tap=$work/tap
: > "$tap"
failed=0

# check CONDITION-STATUS DESCRIPTION: record one result (0 = ok)
check() {
    if [ "$1" -eq 0 ]; then
        echo "ok - $2" >> "$tap"
    else
        echo "not ok - $2" >> "$tap"
        failed=1
    fi
}

# comment FILE [MAX-LINES]: FILE as "# " lines (its last MAX-LINES lines)
comment() {
    [ -s "$1" ] || return 0
    tail -n "${2:-200}" "$1" | sed 's/^/#   /' >> "$tap"
}

# finish: print plan + numbered results; diagnostics on failure; clean up
finish() {
    run_teardown
    if [ "$failed" -ne 0 ]; then
        echo "# mailvetd log ($work/mailvetd.log):" >> "$tap"
        comment "$work/mailvetd.log"
        if [ -s "$work/miltertest.err" ]; then
            echo "# miltertest stderr:" >> "$tap"
            comment "$work/miltertest.err"
        fi
        echo "# work dir kept: $work" >> "$tap"
    fi
    awk '
        /^(not )?ok / { n++; sub(/^ok /, "ok " n " "); sub(/^not ok /, "not ok " n " ") }
        { line[NR] = $0 }
        END { print "1.." n; for (i = 1; i <= NR; i++) print line[i] }
    ' "$tap"
    if [ "$failed" -eq 0 ]; then
        rm -rf "$work"
    fi
}

daemon_pid=
relay_pid=
sockdir=
teardown=
# run_teardown: the scenario's teardown, once, while its work dir still exists
run_teardown() {
    [ -n "$teardown" ] && sh "$teardown" "$work" > /dev/null 2>&1
    teardown=
}
cleanup() {
    run_teardown
    [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null
    [ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null
    [ -n "$sockdir" ] && rm -rf "$sockdir"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM HUP

# wait_for TENTHS COMMAND...: poll COMMAND every 0.1 s
wait_for() {
    n=$1
    shift
    while [ "$n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}
alive() { kill -0 "$1" 2>/dev/null; }
dead() { ! kill -0 "$1" 2>/dev/null; }
is_socket() { [ -S "$1" ]; }
# listening_or_dead SOCKET PID: stop waiting once either is true
listening_or_dead() { [ -S "$1" ] || ! kill -0 "$2" 2>/dev/null; }

# --- 1. samples ---------------------------------------------------------------
if ! sh "$top_srcdir/tests/samples/make-samples.sh" "$work/samples" > "$work/samples.log" 2>&1; then
    check 1 "make-samples.sh builds the samples"
    comment "$work/samples.log"
    finish
    exit 0
fi
mkdir -p "$work/tmp"

# A scenario may need files in place before the daemon starts (a policy directory):
# t-NAME.setup, if present, runs with the work dir as its only argument.
setup=$luadir/$name.setup
[ -f "$luadir/$name.teardown" ] && teardown=$luadir/$name.teardown
if [ -f "$setup" ] && ! top_srcdir=$top_srcdir top_builddir=$top_builddir \
    sh "$setup" "$work" > "$work/setup.log" 2>&1; then
    check 1 "$name.setup prepares the work dir"
    comment "$work/setup.log"
    finish
    exit 0
fi

# A unix socket path must fit in sun_path (108 bytes): a deep build dir gets a
# socket dir under ${TMPDIR:-/tmp} instead.
sockdir=
if [ ${#work} -gt 80 ]; then
    sockdir=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-mt.XXXXXX")
    sock=$sockdir/mailvetd.sock
    relay_sock=$sockdir/relay.sock
else
    sock=$work/mailvetd.sock
    relay_sock=$work/relay.sock
fi

# --- 2. config ----------------------------------------------------------------
# write_config: base keys + t-NAME.yaml into $cfg
write_config() {
    cat > "$work/base.yaml" <<EOF
# written by run-miltertest.sh for $name
socket: "unix:$sock"
socket_mode: "0600"
user: ""
pid_file: "$work/mailvetd.pid"
database: "$work/samples/sigs"
tmpdir: "$work/tmp"
log_clean: true
on_error: tempfail
# no rules unless the scenario brings its own policy_dir: said explicitly, as a
# missing policy directory refuses the start
policy_dir: ""
# no /metrics: tests run side by side, and the default port is one for all
metrics_listen: ""
EOF
    if [ -f "$yaml" ]; then
        sed -e "s|@WORK@|$work|g" -e "s|@SAMPLES@|$work/samples|g" -e "s|@TMPDIR@|$work/tmp|g" \
            "$yaml" > "$work/override.yaml"
        # every top-level key of the override replaces the base key of that name
        awk '
            FNR == NR { if (match($0, /^[A-Za-z_][A-Za-z0-9_]*:/)) over[substr($0, 1, RLENGTH - 1)] = 1; next }
            match($0, /^[A-Za-z_][A-Za-z0-9_]*:/) && (substr($0, 1, RLENGTH - 1) in over) { next }
            { print }
        ' "$work/override.yaml" "$work/base.yaml" > "$cfg"
        echo "# from $name.yaml" >> "$cfg"
        cat "$work/override.yaml" >> "$cfg"
    else
        cp "$work/base.yaml" "$cfg"
    fi
}

cfg=$work/mailvetd.yaml
if [ -f "$work/config.yaml" ]; then
    # the setup's own configuration, whole
    cfg=$work/config.yaml
    sock=$(sed -n 's/^socket:[[:space:]]*"\{0,1\}unix:\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$cfg")
    if [ -z "$sock" ]; then
        check 1 "$name.setup's config.yaml has a unix: socket"
        finish
        exit 0
    fi
else
    write_config
fi
# the tmpdir the daemon really uses, for the checks below and lib.lua
tmpdir=$(sed -n 's/^tmpdir:[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$cfg" | tail -n 1)

# --- 3. daemon ----------------------------------------------------------------
if [ ! -x "$mailvetd" ]; then
    check 1 "mailvetd is built ($mailvetd)"
    finish
    exit 0
fi
# shellcheck disable=SC2086 # the wrapper is a command line, split on purpose
${MAILVETD_WRAPPER:-} "$mailvetd" -c "$cfg" -f > "$work/mailvetd.log" 2>&1 &
daemon_pid=$!
wait_for 300 listening_or_dead "$sock" "$daemon_pid"
up=1
if is_socket "$sock" && alive "$daemon_pid"; then
    up=0
fi
check $up "mailvetd starts with the $name config and listens on its socket"
if [ $up -ne 0 ]; then
    echo "# config:" >> "$tap"
    comment "$cfg"
    finish
    exit 0
fi

# --- 4. reply recorder ---------------------------------------------------------
# Relays one milter connection per child process; logs each packet from the
# daemon as "CMD DATA" (NULs as tabs) before passing it on, so a reply's text
# is on disk when miltertest sees the reply.
cat > "$work/relay.pl" <<'EOF'
use strict;
use warnings;
use IO::Select;
use IO::Socket::UNIX;

my ($listen, $target, $logfile) = @ARGV;
unlink $listen;
my $srv = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $listen, Listen => 16)
    or die "relay: listen on $listen: $!\n";
open(my $log, '>>', $logfile) or die "relay: $logfile: $!\n";
$SIG{CHLD} = 'IGNORE';

sub put {
    my ($fh, $data) = @_;
    while (length $data) {
        my $n = syswrite($fh, $data);
        return 0 unless defined $n && $n > 0;
        substr($data, 0, $n, '');
    }
    return 1;
}

sub relay {
    my ($mta) = @_;
    my $milter = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $target)
        or die "relay: connect to $target: $!\n";
    my $sel = IO::Select->new($mta, $milter);
    my $buf = '';
    for (;;) {
        for my $fh ($sel->can_read) {
            my $n = sysread($fh, my $data, 1 << 17);
            return unless $n;
            if ($fh == $mta) {
                put($milter, $data) or return;
                next;
            }
            $buf .= $data;
            while (length($buf) >= 4) {
                my $len = unpack('N', $buf);
                last if length($buf) < 4 + $len;
                my $pkt = substr($buf, 0, 4 + $len, '');
                my $cmd = substr($pkt, 4, 1);
                my $arg = substr($pkt, 5);
                $arg =~ s/\0\z//;
                $arg =~ tr/\0\r\n/\t  /;
                syswrite($log, "$cmd $arg\n");
                put($mta, $pkt) or return;
            }
        }
    }
}

for (;;) {
    my $mta = $srv->accept or next;
    my $pid = fork;
    die "relay: fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        close $srv;
        relay($mta);
        exit 0;
    }
    close $mta;
}
EOF
: > "$work/replies.log"
perl "$work/relay.pl" "$relay_sock" "$sock" "$work/replies.log" 2> "$work/relay.err" &
relay_pid=$!
if ! wait_for 100 is_socket "$relay_sock"; then
    check 1 "reply recorder listens on $relay_sock"
    comment "$work/relay.err"
    finish
    exit 0
fi

# --- 5. the script -------------------------------------------------------------
(
    cd "$work" || exit 1
    MAILVET_SOCKET=unix:$relay_sock
    MAILVET_SAMPLES=$work/samples
    MAILVET_TMPDIR=$tmpdir
    MAILVET_LOG=$work/mailvetd.log
    MAILVET_PID=$daemon_pid
    MAILVET_REPLIES=$work/replies.log
    LUA_PATH="$here/?.lua;;"
    LUA_PATH_5_3=$LUA_PATH
    LUA_PATH_5_4=$LUA_PATH
    export MAILVET_SOCKET MAILVET_SAMPLES MAILVET_TMPDIR MAILVET_LOG MAILVET_PID \
        MAILVET_REPLIES LUA_PATH LUA_PATH_5_3 LUA_PATH_5_4 top_srcdir top_builddir
    exec timeout 600 "$MILTERTEST" -s "$lua"
) > "$work/miltertest.out" 2> "$work/miltertest.err"
rc=$?
# the script's own TAP lines, then everything else it printed as comments
checks=$(grep -c -E '^(not )?ok( |$)' "$work/miltertest.out")
sed -e '/^\(not \)\{0,1\}ok\( \|$\)/b' -e '/^#/b' -e 's/^/# /' "$work/miltertest.out" >> "$tap"
if grep -q -E '^not ok( |$)' "$work/miltertest.out"; then
    failed=1
fi
if [ "$rc" -eq 0 ] && [ "$checks" -eq 0 ]; then
    check 1 "$name.lua makes at least one check"
else
    check "$rc" "miltertest ran $name.lua to the end (exit $rc)"
fi
if [ "$rc" -ne 0 ] && [ "$checks" -eq 0 ]; then
    echo "# miltertest printed no check: a Lua syntax error, an error before lib.lua's run()," >> "$tap"
    echo "# or a stage that mailvetd negotiated away (miltertest exits 1 without a word then)" >> "$tap"
fi
if [ "$rc" -eq 124 ]; then
    echo "# miltertest timed out after 600 s" >> "$tap"
fi

# --- 6. shutdown ----------------------------------------------------------------
kill "$relay_pid" 2>/dev/null
relay_pid=
stopped=1
if alive "$daemon_pid"; then
    kill -TERM "$daemon_pid"
    if wait_for 300 dead "$daemon_pid"; then
        stopped=0
    fi
fi
if [ $stopped -eq 0 ]; then
    wait "$daemon_pid"
    status=$?
    daemon_pid=
    check "$status" "mailvetd stops on SIGTERM with exit status 0 (got $status)"
else
    if alive "$daemon_pid"; then
        check 1 "mailvetd stops on SIGTERM within 30 s"
    else
        wait "$daemon_pid"
        check 1 "mailvetd was still running when the script ended (it exited $? before SIGTERM)"
        daemon_pid=
    fi
fi

crash='bug:|AddressSanitizer|LeakSanitizer|runtime error:|-CRITICAL \*\*|Segmentation fault|core dumped|Assertion .* failed|double free|stack smashing'
if grep -q -E "$crash" "$work/mailvetd.log"; then
    check 1 "mailvetd log shows no crash, sanitizer report or bug"
    grep -E "$crash" "$work/mailvetd.log" | head -n 20 | sed 's/^/#   /' >> "$tap"
else
    check 0 "mailvetd log shows no crash, sanitizer report or bug"
fi

# A script may remove the tmpdir on purpose (t-tempfail): then nothing to check.
if [ -n "$tmpdir" ] && [ -d "$tmpdir" ]; then
    left=$(find "$tmpdir" -mindepth 1 | head -n 20)
    if [ -z "$left" ]; then
        check 0 "no temp file left in tmpdir after shutdown"
    else
        check 1 "no temp file left in tmpdir after shutdown"
        echo "$left" | sed 's/^/#   /' >> "$tap"
    fi
fi

finish
exit 0
