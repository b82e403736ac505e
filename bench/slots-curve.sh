#!/bin/sh
# slots-curve.sh - mailvetd's throughput, tail latency and CPU time at SESSIONS (16)
# sessions for several max_scans settings, in one run.
#
# As root, on loopback: a private Postfix relaying to smtp-sink
# (tests/e2e/postfix-lib.sh), the corpus of bench/corpus.pl (COUNT messages, fixed
# seed), mailvetd (policy_dir "", the test samples' signatures, the local cache off so
# that every message is scanned) restarted for each setting with max_scans = M x CPUs
# for each M of the list.  Each pass sends the whole corpus with smtp-source, one
# process per message timed from fork to exit, SESSIONS workers in parallel; the
# settings take turns, ROUNDS times.  Per pass: messages per second, p50 and p99 per
# message, mailvetd's CPU time per message (user + system, from /proc: the figure the
# other load disturbs least), the share of messages that waited for a scan
# slot and the longest wait (from the log's wait_ms), and the load average.  A first
# pass, not shown, warms the files, Postfix and the page cache.
#
# Usage (from the build tree, as root):
#   bench/slots-curve.sh [-n COUNT] [-c SESSIONS] [-m "1 2 4"] [-r ROUNDS] [-k]
#     -n COUNT     corpus size (60)
#     -c SESSIONS  smtp-source sessions in parallel (16)
#     -m LIST      max_scans per CPU to try (1 2 4)
#     -r ROUNDS    passes per setting, taking turns (2)
#     -k           keep the work directory
# Env: MAILVETD (the daemon to measure; default the build tree's).
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVETD=${MAILVETD:-$top_builddir/milter/mailvetd/mailvetd}

count=60
sessions=16
mults="1 2 4"
rounds=2
while getopts n:c:m:r:k opt; do
    case $opt in
    n) count=$OPTARG ;;
    c) sessions=$OPTARG ;;
    m) mults=$OPTARG ;;
    r) rounds=$OPTARG ;;
    k) KEEP_WORK=1 ;;
    *) sed -n '/^# Usage/,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 64 ;;
    esac
done

