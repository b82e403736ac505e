#!/bin/sh
# killed.sh - mailvetd killed under load: Postfix with milter_default_action =
# tempfail keeps the mail queued; after mailvetd restarts every message is
# delivered or rejected, none lost, none duplicated.
#
# One private Postfix, the milter on an after-queue hop (pf_after_queue_hop): the
# port the clients use has no milter and accepts (250) and queues everything for
# the "scan" transport, which relays it to a second smtpd that runs mailvetd
# (milter_default_action = tempfail) and sends what it accepts to the smtp-sink.
# KILLED_MESSAGES (240) distinct messages - one in six EICAR, the rest clean, each
# with its own token in Subject, Message-ID and recipient - go in over 8
# concurrent swaks clients; while they flow mailvetd gets SIGKILL, stays down a
# few seconds (the hop answers 4xx and Postfix logs status=deferred), and is
# started again over the socket file the kill left behind.  Once the queue is
# empty: every clean token is in the sink exactly once, scanned (X-Mailvet-Status);
# no EICAR original is in the sink, each was bounced with 550 5.7.1 by the hop and
# its sender got one DSN; sent = delivered + rejected, nothing lost or twice.
# Needs root and Postfix; otherwise SKIP.  TAP on stdout.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SWAKS=${SWAKS:-swaks}
[ -n "$SWAKS" ] || SWAKS=swaks
TOTAL=${KILLED_MESSAGES:-240}
CLIENTS=8
OUTAGE=5 # seconds mailvetd stays down, at least

. "$top_srcdir/tests/e2e/postfix-lib.sh"

if reason=$(pf_cannot_run); then
    echo "1..0 # SKIP $reason"
    exit 0
fi

MAILVETD=$top_builddir/milter/mailvetd/mailvetd
PLAN=11
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

MV_PID=
CLIENT_PIDS=
finish() {
    for _p in $CLIENT_PIDS; do kill "$_p" 2>/dev/null; done
    for _p in $CLIENT_PIDS; do wait "$_p" 2>/dev/null; done
    pf_mailvetd_stop
    pf_stop_all
    if [ "$failed" -gt 0 ] || [ "$n" -ne "$PLAN" ]; then
        pf_diag "$PF_WORK/mailvetd.log" "$PF_LOG" "$PF_CONF/master.cf" \
            "$PF_WORK/sent" "$PF_WORK/sink.idx" "$PF_WORK/log.idx" "$PF_WORK/queue.json"
    fi
    pf_cleanup
}
pf_init "$top_builddir/tests/work" || bail "pf_init failed"
trap finish EXIT
trap 'exit 1' INT TERM HUP
pf_mailvet_fixtures || bail "fixtures"
SOCK=$PF_WORK/mailvetd.sock
pf_mailvetd_config "$PF_WORK/quarantine"

verdicts() { awk '/: verdict=/ { n++ } END { print n + 0 }' "$PF_WORK/mailvetd.log"; }

# --- the messages: token kt-c-NNNN (clean) or kt-e-NNNN (EICAR, plain or zipped) ---
M=$PF_WORK/msgs
mkdir -p "$M"
i=0
while [ $i -lt "$TOTAL" ]; do
    i=$((i + 1))
    num=$(printf '%04d' $i)
    case $((i % 12)) in
    0) tok=kt-e-$num; src=$S/eicar.eml ;;
    6) tok=kt-e-$num; src=$S/eicar-zip.eml ;;
    *) tok=kt-c-$num; src=$S/clean.eml ;;
    esac
    # only the header block's Subject and Message-ID
    awk -v tok="$tok" 'h == 0 && /^$/ { h = 1 }
        h == 0 && /^Subject: / { $0 = "Subject: killed-test " tok }
        h == 0 && /^Message-ID: / { $0 = "Message-ID: <" tok "@example.com>" }
        { print }' "$src" > "$M/$tok.eml"
    echo "$tok" >> "$PF_WORK/tokens"
done
clean_total=$(grep -c '^kt-c-' "$PF_WORK/tokens")
eicar_total=$(grep -c '^kt-e-' "$PF_WORK/tokens")

pf_start_sink || bail "smtp-sink"
pf_configure ""
pf_after_queue_hop "unix:$SOCK" || bail "pf_after_queue_hop"
pf_mailvetd_start || bail "mailvetd did not start"
pf_start || bail "postfix"
pf_wait_until 20 port_listening "$PF_SCAN_PORT" || bail "the milter hop is not listening on $PF_SCAN_PORT"

