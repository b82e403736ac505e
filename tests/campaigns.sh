#!/bin/sh
# campaigns.sh - the heuristics of policies/ (generic.yaml, campaigns/*.yaml and the
# signatures in policies/signatures/) against harmless look-alikes and a ham corpus.
#
# tests/samples/make-campaign-samples.sh builds the look-alikes and expect.tsv, one
# line per check: FILE, hit|miss, RULE_ID and optional "mailvet scan" envelope
# options (--auth, --client, --sender, --rcpt).  For every line, "mailvet scan -c
# CONFIG --json" must list (hit) or not list (miss) a hit with that id.  Then:
#   - the Avaddon wave-1 look-alike (photo subject, a wink, IMG123456.jpg.js.zip) is
#     a campaign verdict with score >= 10, and so is the same zip without the lure;
#     the real holiday photo with the same subject and wink stays clean (< 5);
#   - the NEGASTEAL RFQ look-alike (RFQ_2024-117.zip/.rar/.7z/.gz/.iso/.img holding
#     a .NET stub) is a NEGASTEAL campaign verdict; the same mail with a real PDF
#     stays clean;
#   - the exfiltration report is a campaign verdict only when sent with --auth;
#   - every message of the ham corpus (make-campaign-samples.sh --ham, 200+) is
#     clean with score < 5; the highest scores are listed as diagnostics;
#   - a copy of policies/ with a near-miss file name (local.yml), a policy file in a
#     subdirectory of campaigns/, or an allow glob that matches every sender ('*@*')
#     is refused by check-config: exit 78 and the one line that names the place.
# The config: policy_dir = $top_srcdir/policies, database = tests/samples' EICAR
# hash signature (the campaign signatures come from policy_dir/signatures/).
# Needs jq and what make-campaign-samples.sh needs.  TAP on stdout; env:
# top_srcdir, top_builddir; KEEP_WORK=1 keeps the work directory.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet

. "$top_srcdir/tests/lib.sh"

[ -x "$MAILVET" ] || bail "$MAILVET not built"
command -v jq >/dev/null 2>&1 || bail "jq is required to read mailvet's JSON (apt-get install jq)"

work_dir campaigns

gen=$top_srcdir/tests/samples/make-campaign-samples.sh
sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"
sh "$gen" "$W/c" > "$W/gen.out" 2>&1 || bail "make-campaign-samples.sh failed: $(cat "$W/gen.out")"
sh "$gen" --ham "$W/ham" > "$W/ham.out" 2>&1 ||
    bail "make-campaign-samples.sh --ham failed: $(cat "$W/ham.out")"
[ -s "$W/c/expect.tsv" ] || bail "make-campaign-samples.sh wrote no expect.tsv"
nham=$(ls "$W/ham" | grep -c '\.eml$')
[ "$nham" -ge 200 ] || bail "the ham corpus has $nham messages, want 200 or more"

mkdir -p "$W/tmp"
CONF=$W/mailvet.yaml
cat > "$CONF" <<EOF
database: $W/samples/sigs
tmpdir: $W/tmp
policy_dir: $top_srcdir/policies
# the user that runs the test (check-config as root reads as "user:", mailvet by default)
user: ""
EOF

nexpect=$(grep -c . "$W/c/expect.tsv")
RFQ="zip rar 7z gz iso img"
PLAN=$((nexpect + 19 + 6 * 2))
echo "1..$PLAN"

# --- the policy loads -------------------------------------------------------------
if "$MAILVET" check-config -c "$CONF" > "$W/cc.out" 2>&1; then
    ok "check-config accepts policy_dir $top_srcdir/policies"
else
    not_ok "check-config accepts policy_dir $top_srcdir/policies"
    sed 's/^/#   /' "$W/cc.out"
fi

# --- what the policy loader refuses in a copy of policies/ ------------------------------
# refused NAME LINE - check-config on $W/pol.yaml exits 78 and stderr holds LINE
cp -R "$top_srcdir/policies" "$W/pol" && chmod -R u+w "$W/pol" || bail "cannot copy policies/"
sed "s|^policy_dir: .*|policy_dir: $W/pol|" "$CONF" > "$W/pol.yaml"
refused() {
    "$MAILVET" check-config -c "$W/pol.yaml" > /dev/null 2> "$W/pol.err"
    rc=$?
    if [ "$rc" -eq 78 ] && grep -q -x -F "$2" "$W/pol.err"; then
        ok "check-config refuses $1"
    else
        not_ok "check-config refuses $1"
        diag "exit $rc, want 78 and the line: $2"
        sed 's/^/#   /' "$W/pol.err"
    fi
}
printf "block: {senders: ['a@example.com']}\n" > "$W/pol/local.yml"
refused "local.yml" "$W/pol/local.yml: not read: policy files end in .yaml; rename it to local.yaml"
rm -f "$W/pol/local.yml"
mkdir -p "$W/pol/campaigns/extra"
printf "block: {senders: ['a@example.com']}\n" > "$W/pol/campaigns/extra/x.yaml"
refused "campaigns/extra/x.yaml" "$W/pol/campaigns/extra: not read: subdirectories of campaigns/ are not read (it holds x.yaml); move its policy files into $W/pol/campaigns"
rm -rf "$W/pol/campaigns/extra"
printf "allow:\n  senders: ['*@*']\n" > "$W/pol/local.yaml"
refused "allow.senders '*@*'" "$W/pol/local.yaml:2: allow.senders: '*@*' matches every sender; list the senders to allow"
rm -f "$W/pol/local.yaml"

