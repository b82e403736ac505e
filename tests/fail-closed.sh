#!/bin/sh
# fail-closed.sh - mailvetd never starts weaker than configured, as an administrator
# meets it: a policy_dir that is missing, holds no rule or cannot be read by the user
# mailvetd runs as, or is left without a value (not the "" that runs without rules),
# a tmpdir that user cannot write in, score_actions with its items commented out, a
# campaign file that does not load, a database without signatures of its own (an empty
# directory, one empty .hdb, only policy_dir's signatures), quarantine_store postgresql
# without quarantine_db, a user or group the system lacks, and a
# duration without its unit.  For each: "mailvetd -f" refuses to start (exit 78, no
# socket), "mailvetd -n" and "mailvet check-config" refuse too, and each prints the one
# line that names the path and the fix.  Then what they print when all is well: the
# database and its signatures, the policy files with their rules, the actions and the
# quarantine; policy_dir: "" (no rules, said plainly as a warning); and score_actions: []
# (none, deliberately).
# TAP on stdout; run by "make check" (env: top_srcdir, top_builddir).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVETD=$top_builddir/milter/mailvetd/mailvetd
MAILVET=$top_builddir/milter/mailvet/mailvet

PLAN=64
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"
# t DESC SHELL-CONDITION - ok when the condition (evaluated now) holds
t() {
    _d=$1
    shift
    if eval "$*"; then ok "$_d"; else not_ok "$_d"; fi
}

[ -x "$MAILVETD" ] || bail "$MAILVETD not built"
[ -x "$MAILVET" ] || bail "$MAILVET not built"

