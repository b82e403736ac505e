#!/bin/sh
# console-browser.sh - end to end: mailvet-console in a real browser (headless
# Chromium through Selenium, tests/e2e/console-browser.py) over a quarantine filled
# through a private Postfix and mailvetd.
#
#   Three Avaddon look-alikes sent with swaks are quarantined; one carries payloads
#   in its Subject, its attachment's file name and an X-Evil header value.  The
#   browser: the login page, a wrong password refused, login, the list of the held
#   messages, a search by the Postfix queue id, the detail view (envelope, headers,
#   parts, rules) with the payloads as inert text (no <script> or <img> in the DOM,
#   window.__pwned undefined), the list and the detail view within a 1280-pixel
#   window (long rule ids, addresses, digests and signature names break), release to every recipient behind its confirmation
#   (the message arrives at the smtp-sink through Postfix's re-injection port),
#   delete behind its confirmation, the audit view.  Without the browser: no data
#   without a session, 403 for a POST without its CSRF token, the download an
#   attachment named ID.eml, path-like ids refused.
#   A PNG of each view is left in the work dir (KEEP_WORK=1 keeps it); those of a
#   passing run are contrib/screenshots/.
# Needs root, Postfix, swaks, chromium, chromium-driver and python3-selenium;
# otherwise SKIP.  TAP on stdout.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SWAKS=${SWAKS:-swaks}

. "$top_srcdir/tests/e2e/postfix-lib.sh"

if reason=$(pf_cannot_run); then
    echo "1..0 # SKIP $reason"
    exit 0
fi
for prog in /usr/bin/chromium /usr/bin/chromedriver; do
    if [ ! -x "$prog" ]; then
        echo "1..0 # SKIP $prog not installed (Debian packages chromium, chromium-driver)"
        exit 0
    fi
done
# Debian's python3-selenium is for the system's python3, which need not be the first
# python3 on PATH
PYTHON=
for py in ${PYTHON3:-} /usr/bin/python3 python3; do
    if "$py" -c 'import selenium' > /dev/null 2>&1; then
        PYTHON=$py
        break
    fi
done
if [ -z "$PYTHON" ]; then
    echo "1..0 # SKIP python3 selenium not installed (Debian package python3-selenium)"
    exit 0
fi

MAILVETD=$top_builddir/milter/mailvetd/mailvetd
MAILVET=$top_builddir/milter/mailvet/mailvet
CONSOLE=$top_builddir/milter/console/mailvet-console
BROWSER_PLAN=25
PLAN=$((BROWSER_PLAN + 1))
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

[ -x "$CONSOLE" ] || bail "$CONSOLE not built"

MV_PID=
CONSOLE_PID=
finish() {
    [ -z "$CONSOLE_PID" ] || kill "$CONSOLE_PID" 2>/dev/null
    pf_mailvetd_stop
    pf_stop_all
    if [ "$failed" -gt 0 ]; then
        pf_diag "$PF_WORK/mailvetd.log" "$PF_WORK/console.log"
    fi
    if [ -n "${KEEP_WORK:-}" ]; then
        diag "work dir kept: $PF_WORK"
    else
        pf_cleanup
    fi
}

pf_init "$top_builddir/tests/work" || bail "pf_init failed"
trap finish EXIT
pf_mailvet_fixtures || bail "fixtures"
Q=$PF_WORK/quarantine
q() { "$MAILVET" quarantine -c "$PF_WORK/mailvetd.yaml" "$@"; }

# the look-alike whose Subject, attachment file name and X-Evil header carry payloads
sed -e 's|^Subject: Is this your photo?$|Subject: Is this your photo? <script>window.__pwned=1</script>\nX-Evil: "><img src=x onerror="window.__pwned=1">|' \
    -e 's|filename="IMG123456.jpg.js.zip"|filename="\\"><img src=x onerror=\\"window.__pwned=1\\">.jpg.js.zip"|' \
    -e 's|fixture.1.avaddon.wave1.eml@|fixture.xss@|' \
    "$C/avaddon-wave1.eml" > "$PF_WORK/xss.eml"

pf_mailvetd_config "$Q" "quarantine_release_port: $PF_REINJECT_PORT"
pf_start_sink || bail "smtp-sink"
pf_configure "unix:$PF_WORK/mailvetd.sock"
pf_mailvetd_start || bail "mailvetd did not start"
pf_start || bail "postfix"

