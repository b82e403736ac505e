# postfix-lib.sh - a private Postfix and an smtp-sink on loopback, for e2e tests.
#
# Sourced (POSIX sh) by tests/e2e/*.sh.  Nothing here touches the system's
# Postfix: the instance has its own config directory, queue directory, data
# directory and log file under one work directory, listens on 127.0.0.1 only,
# on a free high port, and relays every message to an smtp-sink on another
# free loopback port, which dumps each delivered message to a file.
#
# Typical use:
#   . "$top_srcdir/tests/e2e/postfix-lib.sh"
#   reason=$(pf_cannot_run) && { echo "1..0 # SKIP $reason"; exit 0; }
#   pf_init "$top_builddir/tests/work"      # PF_* variables, work dir
#   trap 'pf_cleanup' EXIT
#   pf_start_sink
#   pf_configure "unix:$PF_WORK/mailvetd.sock"   # or "" for no milter
#   pf_start
#   swaks --server 127.0.0.1 --port "$PF_SMTP_PORT" ...
#   pf_wait_log "status=sent" 30
#
# What Postfix needs to run this way (measured on Debian 12, Postfix 3.7):
#   - root: "postfix start" is reserved for the superuser; the daemons then
#     run as mail_owner (postfix).
#   - "postfix -c DIR" with a private DIR works without listing DIR in the
#     default main.cf's alternate_config_directories: that list is checked by
#     the set-gid programs (postdrop, postqueue) run by other users, which we
#     never use.  The system's /etc/postfix is only read (postfix-script asks
#     it for multi_instance_directories), never changed.
#   - queue_directory and data_directory must be reachable by the postfix
#     user (every parent directory searchable), so the work dir is mode 755.
#     "postfix -c DIR check" (run by "start") creates the queue
#     subdirectories with the right owners (postfix, group postdrop for
#     maildrop/public) through post-install, using meta_directory's
#     postfix-files, which we leave at the default (/etc/postfix).
#   - no chroot: every service in our master.cf has "n" in the chroot
#     column, so the milter socket can be an absolute path anywhere.
#   - no syslog in a container: maillog_file plus a "postlog" unix-dgram
#     service (postlogd) in master.cf; postfix-script logs there too.
#     maillog_file must start with one of maillog_file_prefixes (default
#     /var, /dev/stdout), else every postfix command dies at once; with no
#     tty, that fatal error goes to the log it cannot open, i.e. nowhere.
#   - a milter socket writable by the postfix user (socket_mode 0666, or
#     mailvetd running as postfix).
#   - smtp-sink started as root must be given -u USER; the dump directory
#     must be writable by that user.

# Postfix's programs live in /usr/sbin, which a test's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
export PATH
. "$top_srcdir/tests/port-lib.sh"

# pf_cannot_run - print why this machine cannot run the e2e test; exit 0 then.
pf_cannot_run() {
    if [ "$(id -u)" != 0 ]; then
        echo "needs root to start a private Postfix (postfix start is root-only)"
        return 0
    fi
    for _pf_prog in postfix postconf smtp-sink; do
        if ! command -v "$_pf_prog" >/dev/null 2>&1; then
            echo "$_pf_prog not installed (Debian package postfix)"
            return 0
        fi
    done
    if ! id postfix >/dev/null 2>&1; then
        echo "no postfix user on this machine"
        return 0
    fi
    if ! command -v "${SWAKS:-swaks}" >/dev/null 2>&1; then
        echo "swaks not installed"
        return 0
    fi
    return 1
}

# pf_free_port - PF_PORT = a free port, claimed for this script (port-lib.sh)
pf_free_port() {
    port_pick || return 1
    PF_PORT=$PORT_PICKED
}

# pf_wait_until SECONDS CMD... - poll CMD every 0.1 s until it succeeds.
# Returns 1 if it never did within SECONDS.  Bounded: never a bare sleep.
pf_wait_until() {
    _pf_limit=$(( $1 * 10 ))
    shift
    _pf_n=0
    while [ $_pf_n -lt $_pf_limit ]; do
        if "$@"; then
            return 0
        fi
        sleep 0.1
        _pf_n=$((_pf_n + 1))
    done
    "$@"
}

