#!/bin/sh
# postfix.sh - end to end: swaks -> private Postfix smtpd -> mailvetd -> smtp-sink.
#
# Starts an smtp-sink, mailvetd (signatures from tests/samples, add_header on)
# and a private Postfix on loopback whose milter settings are
# contrib/postfix/main.cf.snippet verbatim, so the shipped snippet is what is
# tested.  Then, over SMTP:
#   - clean mail is accepted, arrives at the sink, with X-Mailvet-Status;
#   - EICAR, EICAR in a zip, EICAR in a zip in a zip get 550 5.7.1 naming the
#     signature at end of DATA, and nothing of them reaches the sink;
#   - mailvetd logs one verdict line per message carrying Postfix's queue id;
#   - EICAR inside 25 nested multiparts (1.9 KB, unscannable) gets 250 and is
#     held in mailvetd's quarantine by the built-in policy, not delivered;
#   - a 2.4 MB clean message (spooled to disk by mailvetd) is delivered;
#   - with mailvetd stopped, mail is deferred (4xx), not accepted unscanned.
# Needs root and Postfix; otherwise "1..0 # SKIP".  TAP on stdout.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SWAKS=${SWAKS:-swaks}
[ -n "$SWAKS" ] || SWAKS=swaks

. "$top_srcdir/tests/e2e/postfix-lib.sh"

if reason=$(pf_cannot_run); then
    echo "1..0 # SKIP $reason"
    exit 0
fi

MAILVETD=$top_builddir/milter/mailvetd/mailvetd
PLAN=15
echo "1..$PLAN"

# TAP helpers (ok, not_ok, check, diag, bail: "Bail out!", the EXIT trap cleans up)
. "$top_srcdir/tests/lib.sh"

MV_PID=

dump_diagnostics() {
    [ -n "${PF_WORK:-}" ] || return 0
    pf_diag "$PF_LOG" "$PF_WORK/mailvetd.log" "$PF_WORK/mailvetd.yaml" \
        "$PF_WORK/sink.out"
    for t in "$PF_WORK"/swaks-*.txt; do
        [ -f "$t" ] || continue
        # The transcripts hold whole messages; the SMTP dialogue is enough.
        echo "# --- $t (replies)"
        grep -E '^(<|=|\*)' "$t" | sed 's/^/#   /'
    done
}

finish() {
    trap '' PIPE
    pf_mailvetd_stop
    pf_stop_all
    if [ "$failed" -ne 0 ] || [ "$n" -ne "$PLAN" ]; then
        dump_diagnostics
    fi
    pf_cleanup
}

pf_init "$top_builddir/tests/work" || bail "cannot make a work directory"
trap 'finish' EXIT
trap 'exit 1' INT TERM HUP

# --- samples and mailvetd --------------------------------------------------
sh "$top_srcdir/tests/samples/make-samples.sh" "$PF_WORK/samples" \
    > "$PF_WORK/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$PF_WORK/samples.out")"
# nest25.eml: EICAR inside 25 nested multiparts, as the miltertest builds it
sh "$top_srcdir/tests/milter/t-unscannable.setup" "$PF_WORK/samples" \
    > "$PF_WORK/unscannable.out" 2>&1 ||
    bail "t-unscannable.setup failed: $(cat "$PF_WORK/unscannable.out")"

pf_start_sink || bail "smtp-sink did not start"
pf_configure "" || bail "cannot write Postfix configuration"
pf_use_snippet "$top_srcdir/contrib/postfix/main.cf.snippet" ||
    bail "cannot apply contrib/postfix/main.cf.snippet"

SOCK=$PF_MILTER_DIR/mailvetd.sock
mkdir -p "$PF_WORK/tmp"
cat > "$PF_WORK/mailvetd.yaml" <<EOF
# mailvetd for tests/e2e/postfix.sh
socket: unix:$SOCK
socket_mode: "0666"
user: ""
metrics_listen: ""
pid_file: $PF_WORK/mailvetd.pid
database: $PF_WORK/samples/sigs
tmpdir: $PF_WORK/tmp
on_error: tempfail
add_header: true
log_clean: true
policy_dir: ""
quarantine_dir: $PF_WORK/quarantine
EOF

