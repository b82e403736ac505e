#!/bin/sh
# fleet.sh - end to end: two hosts, one quarantine.  Two private Postfix + mailvetd
# pairs on loopback (tests/e2e/postfix-lib.sh), each with its own ports, its own
# myhostname (mx-a.example.com, mx-b.example.com) and its own quarantine_host, share
# one PostgreSQL (tests/pg-lib.sh; quarantine_store: postgresql), migrated once by
# "mailvet quarantine migrate":
#   1. an Avaddon look-alike sent to each host is answered 250 and quarantined by it
#      (nothing reaches either sink);
#   2. "mailvet quarantine list" from either host shows the fleet's two entries, each
#      with the host that holds it;
#   3. "release" run on host B of the entry held on host A re-injects it at A's
#      milter-less re-injection port (the address A recorded): A's Postfix receives it
#      there and delivers it to A's sink, B's sink gets nothing, and the record says
#      released, with A's port in its history.
# Needs root, Postfix and PostgreSQL's server binaries; otherwise SKIP.  TAP on stdout.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SWAKS=${SWAKS:-swaks}

. "$top_srcdir/tests/e2e/postfix-lib.sh"
. "$top_srcdir/tests/pg-lib.sh"

if reason=$(pf_cannot_run); then
    echo "1..0 # SKIP $reason"
    exit 0
fi
if ! pg_find; then
    echo "1..0 # SKIP $PG_WHY"
    exit 0
fi

MAILVETD=$top_builddir/milter/mailvetd/mailvetd
MAILVET=$top_builddir/milter/mailvet/mailvet
PLAN=11
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

# The library keeps one instance in PF_* and MV_PID: each host's are saved here and
# put back by "on A" / "on B".
VARS="PF_WORK PF_CONF PF_QUEUE PF_DATA PF_LOG PF_SINKDIR PF_SMTP_PORT PF_SINK_PORT
PF_REINJECT_PORT PF_SINK_PID PF_STARTED MV_PID"
save() { for _v in $VARS; do eval "${1}_$_v=\${$_v:-}"; done; }
on() { for _v in $VARS; do eval "$_v=\${${1}_$_v:-}"; done; }
MV_PID=
A_PF_WORK=
B_PF_WORK=
finish() {
    for h in A B; do
        [ -n "$(eval echo "\${${h}_PF_WORK:-}")" ] || continue
        on "$h"
        pf_mailvetd_stop
        pf_stop_all
        if [ "$failed" -gt 0 ]; then
            echo "# --- host $h"
            pf_diag "$PF_WORK/mailvetd.log" "$PF_LOG"
        fi
        pf_cleanup
    done
    pg_cleanup
}
trap finish EXIT

pg_start || bail "PostgreSQL: $PG_WHY"

# host NAME LOWER - one Postfix + mailvetd pair, holding as mx-LOWER.example.com
host() {
    MV_PID=
    pf_init "$top_builddir/tests/work" || bail "pf_init failed"
    if [ -z "${S:-}" ]; then
        pf_mailvet_fixtures || bail "fixtures"
    else
        mkdir -p "$PF_WORK/tmp" && chmod 755 "$PF_WORK/tmp" # the samples and policy are A's
    fi
    pf_mailvetd_config "$PF_WORK/quarantine" \
        "quarantine_store: postgresql" \
        "quarantine_db: \"$PG_CONNINFO\"" \
        "quarantine_host: mx-$2.example.com" \
        "quarantine_release_host: 127.0.0.1" \
        "quarantine_release_port: $PF_REINJECT_PORT"
    pf_start_sink || bail "smtp-sink"
    pf_configure "unix:$PF_WORK/mailvetd.sock"
    sed -i "s/^myhostname = .*/myhostname = mx-$2.example.com/" "$PF_CONF/main.cf"
    # the re-injection smtpd logs under a name of its own, to tell it from the front one
    sed -i "s/^  -o smtpd_milters= -o non_smtpd_milters= -o receive_override_options=no_milters$/& -o syslog_name=postfix\/reinject/" \
        "$PF_CONF/master.cf"
    grep -q "syslog_name=postfix/reinject" "$PF_CONF/master.cf" || bail "master.cf: no re-injection line"
    save "$1"
}
host A a
host B b
on A
"$MAILVET" quarantine -c "$A_PF_WORK/mailvetd.yaml" migrate > "$PF_WORK/migrate.out" 2>&1 ||
    bail "migrate: $(cat "$PF_WORK/migrate.out")"