# client K - send every CLIENTS-th message, from the K-th on, to the milter-less
# port; one line per message in $PF_WORK/sent.K: "TOKEN 250|other"
client() {
    _k=$1
    _j=0
    for _tok in $(awk -v k="$_k" -v c="$CLIENTS" '(NR - 1) % c == k' "$PF_WORK/tokens"); do
        _out=$("$SWAKS" --server 127.0.0.1 --port "$PF_SMTP_PORT" --from sender@example.com \
            --to "$_tok@example.com" --data "$M/$_tok.eml" --timeout 60 2>&1)
        if printf '%s\n' "$_out" | grep -q '^<- *250 .*queued as'; then _res=250
        else _res=other; fi
        echo "$_tok $_res" >> "$PF_WORK/sent.$_k"
    done
}
k=0
while [ $k -lt $CLIENTS ]; do
    client "$k" &
    CLIENT_PIDS="$CLIENT_PIDS $!"
    k=$((k + 1))
done

# --- SIGKILL while the hop is busy: once a sixth of the messages were scanned ------
busy() { [ "$(verdicts)" -ge $((TOTAL / 6)) ]; }
pf_wait_until 60 busy || bail "mailvetd scanned only $(verdicts) messages in 60 s"
# (stderr off: the shell would report the job "Killed")
{
    kill -KILL "$MV_PID"
    pf_wait_until 10 pf_gone "$MV_PID"
    wait "$MV_PID"
} 2>/dev/null
MV_PID=
scanned_at_kill=$(verdicts)
sent_at_kill=$(cat "$PF_WORK"/sent.* 2>/dev/null | wc -l)
check "mailvetd was killed with mail still to scan ($scanned_at_kill of $TOTAL scanned, $sent_at_kill sent)" \
    test "$scanned_at_kill" -lt "$TOTAL"
stale=no
[ -S "$SOCK" ] && stale=yes
diag "socket file left behind by SIGKILL: $stale"

# down for OUTAGE seconds, and at least until the hop's 4xx deferred something
hop_relay="relay=127\.0\.0\.1\[127\.0\.0\.1\]:$PF_SCAN_PORT,"
deferred_re="$hop_relay.* status=deferred \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 4[0-9][0-9] "
outage_start=$(date +%s)
pf_wait_log "$deferred_re" 30
while [ $(($(date +%s) - outage_start)) -lt "$OUTAGE" ]; do sleep 0.2; done
outage=$(($(date +%s) - outage_start))
check "while mailvetd was down the hop answered 4xx and Postfix deferred the mail (status=deferred)" \
    pf_log_has "$deferred_re"

if pf_mailvetd_start; then
    ok "mailvetd started again after SIGKILL (stale socket file: $stale)"
else
    not_ok "mailvetd started again after SIGKILL (stale socket file: $stale)"
    diag "$(tail -5 "$PF_WORK/mailvetd.log")"
fi

for p in $CLIENT_PIDS; do wait "$p"; done
CLIENT_PIDS=
cat "$PF_WORK"/sent.* > "$PF_WORK/sent" 2>/dev/null
sent=$(grep -c ' 250$' "$PF_WORK/sent")
check "the milter-less port answered 250 to every message ($sent of $TOTAL)" \
    test "$sent" -eq "$TOTAL" -a "$(wc -l < "$PF_WORK/sent")" -eq "$TOTAL"

# --- the queue drains --------------------------------------------------------------
queue_empty() {
    postqueue -c "$PF_CONF" -j > "$PF_WORK/queue.json" 2>&1 && [ ! -s "$PF_WORK/queue.json" ]
}
drain_start=$(date +%s)
pf_wait_until 90 queue_empty
drained=$?
check "Postfix's queue is empty after the restart ($(($(date +%s) - drain_start)) s)" test "$drained" -eq 0
# smtp-sink may still be closing the file of the last message: a moment for it
sleep 1

# --- account --------------------------------------------------------------------------
# the sink: "original TOKEN HEADER" (HEADER 1 when X-Mailvet-Status is there),
# "dsn TOKEN" (multipart/report, the token of its Final-Recipient) or "other FILE"
find "$PF_SINKDIR" -type f -name 'msg.*' -exec awk '
    function emit() {
        if (ct ~ /multipart\/report/)
            print "dsn", (fr != "" ? fr : "?")
        else if (subj != "")
            print "original", subj, xs
        else
            print "other", file
    }
    FNR == 1 { if (NR > 1) emit(); file = FILENAME; hdr = 1; ct = ""; subj = ""; fr = ""; xs = 0 }
    { sub(/\r$/, "") }
    hdr && $0 == "" { hdr = 0 }
    hdr && ct == "" && tolower($0) ~ /^content-type:/ { ct = tolower($0) }
    hdr && subj == "" && /^Subject: killed-test kt-/ { subj = $3 }
    hdr && /^X-Mailvet-Status:/ { xs = 1 }
    !hdr && fr == "" && /^Final-Recipient: *rfc822; *kt-/ { fr = $NF; sub(/@.*/, "", fr) }
    END { if (NR > 0) emit() }' {} + > "$PF_WORK/sink.idx"
