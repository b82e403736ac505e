#!/bin/sh
# deb.sh - end to end: the Debian package, installed and run as a Debian admin
# runs it, with the configuration and the Postfix snippets it ships.
#
# The package is the one .ci/build-deb.sh ("make deb") built: $MAILVET_DEB,
# else the newest mailvet_*.deb in $MAILVET_DEB_DIR (default
# ${TMPDIR:-/tmp}/mailvet-deb).
#   1. dpkg -i: a mailvet system user and group, with postfix in the group;
#      the files of /etc/mailvet are conffiles; /var/spool/mailvet 0750, its
#      quarantine 0700 and the socket directory /var/spool/postfix/mailvet
#      (group postfix, 0750) belong to mailvet; the units are enabled; the
#      web console is installed with its unit, not enabled; the Postfix
#      snippets are in /usr/share/doc/mailvet.
#   2. mailvetd started as its unit starts it.  This machine has no systemd as
#      PID 1, so the test does what the unit says: makes RuntimeDirectory=
#      under /run, then runs the installed unit's ExecStartPre= (if any) and ExecStart=
#      command lines as root.  mailvetd creates its socket and becomes the
#      user mailvet (real, effective and saved uid: /proc/PID/status).
#      There is no ClamAV database here and no network for freshclam: the test
#      copies the package's test signature
#      /usr/share/mailvet/signatures/mailvet-eicar.hdb into /var/lib/clamav
#      (the shipped "database:") as its database, and removes it afterwards.
#   3. Mail through a private Postfix (postfix-lib.sh) whose milter settings
#      are the installed main.cf.snippet, plus the installed master.cf.snippet
#      (the release listener on 127.0.0.1:10026).  Its queue directory is not
#      /var/spool/postfix, so its mailvet/ is a symlink to the package's
#      /var/spool/postfix/mailvet: smtpd, as the postfix user in its queue
#      directory, reaches the installed socket through the installed
#      directory, with their owners and modes.  EICAR is rejected (550); the
#      Avaddon look-alike is rejected (the shipped policy's campaign: reject);
#      the COVID VBS look-alike (score 16, the shipped score_actions
#      quarantine at 10) is answered 250, held in /var/spool/mailvet/quarantine
#      and delivered once "mailvet quarantine release" sends it to port 10026;
#      clean mail arrives, without X-Mailvet-Status (the shipped add_header:
#      false).  Until here the configuration is the package's, unedited.
#   4. The admin's edits, applied with the unit's ExecReload= command
#      ("systemctl reload mailvet"): a bare "max_message_scan_time: 180" is
#      refused (exit 78, the line named, the daemon keeps serving); add_header:
#      true is taken, and clean mail arrives tagged X-Mailvet-Status: clean.
#   5. An upgrade to the same package repacked with a higher version, in which
#      mailvet.yaml and policy.yaml changed: the edited mailvet.yaml stays (the
#      package's new one beside it as .dpkg-dist, dpkg's answer "keep" given
#      with --force-confold), the unedited policy.yaml is replaced; restarted,
#      mailvetd still tags clean mail.
#   6. dpkg --purge removes /etc/mailvet, the spool and the socket directory.
# At exit everything the test started is stopped (mailvetd, the private
# Postfix, smtp-sink; the system's Postfix is never started), the package is
# purged, the test signature and the run directory go, and so do the mailvet
# user and group when this test's install created them.
# SKIP ("1..0 # SKIP reason") without a .deb, without root, without dpkg or
# Postfix, when the package's dependencies are not installed, when mailvet is
# installed already or /etc/mailvet exists (the test would take it over), or
# when port 10026 is taken.  TAP on stdout.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SWAKS=${SWAKS:-swaks}
[ -n "$SWAKS" ] || SWAKS=swaks

. "$top_srcdir/tests/e2e/postfix-lib.sh"

