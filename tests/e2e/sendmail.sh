#!/bin/sh
# sendmail.sh - end to end: swaks -> private Sendmail -> mailvetd -> smtp-sink.
#
# Starts an smtp-sink, mailvetd (signatures from tests/samples, add_header on)
# and Debian's sendmail (8.17) as a private daemon on loopback, whose
# sendmail.cf is built with m4 from a .mc that includes
# contrib/sendmail/mailvet.mc (its socket path replaced by the test's), so the
# shipped lines are what is tested.  Then, over SMTP:
#   - clean mail is accepted, arrives at the sink, with X-Mailvet-Status;
#   - EICAR, EICAR in a zip, EICAR in a zip in a zip get 550 5.7.1 naming the
#     signature at end of DATA, and nothing of them reaches the sink;
#   - mailvetd logs one verdict line per message carrying sendmail's queue id;
#   - with mailvetd stopped, mail gets a 4xx (F=T), not accepted unscanned.
# Needs root, the sendmail root below, m4, smtp-sink (Postfix) and swaks;
# otherwise "1..0 # SKIP".  TAP on stdout.
#
# What running sendmail this way needs (measured on Debian 12, 8.17.1.9):
#   - the binary and the cf/ m4 files without installing sendmail: Debian's
#     sendmail-bin conflicts with postfix (both are the MTA), so
#     .ci/install-deps.sh unpacks sendmail-bin and sendmail-cf with dpkg -x
#     into MAILVET_SENDMAIL_ROOT (default /opt/mailvet-test/sendmail).
#     Nothing of the system's mail setup (/etc/mail, /var/spool/mqueue) is
#     read or written: the .mc names a private queue directory, pid file,
#     status file, help file and service switch, no alias file, no
#     host-status directory.
#   - root: sendmail binds the port and keeps root for the SMTP server; -C
#     with another config keeps root only for root.
#   - logging: sendmail logs to syslog only, and there is no syslogd (no
#     /dev/log) in a container.  Debug category 89 at level 8 (-d89.8) copies
#     each syslog line to the debug output, and -D FILE writes the debug
#     output to FILE.  Without -D it goes to stdout, which in the SMTP
#     server's child is the client's connection: swaks would receive the log.
#     So $W/sendmail.log holds the usual lines ("QID: from=... msgid=...",
#     "QID: milter=mailvet, reject=550 ...", "QID: to=... stat=Sent").
#   - the host name: before it reads sendmail.cf, sendmail sleeps 60 s when
#     the host name has no dot and no dotted alias in /etc/hosts ("My
#     unqualified host name (vm) unknown; sleeping for retry"); confDOMAIN_NAME
#     cannot help.  So it runs in its own UTS namespace (unshare --uts) named
#     mx.example.com.  Where unshare is refused, it starts directly and an
#     unqualified host name costs that minute.
#   - the milter socket: sendmail refuses a local socket with a group- or
#     world-writable directory on its path, and then exits at start
#     ("Xmailvet: local socket name ... unsafe: World writable directory").
#     A work directory under /tmp has one; the socket then goes in a
#     directory under /run.
#   - no DNS: a service switch with "hosts files", FEATURE(nocanonify) and
#     accept_unresolvable_domains; the smart host is [127.0.0.1] (no MX).
#   - QueueLA and RefuseLA raised: on a busy machine the load average would
#     make sendmail queue or refuse mail.
#   - processes: sendmail -bD (the daemon, in the foreground) is started with
#     setsid in a process group of its own and with its queue directory as
#     working directory for all its processes; at exit the group gets SIGTERM,
#     then any process still running the binary in that directory SIGKILL.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SWAKS=${SWAKS:-swaks}
[ -n "$SWAKS" ] || SWAKS=swaks

. "$top_srcdir/tests/e2e/postfix-lib.sh"