# the log: the token of each queue id (cleanup's message-id), then per token how
# often the hop bounced it with 550 5.7.1 and deferred it with 4xx
awk -v hop="relay=127.0.0.1[127.0.0.1]:$PF_SCAN_PORT," '
    !match($0, /\]: [0-9A-Za-z]+: /) { next }
    { qid = substr($0, RSTART + 3, RLENGTH - 5); rest = substr($0, RSTART + RLENGTH) }
    rest ~ /^message-id=<kt-/ { t = rest; sub(/^message-id=</, "", t); sub(/@.*/, "", t); tok[qid] = t; next }
    !(qid in tok) || index(rest, "to=<") != 1 || !index(rest, hop) { next }
    rest ~ /status=bounced \(host [^ ]* said: 550 5\.7\.1 / { print "bounced", tok[qid] }
    rest ~ /status=deferred \(host [^ ]* said: 4[0-9][0-9] / { print "deferred", tok[qid] }
' "$PF_LOG" > "$PF_WORK/log.idx"

# per token: originals in the sink, scanned originals, DSNs, 550 bounces by the hop
awk '
    FILENAME == ARGV[1] { tokens[$1] = 1; next }
    FILENAME == ARGV[2] && $1 == "original" { orig[$2]++; if ($3) scanned[$2]++; next }
    FILENAME == ARGV[2] && $1 == "dsn" { dsn[$2]++; next }
    FILENAME == ARGV[2] { other++; next }
    $1 == "bounced" { bounced[$2]++; next }
    $1 == "deferred" { deferred[$2] = 1; next }
    END {
        for (t in tokens) {
            c = (t ~ /^kt-c-/)
            o = orig[t] + 0; b = bounced[t] + 0; d = dsn[t] + 0
            if (c && o == 1 && b == 0) { delivered++; if (scanned[t]) scanned_ok++ }
            else if (!c && o == 0 && b == 1 && d == 1) rejected++
            if (c && b > 0) wrong++
            if (!c && o > 0) leaked++
            if (o + b == 0) lost++
            if (o > 1 || b > 1 || d > 1) dup++
            if (!c && b == 1 && d == 1) dsn_ok++
            if (t in deferred) ndef++
            dsns += d
        }
        for (t in orig) if (!(t in tokens)) other++
        for (t in dsn) if (!(t in tokens)) other++
        printf "%d %d %d %d %d %d %d %d %d %d %d\n", delivered, scanned_ok, rejected,
            dsn_ok, dsns, leaked, wrong, lost, dup, other, ndef
    }' "$PF_WORK/tokens" "$PF_WORK/sink.idx" "$PF_WORK/log.idx" > "$PF_WORK/figures"
read -r delivered scanned rejected dsn_ok dsns leaked wrong lost dup other deferred \
    < "$PF_WORK/figures" || bail "no figures from the accounting"
bounced_total=$(grep -c '^bounced ' "$PF_WORK/log.idx")

check "every clean message is in the sink exactly once ($delivered of $clean_total)" \
    test "$delivered" -eq "$clean_total"
check "every delivered message was scanned on the hop: X-Mailvet-Status ($scanned of $delivered)" \
    test "$scanned" -eq "$delivered"
check "no EICAR message reached the sink as a delivered original ($leaked)" test "$leaked" -eq 0
check "every EICAR message was bounced by the hop with 550 5.7.1, once ($bounced_total bounces, $eicar_total EICAR, $wrong clean)" \
    test "$bounced_total" -eq "$eicar_total" -a "$wrong" -eq 0
check "each rejected message's sender got one DSN, and nothing else is in the sink ($dsn_ok of $eicar_total, $dsns DSNs, $other other)" \
    test "$dsn_ok" -eq "$eicar_total" -a "$dsns" -eq "$eicar_total" -a "$other" -eq 0
diag "sent $sent, delivered $delivered, rejected $rejected, deferred during the outage $deferred, DSNs $dsns, lost $lost, duplicated $dup"
diag "mailvetd killed after $scanned_at_kill verdicts, down $outage s; $(verdicts) verdicts in all, $(pf_ready_count) starts"
check "sent = delivered + rejected: none lost, none duplicated ($sent = $delivered + $rejected, lost $lost, duplicated $dup)" \
    test "$sent" -eq $((delivered + rejected)) -a "$lost" -eq 0 -a "$dup" -eq 0

[ "$failed" -eq 0 ] && [ "$n" -eq "$PLAN" ]