skip_all() {
    echo "1..0 # SKIP $1"
    exit 0
}

# deps_missing DEB - print the Depends alternatives of DEB of which no package
# is installed (versions are not compared; the package's are plain packages)
deps_missing() {
    dpkg-deb -f "$1" Depends | tr ',' '\n' | while read -r alts; do
        [ -n "$alts" ] || continue
        found=
        for p in $(echo "$alts" | sed 's/([^)]*)//g; s/:[a-z0-9]*//g' | tr '|' ' '); do
            case $(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null) in
            ii*) found=yes ;;
            esac
        done
        [ -n "$found" ] || echo "$alts"
    done
}

RELEASE_PORT=10026 # quarantine_release_port of the shipped mailvet.yaml
if [ "$(id -u)" != 0 ]; then
    skip_all "needs root (dpkg -i, a private Postfix)"
fi
for prog in dpkg dpkg-deb dpkg-query; do
    command -v "$prog" >/dev/null 2>&1 || skip_all "$prog not found: not a Debian system"
done
DEB=${MAILVET_DEB:-}
if [ -z "$DEB" ]; then
    DEB=$(ls -t "${MAILVET_DEB_DIR:-${TMPDIR:-/tmp}/mailvet-deb}"/mailvet_*.deb 2>/dev/null | head -n 1)
fi
if [ -z "$DEB" ] || [ ! -f "$DEB" ]; then
    skip_all "no mailvet .deb (build one with make deb or .ci/build-deb.sh; or set MAILVET_DEB)"
fi
case $(dpkg-query -W -f '${db:Status-Abbrev}' mailvet 2>/dev/null) in
"" | un* | pn*) ;;
*) skip_all "the mailvet package is installed on this machine; the test installs and purges its own" ;;
esac
if [ -e /etc/mailvet ]; then
    skip_all "/etc/mailvet exists without the package: dpkg would take its files for the admin's"
fi
if reason=$(pf_cannot_run); then
    skip_all "$reason"
fi
if [ ! -d /var/spool/postfix ]; then
    skip_all "no /var/spool/postfix (Debian's postfix package): the package's socket lives there"
fi
missing=$(deps_missing "$DEB" | tr '\n' ' ')
if [ -n "$missing" ]; then
    skip_all "dpkg cannot install $DEB: dependencies not installed: $missing"
fi
if port_in_use "$RELEASE_PORT"; then
    skip_all "port $RELEASE_PORT (quarantine_release_port of the shipped config) is in use"
fi

PLAN=39
echo "1..$PLAN"
. "$top_srcdir/tests/lib.sh"

UNIT=/lib/systemd/system/mailvet.service
SOCKDIR=/var/spool/postfix/mailvet
SOCK=$SOCKDIR/mailvetd.sock
CONF=/etc/mailvet/mailvet.yaml
DB=/var/lib/clamav
TESTSIG=$DB/mailvet-eicar.hdb
DOC=/usr/share/doc/mailvet

user_existed=
group_existed=
getent passwd mailvet >/dev/null && user_existed=yes
getent group mailvet >/dev/null && group_existed=yes
made_db=
made_sig=
made_rundir=
installed=
MV_PID=

# stop_mailvetd - SIGTERM the daemon (systemctl stop sends KillSignal=SIGTERM),
# wait for it (30 s, then SIGKILL); MV_RC is its exit status
stop_mailvetd() {
    if [ -n "$MV_PID" ]; then
        kill -TERM "$MV_PID" 2>/dev/null
        pf_wait_until 30 pf_gone "$MV_PID" || kill -KILL "$MV_PID" 2>/dev/null
        wait "$MV_PID" 2>/dev/null
        MV_RC=$?
        MV_PID=
    fi
}

