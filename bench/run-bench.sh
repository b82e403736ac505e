#!/bin/sh
# run-bench.sh - mailvetd against Postfix alone and clamav-milter + clamd, in one run.
#
# As root, on loopback, in one invocation: a signature database of real size
# (bench/sigs.pl: millions of hash signatures, body and logical signatures by the
# hundred thousand, all harmless, plus the bundled EICAR hash), a repeated corpus and
# a corpus that never repeats (bench/corpus.pl, -u), a private Postfix relaying to
# smtp-sink (tests/e2e/postfix-lib.sh), mailvetd, and private clamd + clamav-milter
# (Debian packages, own config files in the work dir), all with that database and
# equal limits.  It measures:
#
# 1. the database: start-up time and CPU of clamd and mailvetd until they answer, RSS
#    after the load, peak RSS during a reload (clamd's RELOAD, mailvetd's SIGUSR1;
#    both build a second engine beside the first) and RSS once it is done; the loads
#    run side by side (a load takes minutes on a small shared machine): CPU seconds
#    are the figures to compare;
# 2. scan throughput per thread: "mailvet scan" against clamscan, one process each,
#    side by side and beside the reloads, over the same new messages: MB/s of wall
#    time and of CPU time after the load;
# 3. passes through Postfix with smtp-source, at each concurrency (-s, default 1 4 16):
#      a      Postfix without a milter
#      b new  clamav-milter + clamd, messages never seen before (a corpus of their own
#             at each concurrency: nobody's cache can help)
#      c new  mailvetd, the same new messages
#      b rep  clamav-milter, the repeated corpus (sent once before: clamd's cache warm)
#      c rep  mailvetd, the repeated corpus (sent once before: its cache warm)
#    over the unix sockets, then b rep and c rep over TCP (127.0.0.1: a second
#    clamav-milter, and a second mailvetd, one socket per process, started with the
#    first, the repeated corpus sent once through it before);
#    msg/s, p50 and p99 time per message, each daemon's CPU time (user + system) per
#    message, its peak RSS, the load average; then the ratios the project aims at.
#
# Nothing is installed and no system service is touched; a missing program stops the
# run at once, naming its Debian package.  The machine may be shared: CPU time per
# message does not depend on what else runs; wall-clock figures do, so compare ratios
# within one run, and read the load average printed beside each pass.
#
# Time per message: each message is one smtp-source process (-m 1 -F FILE), timed by
# the driver from fork to exit: connect, EHLO, MAIL, RCPT, DATA, the milter's
# end-of-message verdict, Postfix's 250, QUIT; for a reject, up to the 550.  A worker
# per session sends its share of the corpus one message after another.  msg/s =
# messages / wall time of the pass.  Between passes the queue is drained to the sink.
#
# Usage (from the build tree, as root):
#   bench/run-bench.sh [-q] [-n COUNT] [-s "1 4 16"] [-C DIR] [-U DIR] [-S DIR] [-k]
#     -q         quick: 30 messages, 4 sessions, a small database (a few minutes)
#     -n COUNT   messages per corpus (200; the new corpus has COUNT per concurrency)
#     -s LIST    concurrencies (smtp-source sessions in parallel)
#     -C DIR     the repeated corpus in DIR (corpus.pl -n COUNT) instead of writing one
#     -U DIR     the new corpora in DIR/new-S for each concurrency S (corpus.pl -u -s
#                SEED+S), written there when missing
#     -S DIR     the database in DIR (sigs.pl) instead of writing one
#     -k         keep the work directory (logs)
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet
MAILVETD=$top_builddir/milter/mailvetd/mailvetd

count=200
sessions="1 4 16"
corpus=
newdir=
sigdir=
quick=
SEED=20261206
while getopts qn:s:C:U:S:k opt; do
    case $opt in
    q) quick=yes ;;
    n) count=$OPTARG ;;
    s) sessions=$OPTARG ;;
    C) corpus=$OPTARG ;;
    U) newdir=$OPTARG ;;
    S) sigdir=$OPTARG ;;
    k) KEEP_WORK=1 ;;
    *) sed -n '/^# Usage/,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 64 ;;
    esac