SM_ROOT=${MAILVET_SENDMAIL_ROOT:-/opt/mailvet-test/sendmail}
SENDMAIL=$SM_ROOT/usr/libexec/sendmail/sendmail
SM_CF_DIR=$SM_ROOT/usr/share/sendmail/cf
MC_SNIPPET=$top_srcdir/contrib/sendmail/mailvet.mc
# the socket path contrib/sendmail/mailvet.mc names (mailvetd's default)
MC_SOCKET=/run/mailvet/mailvetd.sock

# sm_cannot_run - print why this machine cannot run the test; exit 0 then.
sm_cannot_run() {
    if [ "$(id -u)" != 0 ]; then
        echo "needs root to run a private sendmail daemon"
        return 0
    fi
    if [ ! -x "$SENDMAIL" ] || [ ! -f "$SM_CF_DIR/m4/cf.m4" ]; then
        echo "no sendmail in $SM_ROOT (run .ci/install-deps.sh)"
        return 0
    fi
    # (Running it to ask would cost the minute of the host name check above.)
    if ldd "$SENDMAIL" 2>&1 | grep -q 'not found'; then
        echo "$SENDMAIL lacks a library: $(ldd "$SENDMAIL" 2>&1 | grep 'not found' | head -n 1 | tr -s ' \t' ' ') (run .ci/install-deps.sh)"
        return 0
    fi
    for _sm_prog in m4 setsid smtp-sink "$SWAKS"; do
        if ! command -v "$_sm_prog" >/dev/null 2>&1; then
            echo "$_sm_prog not installed (run .ci/install-deps.sh)"
            return 0
        fi
    done
    if ! id postfix >/dev/null 2>&1; then
        echo "no postfix user for smtp-sink (run .ci/install-deps.sh)"
        return 0
    fi
    return 1
}

if reason=$(sm_cannot_run); then
    echo "1..0 # SKIP $reason"
    exit 0
fi

MAILVETD=$top_builddir/milter/mailvetd/mailvetd
PLAN=22
echo "1..$PLAN"

# TAP helpers (ok, not_ok, check, diag, bail: "Bail out!", the EXIT trap cleans up)
. "$top_srcdir/tests/lib.sh"

MV_PID=

# sm_procs - pids of processes running our sendmail binary in our queue
# directory (sendmail's working directory), whatever their process group.
sm_procs() {
    [ -n "${SM_QUEUE:-}" ] || return 0
    _sm_bin=$(readlink -f "$SENDMAIL")
    for _sm_p in /proc/[0-9]*; do
        [ "$(readlink "$_sm_p/exe" 2>/dev/null)" = "$_sm_bin" ] || continue
        [ "$(readlink "$_sm_p/cwd" 2>/dev/null)" = "$SM_QUEUE" ] || continue
        pf_gone "${_sm_p#/proc/}" || echo "${_sm_p#/proc/}"
    done
}
sm_none_left() {
    [ -z "$(sm_procs)" ]
}

SM_PID=
SM_PGID=
stop_sendmail() {
    if [ -n "$SM_PGID" ]; then
        # a negative pid names the group (dash's kill takes no "--")
        kill -TERM "-$SM_PGID" 2>/dev/null
        pf_wait_until 20 pf_gone "$SM_PGID" ||
            kill -KILL "-$SM_PGID" 2>/dev/null
        SM_PGID=
    fi
    if [ -n "$SM_PID" ]; then
        # reap it; never wait for a process that is still running
        pf_gone "$SM_PID" && wait "$SM_PID" 2>/dev/null
        SM_PID=
    fi
    if ! pf_wait_until 10 sm_none_left; then
        for _sm_p in $(sm_procs); do
            kill -KILL "$_sm_p" 2>/dev/null
        done
    fi
}