mkdir -p "$top_builddir/tests/work" || bail "cannot make tests/work"
W=$(mktemp -d "$top_builddir/tests/work/fail-closed-XXXXXX") || bail "mktemp failed"
W=$(cd "$W" && pwd -P)
# user nobody must reach $W for the unreadable case, and the sockets must fit in
# sun_path: else a directory under /tmp
chmod 755 "$W"
if [ ${#W} -gt 80 ] || { [ "$(id -u)" = 0 ] &&
    ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$W" 2>/dev/null; }; then
    rmdir "$W"
    W=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-fail-closed-XXXXXX") || bail "mktemp failed"
    chmod 755 "$W"
fi
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP

sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"
chmod -R a+rX "$W/samples"
SIGS=$W/samples/sigs

# policies - DIR: a copy of the shipped policy files (policies/), readable by all
policies() {
    mkdir -p "$1/campaigns" "$1/signatures"
    cp "$top_srcdir/policies/policy.yaml" "$top_srcdir/policies/generic.yaml" \
        "$top_srcdir/policies/heuristics.yaml" "$1/"
    cp "$top_srcdir/policies/campaigns/"*.yaml "$1/campaigns/"
    cp "$top_srcdir/policies/signatures/"* "$1/signatures/"
    chmod -R a+rX "$1"
}
policies "$W/policies"

# a tmpdir every user may write in, as /var/tmp is: the daemon's user must
mkdir -p "$W/tmp" && chmod 1777 "$W/tmp"

# config NAME [LINE...] - $W/NAME.yaml: a socket and pid file of its own, no user,
# the samples' signatures, the copied policies, no /metrics; each LINE ("key: value") replaces the
# key of that name
config() {
    _name=$1
    shift
    {
        for _line in "socket: unix:$W/$_name.sock" "pid_file: $W/$_name.pid" 'user: ""' \
            "tmpdir: $W/tmp" "database: $SIGS" "policy_dir: $W/policies" 'metrics_listen: ""'; do
            printf '%s\n' "$@" | grep -q "^${_line%%:*}:" || echo "$_line"
        done
        for _line in "$@"; do echo "$_line"; done
    } > "$W/$_name.yaml"
    chmod 644 "$W/$_name.yaml"
}

# refused NAME WANT DESC [TOOL] - mailvetd -f, mailvetd -n and (TOOL unless "no")
# mailvet check-config on $W/NAME.yaml each exit 78 and print exactly the line WANT
# on stderr; the daemon leaves no socket and no pid file; check-config prints the
# configuration first, unless TOOL is "load" (the file itself is refused)
refused() {
    _name=$1 _want=$2 _desc=$3 _tool=${4:-yes}
    timeout 60 "$MAILVETD" -f -c "$W/$_name.yaml" > "$W/$_name.out" 2> "$W/$_name.err"
    _rc=$?
    if [ "$_rc" -eq 78 ] && [ "$(cat "$W/$_name.err")" = "$_want" ] &&
        [ ! -e "$W/$_name.sock" ] && [ ! -e "$W/$_name.pid" ]; then
        ok "$_desc: mailvetd does not start (exit 78, no socket), one line names it and the fix"
    else
        not_ok "$_desc: mailvetd does not start (exit 78, no socket), one line names it and the fix"
        diag "exit $_rc; want: $_want"
        diag "got:"
        sed 's/^/#   /' "$W/$_name.err"
        ls "$W" | sed 's/^/#   /'
    fi
    "$MAILVETD" -n -c "$W/$_name.yaml" > "$W/$_name-n.out" 2> "$W/$_name-n.err"
    _rc=$?
    if [ "$_rc" -eq 78 ] && [ "$(cat "$W/$_name-n.err")" = "$_want" ] && [ ! -s "$W/$_name-n.out" ]; then
        ok "$_desc: mailvetd -n exits 78 with the same line"
    else
        not_ok "$_desc: mailvetd -n exits 78 with the same line"
        diag "exit $_rc"
        sed 's/^/#   /' "$W/$_name-n.out" "$W/$_name-n.err"
    fi
    [ "$_tool" = no ] && return
    "$MAILVET" check-config -c "$W/$_name.yaml" > "$W/$_name-cc.out" 2> "$W/$_name-cc.err"
    _rc=$?
    _printed=yes
    grep -q "^# mailvet configuration from $W/$_name.yaml" "$W/$_name-cc.out" || _printed=no
    [ "$_tool" = load ] && _printed=$([ $_printed = no ] && echo yes || echo no)
    _what="prints the configuration, then exits 78 with the same line"
    [ "$_tool" = load ] && _what="exits 78 with the same line"
    if [ "$_rc" -eq 78 ] && [ "$(cat "$W/$_name-cc.err")" = "$_want" ] && [ $_printed = yes ]; then
        ok "$_desc: mailvet check-config $_what"
    else
        not_ok "$_desc: mailvet check-config $_what"
        diag "exit $_rc"
        sed 's/^/#   /' "$W/$_name-cc.err"
    fi
}

POLICY_FIX="install the policies there or set policy_dir: \"\""
DB_FIX="run freshclam to fetch ClamAV's signatures (Debian: clamav-freshclam), or set database:"

# --- policy_dir ----------------------------------------------------------------------
config nodir "policy_dir: $W/no-such-policies"
refused nodir "policy_dir $W/no-such-policies: no such directory; $POLICY_FIX in $W/nodir.yaml to run without rules" \
    "a missing policy_dir"

mkdir -p "$W/norules"
printf 'actions:\n  suspicious: reject\n' > "$W/norules/policy.yaml"
chmod -R a+rX "$W/norules"
config norules "policy_dir: $W/norules"
refused norules "policy_dir $W/norules: no rules in it (1 policy files read); $POLICY_FIX in $W/norules.yaml to run without rules" \
    "a policy_dir without a rule"

# policy_dir left without a value (its path deleted, or still to be written) is not the
# "" that runs without rules: refused at its line, with both fixes
config nodirval "policy_dir:"
line=$(grep -n '^policy_dir:' "$W/nodirval.yaml" | cut -d: -f1)
# the built-in default the fix names, under sysconfdir as configure set it
# (MAKEFLAGS of the make that runs the suite would make it print its directories)
sysconfdir=$(cd "$top_builddir/policies" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    ${MAKE:-make} -s --no-print-directory -f Makefile -f - print-conf <<'EOF'
print-conf:
	@echo '$(sysconfdir)'
EOF
)
[ -n "$sysconfdir" ] || bail "cannot read sysconfdir from policies/Makefile"
refused nodirval "$W/nodirval.yaml:$line: policy_dir: missing value; set it to the policy directory ($sysconfdir/mailvet/policies by default), or to \"\" to run without rules" \
    "policy_dir: with no value" load

# user: with no value would keep root's privileges when root starts it
config nouserval "user:"
line=$(grep -n '^user:' "$W/nouserval.yaml" | cut -d: -f1)
refused nouserval "$W/nouserval.yaml:$line: user: missing value; set it to the user mailvetd runs as (mailvet by default), or to \"\" to keep the user that starts it" \
    "user: with no value" load

# score_actions with its items commented out would drop the built-in quarantine at 10
policies "$W/nosa"
sed -i 's/^  - {score: 10, action: quarantine}/#  - {score: 10, action: quarantine}/' \
    "$W/nosa/policy.yaml"
config nosa "policy_dir: $W/nosa"
line=$(grep -n '^score_actions:' "$W/nosa/policy.yaml" | cut -d: -f1)
refused nosa "$W/nosa/policy.yaml:$line: score_actions: missing value; list the score actions, or write score_actions: [] for none" \
    "score_actions: with its items commented out"

# unreadable: by the user mailvetd runs as; root reads everything, so as root the user
# is nobody (the first generation is read as the user mailvetd becomes, as every
# reload is), else the directory is closed to everyone
policies "$W/closed"
if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
    chmod 700 "$W/closed"
    config closed "policy_dir: $W/closed" "user: nobody"
    # check-config run by root, as an administrator runs it: it reads the files as the
    # daemon's user does, so it refuses what only root can read
    refused closed "policy_dir $W/closed: cannot read it as user nobody (Permission denied); let nobody read it, or set policy_dir: \"\" in $W/closed.yaml to run without rules" \
        "a policy_dir only root can read, with user: nobody"
elif [ "$(id -u)" != 0 ]; then
    chmod 000 "$W/closed"
    me=$(id -un)
    config closed "policy_dir: $W/closed"
    refused closed "policy_dir $W/closed: cannot read it as user $me (Permission denied); let $me read it, or set policy_dir: \"\" in $W/closed.yaml to run without rules" \
        "a policy_dir closed to its reader"
else
    for what in "mailvetd" "mailvetd -n" "check-config"; do
        skip "an unreadable policy_dir, $what: root without a user nobody to read as"
    done
fi
chmod 755 "$W/closed"

# a tmpdir the daemon's user cannot write in: every message would be answered tempfail
# (libclamav and the spool write there); refused at start instead, naming the user
mkdir -p "$W/roots-tmp"
if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
    chmod 755 "$W/roots-tmp"
    tmpuser=nobody
    config rotmp "tmpdir: $W/roots-tmp" "user: nobody"
else
    chmod 555 "$W/roots-tmp"
    tmpuser=$(id -un)
    config rotmp "tmpdir: $W/roots-tmp"
fi
refused rotmp "$W/rotmp.yaml: tmpdir: $W/roots-tmp: user $tmpuser cannot write in it (Permission denied); let $tmpuser write there (chown $tmpuser $W/roots-tmp), or set tmpdir: to a directory it can write in" \
    "a tmpdir the daemon's user cannot write in"
chmod 755 "$W/roots-tmp"

# a campaign file that does not load: the error names it with its line
policies "$W/broken"
printf 'rules:\n  - id: BROKEN_CAMPAIGN\n    category: campaign\n    score: 5\n    match: {subjct: {regex: "x"}}\n' \
    > "$W/broken/campaigns/broken.yaml"
chmod a+r "$W/broken/campaigns/broken.yaml"
config broken "policy_dir: $W/broken"
timeout 60 "$MAILVETD" -f -c "$W/broken.yaml" > /dev/null 2> "$W/broken.err"
rc=$?
if [ "$rc" -eq 78 ] && grep -q "^$W/broken/campaigns/broken.yaml:5: " "$W/broken.err" &&
    [ ! -e "$W/broken.sock" ]; then
    ok "a campaign file that does not load: mailvetd does not start (exit 78), names campaigns/broken.yaml:5"
else
    not_ok "a campaign file that does not load: mailvetd does not start (exit 78), names campaigns/broken.yaml:5"
    diag "exit $rc"; sed 's/^/#   /' "$W/broken.err"
fi
"$MAILVET" check-config -c "$W/broken.yaml" > /dev/null 2> "$W/broken-cc.err"
rc=$?
t "a campaign file that does not load: check-config exits 78 naming campaigns/broken.yaml:5 (exit $rc)" \
    '[ $rc -eq 78 ] && grep -q "^$W/broken/campaigns/broken.yaml:5: " "$W/broken-cc.err"'

# --- database ------------------------------------------------------------------------
mkdir -p "$W/db-empty"
config dbempty "database: $W/db-empty"
refused dbempty "database $W/db-empty: an empty directory, no signature files; $DB_FIX in $W/dbempty.yaml to a directory that holds them" \
    "an empty database directory"

mkdir -p "$W/db-emptyhdb"
: > "$W/db-emptyhdb/empty.hdb"
config dbemptyhdb "database: $W/db-emptyhdb"
refused dbemptyhdb "database $W/db-emptyhdb/empty.hdb: malformed signature database (libclamav: Empty database file); correct the file or remove it (freshclam restores ClamAV's own files)" \
    "a database of one empty .hdb"

# no signature of its own: policy_dir's campaign signatures alone are no virus scanner
mkdir -p "$W/db-none"
printf 'Eicar-Test-Signature\n' > "$W/db-none/local.ign2"
config dbnone "database: $W/db-none"
refused dbnone "database $W/db-none: no signatures in its files; $DB_FIX in $W/dbnone.yaml to a directory that holds them" \
    "a database whose files hold no signature, beside policy_dir's signatures"

# -d names another directory: the fix says -d
"$MAILVETD" -n -c "$W/dbnone.yaml" -d "$W/db-empty" > /dev/null 2> "$W/dbd.err"
rc=$?
want="database $W/db-empty: an empty directory, no signature files; run freshclam to fetch ClamAV's signatures (Debian: clamav-freshclam), or give -d a directory that holds them"
t "mailvetd -n -d EMPTY: exit 78, the fix names -d (exit $rc)" \
    '[ $rc -eq 78 ] && [ "$(cat "$W/dbd.err")" = "$want" ]'

# --- a duration without its unit ----------------------------------------------------
config bare "max_message_scan_time: 180"
line=$(grep -n '^max_message_scan_time:' "$W/bare.yaml" | cut -d: -f1)
refused bare "$W/bare.yaml:$line: max_message_scan_time: 180: a duration needs a unit: 180s, 180ms, 3m ..." \
    "max_message_scan_time: 180" load

# --- quarantine_store: postgresql without quarantine_db ----------------------------------
# refused by the check itself, as mailvetd refuses to start with it
want_pg="set quarantine_db to a libpq connection string (host=... dbname=...), or quarantine_store to dir"
config pgnodb "quarantine_store: postgresql"
line=$(grep -n '^quarantine_store:' "$W/pgnodb.yaml" | cut -d: -f1)
refused pgnodb "$W/pgnodb.yaml:$line: quarantine_store: postgresql needs quarantine_db, which is empty; $want_pg" \
    "quarantine_store: postgresql without quarantine_db" load
config pgemptydb "quarantine_store: postgresql" 'quarantine_db: ""'
line=$(grep -n '^quarantine_store:' "$W/pgemptydb.yaml" | cut -d: -f1)
refused pgemptydb "$W/pgemptydb.yaml:$line: quarantine_store: postgresql needs quarantine_db, which is empty; $want_pg" \
    "quarantine_store: postgresql with quarantine_db: \"\"" load

# --- a user that does not exist ---------------------------------------------------------
# mailvetd (started as root) and check-config (run as root, reading as that user) refuse
# a user: the system does not have, with the line that says how to make it
config nouser "user: mailvet-test-nosuchuser"
want="$W/nouser.yaml: user: no such user: mailvet-test-nosuchuser; create it (adduser --system --group mailvet-test-nosuchuser) or set user: to one that exists (\"\" keeps the user that starts it)"
if [ "$(id -u)" -ne 0 ] || getent passwd mailvet-test-nosuchuser > /dev/null; then
    skip "a user that does not exist: only root starts as another user"
    skip "a user that does not exist: only root starts as another user"
else
    "$MAILVETD" -n -c "$W/nouser.yaml" > /dev/null 2> "$W/nouser-n.err"
    rc=$?
    t "user: with no such user: mailvetd -n exits 67 (EX_NOUSER) with the line that says how to make it (exit $rc)" \
        '[ $rc -eq 67 ] && [ "$(cat "$W/nouser-n.err")" = "$want" ]' ||
        sed 's/^/#   /' "$W/nouser-n.err"
    "$MAILVET" check-config -c "$W/nouser.yaml" > /dev/null 2> "$W/nouser-cc.err"
    rc=$?
    t "user: with no such user: mailvet check-config as root exits 67 with the same line (exit $rc)" \
        '[ $rc -eq 67 ] && [ "$(cat "$W/nouser-cc.err")" = "$want" ]' ||
        sed 's/^/#   /' "$W/nouser-cc.err"
fi
# a group: the system does not have, with a user it has: the same, for the group
config nogroup "user: nobody" "group: mailvet-test-nosuchgroup"
want="$W/nogroup.yaml: group: no such group: mailvet-test-nosuchgroup; create it (addgroup --system mailvet-test-nosuchgroup) or set group: to one that exists (\"\" takes the user's own)"
if [ "$(id -u)" -ne 0 ] || ! id nobody > /dev/null 2>&1 ||
    getent group mailvet-test-nosuchgroup > /dev/null; then
    skip "a group that does not exist: only root starts as another user"
else
    "$MAILVETD" -n -c "$W/nogroup.yaml" > /dev/null 2> "$W/nogroup-n.err"
    rc=$?
    "$MAILVET" check-config -c "$W/nogroup.yaml" > /dev/null 2> "$W/nogroup-cc.err"
    rc2=$?
    t "group: with no such group: mailvetd -n and check-config exit 67 with the line that says how to make it (exit $rc, $rc2)" \
        '[ $rc -eq 67 ] && [ $rc2 -eq 67 ] && [ "$(cat "$W/nogroup-n.err")" = "$want" ] &&
         [ "$(cat "$W/nogroup-cc.err")" = "$want" ]' ||
        sed 's/^/#   /' "$W/nogroup-n.err" "$W/nogroup-cc.err"
fi
# started by another user, neither looks the user up: each stays who it is
if [ "$(id -u)" -ne 0 ] || ! id nobody > /dev/null 2>&1; then
    skip "user: with no such user, not started as root: needs root to become nobody first"
else
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$MAILVETD" -n -c "$W/nouser.yaml" \
        > /dev/null 2> "$W/nouser-nobody.err"
    rc=$?
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$MAILVET" check-config \
        -c "$W/nouser.yaml" > /dev/null 2>&1
    rc2=$?
    t "user: with no such user, started as nobody: mailvetd -n and check-config both pass, staying nobody (exit $rc, $rc2)" \
        '[ $rc -eq 0 ] && [ $rc2 -eq 0 ]' || sed 's/^/#   /' "$W/nouser-nobody.err"
fi

# --- what is loaded, when all is well --------------------------------------------------
config good "quarantine_dir: $W/q"
"$MAILVET" check-config -c "$W/good.yaml" > "$W/good-cc.out" 2> "$W/good-cc.err"
rc=$?
t "check-config on a good file: exit 0, nothing on stderr (exit $rc)" \
    '[ "$rc" -eq 0 ] && [ ! -s "$W/good-cc.err" ]'
"$MAILVETD" -n -c "$W/good.yaml" > "$W/good-n.out" 2> "$W/good-n.err"
rc=$?
t "mailvetd -n on a good file: exit 0, configuration OK (exit $rc)" \
    '[ "$rc" -eq 0 ] && grep -q "^mailvetd: $W/good.yaml: configuration OK" "$W/good-n.out"'
for prog in cc n; do
    out=$W/good-$prog.out
    name=$([ $prog = cc ] && echo "check-config" || echo "mailvetd -n")
    check "$name: the database and its signature count (# database: 1 signature from $SIGS)" \
        grep -q "^# database: 1 signature from $SIGS (libclamav " "$out"
    total=0
    files=0
    bad=
    for f in generic.yaml heuristics.yaml policy.yaml campaigns/avaddon.yaml campaigns/negasteal.yaml \
        campaigns/others.yaml; do
        want=$(grep -c '^  - id:' "$W/policies/$f")
        total=$((total + want))
        files=$((files + 1))
        grep -q "^#   $f: $want rules\{0,1\}\$" "$out" || bad="$bad $f"
    done
    check "$name: each policy file with its rules (as many as it has \"- id:\" lines)" [ -z "$bad" ]
    [ -n "$bad" ] && sed 's/^/#   /' "$out"
    check "$name: the policy directory (# policy: $files files, $total rules from $W/policies)" \
        grep -q "^# policy: $files files, $total rules from $W/policies\$" "$out"
    check "$name: the policy's own signatures (# policy signatures: N from $W/policies/signatures)" \
        grep -q "^# policy signatures: [1-9][0-9]* from $W/policies/signatures\$" "$out"
    check "$name: the action per verdict (policy.yaml's)" \
        grep -q "^# actions: infected=reject campaign=reject unscannable=quarantine suspicious=tag clean=accept " "$out"
    check "$name: quarantine_mode and quarantine_dir" \
        grep -q "^# quarantine: quarantine_mode store, quarantine_dir $W/q\$" "$out"
done

# --- policy_dir: "" runs without rules, and says so -------------------------------------
config none 'policy_dir: ""'
"$MAILVETD" -n -c "$W/none.yaml" > "$W/none-n.out" 2> "$W/none-n.err"
rc=$?
warn="policy_dir is \"\" in $W/none.yaml: running without rules and without campaign signatures, only ClamAV's signatures and the built-in actions"
t "policy_dir \"\": mailvetd -n exits 0 and warns in one line that no rules run (exit $rc)" \
    '[ "$rc" -eq 0 ] && [ "$(cat "$W/none-n.err")" = "mailvetd: warning: $warn" ]'
"$MAILVET" check-config -c "$W/none.yaml" > "$W/none-cc.out" 2> "$W/none-cc.err"
rc=$?
t "policy_dir \"\": check-config says \"# policy: built-in, no rules\" and warns (exit $rc)" \
    '[ "$rc" -eq 0 ] && grep -q "^# policy: built-in, no rules" "$W/none-cc.out" &&
     [ "$(cat "$W/none-cc.err")" = "mailvet: warning: $warn" ]'

# --- score_actions: [] is the deliberate "none" ------------------------------------------
policies "$W/sanone"
sed -i -e 's/^score_actions:$/score_actions: []/' -e '/^  - {score: 10, action: quarantine}/d' \
    "$W/sanone/policy.yaml"
config sanone "policy_dir: $W/sanone"
"$MAILVET" check-config -c "$W/sanone.yaml" > "$W/sanone-cc.out" 2> "$W/sanone-cc.err"
rc=$?
t "score_actions: []: check-config exits 0 and says \"# score_actions: none\" (exit $rc)" \
    '[ "$rc" -eq 0 ] && grep -q "^# score_actions: none\$" "$W/sanone-cc.out"' ||
    sed 's/^/#   /' "$W/sanone-cc.err"
"$MAILVETD" -n -c "$W/sanone.yaml" > /dev/null 2> "$W/sanone-n.err"
rc=$?
t "score_actions: []: mailvetd -n exits 0 (exit $rc)" '[ "$rc" -eq 0 ]' ||
    sed 's/^/#   /' "$W/sanone-n.err"

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
