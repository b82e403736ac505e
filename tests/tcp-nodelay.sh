#!/bin/sh
# tcp-nodelay.sh - mailvetd on a TCP socket (inet:PORT@127.0.0.1) sends its replies at
# once: the connection it accepts from the MTA has TCP_NODELAY set, as has the socket
# it listens on, so Nagle's algorithm never holds a reply back until the MTA's delayed
# ACK (about 40 ms per message).  The option is read from the daemon's own sockets by
# tests/sockopt-peek.py (pidfd_getfd); skipped where the system does not allow that.
# TAP on stdout; env: top_srcdir, top_builddir.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVETD=$top_builddir/milter/mailvetd/mailvetd

PLAN=3
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/postfix-lib.sh"

[ -x "$MAILVETD" ] || bail "$MAILVETD not built"
command -v python3 > /dev/null 2>&1 || bail "python3 not installed"

work_dir tcp-nodelay
sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"
mkdir -p "$W/tmp"
pf_free_port || bail "no free port"
PORT=$PF_PORT
cat > "$W/mailvetd.yaml" << EOF
socket: "inet:$PORT@127.0.0.1"
user: ""
pid_file: ""
metrics_listen: ""
database: "$W/samples/sigs"
policy_dir: ""
tmpdir: "$W/tmp"
EOF
"$MAILVETD" -f -c "$W/mailvetd.yaml" > "$W/mailvetd.log" 2>&1 &
PID=$!
trap 'kill "$PID" 2> /dev/null; wait "$PID" 2> /dev/null; [ -n "${KEEP_WORK:-}" ] || rm -rf "$W"' EXIT
ready() { grep -q "ready: socket=" "$W/mailvetd.log" || gone "$PID"; }
wait_until 30 ready
grep -q "ready: socket=inet:$PORT@127.0.0.1" "$W/mailvetd.log" ||
    bail "mailvetd did not start: $(cat "$W/mailvetd.log")"

python3 "$top_srcdir/tests/sockopt-peek.py" "$PID" "$PORT" > "$W/peek.out" 2>&1
rc=$?
if [ "$rc" -eq 77 ]; then
    skip "the accepted connection has TCP_NODELAY ($(cat "$W/peek.out"))"
    skip "the listening socket has TCP_NODELAY ($(cat "$W/peek.out"))"
else
    check "the accepted connection has TCP_NODELAY" grep -q "accepted=1 " "$W/peek.out"
    check "the listening socket has TCP_NODELAY" grep -q "listening=1$" "$W/peek.out"
    [ "$failed" -eq 0 ] || diag "sockopt-peek.py (exit $rc): $(cat "$W/peek.out")"
fi
if grep -q "TCP_NODELAY" "$W/mailvetd.log"; then
    not_ok "mailvetd logs no warning about TCP_NODELAY"
    diag "$(cat "$W/mailvetd.log")"
else
    ok "mailvetd logs no warning about TCP_NODELAY"
fi

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
