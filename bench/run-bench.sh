#!/bin/sh
# run-bench.sh - mailvetd against Postfix alone and clamav-milter + clamd, in one run.
#
# As root, on loopback, in one invocation: writes the corpus (bench/corpus.pl), starts
# a private Postfix relaying to smtp-sink (tests/e2e/postfix-lib.sh), a private
# redis-server, mailvetd, and private clamd + clamav-milter instances (Debian
# packages, own config files in the work dir, unix sockets), all with the same
# signature set: the bundled EICAR hash set of policies/signatures-default.  Then it
# sends the same corpus with smtp-source at concurrency 1, 8 and 32 through
#   a  Postfix without a milter
#   b  Postfix + clamav-milter + clamd, clamd restarted (its clean-file cache empty)
#   bw the same corpus again through b (clamd's clean-file cache warm)
#   c  Postfix + mailvetd, Redis cache cold (FLUSHALL before the pass)
#   d  Postfix + mailvetd, cache warm (the same corpus again, right after c)
# and prints messages per second, median and p99 time per message, peak RSS of each
# daemon and their CPU time per message, and the ratios c/a, c/b, d/b, d/bw.  Then "mailvet scan" against clamscan over the
# same files, and (unless -P) a perf profile of mailvetd on the ordinary messages.
# Nothing is installed and no system service is touched; a missing program stops the
# run at once, naming its Debian package.
#
# Time per message: each message is one smtp-source process (-m 1 -F FILE), timed
# by the driver from fork to exit: connect, EHLO, MAIL, RCPT, DATA, the milter's
# end-of-message verdict, Postfix's 250, QUIT; for a reject, up to the 550 (when
# smtp-source prints it: it would then sleep 1 s before exiting).  A worker per
# session sends its share of the corpus one message after another.  msg/s = messages
# / wall time of the pass (first connect to last reply).  Between passes the Postfix
# queue is drained to the sink, so delivery of one pass does not load the next.
#
# Usage (from the build tree, as root):
#   bench/run-bench.sh [-n COUNT] [-s "1 8 32"] [-C CORPUSDIR] [-P] [-k]
#     -n COUNT   corpus size (300, about 160 MB)
#     -s LIST    concurrencies (smtp-source sessions in parallel)
#     -C DIR     use the corpus in DIR instead of writing one
#     -P         no perf profile
#     -k         keep the work directory (logs, perf.data)
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet
MAILVETD=$top_builddir/milter/mailvetd/mailvetd

count=300
sessions="1 8 32"
corpus=
profile=yes
while getopts n:s:C:Pk opt; do
    case $opt in
    n) count=$OPTARG ;;
    s) sessions=$OPTARG ;;
    C) corpus=$OPTARG ;;
    P) profile= ;;
    k) KEEP_WORK=1 ;;
    *) sed -n '/^# Usage/,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 64 ;;
    esac
done