finish() {
    trap '' PIPE
    stop_mailvetd
    pf_stop_all
    if [ "$failed" -ne 0 ] || [ "$n" -ne "$PLAN" ]; then
        pf_diag "$PF_WORK/dpkg-install.out" "$PF_WORK/dpkg-upgrade.out" \
            "$PF_WORK/mailvetd.log" "$PF_LOG"
    fi
    if [ -n "$installed" ]; then
        dpkg --purge mailvet > "$PF_WORK/dpkg-purge-at-exit.out" 2>&1 ||
            pf_diag "$PF_WORK/dpkg-purge-at-exit.out"
    fi
    [ -n "$made_sig" ] && rm -f "$TESTSIG"
    [ -n "$made_db" ] && rmdir "$DB" 2>/dev/null
    [ -n "$made_rundir" ] && rm -rf "$made_rundir"
    if [ -z "$user_existed" ] && getent passwd mailvet >/dev/null; then
        deluser --system --quiet mailvet >/dev/null 2>&1 || userdel mailvet
    fi
    if [ -z "$group_existed" ] && getent group mailvet >/dev/null; then
        delgroup --system --quiet mailvet >/dev/null 2>&1 || groupdel mailvet
    fi
    pf_cleanup
}

pf_init "$top_builddir/tests/work" || bail "cannot make a work directory"
trap 'finish' EXIT
trap 'exit 1' INT TERM HUP

sh "$top_srcdir/tests/samples/make-samples.sh" "$PF_WORK/samples" > "$PF_WORK/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$PF_WORK/samples.out")"
C=$PF_WORK/campaign
sh "$top_srcdir/tests/samples/make-campaign-samples.sh" "$C" > "$PF_WORK/campaign.out" 2>&1 ||
    bail "make-campaign-samples.sh failed: $(tail -5 "$PF_WORK/campaign.out")"
VERSION=$(dpkg-deb -f "$DEB" Version)
diag "package: $DEB (version $VERSION)"

# --- 1. install ------------------------------------------------------------------
installed=yes
if dpkg -i "$DEB" > "$PF_WORK/dpkg-install.out" 2>&1; then
    ok "dpkg -i installs mailvet $VERSION"
else
    not_ok "dpkg -i installs mailvet $VERSION"
    bail "dpkg -i failed: $(tail -5 "$PF_WORK/dpkg-install.out")"
fi
uid=$(id -u mailvet 2>/dev/null)
gid=$(getent group mailvet | cut -d: -f3)
if [ -n "$uid" ] && [ "$uid" -lt 1000 ] && [ "$(id -gn mailvet)" = mailvet ] &&
    [ "$(getent passwd mailvet | cut -d: -f7)" = /usr/sbin/nologin ]; then
    ok "a system user mailvet (uid $uid < 1000, group mailvet, no login shell)"
else
    not_ok "a system user mailvet, group mailvet, no login shell"
    diag "passwd: $(getent passwd mailvet)"
fi
if id -nG postfix | tr ' ' '\n' | grep -qx mailvet; then
    ok "the postfix user is in the group mailvet (to write the socket)"
else
    not_ok "the postfix user is in the group mailvet"; diag "id postfix: $(id postfix)"
fi
conffiles=$(dpkg-query -W -f '${Conffiles}\n' mailvet | awk '{ print $1 }')
want="$CONF /etc/mailvet/policies/policy.yaml /etc/mailvet/policies/generic.yaml
      /etc/mailvet/policies/heuristics.yaml /etc/mailvet/policies/campaigns/others.yaml
      /etc/mailvet/policies/campaigns/avaddon.yaml /etc/mailvet/policies/campaigns/negasteal.yaml
      /etc/mailvet/policies/signatures/mailvet-campaigns.ldb
      /etc/mailvet/policies/signatures/mailvet-campaigns.ndb"
absent=
for f in $want; do
    echo "$conffiles" | grep -qx "$f" || absent="$absent $f"
done
if [ -z "$absent" ]; then
    ok "mailvet.yaml, the policies, campaigns and signatures are conffiles"
