#!/bin/sh
# quarantine.sh - end to end: the quarantine through a private Postfix.
#
#   1. An Avaddon look-alike (tests/samples/make-campaign-samples.sh) sent with
#      swaks: the sender gets 250, nothing reaches the sink, mailvetd logs
#      "quarantined id=...", "mailvet quarantine list --json" shows it held with
#      the campaign, and "show" gives its reasons.
#   2. "release" re-injects it through Postfix's milter-less port
#      (contrib/postfix/master.cf.snippet): the sink receives it with the body
#      byte-identical to what was sent, and the record says released.
#   3. mailvetd killed with SIGKILL while quarantining under load (30 swaks in
#      parallel): every entry list shows is whole (record and message); every
#      message answered 250 is in the quarantine, every other one got a 4xx
#      (milter_default_action = tempfail) and stays with its sender: none lost.
#   4. A full quarantine filesystem (a 1 MB tmpfs filled up): the message gets a
#      4xx (the sending MTA keeps it and retries); once there is room, the retry
#      is quarantined.
# Needs root and Postfix (mount for step 4); otherwise SKIP.  TAP on stdout.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SWAKS=${SWAKS:-swaks}

. "$top_srcdir/tests/e2e/postfix-lib.sh"

if reason=$(pf_cannot_run); then
    echo "1..0 # SKIP $reason"
    exit 0
fi

MAILVETD=$top_builddir/milter/mailvetd/mailvetd
MAILVET=$top_builddir/milter/mailvet/mailvet
PLAN=14
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

MV_PID=
QMOUNT=
finish() {
    pf_mailvetd_stop
    pf_stop_all
    [ -n "$QMOUNT" ] && umount "$QMOUNT" 2>/dev/null
    if [ "$failed" -gt 0 ]; then
        pf_diag "$PF_WORK/mailvetd.log" "$PF_LOG"
    fi
    pf_cleanup
}

pf_init "$top_builddir/tests/work" || bail "pf_init failed"
trap finish EXIT
pf_mailvet_fixtures || bail "fixtures"
Q=$PF_WORK/quarantine

# send FILE [RCPT] - swaks the file; its transcript in $PF_WORK/swaks.out
send() {
    "$SWAKS" --server 127.0.0.1 --port "$PF_SMTP_PORT" --from sender@example.net \
        --to "${2:-user@example.com}" --data "$1" --timeout 60 > "$PF_WORK/swaks.out" 2>&1
}
q() { "$MAILVET" quarantine -c "$PF_WORK/mailvetd.yaml" "$@"; }
# body FILE - what follows the first empty line, CRLF made LF, without the empty
# lines smtp-sink's dump ends with
body() { sed 's/\r$//' "$1" | awk 'b { print } /^$/ { b = 1 }' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }

pf_mailvetd_config "$Q" "quarantine_release_port: $PF_REINJECT_PORT"
pf_start_sink || bail "smtp-sink"
pf_configure "unix:$PF_WORK/mailvetd.sock"
pf_mailvetd_start || bail "mailvetd did not start"
pf_start || bail "postfix"

# --- 1. quarantined ----------------------------------------------------------------
send "$C/avaddon-wave1.eml"
if grep -q '^<.  *250 .*queued as' "$PF_WORK/swaks.out"; then
    ok "the Avaddon look-alike is answered 250 at end of DATA"
else
    not_ok "the Avaddon look-alike is answered 250 at end of DATA"; diag "$(tail -5 "$PF_WORK/swaks.out")"
fi
pf_wait_until 20 grep -q "quarantined id=" "$PF_WORK/mailvetd.log"
id=$(sed -n 's/.*quarantined id=\([0-9A-Z]*\).*/\1/p' "$PF_WORK/mailvetd.log" | head -1)
check "mailvetd logs the quarantine id" test -n "$id"
sleep 3
check "nothing reached the sink" test "$(pf_sink_count)" -eq 0
q list --json > "$PF_WORK/list.json" 2> "$PF_WORK/list.err"
if jq -e --arg id "$id" 'length == 1 and .[0].id == $id and .[0].state == "held"
        and (.[0].campaigns | index("Avaddon") != null)' "$PF_WORK/list.json" > /dev/null; then
    ok "list --json shows it held, campaign Avaddon"
else
    not_ok "list --json shows it held, campaign Avaddon"; diag "$(cat "$PF_WORK/list.json" "$PF_WORK/list.err")"
fi
q show "$id" > "$PF_WORK/show.out" 2>&1
if grep -q "AVADDON_CAMPAIGN" "$PF_WORK/show.out"; then
    ok "show gives its reasons (AVADDON_CAMPAIGN)"
else
    not_ok "show gives its reasons (AVADDON_CAMPAIGN)"; diag "$(head -40 "$PF_WORK/show.out")"
fi

