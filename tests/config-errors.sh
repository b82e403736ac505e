#!/bin/sh
# config-errors.sh - what a careless operator's mistakes print, as the operator meets
# them: a key written twice in mailvet.yaml or in a policy file is one error among the
# file's others (both lines named, every error in one run); a campaign file that is
# not valid YAML is named with its line, libyaml's reason and the fix; a signature file with a bad
# line, in the database or in policy_dir's signatures/, is named with its line and
# libclamav's reason; a database that holds only copies of policy_dir's campaign
# signatures, of this version or another (the same names), is no virus scanner, nor is
# one of allow lists or phishing-domain lists alone (.fp, .sfp, .pdb; beside a real
# signature such a list loads).  For each: "mailvetd -n" and "mailvet check-config" exit 78 and print exactly those lines
# on stderr ("mailvetd -f" too, for the signature files: no socket); a
# local_cache_size that is no size is refused the same way, naming the key.
# TAP on stdout; run by "make check" (env: top_srcdir, top_builddir).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVETD=$top_builddir/milter/mailvetd/mailvetd
MAILVET=$top_builddir/milter/mailvet/mailvet

PLAN=48
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

[ -x "$MAILVETD" ] || bail "$MAILVETD not built"
[ -x "$MAILVET" ] || bail "$MAILVET not built"