if [ ! -x "$MAILVETD" ]; then
    bail "$MAILVETD not built"
fi
if pf_mailvetd_start && [ -S "$SOCK" ]; then
    ok "mailvetd is running and created its socket $SOCK"
else
    not_ok "mailvetd is running and created its socket $SOCK"
    bail "mailvetd did not start"
fi

pf_start || bail "the private Postfix did not start"

# --- sending ---------------------------------------------------------------
# send NAME FILE HELO - swaks FILE through Postfix's smtpd; transcript in
# $PF_WORK/swaks-NAME.txt.  Sets EOD_REPLY to the reply to end of DATA.
send() {
    t=$PF_WORK/swaks-$1.txt
    "$SWAKS" --server 127.0.0.1 --port "$PF_SMTP_PORT" --timeout 120 \
        --helo "$3" --from sender@example.com --to recipient@example.com \
        --data "@$2" > "$t" 2>&1
    # The first reply after the line " -> ." that ends the data.
    EOD_REPLY=$(awk 'seen && /^<(-|\*\*)/ { print; exit } /^ -> \.\r?$/ { seen = 1 }' "$t")
}
queue_id_of() {
    sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' "$1" | head -n 1
}
# sink_file MSGID - the sink's dump file holding Message-ID MSGID, if any.
sink_file() {
    grep -l -i -F "Message-ID: <$1@example.com>" "$PF_SINKDIR"/msg.* 2>/dev/null |
        head -n 1
}
# mv_log_has QID REGEX - mailvetd logged a line "QID: ..." matching REGEX.
mv_log_has() {
    grep -E -q -- "(^|[[:space:]])$1: .*$2" "$PF_WORK/mailvetd.log"
}

# 1. clean mail is accepted and delivered, with the status header.
send clean "$PF_WORK/samples/clean.eml" clean.example.com
case $EOD_REPLY in
"<-  250"*) ok "clean.eml: 250 at end of DATA" ;;
*) not_ok "clean.eml: 250 at end of DATA"; diag "got: $EOD_REPLY" ;;
esac
QID_CLEAN=$(queue_id_of "$PF_WORK/swaks-clean.txt")
if [ -n "$QID_CLEAN" ] &&
    pf_wait_log "$QID_CLEAN: to=<recipient@example.com>.*status=sent" 60 &&
    [ -n "$(sink_file clean.1)" ]; then
    ok "clean.eml reaches smtp-sink (queue id $QID_CLEAN)"
else
    not_ok "clean.eml reaches smtp-sink (queue id ${QID_CLEAN:-none})"
fi
f=$(sink_file clean.1)
hdr=$( [ -n "$f" ] && grep -i '^X-Mailvet-Status:' "$f" | head -n 1)
case $hdr in
*[Cc]lean*) ok "delivered clean.eml carries X-Mailvet-Status ($hdr)" ;;
*) not_ok "delivered clean.eml carries X-Mailvet-Status saying clean"
   diag "got header: '${hdr:-none}'" ;;
esac
if [ -n "$QID_CLEAN" ] && mv_log_has "$QID_CLEAN" "verdict=clean"; then
    ok "mailvetd logged verdict=clean with Postfix queue id $QID_CLEAN"
else
    not_ok "mailvetd logged verdict=clean with Postfix queue id ${QID_CLEAN:-none}"
fi

# 2. infected mail is rejected at end of DATA with 550 5.7.1 naming the signature.
for s in eicar eicar-zip eicar-zip-zip; do
    send "$s" "$PF_WORK/samples/$s.eml" "$s.example.com"
    case $EOD_REPLY in
    "<** 550"*5.7.1*Eicar-Test-Signature*)
        ok "$s.eml: 550 5.7.1 naming Eicar-Test-Signature at end of DATA" ;;
    *) not_ok "$s.eml: 550 5.7.1 naming Eicar-Test-Signature at end of DATA"
       diag "got: ${EOD_REPLY:-no reply after the data}" ;;
    esac
done

# Postfix logs the milter's rejection with its queue id and our HELO name.
QID_EICAR=$(sed -n 's/.* \([0-9A-Za-z]*\): milter-reject: END-OF-MESSAGE .*helo=<eicar\.example\.com>.*/\1/p' \
    "$PF_LOG" | head -n 1)