else
    not_ok "every file of /etc/mailvet is a conffile"; diag "not conffiles:$absent"
fi
# owner:group mode of a path
perm() { stat -c '%U:%G %a' "$1" 2>/dev/null; }
check "/var/spool/mailvet is mailvet:mailvet 0750 (got $(perm /var/spool/mailvet))" \
    test "$(perm /var/spool/mailvet)" = "mailvet:mailvet 750"
check "the quarantine /var/spool/mailvet/quarantine is mailvet:mailvet 0700 (got $(perm /var/spool/mailvet/quarantine))" \
    test "$(perm /var/spool/mailvet/quarantine)" = "mailvet:mailvet 700"
check "the socket directory $SOCKDIR is mailvet:postfix 0750 (got $(perm $SOCKDIR))" \
    test "$(perm $SOCKDIR)" = "mailvet:postfix 750"
if [ -f "$UNIT" ] && [ -f /lib/systemd/system/mailvet-purge.timer ] &&
    [ -L /etc/systemd/system/multi-user.target.wants/mailvet.service ] &&
    [ -L /etc/systemd/system/timers.target.wants/mailvet-purge.timer ]; then
    ok "mailvet.service and mailvet-purge.timer are installed and enabled"
else
    not_ok "mailvet.service and mailvet-purge.timer are installed and enabled"
    diag "$(ls -l /etc/systemd/system/*.wants/mailvet* 2>&1)"
fi
if [ -x /usr/sbin/mailvet-console ] && [ -f /lib/systemd/system/mailvet-console.service ] &&
    [ ! -e /etc/systemd/system/multi-user.target.wants/mailvet-console.service ] &&
    [ -f /usr/share/man/man8/mailvet-console.8.gz ] &&
    grep -q '^/var/log/mailvet/console-audit.log' /etc/logrotate.d/mailvet; then
    ok "the web console: mailvet-console, its man page and unit (not enabled), its logrotate file"
else
    not_ok "the web console: mailvet-console, its man page, unit (not enabled) and logrotate file"
    diag "$(ls -l /usr/sbin/mailvet-console /lib/systemd/system/mailvet-console.service \
        /etc/systemd/system/multi-user.target.wants/mailvet-console.service \
        /usr/share/man/man8/mailvet-console.8.gz /etc/logrotate.d/mailvet 2>&1)"
fi
check "the Postfix and Sendmail snippets are in $DOC" test -f "$DOC/postfix/main.cf.snippet" \
    -a -f "$DOC/postfix/master.cf.snippet" -a -f "$DOC/sendmail/mailvet.mc" -a -f "$DOC/README.Debian.gz"

# --- 2. mailvetd as the unit starts it -------------------------------------------------
if [ ! -d "$DB" ]; then
    mkdir -p "$DB" && made_db=yes
fi
if [ ! -e "$TESTSIG" ]; then
    cp /usr/share/mailvet/signatures/mailvet-eicar.hdb "$TESTSIG" && made_sig=yes
fi