die() { echo "run-bench: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "must run as root (postfix start is root-only)"
[ -x "$MAILVETD" ] && [ -x "$MAILVET" ] || die "build first ($MAILVETD)"
PATH=$PATH:/usr/sbin:/sbin
for need in postfix:postfix postconf:postfix smtp-source:postfix smtp-sink:postfix \
    redis-server:redis-server redis-cli:redis-tools clamd:clamav-daemon \
    clamav-milter:clamav-milter clamscan:clamav perl:perl setpriv:util-linux; do
    command -v "${need%%:*}" > /dev/null 2>&1 ||
        die "${need%%:*} not found: install the Debian package ${need#*:}"
done
if [ -n "$profile" ] && ! command -v perf > /dev/null 2>&1; then
    echo "run-bench: perf not found (Debian package linux-perf): no profile" >&2
    profile=
fi
id postfix > /dev/null 2>&1 || die "no postfix user (Debian package postfix)"

. "$top_srcdir/tests/e2e/postfix-lib.sh"

# signatures: the bundled EICAR hash set, one directory for all three scanners
hdb=$top_builddir/policies/signatures-default/mailvet-eicar.hdb
if [ ! -s "$hdb" ]; then
    make -C "$top_builddir/policies" signatures-default/mailvet-eicar.hdb > /dev/null ||
        die "cannot make $hdb"
fi

pf_init "${TMPDIR:-/tmp}" || die "cannot make a work directory"
W=$PF_WORK
REDIS_SOCK=$W/redis.sock
CLAMD_SOCK=$W/clamd.sock
CM_SOCK=$W/clamav-milter.sock
MV_SOCK=$W/mailvetd.sock
MV_PID= CLAMD_PID= CM_PID=

stop_pid() {
    [ -n "$1" ] || return 0
    kill "$1" 2> /dev/null || return 0
    pf_wait_until 20 pf_gone "$1" || kill -9 "$1" 2> /dev/null
    wait "$1" 2> /dev/null || :
}
cleanup() {
    trap '' PIPE
    set +e     # postfix-lib.sh's functions are not written for set -e
    pf_stop_all
    stop_pid "$MV_PID"
    stop_pid "$CM_PID"
    stop_pid "$CLAMD_PID"
    redis-cli -s "$REDIS_SOCK" shutdown nosave > /dev/null 2>&1 || :
    if [ -n "${KEEP_WORK:-}" ]; then
        echo "run-bench: work directory kept: $W" >&2
    else
        rm -rf "$W"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$W/sigs" "$W/tmp" "$W/clamtmp" "$W/cmtmp" "$W/res"
cp "$hdb" "$W/sigs/"
chmod 755 "$W/sigs" && chmod 644 "$W/sigs/"*

if [ -z "$corpus" ]; then
    corpus=$W/corpus
    perl "$top_srcdir/bench/corpus.pl" -n "$count" -e "$top_srcdir/tests/samples/eicar.sh" "$corpus"
fi
ls "$corpus"/*.eml > "$W/files"
count=$(wc -l < "$W/files")
grep -v -e '-campaign\.eml$' -e '-infected\.eml$' "$W/files" > "$W/files.ordinary" || :

# --- daemons ---------------------------------------------------------------------------
redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 700 --save '' \
    --appendonly no --daemonize yes --pidfile "$W/redis.pid" --logfile "$W/redis.log" \
    --dir "$W" > /dev/null
pf_wait_until 10 redis-cli -s "$REDIS_SOCK" ping > /dev/null 2>&1 || die "redis-server did not start"
REDIS_PID=$(cat "$W/redis.pid")

# Equal limits: 100 MB message / file, 400 MB scanned per message, recursion 17,
# 10000 files, 120 s; one log line per message (clean ones too) from each milter.
# policy_dir "": no rules and no campaign signatures, so mailvetd's engine holds
# exactly the signatures clamd holds.
cat > "$W/mailvet.yaml" <<EOF
socket: unix:$MV_SOCK
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
redis: "unix:$REDIS_SOCK"
cache_secret: "run-bench-secret-0123456789"
EOF
"$MAILVETD" -c "$W/mailvet.yaml" -f > "$W/mailvetd.log" 2>&1 &
MV_PID=$!

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
EOF
# start_clamd - (re)start clamd: a fresh process has an empty clean-file cache
# (libclamav's in-memory cache of the MD5s of clean files, on by default in clamd),
# so the b pass is as cold as mailvetd's c pass; bw then sends the same corpus to the
# same clamd again, as d does to mailvetd with its Redis cache warm
CLAMD_PID=
start_clamd() {
    if [ -n "$CLAMD_PID" ]; then
        kill "$CLAMD_PID" 2> /dev/null || :
        wait "$CLAMD_PID" 2> /dev/null || :
        rm -f "$CLAMD_SOCK"
    fi
    clamd -c "$W/clamd.conf" >> "$W/clamd.out" 2>&1 &
    CLAMD_PID=$!
    pf_wait_until 60 test -S "$CLAMD_SOCK" || { cat "$W/clamd.out" >&2; die "clamd did not start"; }
}
start_clamd

# clamav-milter as root too (no User line): its socket mode 666 lets Postfix in.
cat > "$W/clamav-milter.conf" <<EOF
Foreground yes
MilterSocket unix:$CM_SOCK
MilterSocketMode 666
FixStaleSocket yes
PidFile $W/clamav-milter.pid
TemporaryDirectory $W/cmtmp
ClamdSocket unix:$CLAMD_SOCK
MaxFileSize 100M
OnClean Accept
OnInfected Reject
OnFail Defer
AddHeader No
LogFile $W/clamav-milter.log
LogTime yes
LogInfected Basic
LogClean Basic
ReadTimeout 120
EOF

clamav-milter -c "$W/clamav-milter.conf" > "$W/clamav-milter.out" 2>&1 &
CM_PID=$!
pf_wait_until 30 test -S "$CM_SOCK" || { cat "$W/clamav-milter.out" >&2; die "clamav-milter did not start"; }
pf_wait_until 30 test -S "$MV_SOCK" || { cat "$W/mailvetd.log" >&2; die "mailvetd did not start"; }

pf_start_sink || die "smtp-sink did not start"
pf_configure "" || die "cannot write Postfix configuration"
pf_start || die "Postfix did not start"

# --- passes ----------------------------------------------------------------------------
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

# hwm_reset PID... / hwm PID - peak RSS since the reset, in MB
hwm_reset() { for p in "$@"; do echo 5 > "/proc/$p/clear_refs" 2> /dev/null || :; done; }
hwm() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
# cpu PID... - CPU time (user + system) of the processes so far, in clock ticks
cpu() { for p in "$@"; do cat "/proc/$p/stat"; done | awk '{ t += $14 + $15 } END { print t + 0 }'; }
TCK=$(getconf CLK_TCK)

# send SESSIONS OUT - the corpus through smtp-source, SESSIONS workers in parallel;
# OUT gets one line per message "seconds exit-status", OUT.wall the pass's seconds
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

echo "corpus: $count messages, $(du -sm "$corpus" | cut -f1) MB ($corpus)"
echo "run: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
: > "$W/results"
for s in $sessions; do
    for cfg in a b bw c d; do
        case $cfg in
        a) use_milter "" ;;
        b) start_clamd; use_milter "unix:$CM_SOCK" ;;
        bw) ;;
        c) use_milter "unix:$MV_SOCK"; redis-cli -s "$REDIS_SOCK" flushall > /dev/null ;;
        d) ;;
        esac
        hwm_reset "$MV_PID" "$CLAMD_PID" "$CM_PID" "$REDIS_PID"
        case $cfg in
        b | bw) daemons="$CLAMD_PID $CM_PID" ;;
        c | d) daemons="$MV_PID $REDIS_PID" ;;
        *) daemons= ;;
        esac
        cpu0=$(cpu $daemons)
        out=$W/res/$cfg-$s
        perl "$W/send.pl" "$s" "$PF_SMTP_PORT" "$out" "$W/files"
        cpums=$(echo "$cpu0 $(cpu $daemons) $TCK $count" | awk '{ printf "%.1f", ($2 - $1) * 1000 / $3 / $4 }')
        wall=$(cat "$out.wall")
        ok=$(awk '$2 == 0' "$out.all" | wc -l)
        rej=$(awk '$2 != 0' "$out.all" | wc -l)
        set -- $(stats "$out.all")
        case $cfg in
        a) rss="-" ;;
        b | bw) rss="clamd $(hwm "$CLAMD_PID") + clamav-milter $(hwm "$CM_PID")" ;;
        *) rss="mailvetd $(hwm "$MV_PID"), redis $(hwm "$REDIS_PID")" ;;
        esac
        echo "$s $cfg $wall $ok $rej $1 $2 $cpums $rss" >> "$W/results"
        pf_wait_until 600 queue_empty || echo "run-bench: queue not drained after $s/$cfg" >&2
        find "$PF_SINKDIR" -type f -delete
    done
done
use_milter ""

echo
echo "Postfix -> smtp-sink on loopback; smtp-source, one process per message"
echo "a = no milter, b = clamav-milter + clamd (restarted: its clean-file cache empty), bw = the same again (clamd's cache warm),"
echo "c = mailvetd cache cold, d = mailvetd cache warm"
echo "CPU ms/m: CPU time (user + system) per message of the pass's daemons: b, bw clamd + clamav-milter, c and d mailvetd + redis-server"
echo
awk -v n="$count" 'BEGIN {
    printf "%-5s %-3s %8s %9s %9s %8s %9s  %s\n", "conc", "cfg", "msg/s", "p50 ms", "p99 ms", "ok/rej", "CPU ms/m", "peak RSS MB"
}
{
    rss = ""; for (i = 9; i <= NF; i++) rss = rss " " $i
    printf "%-5s %-3s %8.1f %9.1f %9.1f %4d/%-3d %9s %s\n", $1, $2, n / $3, $6, $7, $4, $5, ($2 == "a" ? "-" : $8), rss
    tput[$1, $2] = n / $3; p50[$1, $2] = $6; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 }
}
END {
    printf "\nratios (throughput: higher is better for the first; p50 time: lower is better)\n"
    printf "%-5s %10s %10s %10s %10s   %10s %10s %10s %10s\n", "conc", "c/a msg/s", "c/b msg/s", "d/b msg/s", "d/bw msg/s", "c/a p50", "c/b p50", "d/b p50", "d/bw p50"
    for (j = 1; j <= k; j++) { s = order[j]
        printf "%-5s %10.2f %10.2f %10.2f %10.2f   %10.2f %10.2f %10.2f %10.2f\n", s,
            tput[s, "c"] / tput[s, "a"], tput[s, "c"] / tput[s, "b"], tput[s, "d"] / tput[s, "b"], tput[s, "d"] / tput[s, "bw"],
            p50[s, "c"] / p50[s, "a"], p50[s, "c"] / p50[s, "b"], p50[s, "d"] / p50[s, "b"], p50[s, "d"] / p50[s, "bw"] }
}' "$W/results"
echo "peak RSS over the whole run (VmHWM): mailvetd $(awk '/^VmHWM/{printf "%.0f", $2/1024}' /proc/$MV_PID/status 2>/dev/null) MB" \
    "(reset before each pass: the table shows each pass's peak)"

# --- mailvet scan against clamscan -------------------------------------------------------
grep -v '^redis\|^cache_secret' "$W/mailvet.yaml" > "$W/scan.yaml"
timeit() {
    _s=$(date +%s.%N)
    "$@" > "$W/timeit.out" 2>&1 || :
    _e=$(date +%s.%N)
    echo "$_s $_e" | awk '{ printf "%.2f", $2 - $1 }'
}
t_mv=$(timeit xargs "$MAILVET" scan -c "$W/scan.yaml" < "$W/files")
mv_found=$(grep -c ': infected' "$W/timeit.out" || :)
t_cs=$(timeit xargs clamscan --no-summary -d "$W/sigs" --max-filesize=100M --max-scansize=400M \
    --max-recursion=17 --max-files=10000 --max-scantime=120000 --bytecode=no < "$W/files")
cs_found=$(grep -c ' FOUND$' "$W/timeit.out" || :)
echo
echo "one process over the $count files, same signatures, cache off:"
printf '  mailvet scan  %7.2f s  %d infected\n' "$t_mv" "$mv_found"
printf '  clamscan      %7.2f s  %d infected\n' "$t_cs" "$cs_found"
echo "$t_mv $t_cs" | awk '{ printf "  ratio mailvet scan / clamscan (time): %.2f\n", $1 / $2 }'

# --- profile -------------------------------------------------------------------------------
if [ -n "$profile" ]; then
    use_milter "unix:$MV_SOCK"
    redis-cli -s "$REDIS_SOCK" flushall > /dev/null
    perf record -g -p "$MV_PID" -o "$W/perf.data" > "$W/perf.out" 2>&1 &
    PERF_PID=$!
    sleep 1
    perl "$W/send.pl" 8 "$PF_SMTP_PORT" "$W/res/profile" "$W/files.ordinary"
    kill -INT "$PERF_PID"
    wait "$PERF_PID" 2> /dev/null || :
    use_milter ""
    echo
    echo "perf profile of mailvetd: $(wc -l < "$W/files.ordinary") ordinary messages, 8 sessions, cache cold"
    echo "self time by shared object:"
    perf report -i "$W/perf.data" --no-children --sort dso --stdio -g none 2> /dev/null |
        grep -v '^#' | grep -v '^$' | head -8
    echo "self time by symbol (top 15):"
    perf report -i "$W/perf.data" --no-children --sort dso,sym --stdio -g none 2> /dev/null |
        grep -v '^#' | grep -v '^$' | head -20
    [ -n "${KEEP_WORK:-}" ] || rm -f "$W/perf.data"
fi
