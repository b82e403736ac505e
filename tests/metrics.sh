#!/bin/sh
# metrics.sh - mailvetd's /metrics as Prometheus sees it.  mailvetd runs with the
# shipped policy, metrics_listen on a free loopback port, metrics_max_signatures 2 and
# a Redis nobody answers (its cache breaker opens); miltertest sends two clean
# messages, EICAR, an Avaddon look-alike (rejected as a campaign), a look-alike the
# policy quarantines and one with 10,001 header fields (a limit: unscannable,
# quarantined).  Then:
#   - the refusals a user meets: a metrics_listen that is no ADDRESS:PORT (exit 78),
#     an address in use (exit 69, its socket left to nobody), and "" serves nothing;
#   - the raw text (curl): 200 and the 0.0.4 content type, "promtool check metrics"
#     finds nothing to say, no mail content (addresses, queue ids, subjects), every
#     rule the look-alike hits has its series, mailvetd(8) lists every family; / is a
#     pointer, another path 404, another method 405 with Allow;
#   - contrib/: "promtool check rules" passes on the alert rules, the Grafana
#     dashboard is JSON, and every metric the two name is one mailvetd serves;
#   - a real Prometheus (Debian's package, a private instance: its own config,
#     storage and port, scrape and rule evaluation every second, the alert rules
#     loaded) scrapes it: up is 1, messages by verdict are the sequence, the Avaddon
#     campaign rule and the EICAR signature count 1, the signatures past the first
#     two count as other (the log's signatures in all), the limit counts 1 as
#     MaxHeaderFields, the bytes and objects scanned are those the log's lines add
#     up to, generation 1, the quarantine holds 2, the breaker is open, the second clean message came from the local
#     cache (its hits counted, its entries held), every dashboard query evaluates; after SIGUSR1
#     the reload counter is 1 and the generation 2; after a reload refused (a broken
#     policy file) the refused counter is 1 and the alert MailvetReloadRefused is
#     active, as are MailvetRedisBreakerOpen and MailvetSignaturesOld (the signature
#     files were made 10 days old); a quarantine_dir opened to others makes the
#     next quarantined message a tempfail: mailvet_tempfails_total{cause=
#     "quarantine"} is 1 and MailvetTempfailRateHigh active; once mailvetd stops
#     (exit 0) up is 0 and MailvetdDown is active.
# Everything started is stopped at the end.  TAP on stdout; env: top_srcdir,
# top_builddir, MILTERTEST.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVETD=$top_builddir/milter/mailvetd/mailvetd
MILTERTEST=${MILTERTEST:-$(command -v miltertest 2>/dev/null)}

PLAN=51
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/postfix-lib.sh"

# skip_all REASON - every planned test as a skip: a missing prerequisite is no pass
skip_all() {
    while [ "$n" -lt "$PLAN" ]; do skip "$1"; done
    exit 0
}

[ -x "$MAILVETD" ] || bail "$MAILVETD not built"
for tool in prometheus promtool; do
    command -v "$tool" > /dev/null 2>&1 || skip_all "$tool not installed (Debian package prometheus)"
done
command -v curl > /dev/null 2>&1 || skip_all "curl not installed"
command -v jq > /dev/null 2>&1 || skip_all "jq not installed"
[ -n "$MILTERTEST" ] && command -v "$MILTERTEST" > /dev/null 2>&1 ||
    skip_all "miltertest not installed"