work_dir config-errors
W=$(cd "$W" && pwd -P)
# the sockets must fit in sun_path
if [ ${#W} -gt 80 ]; then
    rmdir "$W"
    W=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-config-errors-XXXXXX") || bail "mktemp failed"
fi

sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"
SIGS=$W/samples/sigs

# policies DIR - a copy of the shipped policy files (policies/)
policies() {
    mkdir -p "$1/campaigns" "$1/signatures"
    cp "$top_srcdir/policies/policy.yaml" "$top_srcdir/policies/generic.yaml" \
        "$top_srcdir/policies/heuristics.yaml" "$1/"
    cp "$top_srcdir/policies/campaigns/"*.yaml "$1/campaigns/"
    cp "$top_srcdir/policies/signatures/"* "$1/signatures/"
}
policies "$W/policies"

# config NAME [LINE...] - $W/NAME.yaml: a socket and pid file of its own, no user, the
# samples' signatures, the copied policies; each LINE ("key: value") replaces the key
# of that name
config() {
    _name=$1
    shift
    {
        for _line in "socket: unix:$W/$_name.sock" "pid_file: $W/$_name.pid" 'user: ""' \
            "tmpdir: $W" "database: $SIGS" "policy_dir: $W/policies"; do
            printf '%s\n' "$@" | grep -q "^${_line%%:*}:" || echo "$_line"
        done
        for _line in "$@"; do echo "$_line"; done
    } > "$W/$_name.yaml"
}

# same FILE WANT - FILE holds exactly WANT (lines); else the difference as diag
same() {
    printf '%s\n' "$2" > "$1.want"
    if cmp -s "$1" "$1.want"; then
        return 0
    fi
    diff "$1.want" "$1" | sed 's/^/#   /'
    return 1
}

# refused NAME WANT DESC [START] - mailvetd -n and mailvet check-config on
# $W/NAME.yaml exit 78 with exactly WANT on stderr; with START, mailvetd -f too, and
# it leaves no socket
refused() {
    _name=$1 _want=$2 _desc=$3 _start=${4:-}
    if [ -n "$_start" ]; then
        timeout 60 "$MAILVETD" -f -c "$W/$_name.yaml" > "$W/$_name-f.out" 2> "$W/$_name-f.err"
        _rc=$?
        if [ "$_rc" -eq 78 ] && same "$W/$_name-f.err" "$_want" && [ ! -e "$W/$_name.sock" ]; then
            ok "$_desc: mailvetd does not start (exit 78, no socket) and says so"
        else
            not_ok "$_desc: mailvetd does not start (exit 78, no socket) and says so"
            diag "exit $_rc"
        fi
    fi
    "$MAILVETD" -n -c "$W/$_name.yaml" > "$W/$_name-n.out" 2> "$W/$_name-n.err"
    _rc=$?
    if [ "$_rc" -eq 78 ] && same "$W/$_name-n.err" "$_want"; then
        ok "$_desc: mailvetd -n exits 78 and says so"
    else
        not_ok "$_desc: mailvetd -n exits 78 and says so"
        diag "exit $_rc"
    fi
    "$MAILVET" check-config -c "$W/$_name.yaml" > "$W/$_name-cc.out" 2> "$W/$_name-cc.err"
    _rc=$?
    if [ "$_rc" -eq 78 ] && same "$W/$_name-cc.err" "$_want"; then
        ok "$_desc: mailvet check-config exits 78 and says so"
    else
        not_ok "$_desc: mailvet check-config exits 78 and says so"
        diag "exit $_rc"
    fi
}

# --- a key written twice ---------------------------------------------------------------
config dupcfg "max_parts: 10" "on_error: bounce" "max_parts: 20"
first=$(grep -n '^max_parts:' "$W/dupcfg.yaml" | head -1 | cut -d: -f1)
second=$(grep -n '^max_parts:' "$W/dupcfg.yaml" | tail -1 | cut -d: -f1)
bounce=$(grep -n '^on_error:' "$W/dupcfg.yaml" | cut -d: -f1)
refused dupcfg "$W/dupcfg.yaml:$second: max_parts: duplicate key (first at line $first)
$W/dupcfg.yaml:$bounce: on_error: must be tempfail or accept, got bounce" \
    "mailvet.yaml with a key written twice and another error: both lines"
check "mailvet.yaml refused: check-config prints no configuration" [ ! -s "$W/dupcfg-cc.out" ]

policies "$W/duppol"
cat > "$W/duppol/local.yaml" << 'EOF'
rules:
  - id: LOCAL_DUP
    category: suspicious
    score: 2
    match: {subject: {regex: "invoice"}}
    score: 3
thresholds:
  suspicous: 3
EOF
config duppol "policy_dir: $W/duppol"
refused duppol "$W/duppol/local.yaml:6: score: duplicate key (first at line 4)
$W/duppol/local.yaml:8: thresholds.suspicous: unknown key (did you mean suspicious?)" \
    "a policy file with a key written twice and another error: both lines"
check "policy file refused: check-config prints the configuration first" \
    grep -q "^# mailvet configuration from $W/duppol.yaml" "$W/duppol-cc.out"

# --- a campaign file that is no YAML: libyaml's reason, then the fix --------------------
policies "$W/badyaml"
cat > "$W/badyaml/campaigns/local.yaml" << 'EOF'
rules:
  - id: LOCAL_LURE
    category: campaign
    score: 5
    match: {subject: {regex: "your photo"}
EOF
config badyaml "policy_dir: $W/badyaml"
refused badyaml "$W/badyaml/campaigns/local.yaml:6: did not find expected ',' or '}' (while parsing a flow mapping at line 5); fix the YAML at or before that line (indent with spaces only; quote a value that holds \": \" or \" #\")" \
    "a campaign file with a YAML syntax error: file, line, libyaml's reason and the fix"

# --- a local cache size that is no size ------------------------------------------------
config badlocal "local_cache_size: 64Q"
line=$(grep -n '^local_cache_size:' "$W/badlocal.yaml" | cut -d: -f1)
refused badlocal "$W/badlocal.yaml:$line: local_cache_size: must be a size in bytes with an optional K, M, G or T suffix, got 64Q" \
    "local_cache_size: 64Q" start

# --- a signature file with a bad line ---------------------------------------------------
DB_FIX="correct the file or remove it (freshclam restores ClamAV's own files)"
OURS_FIX="correct or remove the file there: policy_dir's signatures/ is loaded with ClamAV's"

# badsig NAME FILE TEXT REASON - FILE (line 2 of TEXT bad) beside good ones, in a
# database of its own and then in a copy of the policies' signatures/
badsig() {
    _n=$1 _file=$2 _text=$3 _reason=$4
    mkdir -p "$W/db-$_n"
    cp "$SIGS/"* "$W/db-$_n/"
    printf '%b' "$_text" > "$W/db-$_n/$_file"
    config "db$_n" "database: $W/db-$_n"
    refused "db$_n" "database $W/db-$_n/$_file:2: malformed signature database (libclamav: $_reason); $DB_FIX" \
        "a $_file with a bad line 2 in the database" start
    policies "$W/pol-$_n"
    printf '%b' "$_text" > "$W/pol-$_n/signatures/$_file"
    config "pol$_n" "policy_dir: $W/pol-$_n"
    refused "pol$_n" "$W/pol-$_n/signatures/$_file:2: malformed signature database (libclamav: $_reason); $OURS_FIX" \
        "a $_file with a bad line 2 in policy_dir's signatures/"
}

badsig ndb local.ndb 'Mailvet.Local.One:0:*:6d61696c766574\nMailvet.Local.Two:0:*:zz11\n' \
    "Malformed database"
badsig hdb local.hdb '0123456789abcdef0123456789abcdef:12:Mailvet.Local.One\nnothex:12:Mailvet.Local.Two\n' \
    "Malformed hash string at line 2"
badsig ldb local.ldb 'Mailvet.Local.One;Engine:81-255,Target:0;0;6d61696c766574\nMailvet.Local.Two;Engine:81-255,Target:0;0&1;6d61696c766574\n' \
    "The number of subsignatures (== 1) doesn't match the IDs in the logical expression (== 2)"
# libclamav loads a YARA file with a rule in error as a success, without the rule
badsig yar local.yar 'rule one { strings: $a = "mailvet-one" condition: $a }\nrule two { strings: $a = "x" condition: $a and }\n' \
    "syntax error, unexpected '}'"

# a .pdb line libclamav answers "out of memory" for: the file to fix, exit 78 from both
mkdir -p "$W/db-pdbany"
cp "$SIGS/"* "$W/db-pdbany/"
printf 'R:.*\n' > "$W/db-pdbany/local.pdb"
config dbpdbany "database: $W/db-pdbany"
refused dbpdbany "database $W/db-pdbany/local.pdb: libclamav could not load it (out of memory, which it also says for a pattern that matches anything, as a .pdb line \"R:.*\"); correct the file or remove it (freshclam restores ClamAV's own files)" \
    "a .pdb whose pattern matches anything: named as the file to fix"

# --- a database of mailvet's own campaign signatures only -----------------------------
mkdir -p "$W/db-ours"
cp "$top_srcdir/policies/signatures/"* "$W/db-ours/"
config dbours "database: $W/db-ours"
refused dbours "database $W/db-ours: holds only copies of the signature files of $W/policies/signatures, no signatures of its own; run freshclam to fetch ClamAV's signatures (Debian: clamav-freshclam), or set database: in $W/dbours.yaml to a directory that holds them" \
    "a database holding only copies of policy_dir's campaign signatures"

# the same signatures as another mailvet version ships them: other bytes (here the
# lines of each file in another order), the same names, still no virus scanner
mkdir -p "$W/db-other"
for _f in "$top_srcdir/policies/signatures/"*; do
    sort -r "$_f" > "$W/db-other/${_f##*/}"
done
sigs_other=$(cat "$W/db-other/"* | grep -c .)
config dbother "database: $W/db-other"
refused dbother "database $W/db-other: holds only signatures named as those of $W/policies/signatures ($sigs_other; a copy of them from another version), no signatures of its own; run freshclam to fetch ClamAV's signatures (Debian: clamav-freshclam), or set database: in $W/dbother.yaml to a directory that holds them" \
    "a database holding policy_dir's campaign signatures as another version has them"

# --- a database of files that detect nothing -------------------------------------------
# libclamav counts the entries of an allow list (.fp, .sfp) or a phishing-domain list
# (.pdb) among the signatures it loaded; alone they detect nothing (EICAR passes), so
# such a database is refused as one whose files hold no signature
DB_NONE_FIX="run freshclam to fetch ClamAV's signatures (Debian: clamav-freshclam), or set database: in"

# passive NAME FILE LINE DESC - a database of FILE alone, holding LINE, is refused
passive() {
    mkdir -p "$W/db-$1"
    printf '%s\n' "$3" > "$W/db-$1/$2"
    config "db$1" "database: $W/db-$1"
    refused "db$1" "database $W/db-$1: no signatures in its files, only allow, ignore or phishing-domain lists, which detect nothing; $DB_NONE_FIX $W/db$1.yaml to a directory that holds them" \
        "$4" start
}

passive fp local.fp '00000000000000000000000000000000:10:W' "a database of one .fp (an allow list)"
passive sfp local.sfp "$(printf '%064d' 0):10:W" "a database of one .sfp (an allow list)"
passive pdb local.pdb 'R:.*\.example\.com' "a database of one .pdb (a phishing-domain list)"

# an allow list beside a real signature: loads, with the signature
mkdir -p "$W/db-fphdb"
cp "$SIGS/"* "$W/db-fphdb/"
printf '00000000000000000000000000000000:10:W\n' > "$W/db-fphdb/local.fp"
config dbfphdb "database: $W/db-fphdb"
for what in "mailvetd -n" "check-config"; do
    if [ "$what" = "mailvetd -n" ]; then
        "$MAILVETD" -n -c "$W/dbfphdb.yaml" > "$W/dbfphdb.out" 2> "$W/dbfphdb.err"
    else
        "$MAILVET" check-config -c "$W/dbfphdb.yaml" > "$W/dbfphdb.out" 2> "$W/dbfphdb.err"
    fi
    rc=$?
    if [ "$rc" -eq 0 ] && [ ! -s "$W/dbfphdb.err" ]; then
        ok "a database of a .fp beside a .hdb: $what loads it"
    else
        not_ok "a database of a .fp beside a .hdb: $what loads it"
        diag "exit $rc"; sed 's/^/#   /' "$W/dbfphdb.err"
    fi
done

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