# --- 2. released ---------------------------------------------------------------
q release "$id" > "$PF_WORK/release.out" 2>&1
rc=$?
check "release exits 0" test "$rc" -eq 0
sink_has_one() { [ "$(pf_sink_count)" -ge 1 ]; }
pf_wait_until 60 sink_has_one
if [ "$(pf_sink_count)" -eq 1 ]; then
    got=$(find "$PF_SINKDIR" -type f -name 'msg.*' | head -1)
    body "$C/avaddon-wave1.eml" > "$PF_WORK/sent.body"
    body "$got" > "$PF_WORK/got.body"
    if cmp -s "$PF_WORK/sent.body" "$PF_WORK/got.body"; then
        ok "the released message reaches the sink, its body byte-identical"
    else
        not_ok "the released message reaches the sink, its body byte-identical"
        diag "$(diff "$PF_WORK/sent.body" "$PF_WORK/got.body" | head -20)"
    fi
else
    not_ok "the released message reaches the sink (sink has $(pf_sink_count))"
fi
if q list --json | jq -e --arg id "$id" '.[] | select(.id == $id) | .state == "released"' > /dev/null; then
    ok "the record says released"
else
    not_ok "the record says released"; diag "$(q show "$id" 2>&1 | head -30)"
fi

# --- 3. SIGKILL while quarantining under load ------------------------------------
i=0
pids=
while [ $i -lt 30 ]; do
    i=$((i + 1))
    "$SWAKS" --server 127.0.0.1 --port "$PF_SMTP_PORT" --from sender@example.net \
        --to "load$i@example.com" --data "$C/avaddon-wave1.eml" --timeout 60 \
        > "$PF_WORK/load$i.out" 2>&1 &
    pids="$pids $!"
done
sleep 0.6
kill -KILL "$MV_PID"
wait "$MV_PID" 2>/dev/null
MV_PID=
for p in $pids; do wait "$p"; done
bad=0
for j in $(q list --json | jq -r '.[].id'); do
    q show "$j" > /dev/null 2>&1 || bad=$((bad + 1))
    q show --raw "$j" 2>/dev/null | grep -q "INERT-TEST-FIXTURE" || bad=$((bad + 1))
done
check "after SIGKILL every listed entry is whole (record and message)" test "$bad" -eq 0
# every load message the MTA answered 250 (queued) is in the quarantine; the others
# got a 4xx (mailvetd gone: milter_default_action = tempfail) and stay with the client
lost=0
answered=0
i=0
while [ $i -lt 30 ]; do
    i=$((i + 1))
    if grep -q 'queued as' "$PF_WORK/load$i.out"; then
        answered=$((answered + 1))
        held=$(q list --json --recipient "load$i@example.com" | jq length)
        [ "$held" -ge 1 ] || lost=$((lost + 1))
    elif ! grep -q '^<\** *4[0-9][0-9] ' "$PF_WORK/load$i.out"; then
        lost=$((lost + 1)) # neither accepted nor deferred
    fi
done
diag "load: $answered of 30 answered 250 before the kill, the rest 4xx"
check "after SIGKILL no message is lost: every 250 is quarantined, the rest got 4xx" test "$lost" -eq 0
check "and none of them reached the sink" test "$(pf_sink_count)" -eq 1
pf_mailvetd_start || bail "mailvetd did not start"

# --- 4. a full quarantine filesystem ------------------------------------------------
QMOUNT=$PF_WORK/qfull
mkdir -p "$QMOUNT"
if mount -t tmpfs -o size=1m tmpfs "$QMOUNT" 2>/dev/null; then
    head -c 1040000 /dev/zero > "$QMOUNT/filler" 2>/dev/null
    pf_mailvetd_config "$QMOUNT/q" "quarantine_release_port: $PF_REINJECT_PORT"
    kill -USR1 "$MV_PID"
    pf_wait_until 30 grep -q "reload: generation=2" "$PF_WORK/mailvetd.log"
    send "$C/avaddon-wave1.eml" full@example.com
    if grep -q '<~\? *4[0-9][0-9] ' "$PF_WORK/swaks.out" || grep -q '<\*\* *4[0-9][0-9] ' "$PF_WORK/swaks.out"; then
        ok "a full quarantine filesystem answers 4xx"
    else
        not_ok "a full quarantine filesystem answers 4xx"; diag "$(tail -5 "$PF_WORK/swaks.out")"
    fi
    rm -f "$QMOUNT/filler"
    full_held() { q list --json --recipient 'full@*' 2>/dev/null | jq -e 'length == 1' > /dev/null; }
    # the sender (swaks) got 4xx directly: it is the client that retries
    send "$C/avaddon-wave1.eml" full@example.com
    if pf_wait_until 30 full_held; then
        ok "once there is room the message is quarantined"
    else
        not_ok "once there is room the message is quarantined"; diag "$(tail -5 "$PF_WORK/swaks.out")"
    fi
    check "mailvetd logged the failed write and answered tempfail" \
        grep -q "quarantine failed, answering tempfail" "$PF_WORK/mailvetd.log"
else
    skip "a full quarantine filesystem answers 4xx (cannot mount a tmpfs here)"
    skip "once there is room the message is quarantined (no tmpfs)"
    skip "mailvetd logged the failed write (no tmpfs)"
fi

[ "$failed" -eq 0 ] && [ "$n" -eq "$PLAN" ]