dump_diagnostics() {
    [ -n "${PF_WORK:-}" ] || return 0
    pf_diag "$PF_WORK/sendmail.out" "$PF_WORK/sendmail.log" \
        "$PF_WORK/mailvetd.log" "$PF_WORK/mailvetd.yaml" "$PF_WORK/sendmail.mc" \
        "$PF_WORK/m4.out" "$PF_WORK/sink.out"
    for t in "$PF_WORK"/swaks-*.txt; do
        [ -f "$t" ] || continue
        # The transcripts hold whole messages; the SMTP dialogue is enough.
        echo "# --- $t (replies)"
        grep -E '^(<|=|\*)' "$t" | sed 's/^/#   /'
    done
}

SOCK_DIR=
finish() {
    trap '' PIPE
    pf_mailvetd_stop
    stop_sendmail
    pf_stop_all
    if [ "$failed" -ne 0 ] || [ "$n" -ne "$PLAN" ]; then
        dump_diagnostics
    fi
    case $SOCK_DIR in
    /run/mailvet-e2e-sock.*) rm -rf "$SOCK_DIR" ;;
    esac
    pf_cleanup
}

pf_init "$top_builddir/tests/work" || bail "cannot make a work directory"
trap 'finish' EXIT
trap 'exit 1' INT TERM HUP
W=$PF_WORK

# --- samples and mailvetd --------------------------------------------------
sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" \
    > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"

pf_start_sink || bail "smtp-sink did not start"

# dir_path_safe DIR - no directory from DIR up to / is writable by group or
# others (sendmail's test for a milter socket's directories).
dir_path_safe() {
    _sm_d=$1
    while :; do
        _sm_mode=$(stat -c %a "$_sm_d") || return 1
        [ $((0$_sm_mode & 022)) -eq 0 ] || return 1
        [ "$_sm_d" = / ] && return 0
        _sm_d=$(dirname "$_sm_d")
    done
}
if dir_path_safe "$W"; then
    SOCK_DIR=$W/milter
    mkdir "$SOCK_DIR" || bail "cannot make $SOCK_DIR"
else
    SOCK_DIR=$(mktemp -d /run/mailvet-e2e-sock.XXXXXX) ||
        bail "cannot make a socket directory under /run"
fi
chmod 755 "$SOCK_DIR"
SOCK=$SOCK_DIR/mailvetd.sock

mkdir -p "$W/tmp"
cat > "$PF_WORK/mailvetd.yaml" <<EOF
# mailvetd for tests/e2e/sendmail.sh
socket: unix:$SOCK
socket_mode: "0666"
user: ""
metrics_listen: ""
pid_file: $W/mailvetd.pid
database: $W/samples/sigs
tmpdir: $W/tmp
policy_dir: ""
quarantine_dir: $W/quarantine
on_error: tempfail
add_header: true
log_clean: true
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

# --- sendmail.cf -----------------------------------------------------------
SM_QUEUE=$W/sendmail-queue
mkdir -m 700 "$SM_QUEUE" || bail "cannot make $SM_QUEUE"
SM_QUEUE=$(cd "$SM_QUEUE" && pwd -P)
: > "$W/sendmail.st"
printf 'hosts\tfiles\naliases\tfiles\n' > "$W/service.switch"

# The shipped lines, with the test's socket instead of mailvetd's default.
sed "s|$MC_SOCKET|$SOCK|g" "$MC_SNIPPET" > "$W/mailvet.mc" ||
    bail "cannot copy $MC_SNIPPET"
if grep -q "$MC_SOCKET" "$MC_SNIPPET" && ! grep -q "$MC_SOCKET" "$W/mailvet.mc"; then
    ok "contrib/sendmail/mailvet.mc names $MC_SOCKET, replaced by the test's socket"
else
    not_ok "contrib/sendmail/mailvet.mc names $MC_SOCKET, replaced by the test's socket"
fi