# pf_gone PID - true once process PID has exited (a zombie counts as gone:
# kill -0 would still succeed on it until the parent reaps it).
pf_gone() {
    [ ! -r "/proc/$1/status" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# pf_init WORKROOT - make the work dir and pick ports.  Sets:
#   PF_WORK PF_CONF PF_QUEUE PF_DATA PF_LOG PF_SINKDIR PF_SMTP_PORT PF_SINK_PORT
pf_init() {
    mkdir -p "$1" || return 1
    PF_WORK=$(mktemp -d "$1/e2e-XXXXXX") || return 1
    PF_WORK=$(cd "$PF_WORK" && pwd -P)
    # mktemp makes it 0700; the postfix user must reach the queue below it.
    chmod 755 "$PF_WORK"
    # The milter socket goes 36 bytes below; a unix socket path must fit in
    # sun_path (108 bytes).  And every parent must be searchable by the
    # postfix user (a clone under /root is not).  Else work under /tmp.
    if [ ${#PF_WORK} -gt 64 ] ||
        ! setpriv --reuid=postfix --regid=postfix --clear-groups \
            test -x "$PF_WORK" 2>/dev/null; then
        rmdir "$PF_WORK"
        PF_WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-e2e-XXXXXX") || return 1
        PF_WORK=$(cd "$PF_WORK" && pwd -P)
        chmod 755 "$PF_WORK"
    fi
    PF_CONF=$PF_WORK/postfix-etc
    PF_QUEUE=$PF_WORK/postfix-spool
    PF_DATA=$PF_WORK/postfix-data
    PF_LOG=$PF_WORK/maillog
    PF_SINKDIR=$PF_WORK/sink
    mkdir -p "$PF_CONF" "$PF_QUEUE" "$PF_DATA" "$PF_SINKDIR" || return 1
    # The postfix user must be able to search every parent of the queue.
    if ! setpriv --reuid=postfix --regid=postfix --clear-groups \
        test -x "$PF_QUEUE"; then
        echo "pf_init: $PF_QUEUE is not reachable by the postfix user" >&2
        return 1
    fi
    chown postfix "$PF_DATA" "$PF_SINKDIR"
    : > "$PF_LOG"
    pf_free_port || return 1
    PF_SMTP_PORT=$PF_PORT
    pf_free_port || return 1
    PF_SINK_PORT=$PF_PORT
    pf_free_port || return 1
    PF_REINJECT_PORT=$PF_PORT
    PF_SINK_PID=
    PF_STARTED=
}

# pf_owns_listener PID PORT - true if process PID holds the listening socket on
# 127.0.0.1:PORT (another process on the port does not count)
pf_owns_listener() {
    _pf_hex=$(printf '%04X' "$2")
    _pf_inodes=$(awk -v a="0100007F:$_pf_hex" 'NR > 1 && $4 == "0A" && $2 == a { print $10 }' \
        /proc/net/tcp 2>/dev/null)
    for _pf_inode in $_pf_inodes; do
        ls -l "/proc/$1/fd" 2>/dev/null | grep -q "socket:\[$_pf_inode\]" && return 0
    done
    return 1
}

# pf_start_sink - smtp-sink on 127.0.0.1:$PF_SINK_PORT, one file per message
# in $PF_SINKDIR.  Runs as postfix (smtp-sink refuses to stay root).  Call it
# before pf_configure: when another process took the port between pf_init's
# check and the sink's bind (the sink then exits), it moves to another free port
# (up to three tries), so that nothing else receives the private Postfix's mail.
pf_start_sink() {
    _pf_try=0
    while [ $_pf_try -lt 3 ]; do
        _pf_try=$((_pf_try + 1))
        smtp-sink -4 -u postfix -h sink.example.com \
            -d "$PF_SINKDIR/msg." "127.0.0.1:$PF_SINK_PORT" 16 \
            > "$PF_WORK/sink.out" 2>&1 &
        PF_SINK_PID=$!
        pf_wait_until 10 eval 'pf_owns_listener "$PF_SINK_PID" "$PF_SINK_PORT" || pf_gone "$PF_SINK_PID"'
        if pf_owns_listener "$PF_SINK_PID" "$PF_SINK_PORT"; then
            return 0
        fi
        echo "pf_start_sink: smtp-sink did not listen on $PF_SINK_PORT" >&2
        sed 's/^/#   /' "$PF_WORK/sink.out" >&2
        kill "$PF_SINK_PID" 2>/dev/null
        wait "$PF_SINK_PID" 2>/dev/null
        pf_free_port || return 1
        PF_SINK_PORT=$PF_PORT
    done
    return 1
}

# pf_deferrals LOG... - the distinct reasons Postfix deferred mail in LOG, at most
# five, as TAP diagnostics (queue ids left out)
pf_deferrals() {
    cat "$@" 2>/dev/null | sed -n 's/.*status=deferred (\(.*\))$/\1/p' |
        sed 's/[0-9A-F]\{9,\}/QID/g' | sort | uniq -c | sort -rn | head -n 5 |
        sed 's/^/# deferred: /'
}

# pf_sink_count - number of messages the sink has received.
pf_sink_count() {
    find "$PF_SINKDIR" -type f -name 'msg.*' | wc -l | tr -d ' '
}

# pf_configure MILTER - write main.cf and master.cf.  MILTER is a Postfix
# milter address (unix:/abs/path or inet:127.0.0.1:PORT) or "" for none.
pf_configure() {
    cat > "$PF_CONF/main.cf" <<EOF
# Private Postfix for mailvet's end-to-end tests (written by postfix-lib.sh).
compatibility_level = 3.6
config_directory = $PF_CONF
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.com
mydomain = example.com
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$PF_SINK_PORT
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
biff = no
maillog_file = $PF_LOG
maillog_file_prefixes = $PF_WORK
# Retry quickly if the sink hiccups; never bounce within a test run.
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
smtpd_milters = $1
non_smtpd_milters =
milter_protocol = 6
milter_default_action = tempfail
milter_connect_timeout = 10s
milter_command_timeout = 30s
milter_content_timeout = 120s
EOF
    # Services as in Postfix's stock master.cf, chroot column "n" everywhere.
    cat > "$PF_CONF/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$PF_SMTP_PORT inet n - n - - smtpd
# re-injection of released quarantine entries, without milters
# (contrib/postfix/master.cf.snippet)
127.0.0.1:$PF_REINJECT_PORT inet n - n - - smtpd
  -o smtpd_milters= -o non_smtpd_milters= -o receive_override_options=no_milters
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# pf_after_queue_hop MILTER - after pf_configure "": the milter on an after-queue
# hop instead of the port clients use (the classic amavis layout).  The smtpd on
# $PF_SMTP_PORT then runs no milter and queues every message for the "scan"
# transport, an smtp client to a second smtpd on 127.0.0.1:$PF_SCAN_PORT that runs
# MILTER with milter_default_action = tempfail and sends what it accepts on to the
# relayhost (the sink).  A 4xx from the hop (milter down) leaves the message
# deferred in Postfix's queue; a 5xx bounces it to its sender.
pf_after_queue_hop() {
    pf_free_port || return 1
    PF_SCAN_PORT=$PF_PORT
    _pf_front="127.0.0.1:$PF_SMTP_PORT inet n - n - - smtpd"
    awk -v front="$_pf_front" -v port="$PF_SCAN_PORT" '
        { print }
        $0 == front { print "  -o smtpd_milters= -o content_filter=scan:[127.0.0.1]:" port }
    ' "$PF_CONF/master.cf" > "$PF_CONF/master.cf.new" || return 1
    mv "$PF_CONF/master.cf.new" "$PF_CONF/master.cf"
    if ! grep -q "content_filter=scan:" "$PF_CONF/master.cf"; then
        echo "pf_after_queue_hop: no line \"$_pf_front\" in master.cf" >&2
        return 1
    fi
    cat >> "$PF_CONF/master.cf" <<EOF
# after-queue milter hop (pf_after_queue_hop)
scan      unix  -       -       n       -       10      smtp
127.0.0.1:$PF_SCAN_PORT inet n - n - 10 smtpd
  -o content_filter= -o smtpd_milters=$1 -o non_smtpd_milters=
  -o milter_default_action=tempfail
EOF
}

# pf_use_snippet FILE - replace the milter settings of main.cf with those of
# FILE (contrib/postfix/main.cf.snippet), so the test runs what we ship.
# The snippet names the socket relative to the queue directory
# (unix:mailvet/mailvetd.sock); PF_MILTER_DIR is that directory.
pf_use_snippet() {
    sed -i '/^smtpd_milters *=/d; /^non_smtpd_milters *=/d; /^milter_/d' \
        "$PF_CONF/main.cf" || return 1
    { echo; echo "# --- $1"; cat "$1"; } >> "$PF_CONF/main.cf" || return 1
    PF_MILTER_DIR=$PF_QUEUE/mailvet
    mkdir -p "$PF_MILTER_DIR"
}

# pf_start - check and start the private Postfix; wait for its smtpd port.
pf_start() {
    if ! postfix -c "$PF_CONF" check > "$PF_WORK/postfix-check.out" 2>&1; then
        # Postfix writes its fatal errors to stderr only when it is a tty.
        if command -v script >/dev/null 2>&1; then
            script -qec "postfix -c '$PF_CONF' check" /dev/null \
                >> "$PF_WORK/postfix-check.out" 2>&1 < /dev/null
        fi
        echo "pf_start: postfix check failed:" >&2
        sed 's/^/#   /' "$PF_WORK/postfix-check.out" "$PF_LOG" >&2
        return 1
    fi
    if ! postfix -c "$PF_CONF" start > "$PF_WORK/postfix-start.out" 2>&1; then
        echo "pf_start: postfix start failed:" >&2
        sed 's/^/#   /' "$PF_WORK/postfix-start.out" "$PF_LOG" >&2
        return 1
    fi
    PF_STARTED=1
    if ! pf_wait_until 20 port_listening "$PF_SMTP_PORT"; then
        echo "pf_start: smtpd not listening on 127.0.0.1:$PF_SMTP_PORT" >&2
        sed 's/^/#   /' "$PF_LOG" >&2
        return 1
    fi
}

# pf_stop - stop the private Postfix (waits for master to exit).
pf_stop() {
    if [ -n "${PF_STARTED:-}" ]; then
        postfix -c "$PF_CONF" stop > /dev/null 2>&1
        PF_STARTED=
    fi
}

# pf_wait_log REGEX SECONDS - wait until the maillog has a line matching the
# extended REGEX.  Returns 1 if none appeared in time.
pf_log_has() {
    grep -E -q -- "$1" "$PF_LOG"
}
pf_wait_log() {
    pf_wait_until "$2" pf_log_has "$1"
}

# pf_diag FILE... - print files as TAP diagnostics ("#   " prefix).
pf_diag() {
    for _pf_f in "$@"; do
        [ -f "$_pf_f" ] || continue
        echo "# --- $_pf_f"
        sed 's/^/#   /' "$_pf_f"
    done
}

# pf_stop_all - stop the private Postfix and the smtp-sink.
pf_stop_all() {
    pf_stop
    if [ -n "${PF_SINK_PID:-}" ]; then
        kill "$PF_SINK_PID" 2>/dev/null
        wait "$PF_SINK_PID" 2>/dev/null
        PF_SINK_PID=
    fi
}

# pf_cleanup - stop everything this library started; remove the work dir
# unless KEEP_WORK is set.  A caller that prints diagnostics calls
# pf_stop_all first, then prints, then pf_cleanup.
pf_cleanup() {
    # A reader that went away (| head) must not stop the cleanup half-way.
    trap '' PIPE
    pf_stop_all
    if [ -n "${PF_WORK:-}" ] && [ -z "${KEEP_WORK:-}" ]; then
        rm -rf "$PF_WORK"
    fi
}

# pf_mailvet_fixtures - what the mailvet e2e tests share, under $PF_WORK: S (the
# EICAR samples and signatures), C (the campaign look-alikes), P (the shipped
# policy with campaigns quarantined) and a tmpdir mailvetd can use.  Needs
# top_srcdir; returns 1 with a message on stderr when a sample script fails.
pf_mailvet_fixtures() {
    S=$PF_WORK/samples
    C=$PF_WORK/campaign
    P=$PF_WORK/policy
    sh "$top_srcdir/tests/samples/make-samples.sh" "$S" > "$PF_WORK/samples.out" 2>&1 || {
        echo "make-samples.sh failed" >&2
        return 1
    }
    sh "$top_srcdir/tests/samples/make-campaign-samples.sh" "$C" > "$PF_WORK/campaign.out" 2>&1 || {
        echo "make-campaign-samples.sh failed" >&2
        return 1
    }
    mkdir -p "$P" "$PF_WORK/tmp"
    chmod 755 "$PF_WORK/tmp"
    cp -r "$top_srcdir/policies/generic.yaml" "$top_srcdir/policies/heuristics.yaml" \
        "$top_srcdir/policies/campaigns" \
        "$top_srcdir/policies/signatures" "$P/"
    printf 'actions:\n  campaign: quarantine\n' > "$P/policy.yaml"
}

# pf_mailvetd_config QDIR [LINE...] - $PF_WORK/mailvetd.yaml for the tests that use
# pf_mailvet_fixtures: socket $PF_WORK/mailvetd.sock (mode 0666), no user, no /metrics, the
# samples' signatures, the fixtures' policy, quarantine in QDIR, X-Mailvet-Status and
# a log line for every message; each LINE ("key: value") is appended.
pf_mailvetd_config() {
    {
        cat <<EOF
socket: "unix:$PF_WORK/mailvetd.sock"
socket_mode: "0666"
user: ""
metrics_listen: ""
pid_file: ""
database: "$S/sigs"
tmpdir: "$PF_WORK/tmp"
policy_dir: "$P"
quarantine_dir: "$1"
add_header: true
log_clean: true
EOF
        shift
        for _pf_line in "$@"; do echo "$_pf_line"; done
    } > "$PF_WORK/mailvetd.yaml"
}

# pf_mailvetd_start - start $MAILVETD -f -c $PF_WORK/mailvetd.yaml, its output
# appended to $PF_WORK/mailvetd.log, and wait (30 s at most) for a new "ready"
# line (after a SIGKILL the old socket file is still there, so the socket alone
# says nothing).  Sets MV_PID; returns 1 when the daemon did not come up.
pf_ready_count() { awk '/ready: socket=/ { n++ } END { print n + 0 }' "$PF_WORK/mailvetd.log"; }
pf_mailvetd_start() {
    touch "$PF_WORK/mailvetd.log"
    _pf_before=$(pf_ready_count)
    "$MAILVETD" -f -c "$PF_WORK/mailvetd.yaml" >> "$PF_WORK/mailvetd.log" 2>&1 &
    MV_PID=$!
    _pf_started() { [ "$(pf_ready_count)" -gt "$_pf_before" ] || pf_gone "$MV_PID"; }
    pf_wait_until 30 _pf_started
    [ "$(pf_ready_count)" -gt "$_pf_before" ] && ! pf_gone "$MV_PID"
}

# pf_mailvetd_stop - SIGTERM the daemon started as MV_PID, wait (30 s, then
# SIGKILL); MV_RC is its exit status.  Nothing when MV_PID is empty.
pf_mailvetd_stop() {
    if [ -n "${MV_PID:-}" ]; then
        kill -TERM "$MV_PID" 2>/dev/null
        pf_wait_until 30 pf_gone "$MV_PID" ||
            kill -KILL "$MV_PID" 2>/dev/null
        wait "$MV_PID" 2>/dev/null
        MV_RC=$?
        MV_PID=
    fi
}