# --- scanning -------------------------------------------------------------------------
# scan_key FILE ARGS - the name of the JSON report of FILE scanned with ARGS
scan_key() {
    printf '%s %s' "$1" "$2" | md5sum | cut -c1-16
}
# scan_one FILE ARGS - scan $W/c/FILE with ARGS once; the report in $W/r/KEY.json
mkdir -p "$W/r"
scan_one() {
    k=$(scan_key "$1" "$2")
    [ -f "$W/r/$k.json" ] && return 0
    # shellcheck disable=SC2086 # ARGS are words
    "$MAILVET" scan -c "$CONF" --json $2 "$W/c/$1" > "$W/r/$k.json" 2> "$W/r/$k.err"
    echo $? > "$W/r/$k.rc"
}
report() { echo "$W/r/$(scan_key "$1" "$2").json"; }
# Every sample once without envelope options, in one run (the engine loads once);
# each report is filed under its key as scan_one would.
(cd "$W/c" && "$MAILVET" scan -c "$CONF" --json ./*.eml) > "$W/all.json" 2> "$W/all.err"
allrc=$?
for f in "$W"/c/*.eml; do
    b=$(basename "$f")
    k=$(scan_key "$b" "")
    jq -c "select(.file == \"./$b\")" "$W/all.json" > "$W/r/$k.json" 2> /dev/null
    if [ -s "$W/r/$k.json" ]; then
        echo "$allrc (batch)" > "$W/r/$k.rc"
        : > "$W/r/$k.err"
    else
        rm -f "$W/r/$k.json"    # scan_one tries it alone, and keeps its stderr
    fi
done
# jqf FILE ARGS FILTER - FILTER is true for FILE's report
jqf() {
    jq -e -s "length == 1 and (.[0] | $3)" "$(report "$1" "$2")" > /dev/null 2>&1
}
# summary FILE ARGS - diagnostics: exit status, verdict, score and hits
summary() {
    r=$(report "$1" "$2")
    diag "exit $(cat "${r%.json}.rc" 2>/dev/null); $(jq -r -s '.[0] | "verdict \(.verdict), score \(.score), hits: \([.hits[]? | "\(.id)(\(.score))"] | join(" ")), reasons: \(.reasons | join(" "))"' "$r" 2>/dev/null)"
    [ -s "${r%.json}.err" ] && sed 's/^/#   stderr: /' "${r%.json}.err"
    return 0
}

# --- per rule: must hit, must not hit ---------------------------------------------------
tab=$(printf '\t')
while IFS="$tab" read -r file kind rule args; do
    [ -n "$file" ] || continue
    scan_one "$file" "$args"
    what="$file${args:+ ($args)}"
    case $kind in
    hit)
        if jqf "$file" "$args" "any(.hits[]?; .id == \"$rule\")"; then
            ok "$what: hits $rule"
        else
            not_ok "$what: hits $rule"
            summary "$file" "$args"
        fi
        ;;
    miss)
        if jqf "$file" "$args" "(.hits | type) == \"array\" and all(.hits[]; .id != \"$rule\")"; then
            ok "$what: does not hit $rule"
        else
            not_ok "$what: does not hit $rule"
            summary "$file" "$args"
        fi
        ;;
    *) bail "expect.tsv: unknown kind '$kind'" ;;
    esac
done < "$W/c/expect.tsv"

# verdict FILE ARGS DESC FILTER
verdict() {
    scan_one "$1" "$2"
    if jqf "$1" "$2" "$4"; then ok "$3"; else not_ok "$3"; summary "$1" "$2"; fi
}

# --- campaign verdicts ------------------------------------------------------------------
verdict avaddon-wave1.eml "" \
    "Avaddon wave 1 (photo lure, wink, IMG123456.jpg.js.zip): verdict campaign, score >= 10, an Avaddon hit" \
    '.verdict == "campaign" and .score >= 10 and any(.hits[]; .campaign == "Avaddon")'
verdict avaddon-logs.eml "" \
    "the same zip with 'See attached logs': still campaign, score >= 10 (structure alone)" \
    '.verdict == "campaign" and .score >= 10'
verdict avaddon-emoticon.eml "" \
    "the 2019 emoticon wave (;-) subject, :) body, IMG0123_2018-JPG.zip): verdict campaign" \
    '.verdict == "campaign" and .score >= 10'
verdict avaddon-realphoto.eml "" \
    "a real holiday photo IMG_1234.JPG, same subject and wink: clean, score < 5" \
    '.verdict == "clean" and .score < 5'
verdict avaddon-xlm.eml "" \
    "Avaddon wave 2 (XLM workbook in Official notification.zip): score >= 5" \
    '.score >= 5 and any(.hits[]; .campaign == "Avaddon")'
for ext in $RFQ; do
    verdict "negasteal-rfq-$ext.eml" "" \
        "NEGASTEAL RFQ look-alike, RFQ_2024-117.$ext with a .NET stub: verdict campaign, score >= 10" \
        '.verdict == "campaign" and .score >= 10 and any(.hits[]; .campaign == "NEGASTEAL")'
    verdict "negasteal-rfq-$ext.eml" "" \
        "NEGASTEAL RFQ look-alike ($ext): the executable is named among the hit's objects" \
        'any(.hits[]; .id == "EXEC_IN_ARCHIVE" and any(.objects[]; test("RFQ_2024-117\\.'"$ext"'/")))'
done
verdict negasteal-rfq-pdf.eml "" \
    "the same RFQ mail with a real RFQ_2024-117.pdf: clean, score < 5" \
    '.verdict == "clean" and .score < 5'
verdict invoice-pdf.eml "" "an invoice mail with a real PDF: clean, score < 5" \
    '.verdict == "clean" and .score < 5'
verdict supplier-sheets.eml "" "a supplier's zip of a csv and two xlsx: clean, score < 5" \
    '.verdict == "clean" and .score < 5'
verdict negasteal-equation.eml "" \
    "Equation Editor RTF named Quotation_4471.doc with a quotation lure: score >= 10" \
    '.score >= 10 and any(.hits[]; .campaign == "NEGASTEAL")'
a='--auth pc01@example.com --client 10.0.0.50 --sender pc01@example.com --rcpt drop@example.invalid'
verdict negasteal-exfil.eml "$a" \
    "outbound (--auth) Agent Tesla report: verdict campaign, score >= 10" \
    '.verdict == "campaign" and .score >= 10'
a='--client 192.0.2.25 --sender pc01@example.com --rcpt drop@example.invalid'
verdict negasteal-exfil.eml "$a" \
    "the same report inbound (no --auth): not a campaign verdict" \
    '.verdict != "campaign"'

# --- the samples are inert -------------------------------------------------------------
bad=
for f in "$W"/c/*.eml "$W"/ham/*.eml; do
    grep -q INERT-TEST-FIXTURE "$f" || bad="$bad $(basename "$f")"
done
if [ -z "$bad" ]; then
    ok "every sample carries INERT-TEST-FIXTURE"
else
    not_ok "every sample carries INERT-TEST-FIXTURE"; diag "missing in:$bad"
fi
# visible addresses and URL hosts: example.com, example.net or *.invalid only
others=$(cat "$W"/c/*.eml "$W"/ham/*.eml |
    grep -o -E '(@|https?://)[A-Za-z0-9.-]+\.[A-Za-z]+' |
    sed -E 's/^(@|https?:\/\/)//' | tr 'A-Z' 'a-z' |
    grep -v -E '(^|\.)(example\.com|example\.net|invalid)$' | sort -u | tr '\n' ' ')
if [ -z "$others" ]; then
    ok "the samples name only example.com, example.net and .invalid hosts"
else
    not_ok "the samples name only example.com, example.net and .invalid hosts"; diag "others: $others"
fi

# --- ham ------------------------------------------------------------------------------
(cd "$W/ham" && "$MAILVET" scan -c "$CONF" --json ./*.eml) > "$W/ham.json" 2> "$W/ham.err"
rc=$?
jq -r -s '.[] | "\(.score // "null")\t\(.verdict)\t\(.file)\t\([.hits[]? | "\(.id)(\(.score))"] | join(" "))"' \
    "$W/ham.json" 2>/dev/null | sort -t "$tab" -k1,1 -g -r > "$W/ham.tsv"
got=$(grep -c . "$W/ham.tsv")
if [ "$rc" -ne 2 ] && [ "$got" -eq "$nham" ]; then
    ok "ham: all $nham messages scanned (exit $rc)"
else
    not_ok "ham: all $nham messages scanned"; diag "exit $rc, $got reports"; sed 's/^/#   /' "$W/ham.err" | head -20
fi
badham=$(awk -F "$tab" '$1 == "null" || $1 >= 5 || $2 != "clean"' "$W/ham.tsv")
if [ -z "$badham" ] && [ "$got" -eq "$nham" ]; then
    ok "ham: every one of $nham messages is clean with score < 5"
else
    not_ok "ham: every one of $nham messages is clean with score < 5"
    printf '%s\n' "$badham" | head -40 | sed 's/^/#   /'
fi
diag "ham, highest scores (score, verdict, file, hits):"
head -8 "$W/ham.tsv" | sed 's/^/#   /'

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
