#!/bin/sh
# rules-limit.sh - a rule whose regular expression cannot finish on a message is a
# verdict the policy acts on, never a silent miss.
#
# The rule BANG_SUBJECT's regex '^(?:(a+)+$|a+!)' catches a subject of a's and a
# bang, but its first alternative backtracks catastrophically before the second one
# matches: ten a's cost about 2^10 steps, forty would cost 2^40, far past PCRE2's
# match limit.  "mailvet scan --json" with that policy must give:
#   - ten a's and a bang: suspicious, BANG_SUBJECT hits;
#   - forty a's and a bang: unscannable (exit 1), the reason
#     Mailvet.Limits.Regex.BANG_SUBJECT, no hit for the rule, and the text output
#     naming the reason too;
#   - a rule under "not:" over the same regex (NOT_BANG, score -5, which would let
#     mail through) and "not: {rule: BANG_SUBJECT}" (NOT_REF) do not hit either;
#     a rule that does not read the subject (LURE) still does;
#   - the limit logged once per rule per policy, on stderr: three messages that hit
#     it in one run give one line per rule whose own regex hit it.
# TAP on stdout; env: top_srcdir, top_builddir; KEEP_WORK=1 keeps the work dir.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet

PLAN=8
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

[ -x "$MAILVET" ] || bail "$MAILVET not built"
command -v jq >/dev/null 2>&1 || bail "jq is required to read mailvet's JSON (apt-get install jq)"

work_dir rules-limit

# a database with one signature for bytes no message here carries
mkdir -p "$W/sigs" "$W/policy" "$W/tmp"
printf 'harmless sample for mailvet tests\n' > "$W/other.txt"
printf '%s:%s:Mailvet.Test.Other\n' "$(md5sum < "$W/other.txt" | cut -d' ' -f1)" \
    "$(wc -c < "$W/other.txt" | tr -d ' ')" > "$W/sigs/other.hdb"

cat > "$W/policy/policy.yaml" <<'EOF'
thresholds: {suspicious: 5, campaign: 10}
rules:
  - id: BANG_SUBJECT
    description: "a subject of a's and a bang"
    category: suspicious
    score: 5
    match: {subject: {regex: '^(?:(a+)+$|a+!)'}}
  - id: LURE
    description: "every message carries the word lure in its body"
    category: suspicious
    score: 5
    match: {body: {regex: '\blure\b'}}
  - id: NOT_BANG
    description: "not a bang subject: lowers the score"
    category: info
    score: -5
    match: {not: {subject: {regex: '^(?:(a+)+$|a+!)'}}}
  - id: NOT_REF
    description: "not a bang subject, by reference"
    category: info
    score: -5
    match: {not: {rule: BANG_SUBJECT}}
EOF
cat > "$W/mailvet.yaml" <<EOF
database: $W/sigs
tmpdir: $W/tmp
policy_dir: $W/policy
EOF

# msg FILE SUBJECT - a plain message with SUBJECT whose body says "lure"
msg() {
    printf 'From: a@example.com\nTo: b@example.com\nSubject: %s\nMessage-ID: <%s@example.com>\n\nthe lure\n' \
        "$2" "$(basename "$1" .eml)" > "$1"
}
a10=$(printf '%010d' 0 | tr 0 a)
a40=$(printf '%040d' 0 | tr 0 a)
msg "$W/a10.eml" "${a10}!"
msg "$W/a40.eml" "${a40}!"
msg "$W/b40.eml" "${a40}!"

# scan NAME ARGS... - mailvet scan; stdout in $W/NAME.out, stderr in $W/NAME.err, RC
scan() {
    name=$1
    shift
    "$MAILVET" scan -c "$W/mailvet.yaml" "$@" > "$W/$name.out" 2> "$W/$name.err"
    RC=$?
}
# jqt NAME FILTER - FILTER holds for the single JSON object in $W/NAME.out
jqt() {
    jq -e -s "length == 1 and (.[0] | $2)" "$W/$1.out" > /dev/null 2>&1
}
show() {
    diag "exit $RC; stdout:"
    sed 's/^/#   /' "$W/$1.out"
    diag "stderr:"
    sed 's/^/#   /' "$W/$1.err"
}
# want NAME DESC FILTER - FILTER holds for NAME's report
want() {
    if jqt "$1" "$3"; then ok "$2"; else not_ok "$2"; show "$1"; fi
}

REASON=Mailvet.Limits.Regex.BANG_SUBJECT

scan a10 --json "$W/a10.eml"
want a10 "ten a's and a bang: suspicious, BANG_SUBJECT and LURE hit, no limit" \
    '.verdict == "suspicious" and ([.hits[].id] == ["BANG_SUBJECT", "LURE"])
     and all(.reasons[]; startswith("Mailvet.Limits") | not)'

scan a40 --json "$W/a40.eml"
REASONS="[\"$REASON\", \"Mailvet.Limits.Regex.NOT_BANG\"]"
if [ "$RC" -eq 1 ] && jqt a40 ".verdict == \"unscannable\" and .reasons == $REASONS"; then
    ok "forty a's and a bang: exit 1, unscannable, the reasons $REASONS"
else
    not_ok "forty a's and a bang: exit 1, unscannable, the reasons $REASONS"
    show a40
fi
want a40 "forty a's: BANG_SUBJECT, NOT_BANG and NOT_REF do not hit, LURE does (score 5)" \
    '[.hits[].id] == ["LURE"] and .score == 5'

scan a40text "$W/a40.eml"
if [ "$RC" -eq 1 ] && grep -q -F "$REASON" "$W/a40text.out"; then
    ok "without --json: exit 1, the output names $REASON"
else
    not_ok "without --json: exit 1, the output names $REASON"
    show a40text
fi

# one run, three messages: the limit of each rule is logged once
scan three --json "$W/a40.eml" "$W/a10.eml" "$W/b40.eml"
lines=$(grep -c 'rules: ' "$W/three.err")
want_line="warning: rules: BANG_SUBJECT: regular expression hit its match limit on subject; messages it cannot decide are unscannable"
if [ "$lines" -eq 2 ] && [ "$(grep -c -F "$want_line" "$W/three.err")" -eq 1 ]; then
    ok "three messages in one run: BANG_SUBJECT's limit logged once"
else
    not_ok "three messages in one run: BANG_SUBJECT's limit logged once"
    diag "want one line ending \"$want_line\" and one for NOT_BANG; got $lines"
    show three
fi
if grep -q -F "rules: NOT_BANG: regular expression hit its match limit on subject" "$W/three.err"; then
    ok "NOT_BANG's own regex (under not:) is logged too, NOT_REF (a reference) is not"
else
    not_ok "NOT_BANG's own regex (under not:) is logged too, NOT_REF (a reference) is not"
    show three
fi
if jq -e -s "length == 3 and .[0].verdict == \"unscannable\" and .[1].verdict == \"suspicious\"
        and .[2].verdict == \"unscannable\" and (.[2].reasons | index(\"$REASON\")) != null" \
        "$W/three.out" > /dev/null 2>&1; then
    ok "three messages in one run: every message that hits the limit is unscannable"
else
    not_ok "three messages in one run: every message that hits the limit is unscannable"
    show three
fi
# the stderr line is the only thing on stderr besides the cache's own
if grep -v -e 'rules: ' -e 'cache: ' "$W/three.err" | grep -q .; then
    not_ok "stderr holds nothing else"
    show three
else
    ok "stderr holds nothing else"
fi

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