for h in A B; do
    on "$h"
    pf_mailvetd_start || bail "mailvetd of host $h did not start: $(tail -3 "$PF_WORK/mailvetd.log")"
    pf_start || bail "postfix of host $h"
    save "$h"
done

# send - swaks the Avaddon look-alike to this host; its transcript in swaks.out
send() {
    "$SWAKS" --server 127.0.0.1 --port "$PF_SMTP_PORT" --from sender@example.net \
        --to user@example.com --data "$C/avaddon-wave1.eml" --timeout 60 \
        > "$PF_WORK/swaks.out" 2>&1
}
q() { _h=$1; shift; "$MAILVET" quarantine -c "$(eval echo "\$${_h}_PF_WORK")/mailvetd.yaml" "$@"; }
quarantined() { grep -q "quarantined id=" "$PF_WORK/mailvetd.log"; }

# --- 1. each host quarantines ---------------------------------------------------------
for h in A B; do
    on "$h"
    send
    lower=$(echo "$h" | tr AB ab)
    if grep -q "^<-  220 mx-$lower.example.com " "$PF_WORK/swaks.out" &&
        grep -q '^<.  *250 .*queued as' "$PF_WORK/swaks.out" && pf_wait_until 30 quarantined; then
        ok "host $h (mx-$lower.example.com): the look-alike is answered 250 and quarantined"
    else
        not_ok "host $h (mx-$lower.example.com): the look-alike is answered 250 and quarantined"
        diag "$(tail -5 "$PF_WORK/swaks.out")"
    fi
    eval "ID_$h=\$(sed -n 's/.*quarantined id=\([0-9A-Z]*\).*/\1/p' \"\$PF_WORK/mailvetd.log\" | head -1)"
done
sleep 2
check "nothing reached either sink" \
    test "$(on A; pf_sink_count)" -eq 0 -a "$(on B; pf_sink_count)" -eq 0

# --- 2. the fleet's quarantine from either host ----------------------------------------
for h in A B; do
    q "$h" list --json > "$A_PF_WORK/list-$h.json" 2> "$A_PF_WORK/list-$h.err"
    if jq -e --arg a "$ID_A" --arg b "$ID_B" 'length == 2
            and (.[] | select(.id == $a) | .host == "mx-a.example.com" and .state == "held")
            and (.[] | select(.id == $b) | .host == "mx-b.example.com" and .state == "held")' \
            "$A_PF_WORK/list-$h.json" > /dev/null; then
        ok "list from host $h: both entries, held on mx-a and mx-b"
    else
        not_ok "list from host $h: both entries, held on mx-a and mx-b"
        diag "$(cat "$A_PF_WORK/list-$h.json" "$A_PF_WORK/list-$h.err")"
    fi
done
q B list > "$A_PF_WORK/list-text.out" 2>&1
check "list's text names the host of each entry" \
    grep -q "^$ID_A  [0-9TZ:-]*  mx-a.example.com  held" "$A_PF_WORK/list-text.out"

# --- 3. release on B of what A holds ---------------------------------------------------
q B release "$ID_A" > "$A_PF_WORK/release.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "$ID_A: released to 127.0.0.1:$A_PF_REINJECT_PORT" "$A_PF_WORK/release.out"; then
    ok "release on host B of A's entry: exit 0, sent to A's re-injection port"
else
    not_ok "release on host B of A's entry: exit 0, sent to A's re-injection port (exit $rc)"
    diag "$(cat "$A_PF_WORK/release.out")"
fi
on A
a_sink_one() { [ "$(pf_sink_count)" -ge 1 ]; }
pf_wait_until 60 a_sink_one
check "A's Postfix received it on its re-injection port" \
    grep -q "postfix/reinject/smtpd\[[0-9]*\]: [0-9A-F]*: client=" "$PF_LOG"
check "and delivered it to A's sink (1 message)" test "$(pf_sink_count)" -eq 1
check "B's sink got nothing" test "$(on B; pf_sink_count)" -eq 0
if q A show --json "$ID_A" | jq -e --arg p "127.0.0.1:$A_PF_REINJECT_PORT" \
        '.state == "released" and (.history[-1].detail | startswith("to " + $p + " "))' > /dev/null; then
    ok "the record says released, through A's port"
else
    not_ok "the record says released, through A's port"
    diag "$(q A show "$ID_A" 2>&1 | tail -8)"
fi
exit 0