# unit_cmds KEY - the command lines of KEY= in the installed unit, one a line, without
# systemd's prefixes (- @ : + !)
unit_cmds() { sed -n "s/^$1=[-@:+!]*//p" "$UNIT"; }
# start_mailvetd - what "systemctl start mailvet" does here: RuntimeDirectory=, each
# ExecStartPre= (must succeed), then ExecStart= in the background, its output (the
# journal's) appended to mailvetd.log; waits for "ready".  Sets MV_PID.
start_mailvetd() {
    rundir=$(sed -n 's/^RuntimeDirectory=//p' "$UNIT")
    runmode=$(sed -n 's/^RuntimeDirectoryMode=//p' "$UNIT")
    if [ -n "$rundir" ] && [ ! -d "/run/$rundir" ]; then
        install -d -m "${runmode:-0755}" "/run/$rundir" && made_rundir=/run/$rundir
    fi
    touch "$PF_WORK/mailvetd.log"
    unit_cmds ExecStartPre > "$PF_WORK/pre.cmds"
    while read -r cmd; do
        eval "set -- $cmd"
        "$@" >> "$PF_WORK/mailvetd.log" 2>&1 < /dev/null || {
            diag "ExecStartPre failed: $cmd"
            return 1
        }
    done < "$PF_WORK/pre.cmds"
    cmd=$(unit_cmds ExecStart | tail -n 1)
    [ -n "$cmd" ] || return 1
    _before=$(grep -c 'ready: socket=' "$PF_WORK/mailvetd.log")
    eval "set -- $cmd"
    "$@" >> "$PF_WORK/mailvetd.log" 2>&1 < /dev/null &
    MV_PID=$!
    _ready() { [ "$(grep -c 'ready: socket=' "$PF_WORK/mailvetd.log")" -gt "$_before" ] || pf_gone "$MV_PID"; }
    pf_wait_until 60 _ready
    [ "$(grep -c 'ready: socket=' "$PF_WORK/mailvetd.log")" -gt "$_before" ] && ! pf_gone "$MV_PID"
}
# ids LINE - "Uid:" or "Gid:" of /proc/$MV_PID/status: real, effective, saved, fs
ids() { awk -v k="$1" '$1 == k { print $2, $3, $4, $5 }' "/proc/$MV_PID/status" 2>/dev/null; }

if start_mailvetd; then
    ok "mailvetd starts with the unit's command lines: $(unit_cmds ExecStart | tail -n 1)"
else
    not_ok "mailvetd starts with the unit's command lines"
    bail "mailvetd did not start: $(tail -5 "$PF_WORK/mailvetd.log")"
fi
# the administrator's check before a restart (the unit has no ExecStartPre: with
# Type=notify mailvetd refuses a bad configuration itself before READY=1)
/usr/sbin/mailvetd -n -c /etc/mailvet/mailvet.yaml > "$PF_WORK/check.out" 2>&1
check "mailvetd -n on the shipped configuration: OK, with the policy's rules and the database" \
    grep -q "configuration OK" "$PF_WORK/check.out"
if [ "$(ids Uid:)" = "$uid $uid $uid $uid" ] && [ "$(ids Gid:)" = "$gid $gid $gid $gid" ]; then
    ok "mailvetd runs as mailvet: Uid $(ids Uid:), Gid $(ids Gid:) in /proc/$MV_PID/status"
else
    not_ok "mailvetd runs as mailvet (uid $uid gid $gid)"
    diag "Uid: $(ids Uid:) Gid: $(ids Gid:)"
fi
check "the socket $SOCK is mailvet:mailvet 0660, socket_mode of the shipped config (got $(perm $SOCK))" \
    test -S "$SOCK" -a "$(perm $SOCK)" = "mailvet:mailvet 660"
check "mailvetd finds the quarantine usable (no 'quarantine_dir unusable' warning)" \
    test -z "$(grep 'quarantine_dir unusable' "$PF_WORK/mailvetd.log")"

# --- 3. mail through Postfix with the installed snippets --------------------------------
pf_start_sink || bail "smtp-sink did not start"
pf_configure "" || bail "cannot write the Postfix configuration"
pf_use_snippet "$DOC/postfix/main.cf.snippet" || bail "cannot apply $DOC/postfix/main.cf.snippet"
{ rmdir "$PF_MILTER_DIR" && ln -s "$SOCKDIR" "$PF_MILTER_DIR"; } || bail "cannot link $PF_MILTER_DIR"
{ echo; echo "# --- $DOC/postfix/master.cf.snippet"; cat "$DOC/postfix/master.cf.snippet"; } \
    >> "$PF_CONF/master.cf"
