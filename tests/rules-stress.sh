#!/bin/sh
# rules-stress.sh - every shipped rule (policies/*.yaml, policies/campaigns/*.yaml)
# against long values made to stress regular expressions, in every field a rule can
# read: a hang check and a check that no regex that gives up goes unnoticed.
#
# tests/samples/make-stress-samples.sh builds, for each field (subject, from,
# reply_to, a header, the text and HTML body, an attachment's name, declared type
# and disposition, a zip member's name, and an attachment's bytes bare or behind the
# magic of an executable, RTF, HTML or an Excel 4 macro sheet), one message per
# pattern with a 1 MiB value (a zip member's name: 64 KiB, the zip format's most);
# the envelope (--sender, --rcpt, --client) gets the same patterns at 100000 bytes,
# as much as one command-line argument holds.  Each message goes through
# "mailvet scan -c CONFIG --json" with policy_dir = $top_srcdir/policies, under
# timeout(1) with a generous 60 s (a hang check, not a timing assertion), and:
#   - the run ends with a verdict: exit 0 or 1, one JSON object (not an error, a
#     timeout or a crash);
#   - when a reason is Mailvet.Limits.Regex.ID, ID is a shipped rule and the verdict
#     is unscannable or stronger (campaign, infected), and stderr said so for ID;
#   - stderr holds nothing but those lines: a regex that gives up is never silent.
# One check per field, and one for the values of nested address groups in From and
# Reply-To (below).  The rules whose regex gave up, and on what, are listed as
# diagnostics.  Needs perl (Compress::Zlib), jq, timeout.  TAP on stdout; env:
# top_srcdir, top_builddir; KEEP_WORK=1 keeps the work directory; STRESS_TIMEOUT
# overrides the 60 s (300 s in a build with the sanitizers).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet
LIMIT=${STRESS_TIMEOUT:-60}
# the sanitizers make a scan several times slower: the hang check allows for that
if [ -z "${STRESS_TIMEOUT:-}" ] && { nm "$MAILVET"; nm -D "$MAILVET"; } 2> /dev/null | grep -q __asan_init; then
    LIMIT=300
fi

FIELDS="subject from reply_to header body html attachment_name attachment_type disposition
member_name content content_exe content_rtf content_html content_xml"
ENVELOPE="sender rcpt client"

. "$top_srcdir/tests/lib.sh"

PLAN=0
for f in $FIELDS $ENVELOPE; do PLAN=$((PLAN + 1)); done
PLAN=$((PLAN + 2))
echo "1..$PLAN"

[ -x "$MAILVET" ] || bail "$MAILVET not built"
command -v jq >/dev/null 2>&1 || bail "jq is required to read mailvet's JSON (apt-get install jq)"
command -v timeout >/dev/null 2>&1 || bail "timeout (coreutils) is required"
perl -MCompress::Zlib -e 1 2>/dev/null || bail "perl with Compress::Zlib is required"

work_dir rules-stress

# a database with one signature for bytes no message here carries
mkdir -p "$W/sigs" "$W/tmp"
printf 'harmless sample for mailvet tests\n' > "$W/other.txt"
printf '%s:%s:Mailvet.Test.Other\n' "$(md5sum < "$W/other.txt" | cut -d' ' -f1)" \
    "$(wc -c < "$W/other.txt" | tr -d ' ')" > "$W/sigs/other.hdb"
CONF=$W/mailvet.yaml
cat > "$CONF" <<EOF
database: $W/sigs
tmpdir: $W/tmp
policy_dir: $top_srcdir/policies
# the user that runs the test (check-config as root reads as "user:", mailvet by default)
user: ""
EOF