done
if [ -n "$quick" ]; then
    count=30
    sessions=4
fi

die() { echo "run-bench: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "must run as root (postfix start is root-only)"
[ -x "$MAILVETD" ] && [ -x "$MAILVET" ] || die "build first ($MAILVETD)"
PATH=$PATH:/usr/sbin:/sbin
for need in postfix:postfix postconf:postfix smtp-source:postfix smtp-sink:postfix \
    clamd:clamav-daemon clamav-milter:clamav-milter clamscan:clamav perl:perl \
    stdbuf:coreutils; do
    command -v "${need%%:*}" > /dev/null 2>&1 ||
        die "${need%%:*} not found: install the Debian package ${need#*:}"
done
id postfix > /dev/null 2>&1 || die "no postfix user (Debian package postfix)"

. "$top_srcdir/tests/e2e/postfix-lib.sh"

hdb=$top_builddir/policies/signatures-default/mailvet-eicar.hdb
if [ ! -s "$hdb" ]; then
    make -C "$top_builddir/policies" signatures-default/mailvet-eicar.hdb > /dev/null ||
        die "cannot make $hdb"
fi

pf_init "${TMPDIR:-/tmp}" || die "cannot make a work directory"
W=$PF_WORK
CLAMD_SOCK=$W/clamd.sock
CM_SOCK=$W/clamav-milter.sock
MV_SOCK=$W/mailvetd.sock
MV_PID= MV2_PID= CLAMD_PID= CM_PID= CM2_PID=

stop_pid() {
    [ -n "$1" ] || return 0
    kill "$1" 2> /dev/null || return 0
    pf_wait_until 30 pf_gone "$1" || kill -9 "$1" 2> /dev/null
    wait "$1" 2> /dev/null || :
}
cleanup() {
    trap '' PIPE
    set +e     # postfix-lib.sh's functions are not written for set -e
    pf_stop_all
    stop_pid "$MV_PID"
    stop_pid "$MV2_PID"
    stop_pid "$CM_PID"
    stop_pid "$CM2_PID"
    stop_pid "$CLAMD_PID"
    if [ -n "${KEEP_WORK:-}" ]; then
        echo "run-bench: work directory kept: $W" >&2
    else
        rm -rf "$W"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$W/sigs" "$W/tmp" "$W/clamtmp" "$W/cmtmp" "$W/res"
chmod 755 "$W/sigs"

# now - seconds since the epoch, to the millisecond
now() { date +%s.%3N; }
# rss PID / hwm PID - resident and peak resident memory, in MB
rss() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
hwm() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
hwm_reset() { for p in "$@"; do echo 5 > "/proc/$p/clear_refs" 2> /dev/null || :; done; }
# cpu PID... - CPU time (user + system) of the processes so far, in clock ticks
cpu() { for p in "$@"; do cat "/proc/$p/stat"; done | awk '{ t += $14 + $15 } END { print t + 0 }'; }
TCK=$(getconf CLK_TCK)
load1() { cut -d' ' -f1 /proc/loadavg; }

echo "run: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)" \
    "on $(nproc) CPUs"
echo "mailvet: $(git -C "$top_srcdir" rev-parse --short HEAD 2> /dev/null || echo '?')," \
    "$(clamd --version 2> /dev/null | cut -d/ -f1)"

# --- the database and the corpora -----------------------------------------------------
if [ -z "$sigdir" ]; then
    sigdir=$W/bench-sigs
    if [ -n "$quick" ]; then
        perl "$top_srcdir/bench/sigs.pl" -m 20000 -h 5000 -b 1500 -l 1000 "$sigdir"
    else
        perl "$top_srcdir/bench/sigs.pl" "$sigdir"
    fi
fi
for f in "$sigdir"/*.hdb "$sigdir"/*.hsb "$sigdir"/*.ndb "$sigdir"/*.ldb; do
    [ -f "$f" ] && [ "$(basename "$f")" != mailvet-eicar.hdb ] || continue
    ln "$f" "$W/sigs/" 2> /dev/null || cp "$f" "$W/sigs/"
done
cp "$hdb" "$W/sigs/"
chmod 644 "$W/sigs/"*
echo "database: $(cat "$W/sigs"/* | wc -l) signatures, $(du -smL "$W/sigs" | cut -f1) MB" \
    "($(for f in "$W/sigs"/*; do printf '%s %s, ' "$(basename "$f")" "$(wc -l < "$f")"; done | sed 's/, $//'))"

if [ -z "$corpus" ]; then
    corpus=$W/corpus
    perl "$top_srcdir/bench/corpus.pl" -n "$count" -e "$top_srcdir/tests/samples/eicar.sh" "$corpus"
fi
ls "$corpus"/*.eml > "$W/files.rep"
[ -n "$newdir" ] || newdir=$W/new
for s in $sessions; do
    if [ ! -f "$newdir/new-$s/MANIFEST" ]; then
        perl "$top_srcdir/bench/corpus.pl" -u -n "$count" -s $((SEED + s)) \
            -e "$top_srcdir/tests/samples/eicar.sh" "$newdir/new-$s"
    fi
    ls "$newdir/new-$s"/*.eml > "$W/files.new-$s"
done
echo "repeated corpus: $(wc -l < "$W/files.rep") messages, $(du -sm "$corpus" | cut -f1) MB ($corpus);" \
    "new corpora: $(cat "$W"/files.new-* | wc -l) messages, $(du -sm "$newdir" | cut -f1) MB ($newdir)"

# --- configuration ----------------------------------------------------------------------
# Equal limits: 100 MB message / file, 400 MB scanned per message, recursion 17,
# 10000 files, 120 s; one log line per message (clean ones too) from each milter.
# policy_dir "": no rules and no campaign signatures, so mailvetd's engine holds
# exactly the signatures clamd holds.  Every other key at its default.
mv_config() {
    cat <<EOF
socket: $1
socket_mode: "0666"
user: ""
metrics_listen: ""
pid_file: ""
database: $W/sigs
policy_dir: ""
tmpdir: $W/tmp
on_error: tempfail
add_header: false
log_clean: true
max_message_size: 100M
max_file_size: 100M
max_scan_size: 400M
max_recursion: 17
max_files: 10000
max_scan_time: 120s
EOF
}
mv_config "unix:$MV_SOCK" > "$W/mailvet.yaml"
pf_free_port || die "no free port"
MV_PORT=$PF_PORT
mv_config "inet:$MV_PORT@127.0.0.1" > "$W/mailvet-tcp.yaml"
pf_free_port || die "no free port"
CM_PORT=$PF_PORT

# clamd runs as root (no User line): it then reads the work dir's signatures and
# writes its socket, pid and log there, and Postfix never talks to it (only
# clamav-milter does, also as root).  Debian's clamd.conf is not read (-c).
cat > "$W/clamd.conf" <<EOF
Foreground yes
LocalSocket $CLAMD_SOCK
LocalSocketMode 660
DatabaseDirectory $W/sigs
TemporaryDirectory $W/clamtmp
PidFile $W/clamd.pid
LogFile $W/clamd.log
LogTime yes
LogClean no
MaxThreads 32
MaxQueue 200
StreamMaxLength 100M
MaxFileSize 100M
MaxScanSize 400M
MaxRecursion 17
MaxFiles 10000
MaxScanTime 120000
Bytecode no
SelfCheck 0
EOF

# clamav-milter as root too (no User line), one on a unix socket (mode 666 lets
# Postfix in), one on TCP, both in front of the same clamd
cm_config() {
    cat <<EOF
Foreground yes
MilterSocket $1
MilterSocketMode 666
FixStaleSocket yes
PidFile $W/clamav-milter$2.pid
TemporaryDirectory $W/cmtmp
ClamdSocket unix:$CLAMD_SOCK
MaxFileSize 100M
OnClean Accept
OnInfected Reject
OnFail Defer
AddHeader No
LogFile $W/clamav-milter$2.log
LogTime yes
LogInfected Basic
LogClean Basic
ReadTimeout 120
EOF
}
cm_config "unix:$CM_SOCK" "" > "$W/clamav-milter.conf"
cm_config "inet:$CM_PORT@127.0.0.1" "-tcp" > "$W/clamav-milter-tcp.conf"

# helpers in Perl (core modules): clamd's protocol, and the timing of a scanner
cat > "$W/clamd-cmd.pl" <<'EOF'
# clamd-cmd.pl SOCKET COMMAND - one clamd command (n-style), print the answer line
use strict; use warnings; use IO::Socket::UNIX;
my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
print $s "n$ARGV[1]\n"; my $l = <$s>; defined $l or exit 1; print $l; exit 0;
EOF
cat > "$W/timescan.pl" <<'EOF'
# timescan.pl OUT CMD... - run CMD with its output line-buffered into OUT; print
# "load_wall scan_wall load_cpu scan_cpu" in seconds: load = until its first line (the
# first file, a one-line text, scanned right after the engine was built), scan = after
use strict; use warnings; use Time::HiRes qw(time); use POSIX ();
my $out = shift; my $tck = POSIX::sysconf(POSIX::_SC_CLK_TCK());
pipe(my $r, my $w) or die; my $t0 = time;
my $pid = fork() // die;
if (!$pid) { close $r; open(STDOUT, '>&', $w); open(STDERR, '>', "$out.err"); exec('stdbuf', '-oL', @ARGV); exit 127 }
close $w; open(my $o, '>', $out) or die;
my ($t1, $c1);
while (my $l = <$r>) {
    if (!defined $t1) {
        $t1 = time;
        if (open(my $st, '<', "/proc/$pid/stat")) {
            my @f = split ' ', (split /\) /, scalar(<$st>), 2)[1];
            $c1 = ($f[11] + $f[12]) / $tck;
        }
    }
    print $o $l;
}
waitpid($pid, 0); my $t2 = time; my (undef, undef, $cu, $cs) = times;
printf "%.3f %.3f %.3f %.3f\n", $t1 - $t0, $t2 - $t1, $c1, $cu + $cs - $c1;
EOF

# --- 1. the database: start-up, memory, reload ------------------------------------------
# A database of real size takes a minute or more to load on a small machine, so the
# loads run side by side: clamd, mailvetd on the unix socket and mailvetd on TCP (one
# socket per process) start together, then clamd and mailvetd reload together while
# "mailvet scan" and clamscan run (section 2).  CPU seconds do not depend on that; wall
# seconds do (as on any shared machine), so both are printed.
clamd_ready() { perl "$W/clamd-cmd.pl" "$CLAMD_SOCK" PING 2> /dev/null | grep -q PONG; }
mv_ready() { test -S "$MV_SOCK"; }
mv2_ready() { port_listening "$MV_PORT"; }
# since T0 - seconds since T0, one decimal
since() { echo "$1 $(now)" | awk '{ printf "%.1f", $2 - $1 }'; }
# cpu_s PID - CPU seconds (user + system) of PID so far
cpu_s() { echo "$(cpu "$1") $TCK" | awk '{ printf "%.1f", $1 / $2 }'; }
t0=$(now)
clamd -c "$W/clamd.conf" >> "$W/clamd.out" 2>&1 &
CLAMD_PID=$!
"$MAILVETD" -c "$W/mailvet.yaml" -f >> "$W/mailvetd.log" 2>&1 &
MV_PID=$!
"$MAILVETD" -c "$W/mailvet-tcp.yaml" -f >> "$W/mailvetd-tcp.log" 2>&1 &
MV2_PID=$!
clamd_start= mv_start= mv2_start=
n=0
while [ -z "$clamd_start" ] || [ -z "$mv_start" ] || [ -z "$mv2_start" ]; do
    if [ -z "$clamd_start" ] && clamd_ready; then
        clamd_start=$(since "$t0") clamd_cpu=$(cpu_s "$CLAMD_PID") clamd_rss=$(rss "$CLAMD_PID")
    fi
    if [ -z "$mv_start" ] && mv_ready; then
        mv_start=$(since "$t0") mv_cpu=$(cpu_s "$MV_PID") mv_rss=$(rss "$MV_PID")
    fi
    if [ -z "$mv2_start" ] && mv2_ready; then
        mv2_start=$(since "$t0") mv2_cpu=$(cpu_s "$MV2_PID") mv2_rss=$(rss "$MV2_PID")
    fi
    for p in $CLAMD_PID $MV_PID $MV2_PID; do
        if pf_gone "$p"; then
            cat "$W/clamd.out" "$W/mailvetd.log" "$W/mailvetd-tcp.log" >&2
            die "a daemon did not start"
        fi
    done
    n=$((n + 1))
    [ $n -lt 1800 ] || die "the daemons did not load the database in 15 minutes"
    sleep 0.5
done

# --- 2. scan throughput per thread ------------------------------------------------------
first=$(echo $sessions | cut -d' ' -f1)
echo "hello" > "$W/hello.txt"
{ echo "$W/hello.txt"; cat "$W/files.new-$first"; } > "$W/files.scan"
scan_mb=$(xargs du -cb < "$W/files.new-$first" | tail -1 | awk '{ printf "%.1f", $1 / 1e6 }')
cat > "$W/scan.yaml" <<EOF
database: $W/sigs
policy_dir: ""
metrics_listen: ""
tmpdir: $W/tmp
max_message_size: 100M
max_file_size: 100M
max_scan_size: 400M
max_recursion: 17
max_files: 10000
max_scan_time: 120s
EOF
xargs perl "$W/timescan.pl" "$W/scan-mailvet.out" "$MAILVET" scan -c "$W/scan.yaml" \
    < "$W/files.scan" > "$W/scan-mailvet.times" &
mvs_pid=$!
xargs perl "$W/timescan.pl" "$W/scan-clamscan.out" clamscan --no-summary -d "$W/sigs" \
    --max-filesize=100M --max-scansize=400M --max-recursion=17 --max-files=10000 \
    --max-scantime=120000 --bytecode=no < "$W/files.scan" > "$W/scan-clamscan.times" &
cs_pid=$!
# reloads, side by side: peak RSS during the reload (VmHWM reset before), its time,
# and RSS 2 s after it (the old engine gone)
clamd_reloaded() { grep -q 'Database correctly reloaded' "$W/clamd.log"; }
mv_reloaded() { grep -q 'reload: generation=2 ' "$W/mailvetd.log"; }
hwm_reset "$CLAMD_PID" "$MV_PID"
t0=$(now)
perl "$W/clamd-cmd.pl" "$CLAMD_SOCK" RELOAD > /dev/null || die "clamd refused RELOAD"
kill -USR1 "$MV_PID"
clamd_reload_s= mv_reload_s=
n=0
while [ -z "$clamd_reload_s" ] || [ -z "$mv_reload_s" ]; do
    [ -n "$clamd_reload_s" ] || ! clamd_reloaded || clamd_reload_s=$(since "$t0")
    [ -n "$mv_reload_s" ] || ! mv_reloaded || mv_reload_s=$(since "$t0")
    n=$((n + 1))
    [ $n -lt 1800 ] || die "the reloads did not finish in 15 minutes"
    sleep 0.5
done
sleep 2
clamd_peak=$(hwm "$CLAMD_PID") clamd_after=$(rss "$CLAMD_PID")
mv_peak=$(hwm "$MV_PID") mv_after=$(rss "$MV_PID")
grep 'generation=' "$W/mailvetd.log" | sed 's/^/  mailvetd: /' > "$W/mailvetd.generations" || :

wait "$mvs_pid" || :
wait "$cs_pid" || :
set -- $(cat "$W/scan-mailvet.times")
mvs_load=$1 mvs_wall=$2 mvs_lcpu=$3 mvs_cpu=$4
mvs_found=$(grep -c ': infected' "$W/scan-mailvet.out" || :)
set -- $(cat "$W/scan-clamscan.times")
cs_load=$1 cs_wall=$2 cs_lcpu=$3 cs_cpu=$4
cs_found=$(grep -c ' FOUND$' "$W/scan-clamscan.out" || :)

# --- 3. passes through Postfix ----------------------------------------------------------
clamav-milter -c "$W/clamav-milter.conf" > "$W/clamav-milter.out" 2>&1 &
CM_PID=$!
clamav-milter -c "$W/clamav-milter-tcp.conf" > "$W/clamav-milter-tcp.out" 2>&1 &
CM2_PID=$!
pf_wait_until 30 test -S "$CM_SOCK" || { cat "$W/clamav-milter.out" >&2; die "clamav-milter did not start"; }
pf_wait_until 30 port_listening "$CM_PORT" || { cat "$W/clamav-milter-tcp.out" >&2; die "clamav-milter (TCP) did not start"; }

pf_start_sink || die "smtp-sink did not start"
pf_configure "" || die "cannot write Postfix configuration"
pf_start || die "Postfix did not start"

# use_milter ADDRESS - point smtpd at a milter ("" for none) and reload Postfix
use_milter() {
    postconf -c "$PF_CONF" -e "smtpd_milters = $1"
    postfix -c "$PF_CONF" reload > /dev/null 2>&1
    sleep 1
}

queue_empty() {
    [ -z "$(find "$PF_QUEUE/maildrop" "$PF_QUEUE/incoming" "$PF_QUEUE/active" \
        "$PF_QUEUE/deferred" -type f 2> /dev/null | head -1)" ]
}

# send SESSIONS PORT OUT LIST - LIST's messages through smtp-source, SESSIONS workers in
# parallel; OUT.all gets one line per message "seconds exit-status file", OUT.wall the
# pass's seconds
cat > "$W/send.pl" <<'EOF'
use strict; use warnings; use Time::HiRes qw(time);
my ($n, $port, $out, $list) = @ARGV;
open(my $l, '<', $list) or die; chomp(my @f = <$l>); close $l;
my $t0 = time; my @kids;
for my $w (0 .. $n - 1) {
    my $pid = fork() // die "fork: $!";
    if ($pid) { push @kids, $pid; next }
    open(my $o, '>', "$out.$w") or die;
    for (my $i = $w; $i < @f; $i += $n) {
        # smtp-source is silent on success; on a reject it prints "fatal: ... 550 ..."
        # and then sleeps one second before it exits (Postfix's msg_fatal): the time
        # is taken at that line, and the process killed, so the sleep counts nowhere.
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
        printf $o "%.6f %d %s\n", $t, $got ? 1 : $? >> 8, $f[$i];
    }
    exit 0;
}
waitpid($_, 0) for @kids;
my $wall = time - $t0;
open(my $o, '>', "$out.wall") or die; printf $o "%.6f\n", $wall;
open($o, '>', "$out.all") or die;
for my $w (0 .. $n - 1) { open(my $i, '<', "$out.$w") or die; print {$o} <$i>; close $i; unlink "$out.$w" }
close $o;
EOF

# stats FILE - "p50 p99" in ms, from the first column
stats() {
    sort -n "$1" | awk '{ v[NR] = $1 * 1000 } END {
        i50 = int(NR * 0.50 + 0.5); if (i50 < 1) i50 = 1
        i99 = int(NR * 0.99 + 0.5); if (i99 < 1) i99 = 1; if (i99 > NR) i99 = NR
        printf "%.1f %.1f", v[i50], v[i99] }'
}

# pass SOCK SESSIONS CFG CORPUS LIST - one pass, a line in $W/results:
# "sock sessions cfg corpus msgs wall ok rej p50 p99 cpu_ms rss load1"
pass() {
    _sock=$1 _s=$2 _cfg=$3 _corp=$4 _list=$5
    case $_cfg in
    a) _daemons= ;;
    b) _daemons="$CLAMD_PID $CM_PID $CM2_PID" ;;
    c) [ "$_sock" = tcp ] && _daemons=$MV2_PID || _daemons=$MV_PID ;;
    esac
    _load=$(load1)
    [ -z "$_daemons" ] || hwm_reset $_daemons
    _cpu0=$(cpu $_daemons)
    _out=$W/res/$_sock-$_s-$_cfg-$_corp
    _n=$(wc -l < "$_list")
    perl "$W/send.pl" "$_s" "$PF_SMTP_PORT" "$_out" "$_list"
    _cpums=$(echo "$_cpu0 $(cpu $_daemons) $TCK $_n" | awk '{ printf "%.1f", ($2 - $1) * 1000 / $3 / $4 }')
    _ok=$(awk '$2 == 0' "$_out.all" | wc -l)
    _rej=$(awk '$2 != 0' "$_out.all" | wc -l)
    case $_cfg in
    a) _rss=- ;;
    b) _rss="$(hwm "$CLAMD_PID")+$(hwm "$CM_PID")+$(hwm "$CM2_PID")" ;;
    c) _rss=$(hwm $_daemons) ;;
    esac
    echo "$_sock $_s $_cfg $_corp $_n $(cat "$_out.wall") $_ok $_rej $(stats "$_out.all") $_cpums $_rss $_load" >> "$W/results"
    pf_wait_until 600 queue_empty || echo "run-bench: queue not drained after $_sock/$_s/$_cfg/$_corp" >&2
    find "$PF_SINKDIR" -type f -delete
}

: > "$W/results"
# the repeated corpus once through each, so that the rep passes find their caches warm
# (recorded as "rep1": its first pass)
prime=$(echo $sessions | awk '{ print $NF }')
use_milter "unix:$CM_SOCK"
pass unix "$prime" b rep1 "$W/files.rep"
use_milter "unix:$MV_SOCK"
pass unix "$prime" c rep1 "$W/files.rep"
for s in $sessions; do
    use_milter ""
    pass - "$s" a rep "$W/files.rep"
    use_milter "unix:$CM_SOCK"
    pass unix "$s" b new "$W/files.new-$s"
    pass unix "$s" b rep "$W/files.rep"
    use_milter "unix:$MV_SOCK"
    pass unix "$s" c new "$W/files.new-$s"
    pass unix "$s" c rep "$W/files.rep"
done

# TCP: the second mailvetd, on 127.0.0.1, its cache primed first
use_milter "inet:127.0.0.1:$MV_PORT"
pass tcp "$prime" c rep1 "$W/files.rep"
for s in $sessions; do
    use_milter "inet:127.0.0.1:$CM_PORT"
    pass tcp "$s" b rep "$W/files.rep"
    use_milter "inet:127.0.0.1:$MV_PORT"
    pass tcp "$s" c rep "$W/files.rep"
done
use_milter ""

# --- report ------------------------------------------------------------------------------
echo
echo "== the database ($(cat "$W/sigs"/* | wc -l) signatures): loads side by side =="
printf '%-16s %8s %12s %8s %15s %9s %13s\n' "" "start s" "start CPU s" "RSS MB" "reload peak MB" "reload s" "RSS after MB"
printf '%-16s %8s %12s %8s %15s %9s %13s\n' clamd "$clamd_start" "$clamd_cpu" "$clamd_rss" "$clamd_peak" "$clamd_reload_s" "$clamd_after"
printf '%-16s %8s %12s %8s %15s %9s %13s\n' mailvetd "$mv_start" "$mv_cpu" "$mv_rss" "$mv_peak" "$mv_reload_s" "$mv_after"
printf '%-16s %8s %12s %8s %15s %9s %13s\n' "mailvetd (TCP)" "$mv2_start" "$mv2_cpu" "$mv2_rss" - - -
cat "$W/mailvetd.generations"
echo
echo "== scan throughput per thread: one process each, side by side (and beside the reloads), over $(wc -l < "$W/files.new-$first") new messages, $scan_mb MB =="
printf '%-14s %8s %10s %8s %10s %10s %10s %9s\n' "" "load s" "load CPU" "scan s" "scan CPU" "MB/s wall" "MB/s CPU" "infected"
scanrow() {
    echo "$2 $3 $4 $5 $6 $scan_mb" | awk -v name="$1" '{
        printf "%-14s %8.1f %10.1f %8.1f %10.1f %10.2f %10.2f %9d\n", name, $1, $2, $3, $4,
            ($3 > 0 ? $6 / $3 : 0), ($4 > 0 ? $6 / $4 : 0), $5 }'
}
scanrow "mailvet scan" "$mvs_load" "$mvs_lcpu" "$mvs_wall" "$mvs_cpu" "$mvs_found"
scanrow clamscan "$cs_load" "$cs_lcpu" "$cs_wall" "$cs_cpu" "$cs_found"
echo "$mvs_cpu $cs_cpu $mvs_wall $cs_wall" |
    awk '{ printf "mailvet scan / clamscan: %.2f of its CPU, %.2f of its wall time\n", $1 / $2, $3 / $4 }'

echo
echo "== passes: Postfix -> smtp-sink on loopback, smtp-source one process per message =="
echo "a = no milter, b = clamav-milter + clamd, c = mailvetd; new = messages never seen before,"
echo "rep = the repeated corpus (sent once before, rep1 = that first pass); CPU ms/m = CPU time"
echo "(user + system) per message of the daemons (b: clamd + clamav-milter, c: mailvetd);"
echo "load = 1-min load average at the start of the pass"
awk '
{ printf "%-5s %4s %-3s %-5s %5d %8.1f %9.1f %9.1f %4d/%-3d %9s %12s %6s\n", $1, $2, $3, $4, $5, $5 / $6, $9, $10, $7, $8, ($3 == "a" ? "-" : $11), $12, $13 }
BEGIN { printf "%-5s %4s %-3s %-5s %5s %8s %9s %9s %8s %9s %12s %6s\n", "sock", "conc", "cfg", "corp", "msgs", "msg/s", "p50 ms", "p99 ms", "ok/rej", "CPU ms/m", "peak RSS MB", "load" }
' "$W/results"

echo
echo "== ratios (same run) =="
awk -v S="$sessions" '
{ k = $1 " " $2 " " $3 " " $4; tput[k] = $5 / $6; p50[k] = $9; p99[k] = $10; cpu[k] = $11 }
function r(a, b) { return (b > 0 && a != "") ? sprintf("%.2f", a / b) : "-" }
END {
    n = split(S, ss, " ")
    printf "%-58s", "sessions"; for (i = 1; i <= n; i++) printf " %8s", ss[i]; printf "\n"
    row("CPU per new message, c/b (goal <= 0.5)", "cpu", "unix c new", "unix b new")
    row("msg/s new, c/b", "tput", "unix c new", "unix b new")
    row("msg/s repeated, c/b unix (goal >= 1.0)", "tput", "unix c rep", "unix b rep")
    row("msg/s repeated, c/b tcp", "tput", "tcp c rep", "tcp b rep")
    row("msg/s vs Postfix alone, c new/a (goal 0.85 at 16)", "tput", "unix c new", "- a rep")
    row("msg/s vs Postfix alone, c rep/a", "tput", "unix c rep", "- a rep")
    row("msg/s vs Postfix alone, b new/a", "tput", "unix b new", "- a rep")
    row("p99 new, c/b (goal <= 2)", "p99", "unix c new", "unix b new")
    row("p99 repeated, c/b", "p99", "unix c rep", "unix b rep")
    printf "%-58s", "p50 repeated, mailvetd tcp - unix ms (goal <= 2)"
    for (i = 1; i <= n; i++) { s = ss[i]; a = p50["tcp " s " c rep"]; b = p50["unix " s " c rep"]
        printf " %8s", (a != "" && b != "") ? sprintf("%+.1f", a - b) : "-" }
    printf "\n%-58s", "p50 repeated, clamav-milter tcp - unix ms"
    for (i = 1; i <= n; i++) { s = ss[i]; a = p50["tcp " s " b rep"]; b = p50["unix " s " b rep"]
        printf " %8s", (a != "" && b != "") ? sprintf("%+.1f", a - b) : "-" }
    printf "\n"
}
function row(title, what, x, y,    i, s, a, b) {
    printf "%-58s", title
    for (i = 1; i <= n; i++) { s = ss[i]
        split(x, xx, " "); split(y, yy, " ")
        kx = xx[1] " " s " " xx[2] " " xx[3]; ky = yy[1] " " s " " yy[2] " " yy[3]
        if (what == "cpu") { a = cpu[kx]; b = cpu[ky] } else if (what == "p99") { a = p99[kx]; b = p99[ky] } else { a = tput[kx]; b = tput[ky] }
        printf " %8s", r(a, b) }
    printf "\n"
}' "$W/results"
echo "finished: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