if [ -n "$QID_EICAR" ] &&
    mv_log_has "$QID_EICAR" "verdict=infected.*action=reject.*signatures=[^ ]*Eicar-Test-Signature"; then
    ok "mailvetd logged verdict=infected action=reject signatures=Eicar-Test-Signature with queue id $QID_EICAR"
else
    not_ok "mailvetd logged verdict=infected action=reject signatures=Eicar-Test-Signature with Postfix's queue id (${QID_EICAR:-none in maillog})"
fi

# 3. EICAR inside 25 nested multiparts: deeper than max_mime_depth, so unscannable;
# the built-in policy holds it (250: the sender is told it was taken).
send nest25 "$PF_WORK/samples/nest25.eml" nest25.example.com
case $EOD_REPLY in
"<-  250"*) ok "nest25.eml: 250 at end of DATA (taken, to be held)" ;;
*) not_ok "nest25.eml: 250 at end of DATA (taken, to be held)"; diag "got: $EOD_REPLY" ;;
esac
QID_NEST=$(sed -n 's/.* \([0-9A-Za-z]*\): milter-discard: END-OF-MESSAGE .*helo=<nest25\.example\.com>.*/\1/p' \
    "$PF_LOG" | head -n 1)
held=$(find "$PF_WORK/quarantine" -name '*.eml' 2> /dev/null | wc -l | tr -d ' ')
if [ -n "$QID_NEST" ] && [ "$held" -eq 1 ] &&
    mv_log_has "$QID_NEST" "verdict=unscannable action=quarantine .*signatures=[^ ]*Mailvet.Limits.MaxMimeDepth"; then
    ok "nest25.eml: Postfix discarded it for mailvetd, which logged action=quarantine and holds it"
else
    not_ok "nest25.eml: Postfix discarded it for mailvetd, which logged action=quarantine and holds it"
    diag "queue id ${QID_NEST:-none in maillog}; .eml files in the quarantine: $held"
fi

# 4. a large clean message (mailvetd spools it to disk) is delivered.
send big "$PF_WORK/samples/big-clean.eml" big.example.com
QID_BIG=$(queue_id_of "$PF_WORK/swaks-big.txt")
if [ -n "$QID_BIG" ] &&
    pf_wait_log "$QID_BIG: to=<recipient@example.com>.*status=sent" 60 &&
    [ -n "$(sink_file big-clean.1)" ]; then
    ok "big-clean.eml (2.4 MB) is accepted and reaches smtp-sink"
else
    not_ok "big-clean.eml (2.4 MB) is accepted and reaches smtp-sink"
    diag "end of DATA reply: ${EOD_REPLY:-none}"
fi

# Nothing infected was delivered.  The rejections were synchronous (no queue
# file), and the big message was sent after them and has been delivered.
leaked=$(grep -l -i -E 'Message-ID: <(eicar[-a-z]*\.1|nest25)@example\.com>' \
    "$PF_SINKDIR"/msg.* 2>/dev/null)
if [ -z "$leaked" ] && [ "$(pf_sink_count)" -eq 2 ]; then
    ok "the sink holds exactly the 2 clean messages, no infected or held one"
else
    not_ok "the sink holds exactly the 2 clean messages, no infected or held one"
    diag "sink files: $(pf_sink_count); infected ones: ${leaked:-none}"
fi

# 5. mailvetd stopped: Postfix defers (milter_default_action = tempfail).
pf_mailvetd_stop
if [ "${MV_RC:-1}" -eq 0 ]; then
    ok "mailvetd exits 0 on SIGTERM"
else
    not_ok "mailvetd exits 0 on SIGTERM"
    diag "exit status ${MV_RC:-unknown}"
fi
send down "$PF_WORK/samples/clean.eml" down.example.com
if grep -E -q '^<\*\* *4[0-9][0-9][ -]' "$PF_WORK/swaks-down.txt" &&
    ! grep -q 'queued as' "$PF_WORK/swaks-down.txt"; then
    ok "with mailvetd down, Postfix answers 4xx and queues nothing"
else
    not_ok "with mailvetd down, Postfix answers 4xx and queues nothing"
fi

[ "$failed" -eq 0 ]