# the shipped rule ids, one per line
ids=$(cat "$top_srcdir"/policies/*.yaml "$top_srcdir"/policies/campaigns/*.yaml |
    sed -n 's/^[[:space:]]*-[[:space:]]*id:[[:space:]]*\([A-Za-z0-9_.-]*\).*/\1/p')
if [ "$(printf '%s\n' "$ids" | grep -c .)" -ge 20 ] &&
    "$MAILVET" check-config -c "$CONF" > "$W/cc.out" 2>&1; then
    ok "the shipped policy loads with $(printf '%s\n' "$ids" | grep -c .) rules"
else
    not_ok "the shipped policy loads with its rules"
    sed 's/^/#   /' "$W/cc.out"
fi

# judge NAME - the report $W/NAME.json, stderr $W/NAME.err and exit status RC of one
# run; prints why it is wrong, or nothing; the rules that gave up go to
# $W/gave-up.list as "ID(NAME)"
judge() {
    if [ "$RC" -eq 124 ]; then
        echo "did not finish in ${LIMIT}s"
        return
    fi
    if [ "$RC" -ne 0 ] && [ "$RC" -ne 1 ]; then
        echo "exit $RC, want 0 or 1 (a verdict); stderr: $(head -c 300 "$W/$1.err")"
        return
    fi
    # the verdict, then the ids of the Mailvet.Limits.Regex.* reasons
    words=$(jq -r -s 'if length == 1 and (.[0].verdict | type) == "string"
        then .[0] | [.verdict] + [.reasons[] | select(startswith("Mailvet.Limits.Regex."))
                                  | sub("^Mailvet.Limits.Regex."; "")] | join(" ")
        else "none" end' "$W/$1.json" 2> /dev/null)
    verdict=${words%% *}
    limited=" ${words#"$verdict"} "
    case $verdict in
    clean | suspicious | unscannable | campaign | infected) ;;
    *)
        echo "not one JSON report: $(head -c 300 "$W/$1.json")"
        return
        ;;
    esac
    for id in $limited; do
        if ! printf '%s\n' "$ids" | grep -q -x -F "$id"; then
            echo "reason Mailvet.Limits.Regex.$id names no shipped rule"
        fi
        case $verdict in
        unscannable | campaign | infected) ;;
        *) echo "Mailvet.Limits.Regex.$id with verdict $verdict" ;;
        esac
        if ! grep -q -F "rules: $id: regular expression " "$W/$1.err"; then
            echo "Mailvet.Limits.Regex.$id but stderr does not name $id"
        fi
        echo "$id($1)" >> "$W/gave-up.list"
    done
    # each run is a new generation, so every limit is on its stderr; nothing else is
    if grep -v -e '^[^ ]* mailvet\[[0-9]*\]: warning: rules: [^ ]*: regular expression ' \
        "$W/$1.err" | grep -q .; then
        echo "stderr holds more: $(head -c 300 "$W/$1.err")"
    fi
    for id in $(sed -n 's/.*: warning: rules: \([^ ]*\): regular expression .*/\1/p' "$W/$1.err"); do
        case $limited in
        *" $id "*) ;;
        *) echo "stderr names $id, the report does not" ;;
        esac
    done
}

# The values of two patterns are nested address groups too ("pc name: user name: ..."
# and "Re: Fwd: ..." open a group at every ':'), which GMime's address parser follows
# by recursion (600 KB of them ran an 8 MiB stack out before mailvet withheld such
# fields from it): in From and Reply-To they get a check of their own as well (the
# last), whatever their fields' checks say.
NESTED='^(from|reply_to)\.(labels|re_prefix): '
: > "$W/all.bad"

# scan_check FIELD NAME ARGS... - one run; its problems appended to $W/FIELD.bad and
# $W/all.bad
scan_check() {
    field=$1
    name=$2
    shift 2
    timeout "$LIMIT" "$MAILVET" scan -c "$CONF" --json "$@" > "$W/$name.json" 2> "$W/$name.err"
    RC=$?
    judge "$name" | sed "s/^/$name: /" | tee -a "$W/all.bad" >> "$W/$field.bad"
    rm -f "$W/$name.json" "$W/$name.err"
}

# result FIELD DESC - one TAP line for the field's runs
result() {
    if [ -s "$W/$1.bad" ]; then
        not_ok "$2"
        sed 's/^/#   /' "$W/$1.bad"
    else
        ok "$2"
    fi
}

for field in $FIELDS; do
    : > "$W/$field.bad"
    if ! sh "$top_srcdir/tests/samples/make-stress-samples.sh" "$W/m" "$field" > "$W/gen.out" 2>&1; then
        echo "make-stress-samples.sh $field failed: $(cat "$W/gen.out")" > "$W/$field.bad"
    fi
    count=0
    for eml in "$W/m/$field".*.eml; do
        [ -f "$eml" ] || continue
        count=$((count + 1))
        scan_check "$field" "$(basename "$eml" .eml)" "$eml"
    done
    [ "$count" -ge 10 ] || echo "only $count messages for $field" >> "$W/$field.bad"
    result "$field" "$field: $count messages with 1 MiB values each end in a verdict, no regex gives up unseen"
    rm -rf "$W/m"
done

printf 'From: sender@example.com\nTo: rcpt@example.com\nSubject: envelope\n\nhello\n' > "$W/plain.eml"
sh "$top_srcdir/tests/samples/make-stress-samples.sh" "$W/env" envelope > "$W/gen.out" 2>&1 ||
    bail "make-stress-samples.sh envelope failed: $(cat "$W/gen.out")"
for opt in $ENVELOPE; do
    : > "$W/$opt.bad"
    count=0
    for txt in "$W/env"/*.txt; do
        count=$((count + 1))
        scan_check "$opt" "$opt.$(basename "$txt" .txt)" "--$opt" "$(cat "$txt")" "$W/plain.eml"
    done
    [ "$count" -ge 10 ] || echo "only $count values for --$opt" >> "$W/$opt.bad"
    result "$opt" "--$opt: $count values of 100000 bytes each end in a verdict, no regex gives up unseen"
done

grep -E "$NESTED" "$W/all.bad" > "$W/nested.bad"
result nested "From and Reply-To of 1 MiB of nested address groups end in a verdict"

if [ -s "$W/gave-up.list" ]; then
    diag "rules whose regex gave up (the message unscannable, as it should be):"
    sed 's/^/#   /' "$W/gave-up.list"
fi

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