pf_start || bail "the private Postfix did not start"
check "Postfix's smtpd_milters is the snippet's unix:mailvet/mailvetd.sock" \
    test "$(postconf -c "$PF_CONF" -h smtpd_milters)" = "unix:mailvet/mailvetd.sock"

# send NAME FILE - swaks FILE through Postfix's smtpd; transcript in
# $PF_WORK/swaks-NAME.txt; EOD_REPLY is the reply to the end of the data
send() {
    _t=$PF_WORK/swaks-$1.txt
    "$SWAKS" --server 127.0.0.1 --port "$PF_SMTP_PORT" --timeout 120 --helo "$1.example.net" \
        --from sender@example.net --to "$1@example.com" --data "@$2" > "$_t" 2>&1
    EOD_REPLY=$(awk 'seen && /^<(-|\*\*)/ { print; exit } /^ -> \.\r?$/ { seen = 1 }' "$_t")
}
# sink_file RCPT - the sink's dump of the message to RCPT@example.com, if any
# (smtp-sink writes the envelope as X-Rcpt-Args above the message)
sink_file() { grep -l -F "X-Rcpt-Args: <$1@example.com>" "$PF_SINKDIR"/msg.* 2>/dev/null | head -n 1; }
sink_has() { [ -n "$(sink_file "$1")" ]; }
q() { /usr/bin/mailvet quarantine "$@"; }

send eicar "$PF_WORK/samples/eicar.eml"
case $EOD_REPLY in
"<** 550"*5.7.1*Eicar-Test-Signature*) ok "EICAR: 550 5.7.1 naming Eicar-Test-Signature" ;;
*) not_ok "EICAR: 550 5.7.1 naming Eicar-Test-Signature"; diag "got: ${EOD_REPLY:-no reply}" ;;
esac
send avaddon "$C/avaddon-wave1.eml"
case $EOD_REPLY in
"<** 550"*) ok "the Avaddon look-alike: 550 (campaign: reject in the shipped policy)" ;;
*) not_ok "the Avaddon look-alike: 550 (campaign: reject)"; diag "got: ${EOD_REPLY:-no reply}" ;;
esac

send covid "$C/covid-vbs.eml"
case $EOD_REPLY in
"<-  250"*) ok "the COVID VBS look-alike: 250 (quarantined, not rejected)" ;;
*) not_ok "the COVID VBS look-alike: 250"; diag "got: ${EOD_REPLY:-no reply}" ;;
esac
pf_wait_until 20 grep -q "quarantined id=" "$PF_WORK/mailvetd.log"
id=$(sed -n 's/.*quarantined id=\([0-9A-Za-z]*\).*/\1/p' "$PF_WORK/mailvetd.log" | head -n 1)
if [ -n "$id" ] && q list --json 2> "$PF_WORK/list.err" |
    jq -e --arg id "$id" 'length == 1 and .[0].id == $id and .[0].state == "held"' > /dev/null; then
    ok "mailvet quarantine list shows it held (id $id)"
else
    not_ok "mailvet quarantine list shows it held (id ${id:-none logged})"
    diag "$(q list 2>&1 | head -5)"
fi
strangers=$(find /var/spool/mailvet/quarantine -mindepth 1 ! -user mailvet 2>/dev/null | head -3)
check "the quarantine's files belong to mailvet${strangers:+ (not: $strangers)}" test -z "$strangers"
sleep 2
check "the held message did not reach the sink" test -z "$(sink_file covid)"
if q release "$id" > "$PF_WORK/release.out" 2>&1; then
    ok "mailvet quarantine release $id exits 0"
else
    not_ok "mailvet quarantine release $id exits 0"; diag "$(cat "$PF_WORK/release.out")"
fi
if pf_wait_until 60 sink_has covid && grep -q INERT-TEST-FIXTURE "$(sink_file covid)"; then
    ok "the released message arrives through the master.cf snippet's port $RELEASE_PORT"
else
    not_ok "the released message arrives through port $RELEASE_PORT"
    diag "$(grep -E 'mailvet-release|10026' "$PF_LOG" | tail -5)"
