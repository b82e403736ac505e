#!/bin/sh
# tcp-latency.sh - mailvetd's added latency at one session, over a unix socket and over
# TCP, in one run.
#
# As root, on loopback: a private Postfix relaying to smtp-sink
# (tests/e2e/postfix-lib.sh), and mailvetd (policy_dir "", the test samples'
# signatures, the local cache off so that every message is scanned).  COUNT copies of
# one clean message (a text part and a 20 KB attachment) go through smtp-source, one
# process per message, one session at a time, timed from fork to exit, through
#   none  Postfix without a milter
#   unix  Postfix + mailvetd on unix:WORK/unix.sock
#   tcp   Postfix + mailvetd on inet:PORT@127.0.0.1
# taking turns message by message (one Postfix with three smtpd ports, two mailvetd),
# so that the machine's load weighs on the three alike; it prints the median and p90
# time per message of each and the medians' differences (unix - none, tcp - none,
# tcp - unix).  A Nagle / delayed-ACK stall shows as about 40 ms in tcp - unix.  Load
# average before and after.
#
# Usage (from the build tree, as root):
#   bench/tcp-latency.sh [-n COUNT] [-r ROUNDS] [-k]
#     -n COUNT   messages per pass (100)
#     -r ROUNDS  multiplies COUNT (2)
#     -k         keep the work directory
# Env: MAILVETD (the daemon to measure; default the build tree's).
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVETD=${MAILVETD:-$top_builddir/milter/mailvetd/mailvetd}

count=100
rounds=2
while getopts n:r:k opt; do
    case $opt in
    n) count=$OPTARG ;;
    r) rounds=$OPTARG ;;
    k) KEEP_WORK=1 ;;
    *) sed -n '/^# Usage/,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 64 ;;
    esac
done

die() { echo "tcp-latency: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root (postfix start is root-only)"
[ -x "$MAILVETD" ] || die "$MAILVETD not built"
for need in postfix smtp-source smtp-sink perl; do
    command -v "$need" > /dev/null 2>&1 || PATH=$PATH:/usr/sbin
    command -v "$need" > /dev/null 2>&1 || die "$need missing (Debian: postfix, perl)"
done

. "$top_srcdir/tests/e2e/postfix-lib.sh"
reason=$(pf_cannot_run) && die "$reason"
pf_init "${TMPDIR:-/tmp}" || die "pf_init failed"
unix_PID= tcp_PID=
trap 'set +e; kill $unix_PID $tcp_PID 2> /dev/null; wait $unix_PID $tcp_PID; pf_cleanup' EXIT
trap 'exit 1' INT TERM
pf_mailvet_fixtures || die "fixtures failed"

# the message: a text part and a 20 KB attachment of printable bytes, CRLF endings
msg=$PF_WORK/message.eml
perl -e '
    my $b = "=_tcp_latency";
    print "From: bench\@example.com\r\nTo: user\@example.com\r\nSubject: latency\r\n";
    print "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"$b\"\r\n\r\n";
    print "--$b\r\nContent-Type: text/plain\r\n\r\nThe report is attached.\r\n";
    print "--$b\r\nContent-Type: text/plain; name=\"r.txt\"\r\n";
    print "Content-Disposition: attachment; filename=\"r.txt\"\r\n\r\n";
    srand(7);
    for (1 .. 320) { print join("", map { chr(97 + int(rand(26))) } 1 .. 62), "\r\n" }
    print "--$b--\r\n";
' > "$msg"

# daemon NAME SOCKET - mailvetd NAME on SOCKET (libmilter syntax), its config and log
# NAME.yaml and NAME.log in the work dir; the pid in NAME_PID
daemon() {
    cat > "$PF_WORK/$1.yaml" << EOF
socket: "$2"
socket_mode: "0666"
user: ""
metrics_listen: ""
pid_file: ""
database: "$S/sigs"
tmpdir: "$PF_WORK/tmp"
policy_dir: ""
quarantine_mode: hold
local_cache_size: 0
EOF
    "$MAILVETD" -f -c "$PF_WORK/$1.yaml" > "$PF_WORK/$1.log" 2>&1 &
    eval "$1_PID=$!"
    _log=$PF_WORK/$1.log
    _up() { grep -q "ready: socket=" "$_log"; }
    pf_wait_until 60 _up || die "mailvetd $1 did not start: $(tail -5 "$PF_WORK/$1.log")"
}

# stats NAME - "median p90" of NAME's times
stats() {
    sort -n "$PF_WORK/$1.times" | awk '{ t[NR] = $1 } END {
        printf "%.1f %.1f", t[int((NR + 1) / 2)], t[int(NR * 0.9 + 0.5)] }'
}

pf_start_sink || die "smtp-sink did not start"
pf_free_port || die "no free port"
tcp_port=$PF_PORT
daemon unix "unix:$PF_WORK/unix.sock"
daemon tcp "inet:$tcp_port@127.0.0.1"
# one Postfix, one smtpd port per pass: the passes take turns message by message, so
# the load of the machine weighs on all three alike
pf_configure ""
pf_free_port || die "no free port"
unix_port=$PF_PORT
pf_free_port || die "no free port"
tcp_smtp_port=$PF_PORT
cat >> "$PF_CONF/master.cf" << EOF
127.0.0.1:$unix_port inet n - n - - smtpd
  -o smtpd_milters=unix:$PF_WORK/unix.sock
127.0.0.1:$tcp_smtp_port inet n - n - - smtpd
  -o smtpd_milters=inet:127.0.0.1:$tcp_port
EOF
pf_start || die "postfix did not start"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
perl -MTime::HiRes=time -e '
    my ($n, $rounds, $file, $work, %port) = @ARGV;
    my %out;
    for my $p (keys %port) { open($out{$p}, ">", "$work/$p.times") or die }
    my $send = sub {
        my $p = shift;
        my $s = time;
        system("smtp-source", "-m", "1", "-s", "1", "-F", $file, "-f", "bench\@example.com",
               "-t", "user\@example.com", "-M", "client.example.com", "127.0.0.1:$port{$p}") == 0
            or die "smtp-source failed\n";
        return (time - $s) * 1000;
    };
    for (1 .. 5) { $send->($_) for sort keys %port }   # warm-up, not counted
    for (1 .. $n * $rounds) {
        for my $p (sort keys %port) { printf { $out{$p} } "%.3f\n", $send->($p) }
    }
' "$count" "$rounds" "$msg" "$PF_WORK" none "$PF_SMTP_PORT" unix "$unix_port" tcp "$tcp_smtp_port"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %10s %10s   (ms per message, %s messages, one session, passes interleaved)\n' \
    pass median p90 "$((count * rounds))"
for p in none unix tcp; do
    set -- $(stats $p)
    printf '%-6s %10s %10s\n' "$p" "$1" "$2"
    eval "med_$p=$1"
done
awk -v n="$med_none" -v u="$med_unix" -v t="$med_tcp" 'BEGIN {
    printf "added latency (median): unix %.1f ms, tcp %.1f ms; tcp - unix %.1f ms\n",
        u - n, t - n, t - u }'