die() { echo "slots-curve: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root (postfix start is root-only)"
[ -x "$MAILVETD" ] || die "$MAILVETD not built"
PATH=$PATH:/usr/sbin
for need in postfix smtp-source smtp-sink perl; do
    command -v "$need" > /dev/null 2>&1 || die "$need missing (Debian: postfix, perl)"
done

. "$top_srcdir/tests/e2e/postfix-lib.sh"
reason=$(pf_cannot_run) && die "$reason"
pf_init "${TMPDIR:-/tmp}" || die "pf_init failed"
MV_PID=
trap 'set +e; pf_mailvetd_stop; pf_cleanup' EXIT
trap 'exit 1' INT TERM
pf_mailvet_fixtures || die "fixtures failed"
W=$PF_WORK
perl "$top_srcdir/bench/corpus.pl" -n "$count" -e "$top_srcdir/tests/samples/eicar.sh" \
    "$W/corpus" > "$W/corpus.out" 2>&1 || die "corpus.pl failed: $(tail -3 "$W/corpus.out")"
find "$W/corpus" -name '*.eml' | sort > "$W/files"
cpus=$(getconf _NPROCESSORS_ONLN)
tck=$(getconf CLK_TCK)

# send.pl SESSIONS PORT OUT FILES - the corpus through smtp-source; OUT: one line per
# message "seconds", OUT.wall the pass's seconds.  A reject ends at smtp-source's first
# line on stderr (it would sleep a second before it exits).
cat > "$W/send.pl" << 'EOF'
use strict; use warnings; use Time::HiRes qw(time);
my ($n, $port, $out, $list) = @ARGV;
open(my $l, '<', $list) or die; chomp(my @f = <$l>); close $l;
my $t0 = time; my @kids;
for my $w (0 .. $n - 1) {
    my $pid = fork() // die "fork: $!";
    if ($pid) { push @kids, $pid; next }
    open(my $o, '>', "$out.$w") or die;
    for (my $i = $w; $i < @f; $i += $n) {
        pipe(my $r, my $wr) or die "pipe: $!";
        my $s = time;
        my $k = fork() // die;
        if (!$k) {
            close $r; open(STDOUT, '>', '/dev/null'); open(STDERR, '>&', $wr);
            exec('smtp-source', '-m', '1', '-s', '1', '-F', $f[$i], '-f', 'bench@example.com',
                 '-t', 'user@example.com', '-M', 'client.example.com', "127.0.0.1:$port");
            exit 127;
        }
        close $wr;
        my $got = sysread($r, my $buf, 4096);
        my $t = time - $s;
        close $r;
        kill('KILL', $k) if $got;
        waitpid($k, 0);
        printf $o "%.6f\n", $t;
    }
    exit 0;
}
waitpid($_, 0) for @kids;
open(my $o, '>', "$out.wall") or die; printf $o "%.6f\n", time - $t0; close $o;
open($o, '>', $out) or die;
for my $w (0 .. $n - 1) { open(my $i, '<', "$out.$w") or die; print {$o} <$i>; close $i; unlink "$out.$w" }
EOF

pf_start_sink || die "smtp-sink did not start"
pf_configure "unix:$W/mailvetd.sock"
pf_start || die "postfix did not start"
mkdir -p "$W/res" "$W/q"

# pass M ROUND - one pass with max_scans = M x CPUs (ROUND 0: a warm-up, not shown)
pass() {
    _max=$(($1 * cpus))
    pf_mailvetd_config "$W/q" "max_scans: $_max" "local_cache_size: 0"
    sed -i 's/^policy_dir: .*/policy_dir: ""/; s/^quarantine_dir: .*/quarantine_mode: hold/' \
        "$W/mailvetd.yaml"
    : > "$W/mailvetd.log"
    pf_mailvetd_start || die "mailvetd did not start: $(tail -3 "$W/mailvetd.log")"
    _load=$(cut -d' ' -f1 /proc/loadavg)
    _cpu0=$(awk '{ print $14 + $15 }' "/proc/$MV_PID/stat")
    _out=$W/res/m$1-r$2
    perl "$W/send.pl" "$sessions" "$PF_SMTP_PORT" "$_out" "$W/files"
    _cpu1=$(awk '{ print $14 + $15 }' "/proc/$MV_PID/stat")
    pf_mailvetd_stop
    sort -n "$_out" | awk -v m="$1" -v max="$_max" -v wall="$(cat "$_out.wall")" \
        -v cpu="$((_cpu1 - _cpu0))" -v tck="$tck" -v la="$_load" \
        -v waits="$(grep -c ' wait_ms=[1-9]' "$W/mailvetd.log" || :)" \
        -v longest="$(sed -n 's/.* wait_ms=\([0-9]*\).*/\1/p' "$W/mailvetd.log" | sort -n | tail -1)" '
        { t[NR] = $1 * 1000 }
        END {
            i99 = int(NR * 0.99 + 0.5); if (i99 > NR) i99 = NR
            printf "%-4s %9d %8.2f %8.0f %8.0f %10.1f %8.0f%% %9s %6s\n", m, max, NR / wall,
                t[int((NR + 1) / 2)], t[i99], cpu * 1000 / tck / NR, 100 * waits / NR,
                longest == "" ? 0 : longest, la
        }' > "$_out.line"
    [ "$2" -eq 0 ] || tee -a "$W/results" < "$_out.line"
}

echo "corpus: $count messages, $(du -sm "$W/corpus" | cut -f1) MB; $sessions sessions; $cpus CPUs"
printf '%-4s %9s %8s %8s %8s %10s %9s %9s %6s\n' M/CPU max_scans msg/s p50_ms p99_ms \
    cpu_ms/msg waited max_wait load
# the first pass of a run is slower whatever its setting (files, Postfix and the
# daemons' pages cold): one pass first that is not counted
pass "${mults%% *}" 0
for r in $(seq "$rounds"); do
    for m in $mults; do
        pass "$m" "$r"
    done
done