fi

send clean "$PF_WORK/samples/clean.eml"
f=
if pf_wait_until 60 sink_has clean; then
    f=$(sink_file clean)
fi
if [ -n "$f" ] && ! grep -qi '^X-Mailvet-Status:' "$f"; then
    ok "clean mail arrives, untagged as the shipped add_header: false says"
else
    not_ok "clean mail arrives, untagged (add_header: false)"
    diag "got: ${f:-no message}$([ -n "$f" ] && grep -i '^X-Mailvet-Status:' "$f")"
fi

# --- 4. the admin's edits, applied with "systemctl reload mailvet" ----------------------
# reload - the unit's ExecReload= command lines, as systemctl reload runs them; RC is
# the last one's exit status, their output in $PF_WORK/reload-N.out
reload() {
    unit_cmds ExecReload > "$PF_WORK/reload.cmds"
    RC=1
    _i=0
    while read -r cmd; do
        _i=$((_i + 1))
        eval "set -- $cmd"
        "$@" > "$PF_WORK/reload-$_i.out" 2>&1 < /dev/null
        RC=$?
    done < "$PF_WORK/reload.cmds"
}
cp "$CONF" "$PF_WORK/mailvet.yaml.orig"
sed -i 's/^max_message_scan_time: .*/max_message_scan_time: 180/' "$CONF"
grep -q '^max_message_scan_time: 180$' "$CONF" || bail "cannot edit $CONF (no max_message_scan_time line)"
unit_cmds ExecReload | grep -q . || bail "the unit has no ExecReload="
line=$(grep -n '^max_message_scan_time:' "$CONF" | cut -d: -f1)
reload
out=$(cat "$PF_WORK"/reload-*.out)
if [ "$RC" -eq 78 ] && echo "$out" | grep -q "$CONF:$line: max_message_scan_time: 180: a duration needs a unit" &&
    ! pf_gone "$MV_PID"; then
    ok "a bare max_message_scan_time: 180: the unit's reload exits 78 naming $CONF:$line; mailvetd keeps serving"
else
    not_ok "a bare max_message_scan_time: 180: the unit's reload exits 78 naming the line"
    diag "exit $RC: $out"
fi
# a start on that configuration is refused as well, and systemd does not retry it
eval "set -- $(unit_cmds ExecStart | tail -n 1)"
timeout 120 "$@" > "$PF_WORK/start-bad.out" 2>&1 < /dev/null
SRC=$?
prevent=$(sed -n 's/^RestartPreventExitStatus=//p' "$UNIT")
check "and the unit's start on it exits $SRC, which RestartPreventExitStatus= ($prevent) lists: not restarted again and again" \
    eval '[ "$SRC" -eq 78 ] && case " $prevent " in *" $SRC "*) true ;; *) false ;; esac'
rm -f "$PF_WORK"/reload-*.out
cp "$PF_WORK/mailvet.yaml.orig" "$CONF"
sed -i 's/^add_header: false$/add_header: true/' "$CONF"
grep -q '^add_header: true$' "$CONF" || bail "cannot edit $CONF (no 'add_header: false' line)"
reload
check "add_header: true: the unit's reload exits 0 ($(cat "$PF_WORK"/reload-*.out))" test "$RC" -eq 0
send tagged "$PF_WORK/samples/clean.eml"
f=
if pf_wait_until 60 sink_has tagged; then
    f=$(sink_file tagged)
fi
hdr=$([ -n "$f" ] && grep -i '^X-Mailvet-Status:' "$f" | head -n 1)
case $hdr in
*[Cc]lean*) ok "clean mail arrives tagged: $hdr" ;;
*) not_ok "clean mail arrives tagged X-Mailvet-Status: clean"; diag "got: ${hdr:-no message or header}" ;;
esac