cat > "$W/sendmail.mc" <<EOF
divert(-1)
# Private sendmail for mailvet's end-to-end test (written by sendmail.sh).
divert(0)dnl
include(\`$SM_CF_DIR/m4/cf.m4')dnl
VERSIONID(\`mailvet tests/e2e/sendmail.sh')dnl
OSTYPE(\`linux')dnl
undefine(\`ALIAS_FILE')dnl
define(\`confDOMAIN_NAME', \`mx.example.com')dnl
define(\`QUEUE_DIR', \`$SM_QUEUE')dnl
define(\`confPID_FILE', \`$W/sendmail.pid')dnl
define(\`STATUS_FILE', \`$W/sendmail.st')dnl
define(\`HELP_FILE', \`$W/helpfile')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confSERVICE_SWITCH_FILE', \`$W/service.switch')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confQUEUE_LA', \`1000')dnl
define(\`confREFUSE_LA', \`1000')dnl
define(\`confLOG_LEVEL', \`14')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
DAEMON_OPTIONS(\`Port=$PF_SMTP_PORT, Addr=127.0.0.1, Name=MTA')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $PF_SINK_PORT')dnl
RELAY_DOMAIN(\`example.com')dnl
dnl --- contrib/sendmail/mailvet.mc
include(\`$W/mailvet.mc')dnl
MAILER(\`smtp')dnl
EOF
CF=$W/sendmail.cf
if m4 "$W/sendmail.mc" > "$CF" 2> "$W/m4.out" && [ -s "$CF" ]; then
    ok "m4 builds sendmail.cf from a .mc including contrib/sendmail/mailvet.mc"
else
    not_ok "m4 builds sendmail.cf from a .mc including contrib/sendmail/mailvet.mc"
    bail "m4 failed"
fi
if grep -q "^Xmailvet, S=local:$SOCK, F=T, T=" "$CF" &&
    grep -q '^O InputMailFilters=mailvet$' "$CF" &&
    grep -q '^O Milter.macros.envfrom=.*[ =]i,.*{auth_authen}' "$CF" &&
    grep -q '^O Milter.macros.eom=.*[ =]i$' "$CF"; then
    ok "sendmail.cf: filter mailvet on $SOCK with F=T, in InputMailFilters, macros {i} and {auth_authen}"
else
    not_ok "sendmail.cf: filter mailvet on $SOCK with F=T, in InputMailFilters, macros {i} and {auth_authen}"
    diag "$(grep -E '^(X|O InputMailFilters|O Milter)' "$CF")"
fi

# --- sendmail --------------------------------------------------------------
SMLOG=$W/sendmail.log
: > "$SMLOG"
set -- -bD -C "$CF" -D "$SMLOG" -d89.8
# Started in the queue directory (sendmail's working directory anyway), where
# sm_procs finds the daemon and its children.
if (cd / && unshare --uts true) 2>/dev/null; then
    UTS=1
    # shellcheck disable=SC2016 # $0 and $@ are the inner sh's
    (cd "$SM_QUEUE" && exec setsid unshare --uts -- \
        sh -c 'hostname mx.example.com && exec "$0" "$@"' "$SENDMAIL" "$@") \
        > "$W/sendmail.out" 2>&1 &
else
    UTS=
    (cd "$SM_QUEUE" && exec setsid "$SENDMAIL" "$@") > "$W/sendmail.out" 2>&1 &
fi
# The background subshell is not a process group leader (no job control
# here), so setsid does not fork: $! is the daemon itself, and setsid made it
# the leader of a process group of its own.
SM_PID=$!
SM_PGID=$SM_PID
sendmail_ready() {
    port_listening "$PF_SMTP_PORT" || pf_gone "$SM_PID"
}
if [ -n "$UTS" ]; then limit=30; else limit=90; fi
pf_wait_until "$limit" sendmail_ready
if port_listening "$PF_SMTP_PORT" && ! pf_gone "$SM_PID"; then
    ok "sendmail -bD listens on 127.0.0.1:$PF_SMTP_PORT"
else
    not_ok "sendmail -bD listens on 127.0.0.1:$PF_SMTP_PORT"
    [ -n "$UTS" ] || diag "no UTS namespace: an unqualified host name makes sendmail sleep 60 s"
    bail "sendmail did not start"
fi
pidfile_pid=$(head -n 1 "$W/sendmail.pid" 2>/dev/null)
if [ "$pidfile_pid" = "$SM_PID" ]; then
    ok "sendmail wrote its private pid file with the daemon's pid"
else
    not_ok "sendmail wrote its private pid file with the daemon's pid"
    diag "pid file: '${pidfile_pid:-none}', daemon: $SM_PID"
fi

# --- sending ---------------------------------------------------------------
# send NAME FILE - swaks FILE through sendmail; transcript in
# $W/swaks-NAME.txt.  Sets EOD_REPLY to the reply to end of DATA.
send() {
    t=$W/swaks-$1.txt
    "$SWAKS" --server 127.0.0.1 --port "$PF_SMTP_PORT" --timeout 120 \
        --helo "$1.example.com" --from sender@example.com \
        --to recipient@example.com --data "@$2" > "$t" 2>&1
    # The first reply after the line " -> ." that ends the data.
    EOD_REPLY=$(awk 'seen && /^<(-|\*\*)/ { print; exit } /^ -> \.\r?$/ { seen = 1 }' "$t")
}
# sm_qid MSGID - sendmail's queue id for Message-ID <MSGID@example.com>,
# from its "QID: from=<...>, ..., msgid=<...>" log line.
sm_qid() {
    sed -n "s/^\([0-9A-Za-z]*\): from=.* msgid=<$1@example\.com>.*/\1/p" "$SMLOG" |
        head -n 1
}
sm_log_has() {
    grep -E -q -- "$1" "$SMLOG"
}
# sink_file MSGID - the sink's dump file holding Message-ID MSGID, if any.
sink_file() {
    grep -l -i -F "Message-ID: <$1@example.com>" "$PF_SINKDIR"/msg.* 2>/dev/null |
        head -n 1
}
# mv_verdicts QID - how many verdict lines mailvetd logged for QID.
mv_verdicts() {
    grep -E -c -- "(^|[[:space:]])$1: verdict=" "$W/mailvetd.log"
}
mv_log_has() {
    grep -E -q -- "(^|[[:space:]])$1: .*$2" "$W/mailvetd.log"
}

# 1. infected mail is rejected at end of DATA with 550 5.7.1 naming the
# signature, and mailvetd's verdict line carries sendmail's queue id.
INFECTED_QIDS=
for s in eicar eicar-zip eicar-zip-zip; do
    send "$s" "$W/samples/$s.eml"
    case $EOD_REPLY in
    "<** 550"*5.7.1*Eicar-Test-Signature*)
        ok "$s.eml: 550 5.7.1 naming Eicar-Test-Signature at end of DATA" ;;
    *) not_ok "$s.eml: 550 5.7.1 naming Eicar-Test-Signature at end of DATA"
       diag "got: ${EOD_REPLY:-no reply after the data}" ;;
    esac
    qid=$(sm_qid "$s.1")
    INFECTED_QIDS="$INFECTED_QIDS $qid"
    if [ -n "$qid" ] &&
        sm_log_has "^$qid: milter=mailvet, reject=550 5\.7\.1 .*Eicar-Test-Signature" &&
        mv_log_has "$qid" "verdict=infected action=reject .*signatures=[^ ]*Eicar-Test-Signature" &&
        [ "$(mv_verdicts "$qid")" -eq 1 ]; then
        ok "$s.eml: sendmail logged the milter's reject and mailvetd one verdict=infected line, both with queue id $qid"
    else
        not_ok "$s.eml: sendmail logged the milter's reject and mailvetd one verdict=infected line, both with sendmail's queue id (${qid:-none in the log})"
    fi
done

# 2. clean mail is accepted and delivered, with the status header.
send clean "$W/samples/clean.eml"
case $EOD_REPLY in
"<-  250"*) ok "clean.eml: 250 at end of DATA" ;;
*) not_ok "clean.eml: 250 at end of DATA"; diag "got: $EOD_REPLY" ;;
esac
# sendmail's reply: "250 2.0.0 QID Message accepted for delivery"
QID_CLEAN=$(printf '%s\n' "$EOD_REPLY" | sed -n 's/^<-  250 2\.0\.0 \([0-9A-Za-z]*\) .*/\1/p')
if [ -n "$QID_CLEAN" ] && [ "$QID_CLEAN" = "$(sm_qid clean.1)" ]; then
    ok "sendmail's 250 names queue id $QID_CLEAN, the one of its log"
else
    not_ok "sendmail's 250 names the queue id of its log"
    diag "reply: ${QID_CLEAN:-none}, log: $(sm_qid clean.1)"
fi
clean_delivered() {
    sm_log_has "^$QID_CLEAN: to=<recipient@example\.com>, .*mailer=relay, .*stat=Sent" &&
        [ -n "$(sink_file clean.1)" ]
}
if [ -n "$QID_CLEAN" ] && pf_wait_until 60 clean_delivered; then
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
if [ -n "$QID_CLEAN" ] && mv_log_has "$QID_CLEAN" "verdict=clean action=accept" &&
    [ "$(mv_verdicts "$QID_CLEAN")" -eq 1 ]; then
    ok "mailvetd logged one verdict=clean line with sendmail's queue id $QID_CLEAN"
else
    not_ok "mailvetd logged one verdict=clean line with sendmail's queue id ${QID_CLEAN:-none}"
fi
total=$(grep -E -c '(^|[[:space:]])[0-9A-Za-z]+: verdict=' "$W/mailvetd.log")
if [ "$total" -eq 4 ]; then
    ok "mailvetd logged 4 verdict lines for the 4 messages"
else
    not_ok "mailvetd logged 4 verdict lines for the 4 messages"
    diag "verdict lines: $total"
fi

# Nothing infected was delivered: the rejections were synchronous, and the
# clean message, sent after them, has been delivered.
leaked=$(grep -l -i -E 'Message-ID: <eicar[-a-z]*\.1@example\.com>' \
    "$PF_SINKDIR"/msg.* 2>/dev/null)
sent_infected=
for q in $INFECTED_QIDS; do
    if sm_log_has "^$q: to=.*stat=Sent"; then
        sent_infected="$sent_infected $q"
    fi
done
if [ -z "$leaked" ] && [ -z "$sent_infected" ] && [ "$(pf_sink_count)" -eq 1 ]; then
    ok "the sink holds exactly the clean message, no infected one"
else
    not_ok "the sink holds exactly the clean message, no infected one"
    diag "sink files: $(pf_sink_count); infected ones: ${leaked:-none}; sent by sendmail:${sent_infected:- none}"
fi

# 3. mailvetd stopped: sendmail tempfails (F=T), nothing is accepted.
pf_mailvetd_stop
if [ "${MV_RC:-1}" -eq 0 ]; then
    ok "mailvetd exits 0 on SIGTERM"
else
    not_ok "mailvetd exits 0 on SIGTERM"
    diag "exit status ${MV_RC:-unknown}"
fi
send down "$W/samples/clean.eml"
if grep -E -q '^<\*\* *4[0-9][0-9][ -]' "$W/swaks-down.txt" &&
    ! grep -q 'Message accepted' "$W/swaks-down.txt"; then
    ok "with mailvetd down, sendmail answers 4xx and accepts nothing"
else
    not_ok "with mailvetd down, sendmail answers 4xx and accepts nothing"
fi
# (With the socket gone, sendmail's safety check of its path is what fails:
# "Milter (mailvet): local socket name ... unsafe".)
if sm_log_has '^[0-9A-Za-z]+: Milter \(mailvet\): to error state' &&
    sm_log_has 'Milter: initialization failed, temp failing commands'; then
    ok "sendmail logged that it could not reach mailvet and tempfailed"
else
    not_ok "sendmail logged that it could not reach mailvet and tempfailed"
fi

[ "$failed" -eq 0 ]