# send FILE RCPT... - swaks the file to the recipients; 0 when answered 250
sent=0
send() {
    _f=$1
    shift
    _to=$(echo "$@" | tr ' ' ,)
    "$SWAKS" --server 127.0.0.1 --port "$PF_SMTP_PORT" --from sender@example.net \
        --to "$_to" --data "$_f" --timeout 60 > "$PF_WORK/swaks.out" 2>&1
    grep -q '^<.  *250 .*queued as' "$PF_WORK/swaks.out" && sent=$((sent + 1))
}
send "$C/avaddon-wave1.eml" ann@example.com ben@example.com
send "$C/avaddon-logs.eml" user@example.com
send "$PF_WORK/xss.eml" user@example.com
three_held() { [ "$(q list --json 2>/dev/null | jq length)" = 3 ]; }
pf_wait_until 30 three_held
q list --json > "$PF_WORK/list.json" 2> "$PF_WORK/list.err"
# by SUBJECT-PREFIX FIELD - that field of the entry whose subject starts so
by() { jq -r --arg s "$1" ".[] | select(.subject | startswith(\$s)) | .$2" "$PF_WORK/list.json"; }
XSS_ID=$(by 'Is this your photo? <script>' id)
REL_ID=$(jq -r '.[] | select(.subject == "Is this your photo?") | .id' "$PF_WORK/list.json")
REL_QID=$(jq -r --arg x "$REL_ID" '.[] | select(.id == $x) | .queue_id' "$PF_WORK/list.json")
XSS_QID=$(jq -r --arg x "$XSS_ID" '.[] | select(.id == $x) | .queue_id' "$PF_WORK/list.json")
DEL_ID=$(by 'logs' id)
diag "held: release $REL_ID ($REL_QID), delete $DEL_ID, payloads $XSS_ID ($XSS_QID)"
if [ "$sent" -eq 3 ] && [ -n "$REL_ID" ] && [ -n "$XSS_ID" ] && [ -n "$DEL_ID" ] &&
    [ -n "$REL_QID" ] && grep -q "$REL_QID" "$PF_LOG" && [ "$(pf_sink_count)" -eq 0 ]; then
    ok "three look-alikes sent through Postfix are held in the quarantine, none at the sink"
else
    not_ok "three look-alikes held: sent $sent, sink $(pf_sink_count)"
    diag "$(cat "$PF_WORK/list.json" "$PF_WORK/list.err")"
fi

# --- the console ------------------------------------------------------------------------
pf_free_port || bail "no free port"
PORT=$PF_PORT
PASSWORD='browser test password'
{
    printf 'quarantine_dir: %s\nuser: ""\n' "$Q"
    printf 'quarantine_release_host: 127.0.0.1\nquarantine_release_port: %s\n' "$PF_REINJECT_PORT"
    printf 'console_listen: 127.0.0.1:%s\n' "$PORT"
    printf 'console_users_file: %s/users\nconsole_audit_log: %s/audit.log\n' "$PF_WORK" "$PF_WORK"
} > "$PF_WORK/console.yaml"
printf '%s\n' "$PASSWORD" | "$CONSOLE" -c "$PF_WORK/console.yaml" --add-user operator \
    > "$PF_WORK/add-user.out" 2>&1 || bail "--add-user: $(cat "$PF_WORK/add-user.out")"
"$CONSOLE" -c "$PF_WORK/console.yaml" > "$PF_WORK/console.log" 2>&1 &
CONSOLE_PID=$!
pf_wait_until 10 port_listening "$PORT" || bail "the console did not start: $(cat "$PF_WORK/console.log")"

# --- the browser -------------------------------------------------------------------------
mkdir -p "$PF_WORK/browser"
BASE=http://127.0.0.1:$PORT CUSER=operator CPASS=$PASSWORD WORK=$PF_WORK/browser \
    SINKDIR=$PF_SINKDIR QDIR=$Q REL_ID=$REL_ID REL_QID=$REL_QID DEL_ID=$DEL_ID \
    XSS_ID=$XSS_ID XSS_QID=$XSS_QID HELD=3 \
    timeout 300 "$PYTHON" "$top_srcdir/tests/e2e/console-browser.py" \
    > "$PF_WORK/browser.out" 2> "$PF_WORK/browser.err"
rc=$?
while IFS= read -r line; do
    case $line in
    "PASS "*) ok "${line#PASS }" ;;
    "FAIL "*) not_ok "${line#FAIL }" ;;
    "DIAG "*) diag "${line#DIAG }" ;;
    esac
done < "$PF_WORK/browser.out"
if [ "$rc" -ne 0 ]; then
    diag "console-browser.py exited $rc"
    diag "$(tail -20 "$PF_WORK/browser.err")"
fi
while [ "$n" -lt "$PLAN" ]; do
    not_ok "not reached: the browser run stopped early"
done
diag "screenshots: $(ls "$PF_WORK/browser/"*.png 2> /dev/null | tr '\n' ' ')"

[ "$failed" -eq 0 ] && [ "$n" -eq "$PLAN" ] && [ "$rc" -eq 0 ]