# --- 5. upgrade -----------------------------------------------------------------------
# The package again, with a higher version, and the sample mailvet.yaml and policy.yaml
# changed: dpkg keeps the edited one and replaces the other.  As under systemd, the
# daemon is stopped and started around it (here by hand: there is no systemctl).
stop_mailvetd
R=$PF_WORK/repack
dpkg-deb -R "$DEB" "$R" || bail "dpkg-deb -R failed"
NEWVER="$VERSION+e2e1"
sed -i "s/^Version: .*/Version: $NEWVER/" "$R/DEBIAN/control"
echo "# changed by the upgrade in tests/e2e/deb.sh" >> "$R/etc/mailvet/mailvet.yaml"
echo "# changed by the upgrade in tests/e2e/deb.sh" >> "$R/etc/mailvet/policies/policy.yaml"
dpkg-deb -b "$R" "$PF_WORK/mailvet_upgrade.deb" > /dev/null 2>&1 || bail "dpkg-deb -b failed"
if dpkg -i --force-confdef --force-confold "$PF_WORK/mailvet_upgrade.deb" \
    > "$PF_WORK/dpkg-upgrade.out" 2>&1 &&
    [ "$(dpkg-query -W -f '${Version}' mailvet)" = "$NEWVER" ]; then
    ok "dpkg -i upgrades to $NEWVER"
else
    not_ok "dpkg -i upgrades to $NEWVER"
fi
if grep -q '^add_header: true$' "$CONF" && ! grep -q 'changed by the upgrade' "$CONF" &&
    grep -q 'changed by the upgrade' "$CONF.dpkg-dist"; then
    ok "the upgrade keeps the edited mailvet.yaml; the package's new one is mailvet.yaml.dpkg-dist"
else
    not_ok "the upgrade keeps the edited mailvet.yaml (new one as .dpkg-dist)"
    diag "$(grep -n 'add_header\|changed by' "$CONF" "$CONF.dpkg-dist" 2>&1)"
fi
check "the unedited policy.yaml is replaced by the package's new one" \
    grep -q 'changed by the upgrade' /etc/mailvet/policies/policy.yaml
if start_mailvetd; then
    send clean2 "$PF_WORK/samples/clean.eml"
    f=
    if pf_wait_until 60 sink_has clean2; then
        f=$(sink_file clean2)
    fi
    if [ -n "$f" ] && grep -qi '^X-Mailvet-Status: *clean' "$f"; then
        ok "after the upgrade mailvetd runs with the kept edit: clean mail arrives tagged"
    else
        not_ok "after the upgrade clean mail arrives tagged"
    fi
else
    not_ok "mailvetd starts again after the upgrade"; diag "$(tail -5 "$PF_WORK/mailvetd.log")"
fi
stop_mailvetd
check "mailvetd exits 0 on SIGTERM (systemctl stop)" test "${MV_RC:-1}" -eq 0
check "it removes its socket on the way out" test ! -e "$SOCK"

# --- 6. purge -------------------------------------------------------------------------
pf_stop_all
if dpkg --purge mailvet > "$PF_WORK/dpkg-purge.out" 2>&1; then
    ok "dpkg --purge mailvet"
    installed=
else
    not_ok "dpkg --purge mailvet"; diag "$(tail -5 "$PF_WORK/dpkg-purge.out")"
fi
check "the purge removes /etc/mailvet (conffiles and .dpkg-dist)" test ! -e /etc/mailvet
check "the purge removes /var/spool/mailvet and $SOCKDIR" \
    test ! -e /var/spool/mailvet -a ! -e "$SOCKDIR"
check "the purge removes the units' enablement links" \
    test ! -e /etc/systemd/system/multi-user.target.wants/mailvet.service \
    -a ! -e /etc/systemd/system/timers.target.wants/mailvet-purge.timer

[ "$failed" -eq 0 ] && [ "$n" -eq "$PLAN" ]