work_dir metrics
W=$(cd "$W" && pwd -P)
# the milter socket must fit in sun_path (108 bytes)
if [ ${#W} -gt 80 ]; then
    rmdir "$W"
    W=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-metrics-XXXXXX") || bail "mktemp failed"
fi

PIDS=
cleanup() {
    for p in $PIDS; do
        kill -TERM "$p" 2> /dev/null
    done
    for p in $PIDS; do
        i=0
        while kill -0 "$p" 2> /dev/null && [ $i -lt 100 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        kill -KILL "$p" 2> /dev/null
        wait "$p" 2> /dev/null
    done
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

alive() { kill -0 "$1" 2> /dev/null; }
gone() { ! kill -0 "$1" 2> /dev/null; }
up_or_gone() { [ -S "$1" ] || gone "$2"; }
# stop PID - SIGTERM, bounded wait, reap; RC is its exit status
stop() {
    kill -TERM "$1" 2> /dev/null
    wait_until 30 gone "$1" || kill -KILL "$1" 2> /dev/null
    wait "$1" 2> /dev/null
    RC=$?
    PIDS=$(echo " $PIDS " | sed "s/ $1 / /")
}
show() { [ -f "$1" ] && tail -n "${2:-20}" "$1" | sed 's/^/#   /'; }

# --- samples, policy, ports, configuration ---------------------------------
sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"
sh "$top_srcdir/tests/samples/make-campaign-samples.sh" "$W/campaign" > "$W/campaign.out" 2>&1 ||
    bail "make-campaign-samples.sh failed: $(cat "$W/campaign.out")"
# old signatures, for MailvetSignaturesOld
touch -d '10 days ago' "$W/samples/sigs"/*
mkdir -p "$W/policies" "$W/tmp" "$W/q"
chmod 700 "$W/q"
(cd "$top_srcdir/policies" &&
    cp -R policy.yaml generic.yaml heuristics.yaml campaigns signatures "$W/policies/") ||
    bail "cannot copy the shipped policy"
pf_free_port || bail "no free port"
MPORT=$PF_PORT
pf_free_port || bail "no free port"
PPORT=$PF_PORT
pf_free_port || bail "no free port"
DEAD=$PF_PORT # a Redis nobody answers
SOCK=$W/mailvetd.sock
MURL=http://127.0.0.1:$MPORT

# config NAME [LINE...] - $W/NAME.yaml for a daemon of its own (socket NAME.sock);
# each LINE is added at the end
config() {
    _name=$1
    shift
    cat > "$W/$_name.yaml" <<EOF
socket: unix:$W/$_name.sock
user: ""
pid_file: $W/$_name.pid
database: $W/samples/sigs
policy_dir: $W/policies
reload_check_interval: 0s
tmpdir: $W/tmp
quarantine_dir: $W/q
log_clean: true
redis: "127.0.0.1:$DEAD"
cache_secret: "metrics-test-secret-0123456789"
metrics_max_signatures: 2
EOF
    for _line in "$@"; do echo "$_line" >> "$W/$_name.yaml"; done
}

# --- a metrics_listen that is no address -------------------------------------
config badlisten 'metrics_listen: "localhost:9465"'
out=$("$MAILVETD" -n -c "$W/badlisten.yaml" 2>&1)
rc=$?
line=$(grep -n '^metrics_listen:' "$W/badlisten.yaml" | cut -d: -f1)
want="$W/badlisten.yaml:$line: metrics_listen: must be ADDRESS:PORT with an IP address, such as 127.0.0.1:9465 or [::1]:9465 (\"\" for none), got localhost:9465"
if [ $rc -eq 78 ] && [ "$out" = "$want" ]; then
    ok "metrics_listen: localhost:9465 is refused: exit 78, one line naming file, line and key"
else
    not_ok "metrics_listen: localhost:9465 is refused: exit 78, one line naming file, line and key"
    diag "got exit $rc: $out" "want exit 78: $want"
fi

# --- the daemon ----------------------------------------------------------------
config mailvetd "metrics_listen: \"127.0.0.1:$MPORT\""
"$MAILVETD" -c "$W/mailvetd.yaml" -f > "$W/mailvetd.log" 2>&1 &
DPID=$!
PIDS="$PIDS $DPID"
wait_until 60 up_or_gone "$SOCK" "$DPID"
if [ -S "$SOCK" ] && alive "$DPID" &&
    wait_until 10 grep -q "metrics: serving $MURL/metrics" "$W/mailvetd.log"; then
    ok "mailvetd starts and logs \"metrics: serving $MURL/metrics\""
else
    not_ok "mailvetd starts and logs \"metrics: serving $MURL/metrics\""
    show "$W/mailvetd.log"
    bail "mailvetd did not start"
fi

# --- the same address again: refused -----------------------------------------
config second "metrics_listen: \"127.0.0.1:$MPORT\""
timeout 60 "$MAILVETD" -c "$W/second.yaml" -f > "$W/second.log" 2>&1
rc=$?
want="$W/second.yaml: metrics_listen: cannot listen on 127.0.0.1:$MPORT: Address already in use; stop what listens there or set another address (metrics_listen: \"\" serves no metrics)"
if [ $rc -eq 69 ] && grep -q -x -F "$want" "$W/second.log"; then
    ok "a second mailvetd on the same metrics_listen refuses: exit 69, one line naming the key and the fix"
else
    not_ok "a second mailvetd on the same metrics_listen refuses: exit 69, one line naming the key and the fix"
    diag "got exit $rc" "want: $want"
    show "$W/second.log"
fi
# (GET /, not /metrics: the quarantine's counts are read at the first scrape and kept
# for 30 s, and this one comes before any mail)
if [ ! -e "$W/second.sock" ] && [ ! -e "$W/second.pid" ] &&
    curl -s -f -o /dev/null "$MURL/"; then
    ok "the refused one leaves no socket or pid file, and the first still answers"
else
    not_ok "the refused one leaves no socket or pid file, and the first still answers"
    ls -l "$W" | sed 's/^/#   /'
fi

# --- metrics_listen: "" serves nothing ------------------------------------------
config off 'metrics_listen: ""'
"$MAILVETD" -c "$W/off.yaml" -f > "$W/off.log" 2>&1 &
opid=$!
PIDS="$PIDS $opid"
wait_until 60 up_or_gone "$W/off.sock" "$opid"
if [ -S "$W/off.sock" ] && alive "$opid" && ! grep -q "metrics:" "$W/off.log"; then
    stop "$opid"
    if [ "$RC" -eq 0 ]; then
        ok "metrics_listen: \"\" starts beside it, serves no /metrics and says nothing of it"
    else
        not_ok "metrics_listen: \"\" starts beside it and stops with exit 0 (got $RC)"
    fi
else
    not_ok "metrics_listen: \"\" starts beside it, serves no /metrics and says nothing of it"
    show "$W/off.log"
    stop "$opid"
fi

# --- the mail -------------------------------------------------------------------
cat > "$W/send.lua" <<'EOF'
-- send.lua - the sequence of metrics.sh: 2 clean, EICAR, an Avaddon look-alike, a
-- look-alike the shipped policy quarantines, a message past the header field limit
local mv = require("lib")
local campaign = os.getenv("MAILVET_CAMPAIGN") .. "/"

mv.run(function()
    local conn = mv.connect({ quiet = true })
    local r = mv.send(conn, mv.sample("clean.eml"), { qid = "TMET1" })
    mv.expect_accepted(r, "clean.eml is accepted")
    r = mv.send(conn, mv.sample("clean.eml"), { qid = "TMET2" })
    mv.expect_accepted(r, "clean.eml again is accepted")
    r = mv.send(conn, mv.sample("eicar.eml"), { qid = "TMET3" })
    mv.check(r.stage == "eom" and r.code == SMFIR_REPLYCODE, "eicar.eml is rejected",
             "got " .. mv.reply_name(r.code) .. " at " .. r.stage)
    r = mv.send(conn, campaign .. "avaddon-wave1.eml", { qid = "TMET4" })
    mv.check(r.stage == "eom" and r.code == SMFIR_REPLYCODE, "avaddon-wave1.eml is rejected",
             "got " .. mv.reply_name(r.code) .. " at " .. r.stage)
    r = mv.send(conn, campaign .. "covid-vbs.eml", { qid = "TMET5" })
    mv.check(r.stage == "eom" and r.code == SMFIR_DISCARD, "covid-vbs.eml is quarantined",
             "got " .. mv.reply_name(r.code) .. " at " .. r.stage)
    local extra = {}
    for i = 1, 10001 do
        extra[i] = { "X-Filler-" .. i, "value" }
    end
    r = mv.send(conn, mv.sample("clean.eml"), { qid = "TMET6", extra_headers = extra })
    mv.check(r.stage == "eom" and r.code == SMFIR_DISCARD,
             "clean.eml with 10,001 more header fields is quarantined (unscannable)",
             "got " .. mv.reply_name(r.code) .. " at " .. r.stage)
    mv.disconnect(conn)
end)
EOF
: > "$W/replies.log"
(
    cd "$W" || exit 1
    MAILVET_SOCKET=unix:$SOCK MAILVET_SAMPLES=$W/samples MAILVET_CAMPAIGN=$W/campaign \
        MAILVET_TMPDIR=$W/tmp MAILVET_LOG=$W/mailvetd.log MAILVET_PID=$DPID \
        MAILVET_REPLIES=$W/replies.log LUA_PATH="$top_srcdir/tests/milter/?.lua;;" \
        exec timeout 300 "$MILTERTEST" -s "$W/send.lua"
) > "$W/send.out" 2> "$W/send.err"
rc=$?
if [ $rc -eq 0 ] && [ "$(grep -c '^ok - ' "$W/send.out")" -eq 6 ] &&
    ! grep -q '^not ok' "$W/send.out"; then
    ok "miltertest: clean and clean accepted, EICAR and the Avaddon look-alike rejected, covid-vbs.eml and 10,001 header fields quarantined"
else
    not_ok "miltertest: clean and clean accepted, EICAR and the Avaddon look-alike rejected, covid-vbs.eml and 10,001 header fields quarantined"
    diag "miltertest exit $rc"
    show "$W/send.out"
    show "$W/send.err"
fi
# the summary lines are written once the answer is; wait for the last
wait_until 10 grep -q 'TMET6: verdict=' "$W/mailvetd.log"
# what the log's summary lines add up to: bytes, objects, and signatures (a limit's
# name is not one)
sum_field() {
    grep -o "TMET[0-9]: verdict=.* $1=[0-9]*" "$W/mailvetd.log" | sed "s/.* $1=//" |
        awk '{ s += $1 } END { print s + 0 }'
}
log_bytes=$(sum_field size)
log_objects=$(sum_field objects)
log_signatures=$(grep -o 'TMET[0-9]: verdict=.* signatures=[^ ]*' "$W/mailvetd.log" |
    sed 's/.* signatures=//' | tr ',' '\n' |
    grep -v -e '^-$' -e '^Mailvet\.Limits\.' -e '^Heuristics\.Limits\.Exceeded\.' | grep -c .)

# --- the raw text ---------------------------------------------------------------
curl -s -D "$W/headers" -o "$W/metrics.txt" "$MURL/metrics"
status=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$W/headers")
ctype=$(sed -n 's/^[Cc]ontent-[Tt]ype: *\(.*\)\r$/\1/p' "$W/headers")
if [ "$status" = 200 ] && [ "$ctype" = "text/plain; version=0.0.4; charset=utf-8" ]; then
    ok "GET /metrics: 200, Content-Type: text/plain; version=0.0.4"
else
    not_ok "GET /metrics: 200, Content-Type: text/plain; version=0.0.4"
    diag "got status '$status', type '$ctype'"
fi
if promtool check metrics < "$W/metrics.txt" > "$W/promtool.out" 2>&1 && [ ! -s "$W/promtool.out" ]; then
    ok "promtool check metrics finds nothing to say about the exposition"
else
    not_ok "promtool check metrics finds nothing to say about the exposition"
    show "$W/promtool.out"
fi
# what the messages carried: envelope, client, queue ids, subjects
leaks=
for s in @ example. 192.0.2. client. TMET; do
    grep -v '^#' "$W/metrics.txt" | grep -q -F "$s" && leaks="$leaks '$s'"
done
for f in "$W/samples/clean.eml" "$W/campaign/avaddon-wave1.eml" "$W/campaign/covid-vbs.eml"; do
    subj=$(sed -n 's/^Subject: *//p' "$f" | head -n 1 | tr -d '\r')
    [ ${#subj} -ge 4 ] && grep -q -F "$subj" "$W/metrics.txt" && leaks="$leaks '$subj'"
done
if [ -z "$leaks" ]; then
    ok "nothing of the messages (addresses, client, queue ids, subjects) is in the text"
else
    not_ok "nothing of the messages (addresses, client, queue ids, subjects) is in the text"
    diag "found:$leaks"
fi
missing=
for rule in $(awk -F '\t' '$1 == "avaddon-wave1.eml" && $2 == "hit" { print $3 }' "$W/campaign/expect.tsv"); do
    v=$(sed -n "s/^mailvet_rule_hits_total{rule=\"$rule\"} //p" "$W/metrics.txt")
    [ -n "$v" ] && [ "$v" -ge 1 ] || missing="$missing $rule=${v:-none}"
done
if [ -z "$missing" ] && grep -q '^mailvet_rule_hits_total{rule="AVADDON_CAMPAIGN"} 1$' "$W/metrics.txt"; then
    ok "every rule avaddon-wave1.eml hits (expect.tsv) counts it; AVADDON_CAMPAIGN counts 1"
else
    not_ok "every rule avaddon-wave1.eml hits (expect.tsv) counts it; AVADDON_CAMPAIGN counts 1"
    diag "missing or 0:$missing"
    grep '^mailvet_rule_hits_total' "$W/metrics.txt" | grep -v ' 0$' | sed 's/^/#   /'
fi
families=$(sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$W/metrics.txt")
undocumented=
for f in $families; do
    grep -q "^\\.BR .*$f" "$top_builddir/man/mailvetd.8" || undocumented="$undocumented $f"
done
if [ -n "$families" ] && [ -z "$undocumented" ] && grep -q '^\.SH METRICS' "$top_builddir/man/mailvetd.8"; then
    ok "mailvetd(8) METRICS lists every family served ($(echo $families | wc -w))"
else
    not_ok "mailvetd(8) METRICS lists every family served"
    diag "not listed:$undocumented"
fi
code() { curl -s -o "$W/body" -D "$W/h" -w '%{http_code}' "$@"; }
got=$(code "$MURL/")
if [ "$got" = 200 ] && grep -q '/metrics' "$W/body"; then
    ok "GET / answers 200 with a pointer to /metrics"
else
    not_ok "GET / answers 200 with a pointer to /metrics"; diag "got $got: $(cat "$W/body")"
fi
got=$(code "$MURL/metrics/../../etc/passwd")
got2=$(code "$MURL/stats")
if [ "$got" = 404 ] && [ "$got2" = 404 ]; then
    ok "any other path answers 404"
else
    not_ok "any other path answers 404"; diag "got $got and $got2"
fi
got=$(code -X POST --data 'x=1' "$MURL/metrics")
if [ "$got" = 405 ] && grep -q -i '^Allow: GET, HEAD' "$W/h"; then
    ok "POST /metrics answers 405 with Allow: GET, HEAD"
else
    not_ok "POST /metrics answers 405 with Allow: GET, HEAD"; diag "got $got"; show "$W/h"
fi

# --- contrib/ ---------------------------------------------------------------------
RULES=$top_srcdir/contrib/prometheus/mailvet-alerts.yml
DASH=$top_srcdir/contrib/grafana/mailvet.json
if promtool check rules "$RULES" > "$W/rules.out" 2>&1; then
    ok "promtool check rules passes on contrib/prometheus/mailvet-alerts.yml"
else
    not_ok "promtool check rules passes on contrib/prometheus/mailvet-alerts.yml"
    show "$W/rules.out"
fi
if jq -e '.panels | length > 0' "$DASH" > /dev/null 2>&1; then
    ok "contrib/grafana/mailvet.json is JSON with panels"
else
    not_ok "contrib/grafana/mailvet.json is JSON with panels"
fi
served=$(sed -n -e 's/^\(mailvet_[a-z_]*\)[{ ].*/\1/p' -e 's/^# TYPE \(mailvet_[a-z_]*\) .*/\1/p' \
    "$W/metrics.txt" | sort -u)
unknown=
for m in $( (jq -r '.. | .expr? // empty' "$DASH"; cat "$RULES") | grep -o 'mailvet_[a-z_]*' | sort -u); do
    echo "$served" | grep -q -x "$m" || unknown="$unknown $m"
done
if [ -z "$unknown" ]; then
    ok "every metric the dashboard and the alert rules name is one mailvetd serves"
else
    not_ok "every metric the dashboard and the alert rules name is one mailvetd serves"
    diag "unknown:$unknown"
fi

# --- Prometheus ---------------------------------------------------------------------
cat > "$W/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $RULES
scrape_configs:
  - job_name: mailvet
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ["127.0.0.1:$MPORT"]
EOF
prometheus --config.file="$W/prometheus.yml" --storage.tsdb.path="$W/tsdb" \
    --web.listen-address="127.0.0.1:$PPORT" > "$W/prometheus.log" 2>&1 &
PPID_=$!
PIDS="$PIDS $PPID_"
API=http://127.0.0.1:$PPORT/api/v1

# q EXPR - the values of an instant query, "LABEL=VALUE" per series when LABEL (the
# second argument) is given, else the values alone; sorted, space-separated
q() {
    curl -s -G "$API/query" --data-urlencode "query=$1" |
        jq -r --arg l "${2:-}" '.data.result[]? | if $l == "" then .value[1] else "\(.metric[$l])=\(.value[1])" end' |
        sort | tr '\n' ' ' | sed 's/ $//'
}
# is EXPR WANT [LABEL] - the query gives WANT
is() { [ "$(q "$1" "${3:-}")" = "$2" ]; }
# expect_q SECONDS EXPR WANT DESC [LABEL] - one TAP line: the query gives WANT within SECONDS
expect_q() {
    if wait_until "$1" is "$2" "$3" "${5:-}"; then
        ok "$4"
    else
        not_ok "$4"
        diag "query: $2" "got: $(q "$2" "${5:-}")" "want: $3"
    fi
}

if wait_until 60 is 'up{job="mailvet"}' 1; then
    ok "prometheus scrapes mailvetd: up{job=\"mailvet\"} is 1"
else
    not_ok "prometheus scrapes mailvetd: up{job=\"mailvet\"} is 1"
    diag "got: $(q 'up')"
    show "$W/prometheus.log"
fi
expect_q 10 'sum by (verdict) (mailvet_messages_total)' \
    "campaign=1 clean=2 infected=1 suspicious=1 unscannable=1" \
    "messages by verdict are the sequence: 2 clean, 1 infected, 1 campaign, 1 suspicious, 1 unscannable" verdict
expect_q 10 'sum by (action) (mailvet_messages_total) > 0' "accept=2 quarantine=2 reject=2" \
    "messages by action: 2 accepted, 2 rejected, 2 quarantined" action
expect_q 10 'mailvet_rule_hits_total{rule="AVADDON_CAMPAIGN"}' 1 \
    "the Avaddon campaign rule's counter is 1"
expect_q 10 'mailvet_signature_hits_total{signature=~"Eicar-Test-Signature.*"}' 1 \
    "the EICAR signature's counter is 1"
expect_q 10 'count(mailvet_signature_hits_total{signature!="other"}) == 2 and on() sum(mailvet_signature_hits_total) == '"$log_signatures"' and on() mailvet_signature_hits_total{signature="other"} > 0' 2 \
    "metrics_max_signatures 2: two names of their own, the rest as other; $log_signatures in all, as the log says"
expect_q 10 'mailvet_limit_hits_total' 'MaxHeaderFields=1' \
    "the header field limit counts 1 as limit=\"MaxHeaderFields\", nothing else as a limit" limit
expect_q 10 'mailvet_scanned_bytes_total == '"$log_bytes"' and on() mailvet_scanned_objects_total == '"$log_objects" "$log_bytes" \
    "bytes and objects scanned are what the log's lines add up to ($log_bytes bytes, $log_objects objects)"
expect_q 10 'mailvet_generation' 1 "the generation is 1"
expect_q 10 'mailvet_quarantine_entries{state="held"}' 2 "the quarantine holds 2 entries"
held=$(cat "$W/q"/*.eml 2> /dev/null | wc -c)
expect_q 10 'mailvet_quarantine_bytes' "$held" \
    "the quarantine's bytes are those of the messages held ($held, their .eml)"
expect_q 10 'mailvet_scan_duration_seconds_count' 6 "the scan time histogram counted 6 messages"
expect_q 10 'mailvet_cache_breaker_open == 1 and mailvet_cache_errors_total > 0' 1 \
    "with Redis down the breaker is open and the cache's errors counted"
expect_q 10 '(mailvet_local_cache_hits_total > bool 0) * (mailvet_local_cache_entries > bool 0)' 1 \
    "clean.eml sent again came from the local cache: its hits counted, its entries held"
bad=
for e in $(jq -r '.. | .expr? // empty' "$DASH" | sed -e 's/\$__rate_interval/1m/g' \
    -e 's/\$__range/5m/g' -e 's/\$instance/.*/g' | jq -R -r '@base64'); do
    e=$(echo "$e" | base64 -d)
    st=$(curl -s -G "$API/query" --data-urlencode "query=$e" | jq -r .status)
    [ "$st" = success ] || bad="$bad [$e]"
done
if [ -z "$bad" ]; then
    ok "every query of the dashboard evaluates in prometheus"
else
    not_ok "every query of the dashboard evaluates in prometheus"; diag "failed:$bad"
fi
# a quantile of every scan since the start (all came before the first scrape, so a
# rate() would be 0): a number, not NaN
v=$(q 'histogram_quantile(0.9, sum by (le) (mailvet_scan_duration_seconds_bucket))')
case $v in
'' | NaN) not_ok "a scan time quantile from the histogram is a number"; diag "got '$v'" ;;
*) ok "a scan time quantile from the histogram is a number ($v s)" ;;
esac

# --- reloads ----------------------------------------------------------------------
kill -USR1 "$DPID"
if wait_until 60 grep -q '^.*reload: generation=2 ' "$W/mailvetd.log"; then
    ok "SIGUSR1: mailvetd installs generation 2"
else
    not_ok "SIGUSR1: mailvetd installs generation 2"; show "$W/mailvetd.log"
fi
expect_q 15 'mailvet_reloads_total{result="done"}' 1 "after SIGUSR1 the reload counter is 1"
expect_q 15 'mailvet_generation' 2 "after SIGUSR1 the generation is 2"
printf 'rules:\n  - id: BROKEN\n    score: ten\n' > "$W/policies/zz-broken.yaml"
kill -USR1 "$DPID"
if wait_until 60 grep -q 'error: reload refused, generation 2 keeps serving: ' "$W/mailvetd.log"; then
    ok "a broken policy file: the reload is refused, generation 2 keeps serving"
else
    not_ok "a broken policy file: the reload is refused, generation 2 keeps serving"
    show "$W/mailvetd.log"
fi
expect_q 15 'mailvet_reloads_total{result="refused"}' 1 "the refused reloads' counter is 1"
expect_q 15 'mailvet_last_reload_successful' 0 "mailvet_last_reload_successful is 0"
expect_q 15 'mailvet_generation' 2 "the generation stays 2"
for alert in MailvetReloadRefused MailvetRedisBreakerOpen MailvetSignaturesOld; do
    expect_q 20 "count(ALERTS{alertname=\"$alert\"})" 1 "the alert $alert is active"
done
expect_q 10 'count(ALERTS{alertname=~"MailvetdDown|MailvetTempfailRateHigh"})' "" \
    "MailvetdDown and MailvetTempfailRateHigh are not"

# --- a quarantine that cannot be written: tempfail ---------------------------------
chmod 755 "$W/q" # quarantine_store refuses a directory open to others
cat > "$W/tempfail.lua" <<'EOF'
-- tempfail.lua - a message the policy quarantines, into a store that refuses it
local mv = require("lib")

mv.run(function()
    local conn = mv.connect({ quiet = true })
    local r = mv.send(conn, os.getenv("MAILVET_CAMPAIGN") .. "/covid-vbs.eml", { qid = "TMET7" })
    mv.check(r.stage == "eom" and r.code == SMFIR_REPLYCODE, "covid-vbs.eml is answered with a reply",
             "got " .. mv.reply_name(r.code) .. " at " .. r.stage)
    mv.disconnect(conn)
end)
EOF
(
    cd "$W" || exit 1
    MAILVET_SOCKET=unix:$SOCK MAILVET_SAMPLES=$W/samples MAILVET_CAMPAIGN=$W/campaign \
        MAILVET_TMPDIR=$W/tmp MAILVET_LOG=$W/mailvetd.log MAILVET_PID=$DPID \
        MAILVET_REPLIES=$W/replies.log LUA_PATH="$top_srcdir/tests/milter/?.lua;;" \
        exec timeout 300 "$MILTERTEST" -s "$W/tempfail.lua"
) > "$W/tempfail.out" 2> "$W/tempfail.err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^ok - ' "$W/tempfail.out" &&
    wait_until 10 grep -q 'TMET7: quarantine failed, answering tempfail' "$W/mailvetd.log"; then
    ok "with quarantine_dir open to others the quarantined message gets a tempfail"
else
    not_ok "with quarantine_dir open to others the quarantined message gets a tempfail"
    diag "miltertest exit $rc"
    show "$W/tempfail.out"
    show "$W/mailvetd.log" 5
fi
expect_q 15 'mailvet_tempfails_total{cause="quarantine"}' 1 \
    "mailvet_tempfails_total{cause=\"quarantine\"} is 1"
expect_q 20 'count(ALERTS{alertname="MailvetTempfailRateHigh"})' 1 \
    "the alert MailvetTempfailRateHigh is active"

# --- mailvetd stops ---------------------------------------------------------------
stop "$DPID"
if [ "$RC" -eq 0 ]; then
    ok "mailvetd stops on SIGTERM with exit 0"
else
    not_ok "mailvetd stops on SIGTERM with exit 0 (got $RC)"; show "$W/mailvetd.log"
fi
expect_q 30 'up{job="mailvet"}' 0 "once it stops, up{job=\"mailvet\"} is 0"
expect_q 20 'count(ALERTS{alertname="MailvetdDown"})' 1 "the alert MailvetdDown is active"
crash='bug:|AddressSanitizer|LeakSanitizer|runtime error:|-CRITICAL \*\*|Segmentation fault'
if grep -q -E "$crash" "$W/mailvetd.log"; then
    not_ok "mailvetd's log shows no crash or bug"
    grep -E "$crash" "$W/mailvetd.log" | head -n 10 | sed 's/^/#   /'
else
    ok "mailvetd's log shows no crash or bug"
fi
stop "$PPID_"

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ] && [ "$n" -eq "$PLAN" ]
