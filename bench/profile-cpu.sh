#!/bin/sh
# profile-cpu.sh - where the CPU of a message never seen before goes, in instructions.
# Usage: bench/profile-cpu.sh [-n FILES] [-C CORPUSDIR] [-D] [-k]
#   -n FILES   ordinary messages of the corpus to profile (40; all for the CPU figures)
#   -C DIR     use the corpus in DIR instead of writing one with corpus.pl (300 messages)
#   -D         also profile mailvetd under miltertest (milter callbacks, spool)
#   -k         keep the work directory (callgrind.out.* for callgrind_annotate)
# Prints (1) callgrind's instruction count of "mailvet scan" over the first FILES
# ordinary messages (no campaign, no EICAR) with the bundled EICAR hash set and no
# policy, and the functions with the most instructions of their own; (2) with -D, the
# same for mailvetd given the same messages by miltertest; (3) CPU time (user +
# system) per message of "mailvet scan" over all ordinary messages against a fresh
# clamd (its clean-file cache empty, so no message repeats) given the same messages
# by INSTREAM, as clamav-milter gives them.  callgrind counts instructions: the same
# for the same inputs however busy the machine is, so it measures a change; the CPU
# figures are for the ratio.  Needs valgrind; clamd (clamav-daemon) for (3),
# miltertest for (2).  Installs nothing.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet
MAILVETD=$top_builddir/milter/mailvetd/mailvetd

nfiles=40
corpus=
daemon=
keep=
while getopts n:C:Dk opt; do
    case $opt in
    n) nfiles=$OPTARG ;;
    C) corpus=$OPTARG ;;
    D) daemon=yes ;;
    k) keep=yes ;;
    *) sed -n '3,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64 ;;
    esac
done

die() { echo "profile-cpu: $*" >&2; exit 2; }
[ -x "$MAILVET" ] && [ -x "$MAILVETD" ] || die "build first ($MAILVET)"
command -v valgrind > /dev/null || die "valgrind not found (Debian package valgrind)"

W=$(mktemp -d "${TMPDIR:-/tmp}/profile-cpu.XXXXXX")
CLAMD_PID= MV_PID=
cleanup() {
    for p in $MV_PID $CLAMD_PID; do
        kill "$p" 2> /dev/null && wait "$p" 2> /dev/null || :
    done
    if [ -n "$keep" ]; then echo "profile-cpu: work directory kept: $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

hdb=$top_builddir/policies/signatures-default/mailvet-eicar.hdb
[ -s "$hdb" ] || make -C "$top_builddir/policies" signatures-default/mailvet-eicar.hdb > /dev/null ||
    die "cannot make $hdb"
mkdir -p "$W/sigs" "$W/tmp" "$W/clamtmp"
cp "$hdb" "$W/sigs/"
if [ -z "$corpus" ]; then
    corpus=$W/corpus
    perl "$top_srcdir/bench/corpus.pl" -e "$top_srcdir/tests/samples/eicar.sh" "$corpus" > /dev/null
fi
ls "$corpus"/*.eml | grep -v -e '-campaign\.eml$' -e '-infected\.eml$' > "$W/ordinary" || :
head -n "$nfiles" "$W/ordinary" > "$W/files"
[ -s "$W/files" ] || die "no ordinary messages in $corpus"

# the limits of run-bench.sh; no policy: the engine holds the signatures clamd holds
cat > "$W/mailvet.yaml" <<EOF
socket: unix:$W/mailvetd.sock
user: ""
metrics_listen: ""
pid_file: ""
database: $W/sigs
policy_dir: ""
tmpdir: $W/tmp
on_error: tempfail
add_header: false
max_message_size: 100M
max_file_size: 100M
max_scan_size: 400M
max_recursion: 17
max_files: 10000
max_scan_time: 120s
EOF

# top OUT - the total and the 15 functions with the most instructions of their own
top() {
    callgrind_annotate --inclusive=no "$1" 2> /dev/null |
        awk '/PROGRAM TOTALS/ { print "  total " $1 " instructions"; next }
             /file:function/ { go = 1; next }
             go && NF && !/^-/ && n < 15 { n++; sub(/^ +/, ""); print "  " $0 }' |
        sed 's/ \[[^]]*\/\([^/]*\)\]$/ [\1]/'
}

mb=$(xargs cat < "$W/files" | wc -c | awk '{ printf "%.1f", $1 / 1048576 }')
echo "mailvet scan under callgrind: $(wc -l < "$W/files") ordinary messages, $mb MB"
(cd "$W" && valgrind --tool=callgrind --callgrind-out-file="$W/callgrind.out.scan" \
    "$MAILVET" scan -c "$W/mailvet.yaml" $(cat "$W/files")) > "$W/scan.out" 2> "$W/scan.vg" ||
    die "mailvet scan failed: $(tail -3 "$W/scan.vg")"
top "$W/callgrind.out.scan"

if [ -n "$daemon" ]; then
    command -v miltertest > /dev/null || die "miltertest not found (Debian package miltertest)"
    # one connection, the messages one after another, as tests/milter/lib.lua sends them
    cat > "$W/send.lua" <<'EOF'
package.path = os.getenv("LIBDIR") .. "/?.lua;" .. package.path
local mv = require("lib")
mv.run(function()
    local conn = mv.connect({ timeout = 600 })
    local n = 0
    for file in io.lines(os.getenv("FILES")) do
        n = n + 1
        mv.send(conn, file, { qid = "PROF" .. n })
    end
    mv.disconnect(conn)
end)
EOF
    valgrind --tool=callgrind --callgrind-out-file="$W/callgrind.out.daemon" \
        "$MAILVETD" -c "$W/mailvet.yaml" -f > "$W/mailvetd.log" 2>&1 &
    MV_PID=$!
    i=0
    while [ ! -S "$W/mailvetd.sock" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    [ -S "$W/mailvetd.sock" ] || die "mailvetd did not start: $(tail -3 "$W/mailvetd.log")"
    MAILVET_SOCKET=unix:$W/mailvetd.sock MAILVET_SAMPLES=$W MAILVET_TMPDIR=$W/tmp \
        MAILVET_LOG=$W/mailvetd.log MAILVET_PID=$MV_PID MAILVET_REPLIES=/dev/null \
        LIBDIR=$top_srcdir/tests/milter FILES=$W/files miltertest -s "$W/send.lua" > "$W/send.out" 2>&1 ||
        die "miltertest failed: $(tail -3 "$W/send.out")"
    kill "$MV_PID"
    wait "$MV_PID" 2> /dev/null || :
    MV_PID=
    echo
    echo "mailvetd under callgrind, the same messages through miltertest (start-up included):"
    top "$W/callgrind.out.daemon"
fi

command -v clamd > /dev/null || { echo "profile-cpu: no clamd (clamav-daemon): no CPU figures" >&2; exit 0; }
TCK=$(getconf CLK_TCK)
# cpu PID - user + system clock ticks of PID so far
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
count=$(wc -l < "$W/ordinary")
# mailvet scan: the children's CPU time, start-up and signature load included
t0=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
xargs "$MAILVET" scan -c "$W/mailvet.yaml" < "$W/ordinary" > "$W/cpu.out" 2>&1 || :
mv_ms=$(echo "$t0 $(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat) $TCK $count" |
    awk '{ printf "%.2f", ($2 - $1) * 1000 / $3 / $4 }')
cat > "$W/clamd.conf" <<EOF
Foreground yes
LocalSocket $W/clamd.sock
DatabaseDirectory $W/sigs
TemporaryDirectory $W/clamtmp
LogFile $W/clamd.log
MaxThreads 4
StreamMaxLength 100M
MaxFileSize 100M
MaxScanSize 400M
MaxRecursion 17
MaxFiles 10000
MaxScanTime 120000
Bytecode no
EOF
clamd -c "$W/clamd.conf" > "$W/clamd.out" 2>&1 &
CLAMD_PID=$!
i=0
while [ ! -S "$W/clamd.sock" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$W/clamd.sock" ] || die "clamd did not start: $(tail -3 "$W/clamd.out")"
c0=$(cpu "$CLAMD_PID")
perl -MIO::Socket::UNIX -e '
    for my $f (@ARGV[1 .. $#ARGV]) {
        my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $ARGV[0]) or die "clamd: $!\n";
        print $s "zINSTREAM\0";
        open(my $in, "<:raw", $f) or die "$f: $!\n";
        my $buf;
        while (my $n = read($in, $buf, 65536)) { print $s pack("N", $n), $buf }
        print $s pack("N", 0);
        local $/ = "\0";
        my $r = <$s>;
        print "$f: $r\n";
    }' "$W/clamd.sock" $(cat "$W/ordinary") > "$W/clamd.replies"
cd_ms=$(echo "$c0 $(cpu "$CLAMD_PID") $TCK $count" | awk '{ printf "%.2f", ($2 - $1) * 1000 / $3 / $4 }')
echo
echo "CPU per message (user + system), $count ordinary messages, each once:"
echo "  mailvet scan           $mv_ms ms (one process, start-up included)"
echo "  clamd (INSTREAM, cold) $cd_ms ms"
echo "$mv_ms $cd_ms" | awk '{ printf "  ratio mailvet scan / clamd: %.2f\n", $1 / $2 }'
